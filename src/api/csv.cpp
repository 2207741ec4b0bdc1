#include "api/csv.h"

namespace crier::api {
namespace {

constexpr std::string_view kUtf8Bom = "\xEF\xBB\xBF";
constexpr std::string_view kStrayQuote =
    "a quote may only open a field; write a quoted field and double the quotes inside it";
constexpr std::string_view kUnterminatedQuote = "quoted field is never closed";
constexpr std::string_view kJunkAfterQuote =
    "after a closing quote only a comma or a line end may follow";

class Reader {
 public:
  explicit Reader(std::string_view text) : s_(text) {
    if (s_.substr(0, kUtf8Bom.size()) == kUtf8Bom) pos_ = kUtf8Bom.size();
  }

  bool Done() const { return pos_ >= s_.size(); }

  CsvRecord Next() {
    CsvRecord record;
    record.line = line_;
    std::string field;
    while (true) {
      if (pos_ >= s_.size()) {
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
        if (pos_ < s_.size() && s_[pos_] != ',' && !AtLineEnd()) {
          record.error = kJunkAfterQuote;
          SkipToNextLine();
          return record;
        }
        record.fields.push_back(std::move(field));
        field.clear();
        if (pos_ >= s_.size()) return record;
        if (s_[pos_] == ',') {
          ++pos_;
          if (pos_ >= s_.size() || AtLineEnd()) {
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

  // True when the record starting here is an empty line.
  bool AtEmptyLine() const { return AtLineEnd(); }
  void ConsumeLineEnd() {
    if (pos_ < s_.size() && s_[pos_] == '\r') ++pos_;
    if (pos_ < s_.size() && s_[pos_] == '\n') {
      ++pos_;
      ++line_;
    }
  }

 private:
  bool AtLineEnd() const {
    return pos_ < s_.size() &&
           (s_[pos_] == '\n' || (s_[pos_] == '\r' && pos_ + 1 < s_.size() && s_[pos_ + 1] == '\n'));
  }

  // Reads up to and including the closing quote; false when the input ends first.
  bool ReadQuoted(std::string* out) {
    while (pos_ < s_.size()) {
      const char c = s_[pos_++];
      if (c == '"') {
        if (pos_ < s_.size() && s_[pos_] == '"') {
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
    while (pos_ < s_.size() && !AtLineEnd()) ++pos_;
    ConsumeLineEnd();
  }

  std::string_view s_;
  std::size_t pos_ = 0;
  int line_ = 1;
};

}  // namespace

std::vector<CsvRecord> ParseCsv(std::string_view text) {
  std::vector<CsvRecord> records;
  Reader reader(text);
  while (!reader.Done()) {
    if (reader.AtEmptyLine()) {
      reader.ConsumeLineEnd();
      continue;
    }
    records.push_back(reader.Next());
  }
  return records;
}

}  // namespace crier::api
