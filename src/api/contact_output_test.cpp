// Contacts written as import rows: each JSON line and CSV record reads back through the
// import's own parsers as the same input, and CSV refuses exactly what it cannot carry.
#include "api/contact_output.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "api/contact_input.h"
#include "api/csv.h"

namespace crier::api {
namespace {

using ::testing::HasSubstr;

Time At(const char* text) {
  Time t;
  EXPECT_TRUE(ParseRfc3339(text, &t));
  return t;
}

Contact Rich() {
  Contact c;
  c.id = 41;
  c.name = "Chen, \"Wei\"\nJr";  // the store keeps what it was given; CSV must quote it
  c.first_name = "Wei";
  c.locale = "zh_TW";
  c.time_zone = "Asia/Taipei";
  c.subscription = SubscriptionStatus::kUnsubscribed;
  c.tags = {"big spender", "vip"};
  c.attributes = {{"born", At("1990-05-01T00:00:00Z")},
                  {"city", std::string("Taipei, TW")},
                  {"member", false},
                  {"spend", 1e21}};
  c.conversation_state = ConversationState::kOpen;
  c.assignee = "mei";
  c.identities = {{7, "psid-1", At("2026-11-20T10:00:00.250Z"), WindowOpener::kAd, true},
                  {8, "psid-2", std::nullopt, WindowOpener::kOrganic, false}};
  return c;
}

void ExpectInputOf(const ContactInput& in, const Contact& c, const Identity& identity) {
  EXPECT_EQ(in.channel_account_id, identity.channel_account_id);
  EXPECT_EQ(in.platform_user_id, identity.platform_user_id);
  EXPECT_EQ(in.name, c.name);
  EXPECT_EQ(in.first_name, c.first_name);
  EXPECT_EQ(in.locale, c.locale);
  EXPECT_EQ(in.time_zone, c.time_zone);
  EXPECT_EQ(in.subscription, c.subscription);
  EXPECT_EQ(in.tags, c.tags);
  EXPECT_EQ(in.last_inbound_at, identity.last_inbound_at);
  EXPECT_EQ(in.window_opener, identity.window_opener);
  EXPECT_EQ(in.blocked, identity.blocked);
  EXPECT_EQ(in.attributes, c.attributes);
  EXPECT_TRUE(in.cleared_attributes.empty());
  EXPECT_EQ(in.conversation_state, c.conversation_state);
  EXPECT_EQ(in.assignee, c.assignee);
}

TEST(ContactOutput, JsonLinesReadBackAsTheSameInputOnePerIdentity) {
  Contact c = Rich();
  c.name = "Chen, \"Wei\"";  // JSON escapes anything, but the import refuses control characters
  std::string out;
  AppendJsonlRows(c, out);
  std::vector<std::string> lines;
  for (std::size_t start = 0; start < out.size();) {
    const std::size_t end = out.find('\n', start);
    ASSERT_NE(end, std::string::npos) << "every row ends its line";
    lines.push_back(out.substr(start, end - start));
    start = end + 1;
  }
  ASSERT_EQ(lines.size(), 2u);
  for (std::size_t i = 0; i < lines.size(); ++i) {
    auto in = ContactInputFromJson(boost::json::parse(lines[i]).as_object(), std::nullopt);
    ASSERT_TRUE(in.ok()) << in.error().ToString() << "\n" << lines[i];
    ExpectInputOf(*in, c, c.identities[i]);
  }
}

TEST(ContactOutput, AContactWithoutIdentitiesWritesNothing) {
  Contact c = Rich();
  c.identities.clear();
  std::string out;
  AppendJsonlRows(c, out);
  CsvExportLayout layout;
  ASSERT_TRUE(layout.Add(c).ok());
  ASSERT_TRUE(layout.AppendRows(c, out).ok());
  EXPECT_EQ(out, "");
}

TEST(ContactOutput, CsvRecordsReadBackAsTheSameInput) {
  Contact c = Rich();
  c.name = "Chen, \"Wei\"";
  CsvExportLayout layout;
  ASSERT_TRUE(layout.Add(c).ok());
  std::string text = layout.Header();
  ASSERT_TRUE(layout.AppendRows(c, text).ok());
  const std::vector<CsvRecord> records = ParseCsv(text);
  ASSERT_EQ(records.size(), 3u);
  EXPECT_EQ(records[0].fields.back(), "attr.spend:number");
  ASSERT_TRUE(CheckCsvHeader(records[0].fields, false).ok());
  for (std::size_t i = 1; i < records.size(); ++i) {
    ASSERT_EQ(records[i].error, "");
    auto in = ContactInputFromCsv(records[0].fields, records[i].fields, std::nullopt);
    ASSERT_TRUE(in.ok()) << in.error().ToString();
    ExpectInputOf(*in, c, c.identities[i - 1]);
  }
}

TEST(ContactOutput, CsvQuotesOnlyWhatNeedsIt) {
  Contact c;
  c.id = 1;
  c.name = "line\nbreak";
  c.first_name = "plain text";
  c.identities = {{7, "u1", std::nullopt, WindowOpener::kOrganic, false}};
  CsvExportLayout layout;
  ASSERT_TRUE(layout.Add(c).ok());
  std::string row;
  ASSERT_TRUE(layout.AppendRows(c, row).ok());
  EXPECT_EQ(row, "7,u1,\"line\nbreak\",plain text,,,,subscribed,,,organic,false,false,false,,\r\n");
}

Contact WithAttribute(Id id, AttributeValue value) {
  Contact c;
  c.id = id;
  c.attributes = {{"spend", std::move(value)}};
  c.identities = {{7, "u" + std::to_string(id), std::nullopt, WindowOpener::kOrganic, false}};
  return c;
}

TEST(ContactOutput, CsvRefusesAnAttributeOfTwoTypesNamingBothContacts) {
  CsvExportLayout layout;
  ASSERT_TRUE(layout.Add(WithAttribute(1, 3.0)).ok());
  ASSERT_TRUE(layout.Add(WithAttribute(2, 4.5)).ok());
  const Status mixed = layout.Add(WithAttribute(3, std::string("lots")));
  ASSERT_FALSE(mixed.ok());
  EXPECT_EQ(mixed.error().field, "format");
  EXPECT_THAT(mixed.error().message, HasSubstr("\"spend\""));
  EXPECT_THAT(mixed.error().message, HasSubstr("contact 3"));
  EXPECT_THAT(mixed.error().message, HasSubstr("contact 1"));
}

TEST(ContactOutput, CsvRefusesValuesACellCannotCarryAndKeepsTheRest) {
  const std::vector<std::pair<std::vector<std::string>, bool>> tags = {
      {{"big spender"}, true}, {{"a|b"}, false}, {{" vip"}, false}, {{"vip "}, false}};
  for (const auto& [tag_list, ok] : tags) {
    Contact c = WithAttribute(1, 1.0);
    c.tags = tag_list;
    CsvExportLayout layout;
    EXPECT_EQ(layout.Add(c).ok(), ok) << tag_list[0];
  }
  CsvExportLayout layout;
  EXPECT_TRUE(layout.Add(WithAttribute(1, std::string(" "))).ok()) << "a space is a value";
  EXPECT_FALSE(layout.Add(WithAttribute(2, std::string(""))).ok());
}

TEST(ContactOutput, CsvRowThatNoLongerFitsTheLayoutFails) {
  CsvExportLayout layout;
  ASSERT_TRUE(layout.Add(WithAttribute(1, 1.0)).ok());
  Contact changed = WithAttribute(1, 1.0);
  changed.attributes.push_back({"zzz", true});
  std::string out;
  const Status s = layout.AppendRows(changed, out);
  ASSERT_FALSE(s.ok());
  EXPECT_THAT(s.error().message, HasSubstr("zzz"));
}

}  // namespace
}  // namespace crier::api
