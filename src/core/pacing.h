// Pacing primitives (PRODUCT.md F1, F5): pure, clock-driven, no threads.
#pragma once

#include <chrono>

namespace crier {

// A token bucket: `rate` tokens per second, holding at most `burst`. Not thread-safe: one
// owner (the dispatcher loop of an account) drives it with the times it reads.
class TokenBucket {
 public:
  using TimePoint = std::chrono::steady_clock::time_point;

  TokenBucket(double rate_per_second, double burst, TimePoint start);

  // Takes one token if available at `now`.
  bool TryTake(TimePoint now);
  // How long from `now` until a token is available (zero when one is).
  std::chrono::nanoseconds WaitTime(TimePoint now);
  // No token before `until` (a platform's retry-after, F5).
  void PauseUntil(TimePoint until);
  void SetRate(double rate_per_second, double burst);
  double rate() const { return rate_; }

 private:
  void Refill(TimePoint now);

  double rate_;
  double burst_;
  double tokens_;
  TimePoint last_;
  TimePoint paused_until_;
};

}  // namespace crier
