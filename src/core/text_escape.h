// Copying untrusted text (a contact's name, an attribute) into a request body or a preview
// so that it can never break the surrounding JSON: invalid UTF-8 is replaced, quotes,
// backslashes and control characters are escaped, and the length of the text as the
// recipient will see it is counted on the way, in the units the platforms limit text by.
//
// core keeps its own escaper (channels/json_escape.h quotes whole strings for the adapters)
// because personalised values are spliced into the middle of a JSON string, and the counts
// must come from the same pass that writes the bytes. Pure and thread-safe.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace crier {

// The length of a text as its recipient sees it (after JSON decoding), in the three units
// platforms count in: UTF-8 bytes (Instagram), Unicode code points (Messenger, WhatsApp)
// and UTF-16 code units (LINE).
struct TextLength {
  std::size_t bytes = 0;
  std::size_t code_points = 0;
  std::size_t utf16_units = 0;

  TextLength& operator+=(const TextLength& o) {
    bytes += o.bytes;
    code_points += o.code_points;
    utf16_units += o.utf16_units;
    return *this;
  }
  friend bool operator==(const TextLength&, const TextLength&) = default;
};

// Appends `s` to `out` as the inside of a JSON string (no quotes): `"` and `\` are escaped,
// control characters become \n, \t, ... or \u00XX, U+2028 and U+2029 become \u2028 and
// \u2029 (valid JSON, but they end a line in JavaScript, where bodies are often pasted), and
// every byte that is not part of well-formed UTF-8 (stray continuation bytes, overlong forms,
// surrogates, code points above U+10FFFF, truncated sequences) becomes U+FFFD. The result is
// always valid inside a JSON string. Returns the length of the decoded text.
TextLength AppendJsonEscaped(std::string& out, std::string_view s);

// Appends `s` to `out` as plain text: well-formed UTF-8 is copied as is and every other byte
// becomes U+FFFD, exactly as AppendJsonEscaped would decode. Returns the length appended.
TextLength AppendUtf8Sanitized(std::string& out, std::string_view s);

// The length of `s` once sanitized as above, without copying it.
TextLength MeasureText(std::string_view s);

// The byte offset of the first byte of `s` that is not part of well-formed UTF-8, or npos.
std::size_t FindInvalidUtf8(std::string_view s);

}  // namespace crier
