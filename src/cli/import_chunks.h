// Splitting a contacts file (JSON Lines or CSV) into chunks for upload, so that a big import
// shows progress and no single request is huge, and mapping the line numbers the server
// reports for a chunk back to line numbers of the file.
//
// Pure functions over the file's bytes; thread-compatible.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"

namespace crier::cli {

enum class ImportFormat { kJsonl, kCsv };
std::string_view ToString(ImportFormat f);                          // "jsonl" / "csv"
std::optional<ImportFormat> ParseImportFormat(std::string_view s);  // also accepts "ndjson"
// From the file name: .jsonl / .ndjson -> JSON Lines, .csv -> CSV (case-insensitive).
std::optional<ImportFormat> FormatFromPath(std::string_view path);
// The Content-Type the API expects for the format.
std::string_view ContentType(ImportFormat f);

inline constexpr std::int64_t kDefaultChunkLines = 5000;

// One chunk: whole lines [first_line, first_line + lines) of the file, bytes [begin, end).
struct ImportChunk {
  std::size_t begin = 0;
  std::size_t end = 0;
  std::int64_t first_line = 1;  // 1-based line number in the file
  std::int64_t lines = 0;       // physical lines in the chunk (excluding the CSV header)
};

struct ImportPlan {
  ImportFormat format = ImportFormat::kJsonl;
  std::size_t header_end = 0;     // CSV: bytes [0, header_end) are the header row; else 0
  std::int64_t header_lines = 0;  // CSV: physical lines of the header row (1 unless quoted)
  std::int64_t data_lines = 0;    // lines after the header: the progress total
  std::vector<ImportChunk> chunks;
};

// Cuts `content` after every `max_lines` lines. CSV chunks are cut only between records (never
// inside a quoted field that spans lines), so one may run a little longer. A CSV file must
// start with its header row: an empty CSV file fails with kInvalidArgument naming line 1.
// An empty JSON Lines file (or a CSV file with only a header) gives no chunks.
Result<ImportPlan> PlanImport(std::string_view content, ImportFormat format,
                              std::int64_t max_lines = kDefaultChunkLines);

// The request body for chunk `index`: the CSV header (if any) followed by the chunk's lines.
std::string ChunkBody(std::string_view content, const ImportPlan& plan, std::size_t index);

// The file line for a line number the server reported within chunk `index`'s body (line 1 of
// a CSV body is the header, which is line 1 of the file too).
std::int64_t FileLine(const ImportPlan& plan, std::size_t index, std::int64_t chunk_line);

}  // namespace crier::cli
