// HttpServer: a small multi-threaded HTTP/1.1 server (Boost.Beast, Asio coroutines) with
// keep-alive, a body size limit and idle timeouts. The handler is called synchronously on one
// of the server's threads and must be thread-safe.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "core/result.h"
#include "net/http.h"

namespace crier::net {

using Handler = std::function<Response(const Request&)>;
// Sees a request's line and headers before its body is read (Request::body is empty); a
// response refuses the request without reading the body, and the connection is closed.
using Admission = std::function<std::optional<Response>(const Request& head)>;

struct ServerOptions {
  std::string host = "127.0.0.1";
  std::uint16_t port = 0;  // 0 picks a free port; see HttpServer::port()
  int threads = 2;
  std::size_t body_limit = 256 * 1024 * 1024;
  int idle_timeout_seconds = 75;
  // How long Stop() lets requests being handled finish before closing their connections.
  int stop_grace_ms = 5000;
  Admission admit;  // optional
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
