// The dated rule timeline (PRODUCT.md A7): every platform rule whose validity changed, as
// data with the dates between which it holds. Route decisions, broadcast validation and
// preview ask the timeline which rules are in force at the moment of sending, so a broadcast
// scheduled across a change is decided by the rule of each send's own moment.
//
// Dates are those of platforms.md (sections 0, 1.3, 2.1, 4.6). Meta announces a day, not an
// hour; crier takes 00:00 UTC of that day, and the sandbox plays the same convention.
// Pure data and look-ups: no IO.
#pragma once

#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/clock.h"
#include "core/model.h"

namespace crier {

enum class RuleId {
  // Messenger message tags CONFIRMED_EVENT_UPDATE, POST_PURCHASE_UPDATE, ACCOUNT_UPDATE for
  // non-promotional sends outside the window; rejected with code 100 from 2026-04-27.
  kMessengerMessageTags,
  // Messenger / Instagram marketing messages on `notification_messages` tokens.
  kMarketingTokens,
  // The per-token cool-down: one message per 24 h, then one per 48 h from 2025-09-01.
  kMarketingTokenCooldown24h,
  kMarketingTokenCooldown48h,
  // Meta's paid Marketing Message API for Messenger, open to partners globally from
  // 2025-07-01.
  kMarketingMessageApi,
  // WhatsApp marketing templates to +1 (US) numbers are not delivered from 2025-04-01.
  kWhatsAppUsMarketingBlock,
};
std::string_view ToString(RuleId id);

struct DatedRule {
  RuleId id;
  std::string_view code;  // stable, e.g. "messenger.message_tags"
  std::vector<Platform> platforms;
  std::string_view summary;      // what the rule allows or forbids, one line
  std::optional<Time> from;      // in force from this moment (inclusive); unset: always was
  std::optional<Time> until;     // in force until this moment (exclusive); unset: still is
  std::string_view replacement;  // what took its place, once it ended ("" when nothing)
  std::string_view source;       // where platforms.md states it

  bool InForce(Time t) const { return (!from || t >= *from) && (!until || t < *until); }
  bool AppliesTo(Platform p) const;
};

// A rule starting or ending at `at`.
struct RuleChange {
  const DatedRule* rule = nullptr;
  Time at{};
  bool starts = false;  // false: the rule ends at `at`
  // "2026-04-27: messenger.message_tags ends (Messenger message tags ...); replaced by ..."
  std::string Describe() const;
};

class RuleTimeline {
 public:
  // The timeline of platforms.md.
  static const RuleTimeline& Default();
  explicit RuleTimeline(std::vector<DatedRule> rules);

  const DatedRule& Get(RuleId id) const;
  bool InForce(RuleId id, Time t) const { return Get(id).InForce(t); }
  std::span<const DatedRule> rules() const { return rules_; }

  // The changes in (from, to] that concern `platform`, in time order: what a scheduled or
  // recurring broadcast crosses between now and its last send.
  std::vector<RuleChange> ChangesBetween(Platform platform, Time from, Time to) const;

 private:
  std::vector<DatedRule> rules_;
};

// "2026-04-27" for a rule date (UTC).
std::string FormatRuleDate(Time t);

}  // namespace crier
