#include "codec/message_json.h"

#include <gtest/gtest.h>

namespace crier {
namespace {

boost::json::value Parse(std::string_view text) { return boost::json::parse(text); }

Result<Message> Read(std::string_view text) { return MessageFromJson(Parse(text), "messages[0]"); }

// The field and message of a refusal, for one-line expectations.
std::string Refusal(std::string_view text) {
  auto m = Read(text);
  if (m.ok()) return "accepted";
  return m.error().field + ": " + m.error().message;
}

TEST(MessageJson, EveryKindReadsBackAsItWasWritten) {
  const char* const kBodies[] = {
      R"({"kind":"text","text":"Hi {{contact.first_name}}"})",
      R"({"kind":"template","template":{"name":"order_update","language":"en_US",)"
      R"("category":"utility","header_parameters":["A"],"body_parameters":["1","2"],)"
      R"("button_parameters":["track/7"],"header_kind":"text","buttons":[)"
      R"({"index":0,"type":"quick_reply","payload":"crier:unsubscribe"},{"index":1,"type":"url"}]}})",
      R"({"kind":"image","media":{"url":"https://cdn.example/a.jpg","preview_url":)"
      R"("https://cdn.example/a_s.jpg","caption":"New"}})",
      R"({"kind":"video","media":{"url":"https://cdn.example/v.mp4","preview_url":)"
      R"("https://cdn.example/v.jpg"}})",
      R"({"kind":"audio","media":{"url":"https://cdn.example/a.m4a","duration_ms":61000}})",
      R"({"kind":"file","media":{"url":"https://cdn.example/menu.pdf","filename":"menu.pdf",)"
      R"("caption":"Our menu"}})",
      R"({"kind":"card","card":{"layout":"buttons","text":"Pick one","title":"Sale",)"
      R"("image_url":"https://cdn.example/c.jpg","buttons":[{"action":"url","title":"Shop",)"
      R"("url":"https://shop.example/"},{"action":"postback","title":"Ask","payload":"FLOW_7"},)"
      R"({"action":"unsubscribe","title":"Stop"}]}})",
      R"({"kind":"card","card":{"layout":"carousel","elements":[{"title":"A","subtitle":"a",)"
      R"("image_url":"https://cdn.example/a.jpg","buttons":[{"action":"subscribe",)"
      R"("title":"Join"}]},{"title":"B","buttons":[]}]}})",
      R"({"kind":"card","card":{"layout":"quick_replies","text":"Which?","buttons":[)"
      R"({"action":"postback","title":"Red","payload":"RED"}]}})",
      R"({"kind":"card","card":{"layout":"list","text":"Menu","footer":"f","list_button":)"
      R"("Open","sections":[{"title":"S","rows":[{"id":"r1","title":"One","description":"d"}]}]}})",
      R"({"kind":"card","card":{"layout":"flex","alt_text":"Sale","flex":{"type":"bubble",)"
      R"("body":{"type":"box","layout":"vertical","contents":[{"type":"text","text":"Hi"}]}}}})",
  };
  for (const char* body : kBodies) {
    SCOPED_TRACE(body);
    auto m = Read(body);
    ASSERT_TRUE(m.ok()) << m.error().field << ": " << m.error().message;
    EXPECT_EQ(boost::json::value(MessageToJson(*m)), Parse(body));
    auto again = MessageFromJson(MessageToJson(*m), "m");
    ASSERT_TRUE(again.ok());
    EXPECT_EQ(*again, *m);
  }
}

TEST(MessageJson, ButtonsCarryWhatTheirActionNeedsAndNothingElse) {
  const std::string card = R"({"kind":"card","card":{"layout":"buttons","text":"t","buttons":[)";
  EXPECT_EQ(Refusal(card + R"({"action":"url","title":"Go"}]}})"),
            "messages[0].card.buttons[0].url: is required");
  EXPECT_EQ(Refusal(card + R"({"action":"postback","title":"Go"}]}})"),
            "messages[0].card.buttons[0].payload: is required");
  EXPECT_NE(Refusal(card + R"({"action":"subscribe","title":"Go","payload":"X"}]}})")
                .find("messages[0].card.buttons[0].payload: only a postback button"),
            std::string::npos);
  EXPECT_NE(
      Refusal(card + R"({"action":"postback","title":"Go","payload":"P","url":"https://a.b"}]}})")
          .find("messages[0].card.buttons[0].url: only a button whose action is \"url\""),
      std::string::npos);
  EXPECT_NE(Refusal(card + R"({"action":"call","title":"Go"}]}})")
                .find("messages[0].card.buttons[0].action: must be"),
            std::string::npos);
  EXPECT_EQ(Refusal(card + R"({"action":"url","title":"","url":"https://a.b"}]}})"),
            "messages[0].card.buttons[0].title: must not be empty");
  EXPECT_EQ(Refusal(card + R"(]}})"), "messages[0].card.buttons: must hold at least one item");
}

TEST(MessageJson, UrlsMustBeHttpsWithAHost) {
  EXPECT_NE(Refusal(R"({"kind":"image","media":{"url":"http://cdn.example/a.jpg"}})")
                .find("messages[0].media.url: must be an https:// URL"),
            std::string::npos);
  EXPECT_NE(Refusal(R"({"kind":"image","media":{"url":"https:///a.jpg"}})")
                .find("messages[0].media.url: must be an https:// URL"),
            std::string::npos);
  EXPECT_NE(Refusal(R"({"kind":"image","media":{"url":"https://cdn.example/a b.jpg"}})")
                .find("must not contain spaces"),
            std::string::npos);
  EXPECT_EQ(Refusal(R"({"kind":"image","media":{"url":"https://c.d/a.jpg"}})"), "accepted");
  const std::string long_url = "https://c.d/" + std::string(kMaxContentUrlBytes - 12, 'a');
  EXPECT_EQ(Refusal(R"({"kind":"image","media":{"url":")" + long_url + R"("}})"), "accepted");
  EXPECT_NE(Refusal(R"({"kind":"image","media":{"url":")" + long_url + R"(a"}})").find("too long"),
            std::string::npos);
}

TEST(MessageJson, FieldsOfAnotherKindOrLayoutAreRefusedByName) {
  EXPECT_NE(Refusal(R"({"kind":"image","text":"x","media":{"url":"https://c.d/a"}})")
                .find("messages[0].text: a message of kind \"image\" has no text"),
            std::string::npos);
  EXPECT_NE(Refusal(R"({"kind":"audio","media":{"url":"https://c.d/a","caption":"c"}})")
                .find("messages[0].media.caption: is not a known field"),
            std::string::npos);
  EXPECT_NE(Refusal(R"({"kind":"card","card":{"layout":"quick_replies","text":"t",)"
                    R"("elements":[],"buttons":[{"action":"subscribe","title":"S"}]}})")
                .find("messages[0].card.elements: is not a known field"),
            std::string::npos);
  EXPECT_EQ(Refusal(R"({"kind":"video"})"), "messages[0].media: is required");
  EXPECT_NE(Refusal(R"({"kind":"sticker"})").find("messages[0].kind: must be"), std::string::npos);
}

TEST(MessageJson, AFlexCardIsABubbleOrCarouselWithAltText) {
  EXPECT_EQ(Refusal(R"({"kind":"card","card":{"layout":"flex","flex":{"type":"bubble"}}})"),
            "messages[0].card.alt_text: is required: it is what the notification and chat list "
            "show");
  EXPECT_EQ(Refusal(R"({"kind":"card","card":{"layout":"flex","alt_text":"a","flex":)"
                    R"({"type":"box"}}})"),
            "messages[0].card.flex.type: must be \"bubble\" or \"carousel\": a Flex Message "
            "container");
}

TEST(MessageJson, AudioDurationIsPositiveAndBounded) {
  const auto audio = [](std::string_view ms) {
    return Refusal(R"({"kind":"audio","media":{"url":"https://c.d/a.m4a","duration_ms":)" +
                   std::string(ms) + "}}");
  };
  EXPECT_EQ(audio("1"), "accepted");
  EXPECT_EQ(audio("86400000"), "accepted");
  EXPECT_NE(audio("0").find("messages[0].media.duration_ms"), std::string::npos);
  EXPECT_NE(audio("86400001").find("messages[0].media.duration_ms"), std::string::npos);
}

TEST(MessageJson, OneToFiveMessages) {
  const std::string one = R"({"kind":"text","text":"x"})";
  std::string list = "[";
  for (int i = 0; i < 5; ++i) list += (i ? "," : "") + one;
  EXPECT_TRUE(MessagesFromJson(Parse(list + "]"), "messages").ok());
  auto six = MessagesFromJson(Parse(list + "," + one + "]"), "messages");
  ASSERT_FALSE(six.ok());
  EXPECT_EQ(six.error().field, "messages");
  EXPECT_FALSE(MessagesFromJson(Parse("[]"), "messages").ok());
}

}  // namespace
}  // namespace crier
