// crier guard check, locally and against an in-process HTTP server playing the API.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <sstream>

#include "cli/commands.h"
#include "net/server.h"
#include "support/temp_dir.h"

namespace crier::cli {
namespace {

using ::testing::HasSubstr;

constexpr char kKey[] = "crier_test_key_0123456789abcdefghij";

class GuardCommandTest : public ::testing::Test {
 protected:
  void StartServer() {
    auto server = net::HttpServer::Create({.host = "127.0.0.1", .port = 0, .threads = 1},
                                          [this](const net::Request& r) {
                                            std::lock_guard lock(mu_);
                                            requests_.push_back(r);
                                            return net::Response::Json(200, answer_);
                                          });
    ASSERT_TRUE(server.ok()) << server.error().ToString();
    server_ = std::move(*server);
    server_->Start();
  }
  void TearDown() override {
    if (server_) server_->Stop();
  }

  int Run(std::vector<std::string> args) {
    if (server_) {
      const std::vector<std::string> flags = {
          "--url", "http://127.0.0.1:" + std::to_string(server_->port()), "--api-key", kKey};
      args.insert(args.begin(), flags.begin(), flags.end());
    }
    out_.str("");
    err_.str("");
    CliContext ctx{.out = out_,
                   .err = err_,
                   .env = [](const char*) -> std::optional<std::string> { return std::nullopt; },
                   .clock = clock_,
                   .sleep = [](Duration) {}};
    return RunCommandLine(args, ctx);
  }

  std::vector<net::Request> Requests() {
    std::lock_guard lock(mu_);
    return requests_;
  }

  testing::TempDir dir_;
  std::unique_ptr<net::HttpServer> server_;
  std::mutex mu_;
  std::vector<net::Request> requests_;
  std::string answer_ = R"({"promotional":false,"hits":[]})";
  std::ostringstream out_, err_;
  FakeClock clock_{FromUnixMillis(1'700'000'000'000)};
};

TEST_F(GuardCommandTest, LocalCheckListsHitsAndExits2) {
  EXPECT_EQ(Run({"guard", "check", "--local", "--text", "Hello", "--text", "Everything 20% off!"}),
            2);
  const std::string out = out_.str();
  EXPECT_THAT(out, HasSubstr("LOCATION"));
  EXPECT_THAT(out, HasSubstr("message 2 text  11      percent_off  en.pct_off  20% off"));
  EXPECT_THAT(out, HasSubstr("1 hit: not allowed in a non_promotional broadcast"));
  EXPECT_EQ(err_.str(), "");
}

TEST_F(GuardCommandTest, LocalCheckOfCleanTextExits0) {
  EXPECT_EQ(Run({"guard", "check", "--local", "--text", "Your refund of $20 is on its way"}), 0);
  EXPECT_EQ(out_.str(), "no promotional content found\n");
}

TEST_F(GuardCommandTest, LocalJsonHasTheApisShape) {
  EXPECT_EQ(Run({"guard", "check", "--local", "--json", "--text", "買一送一"}), 2);
  boost::json::value v = boost::json::parse(out_.str());
  EXPECT_EQ(v.at("promotional"), true);
  EXPECT_EQ(v.at("hits").at(0).at("category"), "bogo");
  EXPECT_EQ(v.at("hits").at(0).at("field"), "messages[0].text");
}

TEST_F(GuardCommandTest, GuardDirRulesApplyPerAccount) {
  testing::TempDir rules;
  std::filesystem::create_directories(rules.path() / "account-4");
  std::ofstream(rules.path() / "account-4" / "own.txt")
      << "language en\nrule four.gala promotion gala night\n";
  std::ofstream(dir_.path() / "msg.txt") << "Join the gala night";
  const std::string guard_dir = rules.path().string();
  EXPECT_EQ(Run({"guard", "check", "--guard-dir", guard_dir, "--file", dir_.File("msg.txt")}), 0);
  EXPECT_EQ(Run({"guard", "check", "--guard-dir", guard_dir, "--account", "4", "--file",
                 dir_.File("msg.txt")}),
            2);
  EXPECT_THAT(out_.str(), HasSubstr("four.gala"));
}

TEST_F(GuardCommandTest, BadInputIsAnError) {
  EXPECT_EQ(Run({"guard", "check", "--local"}), 1);
  EXPECT_THAT(err_.str(), HasSubstr("error: --text: give the text to check"));
  EXPECT_EQ(Run({"guard", "check", "--local", "--file", dir_.File("missing.txt")}), 1);
  EXPECT_THAT(err_.str(), HasSubstr("error: --file: cannot read"));
  std::ofstream(dir_.path() / "bad.txt") << "rule x.y sale sale\n";
  EXPECT_EQ(Run({"guard", "check", "--guard-dir", dir_.path().string(), "--text", "x"}), 1);
  EXPECT_THAT(err_.str(), HasSubstr("bad.txt:1: set the language first"));
}

TEST_F(GuardCommandTest, ServerCheckPostsTheMessagesAndPrintsTheHits) {
  StartServer();
  answer_ =
      R"({"promotional":true,"hits":[{"rule":"th.free","category":"free_offer","language":"th",)"
      R"("matched":"ฟรี","location":"message 1 text","field":"messages[0].text","offset":6}]})";
  EXPECT_EQ(Run({"guard", "check", "--account", "3", "--text", "ส่งฟรี"}), 2);
  const std::vector<net::Request> requests = Requests();
  ASSERT_EQ(requests.size(), 1u);
  EXPECT_EQ(requests[0].method, "POST");
  EXPECT_EQ(requests[0].path, "/v1/guard/check");
  const boost::json::value body = boost::json::parse(requests[0].body);
  EXPECT_EQ(body.at("channel_account_id").as_int64(), 3);
  EXPECT_EQ(body.at("messages").at(0).at("text"), "ส่งฟรี");
  EXPECT_THAT(out_.str(), HasSubstr("message 1 text  6       free_offer  th.free  ฟรี"));

  answer_ = R"({"promotional":false,"hits":[]})";
  EXPECT_EQ(Run({"guard", "check", "--text", "hello"}), 0);
  EXPECT_EQ(out_.str(), "no promotional content found\n");
  EXPECT_FALSE(
      boost::json::parse(Requests().back().body).as_object().contains("channel_account_id"));
}

}  // namespace
}  // namespace crier::cli
