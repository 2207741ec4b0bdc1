// An RFC 4180 CSV reader: comma-separated, fields optionally in double quotes, a doubled
// quote inside a quoted field stands for one quote, quoted fields may span lines, records end
// with CRLF or LF. A leading UTF-8 byte-order mark is ignored (spreadsheets write one).
#pragma once

#include <cstddef>
#include <optional>
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
  std::size_t bytes = 0;  // the record's length in the input, its line end included
};

// Reads records from text that arrives in pieces (an upload being received): the caller
// keeps the bytes not yet consumed and offers them again with what arrives next. Records are
// exactly those ParseCsv finds in the whole text, and line numbers run on across pieces.
// Thread-compatible.
class CsvStreamReader {
 public:
  // The next record in `text` (the unconsumed input so far). `final` says no more input will
  // follow. Sets `*consumed` to the bytes of `text` used up (the record and any empty lines
  // and byte-order mark before it). Returns nullopt when `text` holds no whole record yet
  // (or, when final, no record at all); `*consumed` then covers only what was skipped.
  std::optional<CsvRecord> Next(std::string_view text, bool final, std::size_t* consumed);

  // The line the next record will start on (when no empty lines precede it).
  int line() const { return line_; }
  // Where the next record starts, when the caller moved on by itself (e.g. dropped the rest
  // of a line unread).
  void set_line(int line) { line_ = line; }

 private:
  int line_ = 1;
  bool at_start_ = true;  // a byte-order mark may still come
};

// Reads every record of `text`. Empty lines are skipped. Thread-safe (pure).
std::vector<CsvRecord> ParseCsv(std::string_view text);

}  // namespace crier::api
