// User-facing texts and limits of the SQLite store, named once so tests and docs agree.
#pragma once

#include <string_view>

namespace crier::sqlite {

// Page sizes a caller may ask for (the API narrows this further for its own endpoints).
inline constexpr int kMaxPageLimit = 10000;

// RecoverInterrupted's verdict on a delivery that was in flight when the process stopped.
inline constexpr std::string_view kInterruptedErrorClass = "interrupted";
inline constexpr std::string_view kInterruptedErrorMessage =
    "the process stopped while this copy was being sent; it is not sent again so that nobody "
    "gets it twice";

inline constexpr std::string_view kMustNotBeEmpty = "must not be empty";
inline constexpr std::string_view kMustBePositive = "must be greater than 0";
inline constexpr std::string_view kBadAttributeKey =
    "is not an attribute key: 1 to 64 of A-Z, a-z, 0-9 and _";
inline constexpr std::string_view kBadRegion =
    "must be an ISO 3166-1 alpha-2 code of two capital letters, such as \"TW\"";
inline constexpr std::string_view kMemoryPathRefused =
    "an in-memory database is not supported: readers need a shared file";

}  // namespace crier::sqlite
