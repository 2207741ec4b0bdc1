#include "api/api.h"

#include <algorithm>
#include <cctype>
#include <exception>

#include "api/fields.h"
#include "api/limits.h"
#include "api/response.h"
#include "api/router.h"
#include "api/routes.h"

namespace crier::api {
namespace {

// The roles allowed to call the API. Finer roles (K1) will narrow this per route.
constexpr std::string_view kAdminRole = "admin";

const Router& TheRouter() {
  static const Router router = [] {
    std::vector<RouteSpec> specs;
    for (const ApiRoute& r : ApiRoutes()) specs.push_back({r.method, r.pattern});
    return Router(specs);
  }();
  return router;
}

// The token of "Authorization: Bearer <token>" (scheme case-insensitive), or empty.
std::string_view BearerToken(const net::Request& request) {
  const std::optional<std::string_view> header = request.header("Authorization");
  if (!header) return {};
  std::string_view h = *header;
  constexpr std::string_view kScheme = "bearer ";
  if (h.size() <= kScheme.size()) return {};
  for (std::size_t i = 0; i < kScheme.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(h[i])) != kScheme[i]) return {};
  }
  h.remove_prefix(kScheme.size());
  while (!h.empty() && (h.front() == ' ' || h.front() == '\t')) h.remove_prefix(1);
  while (!h.empty() && (h.back() == ' ' || h.back() == '\t')) h.remove_suffix(1);
  return h;
}

// OK when the request carries a known key whose role may use the API.
Status Authenticate(Store& store, const net::Request& request) {
  const std::string_view token = BearerToken(request);
  if (token.empty()) return Error{ErrorCode::kUnauthenticated, std::string(kMsgMissingKey), {}};
  // Only the hash is looked up, so no stored key is ever compared in plain text.
  auto key = store.FindApiKeyByHash(HashApiKey(token));
  if (!key.ok()) return key.error();
  if (!key->has_value()) {
    return Error{ErrorCode::kUnauthenticated, std::string(kMsgUnknownKey), {}};
  }
  if ((*key)->role != kAdminRole) {
    return Error{ErrorCode::kPermissionDenied, std::string(kMsgRoleDenied), {}};
  }
  return Status::Ok();
}

// The path parameter that is text rather than an id.
// Path parameters that are text, not ids: a tag's name, a click token and its link number.
constexpr std::string_view kTextParams[] = {"name", "token", "link"};

bool IsTextParam(std::string_view name) {
  return std::find(std::begin(kTextParams), std::end(kTextParams), name) != std::end(kTextParams);
}

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Percent-decodes a path segment ("big%20spender" -> "big spender").
Result<std::string> DecodeSegment(std::string_view name, std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '%') {
      out += text[i];
      continue;
    }
    const int hi = i + 2 < text.size() ? HexValue(text[i + 1]) : -1;
    const int lo = hi >= 0 ? HexValue(text[i + 2]) : -1;
    if (lo < 0) {
      return InvalidArgument(std::string(name), "path parameter has a malformed %-escape");
    }
    out += static_cast<char>(hi * 16 + lo);
    i += 2;
  }
  if (out.empty()) return InvalidArgument(std::string(name), "path parameter must not be empty");
  return out;
}

Result<std::vector<std::pair<std::string_view, std::string>>> ReadNames(const RouteMatch& match) {
  std::vector<std::pair<std::string_view, std::string>> names;
  for (const auto& [name, text] : match.params) {
    if (!IsTextParam(name)) continue;
    auto decoded = DecodeSegment(name, text);
    if (!decoded.ok()) return decoded.error();
    names.emplace_back(name, std::move(*decoded));
  }
  return names;
}

// The other path parameters are ids: positive integers.
Result<std::vector<std::pair<std::string_view, Id>>> ReadIds(const RouteMatch& match) {
  std::vector<std::pair<std::string_view, Id>> ids;
  for (const auto& [name, text] : match.params) {
    if (IsTextParam(name)) continue;
    Id id = 0;
    bool ok = !text.empty() && text.size() <= 18;
    for (char ch : text) {
      ok = ok && ch >= '0' && ch <= '9';
      if (ok) id = id * 10 + (ch - '0');
    }
    if (!ok || id <= 0) {
      return InvalidArgument(std::string(name),
                             "path parameter " + std::string(kMsgWantPositiveId));
    }
    ids.emplace_back(name, id);
  }
  return ids;
}

}  // namespace

Api::Api(Store& store, engine::Engine& engine, const Clock& clock)
    : Api(store, engine, clock, guard::AccountGuards::BuiltIn()) {}

Api::Api(Store& store, engine::Engine& engine, const Clock& clock,
         const guard::AccountGuards& guards)
    : store_(store), engine_(engine), clock_(clock), guards_(guards) {}

net::AdmitDecision Api::Admit(const net::Request& head) {
  net::AdmitDecision decision;
  try {
    const RouteMatch match = TheRouter().Find(head.method, head.path);
    const bool found = match.kind == RouteMatch::Kind::kFound;
    if (!found || ApiRoutes()[match.index].needs_key) {
      const Status auth = Authenticate(store_, head);
      if (!auth.ok()) {
        decision.refusal = ErrorResponse(auth.error());
        return decision;
      }
    }
    if (found && ApiRoutes()[match.index].streams) {
      decision.stream_body = true;
      decision.body_limit = kMaxStreamedBodyBytes;
    } else if (found && !ApiRoutes()[match.index].needs_key) {
      // Anyone may call these: what they may make the server hold is a webhook's worth.
      decision.body_limit = kMaxWebhookBodyBytes;
    }
  } catch (...) {
    decision.refusal = ErrorResponse(Internal("internal error while handling the request"));
  }
  return decision;
}

net::Response Api::Handle(const net::Request& request) {
  try {
    const RouteMatch match = TheRouter().Find(request.method, request.path);
    const bool is_public =
        match.kind == RouteMatch::Kind::kFound && !ApiRoutes()[match.index].needs_key;
    // Unknown routes answer 401 too, so that nobody learns the API's shape without a key.
    if (!is_public) {
      const Status auth = Authenticate(store_, request);
      if (!auth.ok()) return ErrorResponse(auth.error());
    }
    if (match.kind == RouteMatch::Kind::kNoRoute) {
      return ErrorResponse(404, "not_found", std::string(kMsgNoRoute) + ": " + request.path);
    }
    if (match.kind == RouteMatch::Kind::kWrongMethod) {
      std::string allow;
      for (std::string_view m : match.allowed) {
        if (!allow.empty()) allow += ", ";
        allow += m;
      }
      net::Response response = ErrorResponse(405, "method_not_allowed",
                                             std::string(kMsgWrongMethod) + ": " + request.method +
                                                 " " + request.path + " (allowed: " + allow + ")");
      response.headers.emplace_back("Allow", allow);
      return response;
    }
    auto ids = ReadIds(match);
    if (!ids.ok()) return ErrorResponse(ids.error());
    auto names = ReadNames(match);
    if (!names.ok()) return ErrorResponse(names.error());
    RequestContext context{store_,          engine_,           clock_, request,
                           std::move(*ids), std::move(*names), guards_};
    return ApiRoutes()[match.index].handler(context);
  } catch (const std::exception&) {
    // Nothing may escape into the server; the message is generic so no secret can leak.
    return ErrorResponse(Internal("internal error while handling the request"));
  } catch (...) {
    return ErrorResponse(Internal("internal error while handling the request"));
  }
}

}  // namespace crier::api
