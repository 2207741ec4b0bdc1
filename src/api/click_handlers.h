// Click tracking's redirect (PRODUCT.md G3): the one route anybody may call without an API key,
// since it is what people press in a message.
#pragma once

#include "api/routes.h"
#include "net/http.h"

namespace crier::api {

// GET /r/{token}/{link}: records the press of a tracked link and sends the person on to it
// with a 302. An address crier did not make, or a link the broadcast does not have, is a 404
// that says nothing more.
net::Response FollowClick(RequestContext& c);

}  // namespace crier::api
