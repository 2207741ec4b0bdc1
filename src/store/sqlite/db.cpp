#include "store/sqlite/db.h"

#include <algorithm>
#include <cctype>
#include <mutex>
#include <string>

namespace crier::sqlite {
namespace {

constexpr std::string_view kSynchronousValues[] = {"OFF", "NORMAL", "FULL", "EXTRA"};
// Reads through a memory map skip a copy per page; writes still go through the WAL.
constexpr std::int64_t kMmapBytes = std::int64_t{1} << 30;

// SQLite keeps global allocation statistics behind a process-wide mutex that every
// connection's malloc takes; nothing here reads them. Must run before SQLite initialises;
// later calls are refused harmlessly.
void ConfigureSqliteOnce() {
  static std::once_flag once;
  std::call_once(once, [] { sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0); });
}

std::string Upper(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
  return out;
}

}  // namespace

Error SqliteError(sqlite3* db, int rc, std::string_view what) {
  std::string message = std::string(what) + ": " + sqlite3_errstr(rc);
  if (db != nullptr && sqlite3_errcode(db) == rc) {
    message += " (" + std::string(sqlite3_errmsg(db)) + ")";
  }
  const int primary = rc & 0xff;
  if (primary == SQLITE_BUSY || primary == SQLITE_LOCKED) {
    return {ErrorCode::kUnavailable, std::move(message), {}};
  }
  return Internal(std::move(message));
}

// ---- Statement ----------------------------------------------------------------------------

Statement::~Statement() {
  if (stmt_ != nullptr) {
    sqlite3_reset(stmt_);
    sqlite3_clear_bindings(stmt_);
  }
}

Statement::Statement(Statement&& other) noexcept
    : db_(other.db_), stmt_(other.stmt_), bind_rc_(other.bind_rc_) {
  other.stmt_ = nullptr;
}

void Statement::Bind(int index, std::int64_t value) {
  const int rc = sqlite3_bind_int64(stmt_, index, value);
  if (rc != SQLITE_OK && bind_rc_ == SQLITE_OK) bind_rc_ = rc;
}

void Statement::Bind(int index, double value) {
  const int rc = sqlite3_bind_double(stmt_, index, value);
  if (rc != SQLITE_OK && bind_rc_ == SQLITE_OK) bind_rc_ = rc;
}

void Statement::Bind(int index, const std::optional<Time>& value) {
  if (value.has_value()) {
    Bind(index, *value);
  } else {
    BindNull(index);
  }
}

void Statement::BindText(int index, std::string_view value) {
  const int rc =
      sqlite3_bind_text64(stmt_, index, value.data(), value.size(), SQLITE_TRANSIENT, SQLITE_UTF8);
  if (rc != SQLITE_OK && bind_rc_ == SQLITE_OK) bind_rc_ = rc;
}

void Statement::BindTextOrNull(int index, std::string_view value) {
  if (value.empty()) {
    BindNull(index);
  } else {
    BindText(index, value);
  }
}

void Statement::BindStaticText(int index, std::string_view value) {
  const int rc =
      sqlite3_bind_text64(stmt_, index, value.data(), value.size(), SQLITE_STATIC, SQLITE_UTF8);
  if (rc != SQLITE_OK && bind_rc_ == SQLITE_OK) bind_rc_ = rc;
}

void Statement::BindNull(int index) {
  const int rc = sqlite3_bind_null(stmt_, index);
  if (rc != SQLITE_OK && bind_rc_ == SQLITE_OK) bind_rc_ = rc;
}

Result<bool> Statement::Step() {
  if (bind_rc_ != SQLITE_OK) return SqliteError(db_, bind_rc_, "binding a parameter");
  const int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  return SqliteError(db_, rc, "running a statement");
}

int Statement::StepRaw() {
  if (bind_rc_ != SQLITE_OK) return bind_rc_;
  return sqlite3_step(stmt_);
}

Status Statement::Run() {
  while (true) {
    auto row = Step();
    if (!row.ok()) return row.error();
    if (!*row) return Status::Ok();
  }
}

void Statement::Reset() { sqlite3_reset(stmt_); }

bool Statement::IsNull(int col) const { return sqlite3_column_type(stmt_, col) == SQLITE_NULL; }

std::int64_t Statement::Int(int col) const { return sqlite3_column_int64(stmt_, col); }

double Statement::Double(int col) const { return sqlite3_column_double(stmt_, col); }

std::string_view Statement::Text(int col) const {
  const auto* text = reinterpret_cast<const char*>(sqlite3_column_text(stmt_, col));
  if (text == nullptr) return {};
  return {text, static_cast<size_t>(sqlite3_column_bytes(stmt_, col))};
}

std::optional<Time> Statement::OptionalTime(int col) const {
  if (IsNull(col)) return std::nullopt;
  return TimeAt(col);
}

// ---- Connection ---------------------------------------------------------------------------

Result<std::unique_ptr<Connection>> Connection::Open(const ConnectionOptions& options) {
  const std::string synchronous = Upper(options.synchronous);
  if (std::find(std::begin(kSynchronousValues), std::end(kSynchronousValues), synchronous) ==
      std::end(kSynchronousValues)) {
    return InvalidArgument("synchronous", "must be one of OFF, NORMAL, FULL, EXTRA, not \"" +
                                              options.synchronous + "\"");
  }
  ConfigureSqliteOnce();
  sqlite3* raw = nullptr;
  // NOMUTEX: each connection is used by one thread at a time, so SQLite's own per-connection
  // mutex would be pure overhead.
  const int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX;
  const int rc = sqlite3_open_v2(options.path.c_str(), &raw, flags, nullptr);
  std::unique_ptr<Connection> conn(new Connection(raw));
  if (rc != SQLITE_OK) {
    return SqliteError(raw, rc, "opening the database \"" + options.path + "\"");
  }
  sqlite3_extended_result_codes(raw, 1);
  sqlite3_busy_timeout(raw, options.busy_timeout_ms);

  // journal_mode answers with the mode it ended up in; anything but "wal" means readers
  // would block writers, which the store's design does not allow.
  {
    sqlite3_stmt* stmt = nullptr;
    int prc = sqlite3_prepare_v2(raw, "PRAGMA journal_mode=WAL", -1, &stmt, nullptr);
    if (prc != SQLITE_OK) return SqliteError(raw, prc, "enabling WAL mode");
    prc = sqlite3_step(stmt);
    std::string mode;
    if (prc == SQLITE_ROW) {
      const auto* text = reinterpret_cast<const char*>(sqlite3_column_text(stmt, 0));
      mode = text != nullptr ? text : "";
    }
    sqlite3_finalize(stmt);
    if (prc != SQLITE_ROW) return SqliteError(raw, prc, "enabling WAL mode");
    if (Upper(mode) != "WAL") {
      return InvalidArgument("path", "the database \"" + options.path +
                                         "\" cannot use WAL mode (journal mode is \"" + mode +
                                         "\")");
    }
  }
  std::string pragmas =
      "PRAGMA synchronous=" + synchronous +
      "; PRAGMA foreign_keys=ON; PRAGMA cache_size=" + std::to_string(-options.cache_kib) +
      "; PRAGMA mmap_size=" + std::to_string(kMmapBytes) + ";";
  if (options.read_only) pragmas += " PRAGMA query_only=ON;";
  CRIER_RETURN_IF_ERROR(conn->Exec(pragmas));
  return conn;
}

Connection::~Connection() {
  for (auto& [sql, stmt] : cache_) sqlite3_finalize(stmt);
  sqlite3_close_v2(db_);
}

Result<Statement> Connection::Prepare(std::string_view sql) {
  auto it = cache_.find(sql);
  if (it == cache_.end()) {
    sqlite3_stmt* stmt = nullptr;
    const int rc = sqlite3_prepare_v3(db_, sql.data(), static_cast<int>(sql.size()),
                                      SQLITE_PREPARE_PERSISTENT, &stmt, nullptr);
    if (rc != SQLITE_OK) return SqliteError(db_, rc, "preparing a statement");
    it = cache_.emplace(sql, stmt).first;
  }
  return Statement(db_, it->second);
}

Status Connection::Exec(std::string_view sql) {
  char* message = nullptr;
  const std::string text(sql);
  const int rc = sqlite3_exec(db_, text.c_str(), nullptr, nullptr, &message);
  if (rc != SQLITE_OK) {
    std::string detail = message != nullptr ? message : sqlite3_errstr(rc);
    sqlite3_free(message);
    Error error = SqliteError(nullptr, rc, "executing SQL");
    error.message += " (" + detail + ")";
    return error;
  }
  return Status::Ok();
}

// ---- transactions -------------------------------------------------------------------------

namespace {

Status RunCached(Connection& db, std::string_view sql) {
  auto stmt = db.Prepare(sql);
  if (!stmt.ok()) return stmt.error();
  return stmt->Run();
}

constexpr std::string_view kBeginImmediate = "BEGIN IMMEDIATE";
constexpr std::string_view kBegin = "BEGIN";
constexpr std::string_view kCommit = "COMMIT";
constexpr std::string_view kRollback = "ROLLBACK";

}  // namespace

WriteTransaction::~WriteTransaction() {
  // A failed statement may already have ended the transaction; ROLLBACK then fails harmlessly.
  if (open_ && !sqlite3_get_autocommit(db_.handle())) (void)RunCached(db_, kRollback);
}

Status WriteTransaction::Begin() {
  CRIER_RETURN_IF_ERROR(RunCached(db_, kBeginImmediate));
  open_ = true;
  return Status::Ok();
}

Status WriteTransaction::Commit() {
  CRIER_RETURN_IF_ERROR(RunCached(db_, kCommit));
  open_ = false;
  return Status::Ok();
}

ReadTransaction::~ReadTransaction() {
  if (open_ && !sqlite3_get_autocommit(db_.handle())) (void)RunCached(db_, kCommit);
}

Status ReadTransaction::Begin() {
  CRIER_RETURN_IF_ERROR(RunCached(db_, kBegin));
  open_ = true;
  return Status::Ok();
}

}  // namespace crier::sqlite
