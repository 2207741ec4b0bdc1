// A small method + path router. Patterns are literal segments and `{name}` parameters, e.g.
// "/v1/broadcasts/{id}/preview". Immutable after construction; Find is thread-safe.
#pragma once

#include <cstddef>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace crier::api {

struct RouteSpec {
  std::string_view method;   // "GET", "POST", ...
  std::string_view pattern;  // "/v1/contacts/{id}"
};

struct RouteMatch {
  enum class Kind { kFound, kWrongMethod, kNoRoute };
  Kind kind = Kind::kNoRoute;
  std::size_t index = 0;  // kFound: index of the route in the router's list
  std::vector<std::pair<std::string_view, std::string_view>> params;  // kFound: name -> segment
  std::vector<std::string_view> allowed;  // kWrongMethod: the methods the path does serve
};

class Router {
 public:
  // The specs' strings must outlive the router (string literals, in practice).
  explicit Router(std::span<const RouteSpec> routes);

  // Finds the route for `method` and `path`. When several patterns fit the path, those with
  // the most literal segments win, so "/v1/contacts/import" is never read as "{id}".
  RouteMatch Find(std::string_view method, std::string_view path) const;

 private:
  struct Compiled {
    std::string_view method;
    std::vector<std::string_view> segments;  // "{id}" kept as written
    std::size_t literals = 0;
  };
  std::vector<Compiled> routes_;
};

}  // namespace crier::api
