#include "cli/serve.h"

#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <spdlog/spdlog.h>
#include <sys/file.h>
#include <unistd.h>

#include <csignal>
#include <optional>
#include <ostream>

#include "api/api.h"
#include "channels/transport.h"
#include "cli/guard_dir.h"
#include "cli/redact.h"
#include "engine/engine.h"
#include "net/server.h"
#include "store/sqlite/sqlite_store.h"

namespace crier::cli {
namespace {

constexpr char kAdminKeyBanner[] = "admin API key (shown once): ";

Error WithContext(const Error& error, const std::string& context, const std::string& field) {
  return Error{error.code, context + ": " + error.message, field};
}

// Keeps the CLI config file pointing at this server. A new admin key is written with the URL;
// at later starts only the URL is refreshed (the port may have changed) and the key kept.
void UpdateCliConfig(const ServeOptions& o, CliContext& ctx, const std::string& url,
                     const std::optional<std::string>& new_key) {
  std::string path = o.cli_config;
  if (path.empty()) {
    auto default_path = DefaultConfigPath(ctx.env);
    if (!default_path.ok()) {
      spdlog::warn("event=cli_config_not_written reason={}",
                   LogValue(default_path.error().message));
      return;
    }
    path = *default_path;
  }
  CliConfig config{url, ""};
  if (new_key) {
    config.api_key = *new_key;
  } else {
    auto existing = LoadConfigFile(path);
    if (!existing.ok() || !existing->has_value() || (*existing)->api_key.empty()) return;
    if ((*existing)->url == url) return;
    config.api_key = (*existing)->api_key;
  }
  if (const Status s = WriteConfigFile(path, config); !s.ok()) {
    spdlog::warn("event=cli_config_not_written reason={}", LogValue(s.error().message));
    return;
  }
  spdlog::info("event=cli_config_written path={} url={}", LogValue(path), url);
}

}  // namespace

int RunServe(const ServeOptions& o, CliContext& ctx) {
  // Blocked before any thread starts, so that every thread inherits the mask and the signals
  // are only ever taken by sigwait below.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGINT);
  sigaddset(&stop_signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);
  std::signal(SIGPIPE, SIG_IGN);

  if (const Status s = SetupLogging(o.log_level); !s.ok()) return PrintError(ctx, s.error());
  if (o.threads < 1) return PrintError(ctx, InvalidArgument("--threads", "must be at least 1"));
  Clock& clock = SystemClock::Instance();

  // Read before anything else starts, so that a bad rule file stops start-up at once.
  std::optional<guard::AccountGuards> guards;
  if (!o.guard_dir.empty()) {
    std::size_t files = 0;
    auto loaded = LoadGuardDir(o.guard_dir, &files);
    if (!loaded.ok()) return PrintError(ctx, loaded.error());
    guards.emplace(std::move(*loaded));
    spdlog::info("event=guard_rules_loaded dir={} files={} accounts_with_own_rules={}",
                 LogValue(o.guard_dir), files, guards->accounts_with_rules().size());
  }

  // One sending process per database: a second one would resolve the first one's in-flight
  // deliveries as interrupted and claim alongside it. The lock dies with the process.
  const std::string lock_path = o.db + ".lock";
  const int lock_fd = ::open(lock_path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (lock_fd < 0 || ::flock(lock_fd, LOCK_EX | LOCK_NB) != 0) {
    return PrintError(ctx, Error{ErrorCode::kFailedPrecondition,
                                 "another crier serve is already using this database (" +
                                     lock_path + " is locked)",
                                 "--db"});
  }

  auto store = OpenSqliteStore({.path = o.db});
  if (!store.ok()) {
    return PrintError(ctx, Error{store.error().code, store.error().message, "--db"});
  }
  auto admin_key = api::EnsureAdminKey(**store, clock);
  if (!admin_key.ok()) {
    return PrintError(ctx, WithContext(admin_key.error(), "cannot set up the admin API key", ""));
  }
  if (admin_key->has_value()) {
    // Printed at once: if a later step fails, the key must not be lost.
    ctx.out << kAdminKeyBanner << **admin_key << std::endl;
  }

  engine::EngineOptions engine_options;
  auto transport = channels::MakeCurlTransport(engine_options.transport);
  if (!transport.ok()) {
    return PrintError(ctx, WithContext(transport.error(), "cannot set up HTTP sending", ""));
  }
  // The server binds first (it serves nothing before Start), so that `--public-url local`
  // can name the port it got.
  std::optional<api::Api> api;

  auto server =
      net::HttpServer::Create({.host = o.host,
                               .port = o.port,
                               .threads = o.threads,
                               .admit = [&](const net::Request& head) { return api->Admit(head); },
                               .stream_failed =
                                   [](std::string_view target, const Error& error) {
                                     spdlog::warn("event=response_cut_short target={} error={}",
                                                  LogValue(target), LogValue(error.ToString()));
                                   }},
                              [&api](const net::Request& request) { return api->Handle(request); });
  if (!server.ok()) {
    if (admin_key->has_value()) UpdateCliConfig(o, ctx, ServerUrl(o.host, o.port), *admin_key);
    return PrintError(ctx, Error{server.error().code, server.error().message, "--port"});
  }
  const std::string url = ServerUrl(o.host, (*server)->port());
  engine_options.public_url = o.public_url == kLocalPublicUrl ? url : o.public_url;
  auto engine = engine::Engine::Create(**store, clock, std::move(*transport), engine_options);
  if (!engine.ok()) {
    return PrintError(ctx, WithContext(engine.error(), "cannot create the engine", ""));
  }
  api.emplace(**store, **engine, clock, guards ? *guards : guard::AccountGuards::BuiltIn());
  UpdateCliConfig(o, ctx, url, *admin_key);

  if (const Status s = (*engine)->Start(); !s.ok()) {
    return PrintError(ctx, WithContext(s.error(), "cannot start the engine", ""));
  }
  (*server)->Start();
  int exit_code = 0;
  if (!o.port_file.empty()) {
    if (const Status s = WriteFileAtomically(o.port_file, std::to_string((*server)->port()));
        !s.ok()) {
      exit_code =
          PrintError(ctx, WithContext(s.error(), "cannot write the port file", "--port-file"));
    }
  }
  if (exit_code == 0) {
    spdlog::info("event=listening url={} db={} threads={}", url, LogValue(o.db), o.threads);
    int signal_number = 0;
    sigwait(&stop_signals, &signal_number);
    spdlog::info("event=stopping signal={}", signal_number == SIGINT ? "SIGINT" : "SIGTERM");
  }

  // Stop taking work first, then let in-flight sends finish and be recorded, then close.
  (*server)->Stop();
  (*engine)->Stop(kShutdownDrain);
  server->reset();
  api.reset();
  engine->reset();
  store->reset();
  if (exit_code == 0) spdlog::info("event=stopped");
  spdlog::default_logger()->flush();
  return exit_code;
}

void AddServeCommand(CLI::App& app, CommandEnv& env) {
  auto options = std::make_shared<ServeOptions>();
  auto* serve = app.add_subcommand("serve", "run the crier server (API + sending engine)");
  serve->add_option("--db", options->db, "SQLite database file (created if missing)")->required();
  serve->add_option("--host", options->host, "address to listen on")->capture_default_str();
  serve->add_option("--port", options->port, "port to listen on (0: any free port)")
      ->capture_default_str();
  serve->add_option("--port-file", options->port_file, "write the bound port here once listening");
  serve->add_option("--threads", options->threads, "HTTP server threads")->capture_default_str();
  serve->add_option("--cli-config", options->cli_config,
                    "CLI config file to write (default: $CRIER_CONFIG, "
                    "~/.config/crier/config.json)");
  serve->add_option("--guard-dir", options->guard_dir,
                    "promotional-content guard rules: DIR/*.txt for every account, "
                    "DIR/account-<ID>/*.txt for one (on top of the built-in rules)");
  serve->add_option("--public-url", options->public_url,
                    "where people reach this server, the base of tracked links' redirect "
                    "(https://crier.example); \"local\": the address it listens on");
  serve
      ->add_option("--log-level", options->log_level,
                   "trace, debug, info, warn, error, critical, off")
      ->capture_default_str();
  serve->callback(
      [&env, options] { env.action = [&env, options] { return RunServe(*options, env.ctx); }; });
}

}  // namespace crier::cli
