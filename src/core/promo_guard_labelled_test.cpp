// The built-in guard against tests/data/guard_labelled.jsonl: messages written as marketers
// and support agents write them, labelled promotional or not, in six locales. Fails when
// overall precision or recall drops below 0.95; the output gives the confusion per language
// and every message the guard got wrong, with its hits.
#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <fstream>
#include <iomanip>
#include <map>
#include <sstream>
#include <string>

#include "core/promo_guard.h"

namespace crier::guard {
namespace {

constexpr double kMinPrecision = 0.95;
constexpr double kMinRecall = 0.95;
constexpr std::size_t kMinMessages = 240;
constexpr std::size_t kMinPerLanguage = 30;

struct Labelled {
  std::string language;
  bool promotional = false;
  std::string text;
  int line = 0;
};

struct Confusion {
  int tp = 0, fp = 0, fn = 0, tn = 0;
  int total() const { return tp + fp + fn + tn; }
  double precision() const { return tp + fp == 0 ? 1.0 : double(tp) / (tp + fp); }
  double recall() const { return tp + fn == 0 ? 1.0 : double(tp) / (tp + fn); }
  void Add(bool labelled, bool found) {
    if (labelled && found) ++tp;
    if (!labelled && found) ++fp;
    if (labelled && !found) ++fn;
    if (!labelled && !found) ++tn;
  }
};

std::vector<Labelled> ReadLabelled() {
  std::ifstream in(CRIER_GUARD_LABELLED_PATH);
  EXPECT_TRUE(in) << "cannot open " << CRIER_GUARD_LABELLED_PATH;
  std::vector<Labelled> out;
  std::string line;
  int n = 0;
  while (std::getline(in, line)) {
    ++n;
    if (line.empty()) continue;
    boost::json::error_code ec;
    const boost::json::value v = boost::json::parse(line, ec);
    if (ec || !v.is_object()) {
      ADD_FAILURE() << "line " << n << " is not a JSON object";
      continue;
    }
    const boost::json::object& o = v.get_object();
    out.push_back({std::string(o.at("lang").as_string()), o.at("promotional").as_bool(),
                   std::string(o.at("text").as_string()), n});
  }
  return out;
}

std::string Row(const std::string& name, const Confusion& c) {
  std::ostringstream os;
  os << std::left << std::setw(9) << name << std::right << std::setw(5) << c.total() << std::setw(5)
     << c.tp << std::setw(5) << c.fp << std::setw(5) << c.fn << std::setw(5) << c.tn << std::fixed
     << std::setprecision(3) << std::setw(11) << c.precision() << std::setw(8) << c.recall()
     << "\n";
  return os.str();
}

TEST(GuardLabelledSet, PrecisionAndRecallAtLeast95Percent) {
  const std::vector<Labelled> set = ReadLabelled();
  ASSERT_GE(set.size(), kMinMessages);
  const Guard& guard = AccountGuards::BuiltIn().For(std::nullopt);

  std::map<std::string, Confusion> by_language;
  Confusion overall;
  std::string mistakes;
  for (const Labelled& m : set) {
    const TextField field{"message 1 text", "", m.text};
    const std::vector<Hit> hits = guard.Check(std::span(&field, 1));
    const bool found = !hits.empty();
    by_language[m.language].Add(m.promotional, found);
    overall.Add(m.promotional, found);
    if (found == m.promotional) continue;
    mistakes += "  line " + std::to_string(m.line) + " [" + m.language + "] " +
                (m.promotional ? "missed: " : "false alarm: ") + m.text + "\n";
    for (const Hit& h : hits) {
      mistakes += "      " + h.rule_id + " (" + h.category + ") \"" + h.matched + "\"\n";
    }
  }

  std::string report = "language    n   tp   fp   fn   tn  precision  recall\n";
  for (const auto& [language, c] : by_language) {
    report += Row(language, c);
    EXPECT_GE(c.total(), static_cast<int>(kMinPerLanguage)) << language;
  }
  report += Row("all", overall);
  if (!mistakes.empty()) report += "misclassified:\n" + mistakes;
  std::cout << report;

  EXPECT_GE(overall.precision(), kMinPrecision) << report;
  EXPECT_GE(overall.recall(), kMinRecall) << report;
  // Both labels are represented in earnest.
  EXPECT_GE(overall.tp + overall.fn, static_cast<int>(set.size() * 4 / 10));
  EXPECT_GE(overall.tn + overall.fp, static_cast<int>(set.size() * 4 / 10));
}

}  // namespace
}  // namespace crier::guard
