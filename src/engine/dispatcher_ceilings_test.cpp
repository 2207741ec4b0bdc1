// The dispatcher holds each platform ceiling (A8) before the platform has to, on both sides of
// its boundary, on a fake clock.
#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <map>

#include "engine/ceiling_gate.h"
#include "engine/dispatcher.h"
#include "engine/engine.h"
#include "store/sqlite/sqlite_store.h"
#include "support/fake_transport.h"
#include "support/forwarding_store.h"
#include "support/temp_dir.h"

namespace crier::engine {
namespace {

using namespace std::chrono_literals;
using crier::testing::FakeTransport;

const Time kStart = FromUnixMillis(1'790'000'000'000);  // 2026-09-21T13:33:20Z

// The store does not record WhatsApp opt-in yet; these tests need opted-in people, so every
// identity read for planning and claiming is opted in.
class OptedInStore final : public crier::testing::ForwardingStore {
 public:
  using ForwardingStore::ForwardingStore;
  Status ForEachRecipient(Id account, const Audience& audience,
                          const std::function<bool(const RecipientRow&)>& visit) override {
    return inner_.ForEachRecipient(account, audience, [&](const RecipientRow& row) {
      RecipientRow copy = row;
      copy.facts.opted_in = true;
      return visit(copy);
    });
  }
  Result<std::vector<ClaimedDelivery>> ClaimDeliveries(Id run, int max, Time now) override {
    auto claimed = inner_.ClaimDeliveries(run, max, now);
    if (claimed.ok()) {
      for (ClaimedDelivery& d : *claimed) d.facts.opted_in = true;
    }
    return claimed;
  }
};

std::string WhatsAppRecipient(const channels::OutboundRequest& r) {
  return std::string(boost::json::parse(r.body).at("to").as_string());
}

class DispatcherCeilingsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto opened = OpenSqliteStore({dir_.File("crier.sqlite")});
    ASSERT_TRUE(opened.ok()) << opened.error().ToString();
    real_ = std::move(*opened);
    store_ = std::make_unique<OptedInStore>(*real_);
    options_.policy.safety_margin = 0s;
  }

  Id NewAccount(Platform platform, Pacing pacing) {
    NewChannelAccount account;
    account.platform = platform;
    account.name = account.external_id = "acct" + std::to_string(++accounts_);
    account.access_token = "t";
    account.api_base_url = "http://127.0.0.1:9";
    account.pacing = pacing;
    auto created = store_->CreateChannelAccount(account, clock_.Now());
    EXPECT_TRUE(created.ok()) << created.error().ToString();
    return created->id;
  }

  void AddContacts(Id account, const std::string& prefix, int n, Duration ago) {
    std::vector<ContactInput> rows(n);
    for (int i = 0; i < n; ++i) {
      rows[i].channel_account_id = account;
      rows[i].platform_user_id = prefix + std::to_string(100000 + i);
      rows[i].last_inbound_at = clock_.Now() - ago;
    }
    ASSERT_TRUE(store_->UpsertContacts(rows, clock_.Now()).ok());
  }

  // A broadcast to everyone on `account` whose name starts with nothing in particular: the
  // audience is a tag-free "everyone", so tests use one account per audience.
  Id Send(Id account, MessageKind kind, int messages = 1) {
    NewBroadcast b;
    b.name = "b" + std::to_string(++broadcasts_);
    b.channel_account_id = account;
    for (int i = 0; i < messages; ++i) {
      Message m{kind, "m" + std::to_string(i), {}};
      if (kind == MessageKind::kTemplate) {
        m.text.clear();
        m.template_message = {
            .name = "spring_offer", .language = "en_US", .category = TemplateCategory::kMarketing};
      }
      b.messages.push_back(std::move(m));
    }
    auto created = store_->CreateBroadcast(b, clock_.Now());
    EXPECT_TRUE(created.ok()) << created.error().ToString();
    auto sent = Planner()->SendNow(created->id);
    EXPECT_TRUE(sent.ok()) << sent.error().ToString();
    return sent->run.id;
  }

  std::unique_ptr<Engine> Planner() {
    auto e = Engine::Create(
        *store_, clock_, std::make_unique<FakeTransport>([](auto&) { return testing::Ok("{}"); }),
        options_);
    EXPECT_TRUE(e.ok());
    return std::move(*e);
  }

  // Runs the dispatcher until it has nothing it can do at this moment (bounded).
  void RunNow(Dispatcher& d) {
    for (int i = 0; i < 2000; ++i) {
      if (!d.RunOnce(0ms)) return;
    }
  }

  std::map<std::string, std::int64_t> States(Id run) {
    auto report = store_->GetRunReport(run);
    EXPECT_TRUE(report.ok());
    return {report->by_state.begin(), report->by_state.end()};
  }
  std::map<std::string, std::int64_t> Waiting(Id run) {
    auto report = store_->GetRunReport(run);
    EXPECT_TRUE(report.ok());
    return {report->waiting.begin(), report->waiting.end()};
  }

  static Pacing Fast() {
    Pacing p{100000, 64};
    p.platform_messages_per_second = 100000;  // these tests are about the other ceilings
    return p;
  }

  crier::testing::TempDir dir_;
  FakeClock clock_{kStart};
  std::unique_ptr<Store> real_;
  std::unique_ptr<Store> store_;
  EngineOptions options_;
  Metrics metrics_;
  int accounts_ = 0;
  int broadcasts_ = 0;
};

FakeTransport WhatsAppOk() {
  return FakeTransport([](auto&) { return testing::Ok(R"({"messages":[{"id":"wamid.1"}]})"); });
}

TEST_F(DispatcherCeilingsTest,
       MessagingLimit250ThenTheNextWaitsForTheFirstToLeaveAndSurvivesARestart) {
  const Id account = NewAccount(Platform::kWhatsApp, Fast());
  AddContacts(account, "4479", 251, 48h);  // outside the window: templates only
  const Id run = Send(account, MessageKind::kTemplate);
  const Time first_sent = clock_.Now();
  FakeTransport transport = WhatsAppOk();
  {
    Dispatcher d(*store_, clock_, transport, metrics_, options_);
    RunNow(d);
    EXPECT_EQ(transport.requests.size(), 250u) << "the 250th goes";
    EXPECT_EQ(States(run)["sent"], 250);
    EXPECT_EQ(States(run)["planned"], 1) << "the 251st waits, it is not failed";
    EXPECT_EQ(States(run)["failed"], 0);
    EXPECT_EQ(Waiting(run)["whatsapp_messaging_limit"], 1);
    auto page = store_->ListDeliveries(run, {0, 1000});
    ASSERT_TRUE(page.ok());
    const DeliveryRecord& held = page->items.back();
    EXPECT_EQ(held.state, DeliveryState::kPlanned);
    EXPECT_EQ(held.error_class, kCeilingErrorClass);
    EXPECT_NE(held.error_message.find(FormatRfc3339(first_sent + 24h)), std::string::npos)
        << held.error_message;
    d.BeginStop();
    d.Drain(clock_.Steady());
  }
  // A restart: the budget is read back from the store, not handed out afresh.
  clock_.Advance(24h - 1s);
  FakeTransport after = WhatsAppOk();
  Dispatcher d(*store_, clock_, after, metrics_, options_);
  RunNow(d);
  EXPECT_EQ(after.requests.size(), 0u) << "one second before the first leaves the window";
  clock_.Advance(1s);
  RunNow(d);
  ASSERT_EQ(after.requests.size(), 1u);
  EXPECT_EQ(WhatsAppRecipient(after.requests[0]), "4479100250");
  EXPECT_EQ(States(run)["sent"], 251);
  EXPECT_TRUE(Waiting(run).empty());
}

TEST_F(DispatcherCeilingsTest, MessagingLimitCountsOnlyBusinessInitiatedSends) {
  const Id account = NewAccount(Platform::kWhatsApp, Fast());
  AddContacts(account, "4479", 300, 1h);  // inside the window: free-form, not counted
  const Id run = Send(account, MessageKind::kText);
  FakeTransport transport = WhatsAppOk();
  Dispatcher d(*store_, clock_, transport, metrics_, options_);
  RunNow(d);
  EXPECT_EQ(States(run)["sent"], 300);
}

TEST_F(DispatcherCeilingsTest, PairRateHolds45ThenOneEverySixSecondsAcrossRunsAndMessages) {
  const Id account = NewAccount(Platform::kWhatsApp, Fast());
  AddContacts(account, "4479", 1, 1h);
  std::vector<Id> runs;
  for (int i = 0; i < 10; ++i) runs.push_back(Send(account, MessageKind::kText, 5));  // 50
  FakeTransport transport = WhatsAppOk();
  Dispatcher d(*store_, clock_, transport, metrics_, options_);
  RunNow(d);
  EXPECT_EQ(transport.requests.size(), 45u) << "a burst of 45 to one person";
  clock_.Advance(5999ms);
  RunNow(d);
  EXPECT_EQ(transport.requests.size(), 45u);
  clock_.Advance(1ms);
  RunNow(d);
  EXPECT_EQ(transport.requests.size(), 46u) << "then one per 6 s";
  for (int i = 0; i < 4; ++i) {
    clock_.Advance(6s);
    RunNow(d);
  }
  EXPECT_EQ(transport.requests.size(), 50u);
  for (Id run : runs) {
    EXPECT_EQ(States(run)["sent"], 1) << "nothing failed with 131056";
    EXPECT_EQ(States(run)["failed"], 0);
  }
}

TEST_F(DispatcherCeilingsTest, LineQuotaSendsWhatFitsAndFailsTheRestWithTheReason) {
  Pacing pacing = Fast();
  pacing.line_monthly_quota = 6;
  const Id account = NewAccount(Platform::kLine, pacing);
  AddContacts(account, "U", 4, 1h);
  FakeTransport transport([](auto&) { return testing::Ok(R"({"sentMessages":[{"id":"1"}]})"); });
  {
    const Id run = Send(account, MessageKind::kText, 1);
    Dispatcher d(*store_, clock_, transport, metrics_, options_);
    RunNow(d);
    EXPECT_EQ(States(run)["sent"], 4) << "4 of 6";
    d.BeginStop();
    d.Drain(clock_.Steady());
  }
  // Two left this month: the next run of two messages each fits one recipient exactly.
  const Id run = Send(account, MessageKind::kText, 2);
  Dispatcher d(*store_, clock_, transport, metrics_, options_);
  RunNow(d);
  EXPECT_EQ(transport.requests.size(), 6u);
  EXPECT_EQ(States(run)["sent"], 1);
  EXPECT_EQ(States(run)["failed"], 3);
  auto report = store_->GetRunReport(run);
  ASSERT_TRUE(report.ok());
  EXPECT_EQ(
      report->by_error,
      (std::vector<std::pair<std::string, std::int64_t>>{{std::string(kLineMonthlyQuotaCode), 3}}));
}

TEST_F(DispatcherCeilingsTest, SendRateIsTheLowerOfThePacingAndThePlatformsCeiling) {
  const Id page = NewAccount(Platform::kMessenger, Pacing{1000, 64});  // above 300/s
  AddContacts(page, "p", 40, 1h);
  Send(page, MessageKind::kText);
  FakeTransport transport([](auto&) { return testing::Ok(R"({"message_id":"m"})"); });
  Dispatcher d(*store_, clock_, transport, metrics_, options_);
  for (int i = 0; i < 20; ++i) d.RunOnce(0ms);
  EXPECT_EQ(transport.requests.size(), 15u) << "the burst at 300/s (1/20 s), not at 1000/s";
  clock_.Advance(10ms);  // 3 tokens at 300/s
  for (int i = 0; i < 20; ++i) d.RunOnce(0ms);
  EXPECT_EQ(transport.requests.size(), 18u);

  Pacing granted{1000, 64};
  granted.platform_messages_per_second = 2000;  // a Page allowed more: the pacing rules
  const Id other = NewAccount(Platform::kMessenger, granted);
  AddContacts(other, "q", 60, 1h);
  Send(other, MessageKind::kText);
  FakeTransport second([](auto&) { return testing::Ok(R"({"message_id":"m"})"); });
  Dispatcher d2(*store_, clock_, second, metrics_, options_);
  for (int i = 0; i < 20; ++i) d2.RunOnce(0ms);
  EXPECT_EQ(second.requests.size(), 50u) << "1000/s: a burst of 50";
}

}  // namespace
}  // namespace crier::engine
