#include "core/links.h"

#include <gtest/gtest.h>

namespace crier {
namespace {

Message Text(std::string text) {
  Message m;
  m.text = std::move(text);
  return m;
}

TEST(Links, FoundInTextWithoutTheSentenceAroundThem) {
  const std::vector<Message> messages = {
      Text("New in: https://shop.example/new. Also (https://blog.example/post?a=1&b=2), "
           "and HTTPS://Shop.Example/UP!"),
      Text("no links here, not even xhttps://a.example or http:/broken")};
  const std::vector<std::string> official = {"shop.example"};
  const auto links = FindLinks(messages, official);
  ASSERT_EQ(links.size(), 3u);
  EXPECT_EQ(links[0], (Link{0, "text", "https://shop.example/new", true}));
  EXPECT_EQ(links[1], (Link{0, "text", "https://blog.example/post?a=1&b=2", false}));
  EXPECT_EQ(links[2], (Link{0, "text", "HTTPS://Shop.Example/UP", true}));
}

TEST(Links, ButtonsCaptionsAndParametersCountMediaDoesNot) {
  Message card;
  card.kind = MessageKind::kCard;
  card.card.layout = CardLayout::kButtons;
  card.card.text = "See https://www.shop.example/sale";
  card.card.buttons = {{ButtonAction::kUrl, "Shop", "https://evilshop.example/", ""},
                       {ButtonAction::kPostback, "Ask", "", "ASK"}};
  Message image;
  image.kind = MessageKind::kImage;
  image.media.url = "https://cdn.example/a.jpg";
  image.media.caption = "More at https://shop.example";
  Message tpl;
  tpl.kind = MessageKind::kTemplate;
  tpl.template_message.body_parameters = {"https://track.example/1"};
  const std::vector<std::string> official = {"shop.example"};
  const auto links = FindLinks(std::vector<Message>{card, image, tpl}, official);
  ASSERT_EQ(links.size(), 4u);
  EXPECT_EQ(links[0], (Link{0, "card.text", "https://www.shop.example/sale", true}));
  EXPECT_EQ(links[1], (Link{0, "card.buttons[0].url", "https://evilshop.example/", false}));
  EXPECT_EQ(links[2], (Link{1, "media.caption", "https://shop.example", true}));
  EXPECT_EQ(links[3], (Link{2, "template.body_parameters[0]", "https://track.example/1", false}));
}

TEST(Links, APlaceholderInsideALinkIsPartOfIt) {
  const std::vector<Message> messages = {
      Text("Yours: https://shop.example/?c={{ contact.attr.code | \"none\" }}. Bye "
           "(https://shop.example/{{contact.attr.path}})")};
  const auto links = FindLinks(messages, {});
  ASSERT_EQ(links.size(), 2u);
  EXPECT_EQ(links[0].url, "https://shop.example/?c={{ contact.attr.code | \"none\" }}");
  EXPECT_EQ(links[1].url, "https://shop.example/{{contact.attr.path}}");
}

TEST(Links, TrackingRewritesEveryLinkFindLinksCountsInItsOrder) {
  Message card;
  card.kind = MessageKind::kCard;
  card.card.layout = CardLayout::kButtons;
  card.card.text = "See https://www.shop.example/sale, or https://blog.example/x.";
  card.card.buttons = {{ButtonAction::kUrl, "Shop", "https://shop.example/?u={{contact.name}}", ""},
                       {ButtonAction::kPostback, "Ask", "", "ASK"}};
  Message image;
  image.kind = MessageKind::kImage;
  image.media.url = "https://cdn.example/a.jpg";
  image.media.caption = "More at https://shop.example";
  const std::vector<Message> messages = {Text("Hi {{contact.first_name}}! https://a.example/1"),
                                         card, image, Text("no links")};
  const auto links = FindLinks(messages, {});
  ASSERT_EQ(links.size(), 5u);
  const auto tracked = WithTrackedLinks(messages, "https://crier.example/r");
  ASSERT_EQ(tracked.size(), messages.size());
  EXPECT_EQ(tracked[0].text,
            "Hi {{contact.first_name}}! https://crier.example/r/{{crier.click}}/0");
  EXPECT_EQ(tracked[1].card.text,
            "See https://crier.example/r/{{crier.click}}/1, or "
            "https://crier.example/r/{{crier.click}}/2.");
  EXPECT_EQ(tracked[1].card.buttons[0].url, "https://crier.example/r/{{crier.click}}/3");
  EXPECT_EQ(tracked[1].card.buttons[1].payload, "ASK");
  EXPECT_EQ(tracked[2].media.url, "https://cdn.example/a.jpg");  // an asset, not a link
  EXPECT_EQ(tracked[2].media.caption, "More at https://crier.example/r/{{crier.click}}/4");
  EXPECT_EQ(tracked[3].text, "no links");
  // The rewritten links are what FindLinks finds again, one for one.
  EXPECT_EQ(FindLinks(tracked, {}).size(), links.size());
}

TEST(Links, MediaHeadersAndPayloadsHoldNoLinks) {
  Message tpl;
  tpl.kind = MessageKind::kTemplate;
  tpl.template_message.header_kind = TemplateHeaderKind::kImage;
  tpl.template_message.header_parameters = {"https://cdn.example/banner.jpg"};
  tpl.template_message.body_parameters = {"https://shop.example/a"};
  Message text_header = tpl;
  text_header.template_message.header_kind = TemplateHeaderKind::kText;
  text_header.template_message.header_parameters = {"see https://shop.example/h"};
  Message card;
  card.kind = MessageKind::kCard;
  card.card.layout = CardLayout::kQuickReplies;
  card.card.text = "Pick";
  card.card.buttons = {{ButtonAction::kPostback, "Go", "", "https://bot.example/flow"}};
  const std::vector<Message> messages = {tpl, text_header, card};
  const auto links = FindLinks(messages, {});
  ASSERT_EQ(links.size(), 3u);
  EXPECT_EQ(links[0], (Link{0, "template.body_parameters[0]", "https://shop.example/a", false}));
  EXPECT_EQ(links[1], (Link{1, "template.header_parameters[0]", "https://shop.example/h", false}));
  EXPECT_EQ(links[2], (Link{1, "template.body_parameters[0]", "https://shop.example/a", false}));
  // Tracking leaves them as written: the platform fetches the image, the bot gets its payload.
  const auto tracked = WithTrackedLinks(messages, "https://crier.example/r");
  EXPECT_EQ(tracked[0].template_message.header_parameters[0], "https://cdn.example/banner.jpg");
  EXPECT_EQ(tracked[2].card.buttons[0].payload, "https://bot.example/flow");
  EXPECT_EQ(tracked[1].template_message.header_parameters[0],
            "see https://crier.example/r/{{crier.click}}/1");
}

TEST(Links, HostsAreComparedWholeAndWithoutCase) {
  EXPECT_EQ(HostOf("https://user:pw@Shop.Example:8443/x"), "shop.example");
  EXPECT_EQ(HostOf("ftp://shop.example"), "");
  const std::vector<std::string> official = {"Shop.Example"};
  EXPECT_TRUE(IsOfficial("https://shop.example/", official));
  EXPECT_TRUE(IsOfficial("https://a.b.shop.example/", official));
  EXPECT_FALSE(IsOfficial("https://evilshop.example/", official));
  EXPECT_FALSE(IsOfficial("https://shop.example.evil.example/", official));
  EXPECT_FALSE(IsOfficial("https://shop.example/", {}));
}

}  // namespace
}  // namespace crier
