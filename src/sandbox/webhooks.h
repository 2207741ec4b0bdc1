// Webhooks out of the sandbox (PRODUCT.md L6): `POST /__sandbox/webhooks/press` makes the
// sandbox play a person pressing a button, by POSTing the platform's own webhook for the
// press, signed as the platform signs it, to a crier URL on the loopback interface.
//
// The sandbox builds and signs these itself (OpenSSL's HMAC, its own JSON): it shares no code
// with crier's webhook parsers, so a test through it checks crier against the platform's
// shape rather than against crier's own reading of it.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <string>

#include "core/clock.h"
#include "core/result.h"
#include "net/client.h"
#include "net/http.h"

namespace crier::sandbox {

// Sends one webhook: the URL, the headers (signature, content type) and the body.
using WebhookPoster = std::function<Result<net::ClientResponse>(
    const std::string& url, const net::Headers& headers, const std::string& body)>;

// A poster that uses a blocking net::HttpClient per call.
WebhookPoster HttpWebhookPoster();

namespace detail {

class WebhookSender {
 public:
  explicit WebhookSender(WebhookPoster poster) : poster_(std::move(poster)) {}

  // POST /__sandbox/webhooks/press
  //   {"platform": messenger|instagram|whatsapp|line,
  //    "account": the Page / IG account / phone-number id, or LINE's bot user id,
  //    "user": PSID, IGSID, WhatsApp id or LINE user id, "payload": the button's payload,
  //    "secret": Meta's app secret or LINE's channel secret,
  //    "target": crier's webhook URL (http on 127.0.0.1, localhost or [::1] only),
  //    "kind"?: messenger/instagram postback (default) | quick_reply;
  //             whatsapp button (default, a template's quick reply) | button_reply | list_reply,
  //    "event_id"?: the platform's event id (default a new one; repeat it to redeliver),
  //    "at"?: when the person pressed (default the sandbox's now), "waba_id"?: WhatsApp}
  // -> 200 {"event_id", "status": crier's HTTP status, "response": crier's body (JSON when it
  // is), "webhook": the body sent}; 400 naming the field; 502 when crier did not answer.
  net::Response SendPress(const net::Request& request, Time now);

 private:
  WebhookPoster poster_;
  std::atomic<std::uint64_t> next_event_{1};
};

}  // namespace detail
}  // namespace crier::sandbox
