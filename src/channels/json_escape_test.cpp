#include "channels/json_escape.h"

#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <string>

namespace crier::channels {
namespace {

std::string Escape(std::string_view s) {
  std::string out;
  AppendJsonString(out, s);
  return out;
}

// Parses `json` (Boost.JSON rejects invalid UTF-8) and returns the string it holds.
std::string RoundTrip(std::string_view s) {
  const std::string json = Escape(s);
  boost::system::error_code ec;
  const boost::json::value v = boost::json::parse(json, ec);
  EXPECT_FALSE(ec) << "not valid JSON: " << json;
  if (ec || !v.is_string()) return "<invalid>";
  return std::string(v.get_string());
}

TEST(JsonEscapeTest, PlainTextIsQuotedAsIs) {
  EXPECT_EQ(Escape("hello world"), R"("hello world")");
  EXPECT_EQ(Escape(""), R"("")");
}

TEST(JsonEscapeTest, AppendsToWhatIsThere) {
  std::string out = "{\"a\":";
  AppendJsonString(out, "b");
  EXPECT_EQ(out, R"({"a":"b")");
}

TEST(JsonEscapeTest, QuotesAndBackslashes) {
  EXPECT_EQ(Escape(R"(say "hi" \ bye)"), R"("say \"hi\" \\ bye")");
  EXPECT_EQ(RoundTrip(R"(a"b\c\\"")"), R"(a"b\c\\"")");
}

TEST(JsonEscapeTest, ShortEscapesForCommonControls) {
  EXPECT_EQ(Escape("a\nb\rc\td\be\ff"), R"("a\nb\rc\td\be\ff")");
}

TEST(JsonEscapeTest, EveryControlCharacterRoundTrips) {
  for (int c = 0; c < 0x20; ++c) {
    const std::string s = std::string("x") + static_cast<char>(c) + "y";
    const std::string json = Escape(s);
    EXPECT_EQ(json.find(static_cast<char>(c)), std::string::npos) << "raw control " << c;
    EXPECT_EQ(RoundTrip(s), s) << "control " << c;
  }
  EXPECT_EQ(Escape(std::string_view("\0", 1)), R"("\u0000")");
  EXPECT_EQ(Escape("\x1f"), R"("\u001f")");
}

TEST(JsonEscapeTest, PrintableBoundariesAreNotEscaped) {
  EXPECT_EQ(Escape(" "), "\" \"");        // 0x20: first printable
  EXPECT_EQ(Escape("\x7f"), "\"\x7f\"");  // DEL is legal in JSON strings
  EXPECT_EQ(Escape("/"), "\"/\"");
}

TEST(JsonEscapeTest, ValidUtf8IsCopiedVerbatim) {
  for (const std::string s :
       {"héllo", "中文訊息", "😀🎉", "\xed\x9f\xbf" /* U+D7FF */, "\xee\x80\x80" /* U+E000 */,
        "\xf4\x8f\xbf\xbf" /* U+10FFFF */, "\xc2\x80" /* U+0080 */}) {
    EXPECT_EQ(Escape(s), "\"" + s + "\"");
    EXPECT_EQ(RoundTrip(s), s);
  }
}

TEST(JsonEscapeTest, InvalidUtf8BecomesReplacementCharacters) {
  const std::string kFffd = "\xEF\xBF\xBD";
  EXPECT_EQ(RoundTrip("a\xff"
                      "b"),
            "a" + kFffd + "b");
  EXPECT_EQ(RoundTrip("\x80"), kFffd);                                      // stray continuation
  EXPECT_EQ(RoundTrip("\xc0\xaf"), kFffd + kFffd);                          // overlong '/'
  EXPECT_EQ(RoundTrip("\xc1\xbf"), kFffd + kFffd);                          // overlong
  EXPECT_EQ(RoundTrip("\xe0\x9f\xbf"), kFffd + kFffd + kFffd);              // overlong 3-byte
  EXPECT_EQ(RoundTrip("\xed\xa0\x80"), kFffd + kFffd + kFffd);              // U+D800 surrogate
  EXPECT_EQ(RoundTrip("\xf4\x90\x80\x80"), kFffd + kFffd + kFffd + kFffd);  // U+110000
  EXPECT_EQ(RoundTrip("\xf5\x80\x80\x80"), kFffd + kFffd + kFffd + kFffd);
  EXPECT_EQ(RoundTrip("ok\xe4\xb8"), "ok" + kFffd + kFffd);  // truncated at the end
  EXPECT_EQ(RoundTrip("\xe4\xb8"
                      "a"),
            kFffd + kFffd + "a");  // truncated mid-string
}

TEST(JsonEscapeTest, MixedContentRoundTrips) {
  const std::string s = "Hi \"Ann\"\n今天 50% off 🎁 \\o/ \t end";
  EXPECT_EQ(RoundTrip(s), s);
}

}  // namespace
}  // namespace crier::channels
