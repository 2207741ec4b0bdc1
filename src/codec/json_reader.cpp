#include "codec/json_reader.h"

#include <cmath>
#include <limits>

#include "codec/utf8.h"

namespace crier {
namespace {

Result<std::optional<std::string>> NoString() { return std::optional<std::string>(); }

}  // namespace

Result<boost::json::value> ParseJson(std::string_view text, std::string_view field) {
  try {
    boost::json::stream_parser parser;
    boost::json::error_code ec;
    const std::size_t consumed = parser.write(text.data(), text.size(), ec);
    if (!ec) parser.finish(ec);
    if (ec) {
      if (text.find_first_not_of(" \t\r\n") == std::string_view::npos) {
        return InvalidArgument(std::string(field), "is empty; expected a JSON object");
      }
      return InvalidArgument(
          std::string(field),
          "malformed JSON at byte " + std::to_string(consumed) + ": " + ec.message());
    }
    return parser.release();
  } catch (const std::exception& e) {  // allocation failures and the like
    return InvalidArgument(std::string(field), std::string("unreadable JSON: ") + e.what());
  }
}

std::string ElementPath(std::string_view array_path, std::size_t index) {
  return std::string(array_path) + "[" + std::to_string(index) + "]";
}

std::string_view JsonTypeName(const boost::json::value& v) {
  switch (v.kind()) {
    case boost::json::kind::null:
      return "null";
    case boost::json::kind::bool_:
      return "a boolean";
    case boost::json::kind::int64:
    case boost::json::kind::uint64:
    case boost::json::kind::double_:
      return "a number";
    case boost::json::kind::string:
      return "a string";
    case boost::json::kind::array:
      return "an array";
    case boost::json::kind::object:
      return "an object";
  }
  return "a value";
}

std::string ObjectReader::Path(std::string_view key) const {
  if (path_.empty()) return std::string(key);
  return path_ + "." + std::string(key);
}

bool ObjectReader::Has(std::string_view key) const { return Find(key) != nullptr; }

const boost::json::value* ObjectReader::Find(std::string_view key) const {
  const boost::json::value* v = object_.if_contains(key);
  if (v == nullptr || v->is_null()) return nullptr;
  return v;
}

Error ObjectReader::TypeError(std::string_view key, std::string_view expected,
                              const boost::json::value& got) const {
  return InvalidArgument(Path(key),
                         std::string(expected) + " (got " + std::string(JsonTypeName(got)) + ")");
}

Result<std::optional<std::string>> ObjectReader::OptString(std::string_view key) const {
  const boost::json::value* v = Find(key);
  if (v == nullptr) return NoString();
  if (!v->is_string()) return TypeError(key, kMsgWantString, *v);
  const boost::json::string& s = v->get_string();
  if (!IsValidUtf8(std::string_view(s.data(), s.size()))) {
    return InvalidArgument(Path(key), std::string(kMsgInvalidUtf8));
  }
  return std::optional<std::string>(std::string(s.data(), s.size()));
}

Result<std::string> ObjectReader::String(std::string_view key) const {
  auto s = OptString(key);
  if (!s.ok()) return s.error();
  if (!s->has_value()) return InvalidArgument(Path(key), std::string(kMsgRequired));
  return std::move(**s);
}

Result<std::optional<std::int64_t>> ObjectReader::OptInt(std::string_view key) const {
  const boost::json::value* v = Find(key);
  if (v == nullptr) return std::optional<std::int64_t>();
  if (v->is_int64()) return std::optional<std::int64_t>(v->get_int64());
  if (v->is_uint64()) {
    if (v->get_uint64() > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max())) {
      return InvalidArgument(Path(key), "is too large");
    }
    return std::optional<std::int64_t>(static_cast<std::int64_t>(v->get_uint64()));
  }
  if (v->is_double()) {
    // 3.0 is an integer written loosely; 3.5 is not.
    const double d = v->get_double();
    if (std::trunc(d) == d && std::fabs(d) < 9.0e15) {
      return std::optional<std::int64_t>(static_cast<std::int64_t>(d));
    }
  }
  return TypeError(key, kMsgWantInteger, *v);
}

Result<std::optional<Id>> ObjectReader::OptId(std::string_view key) const {
  auto n = OptInt(key);
  if (!n.ok()) {
    if (const boost::json::value* v = Find(key)) return TypeError(key, kMsgWantPositiveId, *v);
    return n.error();
  }
  if (n->has_value() && **n <= 0) {
    return InvalidArgument(Path(key), std::string(kMsgWantPositiveId));
  }
  return *n;
}

Result<std::optional<double>> ObjectReader::OptNumber(std::string_view key) const {
  const boost::json::value* v = Find(key);
  if (v == nullptr) return std::optional<double>();
  if (v->is_int64()) return std::optional<double>(static_cast<double>(v->get_int64()));
  if (v->is_uint64()) return std::optional<double>(static_cast<double>(v->get_uint64()));
  if (v->is_double()) return std::optional<double>(v->get_double());
  return TypeError(key, kMsgWantNumber, *v);
}

Result<std::optional<bool>> ObjectReader::OptBool(std::string_view key) const {
  const boost::json::value* v = Find(key);
  if (v == nullptr) return std::optional<bool>();
  if (v->is_bool()) return std::optional<bool>(v->get_bool());
  return TypeError(key, kMsgWantBool, *v);
}

Result<std::optional<Time>> ObjectReader::OptTime(std::string_view key) const {
  const boost::json::value* v = Find(key);
  if (v == nullptr) return std::optional<Time>();
  if (!v->is_string()) return TypeError(key, kMsgWantRfc3339, *v);
  Time t;
  const boost::json::string& s = v->get_string();
  if (!ParseRfc3339(std::string_view(s.data(), s.size()), &t)) {
    return InvalidArgument(Path(key), std::string(kMsgWantRfc3339));
  }
  return std::optional<Time>(t);
}

Result<const boost::json::object*> ObjectReader::OptObject(std::string_view key) const {
  const boost::json::value* v = Find(key);
  if (v == nullptr) return nullptr;
  if (!v->is_object()) return TypeError(key, kMsgWantObject, *v);
  return &v->get_object();
}

Result<const boost::json::array*> ObjectReader::OptArray(std::string_view key) const {
  const boost::json::value* v = Find(key);
  if (v == nullptr) return nullptr;
  if (!v->is_array()) return TypeError(key, kMsgWantArray, *v);
  return &v->get_array();
}

Status ObjectReader::RejectUnknown(std::span<const std::string_view> known) const {
  for (const auto& [key, value] : object_) {
    bool found = false;
    for (std::string_view k : known) found = found || k == std::string_view(key);
    if (!found) {
      std::string expected;
      for (std::string_view k : known) {
        if (!expected.empty()) expected += ", ";
        expected += k;
      }
      return InvalidArgument(Path(key),
                             std::string(kMsgUnknownField) + "; expected one of: " + expected);
    }
  }
  return Status::Ok();
}

Status CheckText(std::string_view field, std::string_view text, std::size_t max_chars,
                 bool allow_empty) {
  if (text.empty()) {
    if (allow_empty) return Status::Ok();
    return InvalidArgument(std::string(field), std::string(kMsgEmpty));
  }
  const std::optional<std::size_t> chars = CountCodePoints(text);
  if (!chars) return InvalidArgument(std::string(field), std::string(kMsgInvalidUtf8));
  if (*chars > max_chars) {
    return InvalidArgument(std::string(field), "is too long: " + std::to_string(*chars) +
                                                   " characters, at most " +
                                                   std::to_string(max_chars) + " allowed");
  }
  for (unsigned char c : text) {
    if (c < 0x20 || c == 0x7F) {
      return InvalidArgument(std::string(field), "must not contain control characters");
    }
  }
  return Status::Ok();
}

}  // namespace crier
