// Fault injection: latency (fixed plus jitter), platform 5xx errors and timeouts at
// configured rates, per platform or for all of them, from a seed so that a run can be
// replayed: the n-th request a scope sees after its faults were set always meets the same
// fate for the same seed (and the same arrival order).
//
// A timeout either holds the answer past the client's timeout (`hold`) or closes the
// connection without answering (`close`). By default the platform has done the work before
// the answer is lost — the case that makes "did it go out?" a real question for the
// client; `timeout_after_accept: false` loses the request before the platform sees it.
//
// Thread-safe.
#pragma once

#include <array>
#include <boost/json.hpp>
#include <cstdint>
#include <mutex>
#include <optional>
#include <string_view>

#include "core/result.h"
#include "sandbox/common.h"

namespace crier::sandbox {

enum class TimeoutMode { kHold, kClose };

struct FaultSpec {
  int latency_ms = 0;       // added to every answer
  int jitter_ms = 0;        // plus a uniform 0..jitter_ms
  double error_rate = 0;    // share of requests answered with a platform 5xx, unprocessed
  int error_status = 500;   // 500, 502, 503 or 504
  double timeout_rate = 0;  // share of requests whose answer is lost
  int timeout_ms = 30000;   // how long a held answer is held
  TimeoutMode timeout_mode = TimeoutMode::kHold;
  bool timeout_after_accept = true;  // the platform processed the request first
  std::uint64_t seed = 1;

  friend bool operator==(const FaultSpec&, const FaultSpec&) = default;
};

// Checks ranges; the error's field names the member ("error_rate").
Status ValidateFaultSpec(const FaultSpec& spec);
// The control endpoint's body: every member optional, as named above, plus "scope".
Result<FaultSpec> ParseFaultSpec(const boost::json::object& body);
boost::json::object FaultSpecToJson(const FaultSpec& spec);

namespace detail {

struct FaultFate {
  enum class Kind { kNone, kError, kTimeout };
  Kind kind = Kind::kNone;
  int delay_ms = 0;
  int error_status = 0;  // kError
  bool process = true;   // whether the platform handles the request
  bool close = false;    // close the connection instead of answering
};

class Faults {
 public:
  // `scope` nullopt: every platform that has no setting of its own. Restarts the scope's
  // request count, so the seed replays from the first request after this call.
  void Set(std::optional<Platform> scope, const FaultSpec& spec);
  void Clear(std::optional<Platform> scope);
  void ClearAll();
  FaultFate Decide(Platform platform);
  // {"all": spec|null, "messenger": spec|null, ...}
  boost::json::object Describe();

 private:
  struct Slot {
    std::optional<FaultSpec> spec;
    std::uint64_t requests = 0;
  };
  static constexpr std::size_t kAll = kPlatforms.size();

  std::mutex mu_;
  std::array<Slot, kPlatforms.size() + 1> slots_;  // GUARDED_BY(mu_); [kAll] is "all"
};

}  // namespace detail
}  // namespace crier::sandbox
