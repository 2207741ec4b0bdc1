// The client commands end to end against an in-process HTTP server that plays the API.
#include "cli/commands.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <sstream>

#include "cli/export_command.h"
#include "net/server.h"
#include "support/temp_dir.h"

namespace crier::cli {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

constexpr char kKey[] = "crier_test_key_0123456789abcdefghij";

class CommandsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto server = net::HttpServer::Create({.host = "127.0.0.1", .port = 0, .threads = 1},
                                          [this](const net::Request& r) { return Handle(r); });
    ASSERT_TRUE(server.ok()) << server.error().ToString();
    server_ = std::move(*server);
    server_->Start();
    url_ = "http://127.0.0.1:" + std::to_string(server_->port());
  }
  void TearDown() override { server_->Stop(); }

  net::Response Handle(const net::Request& r) {
    std::lock_guard lock(mu_);
    requests_.push_back(r);
    if (r.header("Authorization") != "Bearer " + std::string(kKey)) {
      return net::Response::Json(401,
                                 R"({"error":{"code":"unauthenticated","message":"bad key"}})");
    }
    if (responder_) return responder_(r);
    return net::Response::Json(404, R"({"error":{"code":"not_found","message":"no route"}})");
  }

  // Runs `crier --url <fake> --api-key <key> args...`.
  int Run(std::vector<std::string> args) {
    std::vector<std::string> full = {"--url", url_, "--api-key", kKey};
    full.insert(full.end(), args.begin(), args.end());
    return RunRaw(full);
  }
  int RunRaw(const std::vector<std::string>& args) {
    out_.str("");
    err_.str("");
    CliContext ctx{.out = out_,
                   .err = err_,
                   .out_is_tty = tty_,
                   .columns = 80,
                   .env = [](const char*) -> std::optional<std::string> { return std::nullopt; },
                   .clock = clock_,
                   .sleep =
                       [this](Duration d) {
                         sleeps_.push_back(d);
                         clock_.Advance(d);
                       }};
    return RunCommandLine(args, ctx);
  }

  std::vector<net::Request> Requests() {
    std::lock_guard lock(mu_);
    return requests_;
  }

  testing::TempDir dir_;
  std::unique_ptr<net::HttpServer> server_;
  std::string url_;
  std::mutex mu_;
  std::vector<net::Request> requests_;
  std::function<net::Response(const net::Request&)> responder_;
  std::ostringstream out_, err_;
  bool tty_ = false;
  FakeClock clock_{FromUnixMillis(1'700'000'000'000)};
  std::vector<Duration> sleeps_;
};

TEST_F(CommandsTest, ApiErrorPrintsFieldAndMessageAndExits1) {
  responder_ = [](const net::Request&) {
    return net::Response::Json(
        400,
        R"({"error":{"code":"invalid_argument","message":"must be shorter than 2000 characters","field":"messages[0].text"}})");
  };
  EXPECT_EQ(Run({"broadcast", "create", "--name", "n", "--account", "1", "--text", "x"}), 1);
  EXPECT_EQ(err_.str(), "error: messages[0].text: must be shorter than 2000 characters\n");
  EXPECT_EQ(out_.str(), "");
}

TEST_F(CommandsTest, CreateBroadcastSendsTheContractBodyAndPrintsTheId) {
  responder_ = [](const net::Request&) {
    return net::Response::Json(201, R"({"id":42,"name":"n"})");
  };
  ASSERT_EQ(Run({"broadcast", "create", "--name", "Sale", "--account", "3", "--text", "one",
                 "--text", "two", "--tag", "vip", "--purpose", "non_promotional"}),
            0);
  EXPECT_EQ(out_.str(), "42\n");
  const auto reqs = Requests();
  ASSERT_EQ(reqs.size(), 1u);
  EXPECT_EQ(reqs[0].method, "POST");
  EXPECT_EQ(reqs[0].path, "/v1/broadcasts");
  const auto body = boost::json::parse(reqs[0].body);
  EXPECT_EQ(body.at("channel_account_id").as_int64(), 3);
  EXPECT_EQ(body.at("purpose").as_string(), "non_promotional");
  EXPECT_EQ(body.at("messages").as_array().size(), 2u);
  EXPECT_EQ(body.at("messages").as_array()[1].at("text").as_string(), "two");
  EXPECT_EQ(body.at("audience").at("any_tags").as_array()[0].as_string(), "vip");
  EXPECT_FALSE(body.at("audience").as_object().contains("filter"));
}

TEST_F(CommandsTest, CreateBroadcastSendsTheMessagesFileAsWritten) {
  responder_ = [](const net::Request&) {
    return net::Response::Json(201, R"({"id":9,"name":"n"})");
  };
  const std::string messages =
      R"([{"kind":"card","card":{"layout":"buttons","text":"Pick","buttons":[)"
      R"({"action":"unsubscribe","title":"Stop"}]}}])";
  const std::string path = dir_.File("messages.json");
  std::ofstream(path) << messages;
  ASSERT_EQ(Run({"broadcast", "create", "--name", "Card", "--account", "3", "--messages", path}),
            0);
  const auto body = boost::json::parse(Requests().at(0).body);
  EXPECT_EQ(body.at("messages"), boost::json::parse(messages));
}

TEST_F(CommandsTest, CreateBroadcastWantsTextOrAMessagesFileNotBoth) {
  const std::string path = dir_.File("messages.json");
  std::ofstream(path) << R"([{"kind":"text","text":"x"}])";
  EXPECT_EQ(Run({"broadcast", "create", "--name", "n", "--account", "3", "--text", "x",
                 "--messages", path}),
            1);
  EXPECT_NE(err_.str().find("error: --text: give the content with --text"), std::string::npos)
      << err_.str();
  err_.str("");
  std::ofstream(dir_.File("bad.json")) << R"({"kind":"text"})";
  EXPECT_EQ(Run({"broadcast", "create", "--name", "n", "--account", "3", "--messages",
                 dir_.File("bad.json")}),
            1);
  EXPECT_NE(err_.str().find("error: --messages: "), std::string::npos) << err_.str();
  EXPECT_NE(err_.str().find("must hold a JSON array"), std::string::npos) << err_.str();
  err_.str("");
  std::ofstream(dir_.File("broken.json")) << "[{";
  EXPECT_EQ(Run({"broadcast", "create", "--name", "n", "--account", "3", "--messages",
                 dir_.File("broken.json")}),
            1);
  EXPECT_NE(err_.str().find("is not JSON"), std::string::npos) << err_.str();
  EXPECT_TRUE(Requests().empty());
}

TEST_F(CommandsTest, CreateBroadcastPassesTheFilterAsText) {
  responder_ = [](const net::Request&) {
    return net::Response::Json(201, R"({"id":7,"name":"n"})");
  };
  ASSERT_EQ(Run({"broadcast", "create", "--name", "VIP", "--account", "3", "--text", "hi",
                 "--filter", "tag:vip and interacted < 24h"}),
            0);
  const auto body = boost::json::parse(Requests().at(0).body);
  EXPECT_EQ(body.at("audience").at("filter").as_string(), "tag:vip and interacted < 24h");
  EXPECT_FALSE(body.at("audience").as_object().contains("any_tags"));
}

TEST_F(CommandsTest, ContactsListSendsTheFilterEncodedAndPrintsHowToGoOn) {
  responder_ = [](const net::Request&) {
    return net::Response::Json(
        200, R"({"items":[{"id":5,"name":"Mei","tags":["vip"],"identities":[]}],"next_after":5})");
  };
  ASSERT_EQ(Run({"contacts", "list", "--limit", "1", "--filter",
                 "tag:vip and attr.city = \"Taipei\" and not tag:o'neil"}),
            0);
  const auto reqs = Requests();
  ASSERT_EQ(reqs.size(), 1u);
  EXPECT_EQ(reqs[0].path, "/v1/contacts");
  EXPECT_EQ(reqs[0].query_param("filter"), "tag:vip and attr.city = \"Taipei\" and not tag:o'neil");
  EXPECT_EQ(reqs[0].query_param("limit"), "1");
  EXPECT_THAT(out_.str(), HasSubstr("Mei"));
  EXPECT_THAT(out_.str(),
              HasSubstr("more: crier contacts list --after 5 --filter 'tag:vip and attr.city = "
                        "\"Taipei\" and not tag:o'\\''neil'\n"));
}

TEST_F(CommandsTest, ContactsCountPostsTheFilterAndPrintsTheCanonicalForm) {
  responder_ = [](const net::Request&) {
    return net::Response::Json(200, R"({"count":1234,"filter":"tag:vip and not tag:churned"})");
  };
  ASSERT_EQ(Run({"contacts", "count", "--filter", "tag:vip AND NOT tag:churned"}), 0);
  const auto reqs = Requests();
  ASSERT_EQ(reqs.size(), 1u);
  EXPECT_EQ(reqs[0].method, "POST");
  EXPECT_EQ(reqs[0].path, "/v1/contacts/count");
  EXPECT_EQ(boost::json::parse(reqs[0].body),
            boost::json::parse(R"({"filter":"tag:vip AND NOT tag:churned"})"));
  EXPECT_EQ(out_.str(), "1234 contacts match: tag:vip and not tag:churned\n");

  ASSERT_EQ(Run({"contacts", "count"}), 0);
  EXPECT_EQ(boost::json::parse(Requests().at(1).body), boost::json::parse("{}")) << "everyone";
}

TEST_F(CommandsTest, JsonFlagPrintsTheRawAnswerEvenAfterTheSubcommand) {
  const std::string raw = R"({"items":[{"id":1,"platform":"messenger"}]})";
  responder_ = [&](const net::Request&) { return net::Response::Json(200, raw); };
  ASSERT_EQ(Run({"accounts", "list", "--json"}), 0);
  EXPECT_EQ(out_.str(), raw + "\n");
}

TEST_F(CommandsTest, AccountsUpdateLocksAndUnlocksTagsSendingOnlyThatMember) {
  responder_ = [](const net::Request& r) {
    const bool locked =
        boost::json::parse(r.body).at("capabilities").at("message_tags_locked") == true;
    return net::Response::Json(
        200, std::string(R"({"id":4,"capabilities":{"message_tags_locked":)") +
                 (locked ? "true" : "false") +
                 R"(},"pacing":{"messages_per_second":50,"max_concurrency":16}})");
  };
  ASSERT_EQ(Run({"accounts", "update", "4", "--lock-tags"}), 0) << err_.str();
  EXPECT_EQ(out_.str(), "account 4: message tags locked, pace 50/s x16, webhook secret not set\n");
  ASSERT_EQ(Run({"accounts", "update", "4", "--unlock-tags"}), 0) << err_.str();
  EXPECT_EQ(out_.str(),
            "account 4: message tags unlocked, pace 50/s x16, webhook secret not set\n");
  const auto reqs = Requests();
  ASSERT_EQ(reqs.size(), 2u);
  EXPECT_EQ(reqs[0].method, "PATCH");
  EXPECT_EQ(reqs[0].path, "/v1/channel-accounts/4");
  EXPECT_EQ(boost::json::parse(reqs[0].body),
            boost::json::parse(R"({"capabilities":{"message_tags_locked":true}})"));
  EXPECT_EQ(boost::json::parse(reqs[1].body),
            boost::json::parse(R"({"capabilities":{"message_tags_locked":false}})"));
}

TEST_F(CommandsTest, AccountsUpdateSetsAndClearsTheWebhookSecret) {
  responder_ = [](const net::Request& r) {
    const bool set = boost::json::parse(r.body).at("webhook_secret") != "";
    return net::Response::Json(
        200,
        std::string(R"({"id":4,"capabilities":{"message_tags_locked":false},)") +
            R"("pacing":{"messages_per_second":50,"max_concurrency":16},"webhook_secret_set":)" +
            (set ? "true" : "false") + "}");
  };
  ASSERT_EQ(Run({"accounts", "update", "4", "--webhook-secret", "app-secret"}), 0) << err_.str();
  EXPECT_EQ(out_.str(), "account 4: message tags unlocked, pace 50/s x16, webhook secret set\n");
  ASSERT_EQ(Run({"accounts", "update", "4", "--webhook-secret", ""}), 0) << err_.str();
  const auto reqs = Requests();
  ASSERT_EQ(reqs.size(), 2u);
  EXPECT_EQ(boost::json::parse(reqs[0].body),
            boost::json::parse(R"({"webhook_secret":"app-secret"})"));
  EXPECT_EQ(boost::json::parse(reqs[1].body), boost::json::parse(R"({"webhook_secret":""})"));
}

TEST_F(CommandsTest, AccountsUpdateRefusesNothingToChangeAndBothLockFlags) {
  EXPECT_EQ(Run({"accounts", "update", "4"}), 2);
  EXPECT_THAT(err_.str(), HasSubstr("nothing to change"));
  EXPECT_NE(Run({"accounts", "update", "4", "--lock-tags", "--unlock-tags"}), 0);
  EXPECT_TRUE(Requests().empty());
}

TEST_F(CommandsTest, AccountsCreateSendsTheWabaOfAWhatsAppNumber) {
  responder_ = [](const net::Request&) { return net::Response::Json(201, R"({"id":9})"); };
  ASSERT_EQ(Run({"accounts", "create", "--platform", "whatsapp", "--name", "WA", "--external-id",
                 "106540352242922", "--token", "t", "--base-url", "http://127.0.0.1:9", "--waba-id",
                 "102290129340398"}),
            0)
      << err_.str();
  const auto body = boost::json::parse(Requests().at(0).body);
  EXPECT_EQ(body.at("platform"), "whatsapp");
  EXPECT_EQ(body.at("capabilities").at("waba_id"), "102290129340398");
}

TEST_F(CommandsTest, UnreachableServerSaysWhichUrlAndHowToStartIt) {
  const std::string dead = "http://127.0.0.1:1";
  EXPECT_EQ(RunRaw({"--url", dead, "--api-key", kKey, "accounts", "list"}), 1);
  EXPECT_THAT(err_.str(), HasSubstr("error: could not reach the crier server at " + dead));
  EXPECT_THAT(err_.str(), HasSubstr("crier serve"));
}

TEST_F(CommandsTest, MissingKeyExplainsWhereToGetOne) {
  EXPECT_EQ(RunRaw({"--url", url_, "accounts", "list"}), 1);
  EXPECT_THAT(err_.str(), HasSubstr("--api-key"));
  EXPECT_TRUE(Requests().empty());
}

TEST_F(CommandsTest, UsageErrorsDoNotReachTheServer) {
  EXPECT_NE(Run({"broadcast", "create", "--name", "n"}), 0);  // --account, --text missing
  EXPECT_NE(Run({"nonsense"}), 0);
  EXPECT_TRUE(Requests().empty());
}

TEST_F(CommandsTest, ImportUploadsCsvInChunksAndMapsErrorLinesToTheFile) {
  const std::string path = dir_.File("contacts.csv");
  {
    std::ofstream f(path);
    f << "platform_user_id,name\n";
    for (int i = 2; i <= 8; ++i) f << "u" << i << ",Name " << i << "\n";  // file lines 2..8
  }
  // Every chunk rejects its second data row (line 3 of its body).
  responder_ = [](const net::Request&) {
    return net::Response::Json(
        200,
        R"({"received":3,"imported":2,"created":2,"updated":0,"errors":[{"line":3,"field":"name","message":"bad"}]})");
  };
  EXPECT_EQ(Run({"contacts", "import", path, "--account", "7", "--chunk-lines", "3"}), 1);
  const auto reqs = Requests();
  ASSERT_EQ(reqs.size(), 3u);
  for (const auto& r : reqs) {
    EXPECT_EQ(r.target.substr(0, 43), "/v1/contacts/import?format=csv&channel_acco");
    EXPECT_EQ(r.query_param("channel_account_id"), "7");
    EXPECT_EQ(r.header("Content-Type"), "text/csv");
    EXPECT_EQ(r.body.rfind("platform_user_id,name\n", 0), 0u) << r.body;
  }
  EXPECT_EQ(reqs[1].body, "platform_user_id,name\nu5,Name 5\nu6,Name 6\nu7,Name 7\n");
  const std::string out = out_.str();
  EXPECT_THAT(out, HasSubstr("imported 6 of 9 rows (6 created, 0 updated)"));
  EXPECT_THAT(out, HasSubstr("line 3: name: bad\n"));
  EXPECT_THAT(out, HasSubstr("line 6: name: bad\n"));
  EXPECT_THAT(out, HasSubstr("line 9: name: bad\n"));
}

TEST_F(CommandsTest, ImportPrintsTwentyErrorsThenACount) {
  const std::string path = dir_.File("c.jsonl");
  {
    std::ofstream f(path);
    for (int i = 0; i < 25; ++i) f << "{}\n";
  }
  responder_ = [](const net::Request&) {
    boost::json::array errors;
    for (int line = 1; line <= 25; ++line) {
      errors.push_back({{"line", line}, {"field", "platform_user_id"}, {"message", "is required"}});
    }
    return net::Response::Json(200,
                               boost::json::serialize(boost::json::object{{"received", 25},
                                                                          {"imported", 0},
                                                                          {"created", 0},
                                                                          {"updated", 0},
                                                                          {"errors", errors}}));
  };
  EXPECT_EQ(Run({"contacts", "import", path}), 1);
  EXPECT_THAT(out_.str(), HasSubstr("line 20: platform_user_id: is required\n"));
  EXPECT_THAT(out_.str(), Not(HasSubstr("line 21:")));
  EXPECT_THAT(out_.str(), HasSubstr("... and 5 more\n"));
  EXPECT_EQ(Requests()[0].header("Content-Type"), "application/x-ndjson");
}

TEST_F(CommandsTest, ImportWithoutAKnownFormatNamesTheFlag) {
  const std::string path = dir_.File("contacts.txt");
  std::ofstream(path) << "{}\n";
  EXPECT_EQ(Run({"contacts", "import", path}), 1);
  EXPECT_THAT(err_.str(), HasSubstr("error: --format:"));
  EXPECT_TRUE(Requests().empty());
}

TEST_F(CommandsTest, SendPollsTheReportUntilDoneThenPrintsIt) {
  int polls = 0;
  responder_ = [&polls](const net::Request& r) {
    if (r.path == "/v1/broadcasts/5/send") {
      return net::Response::Json(
          202, R"({"run":{"id":9,"broadcast_id":5,"status":"sending"},"planned":8,"skipped":2})");
    }
    ++polls;
    const int sent = polls >= 3 ? 8 : polls * 2;
    const bool done = polls >= 3;
    return net::Response::Json(200,
                               boost::json::serialize(boost::json::object{
                                   {"broadcast_id", 5},
                                   {"run", {{"id", 9}, {"status", done ? "completed" : "sending"}}},
                                   {"matched", 10},
                                   {"by_state",
                                    {{"planned", 8 - sent},
                                     {"sending", 0},
                                     {"sent", sent},
                                     {"failed", 0},
                                     {"skipped", 2}}},
                                   {"by_route", {{"standard_window", 8}}},
                                   {"by_skip_reason", {{"outside_window", 2}}},
                                   {"by_error", boost::json::object{}},
                                   {"done", done}}));
  };
  ASSERT_EQ(Run({"broadcast", "send", "5"}), 0);
  EXPECT_EQ(polls, 3);
  EXPECT_EQ(sleeps_, (std::vector<Duration>{Duration(200), Duration(200)}));
  const std::string out = out_.str();
  EXPECT_THAT(out, HasSubstr("run 9 started: 8 to send, 2 skipped\n"));
  // Off a terminal: a plain line at first, none within 2 s, and one at the end.
  EXPECT_THAT(out, HasSubstr("4/10 sent 2 failed 0 skipped 2 0/s\n"));
  EXPECT_THAT(out, Not(HasSubstr("6/10 sent 4")));
  EXPECT_THAT(out, HasSubstr("10/10 sent 8 failed 0 skipped 2 15/s\n"));  // 6 sends in 0.4 s
  EXPECT_THAT(out, HasSubstr("matched 10: sent 8, failed 0, skipped 2, pending 0\n"));
  EXPECT_THAT(out, HasSubstr("outside_window  2"));
  EXPECT_THAT(out, Not(HasSubstr("\r")));
}

TEST_F(CommandsTest, SendOnATerminalRedrawsOneLine) {
  tty_ = true;
  responder_ = [](const net::Request& r) {
    if (r.path.ends_with("/send")) {
      return net::Response::Json(202, R"({"run":{"id":1},"planned":1,"skipped":0})");
    }
    return net::Response::Json(
        200,
        R"({"run":{"id":1,"status":"completed"},"matched":1,"by_state":{"sent":1},"done":true})");
  };
  ASSERT_EQ(Run({"broadcast", "send", "1"}), 0);
  EXPECT_THAT(out_.str(), HasSubstr("\r[" + std::string(40, '#') + "] 1/1 sent 1 failed 0"));
}

TEST_F(CommandsTest, SendAlreadySendingIsAnError) {
  responder_ = [](const net::Request&) {
    return net::Response::Json(
        409,
        R"({"error":{"code":"failed_precondition","message":"broadcast 5 is already sending"}})");
  };
  EXPECT_EQ(Run({"broadcast", "send", "5"}), 1);
  EXPECT_EQ(err_.str(), "error: broadcast 5 is already sending\n");
}

TEST_F(CommandsTest, ConfigFileSuppliesUrlAndKey) {
  const std::string config = dir_.File("config.json");
  ASSERT_TRUE(WriteConfigFile(config, {url_, kKey}).ok());
  responder_ = [](const net::Request&) { return net::Response::Json(200, R"({"items":[]})"); };
  EXPECT_EQ(RunRaw({"--config", config, "accounts", "list"}), 0);
  EXPECT_THAT(out_.str(), HasSubstr("no channel accounts yet"));
}

constexpr char kSegmentJson[] =
    R"({"id":4,"name":"big spenders","description":"","filter":{"tag":{"any":["vip"]}},)"
    R"("filter_text":"tag:vip","created_at":"2026-11-21T09:00:00.000Z",)"
    R"("updated_at":"2026-11-21T09:00:00.000Z"})";

// Answers GET /v1/segments?name=... with the segment above (or nothing) and `then` otherwise.
std::function<net::Response(const net::Request&)> SegmentsApi(
    bool found, std::function<net::Response(const net::Request&)> then) {
  return [found, then](const net::Request& r) {
    if (r.method == "GET" && r.path == "/v1/segments" && r.query_param("name")) {
      return net::Response::Json(200, std::string(R"({"items":[)") + (found ? kSegmentJson : "") +
                                          R"(],"next_after":null})");
    }
    return then(r);
  };
}

TEST_F(CommandsTest, SegmentsCreateSendsTheTextFilterAndShowsTheSegment) {
  responder_ = [](const net::Request&) { return net::Response::Json(201, kSegmentJson); };
  ASSERT_EQ(Run({"segments", "create", "big spenders", "--filter", "tag:vip", "--description",
                 "over 1000"}),
            0)
      << err_.str();
  const auto reqs = Requests();
  ASSERT_EQ(reqs.size(), 1u);
  EXPECT_EQ(reqs[0].method, "POST");
  EXPECT_EQ(reqs[0].path, "/v1/segments");
  EXPECT_EQ(boost::json::parse(reqs[0].body),
            boost::json::parse(
                R"({"name":"big spenders","filter_text":"tag:vip","description":"over 1000"})"));
  EXPECT_THAT(out_.str(), HasSubstr("segment       big spenders\n"));
  EXPECT_THAT(out_.str(), HasSubstr("filter:       tag:vip\n"));
}

TEST_F(CommandsTest, SegmentsUpdateFindsTheSegmentByNameThenPatchesIt) {
  responder_ =
      SegmentsApi(true, [](const net::Request&) { return net::Response::Json(200, kSegmentJson); });
  ASSERT_EQ(Run({"segments", "update", "big spenders", "--rename", "top", "--filter", "tag:top"}),
            0)
      << err_.str();
  const auto reqs = Requests();
  ASSERT_EQ(reqs.size(), 2u);
  EXPECT_EQ(reqs[0].target, "/v1/segments?name=big%20spenders");
  EXPECT_EQ(reqs[1].method, "PATCH");
  EXPECT_EQ(reqs[1].path, "/v1/segments/4");
  EXPECT_EQ(boost::json::parse(reqs[1].body),
            boost::json::parse(R"({"filter_text":"tag:top","name":"top"})"));
}

TEST_F(CommandsTest, SegmentsUpdateWithNothingToChangeIsRefusedBeforeAnyRequest) {
  EXPECT_EQ(Run({"segments", "update", "vip"}), 1);
  EXPECT_THAT(err_.str(), HasSubstr("error: --filter: give --filter, --rename or --description"));
  EXPECT_TRUE(Requests().empty());
}

TEST_F(CommandsTest, SegmentsOfAnUnknownNameSaySo) {
  responder_ = SegmentsApi(false, [](const net::Request&) {
    return net::Response::Json(500, R"({"error":{"code":"internal","message":"unexpected"}})");
  });
  for (const char* command : {"show", "delete", "count"}) {
    EXPECT_EQ(Run({"segments", command, "ghost"}), 1) << command;
    EXPECT_EQ(err_.str(), "error: no segment named \"ghost\" (see `crier segments list`)\n");
  }
  EXPECT_EQ(Requests().size(), 3u) << "one lookup each, nothing else";
}

TEST_F(CommandsTest, SegmentsDeleteThatIsRefusedSaysWhoUsesIt) {
  responder_ = SegmentsApi(true, [](const net::Request& r) {
    EXPECT_EQ(r.method, "DELETE");
    EXPECT_EQ(r.path, "/v1/segments/4");
    return net::Response::Json(
        409,
        R"({"error":{"code":"failed_precondition","message":"segment \"big spenders\" is still used by broadcast 7 (\"Sale\", draft); change or cancel them first"}})");
  });
  EXPECT_EQ(Run({"segments", "delete", "big spenders"}), 1);
  EXPECT_THAT(err_.str(), HasSubstr("still used by broadcast 7"));
}

TEST_F(CommandsTest, SegmentsCountPrintsTheNumber) {
  responder_ = SegmentsApi(true, [](const net::Request& r) {
    EXPECT_EQ(r.path, "/v1/segments/4/count");
    return net::Response::Json(
        200, R"({"id":4,"name":"big spenders","count":1234,"filter_text":"tag:vip"})");
  });
  ASSERT_EQ(Run({"segments", "count", "big spenders"}), 0) << err_.str();
  EXPECT_EQ(out_.str(), "1234\n");
}

TEST_F(CommandsTest, SegmentsListPrintsATableAndWhereToGoOn) {
  responder_ = [](const net::Request& r) {
    EXPECT_EQ(r.target, "/v1/segments?limit=1");
    return net::Response::Json(
        200, std::string(R"({"items":[)") + kSegmentJson + R"(],"next_after":4})");
  };
  ASSERT_EQ(Run({"segments", "list", "--limit", "1"}), 0) << err_.str();
  EXPECT_THAT(out_.str(), HasSubstr("NAME          ID  FILTER   DESCRIPTION\n"));
  EXPECT_THAT(out_.str(), HasSubstr("big spenders  4   tag:vip"));
  EXPECT_THAT(out_.str(), HasSubstr("more: crier segments list --after 4\n"));
}

TEST_F(CommandsTest, CreateBroadcastForASegment) {
  responder_ = [](const net::Request&) {
    return net::Response::Json(201, R"({"id":7,"name":"n"})");
  };
  ASSERT_EQ(Run({"broadcast", "create", "--name", "VIP", "--account", "3", "--text", "hi",
                 "--segment", "big spenders"}),
            0);
  EXPECT_EQ(boost::json::parse(Requests().at(0).body).at("audience").at("filter"),
            boost::json::parse(R"({"segment":"big spenders"})"));
  ASSERT_EQ(Run({"broadcast", "create", "--name", "VIP", "--account", "3", "--text", "hi",
                 "--segment", "vip", "--filter", "interacted < 24h"}),
            0);
  EXPECT_EQ(boost::json::parse(Requests().at(1).body).at("audience").at("filter"),
            boost::json::parse(R"({"and":[{"segment":"vip"},"interacted < 24h"]})"));
}

// ---- contacts export ----------------------------------------------------------------------

// An export answer that streams `body` in pieces of `piece` bytes, then fails if told to.
net::Response ExportAnswer(std::string body, std::size_t piece, std::int64_t contacts,
                           bool fail_at_end = false) {
  net::Response r = net::Response::Text(200, "", "text/csv; charset=utf-8");
  r.headers.emplace_back("Crier-Contacts", std::to_string(contacts));
  r.stream = [body, piece, fail_at_end](net::BodyWriter& out) -> Status {
    for (std::size_t i = 0; i < body.size(); i += piece) {
      CRIER_RETURN_IF_ERROR(out.Write(std::string_view(body).substr(i, piece)));
    }
    if (fail_at_end) return Internal("the store went away");
    return Status::Ok();
  };
  return r;
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

const std::string kExportCsv =
    "channel_account_id,platform_user_id,name\r\n"
    "1,u1,\"two\nlines\"\r\n"
    "1,u2,\"say \"\"hi\"\"\"\r\n"
    "2,u3,plain\r\n";

TEST_F(CommandsTest, ExportWritesTheFileAndCountsRecordsNotLines) {
  responder_ = [](const net::Request&) { return ExportAnswer(kExportCsv, 7, 3); };
  const std::string path = dir_.File("vip.csv");
  ASSERT_EQ(Run({"contacts", "export", "--filter", "tag:vip and interacted < 7d", "-o", path}), 0)
      << err_.str();
  EXPECT_EQ(ReadFile(path), kExportCsv);
  EXPECT_FALSE(std::filesystem::exists(path + ".partial"));
  const auto reqs = Requests();
  ASSERT_EQ(reqs.size(), 1u);
  EXPECT_EQ(reqs[0].method, "POST");
  EXPECT_EQ(reqs[0].path, "/v1/contacts/export");
  EXPECT_EQ(boost::json::parse(reqs[0].body),
            boost::json::parse(R"({"format": "csv", "filter": "tag:vip and interacted < 7d"})"));
  EXPECT_THAT(out_.str(), HasSubstr("exported 3 rows (3 contacts matched) to " + path));
}

TEST_F(CommandsTest, ExportToStdoutWritesOnlyTheRows) {
  const std::string jsonl = "{\"platform_user_id\":\"u1\"}\n{\"platform_user_id\":\"u2\"}\n";
  responder_ = [&](const net::Request&) { return ExportAnswer(jsonl, 5, 2); };
  ASSERT_EQ(Run({"contacts", "export", "--format", "jsonl"}), 0) << err_.str();
  EXPECT_EQ(out_.str(), jsonl);
  EXPECT_EQ(boost::json::parse(Requests().at(0).body), boost::json::parse(R"({"format": "jsonl"})"))
      << "no filter: everyone";
}

TEST_F(CommandsTest, ExportOnATerminalDrawsRowsWritten) {
  tty_ = true;
  responder_ = [](const net::Request&) { return ExportAnswer(kExportCsv, 1000, 3); };
  const std::string path = dir_.File("all.csv");
  ASSERT_EQ(Run({"contacts", "export", "-o", path}), 0) << err_.str();
  EXPECT_THAT(out_.str(), HasSubstr("\r[" + std::string(40, '#') + "] 3/3 rows"));
  EXPECT_EQ(ReadFile(path), kExportCsv) << "the format came from the file's name";
}

TEST_F(CommandsTest, ExportThatBreaksOffLeavesNoFile) {
  responder_ = [](const net::Request&) {
    return ExportAnswer(kExportCsv, 7, 3, /*fail_at_end=*/true);
  };
  const std::string path = dir_.File("broken.csv");
  EXPECT_EQ(Run({"contacts", "export", "-o", path}), 1);
  EXPECT_THAT(err_.str(), HasSubstr("broke off"));
  EXPECT_THAT(err_.str(), HasSubstr(path + " was not written"));
  EXPECT_FALSE(std::filesystem::exists(path));
  EXPECT_FALSE(std::filesystem::exists(path + ".partial"));
}

TEST_F(CommandsTest, ExportRefusedByTheServerPrintsItsErrorAndWritesNothing) {
  responder_ = [](const net::Request&) {
    return net::Response::Json(
        400,
        R"({"error":{"code":"invalid_argument","message":"at 4: expected a tag name","field":"filter"}})");
  };
  const std::string path = dir_.File("x.jsonl");
  EXPECT_EQ(Run({"contacts", "export", "--filter", "tag:", "-o", path}), 1);
  EXPECT_EQ(err_.str(), "error: filter: at 4: expected a tag name\n");
  EXPECT_FALSE(std::filesystem::exists(path));
}

TEST_F(CommandsTest, ExportWithoutAKnownFormatNamesTheFlag) {
  EXPECT_EQ(Run({"contacts", "export"}), 1);
  EXPECT_THAT(err_.str(), HasSubstr("--format"));
  EXPECT_EQ(Run({"contacts", "export", "-o", dir_.File("x.txt")}), 1);
  EXPECT_THAT(err_.str(), HasSubstr("--format"));
  EXPECT_TRUE(Requests().empty());
}

TEST(ExportRowCounter, CountsRecordsAcrossPiecesWhateverTheQuotes) {
  for (std::size_t piece = 1; piece <= kExportCsv.size(); ++piece) {
    ExportRowCounter csv(ImportFormat::kCsv);
    for (std::size_t i = 0; i < kExportCsv.size(); i += piece) {
      csv.Add(std::string_view(kExportCsv).substr(i, piece));
    }
    EXPECT_EQ(csv.rows(), 3) << "pieces of " << piece;
  }
  ExportRowCounter header_only(ImportFormat::kCsv);
  header_only.Add("a,b\r\n");
  EXPECT_EQ(header_only.rows(), 0);
  ExportRowCounter jsonl(ImportFormat::kJsonl);
  jsonl.Add("{\"name\": \"a \\\" b\"}\n{}\n");
  EXPECT_EQ(jsonl.rows(), 2);
}

constexpr char kTemplateJson[] =
    R"({"id":7,"platform":"whatsapp","waba_id":"111","name":"order_update","language":"en_US",)"
    R"("category":"marketing","status":"approved","header":{"kind":"image","parameters":1},)"
    R"("body_parameters":2,"buttons":[{"type":"quick_reply","text":"Stop",)"
    R"("behaviour":"unsubscribe","payload":"crier:unsubscribe"},)"
    R"({"type":"url","text":"Track","url_suffix":true}],)"
    R"("created_at":"2026-11-21T09:00:00.000Z","updated_at":"2026-11-21T09:00:00.000Z"})";

TEST_F(CommandsTest, TemplatesAddSendsTheDefinitionWithItsButtonsInOrder) {
  responder_ = [](const net::Request&) { return net::Response::Json(201, kTemplateJson); };
  ASSERT_EQ(Run({"templates",
                 "add",
                 "order_update",
                 "--language",
                 "en_US",
                 "--waba",
                 "111",
                 "--category",
                 "marketing",
                 "--header",
                 "image",
                 "--body-parameters",
                 "2",
                 "--button",
                 "quick_reply:Stop:unsubscribe",
                 "--button",
                 "url:Track:suffix",
                 "--button",
                 "quick_reply:Menu:bot_flow:MENU:MAIN",
                 "--button",
                 "url:Shop",
                 "--button",
                 "quick_reply:Ok"}),
            0)
      << err_.str();
  const auto reqs = Requests();
  ASSERT_EQ(reqs.size(), 1u);
  EXPECT_EQ(reqs[0].method, "POST");
  EXPECT_EQ(reqs[0].path, "/v1/templates");
  EXPECT_EQ(boost::json::parse(reqs[0].body), boost::json::parse(R"({
      "name": "order_update", "language": "en_US", "body_parameters": 2, "waba_id": "111",
      "category": "marketing", "header": {"kind": "image"},
      "buttons": [{"type": "quick_reply", "text": "Stop", "behaviour": "unsubscribe"},
                  {"type": "url", "text": "Track", "url_suffix": true},
                  {"type": "quick_reply", "text": "Menu", "behaviour": "bot_flow",
                   "payload": "MENU:MAIN"},
                  {"type": "url", "text": "Shop"},
                  {"type": "quick_reply", "text": "Ok"}]})"));
  EXPECT_THAT(out_.str(), HasSubstr("template   order_update\n"));
  EXPECT_THAT(out_.str(), HasSubstr("scope:     whatsapp, WABA 111\n"));
  EXPECT_THAT(out_.str(), HasSubstr("0: quick_reply \"Stop\" -> unsubscribe (crier:unsubscribe), "
                                    "1: url \"Track\" + suffix"));
}

TEST_F(CommandsTest, TemplatesAddRefusesABadButtonOrScopeBeforeAnyRequest) {
  const std::vector<std::pair<std::vector<std::string>, std::string>> cases = {
      {{"--waba", "1", "--button", "Stop"}, "error: --button[0]: must be quick_reply:TEXT"},
      {{"--waba", "1", "--button", "url:Ok", "--button", "call:Ok"},
       "error: --button[1]: the type is quick_reply or url"},
      {{"--waba", "1", "--button", "quick_reply:"}, "error: --button[0]: the button's text is"},
      {{"--waba", "1", "--button", "quick_reply:Menu:bot_flow"},
       "error: --button[0]: a bot_flow button needs its payload"},
      {{"--waba", "1", "--button", "quick_reply:Stop:unsubscribe:X"},
       "error: --button[0]: only a bot_flow button takes a payload"},
      {{"--waba", "1", "--button", "url:Go:always"}, "error: --button[0]: a url button ends"},
      {{"--button", "url:Go"}, "error: --waba: give exactly one of --waba"},
      {{"--waba", "1", "--account", "2"}, "error: --waba: give exactly one of --waba"},
      {{"--waba", "1", "--header-parameters", "1"}, "error: --header-parameters: give --header"},
  };
  for (const auto& [flags, error] : cases) {
    std::vector<std::string> args = {"templates", "add", "order_update", "--language", "en"};
    args.insert(args.end(), flags.begin(), flags.end());
    EXPECT_EQ(Run(args), 1) << flags.back();
    EXPECT_THAT(err_.str(), HasSubstr(error)) << flags.back();
  }
  EXPECT_TRUE(Requests().empty());
}

TEST_F(CommandsTest, TemplatesListFiltersAndSaysHowToGoOn) {
  responder_ = [](const net::Request& r) {
    EXPECT_EQ(r.target, "/v1/templates?channel_account_id=3&name=order_update&limit=1");
    return net::Response::Json(
        200, std::string(R"({"items":[)") + kTemplateJson + R"(],"next_after":7})");
  };
  ASSERT_EQ(Run({"templates", "list", "--account", "3", "--name", "order_update", "--limit", "1"}),
            0)
      << err_.str();
  EXPECT_THAT(out_.str(), HasSubstr("ID  NAME          LANGUAGE  SCOPE     CATEGORY   STATUS"));
  EXPECT_THAT(out_.str(), HasSubstr("7   order_update  en_US     WABA 111  marketing  approved"));
  EXPECT_THAT(out_.str(), HasSubstr("more: crier templates list --account 3 --name order_update "
                                    "--after 7\n"));
}

TEST_F(CommandsTest, TemplatesUpdateShowAndRemoveGoByIdWithThePatchGiven) {
  responder_ = [](const net::Request& r) {
    if (r.method == "DELETE") {
      return net::Response::Json(
          200, R"({"id":7,"name":"order_update","language":"en_US","deleted":true})");
    }
    return net::Response::Json(200, kTemplateJson);
  };
  ASSERT_EQ(Run({"templates", "update", "7", "--status", "paused"}), 0) << err_.str();
  ASSERT_EQ(Run({"templates", "show", "7"}), 0) << err_.str();
  ASSERT_EQ(Run({"templates", "remove", "7"}), 0) << err_.str();
  EXPECT_EQ(out_.str(), "removed template 7 (\"order_update\", en_US)\n");
  const auto reqs = Requests();
  ASSERT_EQ(reqs.size(), 3u);
  EXPECT_EQ(reqs[0].method, "PATCH");
  EXPECT_EQ(reqs[0].path, "/v1/templates/7");
  EXPECT_EQ(boost::json::parse(reqs[0].body), boost::json::parse(R"({"status":"paused"})"));
  EXPECT_EQ(reqs[1].method, "GET");
  EXPECT_EQ(reqs[1].path, "/v1/templates/7");
  EXPECT_EQ(reqs[2].method, "DELETE");
  EXPECT_EQ(Run({"templates", "update", "7"}), 1);
  EXPECT_THAT(err_.str(), HasSubstr("error: --status: give --status, --category or both"));
  EXPECT_EQ(Requests().size(), 3u);
}

}  // namespace
}  // namespace crier::cli
