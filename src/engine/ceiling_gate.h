// The platform ceilings one channel account is held to (PRODUCT.md A8), applied before a copy
// leaves so that crier stops before the platform has to say so:
//
//   WhatsApp  the portfolio's messaging limit (unique people reached by business-initiated
//             templates per moving 24 h, by tier): a copy that does not fit waits until the
//             budget frees, it is not failed;
//             the pair rate (one number to one person: 45 at once, then one per 6 s): the
//             copy waits the few seconds its person's bucket needs;
//   LINE      the monthly quota (each message costs one per recipient, pushed or
//             multicast): a delivery that would pass it fails with the reason and when the quota
//             refills. A broadcast is news of the moment (a sale, an event), and a copy landing
//             weeks later, after the month turned, does more harm than one not sent; preview says
//             beforehand whether a run fits, so the quota can be raised first.
//
// The send-rate ceiling is not here: it sets the account's token bucket (the lower of the
// account's pace and the platform's, core/ceilings.h EffectiveMessagesPerSecond).
//
// Not thread-safe: the dispatcher's thread owns one gate per account. Pure apart from the
// store read that seeds it (LoadCeilingUsage), so tests drive it with the times they choose.
#pragma once

#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <unordered_set>
#include <vector>

#include "core/ceilings.h"
#include "core/model.h"
#include "core/route.h"
#include "engine/engine.h"
#include "store/store.h"

namespace crier::engine {

// The error class and codes a ceiling puts on a delivery that waits or fails because of it;
// the run report lists waiting ones under `waiting` by code.
inline constexpr std::string_view kCeilingErrorClass = "ceiling";
inline constexpr std::string_view kWhatsAppMessagingLimitCode = "whatsapp_messaging_limit";
inline constexpr std::string_view kWhatsAppPairRateCode = "whatsapp_pair_rate";
inline constexpr std::string_view kLineMonthlyQuotaCode = "line_monthly_quota";

// What an account has used of its ceilings already, read from the store, so budgets survive a
// restart: the people its WhatsApp templates reached in the last 24 h, and the LINE messages
// it sent this month (Japan time).
struct CeilingUsage {
  std::vector<RecipientFirstSend> whatsapp_recipients;
  std::int64_t line_messages_this_month = 0;
};
Result<CeilingUsage> LoadCeilingUsage(Store& store, const ChannelAccount& account, Time now);

// LINE quota charges one delivery makes: one per message, since the dispatcher sends each
// message in a request of its own, pushed to the person or multicast to a batch (LINE charges
// a multicast once per recipient).
std::int64_t LineChargePerDelivery(const Broadcast& broadcast);

struct GateVerdict {
  enum class Kind { kGo, kWait, kFail };
  Kind kind = Kind::kGo;
  Time not_before{};      // kWait: the earliest time to try again
  std::string_view code;  // kWait / kFail: one of the codes above
  std::string message;    // kWait / kFail: for people, with the numbers and the time

  static GateVerdict Go() { return {}; }
  bool go() const { return kind == Kind::kGo; }
};

class CeilingGate {
 public:
  CeilingGate(const ChannelAccount& account, const CeilingUsage& usage, Time now);

  // The first message of a delivery of `messages` messages to `person` by `route`. On kGo
  // the delivery is counted against every ceiling it touches (the budget, the pair bucket,
  // the quota for all its messages, so a started delivery never stops halfway for want of
  // quota); on kWait or kFail nothing is counted.
  GateVerdict AdmitFirst(std::string_view person, RouteKind route, std::int64_t messages, Time now);
  // A later message of a delivery AdmitFirst let go: only the pair rate can hold it (a person
  // who already had 44 messages from other runs), for at most a few seconds.
  GateVerdict AdmitNext(std::string_view person, RouteKind route, Time now);

  // Read-outs for preview and tests.
  std::int64_t whatsapp_used(Time now) { return budget_.Used(now); }
  std::optional<std::int64_t> line_remaining(Time now) { return quota_.Remaining(now); }

 private:
  Platform platform_;
  WhatsAppTier tier_;
  RollingUniqueBudget budget_;
  // The times given to deliveries now waiting for the budget: the k-th waiter gets the k-th
  // opening, so a long queue behind a spent budget is put back about once, not at every
  // opening.
  std::multiset<Time> budget_waiters_;
  PairRateLimiter pairs_;
  std::optional<std::int64_t> quota_limit_;
  MonthlyQuota quota_;
};

// Preview's forecast of the ceilings for one run (C3): fed every decision, then written into
// the preview with the ETA they imply.
class CeilingForecast {
 public:
  CeilingForecast(const ChannelAccount& account, const Broadcast& broadcast,
                  const CeilingUsage& usage, Time now);
  void Count(const RecipientRow& row, const Decision& decision);
  // Fills the ceiling fields of `out`, whose `sendable` is already counted.
  void Finish(PreviewResult& out);

 private:
  const ChannelAccount& account_;
  std::int64_t messages_;
  Time now_;
  RollingUniqueBudget budget_;
  std::unordered_set<std::string> counted_;  // people already counted, and those this run adds
  std::int64_t whatsapp_used_ = 0;
  std::int64_t whatsapp_adds_ = 0;
  std::int64_t line_used_ = 0;
  std::int64_t line_cost_ = 0;
  std::int64_t line_multicast_ = 0;  // people reached by multicast batches, not one by one
};

}  // namespace crier::engine
