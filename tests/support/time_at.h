// The instant an RFC 3339 text names, for tests that set their fake clock to a date.
#pragma once

#include <gtest/gtest.h>

#include <string_view>

#include "core/clock.h"

namespace crier::testing {

inline Time At(std::string_view rfc3339) {
  Time t;
  EXPECT_TRUE(ParseRfc3339(rfc3339, &t)) << rfc3339;
  return t;
}

}  // namespace crier::testing
