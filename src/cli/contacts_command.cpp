// crier contacts import | list | count | get
#include <fmt/format.h>

#include <boost/json.hpp>
#include <boost/url/encode.hpp>
#include <boost/url/rfc/unreserved_chars.hpp>
#include <fstream>
#include <memory>
#include <ostream>
#include <sstream>

#include "cli/commands.h"
#include "cli/export_command.h"
#include "cli/output.h"
#include "cli/progress.h"

namespace crier::cli {
namespace {

constexpr char kUnknownFormat[] =
    "cannot tell the file's format from its name: pass --format jsonl or --format csv";

struct ImportArgs {
  std::string file;
  std::optional<Id> account;
  std::string format;
  std::int64_t chunk_lines = kDefaultChunkLines;
};

boost::json::value TotalsJson(const ImportTotals& t) {
  boost::json::array errors;
  for (const auto& e : t.errors) {
    boost::json::object o{{"line", e.line}, {"message", e.message}};
    if (!e.field.empty()) o["field"] = e.field;
    errors.push_back(std::move(o));
  }
  return boost::json::object{{"received", t.received},
                             {"imported", t.imported},
                             {"created", t.created},
                             {"updated", t.updated},
                             {"errors", std::move(errors)}};
}

int ImportContacts(CommandEnv& env, const ImportArgs& a) {
  std::optional<ImportFormat> format;
  if (!a.format.empty()) {
    format = ParseImportFormat(a.format);
    if (!format) return PrintError(env.ctx, InvalidArgument("--format", "must be jsonl or csv"));
  } else {
    format = FormatFromPath(a.file);
    if (!format) return PrintError(env.ctx, InvalidArgument("--format", kUnknownFormat));
  }
  std::ifstream in(a.file, std::ios::binary);
  if (!in) return PrintError(env.ctx, InvalidArgument("FILE", "cannot read " + a.file));
  std::stringstream buffer;
  buffer << in.rdbuf();
  const std::string content = buffer.str();

  auto client = Connect(env);
  if (!client) return 1;
  ProgressPrinter progress(env.ctx, !env.flags.json);
  ImportTotals totals;
  const Status status =
      UploadContacts(*client, content, *format, a.account, a.chunk_lines, progress, totals);
  progress.Finish();
  if (env.flags.json) {
    env.ctx.out << boost::json::serialize(TotalsJson(totals)) << '\n';
  } else {
    PrintImportTotals(env.ctx.out, totals);
  }
  if (!status.ok()) return PrintError(env.ctx, status.error());
  return totals.errors.empty() ? 0 : 1;
}

struct ListArgs {
  std::optional<Id> account;
  int limit = 100;
  std::optional<Id> after;
  std::string filter;  // text form; empty: everyone
};

std::string QueryValue(std::string_view text) {
  return boost::urls::encode(text, boost::urls::unreserved_chars);
}

std::string IdentityLastInbound(const boost::json::value& identity) {
  const std::string at = TextOf(identity, "last_inbound_at");
  return at.empty() ? "-" : at;
}

std::string LastInbound(const boost::json::value& contact, std::optional<Id> account) {
  for (const auto& identity : ArrayOf(contact, "identities")) {
    if (account && IntOf(identity, "channel_account_id") != *account) continue;
    return IdentityLastInbound(identity);
  }
  return "-";
}

std::string JoinTags(const boost::json::value& contact) {
  std::string out;
  for (const auto& tag : ArrayOf(contact, "tags")) {
    if (!out.empty()) out += ',';
    out += Text(tag);
  }
  return out.empty() ? "-" : out;
}

int ListContacts(CommandEnv& env, const ListArgs& a) {
  auto client = Connect(env);
  if (!client) return 1;
  std::string path = fmt::format("/v1/contacts?limit={}", a.limit);
  if (a.account) path += fmt::format("&channel_account_id={}", *a.account);
  if (a.after) path += fmt::format("&after={}", *a.after);
  if (!a.filter.empty()) path += "&filter=" + QueryValue(a.filter);
  auto page = client->Get(path);
  if (!page.ok()) return PrintError(env.ctx, page.error());
  if (env.flags.json) {
    env.ctx.out << client->last_body() << '\n';
    return 0;
  }
  std::vector<std::vector<std::string>> rows;
  for (const auto& c : ArrayOf(*page, "items")) {
    const boost::json::value sub = Member(c, "subscription") ? *Member(c, "subscription") : nullptr;
    rows.push_back({TextOf(c, "id"), TextOf(c, "name"), JoinTags(c), TextOf(sub, "status"),
                    LastInbound(c, a.account)});
  }
  if (rows.empty()) {
    env.ctx.out << "no contacts\n";
    return 0;
  }
  PrintTable(env.ctx.out, {"ID", "NAME", "TAGS", "SUBSCRIPTION", "LAST INBOUND"}, rows);
  if (const std::string next = TextOf(*page, "next_after"); !next.empty()) {
    env.ctx.out << "more: crier contacts list --after " << next;
    if (a.account) env.ctx.out << " --account " << *a.account;
    if (!a.filter.empty()) env.ctx.out << " --filter " << ShellQuote(a.filter);
    env.ctx.out << '\n';
  }
  return 0;
}

// How many contacts a filter selects now; the server echoes the filter in canonical form, so
// the user sees how their text was read.
int CountContacts(CommandEnv& env, const std::string& filter) {
  auto client = Connect(env);
  if (!client) return 1;
  boost::json::object body;
  if (!filter.empty()) body["filter"] = filter;
  auto counted = client->Post("/v1/contacts/count", body);
  if (!counted.ok()) return PrintError(env.ctx, counted.error());
  if (env.flags.json) {
    env.ctx.out << client->last_body() << '\n';
    return 0;
  }
  env.ctx.out << TextOf(*counted, "count") << " contacts match";
  if (const std::string canonical = TextOf(*counted, "filter"); !canonical.empty()) {
    env.ctx.out << ": " << canonical;
  }
  env.ctx.out << '\n';
  return 0;
}

int GetContact(CommandEnv& env, Id id) {
  auto client = Connect(env);
  if (!client) return 1;
  auto contact = client->Get(fmt::format("/v1/contacts/{}", id));
  if (!contact.ok()) return PrintError(env.ctx, contact.error());
  auto& out = env.ctx.out;
  if (env.flags.json) {
    out << client->last_body() << '\n';
    return 0;
  }
  const auto& c = *contact;
  auto or_dash = [&c](std::string_view key) {
    std::string v = TextOf(c, key);
    return v.empty() ? std::string("-") : v;
  };
  const boost::json::value sub = Member(c, "subscription") ? *Member(c, "subscription") : nullptr;
  std::vector<std::vector<std::string>> rows = {
      {"name:", or_dash("name")},
      {"first name:", or_dash("first_name")},
      {"locale:", or_dash("locale")},
      {"time zone:", or_dash("time_zone")},
      {"subscription:", TextOf(sub, "status")},
      {"tags:", JoinTags(c)},
      {"created:", or_dash("created_at")},
      {"updated:", or_dash("updated_at")},
  };
  PrintTable(out, {"contact", TextOf(c, "id")}, rows);
  std::vector<std::vector<std::string>> identities;
  for (const auto& i : ArrayOf(c, "identities")) {
    identities.push_back({TextOf(i, "channel_account_id"), TextOf(i, "platform_user_id"),
                          IdentityLastInbound(i), TextOf(i, "window_opener"),
                          BoolOf(i, "blocked") ? "yes" : "no"});
  }
  if (!identities.empty()) {
    out << '\n';
    PrintTable(out, {"ACCOUNT", "PLATFORM USER ID", "LAST INBOUND", "OPENED BY", "BLOCKED"},
               identities);
  }
  return 0;
}

}  // namespace

Status UploadContacts(ApiClient& client, std::string_view content, ImportFormat format,
                      std::optional<Id> account, std::int64_t chunk_lines,
                      ProgressPrinter& progress, ImportTotals& totals) {
  auto plan = PlanImport(content, format, chunk_lines);
  if (!plan.ok()) return plan.error();
  std::string path = fmt::format("/v1/contacts/import?format={}", ToString(format));
  if (account) path += fmt::format("&channel_account_id={}", *account);
  std::int64_t done = 0;
  const std::int64_t total = plan->data_lines;
  for (std::size_t i = 0; i < plan->chunks.size(); ++i) {
    const ImportChunk& chunk = plan->chunks[i];
    auto answer = client.PostRaw(path, ChunkBody(content, *plan, i), ContentType(format));
    if (!answer.ok()) {
      Error error = answer.error();
      if (error.code != ErrorCode::kUnavailable) {
        error.message += fmt::format(" (while importing lines {}-{}; earlier lines are imported)",
                                     chunk.first_line, chunk.first_line + chunk.lines - 1);
      }
      return error;
    }
    totals.received += IntOf(*answer, "received");
    totals.imported += IntOf(*answer, "imported");
    totals.created += IntOf(*answer, "created");
    totals.updated += IntOf(*answer, "updated");
    for (const auto& e : ArrayOf(*answer, "errors")) {
      totals.errors.push_back(
          {FileLine(*plan, i, IntOf(e, "line")), TextOf(e, "field"), TextOf(e, "message")});
    }
    done += chunk.lines;
    progress.Update(RenderImportProgress(done, total, progress.columns()),
                    fmt::format("imported {}/{} lines", done, total),
                    /*force=*/i + 1 == plan->chunks.size());
  }
  return Status::Ok();
}

void PrintImportTotals(std::ostream& out, const ImportTotals& t) {
  out << fmt::format("imported {} of {} rows ({} created, {} updated)\n", t.imported, t.received,
                     t.created, t.updated);
  if (t.errors.empty()) return;
  out << fmt::format("{} row{} rejected:\n", t.errors.size(), t.errors.size() == 1 ? "" : "s");
  for (std::size_t i = 0; i < t.errors.size() && i < kMaxPrintedImportErrors; ++i) {
    const auto& e = t.errors[i];
    out << "line " << e.line << ": " << (e.field.empty() ? "" : e.field + ": ") << e.message
        << '\n';
  }
  if (t.errors.size() > kMaxPrintedImportErrors) {
    out << fmt::format("... and {} more\n", t.errors.size() - kMaxPrintedImportErrors);
  }
}

void AddContactsCommands(CLI::App& app, CommandEnv& env) {
  auto* contacts = app.add_subcommand("contacts", "contacts and their identities");
  contacts->require_subcommand(1);

  auto import_args = std::make_shared<ImportArgs>();
  auto* import_cmd = contacts->add_subcommand(
      "import", "import contacts from a JSON Lines or CSV file (exits 1 if any row is rejected)");
  import_cmd->add_option("FILE", import_args->file, "the file (.jsonl, .ndjson or .csv)")
      ->required();
  import_cmd->add_option("--account", import_args->account,
                         "channel account id for rows that do not name one");
  import_cmd->add_option("--format", import_args->format, "jsonl | csv (default: from the name)");
  import_cmd->add_option("--chunk-lines", import_args->chunk_lines, "lines per upload request")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  import_cmd->callback([&env, import_args] {
    env.action = [&env, import_args] { return ImportContacts(env, *import_args); };
  });

  AddContactsExportCommand(*contacts, env);

  auto list_args = std::make_shared<ListArgs>();
  auto* list = contacts->add_subcommand("list", "list contacts");
  list->add_option("--account", list_args->account, "only contacts on this channel account");
  list->add_option("--limit", list_args->limit, "at most this many (1..1000)")
      ->capture_default_str();
  list->add_option("--after", list_args->after, "start after this contact id");
  list->add_option("--filter", list_args->filter,
                   "only contacts this filter selects, e.g. 'tag:vip and interacted < 24h'");
  list->callback([&env, list_args] {
    env.action = [&env, list_args] { return ListContacts(env, *list_args); };
  });

  auto count_filter = std::make_shared<std::string>();
  auto* count = contacts->add_subcommand("count", "count the contacts a filter selects");
  count->add_option("--filter", *count_filter,
                    "audience filter, e.g. 'tag:vip and not tag:churned' (default: everyone)");
  count->callback([&env, count_filter] {
    env.action = [&env, count_filter] { return CountContacts(env, *count_filter); };
  });

  auto get_id = std::make_shared<Id>(0);
  auto* get = contacts->add_subcommand("get", "show one contact");
  get->add_option("ID", *get_id, "contact id")->required();
  get->callback(
      [&env, get_id] { env.action = [&env, get_id] { return GetContact(env, *get_id); }; });
}

}  // namespace crier::cli
