#include "sandbox/sandbox.h"

#include <atomic>
#include <boost/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "sandbox/common.h"
#include "sandbox/graph_rules.h"
#include "sandbox/graph_send.h"
#include "sandbox/line.h"
#include "sandbox/record.h"
#include "sandbox/whatsapp.h"

namespace crier::sandbox {
namespace {

namespace json = boost::json;
using detail::ControlError;
using detail::FaultFate;
using detail::JsonOk;
using detail::WrongMethod;

bool IsGraphVersion(std::string_view s) {
  // "v25.0"
  if (s.size() < 4 || s[0] != 'v') return false;
  const auto dot = s.find('.');
  if (dot == std::string_view::npos || dot < 2 || dot + 1 == s.size()) return false;
  return detail::IsDigits(s.substr(1, dot - 1)) && detail::IsDigits(s.substr(dot + 1));
}

// "all" (nullopt) or one platform; an error naming `field` otherwise.
Result<std::optional<Platform>> ParseScope(std::string_view scope, std::string_view field) {
  if (scope == "all") return std::optional<Platform>();
  if (auto p = ParsePlatform(scope)) return std::optional<Platform>(*p);
  return InvalidArgument(std::string(field),
                         "must be \"all\", \"messenger\", \"instagram\", \"whatsapp\" or \"line\"");
}

}  // namespace

class Sandbox::Impl {
 public:
  Impl(const Clock& clock, WebhookPoster poster)
      : clock_(clock),
        graph_(recorder_),
        whatsapp_(recorder_),
        line_(recorder_),
        webhooks_(std::move(poster)) {}

  Time Now() const { return clock_.Now() + Duration(offset_ms_.load(std::memory_order_relaxed)); }

  net::Response Handle(const net::Request& request) {
    const Time now = Now();  // one reading for the whole decision
    const auto parts = net::SplitPath(request.path);
    if (!parts.empty() && parts[0] == "__sandbox") return HandleControl(request, parts, now);
    if (parts.size() == 1 && parts[0] == "healthz" && request.method == "GET") {
      return net::Response::Json(200, R"({"status":"ok"})");
    }
    if (parts.size() >= 2 && parts[0] == "v2" && parts[1] == "bot") {
      return WithFaults(
          Platform::kLine, [&] { return line_.Handle(request, now); },
          &detail::LinePlatform::ServerError);
    }
    return HandleGraph(request, parts, now);
  }

  Status SetFaults(std::string_view scope, const FaultSpec& spec) {
    auto which = ParseScope(scope, "scope");
    if (!which.ok()) return which.error();
    CRIER_RETURN_IF_ERROR(ValidateFaultSpec(spec));
    faults_.Set(*which, spec);
    return Status::Ok();
  }

 private:
  // Graph accepts /{version}/{id}/messages and the unversioned /{id}/messages; the id is a
  // Page (or `me`), a WhatsApp phone number, or `act_<ad account>`.
  net::Response HandleGraph(const net::Request& request, const std::vector<std::string_view>& parts,
                            Time now) {
    const std::size_t n = parts.size();
    const bool versioned = n > 0 && IsGraphVersion(parts[0]);
    if (n == (versioned ? 3u : 2u) && parts[n - 1] == "messages") {
      const std::string_view id = parts[n - 2];
      const bool post = request.method == "POST";
      if (id.starts_with("act_")) {
        if (!post) return graph_.UnsupportedMethod(request.method, id, Platform::kMessenger);
        return WithFaults(
            Platform::kMessenger,
            [&] { return graph_.HandleMarketingApi(request, id.substr(4), now); },
            &detail::GraphPlatform::ServerError);
      }
      if (whatsapp_.HasPhoneNumber(id)) {
        if (!post) return graph_.UnsupportedMethod(request.method, id, Platform::kWhatsApp);
        return WithFaults(
            Platform::kWhatsApp, [&] { return whatsapp_.HandleSend(request, id, now); },
            &detail::WhatsAppPlatform::ServerError);
      }
      const Platform platform = graph_.PlatformOf(request, id);
      if (!post) return graph_.UnsupportedMethod(request.method, id, platform);
      return WithFaults(
          platform, [&] { return graph_.HandleSend(request, id, now); },
          &detail::GraphPlatform::ServerError);
    }
    std::string path;
    for (std::size_t i = versioned ? 1 : 0; i < n; ++i) {
      path += "/";
      path += parts[i];
    }
    detail::GraphError e{graph::kCodeUnknownPath, 0,
                         std::string(graph::kMsgUnknownPathPrefix) + path};
    recorder_.Refuse(Platform::kMessenger, detail::GraphErrorKey(e));
    return detail::GraphErrorResponse(e);
  }

  // Runs `process` unless the faults set for `platform` say otherwise, and marks the answer
  // with the delay or the dropped connection they ask for.
  template <class Process>
  net::Response WithFaults(Platform platform, Process&& process,
                           net::Response (*server_error)(int status)) {
    const FaultFate fate = faults_.Decide(platform);
    net::Response response;
    switch (fate.kind) {
      case FaultFate::Kind::kError:
        recorder_.Fault(platform, detail::FaultKind::kError);
        response = server_error(fate.error_status);
        break;
      case FaultFate::Kind::kTimeout:
        recorder_.Fault(platform, detail::FaultKind::kTimeout);
        // Lost before the platform saw it: whatever arrives after the client gave up is a
        // gateway timeout.
        response = fate.process ? process() : server_error(504);
        break;
      case FaultFate::Kind::kNone:
        if (fate.delay_ms > 0) recorder_.Fault(platform, detail::FaultKind::kDelayed);
        response = process();
        break;
    }
    response.delay_ms = fate.delay_ms;
    response.close_without_answer = fate.close;
    return response;
  }

  // --- Control endpoints ------------------------------------------------------------------

  net::Response HandleControl(const net::Request& request,
                              const std::vector<std::string_view>& parts, Time now) {
    const std::string& method = request.method;
    const bool post = method == "POST";
    auto graph_id_taken_by_whatsapp = [this](std::string_view id) {
      return whatsapp_.HasPhoneNumber(id);
    };
    auto graph_id_taken_by_page = [this](std::string_view id) { return graph_.HasPage(id); };
    if (parts.size() == 2) {
      const std::string_view what = parts[1];
      if (what == "pages") {
        return post ? graph_.AddPage(request, graph_id_taken_by_whatsapp) : WrongMethod();
      }
      if (what == "interactions") {
        return post ? graph_.AddInteractions(request, now) : WrongMethod();
      }
      if (what == "messages") {
        if (method == "GET") return recorder_.List(request);
        if (method == "DELETE") return recorder_.Clear();
        return WrongMethod();
      }
      if (what == "stats") return method == "GET" ? recorder_.Stats() : WrongMethod();
      if (what == "clock") {
        if (method == "GET") return ClockState();
        if (post) return SetClock(request);
        return WrongMethod();
      }
      if (what == "faults") {
        if (method == "GET") return JsonOk(200, faults_.Describe());
        if (post) return PostFaults(request);
        if (method == "DELETE") return DeleteFaults(request);
        return WrongMethod();
      }
    }
    if (parts.size() == 3) {
      const std::string_view platform = parts[1];
      const std::string_view what = parts[2];
      if (platform == "messenger") {
        if (what == "templates") return post ? graph_.AddTemplates(request) : WrongMethod();
        if (what == "tokens") return post ? graph_.AddTokens(request) : WrongMethod();
        if (what == "ad_accounts") return post ? graph_.AddAdAccounts(request) : WrongMethod();
      }
      if (platform == "whatsapp") {
        if (what == "phone_numbers") {
          return post ? whatsapp_.AddPhoneNumber(request, graph_id_taken_by_page, now)
                      : WrongMethod();
        }
        if (what == "businesses") return post ? whatsapp_.AddBusiness(request) : WrongMethod();
        if (what == "templates") return post ? whatsapp_.AddTemplates(request) : WrongMethod();
        if (what == "contacts") return post ? whatsapp_.AddContacts(request) : WrongMethod();
      }
      if (platform == "webhooks" && what == "press") {
        return post ? webhooks_.SendPress(request, now) : WrongMethod();
      }
      if (platform == "line") {
        if (what == "channels") return post ? line_.AddChannel(request, now) : WrongMethod();
        if (what == "followers") return post ? line_.AddFollowers(request) : WrongMethod();
      }
    }
    return ControlError(404, "not_found", "unknown route");
  }

  net::Response PostFaults(const net::Request& request) {
    auto body = detail::ParseControlBody(request.body);
    if (!body.ok()) return ControlError(body.error());
    std::string_view scope_name = "all";
    if (const json::value* s = detail::Field(*body, "scope")) {
      scope_name = s->is_string() ? std::string_view(s->get_string()) : "?";
    }
    auto scope = ParseScope(scope_name, "scope");
    if (!scope.ok()) return ControlError(scope.error());
    auto spec = ParseFaultSpec(*body);
    if (!spec.ok()) return ControlError(spec.error());
    faults_.Set(*scope, *spec);
    return JsonOk(200, faults_.Describe());
  }

  net::Response DeleteFaults(const net::Request& request) {
    const auto scope_name = request.query_param("scope");
    if (!scope_name || scope_name->empty()) {
      faults_.ClearAll();
    } else {
      auto scope = ParseScope(*scope_name, "scope");
      if (!scope.ok()) return ControlError(scope.error());
      faults_.Clear(*scope);
    }
    return JsonOk(200, faults_.Describe());
  }

  net::Response ClockState() const {
    json::object out;
    out["now"] = FormatRfc3339(Now());
    out["offset_ms"] = offset_ms_.load(std::memory_order_relaxed);
    return JsonOk(200, out);
  }

  net::Response SetClock(const net::Request& request) {
    auto body = detail::ParseControlBody(request.body);
    if (!body.ok()) return ControlError(body.error());
    const json::value* now = body->if_contains("now");
    constexpr std::string_view kMsgNow = "required, an RFC 3339 time or null";
    if (now == nullptr) return ControlError(InvalidArgument("now", std::string(kMsgNow)));
    if (now->is_null()) {
      offset_ms_.store(0, std::memory_order_relaxed);
    } else {
      Time target;
      if (!now->is_string() || !ParseRfc3339(now->get_string(), &target)) {
        return ControlError(InvalidArgument("now", std::string(kMsgNow)));
      }
      offset_ms_.store((target - clock_.Now()).count(), std::memory_order_relaxed);
    }
    return ClockState();
  }

  const Clock& clock_;
  std::atomic<std::int64_t> offset_ms_{0};
  detail::Recorder recorder_;
  detail::Faults faults_;
  detail::GraphPlatform graph_;
  detail::WhatsAppPlatform whatsapp_;
  detail::LinePlatform line_;
  detail::WebhookSender webhooks_;
};

Sandbox::Sandbox(const Clock& clock, WebhookPoster poster)
    : impl_(std::make_unique<Impl>(clock, std::move(poster))) {}
Sandbox::~Sandbox() = default;

Time Sandbox::Now() const { return impl_->Now(); }

Status Sandbox::SetFaults(std::string_view scope, const FaultSpec& spec) {
  return impl_->SetFaults(scope, spec);
}

net::Response Sandbox::Handle(const net::Request& request) {
  try {
    return impl_->Handle(request);
  } catch (const std::exception&) {
    // Only allocation failures or a bug get here; answer like Graph's own internal error.
    return detail::GraphErrorResponse(
        {graph::kCodeUnknown, 0, std::string(graph::kMsgUnknownError), "OAuthException", 500});
  }
}

}  // namespace crier::sandbox
