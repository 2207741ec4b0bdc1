#include "core/promo_guard.h"

#include <algorithm>
#include <array>
#include <functional>
#include <stdexcept>
#include <type_traits>
#include <unordered_map>

#include "core/guard_data.h"
#include "core/text_fold.h"

namespace crier::guard {
namespace {

using textfold::FoldedChar;
using textfold::FoldedText;
using textfold::IsWordChar;

// ---- pattern syntax -----------------------------------------------------------------------

enum class Op { kLiteral, kGap, kNum, kCnum, kMoney, kCode, kEdge, kGroup };

struct Node;
using Seq = std::vector<Node>;

struct Node {
  Op op = Op::kLiteral;
  std::u32string raw;             // kLiteral as written
  std::vector<FoldedChar> text;   // kLiteral folded (at compile time)
  std::vector<Seq> alternatives;  // kGroup
  bool optional = false;          // kGroup written [...]
  bool spaces_only = false;       // kGap before something that starts with a separator
};

constexpr std::array<std::pair<std::u32string_view, Op>, 5> kPlaceholders = {{
    {U"num", Op::kNum},
    {U"cnum", Op::kCnum},
    {U"money", Op::kMoney},
    {U"code", Op::kCode},
    {U"edge", Op::kEdge},
}};
constexpr std::string_view kPlaceholderList = "{num}, {cnum}, {money}, {code}, {edge}";

bool IsPatternSpace(char32_t c) { return textfold::IsSpace(c); }

std::string Utf8(std::u32string_view s) {
  std::string out;
  for (char32_t c : s) textfold::AppendUtf8(c, out);
  return out;
}

// Parses the pattern language of promo_guard.h into a tree. Errors say where, by character.
class PatternParser {
 public:
  explicit PatternParser(std::u32string_view s) : s_(s) {}

  Result<Seq> Parse() {
    auto seq = ParseSeq(/*in_group=*/false);
    if (!seq.ok()) return seq;
    if (MinLength(*seq) == 0) return Fail("the pattern can match empty text");
    return seq;
  }

 private:
  Error Fail(std::string message) const { return InvalidArgument("", std::move(message)); }
  Error FailAt(std::string message) const {
    return Fail(std::move(message) + " at character " + std::to_string(i_ + 1));
  }

  Result<Seq> ParseSeq(bool in_group) {
    Seq seq;
    while (i_ < s_.size()) {
      const char32_t c = s_[i_];
      if (c == U'|' || c == U')' || c == U']') {
        if (!in_group) return FailAt("unmatched '" + Utf8(std::u32string(1, c)) + "'");
        break;
      }
      if (IsPatternSpace(c)) {
        while (i_ < s_.size() && IsPatternSpace(s_[i_])) ++i_;
        // Spaces next to the brackets and bars of a group only lay it out.
        const bool at_group_edge =
            in_group && (i_ == s_.size() || s_[i_] == U'|' || s_[i_] == U')' || s_[i_] == U']');
        if (seq.empty() || at_group_edge || seq.back().op == Op::kGap) continue;
        seq.push_back(Node{.op = Op::kGap});
        continue;
      }
      if (c == U'\\') {
        if (i_ + 1 >= s_.size()) return FailAt("'\\' must be followed by the character it escapes");
        AppendLiteral(seq, s_[i_ + 1]);
        i_ += 2;
        continue;
      }
      if (c == U'{') {
        const std::size_t close = s_.find(U'}', i_);
        if (close == std::u32string_view::npos) return FailAt("unclosed '{'");
        const std::u32string_view name = s_.substr(i_ + 1, close - i_ - 1);
        const auto it = std::find_if(kPlaceholders.begin(), kPlaceholders.end(),
                                     [&](const auto& p) { return p.first == name; });
        if (it == kPlaceholders.end()) {
          return FailAt("unknown placeholder {" + Utf8(name) +
                        "} (known: " + std::string(kPlaceholderList) + ")");
        }
        seq.push_back(Node{.op = it->second});
        i_ = close + 1;
        continue;
      }
      if (c == U'}') return FailAt("unmatched '}'");
      if (c == U'(' || c == U'[') {
        auto group = ParseGroup();
        if (!group.ok()) return group.error();
        seq.push_back(std::move(*group));
        continue;
      }
      AppendLiteral(seq, c);
      ++i_;
    }
    if (!seq.empty() && seq.back().op == Op::kGap) seq.pop_back();
    return seq;
  }

  Result<Node> ParseGroup() {
    const char32_t open = s_[i_];
    const char32_t want = open == U'(' ? U')' : U']';
    const std::size_t start = i_;
    if (++depth_ > kMaxGroupDepth) {
      return FailAt("groups nest deeper than " + std::to_string(kMaxGroupDepth));
    }
    ++i_;
    Node group{.op = Op::kGroup, .optional = open == U'['};
    for (;;) {
      auto alternative = ParseSeq(/*in_group=*/true);
      if (!alternative.ok()) return alternative.error();
      if (alternative->empty()) {
        return FailAt(open == U'('
                          ? std::string("empty alternative (write [a|b] for an optional group)")
                          : std::string("empty alternative"));
      }
      group.alternatives.push_back(std::move(*alternative));
      if (i_ >= s_.size()) {
        i_ = start;
        return FailAt("unclosed '" + Utf8(std::u32string(1, open)) + "'");
      }
      const char32_t close = s_[i_++];
      if (close == U'|') continue;
      if (close != want) {
        --i_;
        return FailAt("'" + Utf8(std::u32string(1, open)) + "' closed by '" +
                      Utf8(std::u32string(1, close)) + "'");
      }
      break;
    }
    --depth_;
    return group;
  }

  static void AppendLiteral(Seq& seq, char32_t c) {
    if (seq.empty() || seq.back().op != Op::kLiteral) seq.push_back(Node{.op = Op::kLiteral});
    seq.back().raw += c;
  }

  static std::size_t MinLength(const Seq& seq) {
    std::size_t n = 0;
    for (const Node& node : seq) {
      switch (node.op) {
        case Op::kLiteral:
          n += node.raw.size();
          break;
        case Op::kGap:
        case Op::kEdge:
          break;
        case Op::kNum:
        case Op::kCnum:
        case Op::kMoney:
        case Op::kCode:
          n += 1;
          break;
        case Op::kGroup: {
          if (node.optional) break;
          std::size_t least = SIZE_MAX;
          for (const Seq& alt : node.alternatives) least = std::min(least, MinLength(alt));
          n += least;
          break;
        }
      }
    }
    return n;
  }

  std::u32string_view s_;
  std::size_t i_ = 0;
  int depth_ = 0;
};

Result<Seq> ParsePattern(std::string_view pattern) {
  if (pattern.size() > kMaxPatternBytes) {
    return InvalidArgument(
        "", "the pattern is longer than " + std::to_string(kMaxPatternBytes) + " bytes");
  }
  const std::u32string chars = textfold::DecodeUtf8(pattern);
  return PatternParser(chars).Parse();
}

// ---- rule files ---------------------------------------------------------------------------

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// Splits off the first blank-separated word of `rest`.
std::string_view NextWord(std::string_view& rest) {
  rest = Trim(rest);
  std::size_t end = 0;
  while (end < rest.size() && rest[end] != ' ' && rest[end] != '\t') ++end;
  const std::string_view word = rest.substr(0, end);
  rest = Trim(rest.substr(end));
  return word;
}

bool IsLower(char c) { return c >= 'a' && c <= 'z'; }
bool IsDigit(char c) { return c >= '0' && c <= '9'; }
bool IsAlnum(char c) { return IsLower(c) || IsDigit(c) || (c >= 'A' && c <= 'Z'); }

// "en", "zh", "zh-Hant", "any".
bool IsLanguageTag(std::string_view s) {
  std::size_t i = 0;
  while (i < s.size() && IsLower(s[i])) ++i;
  if (i < 2 || i > 3) return false;
  while (i < s.size()) {
    if (s[i] != '-') return false;
    std::size_t j = ++i;
    while (j < s.size() && IsAlnum(s[j])) ++j;
    if (j - i < 2 || j - i > 8) return false;
    i = j;
  }
  return true;
}

bool IsRuleId(std::string_view s) {
  if (s.empty() || s.size() > 80 || !IsAlnum(s.front())) return false;
  return std::all_of(s.begin(), s.end(),
                     [](char c) { return IsAlnum(c) || c == '.' || c == '_' || c == '-'; });
}

bool IsCategoryName(std::string_view s) {
  if (s.empty() || s.size() > 40 || !IsLower(s.front())) return false;
  return std::all_of(s.begin(), s.end(),
                     [](char c) { return IsLower(c) || IsDigit(c) || c == '_'; });
}

std::string Where(std::string_view source, int line) {
  return std::string(source) + ":" + std::to_string(line);
}

constexpr std::string_view kDirectives = "language, category, rule, allow, currency or variant";

}  // namespace

Result<RuleSet> ParseGuardRules(std::string_view text, std::string_view source_name) {
  RuleSet set;
  set.source = std::string(source_name);
  if (text.starts_with("\xEF\xBB\xBF")) text.remove_prefix(3);
  std::string language;
  std::map<std::string, int, std::less<>> ids;
  std::map<std::string, int, std::less<>> categories;
  int line_no = 0;
  std::size_t pos = 0;
  while (pos <= text.size()) {
    std::size_t eol = text.find('\n', pos);
    if (eol == std::string_view::npos) eol = text.size();
    std::string_view line = text.substr(pos, eol - pos);
    pos = eol + 1;
    ++line_no;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    const auto fail = [&](std::string message) {
      return InvalidArgument(Where(source_name, line_no), std::move(message));
    };
    bool utf8_ok = true;
    (void)textfold::DecodeUtf8(line, &utf8_ok);
    if (!utf8_ok) return fail("the line is not valid UTF-8");
    line = Trim(line);
    if (line.empty() || line.front() == '#') continue;

    std::string_view rest = line;
    const std::string_view directive = NextWord(rest);
    if (directive == "language") {
      const std::string_view tag = NextWord(rest);
      if (!IsLanguageTag(tag) || !rest.empty()) {
        return fail("language takes one tag such as en, zh, zh-Hant or any");
      }
      language = std::string(tag);
    } else if (directive == "category") {
      const std::string_view name = NextWord(rest);
      if (!IsCategoryName(name)) {
        return fail("a category name is lower-case letters, digits and '_' (e.g. percent_off)");
      }
      if (rest.empty()) return fail("category " + std::string(name) + " needs a description");
      if (const auto it = categories.find(name); it != categories.end()) {
        return fail("category " + std::string(name) + " is already defined on line " +
                    std::to_string(it->second));
      }
      categories.emplace(std::string(name), line_no);
      set.categories.push_back({std::string(name), std::string(rest), line_no});
    } else if (directive == "rule" || directive == "allow") {
      const bool is_rule = directive == "rule";
      const std::string_view id = NextWord(rest);
      if (!IsRuleId(id)) {
        return fail("a rule id is letters, digits, '.', '_' and '-' (e.g. en.pct_off), got \"" +
                    std::string(id) + "\"");
      }
      std::string_view category;
      if (is_rule) {
        category = NextWord(rest);
        if (!IsCategoryName(category)) {
          return fail("rule " + std::string(id) + " needs a category name before its pattern");
        }
      }
      if (rest.empty())
        return fail(std::string(directive) + " " + std::string(id) + " has no pattern");
      if (language.empty()) {
        return fail("set the language first: put a `language <tag>` line above the rules");
      }
      if (const auto it = ids.find(id); it != ids.end()) {
        return fail("id " + std::string(id) + " is already used on line " +
                    std::to_string(it->second));
      }
      if (auto parsed = ParsePattern(rest); !parsed.ok()) {
        return fail("pattern: " + parsed.error().message);
      }
      ids.emplace(std::string(id), line_no);
      set.entries.push_back({is_rule ? RuleEntry::Kind::kRule : RuleEntry::Kind::kAllow,
                             std::string(id), std::string(category), language, std::string(rest),
                             line_no});
    } else if (directive == "currency") {
      if (rest.empty()) return fail("currency needs at least one token (e.g. currency $ usd)");
      while (!rest.empty()) {
        const std::string_view token = NextWord(rest);
        if (token.size() > 16 || std::any_of(token.begin(), token.end(), IsDigit)) {
          return fail("a currency token is at most 16 bytes without digits, got \"" +
                      std::string(token) + "\"");
        }
        set.currencies.emplace_back(std::string(token), line_no);
      }
    } else if (directive == "variant") {
      if (rest.empty()) return fail("variant needs pairs of two characters (e.g. variant 優优)");
      while (!rest.empty()) {
        const std::string_view pair = NextWord(rest);
        const std::u32string chars = textfold::DecodeUtf8(pair);
        if (chars.size() != 2 || chars[0] == chars[1]) {
          return fail(
              "a variant is two different characters, the variant then the canonical "
              "one (e.g. 優优), got \"" +
              std::string(pair) + "\"");
        }
        set.variants.emplace_back(chars[0], chars[1]);
      }
    } else {
      return fail("unknown directive \"" + std::string(directive) + "\" (expected " +
                  std::string(kDirectives) + ")");
    }
  }
  return set;
}

// ---- compiled rules and matching ----------------------------------------------------------

namespace {

struct CompiledRule {
  Seq seq;
  std::string id;
  std::string category;
  std::string description;
  std::string language;
  std::string source;  // "en.txt:12"
};

// Rules by the (base) character a match can start with.
using FirstIndex = std::unordered_map<char32_t, std::vector<std::uint32_t>>;

// The separators a gap may span besides white space.
bool IsSeparator(char32_t c) {
  switch (c) {
    case U':':
    case U'-':
    case U',':
    case U'"':
    case U'\'':
    case U'*':
    case U'\u201C':  // “
    case U'\u201D':  // ”
    case U'\u2018':  // ‘
    case U'\u2019':  // ’
    case U'\u3001':  // 、
    case U'\u300C':  // 「
    case U'\u300D':  // 」
    case U'\u300E':  // 『
    case U'\u300F':  // 』
    case U'\u3010':  // 【
    case U'\u3011':  // 】
    case U'\u300A':  // 《
    case U'\u300B':  // 》
      return true;
    default:
      return false;
  }
}

bool IsDigit32(char32_t c) { return c >= U'0' && c <= U'9'; }

constexpr std::u32string_view kChineseNumerals = U"〇零一二两三四五六七八九十";
constexpr std::size_t kMaxCnumChars = 3;
constexpr std::size_t kMinCodeChars = 3;
constexpr std::size_t kMaxCodeChars = 24;
constexpr std::size_t kMaxSpacesAroundCurrency = 2;
// Steps one match attempt may take before it settles for the longest match found so far:
// keeps a rule full of optional groups from exploring every combination.
constexpr int kMaxStepsPerAttempt = 4096;

bool IsCnum(char32_t c) { return kChineseNumerals.find(c) != std::u32string_view::npos; }

// A character of a promo code after folding: ASCII letter, digit, '-' or '_'.
bool IsCodeChar(const FoldedChar& f) {
  return (f.c >= U'a' && f.c <= U'z') || IsDigit32(f.c) || f.c == U'-' || f.c == U'_';
}

bool Same(const FoldedChar& text, const FoldedChar& rule) {
  if (text.c == rule.c) return true;
  // An unaccented letter stands for any accented form of itself, either way round.
  return text.base == rule.base && (text.c == text.base || rule.c == rule.base);
}

// A minimal non-owning reference to a callable, so the matcher's continuations cost no
// allocation.
template <class F>
class FunctionRef;
template <class R, class... A>
class FunctionRef<R(A...)> {
 public:
  template <class F>
  requires(!std::is_same_v<std::remove_cvref_t<F>, FunctionRef>)
      FunctionRef(F& f)  // NOLINT: implicit by design, like std::function_ref
      : object_(&f), call_([](void* o, A... a) -> R { return (*static_cast<F*>(o))(a...); }) {}
  R operator()(A... a) const { return call_(object_, a...); }

 private:
  void* object_;
  R (*call_)(void*, A...);
};

using Continuation = FunctionRef<bool(std::size_t)>;

// Matches patterns against one folded text.
class Matcher {
 public:
  Matcher(const FoldedText& t, const std::vector<std::vector<FoldedChar>>& currencies)
      : t_(t), currencies_(currencies) {}

  // The end of the longest match of `seq` starting at `start`, or 0 when none.
  std::size_t LongestAt(const Seq& seq, std::size_t start) {
    if (start > 0 && Word(start - 1) && Word(start)) return 0;  // inside a word
    std::size_t best = 0;
    steps_ = 0;
    auto done = [&](std::size_t end) {
      if (end <= start) return false;
      if (end < t_.size() && Word(end - 1) && Word(end)) return false;  // ends inside a word
      best = std::max(best, end);
      return steps_ > kMaxStepsPerAttempt;  // else look on for a longer match
    };
    Continuation k(done);
    Match(seq, 0, start, k);
    // What a trailing gap took is not part of what was found.
    while (best > start + 1 && (t_[best - 1].c == U' ' || IsSeparator(t_[best - 1].c))) --best;
    return best;
  }

 private:
  bool Word(std::size_t i) const { return IsWordChar(t_[i].c); }
  bool Digit(std::size_t i) const { return i < t_.size() && IsDigit32(t_[i].c); }

  bool Match(const Seq& seq, std::size_t i, std::size_t pos, Continuation done) {
    if (++steps_ > kMaxStepsPerAttempt) return true;
    if (i == seq.size()) return done(pos);
    const Node& node = seq[i];
    auto next_fn = [&](std::size_t end) { return Match(seq, i + 1, end, done); };
    Continuation next(next_fn);
    switch (node.op) {
      case Op::kLiteral: {
        const std::size_t end = MatchChars(node.text, pos);
        return end != 0 && next(end);
      }
      case Op::kGap: {
        std::size_t end = pos;
        while (end < t_.size() &&
               (t_[end].c == U' ' || (!node.spaces_only && IsSeparator(t_[end].c)))) {
          ++end;
        }
        // Two words need something between them.
        if (end == pos && pos > 0 && pos < t_.size() && Word(pos - 1) && Word(pos)) return false;
        return next(end);
      }
      case Op::kNum: {
        const std::size_t end = NumberAt(pos);
        return end != 0 && next(end);
      }
      case Op::kCnum: {
        std::size_t end = pos;
        while (end < t_.size() && end - pos < kMaxCnumChars && IsCnum(t_[end].c)) ++end;
        return end != pos && next(end);
      }
      case Op::kMoney: {
        for (const std::size_t end : MoneyEnds(pos)) {
          if (next(end)) return true;
        }
        return false;
      }
      case Op::kCode: {
        const std::size_t end = CodeAt(pos);
        return end != 0 && next(end);
      }
      case Op::kEdge:
        if (pos > 0 && Word(pos - 1)) return false;
        return next(pos);
      case Op::kGroup: {
        for (const Seq& alt : node.alternatives) {
          if (Match(alt, 0, pos, next)) return true;
        }
        return node.optional && next(pos);
      }
    }
    return false;
  }

  // End of `chars` matched at `pos`, or 0.
  std::size_t MatchChars(const std::vector<FoldedChar>& chars, std::size_t pos) const {
    if (chars.empty() || pos + chars.size() > t_.size()) return 0;
    for (std::size_t k = 0; k < chars.size(); ++k) {
      if (!Same(t_[pos + k], chars[k])) return 0;
    }
    return pos + chars.size();
  }

  // 20, 8.5, 1,200, 350.000 — never the tail of a longer number. Returns the end, or 0.
  std::size_t NumberAt(std::size_t pos) const {
    if (!Digit(pos)) return 0;
    if (pos > 0) {
      const char32_t before = t_[pos - 1].c;
      if (IsDigit32(before)) return 0;
      if ((before == U'.' || before == U',') && pos > 1 && Digit(pos - 2)) return 0;
    }
    std::size_t end = pos;
    while (Digit(end)) ++end;
    while (end + 1 < t_.size() && (t_[end].c == U'.' || t_[end].c == U',') && Digit(end + 1)) {
      ++end;
      while (Digit(end)) ++end;
    }
    return end;
  }

  // The longest currency token at `pos`, with the given outer edge free of a word: 0 if none.
  std::size_t CurrencyAt(std::size_t pos, bool before_number) const {
    std::size_t best = 0;
    for (const auto& token : currencies_) {
      const std::size_t end = MatchChars(token, pos);
      if (end == 0 || end <= best) continue;
      const bool outer_ok = before_number ? !(pos > 0 && Word(pos - 1) && Word(pos))
                                          : !(end < t_.size() && Word(end - 1) && Word(end));
      if (outer_ok) best = end;
    }
    return best;
  }

  std::size_t SkipSpaces(std::size_t pos) const {
    std::size_t end = pos;
    while (end < t_.size() && end - pos < kMaxSpacesAroundCurrency && t_[end].c == U' ') ++end;
    return end;
  }

  // Ends of an amount at `pos`, longest first: currency + number [+ currency], or number +
  // currency. A bare number is not money.
  std::vector<std::size_t> MoneyEnds(std::size_t pos) const {
    std::vector<std::size_t> ends;
    const auto add_suffixed = [&](std::size_t number_end) {
      const std::size_t c = SkipSpaces(number_end);
      if (const std::size_t end = CurrencyAt(c, /*before_number=*/false); end != 0) {
        ends.push_back(end);
      }
    };
    if (const std::size_t after = CurrencyAt(pos, /*before_number=*/true); after != 0) {
      const std::size_t n = SkipSpaces(after);
      // The number may touch the currency ("rp150.000"), so no left check on it.
      if (Digit(n)) {
        std::size_t end = n;
        while (Digit(end)) ++end;
        while (end + 1 < t_.size() && (t_[end].c == U'.' || t_[end].c == U',') && Digit(end + 1)) {
          ++end;
          while (Digit(end)) ++end;
        }
        add_suffixed(end);
        ends.push_back(end);
      }
    }
    if (const std::size_t end = NumberAt(pos); end != 0) add_suffixed(end);
    std::sort(ends.begin(), ends.end(), std::greater<>());
    ends.erase(std::unique(ends.begin(), ends.end()), ends.end());
    return ends;
  }

  // SPRING20, WELCOME, FREE-SHIP: returns the end, or 0.
  std::size_t CodeAt(std::size_t pos) const {
    if (pos > 0 && Word(pos - 1)) return 0;
    std::size_t end = pos;
    while (end < t_.size() && IsCodeChar(t_[end]) && t_[end].c == t_[end].base) ++end;
    while (end > pos && (t_[end - 1].c == U'-' || t_[end - 1].c == U'_')) --end;
    if (end - pos < kMinCodeChars || end - pos > kMaxCodeChars) return 0;
    if (end < t_.size() && Word(end)) return 0;
    bool letter = false, digit = false, all_upper = true;
    for (std::size_t k = pos; k < end; ++k) {
      if (IsDigit32(t_[k].c)) {
        digit = true;
      } else if (t_[k].c >= U'a' && t_[k].c <= U'z') {
        letter = true;
        all_upper = all_upper && t_[k].upper;
      }
      if (k == pos && !(letter || digit)) return 0;
    }
    return (letter && (digit || all_upper)) ? end : 0;
  }

  const FoldedText& t_;
  const std::vector<std::vector<FoldedChar>>& currencies_;
  int steps_ = 0;
};

// Folds the literals of a parsed pattern and marks the gaps that must leave separators to
// the element after them.
void FoldPattern(Seq& seq, const textfold::VariantMap& variants);

// Keys of the characters a match of seq[i..] can start with. Returns false when seq[i..] can
// match empty text (so what follows the group also counts).
bool FirstKeys(const Seq& seq, std::size_t i, const std::vector<std::vector<FoldedChar>>& cur,
               std::vector<char32_t>& keys) {
  for (; i < seq.size(); ++i) {
    const Node& node = seq[i];
    switch (node.op) {
      case Op::kLiteral:
        keys.push_back(node.text.front().base);
        return true;
      case Op::kGap:
      case Op::kEdge:
        continue;
      case Op::kNum:
        for (char32_t d = U'0'; d <= U'9'; ++d) keys.push_back(d);
        return true;
      case Op::kCnum:
        keys.insert(keys.end(), kChineseNumerals.begin(), kChineseNumerals.end());
        return true;
      case Op::kMoney:
        for (char32_t d = U'0'; d <= U'9'; ++d) keys.push_back(d);
        for (const auto& token : cur) keys.push_back(token.front().base);
        return true;
      case Op::kCode:
        for (char32_t d = U'0'; d <= U'9'; ++d) keys.push_back(d);
        for (char32_t l = U'a'; l <= U'z'; ++l) keys.push_back(l);
        return true;
      case Op::kGroup: {
        bool all_solid = !node.optional;
        for (const Seq& alt : node.alternatives) {
          all_solid = FirstKeys(alt, 0, cur, keys) && all_solid;
        }
        if (all_solid) return true;
        continue;
      }
    }
  }
  return false;
}

void FoldPattern(Seq& seq, const textfold::VariantMap& variants) {
  for (Node& node : seq) {
    if (node.op == Op::kLiteral) {
      node.text = textfold::Fold(Utf8(node.raw), variants);
    } else if (node.op == Op::kGroup) {
      for (Seq& alt : node.alternatives) FoldPattern(alt, variants);
    }
  }
  // Literals that fold to nothing (a lone zero-width character) are dropped.
  std::erase_if(seq, [](const Node& n) { return n.op == Op::kLiteral && n.text.empty(); });
  for (std::size_t i = 0; i < seq.size(); ++i) {
    if (seq[i].op != Op::kGap) continue;
    std::vector<char32_t> keys;
    FirstKeys(seq, i + 1, {}, keys);
    seq[i].spaces_only = std::any_of(keys.begin(), keys.end(), IsSeparator);
  }
}

struct Span {
  std::uint32_t rule = 0;
  std::size_t begin = 0;
  std::size_t end = 0;
};

// Every non-overlapping match of every rule in `rules` over `t`.
std::vector<Span> FindAll(const FoldedText& t, const std::vector<CompiledRule>& rules,
                          const FirstIndex& index, Matcher& matcher) {
  std::vector<Span> spans;
  std::vector<std::size_t> busy_until(rules.size(), 0);
  for (std::size_t start = 0; start < t.size(); ++start) {
    const auto it = index.find(t[start].base);
    if (it == index.end()) continue;
    for (const std::uint32_t r : it->second) {
      if (start < busy_until[r]) continue;
      const std::size_t end = matcher.LongestAt(rules[r].seq, start);
      if (end == 0) continue;
      spans.push_back({r, start, end});
      busy_until[r] = end;
    }
  }
  return spans;
}

}  // namespace

struct Guard::Impl {
  textfold::VariantMap variants;
  std::vector<std::vector<FoldedChar>> currencies;
  std::vector<CompiledRule> rules;
  std::vector<CompiledRule> allows;
  FirstIndex rule_index;
  FirstIndex allow_index;
};

Guard::Guard(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Guard::Guard(Guard&&) noexcept = default;
Guard& Guard::operator=(Guard&&) noexcept = default;
Guard::~Guard() = default;

std::size_t Guard::rule_count() const { return impl_->rules.size(); }
std::size_t Guard::allow_count() const { return impl_->allows.size(); }

Result<Guard> Guard::Create(std::span<const RuleSet> sets) {
  auto impl = std::make_unique<Impl>();

  // Categories, variants and currencies first: rules in any file may use them.
  std::map<std::string, std::pair<std::string, std::string>, std::less<>> categories;
  std::map<char32_t, std::pair<char32_t, std::string>> variant_of;
  std::vector<std::pair<char32_t, char32_t>> variant_pairs;
  for (const RuleSet& set : sets) {
    for (const CategoryEntry& c : set.categories) {
      const std::string where = Where(set.source, c.line);
      if (const auto it = categories.find(c.name); it != categories.end()) {
        return InvalidArgument(
            where, "category " + c.name + " is already defined at " + it->second.second);
      }
      categories.emplace(c.name, std::pair(c.description, where));
    }
    for (const auto& [from, to] : set.variants) {
      if (const auto it = variant_of.find(from); it != variant_of.end()) {
        if (it->second.first != to) {
          return InvalidArgument(set.source, "variant " + Utf8(std::u32string(1, from)) +
                                                 " is already mapped differently in " +
                                                 it->second.second);
        }
        continue;
      }
      variant_of.emplace(from, std::pair(to, set.source));
      variant_pairs.emplace_back(from, to);
    }
  }
  impl->variants = textfold::VariantMap(std::move(variant_pairs));
  for (const RuleSet& set : sets) {
    for (const auto& [token, line] : set.currencies) {
      std::vector<FoldedChar> folded = textfold::Fold(token, impl->variants);
      if (folded.empty()) continue;
      const bool known =
          std::any_of(impl->currencies.begin(), impl->currencies.end(), [&](const auto& c) {
            return std::equal(c.begin(), c.end(), folded.begin(), folded.end(),
                              [](const FoldedChar& a, const FoldedChar& b) { return a.c == b.c; });
          });
      if (!known) impl->currencies.push_back(std::move(folded));
    }
  }

  std::map<std::string, std::string, std::less<>> ids;  // id -> where
  for (const RuleSet& set : sets) {
    for (const RuleEntry& e : set.entries) {
      const std::string where = Where(set.source, e.line);
      if (const auto it = ids.find(e.id); it != ids.end()) {
        return InvalidArgument(where, "id " + e.id + " is already defined at " + it->second);
      }
      ids.emplace(e.id, where);
      CompiledRule rule{
          .id = e.id, .category = e.category, .language = e.language, .source = where};
      if (e.kind == RuleEntry::Kind::kRule) {
        const auto category = categories.find(e.category);
        if (category == categories.end()) {
          return InvalidArgument(where, "rule " + e.id + " names category " + e.category +
                                            ", which no rule file declares");
        }
        rule.description = category->second.first;
      }
      auto seq = ParsePattern(e.pattern);
      if (!seq.ok()) return InvalidArgument(where, "pattern: " + seq.error().message);
      rule.seq = std::move(*seq);
      FoldPattern(rule.seq, impl->variants);
      std::vector<char32_t> keys;
      FirstKeys(rule.seq, 0, impl->currencies, keys);
      std::sort(keys.begin(), keys.end());
      keys.erase(std::unique(keys.begin(), keys.end()), keys.end());
      const bool is_rule = e.kind == RuleEntry::Kind::kRule;
      auto& list = is_rule ? impl->rules : impl->allows;
      auto& index = is_rule ? impl->rule_index : impl->allow_index;
      const auto n = static_cast<std::uint32_t>(list.size());
      for (char32_t key : keys) index[key].push_back(n);
      list.push_back(std::move(rule));
    }
  }
  return Guard(std::move(impl));
}

std::vector<Hit> Guard::Check(std::span<const TextField> fields) const {
  std::vector<Hit> hits;
  for (const TextField& field : fields) {
    const FoldedText t = textfold::Fold(field.text, impl_->variants);
    Matcher matcher(t, impl_->currencies);
    std::vector<Span> found = FindAll(t, impl_->rules, impl_->rule_index, matcher);
    if (found.empty()) continue;
    const std::vector<Span> allowed = FindAll(t, impl_->allows, impl_->allow_index, matcher);
    std::erase_if(found, [&](const Span& s) {
      return std::any_of(allowed.begin(), allowed.end(),
                         [&](const Span& a) { return s.begin < a.end && a.begin < s.end; });
    });
    // Each piece of text once: a hit inside a longer (or earlier, equal) one is dropped.
    std::sort(found.begin(), found.end(), [](const Span& a, const Span& b) {
      if (a.begin != b.begin) return a.begin < b.begin;
      if (a.end != b.end) return a.end > b.end;
      return a.rule < b.rule;
    });
    std::vector<Span> kept;
    for (const Span& s : found) {
      const bool inside = std::any_of(kept.begin(), kept.end(), [&](const Span& k) {
        return k.begin <= s.begin && s.end <= k.end;
      });
      if (!inside) kept.push_back(s);
    }
    for (const Span& s : kept) {
      const CompiledRule& rule = impl_->rules[s.rule];
      const std::size_t from = t[s.begin].begin;
      const std::size_t to = t[s.end - 1].end;
      hits.push_back(Hit{.rule_id = rule.id,
                         .category = rule.category,
                         .description = rule.description,
                         .language = rule.language,
                         .matched = field.text.substr(from, to - from),
                         .location = field.location,
                         .path = field.path,
                         .offset = from,
                         .source = rule.source});
    }
  }
  return hits;
}

Result<std::vector<RuleSet>> BuiltInRuleSets() {
  std::vector<RuleSet> sets;
  for (const EmbeddedFile& file : BuiltInRuleFiles()) {
    auto set = ParseGuardRules(file.text, file.name);
    if (!set.ok()) return set.error();
    sets.push_back(std::move(*set));
  }
  return sets;
}

AccountGuards::AccountGuards(Guard common, std::map<Id, Guard> per_account)
    : common_(std::move(common)), per_account_(std::move(per_account)) {}

Result<AccountGuards> AccountGuards::Create(std::vector<RuleSet> common,
                                            std::map<Id, std::vector<RuleSet>> per_account) {
  auto base = BuiltInRuleSets();
  if (!base.ok()) return base.error();
  std::vector<RuleSet> shared = std::move(*base);
  for (RuleSet& set : common) shared.push_back(std::move(set));
  auto common_guard = Guard::Create(shared);
  if (!common_guard.ok()) return common_guard.error();
  std::map<Id, Guard> guards;
  for (auto& [account, own] : per_account) {
    std::vector<RuleSet> sets = shared;
    for (RuleSet& set : own) sets.push_back(std::move(set));
    auto guard = Guard::Create(sets);
    if (!guard.ok()) return guard.error();
    guards.emplace(account, std::move(*guard));
  }
  return AccountGuards(std::move(*common_guard), std::move(guards));
}

const AccountGuards& AccountGuards::BuiltIn() {
  static const AccountGuards guards = [] {
    auto created = Create({}, {});
    if (!created.ok()) {
      throw std::logic_error("built-in guard rules: " + created.error().ToString());
    }
    return std::move(*created);
  }();
  return guards;
}

const Guard& AccountGuards::For(std::optional<Id> account) const {
  if (account) {
    if (const auto it = per_account_.find(*account); it != per_account_.end()) return it->second;
  }
  return common_;
}

std::vector<Id> AccountGuards::accounts_with_rules() const {
  std::vector<Id> ids;
  for (const auto& [id, guard] : per_account_) ids.push_back(id);
  return ids;
}

}  // namespace crier::guard
