// The promotional-content guard (PRODUCT.md B1): finds discounts, coupons, prices off,
// "sale", promo codes, free offers and their equivalents in English, Chinese (simplified and
// traditional), Vietnamese, Thai and Indonesian, and says for each hit which rule fired, what
// kind of promotion it is, and where the text was found.
//
// Rules are data: rule files (the built-in ones are data/guard/*.txt, embedded in the binary;
// operators add their own, for every account or for one) are parsed by ParseGuardRules and
// compiled by Guard::Create. The file format:
//
//   # a comment (a line whose first non-blank character is '#')
//   language <tag>                        sets the language of the rules below (en, zh, any)
//   category <name> <description...>     declares a category ("percent_off a percentage off")
//   rule <id> <category> <pattern...>     a hit when the pattern matches
//   allow <id> <pattern...>               drops the hits that overlap a match ("feel free")
//   currency <token>...                   what {money} accepts around a number ("$", "rp", "元")
//   variant <XY>...                       character X is matched as character Y ("優优")
//
// Patterns are matched against folded text (core/text_fold.h: case, diacritics, full-width
// forms, traditional -> simplified Chinese through the variant table):
//   - literal characters match themselves; a Latin letter written without its diacritic
//     matches every accented form of it ("giam gia" matches "giảm giá"), but two different
//     diacritics never match ("tăng" is not "tặng");
//   - a space is a gap: any run of white space and the separators : - , " ' * and quote
//     brackets, possibly empty — except between two letters or digits, where it must not be
//     empty. So "buy one get one" also matches "buy-one, get-one";
//   - a match never starts or ends inside a word of an alphabetic script: "sale" does not fire
//     in "wholesale" or "salesperson", "free" not in "freedom". Thai and Chinese are written
//     without spaces, so rules in them match anywhere;
//   - (a|b) is a choice, [a|b] an optional choice; \ makes the next character literal;
//   - {num} a number (20, 8.5, 1,200, 350.000); {cnum} a Chinese numeral (八, 七五, 十);
//     {money} a number with a currency token before or after it ($10, Rp 150.000, 500 บาท,
//     50k); {code} a promo code (3-24 letters, digits, '-' or '_', with a letter, and a digit
//     or all letters capitals: SPRING20, WELCOME, not "below" nor "482913"); {edge} asserts
//     that no letter or digit comes just before ("-30%" but not "10-30%").
//
// Hits overlapping an allow match are dropped; of hits that overlap, a hit inside a longer
// one is dropped ("优惠" inside "优惠码"), so each piece of text is reported once.
#pragma once

#include <cstddef>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/model.h"
#include "core/result.h"

namespace crier::guard {

// A piece of text to check and where it sits, independent of the content model (see
// core/guard_content.h for how broadcast messages become fields).
struct TextField {
  std::string location;  // for people: "message 2 text", "message 1 button 1 title"
  std::string path;      // for programs, e.g. the JSON path "messages[1].text"; may be empty
  std::string text;      // UTF-8
};

struct Hit {
  std::string rule_id;      // "en.pct_off"
  std::string category;     // "percent_off"
  std::string description;  // the category's description
  std::string language;     // the rule's language tag
  std::string matched;      // the text exactly as written: text[offset, offset + size)
  std::string location;     // the field's
  std::string path;         // the field's
  std::size_t offset = 0;   // byte offset of the match in the field's text
  std::string source;       // where the rule is defined: "en.txt:12"

  friend bool operator==(const Hit&, const Hit&) = default;
};

// One line of a rule file that defines something.
struct RuleEntry {
  enum class Kind { kRule, kAllow };
  Kind kind = Kind::kRule;
  std::string id;
  std::string category;  // empty for allow entries
  std::string language;
  std::string pattern;  // as written; checked by ParseGuardRules
  int line = 0;
};

struct CategoryEntry {
  std::string name;
  std::string description;
  int line = 0;
};

// One parsed rule file.
struct RuleSet {
  std::string source;  // the name errors and hits use: "en.txt", "/etc/crier/guard/x.txt"
  std::vector<CategoryEntry> categories;
  std::vector<RuleEntry> entries;
  std::vector<std::pair<std::string, int>> currencies;  // token, line
  std::vector<std::pair<char32_t, char32_t>> variants;  // from, to
};

// Limits that keep matching fast whatever an operator writes.
inline constexpr std::size_t kMaxPatternBytes = 1000;
inline constexpr int kMaxGroupDepth = 4;

// Parses one rule file. Pure. Fails on the first bad line with field "<source>:<line>" and a
// message naming what is wrong (unknown directive, bad id, pattern syntax, an id defined
// twice in the file, malformed UTF-8...).
Result<RuleSet> ParseGuardRules(std::string_view text, std::string_view source_name);

// Compiled rules. Immutable after Create; Check is const and thread-safe.
class Guard {
 public:
  // Compiles `sets` (the built-in ones first, then extensions). Fails, naming "<source>:<line>",
  // when a rule names a category no set declares, when an id or a category is defined twice
  // across sets, or when a set redefines a currency or variant already given differently.
  static Result<Guard> Create(std::span<const RuleSet> sets);

  Guard(Guard&&) noexcept;
  Guard& operator=(Guard&&) noexcept;
  ~Guard();

  // Every hit in `fields`, ordered by field, then offset. Never fails: malformed UTF-8 is
  // checked as U+FFFD characters.
  std::vector<Hit> Check(std::span<const TextField> fields) const;

  std::size_t rule_count() const;
  std::size_t allow_count() const;

 private:
  struct Impl;
  explicit Guard(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// The built-in rule files (data/guard/*.txt, embedded at build time), parsed. Fails only if a
// built-in file is broken, which the tests rule out.
Result<std::vector<RuleSet>> BuiltInRuleSets();

// The guards of a server: every channel account is checked with the built-in rules plus the
// common extensions; an account with its own extensions gets those on top.
class AccountGuards {
 public:
  // Compiles the built-in sets + `common`, and for each account built-in + common + its own.
  // Errors as Guard::Create.
  static Result<AccountGuards> Create(std::vector<RuleSet> common,
                                      std::map<Id, std::vector<RuleSet>> per_account);
  // The built-in rules only, compiled once on first use. Throws std::logic_error if the
  // built-in files do not compile (a build defect the tests catch).
  static const AccountGuards& BuiltIn();

  // The guard for `account` (the common one when nullopt or without its own rules).
  const Guard& For(std::optional<Id> account) const;
  // Accounts that have rules of their own.
  std::vector<Id> accounts_with_rules() const;

 private:
  AccountGuards(Guard common, std::map<Id, Guard> per_account);
  Guard common_;
  std::map<Id, Guard> per_account_;
};

}  // namespace crier::guard
