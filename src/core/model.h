// crier's domain types. Plain data, no behaviour beyond naming; rules live in route.h,
// pacing.h and friends. Every enum has ToString / Parse pairs used by the store and the API,
// so the wire names and the stored names are one and the same.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "core/clock.h"

namespace crier {

using Id = std::int64_t;

enum class Platform { kMessenger, kInstagram, kWhatsApp, kLine };
std::string_view ToString(Platform p);
std::optional<Platform> ParsePlatform(std::string_view s);

// WhatsApp messaging-limit tiers (A8): unique people messaged outside a customer-service
// window per moving 24 h, per business portfolio. Meta raises the tier as quality allows; a
// new portfolio starts at 250. Limits and names: core/ceilings.h.
enum class WhatsAppTier { k250, k2K, k10K, k100K, kUnlimited };

// Pacing settings that belong to a channel account (F1, F6): concurrent broadcasts on the
// account share them. The platform ceilings the account is held to (A8) live here too, since
// they bound the same pace: the dispatcher sends at the lower of its own rate and the
// platform's.
struct Pacing {
  double messages_per_second = 50;  // sustained rate; bursts are at most 1/20 s worth
  int max_concurrency = 16;         // requests in flight at once
  // The platform's send-rate ceiling for this account, when it differs from the documented
  // default (core/ceilings.h: Messenger/Instagram 300/s, WhatsApp 80/s, LINE push 2,000/s):
  // a WhatsApp number upgraded to 1,000/s or a coexistence number at 20/s.
  std::optional<double> platform_messages_per_second;
  // WhatsApp: the business portfolio's messaging-limit tier.
  WhatsAppTier whatsapp_tier = WhatsAppTier::k250;
  // LINE: the channel's monthly message target limit (free + additional messages); nullopt
  // when LINE sets none (its quota type "none").
  std::optional<std::int64_t> line_monthly_quota;
  friend bool operator==(const Pacing&, const Pacing&) = default;
};

// What a channel account is set up for beyond plain sending; each opens a route (A1, A3).
struct AccountCapabilities {
  bool utility_messaging = false;      // Messenger: page_utility_messaging granted
  bool marketing_message_api = false;  // Messenger: an ad account set up for the paid MM API
  std::string business_region;         // ISO 3166-1 alpha-2 of the business (MM API gate)
  std::string waba_id;                 // WhatsApp: the WABA the phone number belongs to
  std::string ad_account_id;           // Messenger: the ad account the MM API sends from
  // B2: an administrator locked message tags for this account (its tagged broadcasts were
  // refused too often); broadcasts may not name a tag and no copy goes by one.
  bool message_tags_locked = false;
  // G3: the domains of the business's own sites ("shop.example"); links to them or their
  // subdomains count as official-site links, every other link apart.
  std::vector<std::string> official_domains;
  friend bool operator==(const AccountCapabilities&, const AccountCapabilities&) = default;
};

// One sending identity on one platform (a Facebook Page, an IG account, a WhatsApp number,
// a LINE channel). `external_id` is the platform's id (Page id, phone-number id, ...).
struct ChannelAccount {
  Id id = 0;
  Platform platform = Platform::kMessenger;
  std::string name;
  std::string external_id;
  std::string access_token;  // secret: never logged, never returned by the API
  // What the platform signs its webhooks with (Meta's app secret, LINE's channel secret);
  // empty: webhooks for the account are refused. A secret: never logged, never returned.
  std::string webhook_secret;
  // What Meta's GET verification handshake must present (hub.verify_token); empty: none.
  std::string webhook_verify_token;
  std::string api_base_url;  // e.g. https://graph.facebook.com or the sandbox's URL
  std::string api_version = "v25.0";
  std::string time_zone = "UTC";  // the "bot time zone"
  Pacing pacing;
  AccountCapabilities capabilities;
  Time created_at{};
};

enum class SubscriptionStatus { kSubscribed, kUnsubscribed };
std::string_view ToString(SubscriptionStatus s);
std::optional<SubscriptionStatus> ParseSubscriptionStatus(std::string_view s);

// How the contact's current messaging window was opened: by an organic message, or by the
// first message after a click-to-Messenger / click-to-Direct ad (7-day window, A1/A2).
enum class WindowOpener { kOrganic, kAd };
std::string_view ToString(WindowOpener o);
std::optional<WindowOpener> ParseWindowOpener(std::string_view s);

// A person's Messenger/Instagram marketing-messages token (PRODUCT.md I2): what the opt-in
// gave, and what the Marketing Message API sends with as its subscription token.
struct MarketingToken {
  std::string token;  // the notification_messages_token (secret-ish: never logged)
  Time expires_at{};
  bool stopped = false;              // "Stop these messages" (STOP_NOTIFICATIONS)
  std::optional<Time> last_sent_at;  // the last marketing message sent on it
  friend bool operator==(const MarketingToken&, const MarketingToken&) = default;
};

// A contact's identity on one channel account.
struct Identity {
  Id channel_account_id = 0;
  std::string platform_user_id;  // PSID, IGSID, WhatsApp id, LINE user id
  std::optional<Time> last_inbound_at;
  WindowOpener window_opener = WindowOpener::kOrganic;
  bool blocked = false;  // the person blocked the account / unfollowed (LINE)
  // WhatsApp: business-initiated messages allowed (A3), and marketing stopped (STOP, 131050).
  bool opted_in = false;
  bool marketing_opted_out = false;
  // When the platform last said this person cannot be reached (F5). A later inbound message
  // lifts it: the identity is suppressed while suppressed_at is after last_inbound_at.
  std::optional<Time> suppressed_at;
  std::optional<MarketingToken> marketing_token;  // Messenger / Instagram
};

// A custom attribute value (C1): string, number, boolean or time.
using AttributeValue = std::variant<std::string, double, bool, Time>;

struct Attribute {
  std::string key;  // [A-Za-z0-9_]{1,64}
  AttributeValue value;
  friend bool operator==(const Attribute&, const Attribute&) = default;
};

// The state of the contact's conversation with the team (K2: the "OMO" case).
enum class ConversationState { kOpen, kInProgress, kClosed };
std::string_view ToString(ConversationState s);
std::optional<ConversationState> ParseConversationState(std::string_view s);

struct Contact {
  Id id = 0;
  std::string name;
  std::string first_name;
  std::string locale;     // e.g. "zh_TW"; empty when unknown
  std::string time_zone;  // IANA name; empty when unknown
  // ISO 3166-1 alpha-2 where the person is ("TW"), for the Marketing Message API's region
  // gate; empty: the locale's region, if it has one.
  std::string region;
  SubscriptionStatus subscription = SubscriptionStatus::kSubscribed;
  std::optional<Time> subscription_changed_at;
  std::vector<std::string> tags;
  std::vector<Attribute> attributes;  // sorted by key, keys unique
  std::optional<ConversationState> conversation_state;
  std::string assignee;  // user name or id; empty = nobody
  std::vector<Identity> identities;
  Time created_at{};
  Time updated_at{};
};

// Whether a broadcast carries promotional content (B1). Non-promotional broadcasts may use
// routes that forbid promotion (tags while they lived, utility templates).
enum class Purpose { kPromotional, kNonPromotional };
std::string_view ToString(Purpose p);
std::optional<Purpose> ParsePurpose(std::string_view s);

// What a broadcast may use once a recipient's window has closed (A1, A2). Each is checked
// against the rule timeline when the broadcast is saved and again at every send.
struct OutsideWindow {
  std::string message_tag;             // Messenger tag (non-promotional; retired 2026-04-27)
  bool utility_template = false;       // Messenger: the content is an approved utility template
  bool marketing_tokens = false;       // Messenger/IG marketing tokens (retired 2026-02-10)
  bool marketing_message_api = false;  // Messenger: the paid Marketing Message API
  std::string marketing_campaign_id;   // the MM API campaign (its message_id) to send under
  friend bool operator==(const OutsideWindow&, const OutsideWindow&) = default;
};

// WhatsApp template categories (A3): marketing templates have extra gates (STOP, +1).
enum class TemplateCategory { kMarketing, kUtility, kAuthentication };
std::string_view ToString(TemplateCategory c);
std::optional<TemplateCategory> ParseTemplateCategory(std::string_view s);

// What one message of a broadcast is (A5). Media and cards are written once and shaped for
// each platform by its adapter; which platform takes which kind is the channel matrix of
// channels/composition.h.
enum class MessageKind { kText, kTemplate, kImage, kVideo, kAudio, kFile, kCard };
std::string_view ToString(MessageKind k);
std::optional<MessageKind> ParseMessageKind(std::string_view s);

// What a template's header holds (D4): nothing, text with at most one {{1}}, or a media
// file whose link each send gives as the header's one parameter.
enum class TemplateHeaderKind { kNone, kText, kImage, kVideo, kDocument };
std::string_view ToString(TemplateHeaderKind k);
std::optional<TemplateHeaderKind> ParseTemplateHeaderKind(std::string_view s);

// The buttons a template may carry whose sends take a parameter: a quick reply (its payload
// comes back when pressed) and a URL button (a dynamic one appends a suffix to its URL).
enum class TemplateButtonType { kQuickReply, kUrl };
std::string_view ToString(TemplateButtonType t);
std::optional<TemplateButtonType> ParseTemplateButtonType(std::string_view s);

// One button of a template message as it is sent: the registry's button at `index` (0-9).
// A quick reply carries `payload`; a URL button with a suffix takes the next of the message's
// button_parameters.
struct TemplateButtonParameter {
  int index = 0;
  TemplateButtonType type = TemplateButtonType::kQuickReply;
  std::string payload;  // kQuickReply
  friend bool operator==(const TemplateButtonParameter&, const TemplateButtonParameter&) = default;
};

// An approved template sent by name (A1 Messenger utility templates, A3 WhatsApp templates),
// with fixed values for its numbered parameters.
struct TemplateMessage {
  std::string name;
  std::string language;  // "en_US"
  // WhatsApp: the category the template was approved in. Messenger utility templates are
  // kUtility.
  TemplateCategory category = TemplateCategory::kUtility;
  std::vector<std::string> header_parameters;  // {{1}}.. of a text header, in order
  std::vector<std::string> body_parameters;    // {{1}}.. of the body, in order
  // The suffixes of the template's URL buttons that take one, in button order; personalised
  // like the other parameters.
  std::vector<std::string> button_parameters;
  // Filled from the template registry when the broadcast is created (D4): the header's kind
  // (a media header's one parameter is the file's link) and the buttons that go with every
  // send, in index order.
  TemplateHeaderKind header_kind = TemplateHeaderKind::kText;
  std::vector<TemplateButtonParameter> buttons;
  friend bool operator==(const TemplateMessage&, const TemplateMessage&) = default;
};

// An image, video, audio clip or file the platform fetches from an HTTPS URL.
struct Media {
  std::string url;
  // A still shown before the media opens: LINE needs one for a video and shows one for an
  // image (the image itself when empty).
  std::string preview_url;
  std::string caption;   // WhatsApp image, video and file captions
  std::string filename;  // a file's name as the recipient sees it (WhatsApp documents)
  // An audio clip's length: LINE needs it to draw the player.
  std::int64_t duration_ms = 0;
  friend bool operator==(const Media&, const Media&) = default;
};

// What pressing a button does. Subscribe and unsubscribe change the contact's subscription
// when the press comes back (G2); a postback starts the bot flow named by its payload.
enum class ButtonAction { kUrl, kPostback, kSubscribe, kUnsubscribe };
std::string_view ToString(ButtonAction a);
std::optional<ButtonAction> ParseButtonAction(std::string_view s);

struct Button {
  ButtonAction action = ButtonAction::kPostback;
  std::string title;
  std::string url;      // kUrl
  std::string payload;  // kPostback: what the bot receives
  friend bool operator==(const Button&, const Button&) = default;
};

// One card of a carousel (Messenger generic template element, LINE carousel column).
struct CardElement {
  std::string title;
  std::string subtitle;
  std::string image_url;
  std::vector<Button> buttons;
  friend bool operator==(const CardElement&, const CardElement&) = default;
};

// A WhatsApp list: sections of rows, opened by one button.
struct ListRow {
  std::string id;  // what comes back when the row is picked
  std::string title;
  std::string description;
  friend bool operator==(const ListRow&, const ListRow&) = default;
};
struct ListSection {
  std::string title;
  std::vector<ListRow> rows;
  friend bool operator==(const ListSection&, const ListSection&) = default;
};

// Bot cards (A5): always sent alone.
//   kButtons       text with 1-4 buttons (Messenger button template, LINE buttons template,
//                  WhatsApp reply buttons, or a WhatsApp call-to-action for one URL button)
//   kCarousel      cards side by side (Messenger generic template, LINE carousel template)
//   kQuickReplies  text with reply chips (Messenger, Instagram, LINE quick replies)
//   kList          a WhatsApp list message
//   kFlex          a LINE Flex Message, written as LINE's own JSON
enum class CardLayout { kButtons, kCarousel, kQuickReplies, kList, kFlex };
std::string_view ToString(CardLayout l);
std::optional<CardLayout> ParseCardLayout(std::string_view s);

struct Card {
  CardLayout layout = CardLayout::kButtons;
  std::string text;       // kButtons, kQuickReplies, kList: the text above the choices
  std::string title;      // kButtons: LINE title, WhatsApp header
  std::string image_url;  // kButtons: LINE thumbnail, WhatsApp header image
  std::string footer;     // kButtons, kList: WhatsApp footer
  // LINE: what the notification and chat list show for a card (altText); empty: the text.
  std::string alt_text;
  std::vector<Button> buttons;        // kButtons; kQuickReplies: the replies
  std::vector<CardElement> elements;  // kCarousel
  std::string list_button;            // kList: the button that opens the list
  std::vector<ListSection> sections;  // kList
  std::string flex;                   // kFlex: a bubble or carousel container, as JSON text
  friend bool operator==(const Card&, const Card&) = default;
};

struct Message {
  MessageKind kind = MessageKind::kText;
  std::string text;                  // kText
  TemplateMessage template_message;  // kTemplate
  Media media;                       // kImage, kVideo, kAudio, kFile
  Card card;                         // kCard
  friend bool operator==(const Message&, const Message&) = default;
};

// Who a broadcast goes to. An empty filter means every contact with an identity on the
// broadcast's channel account.
struct Audience {
  std::vector<std::string> any_tags;  // contact has at least one of these (empty = no filter)
  // A filter in the canonical text form of core/filter.h, ANDed with any_tags; empty matches
  // everyone. Kept as text so a saved broadcast means the same thing every time it runs.
  std::string filter;
};

// A saved filter (C1), reused by name: other filters say `segment:NAME` and see the segment's
// definition as it is whenever they are evaluated.
struct Segment {
  Id id = 0;
  std::string name;    // unique, compared exactly
  std::string filter;  // canonical text form (core/filter.h); its own references unexpanded
  std::string description;
  Time created_at{};
  Time updated_at{};
};

enum class BroadcastStatus { kDraft, kSending, kCompleted, kCancelled };
std::string_view ToString(BroadcastStatus s);
std::optional<BroadcastStatus> ParseBroadcastStatus(std::string_view s);

struct Broadcast {
  Id id = 0;
  std::string name;
  Id channel_account_id = 0;
  Purpose purpose = Purpose::kPromotional;
  Audience audience;
  std::vector<Message> messages;  // 1..5
  OutsideWindow outside_window;
  // G3: every link goes through crier's redirect, which records the press and forwards.
  bool track_clicks = false;
  BroadcastStatus status = BroadcastStatus::kDraft;
  Time created_at{};
  Time updated_at{};
};

enum class RunStatus { kPlanning, kSending, kCompleted, kCancelled };
std::string_view ToString(RunStatus s);
std::optional<RunStatus> ParseRunStatus(std::string_view s);

// One execution of a broadcast.
struct Run {
  Id id = 0;
  Id broadcast_id = 0;
  Id channel_account_id = 0;
  RunStatus status = RunStatus::kPlanning;
  Time created_at{};
  std::optional<Time> planned_at;   // planning finished
  std::optional<Time> finished_at;  // last delivery resolved
};

// Delivery state machine:
//
//   planned ──claim──> sending ──> sent
//      │                  │  └───> failed
//      └──> skipped       └──(crash, no idempotency key)──> failed(interrupted)
//
// `sending` is written durably before the request leaves, so after a crash a delivery in
// `sending` is never sent again blindly: it is resolved by Store::RecoverInterrupted.
enum class DeliveryState { kPlanned, kSending, kSent, kFailed, kSkipped };
std::string_view ToString(DeliveryState s);
std::optional<DeliveryState> ParseDeliveryState(std::string_view s);
inline bool IsFinal(DeliveryState s) {
  return s == DeliveryState::kSent || s == DeliveryState::kFailed || s == DeliveryState::kSkipped;
}

}  // namespace crier
