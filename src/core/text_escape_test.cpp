#include "core/text_escape.h"

#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <string>

namespace crier {
namespace {

std::string Json(std::string_view s) {
  std::string out;
  AppendJsonEscaped(out, s);
  return out;
}

std::string Plain(std::string_view s) {
  std::string out;
  AppendUtf8Sanitized(out, s);
  return out;
}

// What a JSON parser reads back from the escaped text inside quotes.
std::string Decoded(std::string_view s) {
  const boost::json::value v = boost::json::parse("\"" + Json(s) + "\"");
  return std::string(v.as_string());
}

TEST(TextEscape, QuotesBackslashesAndControlCharactersAreEscaped) {
  EXPECT_EQ(Json(R"(a"b\c)"), R"(a\"b\\c)");
  EXPECT_EQ(Json("\n\r\t\b\f"), R"(\n\r\t\b\f)");
  EXPECT_EQ(Json(std::string("\x00\x01\x1f", 3)), R"(\u0000\u0001\u001f)");
  EXPECT_EQ(Json("\x20\x7f"), "\x20\x7f");  // space and DEL need no escape in JSON
}

TEST(TextEscape, LineAndParagraphSeparatorsAreEscapedOtherCharactersKept) {
  EXPECT_EQ(Json("a\u2028b\u2029c"), R"(a\u2028b\u2029c)");
  EXPECT_EQ(Json("\u2027\u202a"), "\u2027\u202a");  // the neighbours stay as they are
  EXPECT_EQ(Json("Tôi 陳 😀 <script>"), "Tôi 陳 😀 <script>");
  EXPECT_EQ(Plain("a\u2028b"), "a\u2028b");
}

TEST(TextEscape, InvalidUtf8BecomesReplacementCharacterPerByte) {
  const std::string fffd = "\xEF\xBF\xBD";
  EXPECT_EQ(Json("a\xFF"
                 "b"),
            "a" + fffd + "b");
  EXPECT_EQ(Json("\xC3"), fffd);                                   // truncated
  EXPECT_EQ(Json("\xC0\xAF"), fffd + fffd);                        // overlong '/'
  EXPECT_EQ(Json("\xED\xA0\x80"), fffd + fffd + fffd);             // a UTF-16 surrogate
  EXPECT_EQ(Json("\xF4\x90\x80\x80"), fffd + fffd + fffd + fffd);  // above U+10FFFF
  EXPECT_EQ(Json("\x80"), fffd);                                   // stray continuation
  EXPECT_EQ(Plain("x\xFE\""), "x" + fffd + "\"");
}

TEST(TextEscape, EscapedTextAlwaysParsesBackToThePlainText) {
  const std::string samples[] = {
      "plain",
      std::string("nul\x00inside", 10),
      "\"}]}, \"injected\": true",
      "\xE2\x80\xA8\xE2\x80\xA9",
      "bad \xF0\x9F\x98 tail \xC3",
      "\\u0041 stays literal",
  };
  for (const std::string& s : samples) EXPECT_EQ(Decoded(s), Plain(s)) << s;
}

TEST(TextEscape, LengthsCountTheDecodedText) {
  std::string out;
  // a (1 byte), é (2), 陳 (3), 😀 (4 bytes, 2 UTF-16 units), '"' (escaped, still 1 char)
  const TextLength n = AppendJsonEscaped(out, "a\u00e9\u9673\U0001F600\"");
  EXPECT_EQ(n, (TextLength{11, 5, 6}));
  EXPECT_EQ(MeasureText("a\u00e9\u9673\U0001F600\""), n);
  EXPECT_EQ(AppendUtf8Sanitized(out, "a\u00e9\u9673\U0001F600\""), n);
  // An invalid byte counts as the U+FFFD that replaces it: 3 bytes, 1 character.
  EXPECT_EQ(MeasureText("\xFF"), (TextLength{3, 1, 1}));
  EXPECT_EQ(MeasureText(""), TextLength{});
}

TEST(TextEscape, FindInvalidUtf8GivesTheFirstBadByte) {
  EXPECT_EQ(FindInvalidUtf8("fine 陳"), std::string_view::npos);
  EXPECT_EQ(FindInvalidUtf8("ab\xC3"), 2u);
  EXPECT_EQ(FindInvalidUtf8("\u00e9\xFF"), 2u);
}

}  // namespace
}  // namespace crier
