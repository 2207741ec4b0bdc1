// A blocking HTTP client (libcurl easy) for the CLI, tests and the sandbox's outbound
// webhooks. Not for the send path: the dispatcher uses channels' multi transport.
// Thread-compatible: one HttpClient per thread.
#pragma once

#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "core/result.h"
#include "net/http.h"

namespace crier::net {

struct ClientResponse {
  int status = 0;
  std::string body;
  Headers headers;
};

// A request or response body moved piece by piece (HttpClient::Stream).
//  - BodySource fills `buffer` with up to `size` bytes of the request body and returns how
//    many it wrote, 0 at the end; an error aborts the request.
//  - BodySink takes the next piece of a 2xx response body; an error aborts the transfer.
using BodySource = std::function<Result<std::size_t>(char* buffer, std::size_t size)>;
using BodySink = std::function<Status(std::string_view piece)>;

struct StreamRequest {
  std::string method = "POST";
  std::string url;
  Headers headers;
  std::string body;   // sent as is when `source` is not set
  BodySource source;  // optional: the body, sent with chunked transfer-encoding
  BodySink sink;      // optional: receives a 2xx body instead of ClientResponse::body
  // Optional: told the answer's status and headers once they are in, before any of its body.
  std::function<void(int status, const Headers& headers)> on_head;
  int connect_timeout_ms = 10000;
  // The transfer fails when no byte moves either way for this long; there is no limit on
  // its total duration, since a large import or export may take minutes.
  int stall_timeout_ms = 60000;
};

class HttpClient {
 public:
  HttpClient();
  ~HttpClient();
  HttpClient(const HttpClient&) = delete;
  HttpClient& operator=(const HttpClient&) = delete;

  // Fails with kUnavailable when no HTTP answer came (refused, timed out, ...).
  Result<ClientResponse> Send(std::string_view method, const std::string& url,
                              const Headers& headers = {}, const std::string& body = {},
                              int timeout_ms = 30000);
  Result<ClientResponse> Get(const std::string& url, const Headers& headers = {}) {
    return Send("GET", url, headers);
  }
  Result<ClientResponse> Post(const std::string& url, const std::string& body,
                              const Headers& headers = {}) {
    return Send("POST", url, headers, body);
  }

  // A request whose body and answer need not fit in memory. A 2xx body goes to `sink` as it
  // arrives (ClientResponse::body stays empty); any other answer's body is kept in
  // ClientResponse::body (its first 64 KiB), since it is an error to read. Fails with
  // kUnavailable when no HTTP answer came or the transfer broke off (including a response
  // cut short by the server), and with the source's or the sink's error when one failed.
  Result<ClientResponse> Stream(const StreamRequest& request);

 private:
  void* curl_;  // CURL*, kept opaque so callers do not include curl.h
};

}  // namespace crier::net
