#include "sandbox/whatsapp.h"

#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <deque>
#include <initializer_list>
#include <map>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "sandbox/limits.h"
#include "sandbox/whatsapp_rules.h"

namespace crier::sandbox::detail {
namespace {

namespace wa = whatsapp;

GraphError Wa(int code, std::string_view title, std::string details, int http_status = 400) {
  GraphError e;
  e.code = code;
  e.message = "(#" + std::to_string(code) + ") " + std::string(title);
  e.details = std::move(details);
  e.http_status = http_status;
  return e;
}
GraphError Invalid(std::string details) {
  return Wa(wa::kCodeInvalidParameter, wa::kTitleInvalidParameter, std::move(details));
}
GraphError Missing(const std::string& path) {
  return Wa(wa::kCodeRequiredMissing, wa::kTitleRequiredMissing, path + ": required");
}
GraphError BadValue(const std::string& path, std::string_view what) {
  return Wa(wa::kCodeInvalidValue, wa::kTitleInvalidValue, path + ": " + std::string(what));
}

template <std::size_t N>
bool In(const std::array<std::string_view, N>& list, std::string_view v) {
  return std::find(list.begin(), list.end(), v) != list.end();
}

// Graph refuses a key its object does not define (100) rather than ignoring it; checked on
// the objects of the messages crier sends (media, reply buttons, call-to-action URL, lists).
std::optional<GraphError> UnexpectedKey(const json::object& o, const std::string& path,
                                        std::initializer_list<std::string_view> allowed) {
  for (const auto& [key, value] : o) {
    if (std::find(allowed.begin(), allowed.end(), std::string_view(key)) == allowed.end()) {
      return Invalid("Unexpected key \"" + std::string(key) + "\" on param \"" + path + "\".");
    }
  }
  return std::nullopt;
}

std::string JoinNames(std::span<const std::string_view> names) {
  std::string out = "{";
  for (std::size_t i = 0; i < names.size(); ++i) {
    if (i > 0) out += ", ";
    out += names[i];
  }
  return out + "}";
}

// A business-scoped user id: an ISO country code, a dot, letters and digits ("US.1349...").
bool IsBsuid(std::string_view s) {
  if (s.size() < 4 || s[2] != '.') return false;
  if (!(s[0] >= 'A' && s[0] <= 'Z' && s[1] >= 'A' && s[1] <= 'Z')) return false;
  return std::all_of(s.begin() + 3, s.end(), [](char c) {
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
  });
}

// "+1 (650) 555-1234" -> "16505551234"; nullopt when it is not a phone number.
std::optional<std::string> NormalizePhone(std::string_view s) {
  std::string digits;
  for (std::size_t i = 0; i < s.size(); ++i) {
    const char c = s[i];
    if (c >= '0' && c <= '9') {
      digits += c;
    } else if (c == '+' && i == 0) {
    } else if (c != ' ' && c != '-' && c != '(' && c != ')') {
      return std::nullopt;
    }
  }
  if (digits.size() < 7 || digits.size() > 15) return std::nullopt;
  return digits;
}

bool IsUsRecipient(std::string_view wa_id, std::string_view bsuid) {
  if (!wa_id.empty()) return wa_id.front() == '1';
  return bsuid.starts_with("US.");
}

// --- Template registration ----------------------------------------------------------------

enum class Category { kMarketing, kUtility, kAuthentication };
constexpr std::array<std::string_view, 3> kCategoryNames = {"MARKETING", "UTILITY",
                                                            "AUTHENTICATION"};
enum class HeaderFormat { kNone, kText, kImage, kVideo, kDocument };
constexpr std::array<std::string_view, 5> kHeaderNames = {"NONE", "TEXT", "IMAGE", "VIDEO",
                                                          "DOCUMENT"};
enum class ButtonType { kQuickReply, kUrl, kPhoneNumber, kCopyCode };
constexpr std::array<std::string_view, 4> kButtonNames = {"QUICK_REPLY", "URL", "PHONE_NUMBER",
                                                          "COPY_CODE"};

struct TemplateButton {
  ButtonType type = ButtonType::kQuickReply;
  bool dynamic = false;  // URL buttons: a suffix parameter is appended to the URL
};

struct Template {
  Category category = Category::kUtility;
  TemplateStatus status = TemplateStatus::kApproved;
  HeaderFormat header = HeaderFormat::kNone;
  int header_text_params = 0;  // 0 or 1, for a TEXT header
  int body_params = 0;
  std::vector<TemplateButton> buttons;
};

std::string TemplateKey(std::string_view name, std::string_view language) {
  std::string key(name);
  key += '\n';
  key += language;
  return key;
}

template <std::size_t N>
std::optional<std::size_t> IndexOf(const std::array<std::string_view, N>& names,
                                   const json::value* v) {
  if (v == nullptr || !v->is_string()) return std::nullopt;
  const auto it = std::find(names.begin(), names.end(), std::string_view(v->get_string()));
  if (it == names.end()) return std::nullopt;
  return static_cast<std::size_t>(it - names.begin());
}

// --- A parsed send request -----------------------------------------------------------------

struct ButtonCall {
  std::string sub_type;
  std::vector<std::string> params;  // parameter types
};

struct TemplateCall {
  std::string name;
  std::string language;
  std::vector<std::string> header;  // parameter types
  std::vector<std::string> body;
  std::map<int, ButtonCall> buttons;  // by index
};

struct WaSend {
  std::string input;  // `to` or `recipient` as given
  std::string wa_id;  // normalized phone number, when sent by phone
  std::string bsuid;  // when sent by business-scoped user id
  std::string type;
  std::string interactive;  // interactive.type: button, cta_url, list...
  std::optional<TemplateCall> call;
};

// The message kind in crier's words (model.h MessageKind), for readers of the record: a
// document is a file, an interactive message a card; other types keep WhatsApp's name.
std::string_view KindOf(std::string_view type) {
  if (type == "document") return "file";
  if (type == "interactive") return "card";
  return type;
}

std::optional<GraphError> CheckLength(const json::object& o, std::string_view key,
                                      const std::string& path, std::size_t max, bool required) {
  const json::value* v = Field(o, key);
  const std::string at = Join(path, key);
  if (v == nullptr) return required ? std::optional<GraphError>(Missing(at)) : std::nullopt;
  if (!v->is_string()) return BadValue(at, "must be a string");
  if (required && v->get_string().empty()) return Missing(at);
  if (CountCodePoints(v->get_string()) > max) {
    return BadValue(at, "must be at most " + std::to_string(max) + " characters");
  }
  return std::nullopt;
}

std::optional<GraphError> CheckMedia(const json::value* v, const std::string& path,
                                     bool caption_allowed, bool filename_allowed = false) {
  if (v == nullptr) return Missing(path);
  if (!v->is_object()) return BadValue(path, "must be an object");
  const json::object& o = v->get_object();
  if (auto e = UnexpectedKey(o, path, {"id", "link", "caption", "filename"})) return e;
  if (Field(o, "filename") != nullptr) {
    if (!filename_allowed) return BadValue(path + ".filename", "is only for documents");
    if (auto e = CheckLength(o, "filename", path, SIZE_MAX, true)) return e;
  }
  const json::value* id = Field(o, "id");
  const json::value* link = Field(o, "link");
  if (id == nullptr && link == nullptr) return Missing(path + ".id or " + path + ".link");
  if (id != nullptr && link != nullptr) return BadValue(path, "set id or link, not both");
  if (id != nullptr && (!id->is_string() || id->get_string().empty())) {
    return BadValue(path + ".id", "must be a non-empty string");
  }
  if (link != nullptr) {
    const std::string_view url = link->is_string() ? std::string_view(link->get_string()) : "";
    if (!url.starts_with("https://") && !url.starts_with("http://")) {
      return BadValue(path + ".link", "must be an http or https URL");
    }
  }
  if (Field(o, "caption") != nullptr) {
    if (!caption_allowed) return BadValue(path + ".caption", "is not supported for this type");
    if (auto e = CheckLength(o, "caption", path, wa::kMaxCaption, false)) return e;
  }
  return std::nullopt;
}

std::optional<GraphError> CheckNumberish(const json::object& o, std::string_view key,
                                         const std::string& path) {
  const json::value* v = Field(o, key);
  if (v == nullptr) return Missing(Join(path, key));
  if (v->is_number()) return std::nullopt;
  if (v->is_string()) {
    const std::string s(v->get_string());
    char* end = nullptr;
    std::strtod(s.c_str(), &end);
    if (!s.empty() && end == s.c_str() + s.size()) return std::nullopt;
  }
  return BadValue(Join(path, key), "must be a number");
}

std::optional<GraphError> CheckReplyButtons(const json::object& action, const std::string& path) {
  const json::value* buttons = Field(action, "buttons");
  if (buttons == nullptr) return Missing(path + ".buttons");
  if (!buttons->is_array() || buttons->get_array().empty() ||
      buttons->get_array().size() > wa::kMaxReplyButtons) {
    return BadValue(path + ".buttons", "must hold 1 to 3 buttons");
  }
  StringSet ids;
  StringSet titles;
  const json::array& list = buttons->get_array();
  for (std::size_t i = 0; i < list.size(); ++i) {
    const std::string at = path + ".buttons[" + std::to_string(i) + "]";
    const json::object* b = list[i].if_object();
    if (b == nullptr) return BadValue(at, "must be an object");
    if (auto e = UnexpectedKey(*b, at, {"type", "reply"})) return e;
    const json::value* type = Field(*b, "type");
    if (type == nullptr || !type->is_string() || type->get_string() != "reply") {
      return BadValue(at + ".type", "must be \"reply\"");
    }
    const json::value* reply = Field(*b, "reply");
    if (reply == nullptr || !reply->is_object()) return Missing(at + ".reply");
    const json::object& r = reply->get_object();
    if (auto e = UnexpectedKey(r, at + ".reply", {"id", "title"})) return e;
    if (auto e = CheckLength(r, "id", at + ".reply", wa::kMaxReplyId, true)) return e;
    if (auto e = CheckLength(r, "title", at + ".reply", wa::kMaxReplyTitle, true)) return e;
    if (!ids.insert(std::string(r.at("id").get_string())).second) {
      return BadValue(at + ".reply.id", "must be unique");
    }
    if (!titles.insert(std::string(r.at("title").get_string())).second) {
      return BadValue(at + ".reply.title", "must be unique");
    }
  }
  return std::nullopt;
}

std::optional<GraphError> CheckSections(const json::object& action, const std::string& path,
                                        bool products) {
  const json::value* sections = Field(action, "sections");
  if (sections == nullptr) return Missing(path + ".sections");
  if (!sections->is_array() || sections->get_array().empty() ||
      sections->get_array().size() > wa::kMaxSections) {
    return BadValue(path + ".sections", "must hold 1 to 10 sections");
  }
  const json::array& list = sections->get_array();
  std::size_t rows_total = 0;
  StringSet row_ids;
  for (std::size_t i = 0; i < list.size(); ++i) {
    const std::string at = path + ".sections[" + std::to_string(i) + "]";
    const json::object* s = list[i].if_object();
    if (s == nullptr) return BadValue(at, "must be an object");
    if (auto e = UnexpectedKey(*s, at, {"title", products ? "product_items" : "rows"})) return e;
    if (auto e = CheckLength(*s, "title", at, wa::kMaxSectionTitle, list.size() > 1)) return e;
    if (products) {
      const json::value* items = Field(*s, "product_items");
      if (items == nullptr) return Missing(at + ".product_items");
      if (!items->is_array() || items->get_array().empty() ||
          items->get_array().size() > wa::kMaxSectionProducts) {
        return BadValue(at + ".product_items", "must hold 1 to 30 products");
      }
      continue;
    }
    const json::value* rows = Field(*s, "rows");
    if (rows == nullptr) return Missing(at + ".rows");
    if (!rows->is_array() || rows->get_array().empty()) {
      return BadValue(at + ".rows", "must hold at least one row");
    }
    for (std::size_t j = 0; j < rows->get_array().size(); ++j) {
      const std::string row_at = at + ".rows[" + std::to_string(j) + "]";
      const json::object* row = rows->get_array()[j].if_object();
      if (row == nullptr) return BadValue(row_at, "must be an object");
      if (auto e = UnexpectedKey(*row, row_at, {"id", "title", "description"})) return e;
      if (auto e = CheckLength(*row, "id", row_at, wa::kMaxRowId, true)) return e;
      if (!row_ids.insert(std::string(row->at("id").get_string())).second) {
        return BadValue(row_at + ".id", "must be unique");
      }
      if (auto e = CheckLength(*row, "title", row_at, wa::kMaxRowTitle, true)) return e;
      if (auto e = CheckLength(*row, "description", row_at, wa::kMaxRowDescription, false)) {
        return e;
      }
    }
    rows_total += rows->get_array().size();
  }
  if (rows_total > wa::kMaxListRows) {
    return BadValue(path + ".sections", "must hold at most 10 rows in all");
  }
  return std::nullopt;
}

std::optional<GraphError> CheckInteractive(const json::object& in) {
  const std::string path = "interactive";
  const json::value* type = Field(in, "type");
  if (type == nullptr) return Missing("interactive.type");
  if (!type->is_string() || !In(wa::kInteractiveTypes, std::string_view(type->get_string()))) {
    return BadValue("interactive.type", "must be one of " + JoinNames(wa::kInteractiveTypes));
  }
  const std::string_view kind = type->get_string();
  // The message types crier sends are checked strictly, key by key.
  const bool strict = kind == "button" || kind == "cta_url" || kind == "list";
  if (strict) {
    if (auto e = UnexpectedKey(in, path, {"type", "header", "body", "footer", "action"})) return e;
  }
  if (const json::value* header = Field(in, "header")) {
    if (kind == "product") return BadValue("interactive.header", "cannot be set for product");
    if (!header->is_object()) return BadValue("interactive.header", "must be an object");
    const json::object& h = header->get_object();
    const json::value* htype = Field(h, "type");
    const std::string_view ht =
        htype && htype->is_string() ? std::string_view(htype->get_string()) : std::string_view();
    if (strict) {
      if (auto e = UnexpectedKey(h, "interactive.header", {"type", ht})) return e;
    }
    if (kind == "list" && ht != "text") {
      return BadValue("interactive.header.type", "must be text for a list message");
    }
    if (ht == "text") {
      if (auto e = CheckLength(h, "text", "interactive.header", wa::kMaxInteractiveHeader, true)) {
        return e;
      }
    } else if (ht == "image" || ht == "video" || ht == "document") {
      if (auto e = CheckMedia(Field(h, ht), "interactive.header." + std::string(ht), false)) {
        return e;
      }
    } else {
      return BadValue("interactive.header.type", "must be text, image, video or document");
    }
  } else if (kind == "product_list") {
    return Missing("interactive.header");
  }
  const json::value* body = Field(in, "body");
  if (body == nullptr) {
    if (kind != "product") return Missing("interactive.body");
  } else {
    if (!body->is_object()) return BadValue("interactive.body", "must be an object");
    if (strict) {
      if (auto e = UnexpectedKey(body->get_object(), "interactive.body", {"text"})) return e;
    }
    if (auto e = CheckLength(body->get_object(), "text", "interactive.body",
                             wa::kMaxInteractiveBody, true)) {
      return e;
    }
  }
  if (const json::value* footer = Field(in, "footer")) {
    if (!footer->is_object()) return BadValue("interactive.footer", "must be an object");
    if (strict) {
      if (auto e = UnexpectedKey(footer->get_object(), "interactive.footer", {"text"})) return e;
    }
    if (auto e = CheckLength(footer->get_object(), "text", "interactive.footer",
                             wa::kMaxInteractiveFooter, true)) {
      return e;
    }
  }
  const json::value* action = Field(in, "action");
  if (action == nullptr) return Missing("interactive.action");
  if (!action->is_object()) return BadValue("interactive.action", "must be an object");
  const json::object& a = action->get_object();
  const std::string at = "interactive.action";
  if (kind == "button") {
    if (auto e = UnexpectedKey(a, at, {"buttons"})) return e;
    return CheckReplyButtons(a, at);
  }
  if (kind == "cta_url") {
    if (auto e = UnexpectedKey(a, at, {"name", "parameters"})) return e;
    const json::value* name = Field(a, "name");
    if (name == nullptr) return Missing(at + ".name");
    if (!name->is_string() || name->get_string() != "cta_url") {
      return BadValue(at + ".name", "must be \"cta_url\"");
    }
    const json::value* params = Field(a, "parameters");
    if (params == nullptr || !params->is_object()) return Missing(at + ".parameters");
    const json::object& p = params->get_object();
    const std::string pat = at + ".parameters";
    if (auto e = UnexpectedKey(p, pat, {"display_text", "url"})) return e;
    if (auto e = CheckLength(p, "display_text", pat, wa::kMaxCtaDisplayText, true)) return e;
    if (auto e = CheckLength(p, "url", pat, SIZE_MAX, true)) return e;
    const std::string_view url = p.at("url").get_string();
    if (!url.starts_with("https://") && !url.starts_with("http://")) {
      return BadValue(pat + ".url", "must be an http or https URL");
    }
    return std::nullopt;
  }
  if (kind == "list") {
    if (auto e = UnexpectedKey(a, at, {"button", "sections"})) return e;
    if (auto e = CheckLength(a, "button", at, wa::kMaxListButton, true)) return e;
    return CheckSections(a, at, false);
  }
  if (kind == "product" || kind == "product_list") {
    if (auto e = CheckLength(a, "catalog_id", at, SIZE_MAX, true)) return e;
    if (kind == "product") return CheckLength(a, "product_retailer_id", at, SIZE_MAX, true);
    return CheckSections(a, at, true);
  }
  if (kind == "catalog_message" || kind == "flow" || kind == "call_permission_request") {
    const json::value* name = Field(a, "name");
    if (name == nullptr) return Missing(at + ".name");
    if (!name->is_string() || name->get_string() != kind) {
      return BadValue(at + ".name", "must be \"" + std::string(kind) + "\"");
    }
    if (kind == "call_permission_request") return std::nullopt;
    const json::value* params = Field(a, "parameters");
    if (params == nullptr || !params->is_object()) return Missing(at + ".parameters");
    const json::object& p = params->get_object();
    const std::string pat = at + ".parameters";
    if (kind == "catalog_message") {
      return CheckLength(p, "thumbnail_product_retailer_id", pat, SIZE_MAX, false);
    }
    const json::value* version = Field(p, "flow_message_version");
    if (version == nullptr) return Missing(pat + ".flow_message_version");
    if (!version->is_string() || version->get_string() != "3") {
      return BadValue(pat + ".flow_message_version", "must be \"3\"");
    }
    if (auto e = CheckLength(p, "flow_cta", pat, wa::kMaxFlowCta, true)) return e;
    const bool by_id = Field(p, "flow_id") != nullptr;
    const bool by_name = Field(p, "flow_name") != nullptr;
    if (by_id == by_name) return BadValue(pat, "set exactly one of flow_id and flow_name");
  }
  return std::nullopt;
}

// One template parameter; returns its type.
std::variant<std::string, GraphError> CheckParameter(const json::value& v,
                                                     const std::string& path) {
  const json::object* p = v.if_object();
  if (p == nullptr) return BadValue(path, "must be an object");
  const json::value* type = Field(*p, "type");
  if (type == nullptr) return Missing(path + ".type");
  if (!type->is_string()) return BadValue(path + ".type", "must be a string");
  const std::string t(type->get_string());
  if (t == "text") {
    if (auto e = CheckLength(*p, "text", path, wa::kMaxTemplateTextParam, true)) return *e;
  } else if (t == "currency") {
    const json::value* c = Field(*p, "currency");
    if (c == nullptr || !c->is_object()) return Missing(path + ".currency");
    const json::object& co = c->get_object();
    const std::string cat = path + ".currency";
    if (auto e = CheckLength(co, "fallback_value", cat, SIZE_MAX, true)) return *e;
    const json::value* code = Field(co, "code");
    if (code == nullptr) return Missing(cat + ".code");
    if (!code->is_string() || code->get_string().size() != 3) {
      return BadValue(cat + ".code", "must be an ISO 4217 code");
    }
    const json::value* amount = Field(co, "amount_1000");
    if (amount == nullptr) return Missing(cat + ".amount_1000");
    if (!amount->is_int64() && !amount->is_uint64()) {
      return BadValue(cat + ".amount_1000", "must be an integer");
    }
  } else if (t == "date_time") {
    const json::value* d = Field(*p, "date_time");
    if (d == nullptr || !d->is_object()) return Missing(path + ".date_time");
    if (auto e =
            CheckLength(d->get_object(), "fallback_value", path + ".date_time", SIZE_MAX, true)) {
      return *e;
    }
  } else if (t == "image" || t == "video" || t == "document") {
    if (auto e = CheckMedia(Field(*p, t), path + "." + t, false)) return *e;
  } else if (t == "payload") {
    if (auto e = CheckLength(*p, "payload", path, SIZE_MAX, true)) return *e;
  } else if (t == "coupon_code") {
    if (auto e = CheckLength(*p, "coupon_code", path, SIZE_MAX, true)) return *e;
  } else {
    return BadValue(path + ".type",
                    "must be text, currency, date_time, image, video, document, payload or "
                    "coupon_code");
  }
  return t;
}

std::variant<TemplateCall, GraphError> CheckTemplate(const json::object& t) {
  TemplateCall call;
  const json::value* name = Field(t, "name");
  if (name == nullptr || !name->is_string() || name->get_string().empty()) {
    return Missing("template.name");
  }
  call.name = name->get_string();
  const json::value* language = Field(t, "language");
  if (language == nullptr || !language->is_object()) return Missing("template.language");
  const json::object& l = language->get_object();
  const json::value* code = Field(l, "code");
  if (code == nullptr || !code->is_string() || code->get_string().empty()) {
    return Missing("template.language.code");
  }
  call.language = code->get_string();
  if (const json::value* policy = Field(l, "policy")) {
    if (!policy->is_string() || policy->get_string() != "deterministic") {
      return BadValue("template.language.policy", "must be \"deterministic\"");
    }
  }
  const json::value* components = Field(t, "components");
  if (components == nullptr) return call;
  if (!components->is_array()) return BadValue("template.components", "must be an array");
  const json::array& list = components->get_array();
  for (std::size_t i = 0; i < list.size(); ++i) {
    const std::string at = "template.components[" + std::to_string(i) + "]";
    const json::object* c = list[i].if_object();
    if (c == nullptr) return BadValue(at, "must be an object");
    const json::value* type = Field(*c, "type");
    if (type == nullptr) return Missing(at + ".type");
    const std::string_view kind =
        type->is_string() ? std::string_view(type->get_string()) : std::string_view();
    if (kind != "header" && kind != "body" && kind != "button") {
      return BadValue(at + ".type", "must be header, body or button");
    }
    std::vector<std::string> types;
    if (const json::value* params = Field(*c, "parameters")) {
      if (!params->is_array()) return BadValue(at + ".parameters", "must be an array");
      for (std::size_t j = 0; j < params->get_array().size(); ++j) {
        auto p =
            CheckParameter(params->get_array()[j], at + ".parameters[" + std::to_string(j) + "]");
        if (auto* e = std::get_if<GraphError>(&p)) return std::move(*e);
        types.push_back(std::get<std::string>(std::move(p)));
      }
    }
    if (kind == "header") {
      call.header.insert(call.header.end(), types.begin(), types.end());
    } else if (kind == "body") {
      call.body.insert(call.body.end(), types.begin(), types.end());
    } else {
      const json::value* sub_type = Field(*c, "sub_type");
      if (sub_type == nullptr) return Missing(at + ".sub_type");
      const std::string_view st =
          sub_type->is_string() ? std::string_view(sub_type->get_string()) : std::string_view();
      if (st != "quick_reply" && st != "url" && st != "copy_code" && st != "catalog") {
        return BadValue(at + ".sub_type", "must be quick_reply, url, copy_code or catalog");
      }
      // `index` is a string "0".."9" (the spec's pattern is malformed; Meta's text is this).
      const json::value* index = Field(*c, "index");
      if (index == nullptr) return Missing(at + ".index");
      const std::string_view ix =
          index->is_string() ? std::string_view(index->get_string()) : std::string_view();
      if (ix.size() != 1 || ix[0] < '0' || ix[0] > '9') {
        return BadValue(at + ".index", "must be a string from \"0\" to \"9\"");
      }
      const int n = ix[0] - '0';
      if (call.buttons.contains(n)) return BadValue(at + ".index", "given twice");
      call.buttons[n] = ButtonCall{std::string(st), std::move(types)};
    }
  }
  return call;
}

std::variant<WaSend, GraphError> ParseSend(const json::object& body) {
  WaSend out;
  const json::value* product = Field(body, "messaging_product");
  if (product == nullptr) return Invalid("The parameter messaging_product is required.");
  if (!product->is_string() || product->get_string() != "whatsapp") {
    return Invalid("Param messaging_product must be \"whatsapp\"");
  }
  if (const json::value* rt = Field(body, "recipient_type")) {
    const std::string_view r = rt->is_string() ? std::string_view(rt->get_string()) : "";
    if (r == "group")
      return BadValue("recipient_type", "group messaging is not played by the sandbox");
    if (r != "individual") return Invalid("Param recipient_type must be individual or group");
  }
  const json::value* to = Field(body, "to");
  const json::value* recipient = Field(body, "recipient");
  if (to != nullptr) {  // `to` wins when both are given
    if (!to->is_string() || to->get_string().empty()) return Invalid("Param to must be a string");
    out.input = to->get_string();
    if (IsBsuid(out.input)) {
      return Invalid(
          "Param to must be a phone number; send to a business-scoped user ID with recipient");
    }
    auto phone = NormalizePhone(out.input);
    if (!phone) return Invalid("Param to must be a valid phone number");
    out.wa_id = std::move(*phone);
  } else if (recipient != nullptr) {
    if (!recipient->is_string() || !IsBsuid(recipient->get_string())) {
      return Invalid("Param recipient must be a business-scoped user ID such as US.1349120865");
    }
    out.input = recipient->get_string();
    out.bsuid = out.input;
  } else {
    return Invalid("The parameter to is required.");
  }
  const json::value* type = Field(body, "type");
  if (type == nullptr) return Invalid("The parameter type is required.");
  if (!type->is_string() || !In(wa::kMessageTypes, std::string_view(type->get_string()))) {
    return Invalid("Param type must be one of " + JoinNames(wa::kMessageTypes));
  }
  out.type = type->get_string();
  const json::value* content = Field(body, out.type);
  if (content == nullptr) return Missing(out.type);
  // Another type's object beside this one, or a key the envelope does not define.
  for (const auto& [key, value] : body) {
    const std::string_view k = key;
    if (k != out.type && k != "messaging_product" && k != "recipient_type" && k != "to" &&
        k != "recipient" && k != "type" && k != "context" && k != "biz_opaque_callback_data") {
      return Invalid("Unexpected key \"" + std::string(k) + "\" on param \"message\".");
    }
  }
  if (out.type == "contacts") {
    if (!content->is_array() || content->get_array().empty() ||
        content->get_array().size() > wa::kMaxContacts) {
      return BadValue("contacts", "must hold 1 to 5 contacts");
    }
    for (std::size_t i = 0; i < content->get_array().size(); ++i) {
      const std::string at = "contacts[" + std::to_string(i) + "]";
      const json::object* c = content->get_array()[i].if_object();
      if (c == nullptr) return BadValue(at, "must be an object");
      const json::value* name = Field(*c, "name");
      if (name == nullptr || !name->is_object()) return Missing(at + ".name");
      if (auto e =
              CheckLength(name->get_object(), "formatted_name", at + ".name", SIZE_MAX, true)) {
        return *e;
      }
    }
    return out;
  }
  if (!content->is_object()) return BadValue(out.type, "must be an object");
  const json::object& c = content->get_object();
  if (out.type == "text") {
    if (auto e = CheckLength(c, "body", "text", wa::kMaxTextBody, true)) return *e;
    if (const json::value* p = Field(c, "preview_url"); p != nullptr && !p->is_bool()) {
      return BadValue("text.preview_url", "must be true or false");
    }
  } else if (out.type == "image" || out.type == "video" || out.type == "document") {
    if (auto e = CheckMedia(content, out.type, true, out.type == "document")) return *e;
  } else if (out.type == "audio" || out.type == "sticker") {
    if (auto e = CheckMedia(content, out.type, false)) return *e;
  } else if (out.type == "location") {
    if (auto e = CheckNumberish(c, "latitude", "location")) return *e;
    if (auto e = CheckNumberish(c, "longitude", "location")) return *e;
  } else if (out.type == "reaction") {
    if (auto e = CheckLength(c, "message_id", "reaction", SIZE_MAX, true)) return *e;
    const json::value* emoji = Field(c, "emoji");
    if (emoji == nullptr) return Missing("reaction.emoji");
    if (!emoji->is_string()) return BadValue("reaction.emoji", "must be a string");
  } else if (out.type == "interactive") {
    if (auto e = CheckInteractive(c)) return *e;
    out.interactive = c.at("type").get_string();
  } else if (out.type == "template") {
    auto call = CheckTemplate(c);
    if (auto* e = std::get_if<GraphError>(&call)) return std::move(*e);
    out.call = std::get<TemplateCall>(std::move(call));
  }
  return out;
}

std::string CountDetails(std::string_view component, std::size_t got, std::size_t expected) {
  return std::string(component) + ": number of localizable_params (" + std::to_string(got) +
         ") does not match the expected number of params (" + std::to_string(expected) + ")";
}

// The call's parameters against the registered template: 132000 (count) or 132012 (format).
std::optional<GraphError> MatchTemplate(const TemplateCall& call, const Template& t) {
  auto count = [](std::string details) {
    return Wa(wa::kCodeTemplateParamCount, wa::kTitleTemplateParamCount, std::move(details));
  };
  auto format = [](std::string details) {
    return Wa(wa::kCodeTemplateParamFormat, wa::kTitleTemplateParamFormat, std::move(details));
  };
  // Header.
  const std::size_t header_expected = t.header == HeaderFormat::kNone   ? 0
                                      : t.header == HeaderFormat::kText ? t.header_text_params
                                                                        : 1;
  if (call.header.size() != header_expected) {
    return count(CountDetails("header", call.header.size(), header_expected));
  }
  if (!call.header.empty()) {
    std::string want(kHeaderNames[static_cast<std::size_t>(t.header)]);
    std::transform(want.begin(), want.end(), want.begin(),
                   [](unsigned char ch) { return static_cast<char>(std::tolower(ch)); });
    if (call.header[0] != want) {
      return format("header: Format mismatch, expected " + want + ", received " + call.header[0]);
    }
  }
  // Body.
  if (call.body.size() != static_cast<std::size_t>(t.body_params)) {
    return count(CountDetails("body", call.body.size(), static_cast<std::size_t>(t.body_params)));
  }
  for (std::size_t i = 0; i < call.body.size(); ++i) {
    const std::string& p = call.body[i];
    if (p != "text" && p != "currency" && p != "date_time") {
      return format("body: parameter " + std::to_string(i + 1) +
                    " must be text, currency or date_time, received " + p);
    }
  }
  // Buttons.
  for (const auto& [index, b] : call.buttons) {
    if (index >= static_cast<int>(t.buttons.size())) {
      return count("button: the template has no button at index " + std::to_string(index));
    }
  }
  for (std::size_t i = 0; i < t.buttons.size(); ++i) {
    const TemplateButton& tb = t.buttons[i];
    const auto given = call.buttons.find(static_cast<int>(i));
    const std::string at = "button " + std::to_string(i);
    std::string_view want_sub;
    std::string_view want_param;
    bool required = false;
    switch (tb.type) {
      case ButtonType::kQuickReply:
        want_sub = "quick_reply";
        want_param = "payload";
        break;
      case ButtonType::kUrl:
        want_sub = "url";
        want_param = "text";
        required = tb.dynamic;
        break;
      case ButtonType::kCopyCode:
        want_sub = "copy_code";
        want_param = "coupon_code";
        required = true;
        break;
      case ButtonType::kPhoneNumber:
        break;
    }
    const bool takes_param = !want_param.empty() && (tb.type != ButtonType::kUrl || tb.dynamic);
    if (given == call.buttons.end()) {
      if (required) return count(CountDetails(at, 0, 1));
      continue;
    }
    if (!takes_param) return count(CountDetails(at, given->second.params.size(), 0));
    if (given->second.sub_type != want_sub) {
      return format(at + ": sub_type must be " + std::string(want_sub) + ", received " +
                    given->second.sub_type);
    }
    if (given->second.params.size() != 1) {
      return count(CountDetails(at, given->second.params.size(), 1));
    }
    if (given->second.params[0] != want_param) {
      return format(at + ": Format mismatch, expected " + std::string(want_param) + ", received " +
                    given->second.params[0]);
    }
  }
  return std::nullopt;
}

// --- State -------------------------------------------------------------------------------

struct Contact {
  std::string wa_id;    // "" when only the BSUID is known
  std::string user_id;  // BSUID, "" when not known
  std::optional<Time> last_inbound_at;
  bool opted_in = false;
  bool marketing_stopped = false;

  // The person's key for the portfolio's unique count: the same person on two numbers of
  // one portfolio counts once.
  const std::string& Key() const { return wa_id.empty() ? user_id : wa_id; }
};

struct Business {
  std::optional<std::int64_t> messaging_limit = wa::kDefaultMessagingLimit;  // nullopt: unlimited
  RollingUniqueCounter counted{wa::kMessagingLimitWindow};
};

struct Waba {
  std::string business_id;
  StringMap<Template> templates;  // by TemplateKey
};

struct PhoneNumber {
  std::string waba_id;
  std::string display_phone_number;
  int throughput_mps = wa::kDefaultThroughputMps;
  TokenBucket throughput;
  StringMap<TokenBucket> pairs;  // by recipient key; full buckets are dropped
  Time pairs_pruned{};
  std::deque<Contact> contacts;  // stable addresses: the maps below point into it
  StringMap<Contact*> by_wa_id;
  StringMap<Contact*> by_user_id;

  PhoneNumber(std::string waba, int mps, Time now)
      : waba_id(std::move(waba)),
        throughput_mps(mps),
        throughput(mps, mps, std::chrono::seconds(1), now) {}

  Contact* Find(const WaSend& send) {
    auto& index = send.bsuid.empty() ? by_wa_id : by_user_id;
    const auto it = index.find(send.bsuid.empty() ? send.wa_id : send.bsuid);
    return it == index.end() ? nullptr : it->second;
  }
};

}  // namespace

class WhatsAppPlatform::State {
 public:
  mutable std::mutex mu;
  StringMap<PhoneNumber> numbers;        // GUARDED_BY(mu): by phone-number id
  StringMap<Waba> wabas;                 // GUARDED_BY(mu)
  StringMap<Business> businesses;        // GUARDED_BY(mu)
  StringMap<std::string> waba_by_token;  // GUARDED_BY(mu)

  const std::string nonce = RandomToken(12);
  std::atomic<std::int64_t> next_message = 1;

  std::string MessageId() {
    // Real ids are base64 of an opaque key; a nonce and a counter keep these unique.
    return "wamid.HBgL" + nonce + std::to_string(next_message++);
  }
};

WhatsAppPlatform::WhatsAppPlatform(Recorder& recorder)
    : recorder_(recorder), state_(std::make_unique<State>()) {}
WhatsAppPlatform::~WhatsAppPlatform() = default;

bool WhatsAppPlatform::HasPhoneNumber(std::string_view id) const {
  std::lock_guard lock(state_->mu);
  return state_->numbers.find(id) != state_->numbers.end();
}

net::Response WhatsAppPlatform::ServerError(int status) {
  GraphError e = status == 503 ? Wa(wa::kCodeServiceUnavailable, wa::kTitleServiceUnavailable,
                                    "The service is temporarily unavailable.", status)
                               : Wa(wa::kCodeSomethingWrong, wa::kTitleSomethingWrong,
                                    "An unknown error occurred. Please retry later.", status);
  e.transient = true;
  return GraphErrorResponse(e);
}

net::Response WhatsAppPlatform::HandleSend(const net::Request& request,
                                           std::string_view phone_number_id, Time now) {
  const Platform platform = Platform::kWhatsApp;
  auto refuse = [&](GraphError e) {
    recorder_.Refuse(platform, GraphErrorKey(e));
    return GraphErrorResponse(e);
  };
  json::error_code ec;
  const json::value doc = json::parse(request.body, ec);
  std::variant<WaSend, GraphError> parsed =
      ec || !doc.is_object()
          ? std::variant<WaSend, GraphError>(Invalid(ec ? "The request body is not valid JSON"
                                                        : "The request body must be a JSON object"))
          : ParseSend(doc.get_object());
  std::string_view token = AuthorizationToken(request);
  if (token.empty()) {
    if (auto q = request.query_param("access_token")) token = *q;
  }

  std::unique_lock lock(state_->mu);
  const auto number = state_->numbers.find(phone_number_id);
  if (number == state_->numbers.end()) {
    lock.unlock();
    GraphError e = Invalid("Unsupported post request. Object with ID '" +
                           std::string(phone_number_id) + "' does not exist");
    e.subcode = 33;
    return refuse(std::move(e));
  }
  PhoneNumber& pn = number->second;
  const auto owner =
      token.empty() ? state_->waba_by_token.end() : state_->waba_by_token.find(token);
  if (owner == state_->waba_by_token.end()) {
    lock.unlock();
    GraphError e = Wa(wa::kCodeAuth, wa::kTitleAuth, "", 401);
    e.message = std::string(wa::kTitleAuth);
    return refuse(std::move(e));
  }
  if (owner->second != pn.waba_id) {
    lock.unlock();
    return refuse(Wa(wa::kCodePermission, wa::kTitlePermission,
                     "The access token has no access to this phone number's WhatsApp Business "
                     "Account.",
                     403));
  }
  // Throughput counts every message request the number takes, accepted or not.
  if (!pn.throughput.TryTake(now)) {
    lock.unlock();
    return refuse(
        Wa(wa::kCodeThroughput, wa::kTitleThroughput, std::string(wa::kDetailsThroughput), 429));
  }
  if (auto* e = std::get_if<GraphError>(&parsed)) {
    lock.unlock();
    return refuse(std::move(*e));
  }
  WaSend& send = std::get<WaSend>(parsed);
  Contact* contact = pn.Find(send);
  if (contact == nullptr) {
    lock.unlock();
    return refuse(Wa(wa::kCodeUndeliverable, wa::kTitleUndeliverable,
                     std::string(wa::kDetailsNotOnWhatsApp)));
  }
  const bool window_open =
      contact->last_inbound_at && now < *contact->last_inbound_at + wa::kServiceWindow;
  const Waba& waba = state_->wabas[pn.waba_id];
  Business& business = state_->businesses[waba.business_id];
  std::optional<Category> category;
  if (send.call) {
    const auto t = waba.templates.find(TemplateKey(send.call->name, send.call->language));
    if (t == waba.templates.end() || t->second.status == TemplateStatus::kPending ||
        t->second.status == TemplateStatus::kRejected) {
      lock.unlock();
      return refuse(
          Wa(wa::kCodeTemplateMissing, wa::kTitleTemplateMissing,
             "template name (" + send.call->name + ") does not exist in " + send.call->language));
    }
    const Template& tmpl = t->second;
    if (tmpl.status == TemplateStatus::kPaused) {
      lock.unlock();
      return refuse(Wa(wa::kCodeTemplatePaused, wa::kTitleTemplatePaused,
                       "Template " + send.call->name + " is paused because of low quality."));
    }
    if (tmpl.status == TemplateStatus::kDisabled) {
      lock.unlock();
      return refuse(Wa(wa::kCodeTemplateDisabled, wa::kTitleTemplateDisabled,
                       "Template " + send.call->name + " is disabled."));
    }
    if (auto e = MatchTemplate(*send.call, tmpl)) {
      lock.unlock();
      return refuse(std::move(*e));
    }
    if (!contact->opted_in) {
      lock.unlock();
      return refuse(
          Wa(wa::kCodeUndeliverable, wa::kTitleUndeliverable, std::string(wa::kDetailsNoOptIn)));
    }
    category = tmpl.category;
    if (tmpl.category == Category::kMarketing) {
      if (contact->marketing_stopped) {
        lock.unlock();
        return refuse(Wa(wa::kCodeMarketingStopped, wa::kTitleMarketingStopped,
                         std::string(wa::kDetailsMarketingStopped)));
      }
      if (now >= wa::kUsMarketingBlockFrom && IsUsRecipient(send.wa_id, send.bsuid)) {
        lock.unlock();
        return refuse(
            Wa(wa::kCodeEcosystem, wa::kTitleEcosystem, std::string(wa::kDetailsUsMarketing)));
      }
    }
    if (tmpl.category == Category::kAuthentication && !send.bsuid.empty()) {
      lock.unlock();
      return refuse(Wa(wa::kCodeBsuidUnsupported, wa::kTitleBsuidUnsupported,
                       std::string(wa::kDetailsBsuidAuthentication)));
    }
    // Business-initiated (no open window): one more unique person for the portfolio.
    if (!window_open && !business.counted.Fits(contact->Key(), business.messaging_limit, now)) {
      lock.unlock();
      return refuse(Wa(wa::kCodeMessagingLimit, wa::kTitleMessagingLimit,
                       "Business portfolio messaging limit reached: " +
                           std::to_string(*business.messaging_limit) +
                           " unique users outside a customer service window in a moving 24 "
                           "hours.",
                       429));
    }
  } else if (!window_open) {
    lock.unlock();
    return refuse(
        Wa(wa::kCodeReengagement, wa::kTitleReengagement, std::string(wa::kDetailsReengagement)));
  }
  // The pair rate: one business number to one person.
  const std::string key = contact->Key();
  auto pair = pn.pairs.find(key);
  if (pair == pn.pairs.end()) {
    pair = pn.pairs.emplace(key, TokenBucket(wa::kPairBurst, 1, wa::kPairInterval, now)).first;
  }
  if (!pair->second.TryTake(now)) {
    lock.unlock();
    return refuse(
        Wa(wa::kCodePairRate, wa::kTitlePairRate, std::string(wa::kDetailsPairRate), 429));
  }
  if (send.call && !window_open) business.counted.Admit(key, business.messaging_limit, now);
  // Forget people whose pair bucket is full again, at most once a minute.
  if (now - pn.pairs_pruned >= std::chrono::minutes(1)) {
    std::erase_if(pn.pairs, [&](const auto& kv) { return kv.second.Full(now); });
    pn.pairs_pruned = now;
  }
  lock.unlock();

  Record record;
  record.platform = platform;
  record.account = std::string(phone_number_id);
  record.recipient = send.bsuid.empty() ? send.wa_id : send.bsuid;
  record.route = send.call ? "whatsapp_template" : "standard_window";
  record.message_id = state_->MessageId();
  json::object detail{{"type", send.type}, {"kind", KindOf(send.type)}};
  if (!send.interactive.empty()) detail["interactive"] = send.interactive;
  if (send.call) {
    detail["template"] =
        json::object{{"name", send.call->name},
                     {"language", send.call->language},
                     {"category", kCategoryNames[static_cast<std::size_t>(*category)]}};
  }
  record.detail_json = json::serialize(detail);
  record.body = std::make_shared<const std::string>(request.body);
  record.received_at = now;

  json::object contact_out{{"input", send.input}};
  if (send.bsuid.empty()) {
    contact_out["wa_id"] = send.wa_id;
  } else {
    contact_out["user_id"] = send.bsuid;
  }
  json::object answer{{"messaging_product", "whatsapp"},
                      {"contacts", json::array{std::move(contact_out)}},
                      {"messages", json::array{json::object{{"id", record.message_id},
                                                            {"message_status", "accepted"}}}}};
  std::vector<Record> records;
  records.push_back(std::move(record));
  recorder_.Accept(std::move(records), platform);
  return JsonOk(200, answer);
}

// --- Control endpoints ---------------------------------------------------------------------

net::Response WhatsAppPlatform::AddPhoneNumber(
    const net::Request& request, const std::function<bool(std::string_view)>& graph_id_taken,
    Time now) {
  auto body = ParseControlBody(request.body);
  if (!body.ok()) return ControlError(body.error());
  auto id = RequiredId(*body, "phone_number_id");
  if (!id.ok()) return ControlError(id.error());
  auto waba_id = RequiredId(*body, "waba_id");
  if (!waba_id.ok()) return ControlError(waba_id.error());
  auto token = RequiredString(*body, "access_token");
  if (!token.ok()) return ControlError(token.error());
  std::string business_id = "business-" + *waba_id;
  if (Field(*body, "business_id") != nullptr) {
    auto b = RequiredId(*body, "business_id");
    if (!b.ok()) return ControlError(b.error());
    business_id = std::move(*b);
  }
  auto mps = OptionalInt(*body, "throughput_mps", wa::kDefaultThroughputMps, 1, 1000);
  if (!mps.ok()) return ControlError(mps.error());
  std::string display;
  if (Field(*body, "display_phone_number") != nullptr) {
    auto d = RequiredString(*body, "display_phone_number");
    if (!d.ok()) return ControlError(d.error());
    display = std::move(*d);
  }
  if (graph_id_taken(*id)) {
    return ControlError(409, "already_exists", "the id is a Page id", "phone_number_id");
  }
  {
    std::lock_guard lock(state_->mu);
    const auto owner = state_->waba_by_token.find(*token);
    if (owner != state_->waba_by_token.end() && owner->second != *waba_id) {
      return ControlError(409, "already_exists", "already used by another WABA", "access_token");
    }
    const auto waba = state_->wabas.find(*waba_id);
    if (waba != state_->wabas.end() && waba->second.business_id != business_id &&
        Field(*body, "business_id") != nullptr) {
      return ControlError(409, "already_exists", "the WABA belongs to another business portfolio",
                          "business_id");
    }
    Waba& w = state_->wabas[*waba_id];
    if (w.business_id.empty()) w.business_id = business_id;
    state_->businesses.try_emplace(w.business_id);
    state_->waba_by_token[*token] = *waba_id;
    auto existing = state_->numbers.find(*id);
    if (existing == state_->numbers.end()) {
      existing =
          state_->numbers.emplace(*id, PhoneNumber(*waba_id, static_cast<int>(*mps), now)).first;
    } else {
      existing->second.waba_id = *waba_id;
      existing->second.throughput_mps = static_cast<int>(*mps);
      existing->second.throughput = TokenBucket(*mps, *mps, std::chrono::seconds(1), now);
    }
    existing->second.display_phone_number = display;
    business_id = w.business_id;
  }
  return JsonOk(201, json::object{{"phone_number_id", *id},
                                  {"waba_id", *waba_id},
                                  {"business_id", business_id},
                                  {"throughput_mps", *mps}});
}

net::Response WhatsAppPlatform::AddBusiness(const net::Request& request) {
  auto body = ParseControlBody(request.body);
  if (!body.ok()) return ControlError(body.error());
  auto id = RequiredId(*body, "business_id");
  if (!id.ok()) return ControlError(id.error());
  const json::value* limit = Field(*body, "messaging_limit");
  std::optional<std::int64_t> value;
  const bool unlimited =
      limit != nullptr && limit->is_string() && limit->get_string() == "unlimited";
  if (!unlimited) {
    const bool tier = limit != nullptr && limit->is_int64() &&
                      std::find(wa::kMessagingLimitTiers.begin(), wa::kMessagingLimitTiers.end(),
                                limit->get_int64()) != wa::kMessagingLimitTiers.end();
    if (!tier) {
      return ControlError(
          InvalidArgument("messaging_limit", "must be 250, 2000, 10000, 100000 or \"unlimited\""));
    }
    value = limit->get_int64();
  }
  {
    std::lock_guard lock(state_->mu);
    state_->businesses[*id].messaging_limit = value;
  }
  json::object out{{"business_id", *id}};
  if (value) {
    out["messaging_limit"] = *value;
  } else {
    out["messaging_limit"] = "unlimited";
  }
  return JsonOk(200, out);
}

net::Response WhatsAppPlatform::AddTemplates(const net::Request& request) {
  auto body = ParseControlBody(request.body);
  if (!body.ok()) return ControlError(body.error());
  auto waba_id = RequiredId(*body, "waba_id");
  if (!waba_id.ok()) return ControlError(waba_id.error());
  auto rows = RequiredArrayOfObjects(*body, "templates");
  if (!rows.ok()) return ControlError(rows.error());
  std::vector<std::pair<std::string, Template>> pending;
  for (std::size_t i = 0; i < (*rows)->size(); ++i) {
    const std::string path = "templates[" + std::to_string(i) + "]";
    const json::object& o = (**rows)[i].get_object();
    auto name = RequiredString(o, "name", path);
    if (!name.ok()) return ControlError(name.error());
    auto language = RequiredString(o, "language", path);
    if (!language.ok()) return ControlError(language.error());
    Template t;
    const auto category = IndexOf(kCategoryNames, Field(o, "category"));
    if (!category) {
      return ControlError(
          InvalidArgument(path + ".category", "required: MARKETING, UTILITY or AUTHENTICATION"));
    }
    t.category = static_cast<Category>(*category);
    auto status = OptionalTemplateStatus(o, "status", path);
    if (!status.ok()) return ControlError(status.error());
    t.status = *status;
    if (const json::value* header = Field(o, "header")) {
      const json::object* h = header->if_object();
      const auto format = h ? IndexOf(kHeaderNames, Field(*h, "format")) : std::nullopt;
      if (!format) {
        return ControlError(InvalidArgument(path + ".header.format",
                                            "must be NONE, TEXT, IMAGE, VIDEO or DOCUMENT"));
      }
      t.header = static_cast<HeaderFormat>(*format);
      if (t.header == HeaderFormat::kText) {
        auto params = OptionalInt(*h, "params", 0, 0, 1, path + ".header");
        if (!params.ok()) return ControlError(params.error());
        t.header_text_params = static_cast<int>(*params);
      }
    }
    auto body_params = OptionalInt(o, "body_params", 0, 0, 100, path);
    if (!body_params.ok()) return ControlError(body_params.error());
    t.body_params = static_cast<int>(*body_params);
    if (const json::value* buttons = Field(o, "buttons")) {
      if (!buttons->is_array() || buttons->get_array().size() > 10) {
        return ControlError(InvalidArgument(path + ".buttons", "must be an array of 0 to 10"));
      }
      for (std::size_t j = 0; j < buttons->get_array().size(); ++j) {
        const std::string at = path + ".buttons[" + std::to_string(j) + "]";
        const json::object* b = buttons->get_array()[j].if_object();
        const auto type = b ? IndexOf(kButtonNames, Field(*b, "type")) : std::nullopt;
        if (!type) {
          return ControlError(
              InvalidArgument(at + ".type", "must be QUICK_REPLY, URL, PHONE_NUMBER or COPY_CODE"));
        }
        auto dynamic = OptionalBool(*b, "dynamic", false, at);
        if (!dynamic.ok()) return ControlError(dynamic.error());
        t.buttons.push_back({static_cast<ButtonType>(*type), *dynamic});
      }
    }
    pending.emplace_back(TemplateKey(*name, *language), std::move(t));
  }
  {
    std::lock_guard lock(state_->mu);
    const auto waba = state_->wabas.find(*waba_id);
    if (waba == state_->wabas.end()) {
      return ControlError(404, "not_found", "no such WABA; register a phone number with it first",
                          "waba_id");
    }
    for (auto& [key, t] : pending) waba->second.templates[key] = std::move(t);
  }
  return JsonOk(200, json::object{{"registered", pending.size()}});
}

net::Response WhatsAppPlatform::AddContacts(const net::Request& request) {
  auto body = ParseControlBody(request.body);
  if (!body.ok()) return ControlError(body.error());
  auto number_id = RequiredId(*body, "phone_number_id");
  if (!number_id.ok()) return ControlError(number_id.error());
  auto rows = RequiredArrayOfObjects(*body, "contacts");
  if (!rows.ok()) return ControlError(rows.error());
  struct Pending {
    std::string wa_id;
    std::string user_id;
    const json::object* row;
    std::optional<Time> last_inbound_at;
    std::optional<bool> opted_in;
    std::optional<bool> marketing_stopped;
  };
  std::vector<Pending> pending;
  for (std::size_t i = 0; i < (*rows)->size(); ++i) {
    const std::string path = "contacts[" + std::to_string(i) + "]";
    const json::object& o = (**rows)[i].get_object();
    Pending p{{}, {}, &o, {}, {}, {}};
    if (const json::value* w = Field(o, "wa_id")) {
      const auto phone = w->is_string() ? NormalizePhone(w->get_string()) : std::nullopt;
      if (!phone) {
        return ControlError(
            InvalidArgument(path + ".wa_id", "must be a phone number, 7-15 digits"));
      }
      p.wa_id = *phone;
    }
    if (const json::value* u = Field(o, "user_id")) {
      if (!u->is_string() || !IsBsuid(u->get_string())) {
        return ControlError(InvalidArgument(
            path + ".user_id", "must be a business-scoped user ID such as \"US.1349120865\""));
      }
      p.user_id = u->get_string();
    }
    if (p.wa_id.empty() && p.user_id.empty()) {
      return ControlError(InvalidArgument(path, "needs wa_id, user_id or both"));
    }
    auto last = OptionalTime(o, "last_inbound_at", path);
    if (!last.ok()) return ControlError(last.error());
    p.last_inbound_at = *last;
    for (auto [key, slot] : {std::pair{"opted_in", &p.opted_in},
                             std::pair{"marketing_stopped", &p.marketing_stopped}}) {
      if (Field(o, key) == nullptr) continue;
      auto v = OptionalBool(o, key, false, path);
      if (!v.ok()) return ControlError(v.error());
      *slot = *v;
    }
    pending.push_back(std::move(p));
  }
  {
    std::lock_guard lock(state_->mu);
    const auto number = state_->numbers.find(*number_id);
    if (number == state_->numbers.end()) {
      return ControlError(404, "not_found",
                          "no such phone number; register it with POST "
                          "/__sandbox/whatsapp/phone_numbers",
                          "phone_number_id");
    }
    PhoneNumber& pn = number->second;
    for (Pending& p : pending) {
      Contact* c = nullptr;
      if (!p.wa_id.empty()) {
        if (auto it = pn.by_wa_id.find(p.wa_id); it != pn.by_wa_id.end()) c = it->second;
      }
      if (c == nullptr && !p.user_id.empty()) {
        if (auto it = pn.by_user_id.find(p.user_id); it != pn.by_user_id.end()) c = it->second;
      }
      if (c == nullptr) c = &pn.contacts.emplace_back();
      // Fields given replace, fields left out keep what was registered before.
      if (!p.wa_id.empty()) {
        c->wa_id = p.wa_id;
        pn.by_wa_id[p.wa_id] = c;
      }
      if (!p.user_id.empty()) {
        c->user_id = p.user_id;
        pn.by_user_id[p.user_id] = c;
      }
      if (Field(*p.row, "last_inbound_at") != nullptr) c->last_inbound_at = p.last_inbound_at;
      if (p.opted_in) c->opted_in = *p.opted_in;
      if (p.marketing_stopped) c->marketing_stopped = *p.marketing_stopped;
    }
  }
  return JsonOk(200, json::object{{"registered", pending.size()}});
}

}  // namespace crier::sandbox::detail
