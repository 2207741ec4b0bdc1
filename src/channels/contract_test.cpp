// Contract tests: every body the adapters build is checked against the platforms' official
// OpenAPI specs (tests/data/specs, provenance in SOURCES.md), so a field the platform does
// not know, a missing required field or a broken limit fails here instead of in production.
#include <gtest/gtest.h>

#include <algorithm>
#include <set>
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

// --- Messenger and Instagram ---------------------------------------------------------------
// Meta publishes no schema for the Send API, so each body is checked against the fields
// platforms.md 1.2, 1.5 and 3 document: a field outside these lists, a missing required one,
// a wrong type or a broken count fails.

struct GraphShape {
  std::vector<std::string> errors;

  void Fail(const std::string& path, std::string_view why) {
    errors.push_back(path + ": " + std::string(why));
  }
  const boost::json::object* Object(const boost::json::value* v, const std::string& path) {
    if (v == nullptr || !v->is_object()) {
      Fail(path, "not an object");
      return nullptr;
    }
    return &v->get_object();
  }
  // Every key documented, every required key present.
  void Keys(const boost::json::object& o, const std::string& path,
            std::initializer_list<std::string_view> allowed,
            std::initializer_list<std::string_view> required) {
    for (const auto& [key, value] : o) {
      if (std::find(allowed.begin(), allowed.end(), key) == allowed.end()) {
        Fail(path + "." + std::string(key), "not a documented field");
      }
    }
    for (const std::string_view key : required) {
      if (!o.contains(key)) Fail(path, "missing \"" + std::string(key) + "\"");
    }
  }
  void String(const boost::json::object& o, std::string_view key, const std::string& path) {
    const boost::json::value* v = o.if_contains(key);
    if (v != nullptr && (!v->is_string() || v->get_string().empty())) {
      Fail(path + "." + std::string(key), "not a non-empty string");
    }
  }
  void OneOf(const boost::json::object& o, std::string_view key, const std::string& path,
             std::initializer_list<std::string_view> values) {
    const boost::json::value* v = o.if_contains(key);
    if (v == nullptr) return;
    if (!v->is_string() || std::find(values.begin(), values.end(),
                                     std::string_view(v->get_string())) == values.end()) {
      Fail(path + "." + std::string(key), "not one of the documented values");
    }
  }
  const boost::json::array* Array(const boost::json::object& o, std::string_view key,
                                  const std::string& path, std::size_t min, std::size_t max) {
    const boost::json::value* v = o.if_contains(key);
    if (v == nullptr) return nullptr;
    if (!v->is_array() || v->get_array().size() < min || v->get_array().size() > max) {
      Fail(path + "." + std::string(key), "not an array of the documented size");
      return nullptr;
    }
    return &v->get_array();
  }

  void Buttons(const boost::json::object& o, const std::string& path, bool required) {
    if (required && !o.contains("buttons")) Fail(path, "missing \"buttons\"");
    const auto* buttons = Array(o, "buttons", path, 1, 3);
    if (buttons == nullptr) return;
    for (std::size_t i = 0; i < buttons->size(); ++i) {
      const std::string at = path + ".buttons[" + std::to_string(i) + "]";
      const auto* b = Object(&(*buttons)[i], at);
      if (b == nullptr) continue;
      OneOf(*b, "type", at, {"web_url", "postback"});
      if (b->contains("type") && b->at("type") == "web_url") {
        Keys(*b, at, {"type", "url", "title"}, {"type", "url", "title"});
      } else {
        Keys(*b, at, {"type", "title", "payload"}, {"type", "title", "payload"});
      }
      for (const std::string_view key : {"url", "title", "payload"}) String(*b, key, at);
    }
  }

  // A `message` object (platforms.md 1.5; Instagram's subset, 3).
  void Message(const boost::json::value& v, bool instagram) {
    const std::string path = "$.message";
    const auto* m = Object(&v, path);
    if (m == nullptr) return;
    Keys(*m, path, {"text", "attachment", "quick_replies", "template"}, {});
    if (m->contains("text") == m->contains("attachment") && !m->contains("template")) {
      Fail(path, "needs exactly one of text and attachment");
    }
    String(*m, "text", path);
    if (const auto* replies = Array(*m, "quick_replies", path, 1, 13)) {
      for (std::size_t i = 0; i < replies->size(); ++i) {
        const std::string at = path + ".quick_replies[" + std::to_string(i) + "]";
        const auto* q = Object(&(*replies)[i], at);
        if (q == nullptr) continue;
        Keys(*q, at, {"content_type", "title", "payload"}, {"content_type", "title", "payload"});
        OneOf(*q, "content_type", at, {"text"});
        String(*q, "title", at);
        String(*q, "payload", at);
      }
    }
    if (!m->contains("attachment")) return;
    const std::string apath = path + ".attachment";
    const auto* a = Object(m->if_contains("attachment"), apath);
    if (a == nullptr) return;
    Keys(*a, apath, {"type", "payload"}, {"type", "payload"});
    if (instagram) {
      OneOf(*a, "type", apath, {"image", "template"});
    } else {
      OneOf(*a, "type", apath, {"image", "video", "audio", "file", "template"});
    }
    const std::string ppath = apath + ".payload";
    const auto* p = Object(a->if_contains("payload"), ppath);
    if (p == nullptr) return;
    if (a->contains("type") && a->at("type") != "template") {
      Keys(*p, ppath, {"url", "is_reusable"}, {"url"});
      String(*p, "url", ppath);
      return;
    }
    if (instagram) {
      OneOf(*p, "template_type", ppath, {"generic"});
    } else {
      OneOf(*p, "template_type", ppath, {"button", "generic"});
    }
    if (p->contains("template_type") && p->at("template_type") == "button") {
      Keys(*p, ppath, {"template_type", "text", "buttons"}, {"template_type", "text", "buttons"});
      String(*p, "text", ppath);
      Buttons(*p, ppath, true);
      return;
    }
    Keys(*p, ppath, {"template_type", "elements"}, {"template_type", "elements"});
    if (const auto* elements = Array(*p, "elements", ppath, 1, 10)) {
      for (std::size_t i = 0; i < elements->size(); ++i) {
        const std::string at = ppath + ".elements[" + std::to_string(i) + "]";
        const auto* e = Object(&(*elements)[i], at);
        if (e == nullptr) continue;
        Keys(*e, at, {"title", "subtitle", "image_url", "buttons"}, {"title"});
        for (const std::string_view key : {"title", "subtitle", "image_url"}) String(*e, key, at);
        Buttons(*e, at, false);
      }
    }
  }

  // A Send API request (platforms.md 1.2) or a Marketing Message API one (2.3).
  void Request(const boost::json::value& body, bool instagram) {
    const auto* o = Object(&body, "$");
    if (o == nullptr) return;
    if (o->contains("messenger_delivery_data")) {
      Keys(*o, "$", {"message_id", "messenger_delivery_data", "message"},
           {"message_id", "messenger_delivery_data", "message"});
    } else {
      Keys(*o, "$", {"recipient", "messaging_type", "tag", "message"}, {"recipient", "message"});
      OneOf(*o, "messaging_type", "$", {"RESPONSE", "UPDATE", "MESSAGE_TAG", "UTILITY"});
    }
    if (o->contains("message")) Message(o->at("message"), instagram);
  }
};

std::string GraphShapeErrors(const OutboundRequest& req, bool instagram) {
  GraphShape shape;
  shape.Request(Body(req), instagram);
  return Joined(shape.errors);
}

// The checker itself.
TEST(GraphContractTest, TheFieldListRefusesWhatMetaDoesNotDocument) {
  const auto errors = [](std::string_view body, bool instagram = false) {
    GraphShape shape;
    shape.Request(boost::json::parse(body), instagram);
    return shape.errors.size();
  };
  EXPECT_EQ(errors(R"({"recipient":{"id":"1"},"messaging_type":"UPDATE","message":{"text":"x"}})"),
            0u);
  EXPECT_GT(errors(R"({"recipient":{"id":"1"},"message":{"text":"x","caption":"y"}})"), 0u);
  EXPECT_GT(errors(R"({"recipient":{"id":"1"},"message":{"text":"x","attachment":{}}})"), 0u);
  EXPECT_GT(errors(R"({"recipient":{"id":"1"},"message":{"attachment":{"type":"video",)"
                   R"("payload":{"url":"https://a.example/v"}}}})",
                   /*instagram=*/true),
            0u);
  EXPECT_GT(errors(R"({"recipient":{"id":"1"},"message":{"attachment":{"type":"template",)"
                   R"("payload":{"template_type":"button","text":"x","buttons":[]}}}})"),
            0u);
  EXPECT_GT(errors(R"({"recipient":{"id":"1"},"message":{"attachment":{"type":"template",)"
                   R"("payload":{"template_type":"generic","elements":[{"title":"t",)"
                   R"("buttons":[{"type":"web_url","title":"x","payload":"p"}]}]}}}})"),
            0u);
  EXPECT_GT(errors(R"({"recipient":{"id":"1"},"message":{"text":"x","quick_replies":[)"
                   R"({"content_type":"text","title":"a"}]}})"),
            0u);
}

TEST(GraphContractTest, EveryKindAndLayoutUsesOnlyDocumentedFieldsOnEveryRoute) {
  Message image;
  image.kind = MessageKind::kImage;
  image.media.url = "https://cdn.example/a.jpg";
  std::vector<Message> both{image};
  Message carousel;
  carousel.kind = MessageKind::kCard;
  carousel.card.layout = CardLayout::kCarousel;
  carousel.card.elements = {{"Shoes",
                             "Red",
                             "https://img.example/1.jpg",
                             {{ButtonAction::kUrl, "View", "https://shop.example/1", ""},
                              {ButtonAction::kPostback, "Ask", "", "ASK"},
                              {ButtonAction::kSubscribe, "Follow", "", ""}}},
                            {"Hats", "", "", {}}};
  both.push_back(carousel);
  Message replies;
  replies.kind = MessageKind::kCard;
  replies.card.layout = CardLayout::kQuickReplies;
  replies.card.text = "Keen?";
  replies.card.buttons = {{ButtonAction::kPostback, "Yes", "", "Y"},
                          {ButtonAction::kUnsubscribe, "Stop", "", ""}};
  both.push_back(replies);
  std::vector<Message> messenger_only;
  for (const MessageKind kind : {MessageKind::kVideo, MessageKind::kAudio, MessageKind::kFile}) {
    Message m = image;
    m.kind = kind;
    messenger_only.push_back(m);
  }
  Message buttons;
  buttons.kind = MessageKind::kCard;
  buttons.card.layout = CardLayout::kButtons;
  buttons.card.text = "Pick";
  buttons.card.buttons = {{ButtonAction::kUrl, "Open", "https://shop.example", ""},
                          {ButtonAction::kUnsubscribe, "Stop", "", ""}};
  messenger_only.push_back(buttons);

  RecipientRef to{"24680", "", "", ""};
  to.marketing_token = "tok";
  ChannelAccount account = Account(Platform::kMessenger);
  account.capabilities.ad_account_id = "777";
  SendContext mmapi{{RouteKind::kMarketingMessageApi, {}, {}}, {}};
  mmapi.marketing_campaign_id = "555";
  const SendContext routes[] = {
      {{RouteKind::kStandardWindow, "UPDATE", {}}, {}},
      {{RouteKind::kMessageTag, "MESSAGE_TAG", "HUMAN_AGENT"}, {}},
      {{RouteKind::kMarketingToken, {}, {}}, {}},
      mmapi,
  };
  for (const bool instagram : {false, true}) {
    const auto adapter = MakeAdapter(instagram ? Platform::kInstagram : Platform::kMessenger);
    std::vector<Message> messages = both;
    if (!instagram) messages.insert(messages.end(), messenger_only.begin(), messenger_only.end());
    for (std::size_t i = 0; i < messages.size(); ++i) {
      for (const SendContext& route : routes) {
        const auto req = adapter->BuildSend(account, to, route, messages[i]);
        EXPECT_EQ(GraphShapeErrors(req, instagram), "") << req.body;
      }
    }
  }
}

}  // namespace
}  // namespace crier::channels

// --- WhatsApp media and cards (platforms.md 4.4)
//
// v23.0's request schemas omit three things Meta documents for these messages: the caption
// of an image, video or document and a document's filename (its MediaObject has only id and
// link; MediaObject_1, the same object with caption, is what the captions are checked
// against), and the call-to-action URL message (interactive type "cta_url" with action
// name "cta_url" and parameters display_text and url). Exactly those errors are allowed, each
// shape's own fields are checked by an explicit list, and everything else must conform.

namespace crier::channels {
namespace {

const RecipientRef kWaTo{"16505551234", "", "", "", ""};
const SendContext kWaWindow{{RouteKind::kStandardWindow, {}, {}}, {}};

Message WaMedia(MessageKind kind, std::string caption, std::string filename = "") {
  Message m;
  m.kind = kind;
  m.media.url = "https://cdn.example/m?x=1";
  m.media.caption = std::move(caption);
  m.media.filename = std::move(filename);
  return m;
}

Message WaCard(CardLayout layout) {
  Message m;
  m.kind = MessageKind::kCard;
  m.card.layout = layout;
  m.card.text = "Pick \"one\" 中文";
  m.card.footer = std::string(60, 'f');
  if (layout == CardLayout::kList) {
    m.card.title = std::string(60, 'h');
    m.card.list_button = std::string(20, 'b');
    m.card.sections = {{std::string(24, 's'),
                        {{std::string(200, 'i'), std::string(24, 't'), std::string(72, 'd')}}},
                       {"Two", {{"r2", "Row", ""}}}};
  } else {
    m.card.buttons = {{ButtonAction::kPostback, std::string(20, 'a'), "", std::string(256, 'p')},
                      {ButtonAction::kSubscribe, "Join", "", ""},
                      {ButtonAction::kUnsubscribe, "Stop", "", ""}};
  }
  return m;
}

// The body's errors against the spec other than `allowed`.
std::string WaErrorsBut(const OutboundRequest& req, const std::set<std::string>& allowed) {
  std::string out;
  // An allowed error may stand for the start of the checker's message ("... matches none of
  // oneOf" is followed by the first alternative's complaint).
  for (const auto& e : WhatsAppSpec().Check("Message", Body(req), WhatsAppOptions())) {
    const bool ok = std::any_of(allowed.begin(), allowed.end(),
                                [&e](const std::string& a) { return e.starts_with(a); });
    if (!ok) out += e + "\n";
  }
  return out;
}

std::set<std::string> KeysOf(const boost::json::value& v) {
  std::set<std::string> keys;
  for (const auto& [k, value] : v.as_object()) keys.insert(std::string(k));
  return keys;
}

TEST(WhatsAppContentContractTest, MediaBodiesConform) {
  const WhatsAppAdapter adapter;
  const ChannelAccount wa = Account(Platform::kWhatsApp);
  struct Case {
    Message message;
    std::string type;
    std::set<std::string> fields;
  };
  for (const Case& c : std::vector<Case>{
           {WaMedia(MessageKind::kImage, "New \"in\"\n中文"), "image", {"link", "caption"}},
           {WaMedia(MessageKind::kImage, ""), "image", {"link"}},
           {WaMedia(MessageKind::kVideo, std::string(1024, 'c')), "video", {"link", "caption"}},
           {WaMedia(MessageKind::kAudio, ""), "audio", {"link"}},
           {WaMedia(MessageKind::kFile, "Invoice", "May.pdf"),
            "document",
            {"link", "caption", "filename"}},
       }) {
    const auto req = adapter.BuildSend(wa, kWaTo, kWaWindow, c.message);
    // v23.0 has no caption or filename on the message's media object (SOURCES.md): with them
    // left out the body must conform in full; the captioned object is checked below.
    boost::json::value bare = Body(req);
    bare.at(c.type).as_object().erase("caption");
    bare.at(c.type).as_object().erase("filename");
    EXPECT_EQ(Joined(WhatsAppSpec().Check("Message", bare, WhatsAppOptions())), "") << req.body;
    const boost::json::value body = Body(req);
    EXPECT_EQ(body.at("type").as_string(), c.type);
    EXPECT_EQ(KeysOf(body.at(c.type)), c.fields) << req.body;
    // The captioned media object, as the spec writes it where it has captions.
    boost::json::object media = body.at(c.type).as_object();
    media.erase("filename");
    EXPECT_EQ(Joined(WhatsAppSpec().Check("MediaObject_1", media, WhatsAppOptions())), "")
        << req.body;
  }
}

TEST(WhatsAppContentContractTest, ReplyButtonAndListBodiesConform) {
  const WhatsAppAdapter adapter;
  const ChannelAccount wa = Account(Platform::kWhatsApp);
  Message buttons = WaCard(CardLayout::kButtons);
  ASSERT_TRUE(CheckMessageFor(Platform::kWhatsApp, buttons, 0).ok());
  for (const std::string header : {"", "title", "image"}) {
    buttons.card.title = header == "title" ? std::string(60, 't') : "";
    buttons.card.image_url = header == "image" ? "https://cdn.example/h.jpg" : "";
    const auto req = adapter.BuildSend(wa, kWaTo, kWaWindow, buttons);
    EXPECT_EQ(WaErrorsBut(req, {}), "") << req.body;
  }
  const Message list = WaCard(CardLayout::kList);
  ASSERT_TRUE(CheckMessageFor(Platform::kWhatsApp, list, 0).ok());
  const auto req = adapter.BuildSend(wa, kWaTo, kWaWindow, list);
  EXPECT_EQ(WaErrorsBut(req, {}), "") << req.body;

  // The checker refuses what WhatsApp would: a fourth reply button, a 21-character title.
  boost::json::value over =
      Body(adapter.BuildSend(wa, kWaTo, kWaWindow, WaCard(CardLayout::kButtons)));
  auto& list4 = over.at("interactive").at("action").at("buttons").as_array();
  list4.push_back(list4.front());
  EXPECT_NE(Joined(WhatsAppSpec().Check("Message", over, WhatsAppOptions())), "");
  list4.resize(1);
  list4[0].at("reply").as_object()["title"] = std::string(21, 'a');
  EXPECT_NE(Joined(WhatsAppSpec().Check("Message", over, WhatsAppOptions())), "");
}

TEST(WhatsAppContentContractTest, CallToActionUrlBodiesHaveTheDocumentedFields) {
  const WhatsAppAdapter adapter;
  Message card = WaCard(CardLayout::kButtons);
  card.card.title = "Spring";
  card.card.buttons = {{ButtonAction::kUrl, std::string(20, 'b'), "https://shop.example/?a=1", ""}};
  ASSERT_TRUE(CheckMessageFor(Platform::kWhatsApp, card, 0).ok());
  const auto req = adapter.BuildSend(Account(Platform::kWhatsApp), kWaTo, kWaWindow, card);
  // Only what v23.0 lacks: the type's name and the action's shape.
  EXPECT_EQ(WaErrorsBut(req, {"$.interactive.type: \"cta_url\" is not in the enum",
                              "$.interactive.action: matches none of oneOf"}),
            "")
      << req.body;
  const boost::json::value body = Body(req);
  const boost::json::value& in = body.at("interactive");
  EXPECT_EQ(KeysOf(in), (std::set<std::string>{"type", "header", "body", "footer", "action"}));
  EXPECT_EQ(KeysOf(in.at("action")), (std::set<std::string>{"name", "parameters"}));
  EXPECT_EQ(in.at("action").at("name").as_string(), "cta_url");
  EXPECT_EQ(KeysOf(in.at("action").at("parameters")),
            (std::set<std::string>{"display_text", "url"}));
  // Header, body and footer are the spec's shared objects.
  EXPECT_EQ(Joined(WhatsAppSpec().Check("HeaderObject", in.at("header"), WhatsAppOptions())), "");
  EXPECT_EQ(Joined(WhatsAppSpec().Check("BodyObject", in.at("body"), WhatsAppOptions())), "");
  EXPECT_EQ(Joined(WhatsAppSpec().Check("FooterObject", in.at("footer"), WhatsAppOptions())), "");
}

}  // namespace
}  // namespace crier::channels
