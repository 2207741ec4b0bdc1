#include "api/template_handlers.h"

#include <optional>
#include <string>
#include <utility>

#include "api/fields.h"
#include "api/limits.h"
#include "api/requests.h"
#include "api/response.h"
#include "core/templates.h"

namespace crier::api {
namespace {

using Json = boost::json::object;

Error Typed(const ObjectReader& r, std::string_view key, std::string_view want) {
  return InvalidArgument(r.Path(key), std::string(want));
}

Result<std::optional<TemplateCategory>> ReadCategory(const ObjectReader& r) {
  auto text = r.OptString("category");
  if (!text.ok()) return text.error();
  if (!*text) return std::optional<TemplateCategory>();
  const std::optional<TemplateCategory> parsed = ParseTemplateCategory(**text);
  if (!parsed)
    return Typed(r, "category", "must be \"marketing\", \"utility\" or \"authentication\"");
  return parsed;
}

Result<std::optional<TemplateStatus>> ReadStatus(const ObjectReader& r) {
  auto text = r.OptString("status");
  if (!text.ok()) return text.error();
  if (!*text) return std::optional<TemplateStatus>();
  const std::optional<TemplateStatus> parsed = ParseTemplateStatus(**text);
  if (!parsed) {
    return Typed(r, "status",
                 "must be \"approved\", \"pending\", \"rejected\", \"paused\" or \"disabled\"");
  }
  return parsed;
}

Result<int> ReadCount(const ObjectReader& r, std::string_view key, int max) {
  auto n = r.OptInt(key);
  if (!n.ok()) return n.error();
  if (!*n) return 0;
  if (**n < 0 || **n > max) {
    return Typed(r, key, "must be between 0 and " + std::to_string(max));
  }
  return static_cast<int>(**n);
}

Result<TemplateButton> ReadButton(const boost::json::value& v, const std::string& path) {
  if (!v.is_object()) {
    return InvalidArgument(
        path, std::string(kMsgWantObject) + " (got " + std::string(JsonTypeName(v)) + ")");
  }
  ObjectReader r(v.get_object(), path);
  CRIER_RETURN_IF_ERROR(r.RejectUnknown({"type", "text", "behaviour", "payload", "url_suffix"}));
  TemplateButton b;
  auto type = r.String("type");
  if (!type.ok()) return type.error();
  const std::optional<TemplateButtonType> parsed = ParseTemplateButtonType(*type);
  if (!parsed) return Typed(r, "type", "must be \"quick_reply\" or \"url\"");
  b.type = *parsed;
  auto text = r.String("text");
  if (!text.ok()) return text.error();
  CRIER_RETURN_IF_ERROR(CheckText(r.Path("text"), *text, kMaxTemplateButtonTextBytes));
  b.text = std::move(*text);
  auto behaviour = r.OptString("behaviour");
  if (!behaviour.ok()) return behaviour.error();
  if (*behaviour) {
    const std::optional<ButtonBehaviour> read = ParseButtonBehaviour(**behaviour);
    if (!read) {
      return Typed(r, "behaviour",
                   "must be \"none\", \"bot_flow\", \"subscribe\" or \"unsubscribe\"");
    }
    b.behaviour = *read;
  }
  auto payload = r.OptString("payload");
  if (!payload.ok()) return payload.error();
  if (*payload) b.payload = std::move(**payload);
  auto suffix = r.OptBool("url_suffix");
  if (!suffix.ok()) return suffix.error();
  b.url_suffix = suffix->value_or(false);
  return b;
}

// The registry's own checks name members without a prefix; a button's are under "buttons".
Result<TemplateDefinition> ReadDefinition(RequestContext& c, const Json& body) {
  ObjectReader r(body, "");
  CRIER_RETURN_IF_ERROR(
      r.RejectUnknown({"waba_id", "channel_account_id", "name", "language", "category", "status",
                       "header", "body_parameters", "buttons"}));
  TemplateDefinition t;
  auto waba = r.OptString("waba_id");
  if (!waba.ok()) return waba.error();
  auto account_id = r.OptId("channel_account_id");
  if (!account_id.ok()) return account_id.error();
  if (waba->has_value() == account_id->has_value()) {
    return InvalidArgument("waba_id",
                           "give exactly one of waba_id (a WhatsApp template) and "
                           "channel_account_id (a Messenger Page's, or a WhatsApp number's WABA)");
  }
  if (*waba) {
    CRIER_RETURN_IF_ERROR(CheckText("waba_id", **waba, kMaxExternalIdChars));
    t.platform = Platform::kWhatsApp;
    t.waba_id = std::move(**waba);
  } else {
    auto account = c.store.GetChannelAccount(**account_id);
    if (!account.ok()) {
      if (account.error().code != ErrorCode::kNotFound) return account.error();
      return InvalidArgument("channel_account_id",
                             "channel account " + std::to_string(**account_id) + " does not exist");
    }
    t.platform = account->platform;
    if (account->platform == Platform::kWhatsApp) {
      t.waba_id = account->capabilities.waba_id;  // shared by every number of the WABA
    } else if (account->platform == Platform::kMessenger) {
      t.channel_account_id = account->id;
    } else {
      return InvalidArgument("channel_account_id",
                             "channel account " + std::to_string(account->id) + " is a " +
                                 std::string(ToString(account->platform)) +
                                 " account: templates are registered for WhatsApp WABAs and "
                                 "Messenger Pages");
    }
  }
  auto name = r.String("name");
  if (!name.ok()) return name.error();
  t.name = std::move(*name);
  auto language = r.String("language");
  if (!language.ok()) return language.error();
  t.language = std::move(*language);
  auto category = ReadCategory(r);
  if (!category.ok()) return category.error();
  if (*category) {
    t.category = **category;
  } else if (t.platform == Platform::kWhatsApp) {
    return InvalidArgument("category",
                           std::string(kMsgRequired) + ": the category Meta approved it in");
  }
  auto status = ReadStatus(r);
  if (!status.ok()) return status.error();
  t.status = status->value_or(TemplateStatus::kApproved);
  auto header = r.OptObject("header");
  if (!header.ok()) return header.error();
  if (*header != nullptr) {
    ObjectReader h(**header, "header");
    CRIER_RETURN_IF_ERROR(h.RejectUnknown({"kind", "parameters"}));
    auto kind = h.String("kind");
    if (!kind.ok()) return kind.error();
    const std::optional<TemplateHeaderKind> parsed = ParseTemplateHeaderKind(*kind);
    if (!parsed) {
      return Typed(h, "kind", "must be \"none\", \"text\", \"image\", \"video\" or \"document\"");
    }
    t.header_kind = *parsed;
    auto count = ReadCount(h, "parameters", 1);
    if (!count.ok()) return count.error();
    // A media header's one parameter is its link: implied when left out.
    const bool media =
        t.header_kind != TemplateHeaderKind::kNone && t.header_kind != TemplateHeaderKind::kText;
    t.header_parameters = media && !h.Has("parameters") ? 1 : *count;
  }
  auto body_count = ReadCount(r, "body_parameters", kMaxTemplateBodyParameters);
  if (!body_count.ok()) return body_count.error();
  t.body_parameters = *body_count;
  auto buttons = r.OptArray("buttons");
  if (!buttons.ok()) return buttons.error();
  if (*buttons != nullptr) {
    for (std::size_t i = 0; i < (*buttons)->size(); ++i) {
      auto button = ReadButton((**buttons)[i], ElementPath("buttons", i));
      if (!button.ok()) return button.error();
      t.buttons.push_back(std::move(*button));
    }
  }
  CRIER_RETURN_IF_ERROR(ValidateTemplateDefinition(t));
  return t;
}

Json TemplateJson(const RegisteredTemplate& t) {
  Json out;
  out["id"] = t.id;
  out["platform"] = ToString(t.platform);
  if (t.platform == Platform::kWhatsApp) {
    out["waba_id"] = t.waba_id;
  } else {
    out["channel_account_id"] = t.channel_account_id;
  }
  out["name"] = t.name;
  out["language"] = t.language;
  out["category"] = ToString(t.category);
  out["status"] = ToString(t.status);
  Json header;
  header["kind"] = ToString(t.header_kind);
  header["parameters"] = t.header_parameters;
  out["header"] = std::move(header);
  out["body_parameters"] = t.body_parameters;
  boost::json::array buttons;
  for (const TemplateButton& b : t.buttons) {
    Json button;
    button["type"] = ToString(b.type);
    button["text"] = b.text;
    if (b.type == TemplateButtonType::kQuickReply) {
      button["behaviour"] = ToString(b.behaviour);
      // What the button is sent with, so a bot can be set up to answer it.
      button["payload"] = ButtonPayloadOf(b);
    } else {
      button["url_suffix"] = b.url_suffix;
    }
    buttons.emplace_back(std::move(button));
  }
  out["buttons"] = std::move(buttons);
  out["created_at"] = FormatRfc3339(t.created_at);
  out["updated_at"] = FormatRfc3339(t.updated_at);
  return out;
}

net::Response TemplateResponse(int status, const Result<RegisteredTemplate>& t) {
  if (!t.ok()) return ErrorResponse(t.error());
  return JsonResponse(status, TemplateJson(*t));
}

Error TemplateNotFound(const Error& error, Id id) {
  if (error.code != ErrorCode::kNotFound) return error;
  return NotFound("template " + std::to_string(id) + " not found");
}

// Whether the request gave messages[i].template.category (else the registry's is taken).
// Whether messages[i].template of the request body has `key` (not null).
bool TemplateFieldGiven(const boost::json::value& body, std::size_t i, std::string_view key) {
  const auto* object = body.if_object();
  const auto* messages = object != nullptr ? object->if_contains("messages") : nullptr;
  const auto* list = messages != nullptr ? messages->if_array() : nullptr;
  if (list == nullptr || i >= list->size()) return false;
  const auto* message = (*list)[i].if_object();
  const auto* tpl = message != nullptr ? message->if_contains("template") : nullptr;
  const auto* fields = tpl != nullptr ? tpl->if_object() : nullptr;
  const auto* value = fields != nullptr ? fields->if_contains(key) : nullptr;
  return value != nullptr && !value->is_null();
}

// Every registered template of this name, in any scope and language.
Result<std::vector<RegisteredTemplate>> TemplatesNamed(Store& store, const std::string& name) {
  std::vector<RegisteredTemplate> out;
  TemplateQuery query;
  query.name = name;
  query.page.limit = kMaxPageLimit;
  while (true) {
    auto page = store.ListTemplates(query);
    if (!page.ok()) return page.error();
    for (auto& t : page->items) out.push_back(std::move(t));
    if (!page->next_after_id) return out;
    query.page.after_id = *page->next_after_id;
  }
}

}  // namespace

net::Response CreateTemplate(RequestContext& c) {
  if (c.request.body.size() > kMaxJsonBodyBytes) return TooLarge(kMaxJsonBodyBytes);
  auto body = ObjectBody(c.request);
  if (!body.ok()) return ErrorResponse(body.error());
  auto definition = ReadDefinition(c, *body);
  if (!definition.ok()) return ErrorResponse(definition.error());
  return TemplateResponse(201, c.store.CreateTemplate(*definition, c.clock.Now()));
}

net::Response ListTemplates(RequestContext& c) {
  auto page = ReadPage(c.request);
  if (!page.ok()) return ErrorResponse(page.error());
  TemplateQuery query;
  query.page = *page;
  auto account_id = QueryId(c.request, "channel_account_id");
  if (!account_id.ok()) return ErrorResponse(account_id.error());
  if (const auto waba = c.request.query_param("waba_id")) query.waba_id = std::string(*waba);
  if (*account_id) {
    auto account = c.store.GetChannelAccount(**account_id);
    if (!account.ok()) {
      if (account.error().code != ErrorCode::kNotFound) return ErrorResponse(account.error());
      return ErrorResponse(
          InvalidArgument("channel_account_id",
                          "channel account " + std::to_string(**account_id) + " does not exist"));
    }
    if (account->platform == Platform::kWhatsApp) {
      if (query.waba_id && *query.waba_id != account->capabilities.waba_id) {
        return ErrorResponse(InvalidArgument(
            "waba_id", "channel account " + std::to_string(account->id) + " belongs to WABA " +
                           account->capabilities.waba_id + ", not " + *query.waba_id));
      }
      query.waba_id = account->capabilities.waba_id;
    } else if (account->platform == Platform::kMessenger) {
      query.channel_account_id = account->id;
    } else {
      return ErrorResponse(InvalidArgument(
          "channel_account_id", "channel account " + std::to_string(account->id) + " is a " +
                                    std::string(ToString(account->platform)) +
                                    " account: it has no templates"));
    }
  }
  if (const auto name = c.request.query_param("name")) query.name = std::string(*name);
  if (const auto language = c.request.query_param("language")) {
    query.language = std::string(*language);
  }
  auto templates = c.store.ListTemplates(query);
  if (!templates.ok()) return ErrorResponse(templates.error());
  boost::json::array items;
  for (const RegisteredTemplate& t : templates->items) items.emplace_back(TemplateJson(t));
  Json out;
  out["items"] = std::move(items);
  if (templates->next_after_id) {
    out["next_after"] = *templates->next_after_id;
  } else {
    out["next_after"] = nullptr;
  }
  return JsonResponse(200, out);
}

net::Response GetTemplate(RequestContext& c) {
  const Id id = c.PathId("id");
  auto t = c.store.GetTemplate(id);
  if (!t.ok()) return ErrorResponse(TemplateNotFound(t.error(), id));
  return TemplateResponse(200, t);
}

net::Response UpdateTemplate(RequestContext& c) {
  if (c.request.body.size() > kMaxJsonBodyBytes) return TooLarge(kMaxJsonBodyBytes);
  auto body = ObjectBody(c.request);
  if (!body.ok()) return ErrorResponse(body.error());
  ObjectReader r(*body, "");
  if (auto s = r.RejectUnknown({"status", "category"}); !s.ok()) return ErrorResponse(s.error());
  TemplateUpdate update;
  auto status = ReadStatus(r);
  if (!status.ok()) return ErrorResponse(status.error());
  update.status = *status;
  auto category = ReadCategory(r);
  if (!category.ok()) return ErrorResponse(category.error());
  update.category = *category;
  if (!update.status && !update.category) {
    return ErrorResponse(
        InvalidArgument(std::string(kBodyField), "give at least one of status, category"));
  }
  const Id id = c.PathId("id");
  auto updated = c.store.UpdateTemplate(id, update, c.clock.Now());
  if (!updated.ok()) return ErrorResponse(TemplateNotFound(updated.error(), id));
  return TemplateResponse(200, updated);
}

net::Response DeleteTemplate(RequestContext& c) {
  const Id id = c.PathId("id");
  auto t = c.store.GetTemplate(id);
  if (!t.ok()) return ErrorResponse(TemplateNotFound(t.error(), id));
  if (auto deleted = c.store.DeleteTemplate(id); !deleted.ok()) {
    return ErrorResponse(TemplateNotFound(deleted.error(), id));
  }
  Json out;
  out["id"] = id;
  out["name"] = t->name;
  out["language"] = t->language;
  out["deleted"] = true;
  return JsonResponse(200, out);
}

Result<std::vector<Message>> ResolveTemplateMessages(Store& store, const ChannelAccount& account,
                                                     const boost::json::value& body,
                                                     std::vector<Message> messages) {
  if (account.platform != Platform::kWhatsApp && account.platform != Platform::kMessenger) {
    return messages;  // the adapter refuses templates there, naming the field
  }
  for (std::size_t i = 0; i < messages.size(); ++i) {
    if (messages[i].kind != MessageKind::kTemplate) continue;
    TemplateMessage& t = messages[i].template_message;
    const std::string at = ElementPath("messages", i) + ".template";
    // What the registry fills in is not the request's to say.
    for (std::string_view filled : {"header_kind", "buttons"}) {
      if (TemplateFieldGiven(body, i, filled)) {
        return InvalidArgument(at + "." + std::string(filled),
                               "comes from the template registry; a request may not give it");
      }
    }
    auto same_name = TemplatesNamed(store, t.name);
    if (!same_name.ok()) return same_name.error();
    auto resolved =
        ResolveTemplateMessage(account, t, TemplateFieldGiven(body, i, "category"), *same_name, at);
    if (!resolved.ok()) return resolved.error();
    t = std::move(*resolved);
  }
  return messages;
}

}  // namespace crier::api
