// What every platform the sandbox plays shares: platform names, JSON field access, crier's
// control-plane error envelope (for `/__sandbox/...`) and Graph's error envelope (Messenger,
// Instagram and WhatsApp answer in it). Internal to the sandbox.
#pragma once

#include <array>
#include <boost/json.hpp>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>

#include "core/clock.h"
#include "core/result.h"
#include "net/http.h"

namespace crier::sandbox {

enum class Platform { kMessenger, kInstagram, kWhatsApp, kLine };
inline constexpr std::array<Platform, 4> kPlatforms = {Platform::kMessenger, Platform::kInstagram,
                                                       Platform::kWhatsApp, Platform::kLine};
std::string_view PlatformName(Platform p);
std::optional<Platform> ParsePlatform(std::string_view name);

namespace detail {

namespace json = boost::json;

// Lets maps keyed by std::string be searched with a string_view without allocating.
struct StringHash {
  using is_transparent = void;
  std::size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
};
template <class V>
using StringMap = std::unordered_map<std::string, V, StringHash, std::equal_to<>>;
using StringSet = std::unordered_set<std::string, StringHash, std::equal_to<>>;

// Absent and null are the same to every platform played here.
const json::value* Field(const json::object& o, std::string_view key);
// A JSON value that names an object or a user: a non-empty string or a positive integer.
std::optional<std::string> IdString(const json::value* v);
std::string Quoted(std::string_view s);

// Unicode code points of UTF-8 text (Graph's and WhatsApp's "characters").
std::size_t CountCodePoints(std::string_view utf8);
// UTF-16 code units of UTF-8 text (LINE's "characters": a character outside the BMP is two).
std::size_t CountUtf16Units(std::string_view utf8);

std::string RandomToken(std::size_t n);  // letters and digits
std::string RandomUuid();                // version 4, lower-case hex with dashes
bool IsUuid(std::string_view s);         // 8-4-4-4-12 hexadecimal digits
bool IsDigits(std::string_view s);

// The bearer token of `Authorization: Bearer|OAuth <token>`, or empty.
std::string_view AuthorizationToken(const net::Request& request);

// --- crier's envelope for the control plane: {"error":{"code","message","field"?}} --------
net::Response ControlError(int status, std::string_view code, std::string_view message,
                           std::string_view field = {});
net::Response ControlError(const Error& e);
net::Response JsonOk(int status, const json::object& body);
inline net::Response WrongMethod() {
  return ControlError(405, "method_not_allowed", "method not allowed on this route");
}

// Reads a control request body; `field` errors name the JSON path ("contacts[2].wa_id").
Result<json::object> ParseControlBody(const std::string& body);
Result<std::string> RequiredString(const json::object& o, std::string_view key,
                                   const std::string& path = {});
Result<std::string> RequiredId(const json::object& o, std::string_view key,
                               const std::string& path = {});
// An RFC 3339 time or null/absent (nullopt).
Result<std::optional<Time>> OptionalTime(const json::object& o, std::string_view key,
                                         const std::string& path = {});
Result<bool> OptionalBool(const json::object& o, std::string_view key, bool fallback,
                          const std::string& path = {});
Result<std::int64_t> OptionalInt(const json::object& o, std::string_view key, std::int64_t fallback,
                                 std::int64_t min, std::int64_t max, const std::string& path = {});
// A message template's review status, as Meta names it on Messenger and WhatsApp alike.
enum class TemplateStatus { kApproved, kPending, kRejected, kPaused, kDisabled };
// The template status at `key` ("APPROVED", ...); kApproved when absent.
Result<TemplateStatus> OptionalTemplateStatus(const json::object& o, std::string_view key,
                                              const std::string& path);
// The rows of an array field, each an object; the error names the first bad row.
Result<const json::array*> RequiredArrayOfObjects(const json::object& o, std::string_view key);
std::string Join(const std::string& path, std::string_view key);  // "a[1]" + "b" -> "a[1].b"

// Parses an optional integer query parameter; `fallback` when absent.
Result<std::int64_t> QueryInt(const net::Request& request, std::string_view name,
                              std::int64_t fallback, std::int64_t min, std::int64_t max,
                              std::string_view message);

// --- Graph's envelope ----------------------------------------------------------------------
// {"error":{"message","type","code","error_subcode"?,"error_data"?,"error_user_title"?,
//  "error_user_msg"?,"is_transient"?,"fbtrace_id"}}
struct GraphError {
  int code = 100;
  int subcode = 0;  // 0: none
  std::string message;
  std::string_view type = "OAuthException";
  int http_status = 400;
  std::string details;     // WhatsApp: error_data.details (with messaging_product)
  std::string user_title;  // error_user_title, when Graph gives one
  std::string user_msg;    // error_user_msg
  bool transient = false;  // is_transient: true
};
net::Response GraphErrorResponse(const GraphError& e);
// How refusals are counted in the stats: "10/2018278", or "190" without a subcode.
std::string GraphErrorKey(const GraphError& e);

}  // namespace detail
}  // namespace crier::sandbox
