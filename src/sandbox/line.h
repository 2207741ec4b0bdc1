// The LINE Messaging API as LINE plays it: `POST /v2/bot/message/push` and `/multicast`
// with a channel access token, `X-Line-Retry-Key` (a repeat of an accepted key within 24 h
// answers 409 with `X-Line-Accepted-Request-Id`; the key on any other endpoint answers 400),
// `X-Line-Request-Id` on every answer, request bodies checked against the spec and the limits
// of platforms.md 5.3, the monthly quota (`GET /v2/bot/message/quota` and
// `/quota/consumption`; 429 "You have reached your monthly limit." when a send would exceed
// it) and per-endpoint rate limits (429). Errors are LINE's `{"message","details"?}`.
//
// Followers come from the control API: a push to someone who never followed fails ("Failed
// to send messages"); a push to someone who blocked the account is accepted and not
// delivered, not charged; a multicast skips both silently. The quota month is the calendar
// month in Japan time.
//
// Thread-safe: one lock per instance.
#pragma once

#include <memory>

#include "core/clock.h"
#include "net/http.h"
#include "sandbox/common.h"
#include "sandbox/record.h"

namespace crier::sandbox::detail {

class LinePlatform {
 public:
  explicit LinePlatform(Recorder& recorder);
  ~LinePlatform();
  LinePlatform(const LinePlatform&) = delete;
  LinePlatform& operator=(const LinePlatform&) = delete;

  // Any request under /v2/bot/.
  net::Response Handle(const net::Request& request, Time now);
  // LINE's 5xx answer, for fault injection.
  static net::Response ServerError(int status);

  // --- Control endpoints (crier's envelope) ----------------------------------------------
  net::Response AddChannel(const net::Request& request, Time now);  // /__sandbox/line/channels
  net::Response AddFollowers(const net::Request& request);          // /__sandbox/line/followers

 private:
  class State;
  Recorder& recorder_;
  std::unique_ptr<State> state_;
};

}  // namespace crier::sandbox::detail
