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

#include "core/clock.h"
#include "core/model.h"
#include "core/result.h"
#include "net/http.h"
#include "store/store.h"

namespace crier::api {

// The field name used for errors about the request body as a whole (malformed JSON, not an
// object).
inline constexpr std::string_view kBodyField = "body";

// Parses a request body; a syntax error names the byte offset at which it was found.
Result<boost::json::value> ParseJson(std::string_view text, std::string_view field = kBodyField);

// "messages" + 1 -> "messages[1]".
std::string ElementPath(std::string_view array_path, std::size_t index);

// Reads typed fields of one JSON object living at `path` ("" for the top level). For the
// optional readers an absent field and an explicit null both mean "not given".
class ObjectReader {
 public:
  ObjectReader(const boost::json::object& object, std::string path)
      : object_(object), path_(std::move(path)) {}

  // The full path of `key` inside this object.
  std::string Path(std::string_view key) const;
  bool Has(std::string_view key) const;

  Result<std::optional<std::string>> OptString(std::string_view key) const;
  Result<std::string> String(std::string_view key) const;  // required, may be empty
  Result<std::optional<std::int64_t>> OptInt(std::string_view key) const;
  Result<std::optional<Id>> OptId(std::string_view key) const;  // positive integer
  Result<std::optional<double>> OptNumber(std::string_view key) const;
  Result<std::optional<bool>> OptBool(std::string_view key) const;
  Result<std::optional<Time>> OptTime(std::string_view key) const;  // RFC 3339 string
  // nullptr when absent or null.
  Result<const boost::json::object*> OptObject(std::string_view key) const;
  Result<const boost::json::array*> OptArray(std::string_view key) const;

  // Fails naming the first key of the object that is not in `known` (catches typos).
  Status RejectUnknown(std::initializer_list<std::string_view> known) const;

 private:
  const boost::json::value* Find(std::string_view key) const;  // null when absent or null
  Error TypeError(std::string_view key, std::string_view expected,
                  const boost::json::value& got) const;

  const boost::json::object& object_;
  std::string path_;
};

// "a string", "a number", ... for messages like "must be a string (got a number)".
std::string_view JsonTypeName(const boost::json::value& v);

// ---- string checks ------------------------------------------------------------------------

// Non-empty, at most `max_chars` code points, valid UTF-8, no control characters.
Status CheckText(std::string_view field, std::string_view text, std::size_t max_chars,
                 bool allow_empty = false);
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
