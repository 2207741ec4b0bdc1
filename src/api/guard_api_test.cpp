// The promotional-content guard through the API: POST /v1/guard/check and the refusal of
// non-promotional broadcasts that carry promotional content.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "api/api_test_fixture.h"

namespace crier::api::testing {
namespace {

namespace json = boost::json;
using ::testing::HasSubstr;

json::array Texts(std::initializer_list<const char*> texts) {
  json::array messages;
  for (const char* t : texts) messages.push_back(json::object{{"kind", "text"}, {"text", t}});
  return messages;
}

class GuardApiTest : public ApiTest {
 protected:
  net::Response CreateWithPurpose(Id account, std::string purpose, json::array messages) {
    return Call("POST", "/v1/broadcasts",
                json::serialize(json::object{{"name", "Update"},
                                             {"channel_account_id", account},
                                             {"purpose", purpose},
                                             {"messages", std::move(messages)}}));
  }
  std::size_t StoredBroadcasts() {
    return Json(Call("GET", "/v1/broadcasts")).at("items").as_array().size();
  }
};

TEST_F(GuardApiTest, NonPromotionalBroadcastWithPromotionIsRefusedListingEveryHit) {
  const Id account = CreateAccount();
  const net::Response r = CreateWithPurpose(
      account, "non_promotional",
      Texts({"Your order #1234 has shipped.", "While you wait: 20% off with code SPRING20!"}));
  ASSERT_EQ(r.status, 422) << r.body;
  const json::value error = Json(r).at("error");
  EXPECT_EQ(error.at("code"), "promotional_content");
  EXPECT_EQ(error.at("field"), "messages");
  EXPECT_THAT(std::string(error.at("message").as_string()),
              HasSubstr("found 2 hits: \"20% off\" (percent_off, rule en.pct_off) in message 2 "
                        "text; \"with code SPRING20\""));
  const json::array& hits = error.at("hits").as_array();
  ASSERT_EQ(hits.size(), 2u);
  EXPECT_EQ(hits[0].at("rule"), "en.pct_off");
  EXPECT_EQ(hits[0].at("category"), "percent_off");
  EXPECT_EQ(hits[0].at("description"), "a percentage off the price");
  EXPECT_EQ(hits[0].at("language"), "en");
  EXPECT_EQ(hits[0].at("matched"), "20% off");
  EXPECT_EQ(hits[0].at("location"), "message 2 text");
  EXPECT_EQ(hits[0].at("field"), "messages[1].text");
  EXPECT_EQ(hits[0].at("offset").as_int64(), 16);
  EXPECT_THAT(std::string(hits[0].at("source").as_string()), HasSubstr("en.txt:"));
  EXPECT_EQ(hits[1].at("category"), "coupon_code");
  // Nothing was stored.
  EXPECT_EQ(StoredBroadcasts(), 0u);
}

TEST_F(GuardApiTest, NonPromotionalUpdatesWithAmountsAreAccepted) {
  const Id account = CreateAccount();
  const net::Response r =
      CreateWithPurpose(account, "non_promotional",
                        Texts({"Refund of $24.50 processed.", "付款 NT$1,200 已完成",
                               "Đơn hàng 350.000đ đã được giao", "คำสั่งซื้อ 500 บาท จัดส่งแล้ว",
                               "Pesanan Rp 150.000 sudah dikirim"}));
  EXPECT_EQ(r.status, 201) << r.body;
}

TEST_F(GuardApiTest, PromotionalBroadcastsMayPromote) {
  const Id account = CreateAccount();
  EXPECT_EQ(CreateWithPurpose(account, "promotional", Texts({"20% off everything!"})).status, 201);
}

TEST_F(GuardApiTest, TheRefusalQuotesFiveHitsAndCountsTheRest) {
  const Id account = CreateAccount();
  const net::Response r =
      CreateWithPurpose(account, "non_promotional", Texts({"sale sale sale sale sale sale sale"}));
  ASSERT_EQ(r.status, 422) << r.body;
  const json::value error = Json(r).at("error");
  EXPECT_EQ(error.at("hits").as_array().size(), 7u);
  EXPECT_THAT(std::string(error.at("message").as_string()), HasSubstr("; and 2 more"));
}

TEST_F(GuardApiTest, OtherErrorsComeFirst) {
  // A body error is still a 400 naming the field, whatever the text says.
  const net::Response r = CreateWithPurpose(9999, "non_promotional", Texts({"20% off"}));
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(ErrorField(r), "channel_account_id");
}

TEST_F(GuardApiTest, CheckReturnsTheHits) {
  const net::Response r =
      Call("POST", "/v1/guard/check",
           json::serialize(json::object{{"messages", Texts({"Hi", "全場８折，買一送一"})}}));
  ASSERT_EQ(r.status, 200) << r.body;
  const json::value v = Json(r);
  EXPECT_EQ(v.at("promotional"), true);
  const json::array& hits = v.at("hits").as_array();
  ASSERT_EQ(hits.size(), 2u);
  EXPECT_EQ(hits[0].at("matched"), "８折");
  EXPECT_EQ(hits[0].at("language"), "zh");
  EXPECT_EQ(hits[0].at("location"), "message 2 text");
  EXPECT_EQ(hits[0].at("offset").as_int64(), 6);
  EXPECT_EQ(hits[1].at("matched"), "買一送一");
  EXPECT_EQ(hits[1].at("category"), "bogo");
}

TEST_F(GuardApiTest, CheckOfCleanTextSaysSo) {
  const net::Response r =
      Call("POST", "/v1/guard/check",
           json::serialize(json::object{{"messages", Texts({"Feel free to reply."})}}));
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(Json(r), (json::value{{"promotional", false}, {"hits", json::array{}}}));
}

TEST_F(GuardApiTest, CheckReadsMessagesLikeBroadcasts) {
  const auto check = [&](json::object body) {
    return Call("POST", "/v1/guard/check", json::serialize(body));
  };
  EXPECT_EQ(ErrorField(check({})), "messages");
  EXPECT_EQ(ErrorField(check({{"messages", json::array{}}})), "messages");
  EXPECT_EQ(ErrorField(check({{"messages", Texts({"a", "b", "c", "d", "e", "f"})}})), "messages");
  EXPECT_EQ(ErrorField(check({{"messages", json::array{json::object{{"kind", "text"}}}}})),
            "messages[0].text");
  EXPECT_EQ(ErrorField(check({{"messages", Texts({"a"})}, {"extra", 1}})), "extra");
  EXPECT_EQ(ErrorField(check({{"messages", Texts({"a"})}, {"channel_account_id", 0}})),
            "channel_account_id");
  const net::Response unknown = check({{"messages", Texts({"a"})}, {"channel_account_id", 77}});
  EXPECT_EQ(unknown.status, 400);
  EXPECT_EQ(ErrorField(unknown), "channel_account_id");
  EXPECT_EQ(ErrorField(Call("POST", "/v1/guard/check", "[1]")), "body");
  EXPECT_EQ(Call("POST", "/v1/guard/check", std::string((1 << 20) + 1, ' ')).status, 413);
}

TEST_F(GuardApiTest, EachAccountIsCheckedWithItsOwnRules) {
  auto own = guard::ParseGuardRules(
      "language en\nrule acme.gala promotion gala night\nallow acme.sale_road sale road\n",
      "account-2/acme.txt");
  ASSERT_TRUE(own.ok()) << own.error().ToString();
  std::map<Id, std::vector<guard::RuleSet>> per_account;
  per_account[2].push_back(*own);
  auto guards = guard::AccountGuards::Create({}, std::move(per_account));
  ASSERT_TRUE(guards.ok()) << guards.error().ToString();
  api_ = std::make_unique<Api>(*store_, engine_, clock_, *guards);
  const Id first = CreateAccount("messenger", "1001");
  const Id second = CreateAccount("messenger", "1002");
  ASSERT_EQ(second, 2);

  const std::string text = "Join us at the gala night, 12 Sale Road";
  EXPECT_EQ(CreateWithPurpose(first, "non_promotional", Texts({"gala night"})).status, 201);
  const net::Response refused = CreateWithPurpose(second, "non_promotional", Texts({text.c_str()}));
  ASSERT_EQ(refused.status, 422) << refused.body;
  const json::value body = Json(refused);
  const json::array& hits = body.at("error").at("hits").as_array();
  ASSERT_EQ(hits.size(), 1u);
  EXPECT_EQ(hits[0].at("rule"), "acme.gala");
  EXPECT_EQ(hits[0].at("source"), "account-2/acme.txt:2");

  const auto check = [&](Id account) {
    return Json(Call("POST", "/v1/guard/check",
                     json::serialize(json::object{{"channel_account_id", account},
                                                  {"messages", Texts({text.c_str()})}})));
  };
  // The first account knows neither the gala rule nor the Sale Road exception.
  EXPECT_EQ(check(first).at("hits").as_array().size(), 1u);
  EXPECT_EQ(check(first).at("hits").at(0).at("rule"), "any.sale");
  EXPECT_EQ(check(second).at("hits").at(0).at("rule"), "acme.gala");
}

}  // namespace
}  // namespace crier::api::testing
