#include "engine/ceiling_gate.h"

#include <gtest/gtest.h>

namespace crier::engine {
namespace {

using namespace std::chrono_literals;
using Kind = GateVerdict::Kind;

const Time kT0 = FromUnixMillis(1'790'000'000'000);  // 2026-09-21T13:33:20Z

ChannelAccount Account(Platform platform) {
  ChannelAccount a;
  a.id = 1;
  a.platform = platform;
  return a;
}

std::string Person(int i) { return "4479" + std::to_string(1000000 + i); }

TEST(CeilingGateTest, The250thNewPersonGoesThe251stWaitsUntilTheFirstLeavesTheWindow) {
  CeilingGate gate(Account(Platform::kWhatsApp), {}, kT0);
  for (int i = 0; i < 250; ++i) {
    ASSERT_TRUE(gate.AdmitFirst(Person(i), RouteKind::kWhatsAppTemplate, 1, kT0 + i * 1s).go())
        << i;
  }
  const Time later = kT0 + 1h;
  EXPECT_TRUE(gate.AdmitFirst(Person(0), RouteKind::kWhatsAppTemplate, 1, later).go())
      << "someone counted already costs nothing";
  EXPECT_TRUE(gate.AdmitFirst(Person(999), RouteKind::kStandardWindow, 1, later).go())
      << "inside the window: not business-initiated, not counted";
  const GateVerdict held = gate.AdmitFirst(Person(250), RouteKind::kWhatsAppTemplate, 1, later);
  EXPECT_EQ(held.kind, Kind::kWait);
  EXPECT_EQ(held.code, kWhatsAppMessagingLimitCode);
  EXPECT_EQ(held.not_before, kT0 + 24h);
  EXPECT_NE(held.message.find("tier 250"), std::string::npos) << held.message;
  EXPECT_EQ(gate.AdmitFirst(Person(250), RouteKind::kWhatsAppTemplate, 1, kT0 + 24h - 1ms).kind,
            Kind::kWait);
  EXPECT_TRUE(gate.AdmitFirst(Person(250), RouteKind::kWhatsAppTemplate, 1, kT0 + 24h).go());
  EXPECT_EQ(gate.whatsapp_used(kT0 + 24h), 250);
}

TEST(CeilingGateTest, WaitersAreSpreadOverTheOpeningsAndHigherTiersHoldMore) {
  ChannelAccount account = Account(Platform::kWhatsApp);
  CeilingUsage usage;
  for (int i = 0; i < 250; ++i) usage.whatsapp_recipients.push_back({Person(i), kT0 + i * 1min});
  CeilingGate gate(account, usage, kT0 + 5h);
  EXPECT_EQ(gate.whatsapp_used(kT0 + 5h), 250) << "seeded from the store: survives a restart";
  const Time now = kT0 + 5h;
  for (int k = 0; k < 3; ++k) {
    const GateVerdict v = gate.AdmitFirst(Person(500 + k), RouteKind::kWhatsAppTemplate, 1, now);
    ASSERT_EQ(v.kind, Kind::kWait);
    EXPECT_EQ(v.not_before, kT0 + k * 1min + 24h) << "the k-th waiter gets the k-th opening";
  }

  account.pacing.whatsapp_tier = WhatsAppTier::k2K;
  CeilingGate bigger(account, usage, now);
  EXPECT_TRUE(bigger.AdmitFirst(Person(500), RouteKind::kWhatsAppTemplate, 1, now).go());
  account.pacing.whatsapp_tier = WhatsAppTier::kUnlimited;
  CeilingGate unlimited(account, usage, now);
  for (int i = 0; i < 3000; ++i) {
    ASSERT_TRUE(unlimited.AdmitFirst(Person(i), RouteKind::kWhatsAppTemplate, 1, now).go());
  }
}

TEST(CeilingGateTest, PairRateLets45GoAtOnceThenOneEverySixSeconds) {
  CeilingGate gate(Account(Platform::kWhatsApp), {}, kT0);
  const std::string p = Person(1);
  ASSERT_TRUE(gate.AdmitFirst(p, RouteKind::kStandardWindow, 5, kT0).go());
  for (int i = 1; i < 45; ++i) ASSERT_TRUE(gate.AdmitNext(p, RouteKind::kStandardWindow, kT0).go());
  const GateVerdict next = gate.AdmitNext(p, RouteKind::kStandardWindow, kT0);
  EXPECT_EQ(next.kind, Kind::kWait);
  EXPECT_EQ(next.not_before, kT0 + 6s);
  const GateVerdict first = gate.AdmitFirst(p, RouteKind::kStandardWindow, 1, kT0 + 5999ms);
  EXPECT_EQ(first.kind, Kind::kWait);
  EXPECT_EQ(first.code, kWhatsAppPairRateCode);
  EXPECT_TRUE(gate.AdmitFirst(p, RouteKind::kStandardWindow, 1, kT0 + 6s).go());
  EXPECT_EQ(gate.AdmitNext(p, RouteKind::kStandardWindow, kT0 + 6s).kind, Kind::kWait);
  EXPECT_TRUE(gate.AdmitFirst(Person(2), RouteKind::kStandardWindow, 1, kT0 + 6s).go())
      << "another person has a bucket of their own";
}

TEST(CeilingGateTest, LineQuotaChargesWholeDeliveriesAndFailsThoseThatWouldPassIt) {
  ChannelAccount account = Account(Platform::kLine);
  account.pacing.line_monthly_quota = 10;
  CeilingUsage usage;
  usage.line_messages_this_month = 6;
  CeilingGate gate(account, usage, kT0);
  EXPECT_TRUE(gate.AdmitFirst("Ua", RouteKind::kLinePush, 3, kT0).go());
  const GateVerdict over = gate.AdmitFirst("Ub", RouteKind::kLinePush, 2, kT0);
  EXPECT_EQ(over.kind, Kind::kFail) << "9 + 2 > 10: nothing of it goes";
  EXPECT_EQ(over.code, kLineMonthlyQuotaCode);
  EXPECT_NE(over.message.find("2026-09-30T15:00:00"), std::string::npos)
      << "refills at 00:00 on 1 October, Japan time: " << over.message;
  EXPECT_TRUE(gate.AdmitFirst("Uc", RouteKind::kLinePush, 1, kT0).go()) << "9 + 1 = 10 fits";
  EXPECT_EQ(gate.AdmitFirst("Ud", RouteKind::kLinePush, 1, kT0).kind, Kind::kFail);
  EXPECT_EQ(gate.line_remaining(kT0), 0);
  Time october;
  ASSERT_TRUE(ParseRfc3339("2026-09-30T15:00:00Z", &october));
  EXPECT_EQ(gate.AdmitFirst("Ud", RouteKind::kLinePush, 1, october - 1ms).kind, Kind::kFail);
  EXPECT_TRUE(gate.AdmitFirst("Ud", RouteKind::kLinePush, 1, october).go());

  account.pacing.line_monthly_quota.reset();  // LINE's type "none"
  CeilingGate none(account, usage, kT0);
  EXPECT_TRUE(none.AdmitFirst("Ua", RouteKind::kLinePush, 1'000'000, kT0).go());
}

TEST(CeilingGateTest, MessengerHasNoCeilingHereItsRateIsTheBucket) {
  CeilingGate gate(Account(Platform::kMessenger), {}, kT0);
  for (int i = 0; i < 1000; ++i) {
    ASSERT_TRUE(gate.AdmitFirst("same", RouteKind::kStandardWindow, 5, kT0).go());
  }
}

}  // namespace
}  // namespace crier::engine
