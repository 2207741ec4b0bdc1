// Plain HTTP request/response values shared by the server (Beast) and the client (libcurl),
// so that the API and the sandbox never see Beast or curl types.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/result.h"

namespace crier::net {

using Headers = std::vector<std::pair<std::string, std::string>>;

// Case-insensitive header lookup.
std::optional<std::string_view> FindHeader(const Headers& headers, std::string_view name);

struct Request {
  std::string method;  // "GET", "POST", ...
  std::string target;  // raw request target, e.g. "/v1/contacts?limit=10"
  std::string path;    // percent-decoded path, e.g. "/v1/contacts"
  std::vector<std::pair<std::string, std::string>> query;  // decoded, in order
  Headers headers;
  std::string body;
  std::string remote_address;

  std::optional<std::string_view> header(std::string_view name) const {
    return FindHeader(headers, name);
  }
  std::optional<std::string_view> query_param(std::string_view name) const;
  // Sets `target` and the decoded `path` and `query` read from it.
  void SetTarget(std::string raw_target);
};

struct Response {
  int status = 200;
  std::string content_type = "application/json";
  std::string body;
  Headers headers;  // extra headers
  // The server holds the answer this long before writing it, without holding a thread: a
  // stand-in platform's injected latency, or an answer kept past the client's timeout.
  int delay_ms = 0;
  // After the delay, the server closes the connection instead of answering (a dropped call).
  bool close_without_answer = false;

  static Response Json(int status, std::string body) {
    return {status, "application/json", std::move(body), {}};
  }
  static Response Text(int status, std::string body, std::string type = "text/plain") {
    return {status, std::move(type), std::move(body), {}};
  }
};

// The HTTP status for an error code: the one place where codes meet statuses.
int HttpStatus(ErrorCode code);

// Splits "/a/b/c" into {"a","b","c"}.
std::vector<std::string_view> SplitPath(std::string_view path);

}  // namespace crier::net
