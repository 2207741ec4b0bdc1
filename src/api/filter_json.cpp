#include "api/filter_json.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <string>
#include <utility>
#include <vector>

namespace crier::api {
namespace {

namespace json = boost::json;
using filter::AttrOp;
using filter::Cmp;
using filter::Node;

constexpr int kMaxDepth = 64;
constexpr std::size_t kMaxAttrKey = 64;

struct CmpName {
  Cmp cmp;
  std::string_view name;
};
constexpr CmpName kCmpNames[] = {{Cmp::kEq, "eq"}, {Cmp::kNe, "ne"}, {Cmp::kLt, "lt"},
                                 {Cmp::kLe, "le"}, {Cmp::kGt, "gt"}, {Cmp::kGe, "ge"}};

struct AttrOpName {
  AttrOp op;
  std::string_view name;
};
constexpr AttrOpName kAttrOpNames[] = {{AttrOp::kEq, "eq"},
                                       {AttrOp::kNe, "ne"},
                                       {AttrOp::kLt, "lt"},
                                       {AttrOp::kLe, "le"},
                                       {AttrOp::kGt, "gt"},
                                       {AttrOp::kGe, "ge"},
                                       {AttrOp::kContains, "contains"},
                                       {AttrOp::kExists, "exists"}};

std::string_view CmpToName(Cmp cmp) {
  for (const auto& n : kCmpNames) {
    if (n.cmp == cmp) return n.name;
  }
  return "eq";
}

std::string_view AttrOpToName(AttrOp op) {
  for (const auto& n : kAttrOpNames) {
    if (n.op == op) return n.name;
  }
  return "eq";
}

std::string Child(std::string_view path, std::string_view key) {
  std::string out(path);
  out += '.';
  out += key;
  return out;
}

std::string Element(std::string_view path, std::size_t i) {
  return std::string(path) + "[" + std::to_string(i) + "]";
}

// What a value is, for "found ..." in messages; short strings are shown as they are.
std::string Describe(const json::value& v) {
  switch (v.kind()) {
    case json::kind::null:
      return "null";
    case json::kind::bool_:
      return v.get_bool() ? "true" : "false";
    case json::kind::int64:
    case json::kind::uint64:
    case json::kind::double_:
      return "the number " + json::serialize(v);
    case json::kind::string: {
      const json::string& s = v.get_string();
      if (s.empty()) return "an empty string";
      if (s.size() > 40) return "a string of " + std::to_string(s.size()) + " bytes";
      return json::serialize(v);
    }
    case json::kind::array:
      return v.get_array().empty() ? "an empty array" : "an array";
    case json::kind::object:
      return v.get_object().empty() ? "an empty object" : "an object";
  }
  return "a value";
}

Error Expected(std::string_view path, std::string_view expected, const json::value& found) {
  return InvalidArgument(std::string(path),
                         "expected " + std::string(expected) + ", found " + Describe(found));
}

Error ExpectedFound(std::string_view path, std::string_view expected, std::string_view found) {
  return InvalidArgument(std::string(path),
                         "expected " + std::string(expected) + ", found " + std::string(found));
}

// The one key of a node-like object, or an error naming the object.
Result<std::pair<std::string_view, const json::value*>> SingleKey(const json::value& v,
                                                                  std::string_view path,
                                                                  std::string_view expected) {
  const json::object* o = v.if_object();
  if (o == nullptr || o->size() != 1) return Expected(path, expected, v);
  const auto& kv = *o->begin();
  return std::pair<std::string_view, const json::value*>(kv.key(), &kv.value());
}

Result<std::string> NonEmptyString(const json::value& v, std::string_view path,
                                   std::string_view expected) {
  const json::string* s = v.if_string();
  if (s == nullptr || s->empty()) return Expected(path, expected, v);
  return std::string(*s);
}

Result<std::vector<std::string>> NonEmptyStrings(const json::value& v, std::string_view path,
                                                 std::string_view what) {
  const json::array* a = v.if_array();
  if (a == nullptr || a->empty()) {
    return Expected(path, "a non-empty array of " + std::string(what), v);
  }
  std::vector<std::string> out;
  out.reserve(a->size());
  for (std::size_t i = 0; i < a->size(); ++i) {
    auto s = NonEmptyString((*a)[i], Element(path, i), "a non-empty string");
    if (!s.ok()) return s.error();
    out.push_back(std::move(s).value());
  }
  return out;
}

Result<Id> PositiveId(const json::value& v, std::string_view path, std::string_view expected) {
  if (const std::int64_t* i = v.if_int64(); i != nullptr && *i > 0) return Id{*i};
  if (const std::uint64_t* u = v.if_uint64();
      u != nullptr && *u > 0 &&
      *u <= static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max())) {
    return static_cast<Id>(*u);
  }
  return Expected(path, expected, v);
}

Result<Time> RfcTime(const json::value& v, std::string_view path) {
  Time t{};
  const json::string* s = v.if_string();
  if (s == nullptr || !ParseRfc3339(*s, &t)) {
    return Expected(path, "an RFC 3339 time like \"2026-11-01T00:00:00Z\"", v);
  }
  return t;
}

Result<Duration> Age(const json::value& v, std::string_view path) {
  const json::string* s = v.if_string();
  const auto d = s != nullptr ? filter::ParseDuration(*s) : std::nullopt;
  if (!d) return Expected(path, "a duration like \"24h\", \"30m\" or \"7d\" (at most 36500d)", v);
  return *d;
}

// "before"/"after": a duration or a time.
Result<filter::TimePoint> DurationOrTime(const json::value& v, std::string_view path) {
  const json::string* s = v.if_string();
  if (s != nullptr) {
    if (const auto d = filter::ParseDuration(*s)) return filter::TimePoint{std::nullopt, *d};
    Time t{};
    if (ParseRfc3339(*s, &t)) return filter::TimePoint{t, Duration(0)};
  }
  return Expected(path, "a duration like \"7d\" or an RFC 3339 time", v);
}

constexpr std::string_view kWhen =
    "an object with one of within, before, after, or op with ago or time";

// WHEN; `allow_account` admits "channel_account_id" beside it (interacted only).
Result<filter::TimeCmp> ReadWhen(const json::value& v, std::string_view path,
                                 std::optional<Id>* account) {
  const json::object* o = v.if_object();
  if (o == nullptr) return Expected(path, kWhen, v);
  std::optional<filter::TimeCmp> when;
  std::optional<Cmp> op;
  std::optional<filter::TimePoint> point;
  const auto set = [&](const std::string& at, filter::TimeCmp w) -> Status {
    if (when || op || point)
      return ExpectedFound(at, "only one of within, before, after, op", "more");
    when = w;
    return Status::Ok();
  };
  for (const auto& kv : *o) {
    const std::string at = Child(path, kv.key());
    const json::value& value = kv.value();
    if (kv.key() == "within") {
      auto d = Age(value, at);
      if (!d.ok()) return d.error();
      CRIER_RETURN_IF_ERROR(set(at, {Cmp::kGt, {std::nullopt, *d}}));
    } else if (kv.key() == "before" || kv.key() == "after") {
      auto p = DurationOrTime(value, at);
      if (!p.ok()) return p.error();
      CRIER_RETURN_IF_ERROR(set(at, {kv.key() == "before" ? Cmp::kLt : Cmp::kGt, *p}));
    } else if (kv.key() == "op") {
      if (when) return ExpectedFound(at, "only one of within, before, after, op", "more");
      const json::string* s = value.if_string();
      for (const auto& n : kCmpNames) {
        if (s != nullptr && *s == n.name) op = n.cmp;
      }
      if (!op) return Expected(at, "one of eq, ne, lt, le, gt, ge", value);
    } else if (kv.key() == "ago" || kv.key() == "time") {
      if (when || point) return ExpectedFound(at, "only one of ago, time", "both");
      if (kv.key() == "ago") {
        auto d = Age(value, at);
        if (!d.ok()) return d.error();
        point = filter::TimePoint{std::nullopt, *d};
      } else {
        auto t = RfcTime(value, at);
        if (!t.ok()) return t.error();
        point = filter::TimePoint{*t, Duration(0)};
      }
    } else if (kv.key() == "channel_account_id" && account != nullptr) {
      auto id = PositiveId(value, at, "a channel account id (a positive integer)");
      if (!id.ok()) return id.error();
      *account = *id;
    } else {
      return ExpectedFound(at,
                           account != nullptr ? "within, before, after, op, ago, time or "
                                                "channel_account_id"
                                              : "within, before, after, op, ago or time",
                           "an unknown key");
    }
  }
  if (when) return *when;
  if (op && point) return filter::TimeCmp{*op, *point};
  if (op) return ExpectedFound(path, "ago or time beside op", "neither");
  if (point) return ExpectedFound(path, "op beside ago or time", "no op");
  return Expected(path, kWhen, v);
}

Result<filter::Predicate> ReadTag(const json::value& v, std::string_view path) {
  auto key = SingleKey(v, path, "an object with one key: any, all or none");
  if (!key.ok()) return key.error();
  const auto [name, value] = *key;
  const std::string at = Child(path, name);
  filter::TagMatch match;
  if (name == "any") {
    match = filter::TagMatch::kAnyOf;
  } else if (name == "all") {
    match = filter::TagMatch::kAllOf;
  } else if (name == "none") {
    match = filter::TagMatch::kNoneOf;
  } else {
    return ExpectedFound(at, "any, all or none", "an unknown key");
  }
  auto tags = NonEmptyStrings(*value, at, "tag names");
  if (!tags.ok()) return tags.error();
  return filter::Predicate(filter::TagPred{match, std::move(tags).value()});
}

Result<AttributeValue> ReadAttrValue(const json::value& v, std::string_view path) {
  switch (v.kind()) {
    case json::kind::string:
      return AttributeValue(std::string(v.get_string()));
    case json::kind::int64:
      return AttributeValue(static_cast<double>(v.get_int64()));
    case json::kind::uint64:
      return AttributeValue(static_cast<double>(v.get_uint64()));
    case json::kind::double_:
      if (std::isfinite(v.get_double())) return AttributeValue(v.get_double());
      break;
    case json::kind::bool_:
      return AttributeValue(v.get_bool());
    case json::kind::object: {
      const json::object& o = v.get_object();
      if (o.size() == 1 && o.contains("time")) {
        auto t = RfcTime(o.at("time"), Child(path, "time"));
        if (!t.ok()) return t.error();
        return AttributeValue(*t);
      }
      break;
    }
    default:
      break;
  }
  return Expected(path, "a string, a number, true, false or {\"time\": \"...\"}", v);
}

Result<filter::Predicate> ReadAttr(const json::value& v, std::string_view path) {
  const json::object* o = v.if_object();
  if (o == nullptr) return Expected(path, "an object with key, op and value", v);
  for (const auto& kv : *o) {
    if (kv.key() != "key" && kv.key() != "op" && kv.key() != "value") {
      return ExpectedFound(Child(path, kv.key()), "key, op or value", "an unknown key");
    }
  }
  filter::AttrPred pred;
  const json::value* key = o->if_contains("key");
  const std::string key_path = Child(path, "key");
  if (key == nullptr) return ExpectedFound(key_path, "an attribute key", "nothing");
  const json::string* key_string = key->if_string();
  const auto key_char_ok = [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
  };
  if (key_string == nullptr || key_string->empty() || key_string->size() > kMaxAttrKey ||
      !std::all_of(key_string->begin(), key_string->end(), key_char_ok)) {
    return Expected(key_path, "an attribute key of 1 to 64 letters, digits or _", *key);
  }
  pred.key = std::string(*key_string);

  const json::value* op = o->if_contains("op");
  const std::string op_path = Child(path, "op");
  constexpr std::string_view kOps = "one of eq, ne, lt, le, gt, ge, contains, exists";
  if (op == nullptr) return ExpectedFound(op_path, kOps, "nothing");
  const json::string* op_string = op->if_string();
  bool known = false;
  for (const auto& n : kAttrOpNames) {
    if (op_string != nullptr && *op_string == n.name) {
      pred.op = n.op;
      known = true;
    }
  }
  if (!known) return Expected(op_path, kOps, *op);

  const json::value* value = o->if_contains("value");
  const std::string value_path = Child(path, "value");
  if (pred.op == AttrOp::kExists) {
    if (value != nullptr && !value->is_null()) {
      return Expected(value_path, "no value with exists", *value);
    }
    return filter::Predicate(std::move(pred));
  }
  if (value == nullptr) return ExpectedFound(value_path, "a value", "nothing");
  auto parsed = ReadAttrValue(*value, value_path);
  if (!parsed.ok()) return parsed.error();
  if (pred.op == AttrOp::kContains && !std::holds_alternative<std::string>(*parsed)) {
    return Expected(value_path, "a string with contains", *value);
  }
  if (std::holds_alternative<bool>(*parsed) && pred.op != AttrOp::kEq && pred.op != AttrOp::kNe) {
    return Expected(value_path,
                    "a number, string or time with " + std::string(AttrOpToName(pred.op)) +
                        " (true and false compare only with eq and ne)",
                    *value);
  }
  pred.value = std::move(parsed).value();
  return filter::Predicate(std::move(pred));
}

constexpr std::string_view kNodeKeys =
    "an object with one key: and, or, not, tag, subscription, subscribed_at, interacted, attr, "
    "locale, time_zone, state, assignee, account, ids or segment (or the text form as a string)";

Result<Node> Read(const json::value& v, std::string_view path, int depth);

Result<Node> ReadList(Node::Kind kind, const json::value& v, std::string_view path, int depth) {
  const json::array* a = v.if_array();
  const bool is_and = kind == Node::Kind::kAnd;
  if (a == nullptr || (!is_and && a->empty())) {
    return Expected(path, is_and ? "an array of filters" : "a non-empty array of filters", v);
  }
  std::vector<Node> children;
  children.reserve(a->size());
  for (std::size_t i = 0; i < a->size(); ++i) {
    auto child = Read((*a)[i], Element(path, i), depth + 1);
    if (!child.ok()) return child;
    children.push_back(std::move(child).value());
  }
  // One element is that element: the tree keeps its documented shape (two or more children).
  if (children.size() == 1) return std::move(children[0]);
  return Node{kind, std::move(children), std::nullopt};
}

Result<filter::Predicate> ReadPredicate(std::string_view name, const json::value& v,
                                        std::string_view path) {
  if (name == "tag") return ReadTag(v, path);
  if (name == "subscription") {
    const json::string* s = v.if_string();
    const auto status = s != nullptr ? ParseSubscriptionStatus(*s) : std::nullopt;
    if (!status) return Expected(path, "\"subscribed\" or \"unsubscribed\"", v);
    return filter::Predicate(filter::SubscriptionPred{*status});
  }
  if (name == "subscribed_at") {
    auto when = ReadWhen(v, path, nullptr);
    if (!when.ok()) return when.error();
    return filter::Predicate(filter::SubscribedAtPred{*when});
  }
  if (name == "interacted") {
    std::optional<Id> account;
    auto when = ReadWhen(v, path, &account);
    if (!when.ok()) return when.error();
    return filter::Predicate(filter::InteractedPred{account, *when});
  }
  if (name == "attr") return ReadAttr(v, path);
  if (name == "locale") {
    auto list = NonEmptyStrings(v, path, "locales like \"zh_TW\"");
    if (!list.ok()) return list.error();
    return filter::Predicate(filter::LocalePred{std::move(list).value()});
  }
  if (name == "time_zone") {
    auto list = NonEmptyStrings(v, path, "time zones like \"Asia/Taipei\"");
    if (!list.ok()) return list.error();
    return filter::Predicate(filter::TimeZonePred{std::move(list).value()});
  }
  if (name == "state") {
    const json::string* s = v.if_string();
    const auto state = s != nullptr ? ParseConversationState(*s) : std::nullopt;
    if (!state) return Expected(path, "\"open\", \"in_progress\" or \"closed\"", v);
    return filter::Predicate(filter::ConversationPred{*state});
  }
  if (name == "assignee") {
    if (v.is_null()) return filter::Predicate(filter::AssigneePred{std::nullopt});
    auto s = NonEmptyString(v, path, "an assignee name, or null for nobody");
    if (!s.ok()) return s.error();
    return filter::Predicate(filter::AssigneePred{std::move(s).value()});
  }
  if (name == "account") {
    auto id = PositiveId(v, path, "a channel account id (a positive integer)");
    if (!id.ok()) return id.error();
    return filter::Predicate(filter::AccountPred{*id});
  }
  if (name == "ids") {
    const json::array* a = v.if_array();
    if (a == nullptr || a->empty()) return Expected(path, "a non-empty array of contact ids", v);
    std::vector<Id> ids;
    ids.reserve(a->size());
    for (std::size_t i = 0; i < a->size(); ++i) {
      auto id = PositiveId((*a)[i], Element(path, i), "a contact id (a positive integer)");
      if (!id.ok()) return id.error();
      ids.push_back(*id);
    }
    std::sort(ids.begin(), ids.end());
    ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
    return filter::Predicate(filter::IdsPred{std::move(ids)});
  }
  if (name == "segment") {
    auto s = NonEmptyString(v, path, "a segment name");
    if (!s.ok()) return s.error();
    return filter::Predicate(filter::SegmentPred{std::move(s).value()});
  }
  return ExpectedFound(path, kNodeKeys, "an unknown key");
}

Result<Node> Read(const json::value& v, std::string_view path, int depth) {
  if (depth > kMaxDepth) {
    return ExpectedFound(path, "at most " + std::to_string(kMaxDepth) + " levels of nesting",
                         "deeper nesting");
  }
  if (const json::string* text = v.if_string()) {
    auto node = filter::ParseText(*text);
    if (!node.ok()) return InvalidArgument(std::string(path), node.error().message);
    return node;
  }
  auto key = SingleKey(v, path, kNodeKeys);
  if (!key.ok()) return key.error();
  const auto [name, value] = *key;
  const std::string at = Child(path, name);
  if (name == "and") return ReadList(Node::Kind::kAnd, *value, at, depth);
  if (name == "or") return ReadList(Node::Kind::kOr, *value, at, depth);
  if (name == "not") {
    auto child = Read(*value, at, depth + 1);
    if (!child.ok()) return child;
    return Node{Node::Kind::kNot, {std::move(child).value()}, std::nullopt};
  }
  auto predicate = ReadPredicate(name, *value, at);
  if (!predicate.ok()) return predicate.error();
  return Node::Leaf(std::move(predicate).value());
}

json::value TimePointJson(const filter::TimePoint& p) {
  if (p.absolute) return json::value(FormatRfc3339(*p.absolute));
  return json::value(filter::FormatDuration(p.ago));
}

json::object WhenJson(const filter::TimeCmp& when) {
  json::object o;
  if (!when.point.absolute && when.cmp == Cmp::kGt) {
    o["within"] = TimePointJson(when.point);
  } else if (when.cmp == Cmp::kLt) {
    o["before"] = TimePointJson(when.point);
  } else if (when.point.absolute && when.cmp == Cmp::kGt) {
    o["after"] = TimePointJson(when.point);
  } else {
    o["op"] = CmpToName(when.cmp);
    o[when.point.absolute ? "time" : "ago"] = TimePointJson(when.point);
  }
  return o;
}

json::array StringsJson(const std::vector<std::string>& list) {
  json::array a;
  for (const std::string& s : list) a.emplace_back(s);
  return a;
}

json::value AttrValueJson(const AttributeValue& v) {
  if (const auto* s = std::get_if<std::string>(&v)) return json::value(*s);
  if (const auto* d = std::get_if<double>(&v)) return json::value(*d);
  if (const auto* b = std::get_if<bool>(&v)) return json::value(*b);
  return json::value({{"time", FormatRfc3339(std::get<Time>(v))}});
}

json::value PredicateJson(const filter::Predicate& predicate) {
  struct Visitor {
    json::object operator()(const filter::TagPred& p) const {
      const char* match = p.match == filter::TagMatch::kAnyOf   ? "any"
                          : p.match == filter::TagMatch::kAllOf ? "all"
                                                                : "none";
      return {{"tag", json::object{{match, StringsJson(p.tags)}}}};
    }
    json::object operator()(const filter::SubscriptionPred& p) const {
      return {{"subscription", ToString(p.status)}};
    }
    json::object operator()(const filter::SubscribedAtPred& p) const {
      return {{"subscribed_at", WhenJson(p.when)}};
    }
    json::object operator()(const filter::InteractedPred& p) const {
      json::object when = WhenJson(p.when);
      if (p.channel_account_id) when["channel_account_id"] = *p.channel_account_id;
      return {{"interacted", std::move(when)}};
    }
    json::object operator()(const filter::AttrPred& p) const {
      json::object attr{{"key", p.key}, {"op", AttrOpToName(p.op)}};
      if (p.value && p.op != AttrOp::kExists) attr["value"] = AttrValueJson(*p.value);
      return {{"attr", std::move(attr)}};
    }
    json::object operator()(const filter::LocalePred& p) const {
      return {{"locale", StringsJson(p.locales)}};
    }
    json::object operator()(const filter::TimeZonePred& p) const {
      return {{"time_zone", StringsJson(p.zones)}};
    }
    json::object operator()(const filter::ConversationPred& p) const {
      return {{"state", ToString(p.state)}};
    }
    json::object operator()(const filter::AssigneePred& p) const {
      json::object o;
      o["assignee"] = p.assignee ? json::value(*p.assignee) : json::value(nullptr);
      return o;
    }
    json::object operator()(const filter::AccountPred& p) const {
      return {{"account", p.channel_account_id}};
    }
    json::object operator()(const filter::IdsPred& p) const {
      json::array ids;
      for (Id id : p.contact_ids) ids.emplace_back(id);
      return {{"ids", std::move(ids)}};
    }
    json::object operator()(const filter::SegmentPred& p) const { return {{"segment", p.name}}; }
  };
  return std::visit(Visitor{}, predicate);
}

}  // namespace

Result<Node> FilterFromJson(const boost::json::value& json, std::string_view path) {
  return Read(json, path, 0);
}

boost::json::value FilterToJson(const Node& node) {
  switch (node.kind) {
    case Node::Kind::kPredicate:
      if (node.predicate) return PredicateJson(*node.predicate);
      break;
    case Node::Kind::kNot:
      if (node.children.size() == 1) return {{"not", FilterToJson(node.children[0])}};
      break;
    case Node::Kind::kAnd:
    case Node::Kind::kOr: {
      json::array children;
      for (const Node& child : node.children) children.push_back(FilterToJson(child));
      json::object o;
      o[node.kind == Node::Kind::kAnd ? "and" : "or"] = std::move(children);
      return o;
    }
  }
  return json::object{{"and", json::array{}}};
}

}  // namespace crier::api
