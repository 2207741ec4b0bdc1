#include "cli/demo_data.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <chrono>
#include <set>

namespace crier::cli {
namespace {

using std::chrono::hours;
using std::chrono::minutes;
using ::testing::AnyOf;

Time Start() {
  Time t;
  EXPECT_TRUE(ParseRfc3339("2026-11-21T09:00:00Z", &t));
  return t;
}

TEST(DemoDataTest, SameSeedSameContacts) {
  FakeClock clock(Start());
  const auto a = GenerateDemoContacts({.contacts = 500, .seed = 7}, clock.Now());
  const auto b = GenerateDemoContacts({.contacts = 500, .seed = 7}, clock.Now());
  ASSERT_EQ(a.size(), 500u);
  for (std::size_t i = 0; i < a.size(); ++i) {
    EXPECT_EQ(a[i].platform_user_id, b[i].platform_user_id);
    EXPECT_EQ(a[i].name, b[i].name);
    EXPECT_EQ(a[i].tags, b[i].tags);
    EXPECT_EQ(a[i].last_inbound_at, b[i].last_inbound_at);
  }
  EXPECT_EQ(DemoContactsJsonl(a), DemoContactsJsonl(b));
}

TEST(DemoDataTest, ContactDoesNotDependOnHowManyAreAskedFor) {
  const auto few = GenerateDemoContacts({.contacts = 10, .seed = 3}, Start());
  const auto many = GenerateDemoContacts({.contacts = 1000, .seed = 3}, Start());
  for (std::size_t i = 0; i < few.size(); ++i) EXPECT_EQ(few[i].name, many[i].name);
}

TEST(DemoDataTest, OtherSeedOtherContacts) {
  const auto a = GenerateDemoContacts({.contacts = 200, .seed = 1}, Start());
  const auto b = GenerateDemoContacts({.contacts = 200, .seed = 2}, Start());
  int same_name = 0;
  for (std::size_t i = 0; i < a.size(); ++i) {
    same_name += a[i].name == b[i].name;
    EXPECT_NE(a[i].platform_user_id, b[i].platform_user_id);
  }
  EXPECT_LT(same_name, 50);
}

TEST(DemoDataTest, UniqueIdsAndVariedLanguagesAndTags) {
  const auto contacts = GenerateDemoContacts({.contacts = 3000, .seed = 1}, Start());
  std::set<std::string> ids, locales;
  int vip = 0, fresh = 0, churned = 0;
  for (const auto& c : contacts) {
    ids.insert(c.platform_user_id);
    locales.insert(c.locale);
    EXPECT_FALSE(c.name.empty());
    EXPECT_FALSE(c.first_name.empty());
    for (const auto& t : c.tags) {
      EXPECT_THAT(t, AnyOf("vip", "new", "churned"));
      vip += t == "vip";
      fresh += t == "new";
      churned += t == "churned";
    }
  }
  EXPECT_EQ(ids.size(), contacts.size());
  EXPECT_EQ(locales, (std::set<std::string>{"en_US", "zh_TW", "vi_VN", "th_TH", "id_ID"}));
  EXPECT_GT(vip, 150);
  EXPECT_GT(fresh, 500);
  EXPECT_GT(churned, 300);
}

TEST(DemoDataTest, WindowSplitAroundTheTwentyFourHourEdge) {
  FakeClock clock(Start());
  const Time now = clock.Now();
  const auto contacts = GenerateDemoContacts({.contacts = 3000, .seed = 1}, now);
  int inside = 0, just_inside = 0, just_outside = 0;
  for (const auto& c : contacts) {
    const Duration ago = now - c.last_inbound_at;
    ASSERT_GT(ago, Duration(0));
    ASSERT_LE(ago, hours(72));
    switch (c.window) {
      case DemoWindow::kJustInside:
        ++just_inside;
        EXPECT_GE(ago, hours(23) + minutes(30));
        EXPECT_LT(ago, hours(23) + minutes(59));
        break;
      case DemoWindow::kJustOutside:
        ++just_outside;
        EXPECT_GE(ago, hours(24) + minutes(1));
        EXPECT_LT(ago, hours(24) + minutes(30));
        break;
      case DemoWindow::kInside:
        EXPECT_LT(ago, hours(23) + minutes(30));
        break;
      case DemoWindow::kOutside:
        EXPECT_GE(ago, hours(24) + minutes(30));
        break;
    }
    inside += ago < hours(24);
  }
  // Roughly a third inside, with both edges populated.
  EXPECT_GT(inside, 850);
  EXPECT_LT(inside, 1150);
  EXPECT_GT(just_inside, 80);
  EXPECT_GT(just_outside, 80);
}

TEST(DemoDataTest, TimesFollowTheClock) {
  FakeClock clock(Start());
  const auto before = GenerateDemoContacts({.contacts = 5, .seed = 1}, clock.Now());
  clock.Advance(hours(2));
  const auto after = GenerateDemoContacts({.contacts = 5, .seed = 1}, clock.Now());
  for (std::size_t i = 0; i < before.size(); ++i) {
    EXPECT_EQ(after[i].last_inbound_at - before[i].last_inbound_at, hours(2));
  }
}

TEST(DemoDataTest, JsonlRowsAndInteractionsAgree) {
  const auto contacts = GenerateDemoContacts({.contacts = 3, .seed = 1}, Start());
  const std::string jsonl = DemoContactsJsonl(contacts);
  std::size_t start = 0;
  for (const auto& c : contacts) {
    const std::size_t end = jsonl.find('\n', start);
    ASSERT_NE(end, std::string::npos);
    const auto row = boost::json::parse(jsonl.substr(start, end - start)).as_object();
    EXPECT_EQ(row.at("platform_user_id").as_string(), c.platform_user_id);
    EXPECT_EQ(row.at("last_inbound_at").as_string(), FormatRfc3339(c.last_inbound_at));
    EXPECT_EQ(row.at("window_opener").as_string(), "organic");
    start = end + 1;
  }
  const auto body = boost::json::parse(DemoInteractionsBody("P1", contacts)).as_object();
  EXPECT_EQ(body.at("page_id").as_string(), "P1");
  const auto& items = body.at("interactions").as_array();
  ASSERT_EQ(items.size(), 3u);
  EXPECT_EQ(items[1].as_object().at("user_id").as_string(), contacts[1].platform_user_id);
  EXPECT_EQ(items[1].as_object().at("at").as_string(), FormatRfc3339(contacts[1].last_inbound_at));
  EXPECT_EQ(items[1].as_object().at("source").as_string(), "organic");
}

}  // namespace
}  // namespace crier::cli
