// Contact input rows: the body of POST /v1/contacts and each row of a contacts import
// (JSON Lines or CSV). Kept apart from the HTTP layer so that the CLI and streaming imports
// read rows exactly as the server does.
//
// All functions are pure and thread-safe.
#pragma once

#include <array>
#include <boost/json.hpp>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/model.h"
#include "core/result.h"
#include "store/store.h"

namespace crier::api {

// The field names of a contact input, which are also the allowed CSV columns.
// (CSV has no `attributes` column: each attribute is a column of its own, see below. The
// marketing token is an object in JSON, {token, expires_at, stopped?, last_sent_at?}, and two
// columns in CSV: `marketing_token` with the token and kCsvTokenExpiresColumn.)
inline constexpr std::array<std::string_view, 18> kContactInputFields = {"channel_account_id",
                                                                         "platform_user_id",
                                                                         "name",
                                                                         "first_name",
                                                                         "locale",
                                                                         "time_zone",
                                                                         "region",
                                                                         "subscription",
                                                                         "tags",
                                                                         "last_inbound_at",
                                                                         "window_opener",
                                                                         "blocked",
                                                                         "opted_in",
                                                                         "marketing_opted_out",
                                                                         "marketing_token",
                                                                         "attributes",
                                                                         "conversation_state",
                                                                         "assignee"};

// The CSV column with the marketing token's expiry (RFC 3339); given with `marketing_token`.
inline constexpr std::string_view kCsvTokenExpiresColumn = "marketing_token_expires_at";

// CSV: one column per attribute, named "attr.KEY" with an optional type suffix:
// "attr.city" (string), "attr.spend:number", "attr.vip:bool" (true/false/1/0),
// "attr.birthday:time" (RFC 3339). An empty cell leaves the attribute as it is.
inline constexpr std::string_view kCsvAttributePrefix = "attr.";

// CSV cells of the `tags` column hold several tags separated by this character.
inline constexpr char kCsvTagSeparator = '|';

// Reads one contact input. `default_account` fills channel_account_id when the row has none.
// "attributes" is an object of key -> string, number, boolean, {"time": RFC 3339} or null
// (null removes the attribute); keys given are set, keys not given are kept.
// "marketing_token" is {token, expires_at, stopped?, last_sent_at?} and replaces the stored
// token whole; an explicit null removes it. "region" is an ISO 3166-1 alpha-2 code (either
// case; kept in capitals).
// Unknown fields, wrong types and invalid values fail naming the field ("tags[2]",
// "last_inbound_at").
Result<ContactInput> ContactInputFromJson(const boost::json::object& row,
                                          std::optional<Id> default_account);

// Reads one CSV record under `columns` (the header, already checked by CheckCsvHeader). An
// empty cell means the field is not given. Failures name the column.
Result<ContactInput> ContactInputFromCsv(std::span<const std::string> columns,
                                         std::span<const std::string> cells,
                                         std::optional<Id> default_account);

// Checks a CSV header: every column a known field, none twice, platform_user_id present, and
// channel_account_id present unless a default is given. Failures name the column.
Status CheckCsvHeader(std::span<const std::string> columns, bool has_default_account);

enum class ImportFormat { kJsonl, kCsv };
std::optional<ImportFormat> ParseImportFormat(std::string_view name);  // "jsonl", "csv"
// From a Content-Type: application/x-ndjson (or application/jsonl) and text/csv.
std::optional<ImportFormat> ImportFormatFromContentType(std::string_view content_type);

struct ImportRowError {
  int line = 0;       // 1-based; a CSV header is line 1
  std::string field;  // empty when the row as a whole is unreadable
  std::string message;
};

struct ImportRow {
  int line = 0;
  ContactInput input;
};

struct ParsedImport {
  std::int64_t received = 0;           // rows seen (blank lines and the CSV header excluded)
  std::vector<ImportRow> rows;         // the good rows, in file order
  std::vector<ImportRowError> errors;  // the bad rows, in file order
};

// Reads an import file piece by piece as it arrives (an upload being received), exactly as
// ForEachImportChunk reads it whole: a line or CSV record split across pieces is put
// together, line numbers run on across pieces, and rows go to `sink` in chunks of
// `chunk_rows` (at least 1) as soon as a chunk is full. Memory stays bounded by one chunk and
// one record: a line or record longer than kMaxImportRecordBytes is a bad row, reported on
// the line it starts on, and reading resumes on the next line.
//
// Thread-compatible. After a failed Feed or Finish the reader only repeats the failure.
class ImportReader {
 public:
  ImportReader(ImportFormat format, std::optional<Id> default_account, std::size_t chunk_rows,
               std::function<Status(ParsedImport& chunk)> sink);
  ~ImportReader();
  ImportReader(const ImportReader&) = delete;
  ImportReader& operator=(const ImportReader&) = delete;

  // Reads every whole row in what has arrived so far. Fails with the sink's error, or when
  // the file as a whole cannot be read (a CSV header that is malformed or names an unknown
  // column), naming the column.
  Status Feed(std::string_view bytes);
  // The end of the file: reads the last row (a line without a line end) and hands the last
  // chunk to the sink. Fails as Feed does, and for a CSV file without a header.
  Status Finish();

 private:
  struct State;
  std::unique_ptr<State> state_;
};

// Reads an import file in chunks of at most `chunk_rows` rows and hands each chunk (its good
// rows and its bad rows) to `sink`, in file order, reusing the chunk's storage. Stops at the
// first error of `sink` and returns it. Fails before any chunk when the file as a whole cannot
// be read (see ParseContactImport).
Status ForEachImportChunk(std::string_view body, ImportFormat format,
                          std::optional<Id> default_account, std::size_t chunk_rows,
                          const std::function<Status(ParsedImport& chunk)>& sink);

// A last interaction later than `now` (plus a little clock skew) cannot have happened; taken
// on trust it would make crier think a window is open that the platform knows is not.
Status CheckInteractionNotInFuture(const ContactInput& in, Time now);

// Reads a whole import file. Bad rows become errors and do not stop the reading. Fails only
// when the file as a whole cannot be read (a CSV header that is missing or names an unknown
// column), naming the column.
Result<ParsedImport> ParseContactImport(std::string_view body, ImportFormat format,
                                        std::optional<Id> default_account);

}  // namespace crier::api
