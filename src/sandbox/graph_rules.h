// The platform facts the sandbox plays, in one place: messaging windows, the tag timeline,
// payload limits and the Graph error codes, subcodes and messages a real Page would get.
// Sources are listed in the project's platform fact sheet (Messenger §1, Instagram §3).
// Tests and the sandbox both refer to these names, so a fact changes in one spot.
#pragma once

#include <array>
#include <chrono>
#include <string_view>

#include "core/clock.h"

namespace crier::sandbox::graph {

using std::chrono::April;
using std::chrono::days;
using std::chrono::hours;

// --- Messaging windows ---------------------------------------------------------------------
// Standard window: 24 h after the user's last interaction.
inline constexpr Duration kStandardWindow = hours(24);
// After a Click-to-Messenger / Click-to-Direct ad the standard window lasts up to 7 days.
inline constexpr Duration kAdWindow = days(7);
// HUMAN_AGENT and CUSTOMER_FEEDBACK tags: up to 7 days after the user's last message.
inline constexpr Duration kHumanAgentWindow = days(7);

// --- Tag timeline ----------------------------------------------------------------------------
// From this instant Graph refuses the three retired tags with code 100.
inline constexpr Time kRetiredTagsCutoff =
    Time(std::chrono::sys_days(std::chrono::year(2026) / April / 27));

inline constexpr std::string_view kTagHumanAgent = "HUMAN_AGENT";
inline constexpr std::string_view kTagCustomerFeedback = "CUSTOMER_FEEDBACK";
inline constexpr std::array<std::string_view, 3> kRetiredTags = {
    "CONFIRMED_EVENT_UPDATE", "POST_PURCHASE_UPDATE", "ACCOUNT_UPDATE"};

// --- messaging_type values ---------------------------------------------------------------
inline constexpr std::string_view kTypeResponse = "RESPONSE";
inline constexpr std::string_view kTypeUpdate = "UPDATE";
inline constexpr std::string_view kTypeMessageTag = "MESSAGE_TAG";

inline constexpr std::array<std::string_view, 3> kSenderActions = {"typing_on", "typing_off",
                                                                   "mark_seen"};

// --- Payload limits --------------------------------------------------------------------------
// message.text must be shorter than this many characters (Unicode code points).
inline constexpr std::size_t kMaxTextChars = 2000;
// Instagram counts bytes of UTF-8, not characters (platforms.md §3, §8.2.5).
inline constexpr std::size_t kMaxInstagramTextBytes = 1000;
inline constexpr std::size_t kMaxQuickReplies = 13;

// --- Error codes -----------------------------------------------------------------------------
inline constexpr int kCodeUnknown = 1;
inline constexpr int kCodePermission = 10;
inline constexpr int kCodeInvalidParameter = 100;
inline constexpr int kCodeInvalidToken = 190;
inline constexpr int kCodeUnknownPath = 2500;

inline constexpr int kSubcodeUnsupportedObject = 33;
inline constexpr int kSubcodeNoMatchingUser = 2018001;
inline constexpr int kSubcodeOutsideWindowMessenger = 2018278;
inline constexpr int kSubcodeOutsideWindowInstagram = 2534022;

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
    "(#100) Param messaging_type must be one of {RESPONSE, UPDATE, MESSAGE_TAG} - got ";
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
inline constexpr std::string_view kMsgNoMatchingUser = "(#100) No matching user found";
inline constexpr std::string_view kMsgOutsideWindow =
    "(#10) This message is sent outside of allowed window.";
inline constexpr std::string_view kMsgUnknownPathPrefix = "Unknown path components: ";
inline constexpr std::string_view kMsgUnknownError = "An unknown error has occurred.";

}  // namespace crier::sandbox::graph
