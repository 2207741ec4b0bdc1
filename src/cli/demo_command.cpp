// crier demo seed: the sample data behind the README walkthrough.
#include <fmt/format.h>

#include <algorithm>
#include <boost/json.hpp>
#include <memory>
#include <ostream>

#include "cli/commands.h"
#include "cli/demo_data.h"
#include "cli/output.h"

namespace crier::cli {
namespace {

constexpr std::size_t kInteractionBatch = 1000;
constexpr int kSandboxTimeoutMs = 60 * 1000;
constexpr char kDemoAccountName[] = "Demo Shop";

struct SeedArgs {
  std::string sandbox;
  std::int64_t contacts = 3000;
  std::string page_id = kDemoPageId;
  std::uint64_t seed = 1;
};

// POSTs JSON to the sandbox's control API; `ok_statuses` beyond 2xx count as success.
Status SandboxPost(net::HttpClient& http, const std::string& url, const std::string& body,
                   std::initializer_list<int> ok_statuses = {}) {
  auto response =
      http.Send("POST", url, {{"Content-Type", "application/json"}}, body, kSandboxTimeoutMs);
  if (!response.ok()) {
    return Error{ErrorCode::kUnavailable,
                 fmt::format("could not reach the sandbox at {} ({}); start it with "
                             "`crier-sandbox --port 8801`",
                             url, response.error().message),
                 "--sandbox"};
  }
  if (std::find(ok_statuses.begin(), ok_statuses.end(), response->status) != ok_statuses.end()) {
    return Status::Ok();
  }
  auto parsed = InterpretResponse(*response, /*crier_errors=*/false);
  if (!parsed.ok()) {
    Error e = parsed.error();
    e.message = "the sandbox refused " + url + ": " + e.message;
    return e;
  }
  return Status::Ok();
}

// The id of the Messenger account for `page_id`, if crier has one already.
Result<std::optional<boost::json::value>> FindAccount(ApiClient& client,
                                                      const std::string& page_id) {
  auto list = client.Get("/v1/channel-accounts");
  if (!list.ok()) return list.error();
  for (const auto& item : ArrayOf(*list, "items")) {
    if (TextOf(item, "external_id") == page_id && TextOf(item, "platform") == "messenger") {
      return std::optional<boost::json::value>(item);
    }
  }
  return std::optional<boost::json::value>();
}

// A draft "Welcome back" broadcast on the account from an earlier seed, if any.
Result<std::optional<Id>> FindDemoBroadcast(ApiClient& client, Id account) {
  std::string after;
  while (true) {
    std::string path = "/v1/broadcasts?limit=1000";
    if (!after.empty()) path += "&after=" + after;
    auto page = client.Get(path);
    if (!page.ok()) return page.error();
    for (const auto& b : ArrayOf(*page, "items")) {
      if (TextOf(b, "name") == kDemoBroadcastName && IntOf(b, "channel_account_id") == account &&
          TextOf(b, "status") == "draft") {
        return std::optional<Id>(IntOf(b, "id"));
      }
    }
    after = TextOf(*page, "next_after");
    if (after.empty()) return std::optional<Id>();
  }
}

int Seed(CommandEnv& env, SeedArgs a) {
  auto& ctx = env.ctx;
  auto& out = ctx.out;
  while (!a.sandbox.empty() && a.sandbox.back() == '/') a.sandbox.pop_back();
  if (a.contacts < 1 || a.contacts > kDemoMaxContacts) {
    return PrintError(
        ctx, InvalidArgument("--contacts", fmt::format("must be 1..{}", kDemoMaxContacts)));
  }
  auto client = Connect(env);
  if (!client) return 1;
  net::HttpClient sandbox;
  const std::string token = DemoAccessToken(a.page_id);
  const bool human = !env.flags.json;

  // 1. The page in the sandbox (409: registered by an earlier seed).
  const Status page =
      SandboxPost(sandbox, a.sandbox + "/__sandbox/pages",
                  boost::json::serialize(boost::json::object{
                      {"page_id", a.page_id}, {"access_token", token}, {"platform", "messenger"}}),
                  {409});
  if (!page.ok()) return PrintError(ctx, page.error());
  if (human) out << fmt::format("sandbox: Messenger page {} at {}\n", a.page_id, a.sandbox);

  // 2. The channel account in crier, unless one exists for the page.
  auto existing = FindAccount(*client, a.page_id);
  if (!existing.ok()) return PrintError(ctx, existing.error());
  Id account = 0;
  bool account_created = false;
  if (existing->has_value()) {
    account = IntOf(**existing, "id");
    if (human) {
      out << fmt::format("channel account {}: exists already for page {}\n", account, a.page_id);
      if (TextOf(**existing, "api_base_url") != a.sandbox) {
        out << fmt::format("  note: it sends to {}, not to {}\n",
                           TextOf(**existing, "api_base_url"), a.sandbox);
      }
    }
  } else {
    auto created =
        client->Post("/v1/channel-accounts", boost::json::object{{"platform", "messenger"},
                                                                 {"name", kDemoAccountName},
                                                                 {"external_id", a.page_id},
                                                                 {"access_token", token},
                                                                 {"api_base_url", a.sandbox}});
    if (!created.ok()) return PrintError(ctx, created.error());
    account = IntOf(*created, "id");
    account_created = true;
    if (human) out << fmt::format("channel account {}: created for page {}\n", account, a.page_id);
  }

  // 3. The contacts, through the import API as a user would send them.
  const std::vector<DemoContact> contacts =
      GenerateDemoContacts({a.contacts, a.seed}, ctx.clock.Now());
  ProgressPrinter progress(ctx, human);
  ImportTotals totals;
  const Status imported = UploadContacts(*client, DemoContactsJsonl(contacts), ImportFormat::kJsonl,
                                         account, kDefaultChunkLines, progress, totals);
  progress.Finish();
  if (human) PrintImportTotals(out, totals);
  if (!imported.ok()) return PrintError(ctx, imported.error());
  if (!totals.errors.empty()) {
    return PrintError(ctx, Internal("the server rejected some demo contacts"));
  }

  // 4. The same interactions in the sandbox, so that it enforces the same windows.
  for (std::size_t i = 0; i < contacts.size(); i += kInteractionBatch) {
    const std::size_t n = std::min(kInteractionBatch, contacts.size() - i);
    const Status told =
        SandboxPost(sandbox, a.sandbox + "/__sandbox/interactions",
                    DemoInteractionsBody(a.page_id, std::span(contacts).subspan(i, n)));
    if (!told.ok()) return PrintError(ctx, told.error());
  }
  std::int64_t by_window[4] = {0, 0, 0, 0};
  for (const auto& c : contacts) ++by_window[static_cast<int>(c.window)];
  const std::int64_t inside = by_window[static_cast<int>(DemoWindow::kInside)] +
                              by_window[static_cast<int>(DemoWindow::kJustInside)];

  // 5. One example broadcast.
  auto found = FindDemoBroadcast(*client, account);
  if (!found.ok()) return PrintError(ctx, found.error());
  Id broadcast = found->value_or(0);
  const bool broadcast_created = !found->has_value();
  if (broadcast_created) {
    auto created = client->Post(
        "/v1/broadcasts",
        boost::json::object{{"name", kDemoBroadcastName},
                            {"channel_account_id", account},
                            {"purpose", "promotional"},
                            {"messages", boost::json::array{boost::json::object{
                                             {"kind", "text"}, {"text", kDemoBroadcastText}}}}});
    if (!created.ok()) return PrintError(ctx, created.error());
    broadcast = IntOf(*created, "id");
  }

  if (!human) {
    out << boost::json::serialize(boost::json::object{
               {"page_id", a.page_id},
               {"channel_account_id", account},
               {"channel_account_created", account_created},
               {"contacts", static_cast<std::int64_t>(contacts.size())},
               {"created", totals.created},
               {"updated", totals.updated},
               {"inside_window", inside},
               {"just_inside_window", by_window[static_cast<int>(DemoWindow::kJustInside)]},
               {"just_outside_window", by_window[static_cast<int>(DemoWindow::kJustOutside)]},
               {"broadcast_id", broadcast},
               {"broadcast_created", broadcast_created}})
        << '\n';
    return 0;
  }
  out << fmt::format("last interactions told to the sandbox for {} contacts:\n", contacts.size());
  out << fmt::format("  inside the 24 h window:        {} ({} of them closing within 30 min)\n",
                     inside, by_window[static_cast<int>(DemoWindow::kJustInside)]);
  out << fmt::format("  just outside (24h01m-24h30m):  {}\n",
                     by_window[static_cast<int>(DemoWindow::kJustOutside)]);
  out << fmt::format("  older (up to 72 h):            {}\n",
                     by_window[static_cast<int>(DemoWindow::kOutside)]);
  out << fmt::format("broadcast \"{}\": {} ({})\n", kDemoBroadcastName, broadcast,
                     broadcast_created ? "created" : "exists already");
  out << fmt::format("next: crier broadcast preview {0} && crier broadcast send {0}\n", broadcast);
  return 0;
}

}  // namespace

void AddDemoCommands(CLI::App& app, CommandEnv& env) {
  auto* demo = app.add_subcommand("demo", "sample data for trying crier against the sandbox");
  demo->require_subcommand(1);
  auto args = std::make_shared<SeedArgs>();
  auto* seed = demo->add_subcommand(
      "seed", "register a sandbox page, an account, contacts and a broadcast (safe to rerun)");
  seed->add_option("--sandbox", args->sandbox, "the sandbox's URL, e.g. http://127.0.0.1:8801")
      ->required();
  seed->add_option("--contacts", args->contacts, "how many contacts")->capture_default_str();
  seed->add_option("--page-id", args->page_id, "the Messenger page id")->capture_default_str();
  seed->add_option("--seed", args->seed, "seed of the generated names and times")
      ->capture_default_str();
  seed->callback([&env, args] { env.action = [&env, args] { return Seed(env, *args); }; });
}

}  // namespace crier::cli
