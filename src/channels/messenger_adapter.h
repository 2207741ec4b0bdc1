// The Messenger Platform Send API adapter, used for both Messenger (Page-scoped ids) and
// Instagram Messaging (IG-scoped ids): the two share the request shape and the Graph error
// envelope. Exposed beyond MakeAdapter so that tests and the error-class table can be checked
// directly.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>

#include "channels/adapter.h"
#include "channels/graph_wire.h"

namespace crier::channels {

// The class of a Messenger/Instagram Graph error: the exact (code, subcode) row when the
// table has one, else the code's own row, else nullopt. Pass subcode 0 when there is none.
std::optional<ErrorClass> MessengerErrorClass(std::int64_t code, std::int64_t subcode);

// Graph throttling codes shared by every Meta API (platforms.md 1.6, last paragraph).
bool IsGraphThrottleCode(std::int64_t code);

// Stateless and thread-safe.
class MessengerAdapter final : public ChannelAdapter {
 public:
  // `platform` is kMessenger or kInstagram.
  explicit MessengerAdapter(Platform platform) : platform_(platform) {}

  Platform platform() const override { return platform_; }
  // POST {api_base_url}/{api_version}/{external_id}/messages with a bearer token and the
  // JSON body {"recipient":{"id":..},"messaging_type":..,["tag":..,]"message":{"text":..}}.
  OutboundRequest BuildSend(const ChannelAccount& account, const RecipientRef& recipient,
                            const Route& route, const Message& message) const override;
  // sent with the message_id on a 2xx answer carrying one; otherwise the class from the
  // Graph error envelope, falling back on the transport outcome and the HTTP status.
  SendResult Classify(const TransportResult& result) const override;

 private:
  Platform platform_;
};

}  // namespace crier::channels
