// Plain HTTP request/response values shared by the server (Beast) and the client (libcurl),
// so that the API and the sandbox never see Beast or curl types.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/result.h"

namespace crier::net {

using Headers = std::vector<std::pair<std::string, std::string>>;

// Case-insensitive header lookup.
std::optional<std::string_view> FindHeader(const Headers& headers, std::string_view name);

// A request body read as it arrives, for routes whose admission asks for a stream (see
// server.h): memory stays bounded by one piece whatever the body's size. Used by one thread at
// a time, the handler's.
class BodyReader {
 public:
  virtual ~BodyReader() = default;
  // The next piece of the body, valid until the next call; empty once the body is complete
  // (and on every call after that). Blocks until bytes arrive. Fails with kInvalidArgument
  // (field "body") when the body is malformed, cut short or larger than the server's limit
  // (then too_large() is true), and with kUnavailable when the client sends nothing for the
  // server's idle timeout or the server is stopping. After a failure every call fails alike.
  virtual Result<std::string_view> Read() = 0;
  virtual bool too_large() const = 0;
};

// Takes a response body piece by piece (Response::stream). Used by one thread at a time.
class BodyWriter {
 public:
  virtual ~BodyWriter() = default;
  // Appends `bytes` to the body. Copies them into a bounded buffer and, when it is full,
  // blocks until it has been handed to the connection, so a slow client slows the producer
  // down instead of memory growing. Fails with kUnavailable when the client has gone away or
  // stopped reading for the server's idle timeout, or the server is stopping; the producer
  // should then return.
  virtual Status Write(std::string_view bytes) = 0;
};

// Produces a response body. An error, or an exception, ends the response without its last
// chunk, so that the client sees a cut-short transfer, never a complete-looking partial body.
using BodyProducer = std::function<Status(BodyWriter& out)>;

struct Request {
  std::string method;  // "GET", "POST", ...
  std::string target;  // raw request target, e.g. "/v1/contacts?limit=10"
  std::string path;    // percent-decoded path, e.g. "/v1/contacts"
  std::vector<std::pair<std::string, std::string>> query;  // decoded, in order
  Headers headers;
  std::string body;  // empty when body_reader is set
  std::string remote_address;
  // Set, only while the handler runs, when the route asked for its body as a stream; the
  // body is then read from here and `body` stays empty.
  BodyReader* body_reader = nullptr;

  std::optional<std::string_view> header(std::string_view name) const {
    return FindHeader(headers, name);
  }
  std::optional<std::string_view> query_param(std::string_view name) const;
  // Sets `target` and the decoded `path` and `query` read from it.
  void SetTarget(std::string raw_target);
};

struct Response {
  int status = 200;
  std::string content_type = "application/json";
  std::string body;
  Headers headers;  // extra headers
  // When set, `body` is ignored: the server sends the status and headers, then calls `stream`
  // (on a thread that may block) and sends what it writes as it comes, with chunked
  // transfer-encoding (to an HTTP/1.0 client: until the connection closes).
  BodyProducer stream;
  // The server holds the answer this long before writing it, without holding a thread: a
  // stand-in platform's injected latency, or an answer kept past the client's timeout.
  int delay_ms = 0;
  // After the delay, the server closes the connection instead of answering (a dropped call).
  bool close_without_answer = false;

  static Response Json(int status, std::string body) {
    return {status, "application/json", std::move(body), {}};
  }
  static Response Text(int status, std::string body, std::string type = "text/plain") {
    return {status, std::move(type), std::move(body), {}};
  }
};

// What the server does with a request once its line and headers are read (server.h).
struct AdmitDecision {
  // Set: answered at once without reading the body, and the connection is then closed.
  std::optional<Response> refusal;
  // The handler reads the body itself as it arrives (Request::body_reader), on one of the
  // server's blocking threads.
  bool stream_body = false;
  // This request's body limit instead of the server's: a streamed body costs no memory, so
  // its route may allow more.
  std::optional<std::uint64_t> body_limit;
};

// The HTTP status for an error code: the one place where codes meet statuses.
int HttpStatus(ErrorCode code);

// Splits "/a/b/c" into {"a","b","c"}.
std::vector<std::string_view> SplitPath(std::string_view path);

}  // namespace crier::net
