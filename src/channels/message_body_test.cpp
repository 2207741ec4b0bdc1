// The compiled message JSON (message_body.h) against the copy-and-build path it replaces:
// byte for byte the same request for every media kind and card layout each platform takes,
// for contacts whose values must be escaped, sanitised or fall back; and the same per-copy
// limit check on both sides of each limit.
#include "channels/message_body.h"

#include <gtest/gtest.h>

#include <string>
#include <utility>
#include <vector>

#include "channels/composition.h"
#include "channels/line_adapter.h"
#include "channels/messenger_adapter.h"
#include "channels/whatsapp_adapter.h"

namespace crier::channels {
namespace {

Button Url(std::string title, std::string url) {
  return {ButtonAction::kUrl, std::move(title), std::move(url), {}};
}
Button Postback(std::string title, std::string payload) {
  return {ButtonAction::kPostback, std::move(title), {}, std::move(payload)};
}
Button Action(ButtonAction action, std::string title) { return {action, std::move(title), {}, {}}; }

Message MediaMessage(MessageKind kind, std::string url) {
  Message m;
  m.kind = kind;
  m.media.url = std::move(url);
  return m;
}

Message CardMessage(CardLayout layout) {
  Message m;
  m.kind = MessageKind::kCard;
  m.card.layout = layout;
  return m;
}

Contact Person(Id id, std::string name, std::string first_name, std::string city = {}) {
  Contact c;
  c.id = id;
  c.name = std::move(name);
  c.first_name = std::move(first_name);
  if (!city.empty()) c.attributes.push_back({"city", std::move(city)});
  return c;
}

// Names that must be escaped (quotes, backslashes, control characters, U+2028), sanitised
// (invalid and truncated UTF-8), counted as two UTF-16 units (emoji), or fall back (empty).
std::vector<Contact> Hostile() {
  return {
      Person(1, "Ann Lee", "Ann", "Taipei"),
      Person(2, R"(Bob"},"recipient":{"id":"666"},"x":"\)", R"(B"o\b)", "台中"),
      Person(3, "tab\there\nnew\x01line\x1f", "\x7f", "a\u2028b\u2029c"),
      Person(4, "bad \xff\xfe utf8 \xe4\xb8", "\xc0\xaf", "\xed\xa0\x80"),
      Person(5, "😀 emoji 👩‍👩‍👧", "🎉", "🏙"),
      Person(6, "", "", ""),
      Person(7, "{{contact.name}}", "{{{{", "}}"),
      Person(8, "Zoë", "", "Hà Nội"),
  };
}

struct Case {
  std::string name;
  Platform platform;
  Message message;
  // Whether the message renders by its compiled JSON (else every copy goes the old way).
  bool compiles = true;
};

// Every kind and layout each platform takes (composition.h's matrix), with personalised texts
// everywhere a recipient reads or follows one, including the click token.
std::vector<Case> Cases() {
  std::vector<Case> cases;
  const std::string hi = R"(Hi {{contact.first_name | "there"}})";
  const std::string city = "{{contact.attr.city}}";
  const std::string link = "https://shop.example/p?c={{crier.click}}&city={{contact.attr.city}}";

  // Messenger and Instagram.
  for (Platform p : {Platform::kMessenger, Platform::kInstagram}) {
    const std::string pn = p == Platform::kMessenger ? "messenger " : "instagram ";
    cases.push_back({pn + "image", p,
                     MediaMessage(MessageKind::kImage, "https://cdn.example/a.jpg"),
                     false});  // nothing to personalise: no caption on Meta
    Message carousel = CardMessage(CardLayout::kCarousel);
    carousel.card.elements = {
        CardElement{
            hi + ", our shirt",
            "At the " + city + " store",
            "https://img.example/s.jpg",
            {Url("Shop " + city, link), Postback("Ask {{contact.first_name}}", "ASK_" + city)}},
        CardElement{"Hats", "", "", {Action(ButtonAction::kSubscribe, "Keep me posted")}},
        // A subtitle that is nothing for a contact without a city: the adapter leaves it out.
        CardElement{"Scarves", city, "", {}},
    };
    cases.push_back({pn + "carousel", p, carousel});
    Message quick = CardMessage(CardLayout::kQuickReplies);
    quick.card.text = "{{contact.name}}, still keen?";
    quick.card.buttons = {Postback("Yes " + city, "KEEN_{{contact.first_name}}"),
                          Action(ButtonAction::kUnsubscribe, "Stop")};
    cases.push_back({pn + "quick replies", p, quick});
  }
  for (MessageKind kind : {MessageKind::kVideo, MessageKind::kAudio, MessageKind::kFile}) {
    cases.push_back({"messenger media", Platform::kMessenger,
                     MediaMessage(kind, "https://cdn.example/a.bin"), false});
  }
  Message buttons = CardMessage(CardLayout::kButtons);
  buttons.card.text = hi + ", your order shipped to " + city;
  buttons.card.buttons = {Url("Track", link), Postback("Talk to us", "TALK {{contact.name}}"),
                          Action(ButtonAction::kUnsubscribe, "Stop updates")};
  cases.push_back({"messenger buttons", Platform::kMessenger, buttons});

  // WhatsApp.
  const std::pair<MessageKind, const char*> wa_media[] = {{MessageKind::kImage, "caption"},
                                                          {MessageKind::kVideo, "caption"},
                                                          {MessageKind::kAudio, nullptr},
                                                          {MessageKind::kFile, "both"}};
  for (const auto& [kind, texts] : wa_media) {
    Message m = MediaMessage(kind, "https://cdn.example/a.bin");
    if (texts != nullptr) m.media.caption = hi + ", from " + city + " with love";
    if (texts != nullptr && std::string(texts) == "both") m.media.filename = "{{contact.name}}.pdf";
    cases.push_back({"whatsapp media", Platform::kWhatsApp, m, texts != nullptr});
  }
  // A caption that is only a placeholder: left out when it renders empty.
  Message bare = MediaMessage(MessageKind::kImage, "https://cdn.example/a.jpg");
  bare.media.caption = city;
  cases.push_back({"whatsapp bare caption", Platform::kWhatsApp, bare});
  Message wa_cta = CardMessage(CardLayout::kButtons);
  wa_cta.card.title = hi;
  wa_cta.card.text = "Your order for {{contact.name}} is ready";
  wa_cta.card.footer = "{{contact.attr.city}}";
  wa_cta.card.buttons = {Url("Track it", link)};
  cases.push_back({"whatsapp cta_url", Platform::kWhatsApp, wa_cta});
  Message wa_reply = CardMessage(CardLayout::kButtons);
  wa_reply.card.image_url = "https://img.example/h.jpg";
  wa_reply.card.text = hi + ", still keen?";
  wa_reply.card.buttons = {Postback("Yes", "YES"), Postback("No", "NO")};
  cases.push_back({"whatsapp reply buttons", Platform::kWhatsApp, wa_reply});
  // Personalised reply titles must stay unique per copy: judged on the copy itself.
  Message wa_reply_personal = wa_reply;
  wa_reply_personal.card.buttons = {Postback("Yes {{contact.first_name}}", "YES"),
                                    Postback("No {{contact.first_name}}", "NO")};
  cases.push_back(
      {"whatsapp personal reply titles", Platform::kWhatsApp, wa_reply_personal, false});
  Message wa_list = CardMessage(CardLayout::kList);
  wa_list.card.title = "Menu";
  wa_list.card.text = hi + ", pick a slot";
  wa_list.card.list_button = "Slots";
  wa_list.card.sections = {
      ListSection{"Near " + city,
                  {ListRow{"a", "Morning", "At the " + city + " store"},
                   ListRow{"b", "Evening {{contact.first_name}}", ""}}},
      ListSection{"Online", {ListRow{"c", "Video call", city}}},
  };
  cases.push_back({"whatsapp list", Platform::kWhatsApp, wa_list});

  // LINE.
  Message line_image = MediaMessage(MessageKind::kImage, "https://cdn.example/a.jpg");
  cases.push_back({"line image", Platform::kLine, line_image, false});
  Message line_buttons = CardMessage(CardLayout::kButtons);
  line_buttons.card.title = "{{contact.first_name}}";
  line_buttons.card.text = hi + " from " + city;
  line_buttons.card.buttons = {Url("Shop", link), Postback("Ask", "ASK {{contact.name}}"),
                               Action(ButtonAction::kSubscribe, "News")};
  cases.push_back({"line buttons, text as alt text", Platform::kLine, line_buttons});
  Message line_alt = line_buttons;
  line_alt.card.alt_text = "A card for {{contact.name}}";
  cases.push_back({"line buttons with alt text", Platform::kLine, line_alt});
  Message line_carousel = CardMessage(CardLayout::kCarousel);
  line_carousel.card.alt_text = "New for {{contact.name}}";
  line_carousel.card.elements = {
      CardElement{"Shirt", hi, "https://img.example/s.jpg", {Url("Shop " + city, link)}},
      CardElement{"Tote", "In " + city, "https://img.example/t.jpg", {Postback("Ask", "T")}},
  };
  cases.push_back({"line carousel", Platform::kLine, line_carousel});
  Message line_quick = CardMessage(CardLayout::kQuickReplies);
  line_quick.card.text = "{{contact.name}}, still keen?";
  line_quick.card.buttons = {Postback("Yes " + city, "KEEN"), Url("See", link)};
  cases.push_back({"line quick replies", Platform::kLine, line_quick});
  Message flex = CardMessage(CardLayout::kFlex);
  flex.card.alt_text = "Flex for {{contact.name}}";
  flex.card.flex = R"({"type":"bubble","body":{"type":"box","layout":"vertical","contents":[]}})";
  cases.push_back({"line flex", Platform::kLine, flex});
  Message video = MediaMessage(MessageKind::kVideo, "https://cdn.example/a.mp4");
  video.media.preview_url = "https://cdn.example/a.jpg";
  cases.push_back({"line video", Platform::kLine, video, false});
  return cases;
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

// `click` is borrowed: it must outlive the RecipientRef.
RecipientRef Recipient(Platform p, const Contact& contact, std::string_view click) {
  RecipientRef r;
  r.platform_user_id =
      p == Platform::kLine ? "U4af4980629a4f8e0e0e0e0e0e0e0e0e0" : "6000000000000001";
  r.contact = &contact;
  r.click_token = click;
  if (p == Platform::kLine) r.retry_key = "123e4567-e89b-42d3-a456-426614174000";
  return r;
}

CompiledMessage CompileOrDie(Platform platform, const Message& message) {
  auto compiled = CompileMessage(platform, message, 0, personalize::Syntax::kTracked);
  EXPECT_TRUE(compiled.ok()) << compiled.error().ToString();
  return compiled.ok() ? std::move(*compiled) : CompiledMessage{};
}

TEST(MessageBodyTest, EveryKindAndLayoutRendersTheSameRequestAsTheCopy) {
  for (const Case& c : Cases()) {
    SCOPED_TRACE(c.name);
    const auto adapter = MakeAdapter(c.platform);
    const CompiledMessage content = CompileOrDie(c.platform, c.message);
    const Status valid =
        CheckContentFor(c.platform, std::span(&c.message, 1), std::span(&content, 1));
    ASSERT_TRUE(valid.ok()) << valid.error().ToString();
    const std::optional<MessageBody> body = MessageBody::Compile(*adapter, c.message, content, 0);
    EXPECT_EQ(body.has_value(), c.compiles);
    if (body) {  // a contact with every value renders from the compiled JSON
      std::string json;
      const Result<bool> rendered = body->Render(Hostile().front(), "k7Xq2", json);
      ASSERT_TRUE(rendered.ok()) << rendered.error().ToString();
      EXPECT_TRUE(*rendered);
    }
    const ChannelAccount account = Account(c.platform);
    SendContext context;
    context.route.kind = RouteKind::kStandardWindow;
    context.route.messaging_type = "UPDATE";
    std::string scratch;
    for (const Contact& contact : Hostile()) {
      for (const char* click : {"", "k7Xq2"}) {
        SCOPED_TRACE("contact " + std::to_string(contact.id) + " click \"" + click + "\"");
        const RecipientRef recipient = Recipient(c.platform, contact, click);
        const auto fast = BuildPersonalSend(*adapter, account, recipient, context, c.message,
                                            content, body ? &*body : nullptr, 0, scratch);
        const auto copy = BuildPersonalSend(*adapter, account, recipient, context, c.message,
                                            content, nullptr, 0, scratch);
        ASSERT_TRUE(copy.ok()) << copy.error().ToString();
        ASSERT_TRUE(fast.ok()) << fast.error().ToString();
        EXPECT_EQ(fast->body, copy->body);
        EXPECT_EQ(fast->url, copy->url);
        EXPECT_EQ(fast->headers, copy->headers);
      }
    }
  }
}

// The copy path itself is what the adapters built before: the message filled in and written.
TEST(MessageBodyTest, TheCopyPathIsTheAdapterOnTheFilledMessage) {
  const Contact ann = Person(1, "Ann \"A\"", "Ann", "Taipei");
  Message m = CardMessage(CardLayout::kQuickReplies);
  m.card.text = "{{contact.name}}, still keen?";
  m.card.buttons = {Postback("Yes", "YES")};
  const MessengerAdapter adapter(Platform::kMessenger);
  const CompiledMessage content = CompileOrDie(Platform::kMessenger, m);
  const auto body = MessageBody::Compile(adapter, m, content, 0);
  ASSERT_TRUE(body.has_value());
  std::string json;
  const Result<bool> rendered = body->Render(ann, "", json);
  ASSERT_TRUE(rendered.ok());
  EXPECT_TRUE(*rendered);
  EXPECT_EQ(json, R"({"text":"Ann \"A\", still keen?","quick_replies":[{"content_type":"text",)"
                  R"("title":"Yes","payload":"YES"}]})");
}

// Texts whose JSON the adapter does not write as a string of their own cannot be rendered
// from the stencil: a subscribe button's own payload is never sent (crier's is).
TEST(MessageBodyTest, ATextTheAdapterDoesNotWriteLeavesTheCopyPath) {
  Message m = CardMessage(CardLayout::kQuickReplies);
  m.card.text = "Still keen?";
  m.card.buttons = {Button{ButtonAction::kSubscribe, "News", "", "P {{contact.name}}"}};
  const MessengerAdapter adapter(Platform::kMessenger);
  const CompiledMessage content = CompileOrDie(Platform::kMessenger, m);
  EXPECT_FALSE(MessageBody::Compile(adapter, m, content, 0).has_value());
}

// A message whose personalised texts the platform refuses whatever they say (a caption
// Messenger does not show) keeps the copy path, which fails every copy with the reason.
TEST(MessageBodyTest, AMessageRefusedWhateverItsTextsKeepsTheCopyPath) {
  Message m = MediaMessage(MessageKind::kImage, "https://cdn.example/a.jpg");
  m.media.caption = "{{contact.name}}";
  const MessengerAdapter adapter(Platform::kMessenger);
  const CompiledMessage content = CompileOrDie(Platform::kMessenger, m);
  EXPECT_FALSE(MessageBody::Compile(adapter, m, content, 0).has_value());
  const Contact ann = Person(1, "Ann", "Ann");
  std::string scratch;
  SendContext context;
  const auto request = BuildPersonalSend(adapter, Account(Platform::kMessenger),
                                         Recipient(Platform::kMessenger, ann, ""), context, m,
                                         content, nullptr, 0, scratch);
  ASSERT_FALSE(request.ok());
  EXPECT_EQ(request.error().field, "messages[0].media.caption");
}

struct LimitCase {
  std::string name;
  Platform platform;
  Message message;
  std::string field;
  Contact fits;
  Contact too_long;
};

std::vector<LimitCase> LimitCases() {
  std::vector<LimitCase> cases;
  // Messenger: an element title is at most 80 characters; "{{contact.name}}" + 70.
  Message carousel = CardMessage(CardLayout::kCarousel);
  carousel.card.elements = {
      CardElement{"Shirts", "", "", {}},
      CardElement{"{{contact.name}}" + std::string(70, 'x'), "", "", {}},
  };
  cases.push_back({"messenger element title", Platform::kMessenger, carousel,
                   "messages[0].card.elements[1].title", Person(11, "ÅÅÅÅÅÅÅÅÅÅ", ""),
                   Person(12, "ÅÅÅÅÅÅÅÅÅÅÅ", "")});
  // Instagram counts quick-reply text in bytes: at most 1000; 990 + a name of 10 or 11 bytes.
  Message quick = CardMessage(CardLayout::kQuickReplies);
  quick.card.text = std::string(990, 'q') + "{{contact.name}}";
  quick.card.buttons = {Postback("Yes", "YES")};
  cases.push_back({"instagram quick text", Platform::kInstagram, quick, "messages[0].card.text",
                   Person(13, "ÅÅÅÅÅ", ""), Person(14, "ÅÅÅÅÅx", "")});
  // LINE: a compact buttons card's text is at most 60 UTF-16 units, the tighter of that and
  // the 1,500 of the notification text it also is; an emoji counts two.
  Message line = CardMessage(CardLayout::kButtons);
  line.card.title = "Menu";
  line.card.text = std::string(50, 'l') + "{{contact.name}}";
  line.card.buttons = {Postback("Ask", "ASK")};
  cases.push_back({"line compact text", Platform::kLine, line, "messages[0].card.text",
                   Person(15, "😀😀😀😀😀", ""), Person(16, "😀😀😀😀😀x", "")});
  // WhatsApp: a caption is at most 1024 characters.
  Message image = MediaMessage(MessageKind::kImage, "https://cdn.example/a.jpg");
  image.media.caption = std::string(1020, 'c') + R"({{contact.first_name | "you!"}})";
  cases.push_back({"whatsapp caption with fallback", Platform::kWhatsApp, image,
                   "messages[0].media.caption", Person(17, "", ""), Person(18, "", "Anne!")});
  // A link button's URL is at most 2000 bytes, the click token included.
  Message buttons = CardMessage(CardLayout::kButtons);
  buttons.card.text = "Shop";
  buttons.card.buttons = {
      Url("Go", "https://s.example/" + std::string(1969, 'u') + "?c={{crier.click}}")};
  cases.push_back({"messenger url with click", Platform::kMessenger, buttons,
                   "messages[0].card.buttons[0].url", Person(19, "", ""), Person(20, "", "")});
  return cases;
}

TEST(MessageBodyTest, ACopyOverALimitFailsNamingTheFieldAndTheContactOnBothPaths) {
  for (const LimitCase& c : LimitCases()) {
    SCOPED_TRACE(c.name);
    const auto adapter = MakeAdapter(c.platform);
    const CompiledMessage content = CompileOrDie(c.platform, c.message);
    // Everyone's shortest copy fits: only a long value breaks the limit.
    const Status shortest =
        CheckContentFor(c.platform, std::span(&c.message, 1), std::span(&content, 1));
    ASSERT_TRUE(shortest.ok()) << shortest.error().ToString();
    const auto body = MessageBody::Compile(*adapter, c.message, content, 0);
    ASSERT_TRUE(body.has_value());
    // The URL case: 1,990 bytes and a 10-byte token fit in 2,000; an 11-byte one does not.
    const bool url = c.name.find("url") != std::string::npos;
    const std::string fit_click = url ? "0123456789" : "";
    const std::string long_click = url ? "0123456789a" : "";
    std::string scratch;
    SendContext context;
    for (const MessageBody* b : {&*body, static_cast<const MessageBody*>(nullptr)}) {
      SCOPED_TRACE(b != nullptr ? "compiled" : "copy");
      const auto fits =
          BuildPersonalSend(*adapter, Account(c.platform), Recipient(c.platform, c.fits, fit_click),
                            context, c.message, content, b, 0, scratch);
      EXPECT_TRUE(fits.ok()) << fits.error().ToString();
      const auto over = BuildPersonalSend(*adapter, Account(c.platform),
                                          Recipient(c.platform, c.too_long, long_click), context,
                                          c.message, content, b, 0, scratch);
      ASSERT_FALSE(over.ok());
      EXPECT_EQ(over.error().code, ErrorCode::kInvalidArgument);
      EXPECT_EQ(over.error().field, c.field);
      EXPECT_NE(over.error().message.find("contact " + std::to_string(c.too_long.id)),
                std::string::npos)
          << over.error().message;
    }
    // Rendering straight into a buffer leaves it as it was when a text is over its limit.
    std::string out = "kept";
    const auto over = body->Render(c.too_long, long_click, out);
    EXPECT_FALSE(over.ok());
    EXPECT_EQ(out, "kept");
  }
}

}  // namespace
}  // namespace crier::channels
