// The crier command line: the command tree (CLI11) and the client commands that talk to a
// running server over the REST API. `crier serve` lives in serve.h and is registered by
// main.cpp, so that this part links and tests without the server's modules.
//
// Thread-compatible: one command line runs at a time.
#pragma once

#include <CLI/CLI.hpp>
#include <boost/json/value.hpp>
#include <cstdint>
#include <functional>
#include <iosfwd>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "cli/api_client.h"
#include "cli/config.h"
#include "cli/import_chunks.h"
#include "core/clock.h"
#include "core/model.h"

namespace crier::cli {

// What a command may touch of the outside world; injected so the commands can be tested.
struct CliContext {
  std::ostream& out;
  std::ostream& err;
  bool out_is_tty = false;
  int columns = 80;  // terminal width, for progress bars
  GetEnv env;
  const Clock& clock;
  std::function<void(Duration)> sleep;  // waits between report polls
};

// Flags shared by every client command.
struct GlobalFlags {
  ConfigFlags config;
  bool json = false;
};

// What the parsed command line asks for: `action` is set by the chosen subcommand.
struct CommandEnv {
  CliContext& ctx;
  GlobalFlags flags;
  std::function<int()> action;
};

// Registers a subcommand tree on `app` (e.g. `crier serve`); used by main.cpp.
using CommandRegistrar = std::function<void(CLI::App& app, CommandEnv& env)>;

// Parses `args` (without the program name) and runs the chosen command. Returns the process
// exit code: 0 on success, 1 on any error (printed as "error: <field>: <message>" on
// ctx.err), CLI11's code for usage errors. `extra` adds subcommands such as serve.
int RunCommandLine(const std::vector<std::string>& args, CliContext& ctx,
                   const std::vector<CommandRegistrar>& extra = {});

// ---- pieces shared by the command files (and their tests) ---------------------------------

void AddAccountsCommands(CLI::App& app, CommandEnv& env);
void AddContactsCommands(CLI::App& app, CommandEnv& env);
void AddBroadcastCommands(CLI::App& app, CommandEnv& env);
void AddSegmentsCommands(CLI::App& app, CommandEnv& env);
void AddTemplatesCommands(CLI::App& app, CommandEnv& env);
void AddDemoCommands(CLI::App& app, CommandEnv& env);
void AddGuardCommands(CLI::App& app, CommandEnv& env);

// Resolves url + key and builds a client, or prints why not.
std::optional<ApiClient> Connect(CommandEnv& env);
// Prints "error: <field>: <message>" on ctx.err and returns exit code 1.
int PrintError(CliContext& ctx, const Error& error);

// One page of a collection (`GET {path}?limit=&after=`): the body as received with --json;
// else a table, one row per item, `empty` when there is none, and the command that shows the
// next page.
struct PageListing {
  std::string path;  // "/v1/segments"
  std::vector<std::string> columns;
  std::function<std::vector<std::string>(const boost::json::value& item)> row;
  std::string empty;         // "no segments yet (...)"
  std::string more_command;  // "crier segments list"
};
int ListPage(CommandEnv& env, const PageListing& listing, int limit, std::optional<Id> after);

// Registers `parent name ID` (a positive id of a `noun`, named in the help), which runs
// run(env, id).
template <class Fn>
CLI::App* AddIdCommand(CLI::App* parent, CommandEnv& env, const std::string& name,
                       const std::string& help, const std::string& noun, Fn run) {
  auto id = std::make_shared<Id>(0);
  auto* cmd = parent->add_subcommand(name, help);
  cmd->add_option("ID", *id, noun + " id")->required()->check(CLI::PositiveNumber);
  cmd->callback([&env, id, run] { env.action = [&env, id, run] { return run(env, *id); }; });
  return cmd;
}

// Prints progress on one updating line on a terminal, or as a plain line at most every
// kPlainProgressInterval otherwise.
inline constexpr Duration kPlainProgressInterval{2000};
class ProgressPrinter {
 public:
  explicit ProgressPrinter(CliContext& ctx, bool enabled = true);
  // `line` is shown on a terminal; `plain` is printed when not on one (forced: print now).
  void Update(const std::string& line, const std::string& plain, bool force = false);
  // Ends the updating line, if one was drawn.
  void Finish();
  int columns() const { return ctx_.columns; }

 private:
  CliContext& ctx_;
  bool enabled_;
  bool drawn_ = false;
  std::optional<std::chrono::steady_clock::time_point> last_plain_;
};

// One rejected import row, with its line number in the uploaded file.
struct ImportRowError {
  std::int64_t line = 0;
  std::string field;
  std::string message;
};

struct ImportTotals {
  std::int64_t received = 0;
  std::int64_t imported = 0;
  std::int64_t created = 0;
  std::int64_t updated = 0;
  std::vector<ImportRowError> errors;
};

// Uploads `content` chunk by chunk through POST /v1/contacts/import, adding up the answers and
// mapping every reported line to its line in `content`. Stops at the first failed request
// (rows of earlier chunks stay imported; `totals` says how far it got).
Status UploadContacts(ApiClient& client, std::string_view content, ImportFormat format,
                      std::optional<Id> account, std::int64_t chunk_lines,
                      ProgressPrinter& progress, ImportTotals& totals);

// Prints the totals and the first kMaxPrintedImportErrors errors ("line N: field: message").
inline constexpr std::size_t kMaxPrintedImportErrors = 20;
void PrintImportTotals(std::ostream& out, const ImportTotals& totals);

}  // namespace crier::cli
