// Time for the whole program comes through Clock, so that every rule that depends on time
// (windows, pacing, schedules) can be tested on a FakeClock advanced by hand.
//
// Read "now" once per decision and pass it down; do not call Now() repeatedly inside one
// decision. No other file may call std::chrono::system_clock::now().
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <string>

namespace crier {

// Wall-clock instants at millisecond resolution, UTC.
using Duration = std::chrono::milliseconds;
using Time = std::chrono::sys_time<Duration>;

inline constexpr Time kNever = Time(Duration::min());

inline std::int64_t ToUnixMillis(Time t) { return t.time_since_epoch().count(); }
inline Time FromUnixMillis(std::int64_t ms) { return Time(Duration(ms)); }

// RFC 3339 in UTC with millisecond precision, e.g. "2026-11-21T09:00:00.000Z".
std::string FormatRfc3339(Time t);
// Accepts RFC 3339 with "Z" or a numeric offset, with or without fractional seconds.
bool ParseRfc3339(std::string_view text, Time* out);

// Thread-safe: Now() may be called from any thread.
class Clock {
 public:
  virtual ~Clock() = default;
  virtual Time Now() const = 0;
  // A monotonic reading for measuring elapsed time (latency); never for rules.
  virtual std::chrono::steady_clock::time_point Steady() const = 0;
};

// The real clock.
class SystemClock final : public Clock {
 public:
  Time Now() const override;
  std::chrono::steady_clock::time_point Steady() const override;
  static SystemClock& Instance();
};

// A clock that moves only when told to. Steady() moves with it.
class FakeClock final : public Clock {
 public:
  explicit FakeClock(Time start) : now_ms_(ToUnixMillis(start)) {}
  Time Now() const override { return FromUnixMillis(now_ms_.load()); }
  std::chrono::steady_clock::time_point Steady() const override {
    return std::chrono::steady_clock::time_point(std::chrono::milliseconds(now_ms_.load()));
  }
  void Set(Time t) { now_ms_.store(ToUnixMillis(t)); }
  void Advance(Duration d) { now_ms_.fetch_add(d.count()); }

 private:
  std::atomic<std::int64_t> now_ms_;
};

}  // namespace crier
