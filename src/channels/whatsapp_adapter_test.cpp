#include "channels/whatsapp_adapter.h"

#include "channels/content.h"

#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <string>

#include "channels/content.h"

namespace crier::channels {
namespace {

constexpr char kToken[] = "EAAGwhatsappTOKEN1234567890abcdefghijklmnopqrstuvwxyz";

ChannelAccount Account() {
  ChannelAccount a;
  a.platform = Platform::kWhatsApp;
  a.external_id = "106540352242922";
  a.access_token = kToken;
  a.api_base_url = "http://127.0.0.1:8802/";
  a.api_version = "v23.0";
  return a;
}

RecipientRef To(std::string id) {
  RecipientRef r;
  r.platform_user_id = std::move(id);
  r.name = "Ann";
  return r;
}

const SendContext kWindow{{RouteKind::kStandardWindow, {}, {}}, {}};
Message Text(std::string text) { return Message{MessageKind::kText, std::move(text)}; }

TransportResult Answer(int status, std::string body) {
  TransportResult r;
  r.status = status;
  r.body = std::move(body);
  r.request_sent = true;
  return r;
}

std::string GraphError(int code, const std::string& extra = "") {
  return R"({"error":{"message":"m","type":"OAuthException","code":)" + std::to_string(code) +
         extra + R"(,"fbtrace_id":"A1"}})";
}

TEST(WhatsAppAdapterTest, BuildsATextMessageToAPhoneNumber) {
  const WhatsAppAdapter adapter;
  const auto req = adapter.BuildSend(Account(), To("16505551234"), kWindow, Text("Hi"));
  EXPECT_EQ(req.method, "POST");
  EXPECT_EQ(req.url, "http://127.0.0.1:8802/v23.0/106540352242922/messages");
  ASSERT_EQ(req.headers.size(), 2u);
  EXPECT_EQ(net::FindHeader(req.headers, "Authorization"), std::string("Bearer ") + kToken);
  EXPECT_EQ(net::FindHeader(req.headers, "Content-Type"), "application/json");
  EXPECT_EQ(req.body,
            R"({"messaging_product":"whatsapp","recipient_type":"individual","to":"16505551234",)"
            R"("type":"text","text":{"body":"Hi"}})");
}

TEST(WhatsAppAdapterTest, ABusinessScopedIdGoesInRecipientNeverInTo) {
  const WhatsAppAdapter adapter;
  const auto req = adapter.BuildSend(Account(), To("US.13491208655302741918"), kWindow, Text("Hi"));
  EXPECT_EQ(req.body,
            R"({"messaging_product":"whatsapp","recipient_type":"individual",)"
            R"("recipient":"US.13491208655302741918","type":"text","text":{"body":"Hi"}})");
}

TEST(WhatsAppAdapterTest, BusinessScopedIdsAreToldFromPhoneNumbers) {
  EXPECT_TRUE(IsBusinessScopedUserId("US.13491208655302741918"));
  EXPECT_TRUE(IsBusinessScopedUserId("TW.a1"));
  EXPECT_FALSE(IsBusinessScopedUserId("16505551234"));
  EXPECT_FALSE(IsBusinessScopedUserId("+16505551234"));
  EXPECT_FALSE(IsBusinessScopedUserId("us.1349"));
  EXPECT_FALSE(IsBusinessScopedUserId("US."));
  EXPECT_FALSE(IsBusinessScopedUserId("US.12-3"));
  EXPECT_FALSE(IsBusinessScopedUserId("USA.123"));
}

TEST(WhatsAppAdapterTest, PreviewUrlOnlyWhenTheTextHasALink) {
  const WhatsAppAdapter adapter;
  for (const std::string text : {"see https://example.com/x", "HTTP://EXAMPLE.COM", "http://a"}) {
    EXPECT_NE(adapter.BuildSend(Account(), To("1"), kWindow, Text(text))
                  .body.find(R"("text":{"preview_url":true,"body":)"),
              std::string::npos)
        << text;
  }
  for (const std::string text : {"no link here", "https:/broken", "httpx://a", "http"}) {
    EXPECT_EQ(adapter.BuildSend(Account(), To("1"), kWindow, Text(text)).body.find("preview_url"),
              std::string::npos)
        << text;
  }
}

TEST(WhatsAppAdapterTest, TextAndIdsAreEscaped) {
  const WhatsAppAdapter adapter;
  const std::string text = "Hi \"Ann\" \\ 50%\nline\t🎉 中文 \x01";
  const std::string id = R"(1","type":"template)";
  const auto req = adapter.BuildSend(Account(), To(id), kWindow, Text(text));
  const auto body = boost::json::parse(req.body).as_object();
  EXPECT_EQ(body.at("to").as_string(), id);
  EXPECT_EQ(body.at("type").as_string(), "text");
  EXPECT_EQ(body.at("text").at("body").as_string(), text);
  EXPECT_EQ(req.body.find(kToken), std::string::npos);
}

WhatsAppTemplate OrderTemplate() {
  using P = TemplateParameter::Type;
  WhatsAppTemplate t;
  t.name = "order_update";
  t.language = "en_US";
  t.components.push_back(
      {TemplateComponent::Type::kHeader, "", 0, {{P::kImage, "https://example.com/a.jpg", "", 0}}});
  t.components.push_back({TemplateComponent::Type::kBody,
                          "",
                          0,
                          {{P::kText, "Ann \"A\"", "", 0},
                           {P::kCurrency, "$100.99", "USD", 100990},
                           {P::kDateTime, "February 25, 1977", "", 0}}});
  t.components.push_back(
      {TemplateComponent::Type::kButton, "quick_reply", 0, {{P::kPayload, "OK", "", 0}}});
  t.components.push_back(
      {TemplateComponent::Type::kButton, "url", 1, {{P::kText, "ord/42", "", 0}}});
  return t;
}

TEST(WhatsAppAdapterTest, BuildsATemplateBodyFromItsDescription) {
  const WhatsAppAdapter adapter;
  const WhatsAppTemplate t = OrderTemplate();
  ASSERT_TRUE(ValidateTemplate(t).ok());
  const auto req = adapter.BuildTemplateSend(Account(), To("16505551234"), t);
  EXPECT_EQ(req.url, "http://127.0.0.1:8802/v23.0/106540352242922/messages");
  EXPECT_EQ(
      req.body,
      R"({"messaging_product":"whatsapp","recipient_type":"individual","to":"16505551234",)"
      R"("type":"template","template":{"name":"order_update",)"
      R"("language":{"policy":"deterministic","code":"en_US"},"components":[)"
      R"({"type":"header","parameters":[{"type":"image","image":{"link":"https://example.com/a.jpg"}}]},)"
      R"({"type":"body","parameters":[{"type":"text","text":"Ann \"A\""},)"
      R"({"type":"currency","currency":{"fallback_value":"$100.99","code":"USD","amount_1000":100990}},)"
      R"({"type":"date_time","date_time":{"fallback_value":"February 25, 1977"}}]},)"
      R"({"type":"button","sub_type":"quick_reply","index":"0","parameters":[{"type":"payload","payload":"OK"}]},)"
      R"({"type":"button","sub_type":"url","index":"1","parameters":[{"type":"text","text":"ord/42"}]}]}})");
}

TEST(WhatsAppAdapterTest, ATemplateWithoutParametersHasNoComponents) {
  const WhatsAppAdapter adapter;
  const auto req = adapter.BuildTemplateSend(Account(), To("1"), {"hello_world", "en_US", {}});
  EXPECT_EQ(req.body, R"({"messaging_product":"whatsapp","recipient_type":"individual","to":"1",)"
                      R"("type":"template","template":{"name":"hello_world",)"
                      R"("language":{"policy":"deterministic","code":"en_US"}}})");
}

TEST(WhatsAppAdapterTest, TemplateValidationNamesTheField) {
  using P = TemplateParameter::Type;
  WhatsAppTemplate t = OrderTemplate();
  t.components[3].index = 10;
  auto s = ValidateTemplate(t);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().field, "template.components[3].index");
  t.components[3].index = 9;
  EXPECT_TRUE(ValidateTemplate(t).ok());
  t.components[3].index = -1;
  EXPECT_FALSE(ValidateTemplate(t).ok());

  t = OrderTemplate();
  t.components[1].parameters[1].currency_code = "";
  s = ValidateTemplate(t);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().field, "template.components[1].parameters[1].currency.code");

  t = OrderTemplate();
  t.components[2].parameters[0].type = P::kText;  // quick_reply takes a payload
  s = ValidateTemplate(t);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().field, "template.components[2].parameters[0].type");

  t = OrderTemplate();
  t.components[1].parameters[0].type = P::kImage;  // body takes text, currency, date_time
  EXPECT_FALSE(ValidateTemplate(t).ok());

  t = OrderTemplate();
  t.components[2].sub_type = "call";
  EXPECT_EQ(ValidateTemplate(t).error().field, "template.components[2].sub_type");

  EXPECT_EQ(ValidateTemplate({"", "en_US", {}}).error().field, "template.name");
  EXPECT_EQ(ValidateTemplate({"x", "", {}}).error().field, "template.language");
}

Message TemplateMessageOf(std::vector<std::string> header, std::vector<std::string> body) {
  Message m;
  m.kind = MessageKind::kTemplate;
  m.template_message.name = "order_update";
  m.template_message.language = "zh_TW";
  m.template_message.category = TemplateCategory::kUtility;
  m.template_message.header_parameters = std::move(header);
  m.template_message.body_parameters = std::move(body);
  return m;
}

TEST(WhatsAppAdapterTest, ATemplateMessageIsSentAsATemplateWhateverTheRoute) {
  const WhatsAppAdapter adapter;
  const Message m = TemplateMessageOf({"Ann"}, {"A-1", "12:00"});
  const std::string expected =
      R"({"messaging_product":"whatsapp","recipient_type":"individual","to":"886912345678",)"
      R"("type":"template","template":{"name":"order_update",)"
      R"("language":{"policy":"deterministic","code":"zh_TW"},"components":[)"
      R"({"type":"header","parameters":[{"type":"text","text":"Ann"}]},)"
      R"({"type":"body","parameters":[{"type":"text","text":"A-1"},{"type":"text","text":"12:00"}]}]}})";
  const SendContext template_route{{RouteKind::kWhatsAppTemplate, {}, {}}, {}};
  auto req = adapter.BuildSend(Account(), To("886912345678"), template_route, m);
  EXPECT_EQ(req.url, "http://127.0.0.1:8802/v23.0/106540352242922/messages");
  EXPECT_EQ(req.body, expected);
  // Inside the window the route is standard_window, and the content still decides the body.
  EXPECT_EQ(adapter.BuildSend(Account(), To("886912345678"), kWindow, m).body, expected);
}

TEST(WhatsAppAdapterTest, OnlyTheComponentsWithParametersAreNamed) {
  const WhatsAppAdapter adapter;
  const SendContext route{{RouteKind::kWhatsAppTemplate, {}, {}}, {}};
  EXPECT_EQ(adapter.BuildSend(Account(), To("1"), route, TemplateMessageOf({}, {"A-1"})).body,
            R"({"messaging_product":"whatsapp","recipient_type":"individual","to":"1",)"
            R"("type":"template","template":{"name":"order_update",)"
            R"("language":{"policy":"deterministic","code":"zh_TW"},"components":[)"
            R"({"type":"body","parameters":[{"type":"text","text":"A-1"}]}]}})");
  EXPECT_EQ(adapter.BuildSend(Account(), To("1"), route, TemplateMessageOf({}, {})).body,
            R"({"messaging_product":"whatsapp","recipient_type":"individual","to":"1",)"
            R"("type":"template","template":{"name":"order_update",)"
            R"("language":{"policy":"deterministic","code":"zh_TW"}}})");
}

// A template message as the registry leaves it: an image header, a quick reply that
// unsubscribes, a fixed URL button (nothing sent), a URL button with a suffix, a bot flow.
Message RegistryTemplateMessage() {
  Message m = TemplateMessageOf({"https://cdn.example/{{contact.attr.sku}}.png"}, {"A-1"});
  TemplateMessage& t = m.template_message;
  t.header_kind = TemplateHeaderKind::kImage;
  t.button_parameters = {"order/{{contact.attr.order}}"};
  t.buttons = {{0, TemplateButtonType::kQuickReply, "crier:unsubscribe"},
               {2, TemplateButtonType::kUrl, ""},
               {3, TemplateButtonType::kQuickReply, "MENU"}};
  return m;
}

TEST(WhatsAppAdapterTest, SendsTheRegistrysButtonsAndAMediaHeader) {
  const WhatsAppAdapter adapter;
  const SendContext route{{RouteKind::kWhatsAppTemplate, {}, {}}, {}};
  const Message m = RegistryTemplateMessage();
  ASSERT_TRUE(adapter.ValidateMessage(m).ok());
  EXPECT_EQ(adapter.BuildSend(Account(), To("1"), route, m).body,
            R"({"messaging_product":"whatsapp","recipient_type":"individual","to":"1",)"
            R"("type":"template","template":{"name":"order_update",)"
            R"("language":{"policy":"deterministic","code":"zh_TW"},"components":[)"
            R"({"type":"header","parameters":[{"type":"image","image":)"
            R"({"link":"https://cdn.example/{{contact.attr.sku}}.png"}}]},)"
            R"({"type":"body","parameters":[{"type":"text","text":"A-1"}]},)"
            R"({"type":"button","sub_type":"quick_reply","index":"0","parameters":)"
            R"([{"type":"payload","payload":"crier:unsubscribe"}]},)"
            R"({"type":"button","sub_type":"url","index":"2","parameters":)"
            R"([{"type":"text","text":"order/{{contact.attr.order}}"}]},)"
            R"({"type":"button","sub_type":"quick_reply","index":"3","parameters":)"
            R"([{"type":"payload","payload":"MENU"}]}]}})");
}

TEST(WhatsAppAdapterTest, PersonalisesTheUrlSuffixAndTheMediaLink) {
  const WhatsAppAdapter adapter;
  const Message m = RegistryTemplateMessage();
  auto compiled = CompileMessage(Platform::kWhatsApp, m, 0);
  ASSERT_TRUE(compiled.ok()) << compiled.error().ToString();
  Contact ann;
  ann.attributes = {{"order", std::string("A\"42")}, {"sku", std::string("sku-9")}};
  RecipientRef to = To("1");
  to.contact = &ann;
  const SendContext route{{RouteKind::kWhatsAppTemplate, {}, {}}, {}, &*compiled};
  const std::string body = adapter.BuildSend(Account(), to, route, m).body;
  EXPECT_NE(body.find(R"({"link":"https://cdn.example/sku-9.png"})"), std::string::npos) << body;
  EXPECT_NE(body.find(R"("index":"2","parameters":[{"type":"text","text":"order/A\"42"}])"),
            std::string::npos)
      << body;
  // The payloads are the registry's, never personalised.
  EXPECT_NE(body.find(R"("payload":"MENU")"), std::string::npos);
}

TEST(WhatsAppAdapterTest, AUrlButtonWithoutItsSuffixIsRefusedBeforeAnyRequest) {
  const WhatsAppAdapter adapter;
  Message m = RegistryTemplateMessage();
  m.template_message.button_parameters.clear();
  const Status s = adapter.ValidateMessage(m);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().field, "template.components[3].parameters[0]");
}

TEST(WhatsAppAdapterTest, ATemplateMessageIsValidatedAsTheTemplateItBecomes) {
  const WhatsAppAdapter adapter;
  EXPECT_TRUE(adapter.ValidateMessage(Text("")).ok()) << "text is the API's to check";
  EXPECT_TRUE(adapter.ValidateMessage(TemplateMessageOf({"Ann"}, {"A-1"})).ok());
  EXPECT_TRUE(adapter.ValidateMessage(TemplateMessageOf({}, {})).ok());
  // Components are numbered as sent: the header first when it has parameters.
  Status s = adapter.ValidateMessage(TemplateMessageOf({"Ann"}, {"A-1", ""}));
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().field, "template.components[1].parameters[1]");
  s = adapter.ValidateMessage(TemplateMessageOf({}, {""}));
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().field, "template.components[0].parameters[0]");
  Message nameless = TemplateMessageOf({}, {});
  nameless.template_message.name.clear();
  EXPECT_EQ(adapter.ValidateMessage(nameless).error().field, "template.name");
}

TEST(WhatsAppAdapterTest, SuccessCarriesTheWamid) {
  const WhatsAppAdapter adapter;
  const auto r = adapter.Classify(Answer(
      200,
      R"({"messaging_product":"whatsapp","contacts":[{"input":"+16505551234","wa_id":"16505551234"}],)"
      R"("messages":[{"id":"wamid.HBgLMTY1MDM4Nzk0MzkVAgARGBI3","message_status":"accepted"}]})"));
  EXPECT_TRUE(r.sent);
  EXPECT_EQ(r.platform_message_id, "wamid.HBgLMTY1MDM4Nzk0MzkVAgARGBI3");
  EXPECT_EQ(r.platform_status, "");
}

TEST(WhatsAppAdapterTest, HeldAndPausedAreNoted) {
  const WhatsAppAdapter adapter;
  for (const std::string status : {"held_for_quality_assessment", "paused"}) {
    const auto r = adapter.Classify(
        Answer(200, R"({"messages":[{"id":"wamid.X","message_status":")" + status + "\"}]}"));
    EXPECT_TRUE(r.sent);
    EXPECT_EQ(r.platform_status, status);
  }
}

TEST(WhatsAppAdapterTest, ASuccessWithoutWamidIsNotRetried) {
  const WhatsAppAdapter adapter;
  for (const std::string body : {"{}", R"({"messages":[]})", "not json", R"({"messages":[{}]})"}) {
    const auto r = adapter.Classify(Answer(200, body));
    EXPECT_FALSE(r.sent);
    EXPECT_EQ(r.error_class, ErrorClass::kInvalidRequest) << body;
    EXPECT_EQ(r.error_code, "bad_response");
  }
}

struct CodeRow {
  const char* section;
  int code;
  int http;
  ErrorClass expected;
};

// Every code of platforms.md 4.6 and 4.7.
constexpr CodeRow kCodes[] = {
    {"4.7", 0, 401, ErrorClass::kAuth},
    {"4.7", 190, 401, ErrorClass::kAuth},
    {"4.7", 3, 403, ErrorClass::kAuth},
    {"4.7", 10, 403, ErrorClass::kAuth},
    {"4.7", 200, 403, ErrorClass::kAuth},
    {"4.7", 250, 403, ErrorClass::kAuth},
    {"4.7", 299, 403, ErrorClass::kAuth},
    {"4.7", 4, 429, ErrorClass::kSlowDown},
    {"4.7", 80007, 429, ErrorClass::kSlowDown},
    {"4.7", 130429, 429, ErrorClass::kSlowDown},
    {"4.7", 131048, 429, ErrorClass::kChannelHalted},
    {"4.7", 131056, 429, ErrorClass::kRetryLater},
    {"4.7", 368, 403, ErrorClass::kChannelHalted},
    {"4.7", 131031, 403, ErrorClass::kChannelHalted},
    {"4.7", 100, 400, ErrorClass::kInvalidRequest},
    {"4.7", 131000, 500, ErrorClass::kRetryLater},
    {"4.7", 1, 500, ErrorClass::kRetryLater},
    {"4.7", 2, 503, ErrorClass::kRetryLater},
    {"4.7", 131016, 503, ErrorClass::kRetryLater},
    {"4.7", 133004, 503, ErrorClass::kRetryLater},
    {"4.7", 131008, 400, ErrorClass::kInvalidRequest},
    {"4.7", 131009, 400, ErrorClass::kInvalidRequest},
    {"4.7", 131026, 400, ErrorClass::kRecipientUnreachable},
    {"4.7", 131042, 400, ErrorClass::kChannelHalted},
    {"4.7", 131047, 400, ErrorClass::kPolicy},
    {"4.7", 131049, 400, ErrorClass::kPolicy},
    {"4.7", 131050, 400, ErrorClass::kPolicy},
    {"4.7", 131051, 400, ErrorClass::kInvalidRequest},
    {"4.7", 131052, 400, ErrorClass::kInvalidRequest},
    {"4.7", 131053, 400, ErrorClass::kInvalidRequest},
    {"4.7", 131057, 400, ErrorClass::kRetryLater},
    {"4.7", 132000, 400, ErrorClass::kInvalidRequest},
    {"4.7", 132001, 400, ErrorClass::kInvalidRequest},
    {"4.7", 132005, 400, ErrorClass::kInvalidRequest},
    {"4.7", 132007, 400, ErrorClass::kInvalidRequest},
    {"4.7", 132012, 400, ErrorClass::kInvalidRequest},
    {"4.7", 132015, 400, ErrorClass::kInvalidRequest},
    {"4.7", 132016, 400, ErrorClass::kInvalidRequest},
    {"4.7", 133010, 400, ErrorClass::kChannelHalted},
    {"4.7", 470, 400, ErrorClass::kPolicy},
    // 4.6 (the throughput, pair-rate, marketing and quality rows)
    {"4.6", 130429, 429, ErrorClass::kSlowDown},
    {"4.6", 131056, 429, ErrorClass::kRetryLater},
    {"4.6", 131049, 400, ErrorClass::kPolicy},
    {"4.6", 131050, 400, ErrorClass::kPolicy},
    {"4.6", 131048, 429, ErrorClass::kChannelHalted},
    {"4.6", 80007, 429, ErrorClass::kSlowDown},
    {"4.6", 4, 429, ErrorClass::kSlowDown},
};

TEST(WhatsAppAdapterTest, EveryCodeOfTheFactSheetHasItsClass) {
  const WhatsAppAdapter adapter;
  for (const CodeRow& row : kCodes) {
    EXPECT_EQ(WhatsAppErrorClass(row.code), row.expected)
        << "section " << row.section << " code " << row.code;
    const auto r = adapter.Classify(Answer(row.http, GraphError(row.code)));
    EXPECT_FALSE(r.sent);
    EXPECT_EQ(r.error_class, row.expected) << "code " << row.code;
    EXPECT_EQ(r.error_code, std::to_string(row.code));
  }
  // The edges of the 200-299 permission range.
  EXPECT_EQ(WhatsAppErrorClass(199), std::nullopt);
  EXPECT_EQ(WhatsAppErrorClass(300), std::nullopt);
}

TEST(WhatsAppAdapterTest, SubcodeAndDetailsAreKept) {
  const WhatsAppAdapter adapter;
  const auto r = adapter.Classify(Answer(
      400,
      GraphError(131047, R"(,"error_subcode":2018278,"error_data":{"details":"24 h passed"})")));
  EXPECT_EQ(r.error_class, ErrorClass::kPolicy);
  EXPECT_EQ(r.error_code, "131047/2018278");
  EXPECT_EQ(r.error_message, "m: 24 h passed");
}

TEST(WhatsAppAdapterTest, PairRateWaitsSixSecondsUnlessTold) {
  const WhatsAppAdapter adapter;
  auto r = adapter.Classify(Answer(429, GraphError(131056)));
  EXPECT_EQ(r.retry_after, kPairRateWait);
  TransportResult told = Answer(429, GraphError(131056));
  told.headers.emplace_back("Retry-After", "20");
  r = adapter.Classify(told);
  EXPECT_EQ(r.retry_after, std::chrono::seconds(20));
}

TEST(WhatsAppAdapterTest, UnknownCodesFallBackOnTheStatus) {
  const WhatsAppAdapter adapter;
  EXPECT_EQ(adapter.Classify(Answer(503, GraphError(999999))).error_class, ErrorClass::kRetryLater);
  EXPECT_EQ(adapter.Classify(Answer(400, GraphError(999999))).error_class,
            ErrorClass::kInvalidRequest);
  EXPECT_EQ(adapter.Classify(Answer(502, "<html>bad gateway</html>")).error_code, "http_502");
  EXPECT_EQ(adapter.Classify(Answer(401, "")).error_class, ErrorClass::kAuth);
}

TEST(WhatsAppAdapterTest, ATimeoutAfterTheRequestLeftIsNeverRetried) {
  const WhatsAppAdapter adapter;
  TransportResult r;
  r.timed_out = true;
  r.transport_error = "timeout";
  r.request_sent = true;
  EXPECT_EQ(adapter.Classify(r).error_class, ErrorClass::kUnknownOutcome);
  r.request_sent = false;
  EXPECT_EQ(adapter.Classify(r).error_class, ErrorClass::kRetryLater);
}

// --- Media and cards (platforms.md 4.4)

constexpr char kEnvelope[] =
    R"({"messaging_product":"whatsapp","recipient_type":"individual","to":"16505551234",)";

Message MediaOf(MessageKind kind, std::string url) {
  Message m;
  m.kind = kind;
  m.media.url = std::move(url);
  return m;
}

Button Reply(ButtonAction action, std::string title, std::string payload = "") {
  return {action, std::move(title), "", std::move(payload)};
}

Message ButtonsCard() {
  Message m;
  m.kind = MessageKind::kCard;
  m.card.layout = CardLayout::kButtons;
  m.card.text = "Pick one";
  m.card.buttons = {Reply(ButtonAction::kPostback, "Menu", "MENU"),
                    Reply(ButtonAction::kSubscribe, "Join"),
                    Reply(ButtonAction::kUnsubscribe, "Stop")};
  return m;
}

TEST(WhatsAppAdapterTest, MediaGoAsTheirTypesWithLinkCaptionAndFileName) {
  const WhatsAppAdapter adapter;
  Message image = MediaOf(MessageKind::kImage, "https://cdn.example/a.jpg");
  image.media.caption = "New in";
  EXPECT_EQ(
      adapter.BuildSend(Account(), To("16505551234"), kWindow, image).body,
      std::string(kEnvelope) +
          R"("type":"image","image":{"link":"https://cdn.example/a.jpg","caption":"New in"}})");
  const Message video = MediaOf(MessageKind::kVideo, "https://cdn.example/v.mp4");
  EXPECT_EQ(
      adapter.BuildSend(Account(), To("16505551234"), kWindow, video).body,
      std::string(kEnvelope) + R"("type":"video","video":{"link":"https://cdn.example/v.mp4"}})");
  const Message audio = MediaOf(MessageKind::kAudio, "https://cdn.example/a.ogg");
  EXPECT_EQ(
      adapter.BuildSend(Account(), To("16505551234"), kWindow, audio).body,
      std::string(kEnvelope) + R"("type":"audio","audio":{"link":"https://cdn.example/a.ogg"}})");
  Message file = MediaOf(MessageKind::kFile, "https://cdn.example/f.pdf");
  file.media.caption = "Your invoice";
  file.media.filename = "invoice \"May\".pdf";
  EXPECT_EQ(adapter.BuildSend(Account(), To("16505551234"), kWindow, file).body,
            std::string(kEnvelope) +
                R"("type":"document","document":{"link":"https://cdn.example/f.pdf",)"
                R"("caption":"Your invoice","filename":"invoice \"May\".pdf"}})");
}

TEST(WhatsAppAdapterTest, AButtonsCardGoesAsReplyButtonsWithPayloadIds) {
  const WhatsAppAdapter adapter;
  Message m = ButtonsCard();
  EXPECT_EQ(adapter.BuildSend(Account(), To("16505551234"), kWindow, m).body,
            std::string(kEnvelope) +
                R"("type":"interactive","interactive":{"type":"button","body":{"text":"Pick one"},)"
                R"("action":{"buttons":[{"type":"reply","reply":{"id":"MENU","title":"Menu"}},)"
                R"({"type":"reply","reply":{"id":"crier:subscribe","title":"Join"}},)"
                R"({"type":"reply","reply":{"id":"crier:unsubscribe","title":"Stop"}}]}}})");
  // A title is a text header, an image an image header; the footer follows the body.
  m.card.buttons.resize(1);
  m.card.title = "Spring sale";
  m.card.footer = "Reply any time";
  EXPECT_EQ(adapter.BuildSend(Account(), To("16505551234"), kWindow, m).body,
            std::string(kEnvelope) +
                R"("type":"interactive","interactive":{"type":"button",)"
                R"("header":{"type":"text","text":"Spring sale"},"body":{"text":"Pick one"},)"
                R"("footer":{"text":"Reply any time"},"action":{"buttons":[{"type":"reply",)"
                R"("reply":{"id":"MENU","title":"Menu"}}]}}})");
  m.card.title.clear();
  m.card.image_url = "https://cdn.example/h.jpg";
  EXPECT_EQ(
      adapter.BuildSend(Account(), To("16505551234"), kWindow, m).body,
      std::string(kEnvelope) +
          R"("type":"interactive","interactive":{"type":"button",)"
          R"("header":{"type":"image","image":{"link":"https://cdn.example/h.jpg"}},)"
          R"("body":{"text":"Pick one"},"footer":{"text":"Reply any time"},)"
          R"("action":{"buttons":[{"type":"reply","reply":{"id":"MENU","title":"Menu"}}]}}})");
}

TEST(WhatsAppAdapterTest, OneUrlButtonGoesAsACallToActionUrl) {
  const WhatsAppAdapter adapter;
  Message m = ButtonsCard();
  m.card.buttons = {{ButtonAction::kUrl, "Shop now", "https://shop.example/?a=1&b=2", ""}};
  m.card.title = "Spring sale";
  EXPECT_EQ(adapter.BuildSend(Account(), To("16505551234"), kWindow, m).body,
            std::string(kEnvelope) +
                R"("type":"interactive","interactive":{"type":"cta_url",)"
                R"("header":{"type":"text","text":"Spring sale"},"body":{"text":"Pick one"},)"
                R"("action":{"name":"cta_url","parameters":{"display_text":"Shop now",)"
                R"("url":"https://shop.example/?a=1&b=2"}}}})");
}

TEST(WhatsAppAdapterTest, AListCardGoesAsAnInteractiveList) {
  const WhatsAppAdapter adapter;
  Message m;
  m.kind = MessageKind::kCard;
  m.card.layout = CardLayout::kList;
  m.card.text = "Our menu";
  m.card.title = "Today";
  m.card.footer = "Prices incl. tax";
  m.card.list_button = "See dishes";
  m.card.sections = {{"Mains", {{"m1", "Noodles", "With egg"}, {"m2", "Rice", ""}}},
                     {"Drinks", {{"d1", "Tea", "Hot or iced"}}}};
  EXPECT_EQ(
      adapter.BuildSend(Account(), To("16505551234"), kWindow, m).body,
      std::string(kEnvelope) +
          R"("type":"interactive","interactive":{"type":"list",)"
          R"("header":{"type":"text","text":"Today"},"body":{"text":"Our menu"},)"
          R"("footer":{"text":"Prices incl. tax"},"action":{"button":"See dishes",)"
          R"("sections":[{"title":"Mains","rows":[{"id":"m1","title":"Noodles",)"
          R"("description":"With egg"},{"id":"m2","title":"Rice"}]},)"
          R"({"title":"Drinks","rows":[{"id":"d1","title":"Tea","description":"Hot or iced"}]}]}}})");
  // One section needs no title; none is sent when it has none.
  m.card.title.clear();
  m.card.footer.clear();
  m.card.sections = {{"", {{"m1", "Noodles", ""}}}};
  EXPECT_EQ(adapter.BuildSend(Account(), To("16505551234"), kWindow, m).body,
            std::string(kEnvelope) +
                R"("type":"interactive","interactive":{"type":"list","body":{"text":"Our menu"},)"
                R"("action":{"button":"See dishes","sections":[{"rows":[{"id":"m1",)"
                R"("title":"Noodles"}]}]}}})");
}

TEST(WhatsAppAdapterTest, CardAndCaptionTextsArePersonalisedAndStayInsideTheirStrings) {
  const WhatsAppAdapter adapter;
  Contact hostile;
  hostile.id = 7;
  hostile.name = "Bob\"},\"x\":{\"y\":\"\\\n";
  RecipientRef to = To("16505551234");
  to.contact = &hostile;

  Message card = ButtonsCard();
  card.card.text = "Hi {{contact.name}}, pick one";
  auto compiled = CompileMessage(Platform::kWhatsApp, card, 0);
  ASSERT_TRUE(compiled.ok()) << compiled.error().ToString();
  const SendContext personal{{RouteKind::kStandardWindow, {}, {}}, {}, &*compiled};
  const auto req = adapter.BuildSend(Account(), to, personal, card);
  const boost::json::value doc = boost::json::parse(req.body);
  EXPECT_EQ(doc.at("interactive").at("body").at("text").as_string(),
            "Hi " + hostile.name + ", pick one");
  EXPECT_EQ(doc.at("interactive").as_object().size(), 3u) << req.body;
  EXPECT_EQ(doc.as_object().size(), 5u) << req.body;

  Message image = MediaOf(MessageKind::kImage, "https://cdn.example/a.jpg");
  image.media.caption = "For {{contact.name}}";
  auto compiled_image = CompileMessage(Platform::kWhatsApp, image, 0);
  ASSERT_TRUE(compiled_image.ok()) << compiled_image.error().ToString();
  const SendContext personal_image{{RouteKind::kStandardWindow, {}, {}}, {}, &*compiled_image};
  const auto image_req = adapter.BuildSend(Account(), to, personal_image, image);
  const boost::json::value image_doc = boost::json::parse(image_req.body);
  EXPECT_EQ(image_doc.at("image").at("caption").as_string(), "For " + hostile.name);
  EXPECT_EQ(image_doc.at("image").as_object().size(), 2u) << image_req.body;

  // Without a contact the text goes as written.
  const auto plain = adapter.BuildSend(Account(), To("16505551234"), personal, card);
  EXPECT_EQ(boost::json::parse(plain.body).at("interactive").at("body").at("text").as_string(),
            "Hi {{contact.name}}, pick one");
}

TEST(WhatsAppAdapterTest, MakeAdapterGivesIt) {
  auto a = MakeAdapter(Platform::kWhatsApp);
  ASSERT_NE(a, nullptr);
  EXPECT_EQ(a->platform(), Platform::kWhatsApp);
}

}  // namespace
}  // namespace crier::channels
