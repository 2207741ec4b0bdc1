#include "sandbox/common.h"

#include <strings.h>

#include <algorithm>
#include <array>
#include <charconv>
#include <random>

namespace crier::sandbox {

std::string_view PlatformName(Platform p) {
  switch (p) {
    case Platform::kMessenger:
      return "messenger";
    case Platform::kInstagram:
      return "instagram";
    case Platform::kWhatsApp:
      return "whatsapp";
    case Platform::kLine:
      return "line";
  }
  return "messenger";
}

std::optional<Platform> ParsePlatform(std::string_view name) {
  for (Platform p : kPlatforms) {
    if (PlatformName(p) == name) return p;
  }
  return std::nullopt;
}

namespace detail {

const json::value* Field(const json::object& o, std::string_view key) {
  const json::value* v = o.if_contains(key);
  return v == nullptr || v->is_null() ? nullptr : v;
}

std::optional<std::string> IdString(const json::value* v) {
  if (v == nullptr) return std::nullopt;
  if (v->is_string() && !v->get_string().empty()) return std::string(v->get_string());
  if (v->is_int64() && v->get_int64() > 0) return std::to_string(v->get_int64());
  if (v->is_uint64()) return std::to_string(v->get_uint64());
  return std::nullopt;
}

std::string Quoted(std::string_view s) { return json::serialize(json::string(s)); }

std::size_t CountCodePoints(std::string_view s) {
  return static_cast<std::size_t>(std::count_if(
      s.begin(), s.end(), [](char c) { return (static_cast<unsigned char>(c) & 0xC0) != 0x80; }));
}

std::size_t CountUtf16Units(std::string_view s) {
  std::size_t units = 0;
  for (char c : s) {
    const auto b = static_cast<unsigned char>(c);
    if ((b & 0xC0) == 0x80) continue;  // continuation byte
    units += (b >= 0xF0) ? 2 : 1;      // four-byte sequences are surrogate pairs in UTF-16
  }
  return units;
}

namespace {
std::mt19937_64& Rng() {
  thread_local std::mt19937_64 rng{std::random_device{}()};
  return rng;
}
bool IsHex(char c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}
}  // namespace

std::string RandomToken(std::size_t n) {
  static constexpr std::string_view kAlphabet =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
  std::string out(n, ' ');
  for (auto& c : out) c = kAlphabet[Rng()() % kAlphabet.size()];
  return out;
}

std::string RandomUuid() {
  static constexpr std::string_view kHex = "0123456789abcdef";
  std::string out(36, '-');
  for (std::size_t i = 0; i < out.size(); ++i) {
    if (i == 8 || i == 13 || i == 18 || i == 23) continue;
    out[i] = kHex[Rng()() % 16];
  }
  out[14] = '4';                    // version 4
  out[19] = kHex[8 + Rng()() % 4];  // variant 10xx
  return out;
}

bool IsUuid(std::string_view s) {
  if (s.size() != 36) return false;
  for (std::size_t i = 0; i < s.size(); ++i) {
    const bool dash = i == 8 || i == 13 || i == 18 || i == 23;
    if (dash ? s[i] != '-' : !IsHex(s[i])) return false;
  }
  return true;
}

bool IsDigits(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

std::string_view AuthorizationToken(const net::Request& request) {
  auto header = request.header("Authorization");
  if (!header) return {};
  for (std::string_view scheme : {std::string_view("Bearer "), std::string_view("OAuth ")}) {
    if (header->size() > scheme.size() &&
        strncasecmp(header->data(), scheme.data(), scheme.size()) == 0) {
      std::string_view token = header->substr(scheme.size());
      while (!token.empty() && token.front() == ' ') token.remove_prefix(1);
      while (!token.empty() && token.back() == ' ') token.remove_suffix(1);
      return token;
    }
  }
  return {};
}

net::Response ControlError(int status, std::string_view code, std::string_view message,
                           std::string_view field) {
  json::object err;
  err["code"] = code;
  err["message"] = message;
  if (!field.empty()) err["field"] = field;
  json::object root;
  root["error"] = std::move(err);
  return net::Response::Json(status, json::serialize(root));
}

net::Response ControlError(const Error& e) {
  return ControlError(net::HttpStatus(e.code), crier::ToString(e.code), e.message, e.field);
}

net::Response JsonOk(int status, const json::object& body) {
  return net::Response::Json(status, json::serialize(body));
}

Result<json::object> ParseControlBody(const std::string& body) {
  json::error_code ec;
  json::value v = json::parse(body, ec);
  if (ec || !v.is_object()) return InvalidArgument("", "body must be a JSON object");
  return std::move(v.get_object());
}

std::string Join(const std::string& path, std::string_view key) {
  if (path.empty()) return std::string(key);
  return path + "." + std::string(key);
}

Result<std::string> RequiredString(const json::object& o, std::string_view key,
                                   const std::string& path) {
  const json::value* v = Field(o, key);
  if (v == nullptr || !v->is_string() || v->get_string().empty()) {
    return InvalidArgument(Join(path, key), "required, a non-empty string");
  }
  return std::string(v->get_string());
}

Result<std::string> RequiredId(const json::object& o, std::string_view key,
                               const std::string& path) {
  auto id = IdString(Field(o, key));
  if (!id) {
    return InvalidArgument(Join(path, key), "required, a non-empty string or a positive integer");
  }
  return std::move(*id);
}

Result<std::optional<Time>> OptionalTime(const json::object& o, std::string_view key,
                                         const std::string& path) {
  const json::value* v = Field(o, key);
  if (v == nullptr) return std::optional<Time>();
  Time t;
  if (!v->is_string() || !ParseRfc3339(v->get_string(), &t)) {
    return InvalidArgument(Join(path, key), "must be an RFC 3339 time");
  }
  return std::optional<Time>(t);
}

Result<bool> OptionalBool(const json::object& o, std::string_view key, bool fallback,
                          const std::string& path) {
  const json::value* v = Field(o, key);
  if (v == nullptr) return fallback;
  if (!v->is_bool()) return InvalidArgument(Join(path, key), "must be true or false");
  return v->get_bool();
}

Result<TemplateStatus> OptionalTemplateStatus(const json::object& o, std::string_view key,
                                              const std::string& path) {
  static constexpr std::array<std::string_view, 5> kNames = {"APPROVED", "PENDING", "REJECTED",
                                                             "PAUSED", "DISABLED"};
  const json::value* v = Field(o, key);
  if (v == nullptr) return TemplateStatus::kApproved;
  const std::string_view s = v->is_string() ? std::string_view(v->get_string()) : "";
  const auto it = std::find(kNames.begin(), kNames.end(), s);
  if (it == kNames.end()) {
    return InvalidArgument(Join(path, key),
                           "must be APPROVED, PENDING, REJECTED, PAUSED or DISABLED");
  }
  return static_cast<TemplateStatus>(it - kNames.begin());
}

Result<std::int64_t> OptionalInt(const json::object& o, std::string_view key, std::int64_t fallback,
                                 std::int64_t min, std::int64_t max, const std::string& path) {
  const json::value* v = Field(o, key);
  if (v == nullptr) return fallback;
  std::optional<std::int64_t> n;
  if (v->is_int64()) n = v->get_int64();
  if (v->is_uint64() && v->get_uint64() <= static_cast<std::uint64_t>(INT64_MAX)) {
    n = static_cast<std::int64_t>(v->get_uint64());
  }
  if (!n || *n < min || *n > max) {
    return InvalidArgument(Join(path, key), "must be an integer from " + std::to_string(min) +
                                                " to " + std::to_string(max));
  }
  return *n;
}

Result<const json::array*> RequiredArrayOfObjects(const json::object& o, std::string_view key) {
  const json::value* list = Field(o, key);
  if (list == nullptr || !list->is_array()) {
    return InvalidArgument(std::string(key), "required, an array of objects");
  }
  const json::array& rows = list->get_array();
  for (std::size_t i = 0; i < rows.size(); ++i) {
    if (!rows[i].is_object()) {
      return InvalidArgument(std::string(key) + "[" + std::to_string(i) + "]", "must be an object");
    }
  }
  return &rows;
}

Result<std::int64_t> QueryInt(const net::Request& request, std::string_view name,
                              std::int64_t fallback, std::int64_t min, std::int64_t max,
                              std::string_view message) {
  auto raw = request.query_param(name);
  if (!raw || raw->empty()) return fallback;
  std::int64_t v = 0;
  auto [end, ec] = std::from_chars(raw->data(), raw->data() + raw->size(), v);
  if (ec != std::errc() || end != raw->data() + raw->size() || v < min || v > max) {
    return InvalidArgument(std::string(name), std::string(message));
  }
  return v;
}

net::Response GraphErrorResponse(const GraphError& e) {
  json::object err;
  err["message"] = e.message;
  err["type"] = e.type;
  err["code"] = e.code;
  if (e.subcode != 0) err["error_subcode"] = e.subcode;
  if (!e.details.empty()) {
    err["error_data"] = json::object{{"messaging_product", "whatsapp"}, {"details", e.details}};
  }
  if (!e.user_title.empty()) err["error_user_title"] = e.user_title;
  if (!e.user_msg.empty()) err["error_user_msg"] = e.user_msg;
  if (e.transient) err["is_transient"] = true;
  err["fbtrace_id"] = RandomToken(11);
  json::object root;
  root["error"] = std::move(err);
  auto response = net::Response::Json(e.http_status, json::serialize(root));
  if (e.code == 190) {
    response.headers.emplace_back(
        "WWW-Authenticate", "OAuth \"Facebook Platform\" \"invalid_token\" \"" + e.message + "\"");
  }
  return response;
}

std::string GraphErrorKey(const GraphError& e) {
  std::string key = std::to_string(e.code);
  if (e.subcode != 0) key += "/" + std::to_string(e.subcode);
  return key;
}

}  // namespace detail
}  // namespace crier::sandbox
