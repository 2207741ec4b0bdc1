// The audience filter (PRODUCT.md C1, C2): a boolean expression over contacts, the same tree
// whether it came from the JSON form (API) or the text form (CLI, console), e.g.
//
//   tag:vip and interacted < 24h and not tag:churned and attr.city = "Taipei"
//
// Relative times ("within 24 h", "more than 7 days ago") stay relative in the tree and are
// resolved against the run's clock by Resolve(), so a saved segment means the same thing
// every time it is used. Pure: no IO.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "core/clock.h"
#include "core/model.h"
#include "core/result.h"

namespace crier::filter {

// A point in time as written in a filter: absolute, or an age relative to "now".
struct TimePoint {
  std::optional<Time> absolute;  // set for "2026-11-01T00:00:00Z"
  Duration ago{0};               // used when absolute is unset: now - ago ("24h" -> 24 h ago)
  Time Resolve(Time now) const { return absolute ? *absolute : now - ago; }
};

enum class Cmp { kEq, kNe, kLt, kLe, kGt, kGe };

// A comparison of a contact's time against a TimePoint. For relative points the text form
// reads as an age: "interacted < 24h" is "less than 24 h ago", i.e. time > now - 24h; the
// parser normalises that into a comparison on the time itself, so `cmp` here always compares
// the contact's time with the resolved point ("time > point").
struct TimeCmp {
  Cmp cmp = Cmp::kGt;
  TimePoint point;
};

enum class TagMatch { kAnyOf, kAllOf, kNoneOf };

struct TagPred {
  TagMatch match = TagMatch::kAnyOf;
  std::vector<std::string> tags;  // non-empty
};

struct SubscriptionPred {
  SubscriptionStatus status = SubscriptionStatus::kSubscribed;
};

struct SubscribedAtPred {
  TimeCmp when;
};

// Last inbound interaction on `channel_account_id` (or on any account when unset). A contact
// that never interacted matches no interaction comparison (but matches "not ...").
struct InteractedPred {
  std::optional<Id> channel_account_id;
  TimeCmp when;
};

enum class AttrOp { kEq, kNe, kLt, kLe, kGt, kGe, kContains, kExists };

struct AttrPred {
  std::string key;
  AttrOp op = AttrOp::kEq;
  std::optional<AttributeValue> value;  // unset only for kExists
};

struct LocalePred {
  std::vector<std::string> locales;  // any of; exact match ("zh_TW")
};

struct TimeZonePred {
  std::vector<std::string> zones;  // any of; IANA names or "+05:45"-style offsets
};

struct ConversationPred {
  ConversationState state = ConversationState::kOpen;
};

struct AssigneePred {
  std::optional<std::string> assignee;  // unset = "assigned to nobody"
};

struct AccountPred {
  Id channel_account_id = 0;  // has an identity on this account
};

struct IdsPred {
  std::vector<Id> contact_ids;  // an explicit selection (C2), sorted and unique
};

// A saved segment, by name (C1: "filters can be saved as segments and reused"). Stored filters
// keep the reference, not the segment's definition, so whoever uses a segment sees what it
// means at each evaluation (C4); ExpandSegments replaces references before anything evaluates.
struct SegmentPred {
  std::string name;  // non-empty
};

using Predicate =
    std::variant<TagPred, SubscriptionPred, SubscribedAtPred, InteractedPred, AttrPred, LocalePred,
                 TimeZonePred, ConversationPred, AssigneePred, AccountPred, IdsPred, SegmentPred>;

// A node of the expression tree. kAnd / kOr have two or more children, kNot exactly one, and
// kPredicate none. An empty filter (matches everyone) is a kAnd with no children.
struct Node {
  enum class Kind { kAnd, kOr, kNot, kPredicate };
  Kind kind = Kind::kAnd;
  std::vector<Node> children;
  std::optional<Predicate> predicate;  // set iff kind == kPredicate

  static Node All() { return Node{Kind::kAnd, {}, std::nullopt}; }
  static Node Leaf(Predicate p) { return Node{Kind::kPredicate, {}, std::move(p)}; }
};

// A parse failure: what was expected, where (0-based byte offset into the text form, or the
// JSON path for the JSON form, in Error::field as "filter" / "filter.and[1].tag").
// Error::message reads e.g. "at 17: expected a duration like 24h or a time, found \"soon\"".

// Parses the text form. Keywords are case-insensitive; strings are double-quoted with JSON
// escapes; durations are NUMBER followed by m, h or d (also s and ms; at most 36500d).
//
//   filter   := "" | or                     (empty text: everyone, as does `all`)
//   or       := and ("or" and)*             `and` binds tighter than `or`
//   and      := unary ("and" unary)*
//   unary    := "not" unary | "(" or ")" | predicate       (at most 64 levels of not / ())
//   predicate:= tag:NAME | tag any(NAMES) | tag all(NAMES) | tag none(NAMES)
//             | subscribed | unsubscribed | all
//             | subscribed_at CMP TIMEVAL | interacted[@ACCOUNT] CMP TIMEVAL
//             | attr.KEY CMP VALUE | attr.KEY contains "text" | attr.KEY exists
//             | locale = "zh_TW" | locale in ("zh_TW", ...)      (timezone likewise)
//             | state = open|in_progress|closed | assignee = "alice" | assignee = none
//             | account = ID | ids(ID, ...) | segment:NAME
//   NAME     := [A-Za-z0-9_.-] and UTF-8 letters bare, anything else "quoted" (tag and
//               segment names alike)
//   CMP      := = | != | < | <= | > | >=
//   TIMEVAL  := a duration (an age: `interacted < 24h` = less than 24 h ago) or a bare
//               RFC 3339 time (`subscribed_at >= 2026-11-01T00:00:00Z`)
//   VALUE    := "text" | a JSON number | true | false | a bare RFC 3339 time; the notations
//               cannot be confused (a time has '-', 'T' and ':'), and "10" is text, 10 a
//               number. true / false compare only with = and !=.
Result<Node> ParseText(std::string_view text);
// The canonical text form; ParseText(ToText(n)) == n for every well-formed tree (children
// counts as documented on Node; relative times non-negative; attribute numbers finite).
std::string ToText(const Node& node);
// A relative time as both forms write it: digits and a unit, "24h", "30m", "7d", "45s",
// "1500ms"; no sign, no fraction, at most 36500 days. nullopt when malformed or too large.
std::optional<Duration> ParseDuration(std::string_view text);
// The shortest such text for `d` ("7d", "90m", "24h"); `d` must not be negative.
std::string FormatDuration(Duration d);
// The JSON form is mapped in the API layer (api/filter_json.h), which owns JSON; core has no
// JSON dependency.

bool operator==(const Node& a, const Node& b);

// Evaluates `node` for one contact with relative times resolved against `now`: the plain
// full-scan reference that the fast index (engine/audience_index.h) must agree with.
// A segment reference matches nobody here: evaluation sees expanded trees only.
bool Matches(const Node& node, const Contact& contact, Time now);

// ---- segment references -------------------------------------------------------------------

// Segments nested in segments, at most this deep (a -> b -> c is 3): deeper is surely a
// mistake, and the bound keeps expansion cheap.
inline constexpr int kMaxSegmentDepth = 8;
// An expanded tree has at most this many nodes: a segment used many times in each of several
// nested segments would otherwise grow exponentially.
inline constexpr std::size_t kMaxExpandedNodes = 100000;

// What a segment name stands for: the segment's filter (which may itself reference segments),
// nullopt when no segment has the name, or an error of the lookup itself (a store failure).
using SegmentLookup = std::function<Result<std::optional<Node>>(const std::string& name)>;

// Replaces every segment reference in `node`, recursively, by the filter the segment names,
// so that the result holds no SegmentPred. `lookup` is asked once per distinct name. Errors
// (Error::field is `field`):
//  - kInvalidArgument: a name no segment has ("no segment named \"vip\""), segments nested
//    deeper than kMaxSegmentDepth, or an expansion of more than kMaxExpandedNodes nodes;
//  - kFailedPrecondition: a segment that reaches itself, the cycle spelled out in order
//    ("segments refer to each other in a cycle: a -> b -> a");
//  - whatever `lookup` fails with.
Result<Node> ExpandSegments(const Node& node, const SegmentLookup& lookup,
                            std::string_view field = "filter");

// The segment names `node` references directly (not through other segments), sorted, unique.
std::vector<std::string> SegmentReferences(const Node& node);

// `node` with every reference to segment `from` made a reference to `to`; the rest unchanged.
Node RenameSegmentReferences(Node node, std::string_view from, std::string_view to);

}  // namespace crier::filter
