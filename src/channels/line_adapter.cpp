#include "channels/line_adapter.h"

#include <string>
#include <vector>

#include <boost/json.hpp>

#include "channels/composition.h"
#include "channels/content.h"
#include "channels/json_escape.h"

namespace crier::channels {
namespace {

bool IsHex(char c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

OutboundRequest BaseRequest(const ChannelAccount& account, std::string_view endpoint,
                            std::string_view retry_key) {
  OutboundRequest req;
  req.url = JoinUrl(account.api_base_url, {"v2", "bot", "message", endpoint});
  req.headers.reserve(3);
  req.headers.emplace_back("Authorization", "Bearer " + account.access_token);
  req.headers.emplace_back("Content-Type", "application/json");
  if (!retry_key.empty()) req.headers.emplace_back("X-Line-Retry-Key", std::string(retry_key));
  return req;
}

// One LINE action for a button (platforms.md 5.3): a link opens its URI; postback,
// subscribe and unsubscribe come back as a postback event carrying PayloadOf(button).
void AppendAction(std::string& body, const Button& button) {
  if (button.action == ButtonAction::kUrl) {
    body.append(R"({"type":"uri","label":)");
    AppendJsonString(body, button.title);
    body.append(R"(,"uri":)");
    AppendJsonString(body, button.url);
  } else {
    body.append(R"({"type":"postback","label":)");
    AppendJsonString(body, button.title);
    body.append(R"(,"data":)");
    AppendJsonString(body, PayloadOf(button));
  }
  body.push_back('}');
}

void AppendActions(std::string& body, const std::vector<Button>& buttons) {
  body.append(R"("actions":[)");
  for (std::size_t i = 0; i < buttons.size(); ++i) {
    if (i > 0) body.push_back(',');
    AppendAction(body, buttons[i]);
  }
  body.push_back(']');
}

// What the notification and chat list show for a template: the card's alt text, else its
// own words (a carousel has none of its own: the first column's title, else its text, which
// LINE requires).
std::string_view AltTextOf(const Card& card) {
  if (!card.alt_text.empty()) return card.alt_text;
  if (card.layout == CardLayout::kCarousel && !card.elements.empty()) {
    const CardElement& first = card.elements.front();
    return first.title.empty() ? std::string_view(first.subtitle) : std::string_view(first.title);
  }
  return card.text;
}

void AppendOptional(std::string& body, std::string_view key, std::string_view value) {
  if (value.empty()) return;
  body.push_back('"');
  body.append(key);
  body.append("\":");
  AppendJsonString(body, value);
  body.push_back(',');
}

void AppendCard(std::string& body, const Card& card) {
  switch (card.layout) {
    case CardLayout::kButtons:
      body.append(R"({"type":"template","altText":)");
      AppendJsonString(body, AltTextOf(card));
      body.append(R"(,"template":{"type":"buttons",)");
      AppendOptional(body, "thumbnailImageUrl", card.image_url);
      AppendOptional(body, "title", card.title);
      body.append(R"("text":)");
      AppendJsonString(body, card.text);
      body.push_back(',');
      AppendActions(body, card.buttons);
      body.append("}}");
      return;
    case CardLayout::kCarousel:
      body.append(R"({"type":"template","altText":)");
      AppendJsonString(body, AltTextOf(card));
      body.append(R"(,"template":{"type":"carousel","columns":[)");
      for (std::size_t i = 0; i < card.elements.size(); ++i) {
        const CardElement& e = card.elements[i];
        if (i > 0) body.push_back(',');
        body.push_back('{');
        AppendOptional(body, "thumbnailImageUrl", e.image_url);
        AppendOptional(body, "title", e.title);
        body.append(R"("text":)");
        AppendJsonString(body, e.subtitle);
        body.push_back(',');
        AppendActions(body, e.buttons);
        body.push_back('}');
      }
      body.append("]}}");
      return;
    case CardLayout::kQuickReplies:
      body.append(R"({"type":"text","text":)");
      AppendJsonString(body, card.text);
      body.append(R"(,"quickReply":{"items":[)");
      for (std::size_t i = 0; i < card.buttons.size(); ++i) {
        if (i > 0) body.push_back(',');
        body.append(R"({"type":"action","action":)");
        AppendAction(body, card.buttons[i]);
        body.push_back('}');
      }
      body.append("]}}");
      return;
    case CardLayout::kFlex:
      body.append(R"({"type":"flex","altText":)");
      AppendJsonString(body, AltTextOf(card));
      // The container was parsed and re-serialised when it was read (codec/message_json),
      // so it is one well-formed JSON object.
      body.append(R"(,"contents":)");
      body.append(card.flex);
      body.push_back('}');
      return;
    case CardLayout::kList:
      break;
  }
  // Unreachable: ValidateMessage refuses a list card before anything is built. An empty text
  // makes LINE refuse the request rather than crier send something else.
  body.append(R"({"type":"text","text":""})");
}

// One message object of LINE's `messages` array, from the message as the recipient gets it
// (already personalised by the caller).
void AppendLineMessage(std::string& body, const Message& m) {
  switch (m.kind) {
    case MessageKind::kImage:
    case MessageKind::kVideo:
      body.append(m.kind == MessageKind::kImage ? R"({"type":"image","originalContentUrl":)"
                                                : R"({"type":"video","originalContentUrl":)");
      AppendJsonString(body, m.media.url);
      body.append(R"(,"previewImageUrl":)");
      // An image is its own preview unless a smaller one is given; a video always has one
      // (channels/composition).
      AppendJsonString(body, m.media.preview_url.empty() ? m.media.url : m.media.preview_url);
      body.push_back('}');
      return;
    case MessageKind::kAudio:
      body.append(R"({"type":"audio","originalContentUrl":)");
      AppendJsonString(body, m.media.url);
      body.append(R"(,"duration":)");
      body.append(std::to_string(m.media.duration_ms));
      body.push_back('}');
      return;
    case MessageKind::kCard:
      AppendCard(body, m.card);
      return;
    case MessageKind::kText:
    case MessageKind::kTemplate:  // refused by ValidateMessage
    case MessageKind::kFile:      // refused by ValidateMessage
      break;
  }
  body.append(R"({"type":"text","text":)");
  AppendJsonString(body, m.text);
  body.push_back('}');
}

// Roughly what a message adds to a body, so the body is allocated once.
std::size_t SizeHint(const Message& m) {
  std::size_t n = 48 + m.text.size() + m.text.size() / 8 + m.media.url.size() +
                  m.media.preview_url.size() + m.card.text.size() + m.card.title.size() +
                  m.card.alt_text.size() + m.card.image_url.size() + m.card.flex.size();
  for (const Button& b : m.card.buttons) n += 64 + b.title.size() + b.url.size() + b.payload.size();
  for (const CardElement& e : m.card.elements) {
    n += 64 + e.title.size() + e.subtitle.size() + e.image_url.size();
    for (const Button& b : e.buttons) n += 64 + b.title.size() + b.url.size() + b.payload.size();
  }
  return n;
}

void AppendMessages(std::string& body, std::span<const Message> messages) {
  body.append(R"("messages":[)");
  for (std::size_t i = 0; i < messages.size(); ++i) {
    if (i > 0) body.push_back(',');
    AppendLineMessage(body, messages[i]);
  }
  body.push_back(']');
}

// One message, personalised for the recipient when the context carries its compiled texts.
void AppendMessage(std::string& body, const Message& message, const RecipientRef& recipient,
                   const SendContext& context) {
  const CompiledMessage* content = context.content;
  body.append(R"("messages":[)");
  if (message.kind == MessageKind::kText) {
    body.append(R"({"type":"text","text":)");
    AppendContentString(body, content != nullptr && content->text ? &*content->text : nullptr,
                        recipient.contact, message.text, recipient.click_token);
    body.push_back('}');
  } else {
    Message scratch;
    AppendLineMessage(
        body, Personalise(message, content, recipient.contact, scratch, recipient.click_token));
  }
  body.push_back(']');
}

Status CheckCommon(std::span<const Message> messages, std::string_view retry_key) {
  if (messages.empty() || messages.size() > kLineMaxMessages) {
    return InvalidArgument("messages", "LINE takes 1 to 5 messages per request, not " +
                                           std::to_string(messages.size()));
  }
  for (std::size_t i = 0; i < messages.size(); ++i) {
    if (auto why = Unsupported(Platform::kLine, messages[i])) {
      return InvalidArgument("messages[" + std::to_string(i) + "].kind", *why);
    }
  }
  if (!retry_key.empty() && !IsLineRetryKey(retry_key)) {
    return InvalidArgument("X-Line-Retry-Key", "the retry key must be a hexadecimal UUID");
  }
  return Status::Ok();
}

std::string LowerAscii(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

}  // namespace

std::optional<ErrorClass> LineErrorClass(int status, std::string_view message) {
  if ((status >= 200 && status < 300) || status == 409) return std::nullopt;
  if (status == 429) {
    // The monthly quota is spent: nothing more goes out until it refills (next month, or a
    // plan change), so the account halts rather than slows.
    if (LowerAscii(message).find(kLineMonthlyLimitText) != std::string::npos) {
      return ErrorClass::kChannelHalted;
    }
    return ErrorClass::kSlowDown;
  }
  if (status >= 500) return ErrorClass::kRetryLater;  // with the same retry key
  if (status == 401) return ErrorClass::kAuth;
  if (status == 403) return ErrorClass::kChannelHalted;         // the plan does not allow this API
  if (status == 404) return ErrorClass::kRecipientUnreachable;  // unknown, not a friend, blocked
  return ErrorClass::kInvalidRequest;  // 400, 410, 413, 415 and anything else
}

bool IsLineUserId(std::string_view id) {
  if (id.size() != 33 || id[0] != 'U') return false;
  for (const char c : id.substr(1)) {
    if (!(c >= '0' && c <= '9') && !(c >= 'a' && c <= 'f')) return false;
  }
  return true;
}

bool IsLineRetryKey(std::string_view key) {
  if (key.size() != 36) return false;
  for (std::size_t i = 0; i < key.size(); ++i) {
    const bool dash = i == 8 || i == 13 || i == 18 || i == 23;
    if (dash ? key[i] != '-' : !IsHex(key[i])) return false;
  }
  return true;
}

std::string RetryKeyFromBytes(std::span<const unsigned char, 16> random) {
  static constexpr char kHex[] = "0123456789abcdef";
  unsigned char b[16];
  for (std::size_t i = 0; i < 16; ++i) b[i] = random[i];
  b[6] = static_cast<unsigned char>((b[6] & 0x0F) | 0x40);  // version 4
  b[8] = static_cast<unsigned char>((b[8] & 0x3F) | 0x80);  // RFC 4122 variant
  std::string out;
  out.reserve(36);
  for (std::size_t i = 0; i < 16; ++i) {
    if (i == 4 || i == 6 || i == 8 || i == 10) out.push_back('-');
    out.push_back(kHex[b[i] >> 4]);
    out.push_back(kHex[b[i] & 0xF]);
  }
  return out;
}

Status LineAdapter::ValidateMessage(const Message& message) const {
  if (message.kind == MessageKind::kTemplate) {
    return InvalidArgument("template", "LINE takes no templates");
  }
  if (auto why = Unsupported(Platform::kLine, message)) {
    return InvalidArgument(message.kind == MessageKind::kCard ? "card.layout" : "kind", *why);
  }
  return Status::Ok();
}

OutboundRequest LineAdapter::BuildSend(const ChannelAccount& account, const RecipientRef& recipient,
                                       const SendContext& context, const Message& message) const {
  OutboundRequest req = BaseRequest(account, "push", recipient.retry_key);
  std::string& body = req.body;
  body.reserve(16 + recipient.platform_user_id.size() + SizeHint(message));
  body.append(R"({"to":)");
  AppendJsonString(body, recipient.platform_user_id);
  body.push_back(',');
  AppendMessage(body, message, recipient, context);
  body.push_back('}');
  return req;
}

Result<OutboundRequest> LineAdapter::BuildPush(const ChannelAccount& account, std::string_view to,
                                               std::span<const Message> messages,
                                               std::string_view retry_key) const {
  CRIER_RETURN_IF_ERROR(CheckCommon(messages, retry_key));
  if (to.empty()) return InvalidArgument("to", "a push needs its recipient");
  OutboundRequest req = BaseRequest(account, "push", retry_key);
  req.body.append(R"({"to":)");
  AppendJsonString(req.body, to);
  req.body.push_back(',');
  AppendMessages(req.body, messages);
  req.body.push_back('}');
  return req;
}

Result<OutboundRequest> LineAdapter::BuildMulticast(const ChannelAccount& account,
                                                    std::span<const std::string> to,
                                                    std::span<const Message> messages,
                                                    std::string_view retry_key) const {
  CRIER_RETURN_IF_ERROR(CheckCommon(messages, retry_key));
  if (to.empty() || to.size() > kLineMaxMulticastRecipients) {
    return InvalidArgument(
        "to", "a multicast goes to 1 to 500 user ids, not " + std::to_string(to.size()));
  }
  for (std::size_t i = 0; i < to.size(); ++i) {
    if (!IsLineUserId(to[i])) {
      // Multicast refuses group and room ids; a malformed id would fail the whole batch.
      return InvalidArgument("to[" + std::to_string(i) + "]",
                             "a multicast takes user ids only (U and 32 hex digits)");
    }
  }
  OutboundRequest req = BaseRequest(account, "multicast", retry_key);
  std::string& body = req.body;
  std::size_t size = 32 + to.size() * 36;
  for (const auto& m : messages) size += SizeHint(m);
  body.reserve(size);
  body.append(R"({"to":[)");
  for (std::size_t i = 0; i < to.size(); ++i) {
    if (i > 0) body.push_back(',');
    AppendJsonString(body, to[i]);
  }
  body.append("],");
  AppendMessages(body, messages);
  body.push_back('}');
  return req;
}

SendResult LineAdapter::Classify(const TransportResult& result) const {
  if (auto no_answer = NoAnswerResult(result, /*idempotent=*/true)) return *no_answer;
  SendResult out;

  boost::system::error_code ec;
  const boost::json::value doc = boost::json::parse(result.body, ec);
  const boost::json::object* obj = ec ? nullptr : doc.if_object();

  if ((result.status >= 200 && result.status < 300) || result.status == 409) {
    out.sent = true;
    if (result.status == 409) out.platform_status = "already_accepted";
    if (obj != nullptr) {
      if (const auto* sent = obj->if_contains("sentMessages");
          sent != nullptr && sent->is_array()) {
        for (const auto& m : sent->get_array()) {
          const auto* mo = m.if_object();
          const auto* id = mo != nullptr ? mo->if_contains("id") : nullptr;
          if (id == nullptr || !id->is_string()) continue;
          if (!out.platform_message_id.empty()) out.platform_message_id.push_back(',');
          out.platform_message_id.append(id->get_string());
        }
      }
    }
    if (out.platform_message_id.empty()) {
      const auto request_id =
          net::FindHeader(result.headers, result.status == 409 ? "X-Line-Accepted-Request-Id"
                                                               : "X-Line-Request-Id");
      if (request_id) out.platform_message_id = std::string(*request_id);
    }
    return out;
  }

  std::string message;
  if (obj != nullptr) {
    if (const auto* m = obj->if_contains("message"); m != nullptr && m->is_string()) {
      message = std::string(m->get_string());
    }
    if (const auto* d = obj->if_contains("details"); d != nullptr && d->is_array()) {
      for (const auto& detail : d->get_array()) {
        const auto* o = detail.if_object();
        if (o == nullptr) continue;
        const auto* dm = o->if_contains("message");
        const auto* dp = o->if_contains("property");
        message += "; ";
        if (dp != nullptr && dp->is_string()) message += std::string(dp->get_string()) + ": ";
        if (dm != nullptr && dm->is_string()) message += std::string(dm->get_string());
      }
    }
  } else {
    message = result.body;
  }
  out.error_class = LineErrorClass(result.status, message).value_or(ErrorClass::kInvalidRequest);
  out.error_code = out.error_class == ErrorClass::kChannelHalted && result.status == 429
                       ? "line_monthly_limit"
                       : "http_" + std::to_string(result.status);
  out.error_message = ScrubSecrets(message);
  out.retry_after = ParseRetryAfter(result.headers);
  return out;
}

}  // namespace crier::channels
