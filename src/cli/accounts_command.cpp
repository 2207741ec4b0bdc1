// crier accounts create | list
#include <boost/json.hpp>
#include <memory>
#include <ostream>

#include "cli/commands.h"
#include "cli/output.h"

namespace crier::cli {
namespace {

struct CreateAccountArgs {
  std::string platform = "messenger";
  std::string name;
  std::string external_id;
  std::string token;
  std::string base_url;
  std::string api_version = "v25.0";
  std::string time_zone = "UTC";
  double mps = 50;
  int concurrency = 16;
};

int CreateAccount(CommandEnv& env, const CreateAccountArgs& a) {
  auto client = Connect(env);
  if (!client) return 1;
  boost::json::object body{
      {"platform", a.platform},
      {"name", a.name},
      {"external_id", a.external_id},
      {"access_token", a.token},
      {"api_base_url", a.base_url},
      {"api_version", a.api_version},
      {"time_zone", a.time_zone},
      {"pacing",
       boost::json::object{{"messages_per_second", a.mps}, {"max_concurrency", a.concurrency}}},
  };
  auto created = client->Post("/v1/channel-accounts", body);
  if (!created.ok()) return PrintError(env.ctx, created.error());
  if (env.flags.json) {
    env.ctx.out << client->last_body() << '\n';
  } else {
    env.ctx.out << TextOf(*created, "id") << '\n';
  }
  return 0;
}

int ListAccounts(CommandEnv& env) {
  auto client = Connect(env);
  if (!client) return 1;
  auto list = client->Get("/v1/channel-accounts");
  if (!list.ok()) return PrintError(env.ctx, list.error());
  if (env.flags.json) {
    env.ctx.out << client->last_body() << '\n';
    return 0;
  }
  std::vector<std::vector<std::string>> rows;
  for (const auto& item : ArrayOf(*list, "items")) {
    const boost::json::value pacing = Member(item, "pacing") ? *Member(item, "pacing") : nullptr;
    rows.push_back(
        {TextOf(item, "id"), TextOf(item, "platform"), TextOf(item, "name"),
         TextOf(item, "external_id"), TextOf(item, "api_base_url"),
         TextOf(pacing, "messages_per_second") + "/s x" + TextOf(pacing, "max_concurrency")});
  }
  if (rows.empty()) {
    env.ctx.out << "no channel accounts yet (create one with `crier accounts create`)\n";
    return 0;
  }
  PrintTable(env.ctx.out, {"ID", "PLATFORM", "NAME", "EXTERNAL ID", "API BASE URL", "PACE"}, rows);
  return 0;
}

}  // namespace

void AddAccountsCommands(CLI::App& app, CommandEnv& env) {
  auto* accounts = app.add_subcommand("accounts", "channel accounts (a Page, an IG account, ...)");
  accounts->require_subcommand(1);

  auto args = std::make_shared<CreateAccountArgs>();
  auto* create = accounts->add_subcommand("create", "connect a channel account; prints its id");
  create->add_option("--platform", args->platform, "messenger | instagram")->capture_default_str();
  create->add_option("--name", args->name, "a name for people")->required();
  create->add_option("--external-id", args->external_id, "the platform's id (the Page id)")
      ->required();
  create->add_option("--token", args->token, "the platform access token")->required();
  create
      ->add_option("--base-url", args->base_url,
                   "the platform API's base URL, e.g. https://graph.facebook.com")
      ->required();
  create->add_option("--api-version", args->api_version)->capture_default_str();
  create->add_option("--time-zone", args->time_zone, "the bot time zone")->capture_default_str();
  create->add_option("--mps", args->mps, "messages per second")->capture_default_str();
  create->add_option("--concurrency", args->concurrency, "requests in flight at once")
      ->capture_default_str();
  create->callback(
      [&env, args] { env.action = [&env, args] { return CreateAccount(env, *args); }; });

  auto* list = accounts->add_subcommand("list", "list channel accounts");
  list->callback([&env] { env.action = [&env] { return ListAccounts(env); }; });
}

}  // namespace crier::cli
