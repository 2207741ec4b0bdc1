// Process metrics rendered in the Prometheus text format. Lock-free counters; safe from any
// thread.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <string>

#include "core/model.h"

namespace crier::engine {

class Metrics {
 public:
  // Upper bounds (seconds) of the send-latency histogram buckets.
  static constexpr std::array<double, 12> kLatencyBuckets{0.001, 0.0025, 0.005, 0.01, 0.025, 0.05,
                                                          0.1,   0.25,   0.5,   1,    2.5,   10};

  void CountDelivery(DeliveryState state, std::int64_t n = 1);
  void ObserveSendLatency(double seconds);
  void CountPlatformError(const std::string& error_class);

  // `queue_depth` is read from the store by the caller (deliveries planned or sending).
  std::string RenderPrometheus(std::int64_t queue_depth) const;

 private:
  std::array<std::atomic<std::int64_t>, 5> deliveries_{};  // by DeliveryState
  std::array<std::atomic<std::int64_t>, kLatencyBuckets.size() + 1> latency_buckets_{};
  std::atomic<std::int64_t> latency_count_{0};
  std::atomic<std::int64_t> latency_sum_micros_{0};
  std::array<std::atomic<std::int64_t>, 8> errors_{};  // by channels::ErrorClass
};

}  // namespace crier::engine
