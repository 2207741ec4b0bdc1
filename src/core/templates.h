// The template registry's rules (PRODUCT.md A1, A3, D4, G2): what a registered WhatsApp or
// Messenger template is, which definitions are valid, how a broadcast's template message is
// held to the registered template it names, and the quick-reply payloads that tell the
// inbound side what a pressed button asks for. Pure and thread-safe.
#pragma once

#include <cstddef>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/model.h"
#include "core/result.h"

namespace crier {

// A template's review status as Meta reports it; only an approved template may be sent
// (132001 for pending and rejected ones, 132015 paused, 132016 disabled).
enum class TemplateStatus { kApproved, kPending, kRejected, kPaused, kDisabled };
std::string_view ToString(TemplateStatus s);
std::optional<TemplateStatus> ParseTemplateStatus(std::string_view s);

// What pressing a quick-reply button does (D4, G2).
enum class ButtonBehaviour { kNone, kBotFlow, kSubscribe, kUnsubscribe };
std::string_view ToString(ButtonBehaviour b);
std::optional<ButtonBehaviour> ParseButtonBehaviour(std::string_view s);

// One button of a registered template, in the template's order (its index is its position).
struct TemplateButton {
  TemplateButtonType type = TemplateButtonType::kQuickReply;
  std::string text;                                    // the label, as approved
  ButtonBehaviour behaviour = ButtonBehaviour::kNone;  // kQuickReply
  std::string payload;                                 // kQuickReply + kBotFlow: the flow's
  bool url_suffix = false;  // kUrl: each send appends a suffix parameter to the URL
  friend bool operator==(const TemplateButton&, const TemplateButton&) = default;
};

// A template as registered. A WhatsApp template belongs to a WABA and is shared by every
// number of it (waba_id set, channel_account_id 0); a Messenger utility template belongs to
// one Page (channel_account_id set, waba_id empty). Unique on (scope, name, language).
struct TemplateDefinition {
  Platform platform = Platform::kWhatsApp;
  std::string waba_id;
  Id channel_account_id = 0;
  std::string name;
  std::string language;
  TemplateCategory category = TemplateCategory::kUtility;
  TemplateStatus status = TemplateStatus::kApproved;
  TemplateHeaderKind header_kind = TemplateHeaderKind::kNone;
  int header_parameters = 0;  // text: 0 or 1; media: 1 (the link); none: 0
  int body_parameters = 0;
  std::vector<TemplateButton> buttons;  // at most kMaxTemplateButtons
  friend bool operator==(const TemplateDefinition&, const TemplateDefinition&) = default;
};

struct RegisteredTemplate : TemplateDefinition {
  Id id = 0;
  Time created_at{};
  Time updated_at{};
};

// Bounds of a definition. Buttons are indexed "0"-"9" on the wire (platforms.md 4.3). The
// text and payload bounds are crier's, to keep rows small; Meta's own are tighter.
inline constexpr std::size_t kMaxTemplateButtons = 10;
inline constexpr int kMaxTemplateBodyParameters = 100;
inline constexpr std::size_t kMaxTemplateButtonTextBytes = 200;
inline constexpr std::size_t kMaxButtonPayloadBytes = 256;
inline constexpr std::size_t kMaxTemplateNameLength = 512;
inline constexpr std::size_t kMaxTemplateLanguageLength = 15;

// Meta's template names: 1-512 of a-z, 0-9 and '_'. Languages: letter groups joined by '_'
// ("en", "en_US", "zh_Hant_TW"), at most 15 characters.
bool IsTemplateName(std::string_view name);
bool IsTemplateLanguage(std::string_view language);

// Checks a definition whole. Errors name the member as the API's body does: "waba_id",
// "channel_account_id", "name", "language", "category", "header.kind",
// "header.parameters", "body_parameters", "buttons", "buttons[i].text", "buttons[i].behaviour",
// "buttons[i].payload", "buttons[i].url_suffix". Messenger utility templates are utility,
// without header or buttons: crier's Messenger wire fills body parameters only.
Status ValidateTemplateDefinition(const TemplateDefinition& t);

// ---- quick-reply payloads -----------------------------------------------------------------

// Payloads crier puts on quick-reply buttons, so that an inbound button press says what to
// do. "crier:" is reserved: a bot flow's payload may not start with it.
inline constexpr std::string_view kReservedPayloadPrefix = "crier:";
inline constexpr std::string_view kNoOpPayload = "crier:none";
inline constexpr std::string_view kSubscribePayload = "crier:subscribe";
inline constexpr std::string_view kUnsubscribePayload = "crier:unsubscribe";

// The payload a quick-reply button is sent with: its bot flow's payload, or the reserved one
// of its behaviour.
std::string ButtonPayloadOf(const TemplateButton& button);

// What an inbound quick-reply payload asks for: kSubscribe / kUnsubscribe (change the
// contact's subscription, G2), kNone (nothing), kBotFlow (any payload outside the reserved
// prefix: start the flow it names). nullopt for an empty payload or a reserved one this build
// does not know.
std::optional<ButtonBehaviour> ButtonIntentOf(std::string_view payload);

// ---- a broadcast's template message against the registry -----------------------------------

// Holds `given`, a template message of a broadcast sent from `account`, to the registry.
// `same_name` is every registered template with the message's name, whatever its scope and
// language. The message must name a template of the account's WABA (WhatsApp) or Page
// (Messenger) in its language, approved, with as many header, body and URL-suffix parameters
// as the registered one takes; a category given must be the registered one. Errors are
// kInvalidArgument on `field` + ".name" / ".language" / ".category" / ".header_parameters" /
// ".body_parameters" / ".button_parameters", saying what the registry holds; a name and
// language registered only under other WABAs (or Pages) names them. On success the message
// comes back with the registry's category, header kind and buttons (quick replies with their
// payloads, URL buttons that take a suffix). Messages on other platforms come back as given.
Result<TemplateMessage> ResolveTemplateMessage(const ChannelAccount& account,
                                               const TemplateMessage& given, bool category_given,
                                               std::span<const RegisteredTemplate> same_name,
                                               std::string_view field);

}  // namespace crier
