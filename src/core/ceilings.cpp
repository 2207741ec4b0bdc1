#include "core/ceilings.h"

#include <algorithm>

#include "core/enum_names.h"

namespace crier {
namespace {

constexpr internal::Names<WhatsAppTier, 5> kTierNames{{
    {WhatsAppTier::k250, "250"},
    {WhatsAppTier::k2K, "2000"},
    {WhatsAppTier::k10K, "10000"},
    {WhatsAppTier::k100K, "100000"},
    {WhatsAppTier::kUnlimited, "unlimited"},
}};

// LINE counts months in Japan time.
constexpr Duration kJapanOffset = std::chrono::hours(9);

}  // namespace

RateCeiling SendRateCeiling(Platform platform, RouteKind route, bool media) {
  switch (platform) {
    case Platform::kMessenger:
    case Platform::kInstagram: {
      const double rate = media ? 10 : 300;
      return {rate, rate};
    }
    case Platform::kWhatsApp: {
      const double rate = WhatsAppMessagesPerSecond(WhatsAppThroughput::kDefault);
      return {rate, rate};
    }
    case Platform::kLine: {
      const double rate = route == RouteKind::kLineMulticast ? 200 : 2000;
      return {rate, rate};
    }
  }
  return {1, 1};
}

double WhatsAppMessagesPerSecond(WhatsAppThroughput t) {
  switch (t) {
    case WhatsAppThroughput::kDefault:
      return 80;
    case WhatsAppThroughput::kUpgraded:
      return 1000;
    case WhatsAppThroughput::kCoexistence:
      return 20;
  }
  return 80;
}

double PlatformMessagesPerSecond(const ChannelAccount& account) {
  if (account.pacing.platform_messages_per_second) {
    return *account.pacing.platform_messages_per_second;
  }
  const RouteKind route =
      account.platform == Platform::kLine ? RouteKind::kLinePush : RouteKind::kStandardWindow;
  return SendRateCeiling(account.platform, route, /*media=*/false).per_second;
}

double EffectiveMessagesPerSecond(const ChannelAccount& account) {
  return std::min(account.pacing.messages_per_second, PlatformMessagesPerSecond(account));
}

std::optional<std::int64_t> WhatsAppTierLimit(WhatsAppTier tier) {
  switch (tier) {
    case WhatsAppTier::k250:
      return 250;
    case WhatsAppTier::k2K:
      return 2000;
    case WhatsAppTier::k10K:
      return 10000;
    case WhatsAppTier::k100K:
      return 100000;
    case WhatsAppTier::kUnlimited:
      return std::nullopt;
  }
  return 250;
}

std::string_view ToString(WhatsAppTier tier) { return internal::NameOf(kTierNames, tier); }
std::optional<WhatsAppTier> ParseWhatsAppTier(std::string_view s) {
  return internal::ValueOf(kTierNames, s);
}

// ---- RollingUniqueBudget -----------------------------------------------------------------

RollingUniqueBudget::RollingUniqueBudget(std::optional<std::int64_t> limit, Duration window)
    : limit_(limit), window_(window) {}

void RollingUniqueBudget::Expire(Time now) {
  while (!order_.empty() && order_.front().first + window_ <= now) {
    const auto it = first_.find(order_.front().second);
    // The map holds the newest window start for the person; an older queue entry is stale.
    if (it != first_.end() && it->second == order_.front().first) first_.erase(it);
    order_.pop_front();
  }
}

bool RollingUniqueBudget::Fits(std::string_view person, Time now) {
  if (!limit_) return true;
  Expire(now);
  if (first_.contains(std::string(person))) return true;
  return static_cast<std::int64_t>(first_.size()) < *limit_;
}

bool RollingUniqueBudget::Admit(std::string_view person, Time now) {
  if (!limit_) return true;
  if (!Fits(person, now)) return false;
  std::string key(person);
  if (first_.contains(key)) return true;
  first_.emplace(key, now);
  order_.emplace_back(now, std::move(key));
  return true;
}

void RollingUniqueBudget::Record(std::string_view person, Time at) {
  if (!limit_) return;
  Expire(at);
  std::string key(person);
  if (first_.contains(key)) return;
  first_.emplace(key, at);
  order_.emplace_back(at, std::move(key));
}

std::int64_t RollingUniqueBudget::Used(Time now) {
  Expire(now);
  return static_cast<std::int64_t>(first_.size());
}

Time RollingUniqueBudget::NextOpening(Time now) {
  if (!limit_) return now;
  Expire(now);
  if (static_cast<std::int64_t>(first_.size()) < *limit_ || order_.empty()) return now;
  return order_.front().first + window_;
}

Time RollingUniqueBudget::OpeningFor(std::int64_t k, Time now) {
  if (!limit_ || *limit_ <= 0) return now;
  Expire(now);
  const auto counted = static_cast<std::int64_t>(first_.size());
  const std::int64_t free = *limit_ - counted;
  if (k < free) return now;
  const std::int64_t j = k - free;  // free < 0 when the limit was lowered
  // order_ holds one live entry per counted person (an entry is only re-added after its
  // predecessor left), so the j-th oldest is at index j.
  if (j < static_cast<std::int64_t>(order_.size())) return order_[j].first + window_;
  const Time last = order_.empty() ? now : order_.back().first;
  const std::int64_t beyond = j - static_cast<std::int64_t>(order_.size());
  return last + window_ * (1 + beyond / *limit_);
}

// ---- PairRateLimiter ----------------------------------------------------------------------

PairRateLimiter::PairRateLimiter(Duration interval, int burst)
    : interval_(interval), burst_(burst) {}

double PairRateLimiter::Tokens(const Bucket& b, Time now) const {
  const double refilled =
      std::chrono::duration<double>(now - b.last) / std::chrono::duration<double>(interval_);
  return std::min<double>(burst_, b.tokens + std::max(0.0, refilled));
}

void PairRateLimiter::Prune(Time now) {
  // A bucket that has refilled completely says nothing a new one would not.
  if (now - last_prune_ < interval_ * burst_) return;
  last_prune_ = now;
  std::erase_if(buckets_, [&](const auto& entry) { return Tokens(entry.second, now) >= burst_; });
}

bool PairRateLimiter::TryTake(std::string_view person, Time now) {
  Prune(now);
  auto [it, inserted] = buckets_.try_emplace(std::string(person), Bucket{double(burst_), now});
  Bucket& b = it->second;
  b.tokens = Tokens(b, now);
  b.last = now;
  if (b.tokens < 1) return false;
  b.tokens -= 1;
  return true;
}

Duration PairRateLimiter::WaitTime(std::string_view person, Time now) const {
  const auto it = buckets_.find(std::string(person));
  if (it == buckets_.end()) return Duration(0);
  const double tokens = Tokens(it->second, now);
  if (tokens >= 1) return Duration(0);
  return std::chrono::ceil<Duration>(std::chrono::duration<double>(interval_) * (1 - tokens));
}

// ---- MonthlyQuota -------------------------------------------------------------------------

MonthlyQuota::MonthlyQuota(std::optional<std::int64_t> limit, std::int64_t used, Time as_of)
    : limit_(limit), used_(used), month_end_(NextMonthStart(as_of)) {}

Time MonthlyQuota::NextMonthStart(Time now) {
  using namespace std::chrono;
  const year_month_day local{floor<days>(now + kJapanOffset)};
  const year_month next = year_month(local.year(), local.month()) + months(1);
  const sys_days start{next / day(1)};
  return Time(duration_cast<Duration>(start.time_since_epoch())) - kJapanOffset;
}

void MonthlyQuota::Roll(Time now) {
  if (now < month_end_) return;
  used_ = 0;
  month_end_ = NextMonthStart(now);
}

std::optional<std::int64_t> MonthlyQuota::Remaining(Time now) {
  Roll(now);
  if (!limit_) return std::nullopt;
  return std::max<std::int64_t>(0, *limit_ - used_);
}

bool MonthlyQuota::TryCharge(std::int64_t recipients, Time now) {
  Roll(now);
  if (limit_ && used_ + recipients > *limit_) return false;
  used_ += recipients;
  return true;
}

}  // namespace crier
