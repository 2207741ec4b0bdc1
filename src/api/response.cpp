#include "api/response.h"

#include <string>

namespace crier::api {

net::Response JsonResponse(int status, const boost::json::value& body) {
  return net::Response::Json(status, boost::json::serialize(body));
}

net::Response ErrorResponse(const Error& error) {
  boost::json::object inner;
  inner["code"] = ToString(error.code);
  inner["message"] = error.message;
  if (!error.field.empty()) inner["field"] = error.field;
  boost::json::object body;
  body["error"] = std::move(inner);
  net::Response response = JsonResponse(net::HttpStatus(error.code), body);
  if (error.code == ErrorCode::kUnauthenticated) {
    response.headers.emplace_back("WWW-Authenticate", "Bearer");
  }
  return response;
}

net::Response ErrorResponse(int status, std::string_view code, std::string_view message) {
  return ErrorResponse(status, code, message, {}, {});
}

net::Response ErrorResponse(int status, std::string_view code, std::string_view message,
                            std::string_view field, boost::json::object details) {
  boost::json::object inner;
  inner["code"] = code;
  inner["message"] = message;
  if (!field.empty()) inner["field"] = field;
  for (auto& [key, value] : details) inner[key] = std::move(value);
  boost::json::object body;
  body["error"] = std::move(inner);
  return JsonResponse(status, body);
}

net::Response TooLarge(std::size_t limit, std::string_view what) {
  return ErrorResponse(
      413, "payload_too_large",
      std::string(what) + " too large: at most " + std::to_string(limit) + " bytes of JSON");
}

}  // namespace crier::api
