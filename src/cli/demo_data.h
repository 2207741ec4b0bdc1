// Deterministic sample data for the README demo (`crier demo seed`): contacts with names in
// several languages, tags, and last interactions spread over the 72 hours before `now`, a
// third of them inside the 24 h window, with some placed just inside and just outside its
// edge so that the window rule is visible in a preview.
//
// Pure functions of (options, now); thread-compatible.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "core/clock.h"

namespace crier::cli {

inline constexpr char kDemoPageId[] = "100200300400500";
inline constexpr std::int64_t kDemoMaxContacts = 1'000'000;
inline constexpr char kDemoBroadcastName[] = "Welcome back";
inline constexpr char kDemoBroadcastText[] =
    "Welcome back! Take 10% off your next order with the code WELCOME10.";

// Where a contact's last interaction sits relative to the 24 h window at `now`.
enum class DemoWindow {
  kInside,       // 5 min .. 23h30m ago
  kJustInside,   // 23h30m .. 23h59m ago
  kJustOutside,  // 24h01m .. 24h30m ago
  kOutside,      // 24h30m .. 72h ago
};

struct DemoContact {
  std::string platform_user_id;  // a PSID-like number, unique per (seed, index)
  std::string name;
  std::string first_name;
  std::string locale;
  std::string time_zone;
  std::vector<std::string> tags;  // any of vip, new, churned
  Time last_inbound_at{};
  DemoWindow window = DemoWindow::kOutside;
};

struct DemoOptions {
  std::int64_t contacts = 3000;
  std::uint64_t seed = 1;
};

// The same (options, now) always gives the same contacts; contact i does not depend on how
// many contacts are asked for.
std::vector<DemoContact> GenerateDemoContacts(const DemoOptions& options, Time now);

// JSON Lines for POST /v1/contacts/import (channel_account_id comes from the query).
std::string DemoContactsJsonl(std::span<const DemoContact> contacts);

// The body of POST /__sandbox/interactions for these contacts.
std::string DemoInteractionsBody(const std::string& page_id, std::span<const DemoContact> contacts);

// A deterministic demo access token for the sandbox page.
std::string DemoAccessToken(const std::string& page_id);

}  // namespace crier::cli
