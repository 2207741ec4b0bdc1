// A channel adapter builds the exact wire request for one platform and classifies the
// platform's answer. Pure: no IO (the Transport does that), no clock.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "channels/content.h"
#include "channels/transport.h"
#include "core/clock.h"
#include "core/model.h"
#include "core/result.h"
#include "core/route.h"

namespace crier::channels {

// What a platform error means for what crier does next (PRODUCT.md F5).
enum class ErrorClass {
  kRetryLater,            // transient: try the same delivery again later
  kSlowDown,              // rate limited: slow the account down, then retry
  kRecipientUnreachable,  // this person cannot get messages: suppress, do not retry
  kPolicy,                // the platform's rules refused it (window, tag, ...)
  kChannelHalted,         // the account is restricted: pause the account
  kAuth,                  // credentials are bad: pause the account
  kInvalidRequest,        // our request is wrong: do not retry
  kUnknownOutcome,        // the request left but no answer came: it may have been delivered,
                          // so it is never retried (never twice beats at least once)
};
std::string_view ToString(ErrorClass c);

// What crier does next about a delivery whose send ended in an error class. This mapping is
// the one place the policy lives: the dispatcher switches on it, docs/ARCHITECTURE.md
// ("Errors and retries") describes it.
enum class NextAction {
  kRetryWithBackoff,   // kRetryLater: the same delivery again after 1 s, 4 s, 16 s ... (or the
                       // platform's Retry-After), up to max_attempts, then it fails
  kSlowAccount,        // kSlowDown: pause the account's bucket (Retry-After or 1 s), then
                       // send the same delivery again
  kSuppressRecipient,  // kRecipientUnreachable: fail the delivery; the person gets nothing
                       // more until they write again
  kSkip,               // kPolicy: fail this copy with its reason; the person stays reachable
  kPauseAccount,       // kAuth, kChannelHalted: fail this copy and keep every other copy of
                       // the account planned until the account is resumed
  kFailDelivery,       // kInvalidRequest, kUnknownOutcome: fail the delivery, never resend
};
std::string_view ToString(NextAction a);
NextAction NextActionOf(ErrorClass c);

struct SendResult {
  bool sent = false;
  std::string platform_message_id;  // when sent
  ErrorClass error_class = ErrorClass::kRetryLater;
  std::string error_code;               // e.g. "10/2018278", "http_503", "timeout"
  std::string error_message;            // the platform's text, secrets removed
  std::optional<Duration> retry_after;  // when the platform said how long to wait
  // The platform's own word on a sent message when it is not plain acceptance: WhatsApp's
  // message_status "held_for_quality_assessment" or "paused"; LINE's "already_accepted"
  // (a 409: an earlier request with the same retry key was accepted, so this copy was sent).
  std::string platform_status;
  // The person stopped marketing messages on the token this copy went by (Messenger
  // 10/1893015, Marketing Message API 2300034): the token is to be marked stopped (I2), and the
  // person stays reachable otherwise.
  bool marketing_token_stopped = false;
};

struct RecipientRef {
  std::string platform_user_id;
  std::string name;
  std::string first_name;
  // The delivery's idempotency key, for platforms that take one (LINE's X-Line-Retry-Key: a
  // UUID made once per delivery and sent unchanged on every attempt). Empty: none is sent.
  std::string retry_key;
  // Messenger/Instagram: the person's marketing-messages token, for the marketing_token and
  // marketing_message_api routes.
  std::string marketing_token;
  // The person the copy is personalised for (PRODUCT.md D1); with SendContext::content, the
  // message's placeholders are filled from it. Borrowed for the BuildSend call only.
  const Contact* contact = nullptr;
  // The copy's click token when its run tracks clicks (PRODUCT.md G3): what the rewritten
  // links' `{{crier.click}}` becomes. Empty otherwise. Borrowed for the BuildSend call only.
  std::string_view click_token;
};

// What a request needs beyond the account, the recipient and the message: the route decided
// right before the send, and the broadcast's ids that route sends under. Views borrow from the
// broadcast: valid for the BuildSend call only.
struct SendContext {
  Route route;
  // kMarketingMessageApi: the campaign (its message_id, the broadcast's
  // outside_window.marketing_campaign_id).
  std::string_view marketing_campaign_id;
  // The message's texts compiled once per run (channels/content.h). Unset, or with no
  // RecipientRef::contact, the message goes as written: placeholders are not filled.
  const CompiledMessage* content = nullptr;
  // A media or card message's own JSON (ChannelAdapter::AppendMessageJson) already rendered
  // for the recipient (channels/message_body.h): written in its place, so the message's texts
  // are neither filled nor read. Empty: the message is written from `message` and `content`.
  std::string_view message_json;
};

class ChannelAdapter {
 public:
  virtual ~ChannelAdapter() = default;
  virtual Platform platform() const = 0;
  // Whether `message` can be put on this platform's wire at all, checked once per broadcast
  // before any copy is sent (BuildSend cannot fail): kInvalidArgument naming the field
  // ("template.components[0].parameters[1]") otherwise. Every message passes by default.
  virtual Status ValidateMessage(const Message& message) const {
    (void)message;
    return Status::Ok();
  }
  // The request that sends `message` to `recipient` from `account` over `context.route`.
  // `message` has passed ValidateMessage.
  virtual OutboundRequest BuildSend(const ChannelAccount& account, const RecipientRef& recipient,
                                    const SendContext& context, const Message& message) const = 0;
  // The part of BuildSend's body a media or card `message` alone decides (no account, route
  // or recipient in it), appended to `out` exactly as BuildSend writes it for `message` as
  // written; BuildSend writes SendContext::message_json in its place when set. Nothing is
  // appended for text and template messages (their texts are rendered by BuildSend itself).
  // The message's texts are each written as a JSON string of their own, and nothing else is
  // decided from one but whether it is empty: channels/message_body.h renders copies from
  // this JSON with other texts in their place.
  virtual void AppendMessageJson(std::string& out, const Message& message) const = 0;
  virtual SendResult Classify(const TransportResult& result) const = 0;
};

// The adapter for `platform`, or nullptr when this build has none.
std::unique_ptr<ChannelAdapter> MakeAdapter(Platform platform);

}  // namespace crier::channels
