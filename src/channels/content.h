// A broadcast message's texts compiled for personalisation (PRODUCT.md D1): compiled once per
// run, rendered per recipient by the adapters straight into the request body.
#pragma once

#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/model.h"
#include "core/personalize.h"
#include "core/result.h"

namespace crier::channels {

struct CompiledMessage {
  // kText: the message text, and the most it may be once personalised on this platform.
  std::optional<personalize::Template> text;
  personalize::TextLimit text_limit;
  // kTemplate: the parameters, in order. Their length is the template's business: Meta
  // refuses an over-long parameter itself, so no limit is applied here.
  std::vector<personalize::Template> body_parameters;
  std::vector<personalize::Template> header_parameters;
  // Media and cards: their texts in ForEachPersonalText order (core/message_texts.h), filled
  // into a copy of the message per recipient (Personalise). Empty when none has a placeholder.
  std::vector<personalize::Template> texts;

  // Whether any text of the message has a placeholder, so that recipients get different
  // requests. Identical content may go to many people in one request (LINE multicast);
  // personalised content goes per recipient. Every member that holds a Template counts.
  bool personalised() const;
  std::vector<personalize::Template> button_parameters;  // URL suffixes
};

// Whether any of a broadcast's messages is personalised (CompiledMessage::personalised).
bool AnyPersonalised(std::span<const CompiledMessage> messages);

// The platform's limit on a text message's text: Messenger under 2000 characters, Instagram
// 1000 bytes, WhatsApp 4096 characters, LINE 5000 UTF-16 code units (platforms.md).
personalize::TextLimit TextLimitFor(Platform platform);

// Compiles every text of `message`, the `index`th of its broadcast. Errors name the field as
// the API does ("messages[1].text", "messages[0].template.body_parameters[2]") and the
// character where the problem starts. Template button parameters are
// "messages[i].template.button_parameters[j]". `syntax` is kTracked for messages whose links
// crier rewrote to its redirect (WithTrackedLinks, core/links.h).
Result<CompiledMessage> CompileMessage(Platform platform, const Message& message, std::size_t index,
                                       personalize::Syntax syntax = personalize::Syntax::kContact);
// All of a broadcast's messages; the first error wins.
Result<std::vector<CompiledMessage>> CompileMessages(
    Platform platform, const std::vector<Message>& messages,
    personalize::Syntax syntax = personalize::Syntax::kContact);

// A broadcast's messages as its runs put them on the wire, compiled once per run: as written,
// or, given a `redirect_base` (the broadcast tracks clicks, PRODUCT.md G3), with every link
// through crier's redirect (WithTrackedLinks, core/links.h) and `{{crier.click}}` allowed.
struct WireContent {
  std::vector<Message> messages;
  std::vector<CompiledMessage> compiled;
};
Result<WireContent> CompileWireContent(Platform platform, const std::vector<Message>& messages,
                                       std::string_view redirect_base);

// Whether the text of `message` rendered for `contact` is within the platform's limit:
// kInvalidArgument on the text's field naming the length and the limit otherwise. Only a
// personalised text is measured (a fixed one was checked when the broadcast was saved), and
// measuring writes nothing. `click` is the copy's click token (personalize.h), here and below.
Status CheckRenderedLength(const CompiledMessage& message, const Contact& contact,
                           std::string_view click = {});

// The broadcast's messages checked against `platform`'s rules (channels/composition.h) as
// written, with every placeholder of a media or card text at its shortest (its fallback, or
// nothing): what fails for everyone is refused now; what outgrows a limit for one person
// fails that person's copy when it is sent (CheckRendered).
Status CheckContentFor(Platform platform, std::span<const Message> messages,
                       std::span<const CompiledMessage> compiled);

// The `index`th message as `contact` gets it, against `platform`'s limits: the personalised
// text (CheckRenderedLength, from `compiled`) or, when the message has media or card texts to
// fill, `as_sent` — the copy Personalise made for `contact`. Writes nothing.
Status CheckRendered(Platform platform, const Message& as_sent, const CompiledMessage& compiled,
                     const Contact& contact, std::size_t index, std::string_view click = {});

// `message` as `contact` gets it: a copy in `scratch` with its media and card texts filled in
// when they have placeholders, else `message` itself. Text and template parameters are
// filled by the adapters straight into the body (AppendContentString). With no `content` or
// no `contact`, `message` as written.
const Message& Personalise(const Message& message, const CompiledMessage* content,
                           const Contact* contact, Message& scratch, std::string_view click = {});

// Appends `text` as a quoted JSON string: personalised for `contact` when `compiled` is set,
// else `fallback` as written.
void AppendContentString(std::string& body, const personalize::Template* compiled,
                         const Contact* contact, std::string_view fallback,
                         std::string_view click = {});

}  // namespace crier::channels
