// The black-box fixture: the real crier-sandbox and crier binaries started on loopback for
// each test (crier on a fresh SQLite file), with helpers for crier's API and the sandbox's.
#pragma once

#include <gtest/gtest.h>
#include <signal.h>

#include <boost/json.hpp>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "net/client.h"
#include "support/process.h"
#include "support/temp_dir.h"

namespace crier::testing {

class E2ETest : public ::testing::Test {
 protected:
  void SetUp() override {
    sandbox_ = std::make_unique<Process>(
        std::vector<std::string>{CRIER_SANDBOX_BIN, "--host", "127.0.0.1", "--port", "0",
                                 "--port-file", dir_.File("sandbox.port")},
        dir_.File("sandbox.log"));
    auto sandbox_port =
        testing::WaitForFileLine(dir_.File("sandbox.port"), std::chrono::seconds(20));
    ASSERT_TRUE(sandbox_port) << sandbox_->Log();
    sandbox_url_ = "http://127.0.0.1:" + *sandbox_port;
    StartCrier();
  }

  void StartCrier() {
    std::filesystem::remove(dir_.File("crier.port"));
    crier_ = std::make_unique<Process>(
        std::vector<std::string>{CRIER_BIN, "serve", "--db", dir_.File("crier.sqlite"), "--host",
                                 "127.0.0.1", "--port", "0", "--port-file", dir_.File("crier.port"),
                                 "--cli-config", dir_.File("cli.json"), "--public-url", "local"},
        dir_.File("crier.log"));
    auto crier_port = testing::WaitForFileLine(dir_.File("crier.port"), std::chrono::seconds(20));
    ASSERT_TRUE(crier_port) << crier_->Log();
    url_ = "http://127.0.0.1:" + *crier_port;
    auto config = testing::WaitForFileLine(dir_.File("cli.json"), std::chrono::seconds(5));
    ASSERT_TRUE(config);
    key_ = std::string(boost::json::parse(*config).at("api_key").as_string());
    ASSERT_EQ(key_.rfind("crier_", 0), 0u);
  }

  void TearDown() override {
    if (crier_) {
      crier_->Signal(SIGTERM);
      EXPECT_EQ(crier_->Wait(std::chrono::seconds(30)), 0) << crier_->Log();
    }
    if (sandbox_) {
      sandbox_->Signal(SIGTERM);
      EXPECT_EQ(sandbox_->Wait(std::chrono::seconds(10)), 0) << sandbox_->Log();
    }
  }

  boost::json::value Call(std::string_view method, const std::string& path, const std::string& body,
                          int expected_status,
                          const std::string& content_type = "application/json") {
    auto r =
        http_.Send(method, url_ + path,
                   {{"Authorization", "Bearer " + key_}, {"Content-Type", content_type}}, body);
    EXPECT_TRUE(r.ok()) << r.error().ToString();
    if (!r.ok()) return nullptr;
    EXPECT_EQ(r->status, expected_status) << method << " " << path << ": " << r->body;
    return r->body.empty() ? boost::json::value() : boost::json::parse(r->body);
  }

  boost::json::value Sandbox(std::string_view method, const std::string& path,
                             const std::string& body) {
    auto r = http_.Send(method, sandbox_url_ + path, {}, body);
    EXPECT_TRUE(r.ok()) << r.error().ToString();
    EXPECT_LT(r->status, 300) << r->body;
    return boost::json::parse(r->body);
  }

  TempDir dir_;
  std::unique_ptr<Process> sandbox_;
  std::unique_ptr<Process> crier_;
  std::string sandbox_url_, url_, key_;
  net::HttpClient http_;
};

}  // namespace crier::testing
