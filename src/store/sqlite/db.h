// A thin RAII layer over sqlite3 used by the SQLite store: a connection that caches its
// prepared statements, a statement handle that resets itself when it goes out of scope, and
// transaction guards.
//
// Thread-safety: a Connection (and every Statement borrowed from it) must be used by one
// thread at a time; the store hands connections out under a mutex or from a pool.
#pragma once

#include <sqlite3.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

#include "core/clock.h"
#include "core/result.h"

namespace crier::sqlite {

// SQLite failures as crier errors: busy/locked -> kUnavailable (retrying may help),
// anything else -> kInternal. `what` says what was being done.
Error SqliteError(sqlite3* db, int rc, std::string_view what);

// A prepared statement borrowed from a Connection's cache. Resets and clears its bindings
// when destroyed, so a cached statement never keeps a read transaction open. Never hold two
// Statements for the same SQL text at once: they are the same sqlite3_stmt.
class Statement {
 public:
  Statement(sqlite3* db, sqlite3_stmt* stmt) : db_(db), stmt_(stmt) {}
  ~Statement();
  Statement(Statement&& other) noexcept;
  Statement& operator=(Statement&&) = delete;
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;

  // Parameters are 1-based, as in SQLite. A failed bind is reported by the next Step().
  void Bind(int index, std::int64_t value);
  void Bind(int index, int value) { Bind(index, static_cast<std::int64_t>(value)); }
  void Bind(int index, bool value) { Bind(index, static_cast<std::int64_t>(value ? 1 : 0)); }
  void Bind(int index, double value);
  void Bind(int index, Time value) { Bind(index, ToUnixMillis(value)); }
  void Bind(int index, const std::optional<Time>& value);
  // Copies the text.
  void BindText(int index, std::string_view value);
  // Empty text is stored as NULL (keeps rows compact; read back as "").
  void BindTextOrNull(int index, std::string_view value);
  // Does not copy: `value` must stay alive and unchanged until the statement is stepped for
  // the last time with this binding.
  void BindStaticText(int index, std::string_view value);
  void BindNull(int index);

  // One step: true when a row is ready, false when done.
  Result<bool> Step();
  // Steps once and returns SQLite's result code, for callers that tell constraint failures
  // apart (e.g. a unique key already taken).
  int StepRaw();
  // Steps to completion, ignoring any rows.
  Status Run();
  // Makes the statement ready to step again with the current bindings.
  void Reset();

  // Column accessors (0-based). NULL reads as 0 / "" / nullopt.
  bool IsNull(int col) const;
  std::int64_t Int(int col) const;
  double Double(int col) const;
  std::string_view Text(int col) const;
  Time TimeAt(int col) const { return FromUnixMillis(Int(col)); }
  std::optional<Time> OptionalTime(int col) const;

 private:
  sqlite3* db_;
  sqlite3_stmt* stmt_;
  int bind_rc_ = SQLITE_OK;
};

struct ConnectionOptions {
  std::string path;
  std::string synchronous = "NORMAL";
  int busy_timeout_ms = 5000;
  bool read_only = false;     // query_only: the connection refuses writes
  int cache_kib = 16 * 1024;  // page cache of this connection
};

class Connection {
 public:
  // Opens (creating if allowed) the file, switches it to WAL and applies the pragmas.
  static Result<std::unique_ptr<Connection>> Open(const ConnectionOptions& options);
  ~Connection();
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  // Returns the cached statement for `sql`, preparing it on first use. `sql` must have
  // static storage duration (a literal or a constant): the cache keys on it.
  Result<Statement> Prepare(std::string_view sql);
  // Runs one or more statements without caching (DDL, migrations).
  Status Exec(std::string_view sql);

  std::int64_t LastInsertId() const { return sqlite3_last_insert_rowid(db_); }
  std::int64_t Changes() const { return sqlite3_changes64(db_); }
  sqlite3* handle() const { return db_; }

 private:
  explicit Connection(sqlite3* db) : db_(db) {}
  sqlite3* db_;
  std::unordered_map<std::string_view, sqlite3_stmt*> cache_;
};

// A write transaction: BEGIN IMMEDIATE, so the database write lock is held from the start
// (no deadlock-prone lock upgrades). Rolls back on destruction unless Commit() succeeded.
// The caller serializes use of the connection (the store holds its writer mutex).
class WriteTransaction {
 public:
  explicit WriteTransaction(Connection& db) : db_(db) {}
  ~WriteTransaction();
  WriteTransaction(const WriteTransaction&) = delete;
  WriteTransaction& operator=(const WriteTransaction&) = delete;

  Status Begin();
  Status Commit();

 private:
  Connection& db_;
  bool open_ = false;
};

// A read transaction: several statements see one consistent snapshot.
class ReadTransaction {
 public:
  explicit ReadTransaction(Connection& db) : db_(db) {}
  ~ReadTransaction();
  ReadTransaction(const ReadTransaction&) = delete;
  ReadTransaction& operator=(const ReadTransaction&) = delete;

  Status Begin();

 private:
  Connection& db_;
  bool open_ = false;
};

}  // namespace crier::sqlite

#define STORE_CONCAT_INNER_(a, b) a##b
#define STORE_CONCAT_(a, b) STORE_CONCAT_INNER_(a, b)
#define STORE_ASSIGN_OR_RETURN_IMPL_(tmp, lhs, expr) \
  auto tmp = (expr);                                 \
  if (!tmp.ok()) return tmp.error();                 \
  lhs = std::move(tmp).value()
// Evaluates `expr` (a Result), returns its error, or assigns its value to `lhs`.
#define STORE_ASSIGN_OR_RETURN(lhs, expr) \
  STORE_ASSIGN_OR_RETURN_IMPL_(STORE_CONCAT_(store_result_, __LINE__), lhs, expr)
// Declares `var`, the cached statement for `sql` on `conn`, or returns the error.
#define STORE_PREPARE(var, conn, sql) \
  STORE_ASSIGN_OR_RETURN(::crier::sqlite::Statement var, (conn).Prepare(sql))
