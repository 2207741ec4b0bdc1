#include "api/wire.h"

#include <type_traits>
#include <variant>

#include "codec/message_json.h"
#include "core/ceilings.h"

namespace crier::api {
namespace {

boost::json::object Counts(const std::vector<std::pair<std::string, std::int64_t>>& counts) {
  boost::json::object out;
  for (const auto& [code, n] : counts) out[code] = n;
  return out;
}

// Empty strings of a delivery mean "does not apply": null says so more plainly.
boost::json::value StringOrNull(const std::string& s) {
  if (s.empty()) return nullptr;
  return boost::json::value(s);
}

boost::json::value OptionalInt(const std::optional<std::int64_t>& v) {
  if (!v) return nullptr;
  return boost::json::value(*v);
}

}  // namespace

// The token string is a credential for sending to the person: it is never written, only
// that there is one.
boost::json::value MarketingTokenJson(const std::optional<MarketingToken>& token) {
  if (!token) return nullptr;
  boost::json::object out;
  out["present"] = true;
  out["expires_at"] = FormatRfc3339(token->expires_at);
  out["stopped"] = token->stopped;
  out["last_sent_at"] = TimeJson(token->last_sent_at);
  return out;
}

boost::json::value TimeJson(const std::optional<Time>& t) {
  if (!t) return nullptr;
  return boost::json::value(FormatRfc3339(*t));
}

boost::json::object ToJson(const ChannelAccount& account) {
  boost::json::object pacing;
  pacing["messages_per_second"] = account.pacing.messages_per_second;
  pacing["max_concurrency"] = account.pacing.max_concurrency;
  pacing["platform_messages_per_second"] = PlatformMessagesPerSecond(account);
  if (account.platform == Platform::kWhatsApp) {
    pacing["whatsapp_tier"] = ToString(account.pacing.whatsapp_tier);
  }
  if (account.platform == Platform::kLine) {
    pacing["line_monthly_quota"] = account.pacing.line_monthly_quota
                                       ? boost::json::value(*account.pacing.line_monthly_quota)
                                       : boost::json::value(nullptr);
  }
  boost::json::object out;
  out["id"] = account.id;
  out["platform"] = ToString(account.platform);
  out["name"] = account.name;
  out["external_id"] = account.external_id;
  out["api_base_url"] = account.api_base_url;
  out["api_version"] = account.api_version;
  out["time_zone"] = account.time_zone;
  out["pacing"] = std::move(pacing);
  boost::json::object capabilities;
  capabilities["utility_messaging"] = account.capabilities.utility_messaging;
  capabilities["marketing_message_api"] = account.capabilities.marketing_message_api;
  capabilities["business_region"] = account.capabilities.business_region;
  capabilities["waba_id"] = account.capabilities.waba_id;
  capabilities["ad_account_id"] = account.capabilities.ad_account_id;
  capabilities["message_tags_locked"] = account.capabilities.message_tags_locked;
  boost::json::array domains;
  for (const auto& d : account.capabilities.official_domains) domains.emplace_back(d);
  capabilities["official_domains"] = std::move(domains);
  out["capabilities"] = std::move(capabilities);
  out["access_token_set"] = !account.access_token.empty();
  // Secrets are never returned; whether they are set tells an operator webhooks will work.
  out["webhook_secret_set"] = !account.webhook_secret.empty();
  out["webhook_verify_token_set"] = !account.webhook_verify_token.empty();
  out["created_at"] = FormatRfc3339(account.created_at);
  return out;
}

boost::json::object ToJson(const Contact& contact) {
  boost::json::object subscription;
  subscription["status"] = ToString(contact.subscription);
  subscription["changed_at"] = TimeJson(contact.subscription_changed_at);
  boost::json::array tags;
  for (const std::string& tag : contact.tags) tags.emplace_back(tag);
  boost::json::array identities;
  for (const Identity& identity : contact.identities) {
    boost::json::object i;
    i["channel_account_id"] = identity.channel_account_id;
    i["platform_user_id"] = identity.platform_user_id;
    i["last_inbound_at"] = TimeJson(identity.last_inbound_at);
    i["window_opener"] = ToString(identity.window_opener);
    i["blocked"] = identity.blocked;
    i["opted_in"] = identity.opted_in;
    i["marketing_opted_out"] = identity.marketing_opted_out;
    i["suppressed_at"] = TimeJson(identity.suppressed_at);
    i["marketing_token"] = MarketingTokenJson(identity.marketing_token);
    identities.emplace_back(std::move(i));
  }
  boost::json::object out;
  out["id"] = contact.id;
  out["name"] = contact.name;
  out["first_name"] = contact.first_name;
  out["locale"] = contact.locale;
  out["time_zone"] = contact.time_zone;
  out["region"] = contact.region;
  out["subscription"] = std::move(subscription);
  out["tags"] = std::move(tags);
  boost::json::object attributes;
  for (const Attribute& a : contact.attributes) {
    attributes[a.key] = std::visit(
        [](const auto& v) -> boost::json::value {
          using T = std::decay_t<decltype(v)>;
          if constexpr (std::is_same_v<T, Time>) {
            boost::json::object time;
            time["time"] = FormatRfc3339(v);
            return time;
          } else {
            return boost::json::value(v);
          }
        },
        a.value);
  }
  out["attributes"] = std::move(attributes);
  if (contact.conversation_state) {
    out["conversation_state"] = ToString(*contact.conversation_state);
  } else {
    out["conversation_state"] = nullptr;
  }
  out["assignee"] = contact.assignee;
  out["identities"] = std::move(identities);
  out["created_at"] = FormatRfc3339(contact.created_at);
  out["updated_at"] = FormatRfc3339(contact.updated_at);
  return out;
}

boost::json::object LinksJson(const std::vector<Link>& links) {
  boost::json::array items;
  std::int64_t official = 0;
  for (const Link& link : links) {
    official += link.official ? 1 : 0;
    items.push_back(boost::json::object{{"message_index", link.message_index},
                                        {"field", link.field},
                                        {"url", link.url},
                                        {"official", link.official}});
  }
  boost::json::object out;
  out["count"] = links.size();
  out["official"] = official;
  out["other"] = static_cast<std::int64_t>(links.size()) - official;
  out["items"] = std::move(items);
  return out;
}

boost::json::object ToJson(const Broadcast& broadcast) {
  boost::json::array any_tags;
  for (const std::string& tag : broadcast.audience.any_tags) any_tags.emplace_back(tag);
  boost::json::object audience;
  audience["any_tags"] = std::move(any_tags);
  if (!broadcast.audience.filter.empty()) audience["filter"] = broadcast.audience.filter;
  boost::json::object out;
  out["id"] = broadcast.id;
  out["name"] = broadcast.name;
  out["channel_account_id"] = broadcast.channel_account_id;
  out["purpose"] = ToString(broadcast.purpose);
  out["audience"] = std::move(audience);
  out["messages"] = MessagesToJson(broadcast.messages);
  boost::json::object outside;
  outside["message_tag"] = broadcast.outside_window.message_tag.empty()
                               ? boost::json::value(nullptr)
                               : boost::json::value(broadcast.outside_window.message_tag);
  outside["utility_template"] = broadcast.outside_window.utility_template;
  outside["marketing_tokens"] = broadcast.outside_window.marketing_tokens;
  outside["marketing_message_api"] = broadcast.outside_window.marketing_message_api;
  outside["marketing_campaign_id"] = StringOrNull(broadcast.outside_window.marketing_campaign_id);
  out["outside_window"] = std::move(outside);
  out["track_clicks"] = broadcast.track_clicks;
  out["status"] = ToString(broadcast.status);
  out["created_at"] = FormatRfc3339(broadcast.created_at);
  out["updated_at"] = FormatRfc3339(broadcast.updated_at);
  return out;
}

boost::json::object ToJson(const Run& run) {
  boost::json::object out;
  out["id"] = run.id;
  out["broadcast_id"] = run.broadcast_id;
  out["status"] = ToString(run.status);
  out["created_at"] = FormatRfc3339(run.created_at);
  out["planned_at"] = TimeJson(run.planned_at);
  out["finished_at"] = TimeJson(run.finished_at);
  return out;
}

boost::json::object ToJson(const DeliveryRecord& d) {
  boost::json::object out;
  out["id"] = d.id;
  out["contact_id"] = d.contact_id;
  out["platform_user_id"] = d.platform_user_id;
  out["state"] = ToString(d.state);
  out["route"] = StringOrNull(d.route);
  out["skip_reason"] = StringOrNull(d.skip_reason);
  out["platform_message_id"] = StringOrNull(d.platform_message_id);
  out["error_class"] = StringOrNull(d.error_class);
  out["error_code"] = StringOrNull(d.error_code);
  out["error_message"] = StringOrNull(d.error_message);
  out["attempts"] = d.attempts;
  out["created_at"] = FormatRfc3339(d.created_at);
  out["sent_at"] = TimeJson(d.sent_at);
  return out;
}

boost::json::object ToJson(const engine::PreviewResult& preview) {
  boost::json::object explanations;
  for (const auto& [code, line] : preview.explanations) explanations[code] = line;
  boost::json::object out;
  out["matched"] = preview.matched;
  out["sendable"] = preview.sendable;
  out["by_route"] = Counts(preview.by_route);
  out["by_skip_reason"] = Counts(preview.by_skip_reason);
  out["explanations"] = std::move(explanations);
  out["estimated_seconds"] = preview.estimated_seconds;
  out["messages_per_second"] = preview.messages_per_second;
  out["platform_messages_per_second"] = preview.platform_messages_per_second;
  out["line_quota_cost"] = preview.line_quota_cost;
  if (const auto& use = preview.whatsapp_messaging_limit) {
    boost::json::object limit;
    limit["tier"] = ToString(use->tier);
    limit["limit"] = OptionalInt(use->limit);
    limit["used"] = use->used;
    limit["adds"] = use->adds;
    limit["fits"] = use->fits;
    limit["last_fits_at"] = TimeJson(use->last_fits_at);
    out["whatsapp_messaging_limit"] = std::move(limit);
  } else {
    out["whatsapp_messaging_limit"] = nullptr;
  }
  if (const auto& use = preview.line_quota) {
    boost::json::object quota;
    quota["limit"] = OptionalInt(use->limit);
    quota["used"] = use->used;
    quota["cost"] = use->cost;
    quota["remaining"] = OptionalInt(use->remaining);
    quota["fits"] = use->fits;
    quota["refills_at"] = FormatRfc3339(use->refills_at);
    out["line_quota"] = std::move(quota);
  } else {
    out["line_quota"] = nullptr;
  }
  boost::json::array notes;
  for (const std::string& note : preview.ceiling_notes) notes.emplace_back(note);
  out["ceiling_notes"] = std::move(notes);
  boost::json::array changes;
  for (const std::string& change : preview.rule_changes) changes.emplace_back(change);
  out["rule_changes"] = std::move(changes);
  return out;
}

boost::json::object ToJson(const engine::SendNowResult& result) {
  boost::json::object out;
  out["run"] = ToJson(result.run);
  out["planned"] = result.planned;
  out["skipped"] = result.skipped;
  return out;
}

boost::json::object ToJson(Id broadcast_id, const RunReport& report) {
  // Every state is present, so clients need not guess which zeros were left out.
  boost::json::object by_state;
  for (DeliveryState s : {DeliveryState::kPlanned, DeliveryState::kSending, DeliveryState::kSent,
                          DeliveryState::kFailed, DeliveryState::kSkipped}) {
    by_state[ToString(s)] = 0;
  }
  std::int64_t unresolved = 0;
  for (const auto& [state, n] : report.by_state) {
    by_state[state] = n;
    if (state == ToString(DeliveryState::kPlanned) || state == ToString(DeliveryState::kSending)) {
      unresolved += n;
    }
  }
  const RunStatus status = report.run.status;
  const bool done = status == RunStatus::kCompleted || status == RunStatus::kCancelled ||
                    (status == RunStatus::kSending && unresolved == 0);
  boost::json::object out;
  out["broadcast_id"] = broadcast_id;
  out["run"] = ToJson(report.run);
  out["matched"] = report.matched;
  out["by_state"] = std::move(by_state);
  out["by_route"] = Counts(report.by_route);
  out["by_skip_reason"] = Counts(report.by_skip_reason);
  out["by_error"] = Counts(report.by_error);
  out["waiting"] = Counts(report.waiting);
  out["done"] = done;
  return out;
}

boost::json::object ClicksJson(bool tracked, const RunReport& report, std::span<const Link> links) {
  boost::json::array items;
  std::int64_t total = 0;
  for (std::size_t i = 0; i < links.size(); ++i) {
    const auto pressed = std::find_if(report.clicks.begin(), report.clicks.end(),
                                      [i](const LinkClicks& c) { return c.link_index == i; });
    boost::json::object item;
    item["index"] = i;
    item["message_index"] = links[i].message_index;
    item["field"] = links[i].field;
    item["url"] = links[i].url;
    item["official"] = links[i].official;
    item["clicks"] = pressed == report.clicks.end() ? 0 : pressed->clicks;
    item["unique_contacts"] = pressed == report.clicks.end() ? 0 : pressed->unique_contacts;
    items.emplace_back(std::move(item));
  }
  for (const LinkClicks& c : report.clicks) total += c.clicks;
  boost::json::object out;
  out["tracked"] = tracked;
  out["total"] = total;
  out["unique_contacts"] = report.clicked_contacts;
  out["links"] = std::move(items);
  return out;
}

}  // namespace crier::api
