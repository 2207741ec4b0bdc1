// The store's side of the platform ceilings (A8): the settings on the account, the usage
// queries that seed the budgets at start, and deliveries that wait for a ceiling.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "store/sqlite/messages.h"
#include "store/sqlite/sqlite_store.h"
#include "support/temp_dir.h"

namespace crier {
namespace {

using namespace std::chrono_literals;
using ::testing::ElementsAre;
using ::testing::IsEmpty;
using ::testing::Pair;

const Time kT0 = FromUnixMillis(1'790'000'000'000);

class SqliteStoreCeilingsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    SqliteOptions options;
    options.path = dir_.File("crier.db");
    options.clock = &clock_;
    auto opened = OpenSqliteStore(options);
    ASSERT_TRUE(opened.ok()) << opened.error().ToString();
    store_ = std::move(opened).value();
  }

  Id NewAccount(Platform platform, Pacing pacing = {}) {
    NewChannelAccount in;
    in.platform = platform;
    in.name = "n" + std::to_string(++accounts_);
    in.external_id = in.name;
    in.access_token = "t";
    in.api_base_url = "http://127.0.0.1:1";
    in.pacing = pacing;
    auto created = store_->CreateChannelAccount(in, kT0);
    EXPECT_TRUE(created.ok()) << created.error().ToString();
    return created.ok() ? created->id : 0;
  }

  // A sending run on `account` with one planned delivery per user, all by `route`; returns
  // the run and fills `ids` with the deliveries, claimed.
  Id ClaimedRun(Id account, RouteKind route, const std::vector<std::string>& users,
                std::vector<Id>& ids) {
    NewBroadcast b;
    b.name = "b";
    b.channel_account_id = account;
    b.messages = {Message{MessageKind::kText, "Hello"}};
    auto broadcast = store_->CreateBroadcast(b, kT0);
    EXPECT_TRUE(broadcast.ok());
    std::vector<PlannedDelivery> batch;
    for (const std::string& user : users) {
      ContactInput row;
      row.channel_account_id = account;
      row.platform_user_id = user;
      auto up = store_->UpsertContacts(std::span(&row, 1), kT0);
      EXPECT_TRUE(up.ok());
      batch.push_back({up->contact_ids[0], user, Decision::Send(Route{route, "", ""})});
    }
    auto run = store_->CreateRun(broadcast->id, kT0);
    EXPECT_TRUE(run.ok());
    EXPECT_TRUE(store_->AppendDeliveries(run->id, batch, kT0).ok());
    EXPECT_TRUE(store_->StartRun(run->id, kT0).ok());
    auto claimed = store_->ClaimDeliveries(run->id, 1000, kT0);
    EXPECT_TRUE(claimed.ok());
    ids.clear();
    for (const auto& c : *claimed) ids.push_back(c.delivery_id);
    return run->id;
  }

  void Record(DeliveryOutcome o) { ASSERT_TRUE(store_->RecordOutcomes(std::span(&o, 1)).ok()); }

  static DeliveryOutcome Sent(Id id, std::string message_ids, Time at) {
    DeliveryOutcome o;
    o.delivery_id = id;
    o.state = DeliveryState::kSent;
    o.platform_message_id = std::move(message_ids);
    o.at = at;
    return o;
  }

  FakeClock clock_{kT0};
  testing::TempDir dir_;
  std::unique_ptr<Store> store_;
  int accounts_ = 0;
};

TEST_F(SqliteStoreCeilingsTest, CeilingSettingsRoundTripAndDefault) {
  const Id plain = NewAccount(Platform::kWhatsApp);
  auto got = store_->GetChannelAccount(plain);
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(got->pacing.whatsapp_tier, WhatsAppTier::k250) << "a new portfolio's tier";
  EXPECT_EQ(got->pacing.platform_messages_per_second, std::nullopt);
  EXPECT_EQ(got->pacing.line_monthly_quota, std::nullopt);

  Pacing pacing;
  pacing.platform_messages_per_second = 1000;
  pacing.whatsapp_tier = WhatsAppTier::kUnlimited;
  const Id upgraded = NewAccount(Platform::kWhatsApp, pacing);
  got = store_->GetChannelAccount(upgraded);
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(got->pacing, pacing);

  pacing = {};
  pacing.line_monthly_quota = 5000;
  const Id line = NewAccount(Platform::kLine, pacing);
  auto listed = store_->ListChannelAccounts();
  ASSERT_TRUE(listed.ok());
  ASSERT_EQ(listed->size(), 3u);
  EXPECT_EQ(listed->back().id, line);
  EXPECT_EQ(listed->back().pacing.line_monthly_quota, 5000);
}

TEST_F(SqliteStoreCeilingsTest, CeilingSettingsAreValidatedNamingTheField) {
  NewChannelAccount in;
  in.platform = Platform::kLine;
  in.name = in.external_id = in.access_token = "x";
  in.api_base_url = "http://127.0.0.1:1";
  in.pacing.line_monthly_quota = 0;
  auto refused = store_->CreateChannelAccount(in, kT0);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().field, "pacing.line_monthly_quota");
  in.pacing.line_monthly_quota = 1;
  EXPECT_TRUE(store_->CreateChannelAccount(in, kT0).ok());

  in.pacing.platform_messages_per_second = 0;
  refused = store_->CreateChannelAccount(in, kT0);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().field, "pacing.platform_messages_per_second");
}

TEST_F(SqliteStoreCeilingsTest, RecipientsSentSinceCountsEachPersonOnceFromTheirFirstSend) {
  const Id account = NewAccount(Platform::kWhatsApp);
  std::vector<Id> ids;
  ClaimedRun(account, RouteKind::kWhatsAppTemplate, {"a", "b", "c", "d", "e"}, ids);
  Record(Sent(ids[0], "w1", kT0));        // exactly 24 h before `now`: has left
  Record(Sent(ids[1], "w2", kT0 + 1ms));  // just inside
  Record(Sent(ids[2], "w3", kT0 + 2h));   // inside
  DeliveryOutcome failed;                 // refused by the platform: not counted
  failed.delivery_id = ids[3];
  failed.state = DeliveryState::kFailed;
  failed.error_class = "invalid_request";
  failed.at = kT0 + 3h;
  Record(failed);
  // ids[4] stays sending: interrupted by a crash below, it may have reached the platform.

  // A second run reaches b again (not a new person) and f over another route (not counted).
  std::vector<Id> more;
  ClaimedRun(account, RouteKind::kWhatsAppTemplate, {"b"}, more);
  Record(Sent(more[0], "w4", kT0 + 5h));
  ClaimedRun(account, RouteKind::kStandardWindow, {"f"}, more);
  Record(Sent(more[0], "w5", kT0 + 5h));
  // Another account's sends are its own.
  ClaimedRun(NewAccount(Platform::kWhatsApp), RouteKind::kWhatsAppTemplate, {"g"}, more);
  Record(Sent(more[0], "w6", kT0 + 5h));

  ASSERT_TRUE(store_->RecoverInterrupted(kT0 + 6h).ok());
  const Time now = kT0 + 24h;
  auto people = store_->ListRecipientsSentSince(account, RouteKind::kWhatsAppTemplate, now - 24h);
  ASSERT_TRUE(people.ok()) << people.error().ToString();
  std::vector<std::pair<std::string, Time>> got;
  for (const auto& p : *people) got.emplace_back(p.platform_user_id, p.first_at);
  EXPECT_THAT(got, ElementsAre(Pair("b", kT0 + 1ms), Pair("c", kT0 + 2h), Pair("e", kT0 + 6h)));

  // Later, b's first send of the window is the second run's.
  people = store_->ListRecipientsSentSince(account, RouteKind::kWhatsAppTemplate, kT0 + 3h);
  ASSERT_TRUE(people.ok());
  ASSERT_EQ(people->size(), 2u);
  EXPECT_EQ((*people)[0].platform_user_id, "b");
  EXPECT_EQ((*people)[0].first_at, kT0 + 5h);
  EXPECT_THAT(*store_->ListRecipientsSentSince(account, RouteKind::kWhatsAppTemplate, kT0 + 7h),
              IsEmpty());
}

TEST_F(SqliteStoreCeilingsTest, MessagesSentSinceCountsEveryMessageThatWentOut) {
  const Id account = NewAccount(Platform::kLine);
  std::vector<Id> ids;
  ClaimedRun(account, RouteKind::kLinePush, {"a", "b", "c", "d"}, ids);
  Record(Sent(ids[0], "m1,m2,m3", kT0 + 1h));  // three pushes
  Record(Sent(ids[1], "m4", kT0));             // at `since`: before the window
  DeliveryOutcome partial;                     // failed after its first message went
  partial.delivery_id = ids[2];
  partial.state = DeliveryState::kFailed;
  partial.error_class = "policy";
  partial.platform_message_id = "m5";
  partial.at = kT0 + 2h;
  Record(partial);
  DeliveryOutcome refused = partial;  // nothing went out
  refused.delivery_id = ids[3];
  refused.platform_message_id.clear();
  Record(refused);

  auto count = store_->CountMessagesSentSince(account, kT0);
  ASSERT_TRUE(count.ok()) << count.error().ToString();
  EXPECT_EQ(*count, 4);
  EXPECT_EQ(*store_->CountMessagesSentSince(account, kT0 - 1ms), 5);
  EXPECT_EQ(*store_->CountMessagesSentSince(account, kT0 + 2h), 0);
  EXPECT_EQ(*store_->CountMessagesSentSince(account + 1, kT0 - 1ms), 0);
}

TEST_F(SqliteStoreCeilingsTest, ADeferredDeliveryWaitsWithoutSpendingAnAttemptAndTheReportSaysWhy) {
  const Id account = NewAccount(Platform::kWhatsApp);
  std::vector<Id> ids;
  const Id run = ClaimedRun(account, RouteKind::kWhatsAppTemplate, {"a", "b"}, ids);
  DeliveryOutcome held;
  held.delivery_id = ids[0];
  held.state = DeliveryState::kPlanned;
  held.deferred = true;
  held.not_before = kT0 + 24h;
  held.error_class = "ceiling";
  held.error_code = "whatsapp_messaging_limit";
  held.at = kT0;
  Record(held);
  DeliveryOutcome retry = held;  // a platform error: the attempt counts
  retry.delivery_id = ids[1];
  retry.deferred = false;
  retry.error_class = "retry_later";
  retry.error_code = "131000";
  Record(retry);

  auto report = store_->GetRunReport(run);
  ASSERT_TRUE(report.ok());
  EXPECT_THAT(report->waiting, ElementsAre(Pair("131000", 1), Pair("whatsapp_messaging_limit", 1)));

  auto claimed = store_->ClaimDeliveries(run, 10, kT0 + 24h);
  ASSERT_TRUE(claimed.ok());
  ASSERT_EQ(claimed->size(), 2u);
  EXPECT_EQ((*claimed)[0].attempt, 1) << "held by a ceiling: never attempted";
  EXPECT_EQ((*claimed)[1].attempt, 2);
  report = store_->GetRunReport(run);
  EXPECT_THAT(report->waiting, IsEmpty()) << "claimed again: no longer waiting";
}

}  // namespace
}  // namespace crier
