// Reading request JSON with errors that name the field at fault by its full path
// ("pacing.messages_per_second", "messages[1].text"), plus the string checks shared by the
// request bodies. Boost.JSON exceptions never leave this file: malformed input is a value.
#pragma once

#include <boost/json.hpp>
#include <cstdint>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>

#include "codec/json_reader.h"
#include "core/clock.h"
#include "core/model.h"
#include "core/result.h"
#include "net/http.h"
#include "store/store.h"

namespace crier::api {

// An IANA-style zone name ("UTC", "Asia/Taipei", "America/Argentina/Buenos_Aires").
Status CheckTimeZone(std::string_view field, std::string_view name);
// A contact's zone: a name in the system's IANA database ("Asia/Taipei", "UTC"), or a fixed
// UTC offset "+HH:MM" / "-HH:MM" (from -12:00 to +14:00) when that is all a platform gives.
Status CheckContactTimeZone(std::string_view field, std::string_view name);

// Query parameters: an integer (nullopt when absent), a positive id, and the ?limit / ?after
// pair every list reads. Errors name the parameter.
Result<std::optional<std::int64_t>> QueryInt(const net::Request& request, std::string_view name);
Result<std::optional<Id>> QueryId(const net::Request& request, std::string_view name);
Result<PageRequest> ReadPage(const net::Request& request);

}  // namespace crier::api
