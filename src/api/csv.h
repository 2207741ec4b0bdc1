// An RFC 4180 CSV reader: comma-separated, fields optionally in double quotes, a doubled
// quote inside a quoted field stands for one quote, quoted fields may span lines, records end
// with CRLF or LF. A leading UTF-8 byte-order mark is ignored (spreadsheets write one).
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace crier::api {

struct CsvRecord {
  int line = 0;  // 1-based line on which the record starts
  std::vector<std::string> fields;
  // Non-empty when the record is malformed (a stray or unterminated quote); `fields` is then
  // incomplete. Reading resumes at the next line, so one bad record spoils only itself.
  std::string error;
};

// Reads every record of `text`. Empty lines are skipped. Thread-safe (pure).
std::vector<CsvRecord> ParseCsv(std::string_view text);

}  // namespace crier::api
