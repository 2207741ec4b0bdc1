#include "api/csv.h"

namespace crier::api {
namespace {

constexpr std::string_view kUtf8Bom = "\xEF\xBB\xBF";
constexpr std::string_view kStrayQuote =
    "a quote may only open a field; write a quoted field and double the quotes inside it";
constexpr std::string_view kUnterminatedQuote = "quoted field is never closed";
constexpr std::string_view kJunkAfterQuote =
    "after a closing quote only a comma or a line end may follow";

// Reads one record at a time from text that may continue beyond its end. When `final` is
// false and the reader needs a byte past the end (to finish a field, or to tell "\r\n" from
// a lone "\r"), it notes that it starved; what it read since then is to be thrown away and
// read again once more text has arrived.
class Reader {
 public:
  Reader(std::string_view text, std::size_t pos, bool final, int line)
      : s_(text), pos_(pos), line_(line), final_(final) {}

  std::size_t pos() const { return pos_; }
  int line() const { return line_; }
  bool starved() const { return starved_; }

  // Whether the byte `ahead` bytes on exists.
  bool Has(std::size_t ahead = 0) {
    if (pos_ + ahead < s_.size()) return true;
    if (!final_) starved_ = true;
    return false;
  }

  bool AtLineEnd() {
    if (!Has()) return false;
    return s_[pos_] == '\n' || (s_[pos_] == '\r' && Has(1) && s_[pos_ + 1] == '\n');
  }

  void ConsumeLineEnd() {
    if (Has() && s_[pos_] == '\r') ++pos_;
    if (Has() && s_[pos_] == '\n') {
      ++pos_;
      ++line_;
    }
  }

  CsvRecord Next() {
    CsvRecord record;
    record.line = line_;
    std::string field;
    while (true) {
      if (!Has()) {
        record.fields.push_back(std::move(field));
        return record;
      }
      const char c = s_[pos_];
      if (c == '"' && field.empty()) {
        ++pos_;
        if (!ReadQuoted(&field)) {
          record.error = kUnterminatedQuote;
          return record;
        }
        // After the closing quote: a separator, a line end, or the end of the input.
        if (Has() && s_[pos_] != ',' && !AtLineEnd()) {
          record.error = kJunkAfterQuote;
          SkipToNextLine();
          return record;
        }
        record.fields.push_back(std::move(field));
        field.clear();
        if (!Has()) return record;
        if (s_[pos_] == ',') {
          ++pos_;
          if (!Has() || AtLineEnd()) {
            record.fields.emplace_back();
            ConsumeLineEnd();
            return record;
          }
          continue;
        }
        ConsumeLineEnd();
        return record;
      }
      if (c == '"') {
        record.error = kStrayQuote;
        SkipToNextLine();
        return record;
      }
      if (c == ',') {
        record.fields.push_back(std::move(field));
        field.clear();
        ++pos_;
        continue;
      }
      if (AtLineEnd()) {
        record.fields.push_back(std::move(field));
        ConsumeLineEnd();
        return record;
      }
      field.push_back(c);
      ++pos_;
    }
  }

 private:
  // Reads up to and including the closing quote; false when the input ends first.
  bool ReadQuoted(std::string* out) {
    while (Has()) {
      const char c = s_[pos_++];
      if (c == '"') {
        if (Has() && s_[pos_] == '"') {
          out->push_back('"');
          ++pos_;
          continue;
        }
        return true;
      }
      if (c == '\n') ++line_;
      out->push_back(c);
    }
    return false;
  }

  void SkipToNextLine() {
    while (Has() && !AtLineEnd()) ++pos_;
    ConsumeLineEnd();
  }

  std::string_view s_;
  std::size_t pos_ = 0;
  int line_ = 1;
  bool final_ = true;
  bool starved_ = false;
};

}  // namespace

std::optional<CsvRecord> CsvStreamReader::Next(std::string_view text, bool final,
                                               std::size_t* consumed) {
  std::size_t start = 0;
  if (at_start_) {
    // Wait for three bytes before deciding whether the input starts with a byte-order mark.
    if (!final && text.size() < kUtf8Bom.size() && kUtf8Bom.starts_with(text)) {
      *consumed = 0;
      return std::nullopt;
    }
    at_start_ = false;
    if (text.starts_with(kUtf8Bom)) start = kUtf8Bom.size();
  }
  Reader reader(text, start, final, line_);
  std::size_t skipped = start;
  int skipped_line = line_;
  while (reader.Has()) {
    if (reader.AtLineEnd()) {  // an empty line
      reader.ConsumeLineEnd();
      if (reader.starved()) break;
      skipped = reader.pos();
      skipped_line = reader.line();
      continue;
    }
    if (reader.starved()) break;
    const std::size_t record_start = reader.pos();
    CsvRecord record = reader.Next();
    if (reader.starved()) break;
    record.bytes = reader.pos() - record_start;
    *consumed = reader.pos();
    line_ = reader.line();
    return record;
  }
  *consumed = skipped;
  line_ = skipped_line;
  return std::nullopt;
}

std::vector<CsvRecord> ParseCsv(std::string_view text) {
  std::vector<CsvRecord> records;
  CsvStreamReader reader;
  std::size_t pos = 0;
  for (;;) {
    std::size_t used = 0;
    std::optional<CsvRecord> record = reader.Next(text.substr(pos), /*final=*/true, &used);
    pos += used;
    if (!record) return records;
    records.push_back(std::move(*record));
  }
}

}  // namespace crier::api
