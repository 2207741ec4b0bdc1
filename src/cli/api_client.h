// A blocking client for crier's REST API as the CLI uses it: JSON in, JSON out, API errors and
// connection failures turned into crier::Error values with messages fit for a terminal.
//
// Thread-compatible: one ApiClient per thread.
#pragma once

#include <boost/json/value.hpp>
#include <functional>
#include <string>
#include <string_view>

#include "cli/config.h"
#include "core/result.h"
#include "net/client.h"

namespace crier::cli {

// Long enough for planning a large run, which the send request does before answering.
inline constexpr int kRequestTimeoutMs = 10 * 60 * 1000;

class ApiClient {
 public:
  explicit ApiClient(CliConfig config);

  // `path` starts with '/' and may carry a query. On a 2xx answer returns the parsed body
  // (null when empty). An API error comes back with the server's code, message and field;
  // no answer at all comes back as kUnavailable with a message naming the URL and saying how
  // to start the server.
  Result<boost::json::value> Get(const std::string& path);
  Result<boost::json::value> Post(const std::string& path, const boost::json::value& body);
  Result<boost::json::value> PostRaw(const std::string& path, const std::string& body,
                                     std::string_view content_type);
  Result<boost::json::value> Patch(const std::string& path, const boost::json::value& body);
  Result<boost::json::value> Delete(const std::string& path);

  // POSTs `body` and hands a 2xx answer's body to `sink` as it arrives, never holding it
  // whole; `on_headers` sees that answer's headers first. API errors and an unreachable
  // server come back as Post's do; a transfer that breaks off after the answer began fails
  // with kUnavailable saying so, and a failing sink stops the transfer with its error.
  Status PostStreamed(const std::string& path, const boost::json::value& body,
                      const std::function<void(const net::Headers&)>& on_headers,
                      const net::BodySink& sink);

  // The raw body of the last answer, printed as is by --json.
  const std::string& last_body() const { return last_body_; }
  const std::string& url() const { return config_.url; }

 private:
  Result<boost::json::value> Call(std::string_view method, const std::string& path,
                                  const std::string& body, std::string_view content_type);

  net::HttpClient http_;
  CliConfig config_;
  std::string last_body_;
};

// Interprets one HTTP answer. With `crier_errors`, a non-2xx body is read as crier's error
// envelope {"error":{"code","message","field"}}; otherwise (the sandbox, other services) the
// error message quotes the status and the start of the body.
Result<boost::json::value> InterpretResponse(const net::ClientResponse& response,
                                             bool crier_errors);

// Maps a REST error code ("invalid_argument", ...) back to an ErrorCode; kInternal if unknown.
ErrorCode ParseErrorCode(std::string_view code);

// The message for a server that did not answer.
std::string ConnectionFailedMessage(const std::string& url, const std::string& detail);

}  // namespace crier::cli
