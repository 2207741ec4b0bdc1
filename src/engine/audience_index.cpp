#include "engine/audience_index.h"

#include <algorithm>
#include <array>
#include <bit>
#include <limits>
#include <mutex>
#include <string_view>
#include <type_traits>
#include <utility>
#include <variant>

namespace crier::engine {
namespace {

using Words = std::vector<std::uint64_t>;

// "No value" in a time column. Presence bitsets carry the truth; the sentinel only keeps
// the columns dense.
constexpr std::int64_t kNoTime = std::numeric_limits<std::int64_t>::min();

std::size_t WordsFor(std::size_t rows) { return (rows + 63) / 64; }

// Bitsets may be shorter than the row count: missing words are zeros, so a tag used only by
// early rows does not grow with every append.
void SetBit(Words& w, std::size_t row) {
  const std::size_t word = row / 64;
  if (word >= w.size()) w.resize(word + 1, 0);
  w[word] |= std::uint64_t{1} << (row % 64);
}
void ClearBit(Words& w, std::size_t row) {
  const std::size_t word = row / 64;
  if (word < w.size()) w[word] &= ~(std::uint64_t{1} << (row % 64));
}
void AssignBit(Words& w, std::size_t row, bool value) {
  if (value) {
    SetBit(w, row);
  } else {
    ClearBit(w, row);
  }
}

// `w` widened (with zeros) or cut to exactly `n` words.
Words Widened(const Words& w, std::size_t n) {
  Words out(n, 0);
  std::copy_n(w.begin(), std::min(n, w.size()), out.begin());
  return out;
}
void AndInto(Words& acc, const Words& w) {
  const std::size_t n = std::min(acc.size(), w.size());
  for (std::size_t i = 0; i < n; ++i) acc[i] &= w[i];
  for (std::size_t i = n; i < acc.size(); ++i) acc[i] = 0;
}
void OrInto(Words& acc, const Words& w) {
  const std::size_t n = std::min(acc.size(), w.size());
  for (std::size_t i = 0; i < n; ++i) acc[i] |= w[i];
}
void AndNotInto(Words& acc, const Words& w) {
  const std::size_t n = std::min(acc.size(), w.size());
  for (std::size_t i = 0; i < n; ++i) acc[i] &= ~w[i];
}

// One bit per row of `column` for which `pred` holds, over the first `rows` rows (rows past
// the column's end are zeros). The inner loop has no branches so the compiler can vectorise
// it.
template <class T, class Pred>
Words Scan(const std::vector<T>& column, std::size_t rows, Pred pred) {
  Words out(WordsFor(rows), 0);
  const std::size_t n = std::min(column.size(), rows);
  const T* data = column.data();
  const std::size_t full = n / 64;
  for (std::size_t w = 0; w < full; ++w) {
    const T* base = data + w * 64;
    std::uint64_t bits = 0;
    for (unsigned j = 0; j < 64; ++j) bits |= static_cast<std::uint64_t>(pred(base[j])) << j;
    out[w] = bits;
  }
  for (std::size_t i = full * 64; i < n; ++i) {
    if (pred(data[i])) out[i / 64] |= std::uint64_t{1} << (i % 64);
  }
  return out;
}

// Rows whose value compares to `x` as `cmp` says ("value cmp x").
template <class T>
Words ScanCmp(const std::vector<T>& column, std::size_t rows, filter::Cmp cmp, T x) {
  switch (cmp) {
    case filter::Cmp::kEq:
      return Scan(column, rows, [x](T v) { return v == x; });
    case filter::Cmp::kNe:
      return Scan(column, rows, [x](T v) { return v != x; });
    case filter::Cmp::kLt:
      return Scan(column, rows, [x](T v) { return v < x; });
    case filter::Cmp::kLe:
      return Scan(column, rows, [x](T v) { return v <= x; });
    case filter::Cmp::kGt:
      return Scan(column, rows, [x](T v) { return v > x; });
    case filter::Cmp::kGe:
      return Scan(column, rows, [x](T v) { return v >= x; });
  }
  return Words(WordsFor(rows), 0);
}

// Dictionary codes with a lookup table per code (built from the dictionary, which is small
// next to the rows), so every string predicate is one pass over a uint32 column.
Words ScanCodes(const std::vector<std::uint32_t>& column, std::size_t rows,
                const std::vector<std::uint8_t>& table) {
  const std::uint8_t* t = table.data();
  const std::size_t size = table.size();
  return Scan(column, rows, [t, size](std::uint32_t c) { return c < size && t[c] != 0; });
}

struct StringHash {
  using is_transparent = void;
  std::size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
};

class Dict {
 public:
  std::uint32_t Code(std::string_view s) {
    auto it = codes_.find(s);
    if (it != codes_.end()) return it->second;
    const auto code = static_cast<std::uint32_t>(values_.size());
    values_.emplace_back(s);
    codes_.emplace(values_.back(), code);
    return code;
  }
  std::optional<std::uint32_t> Find(std::string_view s) const {
    auto it = codes_.find(s);
    if (it == codes_.end()) return std::nullopt;
    return it->second;
  }
  const std::vector<std::string>& values() const { return values_; }
  std::size_t MemoryBytes() const {
    std::size_t bytes = values_.capacity() * sizeof(std::string);
    for (const auto& v : values_) bytes += v.capacity() > 15 ? v.capacity() + 1 : 0;
    // A node per entry (key string, code, hash, next) plus the bucket array.
    bytes += codes_.size() * (sizeof(std::string) + 3 * sizeof(void*)) +
             codes_.bucket_count() * sizeof(void*);
    return bytes;
  }

 private:
  std::vector<std::string> values_;
  std::unordered_map<std::string, std::uint32_t, StringHash, std::equal_to<>> codes_;
};

// A table over `dict`'s codes: 1 where `pred(value)` holds.
template <class Pred>
std::vector<std::uint8_t> TableOf(const Dict& dict, Pred pred) {
  std::vector<std::uint8_t> table(dict.values().size(), 0);
  for (std::size_t i = 0; i < table.size(); ++i) table[i] = pred(dict.values()[i]) ? 1 : 0;
  return table;
}

std::size_t WordsBytes(const Words& w) { return w.capacity() * sizeof(std::uint64_t); }
template <class T>
std::size_t VecBytes(const std::vector<T>& v) {
  return v.capacity() * sizeof(T);
}

template <class T>
void Put(std::vector<T>& column, std::size_t row, T value, T fill) {
  if (row >= column.size()) column.resize(row + 1, fill);
  column[row] = value;
}

bool CmpHolds(filter::Cmp cmp, std::int64_t a, std::int64_t b) {
  switch (cmp) {
    case filter::Cmp::kEq:
      return a == b;
    case filter::Cmp::kNe:
      return a != b;
    case filter::Cmp::kLt:
      return a < b;
    case filter::Cmp::kLe:
      return a <= b;
    case filter::Cmp::kGt:
      return a > b;
    case filter::Cmp::kGe:
      return a >= b;
  }
  return false;
}

// AttrOp -> Cmp for the ordered operators; nullopt for contains / exists.
std::optional<filter::Cmp> AsCmp(filter::AttrOp op) {
  switch (op) {
    case filter::AttrOp::kEq:
      return filter::Cmp::kEq;
    case filter::AttrOp::kNe:
      return filter::Cmp::kNe;
    case filter::AttrOp::kLt:
      return filter::Cmp::kLt;
    case filter::AttrOp::kLe:
      return filter::Cmp::kLe;
    case filter::AttrOp::kGt:
      return filter::Cmp::kGt;
    case filter::AttrOp::kGe:
      return filter::Cmp::kGe;
    case filter::AttrOp::kContains:
    case filter::AttrOp::kExists:
      return std::nullopt;
  }
  return std::nullopt;
}

}  // namespace

struct AudienceIndex::State {
  // Time columns: a presence bitset and int64 Unix milliseconds.
  struct TimeColumn {
    Words present;
    std::vector<std::int64_t> ms;
    void Set(std::size_t row, std::optional<Time> t) {
      if (t) {
        SetBit(present, row);
        Put(ms, row, ToUnixMillis(*t), kNoTime);
      } else {
        ClearBit(present, row);
      }
    }
    Words Eval(std::size_t rows, filter::Cmp cmp, Time point) const {
      Words out = ScanCmp(ms, rows, cmp, ToUnixMillis(point));
      AndInto(out, present);
      return out;
    }
    std::size_t MemoryBytes() const { return WordsBytes(present) + VecBytes(ms); }
  };

  struct Account {
    Words has_identity;
    TimeColumn last_inbound;
  };

  // One attribute key; a key may hold values of different types on different contacts.
  struct Attr {
    Words has_string;
    std::vector<std::uint32_t> strings;
    Dict dict;
    Words has_number;
    std::vector<double> numbers;
    Words has_bool;
    Words bools;
    TimeColumn times;
  };

  std::vector<Id> ids;        // per row
  bool ids_ascending = true;  // rows are in contact-id order
  // id -> row, built only once rows fall out of id order; until then a binary search over
  // `ids` finds a row, which saves ~40 bytes per contact in the common case.
  std::unordered_map<Id, std::uint32_t> rows;
  std::int64_t alive_count = 0;
  Words alive;

  Dict tag_dict;
  std::vector<Words> tags;  // by tag code
  std::array<Words, 2> subscription;
  TimeColumn subscribed_at;
  std::array<Words, 3> conversation;
  Dict locale_dict, zone_dict, assignee_dict;
  std::vector<std::uint32_t> locale, zone, assignee;  // per row
  std::unordered_map<Id, Account> accounts;
  TimeColumn latest_inbound;  // over all accounts
  std::unordered_map<std::string, Attr, StringHash, std::equal_to<>> attrs;

  std::size_t row_count() const { return ids.size(); }

  std::optional<std::size_t> RowOf(Id id) const {
    if (ids_ascending) {
      auto it = std::lower_bound(ids.begin(), ids.end(), id);
      if (it == ids.end() || *it != id) return std::nullopt;
      return static_cast<std::size_t>(it - ids.begin());
    }
    auto it = rows.find(id);
    if (it == rows.end()) return std::nullopt;
    return it->second;
  }

  std::size_t AddRow(Id id) {
    const std::size_t row = ids.size();
    if (ids_ascending && !ids.empty() && id < ids.back()) {
      ids_ascending = false;
      rows.reserve(ids.size() + 1);
      for (std::size_t r = 0; r < ids.size(); ++r) {
        rows.emplace(ids[r], static_cast<std::uint32_t>(r));
      }
    }
    ids.push_back(id);
    if (!ids_ascending) rows.emplace(id, static_cast<std::uint32_t>(row));
    locale.push_back(0);
    zone.push_back(0);
    assignee.push_back(0);
    return row;
  }

  // Clears every set-valued fact of `row`, before it is written again. Costs one bit per
  // tag, account and attribute key known (not only the contact's own): cheap while those
  // number in the thousands, and it spares a per-row copy of the contact's old values.
  void ClearRow(std::size_t row) {
    for (auto& t : tags) ClearBit(t, row);
    for (auto& s : subscription) ClearBit(s, row);
    for (auto& c : conversation) ClearBit(c, row);
    ClearBit(subscribed_at.present, row);
    ClearBit(latest_inbound.present, row);
    for (auto& [id, account] : accounts) {
      ClearBit(account.has_identity, row);
      ClearBit(account.last_inbound.present, row);
    }
    for (auto& [key, attr] : attrs) {
      ClearBit(attr.has_string, row);
      ClearBit(attr.has_number, row);
      ClearBit(attr.has_bool, row);
      ClearBit(attr.times.present, row);
    }
  }

  void Write(std::size_t row, const Contact& c) {
    SetBit(alive, row);
    for (const auto& tag : c.tags) {
      const std::uint32_t code = tag_dict.Code(tag);
      if (code >= tags.size()) tags.resize(code + 1);
      SetBit(tags[code], row);
    }
    SetBit(subscription[static_cast<std::size_t>(c.subscription)], row);
    subscribed_at.Set(row, c.subscription_changed_at);
    if (c.conversation_state) {
      SetBit(conversation[static_cast<std::size_t>(*c.conversation_state)], row);
    }
    locale[row] = locale_dict.Code(c.locale);
    zone[row] = zone_dict.Code(c.time_zone);
    assignee[row] = assignee_dict.Code(c.assignee);

    std::optional<Time> latest;
    for (const auto& identity : c.identities) {
      Account& account = accounts[identity.channel_account_id];
      SetBit(account.has_identity, row);
      // Two identities on one account (not expected) count with the later interaction.
      std::optional<Time> t = identity.last_inbound_at;
      if (GetPresent(account.last_inbound.present, row) && t &&
          account.last_inbound.ms[row] > ToUnixMillis(*t)) {
        t = FromUnixMillis(account.last_inbound.ms[row]);
      }
      if (t || !GetPresent(account.last_inbound.present, row)) account.last_inbound.Set(row, t);
      if (identity.last_inbound_at && (!latest || *identity.last_inbound_at > *latest)) {
        latest = identity.last_inbound_at;
      }
    }
    latest_inbound.Set(row, latest);

    for (const auto& a : c.attributes) {
      auto it = attrs.find(a.key);
      if (it == attrs.end()) it = attrs.emplace(a.key, Attr{}).first;
      Attr& attr = it->second;
      std::visit(
          [&](const auto& v) {
            using V = std::decay_t<decltype(v)>;
            if constexpr (std::is_same_v<V, std::string>) {
              SetBit(attr.has_string, row);
              Put(attr.strings, row, attr.dict.Code(v), std::uint32_t{0});
            } else if constexpr (std::is_same_v<V, double>) {
              SetBit(attr.has_number, row);
              Put(attr.numbers, row, v, 0.0);
            } else if constexpr (std::is_same_v<V, bool>) {
              SetBit(attr.has_bool, row);
              AssignBit(attr.bools, row, v);
            } else {
              attr.times.Set(row, v);
            }
          },
          a.value);
    }
  }

  static bool GetPresent(const Words& w, std::size_t row) {
    const std::size_t word = row / 64;
    return word < w.size() && ((w[word] >> (row % 64)) & 1) != 0;
  }

  // --- evaluation -------------------------------------------------------------------------

  std::size_t width() const { return WordsFor(row_count()); }
  Words Empty() const { return Words(width(), 0); }
  Words NotOf(const Words& w) const {
    Words out = alive;
    out.resize(width(), 0);
    AndNotInto(out, w);
    return out;
  }

  Words Eval(const filter::Node& node, Time now) const {
    switch (node.kind) {
      case filter::Node::Kind::kAnd: {
        Words acc = Widened(alive, width());
        for (const auto& child : node.children) AndInto(acc, Eval(child, now));
        return acc;
      }
      case filter::Node::Kind::kOr: {
        Words acc = Empty();
        for (const auto& child : node.children) OrInto(acc, Eval(child, now));
        return acc;
      }
      case filter::Node::Kind::kNot:
        // A malformed not (other than one child) matches nobody, as in filter::Matches.
        if (node.children.size() != 1) return Empty();
        return NotOf(Eval(node.children.front(), now));
      case filter::Node::Kind::kPredicate:
        if (!node.predicate) return Empty();
        return std::visit([&](const auto& p) { return EvalPred(p, now); }, *node.predicate);
    }
    return Empty();
  }

  Words AnyTag(const std::vector<std::string>& names) const {
    Words acc = Empty();
    for (const auto& name : names) {
      if (auto code = tag_dict.Find(name)) OrInto(acc, tags[*code]);
    }
    return acc;
  }

  Words EvalPred(const filter::TagPred& p, Time) const {
    switch (p.match) {
      case filter::TagMatch::kAnyOf:
        return AnyTag(p.tags);
      case filter::TagMatch::kAllOf: {
        Words acc = Widened(alive, width());
        for (const auto& name : p.tags) {
          auto code = tag_dict.Find(name);
          if (!code) return Empty();
          AndInto(acc, tags[*code]);
        }
        return acc;
      }
      case filter::TagMatch::kNoneOf:
        return NotOf(AnyTag(p.tags));
    }
    return Empty();
  }

  Words EvalPred(const filter::SubscriptionPred& p, Time) const {
    return Widened(subscription[static_cast<std::size_t>(p.status)], width());
  }

  Words EvalPred(const filter::SubscribedAtPred& p, Time now) const {
    return subscribed_at.Eval(row_count(), p.when.cmp, p.when.point.Resolve(now));
  }

  Words EvalPred(const filter::InteractedPred& p, Time now) const {
    const Time point = p.when.point.Resolve(now);
    if (!p.channel_account_id) return latest_inbound.Eval(row_count(), p.when.cmp, point);
    auto it = accounts.find(*p.channel_account_id);
    if (it == accounts.end()) return Empty();
    return it->second.last_inbound.Eval(row_count(), p.when.cmp, point);
  }

  Words EvalPred(const filter::AttrPred& p, Time) const {
    auto it = attrs.find(p.key);
    if (it == attrs.end()) return Empty();
    const Attr& attr = it->second;
    const std::size_t rows = row_count();
    if (p.op == filter::AttrOp::kExists) {
      Words out = Widened(attr.has_string, width());
      OrInto(out, attr.has_number);
      OrInto(out, attr.has_bool);
      OrInto(out, attr.times.present);
      return out;
    }
    if (!p.value) return Empty();
    const std::optional<filter::Cmp> cmp = AsCmp(p.op);
    return std::visit(
        [&](const auto& v) -> Words {
          using V = std::decay_t<decltype(v)>;
          if constexpr (std::is_same_v<V, std::string>) {
            std::vector<std::uint8_t> table;
            if (p.op == filter::AttrOp::kContains) {
              table = TableOf(attr.dict,
                              [&](const std::string& s) { return s.find(v) != std::string::npos; });
            } else {
              table = TableOf(attr.dict, [&](const std::string& s) {
                const int c = s.compare(v);
                return CmpHolds(*cmp, c, 0);
              });
            }
            Words out = ScanCodes(attr.strings, rows, table);
            AndInto(out, attr.has_string);
            return out;
          } else if constexpr (std::is_same_v<V, double>) {
            if (!cmp) return Empty();
            Words out = ScanCmp(attr.numbers, rows, *cmp, v);
            AndInto(out, attr.has_number);
            return out;
          } else if constexpr (std::is_same_v<V, bool>) {
            if (p.op != filter::AttrOp::kEq && p.op != filter::AttrOp::kNe) return Empty();
            // Equal to true, or not equal to false: the bit itself; else its complement.
            Words out = Widened(attr.has_bool, width());
            if ((p.op == filter::AttrOp::kEq) == v) {
              AndInto(out, attr.bools);
            } else {
              AndNotInto(out, attr.bools);
            }
            return out;
          } else {
            if (!cmp) return Empty();
            return attr.times.Eval(rows, *cmp, v);
          }
        },
        *p.value);
  }

  Words EvalCodes(const Dict& dict, const std::vector<std::uint32_t>& column,
                  const std::vector<std::string>& any_of, bool empty_matches) const {
    std::vector<std::uint8_t> table(dict.values().size(), 0);
    for (const auto& s : any_of) {
      if (auto code = dict.Find(s); code && (empty_matches || !s.empty())) table[*code] = 1;
    }
    return ScanCodes(column, row_count(), table);
  }

  Words EvalPred(const filter::LocalePred& p, Time) const {
    // An unknown (empty) locale or zone is in no list.
    return EvalCodes(locale_dict, locale, p.locales, false);
  }
  Words EvalPred(const filter::TimeZonePred& p, Time) const {
    return EvalCodes(zone_dict, zone, p.zones, false);
  }
  Words EvalPred(const filter::ConversationPred& p, Time) const {
    return Widened(conversation[static_cast<std::size_t>(p.state)], width());
  }
  Words EvalPred(const filter::AssigneePred& p, Time) const {
    return EvalCodes(assignee_dict, assignee, {p.assignee.value_or(std::string())}, true);
  }
  Words EvalPred(const filter::AccountPred& p, Time) const {
    auto it = accounts.find(p.channel_account_id);
    if (it == accounts.end()) return Empty();
    return Widened(it->second.has_identity, width());
  }
  Words EvalPred(const filter::IdsPred& p, Time) const {
    Words out = Empty();
    for (const Id id : p.contact_ids) {
      if (auto row = RowOf(id)) SetBit(out, *row);
    }
    return out;
  }

  // Callers expand references first (AudienceService refuses a tree that still holds one);
  // unexpanded, a reference matches nobody, as in filter::Matches.
  Words EvalPred(const filter::SegmentPred&, Time) const { return Empty(); }

  // The filter's matches among live rows.
  Words Matches(const filter::Node& node, Time now) const {
    Words m = Eval(node, now);
    AndInto(m, alive);
    return m;
  }

  std::size_t MemoryBytes() const {
    std::size_t bytes = VecBytes(ids) + WordsBytes(alive);
    bytes += rows.size() * (sizeof(std::pair<Id, std::uint32_t>) + 2 * sizeof(void*)) +
             rows.bucket_count() * sizeof(void*);
    bytes += tag_dict.MemoryBytes() + VecBytes(tags);
    for (const auto& t : tags) bytes += WordsBytes(t);
    for (const auto& s : subscription) bytes += WordsBytes(s);
    for (const auto& c : conversation) bytes += WordsBytes(c);
    bytes += subscribed_at.MemoryBytes() + latest_inbound.MemoryBytes();
    bytes += locale_dict.MemoryBytes() + zone_dict.MemoryBytes() + assignee_dict.MemoryBytes();
    bytes += VecBytes(locale) + VecBytes(zone) + VecBytes(assignee);
    for (const auto& [id, account] : accounts) {
      bytes +=
          sizeof(Account) + WordsBytes(account.has_identity) + account.last_inbound.MemoryBytes();
    }
    for (const auto& [key, attr] : attrs) {
      bytes += sizeof(Attr) + key.capacity() + WordsBytes(attr.has_string) +
               VecBytes(attr.strings) + attr.dict.MemoryBytes() + WordsBytes(attr.has_number) +
               VecBytes(attr.numbers) + WordsBytes(attr.has_bool) + WordsBytes(attr.bools) +
               attr.times.MemoryBytes();
    }
    return bytes;
  }
};

AudienceIndex::AudienceIndex() : state_(std::make_unique<State>()) {}
AudienceIndex::~AudienceIndex() = default;

void AudienceIndex::Upsert(const Contact& contact) {
  std::unique_lock lock(mu_);
  State& s = *state_;
  std::size_t row;
  // Appending a growing id, the common case, needs no search.
  std::optional<std::size_t> existing;
  if (!s.ids.empty() && !(s.ids_ascending && contact.id > s.ids.back())) {
    existing = s.RowOf(contact.id);
  }
  if (existing) {
    row = *existing;
    s.ClearRow(row);
    if (!State::GetPresent(s.alive, row)) ++s.alive_count;
  } else {
    row = s.AddRow(contact.id);
    ++s.alive_count;
  }
  s.Write(row, contact);
}

void AudienceIndex::Remove(Id contact_id) {
  std::unique_lock lock(mu_);
  State& s = *state_;
  const std::optional<std::size_t> row = s.RowOf(contact_id);
  if (!row || !State::GetPresent(s.alive, *row)) return;
  // The row stays (and keeps its place in id order) so that a later Upsert of the same id
  // reuses it; only its facts and its alive bit go.
  s.ClearRow(*row);
  ClearBit(s.alive, *row);
  --s.alive_count;
}

std::int64_t AudienceIndex::Count(const filter::Node& filter, Time now) const {
  std::shared_lock lock(mu_);
  const Words m = state_->Matches(filter, now);
  std::int64_t n = 0;
  for (const std::uint64_t w : m) n += std::popcount(w);
  return n;
}

std::vector<Id> AudienceIndex::List(const filter::Node& filter, Time now, Id after_id,
                                    int limit) const {
  std::vector<Id> out;
  if (limit <= 0) return out;
  std::shared_lock lock(mu_);
  const State& s = *state_;
  const Words m = s.Matches(filter, now);
  const auto max_out = static_cast<std::size_t>(limit);
  if (s.ids_ascending) {
    const auto start = static_cast<std::size_t>(
        std::upper_bound(s.ids.begin(), s.ids.end(), after_id) - s.ids.begin());
    for (std::size_t w = start / 64; w < m.size() && out.size() < max_out; ++w) {
      std::uint64_t bits = m[w];
      if (w == start / 64) bits &= ~std::uint64_t{0} << (start % 64);
      while (bits != 0 && out.size() < max_out) {
        out.push_back(s.ids[w * 64 + static_cast<std::size_t>(std::countr_zero(bits))]);
        bits &= bits - 1;
      }
    }
    return out;
  }
  // Rows out of id order (a contact arrived with a smaller id than one before it): gather
  // every match past `after_id`, then keep the smallest.
  for (std::size_t w = 0; w < m.size(); ++w) {
    for (std::uint64_t bits = m[w]; bits != 0; bits &= bits - 1) {
      const Id id = s.ids[w * 64 + static_cast<std::size_t>(std::countr_zero(bits))];
      if (id > after_id) out.push_back(id);
    }
  }
  if (out.size() > max_out) {
    std::nth_element(out.begin(), out.begin() + limit, out.end());
    out.resize(max_out);
  }
  std::sort(out.begin(), out.end());
  return out;
}

std::size_t AudienceIndex::MemoryBytes() const {
  std::shared_lock lock(mu_);
  return sizeof(State) + state_->MemoryBytes();
}

std::int64_t AudienceIndex::size() const {
  std::shared_lock lock(mu_);
  return state_->alive_count;
}

}  // namespace crier::engine
