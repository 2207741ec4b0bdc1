// The full contact model (attributes, conversation state, assignee), schema version 2 and
// tag management.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>
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

class AudienceStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    Reopen();
    NewChannelAccount in;
    in.name = "Shop";
    in.external_id = "page-1";
    in.access_token = "token";
    in.api_base_url = "http://127.0.0.1:1";
    auto created = store_->CreateChannelAccount(in, kT0);
    ASSERT_TRUE(created.ok()) << created.error().ToString();
    account_ = created->id;
  }

  void Reopen() {
    store_.reset();
    SqliteOptions options;
    options.path = dir_.File("crier.db");
    options.clock = &clock_;
    auto opened = OpenSqliteStore(options);
    ASSERT_TRUE(opened.ok()) << opened.error().ToString();
    store_ = std::move(opened).value();
  }

  ContactInput Row(const std::string& user_id) {
    ContactInput row;
    row.channel_account_id = account_;
    row.platform_user_id = user_id;
    return row;
  }

  Result<Id> Upsert(const ContactInput& row, Time at = kT0) {
    auto summary = store_->UpsertContacts(std::span(&row, 1), at);
    if (!summary.ok()) return summary.error();
    return summary->contact_ids.at(0);
  }

  Contact Get(Id id) {
    auto got = store_->GetContact(id);
    EXPECT_TRUE(got.ok()) << got.error().ToString();
    return got.ok() ? *got : Contact{};
  }

  std::vector<TagInfo> Tags() {
    auto tags = store_->ListTags();
    EXPECT_TRUE(tags.ok()) << tags.error().ToString();
    return tags.ok() ? *tags : std::vector<TagInfo>{};
  }

  FakeClock clock_{kT0};
  testing::TempDir dir_;
  std::unique_ptr<Store> store_;
  Id account_ = 0;
};

MATCHER_P2(TagIs, name, contacts, "") { return arg.name == name && arg.contacts == contacts; }

TEST_F(AudienceStoreTest, AttributesOfEveryTypeRoundTripSortedByKey) {
  ContactInput row = Row("a");
  const Time birthday = FromUnixMillis(641'520'000'000);
  row.attributes = {
      {"spend", 120.5}, {"city", std::string("Taipei")}, {"vip", true}, {"birthday", birthday}};
  row.conversation_state = ConversationState::kInProgress;
  row.assignee = "mei";
  auto id = Upsert(row);
  ASSERT_TRUE(id.ok()) << id.error().ToString();
  Reopen();
  const Contact c = Get(*id);
  EXPECT_THAT(c.attributes,
              ElementsAre(Attribute{"birthday", birthday}, Attribute{"city", std::string("Taipei")},
                          Attribute{"spend", 120.5}, Attribute{"vip", true}));
  EXPECT_EQ(c.conversation_state, ConversationState::kInProgress);
  EXPECT_EQ(c.assignee, "mei");
}

TEST_F(AudienceStoreTest, AttributesAreSetKeyByKeyAndClearedByName) {
  ContactInput row = Row("a");
  row.attributes = {{"city", std::string("Taipei")}, {"spend", 10.0}};
  auto id = Upsert(row);
  ASSERT_TRUE(id.ok());

  ContactInput change = Row("a");
  change.attributes = {{"city", std::string("Tainan")}, {"vip", false}};
  change.cleared_attributes = {"spend"};
  ASSERT_TRUE(Upsert(change).ok());
  EXPECT_THAT(Get(*id).attributes,
              ElementsAre(Attribute{"city", std::string("Tainan")}, Attribute{"vip", false}));

  // A row without attributes, state or assignee keeps them all.
  ContactInput keep = Row("a");
  keep.name = "Mei";
  ASSERT_TRUE(Upsert(keep).ok());
  const Contact c = Get(*id);
  EXPECT_EQ(c.attributes.size(), 2u);
  EXPECT_FALSE(c.conversation_state.has_value());
  EXPECT_EQ(c.assignee, "");

  // A type can change with the value.
  ContactInput retype = Row("a");
  retype.attributes = {{"city", kT0}};
  ASSERT_TRUE(Upsert(retype).ok());
  EXPECT_EQ(Get(*id).attributes.at(0), (Attribute{"city", kT0}));
}

TEST_F(AudienceStoreTest, ConversationStateAndAssigneeChangeOnlyWhenGiven) {
  ContactInput row = Row("a");
  row.conversation_state = ConversationState::kOpen;
  row.assignee = "mei";
  auto id = Upsert(row);
  ASSERT_TRUE(id.ok());
  ContactInput change = Row("a");
  change.conversation_state = ConversationState::kClosed;
  ASSERT_TRUE(Upsert(change).ok());
  Contact c = Get(*id);
  EXPECT_EQ(c.conversation_state, ConversationState::kClosed);
  EXPECT_EQ(c.assignee, "mei");
  change.assignee = "lin";
  ASSERT_TRUE(Upsert(change).ok());
  EXPECT_EQ(Get(*id).assignee, "lin");
}

TEST_F(AudienceStoreTest, AttributeKeysAreCheckedOnBothSidesOfTheLimits) {
  ContactInput row = Row("a");
  row.attributes = {{std::string(64, 'k'), 1.0}, {"a_Z_9", 2.0}};
  EXPECT_TRUE(Upsert(row).ok());

  row.attributes = {{std::string(65, 'k'), 1.0}};
  auto too_long = Upsert(row);
  ASSERT_FALSE(too_long.ok());
  EXPECT_EQ(too_long.error().field, "rows[0].attributes");

  row.attributes = {{"bad-key", 1.0}};
  EXPECT_FALSE(Upsert(row).ok());
  row.attributes = {{"", 1.0}};
  EXPECT_FALSE(Upsert(row).ok());

  row.attributes = {{"city", std::string(kMaxAttributeStringBytes, 'x')}};
  EXPECT_TRUE(Upsert(row).ok());
  row.attributes = {{"city", std::string(kMaxAttributeStringBytes + 1, 'x')}};
  auto long_value = Upsert(row);
  ASSERT_FALSE(long_value.ok());
  EXPECT_EQ(long_value.error().field, "rows[0].attributes.city");

  row.attributes = {{"city", std::string("a")}};
  row.cleared_attributes = {"city"};
  auto twice = Upsert(row);
  ASSERT_FALSE(twice.ok());
  EXPECT_EQ(twice.error().field, "rows[0].attributes.city");
}

TEST_F(AudienceStoreTest, AtMostAHundredAttributesAfterTheMerge) {
  ContactInput row = Row("a");
  for (size_t i = 0; i < kMaxAttributesPerContact; ++i) {
    row.attributes.push_back({"k" + std::to_string(i), static_cast<double>(i)});
  }
  auto id = Upsert(row);
  ASSERT_TRUE(id.ok()) << id.error().ToString();

  ContactInput one_more = Row("a");
  one_more.attributes = {{"extra", true}};
  auto refused = Upsert(one_more);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().field, "rows[0].attributes");
  EXPECT_EQ(Get(*id).attributes.size(), kMaxAttributesPerContact);  // nothing half-written

  // Replacing an existing key keeps the count at the limit.
  one_more.attributes = {{"k0", true}};
  EXPECT_TRUE(Upsert(one_more).ok());

  row.attributes.push_back({"extra", true});
  row.platform_user_id = "b";
  EXPECT_FALSE(Upsert(row).ok());
}

TEST_F(AudienceStoreTest, VersionOneDatabaseUpgradesKeepingItsTags) {
  // Build a database at version 1 by hand, as an old build left it.
  const std::string path = dir_.File("old.db");
  {
    auto conn = sqlite::Connection::Open({.path = path});
    ASSERT_TRUE(conn.ok());
    ASSERT_TRUE((*conn)
                    ->Exec("CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY,"
                           " applied_at INTEGER NOT NULL)")
                    .ok());
    ASSERT_TRUE((*conn)->Exec(sqlite::Migrations()[0]).ok());
    ASSERT_TRUE((*conn)
                    ->Exec("INSERT INTO schema_migrations VALUES (1, 0);"
                           "INSERT INTO contacts(id, created_at, updated_at) VALUES (7, 0, 0);"
                           "INSERT INTO contact_tags VALUES (7, 'vip')")
                    .ok());
  }
  SqliteOptions options;
  options.path = path;
  options.clock = &clock_;
  auto opened = OpenSqliteStore(options);
  ASSERT_TRUE(opened.ok()) << opened.error().ToString();
  auto tags = (*opened)->ListTags();
  ASSERT_TRUE(tags.ok());
  EXPECT_THAT(*tags, ElementsAre(TagIs("vip", 1)));
  auto c = (*opened)->GetContact(7);
  ASSERT_TRUE(c.ok()) << c.error().ToString();
  EXPECT_THAT(c->attributes, IsEmpty());
  EXPECT_FALSE(c->conversation_state.has_value());
}

TEST_F(AudienceStoreTest, TagsAreCreatedListedWithCountsRenamedAndDeleted) {
  ContactInput row = Row("a");
  row.tags = std::vector<std::string>{"vip"};
  auto a = Upsert(row);
  ASSERT_TRUE(a.ok());
  ASSERT_TRUE(store_->CreateTag("empty").ok());
  EXPECT_THAT(Tags(), ElementsAre(TagIs("empty", 0), TagIs("vip", 1)));

  auto again = store_->CreateTag("vip");
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.error().code, ErrorCode::kAlreadyExists);
  EXPECT_EQ(store_->CreateTag("").error().field, "name");

  // Renaming into an existing tag would merge two audiences: refused, naming the tag.
  auto merge = store_->RenameTag("vip", "empty");
  ASSERT_FALSE(merge.ok());
  EXPECT_EQ(merge.error().code, ErrorCode::kAlreadyExists);
  EXPECT_THAT(merge.error().message, ::testing::HasSubstr("\"empty\""));
  EXPECT_EQ(store_->RenameTag("nope", "x").error().code, ErrorCode::kNotFound);

  ASSERT_TRUE(store_->RenameTag("vip", "gold").ok());
  EXPECT_THAT(Get(*a).tags, ElementsAre("gold"));
  EXPECT_THAT(Tags(), ElementsAre(TagIs("empty", 0), TagIs("gold", 1)));

  ASSERT_TRUE(store_->DeleteTag("gold").ok());
  EXPECT_THAT(Get(*a).tags, IsEmpty());
  EXPECT_THAT(Tags(), ElementsAre(TagIs("empty", 0)));
  EXPECT_EQ(store_->DeleteTag("gold").error().code, ErrorCode::kNotFound);
}

TEST_F(AudienceStoreTest, BulkTagChangesReportUnknownIdsAndChangeTheRest) {
  auto a = Upsert(Row("a"));
  auto b = Upsert(Row("b"));
  ASSERT_TRUE(a.ok() && b.ok());
  const Time later = kT0 + std::chrono::hours(1);
  const std::vector<Id> ids = {*a, 999, *b, *a};
  auto added = store_->AddTagToContacts("vip", ids, later);
  ASSERT_TRUE(added.ok()) << added.error().ToString();
  EXPECT_EQ(added->changed, 2);  // the repeated id changes nothing the second time
  EXPECT_THAT(added->unknown_contact_ids, ElementsAre(999));
  EXPECT_THAT(Get(*a).tags, ElementsAre("vip"));
  EXPECT_EQ(Get(*a).updated_at, later);
  EXPECT_THAT(Tags(), ElementsAre(TagIs("vip", 2)));

  const std::vector<Id> one = {*b};
  auto removed = store_->RemoveTagFromContacts("vip", one, later);
  ASSERT_TRUE(removed.ok());
  EXPECT_EQ(removed->changed, 1);
  EXPECT_THAT(Get(*b).tags, IsEmpty());
  EXPECT_THAT(Tags(), ElementsAre(TagIs("vip", 1)));
  // The tag stays when its last contact loses it.
  ASSERT_TRUE(store_->RemoveTagFromContacts("vip", std::vector<Id>{*a}, later).ok());
  EXPECT_THAT(Tags(), ElementsAre(TagIs("vip", 0)));

  auto unknown_tag = store_->RemoveTagFromContacts("nope", one, later);
  ASSERT_FALSE(unknown_tag.ok());
  EXPECT_EQ(unknown_tag.error().code, ErrorCode::kNotFound);
}

}  // namespace
}  // namespace crier
