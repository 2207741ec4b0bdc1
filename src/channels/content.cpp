#include "channels/content.h"

#include <utility>

#include "channels/composition.h"
#include "channels/json_escape.h"
#include "core/links.h"
#include "core/message_texts.h"

namespace crier::channels {
namespace {

std::string_view UnitName(personalize::LengthUnit unit) {
  switch (unit) {
    case personalize::LengthUnit::kBytes:
      return "bytes";
    case personalize::LengthUnit::kCodePoints:
      return "characters";
    case personalize::LengthUnit::kUtf16Units:
      return "UTF-16 code units";
  }
  return "characters";
}

Result<std::vector<personalize::Template>> CompileList(const std::vector<std::string>& texts,
                                                       const std::string& field,
                                                       personalize::Syntax syntax) {
  std::vector<personalize::Template> out;
  out.reserve(texts.size());
  for (std::size_t j = 0; j < texts.size(); ++j) {
    auto compiled =
        personalize::Template::Compile(texts[j], field + "[" + std::to_string(j) + "]", syntax);
    if (!compiled.ok()) return compiled.error();
    out.push_back(std::move(*compiled));
  }
  return out;
}

bool AnyTemplatePersonalised(const std::vector<personalize::Template>& texts) {
  for (const personalize::Template& t : texts) {
    if (t.personalised()) return true;
  }
  return false;
}

}  // namespace

bool CompiledMessage::personalised() const {
  return (text && text->personalised()) || AnyTemplatePersonalised(body_parameters) ||
         AnyTemplatePersonalised(header_parameters) || AnyTemplatePersonalised(button_parameters) ||
         AnyTemplatePersonalised(texts);
}

bool AnyPersonalised(std::span<const CompiledMessage> messages) {
  for (const CompiledMessage& m : messages) {
    if (m.personalised()) return true;
  }
  return false;
}

personalize::TextLimit TextLimitFor(Platform platform) {
  using personalize::LengthUnit;
  switch (platform) {
    case Platform::kMessenger:
      return {LengthUnit::kCodePoints, 1999};
    case Platform::kInstagram:
      return {LengthUnit::kBytes, 1000};
    case Platform::kWhatsApp:
      return {LengthUnit::kCodePoints, 4096};
    case Platform::kLine:
      return {LengthUnit::kUtf16Units, 5000};
  }
  return {};
}

Result<CompiledMessage> CompileMessage(Platform platform, const Message& message, std::size_t index,
                                       personalize::Syntax syntax) {
  const std::string prefix = "messages[" + std::to_string(index) + "]";
  CompiledMessage out;
  if (message.kind == MessageKind::kText) {
    auto text = personalize::Template::Compile(message.text, prefix + ".text", syntax);
    if (!text.ok()) return text.error();
    out.text = std::move(*text);
    out.text_limit = TextLimitFor(platform);
    return out;
  }
  if (message.kind == MessageKind::kTemplate) {
    const TemplateMessage& t = message.template_message;
    auto body = CompileList(t.body_parameters, prefix + ".template.body_parameters", syntax);
    if (!body.ok()) return body.error();
    out.body_parameters = std::move(*body);
    auto header = CompileList(t.header_parameters, prefix + ".template.header_parameters", syntax);
    if (!header.ok()) return header.error();
    out.header_parameters = std::move(*header);
    auto buttons = CompileList(t.button_parameters, prefix + ".template.button_parameters", syntax);
    if (!buttons.ok()) return buttons.error();
    out.button_parameters = std::move(*buttons);
    return out;
  }
  Status failed = Status::Ok();
  bool any = false;
  ForEachPersonalText(message, [&](const std::string& field, const std::string& text) {
    if (!failed.ok()) return;
    auto compiled = personalize::Template::Compile(text, prefix + "." + field, syntax);
    if (!compiled.ok()) {
      failed = compiled.error();
      return;
    }
    any = any || compiled->personalised();
    out.texts.push_back(std::move(*compiled));
  });
  if (!failed.ok()) return failed.error();
  if (!any) out.texts.clear();  // nothing to fill: the message goes as written
  return out;
}

Result<std::vector<CompiledMessage>> CompileMessages(Platform platform,
                                                     const std::vector<Message>& messages,
                                                     personalize::Syntax syntax) {
  std::vector<CompiledMessage> out;
  out.reserve(messages.size());
  for (std::size_t i = 0; i < messages.size(); ++i) {
    auto compiled = CompileMessage(platform, messages[i], i, syntax);
    if (!compiled.ok()) return compiled.error();
    out.push_back(std::move(*compiled));
  }
  return out;
}

Result<WireContent> CompileWireContent(Platform platform, const std::vector<Message>& messages,
                                       std::string_view redirect_base) {
  WireContent out;
  out.messages = redirect_base.empty() ? messages : WithTrackedLinks(messages, redirect_base);
  auto compiled = CompileMessages(
      platform, out.messages,
      redirect_base.empty() ? personalize::Syntax::kContact : personalize::Syntax::kTracked);
  if (!compiled.ok()) return compiled.error();
  out.compiled = std::move(*compiled);
  // A media or card text without placeholders goes as the messages hold it, so its literal
  // braces are resolved here, once: "{{{{x}}" reads "{{x}}".
  for (Message& message : out.messages) {
    ForEachPersonalText(message, [&](const std::string& field, std::string& text) {
      if (text.find("{{") == std::string::npos) return;
      auto fixed = personalize::Template::Compile(text, field, personalize::Syntax::kTracked);
      if (fixed.ok() && !fixed->personalised()) text = fixed->RenderPlain(Contact{});
    });
  }
  return out;
}

Status CheckRenderedLength(const CompiledMessage& message, const Contact& contact,
                           std::string_view click) {
  if (!message.text || !message.text->personalised()) return Status::Ok();
  const TextLength length = message.text->Measure(contact, click);
  const std::size_t n = personalize::LengthIn(length, message.text_limit.unit);
  if (n <= message.text_limit.max) return Status::Ok();
  const std::string unit(UnitName(message.text_limit.unit));
  return InvalidArgument(message.text->field(),
                         "is " + std::to_string(n) + " " + unit + " for contact " +
                             std::to_string(contact.id) + " once personalised; at most " +
                             std::to_string(message.text_limit.max) + " " + unit + " are allowed");
}

const Message& Personalise(const Message& message, const CompiledMessage* content,
                           const Contact* contact, Message& scratch, std::string_view click) {
  if (content == nullptr || contact == nullptr || content->texts.empty()) return message;
  scratch = message;
  std::size_t i = 0;
  ForEachPersonalText(scratch, [&](const std::string&, std::string& text) {
    // A text without placeholders is already what everyone gets.
    if (i < content->texts.size() && content->texts[i].personalised()) {
      text = content->texts[i].RenderPlain(*contact, click);
    }
    ++i;
  });
  return scratch;
}

Status CheckContentFor(Platform platform, std::span<const Message> messages,
                       std::span<const CompiledMessage> compiled) {
  const Contact nobody;
  std::vector<Message> shortest;
  shortest.reserve(messages.size());
  for (std::size_t i = 0; i < messages.size(); ++i) {
    Message scratch;
    shortest.push_back(
        Personalise(messages[i], i < compiled.size() ? &compiled[i] : nullptr, &nobody, scratch));
  }
  return CheckMessagesFor(platform, shortest);
}

Status CheckRendered(Platform platform, const Message& as_sent, const CompiledMessage& compiled,
                     const Contact& contact, std::size_t index, std::string_view click) {
  CRIER_RETURN_IF_ERROR(CheckRenderedLength(compiled, contact, click));
  if (compiled.texts.empty()) return Status::Ok();
  const Status fits = CheckMessageFor(platform, as_sent, index);
  if (fits.ok()) return fits;
  Error error = fits.error();
  error.message += " (for contact " + std::to_string(contact.id) + " once personalised)";
  return error;
}

void AppendContentString(std::string& body, const personalize::Template* compiled,
                         const Contact* contact, std::string_view fallback,
                         std::string_view click) {
  if (compiled == nullptr || contact == nullptr) {
    AppendJsonString(body, fallback);
    return;
  }
  body.push_back('"');
  compiled->AppendJson(body, *contact, click);
  body.push_back('"');
}

}  // namespace crier::channels
