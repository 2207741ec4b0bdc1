// Personalised content over the API (PRODUCT.md D1, D5): placeholders checked when a broadcast
// is created, and the exact request each message would make for one contact.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "api/api_test_fixture.h"

namespace crier::api::testing {
namespace {

namespace json = boost::json;
using ::testing::HasSubstr;
using ::testing::Not;

class RenderApiTest : public ApiTest {
 protected:
  net::Response CreateWith(Id account, json::array messages) {
    const json::object body{{"name", "Hello"},
                            {"channel_account_id", account},
                            {"purpose", "non_promotional"},
                            {"messages", std::move(messages)}};
    return Call("POST", "/v1/broadcasts", json::serialize(body));
  }
  static json::object Text(std::string text) {
    return json::object{{"kind", "text"}, {"text", std::move(text)}};
  }
  Id AddContact(Id account, const std::string& psid, const std::string& name,
                const std::string& first_name) {
    const json::object body{{"channel_account_id", account},
                            {"platform_user_id", psid},
                            {"name", name},
                            {"first_name", first_name},
                            {"last_inbound_at", "2026-11-21T08:30:00Z"}};
    const net::Response r = Call("POST", "/v1/contacts", json::serialize(body));
    EXPECT_EQ(r.status, 201) << r.body;
    return Json(r).at("id").as_int64();
  }
};

TEST_F(RenderApiTest, AnUnknownPlaceholderIsRefusedNamingTheFieldAndTheCharacter) {
  const Id account = CreateAccount();
  const net::Response r =
      CreateWith(account, json::array{Text("Hi"), Text("Hello {{contact.nmae}}!")});
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(ErrorField(r), "messages[1].text");
  EXPECT_THAT(r.body, HasSubstr("contact.nmae"));
  EXPECT_THAT(r.body, HasSubstr("character 7"));
  // The known placeholder, and literal braces, are accepted.
  EXPECT_EQ(CreateWith(account, json::array{Text("Hello {{contact.name}} {{{{x}}")}).status, 201);
}

TEST_F(RenderApiTest, AnUnclosedPlaceholderInATemplateParameterIsRefused) {
  const json::object wa{{"platform", "whatsapp"},
                        {"name", "WA"},
                        {"external_id", "5551"},
                        {"access_token", kToken},
                        {"api_base_url", "http://127.0.0.1:8801"},
                        {"capabilities", json::object{{"waba_id", "w-1"}}}};
  const net::Response made = Call("POST", "/v1/channel-accounts", json::serialize(wa));
  ASSERT_EQ(made.status, 201) << made.body;
  const Id account = Json(made).at("id").as_int64();
  RegisterTemplate({{"waba_id", "w-1"},
                    {"name", "order_update"},
                    {"language", "en_US"},
                    {"category", "utility"},
                    {"body_parameters", 2}});
  const json::object message{
      {"kind", "template"},
      {"template",
       json::object{{"name", "order_update"},
                    {"language", "en_US"},
                    {"category", "utility"},
                    {"body_parameters", json::array{"{{contact.first_name}}", "{{contact.name"}}}}};
  const net::Response r = CreateWith(account, json::array{message});
  EXPECT_EQ(r.status, 400) << r.body;
  EXPECT_EQ(ErrorField(r), "messages[0].template.body_parameters[1]");
}

TEST_F(RenderApiTest, RenderShowsTheRequestWithTheNameEscapedInTheBodyAndIntactInTheText) {
  const Id account = CreateAccount();
  const std::string name = R"(Ann "<script>alert(1)</script>")";
  const Id contact = AddContact(account, "psid-9", name, "Ann");
  const net::Response created = CreateWith(
      account, json::array{Text(R"(Hi {{contact.name}} / {{contact.attr.tier | "new"}})")});
  ASSERT_EQ(created.status, 201) << created.body;
  const Id id = Json(created).at("id").as_int64();

  const net::Response r = Call("POST", "/v1/broadcasts/" + std::to_string(id) + "/render",
                               json::serialize(json::object{{"contact_id", contact}}));
  ASSERT_EQ(r.status, 200) << r.body;
  const json::value v = Json(r);
  EXPECT_EQ(v.at("contact").at("id").as_int64(), contact);
  EXPECT_EQ(v.at("contact").at("sample"), false);
  EXPECT_EQ(v.at("platform_user_id"), "psid-9");
  EXPECT_EQ(v.at("route"), "standard_window");
  const json::value& m = v.at("messages").at(0);
  const std::string plain = std::string(R"(Hi )") + name + " / new";
  EXPECT_EQ(m.at("text"), plain.c_str());
  const json::value& request = m.at("request");
  EXPECT_EQ(request.at("method"), "POST");
  EXPECT_THAT(std::string(request.at("url").as_string()), HasSubstr("/1001/messages"));
  EXPECT_EQ(request.at("headers").at("Authorization"), "[redacted]");
  EXPECT_THAT(r.body, Not(HasSubstr(kToken)));
  // The body is the JSON that would be sent; the name's quotes are escaped in it, and it
  // decodes to the name as it is.
  EXPECT_EQ(request.at("body").at("message").at("text"), plain.c_str());
  EXPECT_EQ(request.at("body").at("recipient").at("id"), "psid-9");
  // As sent, the quotes are escaped and the markup is left as it is (it is JSON, not HTML).
  const std::string sent(request.at("body_text").as_string());
  EXPECT_THAT(sent, HasSubstr(R"("text":"Hi Ann \"<script>alert(1)</script>\" / new")"));
}

TEST_F(RenderApiTest, IdenticalLineContentRendersAsTheMulticastItWouldBe) {
  const Id account = CreateAccount("line", "1650000000");
  const std::string user = "U" + std::string(32, 'a');
  const Id contact = AddContact(account, user, "Ann", "Ann");
  const auto render = [&](const char* text) {
    const net::Response created = CreateWith(account, json::array{Text(text)});
    EXPECT_EQ(created.status, 201) << created.body;
    const Id id = Json(created).at("id").as_int64();
    const net::Response r = Call("POST", "/v1/broadcasts/" + std::to_string(id) + "/render",
                                 json::serialize(json::object{{"contact_id", contact}}));
    EXPECT_EQ(r.status, 200) << r.body;
    return Json(r);
  };
  const json::value same = render("Hello {{{{there}}");
  EXPECT_EQ(same.at("route"), "line_multicast");
  const json::value& request = same.at("messages").at(0).at("request");
  EXPECT_THAT(std::string(request.at("url").as_string()), HasSubstr("/v2/bot/message/multicast"));
  EXPECT_EQ(request.at("body").at("to"), (json::array{json::string(user)}));
  EXPECT_EQ(request.at("body").at("messages").at(0).at("text"), "Hello {{there}}");
  EXPECT_EQ(request.at("headers").at("X-Line-Retry-Key"), "(a UUID made per batch)");

  const json::value personal = render("Hi {{contact.first_name}}");
  EXPECT_EQ(personal.at("route"), "line_push");
  EXPECT_THAT(std::string(personal.at("messages").at(0).at("request").at("url").as_string()),
              HasSubstr("/v2/bot/message/push"));
}

TEST_F(RenderApiTest, RenderWithoutAContactUsesASampleAndRefusesAStranger) {
  const Id account = CreateAccount();
  const Id id =
      Json(CreateWith(account, json::array{Text("Hi {{contact.first_name}}")})).at("id").as_int64();
  const std::string target = "/v1/broadcasts/" + std::to_string(id) + "/render";
  const net::Response sample = Call("POST", target);
  ASSERT_EQ(sample.status, 200) << sample.body;
  EXPECT_EQ(Json(sample).at("contact").at("sample"), true);
  EXPECT_EQ(Json(sample).at("messages").at(0).at("text"), "Hi Alex");

  const Id other = CreateAccount("messenger", "2002");
  const Id stranger = AddContact(other, "psid-x", "Bo", "Bo");
  const net::Response refused =
      Call("POST", target, json::serialize(json::object{{"contact_id", stranger}}));
  EXPECT_EQ(refused.status, 400);
  EXPECT_EQ(ErrorField(refused), "contact_id");
  EXPECT_EQ(Call("POST", "/v1/broadcasts/999/render").status, 404);
}

}  // namespace
}  // namespace crier::api::testing
