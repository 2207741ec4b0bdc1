#include "engine/audience_index.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <random>
#include <thread>

namespace crier::engine {
namespace {

using namespace std::chrono_literals;
using filter::Node;

const Time kNow = FromUnixMillis(1'790'000'000'000);  // 2026-09-21

Node Tags(filter::TagMatch m, std::vector<std::string> tags) {
  return Node::Leaf(filter::TagPred{m, std::move(tags)});
}
Node AnyTag(std::string tag) { return Tags(filter::TagMatch::kAnyOf, {std::move(tag)}); }
Node And(std::vector<Node> c) { return Node{Node::Kind::kAnd, std::move(c), std::nullopt}; }
Node Or(std::vector<Node> c) { return Node{Node::Kind::kOr, std::move(c), std::nullopt}; }
Node Not(Node c) { return Node{Node::Kind::kNot, {std::move(c)}, std::nullopt}; }
// "interacted < ago" on `account` (any account when unset): the time is after now - ago.
Node InteractedWithin(Duration ago, std::optional<Id> account = std::nullopt) {
  return Node::Leaf(filter::InteractedPred{account, {filter::Cmp::kGt, {std::nullopt, ago}}});
}
Node Attr(std::string key, filter::AttrOp op, std::optional<AttributeValue> v) {
  return Node::Leaf(filter::AttrPred{std::move(key), op, std::move(v)});
}

Contact MakeContact(Id id, std::vector<std::string> tags = {}) {
  Contact c;
  c.id = id;
  c.tags = std::move(tags);
  return c;
}
Identity On(Id account, std::optional<Time> last_inbound) {
  Identity i;
  i.channel_account_id = account;
  i.platform_user_id = "psid";
  i.last_inbound_at = last_inbound;
  return i;
}

TEST(AudienceIndexTest, EmptyIndexMatchesNobody) {
  AudienceIndex index;
  EXPECT_EQ(index.Count(Node::All(), kNow), 0);
  EXPECT_TRUE(index.List(Node::All(), kNow, 0, 10).empty());
  EXPECT_EQ(index.size(), 0);
}

TEST(AudienceIndexTest, TagsAnyAllNone) {
  AudienceIndex index;
  index.Upsert(MakeContact(1, {"vip"}));
  index.Upsert(MakeContact(2, {"vip", "loyal"}));
  index.Upsert(MakeContact(3, {"loyal"}));
  index.Upsert(MakeContact(4));
  using filter::TagMatch;
  EXPECT_EQ(index.List(Tags(TagMatch::kAnyOf, {"vip", "loyal"}), kNow, 0, 10),
            (std::vector<Id>{1, 2, 3}));
  EXPECT_EQ(index.List(Tags(TagMatch::kAllOf, {"vip", "loyal"}), kNow, 0, 10),
            (std::vector<Id>{2}));
  EXPECT_EQ(index.List(Tags(TagMatch::kNoneOf, {"vip", "loyal"}), kNow, 0, 10),
            (std::vector<Id>{4}));
  EXPECT_EQ(index.Count(Tags(TagMatch::kAllOf, {"vip", "unknown"}), kNow), 0);
  EXPECT_EQ(index.Count(Tags(TagMatch::kNoneOf, {"unknown"}), kNow), 4);
  EXPECT_EQ(index.Count(Node::All(), kNow), 4);
}

TEST(AudienceIndexTest, InteractionBoundaryOnBothSides) {
  AudienceIndex index;
  Contact at_edge = MakeContact(1);
  at_edge.identities = {On(7, kNow - 24h)};
  Contact inside = MakeContact(2);
  inside.identities = {On(7, kNow - 24h + 1ms)};
  Contact never = MakeContact(3);
  never.identities = {On(7, std::nullopt)};
  Contact other_account = MakeContact(4);
  other_account.identities = {On(8, kNow - 1h)};
  for (const auto& c : {at_edge, inside, never, other_account}) index.Upsert(c);

  EXPECT_EQ(index.List(InteractedWithin(24h, 7), kNow, 0, 10), (std::vector<Id>{2}));
  EXPECT_EQ(index.List(InteractedWithin(24h), kNow, 0, 10), (std::vector<Id>{2, 4}));
  // "more than 24 h ago": the time is at or before now - 24h; never-interacted is out.
  Node older = Node::Leaf(filter::InteractedPred{7, {filter::Cmp::kLe, {std::nullopt, 24h}}});
  EXPECT_EQ(index.List(older, kNow, 0, 10), (std::vector<Id>{1}));
  // ...but "not" takes it in.
  EXPECT_EQ(index.List(Not(InteractedWithin(24h, 7)), kNow, 0, 10), (std::vector<Id>{1, 3, 4}));
  // Relative times follow `now`.
  EXPECT_EQ(index.Count(InteractedWithin(24h, 7), kNow + 1ms), 0);
  EXPECT_EQ(index.Count(InteractedWithin(24h, 7), kNow - 1ms), 2);
}

TEST(AudienceIndexTest, AbsoluteSubscribedAtAndSubscription) {
  AudienceIndex index;
  Contact a = MakeContact(1);
  a.subscription_changed_at = kNow - 1h;
  Contact b = MakeContact(2);
  b.subscription = SubscriptionStatus::kUnsubscribed;
  b.subscription_changed_at = kNow;
  index.Upsert(a);
  index.Upsert(b);
  index.Upsert(MakeContact(3));
  auto since = [](filter::Cmp cmp, Time t) {
    return Node::Leaf(filter::SubscribedAtPred{{cmp, {t, 0ms}}});
  };
  EXPECT_EQ(index.List(since(filter::Cmp::kGe, kNow), kNow, 0, 10), (std::vector<Id>{2}));
  EXPECT_EQ(index.List(since(filter::Cmp::kLt, kNow), kNow, 0, 10), (std::vector<Id>{1}));
  EXPECT_EQ(index.List(since(filter::Cmp::kEq, kNow - 1h), kNow, 0, 10), (std::vector<Id>{1}));
  EXPECT_EQ(index.List(since(filter::Cmp::kNe, kNow - 1h), kNow, 0, 10), (std::vector<Id>{2}));
  EXPECT_EQ(index.List(Node::Leaf(filter::SubscriptionPred{SubscriptionStatus::kSubscribed}), kNow,
                       0, 10),
            (std::vector<Id>{1, 3}));
}

TEST(AudienceIndexTest, AttributesByType) {
  AudienceIndex index;
  Contact a = MakeContact(1);
  a.attributes = {{"city", std::string("Taipei")}, {"spend", 100.0}};
  Contact b = MakeContact(2);
  b.attributes = {{"city", std::string("Tainan")}, {"spend", 100.5}, {"vip", true}};
  Contact c = MakeContact(3);
  c.attributes = {{"seen", kNow}, {"spend", std::string("lots")}, {"vip", false}};
  for (const auto& x : {a, b, c}) index.Upsert(x);
  using filter::AttrOp;
  auto list = [&](Node n) { return index.List(n, kNow, 0, 10); };
  EXPECT_EQ(list(Attr("spend", AttrOp::kGt, 100.0)), (std::vector<Id>{2}));
  EXPECT_EQ(list(Attr("spend", AttrOp::kGe, 100.0)), (std::vector<Id>{1, 2}));
  EXPECT_EQ(list(Attr("spend", AttrOp::kLt, 100.5)), (std::vector<Id>{1}));
  EXPECT_EQ(list(Attr("spend", AttrOp::kEq, 100.0)), (std::vector<Id>{1}));
  EXPECT_EQ(list(Attr("city", AttrOp::kEq, std::string("Taipei"))), (std::vector<Id>{1}));
  EXPECT_EQ(list(Attr("city", AttrOp::kContains, std::string("Tai"))), (std::vector<Id>{1, 2}));
  EXPECT_EQ(list(Attr("city", AttrOp::kContains, std::string("pei"))), (std::vector<Id>{1}));
  EXPECT_EQ(list(Attr("city", AttrOp::kExists, std::nullopt)), (std::vector<Id>{1, 2}));
  EXPECT_EQ(list(Attr("spend", AttrOp::kExists, std::nullopt)), (std::vector<Id>{1, 2, 3}));
  EXPECT_EQ(list(Attr("vip", AttrOp::kEq, true)), (std::vector<Id>{2}));
  EXPECT_EQ(list(Attr("vip", AttrOp::kNe, true)), (std::vector<Id>{3}));
  EXPECT_EQ(list(Attr("seen", AttrOp::kGe, kNow)), (std::vector<Id>{3}));
  EXPECT_EQ(list(Attr("seen", AttrOp::kGt, kNow)), (std::vector<Id>{}));
  EXPECT_EQ(list(Attr("nothing", AttrOp::kExists, std::nullopt)), (std::vector<Id>{}));
}

TEST(AudienceIndexTest, DictionaryColumnsAccountsAndIds) {
  AudienceIndex index;
  Contact a = MakeContact(1);
  a.locale = "zh_TW";
  a.time_zone = "Asia/Taipei";
  a.assignee = "amy";
  a.conversation_state = ConversationState::kOpen;
  a.identities = {On(7, std::nullopt)};
  Contact b = MakeContact(2);
  b.locale = "en_US";
  b.time_zone = "+05:45";
  b.conversation_state = ConversationState::kClosed;
  index.Upsert(a);
  index.Upsert(b);
  auto list = [&](filter::Predicate p) { return index.List(Node::Leaf(p), kNow, 0, 10); };
  EXPECT_EQ(list(filter::LocalePred{{"zh_TW", "ja_JP"}}), (std::vector<Id>{1}));
  EXPECT_EQ(list(filter::LocalePred{{"zh"}}), (std::vector<Id>{}));
  EXPECT_EQ(list(filter::TimeZonePred{{"+05:45"}}), (std::vector<Id>{2}));
  EXPECT_EQ(list(filter::AssigneePred{"amy"}), (std::vector<Id>{1}));
  EXPECT_EQ(list(filter::AssigneePred{std::nullopt}), (std::vector<Id>{2}));
  EXPECT_EQ(list(filter::ConversationPred{ConversationState::kClosed}), (std::vector<Id>{2}));
  EXPECT_EQ(list(filter::ConversationPred{ConversationState::kInProgress}), (std::vector<Id>{}));
  EXPECT_EQ(list(filter::AccountPred{7}), (std::vector<Id>{1}));
  EXPECT_EQ(list(filter::AccountPred{8}), (std::vector<Id>{}));
  EXPECT_EQ(list(filter::IdsPred{{2, 99}}), (std::vector<Id>{2}));
}

TEST(AudienceIndexTest, UpsertReplacesAndRemoveForgets) {
  AudienceIndex index;
  index.Upsert(MakeContact(1, {"vip"}));
  index.Upsert(MakeContact(2, {"vip"}));
  index.Upsert(MakeContact(1, {"loyal"}));
  EXPECT_EQ(index.List(AnyTag("vip"), kNow, 0, 10), (std::vector<Id>{2}));
  EXPECT_EQ(index.List(AnyTag("loyal"), kNow, 0, 10), (std::vector<Id>{1}));
  index.Remove(2);
  index.Remove(2);   // twice is harmless
  index.Remove(42);  // unknown too
  EXPECT_EQ(index.size(), 1);
  EXPECT_EQ(index.Count(AnyTag("vip"), kNow), 0);
  EXPECT_EQ(index.List(Not(AnyTag("loyal")), kNow, 0, 10), (std::vector<Id>{}));
  EXPECT_EQ(index.List(filter::Node::Leaf(filter::IdsPred{{2}}), kNow, 0, 10), (std::vector<Id>{}));
  index.Upsert(MakeContact(2, {"loyal"}));
  EXPECT_EQ(index.size(), 2);
  EXPECT_EQ(index.List(AnyTag("loyal"), kNow, 0, 10), (std::vector<Id>{1, 2}));
}

TEST(AudienceIndexTest, PagesInIdOrderAlsoAfterOutOfOrderInserts) {
  for (const bool shuffled : {false, true}) {
    AudienceIndex index;
    std::vector<Id> ids;
    for (Id id = 1; id <= 300; ++id) ids.push_back(id * 3);
    if (shuffled) std::shuffle(ids.begin(), ids.end(), std::mt19937(7));
    for (const Id id : ids) index.Upsert(MakeContact(id, {id % 2 == 0 ? "even" : "odd"}));
    std::vector<Id> all;
    Id after = 0;
    while (true) {
      auto page = index.List(AnyTag("even"), kNow, after, 7);
      if (page.empty()) break;
      EXPECT_LE(page.size(), 7u);
      all.insert(all.end(), page.begin(), page.end());
      after = page.back();
    }
    std::vector<Id> want;
    for (Id id = 1; id <= 300; ++id) {
      if ((id * 3) % 2 == 0) want.push_back(id * 3);
    }
    EXPECT_EQ(all, want) << "shuffled=" << shuffled;
    // after_id between ids, and limit boundaries.
    EXPECT_EQ(index.List(AnyTag("even"), kNow, 7, 2), (std::vector<Id>{12, 18}));
    EXPECT_EQ(index.List(AnyTag("even"), kNow, 6, 1), (std::vector<Id>{12}));
    EXPECT_TRUE(index.List(AnyTag("even"), kNow, 0, 0).empty());
    EXPECT_TRUE(index.List(AnyTag("even"), kNow, 900, 5).empty());
  }
}

TEST(AudienceIndexTest, MemoryGrowsWithContacts) {
  AudienceIndex index;
  const std::size_t empty = index.MemoryBytes();
  for (Id id = 1; id <= 10'000; ++id) index.Upsert(MakeContact(id, {"vip"}));
  EXPECT_GT(index.MemoryBytes(), empty + 10'000 * sizeof(Id));
}

TEST(AudienceIndexTest, AndOrNotCombine) {
  AudienceIndex index;
  Contact a = MakeContact(1, {"vip"});
  a.identities = {On(7, kNow - 1h)};
  Contact b = MakeContact(2, {"vip"});
  b.identities = {On(7, kNow - 48h)};
  Contact c = MakeContact(3, {"churned"});
  c.identities = {On(7, kNow - 1h)};
  for (const auto& x : {a, b, c}) index.Upsert(x);
  Node n = And({AnyTag("vip"), InteractedWithin(24h, 7)});
  EXPECT_EQ(index.List(n, kNow, 0, 10), (std::vector<Id>{1}));
  Node o = Or({And({AnyTag("vip"), Not(InteractedWithin(24h, 7))}), AnyTag("churned")});
  EXPECT_EQ(index.List(o, kNow, 0, 10), (std::vector<Id>{2, 3}));
  EXPECT_EQ(index.Count(Not(Node::All()), kNow), 0);
  EXPECT_EQ(index.Count(Or({}), kNow), 0);
}

TEST(AudienceIndexTest, ReadersSeeWholeWritesWhileAWriterAppends) {
  AudienceIndex index;
  constexpr Id kContacts = 20'000;
  std::thread writer([&index] {
    for (Id id = 1; id <= kContacts; ++id) index.Upsert(MakeContact(id, {"vip"}));
  });
  // Readers run beside the writer (under ASan a torn column would show) and see the count
  // only grow, up to every contact written.
  std::int64_t last = 0;
  while (last < kContacts) {
    const std::int64_t n = index.Count(AnyTag("vip"), kNow);
    ASSERT_GE(n, last);
    ASSERT_LE(n, kContacts);
    last = n;
  }
  writer.join();
  EXPECT_EQ(index.size(), kContacts);
}

// --- property: the index agrees with filter::Matches ------------------------------------

class RandomAudience {
 public:
  explicit RandomAudience(std::uint32_t seed) : rng_(seed) {}

  int Pick(int n) { return std::uniform_int_distribution<int>(0, n - 1)(rng_); }
  bool Coin(int percent = 50) { return Pick(100) < percent; }
  template <class T>
  const T& From(const std::vector<T>& v) {
    return v[static_cast<std::size_t>(Pick(static_cast<int>(v.size())))];
  }
  // Hour-aligned times around kNow so that equality and both sides of a boundary occur.
  Time SomeTime() { return kNow - std::chrono::hours(Pick(24 * 10) - 24); }

  AttributeValue SomeValue() {
    switch (Pick(4)) {
      case 0:
        return From(strings_);
      case 1:
        return static_cast<double>(Pick(5) * 50);
      case 2:
        return Coin();
      default:
        return SomeTime();
    }
  }

  Contact SomeContact(Id id) {
    Contact c = MakeContact(id);
    for (const auto& t : tags_) {
      if (Coin(30)) c.tags.push_back(t);
    }
    c.subscription = Coin() ? SubscriptionStatus::kSubscribed : SubscriptionStatus::kUnsubscribed;
    if (Coin(70)) c.subscription_changed_at = SomeTime();
    if (Coin(70)) c.conversation_state = static_cast<ConversationState>(Pick(3));
    c.locale = From(strings_);
    c.time_zone = From(zones_);
    c.assignee = From(assignees_);
    for (int n = Pick(4); n > 0; --n) {
      c.identities.push_back(On(1 + Pick(3), Coin(80) ? std::optional(SomeTime()) : std::nullopt));
    }
    for (const auto& key : keys_) {  // keys_ is sorted, as the model wants
      if (Coin(60)) c.attributes.push_back({key, SomeValue()});
    }
    return c;
  }

  filter::Predicate SomePredicate() {
    auto time_cmp = [&] {
      filter::TimeCmp t{static_cast<filter::Cmp>(Pick(6)), {}};
      if (Coin()) {
        t.point.absolute = SomeTime();
      } else {
        t.point.ago = std::chrono::hours(Pick(24 * 10) - 24);
      }
      return t;
    };
    switch (Pick(11)) {
      case 0: {
        filter::TagPred p{static_cast<filter::TagMatch>(Pick(3)), {}};
        for (int n = Pick(3); n >= 0; --n) p.tags.push_back(Coin(90) ? From(tags_) : "nope");
        return p;
      }
      case 1:
        return filter::SubscriptionPred{static_cast<SubscriptionStatus>(Pick(2))};
      case 2:
        return filter::SubscribedAtPred{time_cmp()};
      case 3:
        return filter::InteractedPred{Coin() ? std::optional<Id>(1 + Pick(4)) : std::nullopt,
                                      time_cmp()};
      case 4: {
        filter::AttrPred p{
            Coin(90) ? From(keys_) : "nope", static_cast<filter::AttrOp>(Pick(8)), {}};
        if (p.op != filter::AttrOp::kExists || Coin(10)) p.value = SomeValue();
        if (p.op == filter::AttrOp::kContains && Coin()) p.value = From(fragments_);
        return p;
      }
      case 5:
        return filter::LocalePred{{From(strings_), From(strings_)}};
      case 6:
        return filter::TimeZonePred{{From(zones_)}};
      case 7:
        return filter::ConversationPred{static_cast<ConversationState>(Pick(3))};
      case 8:
        return filter::AssigneePred{Coin() ? std::optional(From(assignees_)) : std::nullopt};
      case 9:
        return filter::AccountPred{1 + Pick(4)};
      default: {
        filter::IdsPred p;
        for (int n = Pick(20); n > 0; --n) p.contact_ids.push_back(1 + Pick(3000));
        std::sort(p.contact_ids.begin(), p.contact_ids.end());
        p.contact_ids.erase(std::unique(p.contact_ids.begin(), p.contact_ids.end()),
                            p.contact_ids.end());
        return p;
      }
    }
  }

  Node SomeNode(int depth) {
    if (depth == 0 || Coin(40)) return Node::Leaf(SomePredicate());
    switch (Pick(3)) {
      case 0:
        return Not(SomeNode(depth - 1));
      default: {
        std::vector<Node> children;
        for (int n = Pick(4); n > 0; --n) children.push_back(SomeNode(depth - 1));
        return Coin() ? And(std::move(children)) : Or(std::move(children));
      }
    }
  }

 private:
  std::mt19937 rng_;
  std::vector<std::string> tags_{"vip", "loyal", "new", "churned", "b2b", "x"};
  std::vector<std::string> keys_{"city", "seen", "spend", "vip"};
  std::vector<std::string> strings_{"", "Taipei", "Tainan", "en_US", "zh_TW", "100"};
  std::vector<std::string> fragments_{"Tai", "pei", "", "_", "z"};
  std::vector<std::string> zones_{"", "Asia/Taipei", "+05:45"};
  std::vector<std::string> assignees_{"", "amy", "bob"};
};

void ExpectAgrees(const AudienceIndex& index, const std::map<Id, Contact>& reference,
                  RandomAudience& random, int filters) {
  for (int i = 0; i < filters; ++i) {
    const Node node = random.SomeNode(3);
    const Time now = kNow + std::chrono::minutes(random.Pick(120) - 60);
    std::vector<Id> want;
    for (const auto& [id, contact] : reference) {
      if (filter::Matches(node, contact, now)) want.push_back(id);
    }
    ASSERT_EQ(index.Count(node, now), static_cast<std::int64_t>(want.size())) << "filter #" << i;
    const Id after = random.Coin() ? 0 : random.Pick(3000);
    const int limit = 1 + random.Pick(50);
    std::vector<Id> page;
    for (const Id id : want) {
      if (id > after && page.size() < static_cast<std::size_t>(limit)) page.push_back(id);
    }
    ASSERT_EQ(index.List(node, now, after, limit), page)
        << "filter #" << i << " after " << after << " limit " << limit;
  }
}

TEST(AudienceIndexPropertyTest, AgreesWithFullScanThroughUpsertsAndRemoves) {
  for (const bool ascending : {true, false}) {
    RandomAudience random(ascending ? 11 : 12);
    AudienceIndex index;
    std::map<Id, Contact> reference;
    std::vector<Id> ids;
    for (Id id = 1; id <= 2000; ++id) {
      if (random.Coin(75)) ids.push_back(id);
    }
    if (!ascending) std::shuffle(ids.begin(), ids.end(), std::mt19937(5));
    for (const Id id : ids) {
      Contact c = random.SomeContact(id);
      index.Upsert(c);
      reference[id] = std::move(c);
    }
    ExpectAgrees(index, reference, random, 300);

    for (int i = 0; i < 1500; ++i) {
      const Id id = 1 + random.Pick(3000);
      if (random.Coin(30)) {
        index.Remove(id);
        reference.erase(id);
      } else {
        Contact c = random.SomeContact(id);
        index.Upsert(c);
        reference[id] = std::move(c);
      }
    }
    EXPECT_EQ(index.size(), static_cast<std::int64_t>(reference.size()));
    ExpectAgrees(index, reference, random, 300);
  }
}

}  // namespace
}  // namespace crier::engine
