// Fault injection: seeded and reproducible, at the configured rates, per platform or for
// all, in each platform's own 5xx shape; timeouts either after the platform processed the
// request or before. Also the counting helpers behind the platforms' limits.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <tuple>
#include <vector>

#include "sandbox/limits.h"
#include "sandbox/sandbox_test_support.h"

namespace crier::sandbox {
namespace {

using std::chrono::hours;
using std::chrono::milliseconds;
using std::chrono::seconds;
using testing::At;
using testing::kPage;
using testing::kToken;
using testing::kUser;
using testing::Parse;
namespace json = boost::json;

constexpr std::string_view kLineToken = "line-token";
const std::string kAlice = "U" + std::string(32, 'a');
constexpr std::string_view kKey = "123e4567-e89b-12d3-a456-426614174000";

class FaultsTest : public testing::MessengerFixture {
 protected:
  FaultsTest() {
    Interact(kPage, kUser, clock_.Now());
    Control("POST", "/__sandbox/line/channels",
            {{"channel_id", "1650000000"}, {"access_token", kLineToken}}, 201);
    Control("POST", "/__sandbox/line/followers",
            {{"channel_id", "1650000000"}, {"followers", json::array{{{"user_id", kAlice}}}}});
  }

  json::object SetFaults(json::object spec, int expected = 200) {
    return Control("POST", "/__sandbox/faults", spec, expected);
  }

  net::Response SendMessenger() {
    return Call("POST", "/v25.0/1001/messages", TextBody(kUser),
                {{"Authorization", "Bearer " + std::string(kToken)}});
  }
  net::Response PushLine(std::string_view retry_key = {}) {
    net::Headers headers{{"Authorization", "Bearer " + std::string(kLineToken)}};
    if (!retry_key.empty()) headers.emplace_back("X-Line-Retry-Key", std::string(retry_key));
    return Call("POST", "/v2/bot/message/push",
                R"({"to":")" + kAlice + R"(","messages":[{"type":"text","text":"hi"}]})",
                std::move(headers));
  }

  // The fate of `n` Messenger sends: (status, delay, closed).
  std::vector<std::tuple<int, int, bool>> Fates(int n) {
    std::vector<std::tuple<int, int, bool>> out;
    for (int i = 0; i < n; ++i) {
      clock_.Advance(milliseconds(10));  // well under the Page's send rate
      auto r = SendMessenger();
      out.emplace_back(r.status, r.delay_ms, r.close_without_answer);
    }
    return out;
  }
};

TEST_F(FaultsTest, SameSeedSameFates) {
  const json::object spec{{"latency_ms", 10},    {"jitter_ms", 40},    {"error_rate", 0.2},
                          {"timeout_rate", 0.1}, {"timeout_ms", 5000}, {"seed", 42}};
  SetFaults(spec);
  const auto first = Fates(200);
  // Setting them again restarts the sequence; a second sandbox with the seed replays it too.
  SetFaults(spec);
  EXPECT_EQ(Fates(200), first);
  FakeClock other_clock(clock_.Now());
  Sandbox other(other_clock);
  const auto parsed = ParseFaultSpec(spec);
  ASSERT_TRUE(parsed.ok());
  ASSERT_TRUE(other.SetFaults("all", *parsed).ok());
  ASSERT_EQ(other
                .Handle(testing::MakeRequest("POST", "/__sandbox/pages",
                                             R"({"page_id":"1001","access_token":"t"})"))
                .status,
            201);
  other.Handle(testing::MakeRequest("POST", "/__sandbox/interactions",
                                    R"({"page_id":"1001","interactions":[{"user_id":"psid-1"}]})"));
  std::vector<std::tuple<int, int, bool>> replay;
  for (int i = 0; i < 200; ++i) {
    other_clock.Advance(milliseconds(10));
    auto r = other.Handle(testing::MakeRequest("POST", "/v25.0/1001/messages", TextBody(kUser),
                                               {{"Authorization", "Bearer t"}}));
    replay.emplace_back(r.status, r.delay_ms, r.close_without_answer);
  }
  EXPECT_EQ(replay, first);
  // Another seed, another sequence.
  json::object reseeded = spec;
  reseeded["seed"] = 43;
  SetFaults(reseeded);
  EXPECT_NE(Fates(200), first);
}

TEST_F(FaultsTest, RatesAndLatencyAreWhatWasAsked) {
  SetFaults({{"latency_ms", 20}, {"jitter_ms", 30}, {"error_rate", 0.25}, {"seed", 7}});
  int errors = 0;
  int min_delay = 1 << 30;
  int max_delay = 0;
  for (const auto& [status, delay, closed] : Fates(2000)) {
    EXPECT_TRUE(status == 200 || status == 500) << status;
    errors += status == 500 ? 1 : 0;
    min_delay = std::min(min_delay, delay);
    max_delay = std::max(max_delay, delay);
    EXPECT_FALSE(closed);
  }
  EXPECT_NEAR(errors / 2000.0, 0.25, 0.03);
  EXPECT_GE(min_delay, 20);
  EXPECT_LE(max_delay, 50);
  EXPECT_LT(min_delay, 25);
  EXPECT_GT(max_delay, 45);
  auto stats = Stats().at("faults").as_object();
  EXPECT_EQ(stats.at("errors").as_int64(), errors);
  EXPECT_EQ(stats.at("delayed").as_int64(), 2000 - errors);
}

TEST_F(FaultsTest, ErrorsAreThePlatformsOwn5xxAndNothingIsProcessed) {
  SetFaults({{"error_rate", 1}, {"error_status", 503}});
  auto graph = SendMessenger();
  EXPECT_EQ(graph.status, 503);
  EXPECT_EQ(Parse(graph).at("error").at("code").as_int64(), 2);
  EXPECT_TRUE(Parse(graph).at("error").at("is_transient").as_bool());
  auto line = PushLine(kKey);
  EXPECT_EQ(line.status, 503);
  EXPECT_TRUE(Parse(line).contains("message"));
  EXPECT_TRUE(net::FindHeader(line.headers, "X-Line-Request-Id").has_value());
  Control("POST", "/__sandbox/whatsapp/phone_numbers",
          {{"phone_number_id", "1100"}, {"waba_id", "2200"}, {"access_token", "wa"}}, 201);
  auto wa = Call("POST", "/v23.0/1100/messages", "{}", {{"Authorization", "Bearer wa"}});
  EXPECT_EQ(wa.status, 503);
  EXPECT_EQ(Parse(wa).at("error").at("code").as_int64(), 131016);
  EXPECT_TRUE(Messages().empty());
  // The LINE retry key was not spent: once the faults are gone the retry goes through.
  ASSERT_EQ(Call("DELETE", "/__sandbox/faults").status, 200);
  EXPECT_EQ(PushLine(kKey).status, 200);
}

TEST_F(FaultsTest, TimeoutAfterAcceptProcessesThenHoldsTheAnswer) {
  SetFaults({{"scope", "line"}, {"timeout_rate", 1}, {"timeout_ms", 45000}});
  auto held = PushLine(kKey);
  EXPECT_EQ(held.status, 200);
  EXPECT_EQ(held.delay_ms, 45000);
  EXPECT_FALSE(held.close_without_answer);
  EXPECT_EQ(Messages().size(), 1u) << "the platform did the work";
  // The client never saw the answer and retries with its key: LINE says it was accepted.
  Call("DELETE", "/__sandbox/faults?scope=line");
  EXPECT_EQ(PushLine(kKey).status, 409);
  // Messenger was out of scope all along.
  EXPECT_EQ(SendMessenger().delay_ms, 0);
  EXPECT_EQ(PlatformStats("line").at("faults").at("timeouts").as_int64(), 1);
}

TEST_F(FaultsTest, TimeoutBeforeAcceptLosesTheRequest) {
  SetFaults({{"scope", "messenger"},
             {"timeout_rate", 1},
             {"timeout_mode", "close"},
             {"timeout_after_accept", false},
             {"latency_ms", 5}});
  auto closed = SendMessenger();
  EXPECT_TRUE(closed.close_without_answer);
  EXPECT_EQ(closed.delay_ms, 5);
  EXPECT_TRUE(Messages().empty());
  EXPECT_EQ(PushLine().delay_ms, 0) << "LINE is out of scope";
}

TEST_F(FaultsTest, PlatformScopeOverridesAll) {
  SetFaults({{"error_rate", 1}});
  SetFaults({{"scope", "messenger"}, {"latency_ms", 7}});
  auto messenger = SendMessenger();
  EXPECT_EQ(messenger.status, 200);
  EXPECT_EQ(messenger.delay_ms, 7);
  EXPECT_EQ(PushLine().status, 500);
  auto described = Parse(Call("GET", "/__sandbox/faults"));
  EXPECT_EQ(described.at("all").at("error_rate").as_double(), 1.0);
  EXPECT_EQ(described.at("messenger").at("latency_ms").as_int64(), 7);
  EXPECT_EQ(described.at("messenger").at("requests_seen").as_int64(), 1);
  EXPECT_TRUE(described.at("whatsapp").is_null());
  // Control endpoints are never faulted.
  EXPECT_EQ(Call("GET", "/__sandbox/stats").status, 200);
}

TEST_F(FaultsTest, BadSettingsNameTheField) {
  EXPECT_EQ(FieldOf("/__sandbox/faults", R"({"error_rate":1.5})"), "error_rate");
  EXPECT_EQ(FieldOf("/__sandbox/faults", R"({"error_rate":"high"})"), "error_rate");
  EXPECT_EQ(FieldOf("/__sandbox/faults", R"({"error_status":501})"), "error_status");
  EXPECT_EQ(FieldOf("/__sandbox/faults", R"({"timeout_mode":"drop"})"), "timeout_mode");
  EXPECT_EQ(FieldOf("/__sandbox/faults", R"({"timeout_ms":0})"), "timeout_ms");
  EXPECT_EQ(FieldOf("/__sandbox/faults", R"({"latency_ms":-1})"), "latency_ms");
  EXPECT_EQ(FieldOf("/__sandbox/faults", R"({"scope":"sms"})"), "scope");
  EXPECT_EQ(FieldOf("/__sandbox/faults", R"({"latency":5})"), "latency");
  EXPECT_EQ(Call("DELETE", "/__sandbox/faults?scope=sms").status, 400);
  FaultSpec bad;
  bad.error_rate = -0.1;
  auto status = sandbox_.SetFaults("all", bad);
  ASSERT_FALSE(status.ok());
  EXPECT_EQ(status.error().field, "error_rate");
  EXPECT_EQ(sandbox_.SetFaults("fax", FaultSpec{}).error().field, "scope");
}

// --- The counting behind the limits ------------------------------------------------------

TEST(TokenBucketTest, RefillsAtTheRateUpToTheCapacity) {
  const Time t0 = At("2026-01-01T00:00:00Z");
  detail::TokenBucket pair(45, 1, seconds(6), t0);
  for (int i = 0; i < 45; ++i) ASSERT_TRUE(pair.TryTake(t0)) << i;
  EXPECT_FALSE(pair.TryTake(t0));
  EXPECT_FALSE(pair.TryTake(t0 + seconds(6) - milliseconds(1)));
  EXPECT_TRUE(pair.TryTake(t0 + seconds(6)));
  // Empty again at t0 + 6 s; 45 tokens at one per 6 s take 270 s to come back.
  EXPECT_FALSE(pair.Full(t0 + seconds(276) - milliseconds(1)));
  EXPECT_TRUE(pair.Full(t0 + seconds(276)));
  // Fractional refills accumulate: 80 per second is one token per 12.5 ms.
  detail::TokenBucket mps(80, 80, seconds(1), t0);
  for (int i = 0; i < 80; ++i) ASSERT_TRUE(mps.TryTake(t0));
  EXPECT_FALSE(mps.TryTake(t0 + milliseconds(12)));
  EXPECT_TRUE(mps.TryTake(t0 + milliseconds(13)));
  EXPECT_TRUE(mps.TryTake(t0 + milliseconds(25)));
  EXPECT_FALSE(mps.TryTake(t0 + milliseconds(26)));
}

TEST(RollingUniqueCounterTest, CountsEachPersonOncePerWindow) {
  const Time t0 = At("2026-01-01T00:00:00Z");
  detail::RollingUniqueCounter c(hours(24));
  EXPECT_TRUE(c.Admit("a", 2, t0));
  EXPECT_TRUE(c.Admit("b", 2, t0 + hours(1)));
  EXPECT_TRUE(c.Admit("a", 2, t0 + hours(2)));
  EXPECT_FALSE(c.Fits("c", 2, t0 + hours(24) - milliseconds(1)));
  EXPECT_TRUE(c.Admit("c", 2, t0 + hours(24)));  // a's first count left the window
  EXPECT_EQ(c.Counted(t0 + hours(24)), 2);
  EXPECT_TRUE(c.Admit("d", std::nullopt, t0 + hours(24)));
}

TEST(JapanMonthTest, TurnsAtMidnightJapanTime) {
  EXPECT_EQ(detail::JapanMonth(At("2026-03-31T14:59:59.999Z")), 2026 * 12 + 2);
  EXPECT_EQ(detail::JapanMonth(At("2026-03-31T15:00:00Z")), 2026 * 12 + 3);
  EXPECT_EQ(detail::JapanMonth(At("2025-12-31T15:00:00Z")), 2026 * 12 + 0);
}

}  // namespace
}  // namespace crier::sandbox
