#include "engine/ceiling_gate.h"

#include <algorithm>
#include <cmath>

#include "channels/line_adapter.h"

namespace crier::engine {
namespace {

constexpr Duration kMessagingLimitWindow = std::chrono::hours(24);

// The start of the LINE month containing `now` (00:00 on the 1st, Japan time), in UTC.
Time LineMonthStart(Time now) {
  // The month after the one before `now`'s month start: found from the next month's start by
  // stepping back over the shortest month.
  const Time next = MonthlyQuota::NextMonthStart(now);
  return MonthlyQuota::NextMonthStart(next - std::chrono::hours(24 * 32));
}

// "80", "0.5": rates without trailing zeros.
std::string FormatNumber(double v) {
  std::string s = std::to_string(v);
  s.erase(s.find_last_not_of('0') + 1);
  if (!s.empty() && s.back() == '.') s.pop_back();
  return s;
}

std::string LimitText(std::optional<std::int64_t> limit) {
  return limit ? std::to_string(*limit) : std::string("unlimited");
}

std::string MessagingLimitMessage(WhatsAppTier tier, std::int64_t used, Time until) {
  return "the WhatsApp messaging limit (tier " + std::string(ToString(tier)) +
         ": unique people reached by templates per moving 24 h) is used up (" +
         std::to_string(used) + " counted); this copy waits until " + FormatRfc3339(until);
}

std::string QuotaMessage(std::optional<std::int64_t> limit, std::int64_t used, std::int64_t charge,
                         Time refill) {
  return "LINE's monthly message quota (" + LimitText(limit) +
         ") would be passed: " + std::to_string(used) + " used this month, this delivery costs " +
         std::to_string(charge) + "; the quota refills at " + FormatRfc3339(refill) +
         " (00:00 Japan time); not sent, so that no copy lands weeks late";
}

}  // namespace

Result<CeilingUsage> LoadCeilingUsage(Store& store, const ChannelAccount& account, Time now) {
  CeilingUsage usage;
  if (account.platform == Platform::kWhatsApp) {
    auto people = store.ListRecipientsSentSince(account.id, RouteKind::kWhatsAppTemplate,
                                                now - kMessagingLimitWindow);
    if (!people.ok()) return people.error();
    usage.whatsapp_recipients = std::move(*people);
  }
  if (account.platform == Platform::kLine) {
    // Sends strictly after the instant before the month began: the month's first millisecond
    // counts.
    auto sent = store.CountMessagesSentSince(account.id,
                                             LineMonthStart(now) - std::chrono::milliseconds(1));
    if (!sent.ok()) return sent.error();
    usage.line_messages_this_month = *sent;
  }
  return usage;
}

std::int64_t LineChargePerDelivery(const Broadcast& broadcast) {
  return static_cast<std::int64_t>(broadcast.messages.size());
}

// ---- CeilingGate ------------------------------------------------------------------------

CeilingGate::CeilingGate(const ChannelAccount& account, const CeilingUsage& usage, Time now)
    : platform_(account.platform),
      tier_(account.pacing.whatsapp_tier),
      budget_(account.platform == Platform::kWhatsApp
                  ? WhatsAppTierLimit(account.pacing.whatsapp_tier)
                  : std::nullopt,
              kMessagingLimitWindow),
      quota_limit_(account.platform == Platform::kLine ? account.pacing.line_monthly_quota
                                                       : std::nullopt),
      quota_(quota_limit_, usage.line_messages_this_month, now) {
  // Oldest first, as the store gives them, so people leave the window in order.
  for (const RecipientFirstSend& sent : usage.whatsapp_recipients) {
    budget_.Record(sent.platform_user_id, sent.first_at);
  }
}

GateVerdict CeilingGate::AdmitFirst(std::string_view person, RouteKind route, std::int64_t messages,
                                    Time now) {
  if (platform_ == Platform::kLine) {
    if (!quota_.TryCharge(messages, now)) {
      GateVerdict v;
      v.kind = GateVerdict::Kind::kFail;
      v.code = kLineMonthlyQuotaCode;
      v.message =
          QuotaMessage(quota_limit_, quota_.used(), messages, MonthlyQuota::NextMonthStart(now));
      return v;
    }
    return GateVerdict::Go();
  }
  if (platform_ != Platform::kWhatsApp) return GateVerdict::Go();

  const Duration pair_wait = pairs_.WaitTime(person, now);
  if (pair_wait > Duration::zero()) {
    GateVerdict v;
    v.kind = GateVerdict::Kind::kWait;
    v.not_before = now + pair_wait;
    v.code = kWhatsAppPairRateCode;
    v.message =
        "the WhatsApp pair rate (45 messages at once to one person, then one per 6 s) "
        "holds this copy until " +
        FormatRfc3339(v.not_before);
    return v;
  }
  if (route == RouteKind::kWhatsAppTemplate && !budget_.Fits(person, now)) {
    budget_waiters_.erase(budget_waiters_.begin(), budget_waiters_.upper_bound(now));
    const auto k = static_cast<std::int64_t>(budget_waiters_.size());
    GateVerdict v;
    v.kind = GateVerdict::Kind::kWait;
    v.not_before = budget_.OpeningFor(k, now);
    v.code = kWhatsAppMessagingLimitCode;
    v.message = MessagingLimitMessage(tier_, budget_.Used(now), v.not_before);
    budget_waiters_.insert(v.not_before);
    return v;
  }
  if (route == RouteKind::kWhatsAppTemplate) budget_.Admit(person, now);
  pairs_.TryTake(person, now);
  return GateVerdict::Go();
}

GateVerdict CeilingGate::AdmitNext(std::string_view person, RouteKind route, Time now) {
  if (platform_ != Platform::kWhatsApp) return GateVerdict::Go();
  if (!pairs_.TryTake(person, now)) {
    GateVerdict v;
    v.kind = GateVerdict::Kind::kWait;
    v.not_before = now + pairs_.WaitTime(person, now);
    v.code = kWhatsAppPairRateCode;
    return v;
  }
  // The person was counted by the first message; a delivery that outlived its window (a
  // long pair-rate wait after 24 h) is counted again, as the platform would.
  if (route == RouteKind::kWhatsAppTemplate) budget_.Admit(person, now);
  return GateVerdict::Go();
}

// ---- CeilingForecast --------------------------------------------------------------------

CeilingForecast::CeilingForecast(const ChannelAccount& account, const Broadcast& broadcast,
                                 const CeilingUsage& usage, Time now)
    : account_(account),
      messages_(LineChargePerDelivery(broadcast)),
      now_(now),
      budget_(WhatsAppTierLimit(account.pacing.whatsapp_tier), kMessagingLimitWindow),
      whatsapp_used_(static_cast<std::int64_t>(usage.whatsapp_recipients.size())),
      line_used_(usage.line_messages_this_month) {
  for (const RecipientFirstSend& sent : usage.whatsapp_recipients) {
    budget_.Record(sent.platform_user_id, sent.first_at);
    counted_.insert(sent.platform_user_id);
  }
}

void CeilingForecast::Count(const RecipientRow& row, const Decision& decision) {
  if (!decision.sends()) return;
  if (account_.platform == Platform::kWhatsApp &&
      decision.route().kind == RouteKind::kWhatsAppTemplate &&
      counted_.insert(row.platform_user_id).second) {
    ++whatsapp_adds_;
  }
  if (account_.platform == Platform::kLine) {
    line_cost_ += messages_;
    if (decision.route().kind == RouteKind::kLineMulticast) ++line_multicast_;
  }
}

void CeilingForecast::Finish(PreviewResult& out) {
  out.platform_messages_per_second = PlatformMessagesPerSecond(account_);
  out.messages_per_second = EffectiveMessagesPerSecond(account_);
  const double messages = static_cast<double>(messages_);
  const double singles = static_cast<double>(out.sendable - line_multicast_) * messages;
  out.estimated_seconds = singles / out.messages_per_second;
  if (line_multicast_ > 0) {
    // One request per batch of up to 500 people and message, at the lower of the account's
    // pace and the multicast endpoint's ceiling.
    const auto per_batch = static_cast<std::int64_t>(channels::kLineMaxMulticastRecipients);
    const double batches =
        static_cast<double>((line_multicast_ + per_batch - 1) / per_batch) * messages;
    const double rate =
        std::min(out.messages_per_second,
                 SendRateCeiling(Platform::kLine, RouteKind::kLineMulticast, false).per_second);
    out.estimated_seconds += batches / rate;
  }
  if (out.messages_per_second < account_.pacing.messages_per_second) {
    out.ceiling_notes.push_back(
        "send rate: the platform takes at most " + FormatNumber(out.platform_messages_per_second) +
        " messages/s from this account, below its pacing of " +
        FormatNumber(account_.pacing.messages_per_second) + "/s; the run goes at the platform's");
  }

  if (account_.platform == Platform::kWhatsApp) {
    MessagingLimitUse use;
    use.tier = account_.pacing.whatsapp_tier;
    use.limit = WhatsAppTierLimit(use.tier);
    use.used = whatsapp_used_;
    use.adds = whatsapp_adds_;
    use.fits = !use.limit || use.used + use.adds <= *use.limit;
    if (!use.fits) {
      const Time last = budget_.OpeningFor(use.adds - 1, now_);
      use.last_fits_at = last;
      out.estimated_seconds =
          std::max(out.estimated_seconds, std::chrono::duration<double>(last - now_).count());
      const std::int64_t now_fit = std::max<std::int64_t>(0, *use.limit - use.used);
      out.ceiling_notes.push_back(
          "WhatsApp messaging limit (tier " + std::string(ToString(use.tier)) +
          "): " + std::to_string(use.used) + " people counted in the last 24 h, this run adds " +
          std::to_string(use.adds) + "; " + std::to_string(now_fit) +
          " fit now, the others wait for the budget to free (the last about " +
          FormatRfc3339(last) + ")");
    }
    out.whatsapp_messaging_limit = use;
  }

  if (account_.platform == Platform::kLine) {
    LineQuotaUse use;
    use.limit = account_.pacing.line_monthly_quota;
    use.used = line_used_;
    use.cost = line_cost_;
    if (use.limit) use.remaining = std::max<std::int64_t>(0, *use.limit - use.used);
    use.fits = !use.remaining || use.cost <= *use.remaining;
    use.refills_at = MonthlyQuota::NextMonthStart(now_);
    if (!use.fits) {
      out.ceiling_notes.push_back(
          "LINE monthly quota: this run costs " + std::to_string(use.cost) + " messages and " +
          std::to_string(*use.remaining) + " remain (" + std::to_string(*use.limit) + " a month, " +
          std::to_string(use.used) +
          " used); deliveries past the quota fail rather than wait for the quota to refill at " +
          FormatRfc3339(use.refills_at));
    }
    out.line_quota_cost = use.cost;
    out.line_quota = use;
  }
}

}  // namespace crier::engine
