// One table per enum maps values to their stable wire names; these look-ups serve every table,
// so ToString and Parse can never disagree.
#pragma once

#include <array>
#include <optional>
#include <string_view>
#include <utility>

namespace crier::internal {

template <class E, size_t N>
using Names = std::array<std::pair<E, std::string_view>, N>;

template <class E, size_t N>
constexpr std::string_view NameOf(const Names<E, N>& names, E e) {
  for (const auto& [value, name] : names) {
    if (value == e) return name;
  }
  return "unknown";
}

template <class E, size_t N>
constexpr std::optional<E> ValueOf(const Names<E, N>& names, std::string_view s) {
  for (const auto& [value, name] : names) {
    if (name == s) return value;
  }
  return std::nullopt;
}

}  // namespace crier::internal
