// Throughput of the delivery ledger. Disabled by default (it prints timings, asserts none);
// run in a release build with
//   crier_store_tests --gtest_also_run_disabled_tests --gtest_filter='*Throughput*'
// CRIER_PERF_ROWS sets the number of recipients (default 1,000,000).
#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <string>
#include <vector>

#include "store/sqlite/sqlite_store.h"
#include "support/temp_dir.h"

namespace crier {
namespace {

const Time kT0 = FromUnixMillis(1'790'000'000'000);

// Wall time, and this process's CPU time: on a shared machine the CPU figure is the one that
// says what the code costs.
class Stopwatch {
 public:
  Stopwatch() : start_(SystemClock::Instance().Steady()), cpu_start_(std::clock()) {}
  double Seconds() const {
    return std::chrono::duration<double>(SystemClock::Instance().Steady() - start_).count();
  }
  double CpuSeconds() const {
    return static_cast<double>(std::clock() - cpu_start_) / CLOCKS_PER_SEC;
  }

 private:
  std::chrono::steady_clock::time_point start_;
  std::clock_t cpu_start_;
};

void Report(const char* what, std::int64_t rows, double seconds, double cpu_seconds) {
  std::printf("%-46s %8lld rows: wall %6.2f s = %8.0f/s, cpu %6.2f s = %8.0f/s\n", what,
              static_cast<long long>(rows), seconds, rows / seconds, cpu_seconds,
              rows / cpu_seconds);
}

void Report(const char* what, std::int64_t rows, const Stopwatch& watch) {
  Report(what, rows, watch.Seconds(), watch.CpuSeconds());
}

TEST(SqliteStorePerf, DISABLED_Throughput) {
  const char* env = std::getenv("CRIER_PERF_ROWS");
  const int n = env != nullptr ? std::atoi(env) : 1'000'000;
  ASSERT_GT(n, 0);
  testing::TempDir dir;
  SqliteOptions options;
  options.path = dir.File("perf.db");
  auto opened = OpenSqliteStore(options);
  ASSERT_TRUE(opened.ok()) << opened.error().ToString();
  Store& store = **opened;

  NewChannelAccount account_in;
  account_in.name = "Perf";
  account_in.external_id = "1";
  account_in.access_token = "t";
  account_in.api_base_url = "http://127.0.0.1:1";
  auto account = store.CreateChannelAccount(account_in, kT0);
  ASSERT_TRUE(account.ok());

  {
    constexpr int kImportBatch = 10'000;
    std::vector<ContactInput> rows;
    Stopwatch watch;
    for (int i = 0; i < n; ++i) {
      ContactInput row;
      row.channel_account_id = account->id;
      row.platform_user_id = std::to_string(24'000'000'000'000'000LL + i);  // PSID-like
      row.name = "Contact " + std::to_string(i);
      row.last_inbound_at = kT0;
      if (i % 10 == 0) row.tags = std::vector<std::string>{"vip"};
      rows.push_back(std::move(row));
      if (static_cast<int>(rows.size()) == kImportBatch || i == n - 1) {
        ASSERT_TRUE(store.UpsertContacts(rows, kT0).ok());
        rows.clear();
      }
    }
    Report("UpsertContacts (batches of 10000, new)", n, watch);
  }

  std::vector<PlannedDelivery> planned;
  planned.reserve(n);
  {
    Stopwatch watch;
    auto status = store.ForEachRecipient(account->id, Audience{}, [&](const RecipientRow& r) {
      planned.push_back({r.contact_id, r.platform_user_id,
                         Decision::Send(Route{RouteKind::kStandardWindow, "UPDATE", ""})});
      return true;
    });
    ASSERT_TRUE(status.ok());
    Report("ForEachRecipient (collecting rows)", static_cast<std::int64_t>(planned.size()), watch);
  }
  {
    std::int64_t count = 0;
    Stopwatch watch;
    ASSERT_TRUE(store
                    .ForEachRecipient(account->id, Audience{},
                                      [&](const RecipientRow&) { return ++count > 0; })
                    .ok());
    Report("ForEachRecipient (visit only)", count, watch);
  }
  {
    std::int64_t count = 0;
    Stopwatch watch;
    ASSERT_TRUE(store
                    .ForEachRecipient(account->id, Audience{{"vip"}},
                                      [&](const RecipientRow&) { return ++count > 0; })
                    .ok());
    Report("ForEachRecipient any_tags (10% match, scanned)", n, watch);
  }

  NewBroadcast broadcast_in;
  broadcast_in.name = "Perf";
  broadcast_in.channel_account_id = account->id;
  broadcast_in.messages = {Message{MessageKind::kText, "hi"}};
  auto broadcast = store.CreateBroadcast(broadcast_in, kT0);
  ASSERT_TRUE(broadcast.ok());

  for (const size_t batch : {size_t{512}, size_t{10'000}}) {
    auto run = store.CreateRun(broadcast->id, kT0);
    ASSERT_TRUE(run.ok());
    Stopwatch watch;
    for (size_t i = 0; i < planned.size(); i += batch) {
      const size_t len = std::min(batch, planned.size() - i);
      ASSERT_TRUE(store.AppendDeliveries(run->id, std::span(planned).subspan(i, len), kT0).ok());
    }
    Report(
        batch == 512 ? "AppendDeliveries (batches of 512)" : "AppendDeliveries (batches of 10000)",
        static_cast<std::int64_t>(planned.size()), watch);
    if (batch == 512) continue;

    ASSERT_TRUE(store.SetRunStatus(run->id, RunStatus::kSending, kT0).ok());
    double claim_seconds = 0, claim_cpu = 0;
    double record_seconds = 0, record_cpu = 0;
    std::int64_t claimed_total = 0;
    std::vector<DeliveryOutcome> outcomes;
    while (true) {
      Stopwatch claim_watch;
      auto claimed = store.ClaimDeliveries(run->id, 512, kT0);
      claim_seconds += claim_watch.Seconds();
      claim_cpu += claim_watch.CpuSeconds();
      ASSERT_TRUE(claimed.ok());
      if (claimed->empty()) break;
      claimed_total += static_cast<std::int64_t>(claimed->size());
      outcomes.clear();
      for (const auto& c : *claimed) {
        DeliveryOutcome o;
        o.delivery_id = c.delivery_id;
        o.state = DeliveryState::kSent;
        o.platform_message_id = "m_" + std::to_string(c.delivery_id);
        o.at = kT0;
        outcomes.push_back(std::move(o));
      }
      Stopwatch record_watch;
      ASSERT_TRUE(store.RecordOutcomes(outcomes).ok());
      record_seconds += record_watch.Seconds();
      record_cpu += record_watch.CpuSeconds();
    }
    Report("ClaimDeliveries (batches of 512)", claimed_total, claim_seconds, claim_cpu);
    Report("RecordOutcomes sent (batches of 512)", claimed_total, record_seconds, record_cpu);

    Stopwatch report_watch;
    auto report = store.GetRunReport(run->id);
    ASSERT_TRUE(report.ok());
    Report("GetRunReport", report->matched, report_watch);
    Stopwatch pending_watch;
    ASSERT_TRUE(store.CountPendingDeliveries().ok());
    std::printf("CountPendingDeliveries: %.3f s\n", pending_watch.Seconds());
    Stopwatch page_watch;
    PageRequest page{0, 1000};
    std::int64_t listed = 0;
    while (true) {
      auto got = store.ListDeliveries(run->id, page);
      ASSERT_TRUE(got.ok());
      listed += static_cast<std::int64_t>(got->items.size());
      if (!got->next_after_id) break;
      page.after_id = *got->next_after_id;
    }
    Report("ListDeliveries (pages of 1000)", listed, page_watch);
  }
}

}  // namespace
}  // namespace crier
