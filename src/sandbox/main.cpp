// crier-sandbox: serves the Sandbox (sandbox.h) over HTTP on loopback until SIGINT/SIGTERM.
#include <pthread.h>
#include <spdlog/spdlog.h>

#include <CLI/CLI.hpp>
#include <algorithm>
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
  CLI::App app{
      "crier-sandbox: plays the send APIs of Messenger, Instagram, WhatsApp Cloud API and LINE "
      "for tests and demos"};
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
  // Faults from the start (the same as POST /__sandbox/faults; that endpoint can change them).
  std::string fault_scope = "all";
  crier::sandbox::FaultSpec faults;
  std::string timeout_mode = "hold";
  bool timeout_before_accept = false;
  auto* fault_group = app.add_option_group("faults", "fault injection, reproducible by seed");
  fault_group
      ->add_option("--fault-scope", fault_scope, "all, messenger, instagram, whatsapp or line")
      ->capture_default_str();
  fault_group->add_option("--latency-ms", faults.latency_ms, "added to every platform answer");
  fault_group->add_option("--jitter-ms", faults.jitter_ms, "plus a uniform 0..jitter");
  fault_group->add_option("--error-rate", faults.error_rate, "share answered with a platform 5xx");
  fault_group->add_option("--error-status", faults.error_status, "500, 502, 503 or 504")
      ->capture_default_str();
  fault_group->add_option("--timeout-rate", faults.timeout_rate, "share whose answer is lost");
  fault_group->add_option("--timeout-ms", faults.timeout_ms, "how long a lost answer is held")
      ->capture_default_str();
  fault_group
      ->add_option("--timeout-mode", timeout_mode, "hold the answer, or close the connection")
      ->check(CLI::IsMember({"hold", "close"}))
      ->capture_default_str();
  fault_group->add_flag("--timeout-before-accept", timeout_before_accept,
                        "lose timed-out requests before the platform processes them");
  fault_group->add_option("--fault-seed", faults.seed, "seed for the fault draws")
      ->capture_default_str();
  CLI11_PARSE(app, argc, argv);
  spdlog::set_level(spdlog::level::from_str(log_level));
  faults.timeout_mode = timeout_mode == "close" ? crier::sandbox::TimeoutMode::kClose
                                                : crier::sandbox::TimeoutMode::kHold;
  faults.timeout_after_accept = !timeout_before_accept;

  // Block the stop signals before any thread starts, so only sigwait below receives them.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGINT);
  sigaddset(&stop_signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);

  crier::sandbox::Sandbox sandbox(crier::SystemClock::Instance());
  const bool any_fault = faults.latency_ms > 0 || faults.jitter_ms > 0 || faults.error_rate > 0 ||
                         faults.timeout_rate > 0;
  if (any_fault) {
    if (auto set = sandbox.SetFaults(fault_scope, faults); !set.ok()) {
      // The field is the JSON name ("error_rate"); the flag spells it with dashes.
      std::string field = set.error().field;
      std::replace(field.begin(), field.end(), '_', '-');
      if (field == "scope" || field == "seed") field = "fault-" + field;
      std::fprintf(stderr, "crier-sandbox: --%s: %s\n", field.c_str(), set.error().message.c_str());
      return 2;
    }
  }
  crier::net::ServerOptions options;
  options.host = host;
  options.port = static_cast<std::uint16_t>(port);
  options.threads = threads;
  // Above LINE's 2 MB, so that LINE's own 413 answers a body over its limit.
  options.body_limit = 4 * 1024 * 1024;
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
