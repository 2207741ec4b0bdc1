#include "cli/config.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <fstream>
#include <map>

#include "support/temp_dir.h"

namespace crier::cli {
namespace {

using ::testing::HasSubstr;

GetEnv FakeEnv(std::map<std::string, std::string> vars) {
  return [vars = std::move(vars)](const char* name) -> std::optional<std::string> {
    auto it = vars.find(name);
    if (it == vars.end()) return std::nullopt;
    return it->second;
  };
}

mode_t ModeOf(const std::string& path) {
  struct stat st {};
  EXPECT_EQ(::stat(path.c_str(), &st), 0) << path;
  return st.st_mode & 0777;
}

class ConfigTest : public ::testing::Test {
 protected:
  void SetUp() override {
    file_ = dir_.File("config.json");
    ASSERT_TRUE(WriteConfigFile(file_, {"http://file:1", "key-from-file"}).ok());
  }
  testing::TempDir dir_;
  std::string file_;
};

TEST_F(ConfigTest, FileAloneGivesBoth) {
  auto c = ResolveConfig({}, FakeEnv({{"CRIER_CONFIG", file_}}));
  ASSERT_TRUE(c.ok()) << c.error().ToString();
  EXPECT_EQ(c->url, "http://file:1");
  EXPECT_EQ(c->api_key, "key-from-file");
}

TEST_F(ConfigTest, EnvBeatsFile) {
  auto c = ResolveConfig({}, FakeEnv({{"CRIER_CONFIG", file_},
                                      {"CRIER_URL", "http://env:2"},
                                      {"CRIER_API_KEY", "key-from-env"}}));
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->url, "http://env:2");
  EXPECT_EQ(c->api_key, "key-from-env");
}

TEST_F(ConfigTest, FlagsBeatEnvAndFile) {
  ConfigFlags flags{.url = "http://flag:3/", .api_key = "key-from-flag"};
  auto c = ResolveConfig(flags, FakeEnv({{"CRIER_CONFIG", file_},
                                         {"CRIER_URL", "http://env:2"},
                                         {"CRIER_API_KEY", "key-from-env"}}));
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->url, "http://flag:3");  // trailing slash dropped
  EXPECT_EQ(c->api_key, "key-from-flag");
}

TEST_F(ConfigTest, SourcesMixPerValue) {
  ConfigFlags flags{.api_key = "key-from-flag"};
  auto c = ResolveConfig(flags, FakeEnv({{"CRIER_CONFIG", file_}, {"CRIER_URL", "http://env:2"}}));
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->url, "http://env:2");
  EXPECT_EQ(c->api_key, "key-from-flag");

  auto d = ResolveConfig({}, FakeEnv({{"CRIER_CONFIG", file_}, {"CRIER_API_KEY", "k-env"}}));
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(d->url, "http://file:1");
  EXPECT_EQ(d->api_key, "k-env");
}

TEST_F(ConfigTest, ConfigFlagBeatsConfigEnv) {
  const std::string other = dir_.File("other.json");
  ASSERT_TRUE(WriteConfigFile(other, {"http://other:4", "other-key"}).ok());
  auto c = ResolveConfig({.config_path = other}, FakeEnv({{"CRIER_CONFIG", file_}}));
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->api_key, "other-key");
}

TEST_F(ConfigTest, MissingKeyIsAnErrorSayingWhereKeysComeFrom) {
  auto c = ResolveConfig({}, FakeEnv({{"CRIER_CONFIG", dir_.File("absent.json")}}));
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.error().code, ErrorCode::kUnauthenticated);
  EXPECT_THAT(c.error().message, HasSubstr("--api-key"));
  EXPECT_THAT(c.error().message, HasSubstr("CRIER_API_KEY"));
}

TEST_F(ConfigTest, UrlDefaultsWhenOnlyAKeyIsKnown) {
  auto c = ResolveConfig({.api_key = "k"}, FakeEnv({{"HOME", dir_.File("nohome")}}));
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->url, kDefaultUrl);
}

TEST_F(ConfigTest, ExplicitConfigFileThatDoesNotExistIsAnError) {
  auto c = ResolveConfig({.config_path = dir_.File("absent.json")}, FakeEnv({}));
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.error().field, "--config");
}

TEST_F(ConfigTest, BrokenFileIsNamedButIgnoredWhenNotNeeded) {
  const std::string broken = dir_.File("broken.json");
  std::ofstream(broken) << "{not json";
  auto c = ResolveConfig({}, FakeEnv({{"CRIER_CONFIG", broken}}));
  ASSERT_FALSE(c.ok());
  EXPECT_THAT(c.error().ToString(), HasSubstr(broken));

  auto d = ResolveConfig({.url = "http://u", .api_key = "k"}, FakeEnv({{"CRIER_CONFIG", broken}}));
  EXPECT_TRUE(d.ok());
}

TEST_F(ConfigTest, WrongTypeNamesTheField) {
  const std::string bad = dir_.File("bad.json");
  std::ofstream(bad) << R"({"url": 5, "api_key": "k"})";
  auto c = LoadConfigFile(bad);
  ASSERT_FALSE(c.ok());
  EXPECT_THAT(c.error().field, HasSubstr("url"));
}

TEST_F(ConfigTest, FileIsWrittenOwnerOnlyInANewPrivateDirectory) {
  const std::string nested = (dir_.path() / "a" / "b" / "config.json").string();
  ASSERT_TRUE(WriteConfigFile(nested, {"http://x:1", "secret"}).ok());
  EXPECT_EQ(ModeOf(nested), 0600u);
  EXPECT_EQ(ModeOf((dir_.path() / "a" / "b").string()), 0700u);
  EXPECT_EQ(ModeOf((dir_.path() / "a").string()), 0700u);
  auto loaded = LoadConfigFile(nested);
  ASSERT_TRUE(loaded.ok());
  ASSERT_TRUE(loaded->has_value());
  EXPECT_EQ((*loaded)->api_key, "secret");
}

TEST_F(ConfigTest, RewriteTightensALooseFile) {
  ASSERT_EQ(::chmod(file_.c_str(), 0644), 0);
  ASSERT_TRUE(WriteConfigFile(file_, {"http://x:1", "k2"}).ok());
  EXPECT_EQ(ModeOf(file_), 0600u);
}

TEST_F(ConfigTest, WriteFailureNamesThePath) {
  const std::string blocked = dir_.File("file-not-dir");
  std::ofstream(blocked) << "x";
  const Status s = WriteConfigFile(blocked + "/config.json", {"u", "k"});
  ASSERT_FALSE(s.ok());
  EXPECT_THAT(s.error().message, HasSubstr(blocked));
}

TEST(DefaultConfigPathTest, Precedence) {
  EXPECT_EQ(*DefaultConfigPath(FakeEnv(
                {{"CRIER_CONFIG", "/c.json"}, {"XDG_CONFIG_HOME", "/xdg"}, {"HOME", "/home/u"}})),
            "/c.json");
  EXPECT_EQ(*DefaultConfigPath(FakeEnv({{"XDG_CONFIG_HOME", "/xdg"}, {"HOME", "/home/u"}})),
            "/xdg/crier/config.json");
  EXPECT_EQ(*DefaultConfigPath(FakeEnv({{"HOME", "/home/u"}})),
            "/home/u/.config/crier/config.json");
  EXPECT_FALSE(DefaultConfigPath(FakeEnv({})).ok());
}

}  // namespace
}  // namespace crier::cli
