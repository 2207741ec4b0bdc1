#include "net/server.h"

#include <array>
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

// A streamed request body is handed to its handler at most this much at a time, and a
// streamed response is sent in chunks of about this size: the memory a transfer holds.
constexpr std::size_t kPieceBytes = 64 * 1024;
// How often a blocking thread waiting on the connection checks whether the server stopped.
constexpr auto kHaltPoll = std::chrono::milliseconds(50);
// A request answered before its body was read whole leaves the client sending; reading and
// dropping a little of it before closing lets the client see the answer instead of a reset.
constexpr auto kDrainTime = std::chrono::seconds(1);
constexpr std::size_t kDrainBytes = 4 * 1024 * 1024;

Request ToRequest(const http::request_header<>& in, const std::string& remote) {
  Request out;
  out.method = std::string(in.method_string());
  out.SetTarget(std::string(in.target()));
  out.headers.reserve(8);
  for (const auto& field : in) {
    out.headers.emplace_back(std::string(field.name_string()), std::string(field.value()));
  }
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

Response ErrorResponse(int status, std::string_view code, std::string_view message) {
  return Response::Json(status, std::string(R"({"error":{"code":")") + std::string(code) +
                                    R"(","message":")" + std::string(message) + "\"}}");
}

Response TooLargeResponse(std::uint64_t limit) {
  return ErrorResponse(
      413, "payload_too_large",
      "request body too large: at most " + std::to_string(limit) + " bytes are accepted");
}

bool ExpectsContinue(const http::request_header<>& head) {
  if (head.version() < 11) return false;
  const auto it = head.find(http::field::expect);
  return it != head.end() && beast::iequals(it->value(), "100-continue");
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

class BeastServer;

// The pieces of the connection a blocking thread may use, through the io threads.
struct Connection {
  BeastServer& server;
  beast::tcp_stream& stream;
  beast::flat_buffer& buffer;
};

class BeastServer final : public HttpServer {
 public:
  BeastServer(const ServerOptions& options, Handler handler)
      : options_(options),
        handler_(std::move(handler)),
        acceptor_(asio::make_strand(ioc_)),
        pool_(static_cast<std::size_t>(std::max(1, options.blocking_threads))) {}

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
    asio::co_spawn(acceptor_.get_executor(), Accept(), asio::detached);
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
    // Only now, with no io thread left to touch a buffer a waiting thread owns, release the
    // blocking threads still waiting on a connection; their handlers then fail and return.
    halted_.store(true);
    pool_.join();
  }

  // Starts `start(done)` on `strand` (the connection's) and waits for it to call done(value).
  // Fails with kUnavailable when the server stops first. Called on the blocking threads only.
  template <class T, class Start>
  Result<T> OnIo(const asio::any_io_executor& strand, Start start) {
    auto promise = std::make_shared<std::promise<T>>();
    std::future<T> future = promise->get_future();
    asio::post(strand, [start = std::move(start), promise]() mutable {
      start([promise](T value) { promise->set_value(std::move(value)); });
    });
    while (future.wait_for(kHaltPoll) != std::future_status::ready) {
      if (halted_.load()) return Error{ErrorCode::kUnavailable, "the server is stopping", {}};
    }
    return future.get();
  }

  const ServerOptions& options() const { return options_; }

 private:
  asio::awaitable<void> Accept() {
    while (acceptor_.is_open()) {
      // Each connection on a strand of its own: its stream, timer and the pieces handed to
      // the blocking threads are never touched by two io threads at once.
      auto [ec, socket] =
          co_await acceptor_.async_accept(asio::any_io_executor(asio::make_strand(ioc_)), kTuple);
      if (ec) {
        if (ec == asio::error::operation_aborted || !acceptor_.is_open()) co_return;
        // E.g. EMFILE: keep serving the connections we have, and do not spin on the error.
        asio::steady_timer pause(acceptor_.get_executor(), std::chrono::milliseconds(50));
        co_await pause.async_wait(kTuple);
        continue;
      }
      socket.set_option(tcp::no_delay(true), ec);
      const auto strand = socket.get_executor();
      asio::co_spawn(strand, Session(std::move(socket)), asio::detached);
    }
  }

  // Runs `fn` on a blocking thread; the awaiting coroutine resumes on its strand with the
  // result. Not a coroutine itself: GCC 12 destroys a coroutine parameter moved into a lambda
  // twice.
  template <class T>
  asio::awaitable<T> OnBlockingThread(std::function<T()> fn) {
    return asio::async_initiate<const asio::use_awaitable_t<>, void(T)>(
        [this, fn = std::move(fn)](auto handler) mutable {
          // The io context must not run out of work while the coroutine waits here.
          asio::post(pool_, [this, fn = std::move(fn), handler = std::move(handler),
                             work = asio::make_work_guard(ioc_)]() mutable {
            T result = fn();
            // Resume the coroutine on its own strand.
            const auto resume_on = asio::get_associated_executor(handler, ioc_.get_executor());
            asio::post(resume_on,
                       [handler = std::move(handler), result = std::move(result)]() mutable {
                         std::move(handler)(std::move(result));
                       });
          });
        },
        asio::use_awaitable);
  }

  Response CallHandler(const Request& request) {
    BusyScope busy(busy_);
    try {
      return handler_(request);
    } catch (const std::exception&) {
      return ErrorResponse(500, "internal", "internal error");
    }
  }

  asio::awaitable<bool> WriteWhole(beast::tcp_stream& stream, Response response, unsigned version,
                                   bool keep_alive) {
    auto res = ToBeast(std::move(response), version, keep_alive);
    stream.expires_after(options_.idle_timeout);
    auto [ec, written] = co_await http::async_write(stream, res, kTuple);
    (void)written;
    co_return !ec && keep_alive;
  }

  // Sends the head, then what the producer writes; true when the connection may carry on.
  asio::awaitable<bool> WriteStreamed(Connection connection, Response response, unsigned version,
                                      bool keep_alive, const std::string& target);

  // Closes the sending side and reads (and drops) what the client is still sending, briefly.
  asio::awaitable<void> DrainAndClose(beast::tcp_stream& stream) {
    boost::system::error_code ec;
    stream.socket().shutdown(tcp::socket::shutdown_send, ec);
    stream.expires_after(kDrainTime);
    std::array<char, 16 * 1024> sink;
    std::size_t dropped = 0;
    while (dropped < kDrainBytes) {
      auto [read_ec, n] = co_await stream.async_read_some(asio::buffer(sink), kTuple);
      if (read_ec) break;
      dropped += n;
    }
  }

  asio::awaitable<void> Session(tcp::socket socket);

  ServerOptions options_;
  Handler handler_;
  asio::io_context ioc_;
  tcp::acceptor acceptor_;
  std::vector<std::thread> threads_;
  asio::thread_pool pool_;  // the blocking threads
  std::uint16_t port_ = 0;
  std::atomic<bool> stopped_{false};
  std::atomic<bool> halted_{false};  // io threads gone: waits on connections must give up
  std::atomic<int> busy_{0};         // requests being handled right now
};

// A request body read on demand: each Read parses the next piece into `piece_` on an io
// thread while the handler's thread waits.
class StreamedBody final : public BodyReader {
 public:
  StreamedBody(Connection connection, http::request_parser<http::buffer_body>& parser,
               std::uint64_t limit)
      : c_(connection), parser_(parser), limit_(limit), piece_(kPieceBytes) {}

  Result<std::string_view> Read() override {
    if (failure_) return *failure_;
    while (!parser_.is_done()) {
      struct Outcome {
        boost::system::error_code ec;
        std::size_t bytes = 0;
      };
      auto outcome = c_.server.OnIo<Outcome>(c_.stream.get_executor(), [this](auto done) {
        c_.stream.expires_after(c_.server.options().idle_timeout);
        parser_.get().body().data = piece_.data();
        parser_.get().body().size = piece_.size();
        http::async_read_some(c_.stream, c_.buffer, parser_,
                              [this, done](boost::system::error_code ec, std::size_t) {
                                done(Outcome{ec, piece_.size() - parser_.get().body().size});
                              });
      });
      if (!outcome.ok()) return Fail(outcome.error());
      boost::system::error_code ec = outcome->ec;
      if (ec == http::error::need_buffer) ec = {};  // the piece is full
      if (ec) return Fail(Describe(ec));
      if (outcome->bytes > 0) return std::string_view(piece_.data(), outcome->bytes);
      // Only framing was read (a chunk header): read on.
    }
    return std::string_view();
  }

  bool too_large() const override { return too_large_; }
  bool complete() const { return parser_.is_done() && !failure_; }

 private:
  Error Describe(const boost::system::error_code& ec) {
    if (ec == http::error::body_limit) {
      too_large_ = true;
      return InvalidArgument(
          "body", "is too large: at most " + std::to_string(limit_) + " bytes are accepted");
    }
    if (ec == beast::error::timeout) {
      return Error{ErrorCode::kUnavailable,
                   "the client sent nothing for " +
                       std::to_string(c_.server.options().idle_timeout.count()) +
                       " ms in the middle of the request body",
                   "body"};
    }
    if (ec == http::error::partial_message || ec == http::error::end_of_stream ||
        ec == asio::error::eof || ec == asio::error::connection_reset) {
      return InvalidArgument("body", "is cut short: the connection closed before its end");
    }
    return InvalidArgument("body", "is malformed: " + ec.message());
  }

  Error Fail(Error error) {
    failure_ = error;
    return error;
  }

  Connection c_;
  http::request_parser<http::buffer_body>& parser_;
  std::uint64_t limit_;
  std::vector<char> piece_;
  std::optional<Error> failure_;
  bool too_large_ = false;
};

// A response body sent as it is produced: writes are gathered into one buffer, sent as one
// chunk when full, so the producer's thread waits only for a full buffer to leave.
class StreamedResponse final : public BodyWriter {
 public:
  StreamedResponse(Connection connection, bool chunked) : c_(connection), chunked_(chunked) {
    buffer_.reserve(kPieceBytes);
  }

  Status Write(std::string_view bytes) override {
    if (failure_) return *failure_;
    while (!bytes.empty()) {
      const std::size_t n = std::min(bytes.size(), kPieceBytes - buffer_.size());
      buffer_.append(bytes.data(), n);
      bytes.remove_prefix(n);
      if (buffer_.size() == kPieceBytes) CRIER_RETURN_IF_ERROR(Flush());
    }
    return Status::Ok();
  }

  // Sends what is buffered.
  Status Flush() {
    if (failure_) return *failure_;
    if (buffer_.empty()) return Status::Ok();
    auto sent =
        c_.server.OnIo<boost::system::error_code>(c_.stream.get_executor(), [this](auto done) {
          c_.stream.expires_after(c_.server.options().idle_timeout);
          auto on_written = [done](boost::system::error_code ec, std::size_t) { done(ec); };
          if (chunked_) {
            asio::async_write(c_.stream, http::make_chunk(asio::buffer(buffer_)), on_written);
          } else {
            asio::async_write(c_.stream, asio::buffer(buffer_), on_written);
          }
        });
    if (!sent.ok()) return Fail(sent.error());
    if (*sent) {
      return Fail(Error{ErrorCode::kUnavailable,
                        "the client stopped taking the response: " + sent->message(),
                        {}});
    }
    buffer_.clear();
    return Status::Ok();
  }

 private:
  Status Fail(Error error) {
    failure_ = error;
    return error;
  }

  Connection c_;
  bool chunked_;
  std::string buffer_;
  std::optional<Error> failure_;
};

asio::awaitable<bool> BeastServer::WriteStreamed(Connection connection, Response response,
                                                 unsigned version, bool keep_alive,
                                                 const std::string& target) {
  // HTTP/1.0 has no chunked encoding: the end of the body is the end of the connection.
  const bool chunked = version >= 11;
  if (!chunked) keep_alive = false;
  http::response<http::empty_body> head{static_cast<http::status>(response.status), version};
  head.set(http::field::server, "crier");
  head.set(http::field::content_type, response.content_type);
  for (auto& [k, v] : response.headers) head.set(k, v);
  head.keep_alive(keep_alive);
  if (chunked) head.chunked(true);
  http::response_serializer<http::empty_body> serializer{head};
  connection.stream.expires_after(options_.idle_timeout);
  auto [head_ec, head_n] = co_await http::async_write_header(connection.stream, serializer, kTuple);
  (void)head_n;
  if (head_ec) co_return false;

  // Locals, not the parameters, are what the lambda below refers to: GCC 12 may bind a
  // lambda in a coroutine to a parameter's original rather than to its copy in the frame.
  BodyProducer produce = std::move(response.stream);
  const Connection here = connection;
  const std::string where = target;
  const Status produced = co_await OnBlockingThread<Status>([&]() -> Status {
    BusyScope busy(busy_);
    StreamedResponse out(here, chunked);
    Status status;
    try {
      status = produce(out);
    } catch (const std::exception& e) {
      status = Internal(std::string("the response producer failed: ") + e.what());
    }
    if (status.ok()) status = out.Flush();
    if (!status.ok() && options_.stream_failed) options_.stream_failed(where, status.error());
    return status;
  });
  // A failed producer leaves the body without its last chunk: the client must not mistake
  // what it got for the whole.
  if (!produced.ok()) co_return false;
  if (!chunked) co_return false;
  connection.stream.expires_after(options_.idle_timeout);
  auto [last_ec, last_n] =
      co_await asio::async_write(connection.stream, http::make_chunk_last(), kTuple);
  (void)last_n;
  co_return !last_ec && keep_alive;
}

asio::awaitable<void> BeastServer::Session(tcp::socket socket) {
  boost::system::error_code ec;
  const auto peer = socket.remote_endpoint(ec);
  const std::string remote = ec ? std::string() : peer.address().to_string();
  beast::tcp_stream stream(std::move(socket));
  beast::flat_buffer buffer;
  const Connection connection{*this, stream, buffer};
  for (;;) {
    stream.expires_after(options_.idle_timeout);
    http::request_parser<http::empty_body> head_parser;
    // The limit may depend on the route: it is applied once admission has said.
    head_parser.body_limit(boost::none);
    auto [head_ec, head_n] = co_await http::async_read_header(stream, buffer, head_parser, kTuple);
    (void)head_n;
    if (head_ec) break;  // closed, timed out or malformed: nothing useful to answer
    const http::request<http::empty_body>& head = head_parser.get();
    const unsigned version = head.version();
    bool keep_alive = head.keep_alive();
    Request request = ToRequest(head, remote);

    AdmitDecision decision;
    if (options_.admit) {
      BusyScope busy(busy_);
      try {
        decision = options_.admit(request);
      } catch (const std::exception&) {
        decision.refusal = ErrorResponse(500, "internal", "internal error");
      }
    }
    if (decision.refusal) {
      // The body was not read, so the connection cannot carry another request.
      co_await WriteWhole(stream, std::move(*decision.refusal), version, false);
      co_await DrainAndClose(stream);
      break;
    }
    const std::uint64_t limit = decision.body_limit.value_or(options_.body_limit);
    if (const auto length = head_parser.content_length(); length && *length > limit) {
      // Content-Length says it is too large: refused before a byte of the body is read.
      co_await WriteWhole(stream, TooLargeResponse(limit), version, false);
      co_await DrainAndClose(stream);
      break;
    }
    head_parser.body_limit(limit);  // counts down as a chunked body arrives
    if (ExpectsContinue(head)) {
      http::response<http::empty_body> go_on{http::status::continue_, version};
      stream.expires_after(options_.idle_timeout);
      auto [continue_ec, continue_n] = co_await http::async_write(stream, go_on, kTuple);
      (void)continue_n;
      if (continue_ec) break;
    }

    Response response;
    bool body_unread = false;
    if (decision.stream_body) {
      http::request_parser<http::buffer_body> parser(std::move(head_parser));
      // Beast reads as much as the buffer has room for; drained piece by piece, it would
      // never grow past its first few hundred bytes, and a body would come in pieces that
      // small.
      buffer.reserve(kPieceBytes);
      StreamedBody body(connection, parser, limit);
      request.body_reader = &body;
      response =
          co_await OnBlockingThread<Response>([this, &request] { return CallHandler(request); });
      request.body_reader = nullptr;
      // What the handler did not read is still on the wire: the connection is done.
      body_unread = !body.complete();
    } else {
      http::request_parser<http::string_body> parser(std::move(head_parser));
      auto [read_ec, n] = co_await http::async_read(stream, buffer, parser, kTuple);
      (void)n;
      if (read_ec == http::error::body_limit) {
        co_await WriteWhole(stream, TooLargeResponse(limit), version, false);
        co_await DrainAndClose(stream);
        break;
      }
      if (read_ec) break;
      request.body = std::move(parser.get().body());
      response = CallHandler(request);
    }
    if (body_unread) keep_alive = false;

    if (response.delay_ms > 0) {
      // Held on a timer, not a thread: an injected latency costs the server nothing.
      asio::steady_timer hold(stream.get_executor(), std::chrono::milliseconds(response.delay_ms));
      co_await hold.async_wait(kTuple);
    }
    if (response.close_without_answer) break;

    bool carry_on = false;
    if (response.stream) {
      carry_on = co_await WriteStreamed(connection, std::move(response), version, keep_alive,
                                        request.target);
    } else {
      carry_on = co_await WriteWhole(stream, std::move(response), version, keep_alive);
    }
    if (body_unread) {
      co_await DrainAndClose(stream);
      break;
    }
    if (!carry_on) break;
  }
  stream.socket().shutdown(tcp::socket::shutdown_send, ec);
}

}  // namespace

Result<std::unique_ptr<HttpServer>> HttpServer::Create(const ServerOptions& options,
                                                       Handler handler) {
  auto server = std::make_unique<BeastServer>(options, std::move(handler));
  CRIER_RETURN_IF_ERROR(server->Listen());
  return std::unique_ptr<HttpServer>(std::move(server));
}

}  // namespace crier::net
