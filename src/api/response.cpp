#include "api/response.h"

namespace crier::api {

int HttpStatus(ErrorCode code) {
  switch (code) {
    case ErrorCode::kInvalidArgument:
      return 400;
    case ErrorCode::kNotFound:
      return 404;
    case ErrorCode::kAlreadyExists:
      return 409;
    case ErrorCode::kFailedPrecondition:
      return 409;
    case ErrorCode::kUnauthenticated:
      return 401;
    case ErrorCode::kPermissionDenied:
      return 403;
    case ErrorCode::kUnavailable:
      return 503;
    case ErrorCode::kInternal:
      return 500;
  }
  return 500;
}

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
  net::Response response = JsonResponse(HttpStatus(error.code), body);
  if (error.code == ErrorCode::kUnauthenticated) {
    response.headers.emplace_back("WWW-Authenticate", "Bearer");
  }
  return response;
}

net::Response ErrorResponse(int status, std::string_view code, std::string_view message) {
  boost::json::object inner;
  inner["code"] = code;
  inner["message"] = message;
  boost::json::object body;
  body["error"] = std::move(inner);
  return JsonResponse(status, body);
}

}  // namespace crier::api
