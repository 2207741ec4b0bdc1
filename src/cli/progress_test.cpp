#include "cli/progress.h"

#include <gtest/gtest.h>

namespace crier::cli {
namespace {

TEST(RenderBarTest, FillsInProportion) {
  EXPECT_EQ(RenderBar(0, 10, 10), "[..........]");
  EXPECT_EQ(RenderBar(5, 10, 10), "[#####.....]");
  EXPECT_EQ(RenderBar(10, 10, 10), "[##########]");
  EXPECT_EQ(RenderBar(1234, 4000, 10), "[###.......]");  // rounds down: 3.085 cells
  EXPECT_EQ(RenderBar(3999, 4000, 10), "[#########.]");  // full only when done
}

TEST(RenderBarTest, ClampsOddInput) {
  EXPECT_EQ(RenderBar(15, 10, 4), "[####]");
  EXPECT_EQ(RenderBar(-3, 10, 4), "[....]");
  EXPECT_EQ(RenderBar(0, 0, 4), "[####]");  // nothing to do is done
  EXPECT_EQ(RenderBar(0, 10, 0), "[.]");
}

TEST(FormatRateTest, Units) {
  EXPECT_EQ(FormatRate(0), "0/s");
  EXPECT_EQ(FormatRate(-5), "0/s");
  EXPECT_EQ(FormatRate(850.4), "850/s");
  EXPECT_EQ(FormatRate(999), "999/s");
  EXPECT_EQ(FormatRate(1000), "1.0k/s");
  EXPECT_EQ(FormatRate(2100), "2.1k/s");
  EXPECT_EQ(FormatRate(1'300'000), "1.3M/s");
}

TEST(RenderSendProgressTest, TheDocumentedLine) {
  const SendProgress p{.total = 4000, .sent = 1200, .failed = 3, .skipped = 31, .per_second = 2100};
  const std::string suffix = "1234/4000 sent 1200 failed 3 skipped 31  2.1k/s";
  // Wide terminal: the bar is capped at 40 cells.
  EXPECT_EQ(RenderSendProgress(p, 200),
            "[" + std::string(12, '#') + std::string(28, '.') + "] " + suffix);
  // Exactly enough room for a 10-cell bar, and less than that: never below 10 cells.
  const int fits10 = static_cast<int>(suffix.size()) + 13;
  EXPECT_EQ(RenderSendProgress(p, fits10), "[###.......] " + suffix);
  EXPECT_EQ(RenderSendProgress(p, 20), "[###.......] " + suffix);
  // One more column widens the bar by one cell and the line still fits.
  const std::string wider = RenderSendProgress(p, fits10 + 1);
  EXPECT_EQ(wider.size(), static_cast<std::size_t>(fits10 + 1));
  EXPECT_EQ(wider.substr(0, 14), "[###........] ");
}

TEST(RenderSendProgressTest, Plain) {
  const SendProgress p{.total = 10, .sent = 7, .failed = 1, .skipped = 2, .per_second = 0};
  EXPECT_EQ(RenderSendProgressPlain(p), "10/10 sent 7 failed 1 skipped 2 0/s");
}

TEST(RenderImportProgressTest, Line) {
  EXPECT_EQ(RenderImportProgress(5000, 12000, 29), "[####......] 5000/12000 lines");
}

TEST(RenderExportProgressTest, LineAndRowsPastTheCount) {
  EXPECT_EQ(RenderExportProgress(5000, 12000, 28), "[####......] 5000/12000 rows");
  // A contact with two identities is two rows: the bar stays full rather than overflow.
  EXPECT_EQ(RenderExportProgress(13, 12, 18), "[##########] 13/12 rows");
}

}  // namespace
}  // namespace crier::cli
