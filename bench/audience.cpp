// Audience evaluation benchmark (issue 3, item 5): Count over N synthetic contacts for
//
//   tag any(vip) and tag any(loyal) and interacted < 7d and attr.spend > 100
//
// with engine::AudienceIndex, and with the plain full scan (filter::Matches over a
// std::vector<Contact>) measured in the same run as the baseline.
//
//   crier-audience --contacts 1000000 [--repeat 7] [--scan-repeat 7]
//
// Prints a table and one line "RESULT {json}". Single-threaded on both sides.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <string>
#include <vector>

#include "core/clock.h"
#include "core/filter.h"
#include "core/model.h"
#include "engine/audience_index.h"

namespace {

using crier::Contact;
using crier::Time;
using namespace std::chrono_literals;

// splitmix64: deterministic on every platform, unlike the std distributions.
struct Rng {
  std::uint64_t s;
  std::uint64_t Next() {
    std::uint64_t z = (s += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
  }
  double Unit() { return static_cast<double>(Next() >> 11) * 0x1.0p-53; }  // [0, 1)
};

const Time kNow = crier::FromUnixMillis(1'790'000'000'000);
constexpr int kTags = 50;
constexpr int kCities = 20;
constexpr crier::Id kAccount = 1;

std::string TagName(int k) {
  if (k == 1) return "loyal";
  if (k == 3) return "vip";
  return "tag" + std::to_string(k);
}

// Tag k is on a contact with probability 0.3 / (1 + k/2): "loyal" 20 %, "vip" 12 %, the
// rarest 1.2 %. Interactions uniform over the last 30 days on one account, 10 % never;
// city skewed over 20 values; spend exponential with mean 80 (29 % above 100).
std::vector<Contact> Generate(std::int64_t n) {
  std::vector<Contact> contacts;
  contacts.reserve(static_cast<std::size_t>(n));
  Rng rng{42};
  const char* locales[] = {"zh_TW", "en_US", "ja_JP", "th_TH"};
  const char* zones[] = {"Asia/Taipei", "Asia/Tokyo", "Asia/Bangkok", "+05:45"};
  for (std::int64_t i = 1; i <= n; ++i) {
    Contact c;
    c.id = i;
    c.name = "Contact " + std::to_string(i);
    c.locale = locales[rng.Next() % 4];
    c.time_zone = zones[rng.Next() % 4];
    for (int k = 0; k < kTags; ++k) {
      if (rng.Unit() < 0.3 / (1 + k / 2.0)) c.tags.push_back(TagName(k));
    }
    crier::Identity identity;
    identity.channel_account_id = kAccount;
    identity.platform_user_id = "psid" + std::to_string(i);
    if (rng.Unit() >= 0.1) {
      identity.last_inbound_at =
          kNow - crier::Duration(static_cast<std::int64_t>(rng.Unit() * 30 * 86'400'000.0));
    }
    c.identities.push_back(std::move(identity));
    const auto city = static_cast<int>(std::pow(rng.Unit(), 2) * kCities);
    const double spend = std::round(-std::log(1 - rng.Unit()) * 80 * 100) / 100;
    // Sorted by key, as the model requires.
    c.attributes.push_back({"city", "city" + std::to_string(city)});
    c.attributes.push_back({"spend", spend});
    c.created_at = c.updated_at = kNow - 40 * 24h;
    contacts.push_back(std::move(c));
  }
  return contacts;
}

crier::filter::Node BenchFilter() {
  using namespace crier::filter;
  auto tag = [](std::string t) { return Node::Leaf(TagPred{TagMatch::kAnyOf, {std::move(t)}}); };
  std::vector<Node> all;
  all.push_back(tag("vip"));
  all.push_back(tag("loyal"));
  all.push_back(Node::Leaf(InteractedPred{std::nullopt, {Cmp::kGt, {std::nullopt, 7 * 24h}}}));
  all.push_back(Node::Leaf(AttrPred{"spend", AttrOp::kGt, crier::AttributeValue(100.0)}));
  return Node{Node::Kind::kAnd, std::move(all), std::nullopt};
}

double RssMb() {
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind("VmRSS:", 0) == 0) return std::atof(line.c_str() + 6) / 1024.0;
  }
  return 0;
}

double Seconds(std::chrono::steady_clock::time_point a, std::chrono::steady_clock::time_point b) {
  return std::chrono::duration<double>(b - a).count();
}

double Median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  const std::size_t n = v.size();
  return n % 2 == 1 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

std::string Join(const std::vector<double>& v) {
  std::string s;
  for (const double x : v) {
    if (!s.empty()) s += ", ";
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.2f", x);
    s += buf;
  }
  return s;
}

}  // namespace

int main(int argc, char** argv) {
  std::int64_t n = 1'000'000;
  int repeat = 7;
  int scan_repeat = -1;  // same as repeat unless given
  for (int i = 1; i + 1 < argc; i += 2) {
    if (std::strcmp(argv[i], "--contacts") == 0) {
      n = std::atoll(argv[i + 1]);
    } else if (std::strcmp(argv[i], "--repeat") == 0) {
      repeat = std::atoi(argv[i + 1]);
    } else if (std::strcmp(argv[i], "--scan-repeat") == 0) {
      scan_repeat = std::atoi(argv[i + 1]);
    } else {
      std::fprintf(stderr, "usage: %s --contacts N [--repeat R] [--scan-repeat R]\n", argv[0]);
      return 2;
    }
  }
  if (n <= 0 || repeat <= 0) {
    std::fprintf(stderr, "--contacts and --repeat must be positive\n");
    return 2;
  }
  if (scan_repeat <= 0) scan_repeat = repeat;
  const crier::Clock& clock = crier::SystemClock::Instance();

  auto t0 = clock.Steady();
  const std::vector<Contact> contacts = Generate(n);
  auto t1 = clock.Steady();
  const double rss_contacts = RssMb();

  crier::engine::AudienceIndex index;
  for (const auto& c : contacts) index.Upsert(c);
  auto t2 = clock.Steady();
  const double rss_index = RssMb();
  const double index_mb = static_cast<double>(index.MemoryBytes()) / (1 << 20);
  const double mb_per_million = index_mb * 1e6 / static_cast<double>(n);

  const crier::filter::Node filter = BenchFilter();
  std::int64_t index_count = 0;
  std::vector<double> index_ms;
  for (int r = 0; r < repeat; ++r) {
    auto a = clock.Steady();
    index_count = index.Count(filter, kNow);
    index_ms.push_back(Seconds(a, clock.Steady()) * 1e3);
  }
  std::vector<double> list_ms;
  std::size_t page = 0;
  for (int r = 0; r < repeat; ++r) {
    auto a = clock.Steady();
    page = index.List(filter, kNow, 0, 100).size();
    list_ms.push_back(Seconds(a, clock.Steady()) * 1e3);
  }
  std::int64_t scan_count = 0;
  std::vector<double> scan_ms;
  for (int r = 0; r < scan_repeat; ++r) {
    auto a = clock.Steady();
    std::int64_t m = 0;
    for (const auto& c : contacts) m += crier::filter::Matches(filter, c, kNow) ? 1 : 0;
    scan_ms.push_back(Seconds(a, clock.Steady()) * 1e3);
    scan_count = m;
  }

  const double index_med = Median(index_ms);
  const double scan_med = Median(scan_ms);
  std::printf("contacts              %lld\n", static_cast<long long>(n));
  std::printf("generate              %.2f s (RSS %.0f MB with the Contact vector)\n",
              Seconds(t0, t1), rss_contacts);
  std::printf("index build           %.2f s (%.0f contacts/s), RSS +%.0f MB\n", Seconds(t1, t2),
              static_cast<double>(n) / Seconds(t1, t2), rss_index - rss_contacts);
  std::printf("index memory          %.1f MB (%.1f MB per million contacts)\n", index_mb,
              mb_per_million);
  std::printf("matched               index %lld, scan %lld\n", static_cast<long long>(index_count),
              static_cast<long long>(scan_count));
  std::printf("count, index          median %.2f ms  (runs: %s)\n", index_med,
              Join(index_ms).c_str());
  std::printf("list 100, index       median %.2f ms  (%zu ids)\n", Median(list_ms), page);
  std::printf("count, full scan      median %.2f ms  (runs: %s)\n", scan_med,
              Join(scan_ms).c_str());
  std::printf("ratio                 %.1fx\n", scan_med / index_med);
  std::printf(
      "RESULT {\"bench\":\"audience\",\"contacts\":%lld,\"matched\":%lld,"
      "\"index_count_ms\":%.3f,\"index_list100_ms\":%.3f,\"scan_count_ms\":%.3f,"
      "\"ratio\":%.1f,\"build_s\":%.2f,\"index_mb_per_million\":%.1f,\"rss_mb\":%.0f,"
      "\"repeat\":%d,\"scan_repeat\":%d}\n",
      static_cast<long long>(n), static_cast<long long>(index_count), index_med, Median(list_ms),
      scan_med, scan_med / index_med, Seconds(t1, t2), mb_per_million, rss_index, repeat,
      scan_repeat);
  if (index_count != scan_count) {
    std::fprintf(stderr, "index and scan disagree\n");
    return 1;
  }
  return 0;
}
