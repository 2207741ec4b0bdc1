#include "sandbox/limits.h"

#include <algorithm>
#include <chrono>

namespace crier::sandbox::detail {

void TokenBucket::Refill(Time now) {
  if (now <= last_) return;
  const std::int64_t full = capacity_ * period_;
  const std::int64_t elapsed = (now - last_).count();
  // A spell long enough to refill everything: skip the product that could overflow.
  units_ = elapsed >= full ? full : std::min(full, units_ + elapsed * rate_);
  last_ = now;
}

bool TokenBucket::TryTake(Time now) {
  Refill(now);
  if (units_ < period_) return false;
  units_ -= period_;
  return true;
}

bool TokenBucket::Full(Time now) const {
  TokenBucket copy = *this;
  copy.Refill(now);
  return copy.units_ >= copy.capacity_ * copy.period_;
}

void RollingUniqueCounter::Expire(Time now) {
  while (!order_.empty() && order_.front().first + window_ <= now) {
    first_.erase(order_.front().second);
    order_.pop_front();
  }
}

bool RollingUniqueCounter::Fits(std::string_view person, std::optional<std::int64_t> limit,
                                Time now) {
  Expire(now);
  if (first_.find(person) != first_.end()) return true;
  return !limit || static_cast<std::int64_t>(order_.size()) < *limit;
}

bool RollingUniqueCounter::Admit(std::string_view person, std::optional<std::int64_t> limit,
                                 Time now) {
  if (!Fits(person, limit, now)) return false;
  if (first_.find(person) != first_.end()) return true;
  first_.emplace(std::string(person), now);
  order_.emplace_back(now, std::string(person));
  return true;
}

std::int64_t RollingUniqueCounter::Counted(Time now) {
  Expire(now);
  return static_cast<std::int64_t>(order_.size());
}

std::int64_t JapanMonth(Time t) {
  const auto japan = std::chrono::floor<std::chrono::days>(t + std::chrono::hours(9));
  const std::chrono::year_month_day ymd{japan};
  return static_cast<int>(ymd.year()) * 12 + static_cast<int>(static_cast<unsigned>(ymd.month())) -
         1;
}

}  // namespace crier::sandbox::detail
