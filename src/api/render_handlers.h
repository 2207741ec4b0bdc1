// The content preview (PRODUCT.md D5), listed in the route table in handlers.cpp.
#pragma once

#include "api/routes.h"

namespace crier::api {

// POST /v1/broadcasts/{id}/render {contact_id?} -> 200
//   {broadcast_id, contact: {id, name, first_name, locale, sample}, platform_user_id,
//    route, route_explanation, messages: [{index, text, request: {method, url, headers, body},
//    error}]}
// The exact request each message would make for the contact now: the access token and the
// Authorization header are redacted, the body is the JSON that would be sent, `text` the
// rendered text as the person would read it. `route` is the route the copy would take now, or
// null with the skip reason in `route_explanation` (the request is then shown for the standard
// route). Without contact_id, the account's first contact is used, or a made-up sample
// contact when the account has none. A message whose rendering is over the platform's limit
// has `error` {field, message} and no request.
net::Response RenderBroadcast(RequestContext& c);

}  // namespace crier::api
