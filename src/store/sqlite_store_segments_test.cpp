// Saved segments (schema version 4): unique names, references kept whole across creates,
// updates, renames and deletes, and the closure read for expansion.
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
using ::testing::HasSubstr;

const Time kT0 = FromUnixMillis(1'790'000'000'000);

class SegmentStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    Open(dir_.File("crier.db"));
    NewChannelAccount in;
    in.name = "Shop";
    in.external_id = "page-1";
    in.access_token = "token";
    in.api_base_url = "http://127.0.0.1:1";
    auto created = store_->CreateChannelAccount(in, kT0);
    ASSERT_TRUE(created.ok()) << created.error().ToString();
    account_ = created->id;
  }

  void Open(const std::string& path) {
    store_.reset();
    auto opened = OpenSqliteStore({.path = path});
    ASSERT_TRUE(opened.ok()) << opened.error().ToString();
    store_ = std::move(opened).value();
  }

  Result<Segment> Create(const std::string& name, const std::string& filter,
                         const std::string& description = "") {
    return store_->CreateSegment({name, filter, description}, kT0);
  }

  // Creates and expects success.
  Segment Made(const std::string& name, const std::string& filter) {
    auto s = Create(name, filter);
    EXPECT_TRUE(s.ok()) << name << ": " << s.error().ToString();
    return s.ok() ? *s : Segment{};
  }

  Result<Segment> Update(Id id, SegmentUpdate update, Time at = kT0 + Duration(1000)) {
    return store_->UpdateSegment(id, update, at);
  }

  std::string FilterOf(Id id) {
    auto s = store_->GetSegment(id);
    EXPECT_TRUE(s.ok()) << s.error().ToString();
    return s.ok() ? s->filter : "";
  }

  Result<Broadcast> NewBroadcastWith(const std::string& filter) {
    NewBroadcast b;
    b.name = "Sale";
    b.channel_account_id = account_;
    b.audience.any_tags = {"shoppers"};
    b.audience.filter = filter;
    b.messages = {{MessageKind::kText, "hi"}};
    return store_->CreateBroadcast(b, kT0);
  }

  static Error ErrorOf(const Status& s) {
    EXPECT_FALSE(s.ok());
    return s.ok() ? Error{} : s.error();
  }

  crier::testing::TempDir dir_;
  std::unique_ptr<Store> store_;
  Id account_ = 0;
};

TEST_F(SegmentStoreTest, CreatedSegmentsAreFoundByIdNameAndPage) {
  auto vip = Create("vip", "TAG:vip  AND interacted<24h", "our best customers");
  ASSERT_TRUE(vip.ok()) << vip.error().ToString();
  EXPECT_EQ(vip->filter, "tag:vip and interacted < 24h") << "stored in the canonical text form";
  EXPECT_EQ(vip->description, "our best customers");
  EXPECT_EQ(vip->created_at, kT0);
  EXPECT_EQ(vip->updated_at, kT0);
  const Segment b = Made("b", "tag:b");
  const Segment c = Made("c", "all");
  EXPECT_EQ(c.filter, "all");

  auto by_id = store_->GetSegment(vip->id);
  ASSERT_TRUE(by_id.ok());
  EXPECT_EQ(by_id->name, "vip");
  EXPECT_EQ(by_id->filter, vip->filter);
  EXPECT_EQ(by_id->description, "our best customers");
  auto by_name = store_->GetSegmentByName("b");
  ASSERT_TRUE(by_name.ok());
  EXPECT_EQ(by_name->id, b.id);
  auto missing = store_->GetSegmentByName("B");
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().code, ErrorCode::kNotFound);
  EXPECT_EQ(missing.error().message, "no segment named \"B\"");
  EXPECT_EQ(store_->GetSegment(999).error().code, ErrorCode::kNotFound);

  auto first = store_->ListSegments({0, 2});
  ASSERT_TRUE(first.ok());
  ASSERT_EQ(first->items.size(), 2u);
  EXPECT_EQ(first->items[0].name, "vip");
  ASSERT_TRUE(first->next_after_id.has_value());
  auto second = store_->ListSegments({*first->next_after_id, 2});
  ASSERT_TRUE(second.ok());
  ASSERT_EQ(second->items.size(), 1u);
  EXPECT_EQ(second->items[0].id, c.id);
  EXPECT_FALSE(second->next_after_id.has_value());
  EXPECT_EQ(store_->ListSegments({0, 0}).error().field, "limit");
}

TEST_F(SegmentStoreTest, NamesAreUniqueExactAndNonEmpty) {
  Made("vip", "tag:vip");
  auto again = Create("vip", "tag:other");
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.error().code, ErrorCode::kAlreadyExists);
  EXPECT_EQ(again.error().field, "name");
  EXPECT_EQ(again.error().message, "segment \"vip\" already exists");
  EXPECT_TRUE(Create("VIP", "tag:vip").ok()) << "names compare exactly, as tags do";
  auto empty = Create("", "tag:vip");
  ASSERT_FALSE(empty.ok());
  EXPECT_EQ(empty.error().field, "name");
  auto bad = Create("broken", "tag:vip and (");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(bad.error().field, "filter");
  EXPECT_THAT(bad.error().message, HasSubstr("at 13: expected"));
  EXPECT_FALSE(store_->GetSegmentByName("broken").ok()) << "nothing half-written";
}

TEST_F(SegmentStoreTest, FiltersMayOnlyNameExistingSegmentsAndNeverCycle) {
  auto ghost = Create("a", "tag:a and segment:ghost");
  ASSERT_FALSE(ghost.ok());
  EXPECT_EQ(ghost.error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(ghost.error().field, "filter");
  EXPECT_EQ(ghost.error().message, "no segment named \"ghost\" (used by segment \"a\")");
  EXPECT_FALSE(store_->GetSegmentByName("a").ok());

  auto self = Create("self", "segment:self or tag:x");
  ASSERT_FALSE(self.ok());
  EXPECT_EQ(self.error().code, ErrorCode::kFailedPrecondition);
  EXPECT_EQ(self.error().message, "segments refer to each other in a cycle: self -> self");

  const Segment b = Made("b", "tag:b");
  const Segment a = Made("a", "segment:b and tag:a");
  const Segment c = Made("c", "not segment:a");
  auto cycle = Update(b.id, {.filter = "segment:c"});
  ASSERT_FALSE(cycle.ok());
  EXPECT_EQ(cycle.error().code, ErrorCode::kFailedPrecondition);
  EXPECT_EQ(cycle.error().message, "segments refer to each other in a cycle: b -> c -> a -> b");
  EXPECT_EQ(FilterOf(b.id), "tag:b") << "the refused update left nothing behind";
  // Without the cycle the same kind of change is fine.
  const Segment d = Made("d", "tag:d");
  ASSERT_TRUE(Update(b.id, {.filter = "segment:d or tag:b"}).ok());
  EXPECT_EQ(FilterOf(c.id), "not segment:a");
  (void)a;
}

TEST_F(SegmentStoreTest, AChangeThatPushesAUserPastTheDepthBoundIsRefused) {
  // s1 -> s2 -> ... -> s8: exactly as deep as allowed.
  std::vector<Segment> chain(9);
  chain[8] = Made("s8", "tag:end");
  for (int i = 7; i >= 1; --i) {
    chain[i] = Made("s" + std::to_string(i), "segment:s" + std::to_string(i + 1));
  }
  Made("s9", "tag:deeper");
  auto deeper = Update(chain[8].id, {.filter = "segment:s9"});
  ASSERT_FALSE(deeper.ok());
  EXPECT_EQ(deeper.error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(deeper.error().message,
            "segment \"s1\" uses this one and would break: segments nest more than 8 deep: "
            "s1 -> s2 -> s3 -> s4 -> s5 -> s6 -> s7 -> s8 -> s9");
  EXPECT_EQ(FilterOf(chain[8].id), "tag:end");
  // A change that keeps the depth is fine.
  ASSERT_TRUE(Update(chain[8].id, {.filter = "tag:end or tag:also"}).ok());
}

TEST_F(SegmentStoreTest, RenameRewritesEveryReferenceInOneTransaction) {
  const Segment vip = Made("vip", "tag:vip");
  const Segment active = Made("active", "segment:vip and interacted < 24h");
  auto draft = NewBroadcastWith("segment:vip or tag:x");
  ASSERT_TRUE(draft.ok()) << draft.error().ToString();
  auto cancelled = NewBroadcastWith("not segment:vip");
  ASSERT_TRUE(cancelled.ok());
  ASSERT_TRUE(store_->SetBroadcastStatus(cancelled->id, BroadcastStatus::kCancelled, kT0).ok());

  // Into a taken name: refused, nothing renamed.
  auto taken = Update(vip.id, {.name = "active"});
  ASSERT_FALSE(taken.ok());
  EXPECT_EQ(taken.error().code, ErrorCode::kAlreadyExists);
  EXPECT_EQ(taken.error().field, "name");
  EXPECT_EQ(FilterOf(active.id), "segment:vip and interacted < 24h");

  const Time later = kT0 + Duration(60'000);
  auto renamed = Update(vip.id, {.name = "big spenders"}, later);
  ASSERT_TRUE(renamed.ok()) << renamed.error().ToString();
  EXPECT_EQ(renamed->name, "big spenders");
  EXPECT_EQ(renamed->filter, "tag:vip");
  EXPECT_EQ(renamed->updated_at, later);
  EXPECT_FALSE(store_->GetSegmentByName("vip").ok());
  EXPECT_EQ(FilterOf(active.id), "segment:\"big spenders\" and interacted < 24h");
  EXPECT_EQ(store_->GetSegment(active.id)->updated_at, kT0) << "its meaning did not change";
  auto b = store_->GetBroadcast(draft->id);
  ASSERT_TRUE(b.ok()) << b.error().ToString();
  EXPECT_EQ(b->audience.filter, "segment:\"big spenders\" or tag:x");
  EXPECT_THAT(b->audience.any_tags, ElementsAre("shoppers"));
  EXPECT_EQ(store_->GetBroadcast(cancelled->id)->audience.filter, "not segment:\"big spenders\"");

  // A rename and a new filter at once; the old name is gone for the new filter too.
  auto old_name = Update(vip.id, {.name = "gold", .filter = "segment:\"big spenders\""});
  ASSERT_FALSE(old_name.ok());
  EXPECT_THAT(old_name.error().message, HasSubstr("no segment named \"big spenders\""));
  EXPECT_EQ(FilterOf(active.id), "segment:\"big spenders\" and interacted < 24h");
  auto both = Update(vip.id, {.name = "gold", .filter = "tag:gold", .description = "renamed"});
  ASSERT_TRUE(both.ok()) << both.error().ToString();
  EXPECT_EQ(both->description, "renamed");
  EXPECT_EQ(FilterOf(active.id), "segment:gold and interacted < 24h");
  EXPECT_EQ(store_->GetBroadcast(draft->id)->audience.filter, "segment:gold or tag:x");

  EXPECT_EQ(Update(999, {.name = "x"}).error().code, ErrorCode::kNotFound);
}

TEST_F(SegmentStoreTest, DeleteIsRefusedWhileASegmentOrARunnableBroadcastUsesIt) {
  const Segment vip = Made("vip", "tag:vip");
  const Segment active = Made("active", "segment:vip and interacted < 24h");
  auto broadcast = NewBroadcastWith("segment:vip");
  ASSERT_TRUE(broadcast.ok());
  const std::string b = std::to_string(broadcast->id);

  Error used = ErrorOf(store_->DeleteSegment(vip.id));
  EXPECT_EQ(used.code, ErrorCode::kFailedPrecondition);
  EXPECT_EQ(used.message, "segment \"vip\" is still used by segment \"active\", broadcast " + b +
                              " (\"Sale\", draft); change or cancel them first");

  ASSERT_TRUE(store_->DeleteSegment(active.id).ok());
  EXPECT_EQ(store_->GetSegment(active.id).error().code, ErrorCode::kNotFound);
  // A completed broadcast can be sent again: still a user.
  ASSERT_TRUE(store_->SetBroadcastStatus(broadcast->id, BroadcastStatus::kCompleted, kT0).ok());
  EXPECT_THAT(ErrorOf(store_->DeleteSegment(vip.id)).message,
              HasSubstr("broadcast " + b + " (\"Sale\", completed)"));
  ASSERT_TRUE(store_->SetBroadcastStatus(broadcast->id, BroadcastStatus::kCancelled, kT0).ok());
  ASSERT_TRUE(store_->DeleteSegment(vip.id).ok());
  EXPECT_EQ(store_->GetSegment(vip.id).error().code, ErrorCode::kNotFound);
  EXPECT_EQ(ErrorOf(store_->DeleteSegment(vip.id)).code, ErrorCode::kNotFound);
  // The cancelled broadcast keeps its text; the name is free again.
  EXPECT_EQ(store_->GetBroadcast(broadcast->id)->audience.filter, "segment:vip");
  EXPECT_TRUE(Create("vip", "tag:new").ok());
}

TEST_F(SegmentStoreTest, ARefusedDeleteNamesTenUsersThenCounts) {
  const Segment base = Made("base", "tag:x");
  for (int i = 0; i < 12; ++i) Made("user" + std::to_string(i), "segment:base");
  const std::string message = ErrorOf(store_->DeleteSegment(base.id)).message;
  EXPECT_THAT(message, HasSubstr("segment \"user9\" and 2 more;"));
  EXPECT_THAT(message, ::testing::Not(HasSubstr("user10")));
}

TEST_F(SegmentStoreTest, BroadcastFiltersMayOnlyNameExistingSegments) {
  auto ghost = NewBroadcastWith("tag:a or segment:ghost");
  ASSERT_FALSE(ghost.ok());
  EXPECT_EQ(ghost.error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(ghost.error().field, "audience.filter");
  EXPECT_EQ(ghost.error().message, "no segment named \"ghost\"");
  auto unparsable = NewBroadcastWith("tag:a or (");
  ASSERT_FALSE(unparsable.ok());
  EXPECT_EQ(unparsable.error().field, "audience.filter");
  EXPECT_TRUE(store_->ListBroadcasts({})->items.empty()) << "nothing half-written";

  Made("vip", "tag:vip");
  auto ok = NewBroadcastWith("segment:vip and not tag:churned");
  ASSERT_TRUE(ok.ok()) << ok.error().ToString();
  EXPECT_EQ(ok->audience.filter, "segment:vip and not tag:churned");
}

TEST_F(SegmentStoreTest, ResolveReadsTheWholeClosure) {
  const Segment c = Made("c", "tag:c");
  const Segment b = Made("b", "segment:c or tag:b");
  const Segment a = Made("a", "segment:b and segment:c");
  Made("unrelated", "tag:u");
  const std::vector<std::string> names = {"a", "nobody"};
  auto closure = store_->ResolveSegments(names);
  ASSERT_TRUE(closure.ok()) << closure.error().ToString();
  std::vector<std::string> got;
  for (const Segment& s : *closure) got.push_back(s.name + "=" + s.filter);
  EXPECT_THAT(got, ElementsAre("c=tag:c", "b=segment:c or tag:b", "a=segment:b and segment:c"));
  EXPECT_TRUE(store_->ResolveSegments({})->empty());
  // A segment's own references follow a change of its filter.
  ASSERT_TRUE(Update(a.id, {.filter = "tag:a"}).ok());
  EXPECT_EQ(store_->ResolveSegments(names)->size(), 1u);
  (void)b;
  (void)c;
}

TEST_F(SegmentStoreTest, VersionThreeDatabaseUpgradesKeepingItsBroadcasts) {
  const std::string path = dir_.File("v3.db");
  {
    auto conn = sqlite::Connection::Open({.path = path});
    ASSERT_TRUE(conn.ok());
    ASSERT_TRUE((*conn)
                    ->Exec("CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY,"
                           " applied_at INTEGER NOT NULL)")
                    .ok());
    for (int v = 0; v < 3; ++v) ASSERT_TRUE((*conn)->Exec(sqlite::Migrations()[v]).ok());
    ASSERT_TRUE((*conn)
                    ->Exec("INSERT INTO schema_migrations VALUES (1, 0), (2, 0), (3, 0);"
                           "INSERT INTO channel_accounts VALUES (1, 'messenger', 'Shop', 'p',"
                           " 't', 'http://127.0.0.1:1', 'v25.0', 'UTC', 20, 4, 0);"
                           "INSERT INTO broadcasts VALUES (5, 'Old', 1, 'promotional',"
                           " '{\"any_tags\":[],\"filter\":\"tag:vip\"}',"
                           " '[{\"kind\":\"text\",\"text\":\"hi\"}]', 'draft', 0, 0)")
                    .ok());
  }
  Open(path);
  auto old = store_->GetBroadcast(5);
  ASSERT_TRUE(old.ok()) << old.error().ToString();
  EXPECT_EQ(old->audience.filter, "tag:vip");
  const Segment vip = Made("vip", "tag:vip");
  EXPECT_TRUE(store_->DeleteSegment(vip.id).ok()) << "no reference came from before";
}

}  // namespace
}  // namespace crier
