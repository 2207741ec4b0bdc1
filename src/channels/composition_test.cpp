#include "channels/composition.h"

#include "core/templates.h"

#include <gtest/gtest.h>

#include <map>
#include <vector>

namespace crier::channels {
namespace {

constexpr Platform kAll[] = {Platform::kMessenger, Platform::kInstagram, Platform::kWhatsApp,
                             Platform::kLine};

Button Postback(std::string title, std::string payload = "P") {
  return {ButtonAction::kPostback, std::move(title), "", std::move(payload)};
}
Button Link(std::string title, std::string url = "https://shop.example/") {
  return {ButtonAction::kUrl, std::move(title), std::move(url), ""};
}

Message Media(MessageKind kind) {
  Message m;
  m.kind = kind;
  m.media.url = "https://cdn.example/x";
  return m;
}

Message CardOf(CardLayout layout) {
  Message m;
  m.kind = MessageKind::kCard;
  m.card.layout = layout;
  m.card.text = "Pick";
  switch (layout) {
    case CardLayout::kButtons:
    case CardLayout::kQuickReplies:
      m.card.buttons = {Postback("Yes", "Y"), Postback("No", "N")};
      break;
    case CardLayout::kCarousel:
      m.card.text.clear();
      m.card.elements = {{"A", "a", "", {Postback("Go")}}, {"B", "b", "", {Postback("Go")}}};
      break;
    case CardLayout::kList:
      m.card.list_button = "Open";
      m.card.sections = {{"", {{"r1", "One", ""}, {"r2", "Two", ""}}}};
      break;
    case CardLayout::kFlex:
      m.card.text.clear();
      m.card.alt_text = "Sale";
      m.card.flex = R"({"type":"bubble"})";
      break;
  }
  return m;
}

Message Text(std::string text) {
  Message m;
  m.text = std::move(text);
  return m;
}

// One of each kind and layout, with whether each platform takes it (PRODUCT.md A5).
struct Case {
  std::string name;
  Message message;
  std::vector<Platform> takers;
};

std::vector<Case> Matrix() {
  using P = Platform;
  Message tpl;
  tpl.kind = MessageKind::kTemplate;
  tpl.template_message.name = "t";
  tpl.template_message.language = "en_US";
  Message video = Media(MessageKind::kVideo);
  Message audio = Media(MessageKind::kAudio);
  return {
      {"text", Text("hi"), {P::kMessenger, P::kInstagram, P::kWhatsApp, P::kLine}},
      {"template", tpl, {P::kMessenger, P::kWhatsApp}},
      {"image", Media(MessageKind::kImage), {P::kMessenger, P::kInstagram, P::kWhatsApp, P::kLine}},
      {"video", video, {P::kMessenger, P::kWhatsApp, P::kLine}},
      {"audio", audio, {P::kMessenger, P::kWhatsApp, P::kLine}},
      {"file", Media(MessageKind::kFile), {P::kMessenger, P::kWhatsApp}},
      {"buttons", CardOf(CardLayout::kButtons), {P::kMessenger, P::kWhatsApp, P::kLine}},
      {"carousel", CardOf(CardLayout::kCarousel), {P::kMessenger, P::kInstagram, P::kLine}},
      {"quick_replies",
       CardOf(CardLayout::kQuickReplies),
       {P::kMessenger, P::kInstagram, P::kLine}},
      {"list", CardOf(CardLayout::kList), {P::kWhatsApp}},
      {"flex", CardOf(CardLayout::kFlex), {P::kLine}},
  };
}

TEST(Composition, TheChannelMatrixOfA5) {
  for (const Case& c : Matrix()) {
    for (Platform p : kAll) {
      SCOPED_TRACE(c.name + " on " + std::string(ToString(p)));
      const bool takes = std::find(c.takers.begin(), c.takers.end(), p) != c.takers.end();
      EXPECT_EQ(!Unsupported(p, c.message).has_value(), takes);
      if (takes) continue;
      const Status s = CheckMessagesFor(p, std::vector<Message>{c.message});
      ASSERT_FALSE(s.ok());
      EXPECT_EQ(s.error().field, c.message.kind == MessageKind::kCard ? "messages[0].card.layout"
                                                                      : "messages[0].kind");
    }
  }
  EXPECT_EQ(*Unsupported(Platform::kLine, Media(MessageKind::kFile)),
            "LINE has no files; link to it instead");
}

TEST(Composition, EveryKindATakerTakesPassesItsChecks) {
  for (const Case& c : Matrix()) {
    for (Platform p : c.takers) {
      Message m = c.message;
      // LINE needs a video's preview and an audio clip's length.
      if (p == Platform::kLine && m.kind == MessageKind::kVideo) m.media.preview_url = m.media.url;
      if (p == Platform::kLine && m.kind == MessageKind::kAudio) m.media.duration_ms = 1000;
      const Status s = CheckMessagesFor(p, std::vector<Message>{m});
      EXPECT_TRUE(s.ok()) << c.name << " on " << ToString(p) << ": " << s.error().field << " "
                          << s.error().message;
    }
  }
}

TEST(Composition, ABotCardGoesAlone) {
  const std::vector<Message> alone = {CardOf(CardLayout::kButtons)};
  EXPECT_TRUE(CheckMessagesFor(Platform::kMessenger, alone).ok());
  const std::vector<Message> mixed = {Text("hi"), CardOf(CardLayout::kButtons)};
  const Status s = CheckMessagesFor(Platform::kMessenger, mixed);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().field, "messages[1].kind");
  EXPECT_NE(s.error().message.find("a bot card goes alone"), std::string::npos);
}

// The field a check refuses, or "" when it passes.
std::string Refused(Platform p, const Message& m) {
  const Status s = CheckMessageFor(p, m, 0);
  return s.ok() ? "" : s.error().field;
}

TEST(Composition, MessengerLimitsOnBothSides) {
  Message m = CardOf(CardLayout::kButtons);
  m.card.text = std::string(640, 'a');
  EXPECT_EQ(Refused(Platform::kMessenger, m), "");
  m.card.text += "a";
  EXPECT_EQ(Refused(Platform::kMessenger, m), "messages[0].card.text");

  m = CardOf(CardLayout::kButtons);
  m.card.buttons = {Postback("1"), Postback("2"), Postback("3")};
  EXPECT_EQ(Refused(Platform::kMessenger, m), "");
  m.card.buttons.push_back(Postback("4"));
  EXPECT_EQ(Refused(Platform::kMessenger, m), "messages[0].card.buttons");

  m = CardOf(CardLayout::kQuickReplies);
  m.card.buttons.assign(13, Postback(std::string(20, 'q')));
  EXPECT_EQ(Refused(Platform::kMessenger, m), "");
  m.card.buttons[12].title += "q";
  EXPECT_EQ(Refused(Platform::kMessenger, m), "messages[0].card.buttons[12].title");
  m.card.buttons[12].title.pop_back();
  m.card.buttons.push_back(Postback("14"));
  EXPECT_EQ(Refused(Platform::kMessenger, m), "messages[0].card.buttons");
  m.card.buttons = {Link("Shop")};
  EXPECT_EQ(Refused(Platform::kMessenger, m), "messages[0].card.buttons[0].action");

  m = CardOf(CardLayout::kCarousel);
  m.card.elements.assign(10, {std::string(80, 't'), std::string(80, 's'), "", {}});
  EXPECT_EQ(Refused(Platform::kMessenger, m), "");
  m.card.elements[3].subtitle += "s";
  EXPECT_EQ(Refused(Platform::kMessenger, m), "messages[0].card.elements[3].subtitle");
  m.card.elements[3].subtitle.pop_back();
  m.card.elements.push_back(m.card.elements[0]);
  EXPECT_EQ(Refused(Platform::kMessenger, m), "messages[0].card.elements");

  EXPECT_EQ(Refused(Platform::kMessenger, Text(std::string(1999, 'a'))), "");
  EXPECT_EQ(Refused(Platform::kMessenger, Text(std::string(2000, 'a'))), "messages[0].text");

  Message image = Media(MessageKind::kImage);
  image.media.caption = "Look";
  EXPECT_EQ(Refused(Platform::kMessenger, image), "messages[0].media.caption");
}

TEST(Composition, InstagramCountsTextInBytes) {
  // 333 three-byte characters = 999 bytes; one more is 1002.
  std::string text;
  for (int i = 0; i < 333; ++i) text += "\xE4\xBD\xA0";
  Message m = CardOf(CardLayout::kQuickReplies);
  m.card.text = text;
  EXPECT_EQ(Refused(Platform::kInstagram, m), "");
  m.card.text += "\xE4\xBD\xA0";
  EXPECT_EQ(Refused(Platform::kInstagram, m), "messages[0].card.text");
  EXPECT_EQ(Refused(Platform::kInstagram, Text(std::string(1000, 'a'))), "");
  EXPECT_EQ(Refused(Platform::kInstagram, Text(std::string(1001, 'a'))), "messages[0].text");
}

TEST(Composition, WhatsAppInteractiveLimits) {
  Message m = CardOf(CardLayout::kButtons);
  m.card.buttons = {Postback("A", "a"), Postback("B", "b"), Postback("C", "c")};
  EXPECT_EQ(Refused(Platform::kWhatsApp, m), "");
  m.card.buttons.push_back(Postback("D", "d"));
  EXPECT_EQ(Refused(Platform::kWhatsApp, m), "messages[0].card.buttons");
  m.card.buttons = {Postback("A", "same"), Postback("B", "same")};
  EXPECT_EQ(Refused(Platform::kWhatsApp, m), "messages[0].card.buttons[1].payload");
  // One link button is a call-to-action; a link beside reply buttons is not possible.
  m.card.buttons = {Link("Shop")};
  EXPECT_EQ(Refused(Platform::kWhatsApp, m), "");
  m.card.buttons = {Link("Shop"), Postback("Ask")};
  EXPECT_EQ(Refused(Platform::kWhatsApp, m), "messages[0].card.buttons");
  m.card.buttons = {Postback("A")};
  m.card.title = "T";
  m.card.image_url = "https://cdn.example/h.jpg";
  EXPECT_EQ(Refused(Platform::kWhatsApp, m), "messages[0].card.image_url");

  Message list = CardOf(CardLayout::kList);
  list.card.sections = {{"S1", {}}, {"S2", {}}};
  for (int i = 0; i < 5; ++i) {
    list.card.sections[0].rows.push_back({"a" + std::to_string(i), "Row", ""});
    list.card.sections[1].rows.push_back({"b" + std::to_string(i), "Row", ""});
  }
  EXPECT_EQ(Refused(Platform::kWhatsApp, list), "");
  list.card.sections[1].rows.push_back({"b5", "Row", ""});
  EXPECT_EQ(Refused(Platform::kWhatsApp, list), "messages[0].card.sections");
  list.card.sections[1].rows.pop_back();
  list.card.sections[1].title.clear();
  EXPECT_EQ(Refused(Platform::kWhatsApp, list), "messages[0].card.sections[1].title");
  list.card.sections[1].title = "S2";
  list.card.sections[0].rows[0].title = std::string(24, 'r');
  EXPECT_EQ(Refused(Platform::kWhatsApp, list), "");
  list.card.sections[0].rows[0].title += "r";
  EXPECT_EQ(Refused(Platform::kWhatsApp, list), "messages[0].card.sections[0].rows[0].title");

  EXPECT_EQ(Refused(Platform::kWhatsApp, Text(std::string(4096, 'a'))), "");
  EXPECT_EQ(Refused(Platform::kWhatsApp, Text(std::string(4097, 'a'))), "messages[0].text");
}

TEST(Composition, WhatsAppReplyTitlesAreUnique) {
  Message m = CardOf(CardLayout::kButtons);
  m.card.buttons = {Postback("Yes", "a"), Postback("No", "b")};
  EXPECT_EQ(Refused(Platform::kWhatsApp, m), "");
  m.card.buttons[1].title = "Yes";
  EXPECT_EQ(Refused(Platform::kWhatsApp, m), "messages[0].card.buttons[1].title");
}

TEST(Composition, WhatsAppCaptionsAndFileNamesOnlyWhereShown) {
  // The Cloud API media object: captions on image, video and document; a file name on a
  // document only.
  for (const MessageKind kind : {MessageKind::kImage, MessageKind::kVideo, MessageKind::kFile}) {
    Message m = Media(kind);
    m.media.caption = "c";
    EXPECT_EQ(Refused(Platform::kWhatsApp, m), "") << ToString(kind);
  }
  Message audio = Media(MessageKind::kAudio);
  EXPECT_EQ(Refused(Platform::kWhatsApp, audio), "");
  audio.media.caption = "c";
  EXPECT_EQ(Refused(Platform::kWhatsApp, audio), "messages[0].media.caption");
  Message file = Media(MessageKind::kFile);
  file.media.filename = "a.pdf";
  EXPECT_EQ(Refused(Platform::kWhatsApp, file), "");
  for (const MessageKind kind : {MessageKind::kImage, MessageKind::kVideo, MessageKind::kAudio}) {
    Message m = Media(kind);
    m.media.filename = "a.pdf";
    EXPECT_EQ(Refused(Platform::kWhatsApp, m), "messages[0].media.filename") << ToString(kind);
  }
}

TEST(Composition, LineTemplateLimits) {
  Message m = CardOf(CardLayout::kButtons);
  m.card.text = std::string(160, 'a');
  EXPECT_EQ(Refused(Platform::kLine, m), "");
  m.card.text += "a";
  EXPECT_EQ(Refused(Platform::kLine, m), "messages[0].card.text");
  // With a title the text has room for 60.
  m.card.title = "Sale";
  m.card.text = std::string(60, 'a');
  EXPECT_EQ(Refused(Platform::kLine, m), "");
  m.card.text += "a";
  EXPECT_EQ(Refused(Platform::kLine, m), "messages[0].card.text");
  m.card.text = "a";
  m.card.buttons.assign(4, Postback("B"));
  EXPECT_EQ(Refused(Platform::kLine, m), "");
  m.card.buttons.push_back(Postback("B"));
  EXPECT_EQ(Refused(Platform::kLine, m), "messages[0].card.buttons");
  m.card.buttons = {Postback("B", std::string(300, 'd'))};
  EXPECT_EQ(Refused(Platform::kLine, m), "");
  m.card.buttons[0].payload += "d";
  EXPECT_EQ(Refused(Platform::kLine, m), "messages[0].card.buttons[0].payload");
  m.card.buttons = {Postback("B")};
  m.card.footer = "f";
  EXPECT_EQ(Refused(Platform::kLine, m), "messages[0].card.footer");

  Message carousel = CardOf(CardLayout::kCarousel);
  carousel.card.elements[1].buttons.push_back(Postback("More"));
  EXPECT_EQ(Refused(Platform::kLine, carousel), "messages[0].card.elements[1].buttons");
  carousel = CardOf(CardLayout::kCarousel);
  carousel.card.elements[1].subtitle.clear();
  EXPECT_EQ(Refused(Platform::kLine, carousel), "messages[0].card.elements[1].subtitle");
  // A title on every column or on none (LINE's carousel template), like the image.
  carousel = CardOf(CardLayout::kCarousel);
  carousel.card.elements[1].title.clear();
  EXPECT_EQ(Refused(Platform::kLine, carousel), "messages[0].card.elements[1].title");
  for (auto& e : carousel.card.elements) e.title.clear();
  EXPECT_EQ(Refused(Platform::kLine, carousel), "");

  Message flex = CardOf(CardLayout::kFlex);
  std::string bubbles;
  for (int i = 0; i < 12; ++i) bubbles += std::string(i ? "," : "") + R"({"type":"bubble"})";
  flex.card.flex = R"({"type":"carousel","contents":[)" + bubbles + "]}";
  EXPECT_EQ(Refused(Platform::kLine, flex), "");
  flex.card.flex = R"({"type":"carousel","contents":[)" + bubbles + R"(,{"type":"bubble"}]})";
  EXPECT_EQ(Refused(Platform::kLine, flex), "messages[0].card.flex.contents");

  Message video = Media(MessageKind::kVideo);
  EXPECT_EQ(Refused(Platform::kLine, video), "messages[0].media.preview_url");
  Message audio = Media(MessageKind::kAudio);
  EXPECT_EQ(Refused(Platform::kLine, audio), "messages[0].media.duration_ms");

  // 2500 emoji are 5000 UTF-16 code units.
  std::string text;
  for (int i = 0; i < 2500; ++i) text += "\xF0\x9F\x8E\x89";
  EXPECT_EQ(Refused(Platform::kLine, Text(text)), "");
  EXPECT_EQ(Refused(Platform::kLine, Text(text + "a")), "messages[0].text");
}

TEST(Composition, TheMarketingMessageApiTakesLinkButtonsOnly) {
  Message card = CardOf(CardLayout::kButtons);
  card.card.buttons = {Link("Shop"), Link("Blog", "https://blog.example/")};
  EXPECT_TRUE(CheckMarketingMessageApiContent(std::vector<Message>{card}).ok());
  card.card.buttons.push_back(Postback("Ask"));
  Status s = CheckMarketingMessageApiContent(std::vector<Message>{card});
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().field, "messages[0].card.buttons[2].action");
  Message carousel = CardOf(CardLayout::kCarousel);
  s = CheckMarketingMessageApiContent(std::vector<Message>{carousel});
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().field, "messages[0].card.elements[0].buttons[0].action");
  s = CheckMarketingMessageApiContent(std::vector<Message>{CardOf(CardLayout::kQuickReplies)});
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().field, "messages[0].card.layout");
  EXPECT_TRUE(CheckMarketingMessageApiContent(std::vector<Message>{Text("hi")}).ok());
}

TEST(Composition, SubscribeButtonsCarryCriersOwnPayloads) {
  const Button subscribe{ButtonAction::kSubscribe, "Join", "", ""};
  const Button unsubscribe{ButtonAction::kUnsubscribe, "Stop", "", ""};
  EXPECT_EQ(ButtonIntentOf(PayloadOf(subscribe)), ButtonBehaviour::kSubscribe);
  EXPECT_EQ(ButtonIntentOf(PayloadOf(unsubscribe)), ButtonBehaviour::kUnsubscribe);
  EXPECT_EQ(ButtonIntentOf(PayloadOf(Postback("x", "FLOW_1"))), ButtonBehaviour::kBotFlow);
  EXPECT_EQ(PayloadOf(Link("x")), "");
}

}  // namespace
}  // namespace crier::channels
