#include "sandbox/webhooks.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <array>
#include <boost/json.hpp>
#include <cstdio>
#include <optional>

#include "sandbox/common.h"

namespace crier::sandbox {
namespace {

namespace json = boost::json;
using detail::ControlError;
using detail::JsonOk;

std::string Hmac(std::string_view secret, std::string_view body) {
  std::array<unsigned char, EVP_MAX_MD_SIZE> digest{};
  unsigned int size = 0;
  HMAC(EVP_sha256(), secret.data(), static_cast<int>(secret.size()),
       reinterpret_cast<const unsigned char*>(body.data()), body.size(), digest.data(), &size);
  return std::string(reinterpret_cast<const char*>(digest.data()), size);
}

// Meta: X-Hub-Signature-256: sha256=<lower-case hex> (platforms.md 6).
std::string MetaHeader(std::string_view secret, std::string_view body) {
  std::string out = "sha256=";
  for (unsigned char c : Hmac(secret, body)) {
    char hex[3];
    std::snprintf(hex, sizeof hex, "%02x", c);
    out += hex;
  }
  return out;
}

// LINE: X-Line-Signature: <base64> (platforms.md 5.6).
std::string LineHeader(std::string_view secret, std::string_view body) {
  const std::string digest = Hmac(secret, body);
  std::string out(4 * ((digest.size() + 2) / 3) + 1, '\0');
  const int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                reinterpret_cast<const unsigned char*>(digest.data()),
                                static_cast<int>(digest.size()));
  out.resize(static_cast<std::size_t>(n));
  return out;
}

// The sandbox only ever calls the machine it runs on.
bool IsLoopbackHttpUrl(std::string_view url) {
  for (std::string_view host : {"http://127.0.0.1", "http://localhost", "http://[::1]"}) {
    if (!url.starts_with(host)) continue;
    const std::string_view rest = url.substr(host.size());
    if (rest.empty() || rest[0] == ':' || rest[0] == '/') return true;
  }
  return false;
}

Result<std::string> OptionalString(const json::object& o, std::string_view key,
                                   std::string fallback) {
  const json::value* v = detail::Field(o, key);
  if (v == nullptr) return fallback;
  if (!v->is_string() || v->get_string().empty()) {
    return InvalidArgument(std::string(key), "must be a non-empty string");
  }
  return std::string(v->get_string());
}

struct Press {
  Platform platform;
  std::string account;
  std::string user;
  std::string payload;
  std::string kind;
  std::string event_id;
  std::string waba_id;
  Time at;
};

json::object MessengerBody(const Press& p) {
  json::object event{{"sender", {{"id", p.user}}},
                     {"recipient", {{"id", p.account}}},
                     {"timestamp", ToUnixMillis(p.at)}};
  if (p.kind == "quick_reply") {
    event["message"] = {
        {"mid", p.event_id}, {"text", p.payload}, {"quick_reply", {{"payload", p.payload}}}};
  } else {
    event["postback"] = {{"mid", p.event_id}, {"title", p.payload}, {"payload", p.payload}};
  }
  return {{"object", p.platform == Platform::kInstagram ? "instagram" : "page"},
          {"entry", json::array{json::object{{"id", p.account},
                                             {"time", ToUnixMillis(p.at)},
                                             {"messaging", json::array{event}}}}}};
}

json::object WhatsAppBody(const Press& p) {
  json::object message{{"from", p.user},
                       {"id", p.event_id},
                       {"timestamp", std::to_string(ToUnixMillis(p.at) / 1000)}};
  if (p.kind == "button") {
    message["type"] = "button";
    message["button"] = {{"payload", p.payload}, {"text", p.payload}};
  } else {
    message["type"] = "interactive";
    message["interactive"] = {{"type", p.kind},
                              {p.kind, {{"id", p.payload}, {"title", p.payload}}}};
  }
  json::object value{
      {"messaging_product", "whatsapp"},
      {"metadata", {{"display_phone_number", p.account}, {"phone_number_id", p.account}}},
      {"contacts", json::array{json::object{{"profile", {{"name", p.user}}}, {"wa_id", p.user}}}},
      {"messages", json::array{message}}};
  return {{"object", "whatsapp_business_account"},
          {"entry", json::array{json::object{
                        {"id", p.waba_id},
                        {"changes", json::array{json::object{{"field", "messages"},
                                                             {"value", std::move(value)}}}}}}}};
}

json::object LineBody(const Press& p) {
  json::object event{{"type", "postback"},
                     {"mode", "active"},
                     {"timestamp", ToUnixMillis(p.at)},
                     {"webhookEventId", p.event_id},
                     {"deliveryContext", {{"isRedelivery", false}}},
                     {"replyToken", "sandbox-reply-" + p.event_id},
                     {"source", {{"type", "user"}, {"userId", p.user}}},
                     {"postback", {{"data", p.payload}}}};
  return {{"destination", p.account}, {"events", json::array{event}}};
}

}  // namespace

WebhookPoster HttpWebhookPoster() {
  return [](const std::string& url, const net::Headers& headers, const std::string& body) {
    net::HttpClient client;
    return client.Send("POST", url, headers, body, 10000);
  };
}

namespace detail {

net::Response WebhookSender::SendPress(const net::Request& request, Time now) {
  auto body = ParseControlBody(request.body);
  if (!body.ok()) return ControlError(body.error());
  const json::object& o = *body;
  auto platform_name = RequiredString(o, "platform");
  if (!platform_name.ok()) return ControlError(platform_name.error());
  const std::optional<Platform> platform = ParsePlatform(*platform_name);
  if (!platform) {
    return ControlError(InvalidArgument(
        "platform", "must be \"messenger\", \"instagram\", \"whatsapp\" or \"line\""));
  }
  Press p{*platform, {}, {}, {}, {}, {}, {}, now};
  for (auto [key, out] : {std::pair{"account", &p.account}, std::pair{"user", &p.user},
                          std::pair{"payload", &p.payload}}) {
    auto value = RequiredString(o, key);
    if (!value.ok()) return ControlError(value.error());
    *out = std::move(*value);
  }
  auto secret = RequiredString(o, "secret");
  if (!secret.ok()) return ControlError(secret.error());
  auto target = RequiredString(o, "target");
  if (!target.ok()) return ControlError(target.error());
  if (!IsLoopbackHttpUrl(*target)) {
    return ControlError(
        InvalidArgument("target",
                        "must be an http URL on 127.0.0.1, localhost or [::1]: the sandbox calls "
                        "nothing else"));
  }
  const bool meta_page = p.platform == Platform::kMessenger || p.platform == Platform::kInstagram;
  const std::string default_kind =
      meta_page ? "postback" : (p.platform == Platform::kWhatsApp ? "button" : "postback");
  auto kind = OptionalString(o, "kind", default_kind);
  if (!kind.ok()) return ControlError(kind.error());
  p.kind = *kind;
  const bool kind_ok =
      meta_page ? (p.kind == "postback" || p.kind == "quick_reply")
      : p.platform == Platform::kWhatsApp
          ? (p.kind == "button" || p.kind == "button_reply" || p.kind == "list_reply")
          : p.kind == "postback";
  if (!kind_ok) {
    return ControlError(
        InvalidArgument("kind", meta_page ? "must be \"postback\" or \"quick_reply\""
                                : p.platform == Platform::kWhatsApp
                                    ? "must be \"button\", \"button_reply\" or \"list_reply\""
                                    : "must be \"postback\""));
  }
  const std::uint64_t n = next_event_.fetch_add(1);
  std::string generated;
  switch (p.platform) {
    case Platform::kMessenger:
    case Platform::kInstagram:
      generated = "m_sandbox_" + std::to_string(n) + "_" + RandomToken(8);
      break;
    case Platform::kWhatsApp:
      generated = "wamid.sandbox" + std::to_string(n) + RandomToken(8);
      break;
    case Platform::kLine: {
      // 26 characters like LINE's ULIDs.
      std::string tail = RandomToken(26);
      generated = "01" + tail.substr(0, 24);
      break;
    }
  }
  auto event_id = OptionalString(o, "event_id", generated);
  if (!event_id.ok()) return ControlError(event_id.error());
  p.event_id = *event_id;
  auto waba = OptionalString(o, "waba_id", "waba-" + p.account);
  if (!waba.ok()) return ControlError(waba.error());
  p.waba_id = *waba;
  auto at = OptionalTime(o, "at");
  if (!at.ok()) return ControlError(at.error());
  if (at->has_value()) p.at = **at;

  const json::object webhook = p.platform == Platform::kLine       ? LineBody(p)
                               : p.platform == Platform::kWhatsApp ? WhatsAppBody(p)
                                                                   : MessengerBody(p);
  const std::string text = json::serialize(webhook);
  net::Headers headers = {{"Content-Type", "application/json"}};
  if (p.platform == Platform::kLine) {
    headers.emplace_back("X-Line-Signature", LineHeader(*secret, text));
  } else {
    headers.emplace_back("X-Hub-Signature-256", MetaHeader(*secret, text));
  }
  auto answer = poster_(*target, headers, text);
  if (!answer.ok()) {
    return ControlError(502, "bad_gateway", "the target did not answer: " + answer.error().message,
                        "target");
  }
  json::object out{{"event_id", p.event_id}, {"status", answer->status}, {"webhook", webhook}};
  boost::system::error_code ec;
  json::value parsed = json::parse(answer->body, ec);
  out["response"] = ec ? json::value(answer->body) : std::move(parsed);
  return JsonOk(200, out);
}

}  // namespace detail
}  // namespace crier::sandbox
