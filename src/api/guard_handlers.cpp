#include "api/guard_handlers.h"

#include "api/fields.h"
#include "api/limits.h"
#include "api/requests.h"
#include "api/response.h"
#include "core/guard_content.h"

namespace crier::api {
namespace {

// The check is for text the console sends as it is typed; a broadcast body is far smaller.
constexpr std::size_t kMaxCheckBodyBytes = 1 << 20;
// Hits quoted in the refusal's message; the "hits" array has them all.
constexpr std::size_t kHitsInMessage = 5;

std::string Quote(std::string_view text) { return "\"" + std::string(text) + "\""; }

// "...: "20% off" (percent_off, rule en.pct_off) in message 1 text; ... and 2 more"
std::string RefusalMessage(std::span<const guard::Hit> hits) {
  std::string message = "a non_promotional broadcast must not carry promotional content; found " +
                        std::to_string(hits.size()) + (hits.size() == 1 ? " hit: " : " hits: ");
  for (std::size_t i = 0; i < hits.size() && i < kHitsInMessage; ++i) {
    if (i > 0) message += "; ";
    message += Quote(hits[i].matched) + " (" + hits[i].category + ", rule " + hits[i].rule_id +
               ") in " + hits[i].location;
  }
  if (hits.size() > kHitsInMessage) {
    message += "; and " + std::to_string(hits.size() - kHitsInMessage) + " more";
  }
  return message;
}

}  // namespace

boost::json::array HitsJson(std::span<const guard::Hit> hits) {
  boost::json::array out;
  out.reserve(hits.size());
  for (const guard::Hit& h : hits) {
    boost::json::object o;
    o["rule"] = h.rule_id;
    o["category"] = h.category;
    o["description"] = h.description;
    o["language"] = h.language;
    o["matched"] = h.matched;
    o["location"] = h.location;
    o["field"] = h.path;
    o["offset"] = h.offset;
    o["source"] = h.source;
    out.emplace_back(std::move(o));
  }
  return out;
}

net::Response GuardCheck(RequestContext& c) {
  if (c.request.body.size() > kMaxCheckBodyBytes) {
    return TooLarge(kMaxCheckBodyBytes);
  }
  auto body = ParseJson(c.request.body);
  if (!body.ok()) return ErrorResponse(body.error());
  if (!body->is_object()) {
    return ErrorResponse(InvalidArgument(std::string(kBodyField), std::string(kMsgWantObject)));
  }
  const boost::json::object& object = body->get_object();
  ObjectReader r(object, "");
  if (const Status s = r.RejectUnknown({"channel_account_id", "messages"}); !s.ok()) {
    return ErrorResponse(s.error());
  }
  auto account = r.OptId("channel_account_id");
  if (!account.ok()) return ErrorResponse(account.error());
  if (account->has_value()) {
    auto stored = c.store.GetChannelAccount(**account);
    if (!stored.ok()) {
      if (stored.error().code != ErrorCode::kNotFound) return ErrorResponse(stored.error());
      return ErrorResponse(
          InvalidArgument("channel_account_id",
                          "channel account " + std::to_string(**account) + " does not exist"));
    }
  }
  auto messages = ParseMessagesField(object);
  if (!messages.ok()) return ErrorResponse(messages.error());
  const std::vector<guard::Hit> hits = c.guards.For(*account).Check(guard::TextFieldsOf(*messages));
  boost::json::object out;
  out["promotional"] = !hits.empty();
  out["hits"] = HitsJson(hits);
  return JsonResponse(200, out);
}

std::optional<net::Response> RefusePromotionalContent(RequestContext& c, const NewBroadcast& in) {
  if (in.purpose != Purpose::kNonPromotional) return std::nullopt;
  const std::vector<guard::Hit> hits =
      c.guards.For(in.channel_account_id).Check(guard::TextFieldsOf(in.messages));
  if (hits.empty()) return std::nullopt;
  boost::json::object details;
  details["hits"] = HitsJson(hits);
  return ErrorResponse(kPromotionalContentStatus, kPromotionalContentCode, RefusalMessage(hits),
                       "messages", std::move(details));
}

}  // namespace crier::api
