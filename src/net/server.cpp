#include "net/server.h"

#include <atomic>
#include <boost/asio.hpp>
#include <boost/asio/as_tuple.hpp>
#include <boost/beast.hpp>
#include <boost/url.hpp>
#include <future>
#include <thread>
#include <vector>

namespace crier::net {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;
constexpr auto kTuple = asio::as_tuple(asio::use_awaitable);

Request ToRequest(http::request<http::string_body>&& in, const std::string& remote) {
  Request out;
  out.method = std::string(in.method_string());
  out.SetTarget(std::string(in.target()));
  out.headers.reserve(8);
  for (const auto& field : in) {
    out.headers.emplace_back(std::string(field.name_string()), std::string(field.value()));
  }
  out.body = std::move(in.body());
  out.remote_address = remote;
  return out;
}

http::response<http::string_body> ToBeast(Response&& r, unsigned version, bool keep_alive) {
  http::response<http::string_body> res{static_cast<http::status>(r.status), version};
  res.set(http::field::server, "crier");
  res.set(http::field::content_type, r.content_type);
  for (auto& [k, v] : r.headers) res.set(k, v);
  res.body() = std::move(r.body);
  res.keep_alive(keep_alive);
  res.prepare_payload();
  return res;
}

Response ErrorResponse(int status, std::string_view message) {
  return Response::Json(status, std::string(R"({"error":{"code":"invalid_request","message":")") +
                                    std::string(message) + "\"}}");
}

// Counts a request as being handled for as long as it lives.
class BusyScope {
 public:
  explicit BusyScope(std::atomic<int>& n) : n_(n) { ++n_; }
  ~BusyScope() { --n_; }
  BusyScope(const BusyScope&) = delete;
  BusyScope& operator=(const BusyScope&) = delete;

 private:
  std::atomic<int>& n_;
};

class BeastServer final : public HttpServer {
 public:
  BeastServer(const ServerOptions& options, Handler handler)
      : options_(options), handler_(std::move(handler)), acceptor_(ioc_) {}

  ~BeastServer() override { Stop(); }

  Status Listen() {
    boost::system::error_code ec;
    const auto address = asio::ip::make_address(options_.host, ec);
    if (ec) return InvalidArgument("host", "not an IP address: " + options_.host);
    const tcp::endpoint endpoint(address, options_.port);
    acceptor_.open(endpoint.protocol(), ec);
    if (!ec) acceptor_.set_option(asio::socket_base::reuse_address(true), ec);
    if (!ec) acceptor_.bind(endpoint, ec);
    if (!ec) acceptor_.listen(asio::socket_base::max_listen_connections, ec);
    if (ec) {
      return Error{ErrorCode::kUnavailable,
                   "cannot listen on " + options_.host + ":" + std::to_string(options_.port) +
                       ": " + ec.message(),
                   "port"};
    }
    port_ = acceptor_.local_endpoint().port();
    return Status::Ok();
  }

  std::uint16_t port() const override { return port_; }

  void Start() override {
    asio::co_spawn(ioc_, Accept(), asio::detached);
    const int n = std::max(1, options_.threads);
    for (int i = 0; i < n; ++i) threads_.emplace_back([this] { ioc_.run(); });
  }

  void Stop() override {
    if (stopped_.exchange(true)) return;
    // Close the acceptor on its own executor (the Accept coroutine uses it there), then let
    // requests being handled finish and answer, within the grace period, before stopping.
    std::promise<void> closed;
    asio::post(acceptor_.get_executor(), [this, &closed] {
      boost::system::error_code ignored;
      acceptor_.close(ignored);
      closed.set_value();
    });
    if (!threads_.empty()) closed.get_future().wait();
    const auto deadline =
        std::chrono::steady_clock::now() + std::chrono::milliseconds(options_.stop_grace_ms);
    while (busy_.load() > 0 && std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    ioc_.stop();
    for (auto& t : threads_) {
      if (t.joinable()) t.join();
    }
  }

 private:
  asio::awaitable<void> Accept() {
    while (acceptor_.is_open()) {
      auto [ec, socket] = co_await acceptor_.async_accept(kTuple);
      if (ec) {
        if (ec == asio::error::operation_aborted || !acceptor_.is_open()) co_return;
        // E.g. EMFILE: keep serving the connections we have, and do not spin on the error.
        asio::steady_timer pause(acceptor_.get_executor(), std::chrono::milliseconds(50));
        co_await pause.async_wait(kTuple);
        continue;
      }
      socket.set_option(tcp::no_delay(true), ec);
      asio::co_spawn(acceptor_.get_executor(), Session(std::move(socket)), asio::detached);
    }
  }

  asio::awaitable<void> Session(tcp::socket socket) {
    boost::system::error_code ec;
    const auto peer = socket.remote_endpoint(ec);
    const std::string remote = ec ? std::string() : peer.address().to_string();
    beast::tcp_stream stream(std::move(socket));
    beast::flat_buffer buffer;
    for (;;) {
      stream.expires_after(std::chrono::seconds(options_.idle_timeout_seconds));
      http::request_parser<http::string_body> parser;
      parser.body_limit(options_.body_limit);
      auto [head_ec, head_n] = co_await http::async_read_header(stream, buffer, parser, kTuple);
      (void)head_n;
      if (head_ec) break;
      if (options_.admit) {
        std::optional<Response> refused;
        {
          BusyScope busy(busy_);
          try {
            refused =
                options_.admit(ToRequest(http::request<http::string_body>(parser.get()), remote));
          } catch (const std::exception&) {
            refused = ErrorResponse(500, "internal error");
          }
        }
        if (refused) {
          // The body was not read, so the connection cannot carry another request.
          auto res = ToBeast(std::move(*refused), parser.get().version(), false);
          co_await http::async_write(stream, res, kTuple);
          break;
        }
      }
      auto [read_ec, n] = co_await http::async_read(stream, buffer, parser, kTuple);
      (void)n;
      if (read_ec == http::error::body_limit) {
        auto res = ToBeast(ErrorResponse(413, "request body too large"), 11, false);
        co_await http::async_write(stream, res, kTuple);
        break;
      }
      if (read_ec) break;  // closed, timed out or malformed: nothing useful to answer
      auto beast_req = parser.release();
      const unsigned version = beast_req.version();
      const bool keep_alive = beast_req.keep_alive();
      Response response;
      {
        BusyScope busy(busy_);
        try {
          response = handler_(ToRequest(std::move(beast_req), remote));
        } catch (const std::exception& e) {
          response = ErrorResponse(500, "internal error");
        }
      }
      if (response.delay_ms > 0) {
        asio::steady_timer hold(stream.get_executor(),
                                std::chrono::milliseconds(response.delay_ms));
        co_await hold.async_wait(kTuple);
      }
      if (response.close_without_answer) break;
      auto res = ToBeast(std::move(response), version, keep_alive);
      stream.expires_after(std::chrono::seconds(options_.idle_timeout_seconds));
      auto [write_ec, written] = co_await http::async_write(stream, res, kTuple);
      (void)written;
      if (write_ec || !keep_alive) break;
    }
    stream.socket().shutdown(tcp::socket::shutdown_send, ec);
  }

  ServerOptions options_;
  Handler handler_;
  asio::io_context ioc_;
  tcp::acceptor acceptor_;
  std::vector<std::thread> threads_;
  std::uint16_t port_ = 0;
  std::atomic<bool> stopped_{false};
  std::atomic<int> busy_{0};  // requests being handled right now
};

}  // namespace

Result<std::unique_ptr<HttpServer>> HttpServer::Create(const ServerOptions& options,
                                                       Handler handler) {
  auto server = std::make_unique<BeastServer>(options, std::move(handler));
  CRIER_RETURN_IF_ERROR(server->Listen());
  return std::unique_ptr<HttpServer>(std::move(server));
}

}  // namespace crier::net
