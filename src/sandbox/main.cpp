// crier-sandbox: serves the Sandbox (sandbox.h) over HTTP on loopback until SIGINT/SIGTERM.
#include <pthread.h>
#include <spdlog/spdlog.h>

#include <CLI/CLI.hpp>
#include <csignal>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <system_error>

#include "core/clock.h"
#include "net/server.h"
#include "sandbox/sandbox.h"

namespace {

// Written next to the target and renamed, so a reader never sees a half-written port.
bool WritePortFile(const std::string& path, std::uint16_t port) {
  const std::string tmp = path + ".tmp";
  {
    std::ofstream out(tmp, std::ios::trunc);
    if (!out) return false;
    out << port << "\n";
    if (!out.flush()) return false;
  }
  std::error_code ec;
  std::filesystem::rename(tmp, path, ec);
  return !ec;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"crier-sandbox: plays the Messenger and Instagram Send API for tests and demos"};
  std::string host = "127.0.0.1";
  int port = 8801;
  std::string port_file;
  int threads = 2;
  std::string log_level = "info";
  app.add_option("--host", host, "address to listen on")->capture_default_str();
  app.add_option("--port", port, "port to listen on; 0 picks a free one")
      ->check(CLI::Range(0, 65535))
      ->capture_default_str();
  app.add_option("--port-file", port_file, "write the bound port to this file once listening");
  app.add_option("--threads", threads, "server threads")
      ->check(CLI::Range(1, 256))
      ->capture_default_str();
  app.add_option("--log-level", log_level, "trace, debug, info, warn, error or off")
      ->check(CLI::IsMember({"trace", "debug", "info", "warn", "error", "critical", "off"}))
      ->capture_default_str();
  CLI11_PARSE(app, argc, argv);
  spdlog::set_level(spdlog::level::from_str(log_level));

  // Block the stop signals before any thread starts, so only sigwait below receives them.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGINT);
  sigaddset(&stop_signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);

  crier::sandbox::Sandbox sandbox(crier::SystemClock::Instance());
  crier::net::ServerOptions options;
  options.host = host;
  options.port = static_cast<std::uint16_t>(port);
  options.threads = threads;
  options.body_limit = 1024 * 1024;  // Send API bodies are small; anything bigger is a mistake
  auto server = crier::net::HttpServer::Create(
      options, [&sandbox](const crier::net::Request& request) { return sandbox.Handle(request); });
  if (!server.ok()) {
    spdlog::error("crier-sandbox: {}", server.error().ToString());
    return 1;
  }
  (*server)->Start();
  const std::uint16_t bound = (*server)->port();
  if (!port_file.empty() && !WritePortFile(port_file, bound)) {
    spdlog::error("crier-sandbox: cannot write the port file {}", port_file);
    (*server)->Stop();
    return 1;
  }
  spdlog::info("crier-sandbox listening on http://{}:{} ({} threads)", host, bound, threads);

  int received = 0;
  sigwait(&stop_signals, &received);
  spdlog::info("crier-sandbox: signal {} received, stopping", received);
  (*server)->Stop();
  return 0;
}
