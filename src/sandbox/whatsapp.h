// The WhatsApp Cloud API as Meta plays it: `POST /{version}/{phone-number-id}/messages`
// with a bearer token, every message type's request shape checked against the OpenAPI spec,
// templates checked against what their WABA registered, and the send rules of platforms.md
// 8.3 enforced as of the sandbox's clock: the 24 h customer service window, opt-in,
// marketing STOP, the +1 marketing block from 2025-04-01, throughput per number, the pair
// rate, and the business portfolio's messaging limit. Answers are Graph's success body and
// error envelope with WhatsApp's codes and `error_data.details` (whatsapp_rules.h).
//
// Control handlers register phone numbers (with their WABA, business portfolio and token),
// portfolios' messaging limits, templates per WABA and recipients per phone number.
//
// Thread-safe: one lock per instance; a send holds it for its checks and counters.
#pragma once

#include <functional>
#include <memory>
#include <string_view>

#include "core/clock.h"
#include "net/http.h"
#include "sandbox/common.h"
#include "sandbox/record.h"

namespace crier::sandbox::detail {

class WhatsAppPlatform {
 public:
  explicit WhatsAppPlatform(Recorder& recorder);
  ~WhatsAppPlatform();
  WhatsAppPlatform(const WhatsAppPlatform&) = delete;
  WhatsAppPlatform& operator=(const WhatsAppPlatform&) = delete;

  bool HasPhoneNumber(std::string_view id) const;

  // POST /{version}/{phone-number-id}/messages.
  net::Response HandleSend(const net::Request& request, std::string_view phone_number_id, Time now);
  // A Cloud API 5xx (131000, or 131016 for 503), for fault injection.
  static net::Response ServerError(int status);

  // --- Control endpoints (crier's envelope) ----------------------------------------------
  // POST /__sandbox/whatsapp/phone_numbers. `graph_id_taken`: a Page already has the id.
  net::Response AddPhoneNumber(const net::Request& request,
                               const std::function<bool(std::string_view)>& graph_id_taken,
                               Time now);
  net::Response AddBusiness(const net::Request& request);   // /__sandbox/whatsapp/businesses
  net::Response AddTemplates(const net::Request& request);  // /__sandbox/whatsapp/templates
  net::Response AddContacts(const net::Request& request);   // /__sandbox/whatsapp/contacts

 private:
  class State;
  Recorder& recorder_;
  std::unique_ptr<State> state_;
};

}  // namespace crier::sandbox::detail
