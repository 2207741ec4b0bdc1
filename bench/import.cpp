// crier-import: a contact import and export through a running crier server's API, with the
// server's memory and CPU.
//
// Generates N JSON Lines rows on the fly (never the whole file: the body is sent chunked as
// it is produced) and POSTs them to /v1/contacts/import, then, with --export, reads every
// contact back through POST /v1/contacts/export (the body counted and dropped). Prints per
// step the wall time and rate, the server's CPU seconds, and its memory sampled every 20 ms:
// peak RSS, and peak private memory (RssAnon: RSS without the database file pages SQLite
// maps, which are shared and grow with the file).
//
//   crier-import --url http://127.0.0.1:PORT --key KEY --account ID [--rows 1000000]
//                [--server-pid PID] [--export csv|jsonl]
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <atomic>
#include <cstdio>
#include <fstream>
#include <iterator>
#include <sstream>
#include <string>
#include <thread>

#include "core/clock.h"
#include "net/client.h"

using namespace crier;

namespace {

double Seconds(std::chrono::steady_clock::time_point since) {
  return std::chrono::duration<double>(SystemClock::Instance().Steady() - since).count();
}

// A line of /proc/PID/status in MB ("VmRSS", "RssAnon"), or -1 when unknown.
double StatusMb(int pid, const std::string& key) {
  if (pid <= 0) return -1;
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind(key + ":", 0) != 0) continue;
    return std::stod(line.substr(key.size() + 1)) / 1000.0;  // kB -> MB
  }
  return -1;
}

// CPU seconds (user + system) the process has used, or -1 when unknown: on a shared machine
// the figure that says what the work cost, whatever else ran.
double CpuSeconds(int pid) {
  if (pid <= 0) return -1;
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  const std::string stat((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  const std::size_t paren = stat.rfind(')');  // the command name may hold spaces
  if (paren == std::string::npos) return -1;
  std::istringstream fields(stat.substr(paren + 2));
  std::string field;
  double ticks = 0;
  for (int i = 3; i <= 15 && fields >> field; ++i) {
    if (i == 14 || i == 15) ticks += std::stod(field);  // utime, stime
  }
  return ticks / static_cast<double>(sysconf(_SC_CLK_TCK));
}

// Samples the server's memory every 20 ms while a step runs.
class MemorySampler {
 public:
  explicit MemorySampler(int pid) : pid_(pid) {
    if (pid_ <= 0) return;
    thread_ = std::thread([this] {
      while (!stop_.load()) {
        Sample();
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
      }
    });
  }
  ~MemorySampler() { Stop(); }
  void Stop() {
    stop_.store(true);
    if (thread_.joinable()) thread_.join();
    Sample();
  }
  double peak_rss() const { return peak_rss_; }
  double peak_anon() const { return peak_anon_; }

 private:
  void Sample() {
    peak_rss_ = std::max(peak_rss_, StatusMb(pid_, "VmRSS"));
    peak_anon_ = std::max(peak_anon_, StatusMb(pid_, "RssAnon"));
  }

  int pid_;
  std::atomic<bool> stop_{false};
  std::thread thread_;
  double peak_rss_ = -1;
  double peak_anon_ = -1;
};

// One contact per row, the shape docs/BENCHMARKS.md describes.
std::string Row(std::int64_t account, std::int64_t i) {
  return R"({"channel_account_id": )" + std::to_string(account) +
         R"(, "platform_user_id": "psid-)" + std::to_string(10'000'000 + i) +
         R"(", "name": "Contact )" + std::to_string(i) +
         R"(", "time_zone": "Asia/Taipei", "tags": ["vip"],)"
         R"( "last_inbound_at": "2026-11-01T09:00:00Z", "attributes": {"city": "Taipei",)"
         R"( "spend": )" +
         std::to_string(i % 1000) +
         R"(.5, "vip": true}})"
         "\n";
}

int Fail(const std::string& what, const Error& error) {
  std::fprintf(stderr, "crier-import: %s: %s\n", what.c_str(), error.ToString().c_str());
  return 1;
}

void ReportServer(const char* step, int pid, double cpu_start, MemorySampler& memory) {
  memory.Stop();
  std::printf("  server during the %s: CPU %.2f s, peak RSS %.1f MB, peak private %.1f MB\n", step,
              CpuSeconds(pid) - cpu_start, memory.peak_rss(), memory.peak_anon());
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"crier import/export benchmark through the API"};
  std::string url;
  std::string key;
  std::int64_t account = 0;
  std::int64_t rows = 1'000'000;
  int server_pid = 0;
  std::string export_format;
  app.add_option("--url", url, "the server, e.g. http://127.0.0.1:8080")->required();
  app.add_option("--key", key, "an admin API key")->required();
  app.add_option("--account", account, "channel account id of the rows")->required();
  app.add_option("--rows", rows, "rows to import")->check(CLI::Range(1, 100'000'000));
  app.add_option("--server-pid", server_pid, "the server's pid, to read its memory and CPU");
  app.add_option("--export", export_format, "then export everything: csv or jsonl")
      ->check(CLI::IsMember({"csv", "jsonl"}));
  CLI11_PARSE(app, argc, argv);

  net::HttpClient client;
  const net::Headers auth = {{"Authorization", "Bearer " + key}};
  std::printf("server before: RSS %.1f MB, private %.1f MB\n", StatusMb(server_pid, "VmRSS"),
              StatusMb(server_pid, "RssAnon"));

  // The body is produced as curl asks for it: a row at a time, never the whole file.
  std::int64_t next = 0;
  std::string pending;
  std::int64_t bytes = 0;
  net::StreamRequest upload;
  upload.url = url + "/v1/contacts/import?format=jsonl";
  upload.headers = auth;
  upload.headers.emplace_back("Content-Type", "application/x-ndjson");
  upload.stall_timeout_ms = 600'000;
  upload.source = [&](char* buffer, std::size_t size) -> Result<std::size_t> {
    while (pending.size() < size && next < rows) pending += Row(account, next++);
    const std::size_t n = std::min(size, pending.size());
    pending.copy(buffer, n);
    pending.erase(0, n);
    bytes += static_cast<std::int64_t>(n);
    return n;
  };
  {
    MemorySampler memory(server_pid);
    const double cpu_start = CpuSeconds(server_pid);
    const auto start = SystemClock::Instance().Steady();
    auto answer = client.Stream(upload);
    if (!answer.ok()) return Fail("import", answer.error());
    const double seconds = Seconds(start);
    if (answer->status != 200) {
      std::fprintf(stderr, "crier-import: import answered %d: %s\n", answer->status,
                   answer->body.c_str());
      return 1;
    }
    std::printf("import: %lld rows, %.1f MB, %.2f s = %.0f rows/s; answer %s\n",
                static_cast<long long>(rows), bytes / 1e6, seconds, rows / seconds,
                answer->body.substr(0, 80).c_str());
    ReportServer("import", server_pid, cpu_start, memory);
  }

  if (export_format.empty()) return 0;
  std::int64_t received = 0;
  std::int64_t lines = 0;
  net::StreamRequest download;
  download.url = url + "/v1/contacts/export";
  download.headers = auth;
  download.body = R"({"format": ")" + export_format + R"("})";
  download.stall_timeout_ms = 600'000;
  download.sink = [&](std::string_view piece) -> Status {
    received += static_cast<std::int64_t>(piece.size());
    lines += std::count(piece.begin(), piece.end(), '\n');
    return Status::Ok();
  };
  MemorySampler memory(server_pid);
  const double cpu_start = CpuSeconds(server_pid);
  const auto start = SystemClock::Instance().Steady();
  auto answer = client.Stream(download);
  if (!answer.ok()) return Fail("export", answer.error());
  const double seconds = Seconds(start);
  if (answer->status != 200) {
    std::fprintf(stderr, "crier-import: export answered %d: %s\n", answer->status,
                 answer->body.c_str());
    return 1;
  }
  std::printf("export (%s): %lld lines, %.1f MB, %.2f s = %.0f lines/s\n", export_format.c_str(),
              static_cast<long long>(lines), received / 1e6, seconds, lines / seconds);
  ReportServer("export", server_pid, cpu_start, memory);
  return 0;
}
