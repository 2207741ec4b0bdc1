#include "engine/dispatcher.h"

#include <spdlog/spdlog.h>

#include <algorithm>

namespace crier::engine {
namespace {

using std::chrono::milliseconds;
using SteadyTime = std::chrono::steady_clock::time_point;

constexpr milliseconds kRefreshEvery(200);
constexpr milliseconds kFlushEvery(50);
constexpr int kFlushAtLeast = 512;
constexpr int kMaxSlowDownAttempts = 10;
constexpr milliseconds kDefaultSlowDown(1000);
// A sustained rate with a burst of 1/20 s: the busiest sliding second stays within ~5 % of the
// configured rate.
constexpr double kBurstFraction = 0.05;

constexpr char kStoppedMessage[] =
    "crier stopped after sending part of this delivery's messages; the rest are not sent";
constexpr char kHaltedMessage[] =
    "not sent: the channel account was halted by an earlier authentication or policy error";

Duration Backoff(int attempt) {
  // 1 s, 4 s, 16 s, ... capped at 5 minutes.
  std::int64_t ms = 1000;
  for (int i = 1; i < attempt && ms < 300000; ++i) ms *= 4;
  return milliseconds(std::min<std::int64_t>(ms, 300000));
}

}  // namespace

Dispatcher::Dispatcher(Store& store, const Clock& clock, channels::Transport& transport,
                       Metrics& metrics, const EngineOptions& options)
    : store_(store), clock_(clock), transport_(transport), metrics_(metrics), options_(options) {}

Dispatcher::AccountState* Dispatcher::Account(Id id) {
  auto it = accounts_.find(id);
  if (it != accounts_.end()) return &it->second;
  auto account = store_.GetChannelAccount(id);
  if (!account.ok()) {
    spdlog::error("event=account_load_failed account={} error=\"{}\"", id,
                  account.error().ToString());
    return nullptr;
  }
  auto adapter = channels::MakeAdapter(account->platform);
  if (!adapter) {
    spdlog::error("event=no_adapter account={} platform={}", id, ToString(account->platform));
    return nullptr;
  }
  const double rate = account->pacing.messages_per_second;
  TokenBucket bucket(rate, std::max(1.0, rate * kBurstFraction), clock_.Steady());
  auto [pos, inserted] = accounts_.emplace(
      id, AccountState{std::move(*account), std::move(adapter), bucket, 0, false});
  (void)inserted;
  return &pos->second;
}

void Dispatcher::RefreshRuns() {
  const auto now = clock_.Steady();
  if (!runs_.empty() && now - last_refresh_ < kRefreshEvery) return;
  last_refresh_ = now;
  auto active = store_.ListActiveRuns();
  if (!active.ok()) {
    spdlog::error("event=list_runs_failed error=\"{}\"", active.error().ToString());
    return;
  }
  for (const Run& run : *active) {
    auto it = runs_.find(run.id);
    if (it != runs_.end()) {
      it->second.exhausted = false;  // retries may have become due
      continue;
    }
    auto broadcast = store_.GetBroadcast(run.broadcast_id);
    if (!broadcast.ok() || Account(run.channel_account_id) == nullptr) continue;
    runs_.emplace(run.id, RunState{run, std::move(*broadcast), {}, false, 0, {}});
  }
}

void Dispatcher::Claim() {
  for (auto& [id, run] : runs_) {
    if (run.exhausted || static_cast<int>(run.queue.size()) >= options_.claim_batch / 2) continue;
    auto claimed = store_.ClaimDeliveries(id, options_.claim_batch, clock_.Now());
    if (!claimed.ok()) {
      spdlog::error("event=claim_failed run={} error=\"{}\"", id, claimed.error().ToString());
      continue;
    }
    if (claimed->empty()) run.exhausted = true;
    for (auto& d : *claimed) run.queue.push_back(std::move(d));
  }
}

std::uint64_t Dispatcher::AllocateFlight(Flight flight) {
  flight.used = true;
  if (!free_flights_.empty()) {
    const std::uint64_t tag = free_flights_.back();
    free_flights_.pop_back();
    flights_[tag] = std::move(flight);
    return tag;
  }
  flights_.push_back(std::move(flight));
  return flights_.size() - 1;
}

bool Dispatcher::StartMessage(RunState& run, AccountState& account, Flight flight) {
  const Message& message = run.broadcast.messages[flight.message_index];
  channels::RecipientRef recipient{flight.delivery.platform_user_id, flight.delivery.contact_name,
                                   flight.delivery.contact_first_name};
  auto request = account.adapter->BuildSend(account.account, recipient, flight.route, message);
  ++run.in_flight;
  ++account.in_flight;
  transport_.Start(AllocateFlight(std::move(flight)), std::move(request));
  return true;
}

int Dispatcher::StartSends() {
  if (stopping_) return 0;
  int started = 0;
  bool progress = true;
  // Round-robin over runs, one send per run per pass, so broadcasts sharing an account share
  // its pace fairly (F6).
  while (progress) {
    progress = false;
    for (auto& [id, run] : runs_) {
      if (run.continuations.empty() && run.queue.empty()) continue;
      AccountState* account = Account(run.run.channel_account_id);
      if (account == nullptr) continue;
      if (account->halted && run.continuations.empty()) {
        const ClaimedDelivery d = std::move(run.queue.front());
        run.queue.pop_front();
        Finish({d.delivery_id,
                DeliveryState::kFailed,
                {},
                {},
                {},
                "channel_halted",
                "account_halted",
                kHaltedMessage,
                std::nullopt,
                clock_.Now()});
        progress = true;
        continue;
      }
      if (account->in_flight >= account->account.pacing.max_concurrency) continue;
      if (!account->bucket.TryTake(clock_.Steady())) continue;
      if (!run.continuations.empty()) {
        Flight flight = std::move(run.continuations.front());
        run.continuations.pop_front();
        StartMessage(run, *account, std::move(flight));
      } else {
        ClaimedDelivery d = std::move(run.queue.front());
        run.queue.pop_front();
        // A9: the forecast made at planning may be stale; decide again right before sending.
        const Decision decision = DecideRoute(d.facts, BroadcastFacts{run.broadcast.purpose},
                                              clock_.Now(), options_.policy);
        if (!decision.sends()) {
          Finish({d.delivery_id,
                  DeliveryState::kSkipped,
                  {},
                  std::string(decision.code()),
                  {},
                  {},
                  {},
                  {},
                  std::nullopt,
                  clock_.Now()});
          progress = true;
          continue;
        }
        Flight flight;
        flight.run_id = id;
        flight.route = decision.route();
        flight.route_code = std::string(decision.code());
        flight.delivery = std::move(d);
        StartMessage(run, *account, std::move(flight));
      }
      ++started;
      progress = true;
    }
  }
  return started;
}

void Dispatcher::Finish(DeliveryOutcome outcome) {
  if (IsFinal(outcome.state)) metrics_.CountDelivery(outcome.state);
  outcomes_.push_back(std::move(outcome));
}

void Dispatcher::HandleResult(const channels::TransportResult& result) {
  Flight flight = std::move(flights_[result.tag]);
  flights_[result.tag].used = false;
  free_flights_.push_back(result.tag);
  auto run_it = runs_.find(flight.run_id);
  if (run_it == runs_.end()) return;  // cannot happen: a run with flights is never dropped
  RunState& run = run_it->second;
  AccountState* account = Account(run.run.channel_account_id);
  --run.in_flight;
  if (account != nullptr) --account->in_flight;
  metrics_.ObserveSendLatency(std::chrono::duration<double>(result.elapsed).count());

  const channels::SendResult sent = account->adapter->Classify(result);
  const Time now = clock_.Now();
  if (sent.sent) {
    if (!flight.message_ids.empty()) flight.message_ids += ',';
    flight.message_ids += sent.platform_message_id;
    if (flight.message_index + 1 < run.broadcast.messages.size()) {
      ++flight.message_index;
      if (stopping_) {
        Finish({flight.delivery.delivery_id,
                DeliveryState::kFailed,
                flight.route_code,
                {},
                flight.message_ids,
                "stopped",
                "stopped",
                kStoppedMessage,
                std::nullopt,
                now});
      } else {
        run.continuations.push_back(std::move(flight));
      }
      return;
    }
    Finish({flight.delivery.delivery_id,
            DeliveryState::kSent,
            flight.route_code,
            {},
            std::move(flight.message_ids),
            {},
            {},
            {},
            std::nullopt,
            now});
    return;
  }

  const std::string error_class(channels::ToString(sent.error_class));
  metrics_.CountPlatformError(error_class);
  const bool nothing_sent_yet = flight.message_index == 0;
  const int attempt = flight.delivery.attempt;
  DeliveryOutcome outcome{flight.delivery.delivery_id,
                          DeliveryState::kFailed,
                          flight.route_code,
                          {},
                          flight.message_ids,
                          error_class,
                          sent.error_code,
                          sent.error_message,
                          std::nullopt,
                          now};
  switch (sent.error_class) {
    case channels::ErrorClass::kSlowDown: {
      const Duration pause = sent.retry_after.value_or(kDefaultSlowDown);
      if (account != nullptr) account->bucket.PauseUntil(clock_.Steady() + pause);
      if (nothing_sent_yet && attempt < kMaxSlowDownAttempts) {
        outcome.state = DeliveryState::kPlanned;
        outcome.not_before = now + pause;
      }
      break;
    }
    case channels::ErrorClass::kRetryLater:
      if (nothing_sent_yet && attempt < options_.max_attempts) {
        outcome.state = DeliveryState::kPlanned;
        outcome.not_before = now + sent.retry_after.value_or(Backoff(attempt));
      }
      break;
    case channels::ErrorClass::kAuth:
    case channels::ErrorClass::kChannelHalted:
      if (account != nullptr && !account->halted) {
        account->halted = true;
        spdlog::error("event=account_halted account={} class={} code={}", account->account.id,
                      error_class, sent.error_code);
      }
      break;
    default:
      break;
  }
  Finish(std::move(outcome));
}

void Dispatcher::FlushOutcomes(bool force) {
  const auto now = clock_.Steady();
  if (outcomes_.empty()) return;
  if (!force && static_cast<int>(outcomes_.size()) < kFlushAtLeast &&
      now - last_flush_ < kFlushEvery) {
    return;
  }
  const Status status = store_.RecordOutcomes(outcomes_);
  if (!status.ok()) {
    // Kept and retried on the next turn: an outcome is never dropped.
    spdlog::error("event=record_outcomes_failed count={} error=\"{}\"", outcomes_.size(),
                  status.error().ToString());
    return;
  }
  outcomes_.clear();
  last_flush_ = now;
}

void Dispatcher::CompleteFinishedRuns() {
  if (!outcomes_.empty()) return;  // outcomes must be on disk before a run can be complete
  for (auto it = runs_.begin(); it != runs_.end();) {
    RunState& run = it->second;
    if (!run.exhausted || !run.queue.empty() || !run.continuations.empty() || run.in_flight > 0) {
      ++it;
      continue;
    }
    const Time now = clock_.Now();
    auto done = store_.CompleteRunIfDone(run.run.id, now);
    if (done.ok() && *done) {
      const Status s =
          store_.SetBroadcastStatus(run.broadcast.id, BroadcastStatus::kCompleted, now);
      if (!s.ok())
        spdlog::error("event=broadcast_status_failed error=\"{}\"", s.error().ToString());
      spdlog::info("event=run_completed run={} broadcast={}", run.run.id, run.broadcast.id);
      it = runs_.erase(it);
    } else {
      ++it;
    }
  }
}

bool Dispatcher::HasQueued() const {
  for (const auto& [id, run] : runs_) {
    if (!run.queue.empty() || !run.continuations.empty()) return true;
  }
  return false;
}

bool Dispatcher::RunOnce(std::chrono::milliseconds max_wait) {
  if (!stopping_) {
    RefreshRuns();
    Claim();
    StartSends();
  }
  if (transport_.in_flight() > 0 || HasQueued()) {
    // Wait for an answer, but no longer than until the next token is due.
    auto wait = max_wait;
    if (transport_.in_flight() == 0) {
      for (auto& [id, account] : accounts_) {
        const auto token_wait =
            std::chrono::ceil<milliseconds>(account.bucket.WaitTime(clock_.Steady()));
        wait = std::min(wait, std::max(milliseconds(1), token_wait));
      }
    }
    done_.clear();
    transport_.Poll(wait, done_);
    for (const auto& result : done_) HandleResult(result);
  }
  const bool active = transport_.in_flight() > 0 || HasQueued();
  FlushOutcomes(/*force=*/!active);
  CompleteFinishedRuns();
  if (active) return true;
  // Outcomes that could not be written are retried on the next turn, after the caller's wait.
  if (!outcomes_.empty()) return false;
  for (const auto& [id, run] : runs_) {
    if (!run.exhausted) return true;  // more may be claimable right away
  }
  return false;
}

void Dispatcher::BeginStop() {
  stopping_ = true;
  const Time now = clock_.Now();
  for (auto& [id, run] : runs_) {
    // Claimed but never started: back to planned, so they go out after the restart.
    for (const ClaimedDelivery& d : run.queue) {
      outcomes_.push_back(
          {d.delivery_id, DeliveryState::kPlanned, {}, {}, {}, {}, {}, {}, now, now});
    }
    run.queue.clear();
    for (Flight& f : run.continuations) {
      Finish({f.delivery.delivery_id,
              DeliveryState::kFailed,
              f.route_code,
              {},
              f.message_ids,
              "stopped",
              "stopped",
              kStoppedMessage,
              std::nullopt,
              now});
    }
    run.continuations.clear();
  }
}

int Dispatcher::Drain(std::chrono::steady_clock::time_point deadline) {
  while (transport_.in_flight() > 0 && clock_.Steady() < deadline) {
    done_.clear();
    transport_.Poll(milliseconds(50), done_);
    for (const auto& result : done_) HandleResult(result);
  }
  FlushOutcomes(true);
  return transport_.in_flight();
}

}  // namespace crier::engine
