#include "channels/graph_wire.h"

#include <algorithm>
#include <charconv>

#include <boost/json.hpp>

namespace crier::channels {
namespace {

constexpr std::string_view kRedacted = "[redacted]";
// Runs of token characters at least this long are taken for credentials. Graph ids (PSIDs,
// Page ids, fbtrace ids, wamids) and LINE request ids are far shorter; Graph access tokens
// are far longer.
constexpr std::size_t kMinSecretLength = 40;

bool IsTokenChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
         c == '-' || c == '.' || c == '|' || c == '%';
}

}  // namespace

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

std::string JoinUrl(std::string_view base, std::initializer_list<std::string_view> segments) {
  while (!base.empty() && base.back() == '/') base.remove_suffix(1);
  std::string url;
  std::size_t size = base.size();
  for (const auto s : segments) size += s.size() + 1;
  url.reserve(size + 8);
  url.append(base);
  for (const auto s : segments) {
    url.push_back('/');
    AppendPathSegment(url, s);
  }
  return url;
}

std::optional<std::int64_t> JsonInt(const boost::json::value* v) {
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
  if (ec == std::errc::result_out_of_range) return kMaxRetryAfter;
  if (ec != std::errc() || ptr != v.data() + v.size() || seconds < 0) return std::nullopt;
  const auto max_seconds = std::chrono::duration_cast<std::chrono::seconds>(kMaxRetryAfter);
  return std::min<Duration>(std::chrono::seconds(std::min(seconds, max_seconds.count())),
                            kMaxRetryAfter);
}

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
      if (auto m = JsonInt(obj->if_contains("estimated_time_to_regain_access"))) {
        minutes = std::max(minutes, *m);
      }
    }
  }
  if (minutes <= 0) return std::nullopt;
  return std::min<Duration>(std::chrono::minutes(std::min<std::int64_t>(minutes, 24 * 60)),
                            kMaxRetryAfter);
}

std::optional<GraphError> ParseGraphError(const boost::json::value& doc) {
  const auto* obj = doc.if_object();
  if (obj == nullptr) return std::nullopt;
  const auto* e = obj->if_contains("error");
  const auto* error = e != nullptr ? e->if_object() : nullptr;
  if (error == nullptr) return std::nullopt;
  const auto code = JsonInt(error->if_contains("code"));
  if (!code.has_value()) return std::nullopt;
  GraphError out;
  out.code = *code;
  out.subcode = JsonInt(error->if_contains("error_subcode")).value_or(0);
  std::string message;
  if (const auto* m = error->if_contains("message"); m != nullptr && m->is_string()) {
    message = std::string(m->get_string());
  }
  // WhatsApp puts the useful part in error_data.details; Meta advises keying on it.
  if (const auto* data = error->if_contains("error_data"); data != nullptr && data->is_object()) {
    if (const auto* d = data->get_object().if_contains("details"); d != nullptr && d->is_string()) {
      if (!message.empty()) message += ": ";
      message += std::string(d->get_string());
    }
  }
  out.message = ScrubSecrets(message);
  return out;
}

std::optional<SendResult> NoAnswerResult(const TransportResult& result, bool idempotent) {
  if (result.transport_error.empty() && !result.timed_out && result.status != 0) {
    return std::nullopt;
  }
  SendResult out;
  out.error_class =
      result.request_sent && !idempotent ? ErrorClass::kUnknownOutcome : ErrorClass::kRetryLater;
  out.error_code = result.timed_out ? "timeout" : "transport";
  out.error_message =
      ScrubSecrets(result.transport_error.empty() ? "no HTTP answer" : result.transport_error);
  return out;
}

}  // namespace crier::channels
