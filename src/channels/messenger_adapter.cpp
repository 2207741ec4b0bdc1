#include "channels/messenger_adapter.h"

#include <algorithm>
#include <array>
#include <charconv>
#include <string>
#include <string_view>

#include <boost/json.hpp>

#include "channels/json_escape.h"

namespace crier::channels {
namespace {

constexpr std::int64_t kAnySubcode = -1;

struct GraphErrorRow {
  std::int64_t code;
  std::int64_t subcode;  // kAnySubcode: the row for the code when no exact row matches
  ErrorClass error_class;
};

// Every send-relevant Messenger/Instagram error Meta documents (platforms.md §1.6, §3), with
// what crier does about it. Exact (code, subcode) rows win over the code's kAnySubcode row.
constexpr std::array kGraphErrors = {
    // Unknown / unexpected: transient as far as anyone can tell.
    GraphErrorRow{1, kAnySubcode, ErrorClass::kRetryLater},
    GraphErrorRow{2, kAnySubcode, ErrorClass::kRetryLater},
    // Throttling: app (4), user (17), Page (32), custom (613) and business use case (8000x).
    GraphErrorRow{4, kAnySubcode, ErrorClass::kSlowDown},
    GraphErrorRow{17, kAnySubcode, ErrorClass::kSlowDown},
    GraphErrorRow{32, kAnySubcode, ErrorClass::kSlowDown},
    GraphErrorRow{613, kAnySubcode, ErrorClass::kSlowDown},
    GraphErrorRow{613, 2534040, ErrorClass::kSlowDown},
    GraphErrorRow{80001, kAnySubcode, ErrorClass::kSlowDown},
    GraphErrorRow{80002, kAnySubcode, ErrorClass::kSlowDown},
    GraphErrorRow{80003, kAnySubcode, ErrorClass::kSlowDown},
    GraphErrorRow{80004, kAnySubcode, ErrorClass::kSlowDown},
    GraphErrorRow{80005, kAnySubcode, ErrorClass::kSlowDown},
    GraphErrorRow{80006, kAnySubcode, ErrorClass::kSlowDown},
    GraphErrorRow{80008, kAnySubcode, ErrorClass::kSlowDown},
    GraphErrorRow{80009, kAnySubcode, ErrorClass::kSlowDown},
    GraphErrorRow{80014, kAnySubcode, ErrorClass::kSlowDown},
    // Per-recipient refusals by the rules: the recipient is fine, this send is not.
    GraphErrorRow{4, 2018354, ErrorClass::kPolicy},       // marketing message before its delay
    GraphErrorRow{9, 2018352, ErrorClass::kPolicy},       // opt-in request limit
    GraphErrorRow{10, kAnySubcode, ErrorClass::kPolicy},  // permission denied for this send
    GraphErrorRow{10, 2018278, ErrorClass::kPolicy},      // outside the allowed window
    GraphErrorRow{10, 2534022, ErrorClass::kPolicy},      // outside the window (Instagram)
    GraphErrorRow{10, 2018065, ErrorClass::kPolicy},      // outside the window, news messaging
    GraphErrorRow{10, 1404170, ErrorClass::kPolicy},      // Page barred from opt-in requests
    GraphErrorRow{613, 2018338, ErrorClass::kPolicy},     // excessive tag use to this person
    GraphErrorRow{613, 1893016, ErrorClass::kPolicy},     // repeated opt-in request
    // The person cannot get messages: suppress, never retry.
    GraphErrorRow{10, 2018108, ErrorClass::kRecipientUnreachable},
    GraphErrorRow{10, 1893015, ErrorClass::kRecipientUnreachable},   // stopped this topic
    GraphErrorRow{100, 2018001, ErrorClass::kRecipientUnreachable},  // no matching user
    GraphErrorRow{100, 2534014, ErrorClass::kRecipientUnreachable},  // no matching IG user
    GraphErrorRow{200, 1545041, ErrorClass::kRecipientUnreachable},
    GraphErrorRow{551, kAnySubcode, ErrorClass::kRecipientUnreachable},
    GraphErrorRow{551, 1545041, ErrorClass::kRecipientUnreachable},
    // The account itself is restricted or misconfigured: pause it.
    GraphErrorRow{10, 1893063, ErrorClass::kChannelHalted},         // Page restricted from sending
    GraphErrorRow{100, 2534029, ErrorClass::kChannelHalted},        // business blocked on IG
    GraphErrorRow{200, 2534041, ErrorClass::kChannelHalted},        // owner disabled API DMs
    GraphErrorRow{368, kAnySubcode, ErrorClass::kChannelHalted},    // blocked for abuse
    GraphErrorRow{36103, kAnySubcode, ErrorClass::kChannelHalted},  // IG not yet eligible
    GraphErrorRow{190, kAnySubcode, ErrorClass::kAuth},
    GraphErrorRow{200, kAnySubcode, ErrorClass::kAuth},  // permission missing
    GraphErrorRow{200, 2018028, ErrorClass::kAuth},      // pages_messaging not approved
    GraphErrorRow{100, 2534013, ErrorClass::kAuth},      // Page not linked to IG
    // Our request is wrong (including deprecated tags since 2026-04-27).
    GraphErrorRow{100, kAnySubcode, ErrorClass::kInvalidRequest},
    GraphErrorRow{100, 2018109, ErrorClass::kInvalidRequest},  // attachment too large
    GraphErrorRow{100, 2534015, ErrorClass::kInvalidRequest},  // invalid message data
    GraphErrorRow{100, 2018008, ErrorClass::kInvalidRequest},  // attachment fetch failed
    GraphErrorRow{100, 2018294, ErrorClass::kInvalidRequest},  // attachment fetch timed out
    // The thread is controlled by another app or by automated Q&A for now.
    GraphErrorRow{2018300, kAnySubcode, ErrorClass::kRetryLater},
    GraphErrorRow{2018321, kAnySubcode, ErrorClass::kRetryLater},
};

constexpr std::string_view kRedacted = "[redacted]";
// Runs of token characters at least this long are taken for credentials. Graph ids (PSIDs,
// Page ids, fbtrace ids) are far shorter; Graph access tokens are far longer.
constexpr std::size_t kMinSecretLength = 40;

bool IsTokenChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
         c == '-' || c == '.' || c == '|' || c == '%';
}

// Graph messages can quote a request back, so anything that looks like a token goes before
// the text reaches a delivery record, a report or a log.
std::string ScrubSecrets(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  std::size_t i = 0;
  while (i < text.size()) {
    if (!IsTokenChar(text[i])) {
      out.push_back(text[i++]);
      continue;
    }
    std::size_t j = i;
    while (j < text.size() && IsTokenChar(text[j])) ++j;
    const std::string_view word = text.substr(i, j - i);
    if (word.size() >= kMinSecretLength) {
      out.append(kRedacted);
    } else {
      out.append(word);
    }
    i = j;
  }
  // "access_token=abc" with a short value is still a secret.
  for (std::size_t at = out.find("access_token="); at != std::string::npos;
       at = out.find("access_token=", at + 1)) {
    const std::size_t start = at + std::string_view("access_token=").size();
    std::size_t end = start;
    while (end < out.size() && IsTokenChar(out[end])) ++end;
    if (end > start && std::string_view(out).substr(start, end - start) != kRedacted) {
      out.replace(start, end - start, kRedacted);
    }
  }
  // Cut after scrubbing, so that no part of a secret survives at the edge, and on a
  // character boundary, so that the text stays valid UTF-8.
  if (out.size() > kMaxErrorMessageBytes) {
    std::size_t cut = kMaxErrorMessageBytes;
    while (cut > 0 && (static_cast<unsigned char>(out[cut]) & 0xC0) == 0x80) --cut;
    out.resize(cut);
  }
  return out;
}

// Percent-encodes everything but RFC 3986 unreserved characters, so an odd id can never
// change the path or add a query.
void AppendPathSegment(std::string& out, std::string_view segment) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  for (const char ch : segment) {
    const auto c = static_cast<unsigned char>(ch);
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
        c == '.' || c == '_' || c == '~') {
      out.push_back(ch);
    } else {
      out.push_back('%');
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 0xF]);
    }
  }
}

std::optional<std::int64_t> ToInt(const boost::json::value* v) {
  if (v == nullptr) return std::nullopt;
  if (const auto* i = v->if_int64()) return *i;
  if (const auto* u = v->if_uint64()) {
    if (*u <= static_cast<std::uint64_t>(INT64_MAX)) return static_cast<std::int64_t>(*u);
    return std::nullopt;
  }
  if (const auto* s = v->if_string()) {
    std::int64_t out = 0;
    const auto [ptr, ec] = std::from_chars(s->data(), s->data() + s->size(), out);
    if (ec == std::errc() && ptr == s->data() + s->size()) return out;
  }
  return std::nullopt;
}

std::optional<Duration> ParseRetryAfter(const net::Headers& headers) {
  const auto value = net::FindHeader(headers, "Retry-After");
  if (!value) return std::nullopt;
  std::string_view v = *value;
  while (!v.empty() && v.front() == ' ') v.remove_prefix(1);
  while (!v.empty() && v.back() == ' ') v.remove_suffix(1);
  std::int64_t seconds = 0;
  const auto [ptr, ec] = std::from_chars(v.data(), v.data() + v.size(), seconds);
  // An HTTP-date would need the clock; the caller's own backoff covers that rare case.
  if (ec == std::errc::result_out_of_range) return kMaxRetryAfter;
  if (ec != std::errc() || ptr != v.data() + v.size() || seconds < 0) return std::nullopt;
  const auto max_seconds = std::chrono::duration_cast<std::chrono::seconds>(kMaxRetryAfter);
  return std::min<Duration>(std::chrono::seconds(std::min(seconds, max_seconds.count())),
                            kMaxRetryAfter);
}

// Graph's business-use-case throttle header says how many minutes until access comes back:
// {"<id>":[{"type":"messenger","estimated_time_to_regain_access":5,...}]}.
std::optional<Duration> ParseBusinessUseCaseWait(const net::Headers& headers) {
  const auto value = net::FindHeader(headers, "X-Business-Use-Case-Usage");
  if (!value) return std::nullopt;
  boost::system::error_code ec;
  const boost::json::value doc = boost::json::parse(*value, ec);
  if (ec || !doc.is_object()) return std::nullopt;
  std::int64_t minutes = 0;
  for (const auto& [id, uses] : doc.get_object()) {
    const auto* list = uses.if_array();
    if (list == nullptr) continue;
    for (const auto& use : *list) {
      const auto* obj = use.if_object();
      if (obj == nullptr) continue;
      if (auto m = ToInt(obj->if_contains("estimated_time_to_regain_access"))) {
        minutes = std::max(minutes, *m);
      }
    }
  }
  if (minutes <= 0) return std::nullopt;
  return std::min<Duration>(std::chrono::minutes(std::min<std::int64_t>(minutes, 24 * 60)),
                            kMaxRetryAfter);
}

std::string HttpCode(int status) { return "http_" + std::to_string(status); }

ErrorClass ClassFromStatus(int status) {
  if (status == 429) return ErrorClass::kSlowDown;
  if (status >= 500) return ErrorClass::kRetryLater;
  return ErrorClass::kInvalidRequest;
}

}  // namespace

std::optional<ErrorClass> MessengerErrorClass(std::int64_t code, std::int64_t subcode) {
  std::optional<ErrorClass> by_code;
  for (const auto& row : kGraphErrors) {
    if (row.code != code) continue;
    if (row.subcode == subcode && subcode != kAnySubcode) return row.error_class;
    if (row.subcode == kAnySubcode) by_code = row.error_class;
  }
  return by_code;
}

OutboundRequest MessengerAdapter::BuildSend(const ChannelAccount& account,
                                            const RecipientRef& recipient, const Route& route,
                                            const Message& message) const {
  OutboundRequest req;
  std::string_view base = account.api_base_url;
  while (!base.empty() && base.back() == '/') base.remove_suffix(1);
  req.url.reserve(base.size() + account.api_version.size() + account.external_id.size() + 16);
  req.url.append(base);
  req.url.push_back('/');
  AppendPathSegment(req.url, account.api_version);
  req.url.push_back('/');
  AppendPathSegment(req.url, account.external_id);
  req.url.append("/messages");

  req.headers.reserve(2);
  req.headers.emplace_back("Authorization", "Bearer " + account.access_token);
  req.headers.emplace_back("Content-Type", "application/json");

  // A route always names its messaging_type; the defaults only keep a request well formed.
  std::string_view messaging_type = route.messaging_type;
  if (messaging_type.empty()) messaging_type = route.tag.empty() ? "UPDATE" : "MESSAGE_TAG";

  std::string& body = req.body;
  body.reserve(72 + recipient.platform_user_id.size() + route.tag.size() + message.text.size() +
               message.text.size() / 8);
  body.append(R"({"recipient":{"id":)");
  AppendJsonString(body, recipient.platform_user_id);
  body.append(R"(},"messaging_type":)");
  AppendJsonString(body, messaging_type);
  if (!route.tag.empty()) {
    body.append(R"(,"tag":)");
    AppendJsonString(body, route.tag);
  }
  body.append(R"(,"message":{"text":)");
  AppendJsonString(body, message.text);
  body.append("}}");
  return req;
}

SendResult MessengerAdapter::Classify(const TransportResult& result) const {
  SendResult out;
  if (!result.transport_error.empty() || result.timed_out || result.status == 0) {
    // Only a request that never reached the wire is safe to send again.
    out.error_class = result.request_sent ? ErrorClass::kUnknownOutcome : ErrorClass::kRetryLater;
    out.error_code = result.timed_out ? "timeout" : "transport";
    out.error_message =
        ScrubSecrets(result.transport_error.empty() ? "no HTTP answer" : result.transport_error);
    return out;
  }

  boost::system::error_code ec;
  const boost::json::value doc = boost::json::parse(result.body, ec);
  const boost::json::object* obj = ec ? nullptr : doc.if_object();

  const boost::json::object* error = nullptr;
  if (obj != nullptr) {
    if (const auto* e = obj->if_contains("error")) error = e->if_object();
  }
  // A plain value and a flag, not std::optional: GCC 12 at -O2 reports a false
  // maybe-uninitialized on the optional's payload further down.
  std::int64_t code = 0;
  bool has_code = false;
  if (error != nullptr) {
    if (const auto parsed = ToInt(error->if_contains("code")); parsed.has_value()) {
      code = *parsed;
      has_code = true;
    }
  }

  if (result.status >= 200 && result.status < 300 && !has_code) {
    const boost::json::value* id = obj != nullptr ? obj->if_contains("message_id") : nullptr;
    if (id != nullptr && id->is_string() && !id->get_string().empty()) {
      out.sent = true;
      out.platform_message_id = std::string(id->get_string());
      return out;
    }
    // Without a message id nobody knows whether the copy went out; a retry could send it
    // twice, so it is not retried.
    out.error_class = ErrorClass::kInvalidRequest;
    out.error_code = "bad_response";
    out.error_message = "a " + std::to_string(result.status) + " answer without a message_id";
    return out;
  }

  out.retry_after = ParseRetryAfter(result.headers);
  if (!has_code) {
    out.error_class = ClassFromStatus(result.status);
    out.error_code = HttpCode(result.status);
    out.error_message = ScrubSecrets(result.body);
    return out;
  }

  const std::int64_t subcode = ToInt(error->if_contains("error_subcode")).value_or(0);
  out.error_code = std::to_string(code);
  if (subcode != 0) out.error_code += "/" + std::to_string(subcode);
  if (const auto known = MessengerErrorClass(code, subcode); known.has_value()) {
    out.error_class = *known;
  } else {
    out.error_class = ClassFromStatus(result.status);
  }
  if (const auto* m = error->if_contains("message"); m != nullptr && m->is_string()) {
    out.error_message = ScrubSecrets(m->get_string());
  }
  if (!out.retry_after && out.error_class == ErrorClass::kSlowDown) {
    out.retry_after = ParseBusinessUseCaseWait(result.headers);
  }
  return out;
}

std::unique_ptr<ChannelAdapter> MakeAdapter(Platform platform) {
  switch (platform) {
    case Platform::kMessenger:
    case Platform::kInstagram:
      return std::make_unique<MessengerAdapter>(platform);
    case Platform::kWhatsApp:
    case Platform::kLine:
      return nullptr;
  }
  return nullptr;
}

}  // namespace crier::channels
