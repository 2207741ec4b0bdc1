#include "sandbox/record.h"

#include <algorithm>

namespace crier::sandbox::detail {
namespace {

constexpr std::int64_t kDefaultListLimit = 100;
constexpr std::int64_t kMaxListLimit = 10000;

json::value ParseOr(const std::string& text, json::value fallback) {
  json::error_code ec;
  json::value v = json::parse(text, ec);
  return ec ? fallback : v;
}

json::object ToJson(const Record& r) {
  json::object item;
  item["seq"] = r.seq;
  item["platform"] = PlatformName(r.platform);
  item["account"] = r.account;
  item["recipient"] = r.recipient;
  item["route"] = r.route;
  item["message_id"] = r.message_id;
  item["delivered"] = r.delivered;
  item["received_at"] = FormatRfc3339(r.received_at);
  if (!r.detail_json.empty()) {
    json::value detail = ParseOr(r.detail_json, json::object());
    if (detail.is_object()) {
      for (const auto& [k, v] : detail.get_object()) item[k] = v;
    }
  }
  if (!r.message_json.empty()) {
    // The Send API's own names, kept for readers written when only Pages were played.
    item["page_id"] = r.account;
    item["recipient_id"] = r.recipient;
    if (r.messaging_type.empty()) {
      item["messaging_type"] = nullptr;
    } else {
      item["messaging_type"] = r.messaging_type;
    }
    if (r.tag.empty()) {
      item["tag"] = nullptr;
    } else {
      item["tag"] = r.tag;
    }
    item["message"] = ParseOr(r.message_json, nullptr);
  }
  item["body"] = r.body ? ParseOr(*r.body, nullptr) : json::value(nullptr);
  return item;
}

}  // namespace

std::int64_t Recorder::Accept(std::vector<Record> records, Platform platform) {
  std::lock_guard lock(mu_);
  const std::int64_t first = next_seq_;
  for (Record& r : records) {
    r.seq = next_seq_++;
    records_.push_back(std::move(r));
  }
  ++CountsOf(platform).accepted;
  return first;
}

void Recorder::AcceptUnrecorded(Platform platform) {
  std::lock_guard lock(mu_);
  ++CountsOf(platform).accepted;
}

void Recorder::Refuse(Platform platform, const std::string& code) {
  std::lock_guard lock(mu_);
  Counts& c = CountsOf(platform);
  ++c.refused;
  ++c.refused_by_code[code];
}

void Recorder::Fault(Platform platform, FaultKind kind) {
  std::lock_guard lock(mu_);
  Counts& c = CountsOf(platform);
  switch (kind) {
    case FaultKind::kDelayed:
      ++c.delayed;
      break;
    case FaultKind::kError:
      ++c.errors;
      break;
    case FaultKind::kTimeout:
      ++c.timeouts;
      break;
  }
}

net::Response Recorder::List(const net::Request& request) {
  auto after = QueryInt(request, "after", 0, 0, INT64_MAX, "must be a non-negative integer");
  if (!after.ok()) return ControlError(after.error());
  auto limit = QueryInt(request, "limit", kDefaultListLimit, 1, kMaxListLimit,
                        "must be an integer from 1 to 10000");
  if (!limit.ok()) return ControlError(limit.error());
  std::optional<Platform> platform;
  if (auto name = request.query_param("platform"); name && !name->empty()) {
    platform = ParsePlatform(*name);
    if (!platform) {
      return ControlError(
          InvalidArgument("platform", "must be messenger, instagram, whatsapp or line"));
    }
  }
  std::optional<std::string_view> account = request.query_param("account");
  if (!account || account->empty()) account = request.query_param("page_id");
  const bool by_account = account && !account->empty();

  std::vector<Record> items;
  bool more = false;
  {
    std::lock_guard lock(mu_);
    auto it = std::upper_bound(records_.begin(), records_.end(), *after,
                               [](std::int64_t a, const Record& r) { return a < r.seq; });
    for (; it != records_.end(); ++it) {
      if (platform && it->platform != *platform) continue;
      if (by_account && it->account != *account) continue;
      if (static_cast<std::int64_t>(items.size()) == *limit) {
        more = true;
        break;
      }
      items.push_back(*it);
    }
  }
  json::array out_items;
  out_items.reserve(items.size());
  for (const Record& r : items) out_items.emplace_back(ToJson(r));
  json::object out;
  out["items"] = std::move(out_items);
  if (more) {
    out["next_after"] = items.back().seq;
  } else {
    out["next_after"] = nullptr;
  }
  return JsonOk(200, out);
}

net::Response Recorder::Clear() {
  std::size_t cleared = 0;
  {
    std::lock_guard lock(mu_);
    cleared = records_.size();
    records_.clear();
    records_.shrink_to_fit();
    counts_ = {};
  }
  json::object out;
  out["cleared"] = cleared;
  return JsonOk(200, out);
}

net::Response Recorder::Stats() {
  json::object out;
  json::object platforms;
  std::int64_t accepted = 0;
  std::int64_t refused = 0;
  json::object faults{{"delayed", 0}, {"errors", 0}, {"timeouts", 0}};
  {
    std::lock_guard lock(mu_);
    out["recorded"] = records_.size();
    std::int64_t delayed = 0;
    std::int64_t errors = 0;
    std::int64_t timeouts = 0;
    for (Platform p : kPlatforms) {
      const Counts& c = CountsOf(p);
      json::object by_code;
      for (const auto& [code, n] : c.refused_by_code) by_code[code] = n;
      platforms[PlatformName(p)] = json::object{
          {"accepted", c.accepted},
          {"refused", c.refused},
          {"refused_by_code", std::move(by_code)},
          {"faults",
           json::object{{"delayed", c.delayed}, {"errors", c.errors}, {"timeouts", c.timeouts}}}};
      accepted += c.accepted;
      refused += c.refused;
      delayed += c.delayed;
      errors += c.errors;
      timeouts += c.timeouts;
    }
    faults = json::object{{"delayed", delayed}, {"errors", errors}, {"timeouts", timeouts}};
  }
  out["accepted"] = accepted;
  out["refused"] = refused;
  out["faults"] = std::move(faults);
  out["platforms"] = std::move(platforms);
  return JsonOk(200, out);
}

}  // namespace crier::sandbox::detail
