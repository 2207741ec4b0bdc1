// What people do that comes back to crier through the platforms' webhooks (PRODUCT.md J), as
// values: the webhooks module parses raw bodies into these, the store applies them.
#pragma once

#include <string>

#include "core/clock.h"
#include "core/model.h"

namespace crier {

// One press of a button crier sent (a quick reply, a postback button, a WhatsApp template
// quick reply or interactive reply, a LINE postback action).
struct ButtonPress {
  Platform platform = Platform::kMessenger;
  // The account's platform id the event was delivered for: Messenger's Page id, Instagram's
  // account id (both entry[].id), WhatsApp's phone-number id (value.metadata.phone_number_id),
  // LINE's bot user id (destination). A channel account's `external_id`.
  std::string account_platform_id;
  std::string user_id;  // PSID, IGSID, WhatsApp id, LINE user id
  std::string payload;  // what the button was sent with ("crier:subscribe", a bot flow's id)
  // The platform's id of the event (mid, wamid, webhookEventId), the key that makes a
  // redelivered webhook change nothing.
  std::string event_id;
  Time time{};  // when the person pressed, by the platform's clock
  friend bool operator==(const ButtonPress&, const ButtonPress&) = default;
};

}  // namespace crier
