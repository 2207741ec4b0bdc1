#include "core/clock.h"

#include <gtest/gtest.h>

namespace crier {
namespace {

using namespace std::chrono_literals;

TEST(ClockTest, FakeClockMovesOnlyWhenTold) {
  FakeClock clock(FromUnixMillis(1000));
  EXPECT_EQ(ToUnixMillis(clock.Now()), 1000);
  clock.Advance(250ms);
  EXPECT_EQ(ToUnixMillis(clock.Now()), 1250);
  const auto steady = clock.Steady();
  clock.Advance(1s);
  EXPECT_EQ(clock.Steady() - steady, std::chrono::steady_clock::duration(1s));
  clock.Set(FromUnixMillis(5));
  EXPECT_EQ(ToUnixMillis(clock.Now()), 5);
}

TEST(ClockTest, Rfc3339RoundTrips) {
  Time t;
  ASSERT_TRUE(ParseRfc3339("2026-04-27T00:00:00Z", &t));
  EXPECT_EQ(FormatRfc3339(t), "2026-04-27T00:00:00.000Z");
  ASSERT_TRUE(ParseRfc3339("2026-11-21T09:30:15.123Z", &t));
  EXPECT_EQ(FormatRfc3339(t), "2026-11-21T09:30:15.123Z");
}

TEST(ClockTest, Rfc3339OffsetsAreApplied) {
  Time utc, kathmandu, st_johns;
  ASSERT_TRUE(ParseRfc3339("2026-12-01T03:15:00Z", &utc));
  ASSERT_TRUE(ParseRfc3339("2026-12-01T09:00:00+05:45", &kathmandu));
  ASSERT_TRUE(ParseRfc3339("2026-11-30T23:45:00-03:30", &st_johns));
  EXPECT_EQ(utc, kathmandu);
  EXPECT_EQ(utc, st_johns);
}

TEST(ClockTest, MalformedTimesAreRejected) {
  Time t;
  for (const char* bad : {"", "2026-11-21", "2026-11-21T09:00:00", "2026-13-01T00:00:00Z",
                          "2026-02-30T00:00:00Z", "2026-11-21T24:00:00Z", "2026-11-21T09:00:00.Z",
                          "2026-11-21T09:00:00Zjunk", "2026-11-21T09:00:00+0545", "yesterday"}) {
    EXPECT_FALSE(ParseRfc3339(bad, &t)) << bad;
  }
}

}  // namespace
}  // namespace crier
