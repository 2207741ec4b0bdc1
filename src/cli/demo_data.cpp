#include "cli/demo_data.h"

#include <fmt/format.h>

#include <array>
#include <boost/json.hpp>
#include <chrono>

namespace crier::cli {
namespace {

using std::chrono::hours;
using std::chrono::minutes;

struct Language {
  const char* locale;
  const char* time_zone;
  std::vector<const char*> given;
  std::vector<const char*> family;
  bool family_first;        // the family name is written first
  bool joined;              // no space between family and given name (Chinese)
  bool first_is_last_word;  // the name people are called by is the last word of `given`
};

const std::array<Language, 5>& Languages() {
  static const std::array<Language, 5> kLanguages = {{
      {"en_US",
       "America/New_York",
       {"Emma", "Liam", "Olivia", "Noah", "Ava", "James", "Sophia", "Lucas", "Mia", "Ethan"},
       {"Smith", "Johnson", "Brown", "Taylor", "Wilson", "Clark", "Walker", "Hall"},
       false,
       false,
       false},
      {"zh_TW",
       "Asia/Taipei",
       {"怡君", "志明", "雅婷", "冠宇", "淑芬", "家豪", "詩涵", "宗翰"},
       {"陳", "林", "黃", "張", "李", "王", "吳", "劉"},
       true,
       true,
       false},
      {"vi_VN",
       "Asia/Ho_Chi_Minh",
       {"Văn An", "Thị Hoa", "Minh Tuấn", "Thị Lan", "Quốc Bảo", "Ngọc Anh", "Đức Huy",
        "Thu Trang"},
       {"Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Võ", "Đặng", "Bùi"},
       true,
       false,
       true},
      {"th_TH",
       "Asia/Bangkok",
       {"สมชาย", "สมหญิง", "อนุชา", "กมลา", "ธนพล", "วรรณา", "ปิยะ", "ณัฐธิดา"},
       {"ใจดี", "ศรีสุข", "วงศ์ไทย", "แสงทอง", "บุญมา", "ทองดี"},
       false,
       false,
       false},
      {"id_ID",
       "Asia/Jakarta",
       {"Budi", "Siti", "Agus", "Dewi", "Rizky", "Putri", "Andi", "Ayu"},
       {"Santoso", "Wijaya", "Saputra", "Lestari", "Hidayat", "Kusuma", "Pratama", "Sari"},
       false,
       false,
       false},
  }};
  return kLanguages;
}

// SplitMix64: tiny, fast, and the same on every platform (std distributions are not).
class Rng {
 public:
  explicit Rng(std::uint64_t seed) : state_(seed) {}
  std::uint64_t Next() {
    std::uint64_t z = (state_ += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
  }
  std::uint64_t Below(std::uint64_t n) { return Next() % n; }
  // A duration in [lo, hi).
  Duration Between(Duration lo, Duration hi) {
    return lo + Duration(static_cast<Duration::rep>(
                    Below(static_cast<std::uint64_t>((hi - lo).count()))));
  }

 private:
  std::uint64_t state_;
};

// Percent of contacts in each window bucket: 33% inside the 24 h window in all.
constexpr std::uint64_t kJustInsidePercent = 5;
constexpr std::uint64_t kJustOutsidePercent = 5;
constexpr std::uint64_t kInsidePercent = 28;
constexpr std::uint64_t kVipPercent = 10;
constexpr std::uint64_t kNewPercent = 25;
constexpr std::uint64_t kChurnedPercent = 15;
constexpr std::uint64_t kPsidBase = 7'000'000'000'000'000ULL;
constexpr std::uint64_t kPsidSeedStride = 100'000'000ULL;  // > kDemoMaxContacts
constexpr std::uint64_t kPsidSeeds = 10'000;

DemoWindow PickWindow(std::uint64_t percent) {
  if (percent < kJustInsidePercent) return DemoWindow::kJustInside;
  if (percent < kJustInsidePercent + kJustOutsidePercent) return DemoWindow::kJustOutside;
  if (percent < kJustInsidePercent + kJustOutsidePercent + kInsidePercent) {
    return DemoWindow::kInside;
  }
  return DemoWindow::kOutside;
}

Duration AgoFor(DemoWindow window, Rng& rng) {
  switch (window) {
    case DemoWindow::kInside:
      return rng.Between(minutes(5), hours(23) + minutes(30));
    case DemoWindow::kJustInside:
      return rng.Between(hours(23) + minutes(30), hours(23) + minutes(59));
    case DemoWindow::kJustOutside:
      return rng.Between(hours(24) + minutes(1), hours(24) + minutes(30));
    case DemoWindow::kOutside:
      break;
  }
  return rng.Between(hours(24) + minutes(30), hours(72));
}

}  // namespace

std::vector<DemoContact> GenerateDemoContacts(const DemoOptions& options, Time now) {
  std::vector<DemoContact> out;
  out.reserve(static_cast<std::size_t>(std::max<std::int64_t>(options.contacts, 0)));
  for (std::int64_t i = 0; i < options.contacts; ++i) {
    const auto index = static_cast<std::uint64_t>(i);
    Rng rng(options.seed * 0xD1B54A32D192ED03ULL ^ (index + 1) * 0x9E3779B97F4A7C15ULL);
    const Language& lang = Languages()[rng.Below(Languages().size())];
    const std::string given = lang.given[rng.Below(lang.given.size())];
    const std::string family = lang.family[rng.Below(lang.family.size())];
    DemoContact c;
    c.platform_user_id =
        std::to_string(kPsidBase + (options.seed % kPsidSeeds) * kPsidSeedStride + index);
    const char* sep = lang.joined ? "" : " ";
    c.name = lang.family_first ? family + sep + given : given + sep + family;
    c.first_name = lang.first_is_last_word ? given.substr(given.rfind(' ') + 1) : given;
    c.locale = lang.locale;
    c.time_zone = lang.time_zone;
    if (rng.Below(100) < kVipPercent) c.tags.emplace_back("vip");
    const std::uint64_t lifecycle = rng.Below(100);
    if (lifecycle < kNewPercent) {
      c.tags.emplace_back("new");
    } else if (lifecycle < kNewPercent + kChurnedPercent) {
      c.tags.emplace_back("churned");
    }
    c.window = PickWindow(rng.Below(100));
    c.last_inbound_at = now - AgoFor(c.window, rng);
    out.push_back(std::move(c));
  }
  return out;
}

std::string DemoContactsJsonl(std::span<const DemoContact> contacts) {
  std::string out;
  for (const DemoContact& c : contacts) {
    boost::json::array tags;
    for (const auto& t : c.tags) tags.emplace_back(t);
    out += boost::json::serialize(boost::json::object{
        {"platform_user_id", c.platform_user_id},
        {"name", c.name},
        {"first_name", c.first_name},
        {"locale", c.locale},
        {"time_zone", c.time_zone},
        {"tags", std::move(tags)},
        {"last_inbound_at", FormatRfc3339(c.last_inbound_at)},
        {"window_opener", "organic"},
    });
    out += '\n';
  }
  return out;
}

std::string DemoInteractionsBody(const std::string& page_id,
                                 std::span<const DemoContact> contacts) {
  boost::json::array items;
  items.reserve(contacts.size());
  for (const DemoContact& c : contacts) {
    items.push_back(boost::json::object{{"user_id", c.platform_user_id},
                                        {"at", FormatRfc3339(c.last_inbound_at)},
                                        {"source", "organic"}});
  }
  return boost::json::serialize(
      boost::json::object{{"page_id", page_id}, {"interactions", std::move(items)}});
}

std::string DemoAccessToken(const std::string& page_id) { return "demo-token-" + page_id; }

}  // namespace crier::cli
