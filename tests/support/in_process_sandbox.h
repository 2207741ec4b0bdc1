// crier-sandbox served in-process on the test's clock: its control routes called directly,
// and a transport answer for each request an adapter builds, as the sandbox would answer it
// over HTTP. For the engine's wire tests; the target that includes it links crier_sandbox.
#pragma once

#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <cstdint>
#include <string>
#include <string_view>

#include "channels/transport.h"
#include "core/clock.h"
#include "net/http.h"
#include "sandbox/sandbox.h"

namespace crier::testing {

class InProcessSandbox {
 public:
  // `base` is the api_base_url the test's accounts name: requests must start with it.
  InProcessSandbox(const Clock& clock, std::string base)
      : sandbox_(clock), base_(std::move(base)) {}

  // A control route (`/__sandbox/...`); a refusal fails the test.
  boost::json::object Control(std::string method, std::string target,
                              const boost::json::object& body = {}) {
    const net::Response answer = Call(std::move(method), target, boost::json::serialize(body));
    EXPECT_LT(answer.status, 300) << target << ": " << answer.body;
    return boost::json::parse(answer.body).as_object();
  }
  // The recorded messages (`query` such as "?platform=line"), oldest first.
  boost::json::array Recorded(std::string_view query = "") {
    return Control("GET", "/__sandbox/messages" + std::string(query)).at("items").as_array();
  }
  boost::json::object Stats() { return Control("GET", "/__sandbox/stats"); }
  std::int64_t Refused() { return Stats().at("refused").to_number<std::int64_t>(); }
  void ClearRecord() { Control("DELETE", "/__sandbox/messages"); }

  // The transport's answer to `out`.
  channels::TransportResult Answer(const channels::OutboundRequest& out) {
    EXPECT_EQ(out.url.rfind(base_, 0), 0u) << out.url;
    net::Request r;
    r.method = out.method;
    r.SetTarget(out.url.substr(base_.size()));
    r.headers = out.headers;
    r.body = out.body;
    const net::Response answer = sandbox_.Handle(r);
    channels::TransportResult result;
    result.status = answer.status;
    result.body = answer.body;
    result.headers = answer.headers;
    result.request_sent = true;
    return result;
  }

 private:
  net::Response Call(std::string method, const std::string& target, std::string body) {
    net::Request r;
    r.method = std::move(method);
    r.SetTarget(target);
    r.body = std::move(body);
    return sandbox_.Handle(r);
  }

  sandbox::Sandbox sandbox_;
  std::string base_;
};

}  // namespace crier::testing
