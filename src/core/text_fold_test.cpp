#include "core/text_fold.h"

#include <gtest/gtest.h>

#include <string>

namespace crier::textfold {
namespace {

// The folded characters as UTF-8.
std::string Folded(std::string_view text, const VariantMap& variants = {}) {
  std::string out;
  for (const FoldedChar& f : Fold(text, variants)) AppendUtf8(f.c, out);
  return out;
}

std::string Bases(std::string_view text) {
  std::string out;
  for (const FoldedChar& f : Fold(text)) AppendUtf8(f.base, out);
  return out;
}

TEST(TextFold, FullWidthFormsAndDigitsBecomeAscii) {
  EXPECT_EQ(Folded("２０％ＯＦＦ"), "20%off");
  EXPECT_EQ(Folded("優惠碼：ＡＢＣ"), "優惠碼:abc");
  EXPECT_EQ(Folded("￥１２８"), "¥128");
}

TEST(TextFold, ThaiDigitsAreDigits) { EXPECT_EQ(Folded("ลด ๕๐%"), "ลด 50%"); }

TEST(TextFold, LatinCaseFoldsIncludingVietnamese) {
  EXPECT_EQ(Folded("SALE"), "sale");
  EXPECT_EQ(Folded("GIẢM GIÁ ĐẶC BIỆT"), "giảm giá đặc biệt");
  EXPECT_EQ(Folded("ƯU ĐÃI"), "ưu đãi");
  EXPECT_EQ(Folded("Ñandú"), "ñandú");
}

TEST(TextFold, BaseLettersDropDiacritics) {
  EXPECT_EQ(Bases("Giảm giá đặc biệt"), "giam gia dac biet");
  EXPECT_EQ(Bases("Ưu đãi"), "uu dai");
  // Chinese and Thai have no base letters: they stay as they are.
  EXPECT_EQ(Bases("优惠 ลด"), "优惠 ลด");
}

TEST(TextFold, DecomposedVietnameseFoldsLikeComposed) {
  // "giảm" typed as g i a + combining hook above + m (NFD), and "Ế" as E + circumflex + acute.
  EXPECT_EQ(Folded("gia\u0309m"), Folded("giảm"));
  EXPECT_EQ(Folded("E\u0302\u0301"), "ế");
  const FoldedText t = Fold("gia\u0309m");
  ASSERT_EQ(t.size(), 4u);
  EXPECT_EQ(t[2].begin, 2u);
  EXPECT_EQ(t[2].end, 5u);  // the letter and its mark
}

TEST(TextFold, MarksThatDoNotComposeStayWithTheirLetter) {
  const FoldedText t = Fold("q\u0301x");
  ASSERT_EQ(t.size(), 2u);
  EXPECT_EQ(t[0].c, U'q');
  EXPECT_EQ(t[0].end, 3u);
}

TEST(TextFold, InvisibleCharactersAreDroppedAndSpacesUnified) {
  // A zero-width space between Thai words, a BOM, a soft hyphen, an emoji variation selector.
  EXPECT_EQ(Folded("ลด\u200Bราคา"), "ลดราคา");
  EXPECT_EQ(Folded("\uFEFFfree\u00ADship"), "freeship");
  EXPECT_EQ(Folded("❤\uFE0F"), "❤");
  EXPECT_EQ(Folded("a\u3000b\u00A0c\td\ne"), "a b c d e");
}

TEST(TextFold, StyledLettersAndDashesFold) {
  EXPECT_EQ(Folded("𝐒𝐀𝐋𝐄 𝟓𝟎%"), "sale 50%");
  EXPECT_EQ(Folded("ⓈⒶⓁⒺ"), "sale");
  EXPECT_EQ(Folded("\u221230%"), "-30%");
  const FoldedText t = Fold("𝐒");
  ASSERT_EQ(t.size(), 1u);
  EXPECT_TRUE(t[0].upper);
}

TEST(TextFold, UpperCaseIsRemembered) {
  const FoldedText t = Fold("aBẢ");
  ASSERT_EQ(t.size(), 3u);
  EXPECT_FALSE(t[0].upper);
  EXPECT_TRUE(t[1].upper);
  EXPECT_TRUE(t[2].upper);
}

TEST(TextFold, ByteRangesPointIntoTheSource) {
  const std::string text = "Ａ优b";
  const FoldedText t = Fold(text);
  ASSERT_EQ(t.size(), 3u);
  EXPECT_EQ(text.substr(t[0].begin, t[0].end - t[0].begin), "Ａ");
  EXPECT_EQ(text.substr(t[1].begin, t[1].end - t[1].begin), "优");
  EXPECT_EQ(text.substr(t[2].begin, t[2].end - t[2].begin), "b");
}

TEST(TextFold, VariantsMapLast) {
  const VariantMap variants({{U'優', U'优'}, {U'惠', U'惠'}, {U'費', U'费'}});
  EXPECT_EQ(Folded("優惠 免費", variants), "优惠 免费");
  EXPECT_EQ(variants.Map(U'x'), U'x');
  // The last pair for a character wins.
  EXPECT_EQ(VariantMap({{U'a', U'b'}, {U'a', U'c'}}).Map(U'a'), U'c');
}

TEST(TextFold, MalformedUtf8BecomesReplacementCharacters) {
  bool ok = true;
  const std::u32string decoded = DecodeUtf8("a\xC3(\xE4\xBD", &ok);
  EXPECT_FALSE(ok);
  EXPECT_EQ(decoded, U"a\uFFFD(\uFFFD\uFFFD");
  EXPECT_EQ(Folded("\xC0\xAF"), "\uFFFD\uFFFD");  // overlong '/'
  EXPECT_EQ(Folded("\xED\xA0\x80").size(), 9u);   // a surrogate: three bad bytes
  DecodeUtf8("ok 优", &ok);
  EXPECT_TRUE(ok);
}

TEST(TextFold, WordCharactersAreAlphabeticLettersAndDigits) {
  EXPECT_TRUE(IsWordChar(U'a'));
  EXPECT_TRUE(IsWordChar(U'7'));
  EXPECT_TRUE(IsWordChar(U'ả'));
  EXPECT_TRUE(IsWordChar(U'đ'));
  EXPECT_FALSE(IsWordChar(U'优'));
  EXPECT_FALSE(IsWordChar(U'ล'));
  EXPECT_FALSE(IsWordChar(U'-'));
  EXPECT_FALSE(IsWordChar(U'×'));
}

}  // namespace
}  // namespace crier::textfold
