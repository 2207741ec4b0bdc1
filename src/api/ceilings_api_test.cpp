// Platform ceilings over the API (A4, A8, C3), with the real engine behind it: the settings on
// the account, refused with the field at fault, and what preview says of each ceiling.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "api/api_test_fixture.h"

namespace crier::api::testing {
namespace {

namespace json = boost::json;
using ::testing::HasSubstr;

class CeilingsApiTest : public ApiTest {
 protected:
  void SetUp() override {
    ApiTest::SetUp();
    UseRealEngine();
  }

  net::Response NewAccount(const std::string& platform, const json::object& pacing) {
    json::object body{{"platform", platform},
                      {"name", "Shop"},
                      {"external_id", "x" + std::to_string(++accounts_)},
                      {"access_token", kToken},
                      {"api_base_url", "http://127.0.0.1:8801"},
                      {"pacing", pacing}};
    return Call("POST", "/v1/channel-accounts", json::serialize(body));
  }

  // The API takes Messenger and Instagram accounts only so far: WhatsApp and LINE ones are
  // made in the store, as an operator's migration would.
  Id StoredAccount(Platform platform, Pacing pacing) {
    NewChannelAccount in;
    in.platform = platform;
    in.name = "Shop";
    in.external_id = "s" + std::to_string(++accounts_);
    in.access_token = kToken;
    in.api_base_url = "http://127.0.0.1:8801";
    in.pacing = pacing;
    auto created = store_->CreateChannelAccount(in, clock_.Now());
    EXPECT_TRUE(created.ok()) << created.error().ToString();
    return created.ok() ? created->id : 0;
  }

  json::value Shown(Id account) {
    return Json(Call("GET", "/v1/channel-accounts/" + std::to_string(account))).at("pacing");
  }

  void AddContact(Id account, const std::string& user) {
    json::object body{{"channel_account_id", account},
                      {"platform_user_id", user},
                      {"last_inbound_at", FormatRfc3339(clock_.Now() - Duration(3'600'000))}};
    const net::Response r = Call("POST", "/v1/contacts", json::serialize(body));
    ASSERT_EQ(r.status, 201) << r.body;
  }

  json::value Preview(Id account, int messages) {
    json::array list;
    for (int i = 0; i < messages; ++i)
      list.push_back(json::object{{"kind", "text"}, {"text", "hi"}});
    const net::Response b = Call("POST", "/v1/broadcasts",
                                 json::serialize(json::object{{"name", "Sale"},
                                                              {"channel_account_id", account},
                                                              {"purpose", "promotional"},
                                                              {"messages", list}}));
    EXPECT_EQ(b.status, 201) << b.body;
    const net::Response r =
        Call("POST", "/v1/broadcasts/" + std::to_string(Json(b).at("id").as_int64()) + "/preview");
    EXPECT_EQ(r.status, 200) << r.body;
    return Json(r);
  }

  int accounts_ = 0;
};

TEST_F(CeilingsApiTest, CeilingSettingsAreShownAndBadOnesRefusedNamingTheField) {
  Pacing pacing;
  pacing.whatsapp_tier = WhatsAppTier::k10K;
  EXPECT_EQ(Shown(StoredAccount(Platform::kWhatsApp, pacing)),
            json::parse(R"({"messages_per_second": 50.0, "max_concurrency": 16,
                "platform_messages_per_second": 80.0, "whatsapp_tier": "10000"})"));
  pacing = {};
  pacing.line_monthly_quota = 5000;
  pacing.platform_messages_per_second = 100;
  EXPECT_EQ(Shown(StoredAccount(Platform::kLine, pacing)),
            json::parse(R"({"messages_per_second": 50.0, "max_concurrency": 16,
                "platform_messages_per_second": 100.0, "line_monthly_quota": 5000})"));
  EXPECT_TRUE(Shown(StoredAccount(Platform::kLine, {})).at("line_monthly_quota").is_null())
      << "LINE sets none";

  net::Response r = NewAccount("messenger", {{"platform_messages_per_second", 600}});
  ASSERT_EQ(r.status, 201) << r.body;
  EXPECT_EQ(Json(r).at("pacing").at("platform_messages_per_second"), 600.0);

  const std::pair<json::object, const char*> bad[] = {
      {{{"whatsapp_tier", "1000"}}, "pacing.whatsapp_tier"},  // the 1K tier is gone
      {{{"whatsapp_tier", 250}}, "pacing.whatsapp_tier"},     // a name, not a number
      {{{"whatsapp_tier", "250"}}, "pacing.whatsapp_tier"},   // not a WhatsApp account
      {{{"line_monthly_quota", 0}}, "pacing.line_monthly_quota"},
      {{{"line_monthly_quota", 100}}, "pacing.line_monthly_quota"},  // not a LINE account
      {{{"platform_messages_per_second", 0}}, "pacing.platform_messages_per_second"},
      {{{"platform_messages_per_second", 100001}}, "pacing.platform_messages_per_second"},
  };
  for (const auto& [pacing_json, field] : bad) {
    r = NewAccount("messenger", pacing_json);
    EXPECT_EQ(r.status, 400) << json::serialize(pacing_json) << ": " << r.body;
    EXPECT_EQ(ErrorField(r), field) << json::serialize(pacing_json);
  }
  r = NewAccount("instagram", {{"platform_messages_per_second", 100000}});
  EXPECT_EQ(r.status, 201) << "100000 is the largest rate";
}

TEST_F(CeilingsApiTest, PreviewShowsTheLineQuotaCostAgainstWhatRemains) {
  Pacing pacing;
  pacing.line_monthly_quota = 6;
  const Id account = StoredAccount(Platform::kLine, pacing);
  for (int i = 0; i < 3; ++i) AddContact(account, "U" + std::to_string(i));

  json::value p = Preview(account, 2);  // 3 people x 2 pushes = 6: fits exactly
  EXPECT_EQ(p.at("line_quota_cost"), 6);
  EXPECT_EQ(p.at("line_quota"), json::parse(R"({"limit": 6, "used": 0, "cost": 6,
      "remaining": 6, "fits": true, "refills_at": "2026-11-30T15:00:00.000Z"})"));
  EXPECT_TRUE(p.at("whatsapp_messaging_limit").is_null());
  EXPECT_TRUE(p.at("ceiling_notes").as_array().empty());

  p = Preview(account, 3);  // 9 > 6
  EXPECT_EQ(p.at("line_quota").at("fits"), false);
  ASSERT_EQ(p.at("ceiling_notes").as_array().size(), 1u);
  EXPECT_THAT(std::string(p.at("ceiling_notes").at(0).as_string()),
              HasSubstr("costs 9 messages and 6 remain"));
}

TEST_F(CeilingsApiTest, PreviewShowsTheMessagingLimitAndThePaceTheRunGoesAt) {
  Pacing pacing;
  pacing.messages_per_second = 500;
  pacing.whatsapp_tier = WhatsAppTier::k2K;
  const Id account = StoredAccount(Platform::kWhatsApp, pacing);
  for (int i = 0; i < 160; ++i) AddContact(account, "4479" + std::to_string(100000 + i));
  const json::value p = Preview(account, 1);
  EXPECT_EQ(p.at("whatsapp_messaging_limit"), json::parse(R"({"tier": "2000", "limit": 2000,
      "used": 0, "adds": 0, "fits": true, "last_fits_at": null})"))
      << "inside the window: free-form, nothing counted";
  EXPECT_EQ(p.at("messages_per_second"), 80.0) << "the platform's 80/s, not the pacing's 500";
  EXPECT_EQ(p.at("platform_messages_per_second"), 80.0);
  EXPECT_EQ(p.at("estimated_seconds"), 2.0) << "160 at 80/s";
  ASSERT_EQ(p.at("ceiling_notes").as_array().size(), 1u);
  EXPECT_THAT(std::string(p.at("ceiling_notes").at(0).as_string()), HasSubstr("at most 80"));
  EXPECT_TRUE(p.at("line_quota").is_null());
}

}  // namespace
}  // namespace crier::api::testing
