#include "core/templates.h"

#include "core/links.h"

#include <algorithm>

#include "core/enum_names.h"

namespace crier {
namespace {

using internal::NameOf;
using internal::Names;
using internal::ValueOf;

constexpr Names<TemplateStatus, 5> kTemplateStatuses{{{TemplateStatus::kApproved, "approved"},
                                                      {TemplateStatus::kPending, "pending"},
                                                      {TemplateStatus::kRejected, "rejected"},
                                                      {TemplateStatus::kPaused, "paused"},
                                                      {TemplateStatus::kDisabled, "disabled"}}};
constexpr Names<ButtonBehaviour, 4> kButtonBehaviours{
    {{ButtonBehaviour::kNone, "none"},
     {ButtonBehaviour::kBotFlow, "bot_flow"},
     {ButtonBehaviour::kSubscribe, "subscribe"},
     {ButtonBehaviour::kUnsubscribe, "unsubscribe"}}};

std::string Quoted(std::string_view s) { return "\"" + std::string(s) + "\""; }

std::string Plural(std::size_t n, std::string_view one) {
  return std::to_string(n) + " " + std::string(one) + (n == 1 ? "" : "s");
}

// "a, b and c"
std::string JoinList(const std::vector<std::string>& items) {
  std::string out;
  for (std::size_t i = 0; i < items.size(); ++i) {
    if (i > 0) out += i + 1 == items.size() ? " and " : ", ";
    out += items[i];
  }
  return out;
}

bool InScope(const RegisteredTemplate& t, const ChannelAccount& account) {
  if (t.platform != account.platform) return false;
  if (account.platform == Platform::kWhatsApp) return t.waba_id == account.capabilities.waba_id;
  return t.channel_account_id == account.id;
}

std::string ScopeOf(const ChannelAccount& account) {
  if (account.platform == Platform::kWhatsApp) {
    return "WABA " + account.capabilities.waba_id + " (channel account " +
           std::to_string(account.id) + "'s)";
  }
  return "channel account " + std::to_string(account.id);
}

std::string HeaderDescription(const RegisteredTemplate& t) {
  switch (t.header_kind) {
    case TemplateHeaderKind::kNone:
      return "has no header, so takes no header parameter";
    case TemplateHeaderKind::kText:
      return "has a text header taking " + Plural(t.header_parameters, "parameter");
    case TemplateHeaderKind::kImage:
    case TemplateHeaderKind::kVideo:
    case TemplateHeaderKind::kDocument:
      return "has " + std::string(t.header_kind == TemplateHeaderKind::kImage ? "an " : "a ") +
             std::string(ToString(t.header_kind)) + " header taking 1 parameter, the file's link";
  }
  return {};
}

}  // namespace

std::string_view ToString(TemplateStatus s) { return NameOf(kTemplateStatuses, s); }
std::optional<TemplateStatus> ParseTemplateStatus(std::string_view s) {
  return ValueOf(kTemplateStatuses, s);
}
std::string_view ToString(ButtonBehaviour b) { return NameOf(kButtonBehaviours, b); }
std::optional<ButtonBehaviour> ParseButtonBehaviour(std::string_view s) {
  return ValueOf(kButtonBehaviours, s);
}

bool IsTemplateName(std::string_view name) {
  return !name.empty() && name.size() <= kMaxTemplateNameLength &&
         std::all_of(name.begin(), name.end(), [](char c) {
           return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
         });
}

bool IsTemplateLanguage(std::string_view language) {
  if (language.empty() || language.size() > kMaxTemplateLanguageLength) return false;
  if (language.front() == '_' || language.back() == '_') return false;
  if (language.find("__") != std::string_view::npos) return false;
  return std::all_of(language.begin(), language.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
  });
}

Status ValidateTemplateDefinition(const TemplateDefinition& t) {
  const bool whatsapp = t.platform == Platform::kWhatsApp;
  if (!whatsapp && t.platform != Platform::kMessenger) {
    return InvalidArgument("platform", "templates are registered for WhatsApp and Messenger only");
  }
  if (whatsapp) {
    if (t.waba_id.empty()) {
      return InvalidArgument("waba_id", "a WhatsApp template belongs to a WABA: name it");
    }
    if (t.channel_account_id != 0) {
      return InvalidArgument("channel_account_id",
                             "a WhatsApp template belongs to its WABA, not to one number");
    }
  } else {
    if (t.channel_account_id <= 0) {
      return InvalidArgument("channel_account_id",
                             "a Messenger utility template belongs to a Page: name its channel "
                             "account");
    }
    if (!t.waba_id.empty()) {
      return InvalidArgument("waba_id", "a Messenger template has no WABA");
    }
  }
  if (!IsTemplateName(t.name)) {
    return InvalidArgument("name", "must be the template's name: 1 to 512 of a-z, 0-9 and _");
  }
  if (!IsTemplateLanguage(t.language)) {
    return InvalidArgument("language", "must be the template's language code, such as en_US");
  }
  if (!whatsapp && t.category != TemplateCategory::kUtility) {
    return InvalidArgument("category", "a Messenger template is a utility template");
  }
  switch (t.header_kind) {
    case TemplateHeaderKind::kNone:
      if (t.header_parameters != 0) {
        return InvalidArgument("header.parameters", "a template without a header takes none");
      }
      break;
    case TemplateHeaderKind::kText:
      if (t.header_parameters < 0 || t.header_parameters > 1) {
        return InvalidArgument("header.parameters", "a text header takes 0 or 1 parameter");
      }
      break;
    case TemplateHeaderKind::kImage:
    case TemplateHeaderKind::kVideo:
    case TemplateHeaderKind::kDocument:
      if (t.header_parameters != 1) {
        return InvalidArgument("header.parameters",
                               "a media header takes exactly 1 parameter: the file's link");
      }
      break;
  }
  if (!whatsapp && t.header_kind != TemplateHeaderKind::kNone) {
    return InvalidArgument("header.kind",
                           "Messenger utility templates are sent with body parameters only");
  }
  if (t.body_parameters < 0 || t.body_parameters > kMaxTemplateBodyParameters) {
    return InvalidArgument("body_parameters",
                           "must be between 0 and " + std::to_string(kMaxTemplateBodyParameters));
  }
  if (t.buttons.size() > kMaxTemplateButtons) {
    return InvalidArgument("buttons", "a template has at most 10 buttons (index 0 to 9), not " +
                                          std::to_string(t.buttons.size()));
  }
  if (!whatsapp && !t.buttons.empty()) {
    return InvalidArgument("buttons",
                           "Messenger utility templates are sent with body parameters only");
  }
  for (std::size_t i = 0; i < t.buttons.size(); ++i) {
    const TemplateButton& b = t.buttons[i];
    const std::string at = "buttons[" + std::to_string(i) + "]";
    if (b.text.empty() || b.text.size() > kMaxTemplateButtonTextBytes) {
      return InvalidArgument(at + ".text", "must be the button's label: 1 to " +
                                               std::to_string(kMaxTemplateButtonTextBytes) +
                                               " bytes");
    }
    if (b.type == TemplateButtonType::kUrl) {
      if (b.behaviour != ButtonBehaviour::kNone) {
        return InvalidArgument(at + ".behaviour", "only a quick-reply button has a behaviour");
      }
      if (!b.payload.empty()) {
        return InvalidArgument(at + ".payload", "only a quick-reply button has a payload");
      }
      continue;
    }
    if (b.url_suffix) {
      return InvalidArgument(at + ".url_suffix", "only a URL button takes a suffix");
    }
    if (b.behaviour != ButtonBehaviour::kBotFlow) {
      if (!b.payload.empty()) {
        return InvalidArgument(at + ".payload",
                               "only a bot_flow button has a payload of its own; " +
                                   std::string(ToString(b.behaviour)) + " buttons get crier's");
      }
      continue;
    }
    if (b.payload.empty() || b.payload.size() > kMaxButtonPayloadBytes) {
      return InvalidArgument(at + ".payload", "a bot_flow button needs the flow's payload: 1 to " +
                                                  std::to_string(kMaxButtonPayloadBytes) +
                                                  " bytes");
    }
    if (b.payload.starts_with(kReservedPayloadPrefix)) {
      return InvalidArgument(at + ".payload", "must not start with \"" +
                                                  std::string(kReservedPayloadPrefix) +
                                                  "\": crier's own payloads do");
    }
  }
  return Status::Ok();
}

std::string ButtonPayloadOf(const TemplateButton& button) {
  switch (button.behaviour) {
    case ButtonBehaviour::kNone:
      return std::string(kNoOpPayload);
    case ButtonBehaviour::kBotFlow:
      return button.payload;
    case ButtonBehaviour::kSubscribe:
      return std::string(kSubscribePayload);
    case ButtonBehaviour::kUnsubscribe:
      return std::string(kUnsubscribePayload);
  }
  return std::string(kNoOpPayload);
}

std::optional<ButtonBehaviour> ButtonIntentOf(std::string_view payload) {
  if (payload.empty()) return std::nullopt;
  if (!payload.starts_with(kReservedPayloadPrefix)) return ButtonBehaviour::kBotFlow;
  if (payload == kNoOpPayload) return ButtonBehaviour::kNone;
  if (payload == kSubscribePayload) return ButtonBehaviour::kSubscribe;
  if (payload == kUnsubscribePayload) return ButtonBehaviour::kUnsubscribe;
  return std::nullopt;
}

Result<TemplateMessage> ResolveTemplateMessage(const ChannelAccount& account,
                                               const TemplateMessage& given, bool category_given,
                                               std::span<const RegisteredTemplate> same_name,
                                               std::string_view field) {
  if (account.platform != Platform::kWhatsApp && account.platform != Platform::kMessenger) {
    return given;
  }
  const std::string at(field);
  const bool whatsapp = account.platform == Platform::kWhatsApp;
  const RegisteredTemplate* found = nullptr;
  std::vector<std::string> scope_languages;  // the name in this scope, in other languages
  std::vector<std::string> other_scopes;     // the name and language under other WABAs/Pages
  for (const RegisteredTemplate& t : same_name) {
    if (t.platform != account.platform || t.name != given.name) continue;
    if (InScope(t, account)) {
      if (t.language == given.language) {
        found = &t;
      } else {
        scope_languages.push_back(t.language);
      }
    } else if (t.language == given.language) {
      other_scopes.push_back(whatsapp ? t.waba_id : std::to_string(t.channel_account_id));
    }
  }
  const std::string what = "template " + Quoted(given.name);
  if (found == nullptr) {
    // The account's own WABA (or Page) having the name in other languages says the language
    // is what is wrong, whoever else has the template.
    if (!scope_languages.empty()) {
      std::sort(scope_languages.begin(), scope_languages.end());
      return InvalidArgument(at + ".language", what + " is registered for " + ScopeOf(account) +
                                                   " in " + JoinList(scope_languages) +
                                                   " only, not in " + given.language);
    }
    if (!other_scopes.empty()) {
      std::sort(other_scopes.begin(), other_scopes.end());
      return InvalidArgument(
          at + ".name",
          what + " in " + given.language + " is registered under " +
              (whatsapp ? "WABA " : "channel account ") + JoinList(other_scopes) + ", not " +
              (whatsapp ? "under " : "for ") + ScopeOf(account) +
              (whatsapp ? ": a template belongs to one WABA and only its numbers can send it"
                        : ": a Messenger utility template belongs to one Page"));
    }
    return InvalidArgument(at + ".name", "no " + what + " is registered for " + ScopeOf(account) +
                                             ": register it first (POST /v1/templates)");
  }
  const RegisteredTemplate& reg = *found;
  if (reg.status != TemplateStatus::kApproved) {
    return InvalidArgument(at + ".name", what + " in " + given.language + " is " +
                                             std::string(ToString(reg.status)) +
                                             " in the registry: only an approved template can "
                                             "be sent");
  }
  TemplateMessage out = given;
  if (category_given && given.category != reg.category) {
    return InvalidArgument(at + ".category", "is " + std::string(ToString(given.category)) +
                                                 ", but the registry holds " + what + " as " +
                                                 std::string(ToString(reg.category)));
  }
  out.category = reg.category;
  if (given.header_parameters.size() != static_cast<std::size_t>(reg.header_parameters)) {
    return InvalidArgument(at + ".header_parameters",
                           "has " + Plural(given.header_parameters.size(), "parameter") +
                               "; the registered " + what + " " + HeaderDescription(reg));
  }
  const bool media =
      reg.header_kind != TemplateHeaderKind::kNone && reg.header_kind != TemplateHeaderKind::kText;
  if (media && HostOf(given.header_parameters.front()).empty()) {
    return InvalidArgument(
        at + ".header_parameters[0]",
        "must be the http(s) link of the header's " + std::string(ToString(reg.header_kind)));
  }
  if (given.body_parameters.size() != static_cast<std::size_t>(reg.body_parameters)) {
    return InvalidArgument(at + ".body_parameters",
                           "has " + Plural(given.body_parameters.size(), "parameter") +
                               "; the registered " + what + "'s body takes " +
                               std::to_string(reg.body_parameters));
  }
  std::vector<std::string> suffix_buttons;
  out.buttons.clear();
  for (std::size_t i = 0; i < reg.buttons.size(); ++i) {
    const TemplateButton& b = reg.buttons[i];
    TemplateButtonParameter p;
    p.index = static_cast<int>(i);
    p.type = b.type;
    if (b.type == TemplateButtonType::kQuickReply) {
      p.payload = ButtonPayloadOf(b);
    } else if (b.url_suffix) {
      suffix_buttons.push_back(std::to_string(i));
    } else {
      continue;  // a fixed URL: nothing to send
    }
    out.buttons.push_back(std::move(p));
  }
  if (given.button_parameters.size() != suffix_buttons.size()) {
    return InvalidArgument(
        at + ".button_parameters",
        "has " + Plural(given.button_parameters.size(), "parameter") + "; the registered " + what +
            " has " + Plural(suffix_buttons.size(), "URL button") + " taking a suffix" +
            (suffix_buttons.empty() ? std::string()
                                    : " (button " + JoinList(suffix_buttons) + ")"));
  }
  out.header_kind = reg.header_kind;
  return out;
}

}  // namespace crier
