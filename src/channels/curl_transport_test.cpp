#include "channels/curl_transport.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <thread>

#include "net/server.h"

namespace crier::channels {
namespace {

using namespace std::chrono_literals;
using ::testing::HasSubstr;

// A loopback server that answers every request with its own query string and records what
// it saw, including how many handlers ran at once.
class TestServer {
 public:
  explicit TestServer(int threads = 4) {
    net::ServerOptions options;
    options.threads = threads;
    auto made =
        net::HttpServer::Create(options, [this](const net::Request& r) { return Handle(r); });
    EXPECT_TRUE(made.ok()) << (made.ok() ? "" : made.error().ToString());
    server_ = std::move(made).value();
    server_->Start();
  }
  ~TestServer() { server_->Stop(); }

  std::string url(std::string_view path_and_query) const {
    return "http://127.0.0.1:" + std::to_string(server_->port()) + std::string(path_and_query);
  }
  int max_concurrent() const { return max_concurrent_.load(); }
  int requests() const { return requests_.load(); }
  net::Request last() const {
    std::lock_guard lock(mu_);
    return last_;
  }
  void Stop() { server_->Stop(); }

 private:
  net::Response Handle(const net::Request& r) {
    const int now = ++concurrent_;
    int seen = max_concurrent_.load();
    while (now > seen && !max_concurrent_.compare_exchange_weak(seen, now)) {
    }
    ++requests_;
    {
      std::lock_guard lock(mu_);
      last_ = r;
    }
    // Latency is simulated here, in the server, never in the code under test.
    if (auto ms = r.query_param("sleep_ms"))
      std::this_thread::sleep_for(std::stoi(std::string(*ms)) * 1ms);
    net::Response res = net::Response::Json(
        200, R"({"id":")" + std::string(r.query_param("id").value_or("")) + R"("})");
    if (auto status = r.query_param("status")) res.status = std::stoi(std::string(*status));
    if (auto bytes = r.query_param("body_bytes"))
      res.body.assign(std::stoul(std::string(*bytes)), 'b');
    res.headers.emplace_back("Retry-After", "7");
    res.headers.emplace_back("X-Echo-Method", r.method);
    res.headers.emplace_back("Cache-Control", "no-store");  // not one the transport keeps
    --concurrent_;
    return res;
  }

  std::unique_ptr<net::HttpServer> server_;
  std::atomic<int> concurrent_{0};
  std::atomic<int> max_concurrent_{0};
  std::atomic<int> requests_{0};
  mutable std::mutex mu_;
  net::Request last_;
};

std::unique_ptr<CurlTransport> MakeTransport(TransportOptions options = {}) {
  options.http2 = false;
  auto made = CurlTransport::Create(options);
  EXPECT_TRUE(made.ok());
  return std::move(made).value();
}

OutboundRequest Get(std::string url) {
  OutboundRequest r;
  r.method = "GET";
  r.url = std::move(url);
  return r;
}

// Polls until `n` results came back or a generous deadline passed.
std::vector<TransportResult> WaitFor(Transport& t, std::size_t n) {
  std::vector<TransportResult> done;
  const auto deadline = std::chrono::steady_clock::now() + 30s;
  while (done.size() < n && std::chrono::steady_clock::now() < deadline) t.Poll(100ms, done);
  return done;
}

TEST(CurlTransportTest, RejectsBadOptionsNamingTheField) {
  TransportOptions o;
  o.max_in_flight = 0;
  auto made = CurlTransport::Create(o);
  ASSERT_FALSE(made.ok());
  EXPECT_EQ(made.error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(made.error().field, "max_in_flight");
  o = {};
  o.request_timeout_ms = 0;
  made = CurlTransport::Create(o);
  ASSERT_FALSE(made.ok());
  EXPECT_EQ(made.error().field, "request_timeout_ms");
  o = {};
  o.max_in_flight = 1;
  o.max_connections_per_host = 1;
  o.connect_timeout_ms = 1;
  o.request_timeout_ms = 1;
  EXPECT_TRUE(CurlTransport::Create(o).ok());
  EXPECT_TRUE(MakeCurlTransport(TransportOptions{}).ok());
}

TEST(CurlTransportTest, PollWhenIdleWaitsForTheGivenTime) {
  // The dispatcher polls an idle transport to wait for its next pacing token.
  auto t = MakeTransport();
  std::vector<TransportResult> done;
  auto start = std::chrono::steady_clock::now();
  t->Poll(50ms, done);
  const auto waited = std::chrono::steady_clock::now() - start;
  EXPECT_GE(waited, 45ms);
  EXPECT_LT(waited, 2s);
  EXPECT_TRUE(done.empty());
  EXPECT_EQ(t->in_flight(), 0);

  start = std::chrono::steady_clock::now();
  t->Poll(0ms, done);
  EXPECT_LT(std::chrono::steady_clock::now() - start, 40ms);
}

TEST(CurlTransportTest, PollReturnsAsSoonAsAResultIsIn) {
  TestServer server;
  auto t = MakeTransport();
  t->Start(5, Get(server.url("/x")));
  std::vector<TransportResult> done;
  const auto start = std::chrono::steady_clock::now();
  for (int i = 0; i < 3 && done.empty(); ++i) t->Poll(10s, done);
  EXPECT_LT(std::chrono::steady_clock::now() - start, 5s);
  ASSERT_EQ(done.size(), 1u);
  EXPECT_EQ(done[0].tag, 5u);
  EXPECT_EQ(done[0].status, 200);
}

TEST(CurlTransportTest, DefaultOptionsWorkOverPlainHttp) {
  // http2 is on by default; over cleartext it must fall back to HTTP/1.1 with keep-alive.
  TestServer server;
  auto made = MakeCurlTransport(TransportOptions{});
  ASSERT_TRUE(made.ok());
  Transport& t = **made;
  for (int i = 0; i < 20; ++i) t.Start(i, Get(server.url("/d?id=" + std::to_string(i))));
  const auto done = WaitFor(t, 20);
  ASSERT_EQ(done.size(), 20u);
  for (const auto& r : done) EXPECT_EQ(r.status, 200);
}

TEST(CurlTransportTest, PostsBodyAndHeadersAndReturnsTheAnswer) {
  TestServer server;
  auto t = MakeTransport();
  OutboundRequest req;
  req.url = server.url("/v25.0/123/messages?id=a&status=201");
  req.headers = {{"Authorization", "Bearer tok"}, {"Content-Type", "application/json"}};
  // Large enough that curl would otherwise ask for 100-continue.
  req.body = R"({"text":")" + std::string(4000, 'x') + R"("})";
  t->Start(42, req);
  EXPECT_EQ(t->in_flight(), 1);
  auto done = WaitFor(*t, 1);
  ASSERT_EQ(done.size(), 1u);
  const TransportResult& r = done[0];
  EXPECT_EQ(r.tag, 42u);
  EXPECT_EQ(r.status, 201);
  EXPECT_EQ(r.body, R"({"id":"a"})");
  EXPECT_TRUE(r.transport_error.empty());
  EXPECT_FALSE(r.timed_out);
  EXPECT_GT(r.elapsed.count(), 0);
  EXPECT_EQ(net::FindHeader(r.headers, "Retry-After"), "7");
  EXPECT_EQ(net::FindHeader(r.headers, "X-Echo-Method"), "POST");
  EXPECT_EQ(net::FindHeader(r.headers, "Content-Type"), "application/json");
  EXPECT_EQ(net::FindHeader(r.headers, "Cache-Control"), std::nullopt);
  EXPECT_EQ(t->in_flight(), 0);

  const net::Request seen = server.last();
  EXPECT_EQ(seen.method, "POST");
  EXPECT_EQ(seen.path, "/v25.0/123/messages");
  EXPECT_EQ(seen.body, req.body);
  EXPECT_EQ(seen.header("Authorization"), "Bearer tok");
  EXPECT_EQ(seen.header("Content-Type"), "application/json");
  EXPECT_EQ(seen.header("Expect"), std::nullopt);
}

TEST(CurlTransportTest, HandlesAreReusedAcrossMethods) {
  TestServer server;
  TransportOptions o;
  o.max_in_flight = 1;
  auto t = MakeTransport(o);
  for (const std::string method : {"POST", "GET", "PUT", "DELETE", "POST", "GET"}) {
    OutboundRequest req;
    req.method = method;
    req.url = server.url("/m?id=" + method);
    if (method != "GET") req.body = "{}";
    t->Start(1, req);
    auto done = WaitFor(*t, 1);
    ASSERT_EQ(done.size(), 1u);
    EXPECT_EQ(done[0].status, 200);
    EXPECT_EQ(net::FindHeader(done[0].headers, "X-Echo-Method"), method);
    EXPECT_EQ(server.last().body, method == "GET" ? "" : "{}") << method;
  }
}

TEST(CurlTransportTest, ManyConcurrentRequestsAllCompleteWithTheirTags) {
  TestServer server;
  TransportOptions o;
  o.max_in_flight = 16;
  auto t = MakeTransport(o);
  constexpr int kRequests = 2000;
  for (int i = 0; i < kRequests; ++i) {
    OutboundRequest req;
    req.url = server.url("/x?id=" + std::to_string(i));
    req.headers = {{"Authorization", i % 2 ? "Bearer a" : "Bearer b"}};
    req.body = "{}";
    t->Start(static_cast<std::uint64_t>(i) + 1000, std::move(req));
  }
  EXPECT_EQ(t->in_flight(), kRequests);
  EXPECT_LE(t->active(), 16);
  const auto done = WaitFor(*t, kRequests);
  ASSERT_EQ(done.size(), static_cast<std::size_t>(kRequests));
  std::set<std::uint64_t> tags;
  for (const auto& r : done) {
    EXPECT_EQ(r.status, 200);
    EXPECT_EQ(r.body, R"({"id":")" + std::to_string(r.tag - 1000) + R"("})");
    tags.insert(r.tag);
  }
  EXPECT_EQ(tags.size(), static_cast<std::size_t>(kRequests));
  EXPECT_EQ(*tags.begin(), 1000u);
  EXPECT_EQ(*tags.rbegin(), 1000u + kRequests - 1);
  EXPECT_EQ(t->in_flight(), 0);
  EXPECT_EQ(server.requests(), kRequests);
}

TEST(CurlTransportTest, InFlightNeverExceedsTheBound) {
  TestServer server(/*threads=*/16);
  TransportOptions o;
  o.max_in_flight = 4;
  auto t = MakeTransport(o);
  constexpr int kRequests = 40;
  for (int i = 0; i < kRequests; ++i) t->Start(i, Get(server.url("/slow?sleep_ms=20")));
  EXPECT_EQ(t->active(), 4);
  EXPECT_EQ(t->in_flight(), kRequests);
  std::vector<TransportResult> done;
  const auto deadline = std::chrono::steady_clock::now() + 30s;
  while (done.size() < kRequests && std::chrono::steady_clock::now() < deadline) {
    t->Poll(50ms, done);
    EXPECT_LE(t->active(), 4);
    EXPECT_EQ(t->in_flight(), kRequests - static_cast<int>(done.size()));
  }
  EXPECT_EQ(done.size(), static_cast<std::size_t>(kRequests));
  EXPECT_LE(server.max_concurrent(), 4);
  EXPECT_GE(server.max_concurrent(), 2);  // requests really did overlap
}

TEST(CurlTransportTest, QueuedRequestsStartInOrder) {
  TestServer server;
  TransportOptions o;
  o.max_in_flight = 1;
  auto t = MakeTransport(o);
  for (int i = 0; i < 10; ++i) t->Start(i, Get(server.url("/q?id=" + std::to_string(i))));
  const auto done = WaitFor(*t, 10);
  ASSERT_EQ(done.size(), 10u);
  for (std::size_t i = 0; i < done.size(); ++i) EXPECT_EQ(done[i].tag, i);
}

TEST(CurlTransportTest, TimeoutIsReportedAsTimedOut) {
  TestServer server;
  TransportOptions o;
  o.request_timeout_ms = 100;
  auto t = MakeTransport(o);
  t->Start(9, Get(server.url("/slow?sleep_ms=1000")));
  t->Start(10, Get(server.url("/fast?id=ok")));
  auto done = WaitFor(*t, 2);
  ASSERT_EQ(done.size(), 2u);
  std::sort(done.begin(), done.end(), [](auto& a, auto& b) { return a.tag < b.tag; });
  EXPECT_EQ(done[0].tag, 9u);
  EXPECT_TRUE(done[0].timed_out);
  EXPECT_EQ(done[0].status, 0);
  EXPECT_FALSE(done[0].transport_error.empty());
  EXPECT_TRUE(done[0].body.empty());
  EXPECT_TRUE(done[0].request_sent) << "the server had the request when the answer timed out";
  EXPECT_GE(done[0].elapsed, 100ms);
  EXPECT_FALSE(done[1].timed_out);
  EXPECT_EQ(done[1].status, 200);
}

TEST(CurlTransportTest, ConnectionRefusedIsATransportError) {
  std::string url;
  {
    TestServer gone;
    url = gone.url("/x");
  }  // the port is closed now
  auto t = MakeTransport();
  t->Start(3, Get(url));
  const auto done = WaitFor(*t, 1);
  ASSERT_EQ(done.size(), 1u);
  EXPECT_EQ(done[0].tag, 3u);
  EXPECT_EQ(done[0].status, 0);
  EXPECT_FALSE(done[0].timed_out);
  EXPECT_FALSE(done[0].request_sent) << "a refused connection proves nothing was sent";
  EXPECT_FALSE(done[0].transport_error.empty());
}

TEST(CurlTransportTest, MalformedUrlIsATransportErrorNotACrash) {
  auto t = MakeTransport();
  t->Start(1, Get("not a url"));
  t->Start(2, Get("ftp://127.0.0.1/x"));  // only http and https are allowed
  const auto done = WaitFor(*t, 2);
  ASSERT_EQ(done.size(), 2u);
  for (const auto& r : done) {
    EXPECT_EQ(r.status, 0);
    EXPECT_FALSE(r.transport_error.empty());
  }
}

TEST(CurlTransportTest, ResponseBodiesAreBounded) {
  TestServer server;
  auto t = MakeTransport();
  t->Start(1, Get(server.url("/big?body_bytes=4194304")));  // exactly the limit
  t->Start(2, Get(server.url("/big?body_bytes=4194305")));
  auto done = WaitFor(*t, 2);
  ASSERT_EQ(done.size(), 2u);
  std::sort(done.begin(), done.end(), [](auto& a, auto& b) { return a.tag < b.tag; });
  EXPECT_EQ(done[0].status, 200);
  EXPECT_EQ(done[0].body.size(), 4194304u);
  EXPECT_EQ(done[1].status, 0);
  EXPECT_TRUE(done[1].body.empty());
  EXPECT_THAT(done[1].transport_error, HasSubstr("too large"));
}

TEST(CurlTransportTest, KeepAliveReusesConnections) {
  TestServer server;
  TransportOptions o;
  o.max_in_flight = 4;
  o.max_connections_per_host = 4;
  auto t = MakeTransport(o);
  constexpr int kRequests = 400;
  for (int round = 0; round < 4; ++round) {  // bursts with idle gaps between them
    for (int i = 0; i < kRequests / 4; ++i) t->Start(i, Get(server.url("/k")));
    ASSERT_EQ(WaitFor(*t, kRequests / 4).size(), static_cast<std::size_t>(kRequests / 4));
  }
  EXPECT_GE(t->connections_opened(), 1u);
  EXPECT_LE(t->connections_opened(), 4u);
}

TEST(CurlTransportTest, OneConnectionPerHostIsRespected) {
  TestServer server;
  TransportOptions o;
  o.max_in_flight = 8;
  o.max_connections_per_host = 1;
  auto t = MakeTransport(o);
  for (int i = 0; i < 50; ++i) t->Start(i, Get(server.url("/k")));
  ASSERT_EQ(WaitFor(*t, 50).size(), 50u);
  EXPECT_EQ(t->connections_opened(), 1u);
  EXPECT_EQ(server.max_concurrent(), 1);
}

TEST(CurlTransportTest, ManyDistinctHeaderSetsStillWork) {
  TestServer server;
  TransportOptions o;
  o.max_in_flight = 300;  // more sets in use at once than the cache holds
  auto t = MakeTransport(o);
  constexpr int kRequests = 600;
  for (int i = 0; i < kRequests; ++i) {
    OutboundRequest req = Get(server.url("/h?id=" + std::to_string(i)));
    req.headers = {{"X-Account", std::to_string(i)}};
    t->Start(i, std::move(req));
  }
  const auto done = WaitFor(*t, kRequests);
  ASSERT_EQ(done.size(), static_cast<std::size_t>(kRequests));
  for (const auto& r : done) EXPECT_EQ(r.status, 200);
}

TEST(CurlTransportTest, DestroyingWithRequestsInFlightIsSafe) {
  TestServer server;
  auto t = MakeTransport();
  for (int i = 0; i < 100; ++i) t->Start(i, Get(server.url("/slow?sleep_ms=5")));
  std::vector<TransportResult> done;
  t->Poll(1ms, done);
  t.reset();
  SUCCEED();
}

}  // namespace
}  // namespace crier::channels
