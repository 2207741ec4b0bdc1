#include "core/filter.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <limits>
#include <string_view>
#include <system_error>

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
bool Same(const SegmentPred& a, const SegmentPred& b) { return a.name == b.name; }

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
    // Unexpanded, a reference has no meaning of its own (see ExpandSegments).
    bool operator()(const SegmentPred&) const { return false; }
  };
  return std::visit(Visitor{c, now}, predicate);
}

// --- text form --------------------------------------------------------------------------

constexpr int kMaxDepth = 64;
// Relative times beyond a century are surely mistakes, and the cap keeps now - ago far from
// overflow.
constexpr std::int64_t kMaxAgeDays = 36500;
constexpr std::int64_t kMillisPerDay = 86'400'000;
constexpr std::size_t kMaxAttrKey = 64;
constexpr std::size_t kMaxFoundChars = 24;

char Lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (Lower(a[i]) != Lower(b[i])) return false;
  }
  return true;
}

std::string ToLower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = Lower(c);
  return out;
}

bool IsSpace(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }
bool IsDigit(char c) { return c >= '0' && c <= '9'; }
bool IsWordStart(char c) { return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_'; }
bool IsWordChar(char c) { return IsWordStart(c) || IsDigit(c); }
// Characters of a bare tag name; anything else needs quotes. Bytes >= 0x80 let UTF-8 names
// ("會員") go bare.
bool IsBareTagChar(char c) {
  return IsWordChar(c) || c == '-' || c == '.' || static_cast<unsigned char>(c) >= 0x80;
}
// Characters of a bare value: numbers, durations and RFC 3339 times.
bool IsValueChar(char c) { return IsWordChar(c) || c == ':' || c == '.' || c == '+' || c == '-'; }

void AppendQuoted(std::string& out, std::string_view s) {
  static constexpr char kHex[] = "0123456789abcdef";
  out += '"';
  for (char c : s) {
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      case '\b':
        out += "\\b";
        break;
      case '\f':
        out += "\\f";
        break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          out += "\\u00";
          out += kHex[(c >> 4) & 0xf];
          out += kHex[c & 0xf];
        } else {
          out += c;
        }
    }
  }
  out += '"';
}

std::string Quoted(std::string_view s) {
  std::string out;
  AppendQuoted(out, s);
  return out;
}

void AppendUtf8(std::string& out, std::uint32_t cp) {
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xc0 | (cp >> 6));
    out += static_cast<char>(0x80 | (cp & 0x3f));
  } else if (cp < 0x10000) {
    out += static_cast<char>(0xe0 | (cp >> 12));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3f));
    out += static_cast<char>(0x80 | (cp & 0x3f));
  } else {
    out += static_cast<char>(0xf0 | (cp >> 18));
    out += static_cast<char>(0x80 | ((cp >> 12) & 0x3f));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3f));
    out += static_cast<char>(0x80 | (cp & 0x3f));
  }
}

// JSON number grammar: -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?
bool IsJsonNumber(std::string_view s) {
  std::size_t i = 0;
  const auto digits = [&] {
    const std::size_t start = i;
    while (i < s.size() && IsDigit(s[i])) ++i;
    return i > start;
  };
  if (i < s.size() && s[i] == '-') ++i;
  if (i < s.size() && s[i] == '0') {
    ++i;
  } else if (!digits()) {
    return false;
  }
  if (i < s.size() && s[i] == '.') {
    ++i;
    if (!digits()) return false;
  }
  if (i < s.size() && (s[i] == 'e' || s[i] == 'E')) {
    ++i;
    if (i < s.size() && (s[i] == '+' || s[i] == '-')) ++i;
    if (!digits()) return false;
  }
  return i == s.size();
}

// "24h" -> 24 h. Units: ms, s, m, h, d (any case). No sign, no fraction. Duration::max()
// when beyond the cap, so that the parser can say so.
std::optional<Duration> ParseDurationOrMax(std::string_view s) {
  std::size_t i = 0;
  while (i < s.size() && IsDigit(s[i])) ++i;
  if (i == 0 || i > 15) return std::nullopt;  // 15 digits cannot overflow the sums below
  std::int64_t n = 0;
  std::from_chars(s.data(), s.data() + i, n);
  const std::string unit = ToLower(s.substr(i));
  std::int64_t scale = 0;
  if (unit == "ms") {
    scale = 1;
  } else if (unit == "s") {
    scale = 1000;
  } else if (unit == "m") {
    scale = 60'000;
  } else if (unit == "h") {
    scale = 3'600'000;
  } else if (unit == "d") {
    scale = kMillisPerDay;
  } else {
    return std::nullopt;
  }
  if (n > kMaxAgeDays * kMillisPerDay / scale) return Duration::max();  // caller reports
  return Duration(n * scale);
}

std::string FormatDurationText(Duration d) {
  const std::int64_t ms = d.count();
  struct Unit {
    std::int64_t scale;
    const char* name;
  };
  // The largest unit that divides, except that one day reads as the familiar 24h.
  for (const Unit u :
       {Unit{kMillisPerDay, "d"}, Unit{3'600'000, "h"}, Unit{60'000, "m"}, Unit{1000, "s"}}) {
    if (u.scale == kMillisPerDay && ms == kMillisPerDay) continue;
    if (ms != 0 && ms % u.scale == 0) return std::to_string(ms / u.scale) + u.name;
  }
  return std::to_string(ms) + (ms == 0 ? "m" : "ms");
}

// The text form reads relative times as ages; the tree compares times. An age below a bound
// is a time above now - bound, so the order flips and (in)equality stays.
Cmp FlipForAge(Cmp cmp) {
  switch (cmp) {
    case Cmp::kLt:
      return Cmp::kGt;
    case Cmp::kLe:
      return Cmp::kGe;
    case Cmp::kGt:
      return Cmp::kLt;
    case Cmp::kGe:
      return Cmp::kLe;
    case Cmp::kEq:
    case Cmp::kNe:
      break;
  }
  return cmp;
}

const char* CmpText(Cmp cmp) {
  switch (cmp) {
    case Cmp::kEq:
      return "=";
    case Cmp::kNe:
      return "!=";
    case Cmp::kLt:
      return "<";
    case Cmp::kLe:
      return "<=";
    case Cmp::kGt:
      return ">";
    case Cmp::kGe:
      return ">=";
  }
  return "=";
}

AttrOp ToAttrOp(Cmp cmp) {
  switch (cmp) {
    case Cmp::kEq:
      return AttrOp::kEq;
    case Cmp::kNe:
      return AttrOp::kNe;
    case Cmp::kLt:
      return AttrOp::kLt;
    case Cmp::kLe:
      return AttrOp::kLe;
    case Cmp::kGt:
      return AttrOp::kGt;
    case Cmp::kGe:
      return AttrOp::kGe;
  }
  return AttrOp::kEq;
}

std::string FormatNumber(double d) {
  char buf[64];
  const auto r = std::to_chars(buf, buf + sizeof buf, d);
  return std::string(buf, r.ptr);
}

constexpr std::string_view kPredicates =
    "a predicate (tag, subscribed, unsubscribed, subscribed_at, interacted, attr, locale, "
    "timezone, state, assignee, account, ids, segment, all)";
constexpr std::string_view kTimeValue = "a duration like 24h or a time like 2026-11-01T00:00:00Z";
constexpr std::string_view kAttrValue =
    "a value (\"text\", a number, true, false or a time like 2026-11-01T00:00:00Z)";

class Parser {
 public:
  explicit Parser(std::string_view text) : text_(text) {}

  Result<Node> ParseAll() {
    SkipSpace();
    if (AtEnd()) return Node::All();
    auto node = ParseOr();
    if (!node.ok()) return node;
    SkipSpace();
    if (!AtEnd()) return Fail(pos_, "and, or or the end of the filter");
    return node;
  }

 private:
  using Names = std::vector<std::string>;

  bool AtEnd() const { return pos_ >= text_.size(); }
  char Peek() const { return AtEnd() ? '\0' : text_[pos_]; }
  void SkipSpace() {
    while (!AtEnd() && IsSpace(text_[pos_])) ++pos_;
  }

  // What stands at `at`, for error messages: a word or a single character, quoted.
  std::string FoundAt(std::size_t at) const {
    if (at >= text_.size()) return "the end of the filter";
    std::size_t end = at;
    if (IsValueChar(text_[at]) || static_cast<unsigned char>(text_[at]) >= 0x80) {
      while (end < text_.size() && end - at < kMaxFoundChars &&
             (IsValueChar(text_[end]) || static_cast<unsigned char>(text_[end]) >= 0x80)) {
        ++end;
      }
    } else {
      end = at + 1;
    }
    return Quoted(text_.substr(at, end - at));
  }

  Error Fail(std::size_t at, std::string_view expected) const {
    return FailFound(at, expected, FoundAt(at));
  }
  Error FailFound(std::size_t at, std::string_view expected, std::string_view found) const {
    std::string message = "at " + std::to_string(at) + ": expected ";
    message += expected;
    message += ", found ";
    message += found;
    return InvalidArgument("filter", std::move(message));
  }

  std::string_view PeekWord() const {
    if (AtEnd() || !IsWordStart(text_[pos_])) return {};
    std::size_t end = pos_;
    while (end < text_.size() && IsWordChar(text_[end])) ++end;
    return text_.substr(pos_, end - pos_);
  }

  bool ConsumeKeyword(std::string_view keyword) {
    SkipSpace();
    if (!EqualsIgnoreCase(PeekWord(), keyword)) return false;
    pos_ += keyword.size();
    return true;
  }

  bool ConsumeChar(char c) {
    SkipSpace();
    if (Peek() != c) return false;
    ++pos_;
    return true;
  }

  Status ExpectChar(char c, std::string_view expected) {
    if (ConsumeChar(c)) return Status::Ok();
    return Fail(pos_, expected);
  }

  Result<Node> ParseOr() {
    std::vector<Node> children;
    do {
      auto child = ParseAnd();
      if (!child.ok()) return child;
      children.push_back(std::move(child).value());
    } while (ConsumeKeyword("or"));
    if (children.size() == 1) return std::move(children[0]);
    return Node{Node::Kind::kOr, std::move(children), std::nullopt};
  }

  Result<Node> ParseAnd() {
    std::vector<Node> children;
    do {
      auto child = ParseUnary();
      if (!child.ok()) return child;
      children.push_back(std::move(child).value());
    } while (ConsumeKeyword("and"));
    if (children.size() == 1) return std::move(children[0]);
    return Node{Node::Kind::kAnd, std::move(children), std::nullopt};
  }

  // Each `not` and `(` nests one level; the cap keeps hostile input from exhausting the stack.
  Result<Node> ParseUnary() {
    SkipSpace();
    const std::size_t start = pos_;
    const bool is_not = EqualsIgnoreCase(PeekWord(), "not");
    if (!is_not && Peek() != '(') return ParsePredicate();
    if (depth_ == kMaxDepth) {
      return FailFound(start, "at most " + std::to_string(kMaxDepth) + " levels of nesting",
                       "deeper nesting");
    }
    ++depth_;
    Result<Node> node = Node::All();
    if (is_not) {
      pos_ += 3;
      auto child = ParseUnary();
      node = child.ok()
                 ? Result<Node>(Node{Node::Kind::kNot, {std::move(child).value()}, std::nullopt})
                 : Result<Node>(child.error());
    } else {
      ++pos_;
      node = ParseOr();
      if (node.ok() && !ConsumeChar(')')) node = Fail(pos_, "\")\", and or or");
    }
    --depth_;
    return node;
  }

  Result<Node> ParsePredicate() {
    const std::size_t start = pos_;
    const std::string word = ToLower(PeekWord());
    if (word.empty()) return Fail(start, kPredicates);
    pos_ += word.size();
    if (word == "all") return Node::All();
    if (word == "subscribed") return Node::Leaf(SubscriptionPred{SubscriptionStatus::kSubscribed});
    if (word == "unsubscribed") {
      return Node::Leaf(SubscriptionPred{SubscriptionStatus::kUnsubscribed});
    }
    if (word == "tag") return ParseTag();
    if (word == "subscribed_at") {
      auto when = ParseTimeCmp();
      if (!when.ok()) return when.error();
      return Node::Leaf(SubscribedAtPred{*when});
    }
    if (word == "interacted") return ParseInteracted();
    if (word == "attr") return ParseAttr();
    if (word == "locale") {
      auto list = ParseStringSet("a locale like \"zh_TW\"");
      if (!list.ok()) return list.error();
      return Node::Leaf(LocalePred{std::move(list).value()});
    }
    if (word == "timezone" || word == "time_zone") {
      auto list = ParseStringSet("a time zone like \"Asia/Taipei\"");
      if (!list.ok()) return list.error();
      return Node::Leaf(TimeZonePred{std::move(list).value()});
    }
    if (word == "state") return ParseState();
    if (word == "assignee") return ParseAssignee();
    if (word == "account") {
      CRIER_RETURN_IF_ERROR(ExpectChar('=', "\"=\""));
      auto id = ParseId("a channel account id (a positive integer)");
      if (!id.ok()) return id.error();
      return Node::Leaf(AccountPred{*id});
    }
    if (word == "ids") return ParseIds();
    if (word == "segment") {
      CRIER_RETURN_IF_ERROR(ExpectChar(':', "\":\" and a segment name after segment"));
      auto name = ParseName("a segment name");
      if (!name.ok()) return name.error();
      return Node::Leaf(SegmentPred{std::move(name).value()});
    }
    return Fail(start, kPredicates);
  }

  Result<Node> ParseTag() {
    if (ConsumeChar(':')) {
      auto name = ParseName("a tag name");
      if (!name.ok()) return name.error();
      return Node::Leaf(TagPred{TagMatch::kAnyOf, {std::move(name).value()}});
    }
    TagMatch match;
    if (ConsumeKeyword("any")) {
      match = TagMatch::kAnyOf;
    } else if (ConsumeKeyword("all")) {
      match = TagMatch::kAllOf;
    } else if (ConsumeKeyword("none")) {
      match = TagMatch::kNoneOf;
    } else {
      return Fail(pos_, "\":\", any(, all( or none( after tag");
    }
    CRIER_RETURN_IF_ERROR(ExpectChar('(', "\"(\""));
    Names tags;
    do {
      auto name = ParseName("a tag name");
      if (!name.ok()) return name.error();
      tags.push_back(std::move(name).value());
    } while (ConsumeChar(','));
    CRIER_RETURN_IF_ERROR(ExpectChar(')', "\",\" or \")\""));
    return Node::Leaf(TagPred{match, std::move(tags)});
  }

  // A tag or segment name, bare or quoted; `what` names it in errors.
  Result<std::string> ParseName(std::string_view what) {
    SkipSpace();
    const std::size_t start = pos_;
    if (Peek() == '"') {
      auto s = ParseString();
      if (!s.ok()) return s;
      if (s->empty()) return Fail(start, what);
      return s;
    }
    while (!AtEnd() && IsBareTagChar(text_[pos_])) ++pos_;
    if (pos_ == start) return Fail(start, what);
    return std::string(text_.substr(start, pos_ - start));
  }

  Result<Node> ParseInteracted() {
    std::optional<Id> account;
    if (ConsumeChar('@')) {
      SkipSpace();
      auto id = ParseId("a channel account id (a positive integer) after @");
      if (!id.ok()) return id.error();
      account = *id;
    }
    auto when = ParseTimeCmp();
    if (!when.ok()) return when.error();
    return Node::Leaf(InteractedPred{account, *when});
  }

  Result<Cmp> ParseCmp() {
    SkipSpace();
    const std::string_view rest = text_.substr(pos_);
    struct Op {
      std::string_view text;
      Cmp cmp;
    };
    // Two-character operators first, so "<=" is not read as "<".
    for (const Op op : {Op{"<=", Cmp::kLe}, Op{">=", Cmp::kGe}, Op{"!=", Cmp::kNe},
                        Op{"<", Cmp::kLt}, Op{">", Cmp::kGt}, Op{"=", Cmp::kEq}}) {
      if (rest.substr(0, op.text.size()) == op.text) {
        pos_ += op.text.size();
        return op.cmp;
      }
    }
    return Fail(pos_, "a comparison (=, !=, <, <=, >, >=)");
  }

  std::string_view ScanValueToken() {
    SkipSpace();
    const std::size_t start = pos_;
    while (!AtEnd() && IsValueChar(text_[pos_])) ++pos_;
    return text_.substr(start, pos_ - start);
  }

  Result<TimeCmp> ParseTimeCmp() {
    auto cmp = ParseCmp();
    if (!cmp.ok()) return cmp.error();
    SkipSpace();
    const std::size_t start = pos_;
    const std::string_view token = ScanValueToken();
    if (const auto ago = ParseDurationOrMax(token)) {
      if (*ago == Duration::max()) {
        pos_ = start;
        return Fail(start, "a duration of at most " + std::to_string(kMaxAgeDays) + "d");
      }
      return TimeCmp{FlipForAge(*cmp), TimePoint{std::nullopt, *ago}};
    }
    Time t{};
    if (!token.empty() && ParseRfc3339(token, &t)) return TimeCmp{*cmp, TimePoint{t, {}}};
    pos_ = start;
    return Fail(start, kTimeValue);
  }

  Result<Node> ParseAttr() {
    if (Peek() != '.') return Fail(pos_, "\".\" and a key after attr");
    ++pos_;
    const std::size_t key_start = pos_;
    while (!AtEnd() && IsWordChar(text_[pos_])) ++pos_;
    const std::string key(text_.substr(key_start, pos_ - key_start));
    if (key.empty() || key.size() > kMaxAttrKey) {
      pos_ = key_start;
      return Fail(key_start, "an attribute key of 1 to 64 letters, digits or _");
    }
    if (ConsumeKeyword("exists")) return Node::Leaf(AttrPred{key, AttrOp::kExists, std::nullopt});
    if (ConsumeKeyword("contains")) {
      SkipSpace();
      if (Peek() != '"') return Fail(pos_, "a \"quoted\" text after contains");
      auto s = ParseString();
      if (!s.ok()) return s.error();
      return Node::Leaf(AttrPred{key, AttrOp::kContains, AttributeValue(std::move(s).value())});
    }
    SkipSpace();
    if (Peek() != '=' && Peek() != '!' && Peek() != '<' && Peek() != '>') {
      return Fail(pos_, "a comparison (=, !=, <, <=, >, >=), contains or exists");
    }
    auto cmp = ParseCmp();
    if (!cmp.ok()) return cmp.error();
    SkipSpace();
    const std::size_t value_start = pos_;
    auto value = ParseAttrValue();
    if (!value.ok()) return value.error();
    if (std::holds_alternative<bool>(*value) && *cmp != Cmp::kEq && *cmp != Cmp::kNe) {
      return FailFound(value_start, "a number, text or time after " + std::string(CmpText(*cmp)),
                       FoundAt(value_start) + " (true and false compare only with = and !=)");
    }
    return Node::Leaf(AttrPred{key, ToAttrOp(*cmp), std::move(value).value()});
  }

  Result<AttributeValue> ParseAttrValue() {
    SkipSpace();
    const std::size_t start = pos_;
    if (Peek() == '"') {
      auto s = ParseString();
      if (!s.ok()) return s.error();
      return AttributeValue(std::move(s).value());
    }
    const std::string_view token = ScanValueToken();
    if (EqualsIgnoreCase(token, "true")) return AttributeValue(true);
    if (EqualsIgnoreCase(token, "false")) return AttributeValue(false);
    if (IsJsonNumber(token)) {
      double d = 0;
      const auto r = std::from_chars(token.data(), token.data() + token.size(), d);
      if (r.ec == std::errc() && std::isfinite(d)) return AttributeValue(d);
      pos_ = start;
      return Fail(start, "a number within the range of a double");
    }
    Time t{};
    if (!token.empty() && ParseRfc3339(token, &t)) return AttributeValue(t);
    pos_ = start;
    return Fail(start, kAttrValue);
  }

  // `= "a"` or `in ("a", "b")`.
  Result<Names> ParseStringSet(std::string_view what) {
    Names out;
    if (ConsumeChar('=')) {
      auto s = ParseNonEmptyString(what);
      if (!s.ok()) return s.error();
      out.push_back(std::move(s).value());
      return out;
    }
    if (!ConsumeKeyword("in")) return Fail(pos_, "= or in");
    CRIER_RETURN_IF_ERROR(ExpectChar('(', "\"(\""));
    do {
      auto s = ParseNonEmptyString(what);
      if (!s.ok()) return s.error();
      out.push_back(std::move(s).value());
    } while (ConsumeChar(','));
    CRIER_RETURN_IF_ERROR(ExpectChar(')', "\",\" or \")\""));
    return out;
  }

  Result<std::string> ParseNonEmptyString(std::string_view what) {
    SkipSpace();
    const std::size_t start = pos_;
    if (Peek() != '"') return Fail(start, what);
    auto s = ParseString();
    if (s.ok() && s->empty()) return Fail(start, what);
    return s;
  }

  Result<Node> ParseState() {
    CRIER_RETURN_IF_ERROR(ExpectChar('=', "\"=\""));
    SkipSpace();
    const std::size_t start = pos_;
    const std::string word = ToLower(PeekWord());
    const auto state = ParseConversationState(word);
    if (!state) return Fail(start, "open, in_progress or closed");
    pos_ += word.size();
    return Node::Leaf(ConversationPred{*state});
  }

  Result<Node> ParseAssignee() {
    CRIER_RETURN_IF_ERROR(ExpectChar('=', "\"=\""));
    if (ConsumeKeyword("none")) return Node::Leaf(AssigneePred{std::nullopt});
    auto s = ParseNonEmptyString("an assignee like \"alice\" or none");
    if (!s.ok()) return s.error();
    return Node::Leaf(AssigneePred{std::move(s).value()});
  }

  Result<Node> ParseIds() {
    CRIER_RETURN_IF_ERROR(ExpectChar('(', "\"(\""));
    std::vector<Id> ids;
    do {
      SkipSpace();
      auto id = ParseId("a contact id (a positive integer)");
      if (!id.ok()) return id.error();
      ids.push_back(*id);
    } while (ConsumeChar(','));
    CRIER_RETURN_IF_ERROR(ExpectChar(')', "\",\" or \")\""));
    std::sort(ids.begin(), ids.end());
    ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
    return Node::Leaf(IdsPred{std::move(ids)});
  }

  Result<Id> ParseId(std::string_view what) {
    SkipSpace();
    const std::size_t start = pos_;
    while (!AtEnd() && IsWordChar(text_[pos_])) ++pos_;
    const std::string_view token = text_.substr(start, pos_ - start);
    Id id = 0;
    const auto r = std::from_chars(token.data(), token.data() + token.size(), id);
    if (token.empty() || r.ec != std::errc() || r.ptr != token.data() + token.size() || id <= 0) {
      pos_ = start;
      return Fail(start, what);
    }
    return id;
  }

  // A double-quoted string with JSON escapes; pos_ is at the opening quote.
  Result<std::string> ParseString() {
    const std::size_t open = pos_;
    ++pos_;
    std::string out;
    while (true) {
      if (AtEnd()) return FailFound(open, "a closing \" for this text", "the end of the filter");
      const char c = text_[pos_];
      if (c == '"') {
        ++pos_;
        return out;
      }
      if (static_cast<unsigned char>(c) < 0x20) {
        return Fail(pos_, "a printable character or an escape like \\n");
      }
      if (c != '\\') {
        out += c;
        ++pos_;
        continue;
      }
      const std::size_t escape = pos_;
      ++pos_;
      switch (AtEnd() ? '\0' : text_[pos_]) {
        case '"':
          out += '"';
          break;
        case '\\':
          out += '\\';
          break;
        case '/':
          out += '/';
          break;
        case 'b':
          out += '\b';
          break;
        case 'f':
          out += '\f';
          break;
        case 'n':
          out += '\n';
          break;
        case 'r':
          out += '\r';
          break;
        case 't':
          out += '\t';
          break;
        case 'u': {
          auto cp = ParseUnicodeEscape(escape);
          if (!cp.ok()) return cp.error();
          AppendUtf8(out, *cp);
          continue;  // ParseUnicodeEscape moved past the escape
        }
        default:
          return Fail(escape, "an escape (\\\" \\\\ \\/ \\b \\f \\n \\r \\t \\uXXXX)");
      }
      ++pos_;
    }
  }

  // pos_ is at the 'u' of \uXXXX; leaves pos_ after the escape (and its low surrogate).
  Result<std::uint32_t> ParseUnicodeEscape(std::size_t escape) {
    const auto hex4 = [this](std::size_t at) -> std::optional<std::uint32_t> {
      if (at + 4 > text_.size()) return std::nullopt;
      std::uint32_t v = 0;
      const auto r = std::from_chars(text_.data() + at, text_.data() + at + 4, v, 16);
      if (r.ec != std::errc() || r.ptr != text_.data() + at + 4) return std::nullopt;
      return v;
    };
    const auto high = hex4(pos_ + 1);
    if (!high) return Fail(escape, "\\u and four hex digits");
    pos_ += 5;
    if (*high >= 0xdc00 && *high <= 0xdfff) return Fail(escape, "a high surrogate first");
    if (*high < 0xd800 || *high > 0xdbff) return *high;
    const auto low = (text_.substr(pos_, 2) == "\\u") ? hex4(pos_ + 2) : std::nullopt;
    if (!low || *low < 0xdc00 || *low > 0xdfff) {
      return Fail(pos_, "a \\u low surrogate after a high surrogate");
    }
    pos_ += 6;
    return 0x10000 + ((*high - 0xd800) << 10) + (*low - 0xdc00);
  }

  std::string_view text_;
  std::size_t pos_ = 0;
  int depth_ = 0;
};

// A tag or segment name: bare when it can be, else quoted.
void AppendTag(std::string& out, const std::string& tag) {
  const bool bare = !tag.empty() && std::all_of(tag.begin(), tag.end(), IsBareTagChar);
  if (bare) {
    out += tag;
  } else {
    AppendQuoted(out, tag);
  }
}

void AppendTimeCmp(std::string& out, const TimeCmp& when) {
  out += ' ';
  if (when.point.absolute) {
    out += CmpText(when.cmp);
    out += ' ';
    out += FormatRfc3339(*when.point.absolute);
  } else {
    out += CmpText(FlipForAge(when.cmp));
    out += ' ';
    out += FormatDurationText(when.point.ago);
  }
}

void AppendStringSet(std::string& out, const std::vector<std::string>& list) {
  if (list.size() == 1) {
    out += " = ";
    AppendQuoted(out, list[0]);
    return;
  }
  out += " in (";
  for (std::size_t i = 0; i < list.size(); ++i) {
    if (i > 0) out += ", ";
    AppendQuoted(out, list[i]);
  }
  out += ')';
}

void AppendValue(std::string& out, const AttributeValue& v) {
  if (const auto* s = std::get_if<std::string>(&v)) {
    AppendQuoted(out, *s);
  } else if (const auto* d = std::get_if<double>(&v)) {
    out += FormatNumber(*d);
  } else if (const auto* b = std::get_if<bool>(&v)) {
    out += *b ? "true" : "false";
  } else {
    out += FormatRfc3339(std::get<Time>(v));
  }
}

void AppendPredicate(std::string& out, const Predicate& predicate) {
  struct Visitor {
    std::string& out;
    void operator()(const TagPred& p) const {
      if (p.match == TagMatch::kAnyOf && p.tags.size() == 1) {
        out += "tag:";
        AppendTag(out, p.tags[0]);
        return;
      }
      out += p.match == TagMatch::kAnyOf   ? "tag any("
             : p.match == TagMatch::kAllOf ? "tag all("
                                           : "tag none(";
      for (std::size_t i = 0; i < p.tags.size(); ++i) {
        if (i > 0) out += ", ";
        AppendTag(out, p.tags[i]);
      }
      out += ')';
    }
    void operator()(const SubscriptionPred& p) const {
      out += p.status == SubscriptionStatus::kSubscribed ? "subscribed" : "unsubscribed";
    }
    void operator()(const SubscribedAtPred& p) const {
      out += "subscribed_at";
      AppendTimeCmp(out, p.when);
    }
    void operator()(const InteractedPred& p) const {
      out += "interacted";
      if (p.channel_account_id) out += "@" + std::to_string(*p.channel_account_id);
      AppendTimeCmp(out, p.when);
    }
    void operator()(const AttrPred& p) const {
      out += "attr." + p.key;
      switch (p.op) {
        case AttrOp::kExists:
          out += " exists";
          return;
        case AttrOp::kContains:
          out += " contains ";
          break;
        default:
          out += ' ';
          out += CmpText(ToCmp(p.op));
          out += ' ';
      }
      if (p.value) AppendValue(out, *p.value);
    }
    void operator()(const LocalePred& p) const {
      out += "locale";
      AppendStringSet(out, p.locales);
    }
    void operator()(const TimeZonePred& p) const {
      out += "timezone";
      AppendStringSet(out, p.zones);
    }
    void operator()(const ConversationPred& p) const {
      out += "state = ";
      out += ToString(p.state);
    }
    void operator()(const AssigneePred& p) const {
      out += "assignee = ";
      if (p.assignee) {
        AppendQuoted(out, *p.assignee);
      } else {
        out += "none";
      }
    }
    void operator()(const AccountPred& p) const {
      out += "account = " + std::to_string(p.channel_account_id);
    }
    void operator()(const IdsPred& p) const {
      out += "ids(";
      for (std::size_t i = 0; i < p.contact_ids.size(); ++i) {
        if (i > 0) out += ", ";
        out += std::to_string(p.contact_ids[i]);
      }
      out += ')';
    }
    void operator()(const SegmentPred& p) const {
      out += "segment:";
      AppendTag(out, p.name);
    }
  };
  std::visit(Visitor{out}, predicate);
}

bool IsCompound(const Node& n) {
  return (n.kind == Node::Kind::kAnd || n.kind == Node::Kind::kOr) && !n.children.empty();
}

void AppendNode(std::string& out, const Node& node) {
  switch (node.kind) {
    case Node::Kind::kPredicate:
      if (node.predicate) AppendPredicate(out, *node.predicate);
      return;
    case Node::Kind::kNot:
      out += "not ";
      if (node.children.empty()) return;
      if (IsCompound(node.children[0])) {
        out += '(';
        AppendNode(out, node.children[0]);
        out += ')';
      } else {
        AppendNode(out, node.children[0]);
      }
      return;
    case Node::Kind::kAnd:
    case Node::Kind::kOr: {
      if (node.children.empty()) {
        out += node.kind == Node::Kind::kAnd ? "all" : "not all";
        return;
      }
      const bool is_and = node.kind == Node::Kind::kAnd;
      for (std::size_t i = 0; i < node.children.size(); ++i) {
        if (i > 0) out += is_and ? " and " : " or ";
        const Node& child = node.children[i];
        // `and` binds tighter, so an and inside an or needs no parentheses; anything else
        // compound keeps its own node through parentheses.
        const bool parens = IsCompound(child) && !(child.kind == Node::Kind::kAnd && !is_and);
        if (parens) out += '(';
        AppendNode(out, child);
        if (parens) out += ')';
      }
      return;
    }
  }
}

}  // namespace

std::optional<Duration> ParseDuration(std::string_view text) {
  const auto d = ParseDurationOrMax(text);
  if (d == Duration::max()) return std::nullopt;
  return d;
}

std::string FormatDuration(Duration d) { return FormatDurationText(d); }

Result<Node> ParseText(std::string_view text) { return Parser(text).ParseAll(); }

std::string ToText(const Node& node) {
  std::string out;
  AppendNode(out, node);
  return out;
}

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
