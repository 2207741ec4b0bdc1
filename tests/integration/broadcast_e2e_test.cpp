// End to end on the embedded default: the real crier and crier-sandbox binaries on loopback.
// Contacts in -> broadcast -> planned under the Messenger 24-hour rule -> delivered over HTTP
// to the sandbox -> report out.
#include <gtest/gtest.h>
#include <signal.h>

#include <boost/json.hpp>
#include <fstream>
#include <map>
#include <random>
#include <set>
#include <thread>

#include "core/clock.h"
#include "net/client.h"
#include "support/process.h"
#include "support/temp_dir.h"

namespace crier {
namespace {

using namespace std::chrono_literals;
namespace json = boost::json;
using testing::Process;

constexpr int kContacts = 3000;
constexpr char kPage[] = "1000001";
constexpr char kPageToken[] = "sandbox-page-token";

class BroadcastE2ETest : public ::testing::Test {
 protected:
  void SetUp() override {
    sandbox_ = std::make_unique<Process>(
        std::vector<std::string>{CRIER_SANDBOX_BIN, "--host", "127.0.0.1", "--port", "0",
                                 "--port-file", dir_.File("sandbox.port")},
        dir_.File("sandbox.log"));
    auto sandbox_port = testing::WaitForFileLine(dir_.File("sandbox.port"), 20s);
    ASSERT_TRUE(sandbox_port) << sandbox_->Log();
    sandbox_url_ = "http://127.0.0.1:" + *sandbox_port;

    crier_ = std::make_unique<Process>(
        std::vector<std::string>{CRIER_BIN, "serve", "--db", dir_.File("crier.sqlite"), "--host",
                                 "127.0.0.1", "--port", "0", "--port-file", dir_.File("crier.port"),
                                 "--cli-config", dir_.File("cli.json")},
        dir_.File("crier.log"));
    auto crier_port = testing::WaitForFileLine(dir_.File("crier.port"), 20s);
    ASSERT_TRUE(crier_port) << crier_->Log();
    url_ = "http://127.0.0.1:" + *crier_port;
    auto config = testing::WaitForFileLine(dir_.File("cli.json"), 5s);
    ASSERT_TRUE(config);
    key_ = std::string(json::parse(*config).at("api_key").as_string());
    ASSERT_EQ(key_.rfind("crier_", 0), 0u);
  }

  void TearDown() override {
    if (crier_) {
      crier_->Signal(SIGTERM);
      EXPECT_EQ(crier_->Wait(30s), 0) << crier_->Log();
    }
    if (sandbox_) {
      sandbox_->Signal(SIGTERM);
      EXPECT_EQ(sandbox_->Wait(10s), 0) << sandbox_->Log();
    }
  }

  json::value Call(std::string_view method, const std::string& path, const std::string& body,
                   int expected_status, const std::string& content_type = "application/json") {
    auto r =
        http_.Send(method, url_ + path,
                   {{"Authorization", "Bearer " + key_}, {"Content-Type", content_type}}, body);
    EXPECT_TRUE(r.ok()) << r.error().ToString();
    if (!r.ok()) return nullptr;
    EXPECT_EQ(r->status, expected_status) << method << " " << path << ": " << r->body;
    return r->body.empty() ? json::value() : json::parse(r->body);
  }

  json::value Sandbox(std::string_view method, const std::string& path, const std::string& body) {
    auto r = http_.Send(method, sandbox_url_ + path, {}, body);
    EXPECT_TRUE(r.ok()) << r.error().ToString();
    EXPECT_LT(r->status, 300) << r->body;
    return json::parse(r->body);
  }

  crier::testing::TempDir dir_;
  std::unique_ptr<Process> sandbox_;
  std::unique_ptr<Process> crier_;
  std::string sandbox_url_, url_, key_;
  net::HttpClient http_;
};

TEST_F(BroadcastE2ETest, DeliversExactlyOnceToExactlyTheEligible) {
  Sandbox("POST", "/__sandbox/pages",
          json::serialize(json::object{
              {"page_id", kPage}, {"access_token", kPageToken}, {"platform", "messenger"}}));
  auto account = Call("POST", "/v1/channel-accounts",
                      json::serialize(json::object{
                          {"platform", "messenger"},
                          {"name", "Demo shop"},
                          {"external_id", kPage},
                          {"access_token", kPageToken},
                          {"api_base_url", sandbox_url_},
                          {"pacing", {{"messages_per_second", 5000}, {"max_concurrency", 32}}}}),
                      201);
  const std::int64_t account_id = account.at("id").as_int64();
  EXPECT_FALSE(account.as_object().contains("access_token"));

  // Contacts straddle the 24 h window with a margin that the test's own run time cannot
  // erode; a few unsubscribed or never-interacted ones must be skipped with their reasons.
  const Time now = SystemClock::Instance().Now();
  std::mt19937 rng(7);
  std::string jsonl;
  json::array interactions;
  std::set<std::string> eligible;
  int unsubscribed = 0, never = 0, outside = 0;
  for (int i = 0; i < kContacts; ++i) {
    const std::string psid = std::to_string(7000000000000000 + i);
    json::object row{{"channel_account_id", account_id},
                     {"platform_user_id", psid},
                     {"name", "Person " + std::to_string(i)}};
    const int kind = static_cast<int>(rng() % 100);
    if (kind < 3) {
      ++never;
    } else {
      Time last;
      if (kind < 48) {
        last = now - Duration(std::uniform_int_distribution<std::int64_t>(
                         60'000, (23 * 60 + 50) * 60'000)(rng));  // 1 min .. 23 h 50 min ago
      } else {
        last = now - Duration(std::uniform_int_distribution<std::int64_t>(
                         (24 * 60 + 10) * 60'000, 72 * 3'600'000)(rng));  // 24 h 10 min .. 72 h
      }
      row["last_inbound_at"] = FormatRfc3339(last);
      interactions.push_back(
          json::object{{"user_id", psid}, {"at", FormatRfc3339(last)}, {"source", "organic"}});
      const bool inside = kind < 48;
      if (kind >= 3 && kind < 6) {
        row["subscription"] = "unsubscribed";
        ++unsubscribed;
      } else if (inside) {
        eligible.insert(psid);
      } else {
        ++outside;
      }
    }
    jsonl += json::serialize(row) + "\n";
  }
  Sandbox("POST", "/__sandbox/interactions",
          json::serialize(json::object{{"page_id", kPage}, {"interactions", interactions}}));
  auto imported =
      Call("POST", "/v1/contacts/import?format=jsonl", jsonl, 200, "application/x-ndjson");
  ASSERT_EQ(imported.at("imported").as_int64(), kContacts) << json::serialize(imported);
  EXPECT_TRUE(imported.at("errors").as_array().empty());

  auto broadcast = Call(
      "POST", "/v1/broadcasts",
      json::serialize(json::object{
          {"name", "Welcome back"},
          {"channel_account_id", account_id},
          {"purpose", "promotional"},
          {"messages",
           json::array{json::object{{"kind", "text"},
                                    {"text", "New arrivals are in \"today\" \xF0\x9F\x8E\x89"}}}}}),
      201);
  const std::string id = std::to_string(broadcast.at("id").as_int64());

  auto preview = Call("POST", "/v1/broadcasts/" + id + "/preview", "", 200);
  EXPECT_EQ(preview.at("matched").as_int64(), kContacts);
  EXPECT_EQ(preview.at("sendable").as_int64(), static_cast<std::int64_t>(eligible.size()));

  auto sent = Call("POST", "/v1/broadcasts/" + id + "/send", "", 202);
  EXPECT_EQ(sent.at("planned").as_int64(), static_cast<std::int64_t>(eligible.size()));

  json::value report;
  const auto deadline = std::chrono::steady_clock::now() + 120s;
  do {
    std::this_thread::sleep_for(100ms);
    report = Call("GET", "/v1/broadcasts/" + id + "/report", "", 200);
  } while (!report.at("done").as_bool() && std::chrono::steady_clock::now() < deadline);
  ASSERT_TRUE(report.at("done").as_bool()) << json::serialize(report);
  const auto& by_state = report.at("by_state").as_object();
  EXPECT_EQ(by_state.at("sent").as_int64(), static_cast<std::int64_t>(eligible.size()))
      << json::serialize(report);
  EXPECT_EQ(by_state.at("failed").as_int64(), 0);
  const auto& skips = report.at("by_skip_reason").as_object();
  EXPECT_EQ(skips.at("outside_window").as_int64(), outside);
  EXPECT_EQ(skips.at("unsubscribed").as_int64(), unsubscribed);
  EXPECT_EQ(skips.at("never_interacted").as_int64(), never);

  // What the platform saw: every eligible recipient exactly once, as a proactive UPDATE with
  // the exact text, nobody outside the window.
  std::map<std::string, int> received;
  std::string after = "0";
  for (;;) {
    auto page = Sandbox(
        "GET", "/__sandbox/messages?page_id=" + std::string(kPage) + "&limit=1000&after=" + after,
        "");
    for (const auto& m : page.at("items").as_array()) {
      ++received[std::string(m.at("recipient_id").as_string())];
      EXPECT_EQ(m.at("messaging_type"), "UPDATE");
      EXPECT_EQ(m.at("message").at("text"), "New arrivals are in \"today\" \xF0\x9F\x8E\x89");
    }
    if (page.at("next_after").is_null()) break;
    after = std::to_string(page.at("next_after").as_int64());
  }
  EXPECT_EQ(received.size(), eligible.size());
  for (const auto& [psid, count] : received) {
    EXPECT_EQ(count, 1) << psid << " received " << count << " copies";
    EXPECT_TRUE(eligible.contains(psid)) << psid << " was not eligible";
  }
  auto stats = Sandbox("GET", "/__sandbox/stats", "");
  EXPECT_EQ(stats.at("refused").as_int64(), 0) << json::serialize(stats);
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
