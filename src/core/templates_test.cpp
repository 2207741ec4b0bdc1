#include "core/templates.h"

#include <gtest/gtest.h>

namespace crier {
namespace {

TemplateDefinition WhatsAppDefinition() {
  TemplateDefinition t;
  t.platform = Platform::kWhatsApp;
  t.waba_id = "111";
  t.name = "order_update";
  t.language = "en_US";
  t.category = TemplateCategory::kUtility;
  t.header_kind = TemplateHeaderKind::kText;
  t.header_parameters = 1;
  t.body_parameters = 2;
  return t;
}

RegisteredTemplate Registered(TemplateDefinition d, Id id = 1) {
  RegisteredTemplate r;
  static_cast<TemplateDefinition&>(r) = std::move(d);
  r.id = id;
  return r;
}

ChannelAccount WhatsAppAccount(std::string waba = "111") {
  ChannelAccount a;
  a.id = 3;
  a.platform = Platform::kWhatsApp;
  a.capabilities.waba_id = std::move(waba);
  return a;
}

TemplateMessage Message(std::vector<std::string> header, std::vector<std::string> body) {
  TemplateMessage m;
  m.name = "order_update";
  m.language = "en_US";
  m.header_parameters = std::move(header);
  m.body_parameters = std::move(body);
  return m;
}

TEST(TemplateDefinitionTest, AcceptsAWhatsAppTemplateWithEveryKindOfButton) {
  TemplateDefinition t = WhatsAppDefinition();
  t.buttons = {{TemplateButtonType::kQuickReply, "Stop", ButtonBehaviour::kUnsubscribe, "", false},
               {TemplateButtonType::kQuickReply, "Menu", ButtonBehaviour::kBotFlow, "MENU", false},
               {TemplateButtonType::kUrl, "Track", ButtonBehaviour::kNone, "", true}};
  EXPECT_TRUE(ValidateTemplateDefinition(t).ok());
}

TEST(TemplateDefinitionTest, NamesTheMemberAtFault) {
  auto field_of = [](const TemplateDefinition& t) {
    const Status s = ValidateTemplateDefinition(t);
    return s.ok() ? std::string("ok") : s.error().field;
  };
  TemplateDefinition t = WhatsAppDefinition();
  t.waba_id.clear();
  EXPECT_EQ(field_of(t), "waba_id");
  t = WhatsAppDefinition();
  t.name = "Order";
  EXPECT_EQ(field_of(t), "name");
  t = WhatsAppDefinition();
  t.language = "en__US";
  EXPECT_EQ(field_of(t), "language");
  // A text header takes 0 or 1 parameter, a media header exactly 1, none takes none.
  t = WhatsAppDefinition();
  t.header_parameters = 2;
  EXPECT_EQ(field_of(t), "header.parameters");
  t.header_parameters = 0;
  EXPECT_EQ(field_of(t), "ok");
  t.header_kind = TemplateHeaderKind::kImage;
  EXPECT_EQ(field_of(t), "header.parameters");
  t.header_parameters = 1;
  EXPECT_EQ(field_of(t), "ok");
  t.header_kind = TemplateHeaderKind::kNone;
  EXPECT_EQ(field_of(t), "header.parameters");
  t = WhatsAppDefinition();
  t.body_parameters = kMaxTemplateBodyParameters;
  EXPECT_EQ(field_of(t), "ok");
  t.body_parameters = kMaxTemplateBodyParameters + 1;
  EXPECT_EQ(field_of(t), "body_parameters");
}

TEST(TemplateDefinitionTest, ButtonsAreTenAtMostAndKeepTheirKindsApart) {
  TemplateDefinition t = WhatsAppDefinition();
  t.buttons.assign(kMaxTemplateButtons, {TemplateButtonType::kQuickReply, "Ok"});
  EXPECT_TRUE(ValidateTemplateDefinition(t).ok());
  t.buttons.push_back({TemplateButtonType::kQuickReply, "Ok"});
  EXPECT_EQ(ValidateTemplateDefinition(t).error().field, "buttons");

  t = WhatsAppDefinition();
  t.buttons = {{TemplateButtonType::kQuickReply, "Menu", ButtonBehaviour::kBotFlow, ""}};
  EXPECT_EQ(ValidateTemplateDefinition(t).error().field, "buttons[0].payload");
  t.buttons[0].payload = "crier:menu";  // reserved
  EXPECT_EQ(ValidateTemplateDefinition(t).error().field, "buttons[0].payload");
  t.buttons[0].payload = std::string(kMaxButtonPayloadBytes, 'x');
  EXPECT_TRUE(ValidateTemplateDefinition(t).ok());
  t.buttons[0].payload += "x";
  EXPECT_EQ(ValidateTemplateDefinition(t).error().field, "buttons[0].payload");
  t.buttons[0] = {TemplateButtonType::kQuickReply, "Stop", ButtonBehaviour::kUnsubscribe, "X"};
  EXPECT_EQ(ValidateTemplateDefinition(t).error().field, "buttons[0].payload");
  t.buttons[0] = {TemplateButtonType::kQuickReply, "Stop", ButtonBehaviour::kNone, "", true};
  EXPECT_EQ(ValidateTemplateDefinition(t).error().field, "buttons[0].url_suffix");
  t.buttons[0] = {TemplateButtonType::kUrl, "Go", ButtonBehaviour::kSubscribe, ""};
  EXPECT_EQ(ValidateTemplateDefinition(t).error().field, "buttons[0].behaviour");
  t.buttons[0] = {TemplateButtonType::kUrl, "", ButtonBehaviour::kNone, ""};
  EXPECT_EQ(ValidateTemplateDefinition(t).error().field, "buttons[0].text");
}

TEST(TemplateDefinitionTest, AMessengerTemplateIsAPagesUtilityTemplateWithBodyParametersOnly) {
  TemplateDefinition t;
  t.platform = Platform::kMessenger;
  t.channel_account_id = 4;
  t.name = "receipt";
  t.language = "en_US";
  t.body_parameters = 1;
  EXPECT_TRUE(ValidateTemplateDefinition(t).ok());
  TemplateDefinition u = t;
  u.channel_account_id = 0;
  EXPECT_EQ(ValidateTemplateDefinition(u).error().field, "channel_account_id");
  u = t;
  u.waba_id = "111";
  EXPECT_EQ(ValidateTemplateDefinition(u).error().field, "waba_id");
  u = t;
  u.category = TemplateCategory::kMarketing;
  EXPECT_EQ(ValidateTemplateDefinition(u).error().field, "category");
  u = t;
  u.header_kind = TemplateHeaderKind::kText;
  EXPECT_EQ(ValidateTemplateDefinition(u).error().field, "header.kind");
  u = t;
  u.buttons = {{TemplateButtonType::kQuickReply, "Ok"}};
  EXPECT_EQ(ValidateTemplateDefinition(u).error().field, "buttons");
  u = t;
  u.platform = Platform::kLine;
  EXPECT_EQ(ValidateTemplateDefinition(u).error().field, "platform");
}

TEST(ButtonPayloadTest, EveryBehaviourRoundTripsThroughItsPayload) {
  for (ButtonBehaviour b : {ButtonBehaviour::kNone, ButtonBehaviour::kSubscribe,
                            ButtonBehaviour::kUnsubscribe, ButtonBehaviour::kBotFlow}) {
    TemplateButton button{TemplateButtonType::kQuickReply, "x", b,
                          b == ButtonBehaviour::kBotFlow ? "MENU" : ""};
    EXPECT_EQ(ButtonIntentOf(ButtonPayloadOf(button)), b) << ToString(b);
  }
  EXPECT_EQ(
      ButtonPayloadOf({TemplateButtonType::kQuickReply, "x", ButtonBehaviour::kBotFlow, "MENU"}),
      "MENU");
  EXPECT_EQ(ButtonIntentOf(""), std::nullopt);
  EXPECT_EQ(ButtonIntentOf("crier:later"), std::nullopt);  // reserved, unknown to this build
  EXPECT_EQ(ButtonIntentOf("crier"), ButtonBehaviour::kBotFlow);
}

TEST(ResolveTemplateTest, FillsCategoryHeaderKindAndButtonsFromTheRegistry) {
  TemplateDefinition d = WhatsAppDefinition();
  d.category = TemplateCategory::kMarketing;
  d.buttons = {{TemplateButtonType::kQuickReply, "Stop", ButtonBehaviour::kUnsubscribe},
               {TemplateButtonType::kUrl, "Shop", ButtonBehaviour::kNone, "", false},
               {TemplateButtonType::kUrl, "Track", ButtonBehaviour::kNone, "", true},
               {TemplateButtonType::kQuickReply, "Menu", ButtonBehaviour::kBotFlow, "MENU"}};
  const std::vector<RegisteredTemplate> reg = {Registered(d)};
  TemplateMessage m = Message({"Ann"}, {"a", "b"});
  m.button_parameters = {"order/42"};
  auto out = ResolveTemplateMessage(WhatsAppAccount(), m, false, reg, "messages[0].template");
  ASSERT_TRUE(out.ok()) << out.error().ToString();
  EXPECT_EQ(out->category, TemplateCategory::kMarketing);
  EXPECT_EQ(out->header_kind, TemplateHeaderKind::kText);
  const std::vector<TemplateButtonParameter> want = {
      {0, TemplateButtonType::kQuickReply, std::string(kUnsubscribePayload)},
      {2, TemplateButtonType::kUrl, ""},
      {3, TemplateButtonType::kQuickReply, "MENU"}};
  EXPECT_EQ(out->buttons, want);

  // An explicit category is kept when it matches and refused when it does not.
  m.category = TemplateCategory::kMarketing;
  EXPECT_TRUE(ResolveTemplateMessage(WhatsAppAccount(), m, true, reg, "m").ok());
  m.category = TemplateCategory::kUtility;
  auto mismatch = ResolveTemplateMessage(WhatsAppAccount(), m, true, reg, "m");
  ASSERT_FALSE(mismatch.ok());
  EXPECT_EQ(mismatch.error().field, "m.category");
  EXPECT_NE(mismatch.error().message.find("marketing"), std::string::npos);
}

TEST(ResolveTemplateTest, ParameterCountsMustEqualTheRegistrysOnBothSides) {
  TemplateDefinition d = WhatsAppDefinition();
  d.buttons = {{TemplateButtonType::kUrl, "Track", ButtonBehaviour::kNone, "", true}};
  const std::vector<RegisteredTemplate> reg = {Registered(d)};
  auto field_of = [&](const TemplateMessage& m) {
    auto r = ResolveTemplateMessage(WhatsAppAccount(), m, false, reg, "t");
    return r.ok() ? std::string("ok") : r.error().field;
  };
  TemplateMessage m = Message({"Ann"}, {"a", "b"});
  m.button_parameters = {"x"};
  EXPECT_EQ(field_of(m), "ok");
  TemplateMessage bad = m;
  bad.header_parameters.clear();
  EXPECT_EQ(field_of(bad), "t.header_parameters");
  bad = m;
  bad.header_parameters.push_back("more");
  EXPECT_EQ(field_of(bad), "t.header_parameters");
  bad = m;
  bad.body_parameters.pop_back();
  EXPECT_EQ(field_of(bad), "t.body_parameters");
  bad = m;
  bad.body_parameters.push_back("c");
  EXPECT_EQ(field_of(bad), "t.body_parameters");
  bad = m;
  bad.button_parameters.clear();
  EXPECT_EQ(field_of(bad), "t.button_parameters");
  bad = m;
  bad.button_parameters.push_back("y");
  EXPECT_EQ(field_of(bad), "t.button_parameters");
}

TEST(ResolveTemplateTest, AMediaHeadersParameterIsALink) {
  TemplateDefinition d = WhatsAppDefinition();
  d.header_kind = TemplateHeaderKind::kImage;
  const std::vector<RegisteredTemplate> reg = {Registered(d)};
  auto ok = ResolveTemplateMessage(
      WhatsAppAccount(), Message({"https://cdn.example/a.png"}, {"a", "b"}), false, reg, "t");
  ASSERT_TRUE(ok.ok());
  EXPECT_EQ(ok->header_kind, TemplateHeaderKind::kImage);
  auto bad =
      ResolveTemplateMessage(WhatsAppAccount(), Message({"a.png"}, {"a", "b"}), false, reg, "t");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().field, "t.header_parameters[0]");
}

TEST(ResolveTemplateTest, OnlyAnApprovedTemplateOfTheAccountsWabaInItsLanguageGoes) {
  TemplateDefinition d = WhatsAppDefinition();
  auto resolve = [&](const std::vector<RegisteredTemplate>& reg, const ChannelAccount& account) {
    return ResolveTemplateMessage(account, Message({"Ann"}, {"a", "b"}), false, reg, "t");
  };
  // Registered nowhere.
  auto none = resolve({}, WhatsAppAccount());
  ASSERT_FALSE(none.ok());
  EXPECT_EQ(none.error().field, "t.name");
  EXPECT_NE(none.error().message.find("WABA 111"), std::string::npos);

  // Registered under two other WABAs only: both are named.
  TemplateDefinition other1 = d;
  other1.waba_id = "222";
  TemplateDefinition other2 = d;
  other2.waba_id = "333";
  auto elsewhere = resolve({Registered(other2, 2), Registered(other1, 1)}, WhatsAppAccount());
  ASSERT_FALSE(elsewhere.ok());
  EXPECT_EQ(elsewhere.error().field, "t.name");
  EXPECT_NE(elsewhere.error().message.find("WABA 222 and 333"), std::string::npos)
      << elsewhere.error().message;
  // ... and the account's own WABA wins over them.
  EXPECT_TRUE(resolve({Registered(other1, 1), Registered(d, 2)}, WhatsAppAccount()).ok());

  // In the WABA, but in another language.
  TemplateDefinition french = d;
  french.language = "fr";
  auto language = resolve({Registered(french)}, WhatsAppAccount());
  ASSERT_FALSE(language.ok());
  EXPECT_EQ(language.error().field, "t.language");
  EXPECT_NE(language.error().message.find("in fr only"), std::string::npos);

  // Every status but approved is refused, naming the status.
  for (TemplateStatus s : {TemplateStatus::kPending, TemplateStatus::kRejected,
                           TemplateStatus::kPaused, TemplateStatus::kDisabled}) {
    TemplateDefinition held = d;
    held.status = s;
    auto r = resolve({Registered(held)}, WhatsAppAccount());
    ASSERT_FALSE(r.ok());
    EXPECT_NE(r.error().message.find(std::string(ToString(s))), std::string::npos);
  }
}

TEST(ResolveTemplateTest, AMessengerTemplateBelongsToItsPage) {
  TemplateDefinition d;
  d.platform = Platform::kMessenger;
  d.channel_account_id = 4;
  d.name = "order_update";
  d.language = "en_US";
  d.body_parameters = 2;
  ChannelAccount page;
  page.id = 4;
  page.platform = Platform::kMessenger;
  const std::vector<RegisteredTemplate> reg = {Registered(d)};
  EXPECT_TRUE(ResolveTemplateMessage(page, Message({}, {"a", "b"}), false, reg, "t").ok());
  page.id = 5;
  auto other = ResolveTemplateMessage(page, Message({}, {"a", "b"}), false, reg, "t");
  ASSERT_FALSE(other.ok());
  EXPECT_NE(other.error().message.find("channel account 4"), std::string::npos);
  // A WhatsApp template of the same name is no Messenger template.
  TemplateDefinition wa = WhatsAppDefinition();
  page.id = 4;
  const std::vector<RegisteredTemplate> only_wa = {Registered(wa)};
  EXPECT_FALSE(ResolveTemplateMessage(page, Message({}, {"a", "b"}), false, only_wa, "t").ok());
}

}  // namespace
}  // namespace crier
