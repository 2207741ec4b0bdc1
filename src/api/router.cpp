#include "api/router.h"

#include <algorithm>

#include "net/http.h"

namespace crier::api {
namespace {

bool IsParam(std::string_view segment) {
  return segment.size() >= 2 && segment.front() == '{' && segment.back() == '}';
}

}  // namespace

Router::Router(std::span<const RouteSpec> routes) {
  for (const RouteSpec& spec : routes) {
    Compiled c{spec.method, net::SplitPath(spec.pattern), 0};
    c.literals = static_cast<std::size_t>(std::count_if(
        c.segments.begin(), c.segments.end(), [](std::string_view s) { return !IsParam(s); }));
    routes_.push_back(std::move(c));
  }
}

RouteMatch Router::Find(std::string_view method, std::string_view path) const {
  const std::vector<std::string_view> parts = net::SplitPath(path);
  std::vector<std::size_t> fitting;
  std::size_t best_literals = 0;
  for (std::size_t i = 0; i < routes_.size(); ++i) {
    const Compiled& r = routes_[i];
    if (r.segments.size() != parts.size()) continue;
    bool fits = true;
    for (std::size_t k = 0; fits && k < parts.size(); ++k) {
      fits = IsParam(r.segments[k]) || r.segments[k] == parts[k];
    }
    if (!fits) continue;
    if (!fitting.empty() && r.literals < best_literals) continue;
    if (fitting.empty() || r.literals > best_literals) {
      fitting.clear();
      best_literals = r.literals;
    }
    fitting.push_back(i);
  }

  RouteMatch match;
  if (fitting.empty()) return match;
  for (std::size_t i : fitting) {
    const Compiled& r = routes_[i];
    if (r.method != method) continue;
    match.kind = RouteMatch::Kind::kFound;
    match.index = i;
    for (std::size_t k = 0; k < parts.size(); ++k) {
      if (IsParam(r.segments[k])) {
        match.params.emplace_back(r.segments[k].substr(1, r.segments[k].size() - 2), parts[k]);
      }
    }
    return match;
  }
  match.kind = RouteMatch::Kind::kWrongMethod;
  for (std::size_t i : fitting) {
    if (std::find(match.allowed.begin(), match.allowed.end(), routes_[i].method) ==
        match.allowed.end()) {
      match.allowed.push_back(routes_[i].method);
    }
  }
  return match;
}

}  // namespace crier::api
