// Messenger routes beyond the standard window: HUMAN_AGENT and CUSTOMER_FEEDBACK rules,
// utility templates, marketing-message tokens and the Marketing Message API, each rule on
// both sides of its boundary.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "sandbox/graph_rules.h"
#include "sandbox/sandbox_test_support.h"

namespace crier::sandbox {
namespace {

using std::chrono::days;
using std::chrono::hours;
using std::chrono::milliseconds;
using std::chrono::minutes;
using testing::At;
using testing::GraphAnswer;
using ::testing::HasSubstr;
using testing::kIgPage;
using testing::kIgToken;
using testing::kPage;
using testing::kToken;
using testing::kUser;
using testing::Parse;
namespace json = boost::json;

class MessengerRoutesTest : public testing::MessengerFixture {
 protected:
  static std::string UtilityBody(std::string_view user, std::string_view name = "order_update",
                                 std::string_view language = "en_US", int body_params = 2,
                                 int button_params = 0) {
    json::array body;
    for (int i = 0; i < body_params; ++i) body.push_back({{"type", "text"}, {"text", "x"}});
    json::array buttons;
    for (int i = 0; i < button_params; ++i) {
      buttons.push_back({{"type", "POSTBACK"}, {"payload", "p"}});
    }
    json::array components{json::object{{"type", "body"}, {"parameters", body}}};
    if (button_params > 0) components.push_back({{"type", "buttons"}, {"parameters", buttons}});
    json::object message{
        {"template",
         {{"name", name}, {"language", {{"code", language}}}, {"components", components}}}};
    return json::serialize(json::object{
        {"recipient", {{"id", user}}}, {"messaging_type", "UTILITY"}, {"message", message}});
  }

  void AddUtilityTemplate(std::string_view name, std::string_view status = "APPROVED",
                          int body_params = 2, int button_params = 0,
                          std::string_view page = kPage) {
    Control("POST", "/__sandbox/messenger/templates",
            {{"page_id", page},
             {"templates", json::array{json::object{{"name", name},
                                                    {"language", "en_US"},
                                                    {"status", status},
                                                    {"body_params", body_params},
                                                    {"button_params", button_params}}}}});
  }

  void AddToken(std::string_view token, std::string_view user, Time expires,
                std::string_view status = "active", std::string_view region = "TW",
                std::string_view page = kPage) {
    Control("POST", "/__sandbox/messenger/tokens",
            {{"page_id", page},
             {"tokens", json::array{json::object{{"token", token},
                                                 {"user_id", user},
                                                 {"expires_at", FormatRfc3339(expires)},
                                                 {"status", status},
                                                 {"region", region}}}}});
  }

  static std::string TokenBody(std::string_view token, std::string_view text = "20% off today") {
    return json::serialize(json::object{{"recipient", {{"notification_messages_token", token}}},
                                        {"message", {{"text", text}}}});
  }
};

// --- HUMAN_AGENT and CUSTOMER_FEEDBACK ----------------------------------------------------

TEST_F(MessengerRoutesTest, HumanAgentNeedsThePermission) {
  AddPage("3003", "token-3003", "messenger", json::array{});
  Interact("3003", kUser, clock_.Now());
  clock_.Advance(days(2));
  auto a = Send(TextBody(kUser, "MESSAGE_TAG", "HUMAN_AGENT"), "3003", "token-3003");
  EXPECT_EQ(a.status, 400);
  EXPECT_EQ(a.code(), graph::kCodePermission);
  EXPECT_EQ(a.subcode(), 0);
  EXPECT_EQ(a.message(), graph::kMsgHumanAgentPermission);
  // Granting it later, keeping the Page's users, lets the same send through.
  AddPage("3003", "token-3003", "messenger", json::array{"human_agent"});
  EXPECT_EQ(Send(TextBody(kUser, "MESSAGE_TAG", "HUMAN_AGENT"), "3003", "token-3003").status, 200);
}

TEST_F(MessengerRoutesTest, CustomerFeedbackOnlyWithTheFeedbackTemplate) {
  Interact(kPage, kUser, clock_.Now());
  clock_.Advance(days(3));
  auto text = Send(TextBody(kUser, "MESSAGE_TAG", "CUSTOMER_FEEDBACK"));
  EXPECT_EQ(text.code(), graph::kCodeInvalidParameter);
  EXPECT_EQ(text.message(), graph::kMsgFeedbackTemplateOnly);
  json::object feedback{
      {"recipient", {{"id", kUser}}},
      {"messaging_type", "MESSAGE_TAG"},
      {"tag", "CUSTOMER_FEEDBACK"},
      {"message",
       {{"attachment",
         {{"type", "template"},
          {"payload", {{"template_type", "customer_feedback"}, {"title", "Rate us"}}}}}}}};
  EXPECT_EQ(Send(json::serialize(feedback)).status, 200);
  // Still within 7 days of the last message only.
  clock_.Advance(days(4) + minutes(1));
  EXPECT_EQ(Send(json::serialize(feedback)).subcode(), graph::kSubcodeOutsideWindowMessenger);
}

// --- Send rate ------------------------------------------------------------------------------

TEST_F(MessengerRoutesTest, PageTakes300SendsPerSecondAnd10WithAudioOrVideo) {
  Interact(kPage, kUser, clock_.Now());
  for (int i = 0; i < 300; ++i) ASSERT_EQ(Send(TextBody(kUser)).status, 200) << i;
  auto a = Send(TextBody(kUser));
  EXPECT_EQ(a.code(), graph::kCodePageRateLimit);
  EXPECT_EQ(a.message(), graph::kMsgPageRateLimit);
  clock_.Advance(milliseconds(4));  // 300 per second: one more after 3.34 ms
  EXPECT_EQ(Send(TextBody(kUser)).status, 200);
  EXPECT_EQ(Send(TextBody(kUser)).code(), graph::kCodePageRateLimit);

  const std::string video = json::serialize(
      json::object{{"recipient", {{"id", kUser}}},
                   {"messaging_type", "UPDATE"},
                   {"message",
                    {{"attachment",
                      {{"type", "video"}, {"payload", {{"url", "https://cdn.example/v.mp4"}}}}}}}});
  for (int i = 0; i < 10; ++i) ASSERT_EQ(Send(video).status, 200) << i;
  EXPECT_EQ(Send(video).code(), graph::kCodePageRateLimit);
}

TEST_F(MessengerRoutesTest, InstagramRateLimitIs613AndConfigurable) {
  Control("POST", "/__sandbox/pages",
          {{"page_id", kIgPage},
           {"access_token", kIgToken},
           {"platform", "instagram"},
           {"rate_limits", {{"text", 2}}}},
          201);
  Interact(kIgPage, kUser, clock_.Now());
  EXPECT_EQ(Send(TextBody(kUser), kIgPage, kIgToken).status, 200);
  EXPECT_EQ(Send(TextBody(kUser), kIgPage, kIgToken).status, 200);
  auto a = Send(TextBody(kUser), kIgPage, kIgToken);
  EXPECT_EQ(a.code(), graph::kCodeCustomRateLimit);
  EXPECT_EQ(a.subcode(), graph::kSubcodeInstagramRateLimit);
  clock_.Advance(milliseconds(500));
  EXPECT_EQ(Send(TextBody(kUser), kIgPage, kIgToken).status, 200);
  EXPECT_EQ(
      FieldOf("/__sandbox/pages",
              R"({"page_id":"2002","access_token":"ig-token-2002","rate_limits":{"audio":1}})"),
      "rate_limits.audio");
}

// --- Utility templates ----------------------------------------------------------------------

TEST_F(MessengerRoutesTest, UtilityTemplateGoesOutsideTheWindowWithPermissionAndApproval) {
  AddPage(kPage, kToken, "messenger", json::array{"page_utility_messaging"});
  AddUtilityTemplate("order_update");
  Interact(kPage, kUser, clock_.Now() - days(30));
  auto a = Send(UtilityBody(kUser));
  ASSERT_EQ(a.status, 200) << json::serialize(a.body);
  EXPECT_EQ(a.body.at("recipient_id").as_string(), kUser);
  auto items = Messages();
  ASSERT_EQ(items.size(), 1u);
  EXPECT_EQ(items[0].at("route").as_string(), "utility_template");
  EXPECT_EQ(items[0].at("messaging_type").as_string(), "UTILITY");
  EXPECT_EQ(items[0].at("template").at("name").as_string(), "order_update");
  EXPECT_EQ(items[0].at("body").at("message").at("template").at("language").at("code"), "en_US");
}

TEST_F(MessengerRoutesTest, UtilityTemplateRefusals) {
  Interact(kPage, kUser, clock_.Now());
  AddUtilityTemplate("order_update");
  // No permission (the fixture's Page has only human_agent).
  auto a = Send(UtilityBody(kUser));
  EXPECT_EQ(a.code(), graph::kCodePermission);
  EXPECT_EQ(a.message(), graph::kMsgUtilityPermission);

  AddPage(kPage, kToken, "messenger", json::array{"page_utility_messaging"});
  a = Send(UtilityBody(kUser, "no_such_template"));
  EXPECT_EQ(a.code(), graph::kCodeInvalidParameter);
  EXPECT_THAT(a.message(), HasSubstr("does not exist"));
  // The same name in another language is another template.
  EXPECT_THAT(Send(UtilityBody(kUser, "order_update", "vi")).message(),
              HasSubstr("does not exist"));
  // A template of another Page is unknown here.
  AddUtilityTemplate("ig_only", "APPROVED", 2, 0, kIgPage);
  EXPECT_THAT(Send(UtilityBody(kUser, "ig_only")).message(), HasSubstr("does not exist"));

  for (std::string_view status : {"PENDING", "REJECTED", "PAUSED", "DISABLED"}) {
    AddUtilityTemplate("waiting", status);
    EXPECT_THAT(Send(UtilityBody(kUser, "waiting")).message(), HasSubstr("not approved")) << status;
  }
  // Parameters: exactly the registered counts, both sides.
  AddUtilityTemplate("with_button", "APPROVED", 1, 1);
  EXPECT_THAT(Send(UtilityBody(kUser, "with_button", "en_US", 2, 1)).message(),
              HasSubstr("Number of parameters"));
  EXPECT_THAT(Send(UtilityBody(kUser, "with_button", "en_US", 1, 0)).message(),
              HasSubstr("Number of parameters"));
  EXPECT_EQ(Send(UtilityBody(kUser, "with_button", "en_US", 1, 1)).status, 200);
  // A person the Page never heard from.
  EXPECT_EQ(Send(UtilityBody("stranger")).subcode(), graph::kSubcodeNoMatchingUser);
  // UTILITY without a template, and a template under another messaging_type.
  EXPECT_EQ(Send(TextBody(kUser, "UTILITY")).message(), graph::kMsgUtilityTemplateRequired);
  json::object wrong = json::parse(UtilityBody(kUser)).as_object();
  wrong["messaging_type"] = "UPDATE";
  EXPECT_EQ(Send(json::serialize(wrong)).message(), graph::kMsgTemplateWithoutUtility);
}

// --- Marketing-message tokens -------------------------------------------------------------

TEST_F(MessengerRoutesTest, TokenCooldownIs24HoursBeforeSeptember2025) {
  clock_.Set(At("2025-08-01T00:00:00Z"));
  AddToken("tok-1", kUser, At("2026-01-01T00:00:00Z"));
  auto first = Send(TokenBody("tok-1"));
  ASSERT_EQ(first.status, 200) << json::serialize(first.body);
  EXPECT_EQ(first.body.at("recipient_id").as_string(), kUser);
  clock_.Advance(hours(23) + minutes(59));
  auto early = Send(TokenBody("tok-1"));
  EXPECT_EQ(early.code(), graph::kCodeTooManyCalls);
  EXPECT_EQ(early.subcode(), graph::kSubcodeTokenCooldown);
  clock_.Advance(minutes(2));  // 24 h 01 min
  EXPECT_EQ(Send(TokenBody("tok-1")).status, 200);
  auto items = Messages();
  ASSERT_EQ(items.size(), 2u);
  EXPECT_EQ(items[0].at("route").as_string(), "marketing_token");
  EXPECT_EQ(items[0].at("recipient").as_string(), kUser);
  EXPECT_EQ(items[0].at("notification_messages_token").as_string(), "tok-1");
  EXPECT_TRUE(items[0].at("messaging_type").is_null());
}

TEST_F(MessengerRoutesTest, TokenCooldownIs48HoursFromSeptember2025) {
  clock_.Set(At("2025-10-01T00:00:00Z"));
  AddToken("tok-1", kUser, At("2026-01-01T00:00:00Z"));
  ASSERT_EQ(Send(TokenBody("tok-1")).status, 200);
  clock_.Advance(hours(47) + minutes(59));
  EXPECT_EQ(Send(TokenBody("tok-1")).subcode(), graph::kSubcodeTokenCooldown);
  clock_.Advance(minutes(2));  // 48 h 01 min
  EXPECT_EQ(Send(TokenBody("tok-1")).status, 200);
}

TEST_F(MessengerRoutesTest, TheCooldownInForceIsTheOneOfTheNewSend) {
  // Both tokens carried a message 28 h before Sep 1: just before it the 24 h rule lets the
  // next one through, from it the 48 h rule holds it back.
  clock_.Set(graph::kTokenCooldown48hFrom - hours(28));
  AddToken("tok-1", kUser, At("2026-01-01T00:00:00Z"));
  AddToken("tok-2", "psid-2", At("2026-01-01T00:00:00Z"));
  ASSERT_EQ(Send(TokenBody("tok-1")).status, 200);
  ASSERT_EQ(Send(TokenBody("tok-2")).status, 200);
  clock_.Set(graph::kTokenCooldown48hFrom - milliseconds(1));
  EXPECT_EQ(Send(TokenBody("tok-1")).status, 200);
  clock_.Set(graph::kTokenCooldown48hFrom);
  EXPECT_EQ(Send(TokenBody("tok-2")).subcode(), graph::kSubcodeTokenCooldown);
}

TEST_F(MessengerRoutesTest, TokensAreRefusedWithCode100FromFebruary10_2026) {
  clock_.Set(graph::kMarketingTokensRetired - milliseconds(1));
  AddToken("tok-1", kUser, At("2026-12-01T00:00:00Z"));
  AddToken("tok-2", "psid-2", At("2026-12-01T00:00:00Z"));
  EXPECT_EQ(Send(TokenBody("tok-1")).status, 200);
  clock_.Set(graph::kMarketingTokensRetired);
  auto a = Send(TokenBody("tok-2"));
  EXPECT_EQ(a.status, 400);
  EXPECT_EQ(a.code(), graph::kCodeInvalidParameter);
  EXPECT_EQ(a.subcode(), 0);
  EXPECT_EQ(a.message(), graph::kMsgTokensRetired);
}

TEST_F(MessengerRoutesTest, TokenStopExpiryAndOwnership) {
  clock_.Set(At("2025-10-01T00:00:00Z"));
  AddToken("stopped", kUser, At("2026-01-01T00:00:00Z"), "stopped");
  auto stop = Send(TokenBody("stopped"));
  EXPECT_EQ(stop.code(), graph::kCodePermission);
  EXPECT_EQ(stop.subcode(), graph::kSubcodeTokenStopped);

  AddToken("expiring", kUser, clock_.Now() + hours(1));
  clock_.Advance(hours(1) - milliseconds(1));
  EXPECT_EQ(Send(TokenBody("expiring")).status, 200);
  AddToken("expired", "psid-2", clock_.Now() + milliseconds(1));
  clock_.Advance(milliseconds(1));
  EXPECT_EQ(Send(TokenBody("expired")).message(), graph::kMsgTokenInvalid);
  EXPECT_EQ(Send(TokenBody("never-issued")).message(), graph::kMsgTokenInvalid);
  // A typing indicator is not a marketing message: refused, and the token is not spent.
  EXPECT_EQ(
      Send(
          R"({"recipient":{"notification_messages_token":"expiring"},"sender_action":"typing_on"})")
          .message(),
      graph::kMsgTokenSenderAction);
  // A token of another Page is not this Page's to use.
  AddToken("ig-token", kUser, At("2026-01-01T00:00:00Z"), "active", "TW", kIgPage);
  EXPECT_EQ(Send(TokenBody("ig-token")).message(), graph::kMsgTokenInvalid);
  // ...but works from its own (Instagram) Page.
  EXPECT_EQ(Send(TokenBody("ig-token"), kIgPage, kIgToken).status, 200);
  EXPECT_EQ(Messages("?platform=instagram").size(), 1u);
}

// --- The Marketing Message API -------------------------------------------------------------

class MarketingApiTest : public MessengerRoutesTest {
 protected:
  MarketingApiTest() {
    clock_.Set(At("2026-03-01T12:00:00Z"));
    AddAdAccount("555", "TW", {json::object{{"message_id", "9001"}, {"page_id", kPage}}});
    AddToken("sub-tw", kUser, At("2027-01-01T00:00:00Z"), "active", "TW");
  }

  void AddAdAccount(std::string_view id, std::string_view region, json::array campaigns,
                    std::string_view token = "system-user-token") {
    Control("POST", "/__sandbox/messenger/ad_accounts",
            {{"ad_account_id", id},
             {"access_token", token},
             {"business_region", region},
             {"campaigns", std::move(campaigns)}},
            201);
  }

  static std::string MmBody(std::string_view subscription, std::string_view campaign = "9001",
                            json::object message = {}) {
    if (message.empty()) {
      message = {
          {"attachment",
           {{"type", "template"},
            {"payload",
             {{"template_type", "generic"},
              {"elements", json::array{json::object{
                               {"title", "Hi {{first_name}}, 20% off"},
                               {"buttons", json::array{json::object{{"type", "web_url"},
                                                                    {"url", "https://shop.example"},
                                                                    {"title", "Shop"}}}}}}}}}}}};
    }
    return json::serialize(
        json::object{{"message_id", campaign},
                     {"messenger_delivery_data", {{"subscription_token", subscription}}},
                     {"message", std::move(message)}});
  }

  GraphAnswer SendMm(const std::string& body, std::string_view account = "555",
                     std::string_view token = "system-user-token") {
    auto r = Call("POST", "/v24.0/act_" + std::string(account) + "/messages", body,
                  {{"Authorization", "Bearer " + std::string(token)}});
    return {r.status, Parse(r)};
  }
};

TEST_F(MarketingApiTest, SendsAndRecords) {
  auto a = SendMm(MmBody("sub-tw"));
  ASSERT_EQ(a.status, 200) << json::serialize(a.body);
  EXPECT_TRUE(a.body.at("success").as_bool());
  const std::string tracking(a.body.at("marketing_message_tracking_id").as_string());
  EXPECT_EQ(tracking.size(), 36u);
  auto items = Messages("?account=act_555");
  ASSERT_EQ(items.size(), 1u);
  EXPECT_EQ(items[0].at("route").as_string(), "marketing_message_api");
  EXPECT_EQ(items[0].at("recipient").as_string(), kUser);
  EXPECT_EQ(items[0].at("page_id").as_string(), kPage);
  EXPECT_EQ(items[0].at("campaign_id").as_string(), "9001");
  EXPECT_EQ(items[0].at("message_id").as_string(), tracking);
  // The Page's own token may send too (the API reference's form).
  clock_.Advance(hours(13));
  EXPECT_EQ(SendMm(MmBody("sub-tw"), "555", kToken).status, 200);
}

TEST_F(MarketingApiTest, OpensOnJuly1_2025) {
  clock_.Set(graph::kMarketingApiOpens - milliseconds(1));
  EXPECT_EQ(SendMm(MmBody("sub-tw")).subcode(), graph::kMmNotAvailable);
  clock_.Set(graph::kMarketingApiOpens);
  EXPECT_EQ(SendMm(MmBody("sub-tw")).status, 200);
}

TEST_F(MarketingApiTest, BusinessAndRecipientRegions) {
  AddAdAccount("666", "JP", {json::object{{"message_id", "9002"}, {"page_id", kPage}}}, "jp-token");
  EXPECT_EQ(SendMm(MmBody("sub-tw", "9002"), "666", "jp-token").subcode(),
            graph::kMmAdAccountRegion);
  for (std::string_view region : {"DE", "JP", "KR", "AU", "GB"}) {
    AddToken("sub-x", "psid-x", At("2027-01-01T00:00:00Z"), "active", region);
    auto a = SendMm(MmBody("sub-x"));
    EXPECT_EQ(a.subcode(), graph::kMmTokenRegion) << region;
    EXPECT_EQ(a.code(), graph::kCodeInvalidParameter);
  }
  for (std::string_view region : {"US", "VN", "BR"}) {
    AddToken(std::string("sub-") + std::string(region), std::string("psid-") + std::string(region),
             At("2027-01-01T00:00:00Z"), "active", region);
    EXPECT_EQ(SendMm(MmBody(std::string("sub-") + std::string(region))).status, 200) << region;
  }
}

TEST_F(MarketingApiTest, MinimumDelayIs12HoursPerToken) {
  ASSERT_EQ(SendMm(MmBody("sub-tw")).status, 200);
  clock_.Advance(hours(11) + minutes(59));
  EXPECT_EQ(SendMm(MmBody("sub-tw")).subcode(), graph::kMmMinDelay);
  clock_.Advance(minutes(2));
  EXPECT_EQ(SendMm(MmBody("sub-tw")).status, 200);
}

TEST_F(MarketingApiTest, SubscriberAndCampaignRefusals) {
  AddToken("sub-stopped", "psid-2", At("2027-01-01T00:00:00Z"), "stopped");
  EXPECT_EQ(SendMm(MmBody("sub-stopped")).subcode(), graph::kMmSubscriberStopped);
  AddToken("sub-expired", "psid-3", clock_.Now());
  EXPECT_EQ(SendMm(MmBody("sub-expired")).subcode(), graph::kMmTokenExpired);
  EXPECT_EQ(SendMm(MmBody("sub-unknown")).subcode(), graph::kMmTokenNotLoadable);
  AddToken("sub-ig", "psid-4", At("2027-01-01T00:00:00Z"), "active", "TW", kIgPage);
  EXPECT_EQ(SendMm(MmBody("sub-ig")).subcode(), graph::kMmPageMismatch);
  EXPECT_EQ(SendMm(MmBody("sub-tw", "404")).subcode(), graph::kMmInvalidMessageId);
  AddAdAccount("777", "US", {json::object{{"message_id", "9007"}, {"page_id", kPage}}},
               "other-token");
  EXPECT_EQ(SendMm(MmBody("sub-tw", "9007")).subcode(), graph::kMmAdAccountMismatch);
  AddAdAccount("555", "TW",
               {json::object{{"message_id", "9003"}, {"page_id", kPage}, {"status", "PAUSED"}}});
  EXPECT_EQ(SendMm(MmBody("sub-tw", "9003")).subcode(), graph::kMmInactiveCampaign);
  // Budget: one message, then the campaign is spent.
  AddAdAccount("555", "TW",
               {json::object{{"message_id", "9004"}, {"page_id", kPage}, {"budget_messages", 1}}});
  AddToken("sub-5", "psid-5", At("2027-01-01T00:00:00Z"));
  EXPECT_EQ(SendMm(MmBody("sub-tw", "9004")).status, 200);
  EXPECT_EQ(SendMm(MmBody("sub-5", "9004")).subcode(), graph::kMmBudgetReached);
  // Recent organic activity inside the requested gap.
  Interact(kPage, "psid-5", clock_.Now() - minutes(10));
  json::object gap = json::parse(MmBody("sub-5")).as_object();
  gap["min_conversation_gap_seconds"] = 3600;
  EXPECT_EQ(SendMm(json::serialize(gap)).subcode(), graph::kMmPersonNotAvailable);
  gap["min_conversation_gap_seconds"] = 300;
  EXPECT_EQ(SendMm(json::serialize(gap)).status, 200);
}

TEST_F(MarketingApiTest, RequestAndContentChecks) {
  EXPECT_EQ(SendMm(MmBody("sub-tw"), "555", "nope").code(), graph::kCodeInvalidToken);
  EXPECT_EQ(SendMm(MmBody("sub-tw"), "404").subcode(), graph::kSubcodeUnsupportedObject);
  EXPECT_EQ(SendMm(MmBody("sub-tw"), "555", kIgToken).code(), graph::kCodeMissingPermission);
  for (std::string_view missing : {"message_id", "messenger_delivery_data", "message"}) {
    json::object body = json::parse(MmBody("sub-tw")).as_object();
    body.erase(missing);
    auto a = SendMm(json::serialize(body));
    EXPECT_EQ(a.subcode(), graph::kMmRequiredField) << missing;
    EXPECT_THAT(a.message(), HasSubstr(std::string(missing)));
  }
  auto buttons = [](int n, std::string_view type = "web_url", std::string_view title = "Go") {
    json::array out;
    for (int i = 0; i < n; ++i) {
      out.push_back({{"type", type}, {"url", "https://shop.example"}, {"title", title}});
    }
    return json::object{
        {"attachment",
         {{"type", "template"},
          {"payload", {{"template_type", "button"}, {"text", "Hello"}, {"buttons", out}}}}}};
  };
  EXPECT_EQ(SendMm(MmBody("sub-tw", "9001", buttons(4))).subcode(), graph::kMmTooManyButtons);
  EXPECT_EQ(SendMm(MmBody("sub-tw", "9001", buttons(1, "postback"))).subcode(),
            graph::kMmButtonType);
  EXPECT_EQ(SendMm(MmBody("sub-tw", "9001", buttons(1, "web_url", ""))).subcode(),
            graph::kMmButtonTitleEmpty);
  EXPECT_EQ(SendMm(MmBody("sub-tw", "9001", buttons(1, "web_url", "Hi {{first_name}}"))).subcode(),
            graph::kMmUnresolvedPlaceholder);
  EXPECT_EQ(SendMm(MmBody("sub-tw", "9001", {{"text", "Your code {{coupon}}"}})).subcode(),
            graph::kMmUnresolvedPlaceholder);
  EXPECT_EQ(SendMm(MmBody("sub-tw", "9001", buttons(3))).status, 200);
}

// --- Control endpoints -------------------------------------------------------------------

TEST_F(MessengerRoutesTest, ControlEndpointsNameTheBadField) {
  EXPECT_EQ(FieldOf("/__sandbox/pages",
                    R"({"page_id":"9","access_token":"t9","permissions":["pages_messaging"]})"),
            "permissions[0]");
  EXPECT_EQ(
      FieldOf("/__sandbox/messenger/templates",
              R"({"page_id":"1001","templates":[{"name":"a","language":"en","status":"OK"}]})"),
      "templates[0].status");
  EXPECT_EQ(FieldOf("/__sandbox/messenger/templates",
                    R"({"page_id":"1001","templates":[{"language":"en"}]})"),
            "templates[0].name");
  EXPECT_EQ(FieldOf("/__sandbox/messenger/templates",
                    R"({"page_id":"77","templates":[{"name":"a","language":"en"}]})", 404),
            "page_id");
  EXPECT_EQ(FieldOf("/__sandbox/messenger/tokens",
                    R"({"page_id":"1001","tokens":[{"token":"t","user_id":"u"}]})"),
            "tokens[0].expires_at");
  EXPECT_EQ(FieldOf("/__sandbox/messenger/tokens",
                    R"({"page_id":"1001","tokens":[{"token":"t","user_id":"u",
                        "expires_at":"2027-01-01T00:00:00Z","region":"Taiwan"}]})"),
            "tokens[0].region");
  EXPECT_EQ(FieldOf("/__sandbox/messenger/ad_accounts",
                    R"({"ad_account_id":"act_x","access_token":"a","business_region":"TW"})"),
            "ad_account_id");
  EXPECT_EQ(FieldOf("/__sandbox/messenger/ad_accounts",
                    R"({"ad_account_id":"act_1","access_token":"a","business_region":"TW",
                        "campaigns":[{"message_id":"1","page_id":"2002"}]})",
                    404),
            "campaigns[0].page_id");
  EXPECT_EQ(FieldOf("/__sandbox/messenger/ad_accounts",
                    R"({"ad_account_id":"1","access_token":"page-token-1001",
                        "business_region":"TW"})",
                    409),
            "access_token");
  EXPECT_EQ(Call("GET", "/__sandbox/messenger/tokens").status, 405);
  EXPECT_EQ(Call("POST", "/__sandbox/messenger/nothing", "{}").status, 404);
}

// --- Message objects: attachments, templates, buttons, quick replies (platforms.md 1.5, 3) --

class MessengerContentTest : public MarketingApiTest {
 protected:
  MessengerContentTest() {
    Interact(kPage, kUser, clock_.Now());
    Interact(kIgPage, kUser, clock_.Now());
  }

  static json::object Media(std::string_view type, std::string_view url) {
    return {{"attachment", {{"type", type}, {"payload", {{"url", url}, {"is_reusable", true}}}}}};
  }
  static json::object Template(json::object payload) {
    return {{"attachment", {{"type", "template"}, {"payload", std::move(payload)}}}};
  }
  static json::object WebUrl(std::string_view title = "Shop",
                             std::string_view url = "https://shop.example/1") {
    return {{"type", "web_url"}, {"url", url}, {"title", title}};
  }
  static json::object Postback(std::string_view title = "Talk", std::string_view payload = "P") {
    return {{"type", "postback"}, {"title", title}, {"payload", payload}};
  }
  static json::object ButtonTemplate(json::array buttons, std::string_view text = "Pick one") {
    return Template({{"template_type", "button"}, {"text", text}, {"buttons", std::move(buttons)}});
  }
  static json::object Element(std::string_view title = "Shoes") {
    return {{"title", title},
            {"subtitle", "Red"},
            {"image_url", "https://img.example/1.jpg"},
            {"buttons", json::array{WebUrl(), Postback()}}};
  }
  static json::object Generic(json::array elements) {
    return Template({{"template_type", "generic"}, {"elements", std::move(elements)}});
  }
  static json::object QuickReplies(json::array replies, std::string_view text = "Keen?") {
    return {{"text", text}, {"quick_replies", std::move(replies)}};
  }
  static json::object Reply(std::string_view title = "Yes", std::string_view payload = "Y") {
    return {{"content_type", "text"}, {"title", title}, {"payload", payload}};
  }
  static std::string Body(json::object message) {
    return json::serialize(json::object{{"recipient", {{"id", kUser}}},
                                        {"messaging_type", "UPDATE"},
                                        {"message", std::move(message)}});
  }
  GraphAnswer Messenger(json::object message) { return Send(Body(std::move(message))); }
  GraphAnswer Instagram(json::object message) {
    return Send(Body(std::move(message)), kIgPage, kIgToken);
  }
  // The refusal's message, checking that it is Graph's code 100.
  std::string Refusal(json::object message) {
    const GraphAnswer a = Messenger(std::move(message));
    EXPECT_EQ(a.status, 400) << json::serialize(a.body);
    if (a.status == 200) return {};
    EXPECT_EQ(a.code(), graph::kCodeInvalidParameter);
    return a.message();
  }
  static std::string Repeat(std::string_view s, std::size_t n) {
    std::string out;
    for (std::size_t i = 0; i < n; ++i) out += s;
    return out;
  }
};

TEST_F(MessengerContentTest, EveryKindIsAcceptedAndRecordedWithItsKindAndLayout) {
  const std::pair<json::object, std::pair<std::string_view, std::string_view>> cases[] = {
      {{{"text", "hi"}}, {"text", ""}},
      {Media("image", "https://cdn.example/a.jpg"), {"image", ""}},
      {Media("video", "https://cdn.example/a.mp4"), {"video", ""}},
      {Media("audio", "https://cdn.example/a.m4a"), {"audio", ""}},
      {Media("file", "https://cdn.example/a.pdf"), {"file", ""}},
      {ButtonTemplate({WebUrl(), Postback(), Postback("Stop", "crier:unsubscribe")}),
       {"card", "buttons"}},
      {Generic({Element(), json::object{{"title", "Hats"}}}), {"card", "carousel"}},
      {QuickReplies({Reply(), Reply("No", "N")}), {"card", "quick_replies"}},
  };
  for (const auto& [message, expected] : cases) {
    const GraphAnswer a = Messenger(message);
    ASSERT_EQ(a.status, 200) << json::serialize(message) << json::serialize(a.body);
  }
  const json::array items = Messages();
  ASSERT_EQ(items.size(), std::size(cases));
  for (std::size_t i = 0; i < items.size(); ++i) {
    const json::object& item = items[i].as_object();
    EXPECT_EQ(item.at("kind").as_string(), cases[i].second.first) << i;
    if (cases[i].second.second.empty()) {
      EXPECT_FALSE(item.contains("layout")) << i;
    } else {
      EXPECT_EQ(item.at("layout").as_string(), cases[i].second.second) << i;
    }
    EXPECT_EQ(item.at("message"), cases[i].first) << i;
  }
}

TEST_F(MessengerContentTest, AttachmentTypesAndTemplateTypesAreGraphs) {
  EXPECT_EQ(Refusal(Media("sticker", "https://cdn.example/a.png")),
            "(#100) Param message[attachment][type] must be one of {image, audio, video, file, "
            "template}");
  EXPECT_EQ(Refusal(Template({{"template_type", "list"}})),
            "(#100) Param message[attachment][payload][template_type] must be one of {button, "
            "generic, customer_feedback}");
  json::object no_payload{{"attachment", {{"type", "image"}}}};
  EXPECT_EQ(Refusal(no_payload), "(#100) Param message[attachment][payload] is required");
}

TEST_F(MessengerContentTest, MediaNeedsAnHttpsUrl) {
  EXPECT_EQ(Refusal(Media("image", "http://cdn.example/a.jpg")),
            "(#100) Param message[attachment][payload][url] must be a valid https URL");
  EXPECT_EQ(Refusal(Media("image", "")),
            "(#100) Param message[attachment][payload][url] must be a non-empty UTF-8 encoded "
            "string");
  EXPECT_EQ(Messenger(Media("image", "https://cdn.example/a.jpg")).status, 200);
}

TEST_F(MessengerContentTest, UnknownFieldsAreRefusedByName) {
  json::object media = Media("image", "https://cdn.example/a.jpg");
  media["attachment"].as_object()["payload"].as_object()["caption"] = "nice";
  EXPECT_EQ(Refusal(media),
            "(#100) Param message[attachment][payload][caption] is not a known field");
  json::object button = WebUrl();
  button["payload"] = "x";
  EXPECT_EQ(Refusal(ButtonTemplate({button})),
            "(#100) Param message[attachment][payload][buttons][0][payload] is not a known field");
  json::object reply = Reply();
  reply["url"] = "https://x.example";
  EXPECT_EQ(Refusal(QuickReplies({reply})),
            "(#100) Param message[quick_replies][0][url] is not a known field");
  EXPECT_EQ(Refusal({{"text", "hi"}, {"caption", "x"}}),
            "(#100) Param message[caption] is not a known field");
}

TEST_F(MessengerContentTest, TheButtonTemplateTakes640CharactersAndOneToThreeButtons) {
  EXPECT_EQ(Messenger(ButtonTemplate({WebUrl()}, Repeat("é", 640))).status, 200);
  EXPECT_EQ(Refusal(ButtonTemplate({WebUrl()}, Repeat("é", 641))),
            "(#100) Length of param message[attachment][payload][text] must be at most 640 "
            "characters");
  EXPECT_EQ(Messenger(ButtonTemplate({WebUrl(), Postback(), Postback()})).status, 200);
  EXPECT_EQ(Refusal(ButtonTemplate({WebUrl(), Postback(), Postback(), Postback()})),
            "(#100) Param message[attachment][payload][buttons] must have at most 3 items");
  EXPECT_EQ(Refusal(ButtonTemplate({})),
            "(#100) Param message[attachment][payload][buttons] must be a non-empty array");
}

TEST_F(MessengerContentTest, ButtonsHaveTwentyCharacterTitlesAndKnownTypes) {
  EXPECT_EQ(Messenger(ButtonTemplate({WebUrl(Repeat("b", 20))})).status, 200);
  EXPECT_EQ(Refusal(ButtonTemplate({WebUrl(Repeat("b", 21))})),
            "(#100) Length of param message[attachment][payload][buttons][0][title] must be at "
            "most 20 characters");
  EXPECT_EQ(Refusal(ButtonTemplate({WebUrl("Shop", "http://shop.example")})),
            "(#100) Param message[attachment][payload][buttons][0][url] must be a valid https URL");
  json::object call{{"type", "phone_call"}, {"title", "Call"}, {"payload", "+1"}};
  EXPECT_EQ(Refusal(ButtonTemplate({WebUrl(), call})),
            "(#100) Param message[attachment][payload][buttons][1][type] must be one of "
            "{web_url, postback}");
  EXPECT_EQ(Messenger(ButtonTemplate({Postback("Go", Repeat("p", 1000))})).status, 200);
  EXPECT_EQ(Refusal(ButtonTemplate({Postback("Go", Repeat("p", 1001))})),
            "(#100) Length of param message[attachment][payload][buttons][0][payload] must be at "
            "most 1000 characters");
  EXPECT_EQ(Refusal(ButtonTemplate({json::object{{"type", "postback"}, {"title", "Go"}}})),
            "(#100) Param message[attachment][payload][buttons][0][payload] is required");
}

TEST_F(MessengerContentTest, TheGenericTemplateTakesTenElementsOf80Characters) {
  json::array ten;
  for (int i = 0; i < 10; ++i) ten.push_back(Element());
  EXPECT_EQ(Messenger(Generic(ten)).status, 200);
  json::array eleven = ten;
  eleven.push_back(Element());
  EXPECT_EQ(Refusal(Generic(eleven)),
            "(#100) Param message[attachment][payload][elements] must have at most 10 items");
  EXPECT_EQ(Messenger(Generic({Element(Repeat("t", 80))})).status, 200);
  EXPECT_EQ(Refusal(Generic({Element(), Element(Repeat("t", 81))})),
            "(#100) Length of param message[attachment][payload][elements][1][title] must be at "
            "most 80 characters");
  json::object subtitle = Element();
  subtitle["subtitle"] = Repeat("s", 81);
  EXPECT_EQ(Refusal(Generic({subtitle})),
            "(#100) Length of param message[attachment][payload][elements][0][subtitle] must be "
            "at most 80 characters");
  json::object four = Element();
  four["buttons"] = json::array{WebUrl(), Postback(), Postback(), Postback()};
  EXPECT_EQ(Refusal(Generic({four})),
            "(#100) Param message[attachment][payload][elements][0][buttons] must have at most 3 "
            "items");
  json::object http = Element();
  http["image_url"] = "http://img.example/1.jpg";
  EXPECT_EQ(Refusal(Generic({http})),
            "(#100) Param message[attachment][payload][elements][0][image_url] must be a valid "
            "https URL");
  EXPECT_EQ(Refusal(Generic({json::object{{"subtitle", "x"}}})),
            "(#100) Param message[attachment][payload][elements][0][title] is required");
}

TEST_F(MessengerContentTest, QuickRepliesTakeThirteenTextRepliesWithPayloads) {
  json::array thirteen;
  for (int i = 0; i < 13; ++i) thirteen.push_back(Reply());
  EXPECT_EQ(Messenger(QuickReplies(thirteen)).status, 200);
  json::array fourteen = thirteen;
  fourteen.push_back(Reply());
  EXPECT_EQ(Refusal(QuickReplies(fourteen)), graph::kMsgTooManyQuickReplies);
  // A long title is cut on the phone, not refused.
  EXPECT_EQ(Messenger(QuickReplies({Reply(Repeat("t", 21))})).status, 200);
  EXPECT_EQ(Refusal(QuickReplies({Reply("Yes", Repeat("p", 1001))})),
            "(#100) Length of param message[quick_replies][0][payload] must be at most 1000 "
            "characters");
  EXPECT_EQ(Refusal(QuickReplies({json::object{{"content_type", "location"}}})),
            "(#100) Param message[quick_replies][0][content_type] must be one of {text, "
            "user_phone_number, user_email}");
  EXPECT_EQ(Refusal(QuickReplies({})),
            "(#100) Param message[quick_replies] must be a non-empty array");
}

TEST_F(MessengerContentTest, InstagramTakesMediaCarouselsAndQuickRepliesButNoButtonTemplate) {
  EXPECT_EQ(Instagram(Media("image", "https://cdn.example/a.jpg")).status, 200);
  EXPECT_EQ(Instagram(Generic({Element()})).status, 200);
  EXPECT_EQ(Instagram(QuickReplies({Reply()})).status, 200);
  const GraphAnswer buttons = Instagram(ButtonTemplate({WebUrl()}));
  EXPECT_EQ(buttons.code(), graph::kCodeInvalidParameter);
  EXPECT_EQ(buttons.subcode(), graph::kSubcodeInvalidMessageInstagram);
  EXPECT_EQ(buttons.message(), std::string(graph::kMsgInstagramInvalidMessage) + "button");
  const json::array items = Messages("?platform=instagram");
  ASSERT_EQ(items.size(), 3u);
  EXPECT_EQ(items[0].at("kind"), "image");
  EXPECT_EQ(items[1].at("layout"), "carousel");
  EXPECT_EQ(items[2].at("layout"), "quick_replies");
  EXPECT_EQ(PlatformStats("instagram").at("refused_by_code").at("100/2534015"), 1);
}

TEST_F(MessengerContentTest, TheMarketingMessageApiAppliesTheSendApiLimitsAndRecordsTheKind) {
  json::object web = WebUrl();
  web["title"] = Repeat("b", 21);
  EXPECT_EQ(SendMm(MmBody("sub-tw", "9001", ButtonTemplate({web}))).message(),
            "(#100) Length of param message[attachment][payload][buttons][0][title] must be at "
            "most 20 characters");
  EXPECT_EQ(SendMm(MmBody("sub-tw", "9001", Media("image", "https://cdn.example/a.jpg"))).status,
            200);
  const json::array items = Messages();
  ASSERT_EQ(items.size(), 1u);
  EXPECT_EQ(items[0].at("route"), "marketing_message_api");
  EXPECT_EQ(items[0].at("kind"), "image");
}

}  // namespace
}  // namespace crier::sandbox
