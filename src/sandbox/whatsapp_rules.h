// The WhatsApp Cloud API facts the sandbox plays: limits, the dated +1 marketing block,
// throughput, pair rate and messaging-limit tiers, and the error codes, titles and details
// a real phone number would get. Sources: the project's platform fact sheet §4 and §8.3, and
// the WhatsApp OpenAPI spec (business-messaging-api_v23.0.yaml) for request shapes.
#pragma once

#include <array>
#include <chrono>
#include <cstdint>
#include <string_view>

#include "core/clock.h"

namespace crier::sandbox::whatsapp {

// --- Windows and dates -------------------------------------------------------------------
// A user's message opens a 24 h customer service window; free-form only inside it.
inline constexpr Duration kServiceWindow = std::chrono::hours(24);
// Marketing templates to +1 (US) numbers are not delivered from this instant (00:00 UTC).
inline constexpr Time kUsMarketingBlockFrom =
    Time(std::chrono::sys_days(std::chrono::year(2025) / std::chrono::April / 1));

// --- Throughput and limits ---------------------------------------------------------------
inline constexpr int kDefaultThroughputMps = 80;  // 1,000 upgraded, 20 coexistence
// Pair rate, one business number to one user: 1 message per 6 s, bursts up to 45.
inline constexpr Duration kPairInterval = std::chrono::seconds(6);
inline constexpr int kPairBurst = 45;
// Messaging limit: unique users outside a window per moving 24 h, per business portfolio.
inline constexpr Duration kMessagingLimitWindow = std::chrono::hours(24);
inline constexpr std::array<std::int64_t, 4> kMessagingLimitTiers = {250, 2000, 10000, 100000};
inline constexpr std::int64_t kDefaultMessagingLimit = 250;  // a new portfolio's tier

// --- Payload limits (characters are Unicode code points) --------------------------------
inline constexpr std::size_t kMaxTextBody = 4096;
inline constexpr std::size_t kMaxCaption = 1024;
inline constexpr std::size_t kMaxInteractiveHeader = 60;
inline constexpr std::size_t kMaxInteractiveFooter = 60;
inline constexpr std::size_t kMaxInteractiveBody = 1024;
inline constexpr std::size_t kMaxReplyButtons = 3;
inline constexpr std::size_t kMaxReplyTitle = 20;
inline constexpr std::size_t kMaxReplyId = 256;
inline constexpr std::size_t kMaxListButton = 20;
inline constexpr std::size_t kMaxSections = 10;
inline constexpr std::size_t kMaxListRows = 10;  // across all sections
inline constexpr std::size_t kMaxRowTitle = 24;
inline constexpr std::size_t kMaxRowDescription = 72;
inline constexpr std::size_t kMaxRowId = 200;
inline constexpr std::size_t kMaxSectionTitle = 24;
inline constexpr std::size_t kMaxSectionProducts = 30;
inline constexpr std::size_t kMaxFlowCta = 30;
inline constexpr std::size_t kMaxCtaDisplayText = 20;  // cta_url's button label
inline constexpr std::size_t kMaxContacts = 5;
inline constexpr std::size_t kMaxTemplateTextParam = 32768;

inline constexpr std::array<std::string_view, 11> kMessageTypes = {
    "text",     "image",    "audio",    "video",       "document", "sticker",
    "location", "contacts", "reaction", "interactive", "template"};
// cta_url is documented by Meta (interactive call-to-action URL button messages) though the
// v23.0 spec's enum lacks it.
inline constexpr std::array<std::string_view, 8> kInteractiveTypes = {
    "button",       "cta_url",         "list", "product",
    "product_list", "catalog_message", "flow", "call_permission_request"};

// --- Error codes -------------------------------------------------------------------------
inline constexpr int kCodeAuth = 190;               // HTTP 401
inline constexpr int kCodePermission = 10;          // HTTP 403
inline constexpr int kCodeInvalidParameter = 100;   // HTTP 400
inline constexpr int kCodeThroughput = 130429;      // HTTP 429
inline constexpr int kCodeSomethingWrong = 131000;  // HTTP 500
inline constexpr int kCodeRequiredMissing = 131008;
inline constexpr int kCodeInvalidValue = 131009;
inline constexpr int kCodeServiceUnavailable = 131016;  // HTTP 503
inline constexpr int kCodeUndeliverable = 131026;
inline constexpr int kCodeReengagement = 131047;
// No dedicated code is documented for the portfolio messaging limit; the sandbox answers the
// spam-rate-limit code (HTTP 429) with details naming the limit.
inline constexpr int kCodeMessagingLimit = 131048;
inline constexpr int kCodeEcosystem = 131049;
inline constexpr int kCodeMarketingStopped = 131050;
inline constexpr int kCodePairRate = 131056;
inline constexpr int kCodeBsuidUnsupported = 131062;
inline constexpr int kCodeTemplateParamCount = 132000;
inline constexpr int kCodeTemplateMissing = 132001;
inline constexpr int kCodeTemplateParamFormat = 132012;
inline constexpr int kCodeTemplatePaused = 132015;
inline constexpr int kCodeTemplateDisabled = 132016;

// Titles, as the "(#code) title" message of the envelope.
inline constexpr std::string_view kTitleAuth =
    "Invalid OAuth access token - Cannot parse access token";
inline constexpr std::string_view kTitlePermission =
    "Application does not have permission for this action";
inline constexpr std::string_view kTitleInvalidParameter = "Invalid parameter";
inline constexpr std::string_view kTitleThroughput = "Rate limit hit";
inline constexpr std::string_view kTitleSomethingWrong = "Something went wrong";
inline constexpr std::string_view kTitleServiceUnavailable = "Service unavailable";
inline constexpr std::string_view kTitleRequiredMissing = "Required parameter is missing";
inline constexpr std::string_view kTitleInvalidValue = "Parameter value is not valid";
inline constexpr std::string_view kTitleUndeliverable = "Message undeliverable";
inline constexpr std::string_view kTitleReengagement = "Re-engagement message";
inline constexpr std::string_view kTitleMessagingLimit = "Spam rate limit hit";
inline constexpr std::string_view kTitleEcosystem =
    "This message was not delivered to maintain healthy ecosystem engagement.";
inline constexpr std::string_view kTitleMarketingStopped =
    "Unable to deliver the message. This recipient has chosen to stop receiving marketing "
    "messages on WhatsApp from your business";
inline constexpr std::string_view kTitlePairRate =
    "(Business Account, Consumer Account) pair rate limit hit";
inline constexpr std::string_view kTitleBsuidUnsupported =
    "Business-scoped User ID recipients are not supported for this message.";
inline constexpr std::string_view kTitleTemplateParamCount =
    "Number of parameters does not match the expected number of params";
inline constexpr std::string_view kTitleTemplateMissing =
    "Template name does not exist in the translation";
inline constexpr std::string_view kTitleTemplateParamFormat =
    "Parameter format does not match format in the created template";
inline constexpr std::string_view kTitleTemplatePaused = "Template is Paused";
inline constexpr std::string_view kTitleTemplateDisabled = "Template is Disabled";

// Details (error_data.details) for the rules whose details do not depend on the request.
inline constexpr std::string_view kDetailsReengagement =
    "Message failed to send because more than 24 hours have passed since the customer last "
    "replied to this number.";
inline constexpr std::string_view kDetailsThroughput =
    "Cloud API message throughput has been reached.";
inline constexpr std::string_view kDetailsPairRate =
    "Message failed to send because there were too many messages sent from this phone number "
    "to the same phone number in a short period of time.";
inline constexpr std::string_view kDetailsNotOnWhatsApp =
    "The recipient is not a WhatsApp user known to this business phone number.";
// The sandbox's choice for a business-initiated template to someone without a recorded
// opt-in (platforms.md 8.3 #5): Meta does not check consent at send time, so there is no
// documented code; "undeliverable" (131026) is what crier should expect and suppress on.
inline constexpr std::string_view kDetailsNoOptIn =
    "The recipient has not opted in to receive messages from this business.";
inline constexpr std::string_view kDetailsUsMarketing =
    "Marketing template messages are not delivered to +1 (US) phone numbers since April 1, 2025.";
inline constexpr std::string_view kDetailsMarketingStopped =
    "The recipient stopped marketing messages (Offers and announcements) from this business.";
inline constexpr std::string_view kDetailsBsuidAuthentication =
    "Authentication templates require a phone number recipient.";

}  // namespace crier::sandbox::whatsapp
