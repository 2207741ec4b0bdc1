// LINE multicast end to end: the engine and the sandbox in one process, over HTTP on loopback,
// on one fake clock. 1,200 followers get an identical broadcast through three multicasts of
// 500, 500 and 200 people, each with its own UUID retry key; every answer is lost after LINE
// accepted the request, so each batch is retried with its key, LINE answers 409, and still
// every follower gets the message exactly once.
#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <cstdio>
#include <map>
#include <set>
#include <string>

#include "channels/curl_transport.h"
#include "channels/line_adapter.h"
#include "core/clock.h"
#include "engine/dispatcher.h"
#include "engine/engine.h"
#include "engine/metrics.h"
#include "net/server.h"
#include "sandbox/sandbox.h"
#include "store/sqlite/sqlite_store.h"
#include "support/fake_transport.h"
#include "support/temp_dir.h"

namespace crier {
namespace {

namespace json = boost::json;
using namespace std::chrono_literals;

constexpr char kChannel[] = "1650000001";
constexpr char kToken[] = "line-multicast-token";
constexpr int kFollowers = 1200;

std::string LineUser(int i) {
  char id[40];
  std::snprintf(id, sizeof id, "U%032x", i);
  return id;
}

class LineMulticastTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto server = net::HttpServer::Create(
        net::ServerOptions{}, [this](const net::Request& r) { return sandbox_.Handle(r); });
    ASSERT_TRUE(server.ok()) << server.error().ToString();
    server_ = std::move(*server);
    server_->Start();
    auto opened = OpenSqliteStore({dir_.File("crier.sqlite")});
    ASSERT_TRUE(opened.ok()) << opened.error().ToString();
    store_ = std::move(*opened);
  }
  void TearDown() override {
    if (server_) server_->Stop();
  }

  json::object Control(std::string method, std::string target, const json::value& body) {
    net::Request r;
    r.method = std::move(method);
    r.SetTarget(std::move(target));
    if (!body.is_null()) r.body = json::serialize(body);
    const net::Response answer = sandbox_.Handle(r);
    EXPECT_LT(answer.status, 300) << r.target << ": " << answer.body;
    return answer.body.empty() ? json::object{} : json::parse(answer.body).as_object();
  }

  FakeClock clock_{FromUnixMillis(1'790'000'000'000)};
  sandbox::Sandbox sandbox_{clock_};
  std::unique_ptr<net::HttpServer> server_;
  crier::testing::TempDir dir_;
  std::unique_ptr<Store> store_;
};

TEST_F(LineMulticastTest, TwelveHundredFollowersGetOneMessageEachThroughThreeMulticasts) {
  Control("POST", "/__sandbox/line/channels",
          json::object{{"channel_id", kChannel}, {"access_token", kToken}, {"quota", 10000}});
  json::array followers;
  std::vector<ContactInput> contacts;
  for (int i = 1; i <= kFollowers; ++i) {
    followers.push_back(json::object{{"user_id", LineUser(i)}});
    ContactInput in;
    in.platform_user_id = LineUser(i);
    contacts.push_back(std::move(in));
  }
  Control("POST", "/__sandbox/line/followers",
          json::object{{"channel_id", kChannel}, {"followers", std::move(followers)}});

  NewChannelAccount a;
  a.platform = Platform::kLine;
  a.name = "line";
  a.external_id = kChannel;
  a.access_token = kToken;
  a.api_base_url = "http://127.0.0.1:" + std::to_string(server_->port());
  a.pacing = {1000, 16};
  auto account = store_->CreateChannelAccount(a, clock_.Now());
  ASSERT_TRUE(account.ok()) << account.error().ToString();
  for (ContactInput& in : contacts) in.channel_account_id = account->id;
  ASSERT_TRUE(store_->UpsertContacts(contacts, clock_.Now()).ok());
  NewBroadcast b;
  b.name = "autumn sale";
  b.channel_account_id = account->id;
  b.messages = {Message{MessageKind::kText, "Autumn sale: 20% off today", {}}};
  auto broadcast = store_->CreateBroadcast(b, clock_.Now());
  ASSERT_TRUE(broadcast.ok()) << broadcast.error().ToString();

  engine::EngineOptions options;
  auto planner = engine::Engine::Create(
      *store_, clock_,
      std::make_unique<testing::FakeTransport>([](auto&) { return channels::TransportResult{}; }),
      options);
  ASSERT_TRUE(planner.ok());
  auto preview = (*planner)->Preview(broadcast->id);
  ASSERT_TRUE(preview.ok()) << preview.error().ToString();
  EXPECT_EQ(preview->by_route,
            (std::vector<std::pair<std::string, std::int64_t>>{{"line_multicast", kFollowers}}));
  auto started = (*planner)->SendNow(broadcast->id);
  ASSERT_TRUE(started.ok()) << started.error().ToString();

  // Every answer is lost after LINE accepted the request: whether it went out is the
  // question the retry key answers.
  Control("POST", "/__sandbox/faults",
          json::object{{"scope", "line"},
                       {"timeout_rate", 1.0},
                       {"timeout_mode", "close"},
                       {"timeout_after_accept", true}});
  auto transport = channels::MakeCurlTransport(options.transport);
  ASSERT_TRUE(transport.ok());
  engine::Metrics metrics;
  engine::Dispatcher dispatcher(*store_, clock_, **transport, metrics, options);
  bool faults_cleared = false;
  bool completed = false;
  for (int turn = 0; turn < 20000 && !completed; ++turn) {
    const bool active = dispatcher.RunOnce(20ms);
    if (dispatcher.in_flight() > 0) continue;
    if (!faults_cleared) {
      const json::object stats = Control("GET", "/__sandbox/stats", nullptr);
      if (stats.at("faults").at("timeouts").to_number<std::int64_t>() == 3) {
        Control("DELETE", "/__sandbox/faults?scope=line", nullptr);
        faults_cleared = true;
      }
    }
    auto run = store_->GetRun(started->run.id);
    ASSERT_TRUE(run.ok());
    completed = run->status == RunStatus::kCompleted;
    if (!completed && faults_cleared) clock_.Advance(active ? 10ms : 250ms);
  }
  ASSERT_TRUE(completed) << "the run never completed";

  // What LINE accepted: one record per person and message, by request.
  std::map<std::string, int> per_person;
  std::map<std::string, int> per_key;
  std::int64_t after = 0;
  for (;;) {
    const json::object page =
        Control("GET", "/__sandbox/messages?limit=1000&after=" + std::to_string(after), nullptr);
    const json::array& items = page.at("items").as_array();
    for (const json::value& v : items) {
      const json::object& m = v.as_object();
      after = std::max(after, m.at("seq").as_int64());
      EXPECT_EQ(m.at("route").as_string(), "line_multicast");
      ++per_person[std::string(m.at("recipient").as_string())];
      ++per_key[std::string(m.at("retry_key").as_string())];
    }
    if (items.size() < 1000) break;
  }
  ASSERT_EQ(per_person.size(), static_cast<std::size_t>(kFollowers));
  for (const auto& [person, n] : per_person)
    EXPECT_EQ(n, 1) << person << " got it " << n << " times";
  ASSERT_EQ(per_key.size(), 3u) << "three multicasts";
  std::multiset<int> sizes;
  for (const auto& [key, n] : per_key) {
    EXPECT_TRUE(channels::IsLineRetryKey(key)) << key;
    EXPECT_EQ(key[14], '4') << "a version-4 UUID: " << key;
    sizes.insert(n);
  }
  EXPECT_EQ(sizes, (std::multiset<int>{200, 500, 500}));

  // Each batch was lost once and retried with its key; LINE answered 409 and sent nothing.
  const json::object stats = Control("GET", "/__sandbox/stats", nullptr);
  const json::object& line = stats.at("platforms").at("line").as_object();
  EXPECT_EQ(line.at("refused_by_code"), (json::object{{"409 retry_key_accepted", 3}}));

  auto report = store_->GetRunReport(started->run.id);
  ASSERT_TRUE(report.ok());
  for (const auto& [state, n] : report->by_state) {
    EXPECT_EQ(n, state == "sent" ? kFollowers : 0) << state;
  }
  EXPECT_EQ(report->by_route,
            (std::vector<std::pair<std::string, std::int64_t>>{{"line_multicast", kFollowers}}));
}

}  // namespace
}  // namespace crier
