// Dispatcher: delivers claimed deliveries over a Transport, paced per channel account.
//
// Not thread-safe: one thread (the engine's) calls RunOnce repeatedly. Stop requests come
// through RequestStop, which may be called from any thread.
//
// Exactly-once discipline: a delivery is moved to `sending` durably (Store::ClaimDeliveries)
// before its first request leaves. Claimed deliveries that were never started are put back to
// `planned` on stop; those whose request was in flight when the process died stay `sending`
// and are resolved as interrupted at the next start, never sent again.
//
// LINE multicast (PRODUCT.md A4): a LINE run whose content is the same for everyone sends its
// copies in batches of up to 500 people, one multicast request per message. A batch is stored
// (Store::CreateLineBatch) before its first request leaves, and every request's retry key
// before that request leaves, so a retry, in this process or after a restart, is the same set
// of deliveries with the same key; LINE drops a repeat of a request it accepted (409).
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <optional>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include "channels/adapter.h"
#include "channels/line_adapter.h"
#include "channels/message_body.h"
#include "channels/transport.h"
#include "core/pacing.h"
#include "engine/ceiling_gate.h"
#include "engine/engine.h"
#include "engine/metrics.h"
#include "store/store.h"

namespace crier::engine {

class Dispatcher {
 public:
  // `clicks` makes the click tokens of runs that track clicks (G3); without it such runs fail
  // their copies as invalid content. Not owned.
  Dispatcher(Store& store, const Clock& clock, channels::Transport& transport, Metrics& metrics,
             const EngineOptions& options, const ClickTracker* clicks = nullptr);

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
    // LINE: the multicast endpoint's own ceiling (200 requests/s); a multicast takes a token
    // from both buckets.
    TokenBucket multicast_bucket;
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
    // G3: what the run's tracked links carry for this person (empty when it tracks none),
    // made once for every message of the copy.
    std::string click_token;
  };
  // A LINE multicast batch between its requests: waiting for its first or next request, or
  // for a retry of the current one (same key), or in flight.
  struct Batch {
    LineBatch stored;  // as last written to the store; attempts counts requests started
    std::vector<Id> delivery_ids;
    std::vector<std::string> user_ids;  // in the order of delivery_ids
    int slow_downs = 0;                 // 429 rate-limit answers to this request
    Time due{};
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
    // Per message, its JSON compiled for the account's adapter when copies can be rendered
    // from it (channels::MessageBody::Compile).
    std::vector<std::optional<channels::MessageBody>> bodies;
    // LINE multicast: set when the run's content is the same for everyone (RunFacts).
    bool multicast = false;
    // The broadcast's side of each route decision (FactsOf), made when the run is loaded and
    // again when the account's capabilities are refreshed, not per copy: for a push, and for
    // a multicast batch.
    BroadcastFacts facts;
    BroadcastFacts batch_facts;
    // G3: whether the run tracks clicks and has links to track: each copy gets a token.
    bool tracks_links = false;
    // The messages as every recipient reads them (placeholder escapes resolved), for the
    // multicast body.
    std::vector<Message> multicast_messages;
    std::deque<Batch> batches;               // waiting for a request
    std::deque<ClaimedDelivery> push_queue;  // ids a multicast does not take: pushed
    // Whether the batches a previous process left open were taken up; a LINE run claims and
    // sends nothing before (they would be listed again with this process's own).
    bool resumed = true;
    std::optional<std::chrono::steady_clock::time_point> filling_since;
  };

  void RefreshRuns();
  // Re-reads the loaded accounts' capabilities and pace every few seconds.
  // Returns whether it re-read the accounts (it does every few seconds).
  bool RefreshAccounts();
  void SetFacts(RunState& run, const AccountState& account);
  void Claim();
  int StartSends();
  enum class Step { kNone, kResolved, kStarted };
  // Takes the next due continuation of `run`: kNone when none is due, kStarted when its
  // request left, kResolved when it was failed by the re-check or held by a ceiling.
  Step StartContinuation(RunState& run, AccountState& account, const BroadcastFacts& facts,
                         Time now);
  // Takes the next queued delivery of `run`: kNone when the queue is empty, kStarted when its
  // first request left, kResolved when the re-check skipped it or a ceiling held or failed it.
  Step StartQueued(Id run_id, RunState& run, std::deque<ClaimedDelivery>& queue,
                   AccountState& account, const BroadcastFacts& facts, Time now);
  // Multicast runs: starts the next due batch's request, or forms a batch from the queue when
  // it is full, the run has nothing more to claim, or the fill wait passed. kNone when
  // neither is ready.
  Step StartBatch(Id run_id, RunState& run, AccountState& account, const BroadcastFacts& facts,
                  Time now);
  // Writes the batch's progress and starts its request; false when the store refused (the
  // batch waits and tries again) or the key is too old to use (the batch failed).
  // `stored`: the batch was just created with its first attempt on record.
  bool StartBatchRequest(RunState& run, AccountState& account, Batch batch, Time now, bool stored);
  // Forgets the batches waiting in `run`; they stay `sending` in the store for the next start.
  void DropBatches(RunState& run, std::string_view why);
  void HandleBatchResult(Batch batch, const channels::TransportResult& result);
  // Every delivery of `batch` ends with the same outcome.
  void FinishBatch(const Batch& batch, const DeliveryOutcome& outcome);
  // The open batches a previous process left `sending` (Store::ListOpenLineBatches).
  void ResumeBatches(RunState& run);
  std::string NewRetryKey();
  // Whether `run` may form a batch smaller than 500 now.
  bool BatchMayGo(const RunState& run) const;
  // The earliest time a held continuation falls due, if every queue is empty and every
  // continuation waits: the loop sleeps until then instead of spinning.
  std::optional<Time> NextContinuationDue() const;
  // Takes the pace's token and starts the flight's next message; false (the copy failed, no
  // token taken) when the message rendered for the person is over the platform's limit.
  bool StartMessage(RunState& run, AccountState& account, Flight flight);
  void HandleResult(const channels::TransportResult& result);
  void PauseAccount(AccountState& account, std::string_view error_class,
                    std::string_view error_code);
  void Finish(DeliveryOutcome outcome);
  void FlushOutcomes(bool force);
  void CompleteFinishedRuns();
  bool HasQueued() const;
  // Puts claimed, never-started deliveries back to `planned`.
  void ReleaseQueued(RunState& run);
  int ClaimSize(const AccountState& account) const;
  AccountState* Account(Id id);
  std::uint64_t AllocateFlight(Flight flight);
  // The claim target of a multicast run: a quarter second of batches at its request pace.
  int MulticastClaimTarget(const AccountState& account) const;

  Store& store_;
  const Clock& clock_;
  channels::Transport& transport_;
  Metrics& metrics_;
  EngineOptions options_;
  const ClickTracker* clicks_;
  // Mixed with a delivery's id into its LINE retry key, so keys differ between installs (and
  // database resets) while every attempt of one delivery in this process sends the same key.
  std::array<std::uint64_t, 2> retry_key_salt_{};

  std::map<Id, AccountState> accounts_;
  std::map<Id, RunState> runs_;
  std::vector<Flight> flights_;
  // Multicast requests in flight, by transport tag (kBatchTag set, apart from flights_' tags).
  std::map<std::uint64_t, Batch> batch_flights_;
  std::uint64_t next_batch_tag_ = 0;
  std::mt19937_64 retry_key_random_;
  channels::LineAdapter line_adapter_;
  std::vector<std::uint64_t> free_flights_;
  std::vector<DeliveryOutcome> outcomes_;
  // A copy's message JSON rendered before its request is built; kept for its capacity.
  std::string render_scratch_;
  std::vector<channels::TransportResult> done_;
  std::chrono::steady_clock::time_point last_flush_{};
  std::chrono::steady_clock::time_point last_refresh_{};
  std::chrono::steady_clock::time_point last_account_refresh_{};
  bool stopping_ = false;
};

}  // namespace crier::engine
