#include "store/sqlite/sqlite_store.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <set>
#include <thread>

#include "store/sqlite/db.h"
#include "store/sqlite/messages.h"
#include "store/sqlite/migrations.h"
#include "support/temp_dir.h"

namespace crier {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;
using ::testing::Pair;
using ::testing::UnorderedElementsAre;

const Time kT0 = FromUnixMillis(1'790'000'000'000);

Decision SendStandard() { return Decision::Send(Route{RouteKind::kStandardWindow, "UPDATE", ""}); }

class SqliteStoreTest : public ::testing::Test {
 protected:
  void SetUp() override { Reopen(); }

  void Reopen() {
    store_.reset();
    SqliteOptions options;
    options.path = Path();
    options.clock = &clock_;
    auto opened = OpenSqliteStore(options);
    ASSERT_TRUE(opened.ok()) << opened.error().ToString();
    store_ = std::move(opened).value();
  }

  std::string Path() const { return dir_.File("crier.db"); }

  Id NewAccount(Platform platform = Platform::kMessenger, const std::string& name = "Shop") {
    NewChannelAccount in;
    in.platform = platform;
    in.name = name;
    in.external_id = "page-" + name;
    in.access_token = "token-" + name;
    in.api_base_url = "http://127.0.0.1:1";
    auto created = store_->CreateChannelAccount(in, kT0);
    EXPECT_TRUE(created.ok()) << created.error().ToString();
    return created.ok() ? created->id : 0;
  }

  ContactInput Row(Id account, const std::string& user_id) {
    ContactInput row;
    row.channel_account_id = account;
    row.platform_user_id = user_id;
    return row;
  }

  // Upserts one row and returns the contact id.
  Id Upsert(const ContactInput& row) {
    auto summary = store_->UpsertContacts(std::span(&row, 1), kT0);
    EXPECT_TRUE(summary.ok()) << summary.error().ToString();
    return summary.ok() ? summary->contact_ids.at(0) : 0;
  }

  Id NewBroadcastFor(Id account) {
    NewBroadcast in;
    in.name = "Sale";
    in.channel_account_id = account;
    in.messages = {Message{MessageKind::kText, "Hello"}};
    auto created = store_->CreateBroadcast(in, kT0);
    EXPECT_TRUE(created.ok()) << created.error().ToString();
    return created.ok() ? created->id : 0;
  }

  // A run in `sending` with `n` planned deliveries to fresh contacts on a fresh account.
  Id RunWithPlanned(int n, Id* account_out = nullptr) {
    const Id account = NewAccount();
    std::vector<PlannedDelivery> batch;
    for (int i = 0; i < n; ++i) {
      ContactInput row = Row(account, "u" + std::to_string(i));
      row.name = "Name " + std::to_string(i);
      row.last_inbound_at = kT0;
      batch.push_back({Upsert(row), row.platform_user_id, SendStandard()});
    }
    auto run = store_->CreateRun(NewBroadcastFor(account), kT0);
    EXPECT_TRUE(run.ok());
    EXPECT_TRUE(store_->AppendDeliveries(run->id, batch, kT0).ok());
    EXPECT_TRUE(store_->SetRunStatus(run->id, RunStatus::kSending, kT0).ok());
    if (account_out != nullptr) *account_out = account;
    return run->id;
  }

  std::vector<Id> Claim(Id run, int max, Time now = kT0) {
    auto claimed = store_->ClaimDeliveries(run, max, now);
    EXPECT_TRUE(claimed.ok()) << claimed.error().ToString();
    std::vector<Id> ids;
    if (claimed.ok()) {
      for (const auto& c : *claimed) ids.push_back(c.delivery_id);
    }
    return ids;
  }

  std::vector<DeliveryRecord> AllDeliveries(Id run) {
    auto page = store_->ListDeliveries(run, PageRequest{0, 10000});
    EXPECT_TRUE(page.ok()) << page.error().ToString();
    return page.ok() ? page->items : std::vector<DeliveryRecord>{};
  }

  std::vector<std::pair<std::string, std::int64_t>> StateCounts(Id run) {
    auto report = store_->GetRunReport(run);
    EXPECT_TRUE(report.ok());
    return report.ok() ? report->by_state : decltype(report->by_state){};
  }

  FakeClock clock_{kT0};
  testing::TempDir dir_;
  std::unique_ptr<Store> store_;
};

// ---- opening and migrations -----------------------------------------------------------------

TEST(OpenSqliteStoreTest, RefusesBadOptionsNamingTheField) {
  testing::TempDir dir;
  SqliteOptions memory;
  memory.path = ":memory:";
  auto opened = OpenSqliteStore(memory);
  ASSERT_FALSE(opened.ok());
  EXPECT_EQ(opened.error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(opened.error().field, "path");

  SqliteOptions empty;
  opened = OpenSqliteStore(empty);
  ASSERT_FALSE(opened.ok());
  EXPECT_EQ(opened.error().field, "path");

  SqliteOptions sync;
  sync.path = dir.File("a.db");
  sync.synchronous = "SOMETIMES";
  opened = OpenSqliteStore(sync);
  ASSERT_FALSE(opened.ok());
  EXPECT_EQ(opened.error().field, "synchronous");

  sync.synchronous = "full";  // case does not matter
  EXPECT_TRUE(OpenSqliteStore(sync).ok());
}

TEST_F(SqliteStoreTest, MigrationsApplyOnceAndDataSurvivesReopen) {
  const Id account = NewAccount();
  const Id contact = Upsert(Row(account, "psid-1"));
  clock_.Advance(std::chrono::hours(1));  // a second open must not re-stamp anything
  Reopen();
  Reopen();

  auto conn = sqlite::Connection::Open({.path = Path()});
  ASSERT_TRUE(conn.ok());
  auto st =
      (*conn)->Prepare("SELECT count(*), min(applied_at), max(version) FROM schema_migrations");
  ASSERT_TRUE(st.ok());
  ASSERT_TRUE(*st->Step());
  EXPECT_EQ(st->Int(0), static_cast<std::int64_t>(sqlite::Migrations().size()));
  EXPECT_EQ(st->Int(1), ToUnixMillis(kT0));
  EXPECT_EQ(st->Int(2), static_cast<std::int64_t>(sqlite::Migrations().size()));

  auto got = store_->GetContact(contact);
  ASSERT_TRUE(got.ok());
  ASSERT_EQ(got->identities.size(), 1u);
  EXPECT_EQ(got->identities[0].platform_user_id, "psid-1");
  auto accounts = store_->ListChannelAccounts();
  ASSERT_TRUE(accounts.ok());
  EXPECT_EQ(accounts->size(), 1u);
}

TEST_F(SqliteStoreTest, RefusesADatabaseFromANewerBuild) {
  store_.reset();
  {
    auto conn = sqlite::Connection::Open({.path = Path()});
    ASSERT_TRUE(conn.ok());
    ASSERT_TRUE((*conn)->Exec("INSERT INTO schema_migrations VALUES (999, 0)").ok());
  }
  SqliteOptions options;
  options.path = Path();
  auto opened = OpenSqliteStore(options);
  ASSERT_FALSE(opened.ok());
  EXPECT_EQ(opened.error().code, ErrorCode::kFailedPrecondition);
  EXPECT_THAT(opened.error().message, ::testing::HasSubstr("999"));
}

// ---- channel accounts -----------------------------------------------------------------------

TEST_F(SqliteStoreTest, ChannelAccountRoundTrip) {
  NewChannelAccount in;
  in.platform = Platform::kInstagram;
  in.name = "IG shop";
  in.external_id = "1784";
  in.access_token = "secret";
  in.api_base_url = "http://127.0.0.1:8801";
  in.time_zone = "Asia/Taipei";
  in.pacing = {12.5, 4};
  auto created = store_->CreateChannelAccount(in, kT0);
  ASSERT_TRUE(created.ok());
  auto got = store_->GetChannelAccount(created->id);
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(got->platform, Platform::kInstagram);
  EXPECT_EQ(got->name, "IG shop");
  EXPECT_EQ(got->external_id, "1784");
  EXPECT_EQ(got->access_token, "secret");
  EXPECT_EQ(got->api_version, "v25.0");
  EXPECT_EQ(got->time_zone, "Asia/Taipei");
  EXPECT_EQ(got->pacing.messages_per_second, 12.5);
  EXPECT_EQ(got->pacing.max_concurrency, 4);
  EXPECT_EQ(got->created_at, kT0);

  auto missing = store_->GetChannelAccount(created->id + 1);
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().code, ErrorCode::kNotFound);
}

TEST_F(SqliteStoreTest, ChannelAccountValidationNamesTheField) {
  NewChannelAccount in;
  in.name = "Shop";
  in.external_id = "1";
  in.access_token = "t";
  in.api_base_url = "http://127.0.0.1:1";
  in.pacing.messages_per_second = 0;
  auto created = store_->CreateChannelAccount(in, kT0);
  ASSERT_FALSE(created.ok());
  EXPECT_EQ(created.error().field, "pacing.messages_per_second");

  in.pacing.messages_per_second = 0.1;
  in.pacing.max_concurrency = 0;
  created = store_->CreateChannelAccount(in, kT0);
  ASSERT_FALSE(created.ok());
  EXPECT_EQ(created.error().field, "pacing.max_concurrency");

  in.pacing.max_concurrency = 1;
  in.access_token.clear();
  created = store_->CreateChannelAccount(in, kT0);
  ASSERT_FALSE(created.ok());
  EXPECT_EQ(created.error().field, "access_token");

  in.access_token = "t";
  EXPECT_TRUE(store_->CreateChannelAccount(in, kT0).ok());
}

// ---- contacts -------------------------------------------------------------------------------

TEST_F(SqliteStoreTest, UpsertIsIdempotentAndCountsCreatedAndUpdated) {
  const Id account = NewAccount();
  std::vector<ContactInput> rows = {Row(account, "a"), Row(account, "b"), Row(account, "a")};
  rows[0].name = "Alice";
  auto first = store_->UpsertContacts(rows, kT0);
  ASSERT_TRUE(first.ok()) << first.error().ToString();
  EXPECT_EQ(first->created, 2);
  EXPECT_EQ(first->updated, 1);  // the repeated "a" in the same batch
  ASSERT_EQ(first->contact_ids.size(), 3u);
  EXPECT_EQ(first->contact_ids[0], first->contact_ids[2]);
  EXPECT_NE(first->contact_ids[0], first->contact_ids[1]);

  auto second = store_->UpsertContacts(rows, kT0 + std::chrono::seconds(5));
  ASSERT_TRUE(second.ok());
  EXPECT_EQ(second->created, 0);
  EXPECT_EQ(second->updated, 3);
  EXPECT_EQ(second->contact_ids, first->contact_ids);
  EXPECT_EQ(*store_->CountContacts(std::nullopt), 2);

  auto alice = store_->GetContact(first->contact_ids[0]);
  ASSERT_TRUE(alice.ok());
  EXPECT_EQ(alice->name, "Alice");
  EXPECT_EQ(alice->created_at, kT0);
  EXPECT_EQ(alice->updated_at, kT0 + std::chrono::seconds(5));
}

TEST_F(SqliteStoreTest, UpdateKeepsUnsetFieldsAndReplacesTagsOnlyWhenSet) {
  const Id account = NewAccount();
  ContactInput row = Row(account, "a");
  row.name = "Alice Wu";
  row.first_name = "Alice";
  row.locale = "zh_TW";
  row.time_zone = "Asia/Taipei";
  row.tags = std::vector<std::string>{"vip", "tea", "vip"};
  row.last_inbound_at = kT0;
  row.window_opener = WindowOpener::kAd;
  const Id id = Upsert(row);

  auto got = store_->GetContact(id);
  ASSERT_TRUE(got.ok());
  EXPECT_THAT(got->tags, ElementsAre("tea", "vip"));
  EXPECT_EQ(got->subscription, SubscriptionStatus::kSubscribed);
  EXPECT_FALSE(got->subscription_changed_at.has_value());

  // Nothing but the key: everything stays, tags included.
  EXPECT_EQ(Upsert(Row(account, "a")), id);
  got = store_->GetContact(id);
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(got->name, "Alice Wu");
  EXPECT_EQ(got->first_name, "Alice");
  EXPECT_EQ(got->locale, "zh_TW");
  EXPECT_EQ(got->time_zone, "Asia/Taipei");
  EXPECT_THAT(got->tags, ElementsAre("tea", "vip"));
  ASSERT_EQ(got->identities.size(), 1u);
  EXPECT_EQ(got->identities[0].last_inbound_at, kT0);
  EXPECT_EQ(got->identities[0].window_opener, WindowOpener::kAd);
  EXPECT_FALSE(got->identities[0].blocked);

  // Set fields overwrite; set tags replace the whole set.
  ContactInput change = Row(account, "a");
  change.first_name = "Ally";
  change.tags = std::vector<std::string>{"new"};
  change.subscription = SubscriptionStatus::kUnsubscribed;
  change.blocked = true;
  change.window_opener = WindowOpener::kOrganic;
  change.last_inbound_at = kT0 + std::chrono::hours(2);
  auto summary = store_->UpsertContacts(std::span(&change, 1), kT0 + std::chrono::hours(3));
  ASSERT_TRUE(summary.ok());
  got = store_->GetContact(id);
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(got->name, "Alice Wu");
  EXPECT_EQ(got->first_name, "Ally");
  EXPECT_THAT(got->tags, ElementsAre("new"));
  EXPECT_EQ(got->subscription, SubscriptionStatus::kUnsubscribed);
  EXPECT_EQ(got->subscription_changed_at, kT0 + std::chrono::hours(3));
  EXPECT_TRUE(got->identities[0].blocked);
  EXPECT_EQ(got->identities[0].window_opener, WindowOpener::kOrganic);
  EXPECT_EQ(got->identities[0].last_inbound_at, kT0 + std::chrono::hours(2));

  // Restating the same subscription is not a change.
  change.tags = std::vector<std::string>{};
  summary = store_->UpsertContacts(std::span(&change, 1), kT0 + std::chrono::hours(9));
  ASSERT_TRUE(summary.ok());
  got = store_->GetContact(id);
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(got->subscription_changed_at, kT0 + std::chrono::hours(3));
  EXPECT_THAT(got->tags, IsEmpty());
}

TEST_F(SqliteStoreTest, UpsertIsAllOrNothingAndNamesTheRow) {
  const Id account = NewAccount();
  std::vector<ContactInput> rows;
  for (int i = 0; i < 5; ++i) rows.push_back(Row(account, "u" + std::to_string(i)));
  rows[3].channel_account_id = account + 100;
  auto result = store_->UpsertContacts(rows, kT0);
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(result.error().field, "rows[3].channel_account_id");
  EXPECT_EQ(*store_->CountContacts(std::nullopt), 0);

  rows[3].channel_account_id = account;
  rows[4].platform_user_id.clear();
  result = store_->UpsertContacts(rows, kT0);
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.error().field, "rows[4].platform_user_id");

  rows[4].platform_user_id = "u4";
  rows[1].tags = std::vector<std::string>{"ok", ""};
  result = store_->UpsertContacts(rows, kT0);
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.error().field, "rows[1].tags[1]");
  EXPECT_EQ(*store_->CountContacts(std::nullopt), 0);

  rows[1].tags.reset();
  result = store_->UpsertContacts(rows, kT0);
  ASSERT_TRUE(result.ok());
  EXPECT_EQ(result->created, 5);
}

TEST_F(SqliteStoreTest, ListContactsPagesWithAfterId) {
  const Id account = NewAccount();
  const Id other = NewAccount(Platform::kMessenger, "Other");
  std::vector<Id> ids;
  for (int i = 0; i < 5; ++i) ids.push_back(Upsert(Row(account, "u" + std::to_string(i))));
  const Id elsewhere = Upsert(Row(other, "x"));

  ContactQuery q;
  q.page.limit = 2;
  std::vector<Id> seen;
  int pages = 0;
  while (true) {
    auto page = store_->ListContacts(q);
    ASSERT_TRUE(page.ok()) << page.error().ToString();
    ++pages;
    for (const auto& c : page->items) seen.push_back(c.id);
    if (!page->next_after_id) break;
    EXPECT_EQ(*page->next_after_id, page->items.back().id);
    q.page.after_id = *page->next_after_id;
  }
  EXPECT_EQ(pages, 3);
  std::vector<Id> all = ids;
  all.push_back(elsewhere);
  EXPECT_EQ(seen, all);

  // A last page that is exactly full says nothing more follows.
  q = ContactQuery{};
  q.channel_account_id = account;
  q.page = {ids[0], 4};
  auto page = store_->ListContacts(q);
  ASSERT_TRUE(page.ok());
  EXPECT_EQ(page->items.size(), 4u);
  EXPECT_FALSE(page->next_after_id.has_value());
  ASSERT_EQ(page->items[0].identities.size(), 1u);
  EXPECT_EQ(page->items[0].identities[0].channel_account_id, account);

  EXPECT_EQ(*store_->CountContacts(account), 5);
  EXPECT_EQ(*store_->CountContacts(other), 1);
  auto unknown = store_->CountContacts(other + 10);
  ASSERT_FALSE(unknown.ok());
  EXPECT_EQ(unknown.error().field, "channel_account_id");
}

TEST_F(SqliteStoreTest, PageLimitsAreCheckedOnBothSides) {
  ContactQuery q;
  q.page.limit = 0;
  auto r = store_->ListContacts(q);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().field, "limit");
  q.page.limit = sqlite::kMaxPageLimit + 1;
  EXPECT_FALSE(store_->ListContacts(q).ok());
  q.page.limit = 1;
  EXPECT_TRUE(store_->ListContacts(q).ok());
  q.page.limit = sqlite::kMaxPageLimit;
  EXPECT_TRUE(store_->ListContacts(q).ok());
  EXPECT_FALSE(store_->ListBroadcasts(PageRequest{0, 0}).ok());
  EXPECT_FALSE(store_->ListBroadcasts(PageRequest{-1, 10}).ok());
}

// ---- audience scan --------------------------------------------------------------------------

TEST_F(SqliteStoreTest, ForEachRecipientStreamsFactsInContactOrder) {
  const Id account = NewAccount(Platform::kInstagram);
  const Id other = NewAccount(Platform::kMessenger, "Other");
  ContactInput a = Row(account, "a");
  a.tags = std::vector<std::string>{"vip"};
  a.last_inbound_at = kT0;
  a.window_opener = WindowOpener::kAd;
  ContactInput b = Row(account, "b");
  b.tags = std::vector<std::string>{"tea", "coffee"};
  b.subscription = SubscriptionStatus::kUnsubscribed;
  b.blocked = true;
  ContactInput c = Row(account, "c");
  const Id ida = Upsert(a);
  const Id idb = Upsert(b);
  const Id idc = Upsert(c);
  Upsert(Row(other, "z"));

  std::vector<RecipientRow> rows;
  auto collect = [&](const RecipientRow& r) {
    rows.push_back(r);
    return true;
  };
  ASSERT_TRUE(store_->ForEachRecipient(account, Audience{}, collect).ok());
  ASSERT_EQ(rows.size(), 3u);
  EXPECT_EQ(rows[0].contact_id, ida);
  EXPECT_EQ(rows[1].contact_id, idb);
  EXPECT_EQ(rows[2].contact_id, idc);
  EXPECT_EQ(rows[0].platform_user_id, "a");
  EXPECT_EQ(rows[0].facts.platform, Platform::kInstagram);
  EXPECT_TRUE(rows[0].facts.has_identity);
  EXPECT_EQ(rows[0].facts.last_inbound_at, kT0);
  EXPECT_EQ(rows[0].facts.window_opener, WindowOpener::kAd);
  EXPECT_EQ(rows[0].facts.subscription, SubscriptionStatus::kSubscribed);
  EXPECT_FALSE(rows[0].facts.blocked);
  EXPECT_EQ(rows[1].facts.subscription, SubscriptionStatus::kUnsubscribed);
  EXPECT_TRUE(rows[1].facts.blocked);
  EXPECT_FALSE(rows[2].facts.last_inbound_at.has_value());

  rows.clear();
  ASSERT_TRUE(
      store_->ForEachRecipient(account, Audience{{"coffee", "vip", "nobody"}}, collect).ok());
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[0].contact_id, ida);
  EXPECT_EQ(rows[1].contact_id, idb);

  rows.clear();
  ASSERT_TRUE(store_->ForEachRecipient(account, Audience{{"nobody"}}, collect).ok());
  EXPECT_THAT(rows, IsEmpty());

  int visits = 0;
  ASSERT_TRUE(
      store_
          ->ForEachRecipient(account, Audience{}, [&](const RecipientRow&) { return ++visits < 2; })
          .ok());
  EXPECT_EQ(visits, 2);

  auto missing = store_->ForEachRecipient(other + 10, Audience{}, collect);
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().code, ErrorCode::kNotFound);
  auto bad_tag = store_->ForEachRecipient(account, Audience{{"ok", ""}}, collect);
  ASSERT_FALSE(bad_tag.ok());
  EXPECT_EQ(bad_tag.error().field, "audience.any_tags[1]");
}

TEST_F(SqliteStoreTest, ForEachRecipientVisitorMayWriteMeanwhile) {
  const Id account = NewAccount();
  for (int i = 0; i < 50; ++i) Upsert(Row(account, "u" + std::to_string(i)));
  auto run = store_->CreateRun(NewBroadcastFor(account), kT0);
  ASSERT_TRUE(run.ok());
  std::vector<PlannedDelivery> batch;
  auto status = store_->ForEachRecipient(account, Audience{}, [&](const RecipientRow& r) {
    batch.push_back({r.contact_id, r.platform_user_id, SendStandard()});
    if (batch.size() == 16) {
      EXPECT_TRUE(store_->AppendDeliveries(run->id, batch, kT0).ok());
      batch.clear();
    }
    return true;
  });
  ASSERT_TRUE(status.ok()) << status.error().ToString();
  ASSERT_TRUE(store_->AppendDeliveries(run->id, batch, kT0).ok());
  EXPECT_EQ(AllDeliveries(run->id).size(), 50u);
}

// ---- broadcasts and runs --------------------------------------------------------------------

TEST_F(SqliteStoreTest, BroadcastRoundTripAndValidation) {
  const Id account = NewAccount();
  NewBroadcast in;
  in.name = "Autumn sale";
  in.channel_account_id = account;
  in.purpose = Purpose::kNonPromotional;
  in.audience.any_tags = {"vip", "tea \"lovers\""};
  in.messages = {{MessageKind::kText, "Hi {{first_name}}"}, {MessageKind::kText, "多謝 ✓"}};
  auto created = store_->CreateBroadcast(in, kT0);
  ASSERT_TRUE(created.ok()) << created.error().ToString();
  auto got = store_->GetBroadcast(created->id);
  ASSERT_TRUE(got.ok()) << got.error().ToString();
  EXPECT_EQ(got->name, "Autumn sale");
  EXPECT_EQ(got->purpose, Purpose::kNonPromotional);
  EXPECT_EQ(got->status, BroadcastStatus::kDraft);
  EXPECT_EQ(got->audience.any_tags, in.audience.any_tags);
  ASSERT_EQ(got->messages.size(), 2u);
  EXPECT_EQ(got->messages[1].text, "多謝 ✓");

  ASSERT_TRUE(store_
                  ->SetBroadcastStatus(created->id, BroadcastStatus::kSending,
                                       kT0 + std::chrono::seconds(1))
                  .ok());
  got = store_->GetBroadcast(created->id);
  EXPECT_EQ(got->status, BroadcastStatus::kSending);
  EXPECT_EQ(got->updated_at, kT0 + std::chrono::seconds(1));
  EXPECT_EQ(store_->SetBroadcastStatus(999, BroadcastStatus::kSending, kT0).error().code,
            ErrorCode::kNotFound);

  NewBroadcast bad = in;
  bad.messages.assign(6, Message{MessageKind::kText, "x"});
  EXPECT_EQ(store_->CreateBroadcast(bad, kT0).error().field, "messages");
  bad.messages.resize(5);
  EXPECT_TRUE(store_->CreateBroadcast(bad, kT0).ok());
  bad.messages.clear();
  EXPECT_EQ(store_->CreateBroadcast(bad, kT0).error().field, "messages");
  bad.messages = {{MessageKind::kText, "a"}, {MessageKind::kText, ""}};
  EXPECT_EQ(store_->CreateBroadcast(bad, kT0).error().field, "messages[1].text");
  bad = in;
  bad.channel_account_id = account + 5;
  EXPECT_EQ(store_->CreateBroadcast(bad, kT0).error().field, "channel_account_id");
  bad = in;
  bad.name.clear();
  EXPECT_EQ(store_->CreateBroadcast(bad, kT0).error().field, "name");

  auto page = store_->ListBroadcasts(PageRequest{0, 1});
  ASSERT_TRUE(page.ok());
  ASSERT_EQ(page->items.size(), 1u);
  EXPECT_EQ(page->next_after_id, created->id);
  page = store_->ListBroadcasts(PageRequest{created->id, 1});
  ASSERT_TRUE(page.ok());
  ASSERT_EQ(page->items.size(), 1u);
  EXPECT_FALSE(page->next_after_id.has_value());
}

TEST_F(SqliteStoreTest, RunLifecycle) {
  const Id account = NewAccount();
  const Id broadcast = NewBroadcastFor(account);
  auto run = store_->CreateRun(broadcast, kT0);
  ASSERT_TRUE(run.ok());
  EXPECT_EQ(run->status, RunStatus::kPlanning);
  EXPECT_EQ(run->channel_account_id, account);
  EXPECT_THAT(*store_->ListActiveRuns(), IsEmpty());

  ASSERT_TRUE(
      store_->SetRunStatus(run->id, RunStatus::kSending, kT0 + std::chrono::seconds(2)).ok());
  auto got = store_->GetRun(run->id);
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(got->status, RunStatus::kSending);
  EXPECT_EQ(got->planned_at, kT0 + std::chrono::seconds(2));
  EXPECT_FALSE(got->finished_at.has_value());
  auto active = store_->ListActiveRuns();
  ASSERT_TRUE(active.ok());
  ASSERT_EQ(active->size(), 1u);
  EXPECT_EQ((*active)[0].id, run->id);

  auto second = store_->CreateRun(broadcast, kT0 + std::chrono::seconds(3));
  ASSERT_TRUE(second.ok());
  auto runs = store_->ListRuns(broadcast);
  ASSERT_TRUE(runs.ok());
  ASSERT_EQ(runs->size(), 2u);
  EXPECT_EQ((*runs)[1].id, second->id);

  ASSERT_TRUE(
      store_->SetRunStatus(run->id, RunStatus::kCancelled, kT0 + std::chrono::seconds(4)).ok());
  got = store_->GetRun(run->id);
  EXPECT_EQ(got->finished_at, kT0 + std::chrono::seconds(4));
  EXPECT_THAT(*store_->ListActiveRuns(), IsEmpty());

  EXPECT_EQ(store_->CreateRun(broadcast + 50, kT0).error().code, ErrorCode::kNotFound);
  EXPECT_EQ(store_->ListRuns(broadcast + 50).error().code, ErrorCode::kNotFound);
  EXPECT_EQ(store_->GetRun(second->id + 1).error().code, ErrorCode::kNotFound);
  EXPECT_EQ(store_->SetRunStatus(second->id + 1, RunStatus::kSending, kT0).error().code,
            ErrorCode::kNotFound);
}

TEST_F(SqliteStoreTest, StartAndCompleteMoveRunAndBroadcastTogether) {
  const Id account = NewAccount();
  const Id broadcast = NewBroadcastFor(account);
  auto run = store_->CreateRun(broadcast, kT0);
  ASSERT_TRUE(run.ok());
  ASSERT_TRUE(store_->StartRun(run->id, kT0).ok());
  EXPECT_EQ(store_->GetRun(run->id)->status, RunStatus::kSending);
  EXPECT_EQ(store_->GetBroadcast(broadcast)->status, BroadcastStatus::kSending);
  EXPECT_EQ(store_->StartRun(run->id, kT0).error().code, ErrorCode::kFailedPrecondition)
      << "a run starts once";

  auto done = store_->CompleteRunIfDone(run->id, kT0 + std::chrono::seconds(1));
  ASSERT_TRUE(done.ok());
  EXPECT_TRUE(*done);
  EXPECT_EQ(store_->GetRun(run->id)->status, RunStatus::kCompleted);
  EXPECT_EQ(store_->GetBroadcast(broadcast)->status, BroadcastStatus::kCompleted);
}

TEST_F(SqliteStoreTest, RecoveryCancelsRunsThatDiedWhilePlanning) {
  const Id account = NewAccount();
  auto planning = store_->CreateRun(NewBroadcastFor(account), kT0);
  ASSERT_TRUE(planning.ok());
  ASSERT_TRUE(store_->RecoverInterrupted(kT0).ok());
  EXPECT_EQ(store_->GetRun(planning->id)->status, RunStatus::kCancelled);
  EXPECT_EQ(*store_->CountPendingDeliveries(), 0);
}

TEST_F(SqliteStoreTest, LastInteractionOnlyMovesForward) {
  const Id account = NewAccount();
  ContactInput row = Row(account, "u1");
  row.last_inbound_at = kT0;
  row.window_opener = WindowOpener::kAd;
  const Id contact = Upsert(row);
  row.last_inbound_at = kT0 - std::chrono::hours(5);  // an older report, e.g. a re-import
  row.window_opener = WindowOpener::kOrganic;
  Upsert(row);
  auto got = store_->GetContact(contact);
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(got->identities[0].last_inbound_at, kT0);
  EXPECT_EQ(got->identities[0].window_opener, WindowOpener::kAd);
  row.last_inbound_at = kT0 + std::chrono::hours(1);
  Upsert(row);
  got = store_->GetContact(contact);
  EXPECT_EQ(got->identities[0].last_inbound_at, kT0 + std::chrono::hours(1));
  EXPECT_EQ(got->identities[0].window_opener, WindowOpener::kOrganic);
}

// ---- deliveries -----------------------------------------------------------------------------

TEST_F(SqliteStoreTest, AppendWritesPlannedAndSkippedAllOrNothing) {
  const Id account = NewAccount();
  const Id c1 = Upsert(Row(account, "a"));
  const Id c2 = Upsert(Row(account, "b"));
  auto run = store_->CreateRun(NewBroadcastFor(account), kT0);
  ASSERT_TRUE(run.ok());

  std::vector<PlannedDelivery> bad = {{c1, "a", SendStandard()}, {c2, "", SendStandard()}};
  auto status = store_->AppendDeliveries(run->id, bad, kT0);
  ASSERT_FALSE(status.ok());
  EXPECT_EQ(status.error().field, "batch[1].platform_user_id");
  bad[1] = {0, "b", SendStandard()};
  EXPECT_EQ(store_->AppendDeliveries(run->id, bad, kT0).error().field, "batch[1].contact_id");
  EXPECT_THAT(AllDeliveries(run->id), IsEmpty());
  EXPECT_EQ(store_->AppendDeliveries(run->id + 1, {}, kT0).error().code, ErrorCode::kNotFound);

  std::vector<PlannedDelivery> batch = {{c1, "a", SendStandard()},
                                        {c2, "b", Decision::Skip(SkipReason::kOutsideWindow)}};
  ASSERT_TRUE(store_->AppendDeliveries(run->id, batch, kT0).ok());
  auto all = AllDeliveries(run->id);
  ASSERT_EQ(all.size(), 2u);
  EXPECT_EQ(all[0].state, DeliveryState::kPlanned);
  EXPECT_EQ(all[0].route, "standard_window");
  EXPECT_EQ(all[0].skip_reason, "");
  EXPECT_EQ(all[0].attempts, 0);
  EXPECT_EQ(all[0].created_at, kT0);
  EXPECT_FALSE(all[0].updated_at.has_value());
  EXPECT_EQ(all[1].state, DeliveryState::kSkipped);
  EXPECT_EQ(all[1].skip_reason, "outside_window");
  EXPECT_EQ(all[1].route, "");

  ASSERT_TRUE(store_->SetRunStatus(run->id, RunStatus::kCompleted, kT0).ok());
  status = store_->AppendDeliveries(run->id, batch, kT0);
  ASSERT_FALSE(status.ok());
  EXPECT_EQ(status.error().code, ErrorCode::kFailedPrecondition);
}

TEST_F(SqliteStoreTest, ClaimMovesToSendingWithCurrentFactsAndIsExclusive) {
  Id account = 0;
  const Id run = RunWithPlanned(10, &account);

  // Facts changed after planning are what the claim reports.
  ContactInput change = Row(account, "u0");
  change.blocked = true;
  change.first_name = "Zed";
  change.locale = "zh_TW";
  change.attributes = {{"tier", std::string("gold")}, {"points", 42.0}};
  Upsert(change);

  auto first = store_->ClaimDeliveries(run, 4, kT0);
  ASSERT_TRUE(first.ok()) << first.error().ToString();
  ASSERT_EQ(first->size(), 4u);
  const ClaimedDelivery& c = (*first)[0];
  EXPECT_EQ(c.run_id, run);
  EXPECT_EQ(c.platform_user_id, "u0");
  EXPECT_EQ(c.contact_name, "Name 0");
  EXPECT_EQ(c.contact_first_name, "Zed");
  // What placeholders read comes with the claim, attributes sorted by key.
  EXPECT_EQ(c.contact_locale, "zh_TW");
  ASSERT_EQ(c.contact_attributes.size(), 2u);
  EXPECT_EQ(c.contact_attributes[0].key, "points");
  EXPECT_EQ(std::get<double>(c.contact_attributes[0].value), 42.0);
  EXPECT_EQ(c.contact_attributes[1].key, "tier");
  EXPECT_EQ(std::get<std::string>(c.contact_attributes[1].value), "gold");
  // A contact without attributes claims none.
  EXPECT_TRUE((*first)[1].contact_attributes.empty());
  EXPECT_EQ((*first)[1].contact_locale, "");
  EXPECT_EQ(c.attempt, 1);
  EXPECT_TRUE(c.facts.has_identity);
  EXPECT_TRUE(c.facts.blocked);
  EXPECT_EQ(c.facts.last_inbound_at, kT0);
  EXPECT_EQ(c.facts.platform, Platform::kMessenger);
  auto run_row = store_->GetRun(run);
  EXPECT_EQ(c.broadcast_id, run_row->broadcast_id);

  const std::vector<Id> second = Claim(run, 100);
  EXPECT_EQ(second.size(), 6u);
  std::set<Id> all;
  for (const auto& d : *first) all.insert(d.delivery_id);
  all.insert(second.begin(), second.end());
  EXPECT_EQ(all.size(), 10u);
  EXPECT_THAT(Claim(run, 100), IsEmpty());

  for (const auto& d : AllDeliveries(run)) {
    EXPECT_EQ(d.state, DeliveryState::kSending);
    EXPECT_EQ(d.attempts, 1);
  }
  EXPECT_THAT(StateCounts(run),
              ElementsAre(Pair("planned", 0), Pair("sending", 10), Pair("sent", 0),
                          Pair("failed", 0), Pair("skipped", 0)));
  EXPECT_EQ(store_->ClaimDeliveries(run, 0, kT0).error().field, "max");
  EXPECT_EQ(store_->ClaimDeliveries(run + 1, 1, kT0).error().code, ErrorCode::kNotFound);
}

TEST_F(SqliteStoreTest, ConcurrentClaimsNeverShareADelivery) {
  const Id run = RunWithPlanned(400);
  std::vector<std::vector<Id>> got(4);
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      while (true) {
        auto claimed = store_->ClaimDeliveries(run, 7, kT0);
        if (!claimed.ok() || claimed->empty()) return;
        for (const auto& c : *claimed) got[t].push_back(c.delivery_id);
      }
    });
  }
  for (auto& th : threads) th.join();
  std::set<Id> unique;
  size_t total = 0;
  for (const auto& ids : got) {
    total += ids.size();
    unique.insert(ids.begin(), ids.end());
  }
  EXPECT_EQ(total, 400u);
  EXPECT_EQ(unique.size(), 400u);
}

TEST_F(SqliteStoreTest, RetryIsNotClaimableBeforeNotBefore) {
  const Id run = RunWithPlanned(1);
  const std::vector<Id> ids = Claim(run, 1);
  ASSERT_EQ(ids.size(), 1u);
  DeliveryOutcome retry;
  retry.delivery_id = ids[0];
  retry.state = DeliveryState::kPlanned;
  retry.error_class = "throttled";
  retry.error_code = "4";
  retry.not_before = kT0 + std::chrono::seconds(60);
  retry.at = kT0;
  ASSERT_TRUE(store_->RecordOutcomes(std::span(&retry, 1)).ok());

  EXPECT_THAT(Claim(run, 10, kT0 + std::chrono::milliseconds(59'999)), IsEmpty());
  auto claimed = store_->ClaimDeliveries(run, 10, kT0 + std::chrono::seconds(60));
  ASSERT_TRUE(claimed.ok());
  ASSERT_EQ(claimed->size(), 1u);
  EXPECT_EQ((*claimed)[0].attempt, 2);

  DeliveryOutcome no_time = retry;
  no_time.not_before.reset();
  EXPECT_EQ(store_->RecordOutcomes(std::span(&no_time, 1)).error().field, "outcomes[0].not_before");
}

TEST_F(SqliteStoreTest, ClaimsTakeDueRetriesAndFreshRowsInIdOrderAcrossInterleavedRuns) {
  const Id account = NewAccount();
  const Id broadcast = NewBroadcastFor(account);
  auto a = store_->CreateRun(broadcast, kT0);
  auto b = store_->CreateRun(broadcast, kT0);
  ASSERT_TRUE(a.ok() && b.ok());
  const Id contact = Upsert(Row(account, "u"));
  // Run a: planned, skipped, planned, ... interleaved with run b's rows.
  for (int i = 0; i < 6; ++i) {
    PlannedDelivery d{contact, "u",
                      i % 2 == 0 ? SendStandard() : Decision::Skip(SkipReason::kBlocked)};
    ASSERT_TRUE(store_->AppendDeliveries(a->id, std::span(&d, 1), kT0).ok());
    PlannedDelivery other{contact, "u", SendStandard()};
    ASSERT_TRUE(store_->AppendDeliveries(b->id, std::span(&other, 1), kT0).ok());
  }
  std::vector<Id> a_planned;
  for (const auto& d : AllDeliveries(a->id)) {
    if (d.state == DeliveryState::kPlanned) a_planned.push_back(d.id);
  }
  ASSERT_EQ(a_planned.size(), 3u);

  EXPECT_EQ(Claim(a->id, 1), std::vector<Id>{a_planned[0]});
  DeliveryOutcome retry{a_planned[0], DeliveryState::kPlanned,       "", "", "", "throttled", "",
                        "",           kT0 + std::chrono::seconds(1), kT0};
  ASSERT_TRUE(store_->RecordOutcomes(std::span(&retry, 1)).ok());
  EXPECT_EQ(Claim(a->id, 1), std::vector<Id>{a_planned[1]});  // retry not due yet
  // Now due: the retry (lowest id) comes first, then the fresh row; nothing of run b.
  EXPECT_EQ(Claim(a->id, 10, kT0 + std::chrono::seconds(1)),
            (std::vector<Id>{a_planned[0], a_planned[2]}));
  EXPECT_THAT(Claim(a->id, 10, kT0 + std::chrono::hours(1)), IsEmpty());
  EXPECT_EQ(Claim(b->id, 100).size(), 6u);
}

TEST_F(SqliteStoreTest, PendingFollowsEveryTransition) {
  const Id run = RunWithPlanned(6);
  auto pending = [&] { return *store_->CountPendingDeliveries(); };
  EXPECT_EQ(pending(), 6);
  const std::vector<Id> ids = Claim(run, 5);
  ASSERT_EQ(ids.size(), 5u);
  EXPECT_EQ(pending(), 6);  // planned -> sending is still pending
  std::vector<DeliveryOutcome> outcomes = {
      {ids[0], DeliveryState::kSent, "", "", "m", "", "", "", {}, kT0},
      {ids[1], DeliveryState::kFailed, "", "", "", "x", "", "", {}, kT0},
      {ids[2], DeliveryState::kSkipped, "", "blocked", "", "", "", "", {}, kT0},
      {ids[3], DeliveryState::kPlanned, "", "", "", "", "", "", kT0, kT0}};
  ASSERT_TRUE(store_->RecordOutcomes(outcomes).ok());
  EXPECT_EQ(pending(), 3);  // one retry, one sending, one never claimed
  ASSERT_EQ(*store_->RecoverInterrupted(kT0), 1);
  EXPECT_EQ(pending(), 2);
  EXPECT_EQ(Claim(run, 10).size(), 2u);
  for (const auto& d : AllDeliveries(run)) {
    if (d.state != DeliveryState::kSending) continue;
    DeliveryOutcome sent{d.id, DeliveryState::kSent, "", "", "m", "", "", "", {}, kT0};
    ASSERT_TRUE(store_->RecordOutcomes(std::span(&sent, 1)).ok());
  }
  EXPECT_EQ(pending(), 0);
  EXPECT_TRUE(*store_->CompleteRunIfDone(run, kT0));
}

TEST_F(SqliteStoreTest, RecordOutcomesToEachFinalState) {
  const Id run = RunWithPlanned(4);
  const std::vector<Id> ids = Claim(run, 4);
  ASSERT_EQ(ids.size(), 4u);
  const Time at = kT0 + std::chrono::seconds(3);
  std::vector<DeliveryOutcome> outcomes(3);
  outcomes[0] = {ids[0], DeliveryState::kSent, "message_tag", "", "m_1", "", "", "", {}, at};
  outcomes[1] = {ids[1],       DeliveryState::kFailed, "", "", "", "recipient_unreachable",
                 "10/2018278", "outside the window",   {}, at};
  outcomes[2] = {ids[2], DeliveryState::kSkipped, "", "blocked", "", "", "", "", {}, at};
  ASSERT_TRUE(store_->RecordOutcomes(outcomes).ok());

  auto all = AllDeliveries(run);
  ASSERT_EQ(all.size(), 4u);
  EXPECT_EQ(all[0].state, DeliveryState::kSent);
  EXPECT_EQ(all[0].route, "message_tag");
  EXPECT_EQ(all[0].platform_message_id, "m_1");
  EXPECT_EQ(all[0].sent_at, at);
  EXPECT_EQ(all[0].updated_at, at);
  EXPECT_EQ(all[1].state, DeliveryState::kFailed);
  EXPECT_EQ(all[1].error_class, "recipient_unreachable");
  EXPECT_EQ(all[1].error_code, "10/2018278");
  EXPECT_EQ(all[1].error_message, "outside the window");
  EXPECT_FALSE(all[1].sent_at.has_value());
  EXPECT_EQ(all[2].state, DeliveryState::kSkipped);
  EXPECT_EQ(all[2].skip_reason, "blocked");
  EXPECT_EQ(all[3].state, DeliveryState::kSending);

  // A resolved delivery cannot be resolved again; a batch with one such outcome writes nothing.
  std::vector<DeliveryOutcome> again = {
      {ids[3], DeliveryState::kSent, "", "", "m_4", "", "", "", {}, at},
      {ids[0], DeliveryState::kFailed, "", "", "", "x", "", "", {}, at}};
  auto status = store_->RecordOutcomes(again);
  ASSERT_FALSE(status.ok());
  EXPECT_EQ(status.error().code, ErrorCode::kFailedPrecondition);
  EXPECT_EQ(status.error().field, "outcomes[1].delivery_id");
  EXPECT_EQ(AllDeliveries(run)[3].state, DeliveryState::kSending);

  again[1].delivery_id = ids[3] + 1000;
  status = store_->RecordOutcomes(again);
  ASSERT_FALSE(status.ok());
  EXPECT_EQ(status.error().code, ErrorCode::kNotFound);

  again[1] = {ids[3], DeliveryState::kSending, "", "", "", "", "", "", {}, at};
  EXPECT_EQ(store_->RecordOutcomes(again).error().field, "outcomes[1].state");
  again[1] = {ids[3], DeliveryState::kFailed, "", "", "", "", "", "", {}, at};
  EXPECT_EQ(store_->RecordOutcomes(again).error().field, "outcomes[1].error_class");
  again[1] = {ids[3], DeliveryState::kSkipped, "", "", "", "", "", "", {}, at};
  EXPECT_EQ(store_->RecordOutcomes(again).error().field, "outcomes[1].skip_reason");

  again.resize(1);
  ASSERT_TRUE(store_->RecordOutcomes(again).ok());
  all = AllDeliveries(run);
  EXPECT_EQ(all[3].state, DeliveryState::kSent);
  EXPECT_EQ(all[3].route, "standard_window");  // no route given: the planned one stays
}

TEST_F(SqliteStoreTest, RecoverInterruptedFailsInFlightDeliveriesOnly) {
  const Id run = RunWithPlanned(3);
  const std::vector<Id> ids = Claim(run, 2);
  ASSERT_EQ(ids.size(), 2u);
  DeliveryOutcome sent{ids[0], DeliveryState::kSent, "", "", "m_1", "", "", "", {}, kT0};
  ASSERT_TRUE(store_->RecordOutcomes(std::span(&sent, 1)).ok());

  Reopen();  // as after a crash
  auto recovered = store_->RecoverInterrupted(kT0 + std::chrono::minutes(5));
  ASSERT_TRUE(recovered.ok());
  EXPECT_EQ(*recovered, 1);
  auto all = AllDeliveries(run);
  EXPECT_EQ(all[0].state, DeliveryState::kSent);
  EXPECT_EQ(all[1].state, DeliveryState::kFailed);
  EXPECT_EQ(all[1].error_class, sqlite::kInterruptedErrorClass);
  EXPECT_EQ(all[1].error_message, sqlite::kInterruptedErrorMessage);
  EXPECT_EQ(all[1].updated_at, kT0 + std::chrono::minutes(5));
  EXPECT_EQ(all[2].state, DeliveryState::kPlanned);
  EXPECT_EQ(*store_->RecoverInterrupted(kT0), 0);

  auto report = store_->GetRunReport(run);
  ASSERT_TRUE(report.ok());
  EXPECT_THAT(report->by_error, ElementsAre(Pair("interrupted", 1)));
}

TEST_F(SqliteStoreTest, CompleteRunIfDoneOnlyWhenNothingIsLeft) {
  const Id run = RunWithPlanned(2);
  EXPECT_FALSE(*store_->CompleteRunIfDone(run, kT0));
  std::vector<Id> ids = Claim(run, 1);
  DeliveryOutcome sent{ids[0], DeliveryState::kSent, "", "", "m", "", "", "", {}, kT0};
  ASSERT_TRUE(store_->RecordOutcomes(std::span(&sent, 1)).ok());
  EXPECT_FALSE(*store_->CompleteRunIfDone(run, kT0));  // one still planned
  ids = Claim(run, 1);
  EXPECT_FALSE(*store_->CompleteRunIfDone(run, kT0));  // one sending
  sent.delivery_id = ids[0];
  ASSERT_TRUE(store_->RecordOutcomes(std::span(&sent, 1)).ok());
  const Time done = kT0 + std::chrono::minutes(1);
  EXPECT_TRUE(*store_->CompleteRunIfDone(run, done));
  auto got = store_->GetRun(run);
  EXPECT_EQ(got->status, RunStatus::kCompleted);
  EXPECT_EQ(got->finished_at, done);
  EXPECT_FALSE(*store_->CompleteRunIfDone(run, done));  // already completed
  EXPECT_EQ(store_->CompleteRunIfDone(run + 1, done).error().code, ErrorCode::kNotFound);
}

TEST_F(SqliteStoreTest, ReportCountsByStateRouteSkipAndError) {
  const Id account = NewAccount();
  std::vector<PlannedDelivery> batch;
  for (int i = 0; i < 7; ++i) {
    const std::string user = "u" + std::to_string(i);
    batch.push_back({Upsert(Row(account, user)), user, SendStandard()});
  }
  batch[5].decision = Decision::Skip(SkipReason::kUnsubscribed);
  batch[6].decision = Decision::Skip(SkipReason::kOutsideWindow);
  auto run = store_->CreateRun(NewBroadcastFor(account), kT0);
  ASSERT_TRUE(store_->AppendDeliveries(run->id, batch, kT0).ok());
  ASSERT_TRUE(store_->SetRunStatus(run->id, RunStatus::kSending, kT0).ok());
  const std::vector<Id> ids = Claim(run->id, 4);  // 4 of the 5 sendable
  std::vector<DeliveryOutcome> outcomes = {
      {ids[0], DeliveryState::kSent, "", "", "m1", "", "", "", {}, kT0},
      {ids[1],
       DeliveryState::kFailed,
       "",
       "",
       "",
       "recipient_unreachable",
       "10/2018278",
       "",
       {},
       kT0},
      {ids[2],
       DeliveryState::kFailed,
       "",
       "",
       "",
       "recipient_unreachable",
       "10/2018278",
       "",
       {},
       kT0},
      {ids[3], DeliveryState::kSkipped, "", "outside_window", "", "", "", "", {}, kT0}};
  ASSERT_TRUE(store_->RecordOutcomes(outcomes).ok());

  auto report = store_->GetRunReport(run->id);
  ASSERT_TRUE(report.ok()) << report.error().ToString();
  EXPECT_EQ(report->run.id, run->id);
  EXPECT_EQ(report->matched, 7);
  EXPECT_THAT(report->by_state, ElementsAre(Pair("planned", 1), Pair("sending", 0), Pair("sent", 1),
                                            Pair("failed", 2), Pair("skipped", 3)));
  EXPECT_THAT(report->by_route, ElementsAre(Pair("standard_window", 2)));  // planned + sent
  EXPECT_THAT(report->by_skip_reason,
              ElementsAre(Pair("outside_window", 2), Pair("unsubscribed", 1)));
  EXPECT_THAT(report->by_error, ElementsAre(Pair("10/2018278", 2)));
  EXPECT_EQ(store_->GetRunReport(run->id + 1).error().code, ErrorCode::kNotFound);
}

TEST_F(SqliteStoreTest, ListDeliveriesPagesWithinOneRun) {
  const Id account = NewAccount();
  const Id broadcast = NewBroadcastFor(account);
  auto a = store_->CreateRun(broadcast, kT0);
  auto b = store_->CreateRun(broadcast, kT0);
  const Id contact = Upsert(Row(account, "u"));
  // Interleave the two runs' rows.
  for (int i = 0; i < 5; ++i) {
    PlannedDelivery d{contact, "u", SendStandard()};
    ASSERT_TRUE(store_->AppendDeliveries(a->id, std::span(&d, 1), kT0).ok());
    ASSERT_TRUE(store_->AppendDeliveries(b->id, std::span(&d, 1), kT0).ok());
  }
  std::vector<Id> seen;
  PageRequest req{0, 2};
  int pages = 0;
  while (true) {
    auto page = store_->ListDeliveries(a->id, req);
    ASSERT_TRUE(page.ok()) << page.error().ToString();
    ++pages;
    for (const auto& d : page->items) {
      EXPECT_EQ(d.run_id, a->id);
      seen.push_back(d.id);
    }
    if (!page->next_after_id) break;
    req.after_id = *page->next_after_id;
  }
  EXPECT_EQ(pages, 3);
  ASSERT_EQ(seen.size(), 5u);
  EXPECT_TRUE(std::is_sorted(seen.begin(), seen.end()));

  auto empty_run = store_->CreateRun(broadcast, kT0);
  auto empty = store_->ListDeliveries(empty_run->id, PageRequest{});
  ASSERT_TRUE(empty.ok());
  EXPECT_THAT(empty->items, IsEmpty());
  EXPECT_FALSE(empty->next_after_id.has_value());
  EXPECT_EQ(store_->ListDeliveries(empty_run->id + 1, PageRequest{}).error().code,
            ErrorCode::kNotFound);
}

TEST_F(SqliteStoreTest, PendingCountsPlannedAndSendingOfActiveRuns) {
  const Id run = RunWithPlanned(5);
  Claim(run, 2);
  EXPECT_EQ(*store_->CountPendingDeliveries(), 5);
  const Id other = RunWithPlanned(3);
  EXPECT_EQ(*store_->CountPendingDeliveries(), 8);
  ASSERT_TRUE(store_->SetRunStatus(other, RunStatus::kCancelled, kT0).ok());
  EXPECT_EQ(*store_->CountPendingDeliveries(), 5);
  EXPECT_THAT(Claim(other, 10), IsEmpty());  // a cancelled run sends nothing more
}

// ---- API keys -------------------------------------------------------------------------------

TEST_F(SqliteStoreTest, ApiKeys) {
  EXPECT_EQ(*store_->CountApiKeys(), 0);
  const std::string hash(64, 'a');
  auto created = store_->CreateApiKey("admin", "admin", hash, kT0);
  ASSERT_TRUE(created.ok());
  EXPECT_EQ(created->name, "admin");
  EXPECT_EQ(*store_->CountApiKeys(), 1);

  auto found = store_->FindApiKeyByHash(hash);
  ASSERT_TRUE(found.ok());
  ASSERT_TRUE(found->has_value());
  EXPECT_EQ((*found)->id, created->id);
  EXPECT_EQ((*found)->role, "admin");
  EXPECT_EQ((*found)->created_at, kT0);
  auto missing = store_->FindApiKeyByHash(std::string(64, 'b'));
  ASSERT_TRUE(missing.ok());
  EXPECT_FALSE(missing->has_value());

  auto duplicate = store_->CreateApiKey("again", "admin", hash, kT0);
  ASSERT_FALSE(duplicate.ok());
  EXPECT_EQ(duplicate.error().code, ErrorCode::kAlreadyExists);
  EXPECT_EQ(duplicate.error().field, "key_hash");
  EXPECT_EQ(*store_->CountApiKeys(), 1);
  EXPECT_EQ(store_->CreateApiKey("x", "admin", "", kT0).error().field, "key_hash");
}

// ---- threads --------------------------------------------------------------------------------

TEST_F(SqliteStoreTest, ConcurrentReadersAndWritersDoNotFail) {
  const Id account = NewAccount();
  std::atomic<int> failures{0};
  std::atomic<bool> stop{false};
  std::vector<std::thread> threads;
  for (int w = 0; w < 2; ++w) {
    threads.emplace_back([&, w] {
      for (int i = 0; i < 60; ++i) {
        std::vector<ContactInput> rows;
        for (int j = 0; j < 5; ++j) {
          rows.push_back(Row(account, "w" + std::to_string(w) + "-" + std::to_string(i * 5 + j)));
        }
        if (!store_->UpsertContacts(rows, kT0).ok()) ++failures;
      }
    });
  }
  for (int r = 0; r < 4; ++r) {
    threads.emplace_back([&] {
      while (!stop.load()) {
        if (!store_->CountContacts(account).ok()) ++failures;
        ContactQuery q;
        q.page.limit = 50;
        if (!store_->ListContacts(q).ok()) ++failures;
        if (!store_->ForEachRecipient(account, Audience{}, [](const RecipientRow&) { return true; })
                 .ok()) {
          ++failures;
        }
      }
    });
  }
  threads[0].join();
  threads[1].join();
  stop.store(true);
  for (size_t i = 2; i < threads.size(); ++i) threads[i].join();
  EXPECT_EQ(failures.load(), 0);
  EXPECT_EQ(*store_->CountContacts(account), 600);
}

}  // namespace
}  // namespace crier
