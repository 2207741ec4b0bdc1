// The route decision (PRODUCT.md A1, A2, A6, A9): for one recipient of one broadcast at one
// moment, either the route the platform allows, or the reason no route exists.
//
// DecideRoute is a pure function of (facts, now): it is called by preview and planning to
// forecast, and again by the dispatcher immediately before each send (A9), so a run paced
// over hours never sends a copy after the recipient's window has closed.
#pragma once

#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "core/clock.h"
#include "core/model.h"
#include "core/policy_rules.h"
#include "core/result.h"

namespace crier {

// Every way a copy can reach a recipient.
enum class RouteKind {
  kStandardWindow,       // inside the 24 h (or 7-day ad) window; anything may be sent
  kMessageTag,           // Messenger message tag (retired 2026-04-27 for broadcasts)
  kUtilityTemplate,      // Messenger utility template
  kMarketingMessageApi,  // Meta's paid Marketing Message API
  kMarketingToken,       // notification_messages token (retired 2026-02-10)
  kWhatsAppTemplate,     // approved WhatsApp template
  kLinePush,             // LINE push
  kLineMulticast,        // LINE multicast (identical content, up to 500 ids)
};
std::string_view ToString(RouteKind k);
std::optional<RouteKind> ParseRouteKind(std::string_view s);

// Why a recipient gets no copy. The codes are stable: reports and the API use them.
enum class SkipReason {
  kNoIdentity,          // the contact has no identity on the broadcast's account
  kUnsubscribed,        // the contact unsubscribed
  kBlocked,             // the person blocked the account (or unfollowed, on LINE)
  kNeverInteracted,     // no inbound interaction known: no window was ever opened
  kOutsideWindow,       // the window has closed (or closes within the safety margin)
  kRouteRetired,        // the outside-window route the broadcast names was retired by then
  kSuppressed,          // the platform said the person cannot be reached; until they write
  kNoOptIn,             // WhatsApp: a business-initiated template needs a recorded opt-in
  kMarketingOptedOut,   // the person stopped marketing messages (WhatsApp STOP, token STOP)
  kUsMarketingBlocked,  // WhatsApp marketing template to a +1 number (from 2025-04-01)
  kRegionExcluded,      // Marketing Message API: the recipient's region is excluded
  kRegionUnknown,       // Marketing Message API: the recipient's region is not known
  kNoToken,             // no marketing-messages token for this person
  kTokenExpired,        // the person's marketing-messages token has expired
  kTokenCooldown,       // the token carried a message within its cool-down (24 h, later 48 h;
                        // 12 h between Marketing Message API sends)
  kRouteLocked,         // B2: the route is a message tag and the account's tags are locked
  kNoPermission,        // the route needs a permission the account lacks (utility messaging)
};
std::string_view ToString(SkipReason r);
std::optional<SkipReason> ParseSkipReason(std::string_view s);

struct Route {
  RouteKind kind = RouteKind::kStandardWindow;
  // Messenger/Instagram `messaging_type` for this route: "UPDATE" for a proactive send
  // inside the window, "MESSAGE_TAG" with `tag` outside it; empty where it does not apply.
  std::string_view messaging_type;
  std::string_view tag;  // empty unless kind == kMessageTag
  friend bool operator==(const Route&, const Route&) = default;
};

class Decision {
 public:
  static Decision Send(Route route) { return Decision(route, {}, {}); }
  // `rule`: the dated rule behind the skip, when one is (route_retired, us_marketing_blocked).
  static Decision Skip(SkipReason reason, std::optional<RuleId> rule = std::nullopt) {
    return Decision({}, reason, rule);
  }

  bool sends() const { return !skip_.has_value(); }
  const Route& route() const { return route_; }  // meaningful only when sends()
  SkipReason skip_reason() const { return *skip_; }
  std::optional<RuleId> rule() const { return rule_; }

  // The stable code: the route kind when sending, else the skip reason.
  std::string_view code() const;
  // One line for people, used by preview and reports; names the dated rule when there is one.
  std::string Explain() const;

  friend bool operator==(const Decision&, const Decision&) = default;

 private:
  Decision(Route route, std::optional<SkipReason> skip, std::optional<RuleId> rule)
      : route_(route), skip_(skip), rule_(rule) {}
  Route route_;
  std::optional<SkipReason> skip_;
  std::optional<RuleId> rule_;
};

// What is known about the recipient, read at the moment of deciding.
struct RecipientFacts {
  Platform platform = Platform::kMessenger;
  bool has_identity = true;
  std::optional<Time> last_inbound_at;
  WindowOpener window_opener = WindowOpener::kOrganic;
  SubscriptionStatus subscription = SubscriptionStatus::kSubscribed;
  bool blocked = false;
  bool suppressed = false;  // unreachable by the platform's word, until they write again
  std::string region;       // ISO 3166-1 alpha-2 when known ("TW"); Marketing Message API
  // WhatsApp.
  bool opted_in = false;             // business-initiated messages allowed (A3)
  bool marketing_opted_out = false;  // stopped "offers and announcements" (131050)
  bool us_number = false;            // a +1 phone number (see IsUsWhatsAppId)
  // Messenger / Instagram: the marketing-messages token, also the Marketing Message API's
  // subscription token.
  std::optional<MarketingToken> marketing_token;
};

struct BroadcastFacts {
  Purpose purpose = Purpose::kPromotional;
  OutsideWindow outside_window;
  // Set when the content is a template, with the template's category: on WhatsApp it goes at
  // any time to opted-in people; on Messenger it is a utility template (and
  // outside_window.utility_template says so).
  std::optional<TemplateCategory> whatsapp_template;
  // LINE: the copies go out in multicast batches; otherwise one push per recipient. Set by
  // the engine when the content is the same for everyone (engine::RunFacts), since that is
  // when the dispatcher batches, so preview, plan and report name what is actually sent.
  bool line_multicast = false;
  AccountCapabilities account;
};

// The broadcast-side facts of a decision: its purpose, outside-window plan and content kind,
// with the capabilities of the account it goes from.
BroadcastFacts FactsOf(const Broadcast& broadcast, const AccountCapabilities& account);

struct PolicyOptions {
  // A copy is sent inside the window only if the window is still open this long after the
  // decision (A9), so that it never lands after the window closed.
  Duration safety_margin = std::chrono::seconds(60);
};

inline constexpr Duration kStandardWindow = std::chrono::hours(24);
inline constexpr Duration kAdReferralWindow = std::chrono::hours(24 * 7);
// The Marketing Message API delivers at most one message per subscription token per 12 h
// (2300035), counting token-route sends too.
inline constexpr Duration kMarketingApiMinGap = std::chrono::hours(12);

// The Messenger tags a broadcast could name while they lived (platforms.md 1.3).
bool IsRetirableMessageTag(std::string_view tag);
// Whether a WhatsApp recipient id is a +1 number: a phone-based id starting with 1, or a
// business-scoped user id of the US ("US.1349...").
bool IsUsWhatsAppId(std::string_view id);
// The Marketing Message API's gates (platforms.md 2.3).
bool IsMarketingApiBusinessRegion(std::string_view region);
bool IsMarketingApiExcludedRecipientRegion(std::string_view region);
// The region of a locale such as "zh_TW" or "en-GB" ("TW", "GB"), or "" when it has none.
std::string RegionOfLocale(std::string_view locale);

// A broadcast's outside-window plan checked against the rules in force at `at` (its
// creation, or its scheduled start): a retired route is refused naming the rule, its date
// and what replaced it; a route the platform never offered, or one the purpose forbids, is
// refused too. Error::field is "outside_window.<member>".
Status ValidateOutsideWindow(Platform platform, Purpose purpose, const OutsideWindow& plan,
                             const AccountCapabilities& account, Time at);

// The content side of the routes: a template message (kind kTemplate) goes alone, with a
// name and a language; on Messenger it is the utility template outside_window.utility_template
// announces (and a utility-template plan needs one); Instagram and LINE take none. Error::field
// names the message ("messages[0].template.name") or the plan member.
Status ValidateTemplateContent(Platform platform, const OutsideWindow& plan,
                               std::span<const Message> messages);

// Length of the standard messaging window opened the way `opener` says.
Duration WindowLength(Platform platform, WindowOpener opener);

// The decision for one recipient at `now`, by the rules in force at `now` (A7).
Decision DecideRoute(const RecipientFacts& recipient, const BroadcastFacts& broadcast, Time now,
                     const PolicyOptions& options,
                     const RuleTimeline& rules = RuleTimeline::Default());

}  // namespace crier
