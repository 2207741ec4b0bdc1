#include "api/webhook_handlers.h"

#include <spdlog/spdlog.h>

#include <boost/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "api/limits.h"
#include "api/response.h"
#include "core/inbound.h"
#include "core/templates.h"
#include "webhooks/parse.h"
#include "webhooks/signature.h"

namespace crier::api {
namespace {

constexpr std::string_view kModeParam = "hub.mode";
constexpr std::string_view kVerifyTokenParam = "hub.verify_token";
constexpr std::string_view kChallengeParam = "hub.challenge";

Error Forbidden(std::string message, std::string field) {
  return {ErrorCode::kPermissionDenied, std::move(message), std::move(field)};
}

bool IsMeta(Platform p) { return p != Platform::kLine; }

// The subscription a payload asks for: only crier's own subscribe / unsubscribe buttons
// change it; crier:none, bot flows and reserved payloads this build does not know are an
// interaction and nothing more.
std::optional<SubscriptionStatus> SubscriptionAskedBy(std::string_view payload) {
  const std::optional<ButtonBehaviour> intent = ButtonIntentOf(payload);
  if (intent == ButtonBehaviour::kSubscribe) return SubscriptionStatus::kSubscribed;
  if (intent == ButtonBehaviour::kUnsubscribe) return SubscriptionStatus::kUnsubscribed;
  return std::nullopt;
}

std::string_view IntentName(std::string_view payload) {
  const std::optional<ButtonBehaviour> intent = ButtonIntentOf(payload);
  return intent ? ToString(*intent) : std::string_view("unknown");
}

// The accounts that take the body's events: for each platform id it targets, the accounts
// with that id whose secret verifies the signature. An id crier does not know, or whose
// accounts hold another secret, takes nothing (Meta batches every Page and number of an app
// in one body, and one unknown must not hold back the others); but a body that no known
// account's secret verifies is refused, so nothing unsigned is ever accepted. A WhatsApp
// entry may name only its WABA (template and quality updates): the numbers of that WABA
// verify it. `verify` checks one secret.
template <class Verify>
Result<std::vector<std::pair<std::string, std::vector<Id>>>> AuthorisedAccounts(
    Store& store, const webhooks::ParsedWebhook& parsed, Verify&& verify) {
  auto accounts = store.ListChannelAccounts();
  if (!accounts.ok()) return accounts.error();
  std::vector<std::pair<std::string, std::vector<Id>>> out;
  std::optional<Error> refusal;
  bool verified_any = false;
  for (const std::string& platform_id : parsed.accounts) {
    std::vector<Id> verified;
    for (const ChannelAccount& a : *accounts) {
      if (a.platform != parsed.platform) continue;
      const bool named = a.external_id == platform_id;
      const bool in_waba =
          a.platform == Platform::kWhatsApp && a.capabilities.waba_id == platform_id;
      if (!named && !in_waba) continue;
      const Status checked = verify(a.webhook_secret);
      if (!checked.ok()) {
        if (!refusal) refusal = checked.error();
        continue;
      }
      verified_any = true;
      if (named) verified.push_back(a.id);
    }
    if (!verified.empty()) out.emplace_back(platform_id, std::move(verified));
  }
  if (verified_any) return out;
  if (refusal) return *refusal;
  return Forbidden(
      "names no " + std::string(ToString(parsed.platform)) + " channel account crier knows",
      parsed.platform == Platform::kLine ? "destination" : "entry");
}

template <class Verify>
net::Response Accept(RequestContext& c, Result<webhooks::ParsedWebhook> parsed, Verify&& verify) {
  if (!parsed.ok()) return ErrorResponse(parsed.error());
  auto authorised = AuthorisedAccounts(c.store, *parsed, verify);
  if (!authorised.ok()) {
    spdlog::warn("event=webhook_refused platform={} reason=\"{}\"", ToString(parsed->platform),
                 authorised.error().ToString());
    return ErrorResponse(authorised.error());
  }
  std::vector<InboundPress> presses;
  std::vector<const ButtonPress*> sources;
  std::int64_t unclaimed = 0;  // presses for an account crier does not know (or not by this secret)
  for (const ButtonPress& press : parsed->presses) {
    bool claimed = false;
    for (const auto& [platform_id, ids] : *authorised) {
      if (platform_id != press.account_platform_id) continue;
      for (Id id : ids) {
        presses.push_back(InboundPress{id, press.user_id, press.event_id, press.time,
                                       SubscriptionAskedBy(press.payload)});
        sources.push_back(&press);
        claimed = true;
      }
    }
    if (!claimed) ++unclaimed;
  }
  if (unclaimed > 0) {
    spdlog::warn("event=webhook_presses_unclaimed platform={} count={}", ToString(parsed->platform),
                 unclaimed);
  }
  auto outcomes = c.store.ApplyPresses(presses, c.clock.Now());
  if (!outcomes.ok()) return ErrorResponse(outcomes.error());
  std::int64_t applied = 0;
  std::int64_t duplicates = 0;
  for (std::size_t i = 0; i < presses.size(); ++i) {
    const PressOutcome& o = (*outcomes)[i];
    const InboundPress& p = presses[i];
    if (o.duplicate) {
      ++duplicates;
      spdlog::info("event=webhook_press_duplicate platform={} account={} event_id={}",
                   ToString(parsed->platform), p.channel_account_id, p.event_id);
      continue;
    }
    ++applied;
    // The contact id, not the platform user id: logs carry no personal identifiers.
    spdlog::info(
        "event=webhook_press platform={} account={} contact={} created={} intent={} "
        "subscription={} event_id={} pressed_at={}",
        ToString(parsed->platform), p.channel_account_id, o.contact_id, o.contact_created,
        IntentName(sources[i]->payload),
        o.subscription_applied ? ToString(*p.subscription)
                               : (p.subscription ? "kept_newer" : "unchanged"),
        p.event_id, FormatRfc3339(p.event_time));
  }
  boost::json::object body;
  body["presses"] = parsed->presses.size();
  body["applied"] = applied;
  body["duplicates"] = duplicates;
  body["skipped"] = parsed->skipped + unclaimed;
  return JsonResponse(200, body);
}

}  // namespace

net::Response MetaWebhookVerify(RequestContext& c) {
  const std::optional<std::string_view> challenge = c.request.query_param(kChallengeParam);
  if (!challenge || challenge->empty()) {
    return ErrorResponse(InvalidArgument(std::string(kChallengeParam), "is required"));
  }
  const std::string_view mode = c.request.query_param(kModeParam).value_or("");
  const std::string_view token = c.request.query_param(kVerifyTokenParam).value_or("");
  if (mode != "subscribe") {
    return ErrorResponse(Forbidden("must be \"subscribe\"", std::string(kModeParam)));
  }
  auto accounts = c.store.ListChannelAccounts();
  if (!accounts.ok()) return ErrorResponse(accounts.error());
  bool matched = false;
  for (const ChannelAccount& a : *accounts) {
    // Every account is compared, so the time taken does not say which one matched.
    if (IsMeta(a.platform) && !a.webhook_verify_token.empty() &&
        webhooks::ConstantTimeEquals(a.webhook_verify_token, token)) {
      matched = true;
    }
  }
  if (!matched || token.empty()) {
    return ErrorResponse(Forbidden("matches no Meta channel account's webhook_verify_token",
                                   std::string(kVerifyTokenParam)));
  }
  return net::Response::Text(200, std::string(*challenge));
}

net::Response MetaWebhook(RequestContext& c) {
  if (c.request.body.size() > kMaxWebhookBodyBytes) {
    return TooLarge(kMaxWebhookBodyBytes, "webhook body");
  }
  const std::optional<std::string_view> header = c.request.header(webhooks::kMetaSignatureHeader);
  return Accept(c, webhooks::ParseMetaWebhook(c.request.body), [&](std::string_view secret) {
    return webhooks::VerifyMetaSignature(header, secret, c.request.body);
  });
}

net::Response LineWebhook(RequestContext& c) {
  if (c.request.body.size() > kMaxWebhookBodyBytes) {
    return TooLarge(kMaxWebhookBodyBytes, "webhook body");
  }
  const std::optional<std::string_view> header = c.request.header(webhooks::kLineSignatureHeader);
  return Accept(c, webhooks::ParseLineWebhook(c.request.body), [&](std::string_view secret) {
    return webhooks::VerifyLineSignature(header, secret, c.request.body);
  });
}

}  // namespace crier::api
