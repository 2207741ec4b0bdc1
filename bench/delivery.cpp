// crier-delivery: one broadcast to N contacts, planned and delivered by crier's engine over
// real HTTP to a sink (crier-sandbox, or any server that answers the Messenger Send API, such
// as the peer baseline's sink.js). Prints recipients/s for planning and for delivery, CPU
// seconds per 1,000 delivered messages and peak memory, then one machine-readable RESULT line.
//
//   crier-delivery --target http://127.0.0.1:18080 --contacts 100000 [--db FILE]
//                  [--mps 1000000] [--concurrency 64] [--in-window 0.4]
#include <sys/resource.h>

#include <CLI/CLI.hpp>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <random>
#include <thread>

#include "channels/transport.h"
#include "engine/engine.h"
#include "store/sqlite/sqlite_store.h"

using namespace crier;
using namespace std::chrono_literals;

namespace {

double CpuSeconds() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return u.ru_utime.tv_sec + u.ru_stime.tv_sec + (u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6;
}

double PeakRssMb() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return u.ru_maxrss / 1024.0;
}

// Private (anonymous) resident memory in MB: the process's own heap and stacks, without the
// database file pages that SQLite maps (those are shared, file-backed and reclaimable, and
// grow with the file, not with what crier holds).
double RssAnonMb() {
  std::FILE* f = std::fopen("/proc/self/status", "r");
  if (f == nullptr) return 0;
  char line[256];
  double kb = 0;
  while (std::fgets(line, sizeof line, f) != nullptr) {
    if (std::sscanf(line, "RssAnon: %lf kB", &kb) == 1) break;
  }
  std::fclose(f);
  return kb / 1024.0;
}

// Samples RssAnon every 20 ms on its own thread and keeps the peak.
class AnonPeak {
 public:
  AnonPeak()
      : thread_([this] {
          while (!stop_.load()) {
            const double now = RssAnonMb();
            double seen = peak_.load();
            while (now > seen && !peak_.compare_exchange_weak(seen, now)) {
            }
            std::this_thread::sleep_for(20ms);
          }
        }) {}
  ~AnonPeak() {
    stop_ = true;
    thread_.join();
  }
  double peak() const { return std::max(peak_.load(), RssAnonMb()); }

 private:
  std::atomic<bool> stop_{false};
  std::atomic<double> peak_{0};
  std::thread thread_;
};

double Seconds(std::chrono::steady_clock::duration d) {
  return std::chrono::duration<double>(d).count();
}

int Fail(const Error& e) {
  std::fprintf(stderr, "crier-delivery: %s\n", e.ToString().c_str());
  return 1;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"crier delivery benchmark"};
  std::string target, db = "bench-delivery.sqlite";
  int contacts = 100000, concurrency = 64;
  double mps = 1e6, in_window = 0.4;
  app.add_option("--target", target, "base URL of the sink")->required();
  app.add_option("--contacts", contacts)->check(CLI::Range(1, 100000000));
  app.add_option("--db", db, "SQLite file (replaced)");
  app.add_option("--mps", mps, "account pace, messages per second");
  app.add_option("--concurrency", concurrency, "requests in flight")->check(CLI::Range(1, 4096));
  app.add_option("--in-window", in_window, "fraction of contacts inside the 24 h window");
  CLI11_PARSE(app, argc, argv);

  AnonPeak anon_peak;
  for (const char* suffix : {"", "-wal", "-shm"}) std::filesystem::remove(db + suffix);
  auto opened = OpenSqliteStore({db});
  if (!opened.ok()) return Fail(opened.error());
  Store& store = **opened;
  const Clock& clock = SystemClock::Instance();

  NewChannelAccount acc;
  acc.name = "bench";
  acc.external_id = "1000001";
  acc.access_token = "sandbox-page-token";
  acc.api_base_url = target;
  acc.pacing = {mps, concurrency};
  // The sink is told nothing of Messenger's 300/s per Page: the bench measures crier's own
  // throughput at the pace asked for, so the platform's ceiling is set to it.
  acc.pacing.platform_messages_per_second = mps;
  auto account = store.CreateChannelAccount(acc, clock.Now());
  if (!account.ok()) return Fail(account.error());

  // Setup (not timed): contacts, a share of them inside the window.
  std::mt19937_64 rng(42);
  std::uniform_real_distribution<double> unit(0, 1);
  const Time now = clock.Now();
  std::vector<ContactInput> batch;
  for (int i = 0; i < contacts; ++i) {
    ContactInput in;
    in.channel_account_id = account->id;
    in.platform_user_id = std::to_string(7000000000000000LL + i);
    in.name = "Person " + std::to_string(i);
    const bool inside = unit(rng) < in_window;
    in.last_inbound_at = now - (inside ? Duration(std::int64_t(unit(rng) * 23 * 3600e3))
                                       : Duration(std::int64_t((25 + unit(rng) * 48) * 3600e3)));
    batch.push_back(std::move(in));
    if (batch.size() == 10000 || i + 1 == contacts) {
      auto r = store.UpsertContacts(batch, clock.Now());
      if (!r.ok()) return Fail(r.error());
      batch.clear();
    }
  }
  NewBroadcast nb;
  nb.name = "bench";
  nb.channel_account_id = account->id;
  nb.messages = {{MessageKind::kText, "Hi there, new arrivals are in!"}};
  auto broadcast = store.CreateBroadcast(nb, clock.Now());
  if (!broadcast.ok()) return Fail(broadcast.error());

  engine::EngineOptions options;
  options.transport.max_in_flight = concurrency;
  options.transport.max_connections_per_host = concurrency;
  auto transport = channels::MakeCurlTransport(options.transport);
  if (!transport.ok()) return Fail(transport.error());
  auto engine = engine::Engine::Create(store, clock, std::move(*transport), options);
  if (!engine.ok()) return Fail(engine.error());

  // Planning: audience scan, one decision per recipient, deliveries written durably.
  const double cpu0 = CpuSeconds();
  const auto t0 = std::chrono::steady_clock::now();
  auto sent = (*engine)->SendNow(broadcast->id);
  if (!sent.ok()) return Fail(sent.error());
  const auto t1 = std::chrono::steady_clock::now();
  const double cpu1 = CpuSeconds();
  const std::int64_t matched = sent->planned + sent->skipped;

  // Delivery: until the run is complete.
  if (auto s = (*engine)->Start(); !s.ok()) return Fail(s.error());
  for (;;) {
    auto run = store.GetRun(sent->run.id);
    if (!run.ok()) return Fail(run.error());
    if (run->status == RunStatus::kCompleted) break;
    std::this_thread::sleep_for(5ms);
  }
  const auto t2 = std::chrono::steady_clock::now();
  const double cpu2 = CpuSeconds();
  (*engine)->Stop(Duration(1000));

  auto report = store.GetRunReport(sent->run.id);
  if (!report.ok()) return Fail(report.error());
  std::int64_t delivered = 0, failed = 0;
  for (const auto& [state, n] : report->by_state) {
    if (state == "sent") delivered = n;
    if (state == "failed") failed = n;
  }
  const double plan_s = Seconds(t1 - t0), deliver_s = Seconds(t2 - t1);
  std::printf("contacts            %d\n", contacts);
  std::printf("matched             %lld (planned %lld, skipped %lld)\n", (long long)matched,
              (long long)sent->planned, (long long)sent->skipped);
  std::printf("planning            %.3f s  %.0f recipients/s  (cpu %.3f s)\n", plan_s,
              matched / plan_s, cpu1 - cpu0);
  std::printf("delivery            %.3f s  %.0f messages/s  (delivered %lld, failed %lld)\n",
              deliver_s, delivered / deliver_s, (long long)delivered, (long long)failed);
  std::printf("cpu per 1k delivered %.4f s (crier process, delivery phase)\n",
              (cpu2 - cpu1) / std::max<std::int64_t>(1, delivered) * 1000);
  std::printf("peak rss            %.1f MB (with mapped database pages)\n", PeakRssMb());
  std::printf("peak private memory %.1f MB (RssAnon: heap and stacks)\n", anon_peak.peak());
  std::printf(
      "RESULT {\"contacts\":%d,\"matched\":%lld,\"planned\":%lld,\"plan_per_s\":%.0f,"
      "\"delivery_per_s\":%.0f,\"delivered\":%lld,\"failed\":%lld,\"crier_cpu_s\":%.3f,"
      "\"peak_rss_mb\":%.1f,\"peak_anon_mb\":%.1f}\n",
      contacts, (long long)matched, (long long)sent->planned, matched / plan_s,
      delivered / deliver_s, (long long)delivered, (long long)failed, cpu2 - cpu1, PeakRssMb(),
      anon_peak.peak());
  return failed == 0 ? 0 : 2;
}
