#include "cli/commands.h"

#include <fmt/format.h>

#include <algorithm>
#include <ostream>

#include "cli/output.h"

namespace crier::cli {

int PrintError(CliContext& ctx, const Error& error) {
  ctx.err << "error: " << error.ToString() << std::endl;
  return 1;
}

std::optional<ApiClient> Connect(CommandEnv& env) {
  auto config = ResolveConfig(env.flags.config, env.ctx.env);
  if (!config.ok()) {
    PrintError(env.ctx, config.error());
    return std::nullopt;
  }
  return std::optional<ApiClient>(std::in_place, std::move(config).value());
}

int ListPage(CommandEnv& env, const PageListing& listing, int limit, std::optional<Id> after) {
  auto client = Connect(env);
  if (!client) return 1;
  // The listing's path may carry filters of its own.
  std::string path = fmt::format("{}{}limit={}", listing.path,
                                 listing.path.find('?') == std::string::npos ? '?' : '&', limit);
  if (after) path += fmt::format("&after={}", *after);
  auto page = client->Get(path);
  if (!page.ok()) return PrintError(env.ctx, page.error());
  if (env.flags.json) {
    env.ctx.out << client->last_body() << '\n';
    return 0;
  }
  std::vector<std::vector<std::string>> rows;
  for (const auto& item : ArrayOf(*page, "items")) rows.push_back(listing.row(item));
  if (rows.empty()) {
    env.ctx.out << listing.empty << '\n';
    return 0;
  }
  PrintTable(env.ctx.out, listing.columns, rows);
  if (const std::string next = TextOf(*page, "next_after"); !next.empty()) {
    env.ctx.out << "more: " << listing.more_command << " --after " << next << '\n';
  }
  return 0;
}

ProgressPrinter::ProgressPrinter(CliContext& ctx, bool enabled) : ctx_(ctx), enabled_(enabled) {}

void ProgressPrinter::Update(const std::string& line, const std::string& plain, bool force) {
  if (!enabled_) return;
  if (ctx_.out_is_tty) {
    // "\x1b[K" clears what a longer previous line left behind.
    ctx_.out << '\r' << line << "\x1b[K" << std::flush;
    drawn_ = true;
    return;
  }
  const auto now = ctx_.clock.Steady();
  if (!force && last_plain_ && now - *last_plain_ < kPlainProgressInterval) return;
  last_plain_ = now;
  ctx_.out << plain << std::endl;
}

void ProgressPrinter::Finish() {
  if (drawn_) ctx_.out << std::endl;
  drawn_ = false;
}

int RunCommandLine(const std::vector<std::string>& args, CliContext& ctx,
                   const std::vector<CommandRegistrar>& extra) {
  CLI::App app{"crier: broadcasts for chat commerce (Messenger, Instagram, WhatsApp, LINE)",
               "crier"};
  // Lets the global flags follow the subcommand: `crier contacts list --json`.
  app.fallthrough();
  app.require_subcommand(1);
  CommandEnv env{ctx, {}, {}};
  app.add_option("--url", env.flags.config.url, "server URL (default: $CRIER_URL, config file)");
  app.add_option("--api-key", env.flags.config.api_key,
                 "API key (default: $CRIER_API_KEY, config file)");
  app.add_option("--config", env.flags.config.config_path,
                 "CLI config file (default: $CRIER_CONFIG, ~/.config/crier/config.json)");
  app.add_flag("--json", env.flags.json, "print the server's JSON answer as is");
  for (const auto& add : extra) add(app, env);
  AddAccountsCommands(app, env);
  AddContactsCommands(app, env);
  AddBroadcastCommands(app, env);
  AddSegmentsCommands(app, env);
  AddTemplatesCommands(app, env);
  AddDemoCommands(app, env);
  AddGuardCommands(app, env);

  if (args.empty()) {
    ctx.err << app.help();
    return 1;
  }
  std::vector<std::string> reversed(args.rbegin(), args.rend());  // CLI11 parses from the back
  try {
    app.parse(reversed);
  } catch (const CLI::ParseError& e) {
    return app.exit(e, ctx.out, ctx.err);
  }
  if (!env.action) {
    ctx.err << app.help();
    return 1;
  }
  try {
    return env.action();
  } catch (const std::exception& e) {
    // Nothing below is meant to throw; this keeps a surprise (bad_alloc, a JSON library
    // exception) a clear message rather than an abort.
    return PrintError(ctx, Internal(e.what()));
  }
}

}  // namespace crier::cli
