// Recipient facts through the API: contacts in and out (region, WhatsApp opt-in and STOP, the
// marketing token, suppression), template messages and the MM API campaign on broadcasts,
// WhatsApp and LINE accounts, and PATCH /v1/channel-accounts/{id} (B2's tag lock).
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "api/api_test_fixture.h"

namespace crier::api::testing {
namespace {

namespace json = boost::json;
using ::testing::HasSubstr;

class FactsApiTest : public ApiTest {
 protected:
  Id CreateAccountWith(const json::object& extra) {
    json::object body{{"platform", "messenger"},
                      {"name", "Shop"},
                      {"external_id", "1001"},
                      {"access_token", kToken},
                      {"api_base_url", "http://127.0.0.1:8801"}};
    for (const auto& [k, v] : extra) body[k] = v;
    const net::Response r = Call("POST", "/v1/channel-accounts", json::serialize(body));
    EXPECT_EQ(r.status, 201) << r.body;
    return r.status == 201 ? Json(r).at("id").as_int64() : 0;
  }

  net::Response CreateBroadcastWith(Id account, const std::string& messages,
                                    const std::string& extra = "") {
    return Call("POST", "/v1/broadcasts",
                R"({"name": "B", "channel_account_id": )" + std::to_string(account) +
                    R"(, "purpose": "non_promotional", "messages": )" + messages + extra + "}");
  }
};

// ---- contacts -------------------------------------------------------------------------------

TEST_F(FactsApiTest, ContactFactsGoInAndComeOutWithoutTheTokenString) {
  const Id account = CreateAccount();
  const std::string a = std::to_string(account);
  net::Response r = Call("POST", "/v1/contacts",
                         R"({"channel_account_id": )" + a +
                             R"(, "platform_user_id": "u1", "region": "tw", "opted_in": true,)"
                             R"( "marketing_opted_out": false, "marketing_token": {"token":)"
                             R"( "mt-secret-1", "expires_at": "2026-12-01T00:00:00Z",)"
                             R"( "last_sent_at": "2026-11-20T00:00:00Z"}})");
  ASSERT_EQ(r.status, 201) << r.body;
  EXPECT_EQ(r.body.find("mt-secret-1"), std::string::npos);
  const json::value contact = Json(r);
  EXPECT_EQ(contact.at("region"), "TW");
  const json::value& identity = contact.at("identities").at(0);
  EXPECT_EQ(identity.at("opted_in"), true);
  EXPECT_EQ(identity.at("marketing_opted_out"), false);
  EXPECT_EQ(identity.at("suppressed_at"), nullptr);
  EXPECT_EQ(identity.at("marketing_token"),
            json::parse(R"({"present": true, "expires_at": "2026-12-01T00:00:00.000Z",)"
                        R"( "stopped": false, "last_sent_at": "2026-11-20T00:00:00.000Z"})"));
  const Id id = contact.at("id").as_int64();
  r = Call("GET", "/v1/contacts/" + std::to_string(id));
  EXPECT_EQ(r.body.find("mt-secret-1"), std::string::npos);
  auto stored = store_->GetContact(id);
  ASSERT_TRUE(stored.ok());
  EXPECT_EQ(stored->identities.at(0).marketing_token->token, "mt-secret-1");

  // An explicit null removes the token; leaving the field out keeps it.
  r = Call("POST", "/v1/contacts",
           R"({"channel_account_id": )" + a + R"(, "platform_user_id": "u1", "name": "Lin"})");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_TRUE(Json(r).at("identities").at(0).at("marketing_token").is_object());
  r = Call(
      "POST", "/v1/contacts",
      R"({"channel_account_id": )" + a + R"(, "platform_user_id": "u1", "marketing_token": null})");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(Json(r).at("identities").at(0).at("marketing_token"), nullptr);
}

TEST_F(FactsApiTest, SuppressionShowsAndCannotBeWritten) {
  const Id account = CreateAccount();
  const std::string a = std::to_string(account);
  net::Response r = Call("POST", "/v1/contacts",
                         R"({"channel_account_id": )" + a +
                             R"(, "platform_user_id": "u1", "suppressed_at":)"
                             R"( "2026-11-20T00:00:00Z"})");
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(ErrorField(r), "suppressed_at");
}

TEST_F(FactsApiTest, BadContactFactsNameTheField) {
  const std::string a = std::to_string(CreateAccount());
  const std::string head = R"({"channel_account_id": )" + a + R"(, "platform_user_id": "u1", )";
  const std::vector<std::pair<std::string, std::string>> cases = {
      {R"("region": "TWN")", "region"},
      {R"("region": "T1")", "region"},
      {R"("opted_in": "yes")", "opted_in"},
      {R"("marketing_opted_out": 1)", "marketing_opted_out"},
      {R"("marketing_token": "abc")", "marketing_token"},
      {R"("marketing_token": {"expires_at": "2026-12-01T00:00:00Z"})", "marketing_token.token"},
      {R"("marketing_token": {"token": "", "expires_at": "2026-12-01T00:00:00Z"})",
       "marketing_token.token"},
      {R"("marketing_token": {"token": "a b", "expires_at": "2026-12-01T00:00:00Z"})",
       "marketing_token.token"},
      {R"("marketing_token": {"token": "t"})", "marketing_token.expires_at"},
      {R"("marketing_token": {"token": "t", "expires_at": "tomorrow"})",
       "marketing_token.expires_at"},
      {R"("marketing_token": {"token": "t", "expires_at": "2026-12-01T00:00:00Z", "stoped": true})",
       "marketing_token.stoped"},
      {R"("marketing_token": {"token": "t", "expires_at": "2026-12-01T00:00:00Z", "stopped": 1})",
       "marketing_token.stopped"},
  };
  for (const auto& [fields, field] : cases) {
    const net::Response r = Call("POST", "/v1/contacts", head + fields + "}");
    EXPECT_EQ(r.status, 400) << fields << " " << r.body;
    EXPECT_EQ(ErrorField(r), field) << fields;
  }
  EXPECT_EQ(*store_->CountContacts(std::nullopt), 0);
}

std::vector<std::pair<std::int64_t, std::string>> ImportErrors(const json::value& v) {
  std::vector<std::pair<std::int64_t, std::string>> out;
  for (const auto& e : v.at("errors").as_array()) {
    const json::value* field = e.as_object().if_contains("field");
    out.emplace_back(e.at("line").as_int64(), field ? std::string(field->as_string()) : "");
  }
  return out;
}

TEST_F(FactsApiTest, ImportReadsTheFactsAndNamesBadOnesByLine) {
  const std::string a = std::to_string(CreateAccount());
  const std::string jsonl =
      R"({"channel_account_id": )" + a +
      R"(, "platform_user_id": "j1", "opted_in": true, "marketing_token": {"token": "t1",)"
      R"( "expires_at": "2026-12-01T00:00:00Z", "stopped": true}})"
      "\n"
      R"({"channel_account_id": )" +
      a +
      R"(, "platform_user_id": "j2", "marketing_token": {"token": "t2"}})"
      "\n";
  net::Response r = Call("POST", "/v1/contacts/import?format=jsonl", jsonl);
  ASSERT_EQ(r.status, 200) << r.body;
  json::value v = Json(r);
  EXPECT_EQ(v.at("imported").as_int64(), 1);
  using E = std::pair<std::int64_t, std::string>;
  EXPECT_EQ(ImportErrors(v), (std::vector<E>{{2, "marketing_token.expires_at"}}));

  const std::string csv =
      "channel_account_id,platform_user_id,region,opted_in,marketing_opted_out,marketing_token,"
      "marketing_token_expires_at\r\n" +
      a + ",c1,vn,1,true,tok-c1,2026-12-01T00:00:00Z\r\n" + a + ",c2,,,,tok-c2,\r\n" + a +
      ",c3,,,,,2026-12-01T00:00:00Z\r\n" + a + ",c4,,maybe,,,\r\n" + a + ",c5,,,,tok-c5,soon\r\n" +
      a + ",c6,XYZ,,,,\r\n";
  r = Call("POST", "/v1/contacts/import?format=csv", csv);
  ASSERT_EQ(r.status, 200) << r.body;
  v = Json(r);
  EXPECT_EQ(v.at("imported").as_int64(), 1) << r.body;
  EXPECT_EQ(ImportErrors(v), (std::vector<E>{{3, "marketing_token_expires_at"},
                                             {4, "marketing_token"},
                                             {5, "opted_in"},
                                             {6, "marketing_token_expires_at"},
                                             {7, "region"}}));
  auto listed = store_->ListContacts({PageRequest{0, 100}, std::nullopt});
  ASSERT_TRUE(listed.ok());
  ASSERT_EQ(listed->items.size(), 2u);
  const Contact& j1 = listed->items[0];
  EXPECT_TRUE(j1.identities.at(0).opted_in);
  EXPECT_TRUE(j1.identities.at(0).marketing_token->stopped);
  const Contact& c1 = listed->items[1];
  EXPECT_EQ(c1.region, "VN");
  EXPECT_TRUE(c1.identities.at(0).opted_in);
  EXPECT_TRUE(c1.identities.at(0).marketing_opted_out);
  EXPECT_EQ(c1.identities.at(0).marketing_token->token, "tok-c1");
}

TEST_F(FactsApiTest, CsvHeaderNeedsBothTokenColumns) {
  const std::string a = std::to_string(CreateAccount());
  for (const std::string column : {"marketing_token", "marketing_token_expires_at"}) {
    const net::Response r =
        Call("POST", "/v1/contacts/import?format=csv",
             "channel_account_id,platform_user_id," + column + "\r\n" + a + ",u1,x\r\n");
    EXPECT_EQ(r.status, 400) << r.body;
    EXPECT_EQ(ErrorField(r),
              column == "marketing_token" ? "marketing_token_expires_at" : "marketing_token");
  }
}

// ---- broadcasts -----------------------------------------------------------------------------

TEST_F(FactsApiTest, WhatsAppTemplateBroadcastRoundTrips) {
  const Id account = CreateAccountWith(
      {{"platform", "whatsapp"}, {"capabilities", json::object{{"waba_id", "w-1"}}}});
  RegisterTemplate({{"waba_id", "w-1"},
                    {"name", "order_update"},
                    {"language", "en_US"},
                    {"category", "utility"},
                    {"header", json::object{{"kind", "text"}, {"parameters", 1}}},
                    {"body_parameters", 2}});
  const net::Response r = CreateBroadcastWith(
      account,
      R"([{"kind": "template", "template": {"name": "order_update", "language": "en_US",)"
      R"( "category": "utility", "header_parameters": ["H"], "body_parameters": ["Lin", "#7"]}}])");
  ASSERT_EQ(r.status, 201) << r.body;
  const json::value want = json::parse(
      R"({"kind": "template", "template": {"name": "order_update", "language": "en_US",)"
      R"( "category": "utility", "header_parameters": ["H"], "body_parameters": ["Lin", "#7"],)"
      R"( "button_parameters": [], "header_kind": "text", "buttons": []}})");
  EXPECT_EQ(Json(r).at("messages").at(0), want);
  const net::Response got =
      Call("GET", "/v1/broadcasts/" + std::to_string(Json(r).at("id").as_int64()));
  EXPECT_EQ(Json(got).at("messages").at(0), want);
}

TEST_F(FactsApiTest, BadTemplatesNameTheField) {
  const Id account = CreateAccountWith(
      {{"platform", "whatsapp"}, {"capabilities", json::object{{"waba_id", "w-1"}}}});
  RegisterTemplate({{"waba_id", "w-1"},
                    {"name", "o"},
                    {"language", "en"},
                    {"category", "utility"},
                    {"body_parameters", 2}});
  const std::vector<std::pair<std::string, std::string>> cases = {
      {R"([{"kind": "template"}])", "messages[0].template"},
      {R"([{"kind": "template", "template": {"language": "en", "category": "utility"}}])",
       "messages[0].template.name"},
      {R"([{"kind": "template", "template": {"name": "", "language": "en", "category": "utility"}}])",
       "messages[0].template.name"},
      {R"([{"kind": "template", "template": {"name": "Order Update", "language": "en",)"
       R"( "category": "utility"}}])",
       "messages[0].template.name"},
      {R"([{"kind": "template", "template": {"name": "o", "language": "en-US!",)"
       R"( "category": "utility"}}])",
       "messages[0].template.language"},
      {R"([{"kind": "template", "template": {"name": "o", "language": "en", "category": 7}}])",
       "messages[0].template.category"},
      {R"([{"kind": "template", "template": {"name": "o", "language": "en", "category": "promo"}}])",
       "messages[0].template.category"},
      {R"([{"kind": "template", "template": {"name": "o", "language": "en", "category": "utility",)"
       R"( "body_parameters": ["a", 2]}}])",
       "messages[0].template.body_parameters[1]"},
      {R"([{"kind": "template", "text": "hi", "template": {"name": "o", "language": "en",)"
       R"( "category": "utility"}}])",
       "messages[0].text"},
      {R"([{"kind": "text", "text": "hi", "template": {}}])", "messages[0].template"},
      {R"([{"kind": "template", "template": {"name": "o", "language": "en", "category": "utility",)"
       R"( "body_parameters": ["a", ""]}}])",
       "messages[0].template.body_parameters[1]"},
      // A template goes alone (ValidateTemplateContent).
      {R"([{"kind": "text", "text": "hi"}, {"kind": "template", "template": {"name": "o",)"
       R"( "language": "en", "category": "utility", "body_parameters": ["a", "b"]}}])",
       "messages[1]"},
  };
  for (const auto& [messages, field] : cases) {
    const net::Response r = CreateBroadcastWith(account, messages);
    EXPECT_EQ(r.status, 400) << messages << " " << r.body;
    EXPECT_EQ(ErrorField(r), field) << messages;
  }
  // Instagram takes no template at all.
  const Id ig = CreateAccountWith({{"platform", "instagram"}, {"external_id", "1002"}});
  const net::Response r = CreateBroadcastWith(
      ig,
      R"([{"kind": "template", "template": {"name": "o", "language": "en", "category": "utility"}}])");
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(ErrorField(r), "messages[0].kind");
  EXPECT_THAT(std::string(Json(r).at("error").at("message").as_string()),
              ::testing::HasSubstr("Instagram takes no templates"));
}

TEST_F(FactsApiTest, MarketingCampaignIsKeptAndCheckedAgainstThePlan) {
  const Id account =
      CreateAccountWith({{"capabilities", json::object{{"marketing_message_api", true},
                                                       {"business_region", "TW"},
                                                       {"ad_account_id", "act_42"}}}});
  net::Response r = Call("POST", "/v1/broadcasts",
                         R"({"name": "Sale", "channel_account_id": )" + std::to_string(account) +
                             R"(, "purpose": "promotional", "messages": [{"kind": "text", "text":)"
                             R"( "Hello"}], "outside_window": {"marketing_message_api": true,)"
                             R"( "marketing_campaign_id": "camp-1"}})");
  ASSERT_EQ(r.status, 201) << r.body;
  EXPECT_EQ(Json(r).at("outside_window").at("marketing_campaign_id"), "camp-1");
  r = Call("GET", "/v1/channel-accounts/" + std::to_string(account));
  EXPECT_EQ(Json(r).at("capabilities").at("ad_account_id"), "act_42");
  EXPECT_EQ(Json(r).at("capabilities").at("message_tags_locked"), false);

  r = Call("POST", "/v1/broadcasts",
           R"({"name": "Sale", "channel_account_id": )" + std::to_string(account) +
               R"(, "purpose": "promotional", "messages": [{"kind": "text", "text": "Hello"}],)"
               R"( "outside_window": {"marketing_campaign_id": "camp-1"}})");
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(ErrorField(r), "outside_window.marketing_campaign_id");
}

TEST_F(FactsApiTest, AMarketingMessageApiCardTakesLinkButtonsOnly) {
  const Id account =
      CreateAccountWith({{"capabilities", json::object{{"marketing_message_api", true},
                                                       {"business_region", "TW"},
                                                       {"ad_account_id", "act_42"}}}});
  const auto card = [&](std::string_view buttons) {
    return Call("POST", "/v1/broadcasts",
                R"({"name": "Sale", "channel_account_id": )" + std::to_string(account) +
                    R"(, "purpose": "promotional", "messages": [{"kind": "card", "card": )"
                    R"({"layout": "buttons", "text": "New in", "buttons": )" +
                    std::string(buttons) +
                    R"(}}], "outside_window": {"marketing_message_api": true,)"
                    R"( "marketing_campaign_id": "camp-1"}})");
  };
  net::Response r = card(R"([{"action": "url", "title": "Shop", "url": "https://shop.example/"}])");
  EXPECT_EQ(r.status, 201) << r.body;
  r = card(R"([{"action": "url", "title": "Shop", "url": "https://shop.example/"},)"
           R"( {"action": "unsubscribe", "title": "Stop"}])");
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(ErrorField(r), "messages[0].card.buttons[1].action");
}

TEST_F(FactsApiTest, WhatsAppAndLineTextLimitsAreCheckedOnBothSides) {
  const Id wa = CreateAccountWith(
      {{"platform", "whatsapp"}, {"capabilities", json::object{{"waba_id", "w-1"}}}});
  const Id line = CreateAccountWith({{"platform", "line"}, {"external_id", "1002"}});
  auto text = [](const std::string& t) {
    return "[{\"kind\": \"text\", \"text\": \"" + t + "\"}]";
  };
  EXPECT_EQ(CreateBroadcastWith(wa, text(std::string(4096, 'a'))).status, 201);
  net::Response r = CreateBroadcastWith(wa, text(std::string(4097, 'a')));
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(ErrorField(r), "messages[0].text");
  // An emoji beyond U+FFFF is two UTF-16 code units on LINE.
  const std::string emoji = "\xF0\x9F\x98\x80";
  EXPECT_EQ(CreateBroadcastWith(line, text(std::string(4998, 'a') + emoji)).status, 201);
  r = CreateBroadcastWith(line, text(std::string(4999, 'a') + emoji));
  EXPECT_EQ(r.status, 400);
  EXPECT_THAT(r.body, HasSubstr("5001 UTF-16"));
}

// ---- accounts -------------------------------------------------------------------------------

TEST_F(FactsApiTest, AnAdministratorLocksAndUnlocksMessageTags) {
  const Id account =
      CreateAccountWith({{"capabilities", json::object{{"utility_messaging", true}}}});
  const std::string path = "/v1/channel-accounts/" + std::to_string(account);
  net::Response r = Call("PATCH", path, R"({"capabilities": {"message_tags_locked": true}})");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(Json(r).at("capabilities").at("message_tags_locked"), true);
  EXPECT_EQ(Json(r).at("capabilities").at("utility_messaging"), true) << "merged by member";
  EXPECT_TRUE(store_->GetChannelAccount(account)->capabilities.message_tags_locked);

  // Locked: a broadcast naming a tag is refused (the tag's own rule date is not reached yet).
  clock_.Set(FromUnixMillis(1'767'225'600'000));  // 2026-01-01
  const std::string tagged = R"({"name": "Order", "channel_account_id": )" +
                             std::to_string(account) +
                             R"(, "purpose": "non_promotional", "messages": [{"kind": "text",)"
                             R"( "text": "Your order shipped"}], "outside_window": {"message_tag":)"
                             R"( "POST_PURCHASE_UPDATE"}})";
  r = Call("POST", "/v1/broadcasts", tagged);
  EXPECT_EQ(r.status, 400) << r.body;
  EXPECT_EQ(ErrorField(r), "outside_window.message_tag");
  EXPECT_THAT(r.body, HasSubstr("locked"));

  r = Call("PATCH", path,
           R"({"capabilities": {"message_tags_locked": false}, "pacing":)"
           R"( {"messages_per_second": 5}})");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(Json(r).at("pacing").at("messages_per_second").to_number<double>(), 5);
  EXPECT_EQ(Json(r).at("pacing").at("max_concurrency"), 16);
  r = Call("POST", "/v1/broadcasts", tagged);
  EXPECT_EQ(r.status, 201) << r.body;
}

TEST_F(FactsApiTest, BadAccountUpdatesNameTheField) {
  const Id wa = CreateAccountWith(
      {{"platform", "whatsapp"}, {"capabilities", json::object{{"waba_id", "w-1"}}}});
  const std::string path = "/v1/channel-accounts/" + std::to_string(wa);
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"{}", "body"},
      {R"({"name": "x"})", "name"},
      {R"({"capabilities": {"message_tags_locked": "yes"}})", "capabilities.message_tags_locked"},
      {R"({"capabilities": {"tags_locked": true}})", "capabilities.tags_locked"},
      {R"({"capabilities": {"business_region": "tw"}})", "capabilities.business_region"},
      {R"({"capabilities": {"waba_id": ""}})", "capabilities.waba_id"},
      {R"({"pacing": {"messages_per_second": 0}})", "pacing.messages_per_second"},
      {R"({"pacing": {"max_concurrency": 0}})", "pacing.max_concurrency"},
  };
  for (const auto& [body, field] : cases) {
    const net::Response r = Call("PATCH", path, body);
    EXPECT_EQ(r.status, 400) << body << " " << r.body;
    EXPECT_EQ(ErrorField(r), field) << body;
  }
  EXPECT_EQ(store_->GetChannelAccount(wa)->capabilities.waba_id, "w-1");
  EXPECT_EQ(
      Call("PATCH", "/v1/channel-accounts/999", R"({"pacing": {"max_concurrency": 2}})").status,
      404);
}

}  // namespace
}  // namespace crier::api::testing
