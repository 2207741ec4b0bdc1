// The segment routes (PRODUCT.md C1: filters saved as segments and reused by name), listed in
// the route table in handlers.cpp. A segment is answered as
//   {id, name, description, filter (JSON form), filter_text (canonical text form),
//    created_at, updated_at}
// and its filter keeps references to other segments unexpanded.
#pragma once

#include "api/routes.h"

namespace crier::api {

// POST /v1/segments {name, filter | filter_text, description?} -> 201
net::Response CreateSegment(RequestContext& c);
// GET /v1/segments?limit&after, or ?name=NAME for the one segment of that name (0 or 1 items).
net::Response ListSegments(RequestContext& c);
// GET /v1/segments/{id}
net::Response GetSegment(RequestContext& c);
// PATCH /v1/segments/{id} {name?, filter? | filter_text?, description?}: a rename rewrites
// every reference to the segment (in segments and broadcasts) in the same transaction.
net::Response UpdateSegment(RequestContext& c);
// DELETE /v1/segments/{id}: 409 naming the users while a segment or a broadcast that can
// still be sent uses it.
net::Response DeleteSegment(RequestContext& c);
// POST /v1/segments/{id}/count: how many contacts the segment matches now.
net::Response CountSegment(RequestContext& c);

}  // namespace crier::api
