#include "cli/guard_dir.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "support/temp_dir.h"

namespace crier::cli {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

class GuardDirTest : public ::testing::Test {
 protected:
  void Write(const std::string& relative, const std::string& text) {
    const std::filesystem::path path = dir_.path() / relative;
    std::filesystem::create_directories(path.parent_path());
    std::ofstream(path, std::ios::binary) << text;
  }
  std::string Dir() const { return dir_.path().string(); }

  std::vector<std::string> Rules(const guard::Guard& guard, const std::string& text) {
    const guard::TextField field{"message 1 text", "", text};
    std::vector<std::string> out;
    for (const guard::Hit& h : guard.Check(std::span(&field, 1))) {
      out.push_back(h.rule_id + "@" + h.source);
    }
    return out;
  }

  testing::TempDir dir_;
};

TEST_F(GuardDirTest, CommonFilesApplyToAllAccountDirectoriesToTheirAccount) {
  Write("brand.txt", "language en\nrule brand.bonanza promotion bonanza\n");
  Write("account-7/gala.txt",
        "# gala nights are ours\nlanguage en\nrule seven.gala promotion gala\n");
  Write("README.md", "not a rule file\n");
  Write(".brand.txt.swp", "junk");
  std::size_t files = 0;
  auto guards = LoadGuardDir(Dir(), &files);
  ASSERT_TRUE(guards.ok()) << guards.error().ToString();
  EXPECT_EQ(files, 2u);
  EXPECT_THAT(guards->accounts_with_rules(), ElementsAre(7));
  EXPECT_THAT(Rules(guards->For(std::nullopt), "bonanza gala"),
              ElementsAre("brand.bonanza@brand.txt:2"));
  EXPECT_THAT(Rules(guards->For(7), "bonanza gala"),
              ElementsAre("brand.bonanza@brand.txt:2", "seven.gala@account-7/gala.txt:3"));
  // The built-in rules are still there.
  EXPECT_THAT(Rules(guards->For(7), "20% off"), ElementsAre(HasSubstr("en.pct_off@en.txt:")));
}

TEST_F(GuardDirTest, AnEmptyDirectoryAddsNothing) {
  std::size_t files = 9;
  auto guards = LoadGuardDir(Dir(), &files);
  ASSERT_TRUE(guards.ok()) << guards.error().ToString();
  EXPECT_EQ(files, 0u);
  EXPECT_EQ(guards->For(std::nullopt).rule_count(),
            guard::AccountGuards::BuiltIn().For(std::nullopt).rule_count());
}

TEST_F(GuardDirTest, ABadLineNamesTheFilesPathAndLine) {
  Write("brand.txt", "language en\n\nrule brand.x promotion {nope}\n");
  auto guards = LoadGuardDir(Dir());
  ASSERT_FALSE(guards.ok());
  EXPECT_EQ(guards.error().field, (dir_.path() / "brand.txt").string() + ":3");
  EXPECT_THAT(guards.error().message, HasSubstr("unknown placeholder {nope}"));
}

TEST_F(GuardDirTest, ConflictsAcrossFilesNameTheLaterFile) {
  Write("brand.txt", "language en\nrule brand.x promotion bonanza\n");
  Write("account-3/own.txt", "language en\nrule brand.x promotion gala\n");
  auto guards = LoadGuardDir(Dir());
  ASSERT_FALSE(guards.ok());
  EXPECT_EQ(guards.error().field, (dir_.path() / "account-3/own.txt").string() + ":2");
  EXPECT_THAT(guards.error().message, HasSubstr("already defined at brand.txt:2"));
}

TEST_F(GuardDirTest, UnexpectedDirectoriesAreRefused) {
  Write("acount-7/own.txt", "language en\n");
  auto misspelt = ReadGuardDir(Dir());
  ASSERT_FALSE(misspelt.ok());
  EXPECT_EQ(misspelt.error().field, "--guard-dir");
  EXPECT_THAT(misspelt.error().message, HasSubstr("acount-7"));

  std::filesystem::remove_all(dir_.path() / "acount-7");
  Write("account-07/own.txt", "language en\n");
  EXPECT_FALSE(ReadGuardDir(Dir()).ok());

  std::filesystem::remove_all(dir_.path() / "account-07");
  Write("account-7/nested/own.txt", "language en\n");
  auto nested = ReadGuardDir(Dir());
  ASSERT_FALSE(nested.ok());
  EXPECT_THAT(nested.error().message, HasSubstr("nested"));
}

TEST_F(GuardDirTest, AMissingDirectoryOrAHugeFileIsRefused) {
  auto missing = ReadGuardDir(Dir() + "/nope");
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().field, "--guard-dir");
  EXPECT_THAT(missing.error().message, HasSubstr("is not a directory"));

  Write("huge.txt", std::string(kMaxGuardFileBytes + 1, '#'));
  auto huge = ReadGuardDir(Dir());
  ASSERT_FALSE(huge.ok());
  EXPECT_THAT(huge.error().message, HasSubstr("larger than"));
}

}  // namespace
}  // namespace crier::cli
