// The LINE Messaging API adapter: push (one user, POST {base}/v2/bot/message/push) and
// multicast (up to 500 users, POST {base}/v2/bot/message/multicast), both with the
// X-Line-Retry-Key idempotency header (platforms.md 5.1, 5.4, 5.5).
#pragma once

#include <cstddef>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "channels/adapter.h"
#include "channels/graph_wire.h"
#include "core/result.h"

namespace crier::channels {

inline constexpr std::size_t kLineMaxMessages = 5;
inline constexpr std::size_t kLineMaxMulticastRecipients = 500;
// LINE's 429 text for the monthly quota; any other 429 is the rate limit.
inline constexpr std::string_view kLineMonthlyLimitText = "monthly limit";

// The class of a LINE error answer by HTTP status and message text (platforms.md 5.5), or
// nullopt for 2xx and 409 (those are sends, not errors).
std::optional<ErrorClass> LineErrorClass(int status, std::string_view message);

// Whether `id` is a LINE user id ("U" and 32 lowercase hex digits): the only ids a multicast
// takes (group and room ids go by push).
bool IsLineUserId(std::string_view id);

// Whether `key` is a UUID in the hexadecimal 8-4-4-4-12 form LINE accepts.
bool IsLineRetryKey(std::string_view key);

// A version-4 UUID from 16 random bytes (the caller's source of randomness, so the adapter
// stays pure): the version and variant bits are set, the rest is the input.
std::string RetryKeyFromBytes(std::span<const unsigned char, 16> random);

// Stateless and thread-safe.
//
// Every request should carry a retry key, made once per delivery (or multicast batch) and
// sent unchanged on every attempt: with it a 5xx or a timeout after the request left is
// safely retried (LINE answers 409 if the first attempt was accepted). Classify assumes the
// request it classifies carried one.
class LineAdapter final : public ChannelAdapter {
 public:
  Platform platform() const override { return Platform::kLine; }
  // What LINE cannot show is refused (templates, files, list cards; channels/composition);
  // text, image, video, audio and buttons, carousel, quick-reply and flex cards pass.
  Status ValidateMessage(const Message& message) const override;
  // A push of one message to recipient.platform_user_id, with recipient.retry_key as
  // X-Line-Retry-Key when it is set: a text, an image/video/audio object, a buttons or
  // carousel template, a text with quick replies, or a flex message (platforms.md 5.3), with
  // the recipient's texts filled in. The route does not change the request.
  OutboundRequest BuildSend(const ChannelAccount& account, const RecipientRef& recipient,
                            const SendContext& context, const Message& message) const override;
  // The element of "messages" BuildSend writes for a media or card message.
  void AppendMessageJson(std::string& out, const Message& message) const override;
  // A push of 1-5 messages in one request (LINE counts one message per recipient per request,
  // however many bubbles), written as BuildSend writes them but not personalised. Refused
  // when the count is outside 1-5, a message is of a kind LINE cannot show, or the key is
  // not a UUID.
  Result<OutboundRequest> BuildPush(const ChannelAccount& account, std::string_view to,
                                    std::span<const Message> messages,
                                    std::string_view retry_key) const;
  // A multicast of 1-5 messages to 1-500 user ids (user ids only: "U" and 32 hex digits).
  // The messages are written as BuildPush writes them. Refused, naming the field, when a
  // count is out of range, a message is of a kind LINE cannot show, an id is not a user id,
  // or the key is not a UUID.
  Result<OutboundRequest> BuildMulticast(const ChannelAccount& account,
                                         std::span<const std::string> to,
                                         std::span<const Message> messages,
                                         std::string_view retry_key) const;
  // 200: sent (push: the sentMessages ids joined by ","; multicast: LINE gives no message
  // ids, so the X-Line-Request-Id). 409: sent, platform_status "already_accepted" (an earlier
  // attempt with this key was accepted), id from the body's sentMessages or else
  // X-Line-Accepted-Request-Id. Otherwise the class of LineErrorClass.
  SendResult Classify(const TransportResult& result) const override;
};

}  // namespace crier::channels
