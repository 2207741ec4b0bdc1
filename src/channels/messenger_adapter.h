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
  // A template must be a Messenger utility template: name, language and non-empty body
  // parameters, no header parameters; Instagram takes none. Text always passes here.
  Status ValidateMessage(const Message& message) const override;
  // With a bearer token, by route:
  //  - standard window, message tag, utility template: POST {base}/{version}/{external_id}/
  //    messages, {"recipient":{"id":..},"messaging_type":..,["tag":..,]"message":M};
  //  - marketing token: the same URL, {"recipient":{"notification_messages_token":..},
  //    "message":M} (the token carries the permission: no messaging_type);
  //  - Marketing Message API: POST {base}/{version}/act_{ad_account_id}/messages,
  //    {"message_id":<campaign>,"messenger_delivery_data":{"subscription_token":..},
  //    "message":M}.
  // M is {"text":..} or, for a template message, {"template":{"name","language":{"code"},
  // "components":[{"type":"body","parameters":[{"type":"text","text"}..]}]}}; media and cards
  // (platforms.md 1.5, 3) go from the recipient's personalised copy (Personalise):
  //  - image/video/audio/file: {"attachment":{"type":..,"payload":{"url","is_reusable":true}}};
  //  - card buttons: {"attachment":{"type":"template","payload":{"template_type":"button",
  //    "text","buttons":[B..]}}};
  //  - card carousel: the generic template, "elements":[{"title","subtitle"?,"image_url"?,
  //    "buttons"?:[B..]}];
  //  - card quick_replies: {"text","quick_replies":[{"content_type":"text","title",
  //    "payload"}]};
  // B is {"type":"web_url","url","title"} for a link, else {"type":"postback","payload",
  // "title"} with PayloadOf(button).
  OutboundRequest BuildSend(const ChannelAccount& account, const RecipientRef& recipient,
                            const SendContext& context, const Message& message) const override;
  // M above, for media and cards.
  void AppendMessageJson(std::string& out, const Message& message) const override;
  // sent with the message_id (the Marketing Message API: the marketing_message_tracking_id of
  // {"success":true}) on a 2xx answer carrying one; otherwise the class from the Graph error
  // envelope (a Marketing Message API code may come as the subcode of 100), falling back on
  // the transport outcome and the HTTP status.
  SendResult Classify(const TransportResult& result) const override;

 private:
  Platform platform_;
};

}  // namespace crier::channels
