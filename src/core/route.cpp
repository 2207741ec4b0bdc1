#include "core/route.h"

#include "core/enum_names.h"

namespace crier {
namespace {

constexpr internal::Names<RouteKind, 8> kRouteNames{{
    {RouteKind::kStandardWindow, "standard_window"},
    {RouteKind::kMessageTag, "message_tag"},
    {RouteKind::kUtilityTemplate, "utility_template"},
    {RouteKind::kMarketingMessageApi, "marketing_message_api"},
    {RouteKind::kMarketingToken, "marketing_token"},
    {RouteKind::kWhatsAppTemplate, "whatsapp_template"},
    {RouteKind::kLinePush, "line_push"},
    {RouteKind::kLineMulticast, "line_multicast"},
}};

constexpr internal::Names<SkipReason, 6> kSkipNames{{
    {SkipReason::kNoIdentity, "no_identity"},
    {SkipReason::kUnsubscribed, "unsubscribed"},
    {SkipReason::kBlocked, "blocked"},
    {SkipReason::kNeverInteracted, "never_interacted"},
    {SkipReason::kOutsideWindow, "outside_window"},
    {SkipReason::kUnsupportedChannel, "unsupported_channel"},
}};

}  // namespace

std::string_view ToString(RouteKind k) { return internal::NameOf(kRouteNames, k); }
std::optional<RouteKind> ParseRouteKind(std::string_view s) {
  return internal::ValueOf(kRouteNames, s);
}
std::string_view ToString(SkipReason r) { return internal::NameOf(kSkipNames, r); }
std::optional<SkipReason> ParseSkipReason(std::string_view s) {
  return internal::ValueOf(kSkipNames, s);
}

std::string_view Decision::code() const {
  return sends() ? ToString(route_.kind) : ToString(*skip_);
}

std::string Decision::Explain() const {
  if (sends()) {
    switch (route_.kind) {
      case RouteKind::kStandardWindow:
        return "inside the standard messaging window: any content may be sent";
      case RouteKind::kMessageTag:
        return "outside the window, sent with message tag " + std::string(route_.tag);
      case RouteKind::kUtilityTemplate:
        return "outside the window, sent as an approved utility template";
      case RouteKind::kMarketingMessageApi:
        return "outside the window, sent through the paid Marketing Message API";
      case RouteKind::kMarketingToken:
        return "outside the window, sent on the person's marketing-messages token";
      case RouteKind::kWhatsAppTemplate:
        return "sent as an approved WhatsApp template";
      case RouteKind::kLinePush:
        return "LINE push to a follower (counts against the monthly quota)";
      case RouteKind::kLineMulticast:
        return "LINE multicast to followers (counts against the monthly quota)";
    }
  }
  switch (*skip_) {
    case SkipReason::kNoIdentity:
      return "skipped: the contact has no identity on this channel account";
    case SkipReason::kUnsubscribed:
      return "skipped: the contact unsubscribed";
    case SkipReason::kBlocked:
      return "skipped: the person blocked or unfollowed the account";
    case SkipReason::kNeverInteracted:
      return "skipped: the person never wrote to the account, so no window is open";
    case SkipReason::kOutsideWindow:
      return "skipped: the messaging window has closed and no other route is allowed";
    case SkipReason::kUnsupportedChannel:
      return "skipped: this channel has no route in this version";
  }
  return "unknown";
}

Duration WindowLength(Platform platform, WindowOpener opener) {
  // The 7-day ad window applies to click-to-Messenger and click-to-Direct ads (A1, A2).
  if (opener == WindowOpener::kAd &&
      (platform == Platform::kMessenger || platform == Platform::kInstagram)) {
    return kAdReferralWindow;
  }
  return kStandardWindow;
}

Decision DecideRoute(const RecipientFacts& recipient, const BroadcastFacts& broadcast, Time now,
                     const PolicyOptions& options) {
  (void)broadcast;  // purpose decides the outside-window routes, which arrive with the timeline
  if (!recipient.has_identity) return Decision::Skip(SkipReason::kNoIdentity);
  if (recipient.platform != Platform::kMessenger && recipient.platform != Platform::kInstagram) {
    return Decision::Skip(SkipReason::kUnsupportedChannel);
  }
  if (recipient.blocked) return Decision::Skip(SkipReason::kBlocked);
  if (recipient.subscription == SubscriptionStatus::kUnsubscribed) {
    return Decision::Skip(SkipReason::kUnsubscribed);
  }
  if (!recipient.last_inbound_at) return Decision::Skip(SkipReason::kNeverInteracted);
  const Time closes_at =
      *recipient.last_inbound_at + WindowLength(recipient.platform, recipient.window_opener);
  if (now + options.safety_margin < closes_at) {
    return Decision::Send({RouteKind::kStandardWindow, "UPDATE", {}});
  }
  return Decision::Skip(SkipReason::kOutsideWindow);
}

}  // namespace crier
