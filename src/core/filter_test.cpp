#include "core/filter.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <random>
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

constexpr const char* kPredicatesForTest =
    "a predicate (tag, subscribed, unsubscribed, subscribed_at, interacted, attr, locale, "
    "timezone, state, assignee, account, ids, segment, all)";

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

// --- text form ----------------------------------------------------------------------------

Node Parsed(std::string_view text) {
  auto r = ParseText(text);
  EXPECT_TRUE(r.ok()) << text << ": " << (r.ok() ? "" : r.error().ToString());
  return r.ok() ? r.value() : Node::All();
}

std::string ParseError(std::string_view text) {
  auto r = ParseText(text);
  EXPECT_FALSE(r.ok()) << text << " parsed as " << (r.ok() ? ToText(*r) : "");
  if (r.ok()) return "";
  EXPECT_EQ(r.error().field, "filter");
  EXPECT_EQ(r.error().code, ErrorCode::kInvalidArgument);
  return r.error().message;
}

Node Tag(std::string t) { return Leaf(TagPred{TagMatch::kAnyOf, {std::move(t)}}); }

TEST(FilterParseTest, TheIssueExample) {
  const Node n =
      Parsed("tag:vip and interacted < 24h and not tag:churned and attr.city = \"Taipei\"");
  const Node want =
      And({Tag("vip"), Leaf(InteractedPred{std::nullopt, Ago(Cmp::kGt, 24h)}), Not(Tag("churned")),
           AttrNode("city", AttrOp::kEq, std::string("Taipei"))});
  EXPECT_EQ(n, want) << ToText(n);
}

TEST(FilterParseTest, EmptyTextIsEveryone) {
  EXPECT_EQ(Parsed(""), Node::All());
  EXPECT_EQ(Parsed("  \n\t "), Node::All());
  EXPECT_EQ(Parsed("all"), Node::All());
}

TEST(FilterParseTest, AndBindsTighterThanOr) {
  EXPECT_EQ(Parsed("tag:a or tag:b and tag:c"), Or({Tag("a"), And({Tag("b"), Tag("c")})}));
  EXPECT_EQ(Parsed("tag:a and tag:b or tag:c"), Or({And({Tag("a"), Tag("b")}), Tag("c")}));
  EXPECT_EQ(Parsed("(tag:a or tag:b) and tag:c"), And({Or({Tag("a"), Tag("b")}), Tag("c")}));
  EXPECT_EQ(Parsed("tag:a and tag:b and tag:c"), And({Tag("a"), Tag("b"), Tag("c")}));
  EXPECT_EQ(Parsed("not tag:a and tag:b"), And({Not(Tag("a")), Tag("b")}));
  EXPECT_EQ(Parsed("not (tag:a and tag:b)"), Not(And({Tag("a"), Tag("b")})));
  EXPECT_EQ(Parsed("not not tag:a"), Not(Not(Tag("a"))));
  EXPECT_EQ(Parsed("((tag:a))"), Tag("a"));
}

TEST(FilterParseTest, KeywordsAreCaseInsensitiveNamesAreNot) {
  EXPECT_EQ(Parsed("TAG:VIP AND NOT Tag:x OR Subscribed"),
            Or({And({Tag("VIP"), Not(Tag("x"))}),
                Leaf(SubscriptionPred{SubscriptionStatus::kSubscribed})}));
  EXPECT_EQ(Parsed("STATE = In_Progress"), Leaf(ConversationPred{ConversationState::kInProgress}));
  EXPECT_EQ(Parsed("attr.X EXISTS"), AttrNode("X", AttrOp::kExists, std::nullopt));
}

TEST(FilterParseTest, Tags) {
  EXPECT_EQ(Parsed("tag:vip-2026.gold"), Tag("vip-2026.gold"));
  EXPECT_EQ(Parsed("tag:\"big spender\""), Tag("big spender"));
  EXPECT_EQ(Parsed("tag:會員"), Tag("會員"));
  EXPECT_EQ(Parsed("tag any(a, \"b c\")"), Leaf(TagPred{TagMatch::kAnyOf, {"a", "b c"}}));
  EXPECT_EQ(Parsed("tag all(a,b)"), Leaf(TagPred{TagMatch::kAllOf, {"a", "b"}}));
  EXPECT_EQ(Parsed("tag none( a )"), Leaf(TagPred{TagMatch::kNoneOf, {"a"}}));
  EXPECT_EQ(Parsed("tag:and"), Tag("and"));
}

TEST(FilterParseTest, SubscriptionAndTimes) {
  EXPECT_EQ(Parsed("unsubscribed"), Leaf(SubscriptionPred{SubscriptionStatus::kUnsubscribed}));
  EXPECT_EQ(Parsed("subscribed_at > 7d"), Leaf(SubscribedAtPred{Ago(Cmp::kLt, 7 * 24h)}));
  EXPECT_EQ(Parsed("subscribed_at >= 2026-11-01T00:00:00Z"),
            Leaf(SubscribedAtPred{Abs(Cmp::kGe, At("2026-11-01T00:00:00Z"))}));
  EXPECT_EQ(Parsed("subscribed_at < 2026-11-01T08:00:00+08:00"),
            Leaf(SubscribedAtPred{Abs(Cmp::kLt, At("2026-11-01T00:00:00Z"))}));
}

TEST(FilterParseTest, RelativeTimesReadAsAges) {
  const auto when = [](std::string_view text) {
    const Node n = Parsed(text);
    return std::get<InteractedPred>(*n.predicate).when;
  };
  EXPECT_EQ(when("interacted < 24h").cmp, Cmp::kGt);
  EXPECT_EQ(when("interacted <= 24h").cmp, Cmp::kGe);
  EXPECT_EQ(when("interacted > 7d").cmp, Cmp::kLt);
  EXPECT_EQ(when("interacted >= 7d").cmp, Cmp::kLe);
  EXPECT_EQ(when("interacted = 30m").cmp, Cmp::kEq);
  EXPECT_EQ(when("interacted != 30m").cmp, Cmp::kNe);
  EXPECT_EQ(when("interacted < 30m").point.ago, 30min);
  EXPECT_EQ(when("interacted < 45s").point.ago, 45s);
  EXPECT_EQ(when("interacted < 1500ms").point.ago, 1500ms);
  EXPECT_EQ(when("interacted < 2H").point.ago, 2h);
  EXPECT_EQ(when("interacted < 0m").point.ago, 0min);
  // Parsed and evaluated: the boundary of the issue's example.
  const Node n = Parsed("interacted < 24h");
  EXPECT_TRUE(Matches(n, WithInbound(1, kNow - 23h - 59min), kNow));
  EXPECT_FALSE(Matches(n, WithInbound(1, kNow - 24h - 1min), kNow));
  const Node old = Parsed("interacted > 7d");
  EXPECT_TRUE(Matches(old, WithInbound(1, kNow - 7 * 24h - 1min), kNow));
  EXPECT_FALSE(Matches(old, WithInbound(1, kNow - 7 * 24h + 1min), kNow));
}

TEST(FilterParseTest, InteractedOnOneAccount) {
  EXPECT_EQ(Parsed("interacted@12 < 24h"), Leaf(InteractedPred{Id{12}, Ago(Cmp::kGt, 24h)}));
  EXPECT_EQ(Parsed("interacted @ 12 < 24h"), Leaf(InteractedPred{Id{12}, Ago(Cmp::kGt, 24h)}));
}

TEST(FilterParseTest, AttrValues) {
  EXPECT_EQ(Parsed("attr.spend < 10"), AttrNode("spend", AttrOp::kLt, 10.0));
  EXPECT_EQ(Parsed("attr.spend<=-2.5e3"), AttrNode("spend", AttrOp::kLe, -2500.0));
  EXPECT_EQ(Parsed("attr.spend > 0.1"), AttrNode("spend", AttrOp::kGt, 0.1));
  EXPECT_EQ(Parsed("attr.spend >= 1E+2"), AttrNode("spend", AttrOp::kGe, 100.0));
  EXPECT_EQ(Parsed("attr.member != true"), AttrNode("member", AttrOp::kNe, true));
  EXPECT_EQ(Parsed("attr.member = FALSE"), AttrNode("member", AttrOp::kEq, false));
  EXPECT_EQ(Parsed("attr.joined > 2026-11-01T00:00:00Z"),
            AttrNode("joined", AttrOp::kGt, At("2026-11-01T00:00:00Z")));
  EXPECT_EQ(Parsed("attr.city = \"Tai\\\"pei\\u00e9\""),
            AttrNode("city", AttrOp::kEq, std::string("Tai\"pei\xc3\xa9")));
  EXPECT_EQ(Parsed("attr.emoji = \"\\ud83d\\ude00\""),
            AttrNode("emoji", AttrOp::kEq, std::string("\xf0\x9f\x98\x80")));
  EXPECT_EQ(Parsed("attr.n = \"10\""), AttrNode("n", AttrOp::kEq, std::string("10")));
  EXPECT_EQ(Parsed("attr.city contains \"pei\""),
            AttrNode("city", AttrOp::kContains, std::string("pei")));
  EXPECT_EQ(Parsed("attr.a_1 exists"), AttrNode("a_1", AttrOp::kExists, std::nullopt));
  EXPECT_EQ(Parsed("attr." + std::string(64, 'k') + " exists"),
            AttrNode(std::string(64, 'k'), AttrOp::kExists, std::nullopt));
}

TEST(FilterParseTest, LocaleZoneStateAssigneeAccountIds) {
  EXPECT_EQ(Parsed("locale = \"zh_TW\""), Leaf(LocalePred{{"zh_TW"}}));
  EXPECT_EQ(Parsed("locale in (\"zh_TW\", \"en_US\")"), Leaf(LocalePred{{"zh_TW", "en_US"}}));
  EXPECT_EQ(Parsed("timezone = \"Asia/Taipei\""), Leaf(TimeZonePred{{"Asia/Taipei"}}));
  EXPECT_EQ(Parsed("time_zone in (\"+05:45\")"), Leaf(TimeZonePred{{"+05:45"}}));
  EXPECT_EQ(Parsed("state = open"), Leaf(ConversationPred{ConversationState::kOpen}));
  EXPECT_EQ(Parsed("state = closed"), Leaf(ConversationPred{ConversationState::kClosed}));
  EXPECT_EQ(Parsed("assignee = \"alice\""), Leaf(AssigneePred{"alice"}));
  EXPECT_EQ(Parsed("assignee = none"), Leaf(AssigneePred{std::nullopt}));
  EXPECT_EQ(Parsed("assignee = \"none\""), Leaf(AssigneePred{"none"}));
  EXPECT_EQ(Parsed("account = 12"), Leaf(AccountPred{12}));
  EXPECT_EQ(Parsed("ids(3, 1, 2, 3)"), Leaf(IdsPred{{1, 2, 3}})) << "sorted and unique";
  EXPECT_EQ(Parsed("ids(9223372036854775807)"), Leaf(IdsPred{{9223372036854775807}}));
}

TEST(FilterParseTest, MalformedInputSaysWhereAndWhat) {
  EXPECT_EQ(ParseError("tag:vip and"),
            "at 11: expected " + std::string(kPredicatesForTest) + ", found the end of the filter");
  EXPECT_EQ(ParseError("interacted < soon"),
            "at 13: expected a duration like 24h or a time like 2026-11-01T00:00:00Z, found "
            "\"soon\"");
  EXPECT_EQ(ParseError("(tag:a"), "at 6: expected \")\", and or or, found the end of the filter");
  EXPECT_EQ(ParseError("tag:a)"), "at 5: expected and, or or the end of the filter, found \")\"");
  EXPECT_EQ(ParseError("tag any()"), "at 8: expected a tag name, found \")\"");
  EXPECT_EQ(ParseError("attr.city = \"Taipei"),
            "at 12: expected a closing \" for this text, found the end of the filter");
  EXPECT_EQ(ParseError("interacted < 24x"),
            "at 13: expected a duration like 24h or a time like 2026-11-01T00:00:00Z, found "
            "\"24x\"");
  EXPECT_EQ(ParseError("interacted < -1h"),
            "at 13: expected a duration like 24h or a time like 2026-11-01T00:00:00Z, found "
            "\"-1h\"");
  EXPECT_EQ(ParseError("tag:vip or not"),
            "at 14: expected " + std::string(kPredicatesForTest) + ", found the end of the filter");
  EXPECT_EQ(ParseError("attr.b < true"),
            "at 9: expected a number, text or time after <, found \"true\" (true and false "
            "compare only with = and !=)");
  EXPECT_EQ(ParseError("state = pending"),
            "at 8: expected open, in_progress or closed, found \"pending\"");
  EXPECT_EQ(ParseError("frobnicate"),
            "at 0: expected " + std::string(kPredicatesForTest) + ", found \"frobnicate\"");
}

TEST(FilterParseTest, MalformedInputIsRefused) {
  for (const char* text : {
           "(",
           ")",
           "()",
           "((tag:a)",
           "(tag:a))",
           "tag:a and (tag:b or tag:c",
           "and",
           "or",
           "not",
           "tag:a or",
           "and tag:a",
           "tag:a and and tag:b",
           "not not",
           "tag:a tag:b",
           "tag:a andtag:b",
           "tag:a & tag:b",
           "tag:a, tag:b",
           "tag",
           "tag:",
           "tag: ",
           "tag:\"\"",
           "tag any",
           "tag any(",
           "tag any(a,",
           "tag any(a,)",
           "tag any(,a)",
           "tag some(a)",
           "tag any(a b)",
           "tag any(a",
           "tag:(a)",
           "interacted",
           "interacted <",
           "interacted < 24",
           "interacted < 24x",
           "interacted < -1h",
           "interacted < 1.5h",
           "interacted < h",
           "interacted < 24 h",
           "interacted 24h",
           "interacted == 24h",
           "interacted =< 24h",
           "interacted < 36501d",
           "interacted < 9999999999999999999999d",
           "interacted < 2026-13-01T00:00:00Z",
           "interacted < 2026-11-01",
           "interacted@ < 1h",
           "interacted@0 < 1h",
           "interacted@-1 < 1h",
           "interacted@x < 1h",
           "subscribed_at",
           "subscribed_at < \"7d\"",
           "attr",
           "attr.",
           "attr city = 1",
           "attr.city",
           "attr.city =",
           "attr.city = Taipei",
           "attr.city = 'Taipei'",
           "attr.city = \"a",
           "attr.city = \"a\\\"",
           "attr.city = \"\\x\"",
           "attr.city = \"\\u12\"",
           "attr.city = \"\\ud83d\"",
           "attr.city = \"\\ude00\"",
           "attr.city = \"a\nb\"",
           "attr.n = 1e999",
           "attr.n = 01",
           "attr.n = 1.",
           "attr.n = .5",
           "attr.n = +1",
           "attr.n = 1e",
           "attr.n = 24h",
           "attr.b < true",
           "attr.b >= false",
           "attr.city contains 1",
           "attr.city contains",
           "attr.city exist",
           "attr.city-x exists",
           "attr.city ~ \"a\"",
           "locale",
           "locale = zh_TW",
           "locale = \"\"",
           "locale in ()",
           "locale in (\"a\",)",
           "locale != \"a\"",
           "timezone = ",
           "state",
           "state = ",
           "state = pending",
           "state = \"open\"",
           "assignee",
           "assignee = alice",
           "assignee = \"\"",
           "account",
           "account = ",
           "account = 0",
           "account = -3",
           "account = 1.5",
           "account = 99999999999999999999",
           "account = x",
           "ids",
           "ids()",
           "ids(1,)",
           "ids(0)",
           "ids(1 2)",
           "ids(a)",
           "ids(1",
           "subscribedx",
           "not(",
           "@",
           "\"vip\"",
           "tag:a and \"x\"",
       }) {
    SCOPED_TRACE(text);
    const std::string message = ParseError(text);
    EXPECT_EQ(message.rfind("at ", 0), 0u) << message;
    EXPECT_NE(message.find(": expected "), std::string::npos) << message;
    EXPECT_NE(message.find(", found "), std::string::npos) << message;
  }
}

TEST(FilterParseTest, AttrKeyLengthBoundary) {
  Parsed("attr." + std::string(64, 'k') + " exists");
  ParseError("attr." + std::string(65, 'k') + " exists");
}

TEST(FilterParseTest, DurationCapBoundary) {
  EXPECT_EQ(std::get<InteractedPred>(*Parsed("interacted < 36500d").predicate).when.point.ago,
            36500 * 24h);
  EXPECT_NE(ParseError("interacted < 36501d").find("at most 36500d"), std::string::npos);
  EXPECT_NE(ParseError("interacted < 876001h").find("at most 36500d"), std::string::npos);
}

TEST(FilterParseTest, NestingIsCappedNotOverflowed) {
  const auto nested = [](int depth) {
    return std::string(depth, '(') + "tag:a" + std::string(depth, ')');
  };
  EXPECT_EQ(Parsed(nested(64)), Tag("a"));
  EXPECT_NE(ParseError(nested(65)).find("at most 64 levels of nesting"), std::string::npos);
  std::string nots;
  for (int i = 0; i < 64; ++i) nots += "not ";
  Parsed(nots + "tag:a");
  EXPECT_NE(ParseError("not " + nots + "tag:a").find("at 256: expected at most 64 levels"),
            std::string::npos);
  // Far beyond the cap: refused quickly, without recursing a million frames deep.
  ParseError(std::string(1'000'000, '('));
  std::string many;
  for (int i = 0; i < 100'000; ++i) many += "not ";
  ParseError(many + "tag:a");
}

TEST(FilterTextTest, CanonicalForm) {
  EXPECT_EQ(ToText(Parsed("TAG:vip  AND interacted<24h AND NOT tag:churned")),
            "tag:vip and interacted < 24h and not tag:churned");
  EXPECT_EQ(ToText(Parsed("interacted > 168h")), "interacted > 7d");
  EXPECT_EQ(ToText(Parsed("interacted < 90m")), "interacted < 90m");
  EXPECT_EQ(ToText(Parsed("interacted < 120m")), "interacted < 2h");
  EXPECT_EQ(ToText(Parsed("interacted < 1d")), "interacted < 24h");
  EXPECT_EQ(ToText(Parsed("interacted < 48h")), "interacted < 2d");
  EXPECT_EQ(ToText(Parsed("interacted < 60s")), "interacted < 1m");
  EXPECT_EQ(ToText(Parsed("interacted < 1001ms")), "interacted < 1001ms");
  EXPECT_EQ(ToText(Parsed("subscribed_at < 2026-11-01T08:00:00+08:00")),
            "subscribed_at < 2026-11-01T00:00:00.000Z");
  EXPECT_EQ(ToText(Parsed("tag any(vip)")), "tag:vip");
  EXPECT_EQ(ToText(Parsed("tag:\"a b\"")), "tag:\"a b\"");
  EXPECT_EQ(ToText(Parsed("attr.spend < 10.0")), "attr.spend < 10");
  EXPECT_EQ(ToText(Parsed("(tag:a or tag:b) and tag:c")), "(tag:a or tag:b) and tag:c");
  EXPECT_EQ(ToText(Parsed("(tag:a and tag:b) or tag:c")), "tag:a and tag:b or tag:c");
  EXPECT_EQ(ToText(Parsed("not (tag:a or tag:b)")), "not (tag:a or tag:b)");
  EXPECT_EQ(ToText(Node::All()), "all");
  EXPECT_EQ(ToText(Leaf(AttrPred{"s", AttrOp::kEq, std::string("a\"\\\n\x01")})),
            "attr.s = \"a\\\"\\\\\\n\\u0001\"");
}

TEST(FilterTextTest, RoundTrips) {
  const Time t = At("2026-11-01T00:00:00.123Z");
  std::vector<Node> trees = {
      Node::All(),
      Tag("vip"),
      Tag("with space"),
      Tag("and"),
      Tag("會員"),
      Tag("quote\"back\\slash"),
      Leaf(TagPred{TagMatch::kAllOf, {"a", "b c", "d"}}),
      Leaf(TagPred{TagMatch::kNoneOf, {"x"}}),
      Leaf(TagPred{TagMatch::kAnyOf, {"x", "y"}}),
      Leaf(SubscriptionPred{SubscriptionStatus::kSubscribed}),
      Leaf(SubscriptionPred{SubscriptionStatus::kUnsubscribed}),
      Leaf(SubscribedAtPred{Ago(Cmp::kGe, 30min)}),
      Leaf(SubscribedAtPred{Abs(Cmp::kNe, t)}),
      Leaf(InteractedPred{std::nullopt, Ago(Cmp::kLe, 1500ms)}),
      Leaf(InteractedPred{std::nullopt, Ago(Cmp::kEq, 0ms)}),
      Leaf(InteractedPred{Id{42}, Ago(Cmp::kGt, 36h)}),
      Leaf(InteractedPred{Id{42}, Abs(Cmp::kLt, t)}),
      AttrNode("n", AttrOp::kLt, 0.1),
      AttrNode("n", AttrOp::kGe, -1e300),
      AttrNode("n", AttrOp::kGt, 123456789.125),
      AttrNode("n", AttrOp::kNe, 5e-324),
      AttrNode("s", AttrOp::kEq, std::string("")),
      AttrNode("s", AttrOp::kEq, std::string("tab\there \xe5\x8f\xb0")),
      AttrNode("s", AttrOp::kContains, std::string("x")),
      AttrNode("b", AttrOp::kEq, true),
      AttrNode("b", AttrOp::kNe, false),
      AttrNode("t", AttrOp::kLe, t),
      AttrNode("e", AttrOp::kExists, std::nullopt),
      Leaf(LocalePred{{"zh_TW"}}),
      Leaf(LocalePred{{"zh_TW", "en_US"}}),
      Leaf(TimeZonePred{{"Asia/Taipei", "+05:45"}}),
      Leaf(ConversationPred{ConversationState::kOpen}),
      Leaf(ConversationPred{ConversationState::kInProgress}),
      Leaf(ConversationPred{ConversationState::kClosed}),
      Leaf(AssigneePred{"alice"}),
      Leaf(AssigneePred{"none"}),
      Leaf(AssigneePred{std::nullopt}),
      Leaf(AccountPred{12}),
      Leaf(IdsPred{{1, 2, 3}}),
  };
  const std::size_t leaves = trees.size();
  for (std::size_t i = 1; i + 1 < leaves; ++i) {
    trees.push_back(And({trees[i], trees[i + 1]}));
    trees.push_back(Or({trees[i], Not(trees[i + 1]), trees[leaves - i]}));
    trees.push_back(Not(Or({trees[i], trees[i + 1]})));
  }
  trees.push_back(And({Or({Tag("a"), And({Tag("b"), Tag("c")})}), And({Tag("d"), Tag("e")})}));
  trees.push_back(Or({Or({Tag("a"), Tag("b")}), And({Tag("c"), Or({Tag("d"), Tag("e")})})}));
  trees.push_back(Not(Not(And({Not(Tag("a")), Not(Not(Tag("b")))}))));
  for (const Node& n : trees) {
    const std::string text = ToText(n);
    auto back = ParseText(text);
    ASSERT_TRUE(back.ok()) << text << ": " << back.error().ToString();
    EXPECT_EQ(*back, n) << text << " -> " << ToText(*back);
  }
}

TEST(FilterDurationTest, ParseAndFormat) {
  EXPECT_EQ(ParseDuration("24h"), Duration(24h));
  EXPECT_EQ(ParseDuration("7D"), Duration(7 * 24h));
  EXPECT_EQ(ParseDuration("30m"), Duration(30min));
  EXPECT_EQ(ParseDuration("36500d"), Duration(36500 * 24h));
  for (const char* bad : {"", "24", "h", "-1h", "+1h", "1.5h", "24x", "24 h", "36501d",
                          "99999999999999999999d", "1hh"}) {
    EXPECT_EQ(ParseDuration(bad), std::nullopt) << bad;
  }
  EXPECT_EQ(FormatDuration(24h), "24h");
  EXPECT_EQ(FormatDuration(7 * 24h), "7d");
  EXPECT_EQ(FormatDuration(90min), "90m");
  EXPECT_EQ(FormatDuration(0ms), "0m");
  EXPECT_EQ(FormatDuration(1ms), "1ms");
}

// Deterministic (seeded) random trees: every well-formed tree survives the text form.
Node RandomTree(std::mt19937& rng, int depth) {
  const auto pick = [&rng](int n) { return static_cast<int>(rng() % static_cast<unsigned>(n)); };
  const std::vector<std::string> names = {"vip", "a b", "會員", "x\"y", "and", "t-1.2", "\\"};
  const auto name = [&] { return names[pick(static_cast<int>(names.size()))]; };
  const Cmp cmps[] = {Cmp::kEq, Cmp::kNe, Cmp::kLt, Cmp::kLe, Cmp::kGt, Cmp::kGe};
  const auto when = [&]() -> TimeCmp {
    const Cmp cmp = cmps[pick(6)];
    if (pick(2) == 0) return Ago(cmp, Duration(static_cast<std::int64_t>(rng() % 100'000'000)));
    return Abs(cmp, FromUnixMillis(static_cast<std::int64_t>(rng()) * 1000 + pick(1000)));
  };
  if (depth > 0 && pick(3) != 0) {
    const int kind = pick(3);
    if (kind == 2) return Not(RandomTree(rng, depth - 1));
    std::vector<Node> children;
    for (int i = 0, n = 2 + pick(3); i < n; ++i) children.push_back(RandomTree(rng, depth - 1));
    return kind == 0 ? And(std::move(children)) : Or(std::move(children));
  }
  switch (pick(12)) {
    case 0:
      return Leaf(TagPred{static_cast<TagMatch>(pick(3)), {name(), name()}});
    case 1:
      return Leaf(SubscriptionPred{static_cast<SubscriptionStatus>(pick(2))});
    case 2:
      return Leaf(SubscribedAtPred{when()});
    case 3:
      return Leaf(InteractedPred{pick(2) ? std::optional<Id>(1 + pick(99)) : std::nullopt, when()});
    case 4: {
      const AttrOp op = static_cast<AttrOp>(pick(8));
      if (op == AttrOp::kExists) return AttrNode("k", op, std::nullopt);
      if (op == AttrOp::kContains) return AttrNode("k", op, name());
      switch (pick(4)) {
        case 0:
          return AttrNode("k", op, name());
        case 1:
          return AttrNode("k", op, static_cast<double>(static_cast<std::int32_t>(rng())) / 7);
        case 2:
          return AttrNode("k", op == AttrOp::kEq ? op : AttrOp::kNe, pick(2) == 0);
        default:
          return AttrNode("k", op, FromUnixMillis(static_cast<std::int64_t>(rng()) * 1000));
      }
    }
    case 5:
      return Leaf(LocalePred{{name(), name()}});
    case 6:
      return Leaf(TimeZonePred{{name()}});
    case 7:
      return Leaf(ConversationPred{static_cast<ConversationState>(pick(3))});
    case 8:
      return Leaf(AssigneePred{pick(2) ? std::optional<std::string>(name()) : std::nullopt});
    case 9:
      return Leaf(AccountPred{1 + pick(1000)});
    case 10:
      return Leaf(SegmentPred{name()});
    default:
      return Leaf(IdsPred{{1, 2 + pick(10)}});
  }
}

TEST(FilterTextTest, RandomTreesRoundTrip) {
  std::mt19937 rng(20261121);
  for (int i = 0; i < 2000; ++i) {
    const Node n = RandomTree(rng, 4);
    const std::string text = ToText(n);
    auto back = ParseText(text);
    ASSERT_TRUE(back.ok()) << text << ": " << back.error().ToString();
    ASSERT_EQ(*back, n) << text << " -> " << ToText(*back);
  }
}

// Mangled text never crashes the parser, and whatever it accepts is canonical after one trip.
TEST(FilterParseTest, MangledTextIsRefusedOrCanonical) {
  std::mt19937 rng(7);
  const std::string alphabet = "()\"\\:@.,=!<>- \tandortagnotattr0123456789hdmsTZ\xe6";
  const std::vector<std::string> seeds = {
      "tag:vip and interacted < 24h and not tag:churned and attr.city = \"Taipei\"",
      "(tag any(a, b) or subscribed_at >= 2026-11-01T00:00:00Z) and ids(1, 2)",
      "not (locale in (\"zh_TW\") or attr.n <= -1.5e3) and assignee = none",
  };
  int accepted = 0;
  for (int i = 0; i < 5000; ++i) {
    std::string text = seeds[rng() % seeds.size()];
    for (int edits = 1 + static_cast<int>(rng() % 4); edits > 0; --edits) {
      const std::size_t at = rng() % (text.size() + 1);
      switch (rng() % 3) {
        case 0:
          text.insert(at, 1, alphabet[rng() % alphabet.size()]);
          break;
        case 1:
          if (at < text.size()) text.erase(at, 1);
          break;
        default:
          if (at < text.size()) text[at] = alphabet[rng() % alphabet.size()];
      }
    }
    auto n = ParseText(text);
    if (!n.ok()) {
      EXPECT_EQ(n.error().message.rfind("at ", 0), 0u) << text;
      continue;
    }
    ++accepted;
    const std::string canonical = ToText(*n);
    auto again = ParseText(canonical);
    ASSERT_TRUE(again.ok()) << text << " -> " << canonical;
    EXPECT_EQ(*again, *n) << text << " -> " << canonical;
  }
  EXPECT_GT(accepted, 0);
}

}  // namespace
}  // namespace crier::filter
