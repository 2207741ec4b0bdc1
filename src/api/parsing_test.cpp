// Unit tests of the pure pieces: UTF-8 counting, the CSV reader, contact rows, the router.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "api/contact_input.h"
#include "api/csv.h"
#include "api/fields.h"
#include "api/router.h"
#include "codec/utf8.h"

namespace crier::api {
namespace {

TEST(Utf8, CountsCodePointsNotBytes) {
  EXPECT_EQ(CountCodePoints(""), 0u);
  EXPECT_EQ(CountCodePoints("abc"), 3u);
  EXPECT_EQ(CountCodePoints("\xC3\xA9"), 1u);                  // é
  EXPECT_EQ(CountCodePoints("\xE4\xBD\xA0\xE5\xA5\xBD"), 2u);  // 你好
  EXPECT_EQ(CountCodePoints("\xF0\x9F\x8E\x89"), 1u);          // 🎉
}

TEST(Utf8, RefusesMalformedSequences) {
  for (const char* bad :
       {"\x80", "\xC3", "\xC3\x28", "\xC0\xAF" /* overlong '/' */, "\xED\xA0\x80" /* surrogate */,
        "\xF4\x90\x80\x80" /* > U+10FFFF */, "\xF8\x88\x80\x80\x80", "\xE4\xBD"}) {
    EXPECT_FALSE(IsValidUtf8(bad)) << bad;
  }
  EXPECT_TRUE(IsValidUtf8("\xF4\x8F\xBF\xBF"));  // U+10FFFF, the last code point
  EXPECT_TRUE(IsValidUtf8("\xED\x9F\xBF"));      // U+D7FF, just below the surrogates
}

std::vector<std::vector<std::string>> Fields(const std::vector<CsvRecord>& records) {
  std::vector<std::vector<std::string>> out;
  for (const auto& r : records) out.push_back(r.fields);
  return out;
}

TEST(Csv, ReadsQuotedFieldsDoubledQuotesAndBothLineEnds) {
  const auto records = ParseCsv("a,b,c\r\n\"x,1\",\"say \"\"hi\"\"\",\n\"multi\r\nline\",,\"\"\n");
  ASSERT_EQ(records.size(), 3u);
  EXPECT_EQ(Fields(records),
            (std::vector<std::vector<std::string>>{
                {"a", "b", "c"}, {"x,1", "say \"hi\"", ""}, {"multi\r\nline", "", ""}}));
  EXPECT_EQ(records[0].line, 1);
  EXPECT_EQ(records[1].line, 2);
  EXPECT_EQ(records[2].line, 3);
  for (const auto& r : records) EXPECT_EQ(r.error, "");
}

TEST(Csv, SkipsEmptyLinesAndTracksLinesAcrossQuotedNewlines) {
  const auto records = ParseCsv("\xEF\xBB\xBFh\n\n\"a\nb\nc\"\nlast");
  ASSERT_EQ(records.size(), 3u);
  EXPECT_EQ(records[0].fields, std::vector<std::string>{"h"});  // BOM gone
  EXPECT_EQ(records[1].line, 3);
  EXPECT_EQ(records[2].line, 6);
  EXPECT_EQ(records[2].fields, std::vector<std::string>{"last"});
}

TEST(Csv, AMalformedRecordSpoilsOnlyItself) {
  const auto records = ParseCsv("a\"b,c\n\"q\"x,d\nok,1\n\"never closed,2\n");
  ASSERT_EQ(records.size(), 4u);
  EXPECT_NE(records[0].error, "");
  EXPECT_NE(records[1].error, "");
  EXPECT_EQ(records[2].error, "");
  EXPECT_EQ(records[2].fields, (std::vector<std::string>{"ok", "1"}));
  EXPECT_EQ(records[2].line, 3);
  EXPECT_NE(records[3].error, "");
  EXPECT_EQ(records[3].line, 4);
}

TEST(Csv, TrailingCommaMeansAnEmptyLastField) {
  EXPECT_EQ(Fields(ParseCsv("a,\n\"b\",\n")),
            (std::vector<std::vector<std::string>>{{"a", ""}, {"b", ""}}));
}

TEST(ContactInputs, CsvCellsBecomeTypedFields) {
  const std::vector<std::string> columns = {"platform_user_id", "tags", "blocked", "window_opener",
                                            "subscription"};
  const std::vector<std::string> cells = {"p1", " vip | |new|vip", "0", "ad", "unsubscribed"};
  auto in = ContactInputFromCsv(columns, cells, Id{7});
  ASSERT_TRUE(in.ok()) << in.error().ToString();
  EXPECT_EQ(in->channel_account_id, 7);
  EXPECT_EQ(in->platform_user_id, "p1");
  EXPECT_EQ(in->tags, (std::vector<std::string>{"vip", "new"}));
  EXPECT_EQ(in->blocked, false);
  EXPECT_EQ(in->window_opener, WindowOpener::kAd);
  EXPECT_EQ(in->subscription, SubscriptionStatus::kUnsubscribed);
  EXPECT_FALSE(in->last_inbound_at.has_value());
}

TEST(ContactInputs, EmptyCellsAreNotGiven) {
  const std::vector<std::string> columns = {"channel_account_id", "platform_user_id", "tags",
                                            "name"};
  auto in = ContactInputFromCsv(columns, std::vector<std::string>{"3", "p1", "", ""}, {});
  ASSERT_TRUE(in.ok());
  EXPECT_FALSE(in->tags.has_value());
  EXPECT_EQ(in->name, "");
  auto invalid = ContactInputFromCsv(columns, std::vector<std::string>{"3", "p\xC3", "", ""}, {});
  ASSERT_FALSE(invalid.ok());
  EXPECT_EQ(invalid.error().field, "platform_user_id");
}

TEST(ContactInputs, JsonRowNamesTheField) {
  auto parsed = ParseJson(R"({"channel_account_id": 1, "platform_user_id": "p",
                              "tags": ["a", "b", ""]})");
  ASSERT_TRUE(parsed.ok());
  auto in = ContactInputFromJson(parsed->get_object(), std::nullopt);
  ASSERT_FALSE(in.ok());
  EXPECT_EQ(in.error().field, "tags[2]");
  EXPECT_EQ(in.error().code, ErrorCode::kInvalidArgument);
}

TEST(ContactInputs, LimitsOnBothSides) {
  auto row = [](std::string key, boost::json::value v) {
    boost::json::object o{{"channel_account_id", 1}, {"platform_user_id", "p"}};
    o[key] = std::move(v);
    return ContactInputFromJson(o, std::nullopt);
  };
  EXPECT_TRUE(row("name", boost::json::value(std::string(256, 'n'))).ok());
  EXPECT_EQ(row("name", boost::json::value(std::string(257, 'n'))).error().field, "name");
  EXPECT_TRUE(row("platform_user_id", boost::json::value(std::string(256, 'p'))).ok());
  EXPECT_EQ(row("platform_user_id", boost::json::value(std::string(257, 'p'))).error().field,
            "platform_user_id");
  boost::json::array tags;
  for (int i = 0; i < 100; ++i) tags.emplace_back("t" + std::to_string(i));
  EXPECT_TRUE(row("tags", tags).ok());
  tags.emplace_back("one-too-many");
  EXPECT_EQ(row("tags", tags).error().field, "tags");
}

TEST(ContactInputs, ImportFormats) {
  EXPECT_EQ(ParseImportFormat("jsonl"), ImportFormat::kJsonl);
  EXPECT_EQ(ParseImportFormat("csv"), ImportFormat::kCsv);
  EXPECT_EQ(ParseImportFormat("xlsx"), std::nullopt);
  EXPECT_EQ(ImportFormatFromContentType("Application/X-NDJSON; charset=utf-8"),
            ImportFormat::kJsonl);
  EXPECT_EQ(ImportFormatFromContentType("text/csv"), ImportFormat::kCsv);
  EXPECT_EQ(ImportFormatFromContentType("application/json"), std::nullopt);
}

TEST(Router, MatchesLiteralsBeforeParameters) {
  const std::vector<RouteSpec> specs = {{"GET", "/v1/contacts/{id}"},
                                        {"POST", "/v1/contacts/import"},
                                        {"GET", "/v1/contacts"},
                                        {"POST", "/v1/broadcasts/{id}/send"}};
  const Router router(specs);
  RouteMatch m = router.Find("GET", "/v1/contacts/42");
  ASSERT_EQ(m.kind, RouteMatch::Kind::kFound);
  EXPECT_EQ(m.index, 0u);
  ASSERT_EQ(m.params.size(), 1u);
  EXPECT_EQ(m.params[0].first, "id");
  EXPECT_EQ(m.params[0].second, "42");

  m = router.Find("POST", "/v1/contacts/import");
  EXPECT_EQ(m.kind, RouteMatch::Kind::kFound);
  EXPECT_EQ(m.index, 1u);
  m = router.Find("GET", "/v1/contacts/import");
  EXPECT_EQ(m.kind, RouteMatch::Kind::kWrongMethod);
  EXPECT_EQ(m.allowed, std::vector<std::string_view>{"POST"});

  EXPECT_EQ(router.Find("GET", "/v1/contacts/").kind, RouteMatch::Kind::kFound);
  EXPECT_EQ(router.Find("GET", "/v1/contact").kind, RouteMatch::Kind::kNoRoute);
  EXPECT_EQ(router.Find("GET", "/v1/contacts/1/2").kind, RouteMatch::Kind::kNoRoute);
  EXPECT_EQ(router.Find("GET", "/v1/broadcasts/7/send").kind, RouteMatch::Kind::kWrongMethod);
}

}  // namespace
}  // namespace crier::api
