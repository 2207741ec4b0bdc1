#include "channels/whatsapp_adapter.h"

#include <array>
#include <string>

#include <boost/json.hpp>

#include "channels/composition.h"
#include "channels/content.h"
#include "channels/json_escape.h"
#include "channels/messenger_adapter.h"

namespace crier::channels {
namespace {

struct CodeRange {
  std::int64_t first;
  std::int64_t last;
  ErrorClass error_class;
};

// Every Cloud API code of platforms.md 4.6 and 4.7 with what crier does about it.
constexpr std::array kWhatsAppErrors = {
    // Credentials and permissions: pause the account until someone fixes them.
    CodeRange{0, 0, ErrorClass::kAuth},
    CodeRange{190, 190, ErrorClass::kAuth},
    CodeRange{3, 3, ErrorClass::kAuth},
    CodeRange{10, 10, ErrorClass::kAuth},
    CodeRange{200, 299, ErrorClass::kAuth},
    // Throttles of the app, the WABA and the number's throughput.
    CodeRange{4, 4, ErrorClass::kSlowDown},
    CodeRange{80007, 80007, ErrorClass::kSlowDown},
    CodeRange{130429, 130429, ErrorClass::kSlowDown},
    // The pair rate concerns one person only: that delivery waits, the account does not.
    CodeRange{131056, 131056, ErrorClass::kRetryLater},
    // The number or the account is restricted, locked, unpaid or unregistered.
    CodeRange{131048, 131048, ErrorClass::kChannelHalted},
    CodeRange{368, 368, ErrorClass::kChannelHalted},
    CodeRange{131031, 131031, ErrorClass::kChannelHalted},
    CodeRange{131042, 131042, ErrorClass::kChannelHalted},
    CodeRange{133010, 133010, ErrorClass::kChannelHalted},
    // Transient on Meta's side.
    CodeRange{1, 2, ErrorClass::kRetryLater},
    CodeRange{131000, 131000, ErrorClass::kRetryLater},
    CodeRange{131016, 131016, ErrorClass::kRetryLater},
    CodeRange{133004, 133004, ErrorClass::kRetryLater},
    CodeRange{131057, 131057, ErrorClass::kRetryLater},  // maintenance mode
    // The person cannot get WhatsApp messages (not on WhatsApp, old client, terms).
    CodeRange{131026, 131026, ErrorClass::kRecipientUnreachable},
    // The rules refuse this copy; the person stays reachable by other routes: outside the
    // 24 h window (131047; 470 on the legacy API), the marketing cap (no retry for 24 h),
    // marketing stopped (utility templates may still go).
    CodeRange{131047, 131047, ErrorClass::kPolicy},
    CodeRange{470, 470, ErrorClass::kPolicy},
    CodeRange{131049, 131049, ErrorClass::kPolicy},
    CodeRange{131050, 131050, ErrorClass::kPolicy},
    // Our request is wrong: parameters, message type, media, template.
    CodeRange{100, 100, ErrorClass::kInvalidRequest},
    CodeRange{131008, 131009, ErrorClass::kInvalidRequest},
    CodeRange{131051, 131053, ErrorClass::kInvalidRequest},
    CodeRange{131062, 131062, ErrorClass::kInvalidRequest},  // BSUID not allowed for this type
    CodeRange{132000, 132001, ErrorClass::kInvalidRequest},
    CodeRange{132005, 132005, ErrorClass::kInvalidRequest},
    CodeRange{132007, 132007, ErrorClass::kInvalidRequest},
    CodeRange{132012, 132012, ErrorClass::kInvalidRequest},
    CodeRange{132015, 132016, ErrorClass::kInvalidRequest},
};

bool IsUpper(char c) { return c >= 'A' && c <= 'Z'; }
bool IsAlnum(char c) { return IsUpper(c) || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); }

bool HasLink(std::string_view text) {
  // Case-insensitive search for "http://" or "https://".
  for (std::size_t i = 0; i + 7 <= text.size(); ++i) {
    auto lower = [&](std::size_t k) {
      const char c = text[i + k];
      return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
    };
    if (lower(0) != 'h' || lower(1) != 't' || lower(2) != 't' || lower(3) != 'p') continue;
    std::size_t k = 4;
    if (lower(k) == 's') ++k;
    if (i + k + 3 <= text.size() && text.substr(i + k, 3) == "://") return true;
  }
  return false;
}

OutboundRequest BaseRequest(const ChannelAccount& account) {
  OutboundRequest req;
  req.url = JoinUrl(account.api_base_url, {account.api_version, account.external_id});
  req.url.append("/messages");
  req.headers.reserve(2);
  req.headers.emplace_back("Authorization", "Bearer " + account.access_token);
  req.headers.emplace_back("Content-Type", "application/json");
  return req;
}

// {"messaging_product":"whatsapp","recipient_type":"individual","to"|"recipient":..,
void AppendEnvelope(std::string& body, const RecipientRef& recipient) {
  body.append(R"({"messaging_product":"whatsapp","recipient_type":"individual",)");
  // A business-scoped id is never a phone number (platforms.md 8.3 #13): it has its own field.
  body.append(IsBusinessScopedUserId(recipient.platform_user_id) ? R"("recipient":)" : R"("to":)");
  AppendJsonString(body, recipient.platform_user_id);
}

std::string_view ComponentName(TemplateComponent::Type t) {
  switch (t) {
    case TemplateComponent::Type::kHeader:
      return "header";
    case TemplateComponent::Type::kBody:
      return "body";
    case TemplateComponent::Type::kButton:
      return "button";
  }
  return "body";
}

bool IsMedia(TemplateParameter::Type t) {
  using T = TemplateParameter::Type;
  return t == T::kImage || t == T::kVideo || t == T::kDocument;
}

std::string_view MediaName(TemplateParameter::Type t) {
  using T = TemplateParameter::Type;
  return t == T::kImage ? "image" : (t == T::kVideo ? "video" : "document");
}

void AppendParameter(std::string& body, const TemplateParameter& p) {
  using T = TemplateParameter::Type;
  switch (p.type) {
    case T::kText:
      body.append(R"({"type":"text","text":)");
      AppendJsonString(body, p.value);
      break;
    case T::kPayload:
      body.append(R"({"type":"payload","payload":)");
      AppendJsonString(body, p.value);
      break;
    case T::kCurrency:
      body.append(R"({"type":"currency","currency":{"fallback_value":)");
      AppendJsonString(body, p.value);
      body.append(R"(,"code":)");
      AppendJsonString(body, p.currency_code);
      body.append(R"(,"amount_1000":)");
      body.append(std::to_string(p.amount_1000));
      body.push_back('}');
      break;
    case T::kDateTime:
      body.append(R"({"type":"date_time","date_time":{"fallback_value":)");
      AppendJsonString(body, p.value);
      body.push_back('}');
      break;
    case T::kImage:
    case T::kVideo:
    case T::kDocument: {
      const std::string_view kind = MediaName(p.type);
      body.append(R"({"type":")").append(kind).append(R"(",")").append(kind);
      body.append(R"(":{"link":)");
      AppendJsonString(body, p.value);
      body.push_back('}');
      break;
    }
  }
  body.push_back('}');
}

bool AllowedIn(TemplateComponent::Type c, const std::string& sub_type, TemplateParameter::Type p) {
  using T = TemplateParameter::Type;
  switch (c) {
    case TemplateComponent::Type::kHeader:
      return p == T::kText || p == T::kImage || p == T::kVideo || p == T::kDocument;
    case TemplateComponent::Type::kBody:
      return p == T::kText || p == T::kCurrency || p == T::kDateTime;
    case TemplateComponent::Type::kButton:
      return sub_type == "quick_reply" ? p == T::kPayload : p == T::kText;
  }
  return false;
}

// A media message: {"type":"image","image":{"link":..,"caption":..}}. WhatsApp shows a
// caption on images, videos and documents and a file name on documents only; composition
// refuses the others, so an empty field is simply left out.
void AppendMedia(std::string& body, std::string_view type, const Media& media) {
  body.append(R"(,"type":")").append(type).append(R"(",")").append(type);
  body.append(R"(":{"link":)");
  AppendJsonString(body, media.url);
  if (!media.caption.empty()) {
    body.append(R"(,"caption":)");
    AppendJsonString(body, media.caption);
  }
  if (!media.filename.empty()) {
    body.append(R"(,"filename":)");
    AppendJsonString(body, media.filename);
  }
  body.push_back('}');
}

// An interactive message's header, body and footer; the caller writes the action.
void AppendInteractiveHead(std::string& body, std::string_view type, const Card& card) {
  body.append(R"(,"type":"interactive","interactive":{"type":")").append(type).push_back('"');
  if (!card.title.empty()) {
    body.append(R"(,"header":{"type":"text","text":)");
    AppendJsonString(body, card.title);
    body.push_back('}');
  } else if (!card.image_url.empty()) {
    body.append(R"(,"header":{"type":"image","image":{"link":)");
    AppendJsonString(body, card.image_url);
    body.append("}}");
  }
  body.append(R"(,"body":{"text":)");
  AppendJsonString(body, card.text);
  body.push_back('}');
  if (!card.footer.empty()) {
    body.append(R"(,"footer":{"text":)");
    AppendJsonString(body, card.footer);
    body.push_back('}');
  }
}

// A buttons card: one URL button goes as the call-to-action URL message (a reply-button
// message cannot open a link); otherwise reply buttons whose id is the button's payload, so a
// press comes back as a postback, a subscribe or an unsubscribe (PayloadOf).
void AppendButtonsCard(std::string& body, const Card& card) {
  if (card.buttons.size() == 1 && card.buttons.front().action == ButtonAction::kUrl) {
    const Button& link = card.buttons.front();
    AppendInteractiveHead(body, "cta_url", card);
    body.append(R"(,"action":{"name":"cta_url","parameters":{"display_text":)");
    AppendJsonString(body, link.title);
    body.append(R"(,"url":)");
    AppendJsonString(body, link.url);
    body.append("}}}");
    return;
  }
  AppendInteractiveHead(body, "button", card);
  body.append(R"(,"action":{"buttons":[)");
  for (std::size_t i = 0; i < card.buttons.size(); ++i) {
    if (i > 0) body.push_back(',');
    body.append(R"({"type":"reply","reply":{"id":)");
    AppendJsonString(body, PayloadOf(card.buttons[i]));
    body.append(R"(,"title":)");
    AppendJsonString(body, card.buttons[i].title);
    body.append("}}");
  }
  body.append("]}}");
}

// A list card: the list button opens sections of rows; a picked row comes back with its id.
void AppendListCard(std::string& body, const Card& card) {
  AppendInteractiveHead(body, "list", card);
  body.append(R"(,"action":{"button":)");
  AppendJsonString(body, card.list_button);
  body.append(R"(,"sections":[)");
  for (std::size_t i = 0; i < card.sections.size(); ++i) {
    const ListSection& section = card.sections[i];
    if (i > 0) body.push_back(',');
    body.push_back('{');
    if (!section.title.empty()) {
      body.append(R"("title":)");
      AppendJsonString(body, section.title);
      body.push_back(',');
    }
    body.append(R"("rows":[)");
    for (std::size_t j = 0; j < section.rows.size(); ++j) {
      const ListRow& row = section.rows[j];
      if (j > 0) body.push_back(',');
      body.append(R"({"id":)");
      AppendJsonString(body, row.id);
      body.append(R"(,"title":)");
      AppendJsonString(body, row.title);
      if (!row.description.empty()) {
        body.append(R"(,"description":)");
        AppendJsonString(body, row.description);
      }
      body.push_back('}');
    }
    body.append("]}");
  }
  body.append("]}}");
}

// The content of a media or card message after the envelope, from the recipient's
// personalised copy; the caller closes the body.
void AppendContent(std::string& body, const Message& m) {
  switch (m.kind) {
    case MessageKind::kImage:
      AppendMedia(body, "image", m.media);
      return;
    case MessageKind::kVideo:
      AppendMedia(body, "video", m.media);
      return;
    case MessageKind::kAudio:
      AppendMedia(body, "audio", m.media);
      return;
    case MessageKind::kFile:
      AppendMedia(body, "document", m.media);
      return;
    case MessageKind::kCard:
      // Composition lets only buttons and list cards through to WhatsApp.
      if (m.card.layout == CardLayout::kList) {
        AppendListCard(body, m.card);
      } else {
        AppendButtonsCard(body, m.card);
      }
      return;
    case MessageKind::kText:
    case MessageKind::kTemplate:
      return;  // built by their own paths
  }
}

std::string HttpCode(int status) { return "http_" + std::to_string(status); }

ErrorClass ClassFromStatus(int status) {
  if (status == 429) return ErrorClass::kSlowDown;
  if (status == 401) return ErrorClass::kAuth;
  if (status >= 500) return ErrorClass::kRetryLater;
  return ErrorClass::kInvalidRequest;
}

}  // namespace

std::optional<ErrorClass> WhatsAppErrorClass(std::int64_t code) {
  for (const auto& row : kWhatsAppErrors) {
    if (code >= row.first && code <= row.last) return row.error_class;
  }
  // The Graph-wide throttles apply to every Meta API.
  if (IsGraphThrottleCode(code)) return ErrorClass::kSlowDown;
  return std::nullopt;
}

bool IsBusinessScopedUserId(std::string_view id) {
  if (id.size() < 4 || !IsUpper(id[0]) || !IsUpper(id[1]) || id[2] != '.') return false;
  for (const char c : id.substr(3)) {
    if (!IsAlnum(c)) return false;
  }
  return true;
}

Status ValidateTemplate(const WhatsAppTemplate& t) {
  if (t.name.empty()) return InvalidArgument("template.name", "a template needs its name");
  if (t.language.empty()) {
    return InvalidArgument("template.language", "a template needs its language code (en_US)");
  }
  for (std::size_t i = 0; i < t.components.size(); ++i) {
    const TemplateComponent& c = t.components[i];
    const std::string at = "template.components[" + std::to_string(i) + "]";
    if (c.type == TemplateComponent::Type::kButton) {
      if (c.index < 0 || c.index > 9) {
        return InvalidArgument(at + ".index",
                               "a button index is 0 to 9, not " + std::to_string(c.index));
      }
      if (c.sub_type != "quick_reply" && c.sub_type != "url" && c.sub_type != "catalog") {
        return InvalidArgument(
            at + ".sub_type",
            "a button sub_type is quick_reply, url or catalog, not \"" + c.sub_type + "\"");
      }
    } else if (!c.sub_type.empty()) {
      return InvalidArgument(at + ".sub_type", "only buttons have a sub_type");
    }
    for (std::size_t j = 0; j < c.parameters.size(); ++j) {
      const TemplateParameter& p = c.parameters[j];
      const std::string pat = at + ".parameters[" + std::to_string(j) + "]";
      if (!AllowedIn(c.type, c.sub_type, p.type)) {
        return InvalidArgument(pat + ".type", "this parameter type is not allowed in a " +
                                                  std::string(ComponentName(c.type)) +
                                                  (c.sub_type.empty() ? "" : " " + c.sub_type));
      }
      if (p.type == TemplateParameter::Type::kCurrency && p.currency_code.size() != 3) {
        return InvalidArgument(pat + ".currency.code", "a currency needs its ISO 4217 code");
      }
      if (p.value.empty()) {
        return InvalidArgument(pat, p.type == TemplateParameter::Type::kCurrency ||
                                            p.type == TemplateParameter::Type::kDateTime
                                        ? "fallback_value is required"
                                        : "the parameter's value is empty");
      }
    }
  }
  return Status::Ok();
}

WhatsAppTemplate WhatsAppTemplateOf(const TemplateMessage& t) {
  using P = TemplateParameter::Type;
  WhatsAppTemplate out;
  out.name = t.name;
  out.language = t.language;
  const auto add = [&](TemplateComponent::Type type, P parameter_type,
                       const std::vector<std::string>& values) {
    if (values.empty()) return;
    TemplateComponent c;
    c.type = type;
    c.parameters.reserve(values.size());
    for (const std::string& v : values) c.parameters.push_back({parameter_type, v, "", 0});
    out.components.push_back(std::move(c));
  };
  P header_type = P::kText;
  switch (t.header_kind) {
    case TemplateHeaderKind::kImage:
      header_type = P::kImage;
      break;
    case TemplateHeaderKind::kVideo:
      header_type = P::kVideo;
      break;
    case TemplateHeaderKind::kDocument:
      header_type = P::kDocument;
      break;
    case TemplateHeaderKind::kNone:
    case TemplateHeaderKind::kText:
      break;
  }
  add(TemplateComponent::Type::kHeader, header_type, t.header_parameters);
  add(TemplateComponent::Type::kBody, P::kText, t.body_parameters);
  // The registry's buttons: a quick reply with its payload, a URL button with the next suffix.
  std::size_t suffix = 0;
  for (const TemplateButtonParameter& b : t.buttons) {
    TemplateComponent c;
    c.type = TemplateComponent::Type::kButton;
    c.index = b.index;
    if (b.type == TemplateButtonType::kQuickReply) {
      c.sub_type = "quick_reply";
      c.parameters.push_back({P::kPayload, b.payload, "", 0});
    } else {
      c.sub_type = "url";
      const std::string value =
          suffix < t.button_parameters.size() ? t.button_parameters[suffix] : std::string();
      ++suffix;
      c.parameters.push_back({P::kText, value, "", 0});
    }
    out.components.push_back(std::move(c));
  }
  return out;
}

Status WhatsAppAdapter::ValidateMessage(const Message& message) const {
  if (message.kind != MessageKind::kTemplate) return Status::Ok();
  return ValidateTemplate(WhatsAppTemplateOf(message.template_message));
}

OutboundRequest WhatsAppAdapter::BuildSend(const ChannelAccount& account,
                                           const RecipientRef& recipient,
                                           const SendContext& context,
                                           const Message& message) const {
  if (message.kind == MessageKind::kTemplate) {
    return BuildTemplateSend(account, recipient, WhatsAppTemplateOf(message.template_message),
                             context.content);
  }
  const CompiledMessage* content = context.content;
  OutboundRequest req = BaseRequest(account);
  std::string& body = req.body;
  if (message.kind != MessageKind::kText) {
    Message scratch;
    const Message& personal =
        Personalise(message, content, recipient.contact, scratch, recipient.click_token);
    body.reserve(256);
    AppendEnvelope(body, recipient);
    AppendContent(body, personal);
    body.push_back('}');
    return req;
  }
  body.reserve(128 + recipient.platform_user_id.size() + message.text.size() +
               message.text.size() / 8);
  AppendEnvelope(body, recipient);
  body.append(R"(,"type":"text","text":{)");
  if (HasLink(message.text)) body.append(R"("preview_url":true,)");
  body.append(R"("body":)");
  AppendContentString(body, content != nullptr && content->text ? &*content->text : nullptr,
                      recipient.contact, message.text, recipient.click_token);
  body.append("}}");
  return req;
}

OutboundRequest WhatsAppAdapter::BuildTemplateSend(const ChannelAccount& account,
                                                   const RecipientRef& recipient,
                                                   const WhatsAppTemplate& t,
                                                   const CompiledMessage* content) const {
  OutboundRequest req = BaseRequest(account);
  std::string& body = req.body;
  AppendEnvelope(body, recipient);
  body.append(R"(,"type":"template","template":{"name":)");
  AppendJsonString(body, t.name);
  // The schema requires the policy; "deterministic" is the only value Meta has.
  body.append(R"(,"language":{"policy":"deterministic","code":)");
  AppendJsonString(body, t.language);
  body.push_back('}');
  if (!t.components.empty()) {
    body.append(R"(,"components":[)");
    std::size_t url_buttons = 0;
    for (std::size_t i = 0; i < t.components.size(); ++i) {
      const TemplateComponent& c = t.components[i];
      if (i > 0) body.push_back(',');
      body.append(R"({"type":")").append(ComponentName(c.type)).push_back('"');
      if (c.type == TemplateComponent::Type::kButton) {
        body.append(R"(,"sub_type":)");
        AppendJsonString(body, c.sub_type);
        body.append(R"(,"index":")").append(std::to_string(c.index)).push_back('"');
      }
      body.append(R"(,"parameters":[)");
      // The broadcast's header, body and URL-suffix parameters, compiled in the same order;
      // URL buttons take the suffixes one after the other.
      const std::vector<personalize::Template>* compiled = nullptr;
      std::size_t offset = 0;
      if (content != nullptr && recipient.contact != nullptr) {
        if (c.type == TemplateComponent::Type::kHeader) compiled = &content->header_parameters;
        if (c.type == TemplateComponent::Type::kBody) compiled = &content->body_parameters;
        if (c.type == TemplateComponent::Type::kButton && c.sub_type == "url") {
          compiled = &content->button_parameters;
          offset = url_buttons;
        }
      }
      if (c.type == TemplateComponent::Type::kButton && c.sub_type == "url") ++url_buttons;
      for (std::size_t j = 0; j < c.parameters.size(); ++j) {
        if (j > 0) body.push_back(',');
        const TemplateParameter& p = c.parameters[j];
        const personalize::Template* personal = compiled != nullptr && offset + j < compiled->size()
                                                    ? &(*compiled)[offset + j]
                                                    : nullptr;
        if (personal != nullptr && p.type == TemplateParameter::Type::kText) {
          body.append(R"({"type":"text","text":)");
          AppendContentString(body, personal, recipient.contact, p.value, recipient.click_token);
          body.push_back('}');
        } else if (personal != nullptr && IsMedia(p.type)) {
          const std::string_view kind = MediaName(p.type);
          body.append(R"({"type":")").append(kind).append(R"(",")").append(kind);
          body.append(R"(":{"link":)");
          AppendContentString(body, personal, recipient.contact, p.value, recipient.click_token);
          body.append("}}");
        } else {
          AppendParameter(body, p);
        }
      }
      body.append("]}");
    }
    body.push_back(']');
  }
  body.append("}}");
  return req;
}

SendResult WhatsAppAdapter::Classify(const TransportResult& result) const {
  if (auto no_answer = NoAnswerResult(result, /*idempotent=*/false)) return *no_answer;
  SendResult out;

  boost::system::error_code ec;
  const boost::json::value doc = boost::json::parse(result.body, ec);
  const std::optional<GraphError> graph_error = ec ? std::nullopt : ParseGraphError(doc);

  if (result.status >= 200 && result.status < 300 && !graph_error.has_value()) {
    const boost::json::object* obj = ec ? nullptr : doc.if_object();
    const boost::json::value* messages = obj != nullptr ? obj->if_contains("messages") : nullptr;
    const boost::json::array* list = messages != nullptr ? messages->if_array() : nullptr;
    const boost::json::object* first =
        list != nullptr && !list->empty() ? list->front().if_object() : nullptr;
    const boost::json::value* id = first != nullptr ? first->if_contains("id") : nullptr;
    if (id != nullptr && id->is_string() && !id->get_string().empty()) {
      out.sent = true;
      out.platform_message_id = std::string(id->get_string());
      // Accepted is not delivered; held or paused copies are noted for the report.
      if (const auto* st = first->if_contains("message_status"); st != nullptr && st->is_string()) {
        if (st->get_string() != "accepted") out.platform_status = std::string(st->get_string());
      }
      return out;
    }
    // Without a wamid nobody knows whether the copy went out: not retried.
    out.error_class = ErrorClass::kInvalidRequest;
    out.error_code = "bad_response";
    out.error_message = "a " + std::to_string(result.status) + " answer without messages[0].id";
    return out;
  }

  out.retry_after = ParseRetryAfter(result.headers);
  if (!graph_error.has_value()) {
    out.error_class = ClassFromStatus(result.status);
    out.error_code = HttpCode(result.status);
    out.error_message = ScrubSecrets(result.body);
    return out;
  }
  const GraphError& error = *graph_error;
  out.error_code = std::to_string(error.code);
  if (error.subcode != 0) out.error_code += "/" + std::to_string(error.subcode);
  const auto known = WhatsAppErrorClass(error.code);
  out.error_class = known.value_or(ClassFromStatus(result.status));
  out.error_message = error.message;
  if (!out.retry_after && error.code == 131056) out.retry_after = kPairRateWait;
  return out;
}

}  // namespace crier::channels
