#include "core/policy_rules.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <stdexcept>

namespace crier {
namespace {

using std::chrono::day;
using std::chrono::month;
using std::chrono::year;

constexpr Time Day(int y, unsigned m, unsigned d) {
  return Time(std::chrono::sys_days(year(y) / month(m) / day(d)).time_since_epoch());
}

std::vector<DatedRule> DefaultRules() {
  const std::vector<Platform> messenger = {Platform::kMessenger};
  const std::vector<Platform> meta_dm = {Platform::kMessenger, Platform::kInstagram};
  return {
      {RuleId::kMessengerMessageTags, "messenger.message_tags", messenger,
       "non-promotional messages outside the window may carry the message tags "
       "CONFIRMED_EVENT_UPDATE, POST_PURCHASE_UPDATE or ACCOUNT_UPDATE",
       std::nullopt, Day(2026, 4, 27), "Messenger utility templates", "platforms.md 0 #1, 1.3"},
      {RuleId::kMarketingTokens, "meta.marketing_message_tokens", meta_dm,
       "promotional messages outside the window may go on a person's marketing-messages "
       "(notification_messages) token",
       std::nullopt, Day(2026, 2, 10), "the paid Marketing Message API (Messenger only)",
       "platforms.md 0 #2, 2.1"},
      {RuleId::kMarketingTokenCooldown24h, "meta.marketing_token_cooldown_24h", meta_dm,
       "one marketing message per token per 24 hours", std::nullopt, Day(2025, 9, 1),
       "one per 48 hours", "platforms.md 2.1"},
      {RuleId::kMarketingTokenCooldown48h, "meta.marketing_token_cooldown_48h", meta_dm,
       "one marketing message per token per 48 hours", Day(2025, 9, 1), Day(2026, 2, 10),
       "the paid Marketing Message API (Messenger only)", "platforms.md 2.1"},
      {RuleId::kMarketingMessageApi, "messenger.marketing_message_api", messenger,
       "promotional messages outside the window may go through the paid Marketing Message API "
       "(ad account, allowed business region, recipient outside EU, JP, KR, AU, UK)",
       Day(2025, 7, 1), std::nullopt, "", "platforms.md 2.3"},
      {RuleId::kWhatsAppUsMarketingBlock,
       "whatsapp.us_marketing_templates_blocked",
       {Platform::kWhatsApp},
       "marketing templates are not delivered to +1 (US) numbers",
       Day(2025, 4, 1),
       std::nullopt,
       "",
       "platforms.md 0 #6, 8.3 #7"},
  };
}

}  // namespace

std::string_view ToString(RuleId id) { return RuleTimeline::Default().Get(id).code; }

bool DatedRule::AppliesTo(Platform p) const {
  return std::find(platforms.begin(), platforms.end(), p) != platforms.end();
}

std::string FormatRuleDate(Time t) {
  const std::chrono::year_month_day ymd{std::chrono::floor<std::chrono::days>(t)};
  char out[16];
  std::snprintf(out, sizeof out, "%04d-%02u-%02u", static_cast<int>(ymd.year()),
                static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()));
  return out;
}

std::string RuleChange::Describe() const {
  std::string out = FormatRuleDate(at) + ": " + std::string(rule->code) +
                    (starts ? " starts (" : " ends (") + std::string(rule->summary) + ")";
  if (!starts && !rule->replacement.empty()) {
    out += "; replaced by " + std::string(rule->replacement);
  }
  return out;
}

const RuleTimeline& RuleTimeline::Default() {
  static const RuleTimeline timeline(DefaultRules());
  return timeline;
}

RuleTimeline::RuleTimeline(std::vector<DatedRule> rules) : rules_(std::move(rules)) {}

const DatedRule& RuleTimeline::Get(RuleId id) const {
  for (const DatedRule& rule : rules_) {
    if (rule.id == id) return rule;
  }
  // Every RuleId has a row in the default table; a custom timeline missing one is a bug.
  throw std::logic_error("rule timeline has no rule " + std::to_string(static_cast<int>(id)));
}

std::vector<RuleChange> RuleTimeline::ChangesBetween(Platform platform, Time from, Time to) const {
  std::vector<RuleChange> out;
  for (const DatedRule& rule : rules_) {
    if (!rule.AppliesTo(platform)) continue;
    if (rule.from && *rule.from > from && *rule.from <= to)
      out.push_back({&rule, *rule.from, true});
    if (rule.until && *rule.until > from && *rule.until <= to) {
      out.push_back({&rule, *rule.until, false});
    }
  }
  std::stable_sort(out.begin(), out.end(),
                   [](const RuleChange& a, const RuleChange& b) { return a.at < b.at; });
  return out;
}

}  // namespace crier
