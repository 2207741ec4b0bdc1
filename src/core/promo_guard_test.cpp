#include "core/promo_guard.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "core/guard_content.h"
#include "core/guard_data.h"

namespace crier::guard {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

const Guard& BuiltIn() { return AccountGuards::BuiltIn().For(std::nullopt); }

std::vector<Hit> CheckText(const Guard& guard, const std::string& text) {
  const TextField field{"message 1 text", "messages[0].text", text};
  return guard.Check(std::span(&field, 1));
}

std::vector<Hit> CheckText(const std::string& text) { return CheckText(BuiltIn(), text); }

// "category:matched" for each hit, to compare in one line.
std::vector<std::string> Summary(const std::vector<Hit>& hits) {
  std::vector<std::string> out;
  for (const Hit& h : hits) out.push_back(h.category + ":" + h.matched);
  return out;
}

// A guard from the built-in files plus `extra` (one file named "extra.txt").
Result<Guard> BuiltInPlus(std::string_view extra) {
  auto sets = BuiltInRuleSets();
  if (!sets.ok()) return sets.error();
  auto parsed = ParseGuardRules(extra, "extra.txt");
  if (!parsed.ok()) return parsed.error();
  sets->push_back(std::move(*parsed));
  return Guard::Create(*sets);
}

// ---- the built-in rules, one case per category and language ------------------------------

struct CategoryCase {
  std::string language;
  std::string text;
  std::string category;
  std::string matched;
};

void PrintTo(const CategoryCase& c, std::ostream* os) { *os << c.language << ": " << c.text; }

class EachCategory : public ::testing::TestWithParam<CategoryCase> {};

TEST_P(EachCategory, IsCaughtWithTheTextAsWritten) {
  const CategoryCase& c = GetParam();
  const std::vector<Hit> hits = CheckText(c.text);
  EXPECT_THAT(Summary(hits), ::testing::Contains(c.category + ":" + c.matched))
      << ::testing::PrintToString(Summary(hits));
}

INSTANTIATE_TEST_SUITE_P(
    AllLanguages, EachCategory,
    ::testing::Values(
        CategoryCase{"en", "Everything is 20% off this weekend", "percent_off", "20% off"},
        CategoryCase{"en", "Prices are -30% until Sunday", "percent_off", "-30%"},
        CategoryCase{"en", "Now only $15 for the classic tee", "price_cut", "Now only $15"},
        CategoryCase{"en", "Was $50, now $30!", "price_cut", "Was $50, now $30"},
        CategoryCase{"en", "Use code SPRING20 at checkout", "coupon_code", "Use code SPRING20"},
        CategoryCase{"en", "Free tote bag with every order", "free_offer", "Free"},
        CategoryCase{"en", "Our summer sale starts now", "sale", "sale"},
        CategoryCase{"en", "Buy one, get one on all tees", "bogo", "Buy one, get one"},
        CategoryCase{"en", "A special offer just for you", "promotion", "special offer"},
        CategoryCase{"en", "Earn double points this week", "reward", "double points"},
        CategoryCase{"zh-Hans", "全场8折", "percent_off", "8折"},
        CategoryCase{"zh-Hans", "全场八五折", "percent_off", "八五折"},
        CategoryCase{"zh-Hans", "满300减50", "price_cut", "满300减"},
        CategoryCase{"zh-Hans", "立减20元", "price_cut", "立减"},
        CategoryCase{"zh-Hans", "输入优惠码即可", "coupon_code", "优惠码"},
        CategoryCase{"zh-Hans", "全国包邮", "free_offer", "包邮"},
        CategoryCase{"zh-Hans", "年底清仓", "sale", "清仓"},
        CategoryCase{"zh-Hans", "奶茶买一送一", "bogo", "买一送一"},
        CategoryCase{"zh-Hans", "限时抢购", "promotion", "限时"},
        CategoryCase{"zh-Hans", "下单返现", "reward", "返现"},
        CategoryCase{"zh-Hant", "全館88折", "percent_off", "88折"},
        CategoryCase{"zh-Hant", "結帳現折", "price_cut", "現折"},
        CategoryCase{"zh-Hant", "輸入折扣碼 TW100", "coupon_code", "折扣碼"},
        CategoryCase{"zh-Hant", "全館免運費", "free_offer", "免運費"},
        CategoryCase{"zh-Hant", "夏日特賣會", "sale", "特賣"},
        CategoryCase{"zh-Hant", "飲料買一送一", "bogo", "買一送一"},
        CategoryCase{"zh-Hant", "會員獨享", "promotion", "獨享"},
        CategoryCase{"zh-Hant", "註冊送購物金", "reward", "購物金"},
        CategoryCase{"vi", "Giảm 50% toàn bộ", "percent_off", "Giảm 50%"},
        CategoryCase{"vi", "GIẢM NGAY 100K hôm nay", "price_cut", "GIẢM NGAY 100K"},
        CategoryCase{"vi", "Nhập mã GIAM20 nhé", "coupon_code", "Nhập mã GIAM20"},
        CategoryCase{"vi", "Miễn phí vận chuyển", "free_offer", "Miễn phí"},
        CategoryCase{"vi", "Xả kho cuối năm", "sale", "Xả kho"},
        CategoryCase{"vi", "Mua 1 tặng 1", "bogo", "Mua 1 tặng 1"},
        CategoryCase{"vi", "Khuyến mãi tháng 3", "promotion", "Khuyến mãi"},
        CategoryCase{"vi", "khuyen mai thang 3", "promotion", "khuyen mai"},
        CategoryCase{"vi", "Hoàn tiền 10% cho đơn đầu", "reward", "Hoàn tiền 10%"},
        CategoryCase{"th", "ลด 50% ทั้งร้าน", "percent_off", "ลด 50%"},
        CategoryCase{"th", "ลด ๕๐% วันนี้", "percent_off", "ลด ๕๐%"},
        CategoryCase{"th", "ลดทันที 100 บาท", "price_cut", "ลดทันที 100 บาท"},
        CategoryCase{"th", "ใช้โค้ด NEWBIE100 ได้เลย", "coupon_code", "ใช้โค้ด NEWBIE100"},
        CategoryCase{"th", "ส่งฟรีทั่วประเทศ", "free_offer", "ฟรี"},
        CategoryCase{"th", "ล้างสต็อกปลายปี", "sale", "ล้างสต็อก"},
        CategoryCase{"th", "ซื้อ 1 แถม 1", "bogo", "ซื้อ 1 แถม 1"},
        CategoryCase{"th", "โปรโมชั่นเดือนนี้", "promotion", "โปรโมชั่น"},
        CategoryCase{"th", "รับเงินคืน 5%", "reward", "รับเงินคืน 5%"},
        CategoryCase{"id", "Diskon 50% hari ini", "percent_off", "Diskon 50%"},
        CategoryCase{"id", "Potongan Rp20.000 untukmu", "price_cut", "Potongan Rp20.000"},
        CategoryCase{"id", "Pakai kode HEMAT20 ya", "coupon_code", "Pakai kode HEMAT20"},
        CategoryCase{"id", "Gratis ongkir se-Indonesia", "free_offer", "Gratis ongkir"},
        CategoryCase{"id", "Cuci gudang akhir tahun", "sale", "Cuci gudang"},
        CategoryCase{"id", "Beli 2 gratis 1", "bogo", "Beli 2 gratis 1"},
        CategoryCase{"id", "Stok terbatas, buruan!", "promotion", "Stok terbatas"},
        CategoryCase{"id", "Ajak teman dan dapat saldo", "reward", "Ajak teman"}));

// Order, payment, refund, shipping, account and event notices, amounts and look-alike words.
class NotPromotional : public ::testing::TestWithParam<std::string> {};

TEST_P(NotPromotional, HasNoHits) { EXPECT_THAT(Summary(CheckText(GetParam())), IsEmpty()); }

INSTANTIATE_TEST_SUITE_P(
    AllLanguages, NotPromotional,
    ::testing::Values("Your order #1234 of $59.90 has shipped", "Refund of NT$500 processed",
                      "Feel free to reply to this message", "The wholesale price list is attached",
                      "Our resale team will call", "Freedom of choice",
                      "Your salesperson will call tomorrow", "Use code 482913 to sign in",
                      "Use code below to sign in", "Your table is booked for 4 at 7 pm",
                      "付款 NT$1,200 已完成", "退款 ¥128 已原路退回", "您购买的三折叠伞已发货",
                      "欢迎拨打免费客服热线 400-800", "您的订单已送达",
                      "Đơn hàng 350.000đ đã được giao", "Giá trị đơn hàng tăng 20.000đ",
                      "Mã đơn hàng của bạn là DH78231", "Gọi tổng đài miễn phí 1800 1234",
                      "Số dư chỉ còn 20.000đ", "คำสั่งซื้อ 500 บาท จัดส่งแล้ว", "คืนเงิน 350 บาท เรียบร้อย",
                      "โทรฟรี 1800-123-456", "กรอกรหัส OTP 123456",
                      "Pesanan Rp 150.000 sudah dikirim", "Masukkan kode OTP 482913",
                      "Mohon lengkapi kode pos", "Layanan pelanggan bisa dihubungi gratis"));

// ---- matching semantics --------------------------------------------------------------------

TEST(Guard, LatinRulesRespectWordBoundaries) {
  EXPECT_THAT(Summary(CheckText("wholesale")), IsEmpty());
  EXPECT_THAT(Summary(CheckText("resale")), IsEmpty());
  EXPECT_THAT(Summary(CheckText("Sales team")), IsEmpty());
  EXPECT_THAT(Summary(CheckText("SALE50")), IsEmpty());
  EXPECT_THAT(Summary(CheckText("freedom, carefree")), IsEmpty());
  EXPECT_THAT(Summary(CheckText("SALE!")), ElementsAre("sale:SALE"));
  EXPECT_THAT(Summary(CheckText("#sale.")), ElementsAre("sale:sale"));
  EXPECT_THAT(Summary(CheckText("it's free")), ElementsAre("free_offer:free"));
  // Next to Chinese or Thai there is no word to be inside of.
  EXPECT_THAT(Summary(CheckText("全场sale")), ElementsAre("sale:sale"));
}

TEST(Guard, AMinusPercentIsATagButNotTheEndOfARange) {
  EXPECT_THAT(Summary(CheckText("Giày -30%")), ElementsAre("percent_off:-30%"));
  EXPECT_THAT(Summary(CheckText("from 10-30% of customers")), IsEmpty());
  EXPECT_THAT(Summary(CheckText("now −30%")), ElementsAre("percent_off:−30%"));
}

TEST(Guard, NumbersAreWholeNumbers) {
  EXPECT_THAT(Summary(CheckText("save $1,200 today")), ElementsAre("price_cut:save $1,200"));
  EXPECT_THAT(Summary(CheckText("打7.5折")), ElementsAre("percent_off:7.5折"));
  // A kilogram is not a thousand.
  EXPECT_THAT(Summary(CheckText("save 50kg of waste")), IsEmpty());
  EXPECT_THAT(Summary(CheckText("save 50k")), ElementsAre("price_cut:save 50k"));
}

TEST(Guard, PromoCodesHaveALetterAndADigitOrCapitals) {
  EXPECT_THAT(Summary(CheckText("use code WELCOME")), ElementsAre("coupon_code:use code WELCOME"));
  EXPECT_THAT(Summary(CheckText("use code spring20")),
              ElementsAre("coupon_code:use code spring20"));
  EXPECT_THAT(Summary(CheckText("use code below")), IsEmpty());
  EXPECT_THAT(Summary(CheckText("use code 482913")), IsEmpty());
  EXPECT_THAT(Summary(CheckText("use code AB")), IsEmpty());  // too short
}

TEST(Guard, GapsSpanSeparatorsButWordsNeedOne) {
  EXPECT_THAT(Summary(CheckText("buy-one-get-one")), ElementsAre("bogo:buy-one-get-one"));
  EXPECT_THAT(Summary(CheckText("buy one: get one")), ElementsAre("bogo:buy one: get one"));
  EXPECT_THAT(Summary(CheckText("buyone getone")), IsEmpty());
}

TEST(Guard, UnaccentedVietnameseMatchesButOtherMarksDoNot) {
  EXPECT_THAT(Summary(CheckText("GIAM GIA 30%")), ElementsAre("percent_off:GIAM GIA 30%"));
  EXPECT_THAT(Summary(CheckText("tặng 1 ly")), ElementsAre("bogo:tặng 1"));
  EXPECT_THAT(Summary(CheckText("tăng 1 ly")), IsEmpty());
  // Typed with combining marks (NFD), the hit still quotes the bytes as written.
  EXPECT_THAT(Summary(CheckText("Gia\u0309m gia\u0301 hôm nay")),
              ElementsAre("price_cut:Gia\u0309m gia\u0301"));
}

TEST(Guard, TraditionalAndSimplifiedChineseAreBothCovered) {
  for (const auto& [simplified, traditional] : std::vector<std::pair<std::string, std::string>>{
           {"折扣", "折扣"}, {"优惠", "優惠"}, {"免费", "免費"}, {"特价", "特價"}}) {
    EXPECT_EQ(CheckText(simplified).size(), 1u) << simplified;
    EXPECT_EQ(CheckText(traditional).size(), 1u) << traditional;
  }
}

TEST(Guard, FullWidthAndStyledTextIsCaughtAndQuotedAsWritten) {
  EXPECT_THAT(Summary(CheckText("全場２０％ＯＦＦ")), ElementsAre("percent_off:２０％ＯＦＦ"));
  EXPECT_THAT(Summary(CheckText("𝐒𝐀𝐋𝐄 today")), ElementsAre("sale:𝐒𝐀𝐋𝐄"));
  EXPECT_THAT(Summary(CheckText("ลด\u200Bราคา")), ElementsAre("price_cut:ลด\u200Bราคา"));
}

TEST(Guard, AllowedPhrasesDropOnlyTheHitsTheyOverlap) {
  EXPECT_THAT(Summary(CheckText("Feel free to reach out. Free shipping on all orders.")),
              ElementsAre("free_offer:Free"));
  EXPECT_THAT(Summary(CheckText("Our team is free to help")), IsEmpty());
  EXPECT_THAT(Summary(CheckText("The replacement ships free of charge")), IsEmpty());
}

TEST(Guard, AHitInsideALongerOneIsReportedOnce) {
  const std::vector<Hit> hits = CheckText("优惠码");
  ASSERT_EQ(hits.size(), 1u);
  EXPECT_EQ(hits[0].rule_id, "zh.coupon");
  EXPECT_EQ(hits[0].category, "coupon_code");
  EXPECT_EQ(hits[0].language, "zh");
  EXPECT_EQ(hits[0].description, "a coupon, voucher or promo code");
  EXPECT_THAT(hits[0].source, ::testing::StartsWith("zh.txt:"));
}

TEST(Guard, HitsNameTheirFieldAndByteOffset) {
  const std::vector<TextField> fields = {
      {"message 1 text", "messages[0].text", "Hello there"},
      {"message 2 text", "messages[1].text", "Hi! 優惠 now, and 20% off"},
      {"message 2 button 1 title", "", "FREE"},
  };
  const std::vector<Hit> hits = BuiltIn().Check(fields);
  ASSERT_EQ(hits.size(), 3u);
  EXPECT_EQ(hits[0].location, "message 2 text");
  EXPECT_EQ(hits[0].path, "messages[1].text");
  EXPECT_EQ(hits[0].matched, "優惠");
  EXPECT_EQ(hits[0].offset, 4u);
  EXPECT_EQ(hits[1].matched, "20% off");
  EXPECT_EQ(fields[1].text.substr(hits[1].offset, hits[1].matched.size()), "20% off");
  EXPECT_EQ(hits[2].location, "message 2 button 1 title");
  EXPECT_EQ(hits[2].offset, 0u);
}

TEST(Guard, EveryOccurrenceIsAHit) {
  EXPECT_THAT(Summary(CheckText("sale sale")), ElementsAre("sale:sale", "sale:sale"));
}

TEST(Guard, MalformedUtf8IsCheckedNotRefused) {
  EXPECT_THAT(Summary(CheckText("\xFF sale \xC3")), ElementsAre("sale:sale"));
}

TEST(Guard, BroadcastMessagesBecomeNamedFields) {
  const std::vector<Message> messages = {{MessageKind::kText, "one"}, {MessageKind::kText, "two"}};
  const std::vector<TextField> fields = TextFieldsOf(messages);
  ASSERT_EQ(fields.size(), 2u);
  EXPECT_EQ(fields[1].location, "message 2 text");
  EXPECT_EQ(fields[1].path, "messages[1].text");
  EXPECT_EQ(fields[1].text, "two");
}

TEST(Guard, AnOperatorsPatternCannotRunAway) {
  std::string pattern = "a";
  for (int i = 0; i < 30; ++i) pattern += " [a|a a]";
  auto guard = BuiltInPlus("language en\nrule x.many promotion " + pattern + " b\n");
  ASSERT_TRUE(guard.ok()) << guard.error().ToString();
  std::string text;
  for (int i = 0; i < 500; ++i) text += "a ";
  // It ends; whatever it found, it found in bounded steps.
  (void)CheckText(*guard, text);
  EXPECT_THAT(Summary(CheckText(*guard, "a a b")), ElementsAre("promotion:a a b"));
}

// ---- the built-in files ------------------------------------------------------------------

TEST(BuiltInRules, EveryFileParsesAndEveryLanguageIsCovered) {
  std::vector<std::string> names;
  for (const EmbeddedFile& f : BuiltInRuleFiles()) names.emplace_back(f.name);
  EXPECT_THAT(names, ElementsAre("common.txt", "en.txt", "id.txt", "th.txt", "vi.txt",
                                 "zh-variants.txt", "zh.txt"));
  auto sets = BuiltInRuleSets();
  ASSERT_TRUE(sets.ok()) << sets.error().ToString();
  EXPECT_GT(BuiltIn().rule_count(), 100u);
  EXPECT_GT(BuiltIn().allow_count(), 10u);
}

// ---- the rule file parser ------------------------------------------------------------------

Error ParseError(std::string_view text) {
  auto parsed = ParseGuardRules(text, "x.txt");
  EXPECT_FALSE(parsed.ok()) << text;
  return parsed.ok() ? Error{} : parsed.error();
}

TEST(ParseGuardRules, ReadsEveryDirective) {
  auto set = ParseGuardRules(
      "\xEF\xBB\xBF# comment\r\n"
      "\n"
      "category flash a flash sale\r\n"
      "language en\n"
      "  # indented comment\n"
      "rule acme.flash flash flash (sale|deal)\n"
      "allow acme.ok not a flash sale\n"
      "currency $ usd\n"
      "variant 優优 費费\n",
      "acme.txt");
  ASSERT_TRUE(set.ok()) << set.error().ToString();
  EXPECT_EQ(set->source, "acme.txt");
  ASSERT_EQ(set->categories.size(), 1u);
  EXPECT_EQ(set->categories[0].description, "a flash sale");
  EXPECT_EQ(set->categories[0].line, 3);
  ASSERT_EQ(set->entries.size(), 2u);
  EXPECT_EQ(set->entries[0].id, "acme.flash");
  EXPECT_EQ(set->entries[0].category, "flash");
  EXPECT_EQ(set->entries[0].language, "en");
  EXPECT_EQ(set->entries[0].pattern, "flash (sale|deal)");
  EXPECT_EQ(set->entries[0].line, 6);
  EXPECT_EQ(set->entries[1].kind, RuleEntry::Kind::kAllow);
  EXPECT_EQ(set->currencies.size(), 2u);
  EXPECT_EQ(set->variants.size(), 2u);
}

TEST(ParseGuardRules, ErrorsNameFileAndLine) {
  const Error e = ParseError("language en\n\n# ok\nrul x.y sale sale\n");
  EXPECT_EQ(e.field, "x.txt:4");
  EXPECT_THAT(e.message, HasSubstr("unknown directive \"rul\""));
  EXPECT_EQ(e.ToString().substr(0, 8), "x.txt:4:");
}

TEST(ParseGuardRules, RefusesBadLines) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"rule a.b sale sale\n", "set the language first"},
      {"language english\n", "language takes one tag"},
      {"language en\nrule -x sale sale\n", "a rule id is"},
      {"language en\nrule a.b\n", "needs a category"},
      {"language en\nrule a.b sale\n", "has no pattern"},
      {"language en\nallow a.b\n", "has no pattern"},
      {"language en\nrule a.b sale {nm}\n", "unknown placeholder {nm}"},
      {"language en\nrule a.b sale (a|b\n", "unclosed '('"},
      {"language en\nrule a.b sale [a|b)\n", "'[' closed by ')'"},
      {"language en\nrule a.b sale (a||b)\n", "empty alternative"},
      {"language en\nrule a.b sale a)\n", "unmatched ')'"},
      {"language en\nrule a.b sale a}\n", "unmatched '}'"},
      {"language en\nrule a.b sale {num\n", "unclosed '{'"},
      {"language en\nrule a.b sale [a] {edge}\n", "can match empty text"},
      {"language en\nrule a.b sale a\\\n", "must be followed"},
      {"language en\nrule a.b sale ((((( a )))))\n", "nest deeper than 4"},
      {"language en\nrule a.b sale " + std::string(1001, 'a') + "\n", "longer than 1000"},
      {"language en\nrule a.b sale a\nallow a.b b\n", "already used on line 2"},
      {"category c one\ncategory c two\n", "already defined on line 1"},
      {"category C one\n", "lower-case letters"},
      {"category c\n", "needs a description"},
      {"currency $ 5k\n", "without digits"},
      {"currency\n", "at least one token"},
      {"variant 優\n", "two different characters"},
      {"variant 優优優\n", "two different characters"},
      {"variant\n", "needs pairs"},
      {"language en\nrule a.b sale \xC3(\n", "not valid UTF-8"},
  };
  for (const auto& [text, want] : cases) {
    const Error e = ParseError(text);
    EXPECT_THAT(e.message, HasSubstr(want)) << text;
  }
  // A bad id is reported on its own line; the next bad one is never reached.
  EXPECT_EQ(ParseError("language en\nrule -x sale sale\n").field, "x.txt:2");
  EXPECT_THAT(ParseError("language en\nrule a.b sale (x|y\n").message, HasSubstr("at character 1"));
}

TEST(ParseGuardRules, AcceptsTheIdsAndTagsItDocuments) {
  auto set = ParseGuardRules("language zh-Hant\nrule A.b_c-9 sale x\nlanguage any\nallow z9 y\n",
                             "ok.txt");
  ASSERT_TRUE(set.ok()) << set.error().ToString();
  EXPECT_EQ(set->entries[0].language, "zh-Hant");
  EXPECT_EQ(set->entries[1].language, "any");
}

// ---- compiling several files ---------------------------------------------------------------

TEST(GuardCreate, RefusesUnknownCategoriesDuplicatesAndConflicts) {
  auto unknown = BuiltInPlus("language en\n\nrule acme.x nosuch thing\n");
  ASSERT_FALSE(unknown.ok());
  EXPECT_EQ(unknown.error().field, "extra.txt:3");
  EXPECT_THAT(unknown.error().message, HasSubstr("category nosuch"));

  auto duplicate = BuiltInPlus("language en\nrule en.pct_off sale thing\n");
  ASSERT_FALSE(duplicate.ok());
  EXPECT_EQ(duplicate.error().field, "extra.txt:2");
  EXPECT_THAT(duplicate.error().message, HasSubstr("already defined at en.txt:"));

  auto category = BuiltInPlus("category sale again\n");
  ASSERT_FALSE(category.ok());
  EXPECT_THAT(category.error().message, HasSubstr("already defined at common.txt:"));

  auto variant = BuiltInPlus("variant 優忧\n");
  ASSERT_FALSE(variant.ok());
  EXPECT_THAT(variant.error().message, HasSubstr("zh-variants.txt"));
}

TEST(GuardCreate, ExtensionsAddRulesCategoriesCurrenciesAndAllows) {
  auto guard = BuiltInPlus(
      "category brand_event our own promotional events\n"
      "currency ducats\n"
      "language en\n"
      "rule acme.bonanza brand_event mega bonanza\n"
      "rule acme.ducats price_cut only {money}\n"
      "allow acme.sale_road sale road\n");
  ASSERT_TRUE(guard.ok()) << guard.error().ToString();
  EXPECT_THAT(Summary(CheckText(*guard, "The MEGA BONANZA is back")),
              ElementsAre("brand_event:MEGA BONANZA"));
  EXPECT_THAT(Summary(CheckText(*guard, "only 5 ducats")), ElementsAre("price_cut:only 5 ducats"));
  EXPECT_THAT(Summary(CheckText(*guard, "We moved to 12 Sale Road")), IsEmpty());
  EXPECT_THAT(Summary(CheckText(BuiltIn(), "We moved to 12 Sale Road")), ElementsAre("sale:Sale"));
}

TEST(AccountGuards, EachAccountGetsTheCommonRulesAndItsOwn) {
  auto common = ParseGuardRules("language en\nrule all.bonanza promotion bonanza\n", "all.txt");
  auto own = ParseGuardRules("language en\nrule seven.gala promotion gala night\n", "seven.txt");
  ASSERT_TRUE(common.ok() && own.ok());
  std::map<Id, std::vector<RuleSet>> per_account;
  per_account[7].push_back(*own);
  auto guards = AccountGuards::Create({*common}, std::move(per_account));
  ASSERT_TRUE(guards.ok()) << guards.error().ToString();
  const std::string text = "Bonanza and a gala night, 20% off";
  EXPECT_THAT(Summary(CheckText(guards->For(std::nullopt), text)),
              ElementsAre("promotion:Bonanza", "percent_off:20% off"));
  EXPECT_THAT(Summary(CheckText(guards->For(8), text)),
              ElementsAre("promotion:Bonanza", "percent_off:20% off"));
  EXPECT_THAT(Summary(CheckText(guards->For(7), text)),
              ElementsAre("promotion:Bonanza", "promotion:gala night", "percent_off:20% off"));
  EXPECT_THAT(guards->accounts_with_rules(), ElementsAre(7));
}

TEST(AccountGuards, AnAccountFileConflictingWithTheCommonOnesIsRefused) {
  auto common = ParseGuardRules("language en\nrule all.x promotion bonanza\n", "all.txt");
  auto own = ParseGuardRules("language en\nrule all.x promotion gala\n", "seven.txt");
  ASSERT_TRUE(common.ok() && own.ok());
  std::map<Id, std::vector<RuleSet>> per_account;
  per_account[7].push_back(*own);
  auto guards = AccountGuards::Create({*common}, std::move(per_account));
  ASSERT_FALSE(guards.ok());
  EXPECT_EQ(guards.error().field, "seven.txt:2");
  EXPECT_THAT(guards.error().message, HasSubstr("all.txt:2"));
}

}  // namespace
}  // namespace crier::guard
