#include "sandbox/faults.h"

#include <algorithm>
#include <cmath>

namespace crier::sandbox {
namespace {

namespace json = boost::json;

constexpr int kMaxDelayMs = 600000;  // ten minutes: longer than any client waits

// SplitMix64: a good 64-bit mixer, so draw k of request n is a pure function of the seed.
std::uint64_t Mix(std::uint64_t x) {
  x += 0x9E3779B97F4A7C15ULL;
  x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ULL;
  x = (x ^ (x >> 27)) * 0x94D049BB133111EBULL;
  return x ^ (x >> 31);
}

std::uint64_t Draw(std::uint64_t seed, std::uint64_t request, std::uint64_t k) {
  return Mix(seed ^ Mix(request * 4 + k));
}

double Unit(std::uint64_t x) { return static_cast<double>(x >> 11) * 0x1.0p-53; }

Result<double> Rate(const json::object& o, std::string_view key, double fallback) {
  const json::value* v = detail::Field(o, key);
  if (v == nullptr) return fallback;
  if (!v->is_number()) return InvalidArgument(std::string(key), "must be a number from 0 to 1");
  return v->to_number<double>();
}

}  // namespace

Status ValidateFaultSpec(const FaultSpec& s) {
  auto ms = [](int v) { return v >= 0 && v <= kMaxDelayMs; };
  if (!ms(s.latency_ms)) return InvalidArgument("latency_ms", "must be from 0 to 600000");
  if (!ms(s.jitter_ms)) return InvalidArgument("jitter_ms", "must be from 0 to 600000");
  if (!(s.error_rate >= 0 && s.error_rate <= 1)) {
    return InvalidArgument("error_rate", "must be a number from 0 to 1");
  }
  if (s.error_status != 500 && s.error_status != 502 && s.error_status != 503 &&
      s.error_status != 504) {
    return InvalidArgument("error_status", "must be 500, 502, 503 or 504");
  }
  if (!(s.timeout_rate >= 0 && s.timeout_rate <= 1)) {
    return InvalidArgument("timeout_rate", "must be a number from 0 to 1");
  }
  if (s.timeout_ms < 1 || s.timeout_ms > kMaxDelayMs) {
    return InvalidArgument("timeout_ms", "must be from 1 to 600000");
  }
  return Status::Ok();
}

Result<FaultSpec> ParseFaultSpec(const json::object& body) {
  static constexpr std::array<std::string_view, 10> kKnown = {
      "scope",        "latency_ms", "jitter_ms",    "error_rate",           "error_status",
      "timeout_rate", "timeout_ms", "timeout_mode", "timeout_after_accept", "seed"};
  for (const auto& [key, value] : body) {
    if (std::find(kKnown.begin(), kKnown.end(), std::string_view(key)) == kKnown.end()) {
      return InvalidArgument(std::string(key), "unknown field");
    }
  }
  FaultSpec s;
  auto latency = detail::OptionalInt(body, "latency_ms", 0, 0, kMaxDelayMs);
  if (!latency.ok()) return latency.error();
  s.latency_ms = static_cast<int>(*latency);
  auto jitter = detail::OptionalInt(body, "jitter_ms", 0, 0, kMaxDelayMs);
  if (!jitter.ok()) return jitter.error();
  s.jitter_ms = static_cast<int>(*jitter);
  auto error_rate = Rate(body, "error_rate", 0);
  if (!error_rate.ok()) return error_rate.error();
  s.error_rate = *error_rate;
  auto status = detail::OptionalInt(body, "error_status", 500, 500, 504);
  if (!status.ok()) return status.error();
  s.error_status = static_cast<int>(*status);
  auto timeout_rate = Rate(body, "timeout_rate", 0);
  if (!timeout_rate.ok()) return timeout_rate.error();
  s.timeout_rate = *timeout_rate;
  auto timeout_ms = detail::OptionalInt(body, "timeout_ms", 30000, 1, kMaxDelayMs);
  if (!timeout_ms.ok()) return timeout_ms.error();
  s.timeout_ms = static_cast<int>(*timeout_ms);
  if (const json::value* mode = detail::Field(body, "timeout_mode")) {
    const std::string_view m = mode->is_string() ? std::string_view(mode->get_string()) : "";
    if (m == "hold") {
      s.timeout_mode = TimeoutMode::kHold;
    } else if (m == "close") {
      s.timeout_mode = TimeoutMode::kClose;
    } else {
      return InvalidArgument("timeout_mode", "must be \"hold\" or \"close\"");
    }
  }
  auto after_accept = detail::OptionalBool(body, "timeout_after_accept", true);
  if (!after_accept.ok()) return after_accept.error();
  s.timeout_after_accept = *after_accept;
  auto seed = detail::OptionalInt(body, "seed", 1, 0, INT64_MAX);
  if (!seed.ok()) return seed.error();
  s.seed = static_cast<std::uint64_t>(*seed);
  CRIER_RETURN_IF_ERROR(ValidateFaultSpec(s));
  return s;
}

json::object FaultSpecToJson(const FaultSpec& s) {
  return json::object{{"latency_ms", s.latency_ms},
                      {"jitter_ms", s.jitter_ms},
                      {"error_rate", s.error_rate},
                      {"error_status", s.error_status},
                      {"timeout_rate", s.timeout_rate},
                      {"timeout_ms", s.timeout_ms},
                      {"timeout_mode", s.timeout_mode == TimeoutMode::kHold ? "hold" : "close"},
                      {"timeout_after_accept", s.timeout_after_accept},
                      {"seed", s.seed}};
}

namespace detail {

void Faults::Set(std::optional<Platform> scope, const FaultSpec& spec) {
  std::lock_guard lock(mu_);
  Slot& slot = slots_[scope ? static_cast<std::size_t>(*scope) : kAll];
  slot.spec = spec;
  slot.requests = 0;
}

void Faults::Clear(std::optional<Platform> scope) {
  std::lock_guard lock(mu_);
  slots_[scope ? static_cast<std::size_t>(*scope) : kAll] = Slot{};
}

void Faults::ClearAll() {
  std::lock_guard lock(mu_);
  slots_ = {};
}

FaultFate Faults::Decide(Platform platform) {
  FaultSpec spec;
  std::uint64_t n = 0;
  {
    std::lock_guard lock(mu_);
    Slot* slot = &slots_[static_cast<std::size_t>(platform)];
    if (!slot->spec) slot = &slots_[kAll];
    if (!slot->spec) return {};
    spec = *slot->spec;
    n = slot->requests++;
  }
  FaultFate fate;
  fate.delay_ms = spec.latency_ms;
  if (spec.jitter_ms > 0) {
    fate.delay_ms +=
        static_cast<int>(Draw(spec.seed, n, 2) % static_cast<std::uint64_t>(spec.jitter_ms + 1));
  }
  if (Unit(Draw(spec.seed, n, 0)) < spec.timeout_rate) {
    fate.kind = FaultFate::Kind::kTimeout;
    fate.process = spec.timeout_after_accept;
    if (spec.timeout_mode == TimeoutMode::kHold) {
      fate.delay_ms = spec.timeout_ms;
    } else {
      fate.close = true;
    }
  } else if (Unit(Draw(spec.seed, n, 1)) < spec.error_rate) {
    fate.kind = FaultFate::Kind::kError;
    fate.error_status = spec.error_status;
    fate.process = false;
  }
  return fate;
}

json::object Faults::Describe() {
  std::lock_guard lock(mu_);
  json::object out;
  auto put = [&](std::string_view name, const Slot& slot) {
    if (slot.spec) {
      json::object spec = FaultSpecToJson(*slot.spec);
      spec["requests_seen"] = slot.requests;
      out[name] = std::move(spec);
    } else {
      out[name] = nullptr;
    }
  };
  put("all", slots_[kAll]);
  for (Platform p : kPlatforms) put(PlatformName(p), slots_[static_cast<std::size_t>(p)]);
  return out;
}

}  // namespace detail
}  // namespace crier::sandbox
