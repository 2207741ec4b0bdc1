// Webhooks in: button presses applied to contacts (J4), and the accounts' webhook secrets.
#include <gtest/gtest.h>

#include "store/sqlite/sqlite_store.h"
#include "support/temp_dir.h"

namespace crier {
namespace {

const Time kT0 = FromUnixMillis(1'790'000'000'000);
constexpr Duration kMinute = std::chrono::minutes(1);

class SqliteStoreWebhooksTest : public ::testing::Test {
 protected:
  void SetUp() override {
    SqliteOptions options;
    options.path = dir_.File("crier.db");
    options.clock = &clock_;
    auto opened = OpenSqliteStore(options);
    ASSERT_TRUE(opened.ok()) << opened.error().ToString();
    store_ = std::move(opened).value();
    NewChannelAccount in;
    in.name = "Shop";
    in.external_id = "111";
    in.access_token = "token";
    in.api_base_url = "http://127.0.0.1:1";
    in.webhook_secret = "app-secret";
    in.webhook_verify_token = "verify-me";
    auto created = store_->CreateChannelAccount(in, kT0);
    ASSERT_TRUE(created.ok()) << created.error().ToString();
    account_ = created->id;
  }

  InboundPress Press(std::string user, std::string event, Time at,
                     std::optional<SubscriptionStatus> subscription = std::nullopt) {
    return {account_, std::move(user), std::move(event), at, subscription};
  }

  PressOutcome Apply(const InboundPress& press, Time now = kT0) {
    auto applied = store_->ApplyPresses(std::span(&press, 1), now);
    EXPECT_TRUE(applied.ok()) << applied.error().ToString();
    return applied.ok() ? applied->at(0) : PressOutcome{};
  }

  Contact ContactOf(Id id) {
    auto c = store_->GetContact(id);
    EXPECT_TRUE(c.ok()) << c.error().ToString();
    return c.ok() ? *c : Contact{};
  }

  Id Import(const std::string& user, Time last_inbound, std::optional<SubscriptionStatus> sub,
            Time now) {
    ContactInput row;
    row.channel_account_id = account_;
    row.platform_user_id = user;
    row.last_inbound_at = last_inbound;
    row.subscription = sub;
    auto summary = store_->UpsertContacts(std::span(&row, 1), now);
    EXPECT_TRUE(summary.ok()) << summary.error().ToString();
    return summary.ok() ? summary->contact_ids.at(0) : 0;
  }

  testing::TempDir dir_;
  FakeClock clock_{kT0};
  std::unique_ptr<Store> store_;
  Id account_ = 0;
};

TEST_F(SqliteStoreWebhooksTest, SecretsAreStoredAndCleared) {
  auto read = store_->GetChannelAccount(account_);
  ASSERT_TRUE(read.ok());
  EXPECT_EQ(read->webhook_secret, "app-secret");
  EXPECT_EQ(read->webhook_verify_token, "verify-me");
  ChannelAccountUpdate update;
  update.webhook_secret = "rotated";
  auto updated = store_->UpdateChannelAccount(account_, update);
  ASSERT_TRUE(updated.ok()) << updated.error().ToString();
  EXPECT_EQ(updated->webhook_secret, "rotated");
  EXPECT_EQ(updated->webhook_verify_token, "verify-me");  // not named: kept
  update = {};
  update.webhook_verify_token = "";
  ASSERT_TRUE(store_->UpdateChannelAccount(account_, update).ok());
  auto list = store_->ListChannelAccounts();
  ASSERT_TRUE(list.ok());
  EXPECT_EQ(list->at(0).webhook_secret, "rotated");
  EXPECT_EQ(list->at(0).webhook_verify_token, "");
}

TEST_F(SqliteStoreWebhooksTest, AnUnknownSenderBecomesAContact) {
  const Time pressed = kT0 - kMinute;
  const PressOutcome out =
      Apply(Press("PSID-NEW", "mid.1", pressed, SubscriptionStatus::kUnsubscribed));
  EXPECT_FALSE(out.duplicate);
  EXPECT_TRUE(out.contact_created);
  EXPECT_TRUE(out.subscription_applied);
  const Contact c = ContactOf(out.contact_id);
  EXPECT_EQ(c.subscription, SubscriptionStatus::kUnsubscribed);
  EXPECT_EQ(c.subscription_changed_at, pressed);
  ASSERT_EQ(c.identities.size(), 1u);
  EXPECT_EQ(c.identities[0].channel_account_id, account_);
  EXPECT_EQ(c.identities[0].platform_user_id, "PSID-NEW");
  EXPECT_EQ(c.identities[0].last_inbound_at, pressed);
}

TEST_F(SqliteStoreWebhooksTest, ARedeliveredEventChangesNothing) {
  const Id id = Import("PSID-1", kT0 - 10 * kMinute, std::nullopt, kT0 - 20 * kMinute);
  const InboundPress press = Press("PSID-1", "mid.1", kT0, SubscriptionStatus::kUnsubscribed);
  EXPECT_FALSE(Apply(press).duplicate);
  const Contact after_first = ContactOf(id);
  // The person subscribes again by import; the redelivered unsubscribe must not undo it.
  Import("PSID-1", kT0, SubscriptionStatus::kSubscribed, kT0 + kMinute);
  const Contact imported = ContactOf(id);
  const PressOutcome again = Apply(press, kT0 + 2 * kMinute);
  EXPECT_TRUE(again.duplicate);
  EXPECT_EQ(again.contact_id, 0);
  const Contact after_replay = ContactOf(id);
  EXPECT_EQ(after_first.subscription, SubscriptionStatus::kUnsubscribed);
  EXPECT_EQ(after_replay.subscription, SubscriptionStatus::kSubscribed);
  EXPECT_EQ(after_replay.updated_at, imported.updated_at);
  // The same id twice in one body: the second is the duplicate.
  const InboundPress twice[] = {Press("PSID-2", "mid.2", kT0), Press("PSID-2", "mid.2", kT0)};
  auto both = store_->ApplyPresses(twice, kT0);
  ASSERT_TRUE(both.ok());
  EXPECT_FALSE(both->at(0).duplicate);
  EXPECT_TRUE(both->at(1).duplicate);
}

TEST_F(SqliteStoreWebhooksTest, AnOlderPressNeverOverridesANewerChange) {
  const Time changed = kT0 - 10 * kMinute;
  const Id id = Import("PSID-1", changed, SubscriptionStatus::kUnsubscribed, changed);
  // One millisecond older than the stored change: only the interaction counts.
  const PressOutcome older =
      Apply(Press("PSID-1", "mid.older", changed - Duration(1), SubscriptionStatus::kSubscribed));
  EXPECT_FALSE(older.subscription_applied);
  EXPECT_EQ(older.subscription_before, SubscriptionStatus::kUnsubscribed);
  EXPECT_EQ(ContactOf(id).subscription, SubscriptionStatus::kUnsubscribed);
  EXPECT_EQ(ContactOf(id).subscription_changed_at, changed);
  // At the same moment: not newer than the press, so the press applies.
  const PressOutcome same =
      Apply(Press("PSID-1", "mid.same", changed, SubscriptionStatus::kSubscribed));
  EXPECT_TRUE(same.subscription_applied);
  EXPECT_EQ(ContactOf(id).subscription, SubscriptionStatus::kSubscribed);
  // A newer press wins, and a late one from before it is ignored.
  EXPECT_TRUE(
      Apply(Press("PSID-1", "mid.newer", changed + kMinute, SubscriptionStatus::kUnsubscribed))
          .subscription_applied);
  EXPECT_FALSE(Apply(Press("PSID-1", "mid.late", changed + kMinute - Duration(1),
                           SubscriptionStatus::kSubscribed))
                   .subscription_applied);
  const Contact c = ContactOf(id);
  EXPECT_EQ(c.subscription, SubscriptionStatus::kUnsubscribed);
  EXPECT_EQ(c.subscription_changed_at, changed + kMinute);
}

TEST_F(SqliteStoreWebhooksTest, APressMovesTheInteractionTimeForwardOnly) {
  const Time last = kT0 - kMinute;
  const Id id = Import("PSID-1", last, std::nullopt, kT0 - 2 * kMinute);
  const Contact before = ContactOf(id);
  // crier:none and bot-flow payloads: the interaction only.
  const PressOutcome none = Apply(Press("PSID-1", "mid.old", last - kMinute));
  EXPECT_FALSE(none.subscription_applied);
  EXPECT_EQ(ContactOf(id).identities.at(0).last_inbound_at, last);
  Apply(Press("PSID-1", "mid.new", last + kMinute));
  const Contact after = ContactOf(id);
  EXPECT_EQ(after.identities.at(0).last_inbound_at, last + kMinute);
  EXPECT_EQ(after.subscription, before.subscription);
  EXPECT_EQ(after.subscription_changed_at, before.subscription_changed_at);
}

TEST_F(SqliteStoreWebhooksTest, EventIdsAreForgottenAfterTheRetention) {
  const InboundPress press = Press("PSID-1", "mid.1", kT0);
  EXPECT_FALSE(Apply(press, kT0).duplicate);
  // Pruning runs with every write: just inside the retention the id is still known...
  EXPECT_TRUE(Apply(press, kT0 + kWebhookEventRetention).duplicate);
  // ...and once it has passed, it is gone (no platform retries that long).
  EXPECT_FALSE(Apply(press, kT0 + kWebhookEventRetention + Duration(1)).duplicate);
}

TEST_F(SqliteStoreWebhooksTest, BadPressesWriteNothing) {
  const InboundPress presses[] = {Press("PSID-1", "mid.1", kT0),
                                  InboundPress{account_ + 1, "PSID-2", "mid.2", kT0, {}}};
  auto refused = store_->ApplyPresses(presses, kT0);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().field, "presses[1].channel_account_id");
  auto count = store_->CountContacts(std::nullopt);
  ASSERT_TRUE(count.ok());
  EXPECT_EQ(*count, 0);
  // The first press's event id was not kept either.
  EXPECT_FALSE(Apply(presses[0]).duplicate);

  const InboundPress no_event = Press("PSID-3", "", kT0);
  auto empty = store_->ApplyPresses(std::span(&no_event, 1), kT0);
  ASSERT_FALSE(empty.ok());
  EXPECT_EQ(empty.error().field, "presses[0].event_id");
}

}  // namespace
}  // namespace crier
