#include "api/click_handlers.h"

#include <spdlog/spdlog.h>

#include "api/response.h"
#include "engine/click_tracker.h"

namespace crier::api {

net::Response FollowClick(RequestContext& c) {
  const engine::ClickTracker* clicks = c.engine.clicks();
  if (clicks == nullptr) return ErrorResponse(404, "not_found", "no such tracked link");
  const std::string_view user_agent = c.request.header("User-Agent").value_or("");
  auto target = clicks->Follow(c.PathName("token"), c.PathName("link"), user_agent);
  if (!target.ok()) {
    if (target.error().code == ErrorCode::kNotFound) {
      return ErrorResponse(404, "not_found", "no such tracked link");
    }
    spdlog::error("event=click_not_followed error=\"{}\"", target.error().ToString());
    return ErrorResponse(target.error());
  }
  net::Response response;
  response.status = 302;
  response.content_type = "text/plain; charset=utf-8";
  response.body = "Redirecting to " + target->location + "\n";
  response.headers.emplace_back("Location", target->location);
  // Every press is counted: no cache may answer for crier. The link's own site learns
  // nothing of the token from the Referer.
  response.headers.emplace_back("Cache-Control", "no-store");
  response.headers.emplace_back("Referrer-Policy", "no-referrer");
  return response;
}

}  // namespace crier::api
