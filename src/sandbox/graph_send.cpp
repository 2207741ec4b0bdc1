#include "sandbox/graph_send.h"

#include <algorithm>
#include <atomic>
#include <mutex>
#include <optional>
#include <shared_mutex>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "sandbox/graph_rules.h"
#include "sandbox/limits.h"

namespace crier::sandbox::detail {
namespace {

// Large enough for a typical Send API body, so parsing it allocates nothing on the heap.
constexpr std::size_t kParseBufferBytes = 4096;

GraphError Param(std::string_view message) {
  return {graph::kCodeInvalidParameter, 0, std::string(message)};
}

GraphError InvalidToken() {
  return {graph::kCodeInvalidToken, 0, std::string(graph::kMsgInvalidToken)};
}

GraphError Unsupported(std::string_view method, std::string_view id) {
  std::string message(graph::kMsgUnsupportedPrefix);
  message += method;
  message += graph::kMsgUnsupportedMiddle;
  message += id;
  message += graph::kMsgUnsupportedSuffix;
  return {graph::kCodeInvalidParameter, graph::kSubcodeUnsupportedObject, std::move(message),
          graph::kTypeGraphMethodException};
}

GraphError MarketingApiError(int subcode, std::string_view detail = {}) {
  GraphError e;
  e.code = graph::kCodeInvalidParameter;
  e.subcode = subcode;
  e.user_msg = std::string(graph::MarketingApiMessage(subcode));
  e.message = "(#100) " + e.user_msg;
  if (!detail.empty()) e.message += std::string(" (") + std::string(detail) + ")";
  return e;
}

template <std::size_t N>
bool In(const std::array<std::string_view, N>& list, std::string_view v) {
  return std::find(list.begin(), list.end(), v) != list.end();
}

bool IsRetiredTag(std::string_view tag) { return In(graph::kRetiredTags, tag); }

bool IsKnownTag(std::string_view tag) {
  return tag == graph::kTagHumanAgent || tag == graph::kTagCustomerFeedback || IsRetiredTag(tag);
}

bool IsRegion(std::string_view r) {
  return r.size() == 2 &&
         std::all_of(r.begin(), r.end(), [](char c) { return c >= 'A' && c <= 'Z'; });
}

// The token of a Graph request: Authorization header, then `access_token` in the query, then
// in the body (Graph accepts all three).
std::string_view TokenFrom(const net::Request& request, const json::object* body) {
  if (std::string_view t = AuthorizationToken(request); !t.empty()) return t;
  if (auto query = request.query_param("access_token")) return *query;
  if (body != nullptr) {
    if (const json::value* t = Field(*body, "access_token"); t != nullptr && t->is_string()) {
      return t->get_string();
    }
  }
  return {};
}

// --- Parsed Send API request -------------------------------------------------------------

struct UtilityTemplateRef {
  std::string name;
  std::string language;
  std::size_t body_params = 0;
  std::size_t button_params = 0;
};

struct SendRequest {
  std::string recipient_id;  // recipient.id
  std::string token;         // recipient.notification_messages_token
  std::string messaging_type;
  std::string tag;
  std::string message_json;
  std::size_t text_bytes = 0;  // UTF-8 bytes of message.text
  bool sender_action = false;
  bool feedback_template = false;  // message is the customer feedback template
  bool media = false;              // an audio or video attachment (the slower send rate)
  // What the message is in crier's words (text, template, image, video, audio, file, card)
  // and a card's layout (buttons, carousel, quick_replies), recorded for tests to read back.
  std::string kind;
  std::string layout;
  std::optional<UtilityTemplateRef> utility;
};

std::optional<GraphError> ParseUtilityTemplate(const json::value& t, UtilityTemplateRef* out) {
  if (!t.is_object()) return Param(graph::kMsgUtilityTemplateRequired);
  const json::object& o = t.get_object();
  const json::value* name = Field(o, "name");
  if (name == nullptr || !name->is_string() || name->get_string().empty()) {
    return Param(graph::kMsgUtilityTemplateName);
  }
  out->name = name->get_string();
  const json::value* language = Field(o, "language");
  const json::value* code = language != nullptr && language->is_object()
                                ? Field(language->get_object(), "code")
                                : nullptr;
  if (code == nullptr || !code->is_string() || code->get_string().empty()) {
    return Param(graph::kMsgUtilityTemplateLanguage);
  }
  out->language = code->get_string();
  if (const json::value* components = Field(o, "components")) {
    if (!components->is_array()) return Param(graph::kMsgUtilityComponents);
    for (const json::value& c : components->get_array()) {
      const json::value* type = c.is_object() ? Field(c.get_object(), "type") : nullptr;
      if (type == nullptr || !type->is_string()) return Param(graph::kMsgUtilityComponents);
      const json::value* params = Field(c.get_object(), "parameters");
      const std::size_t n =
          params != nullptr && params->is_array() ? params->get_array().size() : 0;
      const std::string_view kind = type->get_string();
      if (kind == "body") {
        out->body_params += n;
      } else if (kind == "buttons" || kind == "button") {
        out->button_params += n;
      } else if (kind != "header") {
        return Param(graph::kMsgUtilityComponents);
      }
    }
  }
  return std::nullopt;
}

// --- Message objects (platforms.md 1.5) -----------------------------------------------------
// Attachments, the button and generic templates, their buttons and quick replies, checked in
// the order Graph reads them; every refusal names the field as Graph does.

std::string Sub(std::string_view path, std::string_view key) {
  std::string out(path);
  out += '[';
  out += key;
  out += ']';
  return out;
}
std::string Sub(std::string_view path, std::size_t i) { return Sub(path, std::to_string(i)); }

GraphError Rule(std::string_view path, std::string_view rule) {
  return Param(std::string(graph::kMsgParamPrefix) + std::string(path) + std::string(rule));
}

GraphError TooLong(std::string_view path, std::size_t max) {
  return Param(std::string(graph::kMsgLengthPrefix) + std::string(path) + " must be at most " +
               std::to_string(max) + " characters");
}

GraphError TooMany(std::string_view path, std::size_t max) {
  return Param(std::string(graph::kMsgParamPrefix) + std::string(path) + " must have at most " +
               std::to_string(max) + " items");
}

std::optional<GraphError> KnownKeys(const json::object& o, std::string_view path,
                                    std::initializer_list<std::string_view> known) {
  for (const auto& [key, value] : o) {
    if (std::find(known.begin(), known.end(), key) == known.end()) {
      return Rule(Sub(path, key), graph::kRuleUnknownField);
    }
  }
  return std::nullopt;
}

// A string field: present when `required`, non-empty, at most `max` code points (0: any).
std::optional<GraphError> CheckString(const json::object& o, std::string_view key,
                                      std::string_view path, bool required, std::size_t max) {
  const json::value* v = Field(o, key);
  const std::string field = Sub(path, key);
  if (v == nullptr) {
    if (required) return Rule(field, graph::kRuleRequired);
    return std::nullopt;
  }
  if (!v->is_string() || v->get_string().empty()) return Rule(field, graph::kRuleString);
  if (max > 0 && CountCodePoints(v->get_string()) > max) return TooLong(field, max);
  return std::nullopt;
}

// Meta fetches media and images itself and needs valid SSL (platforms.md 1.5).
std::optional<GraphError> CheckUrl(const json::object& o, std::string_view key,
                                   std::string_view path, bool required) {
  if (auto e = CheckString(o, key, path, required, 0)) return e;
  const json::value* v = Field(o, key);
  if (v == nullptr) return std::nullopt;
  const std::string_view url = v->get_string();
  constexpr std::string_view kHttps = "https://";
  if (url.size() <= kHttps.size() || url.substr(0, kHttps.size()) != kHttps) {
    return Rule(Sub(path, key), graph::kRuleHttps);
  }
  return std::nullopt;
}

// The array at `key`: present when `required`, 1 to `max` items.
std::variant<const json::array*, GraphError> ArrayOf(const json::object& o, std::string_view key,
                                                     std::string_view path, bool required,
                                                     std::size_t max) {
  const json::value* v = Field(o, key);
  const std::string field = Sub(path, key);
  if (v == nullptr) {
    if (required) return Rule(field, graph::kRuleRequired);
    return static_cast<const json::array*>(nullptr);
  }
  if (!v->is_array() || v->get_array().empty()) return Rule(field, graph::kRuleArray);
  if (v->get_array().size() > max) return TooMany(field, max);
  return &v->get_array();
}

std::optional<GraphError> CheckTemplateButtons(const json::object& o, std::string_view path,
                                               bool required) {
  auto list = ArrayOf(o, "buttons", path, required, graph::kMaxTemplateButtons);
  if (auto* e = std::get_if<GraphError>(&list)) return std::move(*e);
  const json::array* buttons = std::get<const json::array*>(list);
  if (buttons == nullptr) return std::nullopt;
  const std::string base = Sub(path, "buttons");
  for (std::size_t i = 0; i < buttons->size(); ++i) {
    const std::string at = Sub(base, i);
    const json::object* b = (*buttons)[i].if_object();
    if (b == nullptr) return Rule(at, graph::kRuleObject);
    const json::value* type = Field(*b, "type");
    const std::string_view kind =
        type != nullptr && type->is_string() ? std::string_view(type->get_string()) : "";
    if (kind == "web_url") {
      if (auto e = KnownKeys(*b, at,
                             {"type", "url", "title", "webview_height_ratio",
                              "messenger_extensions", "fallback_url", "webview_share_button"})) {
        return e;
      }
      if (auto e = CheckUrl(*b, "url", at, true)) return e;
    } else if (kind == "postback") {
      if (auto e = KnownKeys(*b, at, {"type", "title", "payload"})) return e;
      if (auto e = CheckString(*b, "payload", at, true, graph::kMaxPayloadChars)) return e;
    } else {
      return Rule(Sub(at, "type"), graph::kRuleButtonType);
    }
    if (auto e = CheckString(*b, "title", at, true, graph::kMaxButtonTitleChars)) return e;
  }
  return std::nullopt;
}

// The attachment of a message; `kind` and `layout` say what it is in crier's words.
std::optional<GraphError> CheckAttachment(const json::object& a, std::string* kind,
                                          std::string* layout) {
  constexpr std::string_view path = "message[attachment]";
  if (auto e = KnownKeys(a, path, {"type", "payload"})) return e;
  const json::value* type = Field(a, "type");
  const std::string_view t =
      type != nullptr && type->is_string() ? std::string_view(type->get_string()) : "";
  const bool media = t == "image" || t == "audio" || t == "video" || t == "file";
  if (!media && t != "template") return Rule(Sub(path, "type"), graph::kRuleAttachmentType);
  const json::value* payload_value = Field(a, "payload");
  const std::string payload_path = Sub(path, "payload");
  if (payload_value == nullptr) return Rule(payload_path, graph::kRuleRequired);
  if (!payload_value->is_object()) return Rule(payload_path, graph::kRuleObject);
  const json::object& p = payload_value->get_object();
  if (media) {
    *kind = t;
    if (auto e = KnownKeys(p, payload_path, {"url", "is_reusable", "attachment_id"})) return e;
    if (Field(p, "attachment_id") != nullptr) {
      return CheckString(p, "attachment_id", payload_path, true, 0);
    }
    return CheckUrl(p, "url", payload_path, true);
  }
  *kind = "card";
  const json::value* template_type = Field(p, "template_type");
  const std::string_view tt = template_type != nullptr && template_type->is_string()
                                  ? std::string_view(template_type->get_string())
                                  : "";
  if (tt == "button") {
    *layout = "buttons";
    if (auto e = KnownKeys(p, payload_path, {"template_type", "text", "buttons", "sharable"})) {
      return e;
    }
    if (auto e = CheckString(p, "text", payload_path, true, graph::kMaxButtonTemplateTextChars)) {
      return e;
    }
    return CheckTemplateButtons(p, payload_path, true);
  }
  if (tt == "generic") {
    *layout = "carousel";
    if (auto e = KnownKeys(p, payload_path,
                           {"template_type", "elements", "image_aspect_ratio", "sharable"})) {
      return e;
    }
    auto list = ArrayOf(p, "elements", payload_path, true, graph::kMaxGenericElements);
    if (auto* e = std::get_if<GraphError>(&list)) return std::move(*e);
    const json::array& elements = *std::get<const json::array*>(list);
    const std::string base = Sub(payload_path, "elements");
    for (std::size_t i = 0; i < elements.size(); ++i) {
      const std::string at = Sub(base, i);
      const json::object* el = elements[i].if_object();
      if (el == nullptr) return Rule(at, graph::kRuleObject);
      if (auto e =
              KnownKeys(*el, at, {"title", "subtitle", "image_url", "default_action", "buttons"})) {
        return e;
      }
      if (auto e = CheckString(*el, "title", at, true, graph::kMaxElementTitleChars)) return e;
      if (auto e = CheckString(*el, "subtitle", at, false, graph::kMaxElementTitleChars)) {
        return e;
      }
      if (auto e = CheckUrl(*el, "image_url", at, false)) return e;
      if (auto e = CheckTemplateButtons(*el, at, false)) return e;
    }
    return std::nullopt;
  }
  if (tt == graph::kFeedbackTemplateType) {
    *layout = tt;
    return std::nullopt;
  }
  return Rule(Sub(payload_path, "template_type"), graph::kRuleTemplateType);
}

std::optional<GraphError> CheckQuickReplies(const json::value& v) {
  constexpr std::string_view path = "message[quick_replies]";
  if (!v.is_array() || v.get_array().empty()) return Rule(path, graph::kRuleArray);
  const json::array& replies = v.get_array();
  if (replies.size() > graph::kMaxQuickReplies) return Param(graph::kMsgTooManyQuickReplies);
  for (std::size_t i = 0; i < replies.size(); ++i) {
    const std::string at = Sub(path, i);
    const json::object* q = replies[i].if_object();
    if (q == nullptr) return Rule(at, graph::kRuleObject);
    if (auto e = KnownKeys(*q, at, {"content_type", "title", "payload", "image_url"})) return e;
    const json::value* type = Field(*q, "content_type");
    const std::string_view t =
        type != nullptr && type->is_string() ? std::string_view(type->get_string()) : "";
    if (t == "text") {
      // A longer title is cut on the phone, not refused.
      if (auto e = CheckString(*q, "title", at, true, 0)) return e;
      if (auto e = CheckString(*q, "payload", at, true, graph::kMaxPayloadChars)) return e;
    } else if (t != "user_phone_number" && t != "user_email") {
      return Rule(Sub(at, "content_type"), graph::kRuleContentType);
    }
    if (auto e = CheckUrl(*q, "image_url", at, false)) return e;
  }
  return std::nullopt;
}

// A message object beyond its text: known fields, its attachment and its quick replies.
std::optional<GraphError> CheckMessageObject(const json::object& m, std::string* kind,
                                             std::string* layout) {
  if (auto e = KnownKeys(m, "message", {"text", "attachment", "quick_replies", "metadata"})) {
    return e;
  }
  *kind = "text";
  const json::value* attachment = Field(m, "attachment");
  if (attachment != nullptr) {
    if (!attachment->is_object()) return Rule("message[attachment]", graph::kRuleObject);
    if (auto e = CheckAttachment(attachment->get_object(), kind, layout)) return e;
  }
  if (const json::value* quick_replies = Field(m, "quick_replies")) {
    if (auto e = CheckQuickReplies(*quick_replies)) return e;
    if (*kind == "text") {
      *kind = "card";
      *layout = "quick_replies";
    }
  }
  return std::nullopt;
}

std::variant<SendRequest, GraphError> ParseSend(const json::object& body) {
  SendRequest out;
  const json::value* recipient = Field(body, "recipient");
  if (recipient == nullptr) return Param(graph::kMsgRecipientRequired);
  if (!recipient->is_object()) return Param(graph::kMsgRecipientId);
  if (const json::value* token = Field(recipient->get_object(), "notification_messages_token")) {
    if (!token->is_string() || token->get_string().empty()) return Param(graph::kMsgTokenRecipient);
    out.token = token->get_string();
  } else {
    auto id = IdString(Field(recipient->get_object(), "id"));
    if (!id) return Param(graph::kMsgRecipientId);
    out.recipient_id = std::move(*id);
  }

  const json::value* message = Field(body, "message");
  const json::value* action = Field(body, "sender_action");
  if (message != nullptr && action != nullptr) return Param(graph::kMsgMessageAndSenderAction);
  if (message == nullptr && action == nullptr) return Param(graph::kMsgMessageOrSenderAction);
  if (action != nullptr) {
    const bool known =
        action->is_string() && In(graph::kSenderActions, std::string_view(action->get_string()));
    if (!known) return Param(graph::kMsgSenderAction);
    if (!out.token.empty()) return Param(graph::kMsgTokenSenderAction);
    out.sender_action = true;
    return out;
  }

  // A marketing-message token carries its own permission: no messaging_type needed.
  const json::value* type = Field(body, "messaging_type");
  if (type == nullptr && out.token.empty()) return Param(graph::kMsgMessagingTypeRequired);
  if (type != nullptr) {
    if (!type->is_string()) {
      return Param(std::string(graph::kMsgMessagingTypePrefix) + json::serialize(*type));
    }
    out.messaging_type = type->get_string();
    if (out.messaging_type != graph::kTypeResponse && out.messaging_type != graph::kTypeUpdate &&
        out.messaging_type != graph::kTypeMessageTag && out.messaging_type != graph::kTypeUtility) {
      return Param(std::string(graph::kMsgMessagingTypePrefix) + Quoted(out.messaging_type));
    }
  }

  const json::value* tag = Field(body, "tag");
  const bool is_tag_type = out.messaging_type == graph::kTypeMessageTag;
  if (is_tag_type && tag == nullptr) return Param(graph::kMsgTagRequired);
  if (!is_tag_type && tag != nullptr) return Param(graph::kMsgTagWithoutMessageTag);
  if (tag != nullptr) {
    if (!tag->is_string()) return Param(std::string(graph::kMsgTagPrefix) + json::serialize(*tag));
    out.tag = tag->get_string();
    if (!IsKnownTag(out.tag)) return Param(std::string(graph::kMsgTagPrefix) + Quoted(out.tag));
  }

  if (!message->is_object()) return Param(graph::kMsgMessageNotObject);
  const json::object& m = message->get_object();
  const json::value* utility = Field(m, "template");
  const bool is_utility = out.messaging_type == graph::kTypeUtility;
  if (is_utility && utility == nullptr) return Param(graph::kMsgUtilityTemplateRequired);
  if (!is_utility && utility != nullptr) return Param(graph::kMsgTemplateWithoutUtility);
  if (is_utility) {
    UtilityTemplateRef ref;
    if (auto e = ParseUtilityTemplate(*utility, &ref)) return std::move(*e);
    out.utility = std::move(ref);
    out.kind = "template";
    out.message_json = json::serialize(m);
    return out;
  }

  const json::value* text = Field(m, "text");
  const json::value* attachment = Field(m, "attachment");
  if (text != nullptr && !text->is_string()) return Param(graph::kMsgTextNotString);
  const bool has_text = text != nullptr && !text->get_string().empty();
  const bool has_attachment =
      attachment != nullptr && attachment->is_object() && !attachment->get_object().empty();
  if (!has_text && !has_attachment) return Param(graph::kMsgMessageEmpty);
  if (has_text && has_attachment) return Param(graph::kMsgTextAndAttachment);
  if (has_text && CountCodePoints(text->get_string()) >= graph::kMaxTextChars) {
    return Param(graph::kMsgTextTooLong);
  }
  if (auto e = CheckMessageObject(m, &out.kind, &out.layout)) return std::move(*e);
  if (has_text) out.text_bytes = text->get_string().size();
  out.media = out.kind == "audio" || out.kind == "video";
  out.feedback_template = out.layout == graph::kFeedbackTemplateType;
  out.message_json = json::serialize(m);
  return out;
}

// --- Marketing Message API content checks ----------------------------------------------

// Every `{{macro}}` in `text` must be one the API resolves; buttons may carry none.
bool PlaceholdersResolve(std::string_view text, bool allow_macros) {
  std::size_t at = 0;
  while ((at = text.find("{{", at)) != std::string_view::npos) {
    if (!allow_macros) return false;
    const std::size_t end = text.find("}}", at + 2);
    if (end == std::string_view::npos) return false;
    std::string_view name = text.substr(at + 2, end - at - 2);
    while (!name.empty() && name.front() == ' ') name.remove_prefix(1);
    while (!name.empty() && name.back() == ' ') name.remove_suffix(1);
    if (!In(graph::kMarketingApiMacros, name)) return false;
    at = end + 2;
  }
  return true;
}

std::optional<GraphError> CheckButtons(const json::value* buttons) {
  if (buttons == nullptr) return std::nullopt;
  if (!buttons->is_array()) return MarketingApiError(graph::kMmButtonType);
  if (buttons->get_array().size() > graph::kMarketingApiMaxButtons) {
    return MarketingApiError(graph::kMmTooManyButtons);
  }
  for (const json::value& b : buttons->get_array()) {
    const json::object* o = b.if_object();
    const json::value* type = o ? Field(*o, "type") : nullptr;
    if (type == nullptr || !type->is_string() || type->get_string() != "web_url") {
      return MarketingApiError(graph::kMmButtonType);
    }
    const json::value* title = Field(*o, "title");
    if (title == nullptr || !title->is_string() || title->get_string().empty()) {
      return MarketingApiError(graph::kMmButtonTitleEmpty);
    }
    if (!PlaceholdersResolve(title->get_string(), false)) {
      return MarketingApiError(graph::kMmUnresolvedPlaceholder, "buttons take no macros");
    }
    const json::value* url = Field(*o, "url");
    if (url == nullptr || !url->is_string() || url->get_string().empty()) {
      return MarketingApiError(graph::kMmButtonUrlEmpty);
    }
  }
  return std::nullopt;
}

std::optional<GraphError> CheckText(const json::object& o, std::string_view key) {
  const json::value* v = Field(o, key);
  if (v != nullptr && v->is_string() && !PlaceholdersResolve(v->get_string(), true)) {
    return MarketingApiError(graph::kMmUnresolvedPlaceholder, std::string(key));
  }
  return std::nullopt;
}

std::optional<GraphError> CheckMarketingMessage(const json::object& m) {
  if (auto e = CheckText(m, "text")) return e;
  const json::value* attachment = Field(m, "attachment");
  const json::value* payload = attachment != nullptr && attachment->is_object()
                                   ? Field(attachment->get_object(), "payload")
                                   : nullptr;
  if (payload == nullptr || !payload->is_object()) return std::nullopt;
  const json::object& p = payload->get_object();
  if (auto e = CheckText(p, "text")) return e;
  if (auto e = CheckButtons(Field(p, "buttons"))) return e;
  if (const json::value* elements = Field(p, "elements"); elements && elements->is_array()) {
    for (const json::value& el : elements->get_array()) {
      if (!el.is_object()) continue;
      for (std::string_view key : {"title", "subtitle"}) {
        if (auto e = CheckText(el.get_object(), key)) return e;
      }
      if (auto e = CheckButtons(Field(el.get_object(), "buttons"))) return e;
    }
  }
  return std::nullopt;
}

// --- State -------------------------------------------------------------------------------

struct Interaction {
  Time last_at{};
  Time last_ad_at{};
  bool has_ad = false;
};

struct UtilityTemplate {
  TemplateStatus status = TemplateStatus::kApproved;
  std::size_t body_params = 0;
  std::size_t button_params = 0;
};

std::string TemplateKey(std::string_view name, std::string_view language) {
  std::string key(name);
  key += '\n';
  key += language;
  return key;
}

struct Page {
  std::string access_token;
  Platform platform = Platform::kMessenger;
  bool utility_permission = false;
  bool human_agent_permission = false;
  int sends_per_second = graph::kSendsPerSecond;
  int media_sends_per_second = graph::kMediaSendsPerSecond;
  StringMap<Interaction> users;          // by PSID / IGSID
  StringMap<UtilityTemplate> templates;  // by TemplateKey
};

struct MarketingToken {
  std::string page_id;
  std::string user_id;
  Time expires_at{};
  bool stopped = false;
  std::string region;                // ISO 3166-1 alpha-2, "" when not told
  std::optional<Time> last_sent_at;  // the last marketing message on this token, either route
};

struct Campaign {
  std::string ad_account_id;
  std::string page_id;
  bool active = true;
  std::optional<std::int64_t> budget_messages;
  std::int64_t sent = 0;
};

struct AdAccount {
  std::string access_token;
  std::string business_region;
};

// A Page's send-rate buckets: every send request it takes counts, refused or not.
struct PageRate {
  TokenBucket text;
  TokenBucket media;
};

struct PendingInteraction {
  std::string user_id;
  Time at;
  bool ad;
};

}  // namespace

class GraphPlatform::State {
 public:
  mutable std::shared_mutex mu;
  StringMap<Page> pages;                    // GUARDED_BY(mu)
  StringMap<std::string> page_by_token;     // GUARDED_BY(mu): token -> page id
  StringMap<MarketingToken> tokens;         // GUARDED_BY(mu): by token
  StringMap<AdAccount> ad_accounts;         // GUARDED_BY(mu): by id without "act_"
  StringMap<std::string> account_by_token;  // GUARDED_BY(mu): token -> ad account id
  StringMap<Campaign> campaigns;            // GUARDED_BY(mu): by message_id

  // Apart from `mu` so that counting a send does not need it exclusively.
  std::mutex rate_mu;
  StringMap<PageRate> rates;  // GUARDED_BY(rate_mu): by page id; reset when a Page registers

  const std::string nonce = RandomToken(10);  // message ids stay unique across restarts
  std::atomic<std::int64_t> next_message = 1;

  std::string MessageId() { return "m_" + nonce + std::to_string(next_message++); }
};

GraphPlatform::GraphPlatform(Recorder& recorder)
    : recorder_(recorder), state_(std::make_unique<State>()) {}
GraphPlatform::~GraphPlatform() = default;

bool GraphPlatform::HasPage(std::string_view id) const {
  std::shared_lock lock(state_->mu);
  return state_->pages.find(id) != state_->pages.end();
}

Platform GraphPlatform::PlatformOf(const net::Request& request,
                                   std::string_view page_in_path) const {
  std::shared_lock lock(state_->mu);
  std::string_view id = page_in_path;
  if (id == "me") {
    const std::string_view token = TokenFrom(request, nullptr);
    const auto owner = state_->page_by_token.find(token);
    if (owner == state_->page_by_token.end()) return Platform::kMessenger;
    id = owner->second;
  }
  const auto page = state_->pages.find(id);
  return page == state_->pages.end() ? Platform::kMessenger : page->second.platform;
}

net::Response GraphPlatform::UnsupportedMethod(std::string_view method, std::string_view id,
                                               Platform platform) {
  std::string lower(method);
  std::transform(lower.begin(), lower.end(), lower.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  GraphError e = Unsupported(lower, id);
  recorder_.Refuse(platform, GraphErrorKey(e));
  return GraphErrorResponse(e);
}

net::Response GraphPlatform::ServerError(int status) {
  GraphError e{graph::kCodeTransient, 0, std::string(graph::kMsgTransientError)};
  e.http_status = status;
  e.transient = true;
  return GraphErrorResponse(e);
}

// --- The Send API ------------------------------------------------------------------------

namespace {

// Whether the window rules let a standard or tagged send through (the recipient is known).
bool WindowAllows(const SendRequest& send, const Interaction& user, Time now) {
  Time window_end = user.last_at + graph::kStandardWindow;
  if (user.has_ad) window_end = std::max(window_end, user.last_ad_at + graph::kAdWindow);
  const bool in_window = now < window_end;
  if (send.sender_action || send.messaging_type != graph::kTypeMessageTag) return in_window;
  if (send.tag == graph::kTagHumanAgent || send.tag == graph::kTagCustomerFeedback) {
    return in_window || now < user.last_at + graph::kHumanAgentWindow;
  }
  // A retired tag before its cutoff: outside the window it was allowed for non-promotional
  // content, which the sandbox cannot judge, so it accepts.
  return true;
}

std::string_view RouteOf(const SendRequest& send) {
  if (!send.token.empty()) return "marketing_token";
  if (send.utility) return "utility_template";
  if (send.messaging_type == graph::kTypeMessageTag) return "message_tag";
  return "standard_window";
}

}  // namespace

net::Response GraphPlatform::HandleSend(const net::Request& request, std::string_view page_in_path,
                                        Time now) {
  unsigned char buffer[kParseBufferBytes];
  json::monotonic_resource arena(buffer, sizeof buffer);
  json::error_code ec;
  const json::value doc = json::parse(request.body, ec, &arena);
  const json::object* body = (!ec && doc.is_object()) ? &doc.get_object() : nullptr;
  auto parsed = body != nullptr ? ParseSend(*body)
                                : std::variant<SendRequest, GraphError>(Param(
                                      ec ? graph::kMsgMalformedJson : graph::kMsgBodyNotObject));
  const std::string_view token = TokenFrom(request, body);

  Platform platform = Platform::kMessenger;
  auto refuse = [&](GraphError e) {
    recorder_.Refuse(platform, GraphErrorKey(e));
    return GraphErrorResponse(e);
  };

  std::string page_id;
  std::optional<Interaction> user;
  bool utility_permission = false;
  bool human_agent_permission = false;
  int sends_per_second = graph::kSendsPerSecond;
  int media_sends_per_second = graph::kMediaSendsPerSecond;
  std::optional<UtilityTemplate> utility_template;
  {
    std::shared_lock lock(state_->mu);
    const auto by_token =
        token.empty() ? state_->page_by_token.end() : state_->page_by_token.find(token);
    if (by_token == state_->page_by_token.end()) {
      lock.unlock();
      return refuse(InvalidToken());
    }
    const std::string_view wanted = page_in_path == "me" ? by_token->second : page_in_path;
    const auto page = state_->pages.find(wanted);
    if (page == state_->pages.end()) {
      const std::string id(wanted);
      lock.unlock();
      return refuse(Unsupported("post", id));
    }
    platform = page->second.platform;
    if (page->second.access_token != token) {
      lock.unlock();
      return refuse(InvalidToken());
    }
    page_id = page->first;
    utility_permission = page->second.utility_permission;
    human_agent_permission = page->second.human_agent_permission;
    sends_per_second = page->second.sends_per_second;
    media_sends_per_second = page->second.media_sends_per_second;
    if (auto* send = std::get_if<SendRequest>(&parsed)) {
      if (!send->recipient_id.empty()) {
        const auto found = page->second.users.find(send->recipient_id);
        if (found != page->second.users.end()) user = found->second;
      }
      if (send->utility) {
        const auto t =
            page->second.templates.find(TemplateKey(send->utility->name, send->utility->language));
        if (t != page->second.templates.end()) utility_template = t->second;
      }
    }
  }
  {
    const auto* request_send = std::get_if<SendRequest>(&parsed);
    const bool media = request_send != nullptr && request_send->media;
    std::lock_guard lock(state_->rate_mu);
    auto rate = state_->rates.find(page_id);
    if (rate == state_->rates.end()) {
      const std::chrono::seconds second(1);
      rate = state_->rates
                 .emplace(page_id,
                          PageRate{TokenBucket(sends_per_second, sends_per_second, second, now),
                                   TokenBucket(media_sends_per_second, media_sends_per_second,
                                               second, now)})
                 .first;
    }
    if (!(media ? rate->second.media : rate->second.text).TryTake(now)) {
      return refuse(
          platform == Platform::kInstagram
              ? GraphError{graph::kCodeCustomRateLimit, graph::kSubcodeInstagramRateLimit,
                           std::string(graph::kMsgInstagramRateLimit)}
              : GraphError{graph::kCodePageRateLimit, 0, std::string(graph::kMsgPageRateLimit)});
    }
  }
  if (auto* error = std::get_if<GraphError>(&parsed)) return refuse(std::move(*error));
  SendRequest& send = std::get<SendRequest>(parsed);

  if (!send.tag.empty() && platform == Platform::kInstagram && send.tag != graph::kTagHumanAgent) {
    return refuse(Param(graph::kMsgTagNotOnInstagram));
  }
  if (platform == Platform::kInstagram && send.text_bytes > graph::kMaxInstagramTextBytes) {
    return refuse(Param(graph::kMsgInstagramTextTooLong));
  }
  if (platform == Platform::kInstagram && send.layout == "buttons") {
    return refuse({graph::kCodeInvalidParameter, graph::kSubcodeInvalidMessageInstagram,
                   std::string(graph::kMsgInstagramInvalidMessage) + "button"});
  }
  if (!send.tag.empty()) {
    if (IsRetiredTag(send.tag) && now >= graph::kRetiredTagsCutoff) {
      return refuse(Param("(#100) Tag " + send.tag + std::string(graph::kMsgTagRetiredSuffix)));
    }
    if (send.tag == graph::kTagHumanAgent && !human_agent_permission) {
      return refuse({graph::kCodePermission, 0, std::string(graph::kMsgHumanAgentPermission)});
    }
    if (send.tag == graph::kTagCustomerFeedback && !send.feedback_template) {
      return refuse(Param(graph::kMsgFeedbackTemplateOnly));
    }
  }

  std::string recipient = send.recipient_id;
  json::object detail;
  if (!send.token.empty()) {
    if (now >= graph::kMarketingTokensRetired) return refuse(Param(graph::kMsgTokensRetired));
    // Checked and spent under one exclusive lock, so two sends cannot share a cool-down.
    std::unique_lock lock(state_->mu);
    const auto t = state_->tokens.find(send.token);
    if (t == state_->tokens.end() || t->second.page_id != page_id || now >= t->second.expires_at) {
      lock.unlock();
      return refuse(Param(graph::kMsgTokenInvalid));
    }
    MarketingToken& mt = t->second;
    if (mt.stopped) {
      lock.unlock();
      return refuse({graph::kCodePermission, graph::kSubcodeTokenStopped,
                     std::string(graph::kMsgTokenStopped)});
    }
    const Duration cooldown = now >= graph::kTokenCooldown48hFrom ? graph::kTokenCooldownAfter
                                                                  : graph::kTokenCooldownBefore;
    if (mt.last_sent_at && now < *mt.last_sent_at + cooldown) {
      lock.unlock();
      return refuse({graph::kCodeTooManyCalls, graph::kSubcodeTokenCooldown,
                     std::string(graph::kMsgTokenCooldown)});
    }
    mt.last_sent_at = now;
    recipient = mt.user_id;
    detail["notification_messages_token"] = send.token;
  } else if (send.utility) {
    if (!utility_permission)
      return refuse({graph::kCodePermission, 0, std::string(graph::kMsgUtilityPermission)});
    const std::string which = send.utility->name + " (" + send.utility->language + ")";
    if (!utility_template) {
      return refuse(Param(std::string(graph::kMsgUtilityTemplateMissingPrefix) + which));
    }
    if (utility_template->status != TemplateStatus::kApproved) {
      return refuse(Param(std::string(graph::kMsgUtilityTemplateNotApprovedPrefix) + which));
    }
    if (send.utility->body_params != utility_template->body_params ||
        send.utility->button_params != utility_template->button_params) {
      return refuse(Param(std::string(graph::kMsgUtilityParamCountPrefix) + "expected " +
                          std::to_string(utility_template->body_params) + " body and " +
                          std::to_string(utility_template->button_params) + " button, got " +
                          std::to_string(send.utility->body_params) + " and " +
                          std::to_string(send.utility->button_params)));
    }
    if (!user) {
      return refuse({graph::kCodeInvalidParameter, graph::kSubcodeNoMatchingUser,
                     std::string(graph::kMsgNoMatchingUser)});
    }
    detail["template"] =
        json::object{{"name", send.utility->name}, {"language", send.utility->language}};
  } else {
    if (!user) {
      return refuse({graph::kCodeInvalidParameter, graph::kSubcodeNoMatchingUser,
                     std::string(graph::kMsgNoMatchingUser)});
    }
    if (!WindowAllows(send, *user, now)) {
      return refuse({graph::kCodePermission,
                     platform == Platform::kInstagram ? graph::kSubcodeOutsideWindowInstagram
                                                      : graph::kSubcodeOutsideWindowMessenger,
                     std::string(graph::kMsgOutsideWindow)});
    }
  }

  std::string answer = R"({"recipient_id":)" + Quoted(recipient);
  if (send.sender_action) {
    recorder_.AcceptUnrecorded(platform);
    return net::Response::Json(200, answer + "}");
  }
  Record record;
  record.platform = platform;
  record.account = std::move(page_id);
  record.recipient = std::move(recipient);
  record.route = RouteOf(send);
  record.message_id = state_->MessageId();
  record.messaging_type = std::move(send.messaging_type);
  record.tag = std::move(send.tag);
  record.message_json = std::move(send.message_json);
  detail["kind"] = send.kind;
  if (!send.layout.empty()) detail["layout"] = send.layout;
  record.detail_json = json::serialize(detail);
  record.body = std::make_shared<const std::string>(request.body);
  record.received_at = now;
  answer += R"(,"message_id":")";
  answer += record.message_id;
  answer += "\"}";
  std::vector<Record> records;
  records.push_back(std::move(record));
  recorder_.Accept(std::move(records), platform);
  return net::Response::Json(200, std::move(answer));
}

// --- The Marketing Message API -------------------------------------------------------------

net::Response GraphPlatform::HandleMarketingApi(const net::Request& request,
                                                std::string_view account_id, Time now) {
  const Platform platform = Platform::kMessenger;
  auto refuse = [&](GraphError e) {
    recorder_.Refuse(platform, GraphErrorKey(e));
    return GraphErrorResponse(e);
  };
  json::error_code ec;
  const json::value doc = json::parse(request.body, ec);
  const json::object* body = (!ec && doc.is_object()) ? &doc.get_object() : nullptr;
  const std::string token(TokenFrom(request, body));
  const std::string act = "act_" + std::string(account_id);

  std::unique_lock lock(state_->mu);
  const bool known_token = !token.empty() && (state_->account_by_token.contains(token) ||
                                              state_->page_by_token.contains(token));
  if (!known_token) {
    lock.unlock();
    return refuse(InvalidToken());
  }
  const auto account = state_->ad_accounts.find(account_id);
  if (account == state_->ad_accounts.end()) {
    lock.unlock();
    return refuse(Unsupported("post", act));
  }
  if (now < graph::kMarketingApiOpens) {
    lock.unlock();
    return refuse(MarketingApiError(graph::kMmNotAvailable));
  }
  if (!In(graph::kMarketingApiBusinessRegions, account->second.business_region)) {
    lock.unlock();
    return refuse(MarketingApiError(graph::kMmAdAccountRegion));
  }
  if (body == nullptr) {
    lock.unlock();
    return refuse(Param(ec ? graph::kMsgMalformedJson : graph::kMsgBodyNotObject));
  }
  const auto message_id = IdString(Field(*body, "message_id"));
  if (!message_id) {
    lock.unlock();
    return refuse(MarketingApiError(graph::kMmRequiredField, "message_id"));
  }
  const json::value* delivery = Field(*body, "messenger_delivery_data");
  const json::value* sub_token = delivery != nullptr && delivery->is_object()
                                     ? Field(delivery->get_object(), "subscription_token")
                                     : nullptr;
  const std::optional<std::string> subscription = IdString(sub_token);
  if (!subscription) {
    lock.unlock();
    return refuse(
        MarketingApiError(graph::kMmRequiredField, "messenger_delivery_data.subscription_token"));
  }
  const json::value* message = Field(*body, "message");
  if (message == nullptr || !message->is_object() || message->get_object().empty()) {
    lock.unlock();
    return refuse(MarketingApiError(graph::kMmRequiredField, "message"));
  }
  std::optional<std::int64_t> gap_seconds;
  if (const json::value* gap = Field(*body, "min_conversation_gap_seconds")) {
    if (!gap->is_int64() || gap->get_int64() <= 0) {
      lock.unlock();
      return refuse(Param("(#100) Param min_conversation_gap_seconds must be a positive integer"));
    }
    gap_seconds = gap->get_int64();
  }
  if (auto e = CheckMarketingMessage(message->get_object())) {
    lock.unlock();
    return refuse(std::move(*e));
  }
  // Beyond its own rules the API takes the Send API's message objects, with their limits.
  std::string kind = "text";
  std::string layout;
  if (auto e = CheckMessageObject(message->get_object(), &kind, &layout)) {
    lock.unlock();
    return refuse(std::move(*e));
  }

  const auto campaign = state_->campaigns.find(*message_id);
  if (campaign == state_->campaigns.end()) {
    lock.unlock();
    return refuse(MarketingApiError(graph::kMmInvalidMessageId));
  }
  Campaign& c = campaign->second;
  if (c.ad_account_id != account_id) {
    lock.unlock();
    return refuse(MarketingApiError(graph::kMmAdAccountMismatch));
  }
  if (!c.active) {
    lock.unlock();
    return refuse(MarketingApiError(graph::kMmInactiveCampaign));
  }
  const auto page = state_->pages.find(c.page_id);
  const bool authorized = token == account->second.access_token ||
                          (page != state_->pages.end() && page->second.access_token == token);
  if (!authorized) {
    lock.unlock();
    return refuse({graph::kCodeMissingPermission, 0, std::string(graph::kMsgAdAccountToken)});
  }
  const auto t = state_->tokens.find(*subscription);
  if (t == state_->tokens.end()) {
    lock.unlock();
    return refuse(MarketingApiError(graph::kMmTokenNotLoadable));
  }
  MarketingToken& mt = t->second;
  if (mt.page_id != c.page_id) {
    lock.unlock();
    return refuse(MarketingApiError(graph::kMmPageMismatch));
  }
  if (In(graph::kMarketingApiExcludedRecipientRegions, mt.region)) {
    lock.unlock();
    return refuse(MarketingApiError(graph::kMmTokenRegion, mt.region));
  }
  if (mt.stopped) {
    lock.unlock();
    return refuse(MarketingApiError(graph::kMmSubscriberStopped));
  }
  if (now >= mt.expires_at) {
    lock.unlock();
    return refuse(MarketingApiError(graph::kMmTokenExpired));
  }
  if (mt.last_sent_at && now < *mt.last_sent_at + graph::kMarketingApiMinDelay) {
    lock.unlock();
    return refuse(MarketingApiError(graph::kMmMinDelay));
  }
  if (gap_seconds && page != state_->pages.end()) {
    const auto u = page->second.users.find(mt.user_id);
    if (u != page->second.users.end() &&
        now < u->second.last_at + std::chrono::seconds(*gap_seconds)) {
      lock.unlock();
      return refuse(MarketingApiError(graph::kMmPersonNotAvailable));
    }
  }
  if (c.budget_messages && c.sent >= *c.budget_messages) {
    lock.unlock();
    return refuse(MarketingApiError(graph::kMmBudgetReached));
  }
  mt.last_sent_at = now;
  ++c.sent;
  Record record;
  record.platform = platform;
  record.account = act;
  record.recipient = mt.user_id;
  record.route = "marketing_message_api";
  record.message_id = RandomUuid();
  json::object detail{{"page_id", c.page_id},
                      {"campaign_id", *message_id},
                      {"subscription_token", *subscription},
                      {"kind", kind}};
  if (!layout.empty()) detail["layout"] = layout;
  record.detail_json = json::serialize(detail);
  lock.unlock();
  record.body = std::make_shared<const std::string>(request.body);
  record.received_at = now;
  json::object answer{{"success", true}, {"marketing_message_tracking_id", record.message_id}};
  std::vector<Record> records;
  records.push_back(std::move(record));
  recorder_.Accept(std::move(records), platform);
  return JsonOk(200, answer);
}

// --- Control endpoints -------------------------------------------------------------------

net::Response GraphPlatform::AddPage(const net::Request& request,
                                     const std::function<bool(std::string_view)>& graph_id_taken) {
  auto body = ParseControlBody(request.body);
  if (!body.ok()) return ControlError(body.error());
  auto page_id = RequiredId(*body, "page_id");
  if (!page_id.ok()) return ControlError(page_id.error());
  auto token = RequiredString(*body, "access_token");
  if (!token.ok()) return ControlError(token.error());
  Platform platform = Platform::kMessenger;
  if (const json::value* p = Field(*body, "platform")) {
    const std::string_view name = p->is_string() ? std::string_view(p->get_string()) : "";
    if (name == "instagram") {
      platform = Platform::kInstagram;
    } else if (name == "whatsapp") {
      return ControlError(InvalidArgument(
          "platform", "WhatsApp numbers register with POST /__sandbox/whatsapp/phone_numbers"));
    } else if (name == "line") {
      return ControlError(
          InvalidArgument("platform", "LINE channels register with POST /__sandbox/line/channels"));
    } else if (name != "messenger") {
      return ControlError(InvalidArgument("platform", "must be \"messenger\" or \"instagram\""));
    }
  }
  std::optional<bool> utility;
  std::optional<bool> human_agent;
  if (const json::value* perms = Field(*body, "permissions")) {
    if (!perms->is_array()) {
      return ControlError(InvalidArgument("permissions", "must be an array of permission names"));
    }
    utility = false;
    human_agent = false;
    for (std::size_t i = 0; i < perms->get_array().size(); ++i) {
      const json::value& v = perms->get_array()[i];
      const std::string_view name = v.is_string() ? std::string_view(v.get_string()) : "";
      if (name == graph::kPermissionUtility) {
        utility = true;
      } else if (name == graph::kPermissionHumanAgent) {
        human_agent = true;
      } else {
        return ControlError(InvalidArgument("permissions[" + std::to_string(i) + "]",
                                            "must be \"page_utility_messaging\" or "
                                            "\"human_agent\""));
      }
    }
  }
  std::optional<int> sends_per_second;
  std::optional<int> media_sends_per_second;
  if (const json::value* limits = Field(*body, "rate_limits")) {
    if (!limits->is_object())
      return ControlError(InvalidArgument("rate_limits", "must be an object"));
    for (const auto& [key, value] : limits->get_object()) {
      if (key != "text" && key != "media") {
        return ControlError(
            InvalidArgument("rate_limits." + std::string(key), "unknown limit: text or media"));
      }
    }
    auto text =
        OptionalInt(limits->get_object(), "text", graph::kSendsPerSecond, 1, 100000, "rate_limits");
    if (!text.ok()) return ControlError(text.error());
    auto media = OptionalInt(limits->get_object(), "media", graph::kMediaSendsPerSecond, 1, 100000,
                             "rate_limits");
    if (!media.ok()) return ControlError(media.error());
    sends_per_second = static_cast<int>(*text);
    media_sends_per_second = static_cast<int>(*media);
  }
  if (graph_id_taken(*page_id)) {
    return ControlError(409, "already_exists", "the id is a WhatsApp phone-number id", "page_id");
  }
  {
    std::unique_lock lock(state_->mu);
    const auto owner = state_->page_by_token.find(*token);
    if ((owner != state_->page_by_token.end() && owner->second != *page_id) ||
        state_->account_by_token.contains(*token)) {
      return ControlError(409, "already_exists", "already used by another page or ad account",
                          "access_token");
    }
    Page& page = state_->pages[*page_id];
    if (!page.access_token.empty()) state_->page_by_token.erase(page.access_token);
    page.access_token = *token;
    page.platform = platform;
    if (utility) page.utility_permission = *utility;
    if (human_agent) page.human_agent_permission = *human_agent;
    if (sends_per_second) page.sends_per_second = *sends_per_second;
    if (media_sends_per_second) page.media_sends_per_second = *media_sends_per_second;
    std::lock_guard rate_lock(state_->rate_mu);
    state_->rates.erase(*page_id);
    state_->page_by_token[*token] = *page_id;
    utility = page.utility_permission;
    human_agent = page.human_agent_permission;
  }
  json::array permissions;
  if (*utility) permissions.emplace_back(graph::kPermissionUtility);
  if (*human_agent) permissions.emplace_back(graph::kPermissionHumanAgent);
  json::object out;
  out["page_id"] = *page_id;
  out["platform"] = PlatformName(platform);
  out["access_token_set"] = true;
  out["permissions"] = std::move(permissions);
  return JsonOk(201, out);
}

net::Response GraphPlatform::AddInteractions(const net::Request& request, Time now) {
  auto body = ParseControlBody(request.body);
  if (!body.ok()) return ControlError(body.error());
  auto page_id = RequiredId(*body, "page_id");
  if (!page_id.ok()) return ControlError(page_id.error());
  const json::value* list = Field(*body, "interactions");
  if (list == nullptr || !list->is_array()) {
    return ControlError(InvalidArgument("interactions", "required, an array of interactions"));
  }
  // Validate every row before touching state, so a bad row records nothing.
  std::vector<PendingInteraction> pending;
  pending.reserve(list->get_array().size());
  for (std::size_t i = 0; i < list->get_array().size(); ++i) {
    const std::string at_field = "interactions[" + std::to_string(i) + "]";
    const json::value& row = list->get_array()[i];
    if (!row.is_object()) return ControlError(InvalidArgument(at_field, "must be an object"));
    const json::object& o = row.get_object();
    auto user_id = RequiredId(o, "user_id", at_field);
    if (!user_id.ok()) return ControlError(user_id.error());
    auto at = OptionalTime(o, "at", at_field);
    if (!at.ok()) return ControlError(at.error());
    bool ad = false;
    if (const json::value* v = Field(o, "source")) {
      const std::string_view s = v->is_string() ? std::string_view(v->get_string()) : "";
      if (s != "organic" && s != "ad") {
        return ControlError(InvalidArgument(at_field + ".source", "must be \"organic\" or \"ad\""));
      }
      ad = s == "ad";
    }
    pending.push_back({std::move(*user_id), at->value_or(now), ad});
  }
  {
    std::unique_lock lock(state_->mu);
    const auto page = state_->pages.find(*page_id);
    if (page == state_->pages.end()) {
      return ControlError(404, "not_found", "no such page; register it with POST /__sandbox/pages",
                          "page_id");
    }
    for (auto& p : pending) {
      auto [it, inserted] = page->second.users.try_emplace(std::move(p.user_id));
      Interaction& user = it->second;
      if (inserted || p.at > user.last_at) user.last_at = p.at;
      if (p.ad && (!user.has_ad || p.at > user.last_ad_at)) {
        user.last_ad_at = p.at;
        user.has_ad = true;
      }
    }
  }
  json::object out;
  out["recorded"] = pending.size();
  return JsonOk(200, out);
}

net::Response GraphPlatform::AddTemplates(const net::Request& request) {
  auto body = ParseControlBody(request.body);
  if (!body.ok()) return ControlError(body.error());
  auto page_id = RequiredId(*body, "page_id");
  if (!page_id.ok()) return ControlError(page_id.error());
  auto rows = RequiredArrayOfObjects(*body, "templates");
  if (!rows.ok()) return ControlError(rows.error());
  std::vector<std::pair<std::string, UtilityTemplate>> pending;
  for (std::size_t i = 0; i < (*rows)->size(); ++i) {
    const std::string path = "templates[" + std::to_string(i) + "]";
    const json::object& o = (**rows)[i].get_object();
    auto name = RequiredString(o, "name", path);
    if (!name.ok()) return ControlError(name.error());
    auto language = RequiredString(o, "language", path);
    if (!language.ok()) return ControlError(language.error());
    UtilityTemplate t;
    auto status = OptionalTemplateStatus(o, "status", path);
    if (!status.ok()) return ControlError(status.error());
    t.status = *status;
    auto body_params = OptionalInt(o, "body_params", 0, 0, 100, path);
    if (!body_params.ok()) return ControlError(body_params.error());
    auto button_params = OptionalInt(o, "button_params", 0, 0, 10, path);
    if (!button_params.ok()) return ControlError(button_params.error());
    t.body_params = static_cast<std::size_t>(*body_params);
    t.button_params = static_cast<std::size_t>(*button_params);
    pending.emplace_back(TemplateKey(*name, *language), t);
  }
  {
    std::unique_lock lock(state_->mu);
    const auto page = state_->pages.find(*page_id);
    if (page == state_->pages.end()) {
      return ControlError(404, "not_found", "no such page; register it with POST /__sandbox/pages",
                          "page_id");
    }
    for (auto& [key, t] : pending) page->second.templates[key] = t;
  }
  return JsonOk(200, json::object{{"registered", pending.size()}});
}

net::Response GraphPlatform::AddTokens(const net::Request& request) {
  auto body = ParseControlBody(request.body);
  if (!body.ok()) return ControlError(body.error());
  auto page_id = RequiredId(*body, "page_id");
  if (!page_id.ok()) return ControlError(page_id.error());
  auto rows = RequiredArrayOfObjects(*body, "tokens");
  if (!rows.ok()) return ControlError(rows.error());
  std::vector<std::pair<std::string, MarketingToken>> pending;
  for (std::size_t i = 0; i < (*rows)->size(); ++i) {
    const std::string path = "tokens[" + std::to_string(i) + "]";
    const json::object& o = (**rows)[i].get_object();
    auto token = RequiredString(o, "token", path);
    if (!token.ok()) return ControlError(token.error());
    auto user_id = RequiredId(o, "user_id", path);
    if (!user_id.ok()) return ControlError(user_id.error());
    auto expires_at = OptionalTime(o, "expires_at", path);
    if (!expires_at.ok()) return ControlError(expires_at.error());
    if (!*expires_at) {
      return ControlError(InvalidArgument(path + ".expires_at", "required, an RFC 3339 time"));
    }
    MarketingToken mt;
    mt.page_id = *page_id;
    mt.user_id = std::move(*user_id);
    mt.expires_at = **expires_at;
    if (const json::value* status = Field(o, "status")) {
      const std::string_view s = status->is_string() ? std::string_view(status->get_string()) : "";
      if (s != "active" && s != "stopped") {
        return ControlError(InvalidArgument(path + ".status", "must be \"active\" or \"stopped\""));
      }
      mt.stopped = s == "stopped";
    }
    if (const json::value* region = Field(o, "region")) {
      if (!region->is_string() || !IsRegion(region->get_string())) {
        return ControlError(
            InvalidArgument(path + ".region", "must be an ISO 3166-1 alpha-2 code such as \"TW\""));
      }
      mt.region = region->get_string();
    }
    auto last = OptionalTime(o, "last_sent_at", path);
    if (!last.ok()) return ControlError(last.error());
    mt.last_sent_at = *last;
    pending.emplace_back(std::move(*token), std::move(mt));
  }
  {
    std::unique_lock lock(state_->mu);
    if (!state_->pages.contains(*page_id)) {
      return ControlError(404, "not_found", "no such page; register it with POST /__sandbox/pages",
                          "page_id");
    }
    for (auto& [token, mt] : pending) state_->tokens[token] = std::move(mt);
  }
  return JsonOk(200, json::object{{"registered", pending.size()}});
}

net::Response GraphPlatform::AddAdAccounts(const net::Request& request) {
  auto body = ParseControlBody(request.body);
  if (!body.ok()) return ControlError(body.error());
  auto id = RequiredId(*body, "ad_account_id");
  if (!id.ok()) return ControlError(id.error());
  std::string account_id = *id;
  if (account_id.starts_with("act_")) account_id.erase(0, 4);
  if (!IsDigits(account_id)) {
    return ControlError(InvalidArgument("ad_account_id", "must be digits, with or without act_"));
  }
  auto token = RequiredString(*body, "access_token");
  if (!token.ok()) return ControlError(token.error());
  auto region = RequiredString(*body, "business_region");
  if (!region.ok()) return ControlError(region.error());
  if (!IsRegion(*region)) {
    return ControlError(
        InvalidArgument("business_region", "must be an ISO 3166-1 alpha-2 code such as \"TW\""));
  }
  struct PendingCampaign {
    std::string id;
    Campaign campaign;
  };
  std::vector<PendingCampaign> campaigns;
  if (Field(*body, "campaigns") != nullptr) {
    auto rows = RequiredArrayOfObjects(*body, "campaigns");
    if (!rows.ok()) return ControlError(rows.error());
    for (std::size_t i = 0; i < (*rows)->size(); ++i) {
      const std::string path = "campaigns[" + std::to_string(i) + "]";
      const json::object& o = (**rows)[i].get_object();
      auto message_id = RequiredId(o, "message_id", path);
      if (!message_id.ok()) return ControlError(message_id.error());
      auto page_id = RequiredId(o, "page_id", path);
      if (!page_id.ok()) return ControlError(page_id.error());
      Campaign c;
      c.ad_account_id = account_id;
      c.page_id = *page_id;
      if (const json::value* status = Field(o, "status")) {
        const std::string_view s =
            status->is_string() ? std::string_view(status->get_string()) : "";
        if (s != "ACTIVE" && s != "PAUSED") {
          return ControlError(
              InvalidArgument(path + ".status", "must be \"ACTIVE\" or \"PAUSED\""));
        }
        c.active = s == "ACTIVE";
      }
      if (Field(o, "budget_messages") != nullptr) {
        auto budget = OptionalInt(o, "budget_messages", 0, 0, INT64_MAX, path);
        if (!budget.ok()) return ControlError(budget.error());
        c.budget_messages = *budget;
      }
      campaigns.push_back({std::move(*message_id), std::move(c)});
    }
  }
  {
    std::unique_lock lock(state_->mu);
    const auto owner = state_->account_by_token.find(*token);
    if ((owner != state_->account_by_token.end() && owner->second != account_id) ||
        state_->page_by_token.contains(*token)) {
      return ControlError(409, "already_exists", "already used by another ad account or page",
                          "access_token");
    }
    for (std::size_t i = 0; i < campaigns.size(); ++i) {
      const auto page = state_->pages.find(campaigns[i].campaign.page_id);
      if (page == state_->pages.end() || page->second.platform != Platform::kMessenger) {
        return ControlError(404, "not_found", "no such Messenger page",
                            "campaigns[" + std::to_string(i) + "].page_id");
      }
      const auto existing = state_->campaigns.find(campaigns[i].id);
      if (existing != state_->campaigns.end() && existing->second.ad_account_id != account_id) {
        return ControlError(409, "already_exists", "the campaign belongs to another ad account",
                            "campaigns[" + std::to_string(i) + "].message_id");
      }
    }
    AdAccount& account = state_->ad_accounts[account_id];
    if (!account.access_token.empty()) state_->account_by_token.erase(account.access_token);
    account.access_token = *token;
    account.business_region = *region;
    state_->account_by_token[*token] = account_id;
    for (auto& p : campaigns) {
      Campaign& c = state_->campaigns[p.id];
      const std::int64_t sent = c.sent;  // re-registering keeps what was already spent
      c = std::move(p.campaign);
      c.sent = sent;
    }
  }
  return JsonOk(
      201, json::object{{"ad_account_id", "act_" + account_id}, {"campaigns", campaigns.size()}});
}

}  // namespace crier::sandbox::detail
