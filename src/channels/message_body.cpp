#include "channels/message_body.h"

#include <algorithm>
#include <charconv>
#include <utility>

#include "channels/composition.h"
#include "core/message_texts.h"

namespace crier::channels {
namespace {

// Stencil strings are "<prefix>t<i>z" for the i-th text of ForEachPersonalText: letters and
// digits only, so no adapter has a reason to escape them, and the closing 'z' keeps "t1z"
// from being the start of "t10z".
constexpr std::string_view kStencilStem = "crierstencil";
constexpr int kStencilTries = 16;

std::string StencilOf(std::string_view prefix, std::size_t i) {
  return std::string(prefix) + "t" + std::to_string(i) + "z";
}

// The index of the stencil string that starts at `at` in `json` (after `prefix`), with `end`
// set just past it; nullopt when what follows the prefix is not "t<digits>z".
std::optional<std::size_t> StencilAt(std::string_view json, std::size_t at, std::size_t prefix,
                                     std::size_t& end) {
  std::size_t p = at + prefix;
  if (p >= json.size() || json[p] != 't') return std::nullopt;
  ++p;
  std::size_t i = 0;
  const auto [ptr, ec] = std::from_chars(json.data() + p, json.data() + json.size(), i);
  if (ec != std::errc() || ptr == json.data() + p) return std::nullopt;
  p = static_cast<std::size_t>(ptr - json.data());
  if (p >= json.size() || json[p] != 'z') return std::nullopt;
  end = p + 1;
  return i;
}

}  // namespace

std::optional<MessageBody> MessageBody::Compile(const ChannelAdapter& adapter,
                                                const Message& message,
                                                const CompiledMessage& content, std::size_t index) {
  if (message.kind == MessageKind::kText || message.kind == MessageKind::kTemplate ||
      content.texts.empty()) {
    return std::nullopt;
  }
  // A prefix that the message as written nowhere contains, so that every occurrence in the
  // stencil's JSON is one of its texts.
  std::string written;
  adapter.AppendMessageJson(written, message);
  std::string prefix;
  for (int k = 0; k < kStencilTries && prefix.empty(); ++k) {
    std::string candidate = std::string(kStencilStem) + std::to_string(k);
    if (written.find(candidate) == std::string::npos) prefix = std::move(candidate);
  }
  if (prefix.empty()) return std::nullopt;

  Message stencil = message;
  DeferredCheck deferred;
  std::size_t i = 0;
  bool aligned = true;
  ForEachPersonalText(stencil, [&](const std::string& field, std::string& text) {
    if (i >= content.texts.size()) {
      aligned = false;
    } else if (content.texts[i].personalised()) {
      text = StencilOf(prefix, i);
      deferred.texts.emplace(field, text);
    }
    ++i;
  });
  if (!aligned || i != content.texts.size()) return std::nullopt;
  if (!CheckMessageDeferring(adapter.platform(), stencil, index, &deferred).ok() ||
      !deferred.exact) {
    return std::nullopt;
  }

  // Each personalised text's limit: the tightest of composition's rules on its field.
  std::vector<std::optional<personalize::TextLimit>> limits(content.texts.size());
  for (std::size_t t = 0; t < content.texts.size(); ++t) {
    for (const DeferredCheck::Limit& rule : deferred.limits) {
      if (rule.field != content.texts[t].field()) continue;
      auto& limit = limits[t];
      if (!limit) {
        limit = rule.limit;
      } else if (limit->unit != rule.limit.unit) {
        return std::nullopt;  // one length cannot stand for both
      } else {
        limit->max = std::min(limit->max, rule.limit.max);
      }
    }
  }

  std::string json;
  adapter.AppendMessageJson(json, stencil);
  personalize::BodyTemplate::Builder builder;
  std::vector<bool> seen(content.texts.size(), false);
  std::size_t from = 0;
  for (std::size_t at = json.find(prefix); at != std::string::npos; at = json.find(prefix, from)) {
    std::size_t end = 0;
    const std::optional<std::size_t> t = StencilAt(json, at, prefix.size(), end);
    // Only a whole JSON string of its own stands for the text: an adapter that cut, joined or
    // escaped it would write something else for a real text.
    const bool whole = t && *t < content.texts.size() && content.texts[*t].personalised() &&
                       at > from && json[at - 1] == '"' && (at < 2 || json[at - 2] != '\\') &&
                       end < json.size() && json[end] == '"';
    if (!whole) return std::nullopt;
    builder.Raw(std::string_view(json).substr(from, at - 1 - from));
    // A text written twice (LINE's notification text is the card's text when it has no alt
    // text) is checked once.
    builder.Text(content.texts[*t], seen[*t] ? personalize::TextLimit{}
                                             : limits[*t].value_or(personalize::TextLimit{}));
    seen[*t] = true;
    from = end + 1;
  }
  builder.Raw(std::string_view(json).substr(from));
  MessageBody out(builder.Build());
  const Contact nobody;
  for (std::size_t t = 0; t < content.texts.size(); ++t) {
    const personalize::Template& text = content.texts[t];
    if (!text.personalised()) continue;
    if (!seen[t]) return std::nullopt;  // not written, or not as itself
    // What renders as nothing for a contact without any value can render as nothing.
    if (text.Measure(nobody).bytes == 0) out.may_be_empty_.push_back(text);
  }
  return out;
}

Result<bool> MessageBody::Render(const Contact& contact, std::string_view click,
                                 std::string& out) const {
  for (const personalize::Template& text : may_be_empty_) {
    if (text.Measure(contact, click).bytes == 0) return false;
  }
  const Status rendered = body_.Render(contact, {}, out, click);
  if (!rendered.ok()) return rendered.error();
  return true;
}

Result<OutboundRequest> BuildPersonalSend(const ChannelAdapter& adapter,
                                          const ChannelAccount& account,
                                          const RecipientRef& recipient, SendContext context,
                                          const Message& message, const CompiledMessage& content,
                                          const MessageBody* body, std::size_t index,
                                          std::string& scratch) {
  const Contact* contact = recipient.contact;
  if (body != nullptr && contact != nullptr) {
    scratch.clear();
    const Result<bool> rendered = body->Render(*contact, recipient.click_token, scratch);
    if (!rendered.ok()) return rendered.error();
    if (*rendered) {
      context.content = nullptr;
      context.message_json = scratch;
      return adapter.BuildSend(account, recipient, context, message);
    }
  }
  context.message_json = {};
  if (contact == nullptr) {
    context.content = nullptr;
    return adapter.BuildSend(account, recipient, context, message);
  }
  // Media and card texts are filled once, here: the copy is checked and then sent as it is.
  Message personal;
  const Message& as_sent = Personalise(message, &content, contact, personal, recipient.click_token);
  CRIER_RETURN_IF_ERROR(
      CheckRendered(adapter.platform(), as_sent, content, *contact, index, recipient.click_token));
  // With its texts filled already, the copy goes without the compiled ones (the adapter would
  // fill them again); text and template parameters are rendered by the adapter itself.
  context.content = content.texts.empty() ? &content : nullptr;
  return adapter.BuildSend(account, recipient, context, as_sent);
}

}  // namespace crier::channels
