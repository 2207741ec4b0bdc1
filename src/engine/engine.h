// Engine: plans runs (audience -> deliveries) and delivers them, paced per channel account.
//
// Thread-safety: Preview and SendNow may be called from any thread (the API's). Start runs the
// dispatcher on its own thread until Stop.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "channels/transport.h"
#include "core/ceilings.h"
#include "core/clock.h"
#include "core/filter.h"
#include "core/route.h"
#include "engine/click_tracker.h"
#include "engine/metrics.h"
#include "store/store.h"

namespace crier::engine {

struct EngineOptions {
  PolicyOptions policy;
  int plan_batch = 10000;  // deliveries appended per transaction while planning
  int claim_batch = 512;   // deliveries claimed per transaction while sending
  int max_attempts = 3;    // attempts per delivery for retry-later errors
  // LINE multicast (A4): how long claimed deliveries may wait for more to fill a batch of
  // 500 before a smaller batch goes. A batch goes at once when it is full or when the run has
  // nothing more to claim; measured on the engine's Clock.
  Duration line_multicast_fill_wait = std::chrono::milliseconds(100);
  channels::TransportOptions transport;
  // Where people reach this server from outside ("https://crier.example"): the base of the
  // click-tracking redirect (G3). Empty: broadcasts cannot track clicks.
  std::string public_url;
};

// WhatsApp: what a run would take of the portfolio's messaging limit (A8).
struct MessagingLimitUse {
  WhatsAppTier tier = WhatsAppTier::k250;
  std::optional<std::int64_t> limit;  // nullopt: unlimited
  std::int64_t used = 0;              // unique people reached by templates in the last 24 h
  std::int64_t adds = 0;              // people this run would reach by template, not yet counted
  bool fits = true;                   // used + adds <= limit: nobody waits
  // When it does not fit: when the last of them would fit, as the budget frees.
  std::optional<Time> last_fits_at;
};

// LINE: what a run would take of the monthly quota (A4, C3).
struct LineQuotaUse {
  std::optional<std::int64_t> limit;      // nullopt: LINE sets none
  std::int64_t used = 0;                  // sent by crier this month (Japan time)
  std::int64_t cost = 0;                  // this run's messages, one per recipient each
  std::optional<std::int64_t> remaining;  // limit - used, nullopt with no limit
  bool fits = true;                       // cost <= remaining
  Time refills_at{};                      // the next month's start, 00:00 Japan time
};

struct PreviewResult {
  std::int64_t matched = 0;
  std::int64_t sendable = 0;
  std::vector<std::pair<std::string, std::int64_t>> by_route;        // code -> count
  std::vector<std::pair<std::string, std::int64_t>> by_skip_reason;  // code -> count
  std::vector<std::pair<std::string, std::string>> explanations;     // code -> one line
  // How long the run would take: at its pace, and past it when a ceiling makes copies wait.
  double estimated_seconds = 0;
  // The pace: the lower of the account's messages_per_second and the platform's ceiling.
  double messages_per_second = 0;
  double platform_messages_per_second = 0;
  // LINE: messages charged against the monthly quota: one per recipient per request, and the
  // dispatcher sends each message of a delivery in a request of its own, pushed or multicast
  // (platforms.md 5.1).
  std::int64_t line_quota_cost = 0;
  std::optional<MessagingLimitUse> whatsapp_messaging_limit;  // WhatsApp accounts
  std::optional<LineQuotaUse> line_quota;                     // LINE accounts
  // One line per ceiling that would hold the run back, for people.
  std::vector<std::string> ceiling_notes;
  // Dated rule changes between now and the estimated end of the run (A7), described.
  std::vector<std::string> rule_changes;
};

struct SendNowResult {
  Run run;
  std::int64_t planned = 0;  // deliveries to send
  std::int64_t skipped = 0;
};

class Engine {
 public:
  // `store` and `clock` must outlive the engine. `transport` is used by the dispatcher only.
  static Result<std::unique_ptr<Engine>> Create(Store& store, const Clock& clock,
                                                std::unique_ptr<channels::Transport> transport,
                                                const EngineOptions& options);
  virtual ~Engine() = default;

  // Decides every recipient of the broadcast's audience as of now, without writing anything.
  virtual Result<PreviewResult> Preview(Id broadcast_id) = 0;
  // Creates a run, plans it (one decision per recipient, durably) and hands it to the
  // dispatcher. Fails with kFailedPrecondition when the broadcast is already sending.
  virtual Result<SendNowResult> SendNow(Id broadcast_id) = 0;

  // Starts the dispatcher thread (resolving deliveries interrupted by an earlier crash first).
  virtual Status Start() = 0;
  // Stops claiming new deliveries, waits up to `drain` for in-flight sends to finish and
  // records their outcomes, then joins. What is still in flight after `drain` stays in
  // `sending` and is resolved as interrupted at the next start. Idempotent.
  virtual void Stop(Duration drain) = 0;
  // Wakes the dispatcher (new work was planned).
  virtual void Notify() = 0;

  // How many contacts match `filter` now, from the audience index kept in step with the store.
  // Segment references are expanded with their current definitions first; an unknown one is
  // kInvalidArgument naming it (field "filter"), a cycle kFailedPrecondition. Preview and
  // SendNow expand the broadcast's stored filter the same way (field "audience.filter").
  virtual Result<std::int64_t> CountAudience(const filter::Node& filter) = 0;
  // Matching contact ids after `after_id`, ascending, at most `limit` (keyset paging); segment
  // references as for CountAudience, expanded at each call.
  virtual Result<std::vector<Id>> ListAudience(const filter::Node& filter, Id after_id,
                                               int limit) = 0;

  virtual Metrics& metrics() = 0;
  // Click tracking, when EngineOptions::public_url is set; nullptr otherwise.
  virtual const ClickTracker* clicks() const = 0;
};

}  // namespace crier::engine
