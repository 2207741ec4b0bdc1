// The SQLite schema as an ordered list of migrations. Version N is Migrations()[N - 1];
// released migrations are never edited, only appended to.
#pragma once

#include <span>
#include <string_view>

#include "core/clock.h"
#include "core/result.h"
#include "store/sqlite/db.h"

namespace crier::sqlite {

std::span<const std::string_view> Migrations();

// Applies every migration not yet recorded in schema_migrations, each in its own
// transaction, recording (version, applied_at = now). Safe to run on every open and from
// several processes at once: a version is applied exactly once.
// Fails with kFailedPrecondition when the database was written by a newer build (it records
// versions this build does not know).
Status ApplyMigrations(Connection& db, Time now);

}  // namespace crier::sqlite
