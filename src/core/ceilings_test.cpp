#include "core/ceilings.h"

#include <gtest/gtest.h>

#include <string>

namespace crier {
namespace {

using namespace std::chrono_literals;

Time At(const char* rfc3339) {
  Time t;
  EXPECT_TRUE(ParseRfc3339(rfc3339, &t)) << rfc3339;
  return t;
}

const Time kT0 = At("2026-11-01T00:00:00Z");

TEST(CeilingsTest, SendRatesFollowThePlatformsTables) {
  EXPECT_EQ(SendRateCeiling(Platform::kMessenger, RouteKind::kStandardWindow, false).per_second,
            300);
  EXPECT_EQ(SendRateCeiling(Platform::kInstagram, RouteKind::kStandardWindow, true).per_second, 10);
  EXPECT_EQ(SendRateCeiling(Platform::kWhatsApp, RouteKind::kWhatsAppTemplate, false).per_second,
            80);
  EXPECT_EQ(SendRateCeiling(Platform::kLine, RouteKind::kLinePush, false).per_second, 2000);
  EXPECT_EQ(SendRateCeiling(Platform::kLine, RouteKind::kLineMulticast, false).per_second, 200);
  EXPECT_EQ(WhatsAppMessagesPerSecond(WhatsAppThroughput::kUpgraded), 1000);
  EXPECT_EQ(WhatsAppMessagesPerSecond(WhatsAppThroughput::kCoexistence), 20);
}

TEST(CeilingsTest, WhatsAppTiersHaveTheirLimitsAndNames) {
  EXPECT_EQ(WhatsAppTierLimit(WhatsAppTier::k250), 250);
  EXPECT_EQ(WhatsAppTierLimit(WhatsAppTier::k100K), 100000);
  EXPECT_EQ(WhatsAppTierLimit(WhatsAppTier::kUnlimited), std::nullopt);
  for (auto t : {WhatsAppTier::k250, WhatsAppTier::k2K, WhatsAppTier::k10K, WhatsAppTier::k100K,
                 WhatsAppTier::kUnlimited}) {
    EXPECT_EQ(ParseWhatsAppTier(ToString(t)), t);
  }
  EXPECT_EQ(ParseWhatsAppTier("1000"), std::nullopt) << "the 1K tier is gone";
}

TEST(RollingUniqueBudgetTest, CountsPeopleNotMessagesAndStopsAtTheLimit) {
  RollingUniqueBudget budget(3);
  EXPECT_TRUE(budget.Admit("a", kT0));
  EXPECT_TRUE(budget.Admit("a", kT0 + 1min)) << "the same person again costs nothing";
  EXPECT_TRUE(budget.Admit("b", kT0 + 2min));
  EXPECT_TRUE(budget.Admit("c", kT0 + 3min));
  EXPECT_EQ(budget.Used(kT0 + 3min), 3);
  EXPECT_FALSE(budget.Fits("d", kT0 + 4min));
  EXPECT_FALSE(budget.Admit("d", kT0 + 4min));
  EXPECT_TRUE(budget.Fits("b", kT0 + 4min));
  EXPECT_EQ(budget.NextOpening(kT0 + 4min), kT0 + 24h) << "when a's window ends";
}

TEST(RollingUniqueBudgetTest, APersonLeavesTheWindowExactly24HoursAfterTheirFirstSend) {
  RollingUniqueBudget budget(1);
  ASSERT_TRUE(budget.Admit("a", kT0));
  EXPECT_FALSE(budget.Admit("b", kT0 + 23h + 59min));
  EXPECT_TRUE(budget.Admit("b", kT0 + 24h + 1min));
  EXPECT_EQ(budget.Used(kT0 + 24h + 1min), 1);
  // a comes back: a new window of its own, which needs room again.
  EXPECT_FALSE(budget.Admit("a", kT0 + 24h + 2min));
}

TEST(RollingUniqueBudgetTest, UnlimitedStoresNothing) {
  RollingUniqueBudget budget(std::nullopt);
  for (int i = 0; i < 1000; ++i) EXPECT_TRUE(budget.Admit(std::to_string(i), kT0));
  EXPECT_EQ(budget.Used(kT0), 0);
  budget.SetLimit(1);
  EXPECT_TRUE(budget.Admit("x", kT0));
  EXPECT_FALSE(budget.Admit("y", kT0));
}

TEST(RollingUniqueBudgetTest, OpeningForGivesEachWaiterTheSlotThatFreesForIt) {
  RollingUniqueBudget budget(3);
  ASSERT_TRUE(budget.Admit("a", kT0));
  ASSERT_TRUE(budget.Admit("b", kT0 + 1h));
  // One slot is free: the first waiter goes now, the next ones when a, then b leave.
  EXPECT_EQ(budget.OpeningFor(0, kT0 + 2h), kT0 + 2h);
  EXPECT_EQ(budget.OpeningFor(1, kT0 + 2h), kT0 + 24h);
  EXPECT_EQ(budget.OpeningFor(2, kT0 + 2h), kT0 + 25h);
  // Past everyone counted: a whole window later per `limit` people.
  EXPECT_EQ(budget.OpeningFor(3, kT0 + 2h), kT0 + 1h + 24h);
  EXPECT_EQ(budget.OpeningFor(6, kT0 + 2h), kT0 + 1h + 48h);
  // A lowered limit: two must leave before one more fits.
  budget.SetLimit(1);
  EXPECT_EQ(budget.OpeningFor(0, kT0 + 2h), kT0 + 25h);
  RollingUniqueBudget unlimited(std::nullopt);
  EXPECT_EQ(unlimited.OpeningFor(1'000'000, kT0), kT0);
}

TEST(RollingUniqueBudgetTest, RecordCountsPastSendsEvenBeyondTheLimit) {
  RollingUniqueBudget budget(2);
  budget.Record("a", kT0);
  budget.Record("b", kT0 + 1h);
  budget.Record("c", kT0 + 2h);  // sent before a lower tier was set: still counted
  budget.Record("a", kT0 + 3h);  // already counted from kT0
  EXPECT_EQ(budget.Used(kT0 + 3h), 3);
  EXPECT_FALSE(budget.Fits("d", kT0 + 24h + 30min)) << "a left, b and c still fill the 2";
  EXPECT_TRUE(budget.Fits("d", kT0 + 25h)) << "b left too";
}

TEST(CeilingsTest, TheAccountSendsAtTheLowerOfItsPaceAndThePlatformsCeiling) {
  ChannelAccount account;
  account.platform = Platform::kWhatsApp;
  account.pacing.messages_per_second = 500;
  EXPECT_EQ(PlatformMessagesPerSecond(account), 80);
  EXPECT_EQ(EffectiveMessagesPerSecond(account), 80);
  account.pacing.platform_messages_per_second = 1000;  // an upgraded number
  EXPECT_EQ(EffectiveMessagesPerSecond(account), 500);
  account.pacing.platform_messages_per_second = 20;  // a coexistence number
  EXPECT_EQ(EffectiveMessagesPerSecond(account), 20);
  account.pacing.platform_messages_per_second.reset();
  account.pacing.messages_per_second = 79.5;
  EXPECT_EQ(EffectiveMessagesPerSecond(account), 79.5);
  account.platform = Platform::kMessenger;
  account.pacing.messages_per_second = 301;
  EXPECT_EQ(EffectiveMessagesPerSecond(account), 300);
  account.platform = Platform::kLine;
  account.pacing.messages_per_second = 5000;
  EXPECT_EQ(EffectiveMessagesPerSecond(account), 2000) << "push, the route LINE copies take";
}

TEST(PairRateLimiterTest, BurstOf45ThenOneEverySixSeconds) {
  PairRateLimiter pair;
  for (int i = 0; i < 45; ++i) ASSERT_TRUE(pair.TryTake("p", kT0)) << i;
  EXPECT_FALSE(pair.TryTake("p", kT0));
  EXPECT_TRUE(pair.TryTake("q", kT0)) << "another person has their own bucket";
  EXPECT_EQ(pair.WaitTime("p", kT0), 6s);
  EXPECT_FALSE(pair.TryTake("p", kT0 + 5999ms));
  EXPECT_TRUE(pair.TryTake("p", kT0 + 6001ms));
  EXPECT_FALSE(pair.TryTake("p", kT0 + 6001ms));
}

TEST(PairRateLimiterTest, FullBucketsAreForgotten) {
  PairRateLimiter pair;
  for (int i = 0; i < 100; ++i) ASSERT_TRUE(pair.TryTake(std::to_string(i), kT0));
  EXPECT_EQ(pair.tracked(), 100u);
  ASSERT_TRUE(pair.TryTake("late", kT0 + 10min));
  EXPECT_EQ(pair.tracked(), 1u);
}

TEST(MonthlyQuotaTest, ChargesOnlyWhatFitsAndRefillsAtMidnightJapanTime) {
  // 2026-11-30T15:00Z is 2026-12-01T00:00 in Japan.
  EXPECT_EQ(MonthlyQuota::NextMonthStart(At("2026-11-15T00:00:00Z")), At("2026-11-30T15:00:00Z"));
  EXPECT_EQ(MonthlyQuota::NextMonthStart(At("2026-11-30T15:00:00Z")), At("2026-12-31T15:00:00Z"));
  MonthlyQuota quota(500, 498, At("2026-11-30T14:00:00Z"));
  EXPECT_EQ(quota.Remaining(At("2026-11-30T14:00:00Z")), 2);
  EXPECT_FALSE(quota.TryCharge(3, At("2026-11-30T14:00:00Z"))) << "one over: nothing charged";
  EXPECT_TRUE(quota.TryCharge(2, At("2026-11-30T14:00:00Z"))) << "exactly the quota";
  EXPECT_FALSE(quota.TryCharge(1, At("2026-11-30T14:59:00Z")));
  EXPECT_TRUE(quota.TryCharge(1, At("2026-11-30T15:01:00Z"))) << "a new month in Japan";
  EXPECT_EQ(quota.used(), 1);

  MonthlyQuota none(std::nullopt, 10'000'000, kT0);
  EXPECT_EQ(none.Remaining(kT0), std::nullopt);
  EXPECT_TRUE(none.TryCharge(500, kT0));
}

}  // namespace
}  // namespace crier
