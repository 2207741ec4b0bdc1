// Reading JSON with errors that name the field at fault by its full path
// ("pacing.messages_per_second", "messages[1].text"), shared by the API's request bodies and
// the store's JSON columns. Boost.JSON exceptions never leave this module: malformed input is
// a value.
#pragma once

#include <boost/json.hpp>
#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "core/clock.h"
#include "core/model.h"
#include "core/result.h"

namespace crier {

// The words of field errors, so every reader says the same thing the same way.
inline constexpr std::string_view kMsgRequired = "is required";
inline constexpr std::string_view kMsgUnknownField = "is not a known field";
inline constexpr std::string_view kMsgWantString = "must be a string";
inline constexpr std::string_view kMsgWantInteger = "must be an integer";
inline constexpr std::string_view kMsgWantPositiveId = "must be a positive integer id";
inline constexpr std::string_view kMsgWantNumber = "must be a number";
inline constexpr std::string_view kMsgWantBool = "must be true or false";
inline constexpr std::string_view kMsgWantObject = "must be a JSON object";
inline constexpr std::string_view kMsgWantArray = "must be an array";
inline constexpr std::string_view kMsgWantRfc3339 =
    "must be an RFC 3339 time, e.g. 2026-11-21T09:00:00Z";
inline constexpr std::string_view kMsgEmpty = "must not be empty";
inline constexpr std::string_view kMsgInvalidUtf8 = "must be valid UTF-8";

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
  Status RejectUnknown(std::initializer_list<std::string_view> known) const {
    return RejectUnknown(std::span<const std::string_view>(known.begin(), known.size()));
  }
  Status RejectUnknown(std::span<const std::string_view> known) const;

 private:
  const boost::json::value* Find(std::string_view key) const;  // null when absent or null
  Error TypeError(std::string_view key, std::string_view expected,
                  const boost::json::value& got) const;

  const boost::json::object& object_;
  std::string path_;
};

// "a string", "a number", ... for messages like "must be a string (got a number)".
std::string_view JsonTypeName(const boost::json::value& v);

// Non-empty, at most `max_chars` code points, valid UTF-8, no control characters.
Status CheckText(std::string_view field, std::string_view text, std::size_t max_chars,
                 bool allow_empty = false);
}  // namespace crier
