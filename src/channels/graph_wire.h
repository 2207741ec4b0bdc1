// Wire helpers shared by the adapters: path-segment encoding, Retry-After, secret scrubbing
// and the Graph error envelope that Messenger, Instagram and WhatsApp share.
#pragma once

#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>

#include <boost/json/fwd.hpp>

#include "channels/adapter.h"
#include "core/clock.h"
#include "net/http.h"

namespace crier::channels {

// Limits of what a platform error may put into a delivery record.
inline constexpr std::size_t kMaxErrorMessageBytes = 1000;
// A Retry-After longer than this is taken as this: a bad header must not park an account.
inline constexpr Duration kMaxRetryAfter = std::chrono::hours(24);

// `text` with anything that looks like a credential replaced by "[redacted]", cut to
// kMaxErrorMessageBytes on a UTF-8 boundary. Platform messages can quote a request back, so
// every text bound for a delivery record, a report or a log goes through this.
std::string ScrubSecrets(std::string_view text);

// Appends `segment` percent-encoding everything but RFC 3986 unreserved characters, so an
// odd id can never change the path or add a query.
void AppendPathSegment(std::string& out, std::string_view segment);

// `base` (trailing slashes dropped) + "/" + each segment, encoded.
std::string JoinUrl(std::string_view base, std::initializer_list<std::string_view> segments);

// An integer from a JSON number or a decimal string; nullopt otherwise (or when null).
std::optional<std::int64_t> JsonInt(const boost::json::value* v);

// Retry-After in seconds, capped at kMaxRetryAfter; nullopt when absent or not a number (an
// HTTP-date would need the clock; the caller's own backoff covers that rare case).
std::optional<Duration> ParseRetryAfter(const net::Headers& headers);

// Graph's business-use-case throttle header says how many minutes until access comes back:
// {"<id>":[{"type":"messenger","estimated_time_to_regain_access":5,...}]}.
std::optional<Duration> ParseBusinessUseCaseWait(const net::Headers& headers);

// The outcome of a request that got no HTTP answer (refused, reset, timed out), or nullopt
// when an answer came. Without an idempotency key only a request that never reached the wire
// may go again; with one the platform honours (LINE's retry key), any may.
std::optional<SendResult> NoAnswerResult(const TransportResult& result, bool idempotent);

// The fields of a Graph error envelope {"error":{"message","code","error_subcode",
// "error_data":{"details"}}}.
struct GraphError {
  std::int64_t code = 0;
  std::int64_t subcode = 0;  // 0 when absent
  std::string message;       // scrubbed; the details appended when Graph gives them
};
// The error of a Graph answer body, or nullopt when the body has no error with a code.
std::optional<GraphError> ParseGraphError(const boost::json::value& doc);

}  // namespace crier::channels
