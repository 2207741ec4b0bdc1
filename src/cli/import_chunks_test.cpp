#include "cli/import_chunks.h"

#include <gtest/gtest.h>

#include <string>

namespace crier::cli {
namespace {

std::string Lines(int from, int to) {  // "r<from>\n" .. "r<to>\n"
  std::string out;
  for (int i = from; i <= to; ++i) out += "r" + std::to_string(i) + "\n";
  return out;
}

TEST(FormatTest, FromNameAndFlag) {
  EXPECT_EQ(FormatFromPath("a/b.jsonl"), ImportFormat::kJsonl);
  EXPECT_EQ(FormatFromPath("B.NDJSON"), ImportFormat::kJsonl);
  EXPECT_EQ(FormatFromPath("x.Csv"), ImportFormat::kCsv);
  EXPECT_EQ(FormatFromPath("x.json"), std::nullopt);
  EXPECT_EQ(FormatFromPath("csv"), std::nullopt);
  EXPECT_EQ(ParseImportFormat("csv"), ImportFormat::kCsv);
  EXPECT_EQ(ParseImportFormat("ndjson"), ImportFormat::kJsonl);
  EXPECT_EQ(ParseImportFormat("xml"), std::nullopt);
  EXPECT_EQ(ContentType(ImportFormat::kCsv), "text/csv");
  EXPECT_EQ(ContentType(ImportFormat::kJsonl), "application/x-ndjson");
}

TEST(PlanImportTest, JsonlChunksAtExactBoundaries) {
  const std::string file = Lines(1, 10);
  auto plan = PlanImport(file, ImportFormat::kJsonl, 4);
  ASSERT_TRUE(plan.ok());
  EXPECT_EQ(plan->data_lines, 10);
  ASSERT_EQ(plan->chunks.size(), 3u);
  EXPECT_EQ(ChunkBody(file, *plan, 0), Lines(1, 4));
  EXPECT_EQ(ChunkBody(file, *plan, 1), Lines(5, 8));
  EXPECT_EQ(ChunkBody(file, *plan, 2), Lines(9, 10));
  EXPECT_EQ(plan->chunks[2].first_line, 9);
  EXPECT_EQ(plan->chunks[2].lines, 2);
}

TEST(PlanImportTest, ChunkSizeEqualToFileGivesOneChunk) {
  const std::string file = Lines(1, 4);
  auto plan = PlanImport(file, ImportFormat::kJsonl, 4);
  ASSERT_EQ(plan->chunks.size(), 1u);
  auto smaller = PlanImport(file, ImportFormat::kJsonl, 3);
  ASSERT_EQ(smaller->chunks.size(), 2u);
}

TEST(PlanImportTest, JsonlLineMapping) {
  const std::string file = Lines(1, 10);
  auto plan = PlanImport(file, ImportFormat::kJsonl, 4);
  EXPECT_EQ(FileLine(*plan, 0, 1), 1);
  EXPECT_EQ(FileLine(*plan, 0, 4), 4);
  EXPECT_EQ(FileLine(*plan, 1, 1), 5);
  EXPECT_EQ(FileLine(*plan, 2, 2), 10);
}

TEST(PlanImportTest, LastLineWithoutNewlineAndBlankLinesCount) {
  const std::string file = "a\n\nb\nc";
  auto plan = PlanImport(file, ImportFormat::kJsonl, 2);
  ASSERT_EQ(plan->chunks.size(), 2u);
  EXPECT_EQ(plan->data_lines, 4);
  EXPECT_EQ(ChunkBody(file, *plan, 0), "a\n\n");
  EXPECT_EQ(ChunkBody(file, *plan, 1), "b\nc");
  EXPECT_EQ(FileLine(*plan, 1, 2), 4);
}

TEST(PlanImportTest, EmptyFiles) {
  auto jsonl = PlanImport("", ImportFormat::kJsonl);
  ASSERT_TRUE(jsonl.ok());
  EXPECT_TRUE(jsonl->chunks.empty());
  auto header_only = PlanImport("platform_user_id,name\n", ImportFormat::kCsv);
  ASSERT_TRUE(header_only.ok());
  EXPECT_TRUE(header_only->chunks.empty());
  EXPECT_EQ(header_only->data_lines, 0);
  auto empty_csv = PlanImport("", ImportFormat::kCsv);
  ASSERT_FALSE(empty_csv.ok());
  EXPECT_EQ(empty_csv.error().field, "line 1");
}

TEST(PlanImportTest, CsvRepeatsTheHeaderAndMapsLinesPastIt) {
  const std::string header = "platform_user_id,name\n";
  const std::string file = header + Lines(2, 8);  // file lines 2..8 are data
  auto plan = PlanImport(file, ImportFormat::kCsv, 3);
  ASSERT_TRUE(plan.ok());
  EXPECT_EQ(plan->data_lines, 7);
  ASSERT_EQ(plan->chunks.size(), 3u);
  EXPECT_EQ(ChunkBody(file, *plan, 0), header + Lines(2, 4));
  EXPECT_EQ(ChunkBody(file, *plan, 1), header + Lines(5, 7));
  EXPECT_EQ(ChunkBody(file, *plan, 2), header + Lines(8, 8));
  // Line 2 of every chunk body is its first data line.
  EXPECT_EQ(FileLine(*plan, 0, 2), 2);
  EXPECT_EQ(FileLine(*plan, 1, 2), 5);
  EXPECT_EQ(FileLine(*plan, 1, 4), 7);
  EXPECT_EQ(FileLine(*plan, 2, 2), 8);
  // An error about the header is about line 1 of the file, whichever chunk reports it.
  EXPECT_EQ(FileLine(*plan, 2, 1), 1);
}

TEST(PlanImportTest, CsvNeverCutsInsideAQuotedField) {
  const std::string file =
      "platform_user_id,name\n"
      "1,\"two\nline name\"\n"  // lines 2-3: one record
      "2,\"say \"\"hi\"\"\"\n"  // line 4: doubled quotes
      "3,plain\n";              // line 5
  auto plan = PlanImport(file, ImportFormat::kCsv, 1);
  ASSERT_TRUE(plan.ok());
  ASSERT_EQ(plan->chunks.size(), 3u);
  EXPECT_EQ(plan->chunks[0].lines, 2);
  EXPECT_EQ(ChunkBody(file, *plan, 0), "platform_user_id,name\n1,\"two\nline name\"\n");
  EXPECT_EQ(ChunkBody(file, *plan, 1), "platform_user_id,name\n2,\"say \"\"hi\"\"\"\n");
  EXPECT_EQ(plan->chunks[2].first_line, 5);
  EXPECT_EQ(FileLine(*plan, 2, 2), 5);
  EXPECT_EQ(plan->data_lines, 4);
}

TEST(PlanImportTest, JsonlIgnoresQuotesWhenCutting) {
  const std::string file = "{\"name\":\"a \\\" b\"}\n{\"name\":\"c\"}\n";
  auto plan = PlanImport(file, ImportFormat::kJsonl, 1);
  ASSERT_EQ(plan->chunks.size(), 2u);
}

TEST(PlanImportTest, CrlfLinesStayIntact) {
  const std::string file = "platform_user_id,name\r\n1,a\r\n2,b\r\n";
  auto plan = PlanImport(file, ImportFormat::kCsv, 1);
  ASSERT_EQ(plan->chunks.size(), 2u);
  EXPECT_EQ(ChunkBody(file, *plan, 1), "platform_user_id,name\r\n2,b\r\n");
}

}  // namespace
}  // namespace crier::cli
