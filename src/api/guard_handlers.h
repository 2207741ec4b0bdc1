// The promotional-content guard in the API (PRODUCT.md B1): POST /v1/guard/check, and the
// refusal of a non-promotional broadcast that carries promotional content.
#pragma once

#include <boost/json.hpp>
#include <optional>
#include <span>

#include "api/routes.h"
#include "core/promo_guard.h"
#include "net/http.h"
#include "store/store.h"

namespace crier::api {

// The status and error code of a refused broadcast: the request is well-formed, its content
// is what the route may not carry.
inline constexpr int kPromotionalContentStatus = 422;
inline constexpr std::string_view kPromotionalContentCode = "promotional_content";

// [{"rule","category","description","language","matched","location","field","offset",
//   "source"}...], the JSON form of hits in the check's answer and in the refusal.
boost::json::array HitsJson(std::span<const guard::Hit> hits);

// POST /v1/guard/check {"channel_account_id"?: N, "messages": [...]} ->
// {"promotional": bool, "hits": [...]}. Messages are read as POST /v1/broadcasts reads them;
// the account (optional) picks its own rules.
net::Response GuardCheck(RequestContext& c);

// For POST /v1/broadcasts: nullopt when `in` may be stored (promotional, or no hits); else the
// 422 answer listing every hit. The account is known to exist.
std::optional<net::Response> RefusePromotionalContent(RequestContext& c, const NewBroadcast& in);

}  // namespace crier::api
