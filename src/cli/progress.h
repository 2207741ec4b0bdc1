// Progress rendering for long client commands (import, send). Pure functions from counts to
// text, so the exact output is testable; the commands decide where and how often to print.
#pragma once

#include <cstdint>
#include <string>

namespace crier::cli {

// Counts of one run's deliveries, as the report gives them.
struct SendProgress {
  std::int64_t total = 0;  // every delivery of the run, whatever its state
  std::int64_t sent = 0;
  std::int64_t failed = 0;
  std::int64_t skipped = 0;
  double per_second = 0;  // recent sends (sent + failed) per second
};

// "[#####.....]": `width` cells, filled in proportion to done/total (full when total is 0 and
// done is 0, since there is nothing left to do). Clamps done to [0, total].
std::string RenderBar(std::int64_t done, std::int64_t total, int width);

// A rate with one decimal and a k/M suffix: "850/s", "2.1k/s", "1.3M/s".
std::string FormatRate(double per_second);

// One progress line for a send that fits in `columns` terminal columns (the bar shrinks to
// fit, but never below 10 cells):
//   "[#####.....] 1234/4000 sent 1200 failed 3 skipped 31  2.1k/s"
// where 1234 = sent + failed + skipped.
std::string RenderSendProgress(const SendProgress& p, int columns);

// The plain form for logs and pipes (no bar): "1234/4000 sent 1200 failed 3 skipped 31 2.1k/s".
std::string RenderSendProgressPlain(const SendProgress& p);

// One progress line for an import: "[#####.....] 5000/12000 lines".
std::string RenderImportProgress(std::int64_t lines_done, std::int64_t lines_total, int columns);

// One progress line for an export: "[#####.....] 5000/12000 rows". The total is the number of
// contacts the server counted at the start, so rows may pass it (a contact with several
// identities is several rows); the bar then stays full.
std::string RenderExportProgress(std::int64_t rows, std::int64_t total, int columns);

}  // namespace crier::cli
