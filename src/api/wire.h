// The JSON form of crier's objects in API responses (see docs/openapi.yaml). Times are
// RFC 3339 UTC strings; an unknown time is null. A channel account's access token and a
// person's marketing-messages token are never written: only whether one is set.
#pragma once

#include <boost/json.hpp>
#include <optional>

#include "core/links.h"
#include "core/model.h"
#include "engine/engine.h"
#include "store/store.h"

namespace crier::api {

boost::json::value TimeJson(const std::optional<Time>& t);
// {present: true, expires_at, stopped, last_sent_at}, or null when there is no token.
boost::json::value MarketingTokenJson(const std::optional<MarketingToken>& token);

boost::json::object ToJson(const ChannelAccount& account);
boost::json::object ToJson(const Contact& contact);
boost::json::object ToJson(const Broadcast& broadcast);
// G3: {"count", "official", "other", "items": [{"message_index", "field", "url", "official"}]}.
boost::json::object LinksJson(const std::vector<Link>& links);
boost::json::object ToJson(const Run& run);
boost::json::object ToJson(const DeliveryRecord& delivery);
boost::json::object ToJson(const engine::PreviewResult& preview);
boost::json::object ToJson(const engine::SendNowResult& result);
// `done` is true once no delivery of the run is left to send.
boost::json::object ToJson(Id broadcast_id, const RunReport& report);
// G3: the report's "clicks": whether the broadcast tracks them, the run's presses and the
// people who pressed, and every link of `links` (FindLinks' numbering) with its own.
boost::json::object ClicksJson(bool tracked, const RunReport& report, std::span<const Link> links);

// {items:[...], next_after:id|null}
template <class T>
boost::json::object PageJson(const Page<T>& page) {
  boost::json::array items;
  items.reserve(page.items.size());
  for (const T& item : page.items) items.emplace_back(ToJson(item));
  boost::json::object out;
  out["items"] = std::move(items);
  if (page.next_after_id) {
    out["next_after"] = *page.next_after_id;
  } else {
    out["next_after"] = nullptr;
  }
  return out;
}

}  // namespace crier::api
