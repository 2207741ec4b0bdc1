// The API's route table: every route the server serves, with its handler. Api::Handle routes
// through it, and the OpenAPI test reads it so that docs/openapi.yaml cannot drift from the
// server.
#pragma once

#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/clock.h"
#include "core/model.h"
#include "core/promo_guard.h"
#include "engine/engine.h"
#include "net/http.h"
#include "store/store.h"

namespace crier::api {

// What a handler gets: the dependencies, the request, and its path parameters: `{name}` as
// decoded text, every other one already checked to be a positive integer id.
struct RequestContext {
  Store& store;
  engine::Engine& engine;
  const Clock& clock;
  const net::Request& request;
  std::vector<std::pair<std::string_view, Id>> ids;
  // Text path parameters (`{name}`, a tag name; `{token}` and `{link}` of a tracked link),
  // percent-decoded.
  std::vector<std::pair<std::string_view, std::string>> names;
  // The promotional-content guard of each channel account (B1).
  const guard::AccountGuards& guards;

  Id PathId(std::string_view name) const;
  const std::string& PathName(std::string_view name) const;
};

using RouteHandler = net::Response (*)(RequestContext&);

struct ApiRoute {
  std::string_view method;
  std::string_view pattern;  // "/v1/broadcasts/{id}"
  RouteHandler handler;
  // false only for GET /healthz, the click redirect (its token is signed) and the webhooks,
  // whose signature is their authentication.
  bool needs_key = true;
  // The handler reads its body as it arrives (net::Request::body_reader, when served over
  // HTTP) and may take as long as the transfer: the server runs it on a blocking thread.
  bool streams = false;
};

std::span<const ApiRoute> ApiRoutes();

}  // namespace crier::api
