#include "cli/api_client.h"

#include <fmt/format.h>

#include <array>
#include <boost/json.hpp>
#include <utility>

namespace crier::cli {
namespace {

constexpr std::size_t kBodySnippet = 200;

std::string Snippet(std::string_view body) {
  std::string s(body.substr(0, kBodySnippet));
  for (char& c : s) {
    if (c == '\n' || c == '\r') c = ' ';
  }
  return body.size() > kBodySnippet ? s + "..." : s;
}

}  // namespace

ErrorCode ParseErrorCode(std::string_view code) {
  static constexpr std::array<std::pair<std::string_view, ErrorCode>, 8> kCodes = {{
      {"invalid_argument", ErrorCode::kInvalidArgument},
      {"not_found", ErrorCode::kNotFound},
      {"already_exists", ErrorCode::kAlreadyExists},
      {"failed_precondition", ErrorCode::kFailedPrecondition},
      {"unauthenticated", ErrorCode::kUnauthenticated},
      {"permission_denied", ErrorCode::kPermissionDenied},
      {"unavailable", ErrorCode::kUnavailable},
      {"internal", ErrorCode::kInternal},
  }};
  for (const auto& [name, value] : kCodes) {
    if (name == code) return value;
  }
  return ErrorCode::kInternal;
}

std::string ConnectionFailedMessage(const std::string& url, const std::string& detail) {
  return fmt::format(
      "could not reach the crier server at {} ({}). Is it running? Start it with `crier serve "
      "--db crier.db`, or point the CLI at it with --url or CRIER_URL",
      url, detail);
}

Result<boost::json::value> InterpretResponse(const net::ClientResponse& response,
                                             bool crier_errors) {
  boost::system::error_code ec;
  boost::json::value doc;
  if (!response.body.empty()) doc = boost::json::parse(response.body, ec);
  if (response.status >= 200 && response.status < 300) {
    if (ec) return Internal("the server answered with invalid JSON: " + Snippet(response.body));
    return doc;
  }
  if (crier_errors && !ec && doc.is_object()) {
    if (const auto* err = doc.get_object().if_contains("error"); err && err->is_object()) {
      const auto& e = err->get_object();
      Error out;
      if (const auto* code = e.if_contains("code"); code && code->is_string()) {
        out.code = ParseErrorCode(code->get_string());
      }
      if (const auto* msg = e.if_contains("message"); msg && msg->is_string()) {
        out.message = std::string(msg->get_string());
      }
      if (const auto* field = e.if_contains("field"); field && field->is_string()) {
        out.field = std::string(field->get_string());
      }
      if (out.message.empty()) out.message = fmt::format("HTTP {}", response.status);
      return out;
    }
  }
  ErrorCode code = ErrorCode::kInternal;
  if (response.status == 401) code = ErrorCode::kUnauthenticated;
  if (response.status == 404) code = ErrorCode::kNotFound;
  if (response.status == 409) code = ErrorCode::kAlreadyExists;
  if (response.status == 400 || response.status == 413) code = ErrorCode::kInvalidArgument;
  if (response.status == 503) code = ErrorCode::kUnavailable;
  std::string message = fmt::format("HTTP {}", response.status);
  if (response.status == 413) message += " (request body too large)";
  if (!response.body.empty()) message += ": " + Snippet(response.body);
  return Error{code, std::move(message), {}};
}

ApiClient::ApiClient(CliConfig config) : config_(std::move(config)) {}

Result<boost::json::value> ApiClient::Get(const std::string& path) {
  return Call("GET", path, {}, {});
}

Result<boost::json::value> ApiClient::Post(const std::string& path,
                                           const boost::json::value& body) {
  return Call("POST", path, boost::json::serialize(body), "application/json");
}

Result<boost::json::value> ApiClient::PostRaw(const std::string& path, const std::string& body,
                                              std::string_view content_type) {
  return Call("POST", path, body, content_type);
}

Result<boost::json::value> ApiClient::Patch(const std::string& path,
                                            const boost::json::value& body) {
  return Call("PATCH", path, boost::json::serialize(body), "application/json");
}

Result<boost::json::value> ApiClient::Delete(const std::string& path) {
  return Call("DELETE", path, {}, {});
}

Status ApiClient::PostStreamed(const std::string& path, const boost::json::value& body,
                               const std::function<void(const net::Headers&)>& on_headers,
                               const net::BodySink& sink) {
  net::StreamRequest request;
  request.method = "POST";
  request.url = config_.url + path;
  request.headers = {{"Authorization", "Bearer " + config_.api_key},
                     {"Content-Type", "application/json"}};
  request.body = boost::json::serialize(body);
  request.sink = sink;
  bool answered = false;
  request.on_head = [&](int status, const net::Headers& headers) {
    answered = true;
    if (status >= 200 && status < 300 && on_headers) on_headers(headers);
  };
  // The server may think a while before the first byte (a CSV export reads its audience
  // once to find the columns): what fails a transfer is silence this long, not its length.
  request.stall_timeout_ms = kRequestTimeoutMs;
  auto response = http_.Stream(request);
  last_body_.clear();
  if (!response.ok()) {
    if (response.error().code != ErrorCode::kUnavailable) return response.error();  // the sink's
    if (!answered) {
      return Error{ErrorCode::kUnavailable,
                   ConnectionFailedMessage(config_.url, response.error().message),
                   {}};
    }
    return Error{ErrorCode::kUnavailable,
                 "the server's answer broke off before its end (" + response.error().message +
                     "); the server's log says why",
                 {}};
  }
  last_body_ = response->body;
  auto answer = InterpretResponse(*response, /*crier_errors=*/true);
  if (!answer.ok()) return answer.error();
  return Status::Ok();
}

Result<boost::json::value> ApiClient::Call(std::string_view method, const std::string& path,
                                           const std::string& body, std::string_view content_type) {
  net::Headers headers{{"Authorization", "Bearer " + config_.api_key},
                       {"Accept", "application/json"}};
  if (!content_type.empty()) headers.emplace_back("Content-Type", std::string(content_type));
  auto response = http_.Send(method, config_.url + path, headers, body, kRequestTimeoutMs);
  last_body_.clear();
  if (!response.ok()) {
    return Error{ErrorCode::kUnavailable,
                 ConnectionFailedMessage(config_.url, response.error().message),
                 {}};
  }
  last_body_ = response->body;
  return InterpretResponse(*response, /*crier_errors=*/true);
}

}  // namespace crier::cli
