// Contract tests: every body the adapters build is checked against the platforms' official
// OpenAPI specs (tests/data/specs, provenance in SOURCES.md), so a field the platform does
// not know, a missing required field or a broken limit fails here instead of in production.
#include <gtest/gtest.h>

#include <algorithm>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "channels/composition.h"
#include "channels/line_adapter.h"
#include "channels/whatsapp_adapter.h"
#include "support/openapi_schema.h"

namespace crier::channels {
namespace {

using ::crier::testing::OpenApiSpec;
using ::crier::testing::SchemaCheckOptions;

const OpenApiSpec& LineSpec() {
  static const OpenApiSpec spec = [] {
    auto s = OpenApiSpec::Load(CRIER_SPECS_DIR "/line/messaging-api.yml");
    if (!s.ok()) throw std::runtime_error(s.error().ToString());
    return std::move(*s);
  }();
  return spec;
}

const OpenApiSpec& WhatsAppSpec() {
  static const OpenApiSpec spec = [] {
    auto s = OpenApiSpec::Load(CRIER_SPECS_DIR "/whatsapp/business-messaging-api_v23.0.yaml");
    if (!s.ok()) throw std::runtime_error(s.error().ToString());
    return std::move(*s);
  }();
  return spec;
}

// The spec's TemplateComponent.index pattern refuses "0" (SOURCES.md).
SchemaCheckOptions WhatsAppOptions() {
  SchemaCheckOptions o;
  o.ignored_patterns.insert("^[2-6, 11-14]$");
  return o;
}

boost::json::value Body(const OutboundRequest& req) { return boost::json::parse(req.body); }

std::string Joined(const std::vector<std::string>& errors) {
  std::string out;
  for (const auto& e : errors) out += e + "\n";
  return out;
}

ChannelAccount Account(Platform p) {
  ChannelAccount a;
  a.platform = p;
  a.external_id = "106540352242922";
  a.access_token = "token";
  a.api_base_url = "http://127.0.0.1:1";
  a.api_version = "v23.0";
  return a;
}

Message Text(std::string t) { return Message{MessageKind::kText, std::move(t)}; }
constexpr char kKey[] = "123e4567-e89b-42d3-a456-426614174000";
const std::string kUser = "U4af4980629a4f8e0e0e0e0e0e0e0e0e0";

// --- The checker itself: it must refuse what the spec refuses, or the tests prove nothing.

TEST(ContractCheckerTest, RefusesWhatTheSpecRefuses) {
  const auto& spec = LineSpec();
  auto bad = boost::json::parse(R"({"to":"U1","messages":[]})");
  EXPECT_FALSE(spec.Check("PushMessageRequest", bad).empty());  // minItems 1
  bad = boost::json::parse(R"({"messages":[{"type":"text","text":"x"}]})");
  EXPECT_FALSE(spec.Check("PushMessageRequest", bad).empty());  // to required
  bad = boost::json::parse(R"({"to":"U1","messages":[{"type":"txt","text":"x"}]})");
  EXPECT_FALSE(spec.Check("PushMessageRequest", bad).empty());  // unmapped type
  bad = boost::json::parse(R"({"to":"U1","messages":[{"type":"text","txt":"x"}]})");
  EXPECT_FALSE(spec.Check("PushMessageRequest", bad).empty());  // text required
  bad = boost::json::parse(R"({"to":"U1","messages":[{"type":"text","text":"x","tex":1}]})");
  EXPECT_FALSE(spec.Check("PushMessageRequest", bad).empty());  // unknown field (strict)
  bad = boost::json::parse(R"({"to":1,"messages":[{"type":"text","text":"x"}]})");
  EXPECT_FALSE(spec.Check("PushMessageRequest", bad).empty());  // to is a string
  const auto good = boost::json::parse(R"({"to":"U1","messages":[{"type":"text","text":"x"}]})");
  EXPECT_EQ(Joined(spec.Check("PushMessageRequest", good)), "");

  boost::json::array six;
  for (int i = 0; i < 6; ++i) six.push_back(boost::json::parse(R"({"type":"text","text":"x"})"));
  boost::json::object over{{"to", "U1"}, {"messages", six}};
  EXPECT_FALSE(spec.Check("PushMessageRequest", over).empty());  // maxItems 5

  const auto wa_bad = boost::json::parse(
      R"({"messaging_product":"whatsapp","recipient_type":"individual","to":"1",)"
      R"("type":"text","text":{"body":"x","preview":true}})");
  EXPECT_FALSE(WhatsAppSpec().Check("Message", wa_bad, WhatsAppOptions()).empty());
  const auto no_policy = boost::json::parse(
      R"({"messaging_product":"whatsapp","recipient_type":"individual","to":"1",)"
      R"("type":"template","template":{"name":"t","language":{"code":"en_US"}}})");
  EXPECT_FALSE(WhatsAppSpec().Check("Message", no_policy, WhatsAppOptions()).empty());
  const auto bad_currency = boost::json::parse(
      R"({"messaging_product":"whatsapp","recipient_type":"individual","to":"1",)"
      R"("type":"template","template":{"name":"t","language":{"policy":"deterministic",)"
      R"("code":"en_US"},"components":[{"type":"body","parameters":[{"type":"currency",)"
      R"("currency":{"fallback_value":"$1","code":"USD","amount_1000":"1000"}}]}]}})");
  EXPECT_FALSE(WhatsAppSpec().Check("Message", bad_currency, WhatsAppOptions()).empty());
}

// --- LINE

TEST(LineContractTest, PushBodiesConform) {
  const LineAdapter adapter;
  const auto& spec = LineSpec();
  ASSERT_EQ(spec.RequestSchema("/v2/bot/message/push", "post").value(), "PushMessageRequest");
  for (const std::string& text :
       std::vector<std::string>{"Hi", "Hi \"Ann\"\n🎉 中文 ไทย", std::string(5000, 'x')}) {
    const auto req = adapter.BuildSend(Account(Platform::kLine), RecipientRef{kUser, "", "", kKey},
                                       SendContext{{RouteKind::kLinePush, {}, {}}, {}}, Text(text));
    EXPECT_EQ(Joined(spec.Check("PushMessageRequest", Body(req))), "");
  }
  const std::vector<Message> five(5, Text("x"));
  const auto push = adapter.BuildPush(Account(Platform::kLine), kUser, five, kKey);
  ASSERT_TRUE(push.ok());
  EXPECT_EQ(Joined(spec.Check("PushMessageRequest", Body(*push))), "");
}

TEST(LineContractTest, MulticastBodiesConform) {
  const LineAdapter adapter;
  const auto& spec = LineSpec();
  ASSERT_EQ(spec.RequestSchema("/v2/bot/message/multicast", "post").value(), "MulticastRequest");
  for (const std::size_t n : {std::size_t{1}, std::size_t{500}}) {
    const std::vector<std::string> to(n, kUser);
    const std::vector<Message> messages{Text("a"), Text("b \"c\"")};
    const auto req = adapter.BuildMulticast(Account(Platform::kLine), to, messages, kKey);
    ASSERT_TRUE(req.ok());
    EXPECT_EQ(Joined(spec.Check("MulticastRequest", Body(*req))), "") << n;
  }
}

TEST(LineContractTest, TheRetryKeyHeaderIsTheSpecsOnPushAndMulticast) {
  const auto& spec = LineSpec();
  for (const char* path : {"/v2/bot/message/push", "/v2/bot/message/multicast"}) {
    const auto headers = spec.HeaderParameters(path, "post");
    EXPECT_NE(std::find(headers.begin(), headers.end(), "X-Line-Retry-Key"), headers.end()) << path;
  }
}

// --- WhatsApp

TEST(WhatsAppContractTest, TextBodiesConform) {
  const WhatsAppAdapter adapter;
  const auto& spec = WhatsAppSpec();
  ASSERT_EQ(spec.RequestSchema("/{Version}/{Phone-Number-ID}/messages", "post").value(), "Message");
  for (const std::string text : {"Hi", "see https://example.com", "\"q\" \\ 中文\n"}) {
    const auto req =
        adapter.BuildSend(Account(Platform::kWhatsApp), RecipientRef{"16505551234", "", "", ""},
                          SendContext{{RouteKind::kStandardWindow, {}, {}}, {}}, Text(text));
    EXPECT_EQ(Joined(spec.Check("Message", Body(req), WhatsAppOptions())), "") << text;
  }
}

TEST(WhatsAppContractTest, TemplateBodiesConform) {
  using P = TemplateParameter::Type;
  const WhatsAppAdapter adapter;
  WhatsAppTemplate t;
  t.name = "order_update";
  t.language = "en_US";
  t.components.push_back({TemplateComponent::Type::kHeader,
                          "",
                          0,
                          {{P::kDocument, "https://example.com/a.pdf", "", 0}}});
  t.components.push_back({TemplateComponent::Type::kBody,
                          "",
                          0,
                          {{P::kText, "Ann", "", 0},
                           {P::kCurrency, "$100.99", "USD", 100990},
                           {P::kDateTime, "February 25, 1977", "", 0}}});
  t.components.push_back(
      {TemplateComponent::Type::kButton, "quick_reply", 0, {{P::kPayload, "OK", "", 0}}});
  t.components.push_back(
      {TemplateComponent::Type::kButton, "url", 1, {{P::kText, "ord/42", "", 0}}});
  ASSERT_TRUE(ValidateTemplate(t).ok());
  const RecipientRef to{"16505551234", "", "", ""};
  auto req = adapter.BuildTemplateSend(Account(Platform::kWhatsApp), to, t);
  EXPECT_EQ(Joined(WhatsAppSpec().Check("Message", Body(req), WhatsAppOptions())), "");

  for (const P media : {P::kImage, P::kVideo}) {
    t.components[0].parameters[0] = {media, "https://example.com/m", "", 0};
    req = adapter.BuildTemplateSend(Account(Platform::kWhatsApp), to, t);
    EXPECT_EQ(Joined(WhatsAppSpec().Check("Message", Body(req), WhatsAppOptions())), "");
  }
  req = adapter.BuildTemplateSend(Account(Platform::kWhatsApp), to, {"hello_world", "en_US", {}});
  EXPECT_EQ(Joined(WhatsAppSpec().Check("Message", Body(req), WhatsAppOptions())), "");
}

TEST(WhatsAppContractTest, BroadcastTemplateMessagesConform) {
  const WhatsAppAdapter adapter;
  const SendContext route{{RouteKind::kWhatsAppTemplate, {}, {}}, {}};
  const RecipientRef to{"16505551234", "", "", "", ""};
  Message m;
  m.kind = MessageKind::kTemplate;
  m.template_message.name = "order_update";
  m.template_message.language = "en_US";
  for (const auto& [header, body] :
       std::vector<std::pair<std::vector<std::string>, std::vector<std::string>>>{
           {{}, {}}, {{"Ann"}, {}}, {{}, {"A-1", "\"soon\" 中文"}}, {{"Ann"}, {"A-1"}}}) {
    m.template_message.header_parameters = header;
    m.template_message.body_parameters = body;
    ASSERT_TRUE(adapter.ValidateMessage(m).ok());
    const auto req = adapter.BuildSend(Account(Platform::kWhatsApp), to, route, m);
    EXPECT_EQ(Joined(WhatsAppSpec().Check("Message", Body(req), WhatsAppOptions())), "")
        << req.body;
  }
}

TEST(WhatsAppContractTest, RegistryTemplatesWithButtonsAndMediaHeadersConform) {
  const WhatsAppAdapter adapter;
  const SendContext route{{RouteKind::kWhatsAppTemplate, {}, {}}, {}};
  const RecipientRef to{"16505551234", "", "", "", ""};
  Message m;
  m.kind = MessageKind::kTemplate;
  m.template_message.name = "order_update";
  m.template_message.language = "en_US";
  m.template_message.body_parameters = {"A-1"};
  m.template_message.button_parameters = {"order/42"};
  m.template_message.buttons = {{0, TemplateButtonType::kQuickReply, "crier:subscribe"},
                                {1, TemplateButtonType::kUrl, ""},
                                {2, TemplateButtonType::kQuickReply, "MENU"}};
  for (TemplateHeaderKind kind : {TemplateHeaderKind::kText, TemplateHeaderKind::kImage,
                                  TemplateHeaderKind::kVideo, TemplateHeaderKind::kDocument}) {
    m.template_message.header_kind = kind;
    m.template_message.header_parameters = {
        kind == TemplateHeaderKind::kText ? "Ann" : "https://cdn.example/file"};
    ASSERT_TRUE(adapter.ValidateMessage(m).ok());
    const auto req = adapter.BuildSend(Account(Platform::kWhatsApp), to, route, m);
    // The spec's index pattern refuses "0" (SOURCES.md); the options above allow for it.
    EXPECT_EQ(Joined(WhatsAppSpec().Check("Message", Body(req), WhatsAppOptions())), "")
        << req.body;
  }
}

TEST(WhatsAppContractTest, ABusinessScopedBodyDiffersFromV23OnlyByItsRecipientField) {
  const WhatsAppAdapter adapter;
  const auto req = adapter.BuildSend(
      Account(Platform::kWhatsApp), RecipientRef{"US.13491208655302741918", "", "", ""},
      SendContext{{RouteKind::kStandardWindow, {}, {}}, {}}, Text("Hi"));
  auto errors = WhatsAppSpec().Check("Message", Body(req), WhatsAppOptions());
  std::sort(errors.begin(), errors.end());
  // v23.0 predates business-scoped ids (SOURCES.md): it requires "to" and lacks "recipient".
  EXPECT_EQ(Joined(errors), "$.recipient: not in the schema\n$: missing \"to\"\n");
}

// --- LINE: media and cards (platforms.md 5.3)

std::vector<Message> LineContentKinds() {
  std::vector<Message> out;
  Message m;
  m.kind = MessageKind::kImage;
  m.media.url = "https://cdn.example/a.jpg";
  out.push_back(m);
  m.media.preview_url = "https://cdn.example/a_s.jpg";
  out.push_back(m);
  m.kind = MessageKind::kVideo;
  m.media = {"https://cdn.example/v.mp4", "https://cdn.example/v.jpg", "", "", 0};
  out.push_back(m);
  m.kind = MessageKind::kAudio;
  m.media = {"https://cdn.example/a.m4a", "", "", "", 61000};
  out.push_back(m);
  m = Message{};
  m.kind = MessageKind::kCard;
  m.card.layout = CardLayout::kButtons;
  m.card.title = "Menu \"new\"";
  m.card.text = "Pick one";
  m.card.image_url = "https://cdn.example/t.jpg";
  m.card.buttons = {{ButtonAction::kUrl, "Shop", "https://shop.example/x?a=1", ""},
                    {ButtonAction::kPostback, "Track", "", "TRACK_1"},
                    {ButtonAction::kSubscribe, "Yes", "", ""},
                    {ButtonAction::kUnsubscribe, "Stop", "", ""}};
  out.push_back(m);
  m.card.title.clear();
  m.card.image_url.clear();
  m.card.alt_text = "Menu";
  out.push_back(m);
  m.card = Card{};
  m.card.layout = CardLayout::kCarousel;
  m.card.elements = {{"Red",
                      "A red one",
                      "https://cdn.example/r.jpg",
                      {{ButtonAction::kPostback, "Buy", "", "BUY_R"},
                       {ButtonAction::kUrl, "See", "https://s.example/r", ""}}},
                     {"Blue",
                      "A blue one",
                      "https://cdn.example/b.jpg",
                      {{ButtonAction::kSubscribe, "Yes", "", ""},
                       {ButtonAction::kUrl, "See", "https://s.example/b", ""}}}};
  out.push_back(m);
  m.card = Card{};
  m.card.layout = CardLayout::kQuickReplies;
  m.card.text = "Still interested?";
  m.card.buttons = {{ButtonAction::kSubscribe, "Yes", "", ""},
                    {ButtonAction::kUnsubscribe, "No", "", ""},
                    {ButtonAction::kUrl, "Site", "https://shop.example", ""}};
  out.push_back(m);
  m.card = Card{};
  m.card.layout = CardLayout::kFlex;
  m.card.alt_text = "Your order";
  m.card.flex =
      R"({"type":"bubble","hero":{"type":"image","url":"https://cdn.example/h.jpg","size":"full"},)"
      R"("body":{"type":"box","layout":"vertical","contents":[{"type":"text","text":"Shipped",)"
      R"("weight":"bold"}]},"footer":{"type":"box","layout":"vertical","contents":[{"type":)"
      R"("button","action":{"type":"uri","label":"Track","uri":"https://shop.example/t"}}]}})";
  out.push_back(m);
  m.card.flex = R"({"type":"carousel","contents":[{"type":"bubble","body":{"type":"box",)"
                R"("layout":"vertical","contents":[{"type":"text","text":"One"}]}},)"
                R"({"type":"bubble","body":{"type":"box","layout":"vertical","contents":[)"
                R"({"type":"text","text":"Two"}]}}]})";
  out.push_back(m);
  return out;
}

TEST(LineContractTest, MediaAndCardBodiesConform) {
  const LineAdapter adapter;
  const auto& spec = LineSpec();
  for (const Message& m : LineContentKinds()) {
    ASSERT_TRUE(CheckMessageFor(Platform::kLine, m, 0).ok()) << m.card.text;
    const auto req = adapter.BuildSend(Account(Platform::kLine), RecipientRef{kUser, "", "", kKey},
                                       SendContext{{RouteKind::kLinePush, {}, {}}, {}}, m);
    EXPECT_EQ(Joined(spec.Check("PushMessageRequest", Body(req))), "") << req.body;
    const std::vector<std::string> to(2, kUser);
    const auto multicast =
        adapter.BuildMulticast(Account(Platform::kLine), to, std::span(&m, 1), kKey);
    ASSERT_TRUE(multicast.ok());
    EXPECT_EQ(Joined(spec.Check("MulticastRequest", Body(*multicast))), "") << multicast->body;
  }
}

TEST(LineContractTest, TheCheckerRefusesABrokenCard) {
  // A template without its text and an action of no known type: the checker must see both,
  // or the conformance above proves nothing.
  const auto missing = boost::json::parse(
      R"({"to":"U1","messages":[{"type":"template","altText":"a","template":{"type":"buttons",)"
      R"("actions":[{"type":"postback","label":"x","data":"y"}]}}]})");
  EXPECT_FALSE(LineSpec().Check("PushMessageRequest", missing).empty());
  const auto unknown = boost::json::parse(
      R"({"to":"U1","messages":[{"type":"text","text":"a","quickReply":{"items":[)"
      R"({"type":"action","action":{"type":"link","label":"x"}}]}}]})");
  EXPECT_FALSE(LineSpec().Check("PushMessageRequest", unknown).empty());
}

}  // namespace
}  // namespace crier::channels
