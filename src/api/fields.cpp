#include "api/fields.h"

#include <date/tz.h>

#include <charconv>
#include <cmath>
#include <limits>

#include "api/limits.h"
#include "codec/utf8.h"

namespace crier::api {
Status CheckTimeZone(std::string_view field, std::string_view name) {
  bool ok = !name.empty() && name.size() <= kMaxTimeZoneBytes && name.front() != '/' &&
            name.back() != '/';
  for (char c : name) {
    const bool allowed = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                         (c >= '0' && c <= '9') || c == '/' || c == '_' || c == '-' || c == '+';
    ok = ok && allowed;
  }
  if (!ok) {
    return InvalidArgument(std::string(field),
                           "must be an IANA time zone name, e.g. UTC or Asia/Taipei");
  }
  return Status::Ok();
}

namespace {

bool IsFixedOffset(std::string_view s) {
  auto digit = [](char c) { return c >= '0' && c <= '9'; };
  if (s.size() != 6 || (s[0] != '+' && s[0] != '-') || !digit(s[1]) || !digit(s[2]) ||
      s[3] != ':' || !digit(s[4]) || !digit(s[5])) {
    return false;
  }
  const int hours = (s[1] - '0') * 10 + (s[2] - '0');
  const int minutes = (s[4] - '0') * 10 + (s[5] - '0');
  if (minutes > 59) return false;
  const int total = hours * 60 + minutes;
  return s[0] == '+' ? total <= 14 * 60 : total <= 12 * 60;
}

}  // namespace

Status CheckContactTimeZone(std::string_view field, std::string_view name) {
  if (IsFixedOffset(name)) return Status::Ok();
  // The shape check first: locate_zone must never see arbitrary input (and it is cheap).
  if (CheckTimeZone(field, name).ok()) {
    try {
      if (date::locate_zone(name) != nullptr) return Status::Ok();
    } catch (const std::exception&) {  // unknown name
    }
  }
  return InvalidArgument(std::string(field),
                         "must be an IANA time zone name such as Asia/Taipei, or a UTC offset "
                         "such as +05:45");
}

Result<std::optional<std::int64_t>> QueryInt(const net::Request& request, std::string_view name) {
  const std::optional<std::string_view> raw = request.query_param(name);
  if (!raw) return std::optional<std::int64_t>();
  std::int64_t n = 0;
  const auto [end, ec] = std::from_chars(raw->data(), raw->data() + raw->size(), n);
  if (raw->empty() || ec != std::errc() || end != raw->data() + raw->size()) {
    return InvalidArgument(std::string(name), std::string(kMsgWantInteger));
  }
  return std::optional<std::int64_t>(n);
}

Result<std::optional<Id>> QueryId(const net::Request& request, std::string_view name) {
  auto n = QueryInt(request, name);
  if (!n.ok()) return InvalidArgument(std::string(name), std::string(kMsgWantPositiveId));
  if (n->has_value() && **n <= 0) {
    return InvalidArgument(std::string(name), std::string(kMsgWantPositiveId));
  }
  return *n;
}

Result<PageRequest> ReadPage(const net::Request& request) {
  PageRequest page;
  page.limit = kDefaultPageLimit;
  auto limit = QueryInt(request, "limit");
  if (!limit.ok()) return limit.error();
  if (limit->has_value()) {
    if (**limit < 1 || **limit > kMaxPageLimit) {
      return InvalidArgument("limit", "must be between 1 and " + std::to_string(kMaxPageLimit));
    }
    page.limit = static_cast<int>(**limit);
  }
  auto after = QueryInt(request, "after");
  if (!after.ok()) return after.error();
  if (after->has_value()) {
    if (**after < 0) return InvalidArgument("after", "must be an id (0 or more)");
    page.after_id = **after;
  }
  return page;
}

}  // namespace crier::api
