#include "core/pacing.h"

#include <algorithm>
#include <cassert>

namespace crier {

TokenBucket::TokenBucket(double rate_per_second, double burst, TimePoint start)
    : rate_(rate_per_second),
      burst_(std::max(1.0, burst)),
      tokens_(std::max(1.0, burst)),
      last_(start),
      paused_until_(start) {
  assert(rate_per_second > 0);
}

void TokenBucket::Refill(TimePoint now) {
  if (now <= last_) return;
  const double elapsed = std::chrono::duration<double>(now - last_).count();
  tokens_ = std::min(burst_, tokens_ + elapsed * rate_);
  last_ = now;
}

bool TokenBucket::TryTake(TimePoint now) {
  if (now < paused_until_) return false;
  Refill(now);
  if (tokens_ < 1.0) return false;
  tokens_ -= 1.0;
  return true;
}

std::chrono::nanoseconds TokenBucket::WaitTime(TimePoint now) {
  if (now < paused_until_) return paused_until_ - now;
  Refill(now);
  if (tokens_ >= 1.0) return std::chrono::nanoseconds(0);
  const double seconds = (1.0 - tokens_) / rate_;
  return std::chrono::nanoseconds(static_cast<long long>(seconds * 1e9) + 1);
}

void TokenBucket::PauseUntil(TimePoint until) {
  paused_until_ = std::max(paused_until_, until);
  // Nothing accumulates while paused: the platform asked for quiet, not for a later burst.
  tokens_ = std::min(tokens_, 1.0);
  last_ = std::max(last_, until);
}

void TokenBucket::SetRate(double rate_per_second, double burst) {
  assert(rate_per_second > 0);
  rate_ = rate_per_second;
  burst_ = std::max(1.0, burst);
  tokens_ = std::min(tokens_, burst_);
}

}  // namespace crier
