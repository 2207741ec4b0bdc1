// Sends one message as a broadcast of its own, now, through a real dispatcher on the test's
// transport until nothing is left to do: the engine's wire tests' one way of putting content
// on the wire. The including target links crier_engine.
#pragma once

#include <gtest/gtest.h>

#include <chrono>
#include <memory>
#include <optional>

#include "engine/dispatcher.h"
#include "engine/engine.h"
#include "support/fake_transport.h"

namespace crier::testing {

// The run, with every delivery of it expected sent; nullopt (a failed expectation already
// reported) when the broadcast could not be created or sent.
inline std::optional<engine::SendNowResult> SendMessageNow(
    Store& store, const Clock& clock, channels::Transport& transport, engine::Metrics& metrics,
    const engine::EngineOptions& options, Id account, const Message& message,
    Purpose purpose = Purpose::kPromotional) {
  NewBroadcast b;
  b.name = "Content";
  b.channel_account_id = account;
  b.purpose = purpose;
  b.messages = {message};
  auto created = store.CreateBroadcast(b, clock.Now());
  EXPECT_TRUE(created.ok()) << created.error().ToString();
  if (!created.ok()) return std::nullopt;
  // Planning only: the engine's own transport never sends.
  auto planner = engine::Engine::Create(
      store, clock, std::make_unique<FakeTransport>([](auto&) { return Ok("{}"); }), options);
  EXPECT_TRUE(planner.ok());
  if (!planner.ok()) return std::nullopt;
  auto sent = (*planner)->SendNow(created->id);
  EXPECT_TRUE(sent.ok()) << sent.error().ToString();
  if (!sent.ok()) return std::nullopt;
  engine::Dispatcher dispatcher(store, clock, transport, metrics, options);
  for (int i = 0; i < 1000 && dispatcher.RunOnce(std::chrono::milliseconds(0)); ++i) {
  }
  auto page = store.ListDeliveries(sent->run.id, {});
  EXPECT_TRUE(page.ok());
  if (page.ok()) {
    for (const DeliveryRecord& d : page->items) {
      EXPECT_EQ(d.state, DeliveryState::kSent)
          << d.platform_user_id << ": " << d.error_code << " " << d.error_message;
    }
  }
  return *sent;
}

}  // namespace crier::testing
