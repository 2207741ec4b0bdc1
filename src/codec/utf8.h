// UTF-8 checks for text that reaches a platform: platforms count characters in code points
// (Messenger) or bytes (Instagram), and refuse malformed UTF-8 outright.
#pragma once

#include <cstddef>
#include <optional>
#include <string_view>

namespace crier {

// The number of Unicode code points in `text`, or nullopt when `text` is not well-formed
// UTF-8 (overlong forms, surrogates, code points above U+10FFFF and truncated sequences are
// all refused). Thread-safe (pure).
std::optional<std::size_t> CountCodePoints(std::string_view text);

inline bool IsValidUtf8(std::string_view text) { return CountCodePoints(text).has_value(); }

}  // namespace crier
