// An in-process Transport for engine tests: requests complete on the next Poll with whatever
// the scripted responder returns. Records every request it was given, in order.
#pragma once

#include <functional>
#include <vector>

#include "channels/transport.h"

namespace crier::testing {

class FakeTransport final : public channels::Transport {
 public:
  using Responder = std::function<channels::TransportResult(const channels::OutboundRequest&)>;

  explicit FakeTransport(Responder responder) : responder_(std::move(responder)) {}

  void Start(std::uint64_t tag, channels::OutboundRequest request) override {
    requests.push_back(request);
    pending_.push_back({tag, std::move(request)});
    max_in_flight_seen = std::max<int>(max_in_flight_seen, static_cast<int>(pending_.size()));
  }

  void Poll(std::chrono::milliseconds, std::vector<channels::TransportResult>& done) override {
    if (hold) return;  // simulate requests that never answer
    for (auto& [tag, request] : pending_) {
      auto result = responder_(request);
      result.tag = tag;
      done.push_back(std::move(result));
    }
    pending_.clear();
  }

  int in_flight() const override { return static_cast<int>(pending_.size()); }

  std::vector<channels::OutboundRequest> requests;
  int max_in_flight_seen = 0;
  bool hold = false;

 private:
  Responder responder_;
  std::vector<std::pair<std::uint64_t, channels::OutboundRequest>> pending_;
};

inline channels::TransportResult Ok(std::string body) {
  channels::TransportResult r;
  r.status = 200;
  r.body = std::move(body);
  return r;
}

inline channels::TransportResult GraphError(int status, int code, int subcode) {
  channels::TransportResult r;
  r.status = status;
  r.body = R"({"error":{"message":"scripted","type":"OAuthException","code":)" +
           std::to_string(code) + R"(,"error_subcode":)" + std::to_string(subcode) +
           R"(,"fbtrace_id":"x"}})";
  return r;
}

}  // namespace crier::testing
