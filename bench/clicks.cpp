// crier-clicks: what click tracking (PRODUCT.md G3) adds to a copy.
//
// The same personalised text with one link, sent to N contacts by the Messenger adapter two
// ways: as written (the baseline), and tracked — the link through the redirect, each copy's
// click token made (ClickTracker::Token: base 36 ids and an HMAC-SHA256) and rendered into it.
// Also the token alone, and the redirect's check of a token (Verify). Prints CPU nanoseconds
// per copy, the median of --repeat passes, and the tracked / untracked ratio.
//
//   crier-clicks [--contacts 200000] [--repeat 5]
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include "channels/content.h"
#include "channels/messenger_adapter.h"
#include "engine/click_tracker.h"
#include "store/sqlite/sqlite_store.h"

using namespace crier;

namespace {

template <class T>
T Check(Result<T> r, const char* what) {
  if (!r.ok()) {
    std::fprintf(stderr, "crier-clicks: %s: %s\n", what, r.error().ToString().c_str());
    std::exit(1);
  }
  return std::move(r).value();
}

// CPU nanoseconds per call of `pass(i)` over `n` calls: the median of `repeat` passes.
double NanosPerCall(int n, int repeat, const std::function<void(int)>& pass) {
  std::vector<double> runs;
  for (int r = 0; r < repeat; ++r) {
    const std::clock_t start = std::clock();
    for (int i = 0; i < n; ++i) pass(i);
    runs.push_back(static_cast<double>(std::clock() - start) / CLOCKS_PER_SEC * 1e9 / n);
  }
  std::sort(runs.begin(), runs.end());
  return runs[runs.size() / 2];
}

}  // namespace

int main(int argc, char** argv) {
  int contacts = 200000;
  int repeat = 5;
  CLI::App app("crier-clicks: the cost of click tracking per copy");
  app.add_option("--contacts", contacts)->check(CLI::PositiveNumber);
  app.add_option("--repeat", repeat)->check(CLI::PositiveNumber);
  CLI11_PARSE(app, argc, argv);

  const std::filesystem::path db =
      std::filesystem::temp_directory_path() / ("crier-clicks-" + std::to_string(::getpid()));
  auto store = Check(OpenSqliteStore({db.string()}), "opening the store");
  const auto tracker = Check(
      engine::ClickTracker::Create(*store, SystemClock::Instance(), "https://go.shop.example"),
      "making the tracker");

  const std::vector<Message> messages = {
      {MessageKind::kText, "Hi {{contact.first_name}}, new in: https://shop.example/new"}};
  const auto plain =
      Check(channels::CompileWireContent(Platform::kMessenger, messages, ""), "compiling the text");
  const auto tracked =
      Check(channels::CompileWireContent(Platform::kMessenger, messages, tracker->redirect_base()),
            "compiling the tracked text");

  std::vector<Contact> people(static_cast<std::size_t>(contacts));
  std::vector<std::string> psids(people.size());
  for (std::size_t i = 0; i < people.size(); ++i) {
    people[i].id = static_cast<Id>(i + 1);
    people[i].first_name = "Name" + std::to_string(i % 1000);
    psids[i] = std::to_string(7100000000000000 + i);
  }
  ChannelAccount account;
  account.external_id = "1001";
  account.access_token = "token";
  account.api_base_url = "https://graph.facebook.com";
  const channels::MessengerAdapter adapter(Platform::kMessenger);
  channels::SendContext context;
  context.route.kind = RouteKind::kStandardWindow;
  context.route.messaging_type = "UPDATE";

  std::size_t bytes = 0;
  const auto send = [&](const channels::WireContent& content, bool track) {
    return [&, track](int i) {
      const std::string token = track ? tracker->Token(42, people[i].id) : std::string();
      channels::RecipientRef recipient;
      recipient.platform_user_id = psids[i];
      recipient.contact = &people[i];
      recipient.click_token = token;
      context.content = &content.compiled[0];
      bytes += adapter.BuildSend(account, recipient, context, content.messages[0]).body.size();
    };
  };
  const double untracked_ns = NanosPerCall(contacts, repeat, send(plain, false));
  const double tracked_ns = NanosPerCall(contacts, repeat, send(tracked, true));
  std::string token;
  const double token_ns = NanosPerCall(contacts, repeat, [&](int i) {
    token = tracker->Token(42, people[i].id);
    bytes += token.size();
  });
  const double verify_ns =
      NanosPerCall(contacts, repeat, [&](int) { bytes += tracker->Verify(token) ? 1 : 0; });

  std::printf("contacts %d, median of %d passes, CPU ns per copy\n", contacts, repeat);
  std::printf("  text with a link, untracked (baseline)   %8.1f ns\n", untracked_ns);
  std::printf("  the same, tracked (token + longer link)   %8.1f ns\n", tracked_ns);
  std::printf("  ratio tracked / untracked                 %8.2fx\n", tracked_ns / untracked_ns);
  std::printf("  token alone (ClickTracker::Token)         %8.1f ns\n", token_ns);
  std::printf("  redirect's check (ClickTracker::Verify)   %8.1f ns\n", verify_ns);
  std::printf("  (%zu bytes written)\n", bytes);
  store.reset();
  std::filesystem::remove(db);
  std::filesystem::remove(db.string() + "-wal");
  std::filesystem::remove(db.string() + "-shm");
  return 0;
}
