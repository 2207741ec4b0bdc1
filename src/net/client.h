// A blocking HTTP client (libcurl easy) for the CLI, tests and the sandbox's outbound
// webhooks. Not for the send path: the dispatcher uses channels' multi transport.
// Thread-compatible: one HttpClient per thread.
#pragma once

#include <memory>
#include <string>

#include "core/result.h"
#include "net/http.h"

namespace crier::net {

struct ClientResponse {
  int status = 0;
  std::string body;
  Headers headers;
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

 private:
  void* curl_;  // CURL*, kept opaque so callers do not include curl.h
};

}  // namespace crier::net
