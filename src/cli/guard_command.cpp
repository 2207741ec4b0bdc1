// crier guard check: the promotional-content guard (PRODUCT.md B1) from the command line,
// through the server (POST /v1/guard/check) or locally with the built-in rules and an
// optional rule directory, so that rule files can be tried before a server loads them.
#include <boost/json.hpp>
#include <filesystem>
#include <fstream>
#include <memory>
#include <ostream>
#include <sstream>

#include "api/guard_handlers.h"
#include "cli/commands.h"
#include "cli/guard_dir.h"
#include "cli/output.h"
#include "core/guard_content.h"

namespace crier::cli {
namespace {

// Exit status when promotional content was found: like a linter, so scripts can gate on it.
constexpr int kExitPromotional = 2;

struct CheckArgs {
  std::vector<std::string> texts;
  std::vector<std::string> files;
  std::optional<Id> account;
  bool local = false;
  std::string guard_dir;
};

Result<std::vector<Message>> Messages(const CheckArgs& a) {
  std::vector<Message> messages;
  for (const std::string& text : a.texts) messages.push_back({MessageKind::kText, text});
  for (const std::string& path : a.files) {
    std::ifstream in(path, std::ios::binary);
    if (!in) return InvalidArgument("--file", "cannot read " + path);
    std::ostringstream text;
    text << in.rdbuf();
    messages.push_back({MessageKind::kText, text.str()});
  }
  if (messages.empty()) {
    return InvalidArgument("--text", "give the text to check with --text or --file");
  }
  return messages;
}

// The hits for people: one row each, then a one-line verdict.
int PrintHits(CommandEnv& env, const boost::json::array& hits) {
  auto& out = env.ctx.out;
  if (hits.empty()) {
    out << "no promotional content found\n";
    return 0;
  }
  std::vector<std::vector<std::string>> rows;
  for (const boost::json::value& h : hits) {
    rows.push_back({TextOf(h, "location"), TextOf(h, "offset"), TextOf(h, "category"),
                    TextOf(h, "rule"), TextOf(h, "matched")});
  }
  PrintTable(out, {"LOCATION", "OFFSET", "CATEGORY", "RULE", "MATCHED"}, rows);
  out << hits.size() << (hits.size() == 1 ? " hit" : " hits")
      << ": not allowed in a non_promotional broadcast\n";
  return kExitPromotional;
}

int CheckLocally(CommandEnv& env, const CheckArgs& a, const std::vector<Message>& messages) {
  std::optional<guard::AccountGuards> loaded;
  if (!a.guard_dir.empty()) {
    auto guards = LoadGuardDir(a.guard_dir);
    if (!guards.ok()) return PrintError(env.ctx, guards.error());
    loaded.emplace(std::move(*guards));
  }
  const guard::AccountGuards& guards = loaded ? *loaded : guard::AccountGuards::BuiltIn();
  const std::vector<guard::Hit> hits = guards.For(a.account).Check(guard::TextFieldsOf(messages));
  boost::json::object answer;
  answer["promotional"] = !hits.empty();
  answer["hits"] = api::HitsJson(hits);
  if (env.flags.json) {
    env.ctx.out << boost::json::serialize(answer) << '\n';
    return hits.empty() ? 0 : kExitPromotional;
  }
  return PrintHits(env, answer["hits"].as_array());
}

int CheckOnServer(CommandEnv& env, const CheckArgs& a, const std::vector<Message>& messages) {
  auto client = Connect(env);
  if (!client) return 1;
  boost::json::array list;
  for (const Message& m : messages) {
    list.push_back(boost::json::object{{"kind", "text"}, {"text", m.text}});
  }
  boost::json::object body{{"messages", std::move(list)}};
  if (a.account) body["channel_account_id"] = *a.account;
  auto answer = client->Post("/v1/guard/check", body);
  if (!answer.ok()) return PrintError(env.ctx, answer.error());
  if (env.flags.json) {
    env.ctx.out << client->last_body() << '\n';
    return ArrayOf(*answer, "hits").empty() ? 0 : kExitPromotional;
  }
  return PrintHits(env, ArrayOf(*answer, "hits"));
}

int Check(CommandEnv& env, const CheckArgs& a) {
  auto messages = Messages(a);
  if (!messages.ok()) return PrintError(env.ctx, messages.error());
  if (a.local || !a.guard_dir.empty()) return CheckLocally(env, a, *messages);
  return CheckOnServer(env, a, *messages);
}

}  // namespace

void AddGuardCommands(CLI::App& app, CommandEnv& env) {
  auto* guard = app.add_subcommand("guard", "the promotional-content guard");
  guard->require_subcommand(1);
  auto args = std::make_shared<CheckArgs>();
  auto* check = guard->add_subcommand(
      "check",
      "list promotional content (discounts, codes, free offers, ...) in message texts; exits "
      "0 when there is none, 2 when there is");
  check->add_option("--text", args->texts, "a message's text (repeat for more messages)");
  check->add_option("--file", args->files, "a file holding a message's text (repeatable)");
  check->add_option("--account", args->account,
                    "channel account id: also apply that account's own rules");
  check->add_flag("--local", args->local,
                  "check here with the built-in rules instead of asking the server");
  check->add_option("--guard-dir", args->guard_dir,
                    "check here with the built-in rules plus this rule directory (as crier serve "
                    "--guard-dir)");
  check->callback([&env, args] { env.action = [&env, args] { return Check(env, *args); }; });
}

}  // namespace crier::cli
