// The engine tests' fixture: a SQLite store on a fake clock with one Messenger account whose
// pace is no bound, and helpers to add contacts and broadcasts and to drive a dispatcher.
#pragma once

#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "engine/dispatcher.h"
#include "engine/engine.h"
#include "store/sqlite/sqlite_store.h"
#include "support/fake_transport.h"
#include "support/temp_dir.h"

namespace crier::engine {

inline const Time kStart = FromUnixMillis(1'790'000'000'000);  // 2026-09-21

inline std::string RecipientOf(const channels::OutboundRequest& r) {
  return std::string(boost::json::parse(r.body).at("recipient").at("id").as_string());
}

class EngineTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto opened = OpenSqliteStore({dir_.File("crier.sqlite")});
    ASSERT_TRUE(opened.ok()) << opened.error().ToString();
    store_ = std::move(*opened);
    NewChannelAccount account;
    account.name = "Shop";
    account.external_id = "PAGE1";
    account.access_token = "secret-token";
    account.api_base_url = "http://127.0.0.1:9";
    account.pacing = {100000, 64};
    // These tests are about exactly-once and retries, not the platform's send rate.
    account.pacing.platform_messages_per_second = 100000;
    auto created = store_->CreateChannelAccount(account, clock_.Now());
    ASSERT_TRUE(created.ok()) << created.error().ToString();
    account_id_ = created->id;
    options_.policy.safety_margin = Duration::zero();
  }

  void AddContact(const std::string& psid, std::optional<Duration> ago,
                  std::optional<std::vector<std::string>> tags = std::nullopt) {
    ContactInput in;
    in.channel_account_id = account_id_;
    in.platform_user_id = psid;
    in.name = "Name " + psid;
    in.tags = std::move(tags);
    if (ago) in.last_inbound_at = clock_.Now() - *ago;
    ASSERT_TRUE(store_->UpsertContacts(std::span(&in, 1), clock_.Now()).ok());
  }

  // Switches the test to a fresh account with its own pacing.
  void UseNewAccount(const std::string& page_id, Pacing pacing) {
    NewChannelAccount account;
    account.name = page_id;
    account.external_id = page_id;
    account.access_token = "t";
    account.api_base_url = "http://127.0.0.1:9";
    account.pacing = pacing;
    auto created = store_->CreateChannelAccount(account, clock_.Now());
    ASSERT_TRUE(created.ok()) << created.error().ToString();
    account_id_ = created->id;
  }

  Id AddBroadcast(int messages = 1) {
    NewBroadcast b;
    b.name = "Sale";
    b.channel_account_id = account_id_;
    for (int i = 0; i < messages; ++i)
      b.messages.push_back({MessageKind::kText, "m" + std::to_string(i)});
    auto created = store_->CreateBroadcast(b, clock_.Now());
    EXPECT_TRUE(created.ok());
    return created->id;
  }

  // An engine without its dispatcher thread: used for Preview and SendNow (planning).
  std::unique_ptr<Engine> Planner() {
    auto e =
        Engine::Create(*store_, clock_, std::make_unique<crier::testing::FakeTransport>([](auto&) {
          return crier::testing::Ok("{}");
        }),
                       options_);
    EXPECT_TRUE(e.ok());
    return std::move(*e);
  }

  // Drives the dispatcher until it is idle (bounded, so a bug cannot hang the test).
  void RunUntilIdle(Dispatcher& d) {
    for (int i = 0; i < 10000; ++i) {
      if (!d.RunOnce(std::chrono::milliseconds(0))) return;
    }
    FAIL() << "dispatcher never became idle";
  }

  std::map<std::string, std::int64_t> States(Id run_id) {
    auto report = store_->GetRunReport(run_id);
    EXPECT_TRUE(report.ok());
    return {report->by_state.begin(), report->by_state.end()};
  }

  crier::testing::TempDir dir_;
  FakeClock clock_{kStart};
  std::unique_ptr<Store> store_;
  Id account_id_ = 0;
  EngineOptions options_;
  Metrics metrics_;
};

}  // namespace crier::engine
