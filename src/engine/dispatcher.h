// Dispatcher: delivers claimed deliveries over a Transport, paced per channel account.
//
// Not thread-safe: one thread (the engine's) calls RunOnce repeatedly. Stop requests come
// through RequestStop, which may be called from any thread.
//
// Exactly-once discipline: a delivery is moved to `sending` durably (Store::ClaimDeliveries)
// before its first request leaves. Claimed deliveries that were never started are put back to
// `planned` on stop; those whose request was in flight when the process died stay `sending`
// and are resolved as interrupted at the next start, never sent again.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "channels/adapter.h"
#include "channels/transport.h"
#include "core/pacing.h"
#include "engine/ceiling_gate.h"
#include "engine/engine.h"
#include "engine/metrics.h"
#include "store/store.h"

namespace crier::engine {

class Dispatcher {
 public:
  Dispatcher(Store& store, const Clock& clock, channels::Transport& transport, Metrics& metrics,
             const EngineOptions& options);

  // One turn of the loop: refresh work, claim, start what pacing allows, poll for up to
  // `max_wait`, record outcomes. Returns true when there is work in progress (so the caller
  // should call again at once) and false when idle.
  bool RunOnce(std::chrono::milliseconds max_wait);

  // Stop claiming and starting; unstarted claimed deliveries go back to `planned`.
  void BeginStop();
  // Polls in-flight requests until none is left or `deadline` passes (steady clock of the
  // engine's Clock); records every outcome. Returns the number still in flight.
  int Drain(std::chrono::steady_clock::time_point deadline);

  int in_flight() const { return transport_.in_flight(); }

 private:
  struct AccountState {
    ChannelAccount account;
    std::unique_ptr<channels::ChannelAdapter> adapter;
    TokenBucket bucket;  // at the lower of the account's pace and the platform's (A8)
    CeilingGate ceilings;
    int in_flight = 0;
    bool halted = false;  // auth or channel-halted error: no more sends until restart
  };
  struct Flight {
    ClaimedDelivery delivery;
    Id run_id = 0;
    size_t message_index = 0;
    std::string message_ids;  // platform ids of the messages sent so far, comma-separated
    Route route;              // as decided right before the first message (A9)
    std::string route_code;   // its stable code, recorded with the outcome
    bool used = false;
    Time due{};  // a continuation held by a ceiling (the WhatsApp pair rate) waits until then
    // Who the copy is personalised for: the claim's name, first name, locale and attributes.
    Contact contact;
  };
  struct RunState {
    Run run;
    Broadcast broadcast;
    std::deque<ClaimedDelivery> queue;  // claimed, not started
    bool exhausted = false;             // the last claim found nothing claimable
    int in_flight = 0;
    std::deque<Flight> continuations;  // sent some of the broadcast's messages; next is due
    // Set when a message cannot be put on the account's wire (ChannelAdapter::ValidateMessage):
    // every copy of the run fails with it, and no request leaves.
    std::optional<Error> invalid_content;
    // The broadcast's messages compiled once for the run (PRODUCT.md D1), one per message,
    // rendered per recipient by the adapter.
    std::vector<channels::CompiledMessage> content;
  };

  void RefreshRuns();
  // Re-reads the loaded accounts' capabilities and pace every few seconds.
  void RefreshAccounts();
  void Claim();
  int StartSends();
  enum class Step { kNone, kResolved, kStarted };
  // Takes the next due continuation of `run`: kNone when none is due, kStarted when its
  // request left, kResolved when it was failed by the re-check or held by a ceiling.
  Step StartContinuation(RunState& run, AccountState& account, const BroadcastFacts& facts,
                         Time now);
  // Takes the next queued delivery of `run`: kNone when the queue is empty, kStarted when its
  // first request left, kResolved when the re-check skipped it or a ceiling held or failed it.
  Step StartQueued(Id run_id, RunState& run, AccountState& account, const BroadcastFacts& facts,
                   Time now);
  // The earliest time a held continuation falls due, if every queue is empty and every
  // continuation waits: the loop sleeps until then instead of spinning.
  std::optional<Time> NextContinuationDue() const;
  // Takes the pace's token and starts the flight's next message; false (the copy failed, no
  // token taken) when the message rendered for the person is over the platform's limit.
  bool StartMessage(RunState& run, AccountState& account, Flight flight);
  void HandleResult(const channels::TransportResult& result);
  void Finish(DeliveryOutcome outcome);
  void FlushOutcomes(bool force);
  void CompleteFinishedRuns();
  bool HasQueued() const;
  // Puts claimed, never-started deliveries back to `planned`.
  void ReleaseQueued(RunState& run);
  int ClaimSize(const AccountState& account) const;
  AccountState* Account(Id id);
  std::uint64_t AllocateFlight(Flight flight);

  Store& store_;
  const Clock& clock_;
  channels::Transport& transport_;
  Metrics& metrics_;
  EngineOptions options_;
  // Mixed with a delivery's id into its LINE retry key, so keys differ between installs (and
  // database resets) while every attempt of one delivery in this process sends the same key.
  std::array<std::uint64_t, 2> retry_key_salt_{};

  std::map<Id, AccountState> accounts_;
  std::map<Id, RunState> runs_;
  std::vector<Flight> flights_;
  std::vector<std::uint64_t> free_flights_;
  std::vector<DeliveryOutcome> outcomes_;
  std::vector<channels::TransportResult> done_;
  std::chrono::steady_clock::time_point last_flush_{};
  std::chrono::steady_clock::time_point last_refresh_{};
  std::chrono::steady_clock::time_point last_account_refresh_{};
  bool stopping_ = false;
};

}  // namespace crier::engine
