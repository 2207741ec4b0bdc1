#include "core/personalize.h"

#include <algorithm>
#include <charconv>
#include <chrono>
#include <cstdio>
#include <utility>
#include <variant>

namespace crier::personalize {
namespace {

constexpr std::string_view kAttrPrefix = "contact.attr.";
constexpr std::string_view kClickPath = "crier.click";

// The 1-based character (code point) at byte offset `at`, for error messages.
std::size_t CharacterAt(std::string_view text, std::size_t at) {
  std::size_t chars = 1;
  for (std::size_t i = 0; i < at && i < text.size(); ++i) {
    chars += (static_cast<unsigned char>(text[i]) & 0xC0) != 0x80;
  }
  return chars;
}

bool IsPathChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
         c == '.';
}

bool IsKeyChar(char c) { return c != '.' && IsPathChar(c); }

// The whole character starting at s[i], for "unexpected character" messages; control
// characters are named (U+000A) rather than written into the message.
std::string CharacterOf(std::string_view s, std::size_t i) {
  const auto c = static_cast<unsigned char>(s[i]);
  if (c < 0x20 || c == 0x7F) {
    static constexpr char kHex[] = "0123456789ABCDEF";
    return std::string("U+00") + kHex[c >> 4] + kHex[c & 0xF];
  }
  std::size_t n = 1;
  while (i + n < s.size() && (static_cast<unsigned char>(s[i + n]) & 0xC0) == 0x80) ++n;
  return std::string(s.substr(i, n));
}

// RFC 3339 exactly as FormatRfc3339 writes it, into `buf` without allocating.
std::string_view FormatTime(Time t, char (&buf)[48]) {
  using namespace std::chrono;
  const auto day = floor<days>(t);
  const year_month_day ymd(day);
  const hh_mm_ss<Duration> hms(t - day);
  const int year = int(ymd.year());
  const int ms = int(hms.subseconds().count());
  const unsigned fields[] = {unsigned(ymd.month()), unsigned(ymd.day()),
                             unsigned(hms.hours().count()), unsigned(hms.minutes().count()),
                             unsigned(hms.seconds().count())};
  if (year < 0 || year > 9999) {
    const int n = std::snprintf(buf, sizeof buf, "%04d-%02u-%02uT%02u:%02u:%02u.%03dZ", year,
                                fields[0], fields[1], fields[2], fields[3], fields[4], ms);
    return {buf, static_cast<std::size_t>(n)};
  }
  // "YYYY-MM-DDTHH:MM:SS.mmmZ"
  char* p = buf;
  const auto put = [&p](unsigned v, int digits) {
    for (int d = digits - 1; d >= 0; --d) {
      p[d] = static_cast<char>('0' + v % 10);
      v /= 10;
    }
    p += digits;
  };
  put(static_cast<unsigned>(year), 4);
  const char seps[] = {'-', 'T', ':', ':', '.'};
  *p++ = '-';
  for (int k = 0; k < 5; ++k) {
    put(fields[k], 2);
    *p++ = seps[k];
  }
  put(static_cast<unsigned>(ms), 3);
  *p++ = 'Z';
  return {buf, static_cast<std::size_t>(p - buf)};
}

// The value a placeholder reads, as text; numbers, booleans and times are formatted into
// `buf`. Empty when the contact has no such value.
std::string_view ValueOf(Source source, const std::string& key, const Contact& contact,
                         std::string_view click, char (&buf)[48]) {
  switch (source) {
    case Source::kClickToken:
      return click;
    case Source::kName:
      return contact.name;
    case Source::kFirstName:
      return contact.first_name;
    case Source::kLocale:
      return contact.locale;
    case Source::kAttribute:
      break;
  }
  // A linear scan: contacts carry a handful of attributes, and it does not depend on the
  // list being sorted.
  for (const Attribute& a : contact.attributes) {
    if (a.key != key) continue;
    if (const auto* s = std::get_if<std::string>(&a.value)) return *s;
    if (const auto* d = std::get_if<double>(&a.value)) {
      const auto r = std::to_chars(buf, buf + sizeof buf, *d);
      return {buf, static_cast<std::size_t>(r.ptr - buf)};
    }
    if (const auto* b = std::get_if<bool>(&a.value)) return *b ? "true" : "false";
    return FormatTime(std::get<Time>(a.value), buf);
  }
  return {};
}

// Parses the placeholders of one text; see the grammar in personalize.h.
class Parser {
 public:
  Parser(std::string_view text, std::string_view field, Syntax syntax)
      : s_(text), field_(field), syntax_(syntax) {}

  Error Fail(std::size_t at, std::string message) const {
    return InvalidArgument(std::string(field_), std::move(message) + " at character " +
                                                    std::to_string(CharacterAt(s_, at)));
  }

  void SkipSpace() {
    while (i_ < s_.size() && (s_[i_] == ' ' || s_[i_] == '\t')) ++i_;
  }

  // The fallback literal after `|`, with i_ on its opening quote.
  Result<std::string> Fallback() {
    const std::size_t quote = i_++;
    std::string value;
    while (true) {
      if (i_ >= s_.size()) return Fail(quote, "unclosed fallback quote");
      const char c = s_[i_];
      if (c == '"') break;
      if (c == '\\') {
        if (i_ + 1 < s_.size() && (s_[i_ + 1] == '"' || s_[i_ + 1] == '\\')) {
          value.push_back(s_[i_ + 1]);
          i_ += 2;
          continue;
        }
        if (i_ + 1 >= s_.size()) return Fail(quote, "unclosed fallback quote");
        return Fail(i_, "unknown escape \"\\" + CharacterOf(s_, i_ + 1) +
                            "\" in a fallback (only \\\" and \\\\ are allowed)");
      }
      value.push_back(c);
      ++i_;
    }
    ++i_;  // the closing quote
    if (value.empty()) return Fail(quote, "empty fallback");
    return value;
  }

  struct Placeholder {
    Source source = Source::kName;
    std::string key;
    std::string fallback;
  };

  // One placeholder, with i_ just after its `{{` at byte `open`.
  Result<Placeholder> ParsePlaceholder(std::size_t open) {
    Placeholder out;
    SkipSpace();
    const std::size_t path_at = i_;
    while (i_ < s_.size() && IsPathChar(s_[i_])) ++i_;
    const std::string_view path = s_.substr(path_at, i_ - path_at);
    if (path.empty()) {
      if (i_ >= s_.size()) return Fail(open, "unclosed \"{{\"");
      if (s_.substr(i_, 2) == "}}") return Fail(open, "empty placeholder");
      return Fail(i_, "unexpected \"" + CharacterOf(s_, i_) + "\" in a placeholder");
    }
    if (path == "contact.name") {
      out.source = Source::kName;
    } else if (path == "contact.first_name") {
      out.source = Source::kFirstName;
    } else if (path == "contact.locale") {
      out.source = Source::kLocale;
    } else if (path == kClickPath && syntax_ == Syntax::kTracked) {
      out.source = Source::kClickToken;
    } else if (path.starts_with(kAttrPrefix)) {
      const std::string_view key = path.substr(kAttrPrefix.size());
      bool ok = !key.empty() && key.size() <= kMaxAttributeKeyLength;
      for (char c : key) ok = ok && IsKeyChar(c);
      if (!ok) {
        return Fail(open, "attribute key \"" + std::string(key) +
                              "\" must be 1 to 64 letters, digits or '_'");
      }
      out.source = Source::kAttribute;
      out.key = std::string(key);
    } else {
      return Fail(open, "unknown placeholder \"" + std::string(path) + "\"");
    }
    SkipSpace();
    if (i_ < s_.size() && s_[i_] == '|') {
      ++i_;
      SkipSpace();
      if (i_ >= s_.size()) return Fail(open, "unclosed \"{{\"");
      if (s_[i_] != '"') return Fail(i_, "expected a quoted fallback after '|'");
      Result<std::string> fallback = Fallback();
      if (!fallback.ok()) return fallback.error();
      out.fallback = std::move(fallback).value();
      SkipSpace();
    }
    if (i_ >= s_.size()) return Fail(open, "unclosed \"{{\"");
    if (s_.substr(i_, 2) != "}}") {
      if (s_[i_] == '}' && i_ + 1 == s_.size()) return Fail(open, "unclosed \"{{\"");
      return Fail(i_, "unexpected \"" + CharacterOf(s_, i_) + "\" in a placeholder");
    }
    i_ += 2;
    return out;
  }

  std::size_t& pos() { return i_; }

 private:
  std::string_view s_;
  std::string_view field_;
  Syntax syntax_;
  std::size_t i_ = 0;
};

std::string_view UnitName(LengthUnit unit) {
  switch (unit) {
    case LengthUnit::kBytes:
      return "bytes";
    case LengthUnit::kCodePoints:
      return "characters";
    case LengthUnit::kUtf16Units:
      return "UTF-16 code units";
  }
  return "characters";
}

}  // namespace

Result<Template> Template::Compile(std::string_view text, std::string_view field, Syntax syntax) {
  Template t;
  t.field_ = std::string(field);
  Parser parser(text, field, syntax);
  if (const std::size_t bad = FindInvalidUtf8(text); bad != std::string_view::npos) {
    return parser.Fail(bad, "invalid UTF-8");
  }
  std::string literal;
  const auto flush = [&] {
    if (literal.empty()) return;
    Piece piece;
    piece.literal = true;
    piece.length = AppendJsonEscaped(piece.json, literal);
    t.literal_bytes_ += literal.size();
    piece.plain = std::move(literal);
    literal.clear();
    t.pieces_.push_back(std::move(piece));
  };
  std::size_t& i = parser.pos();
  while (i < text.size()) {
    if (text.substr(i, 2) != "{{") {
      literal.push_back(text[i++]);
      continue;
    }
    if (text.substr(i, 4) == "{{{{") {
      literal.append("{{");
      i += 4;
      continue;
    }
    if (text.substr(i, 3) == "{{{") {  // a literal `{` right before a placeholder
      literal.push_back('{');
      ++i;
      continue;
    }
    const std::size_t open = i;
    i += 2;
    Result<Parser::Placeholder> placeholder = parser.ParsePlaceholder(open);
    if (!placeholder.ok()) return placeholder.error();
    flush();
    Piece piece;
    piece.literal = false;
    piece.source = placeholder->source;
    piece.key = std::move(placeholder->key);
    piece.length = AppendJsonEscaped(piece.json, placeholder->fallback);
    piece.plain = std::move(placeholder->fallback);
    t.pieces_.push_back(std::move(piece));
    ++t.placeholders_;
  }
  flush();
  return t;
}

template <bool kJson>
TextLength Template::Append(std::string& out, const Contact& contact,
                            std::string_view click) const {
  TextLength length;
  char buf[48];
  for (const Piece& piece : pieces_) {
    if (!piece.literal) {
      const std::string_view value = ValueOf(piece.source, piece.key, contact, click, buf);
      if (!value.empty()) {
        length += kJson ? AppendJsonEscaped(out, value) : AppendUtf8Sanitized(out, value);
        continue;
      }
    }
    out.append(kJson ? piece.json : piece.plain);
    length += piece.length;
  }
  return length;
}

TextLength Template::Measure(const Contact& contact, std::string_view click) const {
  TextLength length;
  char buf[48];
  for (const Piece& piece : pieces_) {
    if (!piece.literal) {
      const std::string_view value = ValueOf(piece.source, piece.key, contact, click, buf);
      if (!value.empty()) {
        length += MeasureText(value);
        continue;
      }
    }
    length += piece.length;
  }
  return length;
}

TextLength Template::AppendJson(std::string& out, const Contact& contact,
                                std::string_view click) const {
  return Append<true>(out, contact, click);
}

TextLength Template::AppendPlain(std::string& out, const Contact& contact,
                                 std::string_view click) const {
  return Append<false>(out, contact, click);
}

std::string Template::RenderPlain(const Contact& contact, std::string_view click) const {
  // One allocation for a typical text instead of a few as it grows (names are short).
  constexpr std::size_t kTypicalValueBytes = 24;
  std::string out;
  out.reserve(literal_bytes_ + placeholders_ * kTypicalValueBytes);
  AppendPlain(out, contact, click);
  return out;
}

std::size_t LengthIn(const TextLength& length, LengthUnit unit) {
  switch (unit) {
    case LengthUnit::kBytes:
      return length.bytes;
    case LengthUnit::kCodePoints:
      return length.code_points;
    case LengthUnit::kUtf16Units:
      return length.utf16_units;
  }
  return length.code_points;
}

BodyTemplate::Builder& BodyTemplate::Builder::Raw(std::string_view json) {
  // Adjacent literal pieces are merged, so a body renders with as few appends as possible.
  if (body_.pieces_.empty() || body_.pieces_.back().kind != Kind::kRaw) {
    body_.pieces_.push_back({Kind::kRaw, {}, 0, {}});
  }
  body_.pieces_.back().raw.append(json);
  body_.literal_bytes_ += json.size();
  return *this;
}

BodyTemplate::Builder& BodyTemplate::Builder::String(std::string_view value) {
  std::string json = "\"";
  AppendJsonEscaped(json, value);
  json.push_back('"');
  return Raw(json);
}

BodyTemplate::Builder& BodyTemplate::Builder::Value(std::size_t index) {
  body_.pieces_.push_back({Kind::kValue, {}, index, {}});
  body_.value_count_ = std::max(body_.value_count_, index + 1);
  body_.literal_bytes_ += 2;
  return *this;
}

BodyTemplate::Builder& BodyTemplate::Builder::Text(Template text, TextLimit limit) {
  body_.pieces_.push_back({Kind::kText, {}, body_.texts_.size(), limit});
  body_.texts_.push_back(std::move(text));
  body_.literal_bytes_ += 2;
  return *this;
}

BodyTemplate BodyTemplate::Builder::Build() { return std::exchange(body_, BodyTemplate()); }

Status BodyTemplate::Render(const Contact& contact, std::span<const std::string_view> values,
                            std::string& out, std::string_view click) const {
  if (values.size() < value_count_) {
    return Internal("a body template needs " + std::to_string(value_count_) + " values, got " +
                    std::to_string(values.size()));
  }
  const std::size_t start = out.size();
  for (const Piece& piece : pieces_) {
    switch (piece.kind) {
      case Kind::kRaw:
        out.append(piece.raw);
        break;
      case Kind::kValue:
        out.push_back('"');
        AppendJsonEscaped(out, values[piece.index]);
        out.push_back('"');
        break;
      case Kind::kText: {
        const Template& text = texts_[piece.index];
        out.push_back('"');
        const TextLength length = text.AppendJson(out, contact, click);
        out.push_back('"');
        const std::size_t n = LengthIn(length, piece.limit.unit);
        if (n > piece.limit.max) {
          out.resize(start);
          const std::string unit(UnitName(piece.limit.unit));
          return InvalidArgument(text.field(),
                                 "is " + std::to_string(n) + " " + unit + " for contact " +
                                     std::to_string(contact.id) + " once personalised; at most " +
                                     std::to_string(piece.limit.max) + " " + unit + " are allowed");
        }
        break;
      }
    }
  }
  return Status::Ok();
}

}  // namespace crier::personalize
