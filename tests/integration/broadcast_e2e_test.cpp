// End to end on the embedded default: the real crier and crier-sandbox binaries on loopback.
// Contacts in -> broadcast -> planned under the Messenger 24-hour rule -> delivered over HTTP
// to the sandbox -> report out.
#include <gtest/gtest.h>
#include <signal.h>

#include <boost/json.hpp>
#include <filesystem>
#include <fstream>
#include <map>
#include <random>
#include <set>
#include <thread>

#include "core/clock.h"
#include "e2e_fixture.h"
#include "net/client.h"

namespace crier {
namespace {

using namespace std::chrono_literals;
namespace json = boost::json;
using testing::Process;

constexpr int kContacts = 3000;
constexpr char kPage[] = "1000001";
constexpr char kPageToken[] = "sandbox-page-token";
constexpr char kText[] = "New arrivals are in \"today\" \xF0\x9F\x8E\x89";

class BroadcastE2ETest : public testing::E2ETest {
 protected:
  struct Audience {
    std::int64_t account_id = 0;
    std::string broadcast_id;
    std::set<std::string> eligible;
    std::set<std::string> vip;  // every third contact carries the tag "vip"
    int outside = 0, unsubscribed = 0, never = 0;
  };

  // A Messenger page in the sandbox and in crier, `n` contacts straddling the 24 h window
  // with a margin that the test's own run time cannot erode (plus a few unsubscribed or
  // never-interacted ones that must be skipped with their reasons), and one broadcast.
  Audience Seed(int n, double messages_per_second) {
    Audience a;
    // These runs are paced above Messenger's 300 sends/s per Page on purpose (they test
    // exactly-once, not throttling), so the sandbox's Page takes that much, and crier is told
    // the Page's ceiling is that high.
    Sandbox("POST", "/__sandbox/pages",
            json::serialize(json::object{{"page_id", kPage},
                                         {"access_token", kPageToken},
                                         {"platform", "messenger"},
                                         {"rate_limits", {{"text", 100000}}}}));
    auto account = Call(
        "POST", "/v1/channel-accounts",
        json::serialize(json::object{{"platform", "messenger"},
                                     {"name", "Demo shop"},
                                     {"external_id", kPage},
                                     {"access_token", kPageToken},
                                     {"api_base_url", sandbox_url_},
                                     {"pacing",
                                      {{"messages_per_second", messages_per_second},
                                       {"max_concurrency", 32},
                                       {"platform_messages_per_second", messages_per_second}}}}),
        201);
    a.account_id = account.at("id").as_int64();
    EXPECT_FALSE(account.as_object().contains("access_token"));

    const Time now = SystemClock::Instance().Now();
    std::mt19937 rng(7);
    std::string jsonl;
    json::array interactions;
    for (int i = 0; i < n; ++i) {
      const std::string psid = std::to_string(7000000000000000 + i);
      json::object row{{"channel_account_id", a.account_id},
                       {"platform_user_id", psid},
                       {"name", "Person " + std::to_string(i)}};
      if (i % 3 == 0) {
        row["tags"] = json::array{"vip"};
        a.vip.insert(psid);
      }
      const int kind = static_cast<int>(rng() % 100);
      if (kind < 3) {
        ++a.never;
      } else {
        const bool inside = kind < 48;
        const Time last =
            inside ? now - Duration(std::uniform_int_distribution<std::int64_t>(
                               60'000, (23 * 60 + 50) * 60'000)(rng))  // 1 min .. 23 h 50 min
                   : now - Duration(std::uniform_int_distribution<std::int64_t>(
                               (24 * 60 + 10) * 60'000, 72 * 3'600'000)(rng));  // 24h10m .. 72 h
        row["last_inbound_at"] = FormatRfc3339(last);
        interactions.push_back(
            json::object{{"user_id", psid}, {"at", FormatRfc3339(last)}, {"source", "organic"}});
        if (kind < 6) {
          row["subscription"] = "unsubscribed";
          ++a.unsubscribed;
        } else if (inside) {
          a.eligible.insert(psid);
        } else {
          ++a.outside;
        }
      }
      jsonl += json::serialize(row) + "\n";
    }
    Sandbox("POST", "/__sandbox/interactions",
            json::serialize(json::object{{"page_id", kPage}, {"interactions", interactions}}));
    auto imported =
        Call("POST", "/v1/contacts/import?format=jsonl", jsonl, 200, "application/x-ndjson");
    EXPECT_EQ(imported.at("imported").as_int64(), n) << json::serialize(imported);
    EXPECT_TRUE(imported.at("errors").as_array().empty());

    auto broadcast =
        Call("POST", "/v1/broadcasts",
             json::serialize(json::object{
                 {"name", "Welcome back"},
                 {"channel_account_id", a.account_id},
                 {"purpose", "promotional"},
                 {"messages", json::array{json::object{{"kind", "text"}, {"text", kText}}}}}),
             201);
    a.broadcast_id = std::to_string(broadcast.at("id").as_int64());
    return a;
  }

  json::value WaitForReport(const std::string& broadcast_id) {
    json::value report;
    const auto deadline = std::chrono::steady_clock::now() + 120s;
    do {
      std::this_thread::sleep_for(100ms);
      report = Call("GET", "/v1/broadcasts/" + broadcast_id + "/report", "", 200);
    } while (!report.at("done").as_bool() && std::chrono::steady_clock::now() < deadline);
    return report;
  }

  // What the platform saw, by recipient; checks each copy's type and text on the way.
  std::map<std::string, int> Received() {
    std::map<std::string, int> received;
    std::string after = "0";
    for (;;) {
      auto page = Sandbox(
          "GET", "/__sandbox/messages?page_id=" + std::string(kPage) + "&limit=1000&after=" + after,
          "");
      for (const auto& m : page.at("items").as_array()) {
        ++received[std::string(m.at("recipient_id").as_string())];
        EXPECT_EQ(m.at("messaging_type"), "UPDATE");
        EXPECT_EQ(m.at("message").at("text"), kText);
      }
      if (page.at("next_after").is_null()) break;
      after = std::to_string(page.at("next_after").as_int64());
    }
    return received;
  }

  // Every eligible recipient exactly once, nobody else, and nothing the platform refused.
  void ExpectExactlyOnceToExactly(const std::set<std::string>& eligible) {
    const auto received = Received();
    EXPECT_EQ(received.size(), eligible.size());
    for (const auto& [psid, count] : received) {
      EXPECT_EQ(count, 1) << psid << " received " << count << " copies";
      EXPECT_TRUE(eligible.contains(psid)) << psid << " was not eligible";
    }
    auto stats = Sandbox("GET", "/__sandbox/stats", "");
    EXPECT_EQ(stats.at("refused").as_int64(), 0) << json::serialize(stats);
  }
};

TEST_F(BroadcastE2ETest, DeliversExactlyOnceToExactlyTheEligible) {
  const Audience a = Seed(kContacts, 5000);
  auto preview = Call("POST", "/v1/broadcasts/" + a.broadcast_id + "/preview", "", 200);
  EXPECT_EQ(preview.at("matched").as_int64(), kContacts);
  EXPECT_EQ(preview.at("sendable").as_int64(), static_cast<std::int64_t>(a.eligible.size()));

  auto sent = Call("POST", "/v1/broadcasts/" + a.broadcast_id + "/send", "", 202);
  EXPECT_EQ(sent.at("planned").as_int64(), static_cast<std::int64_t>(a.eligible.size()));

  const json::value report = WaitForReport(a.broadcast_id);
  ASSERT_TRUE(report.at("done").as_bool()) << json::serialize(report);
  const auto& by_state = report.at("by_state").as_object();
  EXPECT_EQ(by_state.at("sent").as_int64(), static_cast<std::int64_t>(a.eligible.size()))
      << json::serialize(report);
  EXPECT_EQ(by_state.at("failed").as_int64(), 0);
  const auto& skips = report.at("by_skip_reason").as_object();
  EXPECT_EQ(skips.at("outside_window").as_int64(), a.outside);
  EXPECT_EQ(skips.at("unsubscribed").as_int64(), a.unsubscribed);
  EXPECT_EQ(skips.at("never_interacted").as_int64(), a.never);

  // What the platform saw: every eligible recipient exactly once, as a proactive UPDATE with
  // the exact text, nobody outside the window.
  ExpectExactlyOnceToExactly(a.eligible);
}

TEST_F(BroadcastE2ETest, AFilteredBroadcastReachesOnlyWhomTheFilterSelects) {
  const Audience a = Seed(kContacts, 5000);
  const std::string account = std::to_string(a.account_id);
  auto count =
      Call("POST", "/v1/contacts/count", R"({"filter": "tag:vip and interacted < 24h"})", 200);
  std::set<std::string> expected;
  for (const auto& psid : a.eligible) {
    if (a.vip.contains(psid)) expected.insert(psid);
  }
  auto broadcast =
      Call("POST", "/v1/broadcasts",
           json::serialize(json::object{
               {"name", "VIP only"},
               {"channel_account_id", a.account_id},
               {"purpose", "promotional"},
               {"audience", {{"filter", {{"tag", {{"any", json::array{"vip"}}}}}}}},
               {"messages", json::array{json::object{{"kind", "text"}, {"text", kText}}}}}),
           201);
  const std::string id = std::to_string(broadcast.at("id").as_int64());
  auto sent = Call("POST", "/v1/broadcasts/" + id + "/send", "", 202);
  EXPECT_EQ(sent.at("planned").as_int64(), static_cast<std::int64_t>(expected.size()));
  EXPECT_EQ(sent.at("planned").as_int64() + sent.at("skipped").as_int64(),
            static_cast<std::int64_t>(a.vip.size()));
  // The live count agrees (unsubscribed vip contacts inside the window are counted there but
  // not sent to, so it can only be larger).
  EXPECT_GE(count.at("count").as_int64(), static_cast<std::int64_t>(expected.size()));
  ASSERT_TRUE(WaitForReport(id).at("done").as_bool());
  ExpectExactlyOnceToExactly(expected);
}

TEST_F(BroadcastE2ETest, StopInTheMiddleOfARunAndRestartNeverSendsTwice) {
  const Audience a = Seed(kContacts, 400);  // about 3.4 s of sending at this pace
  Call("POST", "/v1/broadcasts/" + a.broadcast_id + "/send", "", 202);
  std::this_thread::sleep_for(1s);
  crier_->Signal(SIGTERM);  // graceful: stop taking work, finish what is in flight
  ASSERT_EQ(crier_->Wait(30s), 0) << crier_->Log();
  const auto part = Received();
  EXPECT_GT(part.size(), 0u);
  EXPECT_LT(part.size(), a.eligible.size()) << "the run should have been cut short";

  StartCrier();  // the same database: the run resumes where it stopped
  const json::value report = WaitForReport(a.broadcast_id);
  ASSERT_TRUE(report.at("done").as_bool()) << json::serialize(report);
  EXPECT_EQ(report.at("by_state").at("sent").as_int64(),
            static_cast<std::int64_t>(a.eligible.size()))
      << json::serialize(report);
  ExpectExactlyOnceToExactly(a.eligible);
}

TEST_F(BroadcastE2ETest, RequestsWithoutAValidKeyAreRefused) {
  auto none = http_.Get(url_ + "/v1/broadcasts");
  ASSERT_TRUE(none.ok());
  EXPECT_EQ(none->status, 401);
  auto wrong = http_.Get(url_ + "/v1/broadcasts", {{"Authorization", "Bearer crier_wrong"}});
  ASSERT_TRUE(wrong.ok());
  EXPECT_EQ(wrong->status, 401);
  EXPECT_NE(wrong->body.find("\"error\""), std::string::npos);
  auto metrics = http_.Get(url_ + "/metrics", {{"Authorization", "Bearer " + key_}});
  ASSERT_TRUE(metrics.ok());
  EXPECT_EQ(metrics->status, 200);
  EXPECT_NE(metrics->body.find("crier_deliveries_total"), std::string::npos);
  auto health = http_.Get(url_ + "/healthz");
  ASSERT_TRUE(health.ok());
  EXPECT_EQ(health->status, 200);
}

TEST_F(BroadcastE2ETest, AdminKeyIsShownOnceAndStoredOnlyAsAHash) {
  // The key printed at first start must not be in the database file in plain text.
  std::ifstream db(dir_.File("crier.sqlite"), std::ios::binary);
  std::string bytes((std::istreambuf_iterator<char>(db)), std::istreambuf_iterator<char>());
  std::ifstream wal(dir_.File("crier.sqlite-wal"), std::ios::binary);
  bytes.append((std::istreambuf_iterator<char>(wal)), std::istreambuf_iterator<char>());
  EXPECT_EQ(bytes.find(key_), std::string::npos);
  EXPECT_NE(crier_->Log().find(key_), std::string::npos) << "the key is shown at first start";
}

TEST_F(BroadcastE2ETest, ASecondServerOnTheSameDatabaseIsRefused) {
  Process second({CRIER_BIN, "serve", "--db", dir_.File("crier.sqlite"), "--port", "0",
                  "--cli-config", dir_.File("cli2.json")},
                 dir_.File("second.log"));
  EXPECT_EQ(second.Wait(20s), 1) << second.Log();
  EXPECT_NE(second.Log().find("already using this database"), std::string::npos) << second.Log();
}

}  // namespace
}  // namespace crier
