// `crier serve`: the composition root. Opens the store, makes sure an admin API key exists
// (printing a new one once and writing the CLI config file), starts the engine and the HTTP
// API, and runs until SIGTERM or SIGINT, then drains: the server stops taking requests, the
// engine finishes and records in-flight sends, the store is closed.
#pragma once

#include <cstdint>
#include <iosfwd>
#include <string>

#include "cli/commands.h"

namespace crier::cli {

struct ServeOptions {
  std::string db;
  std::string host = "127.0.0.1";
  std::uint16_t port = 8800;
  std::string port_file;  // written with the bound port once listening; empty: none
  int threads = 4;
  std::string cli_config;  // empty: DefaultConfigPath
  std::string log_level = "info";
  // The operator's promotional-content guard rules (see cli/guard_dir.h); empty: built-in only.
  std::string guard_dir;
  // Where people reach the server (click tracking's redirect, G3); empty: no click tracking.
  // kLocalPublicUrl: the address it listens on, for trying crier out on one machine.
  std::string public_url;
};

inline constexpr std::string_view kLocalPublicUrl = "local";

// Grace period for in-flight sends at shutdown.
inline constexpr Duration kShutdownDrain{10'000};

// Runs the server until a signal. Returns 0 after a clean shutdown, 1 when the store cannot
// be opened, a guard rule file is bad (its path and line are printed), the port cannot be
// bound or another start-up step fails (the reason is printed
// on `err`). Blocks SIGINT and SIGTERM in the calling thread (and so in every thread it
// starts); call it from the main thread before any other thread exists.
int RunServe(const ServeOptions& options, CliContext& ctx);

// Registers `crier serve` on the command line.
void AddServeCommand(CLI::App& app, CommandEnv& env);

// The URL clients use for a server bound to host:port (an unspecified address becomes
// 127.0.0.1, an IPv6 address gets brackets).
std::string ServerUrl(const std::string& host, std::uint16_t port);

// Writes `content` to `path` atomically (a reader sees all of it or no file).
Status WriteFileAtomically(const std::string& path, const std::string& content);

}  // namespace crier::cli
