// The HTTP server over real sockets: streamed request bodies (both framings, split anywhere,
// too large, cut short, stalled), streamed responses, and the plain buffered path.
#include "net/server.h"

#include <gtest/gtest.h>

#include <atomic>
#include <boost/asio.hpp>
#include <boost/beast.hpp>
#include <condition_variable>
#include <mutex>
#include <sstream>

namespace crier::net {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

// What a streaming handler saw of one request body.
struct Seen {
  std::string body;
  int pieces = 0;
  std::optional<Error> error;
  bool too_large = false;
};

// A blocking client over a plain socket, so that tests choose exactly which bytes go out and
// when.
class RawClient {
 public:
  explicit RawClient(std::uint16_t port) {
    socket_.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), port));
    socket_.set_option(tcp::no_delay(true));
  }
  void Send(std::string_view bytes) { asio::write(socket_, asio::buffer(bytes)); }
  void CloseSend() { socket_.shutdown(tcp::socket::shutdown_send); }

  http::response<http::string_body> Read(boost::system::error_code& ec) {
    http::response<http::string_body> res;
    http::read(socket_, buffer_, res, ec);
    return res;
  }
  http::response<http::string_body> Read() {
    boost::system::error_code ec;
    auto res = Read(ec);
    EXPECT_FALSE(ec) << ec.message();
    return res;
  }
  // Reads raw bytes up to and including the first blank line (an interim response's head).
  // Call it before any Read, which may buffer past the head.
  std::string ReadHead() {
    std::string head;
    while (!head.ends_with("\r\n\r\n")) {
      char c = 0;
      asio::read(socket_, asio::buffer(&c, 1));
      head += c;
    }
    return head;
  }

 private:
  asio::io_context ioc_;
  tcp::socket socket_{ioc_};
  beast::flat_buffer buffer_;
};

std::string Head(std::string_view extra_headers) {
  return "POST /upload HTTP/1.1\r\nHost: test\r\n" + std::string(extra_headers) + "\r\n";
}

std::string Chunk(std::string_view data) {
  std::ostringstream size;
  size << std::hex << data.size();
  return size.str() + "\r\n" + std::string(data) + "\r\n";
}

class ServerTest : public ::testing::Test {
 protected:
  void TearDown() override {
    if (server_) server_->Stop();
  }

  // A server that streams the body of every POST to /upload and echoes what it read.
  void StartStreaming(ServerOptions options = {}) {
    options.admit = [](const Request& head) {
      AdmitDecision decision;
      decision.stream_body = head.path == "/upload";
      return decision;
    };
    Start(std::move(options), [this](const Request& r) { return Handle(r); });
  }

  void Start(ServerOptions options, Handler handler) {
    auto server = HttpServer::Create(options, std::move(handler));
    ASSERT_TRUE(server.ok()) << server.error().ToString();
    server_ = std::move(*server);
    server_->Start();
  }

  Response Handle(const Request& r) {
    Seen seen;
    if (r.body_reader == nullptr) {
      seen.body = r.body;
    } else {
      for (;;) {
        auto piece = r.body_reader->Read();
        if (!piece.ok()) {
          seen.error = piece.error();
          seen.too_large = r.body_reader->too_large();
          break;
        }
        if (piece->empty()) break;
        seen.body.append(*piece);
        ++seen.pieces;
        std::lock_guard lock(mu_);
        ++pieces_read_;
        seen_cv_.notify_all();
      }
    }
    Response response = Response::Text(200, seen.body);
    if (seen.error) response = Response::Text(seen.too_large ? 413 : 400, seen.error->message);
    std::lock_guard lock(mu_);
    seen_.push_back(std::move(seen));
    seen_cv_.notify_all();
    return response;
  }

  // Waits (up to a generous bound) until the handler has seen `n` requests.
  std::vector<Seen> SeenAtLeast(std::size_t n) {
    std::unique_lock lock(mu_);
    seen_cv_.wait_for(lock, std::chrono::seconds(20), [&] { return seen_.size() >= n; });
    return seen_;
  }

  // Waits (up to a generous bound) until handlers have read `n` pieces in all.
  void PiecesRead(int n) {
    std::unique_lock lock(mu_);
    seen_cv_.wait_for(lock, std::chrono::seconds(20), [&] { return pieces_read_ >= n; });
  }

  std::uint16_t port() const { return server_->port(); }

  std::unique_ptr<HttpServer> server_;
  std::mutex mu_;
  std::condition_variable seen_cv_;
  std::vector<Seen> seen_;
  int pieces_read_ = 0;
};

constexpr std::string_view kBody = "line one\nline two, \"quoted\"\r\nline three without end";

TEST_F(ServerTest, ContentLengthBodySplitAtEveryByteArrivesWhole) {
  StartStreaming();
  RawClient client(port());
  for (std::size_t k = 0; k <= kBody.size(); ++k) {
    client.Send(Head("Content-Length: " + std::to_string(kBody.size()) + "\r\n"));
    client.Send(kBody.substr(0, k));
    client.Send(kBody.substr(k));
    const auto res = client.Read();
    EXPECT_EQ(res.result_int(), 200) << "split at " << k;
    EXPECT_EQ(res.body(), kBody) << "split at " << k;
    EXPECT_TRUE(res.keep_alive()) << "the body was read whole, so the connection carries on";
  }
  EXPECT_EQ(SeenAtLeast(kBody.size() + 1).size(), kBody.size() + 1);
}

TEST_F(ServerTest, ChunkedBodySplitAtEveryByteArrivesWhole) {
  StartStreaming();
  RawClient client(port());
  for (std::size_t k = 1; k < kBody.size(); ++k) {
    // Two chunks meeting at byte k, and the encoded message itself cut at byte k too.
    const std::string message = Head("Transfer-Encoding: chunked\r\n") + Chunk(kBody.substr(0, k)) +
                                Chunk(kBody.substr(k)) + "0\r\n\r\n";
    const std::size_t cut = std::min(message.size(), k + Head("").size());
    client.Send(std::string_view(message).substr(0, cut));
    client.Send(std::string_view(message).substr(cut));
    const auto res = client.Read();
    EXPECT_EQ(res.result_int(), 200) << "split at " << k;
    EXPECT_EQ(res.body(), kBody) << "split at " << k;
  }
}

TEST_F(ServerTest, LargeBodyIsHandedOverInBoundedPieces) {
  StartStreaming();
  std::string body;
  for (int i = 0; body.size() < 1'000'000; ++i) body += "row " + std::to_string(i) + "\n";
  RawClient client(port());
  client.Send(Head("Content-Length: " + std::to_string(body.size()) + "\r\n"));
  client.Send(body);
  const auto res = client.Read();
  ASSERT_EQ(res.result_int(), 200);
  EXPECT_EQ(res.body(), body);
  const std::vector<Seen> seen = SeenAtLeast(1);
  ASSERT_EQ(seen.size(), 1u);
  // At most 64 KiB per piece: a megabyte cannot come in fewer than 16.
  EXPECT_GE(seen[0].pieces, 16);
}

TEST_F(ServerTest, ContentLengthAboveTheLimitIsRefusedBeforeTheHandler) {
  StartStreaming({.body_limit = 100});
  RawClient client(port());
  client.Send(Head("Content-Length: 101\r\n"));
  const auto res = client.Read();
  EXPECT_EQ(res.result_int(), 413);
  EXPECT_NE(res.body().find("at most 100 bytes"), std::string::npos) << res.body();
  EXPECT_FALSE(res.keep_alive());
  std::lock_guard lock(mu_);
  EXPECT_TRUE(seen_.empty());
}

TEST_F(ServerTest, ContentLengthAtTheLimitIsRead) {
  StartStreaming({.body_limit = 100});
  RawClient client(port());
  const std::string body(100, 'x');
  client.Send(Head("Content-Length: 100\r\n") + body);
  const auto res = client.Read();
  EXPECT_EQ(res.result_int(), 200);
  EXPECT_EQ(res.body(), body);
}

TEST_F(ServerTest, AdmissionMaySetARequestsOwnLimit) {
  ServerOptions options{.body_limit = 100};
  options.admit = [](const Request& head) {
    AdmitDecision decision;
    decision.stream_body = head.path == "/upload";
    if (decision.stream_body) decision.body_limit = 200;
    return decision;
  };
  Start(options, [this](const Request& r) { return Handle(r); });
  RawClient client(port());
  client.Send(Head("Content-Length: 200\r\n") + std::string(200, 'x'));
  EXPECT_EQ(client.Read().result_int(), 200) << "the route's own limit";
  RawClient other(port());
  other.Send("POST /elsewhere HTTP/1.1\r\nHost: test\r\nContent-Length: 101\r\n\r\n");
  EXPECT_EQ(other.Read().result_int(), 413) << "the server's limit";
  RawClient over(port());
  over.Send(Head("Transfer-Encoding: chunked\r\n") + Chunk(std::string(201, 'x')) + "0\r\n\r\n");
  EXPECT_EQ(over.Read().result_int(), 413);
}

TEST_F(ServerTest, ChunkedBodyPassingTheLimitFailsTheReader) {
  StartStreaming({.body_limit = 100});
  RawClient client(port());
  // 100 bytes are fine; the 101st is not.
  client.Send(Head("Transfer-Encoding: chunked\r\n") + Chunk(std::string(60, 'a')) +
              Chunk(std::string(40, 'b')) + "0\r\n\r\n");
  EXPECT_EQ(client.Read().result_int(), 200);
  client.Send(Head("Transfer-Encoding: chunked\r\n") + Chunk(std::string(60, 'a')) +
              Chunk(std::string(41, 'b')) + "0\r\n\r\n");
  const auto res = client.Read();
  EXPECT_EQ(res.result_int(), 413);
  EXPECT_FALSE(res.keep_alive());
  const std::vector<Seen> seen = SeenAtLeast(2);
  ASSERT_EQ(seen.size(), 2u);
  EXPECT_FALSE(seen[0].error.has_value());
  ASSERT_TRUE(seen[1].error.has_value());
  EXPECT_TRUE(seen[1].too_large);
  EXPECT_EQ(seen[1].error->field, "body");
}

TEST_F(ServerTest, BodyCutShortFailsTheReader) {
  StartStreaming();
  RawClient client(port());
  client.Send(Head("Content-Length: 100\r\n") + std::string(50, 'x'));
  client.CloseSend();
  const std::vector<Seen> seen = SeenAtLeast(1);
  ASSERT_EQ(seen.size(), 1u);
  ASSERT_TRUE(seen[0].error.has_value());
  EXPECT_EQ(seen[0].error->code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(seen[0].error->field, "body");
  EXPECT_FALSE(seen[0].too_large);
  EXPECT_EQ(seen[0].body, std::string(50, 'x')) << "what did arrive was handed over";
}

TEST_F(ServerTest, ClientThatStopsSendingTimesOut) {
  StartStreaming({.idle_timeout = std::chrono::milliseconds(200)});
  RawClient client(port());
  client.Send(Head("Transfer-Encoding: chunked\r\n") + Chunk("partial"));
  const std::vector<Seen> seen = SeenAtLeast(1);
  ASSERT_EQ(seen.size(), 1u);
  ASSERT_TRUE(seen[0].error.has_value());
  EXPECT_EQ(seen[0].error->code, ErrorCode::kUnavailable);
  EXPECT_EQ(seen[0].body, "partial");
}

TEST_F(ServerTest, ExpectContinueGetsAnInterimAnswerBeforeTheBody) {
  StartStreaming();
  RawClient client(port());
  client.Send(Head("Content-Length: 5\r\nExpect: 100-continue\r\n"));
  EXPECT_EQ(client.ReadHead().rfind("HTTP/1.1 100 Continue\r\n", 0), 0u);
  client.Send("hello");
  const auto res = client.Read();
  EXPECT_EQ(res.result_int(), 200);
  EXPECT_EQ(res.body(), "hello");
}

TEST_F(ServerTest, UnreadBodyClosesTheConnectionAfterTheAnswer) {
  ServerOptions options;
  options.admit = [](const Request&) { return AdmitDecision{std::nullopt, true}; };
  Start(options, [](const Request&) { return Response::Text(400, "refused unread"); });
  RawClient client(port());
  client.Send(Head("Content-Length: 1000\r\n") + std::string(1000, 'x'));
  const auto res = client.Read();
  EXPECT_EQ(res.result_int(), 400);
  EXPECT_FALSE(res.keep_alive());
}

TEST_F(ServerTest, RefusalAtAdmissionSkipsTheHandler) {
  ServerOptions options;
  options.admit = [](const Request&) {
    return AdmitDecision{Response::Json(401, R"({"error":"no"})"), false};
  };
  std::atomic<bool> handled = false;
  Start(options, [&handled](const Request&) {
    handled = true;
    return Response::Text(200, "");
  });
  RawClient client(port());
  client.Send(Head("Content-Length: 3\r\n") + "abc");
  EXPECT_EQ(client.Read().result_int(), 401);
  EXPECT_FALSE(handled);
}

TEST_F(ServerTest, BufferedBodiesStillWorkWithoutAdmission) {
  Start({}, [](const Request& r) {
    EXPECT_EQ(r.body_reader, nullptr);
    return Response::Text(200, r.body);
  });
  RawClient client(port());
  client.Send(Head("Transfer-Encoding: chunked\r\n") + Chunk("ab") + Chunk("cd") + "0\r\n\r\n");
  const auto res = client.Read();
  EXPECT_EQ(res.body(), "abcd");
}

// ---- streamed responses -------------------------------------------------------------------

Response Produced(int pieces, std::size_t piece_size, bool fail_at_end = false) {
  Response r = Response::Text(200, "ignored");
  r.stream = [=](BodyWriter& out) -> Status {
    for (int i = 0; i < pieces; ++i) {
      CRIER_RETURN_IF_ERROR(out.Write(std::string(piece_size, static_cast<char>('a' + i % 26))));
    }
    if (fail_at_end) return Internal("the store went away");
    return Status::Ok();
  };
  return r;
}

std::string Expected(int pieces, std::size_t piece_size) {
  std::string out;
  for (int i = 0; i < pieces; ++i) out += std::string(piece_size, static_cast<char>('a' + i % 26));
  return out;
}

TEST_F(ServerTest, StreamedResponseArrivesChunkedAndWhole) {
  Start({}, [](const Request&) { return Produced(3000, 100); });
  RawClient client(port());
  for (int i = 0; i < 2; ++i) {  // and the connection carries on after it
    client.Send("GET /export HTTP/1.1\r\nHost: test\r\n\r\n");
    const auto res = client.Read();
    EXPECT_EQ(res.result_int(), 200);
    EXPECT_TRUE(res.chunked());
    EXPECT_EQ(res.body(), Expected(3000, 100));
  }
}

TEST_F(ServerTest, EmptyStreamedResponseIsAnEmptyBody) {
  Start({}, [](const Request&) { return Produced(0, 0); });
  RawClient client(port());
  client.Send("GET /export HTTP/1.1\r\nHost: test\r\n\r\n");
  const auto res = client.Read();
  EXPECT_EQ(res.result_int(), 200);
  EXPECT_EQ(res.body(), "");
}

TEST_F(ServerTest, StreamedResponseToHttp10EndsWithTheConnection) {
  Start({}, [](const Request&) { return Produced(100, 1000); });
  RawClient client(port());
  client.Send("GET /export HTTP/1.0\r\n\r\n");
  boost::system::error_code ec;
  const auto res = client.Read(ec);
  EXPECT_FALSE(ec) << ec.message();
  EXPECT_FALSE(res.chunked());
  EXPECT_EQ(res.body(), Expected(100, 1000));
}

TEST_F(ServerTest, FailedProducerCutsTheResponseShort) {
  Start({}, [](const Request&) { return Produced(1000, 100, /*fail_at_end=*/true); });
  RawClient client(port());
  client.Send("GET /export HTTP/1.1\r\nHost: test\r\n\r\n");
  boost::system::error_code ec;
  client.Read(ec);
  EXPECT_TRUE(ec == http::error::partial_message || ec == http::error::end_of_stream)
      << "a complete-looking body would hide the failure: " << ec.message();
}

TEST_F(ServerTest, StopReleasesAHandlerWaitingForBody) {
  StartStreaming({.stop_grace_ms = 50});
  RawClient client(port());
  client.Send(Head("Transfer-Encoding: chunked\r\n") + Chunk("part"));
  PiecesRead(1);  // the handler now waits for more
  server_->Stop();
  const std::vector<Seen> seen = SeenAtLeast(1);
  ASSERT_EQ(seen.size(), 1u);
  ASSERT_TRUE(seen[0].error.has_value());
  EXPECT_EQ(seen[0].error->code, ErrorCode::kUnavailable);
}

}  // namespace
}  // namespace crier::net
