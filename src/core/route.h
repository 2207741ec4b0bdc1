// The route decision (PRODUCT.md A1, A2, A6, A9): for one recipient of one broadcast at one
// moment, either the route the platform allows, or the reason no route exists.
//
// DecideRoute is a pure function of (facts, now): it is called by preview and planning to
// forecast, and again by the dispatcher immediately before each send (A9), so a run paced
// over hours never sends a copy after the recipient's window has closed.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "core/clock.h"
#include "core/model.h"

namespace crier {

// Every way a copy can reach a recipient. Only some are produced today; the rest are part of
// the decision's shape so that later rules (dated tags, templates, tokens) slot in without
// changing callers.
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
  kUnsupportedChannel,  // this build has no route for the account's platform yet
};
std::string_view ToString(SkipReason r);
std::optional<SkipReason> ParseSkipReason(std::string_view s);

struct Route {
  RouteKind kind = RouteKind::kStandardWindow;
  // Messenger/Instagram `messaging_type` for this route: "UPDATE" for a proactive send
  // inside the window, "MESSAGE_TAG" with `tag` outside it.
  std::string_view messaging_type;
  std::string_view tag;  // empty unless kind == kMessageTag
};

class Decision {
 public:
  static Decision Send(Route route) { return Decision(route, {}); }
  static Decision Skip(SkipReason reason) { return Decision({}, reason); }

  bool sends() const { return !skip_.has_value(); }
  const Route& route() const { return route_; }  // meaningful only when sends()
  SkipReason skip_reason() const { return *skip_; }

  // The stable code: the route kind when sending, else the skip reason.
  std::string_view code() const;
  // One line for people, used by preview and reports.
  std::string Explain() const;

  friend bool operator==(const Decision&, const Decision&) = default;

 private:
  Decision(Route route, std::optional<SkipReason> skip) : route_(route), skip_(skip) {}
  Route route_;
  std::optional<SkipReason> skip_;
};

// What is known about the recipient, read at the moment of deciding.
struct RecipientFacts {
  Platform platform = Platform::kMessenger;
  bool has_identity = true;
  std::optional<Time> last_inbound_at;
  WindowOpener window_opener = WindowOpener::kOrganic;
  SubscriptionStatus subscription = SubscriptionStatus::kSubscribed;
  bool blocked = false;
};

struct BroadcastFacts {
  Purpose purpose = Purpose::kPromotional;
};

struct PolicyOptions {
  // A copy is sent inside the window only if the window is still open this long after the
  // decision (A9), so that it never lands after the window closed.
  Duration safety_margin = std::chrono::seconds(60);
};

inline constexpr Duration kStandardWindow = std::chrono::hours(24);
inline constexpr Duration kAdReferralWindow = std::chrono::hours(24 * 7);

// Length of the standard messaging window opened the way `opener` says.
Duration WindowLength(Platform platform, WindowOpener opener);

Decision DecideRoute(const RecipientFacts& recipient, const BroadcastFacts& broadcast, Time now,
                     const PolicyOptions& options);

}  // namespace crier
