// crier-store: throughput of the SQLite store's hot paths, on one file.
//
//  - the delivery ledger: UpsertContacts, ForEachRecipient, AppendDeliveries, ClaimDeliveries,
//    RecordOutcomes, GetRunReport, ListDeliveries (the paths a broadcast of N recipients takes);
//  - the contact change scan that builds and refreshes the audience index
//    (ForEachContactChangedSince: everything, then after 10 % and after one contact changed).
//
// Prints wall and CPU time per step (on a shared machine the CPU figure is what the code
// costs).
//
//   crier-store [--rows 1000000] [--db bench-store.sqlite]
#include <CLI/CLI.hpp>
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <span>
#include <string>
#include <vector>

#include "store/sqlite/sqlite_store.h"

using namespace crier;

namespace {

const Time kT0 = FromUnixMillis(1'790'000'000'000);

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
  std::printf("%-50s %9lld rows: wall %7.3f s = %9.0f/s, cpu %7.3f s = %9.0f/s\n", what,
              static_cast<long long>(rows), seconds, rows / seconds, cpu_seconds,
              rows / cpu_seconds);
}

void Report(const char* what, std::int64_t rows, const Stopwatch& w) {
  Report(what, rows, w.Seconds(), w.CpuSeconds());
}

// A failed store call ends the benchmark: its figures would mean nothing.
void Check(const Status& s, const char* what) {
  if (s.ok()) return;
  std::fprintf(stderr, "crier-store: %s: %s\n", what, s.error().ToString().c_str());
  std::exit(1);
}
template <class T>
T Check(Result<T> r, const char* what) {
  Check(r.status(), what);
  return std::move(*r);
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"crier store benchmark"};
  int n = 1'000'000;
  std::string db = "bench-store.sqlite";
  app.add_option("--rows", n, "contacts (and recipients)")->check(CLI::Range(1, 100'000'000));
  app.add_option("--db", db, "SQLite file (replaced)");
  CLI11_PARSE(app, argc, argv);

  for (const char* suffix : {"", "-wal", "-shm"}) std::filesystem::remove(db + suffix);
  auto store_ptr = Check(OpenSqliteStore({db}), "open");
  Store& store = *store_ptr;
  NewChannelAccount account_in;
  account_in.name = "Bench";
  account_in.external_id = "1";
  account_in.access_token = "t";
  account_in.api_base_url = "http://127.0.0.1:1";
  const ChannelAccount account = Check(store.CreateChannelAccount(account_in, kT0), "account");

  // Contacts: 2 tags, 3 attributes (string, number, boolean), 1 identity each.
  {
    constexpr int kBatch = 10'000;
    std::vector<ContactInput> rows;
    Stopwatch watch;
    for (int i = 0; i < n; ++i) {
      ContactInput row;
      row.channel_account_id = account.id;
      row.platform_user_id = std::to_string(24'000'000'000'000'000LL + i);  // PSID-like
      row.name = "Contact " + std::to_string(i);
      row.last_inbound_at = kT0;
      row.tags =
          std::vector<std::string>{i % 10 == 0 ? "vip" : "regular", "t" + std::to_string(i % 50)};
      row.attributes = {{"city", std::string(i % 2 == 0 ? "Taipei" : "Tainan")},
                        {"spend", static_cast<double>(i % 1000) / 10},
                        {"member", i % 3 == 0}};
      rows.push_back(std::move(row));
      if (static_cast<int>(rows.size()) == kBatch || i == n - 1) {
        Check(store.UpsertContacts(rows, kT0).status(), "upsert");
        rows.clear();
      }
    }
    Report("UpsertContacts (batches of 10000, new)", n, watch);
  }

  // The change scan behind the audience index.
  const auto scan = [&](const char* what, std::int64_t after_seq) {
    std::int64_t visited = 0;
    Stopwatch watch;
    const std::int64_t seq = Check(store.ForEachContactChangedSince(after_seq,
                                                                    [&](const Contact&) {
                                                                      ++visited;
                                                                      return true;
                                                                    }),
                                   "change scan");
    Report(what, visited, watch);
    return seq;
  };
  const std::int64_t seq = scan("ForEachContactChangedSince(0)", 0);
  scan("ForEachContactChangedSince(0) again", 0);
  std::vector<Id> tenth;
  for (Id id = 1; id <= n; id += 10) tenth.push_back(id);
  Check(store.AddTagToContacts("changed", tenth, kT0).status(), "tag a tenth");
  const std::int64_t after_tenth = scan("ForEachContactChangedSince(seq), 10% changed", seq);
  Check(store.AddTagToContacts("one", std::vector<Id>{n / 2}, kT0).status(), "tag one");
  scan("ForEachContactChangedSince(seq), 1 changed", after_tenth);

  // The delivery ledger.
  std::vector<PlannedDelivery> planned;
  planned.reserve(static_cast<size_t>(n));
  {
    Stopwatch watch;
    Check(store.ForEachRecipient(
              account.id, Audience{},
              [&](const RecipientRow& r) {
                planned.push_back({r.contact_id, r.platform_user_id,
                                   Decision::Send({RouteKind::kStandardWindow, "UPDATE", ""})});
                return true;
              }),
          "recipients");
    Report("ForEachRecipient (collecting rows)", static_cast<std::int64_t>(planned.size()), watch);
  }
  {
    std::int64_t matched = 0;
    Stopwatch watch;
    Check(store.ForEachRecipient(account.id, Audience{{"vip"}},
                                 [&](const RecipientRow&) { return ++matched > 0; }),
          "recipients by tag");
    Report("ForEachRecipient any_tags (10% match, scanned)", n, watch);
  }

  NewBroadcast broadcast_in;
  broadcast_in.name = "Bench";
  broadcast_in.channel_account_id = account.id;
  broadcast_in.messages = {Message{MessageKind::kText, "hi"}};
  const Broadcast broadcast = Check(store.CreateBroadcast(broadcast_in, kT0), "broadcast");
  const Run run = Check(store.CreateRun(broadcast.id, kT0), "run");
  {
    constexpr size_t kBatch = 10'000;
    Stopwatch watch;
    for (size_t i = 0; i < planned.size(); i += kBatch) {
      const size_t len = std::min(kBatch, planned.size() - i);
      Check(store.AppendDeliveries(run.id, std::span(planned).subspan(i, len), kT0), "append");
    }
    Report("AppendDeliveries (batches of 10000)", static_cast<std::int64_t>(planned.size()), watch);
  }
  Check(store.StartRun(run.id, kT0), "start run");
  double claim_s = 0, claim_cpu = 0, record_s = 0, record_cpu = 0;
  std::int64_t claimed_total = 0;
  std::vector<DeliveryOutcome> outcomes;
  for (;;) {
    Stopwatch claim_watch;
    const auto claimed = Check(store.ClaimDeliveries(run.id, 512, kT0), "claim");
    claim_s += claim_watch.Seconds();
    claim_cpu += claim_watch.CpuSeconds();
    if (claimed.empty()) break;
    claimed_total += static_cast<std::int64_t>(claimed.size());
    outcomes.clear();
    for (const auto& c : claimed) {
      DeliveryOutcome o;
      o.delivery_id = c.delivery_id;
      o.state = DeliveryState::kSent;
      o.platform_message_id = "m_" + std::to_string(c.delivery_id);
      o.at = kT0;
      outcomes.push_back(std::move(o));
    }
    Stopwatch record_watch;
    Check(store.RecordOutcomes(outcomes), "record");
    record_s += record_watch.Seconds();
    record_cpu += record_watch.CpuSeconds();
  }
  Report("ClaimDeliveries (batches of 512)", claimed_total, claim_s, claim_cpu);
  Report("RecordOutcomes sent (batches of 512)", claimed_total, record_s, record_cpu);
  {
    Stopwatch watch;
    const RunReport report = Check(store.GetRunReport(run.id), "report");
    Report("GetRunReport", report.matched, watch);
  }
  {
    Stopwatch watch;
    PageRequest page{0, 1000};
    std::int64_t listed = 0;
    for (;;) {
      const auto got = Check(store.ListDeliveries(run.id, page), "list");
      listed += static_cast<std::int64_t>(got.items.size());
      if (!got.next_after_id) break;
      page.after_id = *got.next_after_id;
    }
    Report("ListDeliveries (pages of 1000)", listed, watch);
  }
  return 0;
}
