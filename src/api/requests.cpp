#include "api/requests.h"

#include <algorithm>
#include <boost/url/parse.hpp>
#include <cctype>
#include <cmath>
#include <utility>

#include "api/fields.h"
#include "api/filter_json.h"
#include "api/limits.h"
#include "codec/message_json.h"
#include "codec/utf8.h"
#include "core/ceilings.h"

namespace crier::api {
namespace {

Result<const boost::json::object*> TopLevelObject(const boost::json::value& body) {
  if (!body.is_object()) {
    return InvalidArgument(std::string(kBodyField), std::string(kMsgWantObject) + " (got " +
                                                        std::string(JsonTypeName(body)) + ")");
  }
  return &body.get_object();
}

Result<Platform> ReadPlatform(const ObjectReader& r) {
  auto name = r.String("platform");
  if (!name.ok()) return name.error();
  const std::optional<Platform> platform = ParsePlatform(*name);
  if (!platform) return InvalidArgument("platform", std::string(kMsgPlatformUnknown));
  return *platform;
}

Status CheckExternalId(std::string_view id) {
  CRIER_RETURN_IF_ERROR(CheckText("external_id", id, kMaxExternalIdChars));
  for (char c : id) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '_' || c == '-' || c == '.';
    // The id becomes a segment of the platform's URL path.
    if (!ok) {
      return InvalidArgument("external_id", "may contain only letters, digits, '_', '-' and '.'");
    }
  }
  return Status::Ok();
}

// A webhook secret or verify token: given, it must be usable as one. Empty clears it on an
// update (allow_empty) and is refused at creation, where leaving the field out means none.
Status CheckWebhookSecret(std::string_view field, std::string_view secret, bool allow_empty) {
  if (secret.empty()) {
    return allow_empty ? Status::Ok() : InvalidArgument(std::string(field), std::string(kMsgEmpty));
  }
  if (secret.size() > kMaxWebhookSecretBytes) {
    return InvalidArgument(
        std::string(field),
        "is too long: at most " + std::to_string(kMaxWebhookSecretBytes) + " bytes allowed");
  }
  for (unsigned char c : secret) {
    if (c <= 0x20 || c >= 0x7F) {
      return InvalidArgument(std::string(field), "must be visible ASCII without spaces");
    }
  }
  return Status::Ok();
}

// Reads the webhook secrets an account request may carry into `secret` and `verify_token`.
Status ReadWebhookSecrets(const ObjectReader& r, bool allow_empty,
                          std::optional<std::string>& secret,
                          std::optional<std::string>& verify_token) {
  for (auto [field, out] :
       {std::pair{"webhook_secret", &secret}, std::pair{"webhook_verify_token", &verify_token}}) {
    auto value = r.OptString(field);
    if (!value.ok()) return value.error();
    if (!value->has_value()) continue;
    CRIER_RETURN_IF_ERROR(CheckWebhookSecret(field, **value, allow_empty));
    *out = std::move(**value);
  }
  return Status::Ok();
}

}  // namespace

Status CheckVerifyTokenPlatform(Platform platform, const std::optional<std::string>& token) {
  if (platform != Platform::kLine || !token || token->empty()) return Status::Ok();
  return InvalidArgument("webhook_verify_token",
                         "is Meta's webhook handshake; a LINE account has none");
}

namespace {

Status CheckAccessToken(std::string_view token) {
  if (token.empty()) return InvalidArgument("access_token", std::string(kMsgEmpty));
  if (token.size() > kMaxAccessTokenBytes) {
    return InvalidArgument(
        "access_token",
        "is too long: at most " + std::to_string(kMaxAccessTokenBytes) + " bytes allowed");
  }
  // It travels in an HTTP header; anything but visible ASCII would corrupt the request.
  for (unsigned char c : token) {
    if (c <= 0x20 || c >= 0x7F) {
      return InvalidArgument("access_token", "must be visible ASCII without spaces");
    }
  }
  return Status::Ok();
}

// An absolute http(s) URL without credentials, query or fragment; trailing slashes removed so
// that adapters can append "/v25.0/...".
Result<std::string> NormalizeBaseUrl(std::string url) {
  constexpr std::string_view kField = "api_base_url";
  if (url.size() > kMaxUrlBytes) return InvalidArgument(std::string(kField), "is too long");
  auto parsed = boost::urls::parse_absolute_uri(url);
  if (!parsed) {
    return InvalidArgument(
        std::string(kField),
        "must be an absolute http or https URL, e.g. https://graph.facebook.com");
  }
  const boost::urls::url_view& u = *parsed;
  if (u.scheme_id() != boost::urls::scheme::http && u.scheme_id() != boost::urls::scheme::https) {
    return InvalidArgument(std::string(kField), "must use the http or https scheme");
  }
  if (u.encoded_host().empty()) return InvalidArgument(std::string(kField), "must name a host");
  if (u.has_userinfo()) {
    return InvalidArgument(std::string(kField), "must not contain credentials");
  }
  if (u.has_query() || u.has_fragment()) {
    return InvalidArgument(std::string(kField), "must not have a query or a fragment");
  }
  while (!url.empty() && url.back() == '/') url.pop_back();
  return url;
}

Status CheckApiVersion(std::string_view v) {
  // "v25.0": Graph API versions.
  bool ok = v.size() >= 4 && v.size() <= 16 && v[0] == 'v';
  bool dot = false;
  for (std::size_t i = 1; ok && i < v.size(); ++i) {
    if (v[i] == '.') {
      ok = !dot && i > 1 && i + 1 < v.size();
      dot = true;
    } else {
      ok = v[i] >= '0' && v[i] <= '9';
    }
  }
  if (!ok || !dot) return InvalidArgument("api_version", "must look like v25.0");
  return Status::Ok();
}

Result<Pacing> ReadPacing(const boost::json::object& object) {
  ObjectReader r(object, "pacing");
  CRIER_RETURN_IF_ERROR(
      r.RejectUnknown({"messages_per_second", "max_concurrency", "platform_messages_per_second",
                       "whatsapp_tier", "line_monthly_quota"}));
  Pacing pacing;
  auto rate = r.OptNumber("messages_per_second");
  if (!rate.ok()) return rate.error();
  if (rate->has_value()) {
    const double v = **rate;
    if (!(v > 0) || v > kMaxMessagesPerSecond || !std::isfinite(v)) {
      return InvalidArgument(r.Path("messages_per_second"),
                             "must be greater than 0 and at most 100000");
    }
    pacing.messages_per_second = v;
  }
  auto concurrency = r.OptInt("max_concurrency");
  if (!concurrency.ok()) return concurrency.error();
  if (concurrency->has_value()) {
    const std::int64_t v = **concurrency;
    if (v < kMinConcurrency || v > kMaxConcurrency) {
      return InvalidArgument(r.Path("max_concurrency"), "must be between 1 and 1024");
    }
    pacing.max_concurrency = static_cast<int>(v);
  }
  auto platform_rate = r.OptNumber("platform_messages_per_second");
  if (!platform_rate.ok()) return platform_rate.error();
  if (platform_rate->has_value()) {
    const double v = **platform_rate;
    if (!(v > 0) || v > kMaxMessagesPerSecond || !std::isfinite(v)) {
      return InvalidArgument(r.Path("platform_messages_per_second"),
                             "must be greater than 0 and at most 100000");
    }
    pacing.platform_messages_per_second = v;
  }
  auto tier = r.OptString("whatsapp_tier");
  if (!tier.ok()) return tier.error();
  if (tier->has_value()) {
    const std::optional<WhatsAppTier> parsed = ParseWhatsAppTier(**tier);
    if (!parsed) {
      return InvalidArgument(r.Path("whatsapp_tier"),
                             "must be one of \"250\", \"2000\", \"10000\", \"100000\", "
                             "\"unlimited\"");
    }
    pacing.whatsapp_tier = *parsed;
  }
  auto quota = r.OptInt("line_monthly_quota");
  if (!quota.ok()) return quota.error();
  if (quota->has_value()) {
    if (**quota < 1 || **quota > kMaxLineMonthlyQuota) {
      return InvalidArgument(r.Path("line_monthly_quota"),
                             "must be between 1 and " + std::to_string(kMaxLineMonthlyQuota));
    }
    pacing.line_monthly_quota = **quota;
  }
  return pacing;
}

// G3: official-site domains, lower-cased: "shop.example", not a URL.
Result<std::vector<std::string>> ReadDomains(const boost::json::array& list,
                                             const std::string& path) {
  constexpr std::size_t kMaxDomains = 50;
  if (list.size() > kMaxDomains) {
    return InvalidArgument(path, "has " + std::to_string(list.size()) + " domains, at most " +
                                     std::to_string(kMaxDomains) + " allowed");
  }
  std::vector<std::string> out;
  for (std::size_t i = 0; i < list.size(); ++i) {
    const std::string field = ElementPath(path, i);
    if (!list[i].is_string()) return InvalidArgument(field, std::string(kMsgWantString));
    std::string domain(list[i].get_string());
    std::transform(domain.begin(), domain.end(), domain.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    const bool ok =
        !domain.empty() && domain.size() <= 253 && domain.front() != '.' && domain.back() != '.' &&
        domain.find("..") == std::string::npos &&
        std::all_of(domain.begin(), domain.end(), [](char c) {
          return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '.';
        });
    if (!ok) {
      return InvalidArgument(field,
                             "must be a domain such as \"shop.example\" (no scheme, path "
                             "or port)");
    }
    out.push_back(std::move(domain));
  }
  return out;
}

// The members of a "capabilities" object that are given, each checked; `allow_clear` lets a
// text member be "" (an update that removes it).
Result<ChannelAccountUpdate> ReadCapabilityMembers(const boost::json::object& object,
                                                   bool allow_clear) {
  ObjectReader r(object, "capabilities");
  CRIER_RETURN_IF_ERROR(
      r.RejectUnknown({"utility_messaging", "marketing_message_api", "business_region", "waba_id",
                       "ad_account_id", "message_tags_locked", "official_domains"}));
  ChannelAccountUpdate u;
  for (auto [key, target] : {std::pair{"utility_messaging", &u.utility_messaging},
                             std::pair{"marketing_message_api", &u.marketing_message_api},
                             std::pair{"message_tags_locked", &u.message_tags_locked}}) {
    auto flag = r.OptBool(key);
    if (!flag.ok()) return flag.error();
    *target = *flag;
  }
  auto region = r.OptString("business_region");
  if (!region.ok()) return region.error();
  if (region->has_value()) {
    const std::string& v = **region;
    const bool two_letters = v.size() == 2 && std::isupper(static_cast<unsigned char>(v[0])) &&
                             std::isupper(static_cast<unsigned char>(v[1]));
    if (!two_letters && !(allow_clear && v.empty())) {
      return InvalidArgument(r.Path("business_region"),
                             "must be an ISO 3166-1 alpha-2 code such as \"TW\"");
    }
    u.business_region = v;
  }
  for (auto [key, target] :
       {std::pair{"waba_id", &u.waba_id}, std::pair{"ad_account_id", &u.ad_account_id}}) {
    auto text = r.OptString(key);
    if (!text.ok()) return text.error();
    if (!text->has_value()) continue;
    if (!(allow_clear && (*text)->empty())) {
      CRIER_RETURN_IF_ERROR(CheckText(r.Path(key), **text, kMaxExternalIdChars));
    }
    *target = std::move(**text);
  }
  auto domains = r.OptArray("official_domains");
  if (!domains.ok()) return domains.error();
  if (*domains != nullptr) {
    auto read = ReadDomains(**domains, r.Path("official_domains"));
    if (!read.ok()) return read.error();
    u.official_domains = std::move(*read);
  }
  return u;
}

Result<AccountCapabilities> ReadCapabilities(const boost::json::object& object) {
  auto given = ReadCapabilityMembers(object, /*allow_clear=*/false);
  if (!given.ok()) return given.error();
  AccountCapabilities c;
  c.utility_messaging = given->utility_messaging.value_or(false);
  c.marketing_message_api = given->marketing_message_api.value_or(false);
  c.message_tags_locked = given->message_tags_locked.value_or(false);
  c.business_region = given->business_region.value_or("");
  c.waba_id = given->waba_id.value_or("");
  c.ad_account_id = given->ad_account_id.value_or("");
  c.official_domains = given->official_domains.value_or(std::vector<std::string>{});
  return c;
}

Result<OutsideWindow> ReadOutsideWindow(const boost::json::object& object) {
  ObjectReader r(object, "outside_window");
  CRIER_RETURN_IF_ERROR(r.RejectUnknown({"message_tag", "utility_template", "marketing_tokens",
                                         "marketing_message_api", "marketing_campaign_id"}));
  OutsideWindow w;
  auto tag = r.OptString("message_tag");
  if (!tag.ok()) return tag.error();
  if (tag->has_value()) w.message_tag = std::move(**tag);
  auto campaign = r.OptString("marketing_campaign_id");
  if (!campaign.ok()) return campaign.error();
  if (campaign->has_value()) {
    CRIER_RETURN_IF_ERROR(
        CheckText(r.Path("marketing_campaign_id"), **campaign, kMaxExternalIdChars));
    w.marketing_campaign_id = std::move(**campaign);
  }
  for (auto [key, flag] : {std::pair{"utility_template", &w.utility_template},
                           std::pair{"marketing_tokens", &w.marketing_tokens},
                           std::pair{"marketing_message_api", &w.marketing_message_api}}) {
    auto value = r.OptBool(key);
    if (!value.ok()) return value.error();
    *flag = value->value_or(false);
  }
  return w;
}

}  // namespace

Result<NewChannelAccount> ParseNewChannelAccount(const boost::json::value& body) {
  auto object = TopLevelObject(body);
  if (!object.ok()) return object.error();
  ObjectReader r(**object, "");
  CRIER_RETURN_IF_ERROR(r.RejectUnknown(
      {"platform", "name", "external_id", "access_token", "api_base_url", "api_version",
       "time_zone", "pacing", "capabilities", "webhook_secret", "webhook_verify_token"}));
  NewChannelAccount in;
  auto platform = ReadPlatform(r);
  if (!platform.ok()) return platform.error();
  in.platform = *platform;

  auto name = r.String("name");
  if (!name.ok()) return name.error();
  CRIER_RETURN_IF_ERROR(CheckText("name", *name, kMaxNameChars));
  in.name = std::move(*name);

  auto external_id = r.String("external_id");
  if (!external_id.ok()) return external_id.error();
  CRIER_RETURN_IF_ERROR(CheckExternalId(*external_id));
  in.external_id = std::move(*external_id);

  auto token = r.String("access_token");
  if (!token.ok()) return token.error();
  CRIER_RETURN_IF_ERROR(CheckAccessToken(*token));
  in.access_token = std::move(*token);

  std::optional<std::string> secret;
  std::optional<std::string> verify_token;
  CRIER_RETURN_IF_ERROR(ReadWebhookSecrets(r, /*allow_empty=*/false, secret, verify_token));
  in.webhook_secret = secret.value_or("");
  in.webhook_verify_token = verify_token.value_or("");
  CRIER_RETURN_IF_ERROR(CheckVerifyTokenPlatform(in.platform, verify_token));

  auto url = r.String("api_base_url");
  if (!url.ok()) return url.error();
  auto normalized = NormalizeBaseUrl(std::move(*url));
  if (!normalized.ok()) return normalized.error();
  in.api_base_url = std::move(*normalized);

  auto version = r.OptString("api_version");
  if (!version.ok()) return version.error();
  if (version->has_value()) {
    CRIER_RETURN_IF_ERROR(CheckApiVersion(**version));
    in.api_version = std::move(**version);
  }

  auto tz = r.OptString("time_zone");
  if (!tz.ok()) return tz.error();
  if (tz->has_value()) {
    CRIER_RETURN_IF_ERROR(CheckTimeZone("time_zone", **tz));
    in.time_zone = std::move(**tz);
  }

  auto pacing = r.OptObject("pacing");
  if (!pacing.ok()) return pacing.error();
  if (*pacing != nullptr) {
    auto read = ReadPacing(**pacing);
    if (!read.ok()) return read.error();
    in.pacing = *read;
    // A ceiling of another platform would be stored and never apply: refused instead.
    for (auto [key, platform] : {std::pair{"whatsapp_tier", Platform::kWhatsApp},
                                 std::pair{"line_monthly_quota", Platform::kLine}}) {
      if ((*pacing)->contains(key) && in.platform != platform) {
        return InvalidArgument("pacing." + std::string(key),
                               "applies to " + std::string(ToString(platform)) + " accounts only");
      }
    }
  }

  auto capabilities = r.OptObject("capabilities");
  if (!capabilities.ok()) return capabilities.error();
  if (*capabilities != nullptr) {
    auto read = ReadCapabilities(**capabilities);
    if (!read.ok()) return read.error();
    in.capabilities = std::move(*read);
  }
  // A template belongs to one WABA (A3): a number without its WABA could not say which
  // templates it may send.
  if (in.platform == Platform::kWhatsApp && in.capabilities.waba_id.empty()) {
    return InvalidArgument("capabilities.waba_id",
                           "is required for a WhatsApp account: the WhatsApp Business Account "
                           "its phone number belongs to");
  }
  return in;
}

Result<ChannelAccountUpdate> ParseChannelAccountUpdate(const boost::json::value& body) {
  auto object = TopLevelObject(body);
  if (!object.ok()) return object.error();
  ObjectReader r(**object, "");
  CRIER_RETURN_IF_ERROR(
      r.RejectUnknown({"capabilities", "pacing", "webhook_secret", "webhook_verify_token"}));
  ChannelAccountUpdate update;
  auto capabilities = r.OptObject("capabilities");
  if (!capabilities.ok()) return capabilities.error();
  if (*capabilities != nullptr) {
    auto read = ReadCapabilityMembers(**capabilities, /*allow_clear=*/true);
    if (!read.ok()) return read.error();
    update = std::move(*read);
  }
  auto pacing = r.OptObject("pacing");
  if (!pacing.ok()) return pacing.error();
  if (*pacing != nullptr) {
    ObjectReader p(**pacing, "pacing");
    // Read as at creation (same bounds, same messages), keeping only the members given.
    auto read = ReadPacing(**pacing);
    if (!read.ok()) return read.error();
    if (p.Has("messages_per_second")) update.messages_per_second = read->messages_per_second;
    if (p.Has("max_concurrency")) update.max_concurrency = read->max_concurrency;
  }
  CRIER_RETURN_IF_ERROR(ReadWebhookSecrets(r, /*allow_empty=*/true, update.webhook_secret,
                                           update.webhook_verify_token));
  if (*capabilities == nullptr && *pacing == nullptr && !update.webhook_secret &&
      !update.webhook_verify_token) {
    return InvalidArgument(std::string(kBodyField),
                           "names nothing to change: give capabilities, pacing, webhook_secret "
                           "or webhook_verify_token");
  }
  return update;
}

Result<boost::json::object> ObjectBody(const net::Request& request) {
  auto body = ParseJson(request.body);
  if (!body.ok()) return body.error();
  if (!body->is_object()) {
    return InvalidArgument(std::string(kBodyField), std::string(kMsgWantObject));
  }
  return std::move(body->get_object());
}

Result<NewBroadcast> ParseNewBroadcast(const boost::json::value& body) {
  auto object = TopLevelObject(body);
  if (!object.ok()) return object.error();
  ObjectReader r(**object, "");
  CRIER_RETURN_IF_ERROR(r.RejectUnknown({"name", "channel_account_id", "purpose", "audience",
                                         "messages", "outside_window", "track_clicks"}));
  NewBroadcast in;

  auto name = r.String("name");
  if (!name.ok()) return name.error();
  CRIER_RETURN_IF_ERROR(CheckText("name", *name, kMaxNameChars));
  in.name = std::move(*name);

  auto account = r.OptId("channel_account_id");
  if (!account.ok()) return account.error();
  if (!account->has_value()) {
    return InvalidArgument("channel_account_id", std::string(kMsgRequired));
  }
  in.channel_account_id = **account;

  auto purpose = r.String("purpose");
  if (!purpose.ok()) return purpose.error();
  const std::optional<Purpose> parsed_purpose = ParsePurpose(*purpose);
  if (!parsed_purpose) {
    return InvalidArgument("purpose", "must be \"promotional\" or \"non_promotional\"");
  }
  in.purpose = *parsed_purpose;

  auto audience = r.OptObject("audience");
  if (!audience.ok()) return audience.error();
  if (*audience != nullptr) {
    ObjectReader a(**audience, "audience");
    CRIER_RETURN_IF_ERROR(a.RejectUnknown({"any_tags", "filter"}));
    if (const boost::json::value* filter = (**audience).if_contains("filter");
        filter != nullptr && !filter->is_null()) {
      // The JSON form or the text form (a string); stored in the canonical text form.
      auto node = FilterFromJson(*filter, "audience.filter");
      if (!node.ok()) return node.error();
      in.audience.filter = filter::ToText(*node);
    }
    auto tags = a.OptArray("any_tags");
    if (!tags.ok()) return tags.error();
    if (*tags != nullptr) {
      for (std::size_t i = 0; i < (*tags)->size(); ++i) {
        const boost::json::value& tag = (**tags)[i];
        const std::string path = ElementPath(a.Path("any_tags"), i);
        if (!tag.is_string()) {
          return InvalidArgument(
              path, std::string(kMsgWantString) + " (got " + std::string(JsonTypeName(tag)) + ")");
        }
        std::string value(tag.get_string());
        CRIER_RETURN_IF_ERROR(CheckText(path, value, kMaxTagChars));
        in.audience.any_tags.push_back(std::move(value));
      }
    }
  }

  auto messages = ParseMessagesField(**object);
  if (!messages.ok()) return messages.error();
  in.messages = std::move(*messages);

  auto outside = r.OptObject("outside_window");
  if (!outside.ok()) return outside.error();
  if (*outside != nullptr) {
    auto read = ReadOutsideWindow(**outside);
    if (!read.ok()) return read.error();
    in.outside_window = std::move(*read);
  }
  auto track = r.OptBool("track_clicks");
  if (!track.ok()) return track.error();
  in.track_clicks = track->value_or(false);
  return in;
}

Result<std::vector<Message>> ParseMessagesField(const boost::json::object& body) {
  const boost::json::value* messages = body.if_contains("messages");
  if (messages == nullptr || messages->is_null()) {
    return InvalidArgument("messages", std::string(kMsgRequired));
  }
  return MessagesFromJson(*messages, "messages");
}

}  // namespace crier::api
