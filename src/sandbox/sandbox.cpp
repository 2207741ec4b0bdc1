#include "sandbox/sandbox.h"

#include <strings.h>

#include <algorithm>
#include <atomic>
#include <boost/json.hpp>
#include <charconv>
#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <random>
#include <shared_mutex>
#include <string>
#include <unordered_map>
#include <utility>
#include <variant>
#include <vector>

#include "core/result.h"
#include "sandbox/graph_rules.h"

namespace crier::sandbox {
namespace {

namespace json = boost::json;

// Control-plane messages (crier's envelope, not Graph's).
constexpr std::string_view kMsgBodyNotJson = "body must be a JSON object";
constexpr std::string_view kMsgRequiredString = "required, a non-empty string";
constexpr std::string_view kMsgPlatform = "must be \"messenger\" or \"instagram\"";
constexpr std::string_view kMsgPlatformNotYet = "not supported yet: only messenger and instagram";
constexpr std::string_view kMsgTokenTaken = "already used by another page";
constexpr std::string_view kMsgUnknownPage = "no such page; register it with POST /__sandbox/pages";
constexpr std::string_view kMsgInteractions = "required, an array of interactions";
constexpr std::string_view kMsgInteractionObject = "must be an object";
constexpr std::string_view kMsgUserId = "required, a non-empty string or a positive integer";
constexpr std::string_view kMsgAt = "must be an RFC 3339 time";
constexpr std::string_view kMsgSource = "must be \"organic\" or \"ad\"";
constexpr std::string_view kMsgNow = "required, an RFC 3339 time or null";
constexpr std::string_view kMsgAfter = "must be a non-negative integer";
constexpr std::string_view kMsgLimit = "must be an integer from 1 to 10000";
constexpr std::string_view kMsgUnknownRoute = "unknown route";
constexpr std::string_view kMsgWrongMethod = "method not allowed on this route";

constexpr std::int64_t kDefaultListLimit = 100;
constexpr std::int64_t kMaxListLimit = 10000;
// Large enough for a typical Send API body, so parsing it allocates nothing on the heap.
constexpr std::size_t kParseBufferBytes = 4096;

enum class Platform { kMessenger, kInstagram };

std::string_view PlatformName(Platform p) {
  return p == Platform::kInstagram ? "instagram" : "messenger";
}

// Lets maps keyed by std::string be searched with a string_view without allocating.
struct StringHash {
  using is_transparent = void;
  std::size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
};
template <class V>
using StringMap = std::unordered_map<std::string, V, StringHash, std::equal_to<>>;

struct Interaction {
  Time last_at{};
  Time last_ad_at{};
  bool has_ad = false;
};

struct Page {
  std::string access_token;
  Platform platform = Platform::kMessenger;
  StringMap<Interaction> users;  // by PSID / IGSID: together with the page, the (page, user) key
};

struct Record {
  std::int64_t seq = 0;
  std::string page_id;
  std::string recipient_id;
  std::string messaging_type;
  std::string tag;  // empty when none
  std::string message_json;
  Time received_at{};
};

struct GraphError {
  int code = graph::kCodeInvalidParameter;
  int subcode = 0;  // 0: none
  std::string message;
  std::string_view type = graph::kTypeOAuthException;
};

GraphError Param(std::string_view message) {
  return {graph::kCodeInvalidParameter, 0, std::string(message)};
}

struct SendRequest {
  std::string recipient_id;
  std::string messaging_type;
  std::string tag;
  std::string message_json;
  std::size_t text_bytes = 0;  // UTF-8 bytes of message.text
  bool sender_action = false;
};

std::string RandomToken(std::size_t n) {
  static constexpr std::string_view kAlphabet =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
  thread_local std::mt19937_64 rng{std::random_device{}()};
  std::string out(n, ' ');
  for (auto& c : out) c = kAlphabet[rng() % kAlphabet.size()];
  return out;
}

std::size_t CountCodePoints(std::string_view s) {
  return static_cast<std::size_t>(std::count_if(
      s.begin(), s.end(), [](char c) { return (static_cast<unsigned char>(c) & 0xC0) != 0x80; }));
}

std::string Quoted(std::string_view s) { return json::serialize(json::string(s)); }

bool IsGraphVersion(std::string_view s) {
  // "v25.0"
  if (s.size() < 4 || s[0] != 'v') return false;
  const auto dot = s.find('.');
  if (dot == std::string_view::npos || dot < 2 || dot + 1 == s.size()) return false;
  auto digits = [](std::string_view d) {
    return std::all_of(d.begin(), d.end(), [](char c) { return c >= '0' && c <= '9'; });
  };
  return digits(s.substr(1, dot - 1)) && digits(s.substr(dot + 1));
}

bool IsRetiredTag(std::string_view tag) {
  return std::find(graph::kRetiredTags.begin(), graph::kRetiredTags.end(), tag) !=
         graph::kRetiredTags.end();
}

bool IsKnownTag(std::string_view tag) {
  return tag == graph::kTagHumanAgent || tag == graph::kTagCustomerFeedback || IsRetiredTag(tag);
}

// A json value that names a user: a non-empty string or a positive integer.
std::optional<std::string> IdString(const json::value* v) {
  if (v == nullptr) return std::nullopt;
  if (v->is_string() && !v->get_string().empty()) return std::string(v->get_string());
  if (v->is_int64() && v->get_int64() > 0) return std::to_string(v->get_int64());
  if (v->is_uint64()) return std::to_string(v->get_uint64());
  return std::nullopt;
}

// Absent and null are the same to Graph.
const json::value* Field(const json::object& o, std::string_view key) {
  const json::value* v = o.if_contains(key);
  return v == nullptr || v->is_null() ? nullptr : v;
}

std::variant<SendRequest, GraphError> ParseSend(const json::object& body) {
  SendRequest out;
  const json::value* recipient = Field(body, "recipient");
  if (recipient == nullptr) return Param(graph::kMsgRecipientRequired);
  auto id = IdString(recipient->is_object() ? Field(recipient->get_object(), "id") : nullptr);
  if (!id) return Param(graph::kMsgRecipientId);
  out.recipient_id = std::move(*id);

  const json::value* message = Field(body, "message");
  const json::value* action = Field(body, "sender_action");
  if (message != nullptr && action != nullptr) return Param(graph::kMsgMessageAndSenderAction);
  if (message == nullptr && action == nullptr) return Param(graph::kMsgMessageOrSenderAction);
  if (action != nullptr) {
    const bool known =
        action->is_string() &&
        std::find(graph::kSenderActions.begin(), graph::kSenderActions.end(),
                  std::string_view(action->get_string())) != graph::kSenderActions.end();
    if (!known) return Param(graph::kMsgSenderAction);
    out.sender_action = true;
    return out;
  }

  const json::value* type = Field(body, "messaging_type");
  if (type == nullptr) return Param(graph::kMsgMessagingTypeRequired);
  if (!type->is_string()) {
    return Param(std::string(graph::kMsgMessagingTypePrefix) + json::serialize(*type));
  }
  out.messaging_type = type->get_string();
  if (out.messaging_type != graph::kTypeResponse && out.messaging_type != graph::kTypeUpdate &&
      out.messaging_type != graph::kTypeMessageTag) {
    return Param(std::string(graph::kMsgMessagingTypePrefix) + Quoted(out.messaging_type));
  }

  const json::value* tag = Field(body, "tag");
  const bool is_tag_type = out.messaging_type == graph::kTypeMessageTag;
  if (is_tag_type && tag == nullptr) return Param(graph::kMsgTagRequired);
  if (!is_tag_type && tag != nullptr) return Param(graph::kMsgTagWithoutMessageTag);
  if (tag != nullptr) {
    if (!tag->is_string()) return Param(std::string(graph::kMsgTagPrefix) + json::serialize(*tag));
    out.tag = tag->get_string();
    if (!IsKnownTag(out.tag)) return Param(std::string(graph::kMsgTagPrefix) + Quoted(out.tag));
  }

  if (!message->is_object()) return Param(graph::kMsgMessageNotObject);
  const json::object& m = message->get_object();
  const json::value* text = Field(m, "text");
  const json::value* attachment = Field(m, "attachment");
  if (text != nullptr && !text->is_string()) return Param(graph::kMsgTextNotString);
  const bool has_text = text != nullptr && !text->get_string().empty();
  const bool has_attachment =
      attachment != nullptr && attachment->is_object() && !attachment->get_object().empty();
  if (!has_text && !has_attachment) return Param(graph::kMsgMessageEmpty);
  if (has_text && has_attachment) return Param(graph::kMsgTextAndAttachment);
  if (has_text && CountCodePoints(text->get_string()) >= graph::kMaxTextChars) {
    return Param(graph::kMsgTextTooLong);
  }
  if (has_text) out.text_bytes = text->get_string().size();
  const json::value* quick_replies = Field(m, "quick_replies");
  if (quick_replies != nullptr && quick_replies->is_array() &&
      quick_replies->get_array().size() > graph::kMaxQuickReplies) {
    return Param(graph::kMsgTooManyQuickReplies);
  }
  out.message_json = json::serialize(m);
  return out;
}

std::string_view TokenFrom(const net::Request& request, const json::object* body) {
  if (auto header = request.header("Authorization")) {
    for (std::string_view scheme : {std::string_view("Bearer "), std::string_view("OAuth ")}) {
      if (header->size() > scheme.size() &&
          strncasecmp(header->data(), scheme.data(), scheme.size()) == 0) {
        std::string_view token = header->substr(scheme.size());
        while (!token.empty() && token.front() == ' ') token.remove_prefix(1);
        while (!token.empty() && token.back() == ' ') token.remove_suffix(1);
        return token;
      }
    }
  }
  if (auto query = request.query_param("access_token")) return *query;
  if (body != nullptr) {
    if (const json::value* t = Field(*body, "access_token"); t != nullptr && t->is_string()) {
      return t->get_string();
    }
  }
  return {};
}

net::Response GraphErrorResponse(int status, const GraphError& e) {
  json::object err;
  err["message"] = e.message;
  err["type"] = e.type;
  err["code"] = e.code;
  if (e.subcode != 0) err["error_subcode"] = e.subcode;
  err["fbtrace_id"] = RandomToken(11);
  json::object root;
  root["error"] = std::move(err);
  auto response = net::Response::Json(status, json::serialize(root));
  if (e.code == graph::kCodeInvalidToken) {
    response.headers.emplace_back(
        "WWW-Authenticate", "OAuth \"Facebook Platform\" \"invalid_token\" \"" + e.message + "\"");
  }
  return response;
}

std::string_view CodeName(ErrorCode code) { return crier::ToString(code); }

net::Response ControlError(int status, std::string_view code, std::string_view message,
                           std::string_view field = {}) {
  json::object err;
  err["code"] = code;
  err["message"] = message;
  if (!field.empty()) err["field"] = field;
  json::object root;
  root["error"] = std::move(err);
  return net::Response::Json(status, json::serialize(root));
}

net::Response ControlError(const Error& e) {
  return ControlError(net::HttpStatus(e.code), CodeName(e.code), e.message, e.field);
}

net::Response JsonOk(int status, const json::object& body) {
  return net::Response::Json(status, json::serialize(body));
}

Result<json::object> ParseControlBody(const std::string& body) {
  json::error_code ec;
  json::value v = json::parse(body, ec);
  if (ec || !v.is_object()) return InvalidArgument("", std::string(kMsgBodyNotJson));
  return std::move(v.get_object());
}

Result<std::string> RequiredString(const json::object& o, std::string_view key) {
  const json::value* v = Field(o, key);
  if (v == nullptr || !v->is_string() || v->get_string().empty()) {
    return InvalidArgument(std::string(key), std::string(kMsgRequiredString));
  }
  return std::string(v->get_string());
}

// Parses an optional integer query parameter; `fallback` when absent.
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

struct PendingInteraction {
  std::string user_id;
  Time at;
  bool ad;
};

}  // namespace

class Sandbox::Impl {
 public:
  explicit Impl(const Clock& clock) : clock_(clock), nonce_(RandomToken(10)) {}

  Time Now() const { return clock_.Now() + Duration(offset_ms_.load(std::memory_order_relaxed)); }

  net::Response Handle(const net::Request& request) {
    const auto parts = net::SplitPath(request.path);
    if (!parts.empty() && parts[0] == "__sandbox") return HandleControl(request, parts);
    if (parts.size() == 1 && parts[0] == "healthz" && request.method == "GET") {
      return net::Response::Json(200, R"({"status":"ok"})");
    }
    // Graph accepts both /{version}/{page-id}/messages and the unversioned /{page-id}/messages.
    const std::size_t n = parts.size();
    if (((n == 3 && IsGraphVersion(parts[0])) || n == 2) && parts[n - 1] == "messages") {
      if (request.method != "POST") {
        std::string method = request.method;
        std::transform(method.begin(), method.end(), method.begin(),
                       [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
        return GraphErrorResponse(400, UnsupportedRequest(method, parts[n - 2]));
      }
      return HandleSend(request, parts[n - 2]);
    }
    std::string path;
    for (std::size_t i = (n > 0 && IsGraphVersion(parts[0])) ? 1 : 0; i < n; ++i) {
      path += "/";
      path += parts[i];
    }
    return GraphErrorResponse(
        400, {graph::kCodeUnknownPath, 0, std::string(graph::kMsgUnknownPathPrefix) + path});
  }

 private:
  static GraphError UnsupportedRequest(std::string_view method, std::string_view id) {
    std::string message(graph::kMsgUnsupportedPrefix);
    message += method;
    message += graph::kMsgUnsupportedMiddle;
    message += id;
    message += graph::kMsgUnsupportedSuffix;
    return {graph::kCodeInvalidParameter, graph::kSubcodeUnsupportedObject, std::move(message),
            graph::kTypeGraphMethodException};
  }

  // --- The Send API -----------------------------------------------------------------------

  net::Response HandleSend(const net::Request& request, std::string_view page_in_path) {
    const Time now = Now();  // one reading for the whole decision
    unsigned char buffer[kParseBufferBytes];
    json::monotonic_resource arena(buffer, sizeof buffer);
    json::error_code ec;
    const json::value doc = json::parse(request.body, ec, &arena);
    const json::object* body = (!ec && doc.is_object()) ? &doc.get_object() : nullptr;
    auto parsed = body != nullptr ? ParseSend(*body)
                                  : std::variant<SendRequest, GraphError>(Param(
                                        ec ? graph::kMsgMalformedJson : graph::kMsgBodyNotObject));
    const std::string_view token = TokenFrom(request, body);

    Platform platform = Platform::kMessenger;
    std::string page_id;
    std::optional<Interaction> user;
    {
      std::shared_lock lock(state_mu_);
      const auto by_token = token.empty() ? page_by_token_.end() : page_by_token_.find(token);
      if (by_token == page_by_token_.end()) {
        lock.unlock();
        return Refuse({graph::kCodeInvalidToken, 0, std::string(graph::kMsgInvalidToken)});
      }
      const std::string_view wanted = page_in_path == "me" ? by_token->second : page_in_path;
      const auto page = pages_.find(wanted);
      if (page == pages_.end()) {
        const std::string id(wanted);
        lock.unlock();
        return Refuse(UnsupportedRequest("post", id));
      }
      if (page->second.access_token != token) {
        lock.unlock();
        return Refuse({graph::kCodeInvalidToken, 0, std::string(graph::kMsgInvalidToken)});
      }
      platform = page->second.platform;
      page_id = page->first;
      if (auto* send = std::get_if<SendRequest>(&parsed)) {
        const auto found = page->second.users.find(send->recipient_id);
        if (found != page->second.users.end()) user = found->second;
      }
    }
    if (auto* error = std::get_if<GraphError>(&parsed)) return Refuse(std::move(*error));
    SendRequest& send = std::get<SendRequest>(parsed);

    if (!send.tag.empty()) {
      if (platform == Platform::kInstagram && send.tag != graph::kTagHumanAgent) {
        return Refuse(Param(graph::kMsgTagNotOnInstagram));
      }
    }
    if (platform == Platform::kInstagram && send.text_bytes > graph::kMaxInstagramTextBytes) {
      return Refuse(Param(graph::kMsgInstagramTextTooLong));
    }
    if (!send.tag.empty()) {
      if (IsRetiredTag(send.tag) && now >= graph::kRetiredTagsCutoff) {
        return Refuse(Param("(#100) Tag " + send.tag + std::string(graph::kMsgTagRetiredSuffix)));
      }
    }
    if (!user) {
      return Refuse({graph::kCodeInvalidParameter, graph::kSubcodeNoMatchingUser,
                     std::string(graph::kMsgNoMatchingUser)});
    }
    if (!Allowed(send, *user, now)) {
      return Refuse({graph::kCodePermission,
                     platform == Platform::kInstagram ? graph::kSubcodeOutsideWindowInstagram
                                                      : graph::kSubcodeOutsideWindowMessenger,
                     std::string(graph::kMsgOutsideWindow)});
    }

    std::string answer = R"({"recipient_id":)" + Quoted(send.recipient_id);
    if (send.sender_action) return net::Response::Json(200, answer + "}");
    std::int64_t seq = 0;
    {
      std::lock_guard lock(record_mu_);
      seq = next_seq_++;
      records_.push_back(Record{seq, std::move(page_id), std::move(send.recipient_id),
                                std::move(send.messaging_type), std::move(send.tag),
                                std::move(send.message_json), now});
      ++accepted_;
    }
    answer += R"(,"message_id":")";
    answer += MessageId(seq);
    answer += "\"}";
    return net::Response::Json(200, std::move(answer));
  }

  // Whether the window rules let this request through (the recipient is known).
  static bool Allowed(const SendRequest& send, const Interaction& user, Time now) {
    Time window_end = user.last_at + graph::kStandardWindow;
    if (user.has_ad) window_end = std::max(window_end, user.last_ad_at + graph::kAdWindow);
    const bool in_window = now < window_end;
    if (send.sender_action || send.messaging_type != graph::kTypeMessageTag) return in_window;
    if (send.tag == graph::kTagHumanAgent || send.tag == graph::kTagCustomerFeedback) {
      return in_window || now < user.last_at + graph::kHumanAgentWindow;
    }
    // A retired tag before its cutoff: outside the window it was allowed for non-promotional
    // content, which the sandbox cannot judge, so it accepts.
    return true;
  }

  net::Response Refuse(GraphError error) {
    {
      std::lock_guard lock(record_mu_);
      ++refused_;
      ++refused_by_code_[{error.code, error.subcode}];
    }
    return GraphErrorResponse(400, error);
  }

  std::string MessageId(std::int64_t seq) const { return "m_" + nonce_ + std::to_string(seq); }

  // --- Control endpoints ------------------------------------------------------------------

  net::Response HandleControl(const net::Request& request,
                              const std::vector<std::string_view>& parts) {
    if (parts.size() != 2) return ControlError(404, "not_found", kMsgUnknownRoute);
    const std::string_view what = parts[1];
    const std::string& method = request.method;
    auto wrong_method = [] { return ControlError(405, "method_not_allowed", kMsgWrongMethod); };
    if (what == "pages") return method == "POST" ? AddPage(request) : wrong_method();
    if (what == "interactions") {
      return method == "POST" ? AddInteractions(request) : wrong_method();
    }
    if (what == "messages") {
      if (method == "GET") return ListMessages(request);
      if (method == "DELETE") return ClearMessages();
      return wrong_method();
    }
    if (what == "stats") return method == "GET" ? Stats() : wrong_method();
    if (what == "clock") {
      if (method == "GET") return ClockState();
      if (method == "POST") return SetClock(request);
      return wrong_method();
    }
    return ControlError(404, "not_found", kMsgUnknownRoute);
  }

  net::Response AddPage(const net::Request& request) {
    auto body = ParseControlBody(request.body);
    if (!body.ok()) return ControlError(body.error());
    auto page_id = IdString(Field(*body, "page_id"));
    if (!page_id) return ControlError(InvalidArgument("page_id", std::string(kMsgUserId)));
    auto token = RequiredString(*body, "access_token");
    if (!token.ok()) return ControlError(token.error());
    Platform platform = Platform::kMessenger;
    if (const json::value* p = Field(*body, "platform")) {
      const std::string_view name = p->is_string() ? std::string_view(p->get_string()) : "";
      if (name == "instagram") {
        platform = Platform::kInstagram;
      } else if (name == "whatsapp" || name == "line") {
        return ControlError(InvalidArgument("platform", std::string(kMsgPlatformNotYet)));
      } else if (name != "messenger") {
        return ControlError(InvalidArgument("platform", std::string(kMsgPlatform)));
      }
    }
    {
      std::unique_lock lock(state_mu_);
      const auto owner = page_by_token_.find(*token);
      if (owner != page_by_token_.end() && owner->second != *page_id) {
        return ControlError(409, "already_exists", kMsgTokenTaken, "access_token");
      }
      Page& page = pages_[*page_id];
      if (!page.access_token.empty()) page_by_token_.erase(page.access_token);
      page.access_token = *token;
      page.platform = platform;
      page_by_token_[*token] = *page_id;
    }
    json::object out;
    out["page_id"] = *page_id;
    out["platform"] = PlatformName(platform);
    out["access_token_set"] = true;
    return JsonOk(201, out);
  }

  net::Response AddInteractions(const net::Request& request) {
    auto body = ParseControlBody(request.body);
    if (!body.ok()) return ControlError(body.error());
    auto page_id = IdString(Field(*body, "page_id"));
    if (!page_id) return ControlError(InvalidArgument("page_id", std::string(kMsgUserId)));
    const json::value* list = Field(*body, "interactions");
    if (list == nullptr || !list->is_array()) {
      return ControlError(InvalidArgument("interactions", std::string(kMsgInteractions)));
    }
    const Time now = Now();
    // Validate every row before touching state, so a bad row records nothing.
    std::vector<PendingInteraction> pending;
    pending.reserve(list->get_array().size());
    for (std::size_t i = 0; i < list->get_array().size(); ++i) {
      const std::string at_field = "interactions[" + std::to_string(i) + "]";
      const json::value& row = list->get_array()[i];
      if (!row.is_object()) {
        return ControlError(InvalidArgument(at_field, std::string(kMsgInteractionObject)));
      }
      const json::object& o = row.get_object();
      auto user_id = IdString(Field(o, "user_id"));
      if (!user_id)
        return ControlError(InvalidArgument(at_field + ".user_id", std::string(kMsgUserId)));
      Time at = now;
      if (const json::value* v = Field(o, "at")) {
        if (!v->is_string() || !ParseRfc3339(v->get_string(), &at)) {
          return ControlError(InvalidArgument(at_field + ".at", std::string(kMsgAt)));
        }
      }
      bool ad = false;
      if (const json::value* v = Field(o, "source")) {
        const std::string_view s = v->is_string() ? std::string_view(v->get_string()) : "";
        if (s != "organic" && s != "ad") {
          return ControlError(InvalidArgument(at_field + ".source", std::string(kMsgSource)));
        }
        ad = s == "ad";
      }
      pending.push_back({std::move(*user_id), at, ad});
    }
    {
      std::unique_lock lock(state_mu_);
      const auto page = pages_.find(*page_id);
      if (page == pages_.end()) {
        return ControlError(404, "not_found", kMsgUnknownPage, "page_id");
      }
      for (auto& p : pending) {
        auto [it, inserted] = page->second.users.try_emplace(std::move(p.user_id));
        Interaction& user = it->second;
        if (inserted || p.at > user.last_at) user.last_at = p.at;
        if (p.ad && (!user.has_ad || p.at > user.last_ad_at)) {
          user.last_ad_at = p.at;
          user.has_ad = true;
        }
      }
    }
    json::object out;
    out["recorded"] = pending.size();
    return JsonOk(200, out);
  }

  net::Response ListMessages(const net::Request& request) {
    auto after = QueryInt(request, "after", 0, 0, INT64_MAX, kMsgAfter);
    if (!after.ok()) return ControlError(after.error());
    auto limit = QueryInt(request, "limit", kDefaultListLimit, 1, kMaxListLimit, kMsgLimit);
    if (!limit.ok()) return ControlError(limit.error());
    const std::optional<std::string_view> page_filter = request.query_param("page_id");
    const bool filter = page_filter && !page_filter->empty();

    std::vector<Record> items;
    bool more = false;
    {
      std::lock_guard lock(record_mu_);
      auto it = std::upper_bound(records_.begin(), records_.end(), *after,
                                 [](std::int64_t a, const Record& r) { return a < r.seq; });
      for (; it != records_.end(); ++it) {
        if (filter && it->page_id != *page_filter) continue;
        if (static_cast<std::int64_t>(items.size()) == *limit) {
          more = true;
          break;
        }
        items.push_back(*it);
      }
    }
    json::array out_items;
    out_items.reserve(items.size());
    for (const Record& r : items) {
      json::object item;
      item["seq"] = r.seq;
      item["page_id"] = r.page_id;
      item["recipient_id"] = r.recipient_id;
      item["messaging_type"] = r.messaging_type;
      if (r.tag.empty()) {
        item["tag"] = nullptr;
      } else {
        item["tag"] = r.tag;
      }
      item["message"] = json::parse(r.message_json);
      item["message_id"] = MessageId(r.seq);
      item["received_at"] = FormatRfc3339(r.received_at);
      out_items.emplace_back(std::move(item));
    }
    json::object out;
    out["items"] = std::move(out_items);
    if (more) {
      out["next_after"] = items.back().seq;
    } else {
      out["next_after"] = nullptr;
    }
    return JsonOk(200, out);
  }

  net::Response ClearMessages() {
    std::size_t cleared = 0;
    {
      std::lock_guard lock(record_mu_);
      cleared = records_.size();
      records_.clear();
      records_.shrink_to_fit();
      accepted_ = 0;
      refused_ = 0;
      refused_by_code_.clear();
    }
    json::object out;
    out["cleared"] = cleared;
    return JsonOk(200, out);
  }

  net::Response Stats() {
    json::object out;
    json::object by_code;
    {
      std::lock_guard lock(record_mu_);
      out["accepted"] = accepted_;
      out["refused"] = refused_;
      out["recorded"] = records_.size();
      for (const auto& [key, n] : refused_by_code_) {
        std::string name = std::to_string(key.first);
        if (key.second != 0) {
          name += '/';
          name += std::to_string(key.second);
        }
        by_code[name] = n;
      }
    }
    out["refused_by_code"] = std::move(by_code);
    return JsonOk(200, out);
  }

  net::Response ClockState() const {
    json::object out;
    out["now"] = FormatRfc3339(Now());
    out["offset_ms"] = offset_ms_.load(std::memory_order_relaxed);
    return JsonOk(200, out);
  }

  net::Response SetClock(const net::Request& request) {
    auto body = ParseControlBody(request.body);
    if (!body.ok()) return ControlError(body.error());
    const json::value* now = body->if_contains("now");
    if (now == nullptr) return ControlError(InvalidArgument("now", std::string(kMsgNow)));
    if (now->is_null()) {
      offset_ms_.store(0, std::memory_order_relaxed);
    } else {
      Time target;
      if (!now->is_string() || !ParseRfc3339(now->get_string(), &target)) {
        return ControlError(InvalidArgument("now", std::string(kMsgNow)));
      }
      offset_ms_.store((target - clock_.Now()).count(), std::memory_order_relaxed);
    }
    return ClockState();
  }

  const Clock& clock_;
  const std::string nonce_;  // makes message ids unique across sandbox restarts
  std::atomic<std::int64_t> offset_ms_{0};

  // Pages, their tokens and their users' interactions. Read-mostly: sends take it shared.
  mutable std::shared_mutex state_mu_;
  StringMap<Page> pages_;                 // GUARDED_BY(state_mu_)
  StringMap<std::string> page_by_token_;  // GUARDED_BY(state_mu_): token -> page id

  // What was accepted and refused. Held only to append or count, or to copy a page of it.
  std::mutex record_mu_;
  std::vector<Record> records_;                                  // GUARDED_BY(record_mu_), by seq
  std::int64_t next_seq_ = 1;                                    // GUARDED_BY(record_mu_)
  std::int64_t accepted_ = 0;                                    // GUARDED_BY(record_mu_)
  std::int64_t refused_ = 0;                                     // GUARDED_BY(record_mu_)
  std::map<std::pair<int, int>, std::int64_t> refused_by_code_;  // GUARDED_BY(record_mu_)
};

Sandbox::Sandbox(const Clock& clock) : impl_(std::make_unique<Impl>(clock)) {}
Sandbox::~Sandbox() = default;

Time Sandbox::Now() const { return impl_->Now(); }

net::Response Sandbox::Handle(const net::Request& request) {
  try {
    return impl_->Handle(request);
  } catch (const std::exception&) {
    // Only allocation failures or a bug get here; answer like Graph's own internal error.
    return GraphErrorResponse(500, {graph::kCodeUnknown, 0, std::string(graph::kMsgUnknownError)});
  }
}

}  // namespace crier::sandbox
