// The REST API (PRODUCT.md L1): JSON over HTTP, every request authenticated by an API key.
//
// Api::Handle maps one request to one response and is what both the real server and the
// in-process test fixture call. Thread-safe.
#pragma once

#include <memory>
#include <optional>
#include <string>

#include "core/clock.h"
#include "core/promo_guard.h"
#include "core/result.h"
#include "engine/engine.h"
#include "net/http.h"
#include "store/store.h"

namespace crier::api {

class Api {
 public:
  // Checks non-promotional broadcasts with the built-in guard rules.
  Api(Store& store, engine::Engine& engine, const Clock& clock);
  // Checks them with `guards` (built-in rules plus the operator's), which must outlive the Api.
  Api(Store& store, engine::Engine& engine, const Clock& clock, const guard::AccountGuards& guards);
  net::Response Handle(const net::Request& request);
  // Called with the request line and headers only, before the body is read: refuses a
  // request without a valid key at once, so that nobody unauthenticated can make the server
  // read (and hold) a large body, and asks for the body as a stream on the routes that read
  // it as it arrives (ApiRoute::streams).
  net::AdmitDecision Admit(const net::Request& head);

 private:
  Store& store_;
  engine::Engine& engine_;
  const Clock& clock_;
  const guard::AccountGuards& guards_;
};

// SHA-256 of the key, lower-case hex: the only form in which keys are stored.
std::string HashApiKey(std::string_view key);

// A new random API key ("crier_" + 40 url-safe characters, from OpenSSL's CSPRNG).
std::string GenerateApiKey();

// At first start (no key stored yet) creates an admin key and returns it; it is never
// retrievable again. Returns nullopt when keys already exist.
Result<std::optional<std::string>> EnsureAdminKey(Store& store, const Clock& clock);

}  // namespace crier::api
