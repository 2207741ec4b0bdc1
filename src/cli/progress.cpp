#include "cli/progress.h"

#include <fmt/format.h>

#include <algorithm>

namespace crier::cli {
namespace {

constexpr int kMinBarCells = 10;
constexpr int kMaxBarCells = 40;

std::string Counts(const SendProgress& p) {
  return fmt::format("{}/{} sent {} failed {} skipped {}", p.sent + p.failed + p.skipped, p.total,
                     p.sent, p.failed, p.skipped);
}

// The bar sized so that "bar + ' ' + suffix" fits in `columns`.
std::string WithBar(std::int64_t done, std::int64_t total, const std::string& suffix, int columns) {
  const int room = columns - static_cast<int>(suffix.size()) - 3;  // brackets and a space
  const int cells = std::clamp(room, kMinBarCells, kMaxBarCells);
  return RenderBar(done, total, cells) + " " + suffix;
}

}  // namespace

std::string RenderBar(std::int64_t done, std::int64_t total, int width) {
  width = std::max(width, 1);
  int filled = width;
  if (total > 0) {
    done = std::clamp<std::int64_t>(done, 0, total);
    filled = static_cast<int>(done * width / total);
  }
  return "[" + std::string(static_cast<std::size_t>(filled), '#') +
         std::string(static_cast<std::size_t>(width - filled), '.') + "]";
}

std::string FormatRate(double per_second) {
  if (!(per_second > 0)) return "0/s";
  if (per_second < 1000) return fmt::format("{:.0f}/s", per_second);
  if (per_second < 999950) return fmt::format("{:.1f}k/s", per_second / 1000);
  return fmt::format("{:.1f}M/s", per_second / 1e6);
}

std::string RenderSendProgress(const SendProgress& p, int columns) {
  return WithBar(p.sent + p.failed + p.skipped, p.total,
                 Counts(p) + "  " + FormatRate(p.per_second), columns);
}

std::string RenderSendProgressPlain(const SendProgress& p) {
  return Counts(p) + " " + FormatRate(p.per_second);
}

std::string RenderImportProgress(std::int64_t lines_done, std::int64_t lines_total, int columns) {
  return WithBar(lines_done, lines_total, fmt::format("{}/{} lines", lines_done, lines_total),
                 columns);
}

std::string RenderExportProgress(std::int64_t rows, std::int64_t total, int columns) {
  return WithBar(rows, total, fmt::format("{}/{} rows", rows, total), columns);
}

}  // namespace crier::cli
