// Store::ForEachContactChangedSince on SQLite: the change sequence that keeps the in-memory
// audience index in step with the store (schema version 3); and Store::GetContacts.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "store/sqlite/db.h"
#include "store/sqlite/migrations.h"
#include "store/sqlite/sqlite_store.h"
#include "support/temp_dir.h"

namespace crier {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;

const Time kT0 = FromUnixMillis(1'790'000'000'000);

// Contact has no operator==; every field is compared so that a scan that drops or garbles one
// (a tag, an identity, an attribute) fails.
void ExpectSameContact(const Contact& got, const Contact& want) {
  SCOPED_TRACE("contact " + std::to_string(want.id));
  EXPECT_EQ(got.id, want.id);
  EXPECT_EQ(got.name, want.name);
  EXPECT_EQ(got.first_name, want.first_name);
  EXPECT_EQ(got.locale, want.locale);
  EXPECT_EQ(got.time_zone, want.time_zone);
  EXPECT_EQ(got.subscription, want.subscription);
  EXPECT_EQ(got.subscription_changed_at, want.subscription_changed_at);
  EXPECT_EQ(got.tags, want.tags);
  EXPECT_EQ(got.attributes, want.attributes);
  EXPECT_EQ(got.conversation_state, want.conversation_state);
  EXPECT_EQ(got.assignee, want.assignee);
  EXPECT_EQ(got.created_at, want.created_at);
  EXPECT_EQ(got.updated_at, want.updated_at);
  ASSERT_EQ(got.identities.size(), want.identities.size());
  for (size_t i = 0; i < want.identities.size(); ++i) {
    EXPECT_EQ(got.identities[i].channel_account_id, want.identities[i].channel_account_id);
    EXPECT_EQ(got.identities[i].platform_user_id, want.identities[i].platform_user_id);
    EXPECT_EQ(got.identities[i].last_inbound_at, want.identities[i].last_inbound_at);
    EXPECT_EQ(got.identities[i].window_opener, want.identities[i].window_opener);
    EXPECT_EQ(got.identities[i].blocked, want.identities[i].blocked);
  }
}

struct Scan {
  std::vector<Contact> contacts;
  std::int64_t seq = -1;

  std::vector<Id> Ids() const {
    std::vector<Id> ids;
    for (const Contact& c : contacts) ids.push_back(c.id);
    return ids;
  }
};

class ContactChangesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    Open(dir_.File("crier.db"));
    account_ = NewAccount("page-1");
  }

  void Open(const std::string& path) {
    store_.reset();
    SqliteOptions options;
    options.path = path;
    options.clock = &clock_;
    auto opened = OpenSqliteStore(options);
    ASSERT_TRUE(opened.ok()) << opened.error().ToString();
    store_ = std::move(opened).value();
  }

  Id NewAccount(const std::string& external_id) {
    NewChannelAccount in;
    in.name = "Shop " + external_id;
    in.external_id = external_id;
    in.access_token = "token";
    in.api_base_url = "http://127.0.0.1:1";
    auto created = store_->CreateChannelAccount(in, kT0);
    EXPECT_TRUE(created.ok()) << created.error().ToString();
    return created.ok() ? created->id : 0;
  }

  ContactInput Row(const std::string& user_id, Id account = 0) {
    ContactInput row;
    row.channel_account_id = account != 0 ? account : account_;
    row.platform_user_id = user_id;
    return row;
  }

  Id Upsert(const ContactInput& row, Time at = kT0) {
    auto summary = store_->UpsertContacts(std::span(&row, 1), at);
    EXPECT_TRUE(summary.ok()) << summary.error().ToString();
    return summary.ok() ? summary->contact_ids.at(0) : 0;
  }

  Scan ChangedSince(std::int64_t after_seq) {
    Scan scan;
    auto seq = store_->ForEachContactChangedSince(after_seq, [&](const Contact& c) {
      scan.contacts.push_back(c);
      return true;
    });
    EXPECT_TRUE(seq.ok()) << seq.error().ToString();
    if (seq.ok()) scan.seq = *seq;
    return scan;
  }

  // Every contact of a scan must be exactly what GetContact says now.
  void ExpectCurrent(const Scan& scan) {
    for (const Contact& c : scan.contacts) {
      auto stored = store_->GetContact(c.id);
      ASSERT_TRUE(stored.ok()) << stored.error().ToString();
      ExpectSameContact(c, *stored);
    }
  }

  FakeClock clock_{kT0};
  testing::TempDir dir_;
  std::unique_ptr<Store> store_;
  Id account_ = 0;
};

TEST_F(ContactChangesTest, EmptyStoreHasSequenceZeroAndNothingToVisit) {
  Scan scan = ChangedSince(0);
  EXPECT_THAT(scan.contacts, IsEmpty());
  EXPECT_EQ(scan.seq, 0);
}

TEST_F(ContactChangesTest, FullScanReturnsEveryContactWholeInIdOrder) {
  const Id second_account = NewAccount("page-2");
  ContactInput rich = Row("rich");
  rich.name = "Mei Lin";
  rich.first_name = "Mei";
  rich.locale = "zh_TW";
  rich.time_zone = "Asia/Taipei";
  rich.subscription = SubscriptionStatus::kUnsubscribed;
  rich.tags = std::vector<std::string>{"vip", "alpha", "zeta"};
  rich.last_inbound_at = kT0 - std::chrono::hours(3);
  rich.window_opener = WindowOpener::kAd;
  rich.attributes = {{"city", std::string("Taipei")},
                     {"spend", 12.5},
                     {"member", true},
                     {"joined", kT0 - std::chrono::hours(24)}};
  rich.conversation_state = ConversationState::kOpen;
  rich.assignee = "agent-7";
  const Id rich_id = Upsert(rich);
  // The same contact can only gain a second identity on another account through a new
  // contact; a bare contact checks that empty tag and attribute lists stay empty.
  const Id bare_id = Upsert(Row("bare"));
  ContactInput other = Row("other", second_account);
  other.blocked = true;
  other.tags = std::vector<std::string>{"vip"};
  const Id other_id = Upsert(other);

  Scan scan = ChangedSince(0);
  EXPECT_THAT(scan.Ids(), ElementsAre(rich_id, bare_id, other_id));
  EXPECT_GT(scan.seq, 0);
  ExpectCurrent(scan);
  ASSERT_EQ(scan.contacts.size(), 3u);
  // Guards against both sides being wrong the same way.
  EXPECT_THAT(scan.contacts[0].tags, ElementsAre("alpha", "vip", "zeta"));
  EXPECT_EQ(scan.contacts[0].attributes.size(), 4u);
  ASSERT_EQ(scan.contacts[0].identities.size(), 1u);
  EXPECT_EQ(scan.contacts[0].identities[0].platform_user_id, "rich");
  EXPECT_THAT(scan.contacts[1].tags, IsEmpty());
  EXPECT_THAT(scan.contacts[1].attributes, IsEmpty());
  ASSERT_EQ(scan.contacts[2].identities.size(), 1u);
  EXPECT_TRUE(scan.contacts[2].identities[0].blocked);
  EXPECT_EQ(scan.contacts[2].identities[0].channel_account_id, second_account);
}

TEST_F(ContactChangesTest, SequenceIsStableWhileNothingChanges) {
  Upsert(Row("a"));
  Scan first = ChangedSince(0);
  Scan again = ChangedSince(0);
  EXPECT_EQ(first.seq, again.seq);
  EXPECT_EQ(first.Ids(), again.Ids());
  // Reads are not writes.
  ASSERT_TRUE(store_->GetContact(first.contacts.at(0).id).ok());
  ASSERT_TRUE(store_->ListTags().ok());
  Scan since = ChangedSince(first.seq);
  EXPECT_THAT(since.contacts, IsEmpty());
  EXPECT_EQ(since.seq, first.seq);
}

TEST_F(ContactChangesTest, BoundariesOfAfterSeq) {
  const Id a = Upsert(Row("a"));
  const Id b = Upsert(Row("b"));
  Scan all = ChangedSince(0);
  ASSERT_EQ(all.Ids(), (std::vector<Id>{a, b}));
  // One below the newest sequence sees the newest write only; the newest itself sees none;
  // beyond it, none either.
  EXPECT_THAT(ChangedSince(all.seq - 1).Ids(), ElementsAre(b));
  EXPECT_THAT(ChangedSince(all.seq).Ids(), IsEmpty());
  EXPECT_THAT(ChangedSince(all.seq + 1).Ids(), IsEmpty());
  EXPECT_EQ(ChangedSince(all.seq + 1).seq, all.seq);

  auto negative = store_->ForEachContactChangedSince(-1, [](const Contact&) { return true; });
  ASSERT_FALSE(negative.ok());
  EXPECT_EQ(negative.error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(negative.error().field, "after_seq");
}

TEST_F(ContactChangesTest, EachKindOfWriteIsSeenExactlyOnce) {
  ContactInput row_a = Row("a");
  row_a.tags = std::vector<std::string>{"vip"};
  const Id a = Upsert(row_a);
  ContactInput row_b = Row("b");
  row_b.tags = std::vector<std::string>{"vip", "new"};
  const Id b = Upsert(row_b);
  const Id c = Upsert(Row("c"));
  std::int64_t seq = ChangedSince(0).seq;

  // Asserts that the writes since `seq` changed exactly `want`, each now as GetContact has
  // it, and moves `seq` on.
  auto expect_changed = [&](const std::string& what, std::vector<Id> want) {
    SCOPED_TRACE(what);
    Scan scan = ChangedSince(seq);
    EXPECT_EQ(scan.Ids(), want);
    ExpectCurrent(scan);
    if (want.empty()) {
      EXPECT_EQ(scan.seq, seq);
    } else {
      EXPECT_GT(scan.seq, seq);
    }
    seq = scan.seq;
  };

  const Id d = Upsert(Row("d"));
  expect_changed("created", {d});

  ContactInput update = Row("c");
  update.name = "Chen";
  Upsert(update);
  expect_changed("updated", {c});

  ContactInput attributes = Row("a");
  attributes.attributes = {{"city", std::string("Tainan")}};
  Upsert(attributes);
  expect_changed("attribute set", {a});
  attributes.attributes.clear();
  attributes.cleared_attributes = {"city"};
  Upsert(attributes);
  expect_changed("attribute cleared", {a});

  ContactInput identity = Row("b");
  identity.blocked = true;
  Upsert(identity);
  expect_changed("identity", {b});

  // Several rows in one upsert: one transaction, both seen.
  std::vector<ContactInput> batch = {Row("d"), Row("e")};
  auto summary = store_->UpsertContacts(batch, kT0);
  ASSERT_TRUE(summary.ok());
  expect_changed("batch", {d, summary->contact_ids.at(1)});

  // a already has vip: only c gains it; unknown ids change nothing.
  const std::vector<Id> add = {a, c, 9999};
  auto added = store_->AddTagToContacts("vip", add, kT0);
  ASSERT_TRUE(added.ok());
  EXPECT_EQ(added->changed, 1);
  expect_changed("tag added", {c});

  const std::vector<Id> remove = {b, d};
  auto removed = store_->RemoveTagFromContacts("vip", remove, kT0);
  ASSERT_TRUE(removed.ok());
  EXPECT_EQ(removed->changed, 1);
  expect_changed("tag removed", {b});

  // vip is now on a and c.
  ASSERT_TRUE(store_->RenameTag("vip", "gold").ok());
  expect_changed("tag renamed", {a, c});
  ASSERT_TRUE(store_->DeleteTag("new").ok());
  expect_changed("tag deleted", {b});

  // Writes that change no contact leave the sequence alone.
  ASSERT_TRUE(store_->CreateTag("empty").ok());
  expect_changed("tag created", {});
  ASSERT_TRUE(store_->RenameTag("empty", "still-empty").ok());
  expect_changed("carrierless tag renamed", {});
  ASSERT_TRUE(store_->DeleteTag("still-empty").ok());
  expect_changed("carrierless tag deleted", {});
  const std::vector<Id> nobody = {9999};
  ASSERT_TRUE(store_->AddTagToContacts("gold", nobody, kT0).ok());
  ASSERT_TRUE(store_->RemoveTagFromContacts("gold", std::vector<Id>{b}, kT0).ok());
  expect_changed("membership unchanged", {});
  ContactInput bad = Row("f");
  bad.attributes = {{"bad key", true}};
  EXPECT_FALSE(store_->UpsertContacts(std::span(&bad, 1), kT0).ok());
  // A write refused inside its transaction rolls the sequence back with everything else.
  std::vector<ContactInput> half = {Row("g"), Row("h", 777)};
  EXPECT_FALSE(store_->UpsertContacts(half, kT0).ok());
  expect_changed("refused writes", {});
  EXPECT_FALSE(store_->RenameTag("gold", "").ok());
  EXPECT_FALSE(store_->RenameTag("missing", "x").ok());
  expect_changed("refused renames", {});

  auto stored = store_->GetContact(a);
  ASSERT_TRUE(stored.ok());
  EXPECT_THAT(stored->tags, ElementsAre("gold"));
}

TEST_F(ContactChangesTest, VisitorStopsTheScanEarly) {
  for (int i = 0; i < 5; ++i) Upsert(Row("u" + std::to_string(i)));
  const std::int64_t newest = ChangedSince(0).seq;
  int visits = 0;
  auto seq = store_->ForEachContactChangedSince(0, [&](const Contact&) { return ++visits < 2; });
  ASSERT_TRUE(seq.ok()) << seq.error().ToString();
  EXPECT_EQ(visits, 2);
  EXPECT_EQ(*seq, newest);
  visits = 0;
  seq = store_->ForEachContactChangedSince(1, [&](const Contact&) { return ++visits < 1; });
  ASSERT_TRUE(seq.ok());
  EXPECT_EQ(visits, 1);
}

TEST_F(ContactChangesTest, VersionTwoDatabaseUpgradeNumbersExistingContacts) {
  // A database at version 2, as the previous build left it.
  const std::string path = dir_.File("old.db");
  {
    auto conn = sqlite::Connection::Open({.path = path});
    ASSERT_TRUE(conn.ok());
    ASSERT_TRUE((*conn)
                    ->Exec("CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY,"
                           " applied_at INTEGER NOT NULL)")
                    .ok());
    ASSERT_TRUE((*conn)->Exec(sqlite::Migrations()[0]).ok());
    ASSERT_TRUE((*conn)->Exec(sqlite::Migrations()[1]).ok());
    ASSERT_TRUE((*conn)
                    ->Exec("INSERT INTO schema_migrations VALUES (1, 0), (2, 0);"
                           "INSERT INTO channel_accounts VALUES (1, 'messenger', 'Shop', 'p',"
                           " 't', 'http://127.0.0.1:1', 'v25.0', 'UTC', 20, 4, 0);"
                           "INSERT INTO contacts(id, name, created_at, updated_at, attributes)"
                           " VALUES (7, 'Seven', 0, 0, '{\"spend\": 3}'),"
                           " (9, 'Nine', 0, 0, NULL);"
                           "INSERT INTO identities(contact_id, channel_account_id,"
                           " platform_user_id) VALUES (7, 1, 'u7'), (9, 1, 'u9');"
                           "INSERT INTO contact_tags VALUES (7, 'vip');"
                           "INSERT INTO tags VALUES ('vip')")
                    .ok());
  }
  Open(path);
  Scan scan = ChangedSince(0);
  EXPECT_THAT(scan.Ids(), ElementsAre(7, 9));
  EXPECT_EQ(scan.seq, 1);
  ExpectCurrent(scan);
  EXPECT_THAT(scan.contacts.at(0).tags, ElementsAre("vip"));
  EXPECT_THAT(ChangedSince(1).contacts, IsEmpty());

  ContactInput update;
  update.channel_account_id = 1;
  update.platform_user_id = "u9";
  update.name = "Nine again";
  Upsert(update);
  Scan since = ChangedSince(1);
  EXPECT_THAT(since.Ids(), ElementsAre(9));
  EXPECT_EQ(since.seq, 2);
}

TEST_F(ContactChangesTest, UpgradeOfAnEmptyVersionTwoDatabaseStartsAtZero) {
  const std::string path = dir_.File("empty.db");
  {
    auto conn = sqlite::Connection::Open({.path = path});
    ASSERT_TRUE(conn.ok());
    ASSERT_TRUE((*conn)
                    ->Exec("CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY,"
                           " applied_at INTEGER NOT NULL)")
                    .ok());
    ASSERT_TRUE((*conn)->Exec(sqlite::Migrations()[0]).ok());
    ASSERT_TRUE((*conn)->Exec(sqlite::Migrations()[1]).ok());
    ASSERT_TRUE((*conn)->Exec("INSERT INTO schema_migrations VALUES (1, 0), (2, 0)").ok());
  }
  Open(path);
  EXPECT_EQ(ChangedSince(0).seq, 0);
}

TEST_F(ContactChangesTest, WritesDuringTheScanAreNotSeenUntilTheNextScan) {
  std::vector<Id> ids;
  for (int i = 0; i < 20; ++i) {
    ContactInput row = Row("u" + std::to_string(i));
    row.tags = std::vector<std::string>{"old"};
    ids.push_back(Upsert(row));
  }
  const std::int64_t before = ChangedSince(0).seq;
  Id created = 0;
  Scan scan;
  auto seq = store_->ForEachContactChangedSince(0, [&](const Contact& c) {
    if (scan.contacts.empty()) {
      // The visitor itself writes: a new contact, and a tag change on the last one.
      created = Upsert(Row("late"));
      EXPECT_TRUE(store_->AddTagToContacts("fresh", std::vector<Id>{ids.back()}, kT0).ok());
    }
    scan.contacts.push_back(c);
    return true;
  });
  ASSERT_TRUE(seq.ok()) << seq.error().ToString();
  EXPECT_EQ(*seq, before);
  EXPECT_EQ(scan.Ids(), ids);
  EXPECT_THAT(scan.contacts.back().tags, ElementsAre("old"));
  Scan next = ChangedSince(*seq);
  EXPECT_THAT(next.Ids(), ElementsAre(ids.back(), created));
  EXPECT_THAT(next.contacts.at(0).tags, ElementsAre("fresh", "old"));
}

TEST_F(ContactChangesTest, ConcurrentWriterNeverShowsAHalfWrittenTransaction) {
  // Each write sets attribute gen = k on every contact and tags them all "g<k>" in one
  // transaction, so a consistent scan sees one k everywhere.
  constexpr int kContacts = 60;
  constexpr int kWrites = 15;
  auto generation = [&](int k) {
    std::vector<ContactInput> rows;
    for (int i = 0; i < kContacts; ++i) {
      ContactInput row = Row("u" + std::to_string(i));
      row.attributes = {{"gen", static_cast<double>(k)}};
      row.tags = std::vector<std::string>{"g" + std::to_string(k)};
      rows.push_back(std::move(row));
    }
    return rows;
  };
  ASSERT_TRUE(store_->UpsertContacts(generation(0), kT0).ok());

  std::atomic<bool> done{false};
  std::thread writer([&] {
    for (int k = 1; k <= kWrites; ++k) {
      auto written = store_->UpsertContacts(generation(k), kT0);
      EXPECT_TRUE(written.ok()) << written.error().ToString();
    }
    done = true;
  });
  int scans = 0;
  std::int64_t last_seq = 0;
  while (!done || scans < 2) {
    std::set<double> gens;
    std::set<std::string> tags;
    int visited = 0;
    auto seq = store_->ForEachContactChangedSince(0, [&](const Contact& c) {
      ++visited;
      for (const Attribute& a : c.attributes) gens.insert(std::get<double>(a.value));
      for (const std::string& tag : c.tags) tags.insert(tag);
      return true;
    });
    ASSERT_TRUE(seq.ok()) << seq.error().ToString();
    EXPECT_EQ(visited, kContacts);
    ASSERT_EQ(gens.size(), 1u) << "scan " << scans;
    ASSERT_EQ(tags.size(), 1u) << "scan " << scans;
    const int k = static_cast<int>(*gens.begin());
    EXPECT_EQ(*tags.begin(), "g" + std::to_string(k));
    // Generation k was written by transaction k + 1 (the account took none).
    EXPECT_EQ(*seq, k + 1);
    EXPECT_GE(*seq, last_seq);
    last_seq = *seq;
    ++scans;
  }
  writer.join();
  EXPECT_EQ(ChangedSince(0).seq, kWrites + 1);
}

}  // namespace
}  // namespace crier

// ---- GetContacts: whole contacts by id, what an export reads a batch at a time -------------

namespace crier {
namespace {

TEST_F(ContactChangesTest, GetContactsReadsWholeContactsInIdOrderAndSkipsUnknownIds) {
  ContactInput rich = Row("rich");
  rich.name = "Mei Lin";
  rich.tags = std::vector<std::string>{"vip", "alpha"};
  rich.last_inbound_at = kT0 - std::chrono::hours(3);
  rich.attributes = {{"city", std::string("Taipei")}, {"spend", 12.5}};
  rich.conversation_state = ConversationState::kInProgress;
  rich.assignee = "agent-7";
  const Id rich_id = Upsert(rich);
  const Id bare_id = Upsert(Row("bare"));
  const Id other_id = Upsert(Row("other"));

  const std::vector<Id> asked = {other_id, 999999, rich_id, bare_id};
  auto got = store_->GetContacts(asked);
  ASSERT_TRUE(got.ok()) << got.error().ToString();
  ASSERT_EQ(got->size(), 3u);
  EXPECT_EQ((*got)[0].id, rich_id);
  EXPECT_EQ((*got)[1].id, bare_id);
  EXPECT_EQ((*got)[2].id, other_id);
  for (const Contact& c : *got) {
    auto one = store_->GetContact(c.id);
    ASSERT_TRUE(one.ok());
    ExpectSameContact(c, *one);
  }

  auto none = store_->GetContacts({});
  ASSERT_TRUE(none.ok());
  EXPECT_THAT(*none, IsEmpty());
}

TEST_F(ContactChangesTest, GetContactsTakesAtMostTheLimit) {
  const Id id = Upsert(Row("u"));
  std::vector<Id> ids(kMaxContactsPerGet, id);
  EXPECT_TRUE(store_->GetContacts(ids).ok());
  ids.push_back(id);
  auto refused = store_->GetContacts(ids);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(refused.error().field, "ids");
}

}  // namespace
}  // namespace crier
