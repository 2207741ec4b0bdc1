#include "core/filter.h"

#include <algorithm>
#include <string_view>

namespace crier::filter {
namespace {

// --- equality ---------------------------------------------------------------------------
// The predicate structs are plain aggregates; equality is defined here rather than defaulted
// in the header so that TimePoint can compare by meaning (`ago` is ignored once absolute).

bool Same(const TimePoint& a, const TimePoint& b) {
  if (a.absolute.has_value() != b.absolute.has_value()) return false;
  return a.absolute ? *a.absolute == *b.absolute : a.ago == b.ago;
}
bool Same(const TimeCmp& a, const TimeCmp& b) { return a.cmp == b.cmp && Same(a.point, b.point); }
bool Same(const TagPred& a, const TagPred& b) { return a.match == b.match && a.tags == b.tags; }
bool Same(const SubscriptionPred& a, const SubscriptionPred& b) { return a.status == b.status; }
bool Same(const SubscribedAtPred& a, const SubscribedAtPred& b) { return Same(a.when, b.when); }
bool Same(const InteractedPred& a, const InteractedPred& b) {
  return a.channel_account_id == b.channel_account_id && Same(a.when, b.when);
}
bool Same(const AttrPred& a, const AttrPred& b) {
  return a.key == b.key && a.op == b.op && a.value == b.value;
}
bool Same(const LocalePred& a, const LocalePred& b) { return a.locales == b.locales; }
bool Same(const TimeZonePred& a, const TimeZonePred& b) { return a.zones == b.zones; }
bool Same(const ConversationPred& a, const ConversationPred& b) { return a.state == b.state; }
bool Same(const AssigneePred& a, const AssigneePred& b) { return a.assignee == b.assignee; }
bool Same(const AccountPred& a, const AccountPred& b) {
  return a.channel_account_id == b.channel_account_id;
}
bool Same(const IdsPred& a, const IdsPred& b) { return a.contact_ids == b.contact_ids; }

bool Same(const Predicate& a, const Predicate& b) {
  if (a.index() != b.index()) return false;
  return std::visit(
      [&b](const auto& x) {
        using T = std::decay_t<decltype(x)>;
        return Same(x, std::get<T>(b));
      },
      a);
}

// --- evaluation -------------------------------------------------------------------------

template <class T>
bool Compare(Cmp cmp, const T& lhs, const T& rhs) {
  switch (cmp) {
    case Cmp::kEq:
      return lhs == rhs;
    case Cmp::kNe:
      return lhs != rhs;
    case Cmp::kLt:
      return lhs < rhs;
    case Cmp::kLe:
      return lhs <= rhs;
    case Cmp::kGt:
      return lhs > rhs;
    case Cmp::kGe:
      return lhs >= rhs;
  }
  return false;
}

bool MatchesTime(const TimeCmp& when, std::optional<Time> t, Time now) {
  return t.has_value() && Compare(when.cmp, *t, when.point.Resolve(now));
}

bool HasTag(const Contact& c, const std::string& tag) {
  return std::find(c.tags.begin(), c.tags.end(), tag) != c.tags.end();
}

bool MatchesTags(const TagPred& p, const Contact& c) {
  const auto has = [&c](const std::string& t) { return HasTag(c, t); };
  switch (p.match) {
    case TagMatch::kAnyOf:
      return std::any_of(p.tags.begin(), p.tags.end(), has);
    case TagMatch::kAllOf:
      return std::all_of(p.tags.begin(), p.tags.end(), has);
    case TagMatch::kNoneOf:
      return std::none_of(p.tags.begin(), p.tags.end(), has);
  }
  return false;
}

// The latest inbound time on the account, or on any account when none is named: "interacted
// < 24h" without an account means "talked to us anywhere in the last day".
std::optional<Time> LastInbound(const Contact& c, std::optional<Id> account) {
  std::optional<Time> last;
  for (const Identity& identity : c.identities) {
    if (account && identity.channel_account_id != *account) continue;
    if (identity.last_inbound_at && (!last || *identity.last_inbound_at > *last)) {
      last = identity.last_inbound_at;
    }
  }
  return last;
}

Cmp ToCmp(AttrOp op) {
  switch (op) {
    case AttrOp::kEq:
      return Cmp::kEq;
    case AttrOp::kNe:
      return Cmp::kNe;
    case AttrOp::kLt:
      return Cmp::kLt;
    case AttrOp::kLe:
      return Cmp::kLe;
    case AttrOp::kGt:
      return Cmp::kGt;
    case AttrOp::kGe:
      return Cmp::kGe;
    case AttrOp::kContains:
    case AttrOp::kExists:
      break;
  }
  return Cmp::kEq;
}

// Type-aware: a value of another type never matches (not even "!="), so that
// `attr.age != 30` does not select contacts whose age was stored as the string "30".
bool MatchesAttr(const AttrPred& p, const Contact& c) {
  const auto it =
      std::lower_bound(c.attributes.begin(), c.attributes.end(), p.key,
                       [](const Attribute& a, const std::string& key) { return a.key < key; });
  if (it == c.attributes.end() || it->key != p.key) return false;
  if (p.op == AttrOp::kExists) return true;
  if (!p.value || p.value->index() != it->value.index()) return false;
  const AttributeValue& have = it->value;
  const AttributeValue& want = *p.value;
  if (p.op == AttrOp::kContains) {
    const auto* s = std::get_if<std::string>(&have);
    return s && s->find(std::get<std::string>(want)) != std::string::npos;
  }
  const Cmp cmp = ToCmp(p.op);
  if (const auto* s = std::get_if<std::string>(&have)) {
    return Compare(cmp, *s, std::get<std::string>(want));
  }
  if (const auto* d = std::get_if<double>(&have)) return Compare(cmp, *d, std::get<double>(want));
  if (const auto* t = std::get_if<Time>(&have)) return Compare(cmp, *t, std::get<Time>(want));
  // Booleans have no order: only = and != mean something.
  const bool b = std::get<bool>(have);
  if (cmp == Cmp::kEq) return b == std::get<bool>(want);
  if (cmp == Cmp::kNe) return b != std::get<bool>(want);
  return false;
}

bool OneOf(const std::vector<std::string>& list, const std::string& value) {
  return !value.empty() && std::find(list.begin(), list.end(), value) != list.end();
}

bool MatchesPredicate(const Predicate& predicate, const Contact& c, Time now) {
  struct Visitor {
    const Contact& c;
    Time now;
    bool operator()(const TagPred& p) const { return MatchesTags(p, c); }
    bool operator()(const SubscriptionPred& p) const { return c.subscription == p.status; }
    bool operator()(const SubscribedAtPred& p) const {
      return MatchesTime(p.when, c.subscription_changed_at, now);
    }
    bool operator()(const InteractedPred& p) const {
      return MatchesTime(p.when, LastInbound(c, p.channel_account_id), now);
    }
    bool operator()(const AttrPred& p) const { return MatchesAttr(p, c); }
    bool operator()(const LocalePred& p) const { return OneOf(p.locales, c.locale); }
    bool operator()(const TimeZonePred& p) const { return OneOf(p.zones, c.time_zone); }
    bool operator()(const ConversationPred& p) const { return c.conversation_state == p.state; }
    bool operator()(const AssigneePred& p) const {
      return p.assignee ? c.assignee == *p.assignee : c.assignee.empty();
    }
    bool operator()(const AccountPred& p) const {
      return std::any_of(c.identities.begin(), c.identities.end(), [&p](const Identity& i) {
        return i.channel_account_id == p.channel_account_id;
      });
    }
    bool operator()(const IdsPred& p) const {
      return std::binary_search(p.contact_ids.begin(), p.contact_ids.end(), c.id);
    }
  };
  return std::visit(Visitor{c, now}, predicate);
}

}  // namespace

bool operator==(const Node& a, const Node& b) {
  if (a.kind != b.kind || a.children.size() != b.children.size()) return false;
  if (a.predicate.has_value() != b.predicate.has_value()) return false;
  if (a.predicate && !Same(*a.predicate, *b.predicate)) return false;
  for (std::size_t i = 0; i < a.children.size(); ++i) {
    if (!(a.children[i] == b.children[i])) return false;
  }
  return true;
}

bool Matches(const Node& node, const Contact& contact, Time now) {
  switch (node.kind) {
    case Node::Kind::kAnd:
      return std::all_of(node.children.begin(), node.children.end(),
                         [&](const Node& n) { return Matches(n, contact, now); });
    case Node::Kind::kOr:
      return std::any_of(node.children.begin(), node.children.end(),
                         [&](const Node& n) { return Matches(n, contact, now); });
    case Node::Kind::kNot:
      return node.children.size() == 1 && !Matches(node.children[0], contact, now);
    case Node::Kind::kPredicate:
      return node.predicate && MatchesPredicate(*node.predicate, contact, now);
  }
  return false;
}

}  // namespace crier::filter
