#include "core/route.h"

#include <gtest/gtest.h>

namespace crier {
namespace {

using namespace std::chrono_literals;

const Time kNow = FromUnixMillis(1'795'000'000'000);  // 2026-11-18

RecipientFacts Facts(std::optional<Duration> since_last_inbound,
                     Platform platform = Platform::kMessenger) {
  RecipientFacts f;
  f.platform = platform;
  if (since_last_inbound) f.last_inbound_at = kNow - *since_last_inbound;
  return f;
}

Decision Decide(const RecipientFacts& f, Duration margin = 0s) {
  return DecideRoute(f, {Purpose::kPromotional}, kNow, PolicyOptions{margin});
}

TEST(RouteTest, InsideTheWindowSendsAsAProactiveUpdate) {
  const Decision d = Decide(Facts(23h + 59min));
  ASSERT_TRUE(d.sends());
  EXPECT_EQ(d.route().kind, RouteKind::kStandardWindow);
  EXPECT_EQ(d.route().messaging_type, "UPDATE");
  EXPECT_TRUE(d.route().tag.empty());
  EXPECT_EQ(d.code(), "standard_window");
}

TEST(RouteTest, OutsideTheWindowIsSkipped) {
  const Decision d = Decide(Facts(24h + 1min));
  ASSERT_FALSE(d.sends());
  EXPECT_EQ(d.skip_reason(), SkipReason::kOutsideWindow);
  EXPECT_EQ(d.code(), "outside_window");
  EXPECT_NE(d.Explain().find("window"), std::string::npos);
}

TEST(RouteTest, TheWindowClosesAtExactly24Hours) {
  EXPECT_TRUE(Decide(Facts(24h - 1ms)).sends());
  EXPECT_FALSE(Decide(Facts(24h)).sends());
}

TEST(RouteTest, SafetyMarginKeepsCopiesFromLandingAfterTheWindow) {
  EXPECT_TRUE(Decide(Facts(23h + 58min + 59s), 60s).sends());
  EXPECT_FALSE(Decide(Facts(23h + 59min + 1s), 60s).sends());
}

TEST(RouteTest, AdReferralOpensASevenDayWindowOnMessengerAndInstagram) {
  for (Platform p : {Platform::kMessenger, Platform::kInstagram}) {
    RecipientFacts inside = Facts(6 * 24h + 23h + 59min, p);
    inside.window_opener = WindowOpener::kAd;
    EXPECT_TRUE(Decide(inside).sends()) << ToString(p);
    RecipientFacts outside = Facts(7 * 24h + 1min, p);
    outside.window_opener = WindowOpener::kAd;
    EXPECT_FALSE(Decide(outside).sends()) << ToString(p);
  }
  // An organic thread keeps the 24 h window.
  EXPECT_FALSE(Decide(Facts(24h + 1min, Platform::kInstagram)).sends());
}

TEST(RouteTest, UnreachableContactsAreSkippedWithTheirOwnReasons) {
  RecipientFacts blocked = Facts(1h);
  blocked.blocked = true;
  EXPECT_EQ(Decide(blocked).skip_reason(), SkipReason::kBlocked);

  RecipientFacts unsubscribed = Facts(1h);
  unsubscribed.subscription = SubscriptionStatus::kUnsubscribed;
  EXPECT_EQ(Decide(unsubscribed).skip_reason(), SkipReason::kUnsubscribed);

  EXPECT_EQ(Decide(Facts(std::nullopt)).skip_reason(), SkipReason::kNeverInteracted);

  RecipientFacts none = Facts(1h);
  none.has_identity = false;
  EXPECT_EQ(Decide(none).skip_reason(), SkipReason::kNoIdentity);
}

TEST(RouteTest, PlatformsWithoutARouteYetAreSkippedNotGuessed) {
  EXPECT_EQ(Decide(Facts(1h, Platform::kWhatsApp)).skip_reason(), SkipReason::kUnsupportedChannel);
  EXPECT_EQ(Decide(Facts(1h, Platform::kLine)).skip_reason(), SkipReason::kUnsupportedChannel);
}

TEST(RouteTest, CodesRoundTrip) {
  for (auto k : {RouteKind::kStandardWindow, RouteKind::kMessageTag, RouteKind::kUtilityTemplate,
                 RouteKind::kMarketingMessageApi, RouteKind::kMarketingToken,
                 RouteKind::kWhatsAppTemplate, RouteKind::kLinePush, RouteKind::kLineMulticast}) {
    EXPECT_EQ(ParseRouteKind(ToString(k)), k);
  }
  for (auto r : {SkipReason::kNoIdentity, SkipReason::kUnsubscribed, SkipReason::kBlocked,
                 SkipReason::kNeverInteracted, SkipReason::kOutsideWindow,
                 SkipReason::kUnsupportedChannel}) {
    EXPECT_EQ(ParseSkipReason(ToString(r)), r);
  }
  EXPECT_EQ(ParseRouteKind("nonsense"), std::nullopt);
}

}  // namespace
}  // namespace crier
