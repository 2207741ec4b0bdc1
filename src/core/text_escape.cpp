#include "core/text_escape.h"

#include <array>
#include <cstdint>

namespace crier {
namespace {

// What to do with each byte: 0 copy (ASCII), 1 escape in JSON (quote, backslash, control),
// 2 the lead byte of a multi-byte UTF-8 sequence (or an invalid byte) that must be validated.
constexpr std::array<std::uint8_t, 256> MakeClassTable() {
  std::array<std::uint8_t, 256> t{};
  for (int c = 0; c < 0x20; ++c) t[c] = 1;
  t['"'] = 1;
  t['\\'] = 1;
  for (int c = 0x80; c < 0x100; ++c) t[c] = 2;
  return t;
}
constexpr auto kClass = MakeClassTable();

constexpr std::string_view kReplacement = "\xEF\xBF\xBD";  // U+FFFD in UTF-8

// The length of the well-formed UTF-8 sequence starting at s[i] (2..4), or 0 when it is
// not. Follows table 3-7 of the Unicode Standard, section 3.9.
std::size_t SequenceLength(std::string_view s, std::size_t i) {
  const auto at = [&](std::size_t k) { return static_cast<std::uint8_t>(s[k]); };
  const auto cont = [&](std::size_t k, std::uint8_t lo, std::uint8_t hi) {
    return k < s.size() && at(k) >= lo && at(k) <= hi;
  };
  const std::uint8_t b0 = at(i);
  if (b0 >= 0xC2 && b0 <= 0xDF) return cont(i + 1, 0x80, 0xBF) ? 2 : 0;
  if (b0 >= 0xE0 && b0 <= 0xEF) {
    std::uint8_t lo = 0x80, hi = 0xBF;
    if (b0 == 0xE0) lo = 0xA0;  // no overlong forms
    if (b0 == 0xED) hi = 0x9F;  // no UTF-16 surrogates
    return cont(i + 1, lo, hi) && cont(i + 2, 0x80, 0xBF) ? 3 : 0;
  }
  if (b0 >= 0xF0 && b0 <= 0xF4) {
    std::uint8_t lo = 0x80, hi = 0xBF;
    if (b0 == 0xF0) lo = 0x90;  // no overlong forms
    if (b0 == 0xF4) hi = 0x8F;  // nothing above U+10FFFF
    return cont(i + 1, lo, hi) && cont(i + 2, 0x80, 0xBF) && cont(i + 3, 0x80, 0xBF) ? 4 : 0;
  }
  return 0;
}

// U+2028 LINE SEPARATOR and U+2029 PARAGRAPH SEPARATOR: E2 80 A8 / E2 80 A9.
bool IsJsLineBreak(std::string_view s, std::size_t i) {
  return static_cast<std::uint8_t>(s[i]) == 0xE2 && static_cast<std::uint8_t>(s[i + 1]) == 0x80 &&
         (static_cast<std::uint8_t>(s[i + 2]) & 0xFE) == 0xA8;
}

void AppendControlEscape(std::string& out, unsigned char c) {
  switch (c) {
    case '"':
      out.append("\\\"");
      return;
    case '\\':
      out.append("\\\\");
      return;
    case '\b':
      out.append("\\b");
      return;
    case '\f':
      out.append("\\f");
      return;
    case '\n':
      out.append("\\n");
      return;
    case '\r':
      out.append("\\r");
      return;
    case '\t':
      out.append("\\t");
      return;
    default:
      break;
  }
  static constexpr char kHex[] = "0123456789abcdef";
  const char esc[6] = {'\\', 'u', '0', '0', kHex[c >> 4], kHex[c & 0xF]};
  out.append(esc, sizeof(esc));
}

// One pass over `s` for the three public functions: kJson escapes, kPlain copies, kMeasure
// only counts. Runs of bytes that need nothing are appended at once.
enum class Mode { kJson, kPlain, kMeasure };

template <Mode mode>
TextLength Scan(std::string& out, std::string_view s) {
  TextLength len;
  std::size_t run_start = 0;
  std::size_t i = 0;
  const auto flush = [&](std::size_t end) {
    if constexpr (mode != Mode::kMeasure) out.append(s.data() + run_start, end - run_start);
  };
  while (i < s.size()) {
    const auto c = static_cast<unsigned char>(s[i]);
    const std::uint8_t kind = kClass[c];
    if (kind != 2) {
      ++len.code_points;
      ++len.utf16_units;
      ++len.bytes;
      if (mode == Mode::kJson && kind == 1) {
        flush(i);
        AppendControlEscape(out, c);
        run_start = i + 1;
      }
      ++i;
      continue;
    }
    const std::size_t n = SequenceLength(s, i);
    ++len.code_points;
    if (n == 0) {
      flush(i);
      if constexpr (mode != Mode::kMeasure) out.append(kReplacement);
      len.bytes += kReplacement.size();
      ++len.utf16_units;
      ++i;
      run_start = i;
      continue;
    }
    len.bytes += n;
    len.utf16_units += n == 4 ? 2 : 1;
    if (mode == Mode::kJson && n == 3 && IsJsLineBreak(s, i)) {
      flush(i);
      out.append(static_cast<std::uint8_t>(s[i + 2]) == 0xA8 ? "\\u2028" : "\\u2029");
      run_start = i + n;
    }
    i += n;
  }
  flush(s.size());
  return len;
}

}  // namespace

TextLength AppendJsonEscaped(std::string& out, std::string_view s) {
  return Scan<Mode::kJson>(out, s);
}

TextLength AppendUtf8Sanitized(std::string& out, std::string_view s) {
  return Scan<Mode::kPlain>(out, s);
}

TextLength MeasureText(std::string_view s) {
  std::string unused;
  return Scan<Mode::kMeasure>(unused, s);
}

std::size_t FindInvalidUtf8(std::string_view s) {
  for (std::size_t i = 0; i < s.size();) {
    if (static_cast<unsigned char>(s[i]) < 0x80) {
      ++i;
      continue;
    }
    const std::size_t n = SequenceLength(s, i);
    if (n == 0) return i;
    i += n;
  }
  return std::string_view::npos;
}

}  // namespace crier
