#include "cli/import_chunks.h"

#include <algorithm>

namespace crier::cli {
namespace {

constexpr char kCsvHeaderMissing[] = "the CSV file is empty: the first line must be the header row";

bool EndsWithNoCase(std::string_view text, std::string_view suffix) {
  if (text.size() < suffix.size()) return false;
  return std::equal(suffix.begin(), suffix.end(), text.end() - static_cast<long>(suffix.size()),
                    [](char lower, char c) {
                      return c == lower ||
                             (lower >= 'a' && lower <= 'z' && c == static_cast<char>(lower - 32));
                    });
}

// Where the record starting at `at` ends (just past its '\n', or the end of `content`), and
// how many physical lines it spans. In CSV a quoted field may contain newlines; a doubled
// quote inside a quoted field toggles twice, so counting quotes is enough.
struct Record {
  std::size_t end = 0;
  std::int64_t lines = 0;
};
Record NextRecord(std::string_view content, std::size_t at, bool csv) {
  bool quoted = false;
  std::int64_t lines = 1;
  for (std::size_t i = at; i < content.size(); ++i) {
    const char c = content[i];
    if (csv && c == '"') quoted = !quoted;
    if (c == '\n') {
      if (!quoted) return {i + 1, lines};
      ++lines;
    }
  }
  return {content.size(), lines};
}

}  // namespace

std::string_view ToString(ImportFormat f) { return f == ImportFormat::kCsv ? "csv" : "jsonl"; }

std::optional<ImportFormat> ParseImportFormat(std::string_view s) {
  if (s == "jsonl" || s == "ndjson") return ImportFormat::kJsonl;
  if (s == "csv") return ImportFormat::kCsv;
  return std::nullopt;
}

std::optional<ImportFormat> FormatFromPath(std::string_view path) {
  if (EndsWithNoCase(path, ".jsonl") || EndsWithNoCase(path, ".ndjson")) {
    return ImportFormat::kJsonl;
  }
  if (EndsWithNoCase(path, ".csv")) return ImportFormat::kCsv;
  return std::nullopt;
}

std::string_view ContentType(ImportFormat f) {
  return f == ImportFormat::kCsv ? "text/csv" : "application/x-ndjson";
}

Result<ImportPlan> PlanImport(std::string_view content, ImportFormat format,
                              std::int64_t max_lines) {
  max_lines = std::max<std::int64_t>(max_lines, 1);
  const bool csv = format == ImportFormat::kCsv;
  ImportPlan plan;
  plan.format = format;
  std::size_t pos = 0;
  std::int64_t line = 1;
  if (csv) {
    if (content.empty()) return InvalidArgument("line 1", kCsvHeaderMissing);
    const Record header = NextRecord(content, 0, true);
    plan.header_end = pos = header.end;
    plan.header_lines = header.lines;
    line += header.lines;
  }
  while (pos < content.size()) {
    ImportChunk chunk{pos, pos, line, 0};
    while (chunk.end < content.size() && chunk.lines < max_lines) {
      const Record r = NextRecord(content, chunk.end, csv);
      chunk.end = r.end;
      chunk.lines += r.lines;
    }
    plan.data_lines += chunk.lines;
    line += chunk.lines;
    pos = chunk.end;
    plan.chunks.push_back(chunk);
  }
  return plan;
}

std::string ChunkBody(std::string_view content, const ImportPlan& plan, std::size_t index) {
  const ImportChunk& chunk = plan.chunks.at(index);
  std::string body;
  body.reserve(plan.header_end + (chunk.end - chunk.begin) + 1);
  body.append(content.substr(0, plan.header_end));
  // The header always ends with its newline when data follows it, so no separator is needed.
  body.append(content.substr(chunk.begin, chunk.end - chunk.begin));
  return body;
}

std::int64_t FileLine(const ImportPlan& plan, std::size_t index, std::int64_t chunk_line) {
  if (chunk_line <= plan.header_lines) return chunk_line;
  return plan.chunks.at(index).first_line + (chunk_line - plan.header_lines) - 1;
}

}  // namespace crier::cli
