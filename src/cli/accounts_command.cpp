// crier accounts create | list | update
#include <boost/json.hpp>
#include <cstdint>
#include <memory>
#include <optional>
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
  std::string waba_id;
  std::string webhook_secret;
  std::string webhook_verify_token;
};

struct UpdateAccountArgs {
  std::int64_t id = 0;
  bool lock_tags = false;
  bool unlock_tags = false;
  std::optional<double> mps;
  std::optional<int> concurrency;
  std::optional<std::string> webhook_secret;        // "" clears
  std::optional<std::string> webhook_verify_token;  // "" clears
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
  if (!a.waba_id.empty()) body["capabilities"] = boost::json::object{{"waba_id", a.waba_id}};
  if (!a.webhook_secret.empty()) body["webhook_secret"] = a.webhook_secret;
  if (!a.webhook_verify_token.empty()) body["webhook_verify_token"] = a.webhook_verify_token;
  auto created = client->Post("/v1/channel-accounts", body);
  if (!created.ok()) return PrintError(env.ctx, created.error());
  if (env.flags.json) {
    env.ctx.out << client->last_body() << '\n';
  } else {
    env.ctx.out << TextOf(*created, "id") << '\n';
  }
  return 0;
}

// B2: an administrator locks (or unlocks) message tags on an account; the pace can change in
// the same call. Only the members named are sent, so nothing else of the account changes.
int UpdateAccount(CommandEnv& env, const UpdateAccountArgs& a) {
  boost::json::object body;
  if (a.lock_tags || a.unlock_tags) {
    body["capabilities"] = boost::json::object{{"message_tags_locked", a.lock_tags}};
  }
  boost::json::object pacing;
  if (a.mps) pacing["messages_per_second"] = *a.mps;
  if (a.concurrency) pacing["max_concurrency"] = *a.concurrency;
  if (!pacing.empty()) body["pacing"] = std::move(pacing);
  if (a.webhook_secret) body["webhook_secret"] = *a.webhook_secret;
  if (a.webhook_verify_token) body["webhook_verify_token"] = *a.webhook_verify_token;
  if (body.empty()) {
    env.ctx.err << "error: nothing to change: give --lock-tags, --unlock-tags, --mps, "
                   "--concurrency, --webhook-secret or --webhook-verify-token\n";
    return 2;
  }
  auto client = Connect(env);
  if (!client) return 1;
  auto updated = client->Patch("/v1/channel-accounts/" + std::to_string(a.id), body);
  if (!updated.ok()) return PrintError(env.ctx, updated.error());
  if (env.flags.json) {
    env.ctx.out << client->last_body() << '\n';
    return 0;
  }
  const boost::json::value* caps = Member(*updated, "capabilities");
  const boost::json::value* flag = caps != nullptr ? Member(*caps, "message_tags_locked") : nullptr;
  const bool locked = flag != nullptr && flag->is_bool() && flag->as_bool();
  const boost::json::value* pace = Member(*updated, "pacing");
  const boost::json::value pacing_value = pace != nullptr ? *pace : boost::json::value(nullptr);
  env.ctx.out << "account " << TextOf(*updated, "id") << ": message tags "
              << (locked ? "locked" : "unlocked") << ", pace "
              << TextOf(pacing_value, "messages_per_second") << "/s x"
              << TextOf(pacing_value, "max_concurrency") << ", webhook secret "
              << (TextOf(*updated, "webhook_secret_set") == "true" ? "set" : "not set") << '\n';
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
         TextOf(pacing, "messages_per_second") + "/s x" + TextOf(pacing, "max_concurrency"),
         TextOf(item, "webhook_secret_set") == "true" ? "signed" : "-"});
  }
  if (rows.empty()) {
    env.ctx.out << "no channel accounts yet (create one with `crier accounts create`)\n";
    return 0;
  }
  PrintTable(env.ctx.out,
             {"ID", "PLATFORM", "NAME", "EXTERNAL ID", "API BASE URL", "PACE", "WEBHOOKS"}, rows);
  return 0;
}

}  // namespace

void AddAccountsCommands(CLI::App& app, CommandEnv& env) {
  auto* accounts = app.add_subcommand("accounts", "channel accounts (a Page, an IG account, ...)");
  accounts->require_subcommand(1);

  auto args = std::make_shared<CreateAccountArgs>();
  auto* create = accounts->add_subcommand("create", "connect a channel account; prints its id");
  create->add_option("--platform", args->platform, "messenger | instagram | whatsapp | line")
      ->capture_default_str();
  create->add_option("--name", args->name, "a name for people")->required();
  create
      ->add_option("--external-id", args->external_id,
                   "the platform's id: the Page id, IG account id, WhatsApp phone-number id, "
                   "or LINE bot user id (the webhooks' destination)")
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
  create->add_option("--waba-id", args->waba_id,
                     "WhatsApp: the WhatsApp Business Account the number belongs to (required)");
  create->add_option("--webhook-secret", args->webhook_secret,
                     "what webhooks are signed with: Meta's app secret, LINE's channel secret");
  create->add_option("--webhook-verify-token", args->webhook_verify_token,
                     "Meta: the verify token of the webhook subscription's handshake");
  create->callback(
      [&env, args] { env.action = [&env, args] { return CreateAccount(env, *args); }; });

  auto update_args = std::make_shared<UpdateAccountArgs>();
  auto* update = accounts->add_subcommand(
      "update", "change an account: lock or unlock its message tags (B2), or its pace");
  update->add_option("id", update_args->id, "the account's id")->required();
  auto* lock = update->add_flag("--lock-tags", update_args->lock_tags,
                                "lock message tags: no broadcast may name one");
  auto* unlock =
      update->add_flag("--unlock-tags", update_args->unlock_tags, "allow message tags again");
  lock->excludes(unlock);
  update->add_option("--mps", update_args->mps, "messages per second");
  update->add_option("--concurrency", update_args->concurrency, "requests in flight at once");
  update->add_option("--webhook-secret", update_args->webhook_secret,
                     "what webhooks are signed with (\"\" clears it)");
  update->add_option("--webhook-verify-token", update_args->webhook_verify_token,
                     "Meta's handshake verify token (\"\" clears it)");
  update->callback([&env, update_args] {
    env.action = [&env, update_args] { return UpdateAccount(env, *update_args); };
  });

  auto* list = accounts->add_subcommand("list", "list channel accounts");
  list->callback([&env] { env.action = [&env] { return ListAccounts(env); }; });
}

}  // namespace crier::cli
