// LINE multicast batching (PRODUCT.md A4) on a fake clock: identical content goes in batches
// of up to 500 people, one request per message, each request with a retry key kept across its
// retries and across a restart; personalised content is pushed per person.
#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <cstdio>
#include <map>
#include <set>

#include "channels/line_adapter.h"
#include "engine/dispatcher.h"
#include "engine/engine.h"
#include "net/http.h"
#include "store/sqlite/sqlite_store.h"
#include "support/fake_transport.h"
#include "support/forwarding_store.h"
#include "support/temp_dir.h"

namespace crier::engine {
namespace {

using namespace std::chrono_literals;
using crier::testing::FakeTransport;
namespace json = boost::json;

const Time kStart = FromUnixMillis(1'790'000'000'000);  // 2026-09-21T13:33:20Z

// A store whose claims can be made to fail, as a busy store's do.
class FlakyClaimStore final : public crier::testing::ForwardingStore {
 public:
  using ForwardingStore::ForwardingStore;
  bool fail_claims = false;
  Result<std::vector<ClaimedDelivery>> ClaimDeliveries(Id run, int max, Time now) override {
    if (fail_claims) return Error{ErrorCode::kUnavailable, "the store is busy", ""};
    return inner_.ClaimDeliveries(run, max, now);
  }
};

std::string LineUser(int i) {
  char id[40];
  std::snprintf(id, sizeof id, "U%032x", i);
  return id;
}

bool IsMulticast(const channels::OutboundRequest& r) {
  return r.url.ends_with("/v2/bot/message/multicast");
}

std::vector<std::string> To(const channels::OutboundRequest& r) {
  std::vector<std::string> out;
  const json::value body = json::parse(r.body);
  if (IsMulticast(r)) {
    for (const auto& v : body.at("to").as_array()) out.emplace_back(v.as_string());
  } else {
    out.emplace_back(body.at("to").as_string());
  }
  return out;
}

std::string Text(const channels::OutboundRequest& r) {
  return std::string(json::parse(r.body).at("messages").at(0).at("text").as_string());
}

std::string Key(const channels::OutboundRequest& r) {
  return std::string(net::FindHeader(r.headers, "X-Line-Retry-Key").value_or(""));
}

// LINE's answer to a multicast: 200 {} with the request's id.
channels::TransportResult Accepted(std::string request_id) {
  channels::TransportResult r;
  r.status = 200;
  r.body = "{}";
  r.headers.emplace_back("X-Line-Request-Id", std::move(request_id));
  r.request_sent = true;
  return r;
}

channels::TransportResult ServerError() {
  channels::TransportResult r;
  r.status = 500;
  r.body = R"({"message":"An error occurred in the server"})";
  r.request_sent = true;
  return r;
}

class DispatcherMulticastTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto opened = OpenSqliteStore({dir_.File("crier.sqlite")});
    ASSERT_TRUE(opened.ok()) << opened.error().ToString();
    real_ = std::move(*opened);
    store_ = std::make_unique<FlakyClaimStore>(*real_);
    options_.policy.safety_margin = 0s;
  }

  Id NewAccount(Pacing pacing = Pacing{1000, 1}) {
    NewChannelAccount account;
    account.platform = Platform::kLine;
    account.name = account.external_id = "line" + std::to_string(++accounts_);
    account.access_token = "t";
    account.api_base_url = "http://127.0.0.1:9";
    account.pacing = pacing;
    auto created = store_->CreateChannelAccount(account, clock_.Now());
    EXPECT_TRUE(created.ok()) << created.error().ToString();
    return created->id;
  }

  void AddFollowers(Id account, int n) {
    std::vector<ContactInput> rows(n);
    for (int i = 0; i < n; ++i) {
      rows[i].channel_account_id = account;
      rows[i].platform_user_id = LineUser(++people_);
      rows[i].first_name = "P" + std::to_string(people_);
    }
    ASSERT_TRUE(store_->UpsertContacts(rows, clock_.Now()).ok());
  }

  Id Send(Id account, std::vector<std::string> texts) {
    NewBroadcast b;
    b.name = "b" + std::to_string(++broadcasts_);
    b.channel_account_id = account;
    for (auto& t : texts) b.messages.push_back(Message{MessageKind::kText, std::move(t), {}});
    auto created = store_->CreateBroadcast(b, clock_.Now());
    EXPECT_TRUE(created.ok()) << created.error().ToString();
    auto planner = Engine::Create(
        *store_, clock_, std::make_unique<FakeTransport>([](auto&) { return Accepted("x"); }),
        options_);
    EXPECT_TRUE(planner.ok());
    auto sent = (*planner)->SendNow(created->id);
    EXPECT_TRUE(sent.ok()) << sent.error().ToString();
    return sent->run.id;
  }

  void RunNow(Dispatcher& d) {
    for (int i = 0; i < 2000; ++i) {
      if (!d.RunOnce(0ms)) return;
    }
  }

  // A dispatcher sends the run's first request and the process dies with it in flight (the
  // platform never answers): the requests that left.
  std::vector<channels::OutboundRequest> DieWithARequestInFlight() {
    FakeTransport lost([](auto&) { return Accepted("never seen"); });
    lost.hold = true;
    {
      Dispatcher d(*store_, clock_, lost, metrics_, options_);
      for (int i = 0; i < 5; ++i) d.RunOnce(0ms);
    }
    return lost.requests;
  }

  std::map<std::string, std::int64_t> States(Id run) {
    auto report = store_->GetRunReport(run);
    EXPECT_TRUE(report.ok());
    return {report->by_state.begin(), report->by_state.end()};
  }

  std::vector<DeliveryRecord> Deliveries(Id run) {
    auto page = store_->ListDeliveries(run, {0, 10000});
    EXPECT_TRUE(page.ok());
    return page.ok() ? page->items : std::vector<DeliveryRecord>{};
  }

  crier::testing::TempDir dir_;
  FakeClock clock_{kStart};
  std::unique_ptr<Store> real_;
  std::unique_ptr<FlakyClaimStore> store_;
  EngineOptions options_;
  Metrics metrics_;
  int accounts_ = 0;
  int people_ = 0;
  int broadcasts_ = 0;
};

FakeTransport Numbered() {
  auto n = std::make_shared<int>(0);
  return FakeTransport([n](auto&) { return Accepted("req-" + std::to_string(++*n)); });
}

TEST_F(DispatcherMulticastTest, FiveHundredPeopleGoInOneRequest) {
  const Id account = NewAccount();
  AddFollowers(account, 500);
  const Id run = Send(account, {"Sale today"});
  FakeTransport transport = Numbered();
  Dispatcher d(*store_, clock_, transport, metrics_, options_);
  RunNow(d);
  ASSERT_EQ(transport.requests.size(), 1u);
  EXPECT_TRUE(IsMulticast(transport.requests[0]));
  EXPECT_EQ(To(transport.requests[0]).size(), 500u);
  EXPECT_TRUE(channels::IsLineRetryKey(Key(transport.requests[0])));
  EXPECT_EQ(States(run)["sent"], 500);
  for (const DeliveryRecord& r : Deliveries(run)) {
    EXPECT_EQ(r.route, "line_multicast");
    EXPECT_EQ(r.platform_message_id, "req-1") << "the batch's request id";
  }
}

TEST_F(DispatcherMulticastTest, FiveHundredAndOnePeopleGoInTwoRequestsWithTheirOwnKeys) {
  const Id account = NewAccount();
  AddFollowers(account, 501);
  const Id run = Send(account, {"Sale today"});
  FakeTransport transport = Numbered();
  Dispatcher d(*store_, clock_, transport, metrics_, options_);
  RunNow(d);
  ASSERT_EQ(transport.requests.size(), 2u);
  EXPECT_EQ(To(transport.requests[0]).size(), 500u);
  EXPECT_EQ(To(transport.requests[1]).size(), 1u);
  EXPECT_NE(Key(transport.requests[0]), Key(transport.requests[1]));
  std::set<std::string> people;
  for (const auto& r : transport.requests) {
    for (const auto& to : To(r)) EXPECT_TRUE(people.insert(to).second) << to << " twice";
  }
  EXPECT_EQ(people.size(), 501u);
  EXPECT_EQ(States(run)["sent"], 501);
}

TEST_F(DispatcherMulticastTest, EachMessageIsARequestOfItsOwnToTheSamePeople) {
  const Id account = NewAccount();
  AddFollowers(account, 3);
  const Id run = Send(account, {"one", "two {{{{braces}}"});
  FakeTransport transport = Numbered();
  Dispatcher d(*store_, clock_, transport, metrics_, options_);
  RunNow(d);
  ASSERT_EQ(transport.requests.size(), 2u);
  EXPECT_EQ(To(transport.requests[0]), To(transport.requests[1]));
  EXPECT_EQ(Text(transport.requests[0]), "one");
  EXPECT_EQ(Text(transport.requests[1]), "two {{braces}}") << "read as every recipient reads it";
  EXPECT_NE(Key(transport.requests[0]), Key(transport.requests[1]));
  EXPECT_EQ(States(run)["sent"], 3);
  for (const DeliveryRecord& r : Deliveries(run)) EXPECT_EQ(r.platform_message_id, "req-1,req-2");
}

TEST_F(DispatcherMulticastTest, PersonalisedContentIsPushedPerPerson) {
  const Id account = NewAccount();
  AddFollowers(account, 3);
  const Id run = Send(account, {"Hi {{contact.first_name}}"});
  FakeTransport transport(
      [](auto&) { return crier::testing::Ok(R"({"sentMessages":[{"id":"m"}]})"); });
  Dispatcher d(*store_, clock_, transport, metrics_, options_);
  RunNow(d);
  ASSERT_EQ(transport.requests.size(), 3u);
  for (const auto& r : transport.requests) {
    EXPECT_FALSE(IsMulticast(r));
    EXPECT_EQ(Text(r), "Hi " + std::string(To(r)[0] == LineUser(1)   ? "P1"
                                           : To(r)[0] == LineUser(2) ? "P2"
                                                                     : "P3"));
  }
  for (const DeliveryRecord& r : Deliveries(run)) EXPECT_EQ(r.route, "line_push");
}

TEST_F(DispatcherMulticastTest, AServerErrorRetriesTheSameSetWithTheSameKeyAfterTheBackoff) {
  const Id account = NewAccount();
  AddFollowers(account, 20);
  const Id run = Send(account, {"Sale today"});
  int calls = 0;
  FakeTransport transport([&](auto&) { return ++calls == 1 ? ServerError() : Accepted("req"); });
  Dispatcher d(*store_, clock_, transport, metrics_, options_);
  RunNow(d);
  ASSERT_EQ(transport.requests.size(), 1u);
  EXPECT_EQ(States(run)["sending"], 20) << "held by the batch, not put back one by one";
  clock_.Advance(999ms);
  RunNow(d);
  EXPECT_EQ(transport.requests.size(), 1u) << "the first backoff is 1 s";
  clock_.Advance(1ms);
  RunNow(d);
  ASSERT_EQ(transport.requests.size(), 2u);
  EXPECT_EQ(Key(transport.requests[1]), Key(transport.requests[0]));
  EXPECT_EQ(To(transport.requests[1]), To(transport.requests[0]));
  EXPECT_EQ(transport.requests[1].body, transport.requests[0].body);
  EXPECT_EQ(States(run)["sent"], 20);
}

TEST_F(DispatcherMulticastTest, RetriesStopAtMaxAttemptsAndFailTheBatch) {
  const Id account = NewAccount();
  AddFollowers(account, 4);
  const Id run = Send(account, {"Sale today"});
  FakeTransport transport([](auto&) { return ServerError(); });
  Dispatcher d(*store_, clock_, transport, metrics_, options_);
  for (int i = 0; i < 5; ++i) {
    RunNow(d);
    clock_.Advance(1min);
  }
  EXPECT_EQ(transport.requests.size(), 3u) << "max_attempts";
  EXPECT_EQ(States(run)["failed"], 4);
  for (const DeliveryRecord& r : Deliveries(run)) {
    EXPECT_EQ(r.error_class, "retry_later");
    EXPECT_EQ(r.error_code, "http_500");
    EXPECT_EQ(r.route, "line_multicast");
  }
}

TEST_F(DispatcherMulticastTest, A409MeansTheBatchWasAcceptedBefore) {
  const Id account = NewAccount();
  AddFollowers(account, 5);
  const Id run = Send(account, {"Sale today"});
  FakeTransport transport([](auto&) {
    channels::TransportResult r;
    r.status = 409;
    r.body = R"({"message":"The retry key is already accepted"})";
    r.headers.emplace_back("X-Line-Accepted-Request-Id", "accepted-1");
    return r;
  });
  Dispatcher d(*store_, clock_, transport, metrics_, options_);
  RunNow(d);
  ASSERT_EQ(transport.requests.size(), 1u);
  EXPECT_EQ(States(run)["sent"], 5);
  for (const DeliveryRecord& r : Deliveries(run)) EXPECT_EQ(r.platform_message_id, "accepted-1");
}

// A crash while the request is out: the next process resends the same people with the same
// key, so LINE drops it if the first went through.
TEST_F(DispatcherMulticastTest, ARestartMidBatchResendsTheSameSetWithTheSameKey) {
  const Id account = NewAccount();
  AddFollowers(account, 30);
  const Id run = Send(account, {"one", "two"});
  const auto lost = DieWithARequestInFlight();
  ASSERT_EQ(lost.size(), 1u);
  clock_.Advance(1h);
  auto recovered = store_->RecoverInterrupted(clock_.Now());
  ASSERT_TRUE(recovered.ok());
  EXPECT_EQ(*recovered, 0) << "the batch's key is still good: nothing is given up";
  FakeTransport after = Numbered();
  Dispatcher d(*store_, clock_, after, metrics_, options_);
  RunNow(d);
  ASSERT_EQ(after.requests.size(), 2u);
  EXPECT_EQ(Key(after.requests[0]), Key(lost[0]));
  EXPECT_EQ(after.requests[0].body, lost[0].body);
  EXPECT_NE(Key(after.requests[1]), Key(after.requests[0])) << "the second message's own key";
  EXPECT_EQ(States(run)["sent"], 30);
}

TEST_F(DispatcherMulticastTest, ARestartAfterTheKeyCouldExpireFailsTheBatchInsteadOfResending) {
  const Id account = NewAccount();
  AddFollowers(account, 6);
  const Id run = Send(account, {"Sale today"});
  const Time first_use = clock_.Now();
  const auto lost = DieWithARequestInFlight();
  ASSERT_EQ(lost.size(), 1u);
  // Ten minutes before the 24 h: too close to the key's end for a request to rely on it.
  clock_.Set(first_use + 24h - 10min);
  ASSERT_TRUE(store_->RecoverInterrupted(clock_.Now()).ok());
  FakeTransport after = Numbered();
  Dispatcher d(*store_, clock_, after, metrics_, options_);
  RunNow(d);
  EXPECT_TRUE(after.requests.empty());
  EXPECT_EQ(States(run)["failed"], 6);
  for (const DeliveryRecord& r : Deliveries(run)) {
    EXPECT_EQ(r.error_class, "unknown_outcome");
    EXPECT_EQ(r.error_code, "line_retry_key_expired");
  }
}

TEST_F(DispatcherMulticastTest, ARestartJustInsideTheKeysLifeStillResends) {
  const Id account = NewAccount();
  AddFollowers(account, 6);
  const Id run = Send(account, {"Sale today"});
  const Time first_use = clock_.Now();
  const auto lost = DieWithARequestInFlight();
  ASSERT_EQ(lost.size(), 1u);
  clock_.Set(first_use + 24h - 10min - 1ms);
  ASSERT_TRUE(store_->RecoverInterrupted(clock_.Now()).ok());
  FakeTransport after = Numbered();
  Dispatcher d(*store_, clock_, after, metrics_, options_);
  RunNow(d);
  ASSERT_EQ(after.requests.size(), 1u);
  EXPECT_EQ(Key(after.requests[0]), Key(lost[0]));
  EXPECT_EQ(States(run)["sent"], 6);
}

TEST_F(DispatcherMulticastTest, RecoveryGivesUpABatchWhoseKeyLineNoLongerKnows) {
  const Id account = NewAccount();
  AddFollowers(account, 6);
  const Id run = Send(account, {"Sale today"});
  const Time first_use = clock_.Now();
  const auto lost = DieWithARequestInFlight();
  ASSERT_EQ(lost.size(), 1u);
  clock_.Set(first_use + 24h - 1ms);
  auto kept = store_->RecoverInterrupted(clock_.Now());
  ASSERT_TRUE(kept.ok());
  EXPECT_EQ(*kept, 0);
  clock_.Set(first_use + 24h);
  auto given_up = store_->RecoverInterrupted(clock_.Now());
  ASSERT_TRUE(given_up.ok());
  EXPECT_EQ(*given_up, 6);
  EXPECT_EQ(States(run)["failed"], 6);
}

TEST_F(DispatcherMulticastTest, AGracefulStopLeavesARetryingBatchForTheNextStart) {
  const Id account = NewAccount();
  AddFollowers(account, 8);
  const Id run = Send(account, {"Sale today"});
  FakeTransport failing([](auto&) { return ServerError(); });
  {
    Dispatcher d(*store_, clock_, failing, metrics_, options_);
    RunNow(d);
    ASSERT_EQ(failing.requests.size(), 1u);
    d.BeginStop();
    d.Drain(clock_.Steady());
  }
  EXPECT_EQ(States(run)["sending"], 8);
  ASSERT_TRUE(store_->RecoverInterrupted(clock_.Now()).ok());
  FakeTransport after = Numbered();
  Dispatcher d(*store_, clock_, after, metrics_, options_);
  RunNow(d);
  ASSERT_EQ(after.requests.size(), 1u);
  EXPECT_EQ(Key(after.requests[0]), Key(failing.requests[0]));
  EXPECT_EQ(States(run)["sent"], 8);
}

TEST_F(DispatcherMulticastTest, ASmallerBatchWaitsNoLongerThanTheFillWait) {
  options_.line_multicast_fill_wait = 100ms;
  const Id account = NewAccount(Pacing{1000, 2});  // claims 512 at a time: 500 + 12 left
  AddFollowers(account, 600);
  const Id run = Send(account, {"Sale today"});
  FakeTransport transport = Numbered();
  Dispatcher d(*store_, clock_, transport, metrics_, options_);
  d.RunOnce(0ms);
  ASSERT_EQ(transport.requests.size(), 1u);
  EXPECT_EQ(To(transport.requests[0]).size(), 500u);
  store_->fail_claims = true;  // no more people arrive
  clock_.Advance(99ms);
  for (int i = 0; i < 5; ++i) d.RunOnce(0ms);
  EXPECT_EQ(transport.requests.size(), 1u) << "the 12 wait for more";
  clock_.Advance(1ms);
  for (int i = 0; i < 5; ++i) d.RunOnce(0ms);
  ASSERT_EQ(transport.requests.size(), 2u);
  EXPECT_EQ(To(transport.requests[1]).size(), 12u);
  store_->fail_claims = false;
  clock_.Advance(1s);
  RunNow(d);
  EXPECT_EQ(States(run)["sent"], 600);
}

TEST_F(DispatcherMulticastTest, ABatchCostsOnePerPersonOfTheMonthlyQuota) {
  Pacing pacing{1000, 1};
  pacing.line_monthly_quota = 7;
  const Id account = NewAccount(pacing);
  AddFollowers(account, 5);
  const Id run = Send(account, {"Sale today"});
  FakeTransport first = Numbered();
  {
    Dispatcher d(*store_, clock_, first, metrics_, options_);
    RunNow(d);
  }
  EXPECT_EQ(States(run)["sent"], 5);
  // Two left: the next batch carries two people and the others fail with the reason.
  const Id next = Send(account, {"Sale again"});
  FakeTransport second = Numbered();
  Dispatcher d(*store_, clock_, second, metrics_, options_);
  RunNow(d);
  ASSERT_EQ(second.requests.size(), 1u);
  EXPECT_EQ(To(second.requests[0]).size(), 2u);
  EXPECT_EQ(States(next)["sent"], 2);
  EXPECT_EQ(States(next)["failed"], 3);
}

TEST_F(DispatcherMulticastTest, AMulticastTakesOneRequestOfTheMulticastCeiling) {
  // The account's pace is 1,000/s, the multicast endpoint's 200/s: a burst of 10 requests
  // (1/20 s), 5,000 people, then one request per 5 ms.
  const Id account = NewAccount(Pacing{1000, 64});
  AddFollowers(account, 6000);
  Send(account, {"Sale today"});
  FakeTransport transport = Numbered();
  transport.hold = true;
  Dispatcher d(*store_, clock_, transport, metrics_, options_);
  for (int i = 0; i < 50; ++i) d.RunOnce(0ms);
  EXPECT_EQ(transport.requests.size(), 10u);
  clock_.Advance(4ms);
  for (int i = 0; i < 50; ++i) d.RunOnce(0ms);
  EXPECT_EQ(transport.requests.size(), 10u);
  clock_.Advance(1ms);
  for (int i = 0; i < 50; ++i) d.RunOnce(0ms);
  EXPECT_EQ(transport.requests.size(), 11u);
}

}  // namespace
}  // namespace crier::engine
