#include "engine/metrics.h"

#include <fmt/format.h>

#include "channels/adapter.h"

namespace crier::engine {

void Metrics::CountDelivery(DeliveryState state, std::int64_t n) {
  deliveries_[static_cast<size_t>(state)].fetch_add(n, std::memory_order_relaxed);
}

void Metrics::ObserveSendLatency(double seconds) {
  size_t i = 0;
  while (i < kLatencyBuckets.size() && seconds > kLatencyBuckets[i]) ++i;
  latency_buckets_[i].fetch_add(1, std::memory_order_relaxed);
  latency_count_.fetch_add(1, std::memory_order_relaxed);
  latency_sum_micros_.fetch_add(static_cast<std::int64_t>(seconds * 1e6),
                                std::memory_order_relaxed);
}

void Metrics::CountPlatformError(const std::string& error_class) {
  for (size_t i = 0; i < errors_.size(); ++i) {
    if (channels::ToString(static_cast<channels::ErrorClass>(i)) == error_class) {
      errors_[i].fetch_add(1, std::memory_order_relaxed);
      return;
    }
  }
}

std::string Metrics::RenderPrometheus(std::int64_t queue_depth) const {
  std::string out;
  out += "# HELP crier_deliveries_total Deliveries that reached each state.\n";
  out += "# TYPE crier_deliveries_total counter\n";
  for (size_t i = 0; i < deliveries_.size(); ++i) {
    out += fmt::format("crier_deliveries_total{{state=\"{}\"}} {}\n",
                       ToString(static_cast<DeliveryState>(i)), deliveries_[i].load());
  }
  out += "# HELP crier_send_latency_seconds Time from request start to platform answer.\n";
  out += "# TYPE crier_send_latency_seconds histogram\n";
  std::int64_t cumulative = 0;
  for (size_t i = 0; i < kLatencyBuckets.size(); ++i) {
    cumulative += latency_buckets_[i].load();
    out += fmt::format("crier_send_latency_seconds_bucket{{le=\"{}\"}} {}\n", kLatencyBuckets[i],
                       cumulative);
  }
  cumulative += latency_buckets_.back().load();
  out += fmt::format("crier_send_latency_seconds_bucket{{le=\"+Inf\"}} {}\n", cumulative);
  out += fmt::format("crier_send_latency_seconds_sum {:.6f}\n", latency_sum_micros_.load() / 1e6);
  out += fmt::format("crier_send_latency_seconds_count {}\n", latency_count_.load());
  out += "# HELP crier_platform_errors_total Platform errors by class.\n";
  out += "# TYPE crier_platform_errors_total counter\n";
  for (size_t i = 0; i < errors_.size(); ++i) {
    out += fmt::format("crier_platform_errors_total{{class=\"{}\"}} {}\n",
                       channels::ToString(static_cast<channels::ErrorClass>(i)), errors_[i].load());
  }
  out += "# HELP crier_queue_depth Deliveries planned or sending.\n";
  out += "# TYPE crier_queue_depth gauge\n";
  out += fmt::format("crier_queue_depth {}\n", queue_depth);
  return out;
}

}  // namespace crier::engine
