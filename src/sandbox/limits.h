// The counting behind the platforms' rate limits, as the platform keeps it: token buckets
// (requests per second, the WhatsApp pair rate) and a rolling set of unique people (the
// WhatsApp messaging limit). Written for the sandbox on purpose, apart from crier's own
// budgets: the sandbox checks crier from the platform's side. Not thread-safe: each owner
// holds its own lock. Every call takes the time it reasons about.
#pragma once

#include <algorithm>
#include <cstdint>
#include <deque>
#include <optional>
#include <string>
#include <string_view>

#include "core/clock.h"
#include "sandbox/common.h"

namespace crier::sandbox::detail {

// `capacity` tokens, refilled continuously at `rate` tokens per `period`; full at first use.
// The level is kept in units of 1/rate of a millisecond-token (a token costs `period`
// units, a millisecond adds `rate`), so refills are exact integers at any rate.
class TokenBucket {
 public:
  TokenBucket(std::int64_t capacity, std::int64_t rate, Duration period, Time now)
      : capacity_(capacity),
        rate_(rate),
        period_(std::max<std::int64_t>(1, period.count())),
        units_(capacity * period_),
        last_(now) {}

  // Takes one token if there is one.
  bool TryTake(Time now);
  // Whether the bucket is full again at `now` (it can then be forgotten).
  bool Full(Time now) const;

 private:
  void Refill(Time now);

  std::int64_t capacity_;
  std::int64_t rate_;
  std::int64_t period_;  // milliseconds
  std::int64_t units_;
  Time last_;
};

// Unique people per moving window: a person counted inside the window costs nothing again;
// a new one is admitted while fewer than the limit are counted.
class RollingUniqueCounter {
 public:
  explicit RollingUniqueCounter(Duration window) : window_(window) {}

  // Whether `person` would fit under `limit` at `now` (nullopt: no limit), counting nothing.
  bool Fits(std::string_view person, std::optional<std::int64_t> limit, Time now);
  // Counts `person` at `now` if they fit under `limit`.
  bool Admit(std::string_view person, std::optional<std::int64_t> limit, Time now);
  std::int64_t Counted(Time now);

 private:
  void Expire(Time now);

  Duration window_;
  std::deque<std::pair<Time, std::string>> order_;  // first count of each person, oldest first
  StringMap<Time> first_;
};

// The calendar month containing `t` in Japan time (UTC+9), as LINE counts its quota:
// year * 12 + month - 1.
std::int64_t JapanMonth(Time t);

}  // namespace crier::sandbox::detail
