// Building the API's responses: JSON bodies, and the one error body used everywhere:
//   {"error":{"code":"invalid_argument","message":"...","field":"messages[0].text"}}
#pragma once

#include <boost/json.hpp>
#include <cstddef>
#include <string_view>

#include "core/result.h"
#include "net/http.h"

namespace crier::api {

net::Response JsonResponse(int status, const boost::json::value& body);

// An error response whose status follows from error.code.
net::Response ErrorResponse(const Error& error);

// An error response with an explicit status and a code outside ErrorCode (e.g. 405
// "method_not_allowed"), for conditions of the protocol rather than of the domain.
net::Response ErrorResponse(int status, std::string_view code, std::string_view message);

// The same with a field and further members of the error object, for refusals that carry
// details (the guard's 422 adds "hits").
net::Response ErrorResponse(int status, std::string_view code, std::string_view message,
                            std::string_view field, boost::json::object details);

// 413 for a body over `limit` bytes: "<what> too large: at most <limit> bytes of JSON".
// Callers check the size before parsing, so that a huge body is refused unread.
net::Response TooLarge(std::size_t limit, std::string_view what = "request body");

}  // namespace crier::api
