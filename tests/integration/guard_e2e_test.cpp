// The promotional-content guard through the real binary: `crier serve --guard-dir` loads the
// operator's rule files (or refuses to start on a bad one), and the API applies them.
#include <gtest/gtest.h>
#include <signal.h>

#include <boost/json.hpp>
#include <filesystem>
#include <fstream>

#include "net/client.h"
#include "support/process.h"
#include "support/temp_dir.h"

namespace crier {
namespace {

using namespace std::chrono_literals;
namespace json = boost::json;
using testing::Process;

class GuardE2ETest : public ::testing::Test {
 protected:
  void WriteRule(const std::string& relative, const std::string& text) {
    const std::filesystem::path path = rules_.path() / relative;
    std::filesystem::create_directories(path.parent_path());
    std::ofstream(path) << text;
  }

  std::unique_ptr<Process> Serve() {
    return std::make_unique<Process>(
        std::vector<std::string>{CRIER_BIN, "serve", "--db", dir_.File("crier.sqlite"), "--host",
                                 "127.0.0.1", "--port", "0", "--port-file", dir_.File("crier.port"),
                                 "--cli-config", dir_.File("cli.json"), "--guard-dir",
                                 rules_.path().string()},
        dir_.File("crier.log"));
  }

  json::value Call(std::string_view method, const std::string& path, const json::object& body,
                   int expected_status) {
    auto r = http_.Send(method, url_ + path,
                        {{"Authorization", "Bearer " + key_}, {"Content-Type", "application/json"}},
                        json::serialize(body));
    EXPECT_TRUE(r.ok()) << r.error().ToString();
    if (!r.ok()) return nullptr;
    EXPECT_EQ(r->status, expected_status) << method << " " << path << ": " << r->body;
    return json::parse(r->body);
  }

  testing::TempDir dir_;
  testing::TempDir rules_;
  net::HttpClient http_;
  std::string url_;
  std::string key_;
};

TEST_F(GuardE2ETest, ABadRuleFileStopsStartUpNamingFileAndLine) {
  WriteRule("brand.txt", "language en\nrule brand.x nosuch_category bonanza\n");
  auto crier = Serve();
  EXPECT_EQ(crier->Wait(20s), 1) << crier->Log();
  const std::string log = crier->Log();
  EXPECT_NE(log.find((rules_.path() / "brand.txt").string() + ":2: rule brand.x names category "
                                                              "nosuch_category"),
            std::string::npos)
      << log;
  EXPECT_FALSE(std::filesystem::exists(dir_.File("crier.port")));
}

TEST_F(GuardE2ETest, AccountRulesApplyToThatAccount) {
  WriteRule("account-2/gala.txt", "language en\nrule acme.gala promotion gala night\n");
  auto crier = Serve();
  auto port = testing::WaitForFileLine(dir_.File("crier.port"), 20s);
  ASSERT_TRUE(port) << crier->Log();
  url_ = "http://127.0.0.1:" + *port;
  auto config = testing::WaitForFileLine(dir_.File("cli.json"), 5s);
  ASSERT_TRUE(config);
  key_ = std::string(json::parse(*config).at("api_key").as_string());

  for (const char* external_id : {"1001", "1002"}) {
    Call("POST", "/v1/channel-accounts",
         {{"platform", "messenger"},
          {"name", "Shop"},
          {"external_id", external_id},
          {"access_token", "token"},
          {"api_base_url", "http://127.0.0.1:9"}},
         201);
  }
  const json::array messages{json::object{{"kind", "text"}, {"text", "See you at the gala night"}}};
  const auto broadcast = [&](int account) {
    return json::object{{"name", "Reminder"},
                        {"channel_account_id", account},
                        {"purpose", "non_promotional"},
                        {"messages", messages}};
  };
  Call("POST", "/v1/broadcasts", broadcast(1), 201);
  const json::value refused = Call("POST", "/v1/broadcasts", broadcast(2), 422);
  EXPECT_EQ(refused.at("error").at("hits").at(0).at("source"), "account-2/gala.txt:2");

  const json::value check =
      Call("POST", "/v1/guard/check", {{"channel_account_id", 2}, {"messages", messages}}, 200);
  EXPECT_EQ(check.at("promotional"), true);
  EXPECT_EQ(check.at("hits").at(0).at("rule"), "acme.gala");

  crier->Signal(SIGTERM);
  EXPECT_EQ(crier->Wait(30s), 0) << crier->Log();
}

}  // namespace
}  // namespace crier
