#include "engine/engine.h"

#include <spdlog/spdlog.h>

#include <atomic>
#include <condition_variable>
#include <map>
#include <mutex>
#include <thread>

#include "engine/audience_service.h"
#include "engine/ceiling_gate.h"
#include "engine/dispatcher.h"
#include "engine/planner.h"
#include "engine/segment_expansion.h"

namespace crier::engine {
namespace {

std::vector<std::pair<std::string, std::int64_t>> Sorted(
    const std::map<std::string, std::int64_t>& counts) {
  return {counts.begin(), counts.end()};
}

class EngineImpl final : public Engine {
 public:
  EngineImpl(Store& store, const Clock& clock, std::unique_ptr<channels::Transport> transport,
             const EngineOptions& options, std::unique_ptr<ClickTracker> clicks)
      : store_(store),
        clock_(clock),
        transport_(std::move(transport)),
        options_(options),
        clicks_(std::move(clicks)),
        dispatcher_(store, clock, *transport_, metrics_, options, clicks_.get()),
        audience_(store, clock) {}

  ~EngineImpl() override { Stop(Duration(0)); }

  const ClickTracker* clicks() const override { return clicks_.get(); }

  Result<PreviewResult> Preview(Id broadcast_id) override {
    auto broadcast = store_.GetBroadcast(broadcast_id);
    if (!broadcast.ok()) return broadcast.error();
    auto account = store_.GetChannelAccount(broadcast->channel_account_id);
    if (!account.ok()) return account.error();
    const Time now = clock_.Now();
    auto usage = LoadCeilingUsage(store_, *account, now);
    if (!usage.ok()) return usage.error();
    CeilingForecast ceilings(*account, *broadcast, *usage, now);
    PreviewResult out;
    std::map<std::string, std::int64_t> routes, skips;
    std::map<std::string, std::string> explanations;
    CRIER_RETURN_IF_ERROR(ForEachDecision(store_, audience_, *broadcast, now, options_.policy,
                                          [&](const RecipientRow& row, const Decision& d) {
                                            ++out.matched;
                                            const std::string code(d.code());
                                            if (d.sends()) {
                                              ++out.sendable;
                                              ++routes[code];
                                            } else {
                                              ++skips[code];
                                            }
                                            ceilings.Count(row, d);
                                            if (!explanations.contains(code))
                                              explanations.emplace(code, d.Explain());
                                          }));
    out.by_route = Sorted(routes);
    out.by_skip_reason = Sorted(skips);
    out.explanations.assign(explanations.begin(), explanations.end());
    ceilings.Finish(out);
    const Time end = now + std::chrono::duration_cast<Duration>(
                               std::chrono::duration<double>(out.estimated_seconds));
    for (const RuleChange& change :
         RuleTimeline::Default().ChangesBetween(account->platform, now, end)) {
      out.rule_changes.push_back(change.Describe());
    }
    return out;
  }

  Result<SendNowResult> SendNow(Id broadcast_id) override {
    // One send at a time: two concurrent "send" calls must not both start a run.
    std::lock_guard lock(send_mu_);
    auto broadcast = store_.GetBroadcast(broadcast_id);
    if (!broadcast.ok()) return broadcast.error();
    if (broadcast->status == BroadcastStatus::kSending) {
      return FailedPrecondition("broadcast " + std::to_string(broadcast_id) +
                                " is already sending; wait for its run to finish");
    }
    if (broadcast->status == BroadcastStatus::kCancelled) {
      return FailedPrecondition("broadcast " + std::to_string(broadcast_id) + " was cancelled");
    }
    const Time now = clock_.Now();
    auto run = store_.CreateRun(broadcast_id, now);
    if (!run.ok()) return run.error();
    auto counts =
        PlanRun(store_, audience_, *broadcast, run->id, now, options_.policy, options_.plan_batch);
    if (!counts.ok()) {
      // Nothing of a run that failed to plan is ever claimed: only sending runs are.
      (void)store_.SetRunStatus(run->id, RunStatus::kCancelled, clock_.Now());
      return counts.error();
    }
    CRIER_RETURN_IF_ERROR(store_.StartRun(run->id, clock_.Now()));
    metrics_.CountDelivery(DeliveryState::kSkipped, counts->skipped);
    spdlog::info("event=run_planned run={} broadcast={} matched={} planned={} skipped={}", run->id,
                 broadcast_id, counts->matched, counts->planned, counts->skipped);
    if (counts->planned == 0) {
      auto done = store_.CompleteRunIfDone(run->id, clock_.Now());
      if (!done.ok()) return done.error();
    }
    Notify();
    auto latest = store_.GetRun(run->id);
    if (!latest.ok()) return latest.error();
    return SendNowResult{*latest, counts->planned, counts->skipped};
  }

  Status Start() override {
    auto recovered = store_.RecoverInterrupted(clock_.Now());
    if (!recovered.ok()) return recovered.error();
    if (*recovered > 0) {
      spdlog::warn("event=recovered_interrupted count={} note=\"marked failed, not resent\"",
                   *recovered);
    }
    thread_ = std::thread([this] { Loop(); });
    warm_thread_ = std::thread([this] { WarmAudience(); });
    return Status::Ok();
  }

  void Stop(Duration drain) override {
    {
      std::lock_guard lock(mu_);
      if (stop_) return;
      stop_ = true;
      drain_ = drain;
    }
    cv_.notify_all();
    stop_warming_ = true;
    if (warm_thread_.joinable()) warm_thread_.join();
    if (thread_.joinable()) thread_.join();
  }

  void Notify() override {
    {
      std::lock_guard lock(mu_);
      notified_ = true;
    }
    cv_.notify_all();
  }

  Metrics& metrics() override { return metrics_; }

  Result<std::int64_t> CountAudience(const filter::Node& filter) override {
    auto expanded = ExpandWithStore(store_, filter, "filter");
    if (!expanded.ok()) return expanded.error();
    return audience_.Count(*expanded);
  }

  Result<std::vector<Id>> ListAudience(const filter::Node& filter, Id after_id,
                                       int limit) override {
    auto expanded = ExpandWithStore(store_, filter, "filter");
    if (!expanded.ok()) return expanded.error();
    return audience_.List(*expanded, after_id, limit);
  }

 private:
  // Builds the audience index before anyone asks: the first count, preview or plan would
  // otherwise wait for it (about 2 s per million contacts). Requests that come meanwhile wait
  // for this one pass instead of starting their own.
  void WarmAudience() {
    const auto started = clock_.Steady();
    const Status warmed = audience_.Refresh(&stop_warming_);
    if (!warmed.ok()) {
      if (!stop_warming_) {
        spdlog::warn("event=audience_index_warm_failed error=\"{}\"", warmed.error().ToString());
      }
      return;
    }
    spdlog::info(
        "event=audience_index_ready contacts={} bytes={} ms={}", audience_.size(),
        audience_.MemoryBytes(),
        std::chrono::duration_cast<std::chrono::milliseconds>(clock_.Steady() - started).count());
  }

  void Loop() {
    for (;;) {
      {
        std::lock_guard lock(mu_);
        if (stop_) break;
      }
      bool busy = false;
      try {
        busy = dispatcher_.RunOnce(std::chrono::milliseconds(50));
      } catch (const std::exception& e) {
        spdlog::error("event=dispatcher_error error=\"{}\"", e.what());
      }
      if (!busy) {
        std::unique_lock lock(mu_);
        cv_.wait_for(lock, std::chrono::milliseconds(200), [&] { return notified_ || stop_; });
        notified_ = false;
      }
    }
    dispatcher_.BeginStop();
    Duration drain;
    {
      std::lock_guard lock(mu_);
      drain = drain_;
    }
    const int left = dispatcher_.Drain(clock_.Steady() + drain);
    if (left > 0) {
      spdlog::warn(
          "event=stop_with_in_flight count={} note=\"resolved as interrupted at next start\"",
          left);
    }
  }

  Store& store_;
  const Clock& clock_;
  std::unique_ptr<channels::Transport> transport_;
  EngineOptions options_;
  Metrics metrics_;
  std::unique_ptr<ClickTracker> clicks_;
  Dispatcher dispatcher_;
  AudienceService audience_;
  std::mutex send_mu_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool stop_ = false;
  bool notified_ = false;
  Duration drain_{0};
  std::thread thread_;
  std::atomic<bool> stop_warming_{false};
  std::thread warm_thread_;
};

}  // namespace

Result<std::unique_ptr<Engine>> Engine::Create(Store& store, const Clock& clock,
                                               std::unique_ptr<channels::Transport> transport,
                                               const EngineOptions& options) {
  if (!transport) return InvalidArgument("transport", "a transport is required");
  if (options.plan_batch <= 0) return InvalidArgument("plan_batch", "must be positive");
  if (options.claim_batch <= 0) return InvalidArgument("claim_batch", "must be positive");
  if (options.max_attempts <= 0) return InvalidArgument("max_attempts", "must be positive");
  if (options.line_multicast_fill_wait < Duration::zero()) {
    return InvalidArgument("line_multicast_fill_wait", "must not be negative");
  }
  std::unique_ptr<ClickTracker> clicks;
  if (!options.public_url.empty()) {
    auto base = NormalisePublicUrl(options.public_url, "public_url");
    if (!base.ok()) return base.error();
    auto tracker = ClickTracker::Create(store, clock, std::move(*base));
    if (!tracker.ok()) return tracker.error();
    clicks = std::move(*tracker);
  }
  return std::unique_ptr<Engine>(
      std::make_unique<EngineImpl>(store, clock, std::move(transport), options, std::move(clicks)));
}

}  // namespace crier::engine
