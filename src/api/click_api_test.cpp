// Click tracking over the API (PRODUCT.md G3): the broadcast's switch, the redirect anybody
// may follow, and the clicks in the report.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <regex>

#include "api/api_test_fixture.h"

namespace crier::api::testing {
namespace {

namespace json = boost::json;
using ::testing::HasSubstr;

class ClickApiTest : public ApiTest {
 protected:
  void UseTrackingEngine() {
    engine::EngineOptions options;
    options.public_url = "https://go.shop.example/";
    UseRealEngine(options);
  }

  net::Response CreateTracked(Id account, std::string text, bool track = true) {
    const json::object body{
        {"name", "Sale"},
        {"channel_account_id", account},
        {"purpose", "promotional"},
        {"track_clicks", track},
        {"messages", json::array{json::object{{"kind", "text"}, {"text", std::move(text)}}}}};
    return Call("POST", "/v1/broadcasts", json::serialize(body));
  }

  Id AddContact(Id account, const std::string& psid) {
    const json::object body{{"channel_account_id", account},
                            {"platform_user_id", psid},
                            {"first_name", "Ann"},
                            {"last_inbound_at", "2026-11-21T08:30:00Z"}};
    const net::Response r = Call("POST", "/v1/contacts", json::serialize(body));
    EXPECT_EQ(r.status, 201) << r.body;
    return Json(r).at("id").as_int64();
  }

  // A press from a browser: no API key.
  net::Response Press(const std::string& path, std::string user_agent = "Mozilla/5.0") {
    net::Request r = MakeRequest("GET", path, "");
    r.headers.emplace_back("User-Agent", std::move(user_agent));
    return api_->Handle(r);
  }
};

TEST_F(ClickApiTest, TrackingNeedsThePublicUrlAndIsShownOnTheBroadcast) {
  UseRealEngine();  // no public URL
  const Id account = CreateAccount();
  const net::Response refused = CreateTracked(account, "See https://shop.example/new");
  EXPECT_EQ(refused.status, 400);
  EXPECT_EQ(ErrorField(refused), "track_clicks");
  EXPECT_THAT(refused.body, HasSubstr("--public-url"));
  const net::Response untracked = CreateTracked(account, "See https://shop.example/new", false);
  ASSERT_EQ(untracked.status, 201) << untracked.body;
  EXPECT_EQ(Json(untracked).at("track_clicks"), false);
  const net::Response wrong =
      Call("POST", "/v1/broadcasts",
           R"({"name":"S","channel_account_id":1,"purpose":"promotional","track_clicks":"yes",)"
           R"("messages":[{"kind":"text","text":"x"}]})");
  EXPECT_EQ(wrong.status, 400);
  EXPECT_EQ(ErrorField(wrong), "track_clicks");

  UseTrackingEngine();
  const net::Response tracked = CreateTracked(account, "See https://shop.example/new");
  ASSERT_EQ(tracked.status, 201) << tracked.body;
  EXPECT_EQ(Json(tracked).at("track_clicks"), true);
  const Id id = Json(tracked).at("id").as_int64();
  EXPECT_EQ(Json(Call("GET", "/v1/broadcasts/" + std::to_string(id))).at("track_clicks"), true);
}

TEST_F(ClickApiTest, ATrackedLinkCountsAgainstThePlatformsLimitsAsItGoesOut) {
  UseTrackingEngine();
  const Id account = CreateAccount();
  // 1,999 characters is Messenger's most; a link of 30 becomes one of about 60 through the
  // redirect, so text that fits as written may not fit tracked.
  const std::string link = "https://shop.example/new";
  const std::string fits_written(1999 - link.size() - 1, 'a');
  EXPECT_EQ(CreateTracked(account, fits_written + " " + link, false).status, 201);
  const net::Response r = CreateTracked(account, fits_written + " " + link);
  EXPECT_EQ(r.status, 400) << r.body;
  EXPECT_EQ(ErrorField(r), "messages[0].text");
  const std::string fits_tracked(1999 - 80, 'a');
  EXPECT_EQ(CreateTracked(account, fits_tracked + " " + link).status, 201);
}

TEST_F(ClickApiTest, RenderShowsTheLinksThroughTheRedirectAndAPressIsCounted) {
  UseTrackingEngine();
  const Id account = CreateAccount();
  const Id ann = AddContact(account, "PSID-ANN");
  const net::Response made = CreateTracked(
      account, "Hi {{contact.first_name}}: https://shop.example/new, https://other.example/x");
  ASSERT_EQ(made.status, 201) << made.body;
  const std::string id = std::to_string(Json(made).at("id").as_int64());

  const net::Response render = Call("POST", "/v1/broadcasts/" + id + "/render",
                                    R"({"contact_id":)" + std::to_string(ann) + "}");
  ASSERT_EQ(render.status, 200) << render.body;
  const std::string text(Json(render).at("messages").at(0).at("text").as_string());
  EXPECT_THAT(text, ::testing::MatchesRegex(
                        R"(Hi Ann: https://go\.shop\.example/r/0\.[0-9a-z]+\.[A-Za-z0-9_-]{12}/0, )"
                        R"(https://go\.shop\.example/r/0\.[0-9a-z]+\.[A-Za-z0-9_-]{12}/1)"));
  // A preview's token names no run: it leads nowhere.
  const std::string preview_path = text.substr(text.find("/r/"), text.find(',') - text.find("/r/"));
  EXPECT_EQ(Press(preview_path).status, 404);

  const net::Response sent = Call("POST", "/v1/broadcasts/" + id + "/send");
  ASSERT_EQ(sent.status, 202) << sent.body;
  const Id run = Json(sent).at("run").at("id").as_int64();
  const std::string token = real_engine_->clicks()->Token(run, ann);

  const net::Response press = Press("/r/" + token + "/0");
  EXPECT_EQ(press.status, 302) << press.body;
  EXPECT_EQ(net::FindHeader(press.headers, "Location").value_or(""), "https://shop.example/new");
  EXPECT_EQ(net::FindHeader(press.headers, "Cache-Control").value_or(""), "no-store");
  EXPECT_EQ(Press("/r/" + token + "/1").status, 302);
  EXPECT_EQ(Press("/r/" + token + "/1").status, 302);
  EXPECT_EQ(Press("/r/" + token + "/1", "facebookexternalhit/1.1").status, 302);
  // Nothing but crier's own addresses leads anywhere, and they need no key.
  EXPECT_EQ(Press("/r/" + token + "/2").status, 404);
  std::string forged = token;
  forged.back() = forged.back() == 'A' ? 'B' : 'A';
  const net::Response bad = Press("/r/" + forged + "/0");
  EXPECT_EQ(bad.status, 404);
  EXPECT_EQ(net::FindHeader(bad.headers, "Location"), std::nullopt);

  const net::Response report = Call("GET", "/v1/broadcasts/" + id + "/report");
  ASSERT_EQ(report.status, 200) << report.body;
  EXPECT_EQ(Json(report).at("clicks"), json::parse(R"({
      "tracked": true, "total": 3, "unique_contacts": 1,
      "links": [
        {"index": 0, "message_index": 0, "field": "text", "url": "https://shop.example/new",
         "official": false, "clicks": 1, "unique_contacts": 1},
        {"index": 1, "message_index": 0, "field": "text", "url": "https://other.example/x",
         "official": false, "clicks": 2, "unique_contacts": 1}]})"));
}

}  // namespace
}  // namespace crier::api::testing
