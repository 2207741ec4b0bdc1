// The in-process API fixture: a real SQLite store in a temporary directory, a FakeClock, a
// scripted fake engine, and the Api called directly with net::Request values (no sockets).
#pragma once

#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <memory>
#include <optional>
#include <string>

#include "api/api.h"
#include "core/clock.h"
#include "engine/engine.h"
#include "store/sqlite/sqlite_store.h"
#include "support/fake_transport.h"
#include "support/temp_dir.h"

namespace crier::api::testing {

// Returns whatever the test put in `preview` / `send`, and counts the calls.
class FakeEngine final : public engine::Engine {
 public:
  Result<engine::PreviewResult> Preview(Id broadcast_id) override {
    ++preview_calls;
    last_broadcast_id = broadcast_id;
    return preview;
  }
  Result<engine::SendNowResult> SendNow(Id broadcast_id) override {
    ++send_calls;
    last_broadcast_id = broadcast_id;
    return send;
  }
  Status Start() override { return Status::Ok(); }
  void Stop(Duration) override {}
  void Notify() override { ++notify_calls; }
  engine::Metrics& metrics() override { return metrics_; }
  const engine::ClickTracker* clicks() const override { return nullptr; }
  Result<std::int64_t> CountAudience(const filter::Node&) override { return audience_count; }
  // Keyset paging over `audience_ids` (kept ascending by the test), as the real index pages.
  Result<std::vector<Id>> ListAudience(const filter::Node& filter, Id after_id,
                                       int limit) override {
    last_filter = filter;
    if (!audience_ids.ok()) return audience_ids.error();
    std::vector<Id> page;
    for (const Id id : *audience_ids) {
      if (id > after_id && static_cast<int>(page.size()) < limit) page.push_back(id);
    }
    return page;
  }

  Result<std::int64_t> audience_count = std::int64_t{0};
  Result<std::vector<Id>> audience_ids = std::vector<Id>{};
  std::optional<filter::Node> last_filter;

  Result<engine::PreviewResult> preview = engine::PreviewResult{};
  Result<engine::SendNowResult> send = engine::SendNowResult{};
  int preview_calls = 0;
  int send_calls = 0;
  int notify_calls = 0;
  Id last_broadcast_id = 0;

 private:
  engine::Metrics metrics_;
};

inline const Time kStart = [] {
  Time t;
  ParseRfc3339("2026-11-21T09:00:00Z", &t);
  return t;
}();

class ApiTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto store = OpenSqliteStore({.path = dir_.File("crier.db")});
    ASSERT_TRUE(store.ok()) << store.error().ToString();
    store_ = std::move(*store);
    api_ = std::make_unique<Api>(*store_, engine_, clock_);
    auto key = EnsureAdminKey(*store_, clock_);
    ASSERT_TRUE(key.ok() && key->has_value());
    key_ = **key;
  }

  // Puts the real engine (planning, preview, the audience index) behind the API, with a
  // transport that answers every send with an empty 200.
  void UseRealEngine(const engine::EngineOptions& options = {}) {
    auto engine = engine::Engine::Create(
        *store_, clock_,
        std::make_unique<crier::testing::FakeTransport>(
            [](const channels::OutboundRequest&) { return crier::testing::Ok("{}"); }),
        options);
    ASSERT_TRUE(engine.ok()) << engine.error().ToString();
    real_engine_ = std::move(*engine);
    api_ = std::make_unique<Api>(*store_, *real_engine_, clock_);
  }

  // Builds a request for `target` ("/v1/contacts?limit=2"), as the server would.
  static net::Request MakeRequest(std::string method, std::string target, std::string body) {
    net::Request r;
    r.method = std::move(method);
    r.SetTarget(std::move(target));
    r.body = std::move(body);
    r.remote_address = "127.0.0.1";
    return r;
  }

  net::Response Call(std::string method, std::string target, std::string body = "",
                     net::Headers headers = {}) {
    net::Request r = MakeRequest(std::move(method), std::move(target), std::move(body));
    r.headers = std::move(headers);
    if (!net::FindHeader(r.headers, "Authorization")) {
      r.headers.emplace_back("Authorization", "Bearer " + key_);
    }
    return api_->Handle(r);
  }

  static boost::json::value Json(const net::Response& response) {
    boost::json::error_code ec;
    boost::json::value v = boost::json::parse(response.body, ec);
    EXPECT_FALSE(ec) << "not JSON: " << response.body;
    return v;
  }

  // The error's field, or "<none>" when the body has no field.
  static std::string ErrorField(const net::Response& response) {
    const boost::json::value v = Json(response);
    if (!v.is_object() || !v.as_object().contains("error")) return "<no error object>";
    const boost::json::object& error = v.at("error").as_object();
    const boost::json::value* field = error.if_contains("field");
    return field ? std::string(field->as_string()) : "<none>";
  }

  static std::string ErrorCodeOf(const net::Response& response) {
    const boost::json::value v = Json(response);
    return std::string(v.at("error").at("code").as_string());
  }

  Id CreateAccount(std::string platform = "messenger", std::string external_id = "1001") {
    boost::json::object body{{"platform", platform},
                             {"name", "Shop"},
                             {"external_id", external_id},
                             {"access_token", kToken},
                             {"api_base_url", "http://127.0.0.1:8801"}};
    const net::Response r = Call("POST", "/v1/channel-accounts", boost::json::serialize(body));
    EXPECT_EQ(r.status, 201) << r.body;
    return Json(r).at("id").as_int64();
  }

  Id CreateBroadcast(Id account) {
    boost::json::object body{
        {"name", "Sale"},
        {"channel_account_id", account},
        {"purpose", "promotional"},
        {"messages", boost::json::array{boost::json::object{{"kind", "text"}, {"text", "Hello"}}}}};
    const net::Response r = Call("POST", "/v1/broadcasts", boost::json::serialize(body));
    EXPECT_EQ(r.status, 201) << r.body;
    return Json(r).at("id").as_int64();
  }

  // Registers a template (POST /v1/templates with `body`) and returns its id.
  Id RegisterTemplate(const boost::json::object& body) {
    const net::Response r = Call("POST", "/v1/templates", boost::json::serialize(body));
    EXPECT_EQ(r.status, 201) << r.body;
    return r.status == 201 ? Json(r).at("id").as_int64() : 0;
  }

  static constexpr const char* kToken = "EAAG-secret-page-token-42";

  crier::testing::TempDir dir_;
  FakeClock clock_{kStart};
  FakeEngine engine_;
  std::unique_ptr<Store> store_;
  std::unique_ptr<engine::Engine> real_engine_;  // UseRealEngine; declared before api_
  std::unique_ptr<Api> api_;
  std::string key_;
};

}  // namespace crier::api::testing
