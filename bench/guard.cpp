// crier-guard: the cost of the promotional-content guard.
//
//  - compiling the built-in rules (parse + compile, what a server does once at start-up);
//  - checking every message of the labelled set, over and over (messages/s and MB/s: the
//    broadcast creation check and the console's live check);
//  - the worst case a Messenger text can be: 1,999 characters of mixed scripts full of
//    numbers, currencies and near-misses.
//
// Prints wall and CPU time (on a shared machine the CPU figure is what the code costs).
//
//   crier-guard [--labelled tests/data/guard_labelled.jsonl] [--seconds 3]
#include <CLI/CLI.hpp>
#include <boost/json.hpp>
#include <cstdio>
#include <ctime>
#include <fstream>
#include <string>
#include <vector>

#include "core/clock.h"
#include "core/promo_guard.h"

using namespace crier;

namespace {

class Stopwatch {
 public:
  Stopwatch() : start_(SystemClock::Instance().Steady()), cpu_start_(std::clock()) {}
  double Seconds() const {
    return std::chrono::duration<double>(SystemClock::Instance().Steady() - start_).count();
  }
  double CpuSeconds() const {
    return static_cast<double>(std::clock() - cpu_start_) / CLOCKS_PER_SEC;
  }

 private:
  std::chrono::steady_clock::time_point start_;
  std::clock_t cpu_start_;
};

std::vector<guard::TextField> ReadLabelled(const std::string& path) {
  std::ifstream in(path);
  if (!in) {
    std::fprintf(stderr, "crier-guard: cannot open %s\n", path.c_str());
    std::exit(1);
  }
  std::vector<guard::TextField> fields;
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty()) continue;
    const boost::json::value v = boost::json::parse(line);
    fields.push_back({"message 1 text", "", std::string(v.at("text").as_string())});
  }
  return fields;
}

// Text that keeps the matcher busy without being promotional: numbers, amounts, dates,
// look-alike words, all six scripts.
std::string WorstCase() {
  const std::string pieces[] = {
      "Order #12345 of $59.90 shipped on April 3, ",
      "wholesale resale salesperson ",
      "付款 NT$1,200 已完成，",
      "Đơn hàng 350.000đ đã giao, ",
      "คำสั่งซื้อ 500 บาท จัดส่งแล้ว ",
      "Pesanan Rp 150.000 dikirim, ",
      "10-30% 2024-05-01 v1.2.3 ",
  };
  std::string text;
  for (std::size_t i = 0;; ++i) {
    const std::string& next = pieces[i % std::size(pieces)];
    std::size_t chars = 0;
    for (unsigned char c : text + next) chars += (c & 0xC0) != 0x80;
    if (chars >= 1999) break;
    text += next;
  }
  return text;
}

void Report(const char* what, double n, const char* unit, const Stopwatch& w, double bytes = 0) {
  const double wall = w.Seconds(), cpu = w.CpuSeconds();
  std::printf("%-34s %10.0f %s: wall %6.3f s = %10.0f/s, cpu %6.3f s = %10.0f/s", what, n, unit,
              wall, n / wall, cpu, n / cpu);
  if (bytes > 0) std::printf(", %.1f MB/s cpu", bytes / cpu / 1e6);
  std::printf("\n");
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"crier-guard: the promotional-content guard's throughput"};
  std::string labelled = "tests/data/guard_labelled.jsonl";
  double seconds = 3;
  app.add_option("--labelled", labelled, "JSON Lines with a \"text\" member per line");
  app.add_option("--seconds", seconds, "how long to repeat each measurement");
  CLI11_PARSE(app, argc, argv);

  {
    const int rounds = 20;
    Stopwatch w;
    std::size_t rules = 0;
    for (int i = 0; i < rounds; ++i) {
      auto sets = guard::BuiltInRuleSets();
      auto guard = sets.ok() ? guard::Guard::Create(*sets) : Result<guard::Guard>(sets.error());
      if (!guard.ok()) {
        std::fprintf(stderr, "crier-guard: %s\n", guard.error().ToString().c_str());
        return 1;
      }
      rules = guard->rule_count() + guard->allow_count();
    }
    std::printf("built-in rules: %zu (rules and allows)\n", rules);
    Report("compile built-in rules", rounds, "times", w);
  }

  const guard::Guard& guard = guard::AccountGuards::BuiltIn().For(std::nullopt);
  const std::vector<guard::TextField> fields = ReadLabelled(labelled);
  double bytes_per_pass = 0;
  for (const auto& f : fields) bytes_per_pass += static_cast<double>(f.text.size());
  {
    Stopwatch w;
    std::size_t messages = 0, hits = 0;
    double bytes = 0;
    while (w.Seconds() < seconds) {
      for (const auto& f : fields) hits += guard.Check(std::span(&f, 1)).size();
      messages += fields.size();
      bytes += bytes_per_pass;
    }
    std::printf("labelled set: %zu messages, %.0f bytes, %zu hits per pass\n", fields.size(),
                bytes_per_pass, hits / (messages / fields.size()));
    Report("check labelled messages", static_cast<double>(messages), "msgs", w, bytes);
  }
  {
    const guard::TextField field{"message 1 text", "", WorstCase()};
    Stopwatch w;
    std::size_t checks = 0, hits = 0;
    while (w.Seconds() < seconds) {
      hits = guard.Check(std::span(&field, 1)).size();
      ++checks;
    }
    std::printf("worst case: %zu bytes, %zu hits\n", field.text.size(), hits);
    Report("check a 1,999-character text", static_cast<double>(checks), "checks", w,
           static_cast<double>(checks * field.text.size()));
  }
  return 0;
}
