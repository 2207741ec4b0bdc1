#include "core/text_fold.h"

#include <algorithm>
#include <iterator>

namespace crier::textfold {
namespace {

struct LatinFold {
  char32_t cp;
  char32_t lower;
  char32_t base;
};
struct Composition {
  char32_t first;
  char32_t mark;
  char32_t composed;
};
struct FoldRange {
  char32_t first;
  char32_t last;
  char32_t to;
};

#include "core/text_fold_tables.inc"

constexpr char32_t kReplacement = 0xFFFD;
// Compat() result for characters that are dropped.
constexpr char32_t kDrop = 0xFFFFFFFF;

// Decodes one character at `s[i]`; `len` is how many bytes it took (1 for a bad byte).
char32_t DecodeAt(std::string_view s, std::size_t i, std::size_t& len, bool& ok) {
  const auto b = [&](std::size_t k) { return static_cast<unsigned char>(s[i + k]); };
  const unsigned char b0 = b(0);
  len = 1;
  if (b0 < 0x80) return b0;
  std::size_t need = 0;
  char32_t cp = 0;
  char32_t min = 0;
  if ((b0 & 0xE0) == 0xC0) {
    need = 1, cp = b0 & 0x1F, min = 0x80;
  } else if ((b0 & 0xF0) == 0xE0) {
    need = 2, cp = b0 & 0x0F, min = 0x800;
  } else if ((b0 & 0xF8) == 0xF0) {
    need = 3, cp = b0 & 0x07, min = 0x10000;
  } else {
    ok = false;
    return kReplacement;
  }
  if (i + need >= s.size()) {
    ok = false;
    return kReplacement;
  }
  for (std::size_t k = 1; k <= need; ++k) {
    if ((b(k) & 0xC0) != 0x80) {
      ok = false;
      return kReplacement;
    }
    cp = (cp << 6) | (b(k) & 0x3F);
  }
  // Overlong forms, UTF-16 surrogates and values past U+10FFFF are not UTF-8.
  if (cp < min || (cp >= 0xD800 && cp <= 0xDFFF) || cp > 0x10FFFF) {
    ok = false;
    return kReplacement;
  }
  len = need + 1;
  return cp;
}

bool IsUnicodeSpace(char32_t c) {
  return (c >= 0x09 && c <= 0x0D) || c == 0x20 || c == 0x85 || c == 0xA0 || c == 0x1680 ||
         (c >= 0x2000 && c <= 0x200A) || c == 0x2028 || c == 0x2029 || c == 0x202F || c == 0x205F ||
         c == 0x3000;
}

bool IsInvisible(char32_t c) {
  return (c >= 0x200B && c <= 0x200D) || c == 0x2060 || c == 0xFEFF || c == 0x00AD || c == 0x180E ||
         (c >= 0xFE00 && c <= 0xFE0F) || (c >= 0xE0100 && c <= 0xE01EF);
}

// What a compatibility character stands for; kDrop for invisible ones.
char32_t Compat(char32_t c) {
  if (c < 0x80) return (c >= 0x09 && c <= 0x0D) ? U' ' : c;
  if (IsUnicodeSpace(c)) return U' ';
  if (IsInvisible(c)) return kDrop;
  if (c >= 0xFF01 && c <= 0xFF5E) return c - 0xFEE0;           // full-width ASCII
  if (c >= 0x0E50 && c <= 0x0E59) return U'0' + (c - 0x0E50);  // Thai digits
  if ((c >= 0x2010 && c <= 0x2015) || c == 0x2212 || c == 0xFE58 || c == 0xFE63) return U'-';
  if (c == 0xFE6A) return U'%';
  if (c == 0xFFE0) return 0xA2;                                // ￠
  if (c == 0xFFE1) return 0xA3;                                // ￡
  if (c == 0xFFE5) return 0xA5;                                // ￥
  if (c == 0xFFE6) return 0x20A9;                              // ￦
  if (c >= 0x24B6 && c <= 0x24CF) return U'A' + (c - 0x24B6);  // Ⓐ
  if (c >= 0x24D0 && c <= 0x24E9) return U'a' + (c - 0x24D0);  // ⓐ
  if (c >= 0x1D400 && c <= 0x1D7FF) {
    const auto it = std::upper_bound(std::begin(kMathAlphanumerics), std::end(kMathAlphanumerics),
                                     c, [](char32_t v, const FoldRange& r) { return v < r.first; });
    if (it != std::begin(kMathAlphanumerics)) {
      const FoldRange& r = *std::prev(it);
      if (c <= r.last) return r.to + (c - r.first);
    }
  }
  return c;
}

bool IsCombiningMark(char32_t c) { return c >= 0x0300 && c <= 0x036F; }

const LatinFold* FindLatin(char32_t c) {
  const auto it = std::lower_bound(std::begin(kLatinFolds), std::end(kLatinFolds), c,
                                   [](const LatinFold& f, char32_t v) { return f.cp < v; });
  return (it != std::end(kLatinFolds) && it->cp == c) ? &*it : nullptr;
}

char32_t Compose(char32_t first, char32_t mark) {
  const auto it =
      std::lower_bound(std::begin(kCompositions), std::end(kCompositions), std::pair(first, mark),
                       [](const Composition& x, std::pair<char32_t, char32_t> v) {
                         return x.first != v.first ? x.first < v.first : x.mark < v.second;
                       });
  if (it == std::end(kCompositions) || it->first != first || it->mark != mark) return 0;
  return it->composed;
}

// Case and diacritic folding of one character (after Compat), then the variant table.
FoldedChar FoldOne(char32_t c, const VariantMap& variants) {
  FoldedChar f;
  if (c >= U'A' && c <= U'Z') {
    f.c = f.base = c + 32;
    f.upper = true;
  } else if (c < 0x80) {
    f.c = f.base = c;
  } else if (const LatinFold* latin = FindLatin(c)) {
    f.c = latin->lower;
    f.base = latin->base;
    f.upper = latin->lower != c;
  } else if ((c >= 0x0391 && c <= 0x03A9 && c != 0x03A2) || (c >= 0x0410 && c <= 0x042F)) {
    f.c = f.base = c + 32;  // Greek and basic Cyrillic capitals
    f.upper = true;
  } else if (c >= 0x0400 && c <= 0x040F) {
    f.c = f.base = c + 80;
    f.upper = true;
  } else {
    f.c = f.base = c;
  }
  const char32_t mapped = variants.Map(f.c);
  if (mapped != f.c) f.c = f.base = mapped;
  return f;
}

bool IsLatinLetter(char32_t c) {
  return (c >= U'a' && c <= U'z') || (c >= 0xC0 && c <= 0x24F) || (c >= 0x1E00 && c <= 0x1EFF);
}

}  // namespace

VariantMap::VariantMap(std::vector<std::pair<char32_t, char32_t>> pairs) {
  // Stable, so that among pairs for one character the last one given wins below.
  std::stable_sort(pairs.begin(), pairs.end(),
                   [](const auto& a, const auto& b) { return a.first < b.first; });
  for (const auto& p : pairs) {
    if (!pairs_.empty() && pairs_.back().first == p.first) {
      pairs_.back() = p;
    } else {
      pairs_.push_back(p);
    }
  }
}

char32_t VariantMap::Map(char32_t c) const {
  if (pairs_.empty()) return c;
  const auto it = std::lower_bound(pairs_.begin(), pairs_.end(), c,
                                   [](const auto& p, char32_t v) { return p.first < v; });
  return (it != pairs_.end() && it->first == c) ? it->second : c;
}

std::u32string DecodeUtf8(std::string_view utf8, bool* ok) {
  std::u32string out;
  out.reserve(utf8.size());
  bool good = true;
  for (std::size_t i = 0; i < utf8.size();) {
    std::size_t len = 1;
    out.push_back(DecodeAt(utf8, i, len, good));
    i += len;
  }
  if (ok != nullptr) *ok = good;
  return out;
}

void AppendUtf8(char32_t c, std::string& out) {
  if (c < 0x80) {
    out += static_cast<char>(c);
  } else if (c < 0x800) {
    out += static_cast<char>(0xC0 | (c >> 6));
    out += static_cast<char>(0x80 | (c & 0x3F));
  } else if (c < 0x10000) {
    out += static_cast<char>(0xE0 | (c >> 12));
    out += static_cast<char>(0x80 | ((c >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (c & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (c >> 18));
    out += static_cast<char>(0x80 | ((c >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((c >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (c & 0x3F));
  }
}

FoldedText Fold(std::string_view utf8, const VariantMap& variants) {
  FoldedText out;
  out.reserve(utf8.size());
  bool ok = true;
  for (std::size_t i = 0; i < utf8.size();) {
    std::size_t len = 1;
    const char32_t raw = DecodeAt(utf8, i, len, ok);
    const auto begin = static_cast<std::uint32_t>(i);
    const auto end = static_cast<std::uint32_t>(i + len);
    i += len;
    const char32_t c = Compat(raw);
    if (c == kDrop) continue;
    if (IsCombiningMark(c)) {
      // A mark belongs to the letter before it: composed with it when Unicode has the
      // composition ("e" + U+0302 + U+0301 -> "ế"), else kept in its byte range and ignored.
      if (out.empty()) continue;
      FoldedChar& prev = out.back();
      if (IsLatinLetter(prev.c)) {
        if (const char32_t composed = Compose(prev.c, c); composed != 0) {
          const bool upper = prev.upper;
          const std::uint32_t prev_begin = prev.begin;
          prev = FoldOne(composed, variants);
          prev.upper = upper;
          prev.begin = prev_begin;
        }
      }
      prev.end = end;
      continue;
    }
    FoldedChar f = FoldOne(c, variants);
    f.begin = begin;
    f.end = end;
    out.push_back(f);
  }
  return out;
}

bool IsSpace(char32_t c) { return IsUnicodeSpace(c); }

bool IsWordChar(char32_t c) {
  if (c < 0x80)
    return (c >= U'0' && c <= U'9') || (c >= U'a' && c <= U'z') || (c >= U'A' && c <= U'Z');
  return (c >= 0xC0 && c <= 0x24F && c != 0xD7 && c != 0xF7) || (c >= 0x1E00 && c <= 0x1EFF) ||
         (c >= 0x0370 && c <= 0x03FF) || (c >= 0x0400 && c <= 0x04FF);
}

}  // namespace crier::textfold
