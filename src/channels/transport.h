// Transport: the outbound HTTP seam of the send path. The dispatcher starts requests and
// polls for completions from a single thread; the implementation keeps connections alive and
// bounds what is in flight. Fault-injecting wrappers implement the same interface.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/result.h"
#include "net/http.h"

namespace crier::channels {

struct OutboundRequest {
  std::string method = "POST";
  std::string url;
  net::Headers headers;
  std::string body;
};

struct TransportResult {
  std::uint64_t tag = 0;  // the caller's tag given to Start
  int status = 0;         // HTTP status; 0 when no answer came
  std::string body;
  net::Headers headers;         // response headers (Retry-After, X-Line-Request-Id, ...)
  std::string transport_error;  // non-empty when no HTTP answer came (refused, timeout)
  bool timed_out = false;
  // Whether any byte of the request reached the wire. A failure with request_sent == false
  // (refused, unresolvable, connect timeout) proves the platform never saw the request; with
  // request_sent == true the platform may have acted on it, so retrying could send twice.
  bool request_sent = false;
  std::chrono::nanoseconds elapsed{0};
};

struct TransportOptions {
  int max_in_flight = 64;             // requests in flight at once over all hosts
  int max_connections_per_host = 64;  // keep-alive pool size per host
  int connect_timeout_ms = 5000;
  int request_timeout_ms = 30000;
  bool http2 = true;  // use HTTP/2 over TLS when the server offers it
};

// Single-threaded: Start and Poll are called from one thread (the dispatcher's).
class Transport {
 public:
  virtual ~Transport() = default;
  // Queues a request. The result comes back from Poll with the same tag. Never blocks.
  virtual void Start(std::uint64_t tag, OutboundRequest request) = 0;
  // Drives IO for at most `max_wait` and appends finished requests to `done`.
  virtual void Poll(std::chrono::milliseconds max_wait, std::vector<TransportResult>& done) = 0;
  virtual int in_flight() const = 0;
};

// The libcurl multi implementation.
Result<std::unique_ptr<Transport>> MakeCurlTransport(const TransportOptions& options);

}  // namespace crier::channels
