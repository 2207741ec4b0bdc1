// HttpServer: a small multi-threaded HTTP/1.1 server (Boost.Beast, Asio coroutines) with
// keep-alive, a body size limit and idle timeouts. The handler is called synchronously and must
// be thread-safe.
//
// Two kinds of work never run on the server's own threads, since they last as long as a
// transfer: handlers of requests admitted with stream_body (they read the body as it
// arrives) and producers of streamed responses (Response::stream). Those run on a separate
// pool of blocking threads, and reach the connection through the io threads, one piece at a
// time: nothing is read before the handler asks for it and nothing more is produced before
// the client takes what was written, so memory stays bounded whatever the size of the
// transfer.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "core/result.h"
#include "net/http.h"

namespace crier::net {

using Handler = std::function<Response(const Request&)>;

// Sees a request's line and headers before its body is read (Request::body is empty).
using Admission = std::function<AdmitDecision(const Request& head)>;

struct ServerOptions {
  std::string host = "127.0.0.1";
  std::uint16_t port = 0;  // 0 picks a free port; see HttpServer::port()
  int threads = 2;
  // Threads for streamed request handlers and streamed response producers; a request beyond
  // this many at once waits for one to be free.
  int blocking_threads = 4;
  // Larger bodies are refused with 413: at once when Content-Length says so, otherwise when
  // the limit is passed (a streamed body's reader then fails). Admission may set another
  // limit for a request (AdmitDecision::body_limit).
  std::uint64_t body_limit = 256 * 1024 * 1024;
  // A connection on which nothing moves (no request, no body bytes, the client not reading
  // the response) for this long is closed.
  std::chrono::milliseconds idle_timeout{75000};
  // How long Stop() lets requests being handled finish before closing their connections.
  int stop_grace_ms = 5000;
  Admission admit;  // optional: without it, every body is read whole before the handler
  // Optional: told when a streamed response was cut short (its producer failed, or the client
  // went away), with the request's target. The client only sees a broken transfer, so this
  // is where the reason can be logged. Called on a blocking thread.
  std::function<void(std::string_view target, const Error& error)> stream_failed;
};

class HttpServer {
 public:
  // Binds and listens; fails with kUnavailable when the address cannot be bound.
  static Result<std::unique_ptr<HttpServer>> Create(const ServerOptions& options, Handler handler);
  virtual ~HttpServer() = default;

  virtual std::uint16_t port() const = 0;
  // Starts serving on the server's own threads; returns at once.
  virtual void Start() = 0;
  // Stops accepting, closes connections and joins the threads. Idempotent.
  virtual void Stop() = 0;
};

}  // namespace crier::net
