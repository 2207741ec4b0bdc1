#include "channels/messenger_adapter.h"

#include <array>
#include <string>
#include <string_view>

#include <boost/json.hpp>

#include "channels/composition.h"
#include "channels/json_escape.h"

namespace crier::channels {
namespace {

constexpr std::int64_t kAnySubcode = -1;

struct GraphErrorRow {
  std::int64_t code;
  std::int64_t subcode;  // kAnySubcode: the row for the code when no exact row matches
  ErrorClass error_class;
};

// Every send-relevant Messenger/Instagram error Meta documents (platforms.md §1.6, §3), with
// what crier does about it. Exact (code, subcode) rows win over the code's kAnySubcode row.
constexpr std::array kGraphErrors = {
    // Unknown / unexpected: transient as far as anyone can tell.
    GraphErrorRow{1, kAnySubcode, ErrorClass::kRetryLater},
    GraphErrorRow{2, kAnySubcode, ErrorClass::kRetryLater},
    // Throttling: app (4), user (17), Page (32), custom (613) and business use case (8000x).
    GraphErrorRow{4, kAnySubcode, ErrorClass::kSlowDown},
    GraphErrorRow{17, kAnySubcode, ErrorClass::kSlowDown},
    GraphErrorRow{32, kAnySubcode, ErrorClass::kSlowDown},
    GraphErrorRow{613, kAnySubcode, ErrorClass::kSlowDown},
    GraphErrorRow{613, 2534040, ErrorClass::kSlowDown},
    GraphErrorRow{80001, kAnySubcode, ErrorClass::kSlowDown},
    GraphErrorRow{80002, kAnySubcode, ErrorClass::kSlowDown},
    GraphErrorRow{80003, kAnySubcode, ErrorClass::kSlowDown},
    GraphErrorRow{80004, kAnySubcode, ErrorClass::kSlowDown},
    GraphErrorRow{80005, kAnySubcode, ErrorClass::kSlowDown},
    GraphErrorRow{80006, kAnySubcode, ErrorClass::kSlowDown},
    GraphErrorRow{80008, kAnySubcode, ErrorClass::kSlowDown},
    GraphErrorRow{80009, kAnySubcode, ErrorClass::kSlowDown},
    GraphErrorRow{80014, kAnySubcode, ErrorClass::kSlowDown},
    // Per-recipient refusals by the rules: the recipient is fine, this send is not.
    GraphErrorRow{4, 2018354, ErrorClass::kPolicy},       // marketing message before its delay
    GraphErrorRow{9, 2018352, ErrorClass::kPolicy},       // opt-in request limit
    GraphErrorRow{10, kAnySubcode, ErrorClass::kPolicy},  // permission denied for this send
    GraphErrorRow{10, 2018278, ErrorClass::kPolicy},      // outside the allowed window
    GraphErrorRow{10, 2534022, ErrorClass::kPolicy},      // outside the window (Instagram)
    GraphErrorRow{10, 2018065, ErrorClass::kPolicy},      // outside the window, news messaging
    GraphErrorRow{10, 1404170, ErrorClass::kPolicy},      // Page barred from opt-in requests
    GraphErrorRow{613, 2018338, ErrorClass::kPolicy},     // excessive tag use to this person
    GraphErrorRow{613, 1893016, ErrorClass::kPolicy},     // repeated opt-in request
    // The person cannot get messages: suppress, never retry.
    GraphErrorRow{10, 2018108, ErrorClass::kRecipientUnreachable},
    GraphErrorRow{10, 1893015, ErrorClass::kPolicy},  // stopped this topic: the token only
    GraphErrorRow{100, 2018001, ErrorClass::kRecipientUnreachable},  // no matching user
    GraphErrorRow{100, 2534014, ErrorClass::kRecipientUnreachable},  // no matching IG user
    GraphErrorRow{200, 1545041, ErrorClass::kRecipientUnreachable},
    GraphErrorRow{551, kAnySubcode, ErrorClass::kRecipientUnreachable},
    GraphErrorRow{551, 1545041, ErrorClass::kRecipientUnreachable},
    // The account itself is restricted or misconfigured: pause it.
    GraphErrorRow{10, 1893063, ErrorClass::kChannelHalted},         // Page restricted from sending
    GraphErrorRow{100, 2534029, ErrorClass::kChannelHalted},        // business blocked on IG
    GraphErrorRow{200, 2534041, ErrorClass::kChannelHalted},        // owner disabled API DMs
    GraphErrorRow{368, kAnySubcode, ErrorClass::kChannelHalted},    // blocked for abuse
    GraphErrorRow{36103, kAnySubcode, ErrorClass::kChannelHalted},  // IG not yet eligible
    GraphErrorRow{190, kAnySubcode, ErrorClass::kAuth},
    GraphErrorRow{200, kAnySubcode, ErrorClass::kAuth},  // permission missing
    GraphErrorRow{200, 2018028, ErrorClass::kAuth},      // pages_messaging not approved
    GraphErrorRow{100, 2534013, ErrorClass::kAuth},      // Page not linked to IG
    // Our request is wrong (including deprecated tags since 2026-04-27).
    GraphErrorRow{100, kAnySubcode, ErrorClass::kInvalidRequest},
    GraphErrorRow{100, 2018109, ErrorClass::kInvalidRequest},  // attachment too large
    GraphErrorRow{100, 2534015, ErrorClass::kInvalidRequest},  // invalid message data
    GraphErrorRow{100, 2018008, ErrorClass::kInvalidRequest},  // attachment fetch failed
    GraphErrorRow{100, 2018294, ErrorClass::kInvalidRequest},  // attachment fetch timed out
    // The thread is controlled by another app or by automated Q&A for now.
    GraphErrorRow{2018300, kAnySubcode, ErrorClass::kRetryLater},
    GraphErrorRow{2018321, kAnySubcode, ErrorClass::kRetryLater},
    // The Marketing Message API (platforms.md 2.3): the code is the whole key.
    GraphErrorRow{2300004, kAnySubcode, ErrorClass::kInvalidRequest},  // token not loadable
    GraphErrorRow{2300005, kAnySubcode, ErrorClass::kInvalidRequest},  // token of another Page
    GraphErrorRow{2300015, kAnySubcode, ErrorClass::kChannelHalted},   // budget reached
    GraphErrorRow{2300053, kAnySubcode, ErrorClass::kChannelHalted},   // budget reached
    GraphErrorRow{2300054, kAnySubcode, ErrorClass::kChannelHalted},   // budget reached
    GraphErrorRow{2300034, kAnySubcode, ErrorClass::kPolicy},          // stopped: the token only
    GraphErrorRow{2300035, kAnySubcode, ErrorClass::kPolicy},          // minimum delay not reached
    GraphErrorRow{2300036, kAnySubcode, ErrorClass::kRecipientUnreachable},
    GraphErrorRow{2300052, kAnySubcode, ErrorClass::kRecipientUnreachable},
    GraphErrorRow{2300037, kAnySubcode, ErrorClass::kPolicy},          // token expired
    GraphErrorRow{2300038, kAnySubcode, ErrorClass::kInvalidRequest},  // unresolved placeholder
    GraphErrorRow{2300042, kAnySubcode, ErrorClass::kPolicy},          // frequency cap
    GraphErrorRow{2300043, kAnySubcode, ErrorClass::kPolicy},          // frequency cap
    GraphErrorRow{2300044, kAnySubcode, ErrorClass::kPolicy},          // frequency cap
    GraphErrorRow{2300055, kAnySubcode, ErrorClass::kRetryLater},      // retry in ~30 min
    GraphErrorRow{2300061, kAnySubcode, ErrorClass::kRetryLater},      // retry in ~30 min
    GraphErrorRow{2300062, kAnySubcode, ErrorClass::kRetryLater},      // retry in ~30 min
    GraphErrorRow{2300078, kAnySubcode, ErrorClass::kSlowDown},        // send rate limit
    GraphErrorRow{2300080, kAnySubcode, ErrorClass::kSlowDown},        // token query rate limit
};

// The Marketing Message API says "try again in about 30 minutes" for these.
constexpr Duration kMarketingApiRetryWait = std::chrono::minutes(30);
bool IsMarketingApiRetryIn30Min(std::int64_t code) {
  return code == 2300055 || code == 2300061 || code == 2300062;
}

bool IsMarketingApiCode(std::int64_t code) { return code >= 2300000 && code <= 2300099; }

std::string HttpCode(int status) { return "http_" + std::to_string(status); }

ErrorClass ClassFromStatus(int status) {
  if (status == 429) return ErrorClass::kSlowDown;
  if (status >= 500) return ErrorClass::kRetryLater;
  return ErrorClass::kInvalidRequest;
}

}  // namespace

bool IsGraphThrottleCode(std::int64_t code) {
  return code == 4 || code == 17 || code == 32 || code == 613 || (code >= 80001 && code <= 80014);
}

std::optional<ErrorClass> MessengerErrorClass(std::int64_t code, std::int64_t subcode) {
  std::optional<ErrorClass> by_code;
  for (const auto& row : kGraphErrors) {
    if (row.code != code) continue;
    if (row.subcode == subcode && subcode != kAnySubcode) return row.error_class;
    if (row.subcode == kAnySubcode) by_code = row.error_class;
  }
  // The Marketing Message API's own codes also come as the subcode of a generic 100 ("Invalid
  // parameter"): the subcode says what happened, so its row wins over code 100's.
  if (IsMarketingApiCode(subcode)) {
    if (auto by_subcode = MessengerErrorClass(subcode, 0)) return by_subcode;
  }
  return by_code;
}

Status MessengerAdapter::ValidateMessage(const Message& message) const {
  if (message.kind != MessageKind::kTemplate) return Status::Ok();
  if (platform_ != Platform::kMessenger) {
    return InvalidArgument("template", "Instagram takes no templates");
  }
  const TemplateMessage& t = message.template_message;
  if (t.name.empty()) return InvalidArgument("template.name", "a template needs its name");
  if (t.language.empty()) {
    return InvalidArgument("template.language", "a template needs its language code (en_US)");
  }
  if (!t.header_parameters.empty()) {
    return InvalidArgument("template.header_parameters",
                           "Messenger utility templates take body parameters only");
  }
  if (!t.button_parameters.empty() || !t.buttons.empty()) {
    return InvalidArgument("template.button_parameters",
                           "Messenger utility templates take body parameters only");
  }
  for (std::size_t i = 0; i < t.body_parameters.size(); ++i) {
    if (t.body_parameters[i].empty()) {
      return InvalidArgument("template.body_parameters[" + std::to_string(i) + "]",
                             "the parameter's value is empty");
    }
  }
  return Status::Ok();
}

namespace {

// A button by what it does (platforms.md 1.5): a link opens as web_url; postback, subscribe
// and unsubscribe come back as a postback with their payload (PayloadOf).
void AppendButton(std::string& body, const Button& b) {
  if (b.action == ButtonAction::kUrl) {
    body.append(R"({"type":"web_url","url":)");
    AppendJsonString(body, b.url);
  } else {
    body.append(R"({"type":"postback","payload":)");
    AppendJsonString(body, PayloadOf(b));
  }
  body.append(R"(,"title":)");
  AppendJsonString(body, b.title);
  body.push_back('}');
}

void AppendButtons(std::string& body, const std::vector<Button>& buttons) {
  body.append(R"("buttons":[)");
  for (std::size_t i = 0; i < buttons.size(); ++i) {
    if (i > 0) body.push_back(',');
    AppendButton(body, buttons[i]);
  }
  body.push_back(']');
}

// Media by URL; is_reusable lets Meta keep the fetched file for the next recipient instead of
// fetching it again for every copy of the broadcast.
void AppendMedia(std::string& body, std::string_view type, const Media& media) {
  body.append(R"({"attachment":{"type":")");
  body.append(type);
  body.append(R"(","payload":{"url":)");
  AppendJsonString(body, media.url);
  body.append(R"(,"is_reusable":true}}})");
}

// Cards: the button template, the generic template (a carousel of elements) or a text with
// quick replies. Composition has refused whatever the layout cannot carry here.
void AppendCard(std::string& body, const Card& card) {
  switch (card.layout) {
    case CardLayout::kButtons:
      body.append(
          R"({"attachment":{"type":"template","payload":{"template_type":"button","text":)");
      AppendJsonString(body, card.text);
      body.push_back(',');
      AppendButtons(body, card.buttons);
      body.append("}}}");
      return;
    case CardLayout::kCarousel:
      body.append(
          R"({"attachment":{"type":"template","payload":{"template_type":"generic","elements":[)");
      for (std::size_t i = 0; i < card.elements.size(); ++i) {
        const CardElement& e = card.elements[i];
        if (i > 0) body.push_back(',');
        body.append(R"({"title":)");
        AppendJsonString(body, e.title);
        if (!e.subtitle.empty()) {
          body.append(R"(,"subtitle":)");
          AppendJsonString(body, e.subtitle);
        }
        if (!e.image_url.empty()) {
          body.append(R"(,"image_url":)");
          AppendJsonString(body, e.image_url);
        }
        if (!e.buttons.empty()) {
          body.push_back(',');
          AppendButtons(body, e.buttons);
        }
        body.push_back('}');
      }
      body.append("]}}}");
      return;
    case CardLayout::kQuickReplies:
      body.append(R"({"text":)");
      AppendJsonString(body, card.text);
      body.append(R"(,"quick_replies":[)");
      for (std::size_t i = 0; i < card.buttons.size(); ++i) {
        if (i > 0) body.push_back(',');
        body.append(R"({"content_type":"text","title":)");
        AppendJsonString(body, card.buttons[i].title);
        body.append(R"(,"payload":)");
        AppendJsonString(body, PayloadOf(card.buttons[i]));
        body.push_back('}');
      }
      body.append("]}");
      return;
    case CardLayout::kList:
    case CardLayout::kFlex:
      break;  // not Meta's Send API layouts: composition never lets one through
  }
  body.append("{}");
}

// M of BuildSend: {"text":..}; a utility template {"template":{"name","language":{"code"},
// "components":[{"type":"body","parameters":[{"type":"text","text"}..]}]}} (platforms.md 1.8: a
// utility template is named, not written; its placeholders are filled in order); media and
// cards as AppendMedia and AppendCard write them, from the recipient's personalised copy.
void AppendMessageObject(std::string& body, const Message& message, const RecipientRef& recipient,
                         const SendContext& context) {
  const CompiledMessage* content = context.content;
  switch (message.kind) {
    case MessageKind::kText:
      body.append(R"({"text":)");
      AppendContentString(body, content != nullptr && content->text ? &*content->text : nullptr,
                          recipient.contact, message.text, recipient.click_token);
      body.push_back('}');
      return;
    case MessageKind::kTemplate:
      break;
    case MessageKind::kImage:
    case MessageKind::kVideo:
    case MessageKind::kAudio:
    case MessageKind::kFile:
    case MessageKind::kCard: {
      Message scratch;
      const Message& m =
          Personalise(message, content, recipient.contact, scratch, recipient.click_token);
      if (m.kind == MessageKind::kCard) {
        AppendCard(body, m.card);
      } else {
        AppendMedia(body, ToString(m.kind), m.media);
      }
      return;
    }
  }
  const TemplateMessage& t = message.template_message;
  body.append(R"({"template":{"name":)");
  AppendJsonString(body, t.name);
  body.append(R"(,"language":{"code":)");
  AppendJsonString(body, t.language);
  body.push_back('}');
  if (!t.body_parameters.empty()) {
    body.append(R"(,"components":[{"type":"body","parameters":[)");
    for (std::size_t i = 0; i < t.body_parameters.size(); ++i) {
      if (i > 0) body.push_back(',');
      body.append(R"({"type":"text","text":)");
      AppendContentString(body,
                          content != nullptr && i < content->body_parameters.size()
                              ? &content->body_parameters[i]
                              : nullptr,
                          recipient.contact, t.body_parameters[i], recipient.click_token);
      body.push_back('}');
    }
    body.append("]}]");
  }
  body.append("}}");
}

std::size_t MessageSizeHint(const Message& message) {
  std::size_t n = 32 + message.text.size() + message.text.size() / 8 +
                  message.template_message.name.size() + message.template_message.language.size();
  for (const auto& p : message.template_message.body_parameters) n += 32 + p.size();
  // Media and cards: a rough size of their texts and the JSON around them.
  n += message.media.url.size();
  const Card& card = message.card;
  n += card.text.size() + 64 * card.buttons.size();
  for (const Button& b : card.buttons) n += b.title.size() + b.url.size() + b.payload.size();
  for (const CardElement& e : card.elements) {
    n += 64 + e.title.size() + e.subtitle.size() + e.image_url.size() + 64 * e.buttons.size();
    for (const Button& b : e.buttons) n += b.title.size() + b.url.size() + b.payload.size();
  }
  return n;
}

}  // namespace

OutboundRequest MessengerAdapter::BuildSend(const ChannelAccount& account,
                                            const RecipientRef& recipient,
                                            const SendContext& context,
                                            const Message& message) const {
  const Route& route = context.route;
  OutboundRequest req;
  req.headers.reserve(2);
  req.headers.emplace_back("Authorization", "Bearer " + account.access_token);
  req.headers.emplace_back("Content-Type", "application/json");
  std::string& body = req.body;

  if (route.kind == RouteKind::kMarketingMessageApi) {
    // The paid API sends from the ad account, under a campaign, to the person's subscription
    // token (platforms.md 2.3); the Page's token is one it accepts.
    req.url = JoinUrl(account.api_base_url,
                      {account.api_version, "act_" + account.capabilities.ad_account_id});
    req.url.append("/messages");
    body.reserve(96 + context.marketing_campaign_id.size() + recipient.marketing_token.size() +
                 MessageSizeHint(message));
    body.append(R"({"message_id":)");
    AppendJsonString(body, context.marketing_campaign_id);
    body.append(R"(,"messenger_delivery_data":{"subscription_token":)");
    AppendJsonString(body, recipient.marketing_token);
    body.append(R"(},"message":)");
    AppendMessageObject(body, message, recipient, context);
    body.push_back('}');
    return req;
  }

  req.url = JoinUrl(account.api_base_url, {account.api_version, account.external_id});
  req.url.append("/messages");
  if (route.kind == RouteKind::kMarketingToken) {
    // The token is the recipient and carries its own permission: no messaging_type.
    body.reserve(64 + recipient.marketing_token.size() + MessageSizeHint(message));
    body.append(R"({"recipient":{"notification_messages_token":)");
    AppendJsonString(body, recipient.marketing_token);
    body.append(R"(},"message":)");
    AppendMessageObject(body, message, recipient, context);
    body.push_back('}');
    return req;
  }

  // A route always names its messaging_type; the defaults only keep a request well formed.
  std::string_view messaging_type = route.messaging_type;
  if (messaging_type.empty()) messaging_type = route.tag.empty() ? "UPDATE" : "MESSAGE_TAG";
  body.reserve(72 + recipient.platform_user_id.size() + route.tag.size() +
               MessageSizeHint(message));
  body.append(R"({"recipient":{"id":)");
  AppendJsonString(body, recipient.platform_user_id);
  body.append(R"(},"messaging_type":)");
  AppendJsonString(body, messaging_type);
  if (!route.tag.empty()) {
    body.append(R"(,"tag":)");
    AppendJsonString(body, route.tag);
  }
  body.append(R"(,"message":)");
  AppendMessageObject(body, message, recipient, context);
  body.push_back('}');
  return req;
}

SendResult MessengerAdapter::Classify(const TransportResult& result) const {
  if (auto no_answer = NoAnswerResult(result, /*idempotent=*/false)) return *no_answer;
  SendResult out;

  boost::system::error_code ec;
  const boost::json::value doc = boost::json::parse(result.body, ec);
  const boost::json::object* obj = ec ? nullptr : doc.if_object();
  const std::optional<GraphError> graph_error = ec ? std::nullopt : ParseGraphError(doc);
  const bool has_code = graph_error.has_value();

  if (result.status >= 200 && result.status < 300 && !has_code) {
    // The Send API answers {"recipient_id","message_id"}; the Marketing Message API
    // {"success":true,"marketing_message_tracking_id"}.
    const boost::json::value* id = obj != nullptr ? obj->if_contains("message_id") : nullptr;
    if (id == nullptr && obj != nullptr) {
      const boost::json::value* success = obj->if_contains("success");
      if (success != nullptr && success->is_bool() && success->get_bool()) {
        id = obj->if_contains("marketing_message_tracking_id");
      }
    }
    if (id != nullptr && id->is_string() && !id->get_string().empty()) {
      out.sent = true;
      out.platform_message_id = std::string(id->get_string());
      return out;
    }
    // Without a message id nobody knows whether the copy went out; a retry could send it
    // twice, so it is not retried.
    out.error_class = ErrorClass::kInvalidRequest;
    out.error_code = "bad_response";
    out.error_message = "a " + std::to_string(result.status) +
                        " answer without a message_id or marketing_message_tracking_id";
    return out;
  }

  out.retry_after = ParseRetryAfter(result.headers);
  if (!has_code) {
    out.error_class = ClassFromStatus(result.status);
    out.error_code = HttpCode(result.status);
    out.error_message = ScrubSecrets(result.body);
    return out;
  }

  const GraphError& error = *graph_error;
  out.error_code = std::to_string(error.code);
  if (error.subcode != 0) out.error_code += "/" + std::to_string(error.subcode);
  if (const auto known = MessengerErrorClass(error.code, error.subcode); known.has_value()) {
    out.error_class = *known;
  } else {
    out.error_class = ClassFromStatus(result.status);
  }
  out.error_message = error.message;
  // "Stop these messages" on the token: the token ends, the person stays reachable (I2).
  constexpr std::int64_t kTokenStopped = 1893015, kSubscriberStopped = 2300034;
  out.marketing_token_stopped = (error.code == 10 && error.subcode == kTokenStopped) ||
                                error.code == kSubscriberStopped ||
                                (error.code == 100 && error.subcode == kSubscriberStopped);
  if (!out.retry_after &&
      (IsMarketingApiRetryIn30Min(error.code) || IsMarketingApiRetryIn30Min(error.subcode))) {
    out.retry_after = kMarketingApiRetryWait;
  }
  if (!out.retry_after && out.error_class == ErrorClass::kSlowDown) {
    out.retry_after = ParseBusinessUseCaseWait(result.headers);
  }
  return out;
}

}  // namespace crier::channels
