// The template registry through the API (D4): create, list, get, update, delete, and
// broadcasts held to what is registered (A1, A3: one WABA per template, counts, status,
// category), with the buttons' payloads filled in (G2).
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "api/api_test_fixture.h"
#include "core/templates.h"

namespace crier::api::testing {
namespace {

namespace json = boost::json;
using ::testing::HasSubstr;

class TemplateApiTest : public ApiTest {
 protected:
  Id WhatsAppNumber(const std::string& external_id, const std::string& waba) {
    json::object body{{"platform", "whatsapp"},
                      {"name", "WA"},
                      {"external_id", external_id},
                      {"access_token", kToken},
                      {"api_base_url", "http://127.0.0.1:8801"},
                      {"capabilities", json::object{{"waba_id", waba}}}};
    const net::Response r = Call("POST", "/v1/channel-accounts", json::serialize(body));
    EXPECT_EQ(r.status, 201) << r.body;
    return Json(r).at("id").as_int64();
  }

  // order_update in en_US: an image header, 2 body parameters, an unsubscribe quick reply, a
  // fixed URL, a URL with a suffix and a bot flow.
  static json::object OrderUpdate(const std::string& waba) {
    return json::object{{"waba_id", waba},
                        {"name", "order_update"},
                        {"language", "en_US"},
                        {"category", "marketing"},
                        {"header", json::object{{"kind", "image"}}},
                        {"body_parameters", 2},
                        {"buttons", json::parse(R"([
          {"type": "quick_reply", "text": "Stop", "behaviour": "unsubscribe"},
          {"type": "url", "text": "Shop", "url_suffix": false},
          {"type": "url", "text": "Track", "url_suffix": true},
          {"type": "quick_reply", "text": "Menu", "behaviour": "bot_flow", "payload": "MENU"}])")}};
  }

  // A template broadcast from `account` whose template object is `tpl`; on Messenger a
  // non-promotional one that names its utility template.
  net::Response Broadcast(Id account, const json::object& tpl, bool messenger = false) {
    json::object body{
        {"name", "Orders"},
        {"channel_account_id", account},
        {"purpose", messenger ? "non_promotional" : "promotional"},
        {"messages", json::array{json::object{{"kind", "template"}, {"template", tpl}}}}};
    if (messenger) body["outside_window"] = json::object{{"utility_template", true}};
    return Call("POST", "/v1/broadcasts", json::serialize(body));
  }

  Id Page(const std::string& external_id) {
    json::object body{{"platform", "messenger"},
                      {"name", "Shop"},
                      {"external_id", external_id},
                      {"access_token", kToken},
                      {"api_base_url", "http://127.0.0.1:8801"},
                      {"capabilities", json::object{{"utility_messaging", true}}}};
    const net::Response r = Call("POST", "/v1/channel-accounts", json::serialize(body));
    EXPECT_EQ(r.status, 201) << r.body;
    return Json(r).at("id").as_int64();
  }

  static json::object Message(json::array header, json::array body, json::array buttons) {
    return json::object{{"name", "order_update"},
                        {"language", "en_US"},
                        {"header_parameters", std::move(header)},
                        {"body_parameters", std::move(body)},
                        {"button_parameters", std::move(buttons)}};
  }

  static json::object GoodMessage() {
    return Message({"https://cdn.example/a.png"}, {"Ann", "A-1"}, {"order/{{contact.attr.order}}"});
  }

  std::vector<std::int64_t> ListedIds(const std::string& query) {
    const net::Response r = Call("GET", "/v1/templates" + query);
    EXPECT_EQ(r.status, 200) << r.body;
    std::vector<std::int64_t> ids;
    const json::value listed = Json(r);
    for (const auto& item : listed.at("items").as_array()) ids.push_back(item.at("id").as_int64());
    return ids;
  }
};

TEST_F(TemplateApiTest, CreatesAndShowsATemplateWithItsButtonsPayloads) {
  const net::Response r = Call("POST", "/v1/templates", json::serialize(OrderUpdate("111")));
  ASSERT_EQ(r.status, 201) << r.body;
  const json::value t = Json(r);
  EXPECT_EQ(t.at("platform"), "whatsapp");
  EXPECT_EQ(t.at("waba_id"), "111");
  EXPECT_EQ(t.at("status"), "approved");
  EXPECT_EQ(t.at("header"), json::parse(R"({"kind": "image", "parameters": 1})"));
  EXPECT_EQ(t.at("body_parameters"), 2);
  EXPECT_EQ(t.at("buttons"), json::parse(R"([
      {"type": "quick_reply", "text": "Stop", "behaviour": "unsubscribe",
       "payload": "crier:unsubscribe"},
      {"type": "url", "text": "Shop", "url_suffix": false},
      {"type": "url", "text": "Track", "url_suffix": true},
      {"type": "quick_reply", "text": "Menu", "behaviour": "bot_flow", "payload": "MENU"}])"));
  const std::string id = std::to_string(t.at("id").as_int64());
  const net::Response got = Call("GET", "/v1/templates/" + id);
  ASSERT_EQ(got.status, 200);
  EXPECT_EQ(Json(got), t);
  EXPECT_EQ(Call("GET", "/v1/templates/999").status, 404);

  // The same name and language in the same WABA is taken.
  const net::Response again = Call("POST", "/v1/templates", json::serialize(OrderUpdate("111")));
  EXPECT_EQ(again.status, 409) << again.body;
  EXPECT_EQ(ErrorField(again), "name");
}

TEST_F(TemplateApiTest, BadDefinitionsNameTheField) {
  const Id line = CreateAccount("line", "L1");
  const std::vector<std::pair<std::string, std::string>> cases = {
      {R"({"name": "a", "language": "en", "category": "utility"})", "waba_id"},
      {R"({"waba_id": "1", "channel_account_id": 1, "name": "a", "language": "en",)"
       R"( "category": "utility"})",
       "waba_id"},
      {R"({"channel_account_id": 999, "name": "a", "language": "en"})", "channel_account_id"},
      {R"({"channel_account_id": )" + std::to_string(line) + R"(, "name": "a", "language": "en"})",
       "channel_account_id"},
      {R"({"waba_id": "1", "name": "A b", "language": "en", "category": "utility"})", "name"},
      {R"({"waba_id": "1", "name": "a", "language": "e n", "category": "utility"})", "language"},
      {R"({"waba_id": "1", "name": "a", "language": "en"})", "category"},
      {R"({"waba_id": "1", "name": "a", "language": "en", "category": "promo"})", "category"},
      {R"({"waba_id": "1", "name": "a", "language": "en", "category": "utility",)"
       R"( "status": "live"})",
       "status"},
      {R"({"waba_id": "1", "name": "a", "language": "en", "category": "utility",)"
       R"( "header": {"kind": "gif"}})",
       "header.kind"},
      {R"({"waba_id": "1", "name": "a", "language": "en", "category": "utility",)"
       R"( "header": {"kind": "text", "parameters": 2}})",
       "header.parameters"},
      {R"({"waba_id": "1", "name": "a", "language": "en", "category": "utility",)"
       R"( "body_parameters": -1})",
       "body_parameters"},
      {R"({"waba_id": "1", "name": "a", "language": "en", "category": "utility",)"
       R"( "buttons": [{"type": "call", "text": "x"}]})",
       "buttons[0].type"},
      {R"({"waba_id": "1", "name": "a", "language": "en", "category": "utility",)"
       R"( "buttons": [{"type": "quick_reply", "text": "x", "behaviour": "bot_flow"}]})",
       "buttons[0].payload"},
      {R"({"waba_id": "1", "name": "a", "language": "en", "category": "utility",)"
       R"( "buttons": [{"type": "quick_reply", "text": "x", "behaviour": "jump"}]})",
       "buttons[0].behaviour"},
      {R"({"waba_id": "1", "name": "a", "language": "en", "category": "utility",)"
       R"( "buttons": [{"type": "quick_reply", "text": ""}]})",
       "buttons[0].text"},
      {R"({"waba_id": "1", "name": "a", "language": "en", "category": "utility", "colour": 1})",
       "colour"},
  };
  for (const auto& [body, field] : cases) {
    const net::Response r = Call("POST", "/v1/templates", body);
    EXPECT_EQ(r.status, 400) << body << " " << r.body;
    EXPECT_EQ(ErrorField(r), field) << body;
  }
  EXPECT_TRUE(ListedIds("").empty()) << "nothing half-written";
}

TEST_F(TemplateApiTest, ANumbersTemplatesAreItsWabasAndAPagesAreItsOwn) {
  const Id number = WhatsAppNumber("5551", "111");
  const Id page = CreateAccount();
  // Registered through a number, the template belongs to the number's WABA.
  json::object by_number = OrderUpdate("ignored");
  by_number.erase("waba_id");
  by_number["channel_account_id"] = number;
  const net::Response r = Call("POST", "/v1/templates", json::serialize(by_number));
  ASSERT_EQ(r.status, 201) << r.body;
  EXPECT_EQ(Json(r).at("waba_id"), "111");
  EXPECT_FALSE(Json(r).as_object().contains("channel_account_id"));
  const Id wa = Json(r).at("id").as_int64();
  const Id other_waba = RegisterTemplate(OrderUpdate("222"));
  const Id messenger =
      RegisterTemplate({{"channel_account_id", page}, {"name", "receipt"}, {"language", "en_US"}});
  const net::Response shown = Call("GET", "/v1/templates/" + std::to_string(messenger));
  EXPECT_EQ(Json(shown).at("category"), "utility");
  EXPECT_EQ(Json(shown).at("channel_account_id"), page);

  EXPECT_EQ(ListedIds(""), (std::vector<std::int64_t>{wa, other_waba, messenger}));
  EXPECT_EQ(ListedIds("?waba_id=111"), (std::vector<std::int64_t>{wa}));
  EXPECT_EQ(ListedIds("?channel_account_id=" + std::to_string(number)),
            (std::vector<std::int64_t>{wa}));
  EXPECT_EQ(ListedIds("?channel_account_id=" + std::to_string(page)),
            (std::vector<std::int64_t>{messenger}));
  EXPECT_EQ(ListedIds("?name=order_update&language=en_US"),
            (std::vector<std::int64_t>{wa, other_waba}));
  EXPECT_EQ(ListedIds("?limit=1&after=" + std::to_string(wa)),
            (std::vector<std::int64_t>{other_waba}));
  const net::Response mismatch =
      Call("GET", "/v1/templates?waba_id=222&channel_account_id=" + std::to_string(number));
  EXPECT_EQ(mismatch.status, 400);
  EXPECT_EQ(ErrorField(mismatch), "waba_id");
  EXPECT_EQ(ErrorField(Call("GET", "/v1/templates?channel_account_id=999")), "channel_account_id");
}

TEST_F(TemplateApiTest, UpdatesStatusAndCategoryAndDeletes) {
  const std::string id = std::to_string(RegisterTemplate(OrderUpdate("111")));
  net::Response r = Call("PATCH", "/v1/templates/" + id, R"({"status": "paused"})");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(Json(r).at("status"), "paused");
  EXPECT_EQ(Json(r).at("category"), "marketing");
  r = Call("PATCH", "/v1/templates/" + id, R"({"category": "utility"})");
  EXPECT_EQ(Json(r).at("category"), "utility");
  EXPECT_EQ(Json(r).at("status"), "paused");
  EXPECT_EQ(ErrorField(Call("PATCH", "/v1/templates/" + id, R"({"status": "gone"})")), "status");
  EXPECT_EQ(ErrorField(Call("PATCH", "/v1/templates/" + id, R"({"name": "x"})")), "name");
  EXPECT_EQ(ErrorField(Call("PATCH", "/v1/templates/" + id, "{}")), "body");
  EXPECT_EQ(Call("PATCH", "/v1/templates/999", R"({"status": "paused"})").status, 404);

  r = Call("DELETE", "/v1/templates/" + id);
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(Json(r).at("deleted"), true);
  EXPECT_EQ(Call("GET", "/v1/templates/" + id).status, 404);
  EXPECT_EQ(Call("DELETE", "/v1/templates/" + id).status, 404);
}

TEST_F(TemplateApiTest, ABroadcastTakesCategoryHeaderAndButtonsFromTheRegistry) {
  const Id number = WhatsAppNumber("5551", "111");
  RegisterTemplate(OrderUpdate("111"));
  const net::Response r = Broadcast(number, GoodMessage());
  ASSERT_EQ(r.status, 201) << r.body;
  const json::value want = json::parse(R"({
      "name": "order_update", "language": "en_US", "category": "marketing",
      "header_parameters": ["https://cdn.example/a.png"], "body_parameters": ["Ann", "A-1"],
      "button_parameters": ["order/{{contact.attr.order}}"], "header_kind": "image",
      "buttons": [{"index": 0, "type": "quick_reply", "payload": "crier:unsubscribe"},
                  {"index": 2, "type": "url"},
                  {"index": 3, "type": "quick_reply", "payload": "MENU"}]})");
  EXPECT_EQ(Json(r).at("messages").at(0).at("template"), want);
  const net::Response got =
      Call("GET", "/v1/broadcasts/" + std::to_string(Json(r).at("id").as_int64()));
  EXPECT_EQ(Json(got).at("messages").at(0).at("template"), want);

  // An explicit category is kept when it is the registry's, refused when it is not.
  json::object same = GoodMessage();
  same["category"] = "marketing";
  EXPECT_EQ(Broadcast(number, same).status, 201);
  json::object other = GoodMessage();
  other["category"] = "utility";
  const net::Response refused = Broadcast(number, other);
  EXPECT_EQ(refused.status, 400);
  EXPECT_EQ(ErrorField(refused), "messages[0].template.category");
  EXPECT_THAT(refused.body, HasSubstr("marketing"));

  // What the registry fills in is not the request's to give.
  for (std::string_view filled : {"header_kind", "buttons"}) {
    json::object given = GoodMessage();
    given[filled] = want.at(filled);
    const net::Response r2 = Broadcast(number, given);
    EXPECT_EQ(r2.status, 400) << filled;
    EXPECT_EQ(ErrorField(r2), "messages[0].template." + std::string(filled));
  }
}

TEST_F(TemplateApiTest, ParameterCountsAreHeldToTheRegistryOnBothSides) {
  const Id number = WhatsAppNumber("5551", "111");
  RegisterTemplate(OrderUpdate("111"));
  const std::string link = "https://cdn.example/a.png";
  const std::vector<std::pair<json::object, std::string>> cases = {
      {Message({}, {"Ann", "A-1"}, {"x"}), "messages[0].template.header_parameters"},
      {Message({link, link}, {"Ann", "A-1"}, {"x"}), "messages[0].template.header_parameters"},
      {Message({"a.png"}, {"Ann", "A-1"}, {"x"}), "messages[0].template.header_parameters[0]"},
      {Message({link}, {"Ann"}, {"x"}), "messages[0].template.body_parameters"},
      {Message({link}, {"Ann", "A-1", "more"}, {"x"}), "messages[0].template.body_parameters"},
      {Message({link}, {"Ann", "A-1"}, {}), "messages[0].template.button_parameters"},
      {Message({link}, {"Ann", "A-1"}, {"x", "y"}), "messages[0].template.button_parameters"},
      // The registry's counts met, each parameter is still checked as written.
      {Message({link}, {"Ann", ""}, {"x"}), "messages[0].template.body_parameters[1]"},
      {Message({link}, {"Ann", "A-1"}, {""}), "messages[0].template.button_parameters[0]"},
      {Message({link}, {"Ann", "A-1"}, {"{{contact.nmae}}"}),
       "messages[0].template.button_parameters[0]"},
  };
  for (const auto& [tpl, field] : cases) {
    const net::Response r = Broadcast(number, tpl);
    EXPECT_EQ(r.status, 400) << json::serialize(tpl) << " " << r.body;
    EXPECT_EQ(ErrorField(r), field) << json::serialize(tpl);
  }
  const net::Response counts = Broadcast(number, Message({link}, {"Ann"}, {"x"}));
  EXPECT_THAT(counts.body, HasSubstr("body takes 2"));
}

TEST_F(TemplateApiTest, OnlyAnApprovedTemplateOfTheSendersWabaInItsLanguageIsSent) {
  const Id number = WhatsAppNumber("5551", "111");
  // Registered nowhere yet.
  net::Response r = Broadcast(number, GoodMessage());
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(ErrorField(r), "messages[0].template.name");
  EXPECT_THAT(r.body, HasSubstr("no template"));

  // Registered under two other WABAs only: the error names both (the multi-WABA refusal).
  RegisterTemplate(OrderUpdate("333"));
  RegisterTemplate(OrderUpdate("222"));
  r = Broadcast(number, GoodMessage());
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(ErrorField(r), "messages[0].template.name");
  EXPECT_THAT(r.body, HasSubstr("WABA 222 and 333"));
  EXPECT_THAT(r.body, HasSubstr("WABA 111"));

  // In the number's WABA, but in another language.
  json::object french = OrderUpdate("111");
  french["language"] = "fr";
  const Id fr = RegisterTemplate(french);
  r = Broadcast(number, GoodMessage());
  EXPECT_EQ(ErrorField(r), "messages[0].template.language");
  EXPECT_THAT(r.body, HasSubstr("in fr only"));

  // In its language too: sent, until Meta pauses it.
  const std::string id = std::to_string(RegisterTemplate(OrderUpdate("111")));
  EXPECT_EQ(Broadcast(number, GoodMessage()).status, 201);
  // A second number of the same WABA shares the template.
  EXPECT_EQ(Broadcast(WhatsAppNumber("5552", "111"), GoodMessage()).status, 201);
  ASSERT_EQ(Call("PATCH", "/v1/templates/" + id, R"({"status": "paused"})").status, 200);
  r = Broadcast(number, GoodMessage());
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(ErrorField(r), "messages[0].template.name");
  EXPECT_THAT(r.body, HasSubstr("paused"));
  ASSERT_EQ(Call("PATCH", "/v1/templates/" + id, R"({"status": "approved"})").status, 200);
  EXPECT_EQ(Broadcast(number, GoodMessage()).status, 201);
  (void)fr;
}

TEST_F(TemplateApiTest, AMessengerTemplateMustBeThePagesOwn) {
  const Id page = Page("1001");
  const Id other_page = Page("1002");
  RegisterTemplate({{"channel_account_id", other_page},
                    {"name", "order_update"},
                    {"language", "en_US"},
                    {"body_parameters", 1}});
  const json::object tpl{
      {"name", "order_update"}, {"language", "en_US"}, {"body_parameters", json::array{"#1042"}}};
  net::Response r = Broadcast(page, tpl, /*messenger=*/true);
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(ErrorField(r), "messages[0].template.name");
  EXPECT_THAT(r.body, HasSubstr("channel account " + std::to_string(other_page)));
  RegisterTemplate({{"channel_account_id", page},
                    {"name", "order_update"},
                    {"language", "en_US"},
                    {"body_parameters", 1}});
  r = Broadcast(page, tpl, /*messenger=*/true);
  ASSERT_EQ(r.status, 201) << r.body;
  EXPECT_EQ(Json(r).at("messages").at(0).at("template").at("category"), "utility");
}

}  // namespace
}  // namespace crier::api::testing
