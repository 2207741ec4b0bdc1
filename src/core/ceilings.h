// Platform ceilings (PRODUCT.md A8): the limits each platform enforces, as data, and the
// budgets the dispatcher consults so that crier stops before the platform has to say so.
// Pure and clock-driven: every call takes the time it reasons about; no threads, no IO.
//
//   Messenger / Instagram  300 sends/s per Page or IG account (10/s audio and video);
//                          200 calls x engaged users per rolling 24 h (Messenger)
//   WhatsApp               80 messages/s per number (1,000 upgraded, 20 coexistence);
//                          unique recipients outside a window per rolling 24 h per business
//                          portfolio (250, 2,000, 10,000, 100,000, unlimited);
//                          pair rate: 1 message per 6 s to one person, bursts of 45
//   LINE                   push 2,000 requests/s, multicast 200 requests/s per channel;
//                          a monthly message quota (one per recipient of a charged send)
//
// Sources: platforms.md 1.7, 3, 4.6, 5.1, 5.2.
#pragma once

#include <cstdint>
#include <deque>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

#include "core/clock.h"
#include "core/model.h"
#include "core/route.h"

namespace crier {

// The fastest a platform accepts sends from one account, by route and content.
struct RateCeiling {
  double per_second = 0;
  double burst = 0;  // requests that may go at once after a quiet spell
};
// `media`: the copy carries audio or video (Messenger/Instagram allow 10/s for those).
RateCeiling SendRateCeiling(Platform platform, RouteKind route, bool media);

// WhatsApp throughput per registered phone number (platforms.md 4.6).
enum class WhatsAppThroughput { kDefault, kUpgraded, kCoexistence };
double WhatsAppMessagesPerSecond(WhatsAppThroughput t);

// The platform's ceiling on `account`'s send rate for the route the dispatcher uses (one
// request per message: Messenger/Instagram Send API, WhatsApp messages, LINE push), or the
// account's own `platform_messages_per_second` when set.
double PlatformMessagesPerSecond(const ChannelAccount& account);
// The rate the dispatcher sends at: the lower of the account's pacing and the platform's.
double EffectiveMessagesPerSecond(const ChannelAccount& account);

// The WhatsApp messaging-limit tier's limit (WhatsAppTier is in model.h, an account setting).
// nullopt: unlimited.
std::optional<std::int64_t> WhatsAppTierLimit(WhatsAppTier tier);
std::string_view ToString(WhatsAppTier tier);
std::optional<WhatsAppTier> ParseWhatsAppTier(std::string_view s);

// Unique recipients per moving window (the WhatsApp messaging limit): a person already
// counted inside the window costs nothing again; a new one is admitted while fewer than
// `limit` are counted. Memory: one entry per person counted in the last window.
class RollingUniqueBudget {
 public:
  // `limit` nullopt: unlimited (Admit always succeeds and nothing is stored).
  explicit RollingUniqueBudget(std::optional<std::int64_t> limit,
                               Duration window = std::chrono::hours(24));

  // Whether a send to `person` at `now` fits, without recording it.
  bool Fits(std::string_view person, Time now);
  // Records a send to `person` at `now` if it fits; false (and nothing recorded) if not.
  bool Admit(std::string_view person, Time now);
  // Counts `person` from `at` whatever the limit: a send that already happened (seeding the
  // budget from the store at start). Calls must come in time order, as Admit's do.
  void Record(std::string_view person, Time at);
  // People counted in the window ending at `now`.
  std::int64_t Used(Time now);
  // When the next new person would fit: `now` when one fits already, else when the oldest
  // counted person leaves the window.
  Time NextOpening(Time now);
  // When the new person `k` places after the first one who does not fit now would fit, if
  // nobody else were admitted meanwhile: `now` for the first (limit - Used) people, then the
  // time each counted person leaves the window, oldest first; past everyone counted, one more
  // window per `limit` people. The dispatcher gives the k-th waiting delivery this time, so a
  // long queue behind a spent budget is put back once instead of at every opening.
  Time OpeningFor(std::int64_t k, Time now);
  void SetLimit(std::optional<std::int64_t> limit) { limit_ = limit; }

 private:
  void Expire(Time now);

  std::optional<std::int64_t> limit_;
  Duration window_;
  // First send to each person inside the window, oldest first; a person's entry leaves when
  // its window ends, and the next send to them opens a new one.
  std::deque<std::pair<Time, std::string>> order_;
  std::unordered_map<std::string, Time> first_;
};

// The WhatsApp pair rate (one business number to one person): a token bucket per person of
// one message per 6 s holding at most 45. Buckets that are full again are dropped, so memory
// follows only the people messaged in the last few minutes.
class PairRateLimiter {
 public:
  PairRateLimiter(Duration interval = std::chrono::seconds(6), int burst = 45);

  // Takes one message for `person` at `now` if the pair rate allows.
  bool TryTake(std::string_view person, Time now);
  // How long until `person` may get a message (zero when now).
  Duration WaitTime(std::string_view person, Time now) const;
  std::size_t tracked() const { return buckets_.size(); }

 private:
  struct Bucket {
    double tokens;
    Time last;
  };
  double Tokens(const Bucket& b, Time now) const;
  void Prune(Time now);

  Duration interval_;
  int burst_;
  std::unordered_map<std::string, Bucket> buckets_;
  Time last_prune_{};
};

// LINE's monthly message quota (platforms.md 5.1, 5.2): charged sends count one per
// recipient; the count restarts each calendar month in Japan time (UTC+9), as LINE's
// delivery statistics do.
class MonthlyQuota {
 public:
  // `limit` nullopt: LINE's type "none" (no limit).
  MonthlyQuota(std::optional<std::int64_t> limit, std::int64_t used, Time as_of);

  std::optional<std::int64_t> Remaining(Time now);
  // Charges `recipients` if they fit entirely; false (nothing charged) otherwise.
  bool TryCharge(std::int64_t recipients, Time now);
  // The start of the month after the one containing `now`, in UTC (when the quota refills).
  static Time NextMonthStart(Time now);
  std::int64_t used() const { return used_; }

 private:
  void Roll(Time now);

  std::optional<std::int64_t> limit_;
  std::int64_t used_;
  Time month_end_;
};

}  // namespace crier
