// The segment predicate in the text form, and expanding references through a lookup.
#include <gtest/gtest.h>

#include <map>
#include <string>
#include <vector>

#include "core/filter.h"

namespace crier::filter {
namespace {

Node Leaf(Predicate p) { return Node::Leaf(std::move(p)); }
Node And(std::vector<Node> c) { return Node{Node::Kind::kAnd, std::move(c), std::nullopt}; }
Node Or(std::vector<Node> c) { return Node{Node::Kind::kOr, std::move(c), std::nullopt}; }
Node Not(Node c) { return Node{Node::Kind::kNot, {std::move(c)}, std::nullopt}; }
Node Tag(std::string t) { return Leaf(TagPred{TagMatch::kAnyOf, {std::move(t)}}); }
Node Seg(std::string name) { return Leaf(SegmentPred{std::move(name)}); }

Node Parsed(std::string_view text) {
  auto n = ParseText(text);
  EXPECT_TRUE(n.ok()) << text << ": " << (n.ok() ? "" : n.error().ToString());
  return n.ok() ? *n : Node::All();
}

std::string ParseError(std::string_view text) {
  auto n = ParseText(text);
  EXPECT_FALSE(n.ok()) << text << " parsed as " << ToText(*n);
  return n.ok() ? "" : n.error().message;
}

TEST(SegmentPredicateTest, TextFormNamesLikeTags) {
  EXPECT_EQ(Parsed("segment:vip"), Seg("vip"));
  EXPECT_EQ(Parsed("SEGMENT:VIP"), Seg("VIP")) << "keyword any case, name exact";
  EXPECT_EQ(Parsed("segment : vip-2026.gold"), Seg("vip-2026.gold"));
  EXPECT_EQ(Parsed("segment:\"big spenders\""), Seg("big spenders"));
  EXPECT_EQ(Parsed("segment:會員"), Seg("會員"));
  EXPECT_EQ(Parsed("segment:vip and not segment:churned or tag:x"),
            Or({And({Seg("vip"), Not(Seg("churned"))}), Tag("x")}));
}

TEST(SegmentPredicateTest, CanonicalTextQuotesOnlyWhenNeeded) {
  EXPECT_EQ(ToText(Seg("vip")), "segment:vip");
  EXPECT_EQ(ToText(Seg("big spenders")), "segment:\"big spenders\"");
  EXPECT_EQ(ToText(Seg("a\"b")), "segment:\"a\\\"b\"");
  for (const std::string name : {"vip", "a b", "會員", "x\"y", "and", "t-1.2", "\\", "(", ":"}) {
    const Node n = And({Seg(name), Not(Seg(name))});
    EXPECT_EQ(Parsed(ToText(n)), n) << ToText(n);
  }
}

TEST(SegmentPredicateTest, MalformedUsesSayWhereAndWhat) {
  EXPECT_EQ(ParseError("segment"),
            "at 7: expected \":\" and a segment name after segment, found the end of the filter");
  EXPECT_EQ(ParseError("segment vip"),
            "at 8: expected \":\" and a segment name after segment, found \"vip\"");
  EXPECT_EQ(ParseError("segment:"), "at 8: expected a segment name, found the end of the filter");
  EXPECT_EQ(ParseError("segment:\"\""), "at 8: expected a segment name, found \"\\\"\"");
  EXPECT_EQ(ParseError("segment:(vip)"), "at 8: expected a segment name, found \"(\"");
  EXPECT_EQ(ParseError("segment:vip extra"),
            "at 12: expected and, or or the end of the filter, found \"extra\"");
}

TEST(SegmentPredicateTest, AnUnexpandedReferenceMatchesNobody) {
  Contact c;
  c.id = 1;
  EXPECT_FALSE(Matches(Seg("vip"), c, Time{}));
  EXPECT_TRUE(Matches(Not(Seg("vip")), c, Time{}));
}

using Texts = std::map<std::string, std::string>;

// A lookup over a fixed set of definitions (text form) that counts how often each name is
// asked for.
class Segments {
 public:
  explicit Segments(std::map<std::string, std::string> texts) : texts_(std::move(texts)) {}

  SegmentLookup Lookup() {
    return [this](const std::string& name) -> Result<std::optional<Node>> {
      ++asked[name];
      const auto it = texts_.find(name);
      if (it == texts_.end()) return std::optional<Node>();
      auto node = ParseText(it->second);
      if (!node.ok()) return node.error();
      return std::optional<Node>(*node);
    };
  }

  Result<Node> Expand(std::string_view text) { return ExpandSegments(Parsed(text), Lookup()); }

  std::map<std::string, int> asked;

 private:
  std::map<std::string, std::string> texts_;
};

std::string ExpandError(Segments& s, std::string_view text, ErrorCode code) {
  auto n = s.Expand(text);
  EXPECT_FALSE(n.ok()) << text << " expanded to " << ToText(*n);
  if (n.ok()) return "";
  EXPECT_EQ(n.error().code, code) << n.error().ToString();
  EXPECT_EQ(n.error().field, "filter");
  return n.error().message;
}

TEST(ExpandSegmentsTest, ReplacesNestedReferencesByTheirDefinitions) {
  Segments s(
      Texts{{"vip", "tag:vip or tag:gold"}, {"active_vip", "segment:vip and interacted < 24h"}});
  auto n = s.Expand("segment:active_vip and not tag:churned");
  ASSERT_TRUE(n.ok()) << n.error().ToString();
  // Each reference becomes the definition's own node, so its grouping stays.
  EXPECT_EQ(ToText(*n), "((tag:vip or tag:gold) and interacted < 24h) and not tag:churned");
  EXPECT_TRUE(SegmentReferences(*n).empty());
}

TEST(ExpandSegmentsTest, AFilterWithoutReferencesIsUnchangedAndAsksNothing) {
  Segments s(Texts{});
  const Node n = Parsed("tag:a and (subscribed or not attr.x exists)");
  auto expanded = ExpandSegments(n, s.Lookup());
  ASSERT_TRUE(expanded.ok());
  EXPECT_EQ(*expanded, n);
  EXPECT_TRUE(s.asked.empty());
}

TEST(ExpandSegmentsTest, EachNameIsLookedUpOnce) {
  Segments s(Texts{{"a", "segment:c or tag:a"}, {"b", "segment:c and tag:b"}, {"c", "tag:c"}});
  auto n = s.Expand("segment:a and segment:b and not segment:c");
  ASSERT_TRUE(n.ok()) << n.error().ToString();
  EXPECT_EQ(ToText(*n), "(tag:c or tag:a) and (tag:c and tag:b) and not tag:c");
  EXPECT_EQ(s.asked, (std::map<std::string, int>{{"a", 1}, {"b", 1}, {"c", 1}}));
}

TEST(ExpandSegmentsTest, AnUnknownNameIsNamedWithWhoUsesIt) {
  Segments s(Texts{{"a", "segment:ghost"}});
  EXPECT_EQ(ExpandError(s, "tag:x and segment:nobody", ErrorCode::kInvalidArgument),
            "no segment named \"nobody\"");
  EXPECT_EQ(ExpandError(s, "segment:a", ErrorCode::kInvalidArgument),
            "no segment named \"ghost\" (used by segment \"a\")");
}

TEST(ExpandSegmentsTest, CyclesAreSpelledOutInOrder) {
  Segments s(Texts{{"self", "segment:self or tag:x"},
                   {"a", "tag:a and segment:b"},
                   {"b", "not segment:c"},
                   {"c", "segment:a or tag:c"},
                   {"entry", "segment:b"}});
  EXPECT_EQ(ExpandError(s, "segment:self", ErrorCode::kFailedPrecondition),
            "segments refer to each other in a cycle: self -> self");
  EXPECT_EQ(ExpandError(s, "segment:a", ErrorCode::kFailedPrecondition),
            "segments refer to each other in a cycle: a -> b -> c -> a");
  // Entered from outside the cycle, the message starts where the cycle does.
  EXPECT_EQ(ExpandError(s, "segment:entry", ErrorCode::kFailedPrecondition),
            "segments refer to each other in a cycle: b -> c -> a -> b");
}

// s1 -> s2 -> ... -> sN -> tag:end
std::map<std::string, std::string> Chain(int n) {
  std::map<std::string, std::string> texts;
  for (int i = 1; i < n; ++i) texts["s" + std::to_string(i)] = "segment:s" + std::to_string(i + 1);
  texts["s" + std::to_string(n)] = "tag:end";
  return texts;
}

TEST(ExpandSegmentsTest, DepthIsBoundedOnBothSidesOfTheLimit) {
  Segments at_limit(Chain(kMaxSegmentDepth));
  auto n = at_limit.Expand("segment:s1");
  ASSERT_TRUE(n.ok()) << n.error().ToString();
  EXPECT_EQ(*n, Parsed("tag:end"));

  Segments beyond(Chain(kMaxSegmentDepth + 1));
  EXPECT_EQ(ExpandError(beyond, "segment:s1", ErrorCode::kInvalidArgument),
            "segments nest more than 8 deep: s1 -> s2 -> s3 -> s4 -> s5 -> s6 -> s7 -> s8 -> s9");
  // A segment expanded once at a shallow place is still too deep further down.
  EXPECT_TRUE(beyond.Expand("segment:s2").ok());
  // s2 first, at the top: 7 deep. Then x -> s1 -> s2 would be 9.
  auto texts = Chain(kMaxSegmentDepth);
  texts["x"] = "segment:s1";
  Segments cached(texts);
  EXPECT_EQ(ExpandError(cached, "segment:s2 and segment:x", ErrorCode::kInvalidArgument),
            "segments nest more than 8 deep: x -> s1 -> s2 and the segments inside it");
  EXPECT_EQ(cached.asked["s2"], 1);
}

TEST(ExpandSegmentsTest, ExponentialExpansionIsRefused) {
  // Each of 8 nested segments uses the one below 6 times: w0 would be 335,923 nodes.
  std::map<std::string, std::string> wide;
  for (int i = 0; i < 7; ++i) {
    const std::string below = "segment:w" + std::to_string(i + 1);
    std::string text = below;
    for (int k = 1; k < 6; ++k) text += " or " + below;
    wide["w" + std::to_string(i)] = text;
  }
  wide["w7"] = "tag:x";
  Segments w(wide);
  EXPECT_EQ(ExpandError(w, "segment:w0", ErrorCode::kInvalidArgument),
            "expanding its segments gives more than 100000 filter nodes; simplify the segments "
            "it uses");
  // One level less is 55,987 nodes: within the bound.
  auto smaller = w.Expand("segment:w1");
  ASSERT_TRUE(smaller.ok()) << smaller.error().ToString();
}

TEST(ExpandSegmentsTest, LookupFailuresAndTheFieldPassThrough) {
  const SegmentLookup failing = [](const std::string&) -> Result<std::optional<Node>> {
    return Error{ErrorCode::kUnavailable, "database is locked", ""};
  };
  auto n = ExpandSegments(Seg("vip"), failing);
  ASSERT_FALSE(n.ok());
  EXPECT_EQ(n.error().code, ErrorCode::kUnavailable);

  Segments s(Texts{});
  auto named = ExpandSegments(Seg("vip"), s.Lookup(), "audience.filter");
  ASSERT_FALSE(named.ok());
  EXPECT_EQ(named.error().field, "audience.filter");
}

TEST(SegmentReferencesTest, DirectReferencesSortedAndUnique) {
  EXPECT_EQ(SegmentReferences(Parsed("segment:b and (segment:a or not segment:b) and tag:c")),
            (std::vector<std::string>{"a", "b"}));
  EXPECT_TRUE(SegmentReferences(Parsed("tag:segment")).empty());
}

TEST(SegmentReferencesTest, RenameChangesOnlyThatName) {
  const Node before = Parsed("segment:vip and not (segment:vip or segment:vipx) and tag:vip");
  EXPECT_EQ(RenameSegmentReferences(before, "vip", "gold members"),
            Parsed("segment:\"gold members\" and not (segment:\"gold members\" or segment:vipx) "
                   "and tag:vip"));
  EXPECT_EQ(RenameSegmentReferences(before, "nobody", "x"), before);
}

}  // namespace
}  // namespace crier::filter
