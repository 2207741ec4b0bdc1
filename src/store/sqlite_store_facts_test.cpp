// Recipient facts (schema version 6): WhatsApp opt-in and STOP, suppression, the marketing
// token, the contact's region; template messages, the MM API campaign and the account's ad
// account and tag lock in the JSON columns; UpdateChannelAccount; outcome effects.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "store/sqlite/db.h"
#include "store/sqlite/migrations.h"
#include "store/sqlite/sqlite_store.h"
#include "support/temp_dir.h"

namespace crier {
namespace {

using ::testing::ElementsAre;
using ::testing::SizeIs;

const Time kT0 = FromUnixMillis(1'790'000'000'000);
constexpr Duration kHour = std::chrono::hours(1);

MarketingToken Token(std::string text, Time expires) {
  MarketingToken t;
  t.token = std::move(text);
  t.expires_at = expires;
  return t;
}

class FactsStoreTest : public ::testing::Test {
 protected:
  void SetUp() override { Open(dir_.File("crier.db")); }

  void Open(const std::string& path) {
    store_.reset();
    SqliteOptions options;
    options.path = path;
    options.clock = &clock_;
    auto opened = OpenSqliteStore(options);
    ASSERT_TRUE(opened.ok()) << opened.error().ToString();
    store_ = std::move(opened).value();
  }

  Id NewAccount(Platform platform = Platform::kMessenger, AccountCapabilities caps = {}) {
    NewChannelAccount in;
    in.platform = platform;
    in.name = "Shop";
    in.external_id = "page";
    in.access_token = "token";
    in.api_base_url = "http://127.0.0.1:1";
    in.capabilities = std::move(caps);
    auto created = store_->CreateChannelAccount(in, kT0);
    EXPECT_TRUE(created.ok()) << created.error().ToString();
    return created.ok() ? created->id : 0;
  }

  static ContactInput Row(Id account, const std::string& user_id) {
    ContactInput row;
    row.channel_account_id = account;
    row.platform_user_id = user_id;
    return row;
  }

  Id Upsert(const ContactInput& row) {
    auto summary = store_->UpsertContacts(std::span(&row, 1), kT0);
    EXPECT_TRUE(summary.ok()) << summary.error().ToString();
    return summary.ok() ? summary->contact_ids.at(0) : 0;
  }

  Identity OnlyIdentity(Id contact) {
    auto c = store_->GetContact(contact);
    EXPECT_TRUE(c.ok());
    EXPECT_THAT(c->identities, SizeIs(1));
    return c.ok() && !c->identities.empty() ? c->identities.front() : Identity{};
  }

  std::vector<RecipientRow> Recipients(Id account) {
    std::vector<RecipientRow> rows;
    auto st = store_->ForEachRecipient(account, Audience{}, [&](const RecipientRow& r) {
      rows.push_back(r);
      return true;
    });
    EXPECT_TRUE(st.ok()) << st.error().ToString();
    return rows;
  }

  // A sending run of one broadcast on `account` with a planned delivery to each user; the
  // deliveries claimed.
  std::vector<ClaimedDelivery> ClaimAll(Id account, const std::vector<std::string>& users) {
    NewBroadcast b;
    b.name = "Sale";
    b.channel_account_id = account;
    b.messages = {Message{MessageKind::kText, "Hello", {}}};
    auto broadcast = store_->CreateBroadcast(b, kT0);
    EXPECT_TRUE(broadcast.ok());
    auto run = store_->CreateRun(broadcast->id, kT0);
    EXPECT_TRUE(run.ok());
    std::vector<PlannedDelivery> batch;
    for (const auto& user : users) {
      batch.push_back({Upsert(Row(account, user)), user,
                       Decision::Send(Route{RouteKind::kStandardWindow, "UPDATE", ""})});
    }
    EXPECT_TRUE(store_->AppendDeliveries(run->id, batch, kT0).ok());
    EXPECT_TRUE(store_->StartRun(run->id, kT0).ok());
    auto claimed = store_->ClaimDeliveries(run->id, 100, kT0);
    EXPECT_TRUE(claimed.ok());
    return claimed.ok() ? *claimed : std::vector<ClaimedDelivery>{};
  }

  FakeClock clock_{kT0};
  testing::TempDir dir_;
  std::unique_ptr<Store> store_;
};

// ---- contacts -------------------------------------------------------------------------------

TEST_F(FactsStoreTest, NewFieldsRoundTripAndUnsetKeepsStoredValues) {
  const Id account = NewAccount();
  ContactInput row = Row(account, "u1");
  row.region = "TW";
  row.opted_in = true;
  row.marketing_opted_out = true;
  MarketingToken token = Token("tok-1", kT0 + 24 * kHour);
  token.stopped = true;
  token.last_sent_at = kT0 - kHour;
  row.marketing_token = token;
  const Id id = Upsert(row);

  auto c = store_->GetContact(id);
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->region, "TW");
  Identity identity = c->identities.at(0);
  EXPECT_TRUE(identity.opted_in);
  EXPECT_TRUE(identity.marketing_opted_out);
  EXPECT_FALSE(identity.suppressed_at.has_value());
  EXPECT_EQ(identity.marketing_token, token);

  // A row that names none of them changes none of them.
  ContactInput bare = Row(account, "u1");
  bare.name = "Lin";
  Upsert(bare);
  c = store_->GetContact(id);
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->region, "TW");
  identity = c->identities.at(0);
  EXPECT_TRUE(identity.opted_in);
  EXPECT_TRUE(identity.marketing_opted_out);
  EXPECT_EQ(identity.marketing_token, token);

  // Set to false, and a region replaced.
  ContactInput off = Row(account, "u1");
  off.opted_in = false;
  off.marketing_opted_out = false;
  off.region = "JP";
  Upsert(off);
  identity = OnlyIdentity(id);
  EXPECT_FALSE(identity.opted_in);
  EXPECT_FALSE(identity.marketing_opted_out);
  EXPECT_EQ(store_->GetContact(id)->region, "JP");
}

TEST_F(FactsStoreTest, MarketingTokenIsReplacedWholeAndCleared) {
  const Id account = NewAccount();
  ContactInput row = Row(account, "u1");
  MarketingToken first = Token("tok-1", kT0 + kHour);
  first.stopped = true;
  first.last_sent_at = kT0;
  row.marketing_token = first;
  const Id id = Upsert(row);

  // A new opt-in: nothing of the old token survives (not its STOP, not its last send).
  ContactInput again = Row(account, "u1");
  again.marketing_token = Token("tok-2", kT0 + 48 * kHour);
  Upsert(again);
  EXPECT_EQ(OnlyIdentity(id).marketing_token, Token("tok-2", kT0 + 48 * kHour));

  ContactInput clear = Row(account, "u1");
  clear.clear_marketing_token = true;
  Upsert(clear);
  EXPECT_FALSE(OnlyIdentity(id).marketing_token.has_value());
}

TEST_F(FactsStoreTest, BadTokenAndRegionRowsAreRefusedNamingTheFieldAndWriteNothing) {
  const Id account = NewAccount();
  ContactInput good = Row(account, "good");
  ContactInput both = Row(account, "both");
  both.marketing_token = Token("t", kT0);
  both.clear_marketing_token = true;
  std::vector<ContactInput> rows = {good, both};
  auto result = store_->UpsertContacts(rows, kT0);
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.error().field, "rows[1].marketing_token");

  ContactInput empty_token = Row(account, "e");
  empty_token.marketing_token = Token("", kT0);
  result = store_->UpsertContacts(std::span(&empty_token, 1), kT0);
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.error().field, "rows[0].marketing_token.token");

  for (const char* bad : {"tw", "TWN", "T1"}) {
    ContactInput region = Row(account, "r");
    region.region = bad;
    result = store_->UpsertContacts(std::span(&region, 1), kT0);
    ASSERT_FALSE(result.ok()) << bad;
    EXPECT_EQ(result.error().field, "rows[0].region");
  }
  EXPECT_EQ(*store_->CountContacts(std::nullopt), 0);
}

TEST_F(FactsStoreTest, ChangedSinceAndGetContactsCarryTheNewFields) {
  const Id account = NewAccount();
  ContactInput row = Row(account, "u1");
  row.region = "VN";
  row.opted_in = true;
  row.marketing_token = Token("tok", kT0 + kHour);
  const Id id = Upsert(row);
  std::vector<Contact> seen;
  ASSERT_TRUE(store_
                  ->ForEachContactChangedSince(0,
                                               [&](const Contact& c) {
                                                 seen.push_back(c);
                                                 return true;
                                               })
                  .ok());
  ASSERT_THAT(seen, SizeIs(1));
  EXPECT_EQ(seen[0].region, "VN");
  EXPECT_TRUE(seen[0].identities.at(0).opted_in);
  EXPECT_EQ(seen[0].identities.at(0).marketing_token, Token("tok", kT0 + kHour));

  auto got = store_->GetContacts(std::vector<Id>{id});
  ASSERT_TRUE(got.ok());
  ASSERT_THAT(*got, SizeIs(1));
  EXPECT_EQ(got->at(0).region, "VN");
  EXPECT_EQ(got->at(0).identities.at(0).marketing_token, Token("tok", kT0 + kHour));
}

// ---- recipient facts ------------------------------------------------------------------------

TEST_F(FactsStoreTest, RecipientFactsAreFilledFromTheContactAndItsIdentity) {
  const Id account = NewAccount(Platform::kWhatsApp, AccountCapabilities{.waba_id = "w1"});
  ContactInput us = Row(account, "15551234567");
  us.opted_in = true;
  us.marketing_opted_out = true;
  us.locale = "en_US";
  ContactInput tw = Row(account, "886912345678");
  tw.locale = "zh_TW";
  tw.region = "JP";  // where the person is beats the locale's region
  ContactInput none = Row(account, "44700000000");
  none.locale = "en";
  Upsert(us);
  Upsert(tw);
  Upsert(none);

  const std::vector<RecipientRow> rows = Recipients(account);
  ASSERT_THAT(rows, SizeIs(3));
  EXPECT_EQ(rows[0].facts.platform, Platform::kWhatsApp);
  EXPECT_TRUE(rows[0].facts.opted_in);
  EXPECT_TRUE(rows[0].facts.marketing_opted_out);
  EXPECT_TRUE(rows[0].facts.us_number);
  EXPECT_EQ(rows[0].facts.region, "US");
  EXPECT_FALSE(rows[1].facts.opted_in);
  EXPECT_FALSE(rows[1].facts.us_number);
  EXPECT_EQ(rows[1].facts.region, "JP");
  EXPECT_EQ(rows[2].facts.region, "");
  EXPECT_FALSE(rows[2].facts.suppressed);
  EXPECT_FALSE(rows[2].facts.marketing_token.has_value());
}

TEST_F(FactsStoreTest, UsNumberIsAWhatsAppFactOnly) {
  const Id account = NewAccount(Platform::kMessenger);
  ContactInput row = Row(account, "15551234567");  // a PSID that looks like a +1 number
  row.marketing_token = Token("tok", kT0 + kHour);
  Upsert(row);
  const std::vector<RecipientRow> rows = Recipients(account);
  ASSERT_THAT(rows, SizeIs(1));
  EXPECT_FALSE(rows[0].facts.us_number);
  ASSERT_TRUE(rows[0].facts.marketing_token.has_value());
  EXPECT_EQ(rows[0].facts.marketing_token->token, "tok");
}

TEST_F(FactsStoreTest, SuppressionIsLiftedOnlyByAnInboundMessageAfterIt) {
  const Id account = NewAccount();
  ContactInput row = Row(account, "u1");
  row.last_inbound_at = kT0 - kHour;
  Upsert(row);
  const std::vector<ClaimedDelivery> claimed = ClaimAll(account, {"u1"});
  ASSERT_THAT(claimed, SizeIs(1));
  DeliveryOutcome failed;
  failed.delivery_id = claimed[0].delivery_id;
  failed.state = DeliveryState::kFailed;
  failed.error_class = "recipient_unreachable";
  failed.at = kT0;
  failed.suppress_recipient = true;
  ASSERT_TRUE(store_->RecordOutcomes(std::span(&failed, 1)).ok());

  auto suppressed = [&] {
    const std::vector<RecipientRow> rows = Recipients(account);
    EXPECT_THAT(rows, SizeIs(1));
    return !rows.empty() && rows[0].facts.suppressed;
  };
  EXPECT_EQ(OnlyIdentity(claimed[0].contact_id).suppressed_at, kT0);
  EXPECT_TRUE(suppressed());

  // An inbound message at the same instant is not after it: still suppressed.
  ContactInput same = Row(account, "u1");
  same.last_inbound_at = kT0;
  Upsert(same);
  EXPECT_TRUE(suppressed());
  // One millisecond later lifts it, and nobody had to clear anything.
  ContactInput later = Row(account, "u1");
  later.last_inbound_at = kT0 + std::chrono::milliseconds(1);
  Upsert(later);
  EXPECT_FALSE(suppressed());
  EXPECT_EQ(OnlyIdentity(claimed[0].contact_id).suppressed_at, kT0);
}

TEST_F(FactsStoreTest, ClaimedDeliveriesCarryTheSameFacts) {
  const Id account = NewAccount(Platform::kWhatsApp, AccountCapabilities{.waba_id = "w1"});
  ContactInput row = Row(account, "15551234567");
  row.opted_in = true;
  row.locale = "es_MX";
  row.last_inbound_at = kT0 - kHour;
  Upsert(row);
  const std::vector<ClaimedDelivery> claimed = ClaimAll(account, {"15551234567"});
  ASSERT_THAT(claimed, SizeIs(1));
  const RecipientFacts& f = claimed[0].facts;
  EXPECT_TRUE(f.has_identity);
  EXPECT_TRUE(f.opted_in);
  EXPECT_TRUE(f.us_number);
  EXPECT_EQ(f.region, "MX");
  EXPECT_EQ(f.last_inbound_at, kT0 - kHour);
  EXPECT_FALSE(f.suppressed);
}

TEST_F(FactsStoreTest, TokenUseIsWrittenWithTheOutcomeAndOnlyWhenSaid) {
  const Id account = NewAccount();
  for (const char* user : {"a", "b"}) {
    ContactInput row = Row(account, user);
    row.marketing_token = Token(std::string("tok-") + user, kT0 + 48 * kHour);
    Upsert(row);
  }
  const std::vector<ClaimedDelivery> claimed = ClaimAll(account, {"a", "b"});
  ASSERT_THAT(claimed, SizeIs(2));
  ASSERT_TRUE(claimed[0].facts.marketing_token.has_value());
  EXPECT_EQ(claimed[0].facts.marketing_token->token, "tok-a");
  std::vector<DeliveryOutcome> outcomes(2);
  for (size_t i = 0; i < 2; ++i) {
    outcomes[i].delivery_id = claimed[i].delivery_id;
    outcomes[i].state = DeliveryState::kSent;
    outcomes[i].route = "marketing_token";
    outcomes[i].at = kT0 + kHour;
  }
  outcomes[0].marketing_token_used = true;
  ASSERT_TRUE(store_->RecordOutcomes(outcomes).ok());
  EXPECT_EQ(OnlyIdentity(claimed[0].contact_id).marketing_token->last_sent_at, kT0 + kHour);
  EXPECT_FALSE(OnlyIdentity(claimed[1].contact_id).marketing_token->last_sent_at.has_value());
  EXPECT_FALSE(OnlyIdentity(claimed[0].contact_id).suppressed_at.has_value());
  const std::vector<RecipientRow> rows = Recipients(account);
  EXPECT_EQ(rows.at(0).facts.marketing_token->last_sent_at, kT0 + kHour);
}

TEST_F(FactsStoreTest, AStoppedTokenIsMarkedStoppedAndThePersonStaysReachable) {
  const Id account = NewAccount();
  for (const char* user : {"a", "b"}) {
    ContactInput row = Row(account, user);
    row.marketing_token = Token(std::string("tok-") + user, kT0 + 48 * kHour);
    Upsert(row);
  }
  const std::vector<ClaimedDelivery> claimed = ClaimAll(account, {"a", "b"});
  ASSERT_THAT(claimed, SizeIs(2));
  std::vector<DeliveryOutcome> outcomes(2);
  for (size_t i = 0; i < 2; ++i) {
    outcomes[i].delivery_id = claimed[i].delivery_id;
    outcomes[i].state = DeliveryState::kFailed;
    outcomes[i].route = "marketing_token";
    outcomes[i].error_class = "policy";
    outcomes[i].error_code = "10/1893015";
    outcomes[i].at = kT0 + kHour;
  }
  outcomes[0].marketing_token_stopped = true;
  ASSERT_TRUE(store_->RecordOutcomes(outcomes).ok());
  EXPECT_TRUE(OnlyIdentity(claimed[0].contact_id).marketing_token->stopped);
  EXPECT_FALSE(OnlyIdentity(claimed[1].contact_id).marketing_token->stopped);
  EXPECT_FALSE(OnlyIdentity(claimed[0].contact_id).suppressed_at.has_value());
  const std::vector<RecipientRow> rows = Recipients(account);
  EXPECT_TRUE(rows.at(0).facts.marketing_token->stopped);
  EXPECT_FALSE(rows.at(0).facts.suppressed);
}

TEST_F(FactsStoreTest, AFailedBatchWritesNoEffect) {
  const Id account = NewAccount();
  const std::vector<ClaimedDelivery> claimed = ClaimAll(account, {"a"});
  ASSERT_THAT(claimed, SizeIs(1));
  std::vector<DeliveryOutcome> outcomes(2);
  outcomes[0].delivery_id = claimed[0].delivery_id;
  outcomes[0].state = DeliveryState::kFailed;
  outcomes[0].error_class = "recipient_unreachable";
  outcomes[0].suppress_recipient = true;
  outcomes[0].at = kT0;
  outcomes[1].delivery_id = claimed[0].delivery_id + 1000;  // unknown: the batch fails whole
  outcomes[1].state = DeliveryState::kSent;
  outcomes[1].at = kT0;
  EXPECT_FALSE(store_->RecordOutcomes(outcomes).ok());
  EXPECT_FALSE(OnlyIdentity(claimed[0].contact_id).suppressed_at.has_value());
}

TEST_F(FactsStoreTest, OutcomeEffectsStampTheContactForTheAudienceIndex) {
  const Id account = NewAccount();
  const std::vector<ClaimedDelivery> claimed = ClaimAll(account, {"a"});
  ASSERT_THAT(claimed, SizeIs(1));
  const auto before = store_->ForEachContactChangedSince(0, [](const Contact&) { return true; });
  ASSERT_TRUE(before.ok());
  DeliveryOutcome o;
  o.delivery_id = claimed[0].delivery_id;
  o.state = DeliveryState::kFailed;
  o.error_class = "recipient_unreachable";
  o.suppress_recipient = true;
  o.at = kT0 + kHour;
  ASSERT_TRUE(store_->RecordOutcomes(std::span(&o, 1)).ok());
  std::vector<Id> changed;
  ASSERT_TRUE(store_
                  ->ForEachContactChangedSince(*before,
                                               [&](const Contact& c) {
                                                 changed.push_back(c.id);
                                                 EXPECT_EQ(c.identities.at(0).suppressed_at,
                                                           kT0 + kHour);
                                                 return true;
                                               })
                  .ok());
  EXPECT_THAT(changed, ElementsAre(claimed[0].contact_id));
}

// ---- broadcasts and accounts ----------------------------------------------------------------

TEST_F(FactsStoreTest, TemplateMessagesAndCampaignRoundTrip) {
  const Id account = NewAccount(Platform::kWhatsApp, AccountCapabilities{.waba_id = "w1"});
  NewBroadcast in;
  in.name = "Order update";
  in.channel_account_id = account;
  Message m;
  m.kind = MessageKind::kTemplate;
  m.template_message = TemplateMessage{
      "order_update", "en_US", TemplateCategory::kMarketing, {"Header"}, {"Lin", "#123"}};
  in.messages = {m};
  in.outside_window.marketing_message_api = true;
  in.outside_window.marketing_campaign_id = "camp-9";
  auto created = store_->CreateBroadcast(in, kT0);
  ASSERT_TRUE(created.ok()) << created.error().ToString();
  auto got = store_->GetBroadcast(created->id);
  ASSERT_TRUE(got.ok()) << got.error().ToString();
  ASSERT_THAT(got->messages, SizeIs(1));
  EXPECT_EQ(got->messages[0].kind, MessageKind::kTemplate);
  EXPECT_EQ(got->messages[0].template_message, m.template_message);
  EXPECT_EQ(got->outside_window, in.outside_window);

  NewBroadcast nameless = in;
  nameless.messages[0].template_message.name.clear();
  auto refused = store_->CreateBroadcast(nameless, kT0);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().field, "messages[0].template.name");
}

TEST_F(FactsStoreTest, UnknownStoredTemplateCategoryIsAnErrorNamingIt) {
  const Id account = NewAccount(Platform::kWhatsApp, AccountCapabilities{.waba_id = "w1"});
  NewBroadcast in;
  in.name = "B";
  in.channel_account_id = account;
  Message m;
  m.kind = MessageKind::kTemplate;
  m.template_message.name = "t";
  m.template_message.language = "en";
  in.messages = {m};
  auto created = store_->CreateBroadcast(in, kT0);
  ASSERT_TRUE(created.ok());
  {
    auto conn = sqlite::Connection::Open({.path = dir_.File("crier.db")});
    ASSERT_TRUE(conn.ok());
    ASSERT_TRUE((*conn)
                    ->Exec("UPDATE broadcasts SET messages = replace(messages, '\"utility\"',"
                           " '\"promo\"')")
                    .ok());
  }
  auto got = store_->GetBroadcast(created->id);
  ASSERT_FALSE(got.ok());
  EXPECT_THAT(got.error().message, ::testing::HasSubstr("messages[0].template.category"));
}

TEST_F(FactsStoreTest, CapabilitiesRoundTripAndUpdateMergesByMember) {
  AccountCapabilities caps;
  caps.marketing_message_api = true;
  caps.business_region = "TW";
  caps.ad_account_id = "act_1";
  const Id account = NewAccount(Platform::kMessenger, caps);
  EXPECT_EQ(store_->GetChannelAccount(account)->capabilities, caps);

  ChannelAccountUpdate lock;
  lock.message_tags_locked = true;
  auto updated = store_->UpdateChannelAccount(account, lock);
  ASSERT_TRUE(updated.ok()) << updated.error().ToString();
  caps.message_tags_locked = true;
  EXPECT_EQ(updated->capabilities, caps);
  EXPECT_EQ(store_->GetChannelAccount(account)->capabilities, caps);

  ChannelAccountUpdate pace;
  pace.messages_per_second = 5;
  pace.ad_account_id = "";
  updated = store_->UpdateChannelAccount(account, pace);
  ASSERT_TRUE(updated.ok());
  caps.ad_account_id.clear();
  EXPECT_EQ(store_->GetChannelAccount(account)->capabilities, caps);
  EXPECT_EQ(store_->GetChannelAccount(account)->pacing.messages_per_second, 5);
  EXPECT_EQ(store_->GetChannelAccount(account)->pacing.max_concurrency, 16);

  ChannelAccountUpdate unlock;
  unlock.message_tags_locked = false;
  ASSERT_TRUE(store_->UpdateChannelAccount(account, unlock).ok());
  EXPECT_FALSE(store_->GetChannelAccount(account)->capabilities.message_tags_locked);
}

TEST_F(FactsStoreTest, UpdateChannelAccountRefusesWhatWouldBeInvalid) {
  EXPECT_EQ(store_->UpdateChannelAccount(99, {}).error().code, ErrorCode::kNotFound);
  const Id wa = NewAccount(Platform::kWhatsApp, AccountCapabilities{.waba_id = "w1"});
  ChannelAccountUpdate no_waba;
  no_waba.waba_id = "";
  auto refused = store_->UpdateChannelAccount(wa, no_waba);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().field, "capabilities.waba_id");
  ChannelAccountUpdate zero;
  zero.messages_per_second = 0;
  refused = store_->UpdateChannelAccount(wa, zero);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().field, "pacing.messages_per_second");
  ChannelAccountUpdate region;
  region.business_region = "tw";
  EXPECT_EQ(store_->UpdateChannelAccount(wa, region).error().field, "capabilities.business_region");
  EXPECT_EQ(store_->GetChannelAccount(wa)->capabilities.waba_id, "w1");
}

// ---- migration ------------------------------------------------------------------------------

TEST_F(FactsStoreTest, VersionFiveDatabaseUpgradeKeepsItsData) {
  const std::string path = dir_.File("v5.db");
  {
    auto conn = sqlite::Connection::Open({.path = path});
    ASSERT_TRUE(conn.ok());
    ASSERT_TRUE((*conn)
                    ->Exec("CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY,"
                           " applied_at INTEGER NOT NULL)")
                    .ok());
    for (size_t v = 0; v < 5; ++v) {
      ASSERT_TRUE((*conn)->Exec(sqlite::Migrations()[v]).ok()) << v + 1;
    }
    ASSERT_TRUE(
        (*conn)
            ->Exec("INSERT INTO schema_migrations VALUES (1, 0), (2, 0), (3, 0), (4, 0), (5, 0);"
                   "INSERT INTO channel_accounts VALUES (1, 'messenger', 'Shop', 'p', 't',"
                   " 'http://127.0.0.1:1', 'v25.0', 'UTC', 20, 4, 0,"
                   " '{\"utility_messaging\":true}');"
                   "INSERT INTO contacts(id, name, locale, created_at, updated_at)"
                   " VALUES (7, 'Seven', 'zh_TW', 0, 0);"
                   "INSERT INTO identities(contact_id, channel_account_id, platform_user_id,"
                   " last_inbound_at, blocked) VALUES (7, 1, 'u7', 1000, 1);"
                   "INSERT INTO broadcasts(id, name, channel_account_id, purpose, audience,"
                   " messages, status, created_at, updated_at, outside_window) VALUES (3, 'B',"
                   " 1, 'promotional', '{\"any_tags\":[]}',"
                   " '[{\"kind\":\"text\",\"text\":\"Hi\"}]', 'draft', 0, 0,"
                   " '{\"message_tag\":\"POST_PURCHASE_UPDATE\"}')")
            .ok());
  }
  Open(path);
  auto account = store_->GetChannelAccount(1);
  ASSERT_TRUE(account.ok()) << account.error().ToString();
  EXPECT_TRUE(account->capabilities.utility_messaging);
  EXPECT_FALSE(account->capabilities.message_tags_locked);
  auto contact = store_->GetContact(7);
  ASSERT_TRUE(contact.ok()) << contact.error().ToString();
  EXPECT_EQ(contact->name, "Seven");
  EXPECT_EQ(contact->region, "");
  const Identity& identity = contact->identities.at(0);
  EXPECT_EQ(identity.last_inbound_at, FromUnixMillis(1000));
  EXPECT_TRUE(identity.blocked);
  EXPECT_FALSE(identity.opted_in);
  EXPECT_FALSE(identity.marketing_token.has_value());
  EXPECT_FALSE(identity.suppressed_at.has_value());
  auto broadcast = store_->GetBroadcast(3);
  ASSERT_TRUE(broadcast.ok()) << broadcast.error().ToString();
  EXPECT_EQ(broadcast->messages.at(0).text, "Hi");
  EXPECT_EQ(broadcast->outside_window.message_tag, "POST_PURCHASE_UPDATE");
  const std::vector<RecipientRow> rows = Recipients(1);
  ASSERT_THAT(rows, SizeIs(1));
  EXPECT_EQ(rows[0].facts.region, "TW");  // from the locale
}

}  // namespace
}  // namespace crier
