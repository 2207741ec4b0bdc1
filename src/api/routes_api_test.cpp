// Routes beyond the window through the API: account capabilities, a broadcast's
// outside-window plan, and its validation against the dated rule timeline (A7).
#include <gtest/gtest.h>

#include "api/api_test_fixture.h"

namespace crier::api::testing {
namespace {

namespace json = boost::json;

class RoutesApiTest : public ApiTest {
 protected:
  Id Account(const json::object& capabilities) {
    json::object body{{"platform", "messenger"},
                      {"name", "Shop"},
                      {"external_id", "PAGE1"},
                      {"access_token", kToken},
                      {"api_base_url", "http://127.0.0.1:9"},
                      {"capabilities", capabilities}};
    const net::Response r = Call("POST", "/v1/channel-accounts", json::serialize(body));
    EXPECT_EQ(r.status, 201) << r.body;
    return Json(r).at("id").as_int64();
  }

  net::Response Broadcast(Id account, const char* purpose, const json::object& outside) {
    json::object body{{"name", "Order updates"},
                      {"channel_account_id", account},
                      {"purpose", purpose},
                      {"outside_window", outside},
                      {"messages", json::array{json::object{{"kind", "text"},
                                                            {"text", "Your order has shipped"}}}}};
    return Call("POST", "/v1/broadcasts", json::serialize(body));
  }
};

TEST_F(RoutesApiTest, CapabilitiesAndThePlanAreStoredAndShown) {
  const Id account = Account({{"utility_messaging", true}, {"business_region", "TW"}});
  const json::value got = Json(Call("GET", "/v1/channel-accounts/" + std::to_string(account)));
  EXPECT_EQ(got.at("capabilities").at("utility_messaging"), true);
  EXPECT_EQ(got.at("capabilities").at("business_region"), "TW");
  EXPECT_EQ(got.at("capabilities").at("marketing_message_api"), false);

  // A utility template broadcast's message is the template itself, registered for the Page.
  RegisterTemplate({{"channel_account_id", account},
                    {"name", "order_update"},
                    {"language", "en_US"},
                    {"body_parameters", 1}});
  json::object body{{"name", "Order updates"},
                    {"channel_account_id", account},
                    {"purpose", "non_promotional"},
                    {"outside_window", json::object{{"utility_template", true}}},
                    {"messages", json::parse(R"([{"kind": "template", "template": {"name":)"
                                             R"( "order_update", "language": "en_US",)"
                                             R"( "category": "utility", "body_parameters":)"
                                             R"( ["#1042"]}}])")}};
  const net::Response r = Call("POST", "/v1/broadcasts", json::serialize(body));
  ASSERT_EQ(r.status, 201) << r.body;
  const std::string id = std::to_string(Json(r).at("id").as_int64());
  const json::value stored = Json(Call("GET", "/v1/broadcasts/" + id));
  EXPECT_EQ(stored.at("outside_window").at("utility_template"), true);
  EXPECT_TRUE(stored.at("outside_window").at("message_tag").is_null());
}

TEST_F(RoutesApiTest, ARetiredTagIsRefusedNamingTheRuleItsDateAndTheReplacement) {
  // The fixture's clock reads 2026-11-21: message tags ended on 2026-04-27.
  const Id account = Account({});
  const net::Response r =
      Broadcast(account, "non_promotional", {{"message_tag", "POST_PURCHASE_UPDATE"}});
  ASSERT_EQ(r.status, 400) << r.body;
  const json::value error = Json(r).at("error");
  EXPECT_EQ(error.at("field"), "outside_window.message_tag");
  const std::string message(error.at("message").as_string());
  EXPECT_NE(message.find("2026-04-27"), std::string::npos) << message;
  EXPECT_NE(message.find("utility templates"), std::string::npos) << message;

  // Before the retirement the same broadcast is accepted.
  Time before;
  ASSERT_TRUE(ParseRfc3339("2026-04-26T23:59:00Z", &before));
  clock_.Set(before);
  EXPECT_EQ(Broadcast(account, "non_promotional", {{"message_tag", "POST_PURCHASE_UPDATE"}}).status,
            201);
}

TEST_F(RoutesApiTest, BadCapabilitiesAndPlansNameTheirField) {
  json::object body{{"platform", "messenger"},
                    {"name", "Shop"},
                    {"external_id", "PAGE2"},
                    {"access_token", kToken},
                    {"api_base_url", "http://127.0.0.1:9"},
                    {"capabilities", {{"business_region", "Taiwan"}}}};
  net::Response r = Call("POST", "/v1/channel-accounts", json::serialize(body));
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(ErrorField(r), "capabilities.business_region");
  body["capabilities"] = json::object{{"utility_messagin", true}};
  EXPECT_EQ(ErrorField(Call("POST", "/v1/channel-accounts", json::serialize(body))),
            "capabilities.utility_messagin");

  const Id account = Account({});
  r = Broadcast(account, "non_promotional", {{"utility_template", "yes"}});
  EXPECT_EQ(ErrorField(r), "outside_window.utility_template");
  r = Broadcast(account, "non_promotional", {{"utility_template", true}});
  EXPECT_EQ(ErrorField(r), "outside_window.utility_template") << "no permission on the Page";
  r = Broadcast(account, "promotional", {{"marketing_tokens", true}});
  EXPECT_EQ(ErrorField(r), "outside_window.marketing_tokens") << "retired 2026-02-10";
}

}  // namespace
}  // namespace crier::api::testing
