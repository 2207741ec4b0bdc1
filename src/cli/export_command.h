// crier contacts export --filter '<text form>' --format csv|jsonl [-o FILE]: the contacts a
// filter selects, streamed from POST /v1/contacts/export to a file or stdout as they arrive,
// with a progress bar (rows written) when writing a file. A file is written beside its name
// and renamed at the end, so it is either the whole export or not there.
#pragma once

#include <CLI/CLI.hpp>
#include <cstdint>
#include <string_view>

#include "cli/commands.h"
#include "cli/import_chunks.h"

namespace crier::cli {

// Counts the rows of an export as its bytes go by: lines of JSON Lines, records of CSV (a
// line end inside a quoted field is part of the field; the header is no row).
// Thread-compatible.
class ExportRowCounter {
 public:
  explicit ExportRowCounter(ImportFormat format);
  void Add(std::string_view bytes);
  std::int64_t rows() const;

 private:
  ImportFormat format_;
  bool in_quotes_ = false;
  std::int64_t line_ends_ = 0;
};

// Registers `export` under the `contacts` command.
void AddContactsExportCommand(CLI::App& contacts, CommandEnv& env);

}  // namespace crier::cli
