// The Messenger and Instagram facts the sandbox plays, in one place: messaging windows, the
// tag timeline, utility templates, marketing-message tokens and the Marketing Message API,
// payload limits and the Graph error codes, subcodes and messages a real Page would get.
// Sources are listed in the project's platform fact sheet (Messenger §1, §2, Instagram §3).
// Dated changes take effect at 00:00 UTC of the day Meta names (Meta announces a day, not
// an hour). Tests and the sandbox both refer to these names, so a fact changes in one spot.
#pragma once

#include <array>
#include <chrono>
#include <string_view>

#include "core/clock.h"

namespace crier::sandbox::graph {

using std::chrono::April;
using std::chrono::days;
using std::chrono::February;
using std::chrono::hours;
using std::chrono::July;
using std::chrono::September;

inline constexpr Time Day(std::chrono::year_month_day d) { return Time(std::chrono::sys_days(d)); }

// --- Messaging windows ---------------------------------------------------------------------
// Standard window: 24 h after the user's last interaction.
inline constexpr Duration kStandardWindow = hours(24);
// After a Click-to-Messenger / Click-to-Direct ad the standard window lasts up to 7 days.
inline constexpr Duration kAdWindow = days(7);
// HUMAN_AGENT and CUSTOMER_FEEDBACK tags: up to 7 days after the user's last message.
inline constexpr Duration kHumanAgentWindow = days(7);

// --- Tag timeline ----------------------------------------------------------------------------
// From this instant Graph refuses the three retired tags with code 100.
inline constexpr Time kRetiredTagsCutoff = Day(std::chrono::year(2026) / April / 27);

inline constexpr std::string_view kTagHumanAgent = "HUMAN_AGENT";
inline constexpr std::string_view kTagCustomerFeedback = "CUSTOMER_FEEDBACK";
inline constexpr std::array<std::string_view, 3> kRetiredTags = {
    "CONFIRMED_EVENT_UPDATE", "POST_PURCHASE_UPDATE", "ACCOUNT_UPDATE"};

// --- messaging_type values ---------------------------------------------------------------
inline constexpr std::string_view kTypeResponse = "RESPONSE";
inline constexpr std::string_view kTypeUpdate = "UPDATE";
inline constexpr std::string_view kTypeMessageTag = "MESSAGE_TAG";
// Utility messages (§1.8): an approved Page template, sendable outside the window.
inline constexpr std::string_view kTypeUtility = "UTILITY";

inline constexpr std::array<std::string_view, 3> kSenderActions = {"typing_on", "typing_off",
                                                                   "mark_seen"};

// --- Permissions a Page may hold (registered through the control API) ---------------------
inline constexpr std::string_view kPermissionUtility = "page_utility_messaging";
inline constexpr std::string_view kPermissionHumanAgent = "human_agent";
// The only template CUSTOMER_FEEDBACK may carry.
inline constexpr std::string_view kFeedbackTemplateType = "customer_feedback";

// --- Marketing-message tokens (notification_messages, §2.1) --------------------------------
// Refused with code 100 from this instant.
inline constexpr Time kMarketingTokensRetired = Day(std::chrono::year(2026) / February / 10);
// One message per token per 24 h; per 48 h from this instant.
inline constexpr Time kTokenCooldown48hFrom = Day(std::chrono::year(2025) / September / 1);
inline constexpr Duration kTokenCooldownBefore = hours(24);
inline constexpr Duration kTokenCooldownAfter = hours(48);

// --- Marketing Message API for Messenger (§2.3) ----------------------------------------------
// Open to partners globally from this instant.
inline constexpr Time kMarketingApiOpens = Day(std::chrono::year(2025) / July / 1);
// "You can only send one message every 12 hours per subscription_token" (send-messages page).
inline constexpr Duration kMarketingApiMinDelay = hours(12);
inline constexpr std::array<std::string_view, 20> kMarketingApiBusinessRegions = {
    "AU", "BR", "CL", "CO", "HK", "IN", "ID", "IL", "MY", "MX",
    "NZ", "PE", "PH", "SA", "SG", "TW", "TH", "AE", "US", "VN"};
// Recipients anywhere except the EU (its 27 members), Japan, South Korea, Australia and the UK.
inline constexpr std::array<std::string_view, 31> kMarketingApiExcludedRecipientRegions = {
    "AT", "BE", "BG", "HR", "CY", "CZ", "DK", "EE", "FI", "FR", "DE", "GR", "HU", "IE", "IT", "LV",
    "LT", "LU", "MT", "NL", "PL", "PT", "RO", "SK", "SI", "ES", "SE", "JP", "KR", "AU", "GB"};
// Personalization macros the API resolves (not on buttons).
inline constexpr std::array<std::string_view, 3> kMarketingApiMacros = {"first_name", "last_name",
                                                                        "full_name"};
inline constexpr std::size_t kMarketingApiMaxButtons = 3;

// --- Payload limits --------------------------------------------------------------------------
// message.text must be shorter than this many characters (Unicode code points).
inline constexpr std::size_t kMaxTextChars = 2000;
// Instagram counts bytes of UTF-8, not characters (platforms.md §3, §8.2.5).
inline constexpr std::size_t kMaxInstagramTextBytes = 1000;
inline constexpr std::size_t kMaxQuickReplies = 13;
// Quick reply titles longer than this are cut by Messenger, not refused (quick-replies page).
inline constexpr std::size_t kQuickReplyTitleChars = 20;
inline constexpr std::size_t kMaxButtonTemplateTextChars = 640;  // button template text
inline constexpr std::size_t kMaxTemplateButtons = 3;            // per template or element
inline constexpr std::size_t kMaxButtonTitleChars = 20;
inline constexpr std::size_t kMaxPayloadChars = 1000;  // postback and quick reply payloads
inline constexpr std::size_t kMaxGenericElements = 10;
inline constexpr std::size_t kMaxElementTitleChars = 80;  // title and subtitle alike

// --- Send rate per Page / Instagram account (§1.7, §3) ------------------------------------
inline constexpr int kSendsPerSecond = 300;      // text, links, reactions, stickers
inline constexpr int kMediaSendsPerSecond = 10;  // audio or video attachments

// --- Error codes -----------------------------------------------------------------------------
inline constexpr int kCodeUnknown = 1;
inline constexpr int kCodeTransient = 2;
inline constexpr int kCodeTooManyCalls = 4;
inline constexpr int kCodePermission = 10;
inline constexpr int kCodeInvalidParameter = 100;
inline constexpr int kCodeInvalidToken = 190;
inline constexpr int kCodeMissingPermission = 200;
inline constexpr int kCodePageRateLimit = 32;  // Messenger: Page-level throttling
inline constexpr int kCodeCustomRateLimit = 613;
inline constexpr int kCodeUnknownPath = 2500;

inline constexpr int kSubcodeUnsupportedObject = 33;
inline constexpr int kSubcodeNoMatchingUser = 2018001;
inline constexpr int kSubcodeOutsideWindowMessenger = 2018278;
inline constexpr int kSubcodeOutsideWindowInstagram = 2534022;
inline constexpr int kSubcodeTokenCooldown = 2018354;       // with code 4
inline constexpr int kSubcodeTokenStopped = 1893015;        // with code 10
inline constexpr int kSubcodeInstagramRateLimit = 2534040;  // with code 613

// Marketing Message API errors come as code 100 with these subcodes (api-reference page).
inline constexpr int kMmInactiveCampaign = 2300000;
inline constexpr int kMmInvalidMessageId = 2300001;
inline constexpr int kMmTokenNotLoadable = 2300004;
inline constexpr int kMmPageMismatch = 2300005;
inline constexpr int kMmAdAccountMismatch = 2300014;
inline constexpr int kMmBudgetReached = 2300015;
inline constexpr int kMmButtonType = 2300023;
inline constexpr int kMmButtonUrlEmpty = 2300024;
inline constexpr int kMmButtonTitleEmpty = 2300025;
inline constexpr int kMmTooManyButtons = 2300026;
inline constexpr int kMmAdAccountRegion = 2300030;
inline constexpr int kMmTokenRegion = 2300032;
inline constexpr int kMmSubscriberStopped = 2300034;
inline constexpr int kMmMinDelay = 2300035;
inline constexpr int kMmTokenExpired = 2300037;
inline constexpr int kMmUnresolvedPlaceholder = 2300038;
inline constexpr int kMmNotAvailable = 2300040;
inline constexpr int kMmPersonNotAvailable = 2300052;
inline constexpr int kMmRequiredField = 2300076;

struct MarketingApiError {
  int subcode;
  std::string_view message;  // as the API reference words it
};
inline constexpr std::array<MarketingApiError, 19> kMarketingApiErrors = {{
    {kMmInactiveCampaign,
     "You cannot send a message unless the message campaign under which the message exists is "
     "active."},
    {kMmInvalidMessageId,
     "The message ID you supplied is invalid. The message with this ID either does not exist, "
     "or you do not have the permission to load it."},
    {kMmTokenNotLoadable,
     "The subscription token you passed in could not be loaded. This could be because the token "
     "id you passed was invalid - or you may not have permissions to load it."},
    {kMmPageMismatch,
     "The page id behind your message does not match the page id on the messenger subscription "
     "token. Pages can only message their own subscribers."},
    {kMmAdAccountMismatch,
     "The ad account associated with the message campaign does not match the ad account "
     "associated with the request."},
    {kMmBudgetReached, "The budget for the message campaign has been reached."},
    {kMmButtonType, "The button type is invalid. Valid button types are: web_url."},
    {kMmButtonUrlEmpty, "Button URL cannot be empty when provided."},
    {kMmButtonTitleEmpty, "Button title cannot be empty."},
    {kMmTooManyButtons, "Too many buttons provided. Maximum of 3 buttons are allowed per message."},
    {kMmAdAccountRegion, "The ad account is not in a supported region."},
    {kMmTokenRegion, "The subscription token is not in a supported region."},
    {kMmSubscriberStopped, "The subscriber has stopped marketing messages subscription."},
    {kMmMinDelay,
     "The minimum delay between messages has not been reached. Please wait until the minimum "
     "delay has passed before sending the next message."},
    {kMmTokenExpired,
     "The subscription token has expired, and can no longer be used to send a message."},
    {kMmUnresolvedPlaceholder,
     "Unable to resolve one or more placeholders in the message creative/payload."},
    {kMmNotAvailable, "This feature is not currently available."},
    {kMmPersonNotAvailable, "This person is not available right now."},
    {kMmRequiredField, "A required field is missing from the request."},
}};
constexpr std::string_view MarketingApiMessage(int subcode) {
  for (const auto& e : kMarketingApiErrors) {
    if (e.subcode == subcode) return e.message;
  }
  return "An unknown error has occurred.";
}

inline constexpr std::string_view kTypeOAuthException = "OAuthException";
inline constexpr std::string_view kTypeGraphMethodException = "GraphMethodException";

// --- Error messages --------------------------------------------------------------------------
inline constexpr std::string_view kMsgInvalidToken =
    "Invalid OAuth access token - Cannot parse access token";
// "Unsupported post request. Object with ID '<id>' does not exist, ..."
inline constexpr std::string_view kMsgUnsupportedPrefix = "Unsupported ";
inline constexpr std::string_view kMsgUnsupportedMiddle = " request. Object with ID '";
inline constexpr std::string_view kMsgUnsupportedSuffix =
    "' does not exist, cannot be loaded due to missing permissions, or does not support this "
    "operation. Please read the Graph API documentation at "
    "https://developers.facebook.com/docs/graph-api";
inline constexpr std::string_view kMsgMalformedJson = "(#100) The request body is not valid JSON";
inline constexpr std::string_view kMsgBodyNotObject =
    "(#100) The request body must be a JSON object";
inline constexpr std::string_view kMsgRecipientRequired =
    "(#100) The parameter recipient is required";
inline constexpr std::string_view kMsgRecipientId =
    "(#100) Param recipient[id] must be a valid ID string (e.g. \"123\")";
inline constexpr std::string_view kMsgMessageOrSenderAction =
    "(#100) Must send either message or sender_action";
inline constexpr std::string_view kMsgMessageAndSenderAction =
    "(#100) Param sender_action cannot be sent with message";
inline constexpr std::string_view kMsgSenderAction =
    "(#100) Param sender_action must be one of {typing_on, typing_off, mark_seen}";
inline constexpr std::string_view kMsgMessagingTypeRequired =
    "(#100) The parameter messaging_type is required";
inline constexpr std::string_view kMsgMessagingTypePrefix =
    "(#100) Param messaging_type must be one of {RESPONSE, UPDATE, MESSAGE_TAG, UTILITY} - got ";
inline constexpr std::string_view kMsgTagRequired =
    "(#100) The parameter tag is required when messaging_type is MESSAGE_TAG";
inline constexpr std::string_view kMsgTagWithoutMessageTag =
    "(#100) Param tag can only be used with messaging_type MESSAGE_TAG";
inline constexpr std::string_view kMsgTagPrefix =
    "(#100) Param tag must be one of {HUMAN_AGENT, CUSTOMER_FEEDBACK, CONFIRMED_EVENT_UPDATE, "
    "POST_PURCHASE_UPDATE, ACCOUNT_UPDATE} - got ";
inline constexpr std::string_view kMsgTagRetiredSuffix =
    " is no longer supported: the tag was deprecated on April 27, 2026";
inline constexpr std::string_view kMsgTagNotOnInstagram =
    "(#100) Only the HUMAN_AGENT tag is supported for Instagram messaging";
inline constexpr std::string_view kMsgMessageNotObject =
    "(#100) Param message must be a JSON object";
inline constexpr std::string_view kMsgMessageEmpty =
    "(#100) Message cannot be empty, must provide valid attachment or text";
inline constexpr std::string_view kMsgTextNotString =
    "(#100) Param message[text] must be a UTF-8 encoded string";
inline constexpr std::string_view kMsgInstagramTextTooLong =
    "(#100) Length of param message[text] must be at most 1000 bytes";
inline constexpr std::string_view kMsgTextTooLong =
    "(#100) Length of param message[text] must be less than 2000 characters";
inline constexpr std::string_view kMsgTextAndAttachment =
    "(#100) Only one of message[text] or message[attachment] may be set";
inline constexpr std::string_view kMsgTooManyQuickReplies =
    "(#100) Param message[quick_replies] must have at most 13 items";
// Attachments, templates, buttons and quick replies: "(#100) Param <field path> <rule>", the
// path written as Graph writes it, message[attachment][payload][buttons][0][title].
inline constexpr std::string_view kMsgParamPrefix = "(#100) Param ";
inline constexpr std::string_view kMsgLengthPrefix = "(#100) Length of param ";
inline constexpr std::string_view kRuleUnknownField = " is not a known field";
inline constexpr std::string_view kRuleRequired = " is required";
inline constexpr std::string_view kRuleString = " must be a non-empty UTF-8 encoded string";
inline constexpr std::string_view kRuleHttps = " must be a valid https URL";
inline constexpr std::string_view kRuleArray = " must be a non-empty array";
inline constexpr std::string_view kRuleObject = " must be a JSON object";
inline constexpr std::string_view kRuleAttachmentType =
    " must be one of {image, audio, video, file, template}";
inline constexpr std::string_view kRuleTemplateType =
    " must be one of {button, generic, customer_feedback}";
inline constexpr std::string_view kRuleButtonType = " must be one of {web_url, postback}";
inline constexpr std::string_view kRuleContentType =
    " must be one of {text, user_phone_number, user_email}";
// Instagram's own refusal of a message object it cannot show (platforms.md 3: no button
// template on Instagram).
inline constexpr int kSubcodeInvalidMessageInstagram = 2534015;
inline constexpr std::string_view kMsgInstagramInvalidMessage =
    "(#100) Invalid message data: Instagram does not support template_type ";
inline constexpr std::string_view kMsgNoMatchingUser = "(#100) No matching user found";
inline constexpr std::string_view kMsgOutsideWindow =
    "(#10) This message is sent outside of allowed window.";
inline constexpr std::string_view kMsgUnknownPathPrefix = "Unknown path components: ";
inline constexpr std::string_view kMsgUnknownError = "An unknown error has occurred.";
inline constexpr std::string_view kMsgTransientError =
    "An unexpected error has occurred. Please retry your request later.";
inline constexpr std::string_view kMsgHumanAgentPermission =
    "(#10) This Page does not have the human_agent permission required for the HUMAN_AGENT tag";
inline constexpr std::string_view kMsgFeedbackTemplateOnly =
    "(#100) The CUSTOMER_FEEDBACK tag can only be used with the customer feedback template";
// Utility templates.
inline constexpr std::string_view kMsgUtilityPermission =
    "(#10) This Page does not have the page_utility_messaging permission required for utility "
    "messages";
inline constexpr std::string_view kMsgUtilityTemplateRequired =
    "(#100) Param message[template] is required when messaging_type is UTILITY";
inline constexpr std::string_view kMsgTemplateWithoutUtility =
    "(#100) Param message[template] can only be used with messaging_type UTILITY";
inline constexpr std::string_view kMsgUtilityTemplateName =
    "(#100) Param message[template][name] must be a non-empty string";
inline constexpr std::string_view kMsgUtilityTemplateLanguage =
    "(#100) Param message[template][language][code] must be a non-empty string";
inline constexpr std::string_view kMsgUtilityComponents =
    "(#100) Param message[template][components] must be an array of objects with a type";
inline constexpr std::string_view kMsgUtilityTemplateMissingPrefix =
    "(#100) Template name does not exist in the translation: ";
inline constexpr std::string_view kMsgUtilityTemplateNotApprovedPrefix =
    "(#100) Template is not approved: ";
inline constexpr std::string_view kMsgUtilityParamCountPrefix =
    "(#100) Number of parameters does not match the expected number of params: ";
// Marketing-message tokens.
inline constexpr std::string_view kMsgTokenRecipient =
    "(#100) Param recipient[notification_messages_token] must be a non-empty string";
inline constexpr std::string_view kMsgTokenSenderAction =
    "(#100) Param sender_action cannot be sent to a notification_messages_token";
inline constexpr std::string_view kMsgTokensRetired =
    "(#100) Marketing messages sent with notification_messages_token are no longer supported: "
    "the feature was retired on February 10, 2026";
inline constexpr std::string_view kMsgTokenInvalid =
    "(#100) The notification_messages_token is invalid or has expired";
inline constexpr std::string_view kMsgTokenStopped =
    "(#10) This person has stopped notification messages for this topic";
inline constexpr std::string_view kMsgTokenCooldown =
    "(#4) A marketing message was already sent on this token within its minimum delay";
inline constexpr std::string_view kMsgPageRateLimit = "(#32) Page request limit reached";
inline constexpr std::string_view kMsgInstagramRateLimit =
    "(#613) Calls to this api have exceeded the rate limit.";
// Marketing Message API.
inline constexpr std::string_view kMsgAdAccountToken =
    "(#200) The access token cannot send marketing messages for this ad account";

}  // namespace crier::sandbox::graph
