// Text normalisation for matching words across scripts and spellings (the promotional-content
// guard's input side). Pure and thread-safe.
//
// Folding turns UTF-8 text into one FoldedChar per character as a reader sees it:
//   - compatibility forms become what they stand for: full-width ASCII ("％", "０-９", "Ａ"),
//     the ideographic space, Thai digits ("๕๐" -> "50"), mathematical and circled letters
//     ("𝐒𝐀𝐋𝐄", "Ⓢ"), hyphen and minus variants ("−30%"), full-width currency signs ("￥");
//   - Latin letters are lower-cased, Vietnamese and other accented letters included ("GIẢM" ->
//     "giảm"), and a letter written as base + combining marks is composed first, so NFC and
//     NFD text fold alike;
//   - zero-width characters (ZWSP between Thai words, joiners, BOM, variation selectors, soft
//     hyphen) are dropped: they are invisible, and would split words that look whole;
//   - every kind of white space becomes ' ';
//   - finally a caller's variant table maps characters onto one canonical form (the guard maps
//     traditional Chinese characters onto simplified ones with it).
// Each FoldedChar remembers the byte range of the text it came from, so a match on folded
// text can be reported as the exact bytes the author wrote.
#pragma once

#include <cstdint>
#include <string_view>
#include <utility>
#include <vector>

namespace crier::textfold {

struct FoldedChar {
  char32_t c = 0;      // the folded character
  char32_t base = 0;   // a Latin letter's ASCII letter without diacritics ('ả' -> 'a'); else c
  bool upper = false;  // the source character was an upper-case letter
  std::uint32_t begin = 0;  // byte offset of the source character(s) in the text
  std::uint32_t end = 0;    // one past the last byte
};

using FoldedText = std::vector<FoldedChar>;

// Character -> canonical character, applied after every other fold. Built once, read by
// many; thread-safe once built.
class VariantMap {
 public:
  VariantMap() = default;
  // Later pairs for the same character replace earlier ones.
  explicit VariantMap(std::vector<std::pair<char32_t, char32_t>> pairs);
  char32_t Map(char32_t c) const;
  std::size_t size() const { return pairs_.size(); }

 private:
  std::vector<std::pair<char32_t, char32_t>> pairs_;  // sorted by first, unique
};

// Folds `utf8`. Malformed UTF-8 never fails: each bad byte becomes U+FFFD.
FoldedText Fold(std::string_view utf8, const VariantMap& variants = {});

// Decodes `utf8` into code points; each malformed byte becomes U+FFFD, and `ok` (when given)
// is set to false.
std::u32string DecodeUtf8(std::string_view utf8, bool* ok = nullptr);
void AppendUtf8(char32_t c, std::string& out);

// A letter or digit of an alphabetic script (Latin, Greek, Cyrillic) or an ASCII digit: the
// characters that make up space-separated words. Thai and CJK are not: they are written
// without spaces, so a match there needs no word boundary.
bool IsWordChar(char32_t c);

// White space of any kind (folds to ' ').
bool IsSpace(char32_t c);

}  // namespace crier::textfold
