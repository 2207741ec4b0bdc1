// Sandbox: an in-process stand-in for the send APIs of Messenger, Instagram, WhatsApp Cloud
// API and LINE, plus loopback control endpoints under `/__sandbox/` that tests use to
// register accounts and recipients, read back what was accepted, move the sandbox's clock
// and inject faults.
//
// It checks a request the way the platform does — credentials, request shape, the rules in
// force at the sandbox's own date (windows, dated tags and programmes, tokens and their
// cool-downs, templates, opt-ins and STOPs, quotas and rate limits) — and answers with the
// platform's own success and error shapes. Each platform lives in its own file
// (graph_send, whatsapp, line) with its facts beside it (graph_rules.h, whatsapp_rules.h,
// line_rules.h). It shares no code with crier's send path on purpose: it is the platform's
// point of view.
//
// Thread-safety: Handle() may be called concurrently from any number of threads.
#pragma once

#include <memory>
#include <string_view>

#include "core/clock.h"
#include "core/result.h"
#include "net/http.h"
#include "sandbox/faults.h"
#include "sandbox/webhooks.h"

namespace crier::sandbox {

class Sandbox {
 public:
  // `clock` is borrowed and must outlive the sandbox. The sandbox's time is the clock's time
  // plus an offset set through `POST /__sandbox/clock` (zero at start). `poster` sends the
  // webhooks of `POST /__sandbox/webhooks/press` (default: over HTTP).
  explicit Sandbox(const Clock& clock, WebhookPoster poster = HttpWebhookPoster());
  ~Sandbox();
  Sandbox(const Sandbox&) = delete;
  Sandbox& operator=(const Sandbox&) = delete;

  // Answers one HTTP request. Never throws; every failure is an HTTP answer:
  // - Graph routes (Messenger, Instagram, WhatsApp, the Marketing Message API) answer the
  //   platform's success body or Graph's envelope
  //   `{"error":{"message","type","code","error_subcode"?,"error_data"?,"fbtrace_id"}}`.
  // - LINE routes (`/v2/bot/...`) answer LINE's bodies, errors as `{"message","details"?}`,
  //   always with `X-Line-Request-Id`.
  // - `/__sandbox/...` routes answer crier's envelope `{"error":{"code","message","field"?}}`
  //   with 400/404/405/409 on bad input.
  // An injected fault shows in the response: `delay_ms` (latency, or an answer held past the
  // client's timeout), `close_without_answer`, or a platform 5xx. The server applies them.
  net::Response Handle(const net::Request& request);

  // Sets the faults for one platform ("messenger", "instagram", "whatsapp", "line") or for
  // all of them ("all"), as `POST /__sandbox/faults` does. Fails naming the field at fault.
  Status SetFaults(std::string_view scope, const FaultSpec& spec);

  // The sandbox's current time (the clock plus the offset).
  Time Now() const;

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace crier::sandbox
