#include <gtest/gtest.h>

#include <atomic>
#include <boost/json.hpp>
#include <set>

#include "engine/audience_service.h"
#include "engine/dispatcher.h"
#include "engine/engine.h"
#include "engine/engine_test_fixture.h"
#include "store/sqlite/sqlite_store.h"

namespace crier::engine {
namespace {

using namespace std::chrono_literals;
using crier::testing::FakeTransport;

TEST_F(EngineTest, PreviewSplitsOnBothSidesOfTheWindow) {
  AddContact("inside", 23h + 59min);
  AddContact("outside", 24h + 1min);
  AddContact("never", std::nullopt);
  const Id b = AddBroadcast();
  auto preview = Planner()->Preview(b);
  ASSERT_TRUE(preview.ok()) << preview.error().ToString();
  EXPECT_EQ(preview->matched, 3);
  EXPECT_EQ(preview->sendable, 1);
  std::map<std::string, std::int64_t> skips(preview->by_skip_reason.begin(),
                                            preview->by_skip_reason.end());
  EXPECT_EQ(skips["outside_window"], 1);
  EXPECT_EQ(skips["never_interacted"], 1);
}

TEST_F(EngineTest, PreviewWarnsOfARuleChangeTheRunWouldCross) {
  Time evening;
  ASSERT_TRUE(ParseRfc3339("2026-04-26T20:00:00Z", &evening));
  clock_.Set(evening);
  UseNewAccount("SLOW", Pacing{0.0001, 1});  // two copies take 20,000 s: past midnight
  AddContact("a", 1h);
  AddContact("b", 1h);
  auto preview = Planner()->Preview(AddBroadcast());
  ASSERT_TRUE(preview.ok()) << preview.error().ToString();
  ASSERT_EQ(preview->rule_changes.size(), 1u);
  EXPECT_EQ(preview->rule_changes[0].substr(0, 35), "2026-04-27: messenger.message_tags ");

  UseNewAccount("FAST", Pacing{1000, 16});  // done in milliseconds: nothing crossed
  AddContact("c", 1h);
  preview = Planner()->Preview(AddBroadcast());
  ASSERT_TRUE(preview.ok()) << preview.error().ToString();
  EXPECT_TRUE(preview->rule_changes.empty());
  EXPECT_EQ(preview->line_quota_cost, 0) << "not a LINE account";
}

TEST_F(EngineTest, SafetyMarginSkipsWindowsThatCloseBeforeTheCopyWouldLand) {
  options_.policy.safety_margin = 60s;
  AddContact("closes-in-61s", 24h - 61s);
  AddContact("closes-in-59s", 24h - 59s);
  auto preview = Planner()->Preview(AddBroadcast());
  ASSERT_TRUE(preview.ok());
  EXPECT_EQ(preview->sendable, 1);
}

TEST_F(EngineTest, DeliversEveryEligibleRecipientExactlyOnce) {
  for (int i = 0; i < 50; ++i) AddContact("in" + std::to_string(i), 1h + i * 1min);
  for (int i = 0; i < 10; ++i) AddContact("out" + std::to_string(i), 25h + i * 1min);
  const Id b = AddBroadcast();
  auto sent = Planner()->SendNow(b);
  ASSERT_TRUE(sent.ok()) << sent.error().ToString();
  EXPECT_EQ(sent->planned, 50);
  EXPECT_EQ(sent->skipped, 10);

  int n = 0;
  FakeTransport transport([&](auto&) {
    return testing::Ok(R"({"recipient_id":"x","message_id":"m_)" + std::to_string(++n) + "\"}");
  });
  Dispatcher d(*store_, clock_, transport, metrics_, options_);
  RunUntilIdle(d);

  std::set<std::string> recipients;
  for (const auto& r : transport.requests) {
    EXPECT_TRUE(recipients.insert(RecipientOf(r)).second) << "sent twice: " << RecipientOf(r);
    EXPECT_EQ(boost::json::parse(r.body).at("messaging_type"), "UPDATE");
    EXPECT_NE(r.url.find("/v25.0/PAGE1/messages"), std::string::npos);
  }
  EXPECT_EQ(recipients.size(), 50u);
  for (const auto& r : recipients) EXPECT_EQ(r.rfind("in", 0), 0u) << r;
  auto states = States(sent->run.id);
  EXPECT_EQ(states["sent"], 50);
  EXPECT_EQ(states["skipped"], 10);
  EXPECT_EQ(store_->GetRun(sent->run.id)->status, RunStatus::kCompleted);
  EXPECT_EQ(store_->GetBroadcast(b)->status, BroadcastStatus::kCompleted);
}

TEST_F(EngineTest, RouteIsDecidedAgainRightBeforeSending) {
  AddContact("closing", 23h + 50min);
  auto sent = Planner()->SendNow(AddBroadcast());
  ASSERT_TRUE(sent.ok());
  ASSERT_EQ(sent->planned, 1);
  clock_.Advance(20min);  // the run waited; the window closed meanwhile
  FakeTransport transport([](auto&) { return testing::Ok(R"({"message_id":"m"})"); });
  Dispatcher d(*store_, clock_, transport, metrics_, options_);
  RunUntilIdle(d);
  EXPECT_TRUE(transport.requests.empty());
  auto report = store_->GetRunReport(sent->run.id);
  std::map<std::string, std::int64_t> skips(report->by_skip_reason.begin(),
                                            report->by_skip_reason.end());
  EXPECT_EQ(skips["outside_window"], 1);
}

TEST_F(EngineTest, ATagLockReachesTheCopiesBeingSent) {
  Time before_tags_retired;
  ASSERT_TRUE(ParseRfc3339("2026-03-01T12:00:00Z", &before_tags_retired));
  clock_.Set(before_tags_retired);
  UseNewAccount("PAGE9", {20, 64});  // one send per 50 ms, a burst of one
  for (int i = 0; i < 5; ++i) AddContact("t" + std::to_string(i), 48h);
  NewBroadcast b;
  b.name = "Receipt";
  b.channel_account_id = account_id_;
  b.purpose = Purpose::kNonPromotional;
  b.outside_window.message_tag = "POST_PURCHASE_UPDATE";
  b.messages = {{MessageKind::kText, "Your order has shipped", {}}};
  auto created = store_->CreateBroadcast(b, clock_.Now());
  ASSERT_TRUE(created.ok()) << created.error().ToString();
  auto sent = Planner()->SendNow(created->id);
  ASSERT_TRUE(sent.ok());
  ASSERT_EQ(sent->planned, 5);
  FakeTransport transport([](auto&) { return testing::Ok(R"({"message_id":"m"})"); });
  Dispatcher d(*store_, clock_, transport, metrics_, options_);
  for (int i = 0; i < 20; ++i) d.RunOnce(0ms);
  ASSERT_EQ(transport.requests.size(), 1u);
  EXPECT_NE(transport.requests[0].body.find("POST_PURCHASE_UPDATE"), std::string::npos);

  // B2: an administrator locks the account's tags while the run is sending.
  ChannelAccountUpdate lock;
  lock.message_tags_locked = true;
  ASSERT_TRUE(store_->UpdateChannelAccount(account_id_, lock).ok());
  clock_.Advance(2s);
  RunUntilIdle(d);
  EXPECT_EQ(transport.requests.size(), 1u);
  auto report = store_->GetRunReport(sent->run.id);
  ASSERT_TRUE(report.ok());
  std::map<std::string, std::int64_t> skips(report->by_skip_reason.begin(),
                                            report->by_skip_reason.end());
  EXPECT_EQ(skips["route_locked"], 4);
}

TEST_F(EngineTest, SendsAllMessagesOfADeliveryInOrder) {
  AddContact("p1", 1h);
  auto sent = Planner()->SendNow(AddBroadcast(3));
  ASSERT_TRUE(sent.ok());
  int n = 0;
  FakeTransport transport(
      [&](auto&) { return testing::Ok(R"({"message_id":"m)" + std::to_string(++n) + "\"}"); });
  Dispatcher d(*store_, clock_, transport, metrics_, options_);
  RunUntilIdle(d);
  ASSERT_EQ(transport.requests.size(), 3u);
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(boost::json::parse(transport.requests[i].body).at("message").at("text").as_string(),
              ("m" + std::to_string(i)).c_str());
  }
  auto page = store_->ListDeliveries(sent->run.id, {});
  ASSERT_EQ(page->items.size(), 1u);
  EXPECT_EQ(page->items[0].platform_message_id, "m1,m2,m3");
}

TEST_F(EngineTest, RetryLaterWaitsForBackoffThenSends) {
  AddContact("p1", 1h);
  auto sent = Planner()->SendNow(AddBroadcast());
  ASSERT_TRUE(sent.ok());
  int calls = 0;
  FakeTransport transport([&](auto&) {
    channels::TransportResult r;
    if (++calls == 1) {
      r.status = 503;
      return r;
    }
    return testing::Ok(R"({"message_id":"m"})");
  });
  Dispatcher d(*store_, clock_, transport, metrics_, options_);
  RunUntilIdle(d);
  EXPECT_EQ(calls, 1);
  EXPECT_EQ(States(sent->run.id)["planned"], 1);
  clock_.Advance(999ms);
  RunUntilIdle(d);
  EXPECT_EQ(calls, 1) << "retried before its backoff";
  clock_.Advance(250ms);  // due now; picked up at the next refresh of the work list
  RunUntilIdle(d);
  EXPECT_EQ(calls, 2);
  EXPECT_EQ(States(sent->run.id)["sent"], 1);
  EXPECT_EQ(store_->ListDeliveries(sent->run.id, {})->items[0].attempts, 2);
}

TEST_F(EngineTest, PolicyRefusalIsFinalAndRecordedWithItsCode) {
  AddContact("p1", 1h);
  auto sent = Planner()->SendNow(AddBroadcast());
  ASSERT_TRUE(sent.ok());
  FakeTransport transport([](auto&) { return testing::GraphError(400, 10, 2018278); });
  Dispatcher d(*store_, clock_, transport, metrics_, options_);
  RunUntilIdle(d);
  clock_.Advance(1h);
  RunUntilIdle(d);
  EXPECT_EQ(transport.requests.size(), 1u);
  auto report = store_->GetRunReport(sent->run.id);
  std::map<std::string, std::int64_t> errors(report->by_error.begin(), report->by_error.end());
  EXPECT_EQ(errors["10/2018278"], 1);
  EXPECT_EQ(store_->GetRun(sent->run.id)->status, RunStatus::kCompleted);
}

TEST_F(EngineTest, PacingAllowsOnlyTheBurstUntilTimeMoves) {
  UseNewAccount("PAGE2", {20, 64});  // burst = 1
  for (int i = 0; i < 5; ++i) AddContact("p" + std::to_string(i), 1h);
  ASSERT_TRUE(Planner()->SendNow(AddBroadcast()).ok());
  FakeTransport transport([](auto&) { return testing::Ok(R"({"message_id":"m"})"); });
  Dispatcher d(*store_, clock_, transport, metrics_, options_);
  for (int i = 0; i < 20; ++i) d.RunOnce(0ms);
  EXPECT_EQ(transport.requests.size(), 1u);
  clock_.Advance(50ms);  // one token at 20/s
  for (int i = 0; i < 20; ++i) d.RunOnce(0ms);
  EXPECT_EQ(transport.requests.size(), 2u);
  clock_.Advance(150ms);  // three tokens' worth of time, but the bucket holds one
  for (int i = 0; i < 20; ++i) d.RunOnce(0ms);
  EXPECT_EQ(transport.requests.size(), 3u);
  for (int step = 0; step < 2; ++step) {
    clock_.Advance(50ms);
    for (int i = 0; i < 20; ++i) d.RunOnce(0ms);
  }
  EXPECT_EQ(transport.requests.size(), 5u);
}

TEST_F(EngineTest, StopAndCrashNeverSendTwice) {
  UseNewAccount("PAGE3", {100000, 2});  // two in flight at most
  for (int i = 0; i < 10; ++i) AddContact("p" + std::to_string(i), 1h);
  auto sent = Planner()->SendNow(AddBroadcast());
  ASSERT_TRUE(sent.ok());

  FakeTransport stuck([](auto&) { return testing::Ok(R"({"message_id":"m"})"); });
  stuck.hold = true;  // the two requests in flight never answer: the process "dies" with them
  {
    Dispatcher d(*store_, clock_, stuck, metrics_, options_);
    d.RunOnce(0ms);
    ASSERT_EQ(stuck.requests.size(), 2u);
    d.BeginStop();
    EXPECT_EQ(d.Drain(clock_.Steady()), 2);
  }
  EXPECT_EQ(States(sent->run.id)["sending"], 2);
  EXPECT_EQ(States(sent->run.id)["planned"], 8);

  // Restart: the two whose outcome is unknown are resolved, never resent.
  auto recovered = store_->RecoverInterrupted(clock_.Now());
  ASSERT_TRUE(recovered.ok());
  EXPECT_EQ(*recovered, 2);
  FakeTransport fresh([](auto&) { return testing::Ok(R"({"message_id":"m"})"); });
  Dispatcher d(*store_, clock_, fresh, metrics_, options_);
  RunUntilIdle(d);
  std::set<std::string> all;
  for (const auto& r : stuck.requests) all.insert(RecipientOf(r));
  for (const auto& r : fresh.requests) {
    EXPECT_TRUE(all.insert(RecipientOf(r)).second) << "sent twice: " << RecipientOf(r);
  }
  EXPECT_EQ(all.size(), 10u);
  EXPECT_EQ(States(sent->run.id)["sent"], 8);
  EXPECT_EQ(States(sent->run.id)["failed"], 2);
}

TEST_F(EngineTest, SecondSendWhileSendingIsRefused) {
  AddContact("p1", 1h);
  const Id b = AddBroadcast();
  auto engine = Planner();
  ASSERT_TRUE(engine->SendNow(b).ok());
  auto again = engine->SendNow(b);
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.error().code, ErrorCode::kFailedPrecondition);
}

TEST_F(EngineTest, NoAnswerAfterTheRequestLeftIsNeverRetried) {
  AddContact("p1", 1h);
  auto sent = Planner()->SendNow(AddBroadcast());
  ASSERT_TRUE(sent.ok());
  FakeTransport transport([](auto&) {
    channels::TransportResult r;
    r.timed_out = true;
    r.request_sent = true;  // the platform may have delivered it
    r.transport_error = "Operation timed out";
    return r;
  });
  Dispatcher d(*store_, clock_, transport, metrics_, options_);
  RunUntilIdle(d);
  clock_.Advance(1h);
  RunUntilIdle(d);
  EXPECT_EQ(transport.requests.size(), 1u);
  auto page = store_->ListDeliveries(sent->run.id, {});
  EXPECT_EQ(page->items[0].state, DeliveryState::kFailed);
  EXPECT_EQ(page->items[0].error_class, "unknown_outcome");
}

TEST_F(EngineTest, ConnectFailureIsRetriedBecauseNothingLeft) {
  AddContact("p1", 1h);
  auto sent = Planner()->SendNow(AddBroadcast());
  ASSERT_TRUE(sent.ok());
  int calls = 0;
  FakeTransport transport([&](auto&) {
    channels::TransportResult r;
    if (++calls == 1) {
      r.transport_error = "Connection refused";  // request_sent stays false
      return r;
    }
    return testing::Ok(R"({"message_id":"m"})");
  });
  Dispatcher d(*store_, clock_, transport, metrics_, options_);
  RunUntilIdle(d);
  clock_.Advance(1500ms);
  RunUntilIdle(d);
  EXPECT_EQ(calls, 2);
  EXPECT_EQ(States(sent->run.id)["sent"], 1);
}

TEST_F(EngineTest, AuthErrorPausesTheAccountInsteadOfFailingTheAudience) {
  for (int i = 0; i < 20; ++i) AddContact("p" + std::to_string(i), 1h);
  auto sent = Planner()->SendNow(AddBroadcast());
  ASSERT_TRUE(sent.ok());
  FakeTransport transport([](auto&) { return testing::GraphError(400, 190, 0); });
  Dispatcher d(*store_, clock_, transport, metrics_, options_);
  RunUntilIdle(d);
  const auto refused = static_cast<std::int64_t>(transport.requests.size());
  EXPECT_GE(refused, 1);
  auto states = States(sent->run.id);
  EXPECT_EQ(states["failed"], refused) << "only copies the platform refused are failed";
  EXPECT_EQ(states["planned"], 20 - refused) << "the rest wait for the account to resume";
  EXPECT_EQ(store_->GetRun(sent->run.id)->status, RunStatus::kSending);
  clock_.Advance(10s);
  RunUntilIdle(d);
  EXPECT_EQ(static_cast<std::int64_t>(transport.requests.size()), refused)
      << "a paused account sends nothing";
}

TEST_F(EngineTest, LaterMessagesAreNotSentAfterTheWindowClosed) {
  AddContact("closing", 24h - 2min);
  auto sent = Planner()->SendNow(AddBroadcast(2));
  ASSERT_TRUE(sent.ok());
  FakeTransport transport([&](auto&) {
    clock_.Advance(3min);  // the platform (or pacing) held the first message for minutes
    return testing::Ok(R"({"message_id":"m1"})");
  });
  Dispatcher d(*store_, clock_, transport, metrics_, options_);
  RunUntilIdle(d);
  EXPECT_EQ(transport.requests.size(), 1u);
  auto item = store_->ListDeliveries(sent->run.id, {})->items[0];
  EXPECT_EQ(item.state, DeliveryState::kFailed);
  EXPECT_EQ(item.error_code, "outside_window");
  EXPECT_EQ(item.platform_message_id, "m1") << "the message that did go out is on record";
}

TEST_F(EngineTest, ASlowAccountClaimsOnlyWhatItWillSendSoon) {
  UseNewAccount("PAGE4", {20, 2});  // 20/s, 2 in flight: 2 + 20 x 0.25 s = 7 claimed at a time
  for (int i = 0; i < 100; ++i) AddContact("p" + std::to_string(i), 1h);
  auto sent = Planner()->SendNow(AddBroadcast());
  ASSERT_TRUE(sent.ok());
  FakeTransport transport([](auto&) { return testing::Ok(R"({"message_id":"m"})"); });
  transport.hold = true;
  Dispatcher d(*store_, clock_, transport, metrics_, options_);
  d.RunOnce(0ms);
  EXPECT_LE(States(sent->run.id)["sending"], 7) << "a crash now may cost at most these";
  EXPECT_GE(States(sent->run.id)["planned"], 93);
}

TEST_F(EngineTest, AudienceFilterSelectsThroughTheIndexAndFollowsLaterWrites) {
  for (int i = 0; i < 10; ++i) {
    AddContact("p" + std::to_string(i), 1h,
               i % 2 == 1 ? std::vector<std::string>{"vip"} : std::vector<std::string>{});
  }
  NewBroadcast nb;
  nb.name = "VIP only";
  nb.channel_account_id = account_id_;
  nb.audience.filter = "tag:vip";
  nb.messages = {{MessageKind::kText, "hi"}};
  const Id b = store_->CreateBroadcast(nb, clock_.Now())->id;
  auto engine = Planner();
  auto preview = engine->Preview(b);
  ASSERT_TRUE(preview.ok()) << preview.error().ToString();
  EXPECT_EQ(preview->matched, 5);

  AddContact("p0", 1h, std::vector<std::string>{"vip"});  // written after the index was built
  EXPECT_EQ(engine->Preview(b)->matched, 6);
  auto vip = filter::ParseText("tag:vip and interacted < 2h");
  ASSERT_TRUE(vip.ok());
  EXPECT_EQ(*engine->CountAudience(*vip), 6);
  clock_.Advance(90min);  // relative times resolve on the clock at each count
  EXPECT_EQ(*engine->CountAudience(*vip), 0);

  auto sent = engine->SendNow(b);
  ASSERT_TRUE(sent.ok()) << sent.error().ToString();
  EXPECT_EQ(sent->planned, 6);
}

TEST_F(EngineTest, AStoppedIndexRefreshForgetsNothingAndTheNextOneFinishesIt) {
  for (int i = 0; i < 4; ++i) AddContact("p" + std::to_string(i), 1h, {{"vip"}});
  AudienceService audience(*store_, clock_);
  const std::atomic<bool> stopped{true};
  const Status cancelled = audience.Refresh(&stopped);
  ASSERT_FALSE(cancelled.ok());
  EXPECT_EQ(cancelled.error().code, ErrorCode::kUnavailable);
  EXPECT_EQ(audience.size(), 0);
  auto vip = filter::ParseText("tag:vip");
  ASSERT_TRUE(vip.ok());
  EXPECT_EQ(*audience.Count(*vip), 4) << "the next refresh reads everything again";
  EXPECT_EQ(audience.size(), 4);
}

TEST_F(EngineTest, SegmentsAreEvaluatedWithTheirDefinitionAtEachUse) {
  for (int i = 0; i < 6; ++i) {
    AddContact("p" + std::to_string(i), 1h,
               std::vector<std::string>{i < 2 ? "gold" : (i < 5 ? "vip" : "other")});
  }
  auto vip = store_->CreateSegment({"vip", "tag:vip", ""}, clock_.Now());
  ASSERT_TRUE(vip.ok()) << vip.error().ToString();
  ASSERT_TRUE(store_->CreateSegment({"best", "segment:vip or tag:other", ""}, clock_.Now()).ok());
  NewBroadcast nb;
  nb.name = "Best";
  nb.channel_account_id = account_id_;
  nb.audience.filter = "segment:best";
  nb.messages = {{MessageKind::kText, "hi"}};
  auto b = store_->CreateBroadcast(nb, clock_.Now());
  ASSERT_TRUE(b.ok()) << b.error().ToString();
  auto engine = Planner();
  auto preview = engine->Preview(b->id);
  ASSERT_TRUE(preview.ok()) << preview.error().ToString();
  EXPECT_EQ(preview->matched, 4);
  auto ref = filter::ParseText("segment:vip");
  ASSERT_TRUE(ref.ok());
  EXPECT_EQ(*engine->CountAudience(*ref), 3);
  EXPECT_EQ(engine->ListAudience(*ref, 0, 10)->size(), 3u);

  // The nested segment changes; the broadcast that names the outer one follows.
  ASSERT_TRUE(store_->UpdateSegment(vip->id, {.filter = "tag:gold"}, clock_.Now()).ok());
  EXPECT_EQ(engine->Preview(b->id)->matched, 3);
  EXPECT_EQ(*engine->CountAudience(*ref), 2);
  auto sent = engine->SendNow(b->id);
  ASSERT_TRUE(sent.ok()) << sent.error().ToString();
  EXPECT_EQ(sent->planned, 3);

  auto ghost = filter::ParseText("tag:vip or segment:ghost");
  ASSERT_TRUE(ghost.ok());
  auto unknown = engine->CountAudience(*ghost);
  ASSERT_FALSE(unknown.ok());
  EXPECT_EQ(unknown.error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(unknown.error().field, "filter");
  EXPECT_EQ(unknown.error().message, "no segment named \"ghost\"");
  EXPECT_EQ(engine->ListAudience(*ghost, 0, 10).error().field, "filter");
}

TEST_F(EngineTest, TheAudienceIndexRefusesUnexpandedReferences) {
  AddContact("p1", 1h);
  AudienceService audience(*store_, clock_);
  const filter::Node ref = filter::Node::Leaf(filter::SegmentPred{"vip"});
  EXPECT_EQ(audience.Count(ref).error().code, ErrorCode::kInternal);
  EXPECT_EQ(audience.List(ref, 0, 10).error().code, ErrorCode::kInternal);
  EXPECT_EQ(*audience.Count(filter::Node::All()), 1);
}

TEST_F(EngineTest, APauseInTheMiddleOfMultiMessageDeliveriesStartsNothingMore) {
  UseNewAccount("PAGE5", {100000, 2});  // two requests in flight at most
  for (int i = 0; i < 3; ++i) AddContact("p" + std::to_string(i), 1h);
  auto sent = Planner()->SendNow(AddBroadcast(2));
  ASSERT_TRUE(sent.ok());
  int calls = 0;
  // p0 and p1 get their first message; their second messages (in flight together) are refused
  // for a bad token, which pauses the account.
  FakeTransport transport([&](auto&) {
    return ++calls <= 2 ? testing::Ok(R"({"message_id":"m"})") : testing::GraphError(400, 190, 0);
  });
  Dispatcher d(*store_, clock_, transport, metrics_, options_);
  RunUntilIdle(d);
  clock_.Advance(10s);
  RunUntilIdle(d);
  EXPECT_EQ(transport.requests.size(), 4u) << "nothing starts after the pause";
  const auto page = store_->ListDeliveries(sent->run.id, {});
  ASSERT_TRUE(page.ok());
  ASSERT_EQ(page->items.size(), 3u);
  int failed = 0, planned = 0;
  for (const auto& item : page->items) {
    if (item.state == DeliveryState::kFailed) {
      ++failed;
      EXPECT_EQ(item.error_code, "190");
      EXPECT_EQ(item.platform_message_id, "m") << "the first message is on record";
    } else {
      ++planned;
      EXPECT_EQ(item.state, DeliveryState::kPlanned) << "waits for the account to resume";
    }
  }
  EXPECT_EQ(failed, 2);
  EXPECT_EQ(planned, 1);
}

// D1: one compiled text, rendered into each person's own request.
TEST_F(EngineTest, EachCopyCarriesItsRecipientsPersonalisedText) {
  for (const auto& [psid, first] : std::vector<std::pair<std::string, std::string>>{
           {"p1", "Ann"}, {"p2", "Bo \"B\" <b>"}, {"p3", ""}}) {
    ContactInput in;
    in.channel_account_id = account_id_;
    in.platform_user_id = psid;
    in.name = "Name " + psid;
    in.first_name = first;
    in.last_inbound_at = clock_.Now() - 1h;
    ASSERT_TRUE(store_->UpsertContacts(std::span(&in, 1), clock_.Now()).ok());
  }
  NewBroadcast b;
  b.name = "Hello";
  b.channel_account_id = account_id_;
  b.messages.push_back(
      {MessageKind::kText, R"(Hi {{contact.first_name | "there"}} ({{contact.name}}))"});
  auto created = store_->CreateBroadcast(b, clock_.Now());
  ASSERT_TRUE(created.ok());
  auto sent = Planner()->SendNow(created->id);
  ASSERT_TRUE(sent.ok()) << sent.error().ToString();

  FakeTransport transport(
      [&](auto&) { return testing::Ok(R"({"recipient_id":"x","message_id":"m"})"); });
  Dispatcher d(*store_, clock_, transport, metrics_, options_);
  RunUntilIdle(d);

  std::map<std::string, std::string> texts;
  for (const auto& r : transport.requests) {
    texts[RecipientOf(r)] =
        std::string(boost::json::parse(r.body).at("message").at("text").as_string());
  }
  EXPECT_EQ(texts["p1"], "Hi Ann (Name p1)");
  EXPECT_EQ(texts["p2"], "Hi Bo \"B\" <b> (Name p2)");
  EXPECT_EQ(texts["p3"], "Hi there (Name p3)");
  EXPECT_EQ(States(sent->run.id)["sent"], 3);
}

// A rendering over Messenger's limit (under 2000 characters) fails that copy only, naming the
// field and the limit; a copy one character inside it goes.
TEST_F(EngineTest, AnOverLongRenderingFailsOnlyThatCopy) {
  AddContact("fits", 1h);             // "Name fits": 1990 + 9 = 1999 characters
  AddContact("is-one-too-long", 1h);  // "Name is-one-too-long": 1990 + 20 = 2010
  NewBroadcast b;
  b.name = "Long";
  b.channel_account_id = account_id_;
  b.messages.push_back({MessageKind::kText, std::string(1990, 'x') + "{{contact.name}}"});
  auto created = store_->CreateBroadcast(b, clock_.Now());
  ASSERT_TRUE(created.ok());
  auto sent = Planner()->SendNow(created->id);
  ASSERT_TRUE(sent.ok()) << sent.error().ToString();

  FakeTransport transport(
      [&](auto&) { return testing::Ok(R"({"recipient_id":"x","message_id":"m"})"); });
  Dispatcher d(*store_, clock_, transport, metrics_, options_);
  RunUntilIdle(d);

  ASSERT_EQ(transport.requests.size(), 1u);
  EXPECT_EQ(RecipientOf(transport.requests[0]), "fits");
  auto states = States(sent->run.id);
  EXPECT_EQ(states["sent"], 1);
  EXPECT_EQ(states["failed"], 1);
  auto deliveries = store_->ListDeliveries(sent->run.id, {});
  ASSERT_TRUE(deliveries.ok());
  for (const DeliveryRecord& r : deliveries->items) {
    if (r.platform_user_id != "is-one-too-long") continue;
    EXPECT_EQ(r.error_code, "invalid_content");
    EXPECT_EQ(r.error_class, "invalid_request");
    EXPECT_NE(r.error_message.find("messages[0].text"), std::string::npos) << r.error_message;
    EXPECT_NE(r.error_message.find("2010 characters"), std::string::npos) << r.error_message;
    EXPECT_NE(r.error_message.find("at most 1999"), std::string::npos) << r.error_message;
  }
}

// The same for a card, whose copies render from its compiled JSON: an element title at
// Messenger's 80 characters goes, one at 81 fails that copy only, naming the field and the
// contact; the copy that went carries the name.
TEST_F(EngineTest, ACardTitleOverItsLimitFailsOnlyThatCopy) {
  AddContact("abcde", 1h);   // "Name abcde": 70 + 10 = 80 characters
  AddContact("abcdef", 1h);  // "Name abcdef": 81
  NewBroadcast b;
  b.name = "Carousel";
  b.channel_account_id = account_id_;
  Message card;
  card.kind = MessageKind::kCard;
  card.card.layout = CardLayout::kCarousel;
  card.card.elements = {CardElement{"Shirts", "", "", {}},
                        CardElement{"{{contact.name}}" + std::string(70, 'x'), "", "", {}}};
  b.messages.push_back(card);
  auto created = store_->CreateBroadcast(b, clock_.Now());
  ASSERT_TRUE(created.ok());
  auto sent = Planner()->SendNow(created->id);
  ASSERT_TRUE(sent.ok()) << sent.error().ToString();

  FakeTransport transport(
      [&](auto&) { return testing::Ok(R"({"recipient_id":"x","message_id":"m"})"); });
  Dispatcher d(*store_, clock_, transport, metrics_, options_);
  RunUntilIdle(d);

  ASSERT_EQ(transport.requests.size(), 1u);
  EXPECT_EQ(RecipientOf(transport.requests[0]), "abcde");
  const boost::json::value body = boost::json::parse(transport.requests[0].body);
  const auto& title =
      body.at("message").at("attachment").at("payload").at("elements").at(1).at("title");
  EXPECT_EQ(title.as_string(), "Name abcde" + std::string(70, 'x'));
  auto states = States(sent->run.id);
  EXPECT_EQ(states["sent"], 1);
  EXPECT_EQ(states["failed"], 1);
  auto deliveries = store_->ListDeliveries(sent->run.id, {});
  ASSERT_TRUE(deliveries.ok());
  for (const DeliveryRecord& r : deliveries->items) {
    if (r.platform_user_id != "abcdef") continue;
    EXPECT_EQ(r.error_code, "invalid_content");
    EXPECT_EQ(r.error_class, "invalid_request");
    EXPECT_NE(r.error_message.find("messages[0].card.elements[1].title"), std::string::npos)
        << r.error_message;
    EXPECT_NE(r.error_message.find("81 characters"), std::string::npos) << r.error_message;
    EXPECT_NE(r.error_message.find("at most 80"), std::string::npos) << r.error_message;
  }
}

}  // namespace
}  // namespace crier::engine
