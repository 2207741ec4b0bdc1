#include "core/filter.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace crier::filter {
namespace {

using namespace std::chrono_literals;

Time At(const char* rfc3339) {
  Time t{};
  EXPECT_TRUE(ParseRfc3339(rfc3339, &t)) << rfc3339;
  return t;
}

const Time kNow = At("2026-11-21T12:00:00Z");

Node Leaf(Predicate p) { return Node::Leaf(std::move(p)); }
Node And(std::vector<Node> c) { return Node{Node::Kind::kAnd, std::move(c), std::nullopt}; }
Node Or(std::vector<Node> c) { return Node{Node::Kind::kOr, std::move(c), std::nullopt}; }
Node Not(Node c) { return Node{Node::Kind::kNot, {std::move(c)}, std::nullopt}; }

TimeCmp Ago(Cmp cmp, Duration ago) { return TimeCmp{cmp, TimePoint{std::nullopt, ago}}; }
TimeCmp Abs(Cmp cmp, Time t) { return TimeCmp{cmp, TimePoint{t, Duration(0)}}; }

Contact WithTags(std::vector<std::string> tags) {
  Contact c;
  c.id = 1;
  c.tags = std::move(tags);
  return c;
}

Contact WithInbound(Id account, std::optional<Time> at) {
  Contact c;
  c.id = 1;
  c.identities.push_back(Identity{account, "psid", at, WindowOpener::kOrganic, false});
  return c;
}

Contact WithAttr(std::string key, AttributeValue v) {
  Contact c;
  c.id = 1;
  c.attributes.push_back(Attribute{"a_first", std::string("x")});
  c.attributes.push_back(Attribute{std::move(key), std::move(v)});
  c.attributes.push_back(Attribute{"zz_last", 1.0});
  return c;
}

Node AttrNode(std::string key, AttrOp op, std::optional<AttributeValue> v) {
  return Leaf(AttrPred{std::move(key), op, std::move(v)});
}

TEST(FilterMatchesTest, EmptyFilterMatchesEveryone) {
  EXPECT_TRUE(Matches(Node::All(), Contact{}, kNow));
  EXPECT_FALSE(Matches(Or({}), Contact{}, kNow));
}

TEST(FilterMatchesTest, TagsAnyAllNone) {
  const Node any = Leaf(TagPred{TagMatch::kAnyOf, {"vip", "gold"}});
  const Node all = Leaf(TagPred{TagMatch::kAllOf, {"vip", "gold"}});
  const Node none = Leaf(TagPred{TagMatch::kNoneOf, {"vip", "gold"}});
  const Contact both = WithTags({"gold", "x", "vip"});
  const Contact one = WithTags({"gold"});
  const Contact neither = WithTags({"silver"});
  const Contact empty = WithTags({});
  EXPECT_TRUE(Matches(any, both, kNow));
  EXPECT_TRUE(Matches(any, one, kNow));
  EXPECT_FALSE(Matches(any, neither, kNow));
  EXPECT_FALSE(Matches(any, empty, kNow));
  EXPECT_TRUE(Matches(all, both, kNow));
  EXPECT_FALSE(Matches(all, one, kNow));
  EXPECT_FALSE(Matches(none, both, kNow));
  EXPECT_FALSE(Matches(none, one, kNow));
  EXPECT_TRUE(Matches(none, neither, kNow));
  EXPECT_TRUE(Matches(none, empty, kNow));
  // Tag names are case-sensitive.
  EXPECT_FALSE(Matches(any, WithTags({"VIP"}), kNow));
}

TEST(FilterMatchesTest, Subscription) {
  Contact c;
  const Node subscribed = Leaf(SubscriptionPred{SubscriptionStatus::kSubscribed});
  const Node unsubscribed = Leaf(SubscriptionPred{SubscriptionStatus::kUnsubscribed});
  EXPECT_TRUE(Matches(subscribed, c, kNow));
  EXPECT_FALSE(Matches(unsubscribed, c, kNow));
  c.subscription = SubscriptionStatus::kUnsubscribed;
  EXPECT_FALSE(Matches(subscribed, c, kNow));
  EXPECT_TRUE(Matches(unsubscribed, c, kNow));
}

TEST(FilterMatchesTest, SubscribedAtRelativeAndAbsolute) {
  Contact c;
  const Node within_day = Leaf(SubscribedAtPred{Ago(Cmp::kGt, 24h)});  // "< 24h" as an age
  EXPECT_FALSE(Matches(within_day, c, kNow)) << "never changed: no time to compare";
  EXPECT_TRUE(Matches(Not(within_day), c, kNow));
  c.subscription_changed_at = kNow - 23h - 59min;
  EXPECT_TRUE(Matches(within_day, c, kNow));
  c.subscription_changed_at = kNow - 24h - 1min;
  EXPECT_FALSE(Matches(within_day, c, kNow));
  c.subscription_changed_at = kNow - 24h;  // exactly 24 h ago is not "less than 24 h ago"
  EXPECT_FALSE(Matches(within_day, c, kNow));

  const Node before = Leaf(SubscribedAtPred{Abs(Cmp::kLt, At("2026-11-01T00:00:00Z"))});
  c.subscription_changed_at = At("2026-10-31T23:59:59.999Z");
  EXPECT_TRUE(Matches(before, c, kNow));
  c.subscription_changed_at = At("2026-11-01T00:00:00Z");
  EXPECT_FALSE(Matches(before, c, kNow));
}

TEST(FilterMatchesTest, InteractedWithinADay) {
  const Node within_day = Leaf(InteractedPred{std::nullopt, Ago(Cmp::kGt, 24h)});
  EXPECT_TRUE(Matches(within_day, WithInbound(7, kNow - 23h - 59min), kNow));
  EXPECT_FALSE(Matches(within_day, WithInbound(7, kNow - 24h - 1min), kNow));
  EXPECT_FALSE(Matches(within_day, WithInbound(7, std::nullopt), kNow));
  EXPECT_FALSE(Matches(within_day, Contact{}, kNow));
  // The same tree means something else later: relative times resolve on the given now.
  EXPECT_FALSE(Matches(within_day, WithInbound(7, kNow - 23h), kNow + 2h));
}

TEST(FilterMatchesTest, InteractedMoreThanAWeekAgo) {
  const Node week_ago = Leaf(InteractedPred{std::nullopt, Ago(Cmp::kLt, 7 * 24h)});
  EXPECT_TRUE(Matches(week_ago, WithInbound(7, kNow - 7 * 24h - 1min), kNow));
  EXPECT_FALSE(Matches(week_ago, WithInbound(7, kNow - 7 * 24h + 1min), kNow));
  EXPECT_FALSE(Matches(week_ago, WithInbound(7, std::nullopt), kNow))
      << "never interacted is not 'more than a week ago'";
}

TEST(FilterMatchesTest, InteractedOnOneAccountOrAny) {
  Contact c = WithInbound(7, kNow - 48h);
  c.identities.push_back(Identity{8, "igsid", kNow - 1h, WindowOpener::kOrganic, false});
  const Node any = Leaf(InteractedPred{std::nullopt, Ago(Cmp::kGt, 24h)});
  const Node on7 = Leaf(InteractedPred{Id{7}, Ago(Cmp::kGt, 24h)});
  const Node on8 = Leaf(InteractedPred{Id{8}, Ago(Cmp::kGt, 24h)});
  const Node on9 = Leaf(InteractedPred{Id{9}, Ago(Cmp::kGt, 24h)});
  EXPECT_TRUE(Matches(any, c, kNow));
  EXPECT_FALSE(Matches(on7, c, kNow));
  EXPECT_TRUE(Matches(on8, c, kNow));
  EXPECT_FALSE(Matches(on9, c, kNow));
  // "Any account" uses the latest interaction, so "more than a day ago" is false here.
  const Node stale = Leaf(InteractedPred{std::nullopt, Ago(Cmp::kLt, 24h)});
  EXPECT_FALSE(Matches(stale, c, kNow));
  EXPECT_TRUE(Matches(Leaf(InteractedPred{Id{7}, Ago(Cmp::kLt, 24h)}), c, kNow));
}

TEST(FilterMatchesTest, InteractedAbsoluteComparisons) {
  const Time t = At("2026-11-01T00:00:00Z");
  const Contact c = WithInbound(7, t);
  const Contact later = WithInbound(7, t + 1ms);
  const auto node = [&](Cmp cmp) { return Leaf(InteractedPred{std::nullopt, Abs(cmp, t)}); };
  EXPECT_TRUE(Matches(node(Cmp::kEq), c, kNow));
  EXPECT_FALSE(Matches(node(Cmp::kEq), later, kNow));
  EXPECT_FALSE(Matches(node(Cmp::kNe), c, kNow));
  EXPECT_TRUE(Matches(node(Cmp::kNe), later, kNow));
  EXPECT_FALSE(Matches(node(Cmp::kGt), c, kNow));
  EXPECT_TRUE(Matches(node(Cmp::kGt), later, kNow));
  EXPECT_TRUE(Matches(node(Cmp::kGe), c, kNow));
  EXPECT_FALSE(Matches(node(Cmp::kLt), c, kNow));
  EXPECT_TRUE(Matches(node(Cmp::kLe), c, kNow));
  EXPECT_FALSE(Matches(node(Cmp::kLe), later, kNow));
}

TEST(FilterMatchesTest, AttrNumbers) {
  const Node lt10 = AttrNode("spend", AttrOp::kLt, 10.0);
  EXPECT_TRUE(Matches(lt10, WithAttr("spend", 9.99), kNow));
  EXPECT_FALSE(Matches(lt10, WithAttr("spend", 10.0), kNow));
  const Node le10 = AttrNode("spend", AttrOp::kLe, 10.0);
  EXPECT_TRUE(Matches(le10, WithAttr("spend", 10.0), kNow));
  EXPECT_FALSE(Matches(le10, WithAttr("spend", 10.01), kNow));
  const Node gt10 = AttrNode("spend", AttrOp::kGt, 10.0);
  EXPECT_TRUE(Matches(gt10, WithAttr("spend", 10.01), kNow));
  EXPECT_FALSE(Matches(gt10, WithAttr("spend", 10.0), kNow));
  const Node ge10 = AttrNode("spend", AttrOp::kGe, 10.0);
  EXPECT_TRUE(Matches(ge10, WithAttr("spend", 10.0), kNow));
  EXPECT_FALSE(Matches(ge10, WithAttr("spend", 9.99), kNow));
  const Node eq10 = AttrNode("spend", AttrOp::kEq, 10.0);
  EXPECT_TRUE(Matches(eq10, WithAttr("spend", 10.0), kNow));
  EXPECT_FALSE(Matches(eq10, WithAttr("spend", 9.99), kNow));
  // Numerically, not as text: "9" < "10" is false as strings, true as numbers.
  EXPECT_TRUE(Matches(lt10, WithAttr("spend", 9.0), kNow));
}

TEST(FilterMatchesTest, AttrStringsCompareLexicographically) {
  EXPECT_TRUE(Matches(AttrNode("city", AttrOp::kEq, std::string("Taipei")),
                      WithAttr("city", std::string("Taipei")), kNow));
  EXPECT_FALSE(Matches(AttrNode("city", AttrOp::kEq, std::string("Taipei")),
                       WithAttr("city", std::string("taipei")), kNow));
  EXPECT_TRUE(Matches(AttrNode("city", AttrOp::kNe, std::string("Taipei")),
                      WithAttr("city", std::string("Tainan")), kNow));
  EXPECT_TRUE(Matches(AttrNode("v", AttrOp::kLt, std::string("9")),
                      WithAttr("v", std::string("10")), kNow));
  EXPECT_FALSE(Matches(AttrNode("v", AttrOp::kLt, std::string("10")),
                       WithAttr("v", std::string("9")), kNow));
  EXPECT_TRUE(
      Matches(AttrNode("v", AttrOp::kGe, std::string("b")), WithAttr("v", std::string("b")), kNow));
  EXPECT_FALSE(
      Matches(AttrNode("v", AttrOp::kGt, std::string("b")), WithAttr("v", std::string("b")), kNow));
}

TEST(FilterMatchesTest, AttrTimesCompareAsTimes) {
  const Time t = At("2026-11-01T00:00:00Z");
  const Node after = AttrNode("joined", AttrOp::kGt, t);
  EXPECT_TRUE(Matches(after, WithAttr("joined", t + 1ms), kNow));
  EXPECT_FALSE(Matches(after, WithAttr("joined", t), kNow));
  EXPECT_TRUE(Matches(AttrNode("joined", AttrOp::kLe, t), WithAttr("joined", t), kNow));
}

TEST(FilterMatchesTest, AttrBooleans) {
  EXPECT_TRUE(Matches(AttrNode("member", AttrOp::kEq, true), WithAttr("member", true), kNow));
  EXPECT_FALSE(Matches(AttrNode("member", AttrOp::kEq, true), WithAttr("member", false), kNow));
  EXPECT_TRUE(Matches(AttrNode("member", AttrOp::kNe, true), WithAttr("member", false), kNow));
  EXPECT_FALSE(Matches(AttrNode("member", AttrOp::kLt, true), WithAttr("member", false), kNow))
      << "booleans have no order";
}

TEST(FilterMatchesTest, AttrTypeMismatchNeverMatches) {
  const Contact text_ten = WithAttr("spend", std::string("10"));
  for (AttrOp op : {AttrOp::kEq, AttrOp::kNe, AttrOp::kLt, AttrOp::kLe, AttrOp::kGt, AttrOp::kGe}) {
    EXPECT_FALSE(Matches(AttrNode("spend", op, 10.0), text_ten, kNow));
  }
  EXPECT_FALSE(Matches(AttrNode("spend", AttrOp::kNe, true), WithAttr("spend", 1.0), kNow));
  EXPECT_FALSE(Matches(AttrNode("spend", AttrOp::kEq, At("2026-11-01T00:00:00Z")),
                       WithAttr("spend", 1.0), kNow));
}

TEST(FilterMatchesTest, AttrMissingMatchesNoComparison) {
  const Contact c = WithAttr("other", 1.0);
  EXPECT_FALSE(Matches(AttrNode("spend", AttrOp::kNe, 10.0), c, kNow));
  EXPECT_FALSE(Matches(AttrNode("spend", AttrOp::kExists, std::nullopt), c, kNow));
  EXPECT_TRUE(Matches(AttrNode("other", AttrOp::kExists, std::nullopt), c, kNow));
  EXPECT_TRUE(Matches(AttrNode("a_first", AttrOp::kExists, std::nullopt), c, kNow));
  EXPECT_TRUE(Matches(AttrNode("zz_last", AttrOp::kExists, std::nullopt), c, kNow));
  EXPECT_FALSE(Matches(AttrNode("spend", AttrOp::kExists, std::nullopt), Contact{}, kNow));
}

TEST(FilterMatchesTest, AttrContainsIsASubstringOfStrings) {
  const Node has_pei = AttrNode("city", AttrOp::kContains, std::string("pei"));
  EXPECT_TRUE(Matches(has_pei, WithAttr("city", std::string("Taipei")), kNow));
  EXPECT_TRUE(Matches(has_pei, WithAttr("city", std::string("pei")), kNow));
  EXPECT_FALSE(Matches(has_pei, WithAttr("city", std::string("Pei")), kNow));
  EXPECT_FALSE(Matches(has_pei, WithAttr("city", std::string("pe")), kNow));
  EXPECT_FALSE(
      Matches(AttrNode("n", AttrOp::kContains, std::string("1")), WithAttr("n", 1.0), kNow));
}

TEST(FilterMatchesTest, LocaleAndTimeZone) {
  Contact c;
  const Node zh = Leaf(LocalePred{{"zh_TW", "en_US"}});
  const Node tpe = Leaf(TimeZonePred{{"Asia/Taipei"}});
  EXPECT_FALSE(Matches(zh, c, kNow)) << "unknown locale matches no list";
  EXPECT_FALSE(Matches(tpe, c, kNow));
  c.locale = "zh_TW";
  c.time_zone = "Asia/Taipei";
  EXPECT_TRUE(Matches(zh, c, kNow));
  EXPECT_TRUE(Matches(tpe, c, kNow));
  c.locale = "zh_HK";
  c.time_zone = "Asia/Tokyo";
  EXPECT_FALSE(Matches(zh, c, kNow));
  EXPECT_FALSE(Matches(tpe, c, kNow));
  c.locale = "en_US";
  EXPECT_TRUE(Matches(zh, c, kNow));
  EXPECT_FALSE(Matches(Leaf(LocalePred{{""}}), Contact{}, kNow));
}

TEST(FilterMatchesTest, ConversationState) {
  Contact c;
  const Node open = Leaf(ConversationPred{ConversationState::kOpen});
  EXPECT_FALSE(Matches(open, c, kNow)) << "no conversation yet";
  c.conversation_state = ConversationState::kOpen;
  EXPECT_TRUE(Matches(open, c, kNow));
  c.conversation_state = ConversationState::kInProgress;
  EXPECT_FALSE(Matches(open, c, kNow));
  EXPECT_TRUE(Matches(Leaf(ConversationPred{ConversationState::kInProgress}), c, kNow));
}

TEST(FilterMatchesTest, Assignee) {
  Contact c;
  const Node alice = Leaf(AssigneePred{"alice"});
  const Node nobody = Leaf(AssigneePred{std::nullopt});
  EXPECT_FALSE(Matches(alice, c, kNow));
  EXPECT_TRUE(Matches(nobody, c, kNow));
  c.assignee = "alice";
  EXPECT_TRUE(Matches(alice, c, kNow));
  EXPECT_FALSE(Matches(nobody, c, kNow));
  c.assignee = "alicia";
  EXPECT_FALSE(Matches(alice, c, kNow));
}

TEST(FilterMatchesTest, Account) {
  const Node on7 = Leaf(AccountPred{7});
  EXPECT_TRUE(Matches(on7, WithInbound(7, std::nullopt), kNow));
  EXPECT_FALSE(Matches(on7, WithInbound(8, kNow), kNow));
  EXPECT_FALSE(Matches(on7, Contact{}, kNow));
}

TEST(FilterMatchesTest, ExplicitIds) {
  const Node ids = Leaf(IdsPred{{2, 5, 9}});
  Contact c;
  for (Id id : {2, 5, 9}) {
    c.id = id;
    EXPECT_TRUE(Matches(ids, c, kNow)) << id;
  }
  for (Id id : {1, 3, 6, 10}) {
    c.id = id;
    EXPECT_FALSE(Matches(ids, c, kNow)) << id;
  }
}

TEST(FilterMatchesTest, AndOrNot) {
  const Node vip = Leaf(TagPred{TagMatch::kAnyOf, {"vip"}});
  const Node churned = Leaf(TagPred{TagMatch::kAnyOf, {"churned"}});
  const Node recent = Leaf(InteractedPred{std::nullopt, Ago(Cmp::kGt, 24h)});
  const Node f = And({vip, recent, Not(churned)});
  Contact c = WithInbound(7, kNow - 1h);
  c.tags = {"vip"};
  EXPECT_TRUE(Matches(f, c, kNow));
  c.tags = {"vip", "churned"};
  EXPECT_FALSE(Matches(f, c, kNow));
  c.tags = {"churned"};
  EXPECT_TRUE(Matches(Or({vip, churned}), c, kNow));
  EXPECT_FALSE(Matches(Or({vip, Not(churned)}), c, kNow));
}

TEST(FilterEqualityTest, ComparesStructureAndMeaning) {
  const Node a = And({Leaf(TagPred{TagMatch::kAnyOf, {"vip"}}),
                      Not(Leaf(InteractedPred{Id{3}, Ago(Cmp::kGt, 24h)}))});
  Node b = a;
  EXPECT_EQ(a, b);
  b.children[1].children[0] = Leaf(InteractedPred{Id{4}, Ago(Cmp::kGt, 24h)});
  EXPECT_FALSE(a == b);
  EXPECT_FALSE(And({a.children[0], a.children[1]}) == Or({a.children[0], a.children[1]}));
  EXPECT_FALSE(Leaf(TagPred{TagMatch::kAnyOf, {"vip"}}) ==
               Leaf(TagPred{TagMatch::kAllOf, {"vip"}}));
  EXPECT_FALSE(Leaf(AccountPred{1}) == Leaf(IdsPred{{1}}));
  // `ago` means nothing once a time is absolute.
  const Time t = At("2026-11-01T00:00:00Z");
  EXPECT_EQ(Leaf(SubscribedAtPred{TimeCmp{Cmp::kLt, TimePoint{t, 5min}}}),
            Leaf(SubscribedAtPred{TimeCmp{Cmp::kLt, TimePoint{t, Duration(0)}}}));
  EXPECT_FALSE(Leaf(SubscribedAtPred{Abs(Cmp::kLt, t)}) ==
               Leaf(SubscribedAtPred{Ago(Cmp::kLt, 5min)}));
  EXPECT_FALSE(AttrNode("k", AttrOp::kEq, 1.0) == AttrNode("k", AttrOp::kEq, true));
  EXPECT_EQ(AttrNode("k", AttrOp::kEq, 1.0), AttrNode("k", AttrOp::kEq, 1.0));
}

}  // namespace
}  // namespace crier::filter
