// Audience filters through the API: on broadcasts (stored in the canonical text form) and the
// live count.
#include <gtest/gtest.h>

#include "api/api_test_fixture.h"

namespace crier::api::testing {
namespace {

namespace json = boost::json;

class AudienceFilterApiTest : public ApiTest {
 protected:
  json::value NewBroadcast(const json::value& audience, int expected_status) {
    json::object body{{"name", "Sale"},
                      {"channel_account_id", CreateAccount()},
                      {"purpose", "promotional"},
                      {"audience", audience},
                      {"messages", json::array{json::object{{"kind", "text"}, {"text", "hi"}}}}};
    const net::Response r = Call("POST", "/v1/broadcasts", json::serialize(body));
    EXPECT_EQ(r.status, expected_status) << r.body;
    return Json(r);
  }
};

TEST_F(AudienceFilterApiTest, BroadcastKeepsTheFilterInCanonicalTextForm) {
  const json::value created = NewBroadcast(
      json::object{
          {"filter",
           json::object{{"and", json::array{json::object{{"tag", {{"any", {"vip"}}}}},
                                            json::object{{"interacted", {{"within", "24h"}}}}}}}}},
      201);
  const std::string text(created.at("audience").at("filter").as_string());
  EXPECT_NE(text.find("vip"), std::string::npos) << text;
  EXPECT_NE(text.find("interacted"), std::string::npos) << text;
  // The text form is accepted as well and means the same.
  const json::value again = NewBroadcast(json::object{{"filter", text}}, 201);
  EXPECT_EQ(again.at("audience").at("filter"), created.at("audience").at("filter"));
  const std::string id = std::to_string(created.at("id").as_int64());
  EXPECT_EQ(Json(Call("GET", "/v1/broadcasts/" + id)).at("audience").at("filter").as_string(),
            text);
}

TEST_F(AudienceFilterApiTest, BadFiltersNameWhereTheyWentWrong) {
  const json::value text_error =
      NewBroadcast(json::object{{"filter", "tag:vip and (interacted < 24x"}}, 400);
  EXPECT_EQ(text_error.at("error").at("field"), "audience.filter");
  EXPECT_NE(std::string(text_error.at("error").at("message").as_string()).find("at "),
            std::string::npos);
  const json::value json_error =
      NewBroadcast(json::object{{"filter", {{"and", json::array{json::object{{"tag", 5}}}}}}}, 400);
  EXPECT_EQ(std::string(json_error.at("error").at("field").as_string()).rfind("audience.filter", 0),
            0u)
      << json::serialize(json_error);
}

TEST_F(AudienceFilterApiTest, CountAsksTheEngineAndEchoesTheCanonicalFilter) {
  engine_.audience_count = std::int64_t{42};
  const net::Response r =
      Call("POST", "/v1/contacts/count", R"({"filter": "tag:vip and not tag:churned"})");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(Json(r).at("count").as_int64(), 42);
  EXPECT_NE(std::string(Json(r).at("filter").as_string()).find("churned"), std::string::npos);

  const net::Response bad = Call("POST", "/v1/contacts/count", R"({"filter": "tag:"})");
  EXPECT_EQ(bad.status, 400);
  EXPECT_EQ(Json(bad).at("error").at("field"), "filter");
  EXPECT_EQ(Call("POST", "/v1/contacts/count", R"({"filtr": "tag:vip"})").status, 400);
  EXPECT_EQ(Call("POST", "/v1/contacts/count", R"({})").status, 200) << "no filter: everyone";
}

TEST_F(AudienceFilterApiTest, TagsCanBeAddedToEveryoneAFilterSelects) {
  const Id account = CreateAccount();
  std::vector<Id> contacts;
  for (int i = 0; i < 3; ++i) {
    const net::Response r =
        Call("POST", "/v1/contacts",
             json::serialize(json::object{{"channel_account_id", account},
                                          {"platform_user_id", "u" + std::to_string(i)}}));
    ASSERT_EQ(r.status, 201) << r.body;
    contacts.push_back(Json(r).at("id").as_int64());
  }
  engine_.audience_ids = std::vector<Id>{contacts[0], contacts[2]};  // what the index selects
  const net::Response r = Call("POST", "/v1/tags/picked/contacts", R"({"filter": "tag:vip"})");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(Json(r).at("matched").as_int64(), 2);
  EXPECT_EQ(Json(r).at("changed").as_int64(), 2);
  const auto tags_of = [&](Id id) {
    return Json(Call("GET", "/v1/contacts/" + std::to_string(id))).at("tags");
  };
  EXPECT_EQ(tags_of(contacts[0]), json::array{"picked"});
  EXPECT_EQ(tags_of(contacts[1]), json::array{});
  EXPECT_EQ(tags_of(contacts[2]), json::array{"picked"});

  EXPECT_EQ(
      Call("POST", "/v1/tags/picked/contacts", R"({"filter": "tag:", "contact_ids": [1]})").status,
      400);
  const net::Response bad = Call("POST", "/v1/tags/picked/contacts", R"({"filter": "tag:"})");
  EXPECT_EQ(bad.status, 400);
  EXPECT_EQ(Json(bad).at("error").at("field"), "filter");
}

TEST_F(AudienceFilterApiTest, ContactListTakesAFilterAndPagesInIdOrder) {
  const Id account = CreateAccount();
  std::vector<Id> contacts;
  for (int i = 0; i < 4; ++i) {
    const net::Response r =
        Call("POST", "/v1/contacts",
             json::serialize(json::object{{"channel_account_id", account},
                                          {"platform_user_id", "u" + std::to_string(i)}}));
    ASSERT_EQ(r.status, 201) << r.body;
    contacts.push_back(Json(r).at("id").as_int64());
  }
  engine_.audience_ids = std::vector<Id>{contacts[0], contacts[2], contacts[3]};
  const auto ids_of = [](const json::value& page) {
    std::vector<Id> ids;
    for (const json::value& item : page.at("items").as_array())
      ids.push_back(item.at("id").as_int64());
    return ids;
  };

  net::Response r = Call("GET", "/v1/contacts?filter=tag%3Avip+and+not+tag%3Achurned&limit=2");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(ids_of(Json(r)), (std::vector<Id>{contacts[0], contacts[2]}));
  ASSERT_TRUE(engine_.last_filter.has_value());
  EXPECT_EQ(filter::ToText(*engine_.last_filter), "tag:vip and not tag:churned");
  const Id next = Json(r).at("next_after").as_int64();
  EXPECT_EQ(next, contacts[2]);

  r = Call("GET", "/v1/contacts?filter=tag%3Avip+and+not+tag%3Achurned&limit=2&after=" +
                      std::to_string(next));
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(ids_of(Json(r)), (std::vector<Id>{contacts[3]}));
  EXPECT_TRUE(Json(r).at("next_after").is_null()) << "the last page says so";

  // With channel_account_id the filter is narrowed to the account, not replaced.
  r = Call("GET", "/v1/contacts?filter=tag%3Avip&channel_account_id=" + std::to_string(account));
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(filter::ToText(*engine_.last_filter),
            "account = " + std::to_string(account) + " and tag:vip");

  r = Call("GET", "/v1/contacts?filter=tag%3Avip+and");
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(Json(r).at("error").at("field"), "filter");
  EXPECT_NE(std::string(Json(r).at("error").at("message").as_string()).find("at 11"),
            std::string::npos)
      << r.body;
}

}  // namespace
}  // namespace crier::api::testing
