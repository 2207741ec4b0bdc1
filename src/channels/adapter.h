// A channel adapter builds the exact wire request for one platform and classifies the
// platform's answer. Pure: no IO (the Transport does that), no clock.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "channels/transport.h"
#include "core/clock.h"
#include "core/model.h"
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

struct SendResult {
  bool sent = false;
  std::string platform_message_id;  // when sent
  ErrorClass error_class = ErrorClass::kRetryLater;
  std::string error_code;               // e.g. "10/2018278", "http_503", "timeout"
  std::string error_message;            // the platform's text, secrets removed
  std::optional<Duration> retry_after;  // when the platform said how long to wait
};

struct RecipientRef {
  std::string platform_user_id;
  std::string name;
  std::string first_name;
};

class ChannelAdapter {
 public:
  virtual ~ChannelAdapter() = default;
  virtual Platform platform() const = 0;
  // The request that sends `message` to `recipient` over `route` from `account`.
  virtual OutboundRequest BuildSend(const ChannelAccount& account, const RecipientRef& recipient,
                                    const Route& route, const Message& message) const = 0;
  virtual SendResult Classify(const TransportResult& result) const = 0;
};

// The adapter for `platform`, or nullptr when this build has none.
std::unique_ptr<ChannelAdapter> MakeAdapter(Platform platform);

}  // namespace crier::channels
