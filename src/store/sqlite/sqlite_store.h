// The embedded default Store: one SQLite file in WAL mode.
//
// Thread-safety: all methods are safe to call concurrently. Writes are serialized on one
// connection; reads use their own connections so they do not wait for writers (WAL).
#pragma once

#include <memory>
#include <string>

#include "store/store.h"

namespace crier {

struct SqliteOptions {
  std::string path;  // file path; ":memory:" is refused (readers need a shared file)
  // "NORMAL" survives a process crash (kill -9) with WAL; "FULL" also survives power loss.
  std::string synchronous = "NORMAL";
  int busy_timeout_ms = 5000;
  // Stamps schema_migrations.applied_at; nullptr means SystemClock. Not owned.
  const Clock* clock = nullptr;
};

// Opens (creating if needed) the database at options.path and applies pending migrations.
// Fails with kInvalidArgument (field "path" / "synchronous" / "busy_timeout_ms") for bad
// options, kFailedPrecondition when the file was migrated by a newer build, kUnavailable when
// another process holds the database locked past the busy timeout, else kInternal.
Result<std::unique_ptr<Store>> OpenSqliteStore(const SqliteOptions& options);

}  // namespace crier
