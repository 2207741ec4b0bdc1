#include "core/pacing.h"

#include <gtest/gtest.h>

namespace crier {
namespace {

using namespace std::chrono_literals;
using TimePoint = TokenBucket::TimePoint;

TEST(TokenBucketTest, StartsWithTheBurstThenRefillsAtTheRate) {
  const TimePoint t0{};
  TokenBucket bucket(10, 2, t0);
  EXPECT_TRUE(bucket.TryTake(t0));
  EXPECT_TRUE(bucket.TryTake(t0));
  EXPECT_FALSE(bucket.TryTake(t0));
  EXPECT_FALSE(bucket.TryTake(t0 + 99ms));
  EXPECT_TRUE(bucket.TryTake(t0 + 100ms));
  EXPECT_FALSE(bucket.TryTake(t0 + 100ms));
}

TEST(TokenBucketTest, NeverExceedsTheRateOverAnySecond) {
  const TimePoint t0{};
  TokenBucket bucket(100, 5, t0);
  int taken = 0;
  for (int ms = 0; ms < 1000; ++ms) {
    while (bucket.TryTake(t0 + std::chrono::milliseconds(ms))) ++taken;
  }
  EXPECT_LE(taken, 105);
  EXPECT_GE(taken, 99);
}

TEST(TokenBucketTest, WaitTimeSaysWhenTheNextTokenIsDue) {
  const TimePoint t0{};
  TokenBucket bucket(4, 1, t0);
  EXPECT_EQ(bucket.WaitTime(t0), 0ns);
  ASSERT_TRUE(bucket.TryTake(t0));
  const auto wait = bucket.WaitTime(t0);
  EXPECT_GT(wait, 249ms);
  EXPECT_LE(wait, 251ms);
}

TEST(TokenBucketTest, PauseHonoursRetryAfterWithoutALaterBurst) {
  const TimePoint t0{};
  TokenBucket bucket(10, 10, t0);
  bucket.PauseUntil(t0 + 2s);
  EXPECT_FALSE(bucket.TryTake(t0 + 1999ms));
  EXPECT_EQ(bucket.WaitTime(t0 + 1s), 1s);
  EXPECT_TRUE(bucket.TryTake(t0 + 2s));
  EXPECT_FALSE(bucket.TryTake(t0 + 2s)) << "tokens must not pile up during a pause";
}

}  // namespace
}  // namespace crier
