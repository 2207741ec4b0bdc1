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
};

// Opens (creating if needed) the database at options.path and applies pending migrations.
Result<std::unique_ptr<Store>> OpenSqliteStore(const SqliteOptions& options);

}  // namespace crier
