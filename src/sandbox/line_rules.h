// The LINE Messaging API facts the sandbox plays: endpoints, limits, the retry key, quota
// and rate limits, and LINE's error messages (LINE has no numeric codes; clients match on
// the message). Sources: the project's platform fact sheet §5 and §8.4, and LINE's OpenAPI
// spec (messaging-api.yml) for request shapes.
#pragma once

#include <array>
#include <chrono>
#include <cstddef>
#include <string_view>

#include "core/clock.h"

namespace crier::sandbox::line {

inline constexpr std::string_view kPushPath = "/v2/bot/message/push";
inline constexpr std::string_view kMulticastPath = "/v2/bot/message/multicast";
inline constexpr std::string_view kQuotaPath = "/v2/bot/message/quota";
inline constexpr std::string_view kConsumptionPath = "/v2/bot/message/quota/consumption";
// Endpoints that take X-Line-Retry-Key (anything else answers 400 when it is sent).
inline constexpr std::array<std::string_view, 4> kRetryKeyPaths = {
    "/v2/bot/message/push", "/v2/bot/message/multicast", "/v2/bot/message/narrowcast",
    "/v2/bot/message/broadcast"};

inline constexpr std::string_view kRetryKeyHeader = "X-Line-Retry-Key";
inline constexpr std::string_view kRequestIdHeader = "X-Line-Request-Id";
inline constexpr std::string_view kAcceptedRequestIdHeader = "X-Line-Accepted-Request-Id";
// A retry key stays spent this long after the request carrying it was accepted.
inline constexpr Duration kRetryKeyLifetime = std::chrono::hours(24);

// --- Limits --------------------------------------------------------------------------------
inline constexpr std::size_t kMaxMessages = 5;
inline constexpr std::size_t kMaxMulticastTo = 500;
inline constexpr std::size_t kMaxTextUtf16 = 5000;
inline constexpr std::size_t kMaxEmojis = 20;
inline constexpr std::size_t kMaxQuickReplyItems = 13;
inline constexpr std::size_t kMaxAltText = 1500;
inline constexpr std::size_t kMaxUrl = 2000;
inline constexpr std::size_t kMaxSenderName = 20;
inline constexpr std::size_t kMaxTrackingId = 100;
inline constexpr std::size_t kMaxLocationText = 100;
inline constexpr std::size_t kMaxImagemapActions = 50;
inline constexpr std::size_t kMaxButtonsActions = 4;
inline constexpr std::size_t kMaxButtonsTitle = 40;
inline constexpr std::size_t kMaxButtonsText = 160;
inline constexpr std::size_t kMaxButtonsTextWithImageOrTitle = 60;
inline constexpr std::size_t kMaxConfirmText = 240;
inline constexpr std::size_t kMaxCarouselColumns = 10;
inline constexpr std::size_t kMaxCarouselActions = 3;
inline constexpr std::size_t kMaxCarouselText = 120;
inline constexpr std::size_t kMaxCarouselTextWithImageOrTitle = 60;
inline constexpr std::size_t kMaxFlexBubbles = 12;
// Actions (template buttons, quick-reply items): label 1-20, postback data <= 300, a URI
// action's uri <= 1000 (LINE's action objects reference).
inline constexpr std::size_t kMaxActionLabel = 20;
inline constexpr std::size_t kMaxPostbackData = 300;
inline constexpr std::size_t kMaxActionUri = 1000;
inline constexpr std::size_t kMaxBodyBytes = 2 * 1024 * 1024;  // else 413
inline constexpr std::size_t kMaxAggregationUnitsMulticast = 1;

// Requests per second per channel, per endpoint (a different method is another endpoint).
inline constexpr int kPushPerSecond = 2000;
inline constexpr int kMulticastPerSecond = 200;
inline constexpr int kOtherPerSecond = 2000;

inline constexpr std::array<std::string_view, 11> kMessageTypes = {
    "text",     "textV2",   "sticker",  "image", "video", "audio",
    "location", "imagemap", "template", "flex",  "coupon"};
inline constexpr std::array<std::string_view, 9> kActionTypes = {
    "postback", "message",        "uri",      "datetimepicker", "camera", "cameraRoll",
    "location", "richmenuswitch", "clipboard"};
// The schemes a URI action opens.
inline constexpr std::array<std::string_view, 4> kActionUriSchemes = {"https://", "http://",
                                                                      "line://", "tel:"};
// The message types a push answer gives a quote token for.
inline constexpr std::array<std::string_view, 5> kQuotableTypes = {"text", "textV2", "sticker",
                                                                   "image", "video"};

// --- Messages ------------------------------------------------------------------------------
inline constexpr std::string_view kMsgAuthHeader =
    "Authorization header required. Must follow the scheme, 'Authorization: Bearer <ACCESS "
    "TOKEN>'";
inline constexpr std::string_view kMsgInvalidToken =
    "Authentication failed due to the following reason: invalid token. Confirm that the access "
    "token in the authorization header is valid.";
inline constexpr std::string_view kMsgRetryKeyNotAllowed =
    "The X-Line-Retry-Key header cannot be used with this API";
inline constexpr std::string_view kMsgRetryKeyInvalid =
    "The value for the 'X-Line-Retry-Key' header is invalid";
inline constexpr std::string_view kMsgRetryKeyAccepted = "The retry key is already accepted";
inline constexpr std::string_view kMsgRateLimit =
    "The API rate limit has been exceeded. Try again later.";
inline constexpr std::string_view kMsgMonthlyLimit = "You have reached your monthly limit.";
inline constexpr std::string_view kMsgFailedToSend = "Failed to send messages";
inline constexpr std::string_view kMsgNotJson = "The request body could not be parsed as JSON";
inline constexpr std::string_view kMsgBodyTooLarge = "Request Entity Too Large";
inline constexpr std::string_view kMsgNotFound = "Not found";
inline constexpr std::string_view kMsgMethodNotAllowed = "Method Not Allowed";
inline constexpr std::string_view kMsgServerError = "An error occurred in the server.";
// "The request body has 2 error(s)" with `details`.
inline constexpr std::string_view kMsgBodyErrorsPrefix = "The request body has ";
inline constexpr std::string_view kMsgBodyErrorsSuffix = " error(s)";
inline constexpr std::string_view kMsgInvalidToProperty =
    "The property, 'to', in the request body is invalid (line: -, column: -)";

// Detail messages.
inline constexpr std::string_view kDetailRequired = "must be specified";
inline constexpr std::string_view kDetailInvalidType = "invalid message type";
inline constexpr std::string_view kDetailNotString = "must be a string";
inline constexpr std::string_view kDetailNotObject = "must be an object";
inline constexpr std::string_view kDetailNotArray = "must be an array";
inline constexpr std::string_view kDetailNotNumber = "must be a number";
inline constexpr std::string_view kDetailNotBoolean = "must be a boolean";
inline constexpr std::string_view kDetailHttps = "must be an https URL";
inline constexpr std::string_view kDetailUserId = "must be a user ID (U followed by 32 hex digits)";
inline constexpr std::string_view kDetailEmojiIndex = "must be the index of a '$' in the text";
inline constexpr std::string_view kDetailPlaceholder = "has no matching {placeholder} in the text";
inline constexpr std::string_view kDetailUnknownProperty = "is not a known property";
inline constexpr std::string_view kDetailActionType =
    "must be postback, message, uri, datetimepicker, camera, cameraRoll, location, "
    "richmenuswitch or clipboard";
inline constexpr std::string_view kDetailActionUri = "must be an http, https, line or tel URI";
inline constexpr std::string_view kDetailQuickReplyItemType = "must be action";
inline constexpr std::string_view kDetailSameActionCount =
    "must have the same number of actions in every column";
inline constexpr std::string_view kDetailAllOrNoneThumbnail =
    "must be set in every column or in none";
inline constexpr std::string_view kDetailAllOrNoneTitle = "must be set in every column or in none";
inline constexpr std::string_view kDetailFlexBubble = "must be a bubble";
inline constexpr std::string_view kDetailAggregationUnit = "must match ^[a-zA-Z0-9_]{1,30}$";

}  // namespace crier::sandbox::line
