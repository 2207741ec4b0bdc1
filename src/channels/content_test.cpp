// CompiledMessage::personalised: what decides whether a broadcast's copies may share one
// request (LINE multicast) or go per recipient.
#include "channels/content.h"

#include <gtest/gtest.h>

namespace crier::channels {
namespace {

CompiledMessage Compile(const Message& m) {
  auto compiled = CompileMessage(Platform::kLine, m, 0);
  EXPECT_TRUE(compiled.ok()) << compiled.error().ToString();
  return std::move(*compiled);
}

Message Text(std::string text) { return {MessageKind::kText, std::move(text), {}}; }

TEST(ContentTest, ATextWithAPlaceholderIsPersonalised) {
  EXPECT_TRUE(Compile(Text("Hi {{contact.first_name}}")).personalised());
  EXPECT_TRUE(Compile(Text("Hi {{ contact.name | \"there\" }}")).personalised());
}

TEST(ContentTest, AFixedTextIsNotEvenWithLiteralBraces) {
  EXPECT_FALSE(Compile(Text("Sale today")).personalised());
  EXPECT_FALSE(Compile(Text("{{{{contact.name}} is written as is")).personalised());
}

TEST(ContentTest, TheWireReadsTheLiteralBracesOfFixedCardTexts) {
  Message card;
  card.kind = MessageKind::kCard;
  card.card.layout = CardLayout::kButtons;
  card.card.text = "Use {{{{code}} at checkout";
  card.card.buttons = {{ButtonAction::kUrl, "Hi {{contact.first_name}}", "https://a.example", ""}};
  auto wire = CompileWireContent(Platform::kMessenger, {card}, "");
  ASSERT_TRUE(wire.ok()) << wire.error().ToString();
  EXPECT_EQ(wire->messages[0].card.text, "Use {{code}} at checkout");
  EXPECT_EQ(wire->messages[0].card.buttons[0].title, "Hi {{contact.first_name}}")
      << "filled per copy";
  Contact ann;
  ann.first_name = "Ann";
  Message scratch;
  const Message& sent = Personalise(wire->messages[0], &wire->compiled[0], &ann, scratch);
  EXPECT_EQ(sent.card.text, "Use {{code}} at checkout");
  EXPECT_EQ(sent.card.buttons[0].title, "Hi Ann");
  // With nothing personalised the message goes as the wire holds it: resolved too.
  card.card.buttons[0].title = "Shop";
  wire = CompileWireContent(Platform::kMessenger, {card}, "");
  ASSERT_TRUE(wire.ok());
  EXPECT_TRUE(wire->compiled[0].texts.empty());
  EXPECT_EQ(wire->messages[0].card.text, "Use {{code}} at checkout");
}

TEST(ContentTest, ATemplateParameterWithAPlaceholderIsPersonalised) {
  Message m;
  m.kind = MessageKind::kTemplate;
  m.template_message.body_parameters = {"A-1"};
  EXPECT_FALSE(Compile(m).personalised());
  m.template_message.header_parameters = {"{{contact.attr.city}}"};
  EXPECT_TRUE(Compile(m).personalised());
}

TEST(ContentTest, OnePersonalisedMessageMakesTheBroadcastPersonalised) {
  std::vector<CompiledMessage> messages;
  messages.push_back(Compile(Text("one")));
  EXPECT_FALSE(AnyPersonalised(messages));
  messages.push_back(Compile(Text("two {{contact.locale}}")));
  EXPECT_TRUE(AnyPersonalised(messages));
}

}  // namespace
}  // namespace crier::channels
