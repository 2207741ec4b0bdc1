// WhatsApp Cloud API: request shapes, templates per WABA, the send rules of platforms.md 8.3
// on both sides of each boundary, throughput, pair rate and the portfolio messaging limit.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "sandbox/sandbox_test_support.h"
#include "sandbox/whatsapp_rules.h"

namespace crier::sandbox {
namespace {

using std::chrono::hours;
using std::chrono::milliseconds;
using std::chrono::minutes;
using std::chrono::seconds;
using testing::At;
using testing::GraphAnswer;
using ::testing::HasSubstr;
using testing::Parse;
using ::testing::StartsWith;
namespace json = boost::json;
namespace wa = whatsapp;

constexpr std::string_view kNumber = "1100";
constexpr std::string_view kWaba = "2200";
constexpr std::string_view kBusiness = "3300";
constexpr std::string_view kToken = "wa-token";
constexpr std::string_view kTaiwan = "886912345678";  // opted in, wrote just now
constexpr std::string_view kUs = "16505551234";       // opted in, never wrote
constexpr std::string_view kNoOptIn = "886900000001";
constexpr std::string_view kStopped = "886900000002";  // opted in, stopped marketing
constexpr std::string_view kBsuid = "TW.13491208655302741918";
constexpr std::string_view kUsBsuid = "US.9988776655";

class WhatsAppTest : public testing::SandboxFixture {
 protected:
  WhatsAppTest() {
    Control("POST", "/__sandbox/whatsapp/phone_numbers",
            {{"phone_number_id", kNumber},
             {"waba_id", kWaba},
             {"business_id", kBusiness},
             {"access_token", kToken}},
            201);
    Control(
        "POST", "/__sandbox/whatsapp/templates",
        {{"waba_id", kWaba},
         {"templates",
          json::array{
              json::object{{"name", "order_update"},
                           {"language", "en_US"},
                           {"category", "UTILITY"},
                           {"body_params", 2}},
              json::object{{"name", "promo"},
                           {"language", "en_US"},
                           {"category", "MARKETING"},
                           {"header", {{"format", "IMAGE"}}},
                           {"body_params", 1},
                           {"buttons", json::array{json::object{{"type", "URL"}, {"dynamic", true}},
                                                   json::object{{"type", "QUICK_REPLY"}}}}},
              json::object{{"name", "otp"},
                           {"language", "en_US"},
                           {"category", "AUTHENTICATION"},
                           {"body_params", 1},
                           {"buttons", json::array{json::object{{"type", "COPY_CODE"}}}}},
              json::object{{"name", "paused_one"},
                           {"language", "en_US"},
                           {"category", "UTILITY"},
                           {"status", "PAUSED"}},
              json::object{{"name", "disabled_one"},
                           {"language", "en_US"},
                           {"category", "UTILITY"},
                           {"status", "DISABLED"}},
              json::object{{"name", "pending_one"},
                           {"language", "en_US"},
                           {"category", "UTILITY"},
                           {"status", "PENDING"}}}}});
    AddContacts(json::array{
        json::object{{"wa_id", kTaiwan},
                     {"user_id", kBsuid},
                     {"opted_in", true},
                     {"last_inbound_at", FormatRfc3339(clock_.Now())}},
        json::object{{"wa_id", kUs}, {"opted_in", true}},
        json::object{{"user_id", kUsBsuid}, {"opted_in", true}},
        json::object{{"wa_id", kNoOptIn}, {"last_inbound_at", FormatRfc3339(clock_.Now())}},
        json::object{{"wa_id", kStopped}, {"opted_in", true}, {"marketing_stopped", true}}});
  }

  void AddContacts(json::array contacts, std::string_view number = kNumber) {
    Control("POST", "/__sandbox/whatsapp/contacts",
            {{"phone_number_id", number}, {"contacts", std::move(contacts)}});
  }

  GraphAnswer Send(json::object body, std::string_view number = kNumber,
                   std::string_view token = kToken) {
    if (!body.contains("messaging_product")) body["messaging_product"] = "whatsapp";
    net::Headers headers;
    if (!token.empty()) headers.emplace_back("Authorization", "Bearer " + std::string(token));
    auto r = Call("POST", "/v23.0/" + std::string(number) + "/messages", json::serialize(body),
                  std::move(headers));
    return {r.status, Parse(r)};
  }

  static json::object Text(std::string_view to, std::string_view text = "hello") {
    return {{"to", to}, {"type", "text"}, {"text", {{"body", text}}}};
  }

  static json::object Template(std::string_view to, std::string_view name, json::array components,
                               std::string_view language = "en_US") {
    return {{"to", to},
            {"type", "template"},
            {"template",
             {{"name", name}, {"language", {{"code", language}}}, {"components", components}}}};
  }
  static json::array BodyParams(int n) {
    json::array params;
    for (int i = 0; i < n; ++i) params.push_back({{"type", "text"}, {"text", "v"}});
    return json::array{json::object{{"type", "body"}, {"parameters", params}}};
  }
  static json::object OrderUpdate(std::string_view to) {
    return Template(to, "order_update", BodyParams(2));
  }
  static json::object Promo(std::string_view to) {
    json::array components = BodyParams(1);
    components.push_back(
        {{"type", "header"},
         {"parameters",
          json::array{{{"type", "image"}, {"image", {{"link", "https://cdn.example/a.jpg"}}}}}}});
    components.push_back({{"type", "button"},
                          {"sub_type", "url"},
                          {"index", "0"},
                          {"parameters", json::array{{{"type", "text"}, {"text", "sale"}}}}});
    return Template(to, "promo", components);
  }

  static void ExpectError(const GraphAnswer& a, int http, int code, std::string_view details = {}) {
    EXPECT_EQ(a.status, http) << json::serialize(a.body);
    if (!a.body.contains("error")) return;
    EXPECT_EQ(a.code(), code) << json::serialize(a.body);
    EXPECT_EQ(a.type(), "OAuthException");
    EXPECT_FALSE(a.body.at("error").at("fbtrace_id").as_string().empty());
    if (!details.empty()) {
      EXPECT_THAT(a.details(), HasSubstr(std::string(details)));
    }
  }
};

// --- Success shape and the service window --------------------------------------------------

TEST_F(WhatsAppTest, FreeFormInsideTheWindowAnswersTheCloudApiBody) {
  clock_.Advance(hours(23) + minutes(59));
  json::object body = Text("+886 912-345-678");
  auto a = Send(body);
  ASSERT_EQ(a.status, 200) << json::serialize(a.body);
  EXPECT_EQ(a.body.at("messaging_product").as_string(), "whatsapp");
  ASSERT_EQ(a.body.at("contacts").as_array().size(), 1u);
  EXPECT_EQ(a.body.at("contacts").at(0).at("input").as_string(), "+886 912-345-678");
  EXPECT_EQ(a.body.at("contacts").at(0).at("wa_id").as_string(), kTaiwan);
  EXPECT_FALSE(a.body.at("contacts").at(0).as_object().contains("user_id"));
  const std::string id(a.body.at("messages").at(0).at("id").as_string());
  EXPECT_THAT(id, StartsWith("wamid."));
  EXPECT_EQ(a.body.at("messages").at(0).at("message_status").as_string(), "accepted");

  auto items = Messages("?platform=whatsapp");
  ASSERT_EQ(items.size(), 1u);
  EXPECT_EQ(items[0].at("account").as_string(), kNumber);
  EXPECT_EQ(items[0].at("recipient").as_string(), kTaiwan);
  EXPECT_EQ(items[0].at("route").as_string(), "standard_window");
  EXPECT_EQ(items[0].at("type").as_string(), "text");
  EXPECT_EQ(items[0].at("message_id").as_string(), id);
  EXPECT_EQ(items[0].at("body").at("text").at("body").as_string(), "hello");
  EXPECT_EQ(Messages("?platform=line").size(), 0u);
}

TEST_F(WhatsAppTest, FreeFormAfterTheWindowIs131047) {
  clock_.Advance(hours(24) + minutes(1));
  ExpectError(Send(Text(kTaiwan)), 400, wa::kCodeReengagement, wa::kDetailsReengagement);
  // A reaction is free-form too; a template is not.
  ExpectError(Send({{"to", kTaiwan},
                    {"type", "reaction"},
                    {"reaction", {{"message_id", "wamid.x"}, {"emoji", "👍"}}}}),
              400, wa::kCodeReengagement);
  EXPECT_EQ(Send(OrderUpdate(kTaiwan)).status, 200);
  EXPECT_EQ(PlatformStats("whatsapp").at("refused_by_code").at("131047").as_int64(), 2);
}

TEST_F(WhatsAppTest, WindowEndsExactlyAt24Hours) {
  clock_.Advance(hours(24) - milliseconds(1));
  EXPECT_EQ(Send(Text(kTaiwan)).status, 200);
  clock_.Advance(milliseconds(1));
  EXPECT_EQ(Send(Text(kTaiwan)).code(), wa::kCodeReengagement);
}

// --- Templates -----------------------------------------------------------------------------

TEST_F(WhatsAppTest, TemplateMustExistApprovedInThisWaba) {
  auto a = Send(Template(kUs, "nope", {}));
  ExpectError(a, 400, wa::kCodeTemplateMissing, "template name (nope) does not exist in en_US");
  ExpectError(Send(Template(kUs, "order_update", BodyParams(2), "vi")), 400,
              wa::kCodeTemplateMissing);
  ExpectError(Send(Template(kUs, "pending_one", {})), 400, wa::kCodeTemplateMissing);
  ExpectError(Send(Template(kUs, "paused_one", {})), 400, wa::kCodeTemplatePaused);
  ExpectError(Send(Template(kUs, "disabled_one", {})), 400, wa::kCodeTemplateDisabled);
  // A number of another WABA cannot use this WABA's templates (and vice versa).
  Control("POST", "/__sandbox/whatsapp/phone_numbers",
          {{"phone_number_id", "1101"}, {"waba_id", "2201"}, {"access_token", "wa-token-2"}}, 201);
  AddContacts(json::array{json::object{{"wa_id", kUs}, {"opted_in", true}}}, "1101");
  ExpectError(Send(OrderUpdate(kUs), "1101", "wa-token-2"), 400, wa::kCodeTemplateMissing);
  EXPECT_EQ(Send(OrderUpdate(kUs)).status, 200);
  auto items = Messages("?account=1100");
  ASSERT_EQ(items.size(), 1u);
  EXPECT_EQ(items[0].at("route").as_string(), "whatsapp_template");
  EXPECT_EQ(items[0].at("template").at("name").as_string(), "order_update");
  EXPECT_EQ(items[0].at("template").at("category").as_string(), "UTILITY");
}

TEST_F(WhatsAppTest, TemplateParametersMatchTheDefinition) {
  ExpectError(Send(Template(kUs, "order_update", BodyParams(1))), 400, wa::kCodeTemplateParamCount,
              "body: number of localizable_params (1) does not match the expected number of "
              "params (2)");
  ExpectError(Send(Template(kUs, "order_update", BodyParams(3))), 400, wa::kCodeTemplateParamCount);
  // Header: the IMAGE template given a text header.
  json::object promo = Promo(kUs);
  promo["template"].as_object()["components"].as_array()[1] = json::object{
      {"type", "header"}, {"parameters", json::array{{{"type", "text"}, {"text", "hi"}}}}};
  ExpectError(Send(promo), 400, wa::kCodeTemplateParamFormat, "expected image, received text");
  // The dynamic URL button needs its suffix.
  promo = Promo(kUs);
  promo["template"].as_object()["components"].as_array().pop_back();
  ExpectError(Send(promo), 400, wa::kCodeTemplateParamCount, "button 0");
  // A button index the template does not have.
  promo = Promo(kUs);
  promo["template"].as_object()["components"].as_array().push_back(
      {{"type", "button"},
       {"sub_type", "quick_reply"},
       {"index", "5"},
       {"parameters", json::array{{{"type", "payload"}, {"payload", "p"}}}}});
  ExpectError(Send(promo), 400, wa::kCodeTemplateParamCount);
  // A currency without amount_1000 is a missing parameter; a bad index an invalid value.
  json::object money =
      Template(kUs, "order_update",
               json::array{json::object{
                   {"type", "body"},
                   {"parameters",
                    json::array{{{"type", "text"}, {"text", "a"}},
                                {{"type", "currency"},
                                 {"currency", {{"fallback_value", "$1"}, {"code", "USD"}}}}}}}});
  ExpectError(Send(money), 400, wa::kCodeRequiredMissing, "amount_1000");
  promo = Promo(kUs);
  promo["template"].as_object()["components"].as_array()[2].as_object()["index"] = 0;
  ExpectError(Send(promo), 400, wa::kCodeInvalidValue, "index");
  // The quick reply's payload is optional; the whole thing goes through outside the window.
  clock_.Set(At("2025-03-01T00:00:00Z"));  // before the +1 block
  EXPECT_EQ(Send(Promo(kUs)).status, 200);
}

TEST_F(WhatsAppTest, TemplatesNeedARecordedOptIn) {
  ExpectError(Send(OrderUpdate(kNoOptIn)), 400, wa::kCodeUndeliverable, wa::kDetailsNoOptIn);
  AddContacts(json::array{json::object{{"wa_id", kNoOptIn}, {"opted_in", true}}});
  EXPECT_EQ(Send(OrderUpdate(kNoOptIn)).status, 200);
  // Free-form inside the window needs none: the person wrote first.
  AddContacts(json::array{json::object{{"wa_id", kNoOptIn}, {"opted_in", false}}});
  EXPECT_EQ(Send(Text(kNoOptIn)).status, 200);
}

TEST_F(WhatsAppTest, MarketingStopRefusesMarketingOnly) {
  clock_.Set(At("2025-03-01T00:00:00Z"));
  ExpectError(Send(Promo(kStopped)), 400, wa::kCodeMarketingStopped);
  EXPECT_EQ(Send(OrderUpdate(kStopped)).status, 200);
}

TEST_F(WhatsAppTest, MarketingToUsNumbersBlockedFromApril1_2025) {
  clock_.Set(wa::kUsMarketingBlockFrom - milliseconds(1));
  EXPECT_EQ(Send(Promo(kUs)).status, 200);
  clock_.Set(wa::kUsMarketingBlockFrom);
  ExpectError(Send(Promo(kUs)), 400, wa::kCodeEcosystem, "+1");
  // Utility templates still go; so do marketing ones to other countries.
  EXPECT_EQ(Send(OrderUpdate(kUs)).status, 200);
  EXPECT_EQ(Send(Promo(kTaiwan)).status, 200);
  // A US business-scoped id is a US recipient too.
  json::object by_bsuid = Promo("");
  by_bsuid.erase("to");
  by_bsuid["recipient"] = kUsBsuid;
  ExpectError(Send(by_bsuid), 400, wa::kCodeEcosystem);
}

// --- Business-scoped user ids --------------------------------------------------------------

TEST_F(WhatsAppTest, BsuidGoesThroughRecipientNeverTo) {
  json::object body = Text("");
  body.erase("to");
  body["recipient"] = kBsuid;
  auto a = Send(body);
  ASSERT_EQ(a.status, 200) << json::serialize(a.body);
  EXPECT_EQ(a.body.at("contacts").at(0).at("input").as_string(), kBsuid);
  EXPECT_EQ(a.body.at("contacts").at(0).at("user_id").as_string(), kBsuid);
  EXPECT_FALSE(a.body.at("contacts").at(0).as_object().contains("wa_id"));
  EXPECT_EQ(Messages().at(0).at("recipient").as_string(), kBsuid);
  // A BSUID in `to` is not a phone number.
  ExpectError(Send(Text(kBsuid)), 400, wa::kCodeInvalidParameter, "recipient");
  // `to` wins when both are given.
  body["to"] = kUs;
  clock_.Advance(hours(1));
  EXPECT_EQ(Send(body).code(), wa::kCodeReengagement) << "sent to the +1 number, not the BSUID";
  // Authentication templates need a phone number.
  json::object otp = Template(
      "", "otp",
      json::array{json::object{{"type", "body"},
                               {"parameters", json::array{{{"type", "text"}, {"text", "1234"}}}}},
                  json::object{{"type", "button"},
                               {"sub_type", "copy_code"},
                               {"index", "0"},
                               {"parameters",
                                json::array{{{"type", "coupon_code"}, {"coupon_code", "1234"}}}}}});
  otp.erase("to");
  otp["recipient"] = kBsuid;
  ExpectError(Send(otp), 400, wa::kCodeBsuidUnsupported);
  otp.erase("recipient");
  otp["to"] = kTaiwan;
  EXPECT_EQ(Send(otp).status, 200);
}

// --- Request shape ---------------------------------------------------------------------------

TEST_F(WhatsAppTest, TextLimitIs4096Characters) {
  std::string at_limit;
  for (int i = 0; i < 4096; ++i) at_limit += "\xC3\xA9";  // characters, not bytes
  EXPECT_EQ(Send(Text(kTaiwan, at_limit)).status, 200);
  ExpectError(Send(Text(kTaiwan, at_limit + "a")), 400, wa::kCodeInvalidValue,
              "text.body: must be at most 4096 characters");
  ExpectError(Send(Text(kTaiwan, "")), 400, wa::kCodeRequiredMissing, "text.body");
}

TEST_F(WhatsAppTest, InteractiveLimits) {
  auto buttons = [](int n, std::string title = "Yes") {
    json::array list;
    for (int i = 0; i < n; ++i) {
      list.push_back(
          {{"type", "reply"},
           {"reply", {{"id", "b" + std::to_string(i)}, {"title", title + std::to_string(i)}}}});
    }
    return json::object{
        {"to", kTaiwan},
        {"type", "interactive"},
        {"interactive",
         {{"type", "button"}, {"body", {{"text", "Pick one"}}}, {"action", {{"buttons", list}}}}}};
  };
  EXPECT_EQ(Send(buttons(3)).status, 200);
  ExpectError(Send(buttons(4)), 400, wa::kCodeInvalidValue, "interactive.action.buttons");
  EXPECT_EQ(Send(buttons(1, std::string(19, 'x'))).status, 200);  // 20 with the digit
  ExpectError(Send(buttons(1, std::string(20, 'x'))), 400, wa::kCodeInvalidValue, "title");

  auto list = [](int rows, std::size_t header = 5, std::size_t body = 5) {
    json::array r;
    for (int i = 0; i < rows; ++i) r.push_back({{"id", "r" + std::to_string(i)}, {"title", "Row"}});
    return json::object{
        {"to", kTaiwan},
        {"type", "interactive"},
        {"interactive",
         {{"type", "list"},
          {"header", {{"type", "text"}, {"text", std::string(header, 'h')}}},
          {"body", {{"text", std::string(body, 'b')}}},
          {"action",
           {{"button", "Choose"}, {"sections", json::array{{{"title", "S"}, {"rows", r}}}}}}}}};
  };
  EXPECT_EQ(Send(list(10)).status, 200);
  ExpectError(Send(list(11)), 400, wa::kCodeInvalidValue, "at most 10 rows");
  EXPECT_EQ(Send(list(1, 60, 1024)).status, 200);
  ExpectError(Send(list(1, 61)), 400, wa::kCodeInvalidValue, "interactive.header.text");
  ExpectError(Send(list(1, 5, 1025)), 400, wa::kCodeInvalidValue, "interactive.body.text");
}

TEST_F(WhatsAppTest, EnvelopeAndContentChecks) {
  json::object no_product = Text(kTaiwan);
  auto r = Call("POST", "/v23.0/1100/messages", json::serialize(no_product),
                {{"Authorization", "Bearer wa-token"}});
  EXPECT_EQ(r.status, 400);
  EXPECT_THAT(r.body, HasSubstr("messaging_product is required"));
  ExpectError(Send({{"to", kTaiwan}, {"type", "fax"}, {"fax", {}}}), 400, wa::kCodeInvalidParameter,
              "Param type must be one of");
  ExpectError(Send({{"to", kTaiwan}, {"type", "image"}}), 400, wa::kCodeRequiredMissing, "image");
  ExpectError(Send({{"to", kTaiwan}, {"type", "image"}, {"image", {{"link", "ftp://x"}}}}), 400,
              wa::kCodeInvalidValue, "image.link");
  ExpectError(
      Send({{"to", kTaiwan}, {"type", "audio"}, {"audio", {{"id", "m1"}, {"caption", "no"}}}}), 400,
      wa::kCodeInvalidValue, "audio.caption");
  ExpectError(Send({{"to", "12ab"}, {"type", "text"}, {"text", {{"body", "x"}}}}), 400,
              wa::kCodeInvalidParameter, "phone number");
  ExpectError(Send(Text("886999999999")), 400, wa::kCodeUndeliverable);
  EXPECT_EQ(Send({{"to", kTaiwan},
                  {"type", "location"},
                  {"location", {{"latitude", "25.03"}, {"longitude", 121.56}}}})
                .status,
            200);
}

TEST_F(WhatsAppTest, TokenMustBelongToTheNumbersWaba) {
  ExpectError(Send(Text(kTaiwan), kNumber, ""), 401, wa::kCodeAuth);
  ExpectError(Send(Text(kTaiwan), kNumber, "bogus"), 401, wa::kCodeAuth);
  Control("POST", "/__sandbox/whatsapp/phone_numbers",
          {{"phone_number_id", "1101"}, {"waba_id", "2201"}, {"access_token", "wa-token-2"}}, 201);
  ExpectError(Send(Text(kTaiwan), kNumber, "wa-token-2"), 403, wa::kCodePermission);
  auto r = Call("POST", "/v23.0/1100/messages?access_token=wa-token",
                R"({"messaging_product":"whatsapp","to":"886912345678","type":"text",
                    "text":{"body":"hi"}})");
  EXPECT_EQ(r.status, 200) << r.body;
}

// --- Rates and limits ------------------------------------------------------------------------

TEST_F(WhatsAppTest, ThroughputIs80MessagesPerSecondPerNumber) {
  json::array many;
  for (int i = 0; i < 81; ++i) {
    many.push_back({{"wa_id", "8869100" + std::to_string(10000 + i)},
                    {"last_inbound_at", FormatRfc3339(clock_.Now())}});
  }
  AddContacts(many);
  for (int i = 0; i < 80; ++i) {
    ASSERT_EQ(Send(Text("8869100" + std::to_string(10000 + i))).status, 200) << i;
  }
  ExpectError(Send(Text("886910010080")), 429, wa::kCodeThroughput, wa::kDetailsThroughput);
  clock_.Advance(milliseconds(13));  // one more message's worth at 80 per second
  EXPECT_EQ(Send(Text("886910010080")).status, 200);
  EXPECT_EQ(Send(Text("886910010080")).code(), wa::kCodeThroughput);
}

TEST_F(WhatsAppTest, PairRateIsOnePerSixSecondsWithABurstOf45) {
  Control("POST", "/__sandbox/whatsapp/phone_numbers",
          {{"phone_number_id", kNumber},
           {"waba_id", kWaba},
           {"access_token", kToken},
           {"throughput_mps", 1000}},
          201);
  for (int i = 0; i < 45; ++i) ASSERT_EQ(Send(Text(kTaiwan)).status, 200) << i;
  ExpectError(Send(Text(kTaiwan)), 429, wa::kCodePairRate, wa::kDetailsPairRate);
  // Another person is not held back.
  EXPECT_EQ(Send(Text(kNoOptIn)).status, 200);
  clock_.Advance(seconds(6) - milliseconds(1));
  EXPECT_EQ(Send(Text(kTaiwan)).code(), wa::kCodePairRate);
  clock_.Advance(milliseconds(1));
  EXPECT_EQ(Send(Text(kTaiwan)).status, 200);
  EXPECT_EQ(Send(Text(kTaiwan)).code(), wa::kCodePairRate);
}

TEST_F(WhatsAppTest, PortfolioMessagingLimitCountsUniqueUsersOutsideAWindow) {
  json::array many;
  for (int i = 0; i < 251; ++i) {
    many.push_back({{"wa_id", "8869200" + std::to_string(10000 + i)}, {"opted_in", true}});
  }
  AddContacts(many);
  // A second number of the same portfolio shares the budget.
  Control("POST", "/__sandbox/whatsapp/phone_numbers",
          {{"phone_number_id", "1102"},
           {"waba_id", kWaba},
           {"business_id", kBusiness},
           {"access_token", kToken}},
          201);
  AddContacts(many, "1102");
  for (int i = 0; i < 250; ++i) {
    clock_.Advance(milliseconds(20));  // under the throughput ceiling
    ASSERT_EQ(
        Send(OrderUpdate("8869200" + std::to_string(10000 + i)), i % 2 ? "1102" : kNumber).status,
        200)
        << i;
  }
  const std::string newcomer = "886920010250";
  ExpectError(Send(OrderUpdate(newcomer), "1102"), 429, wa::kCodeMessagingLimit, "messaging limit");
  // Someone already counted costs nothing; someone inside a window is not counted.
  EXPECT_EQ(Send(OrderUpdate("886920010000"), "1102").status, 200);
  EXPECT_EQ(Send(OrderUpdate(kTaiwan)).status, 200);
  // Raising the tier lets the newcomer in; so does the moving window on the old tier.
  Control("POST", "/__sandbox/whatsapp/businesses",
          {{"business_id", kBusiness}, {"messaging_limit", 2000}});
  EXPECT_EQ(Send(OrderUpdate(newcomer)).status, 200);
  Control("POST", "/__sandbox/whatsapp/businesses",
          {{"business_id", kBusiness}, {"messaging_limit", 250}});
  const std::string later = "886900000009";
  AddContacts(json::array{json::object{{"wa_id", later}, {"opted_in", true}}});
  EXPECT_EQ(Send(OrderUpdate(later)).code(), wa::kCodeMessagingLimit);
  clock_.Advance(hours(24));
  EXPECT_EQ(Send(OrderUpdate(later)).status, 200);
}

// --- Control endpoints -------------------------------------------------------------------

TEST_F(WhatsAppTest, ControlEndpointsNameTheBadField) {
  EXPECT_EQ(FieldOf("/__sandbox/whatsapp/phone_numbers", R"({"waba_id":"1","access_token":"t"})"),
            "phone_number_id");
  EXPECT_EQ(FieldOf("/__sandbox/whatsapp/phone_numbers",
                    R"({"phone_number_id":"9","waba_id":"9","access_token":"t",
                        "throughput_mps":0})"),
            "throughput_mps");
  EXPECT_EQ(FieldOf("/__sandbox/whatsapp/phone_numbers",
                    R"({"phone_number_id":"9","waba_id":"9","access_token":"wa-token"})", 409),
            "access_token");
  EXPECT_EQ(
      FieldOf("/__sandbox/whatsapp/businesses", R"({"business_id":"3300","messaging_limit":1000})"),
      "messaging_limit");
  EXPECT_EQ(FieldOf("/__sandbox/whatsapp/templates",
                    R"({"waba_id":"2200","templates":[{"name":"a","language":"en"}]})"),
            "templates[0].category");
  EXPECT_EQ(FieldOf("/__sandbox/whatsapp/templates",
                    R"({"waba_id":"2200","templates":[{"name":"a","language":"en",
                        "category":"UTILITY","buttons":[{"type":"CALL"}]}]})"),
            "templates[0].buttons[0].type");
  EXPECT_EQ(FieldOf("/__sandbox/whatsapp/templates", R"({"waba_id":"404","templates":[]})", 404),
            "waba_id");
  EXPECT_EQ(FieldOf("/__sandbox/whatsapp/contacts",
                    R"({"phone_number_id":"1100","contacts":[{"opted_in":true}]})"),
            "contacts[0]");
  EXPECT_EQ(FieldOf("/__sandbox/whatsapp/contacts",
                    R"({"phone_number_id":"1100","contacts":[{"wa_id":"886912345678"},
                                                             {"user_id":"tw.1"}]})"),
            "contacts[1].user_id");
  // A Page id and a phone-number id are both Graph ids: one cannot be the other.
  Control("POST", "/__sandbox/pages", {{"page_id", "4004"}, {"access_token", "p4004"}}, 201);
  EXPECT_EQ(FieldOf("/__sandbox/whatsapp/phone_numbers",
                    R"({"phone_number_id":"4004","waba_id":"9","access_token":"t9"})", 409),
            "phone_number_id");
  EXPECT_EQ(FieldOf("/__sandbox/pages", R"({"page_id":"1100","access_token":"p1100"})", 409),
            "page_id");
}

// --- Media and cards as crier sends them --------------------------------------------------

json::object Interactive(json::object interactive) {
  return {{"to", kTaiwan}, {"type", "interactive"}, {"interactive", std::move(interactive)}};
}

json::object CtaUrl(std::string_view label = "Shop now",
                    std::string_view url = "https://s.example/") {
  return {
      {"type", "cta_url"},
      {"header", {{"type", "text"}, {"text", "Spring"}}},
      {"body", {{"text", "New in"}}},
      {"action", {{"name", "cta_url"}, {"parameters", {{"display_text", label}, {"url", url}}}}}};
}

TEST_F(WhatsAppTest, EveryKindCrierSendsIsAcceptedAndRecordedWithItsKind) {
  const json::object sends[] = {
      {{"to", kTaiwan},
       {"type", "image"},
       {"image", {{"link", "https://cdn.example/a.jpg"}, {"caption", "New"}}}},
      {{"to", kTaiwan}, {"type", "video"}, {"video", {{"link", "https://cdn.example/v.mp4"}}}},
      {{"to", kTaiwan}, {"type", "audio"}, {"audio", {{"link", "https://cdn.example/a.ogg"}}}},
      {{"to", kTaiwan},
       {"type", "document"},
       {"document",
        {{"link", "https://cdn.example/f.pdf"}, {"caption", "Invoice"}, {"filename", "f.pdf"}}}},
      Interactive({{"type", "button"},
                   {"header", {{"type", "image"}, {"image", {{"link", "https://cdn.example/h"}}}}},
                   {"body", {{"text", "Pick"}}},
                   {"footer", {{"text", "f"}}},
                   {"action",
                    {{"buttons",
                      json::array{{{"type", "reply"},
                                   {"reply", {{"id", "crier:subscribe"}, {"title", "Join"}}}}}}}}}),
      Interactive(CtaUrl()),
      Interactive({{"type", "list"},
                   {"body", {{"text", "Menu"}}},
                   {"action",
                    {{"button", "Open"},
                     {"sections", json::array{{{"rows", json::array{{{"id", "r1"},
                                                                     {"title", "One"},
                                                                     {"description", "d"}}}}}}}}}}),
  };
  for (const json::object& body : sends) {
    EXPECT_EQ(Send(body).status, 200) << json::serialize(body);
  }
  auto items = Messages("?platform=whatsapp");
  ASSERT_EQ(items.size(), 7u);
  const std::pair<std::string_view, std::string_view> want[] = {
      {"image", ""},      {"video", ""},       {"audio", ""},   {"file", ""},
      {"card", "button"}, {"card", "cta_url"}, {"card", "list"}};
  for (std::size_t i = 0; i < items.size(); ++i) {
    EXPECT_EQ(items[i].at("kind").as_string(), want[i].first) << i;
    if (want[i].second.empty()) {
      EXPECT_FALSE(items[i].as_object().contains("interactive")) << i;
    } else {
      EXPECT_EQ(items[i].at("interactive").as_string(), want[i].second) << i;
    }
  }
  EXPECT_EQ(items[3].at("type").as_string(), "document");
  EXPECT_EQ(
      items[5].at("body").at("interactive").at("action").at("parameters").at("url").as_string(),
      "https://s.example/");
}

TEST_F(WhatsAppTest, ACallToActionUrlIsCheckedAsMetaDocumentsIt) {
  EXPECT_EQ(Send(Interactive(CtaUrl(std::string(20, 'x')))).status, 200);
  ExpectError(Send(Interactive(CtaUrl(std::string(21, 'x')))), 400, wa::kCodeInvalidValue,
              "interactive.action.parameters.display_text");
  ExpectError(Send(Interactive(CtaUrl("Shop", "ftp://s.example/"))), 400, wa::kCodeInvalidValue,
              "interactive.action.parameters.url");
  ExpectError(Send(Interactive(CtaUrl("Shop", ""))), 400, wa::kCodeRequiredMissing,
              "interactive.action.parameters.url");
  json::object wrong_name = CtaUrl();
  wrong_name["action"].as_object()["name"] = "flow";
  ExpectError(Send(Interactive(wrong_name)), 400, wa::kCodeInvalidValue, "interactive.action.name");
  json::object no_body = CtaUrl();
  no_body.erase("body");
  ExpectError(Send(Interactive(no_body)), 400, wa::kCodeRequiredMissing, "interactive.body");
}

TEST_F(WhatsAppTest, UnknownKeysAreRefusedWhereCrierWrites) {
  json::object top = Text(kTaiwan);
  top["image"] = json::object{{"link", "https://cdn.example/a.jpg"}};
  ExpectError(Send(top), 400, wa::kCodeInvalidParameter, "Unexpected key \"image\"");
  ExpectError(Send({{"to", kTaiwan},
                    {"type", "image"},
                    {"image", {{"link", "https://cdn.example/a.jpg"}, {"alt", "x"}}}}),
              400, wa::kCodeInvalidParameter, "Unexpected key \"alt\" on param \"image\"");
  ExpectError(Send({{"to", kTaiwan},
                    {"type", "image"},
                    {"image", {{"link", "https://cdn.example/a.jpg"}, {"filename", "a.jpg"}}}}),
              400, wa::kCodeInvalidValue, "image.filename");
  json::object cta = CtaUrl();
  cta["action"].as_object()["parameters"].as_object()["payload"] = "x";
  ExpectError(Send(Interactive(cta)), 400, wa::kCodeInvalidParameter,
              "on param \"interactive.action.parameters\"");
  json::object extra = CtaUrl();
  extra["buttons"] = json::array{};
  ExpectError(Send(Interactive(extra)), 400, wa::kCodeInvalidParameter,
              "Unexpected key \"buttons\" on param \"interactive\"");
  json::object reply{
      {"type", "button"},
      {"body", {{"text", "Pick"}}},
      {"action",
       {{"buttons", json::array{{{"type", "reply"},
                                 {"reply", {{"id", "a"}, {"title", "A"}, {"payload", "a"}}}}}}}}};
  ExpectError(Send(Interactive(reply)), 400, wa::kCodeInvalidParameter,
              "on param \"interactive.action.buttons[0].reply\"");
}

TEST_F(WhatsAppTest, ReplyButtonsAndListsRefuseWhatTheCloudApiRefuses) {
  auto buttons = [](json::array list) {
    return Interactive(
        {{"type", "button"}, {"body", {{"text", "Pick"}}}, {"action", {{"buttons", list}}}});
  };
  auto reply = [](std::string_view id, std::string_view title) {
    return json::object{{"type", "reply"}, {"reply", {{"id", id}, {"title", title}}}};
  };
  EXPECT_EQ(Send(buttons({reply("a", "A"), reply("b", "B")})).status, 200);
  ExpectError(Send(buttons({reply("a", "A"), reply("a", "B")})), 400, wa::kCodeInvalidValue,
              "buttons[1].reply.id: must be unique");
  ExpectError(Send(buttons({reply("a", "A"), reply("b", "A")})), 400, wa::kCodeInvalidValue,
              "buttons[1].reply.title: must be unique");
  EXPECT_EQ(Send(buttons({reply(std::string(256, 'i'), "A")})).status, 200);
  ExpectError(Send(buttons({reply(std::string(257, 'i'), "A")})), 400, wa::kCodeInvalidValue,
              "buttons[0].reply.id");

  auto list = [](json::array sections, json::object header = {}) {
    json::object in{{"type", "list"},
                    {"body", {{"text", "Menu"}}},
                    {"action", {{"button", "Open"}, {"sections", std::move(sections)}}}};
    if (!header.empty()) in["header"] = std::move(header);
    return Interactive(std::move(in));
  };
  auto row = [](std::string id) { return json::object{{"id", std::move(id)}, {"title", "Row"}}; };
  EXPECT_EQ(Send(list({{{"title", "A"}, {"rows", json::array{row("1")}}},
                       {{"title", "B"}, {"rows", json::array{row("2")}}}}))
                .status,
            200);
  ExpectError(Send(list({{{"title", "A"}, {"rows", json::array{row("1")}}},
                         {{"title", "B"}, {"rows", json::array{row("1")}}}})),
              400, wa::kCodeInvalidValue, "sections[1].rows[0].id: must be unique");
  ExpectError(Send(list({{{"rows", json::array{row("1")}}}, {{"rows", json::array{row("2")}}}})),
              400, wa::kCodeRequiredMissing, "sections[0].title");
  // Eleven rows across two sections: ten in all is the most.
  json::array six;
  json::array five;
  for (int i = 0; i < 6; ++i) six.push_back(row("a" + std::to_string(i)));
  for (int i = 0; i < 5; ++i) five.push_back(row("b" + std::to_string(i)));
  ExpectError(Send(list({{{"title", "A"}, {"rows", six}}, {{"title", "B"}, {"rows", five}}})), 400,
              wa::kCodeInvalidValue, "at most 10 rows");
  five.pop_back();
  EXPECT_EQ(Send(list({{{"title", "A"}, {"rows", six}}, {{"title", "B"}, {"rows", five}}})).status,
            200);
  // A list's header is text only.
  EXPECT_EQ(
      Send(list({{{"rows", json::array{row("1")}}}}, {{"type", "text"}, {"text", "H"}})).status,
      200);
  ExpectError(Send(list({{{"rows", json::array{row("1")}}}},
                        {{"type", "image"}, {"image", {{"link", "https://cdn.example/h"}}}})),
              400, wa::kCodeInvalidValue, "interactive.header.type");
}

}  // namespace
}  // namespace crier::sandbox
