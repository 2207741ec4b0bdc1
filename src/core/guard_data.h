// The built-in rule files of the promotional-content guard, embedded at build time from
// data/guard/*.txt (see embed_guard_data.cmake), so the binary needs no data directory.
#pragma once

#include <span>
#include <string_view>

namespace crier::guard {

struct EmbeddedFile {
  std::string_view name;  // "en.txt"
  std::string_view text;
};

// In file-name order.
std::span<const EmbeddedFile> BuiltInRuleFiles();

}  // namespace crier::guard
