// crier contacts export: the contacts a filter selects, streamed from the server to a file
// (or stdout) in the import's format.
#include "cli/export_command.h"

#include <fmt/format.h>

#include <boost/json.hpp>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>

#include "cli/output.h"
#include "cli/progress.h"

namespace crier::cli {
namespace {

// The header the server puts the number of selected contacts in (api/export_handlers.h).
constexpr std::string_view kContactsHeader = "Crier-Contacts";
constexpr char kUnknownFormat[] =
    "is required: csv or jsonl (or name the output file .csv or .jsonl)";

struct ExportArgs {
  std::string filter;
  std::string format;
  std::string output;  // empty: stdout
};

// Streams the export into `out`, counting rows and drawing progress.
// `began` is set once the server has accepted the export and rows may follow.
Status Download(ApiClient& client, const boost::json::object& request, std::ostream& out,
                ProgressPrinter& progress, ExportRowCounter& counter, std::int64_t& total,
                bool& began) {
  return client.PostStreamed(
      "/v1/contacts/export", request,
      [&](const net::Headers& headers) {
        began = true;
        if (const auto count = net::FindHeader(headers, kContactsHeader)) {
          total = std::strtoll(std::string(*count).c_str(), nullptr, 10);
        }
      },
      [&](std::string_view piece) -> Status {
        out.write(piece.data(), static_cast<std::streamsize>(piece.size()));
        if (!out) return Internal("cannot write the export: the output refused the bytes");
        counter.Add(piece);
        progress.Update(RenderExportProgress(counter.rows(), total, progress.columns()),
                        fmt::format("exported {}/{} rows", counter.rows(), total));
        return Status::Ok();
      });
}

int ExportContacts(CommandEnv& env, const ExportArgs& a) {
  std::optional<ImportFormat> format;
  if (!a.format.empty()) {
    format = ParseImportFormat(a.format);
    if (!format) return PrintError(env.ctx, InvalidArgument("--format", "must be csv or jsonl"));
  } else if (!a.output.empty()) {
    format = FormatFromPath(a.output);
  }
  if (!format) return PrintError(env.ctx, InvalidArgument("--format", kUnknownFormat));

  auto client = Connect(env);
  if (!client) return 1;
  boost::json::object request{{"format", std::string(ToString(*format))}};
  if (!a.filter.empty()) request["filter"] = a.filter;  // the server parses and reports errors

  ExportRowCounter counter(*format);
  std::int64_t total = 0;
  bool began = false;
  if (a.output.empty()) {
    // The rows are the output: no progress and no summary may mix with them.
    ProgressPrinter silent(env.ctx, /*enabled=*/false);
    const Status s = Download(*client, request, env.ctx.out, silent, counter, total, began);
    env.ctx.out.flush();
    return s.ok() ? 0 : PrintError(env.ctx, s.error());
  }

  // Written beside the target and renamed at the end, so that FILE is either the whole
  // export or untouched.
  const std::string partial = a.output + ".partial";
  std::ofstream file(partial, std::ios::binary | std::ios::trunc);
  if (!file) return PrintError(env.ctx, InvalidArgument("--output", "cannot write " + partial));
  ProgressPrinter progress(env.ctx, !env.flags.json);
  Status s = Download(*client, request, file, progress, counter, total, began);
  progress.Finish();
  file.close();
  if (s.ok() && !file) s = Internal("cannot write " + partial);
  std::error_code ec;
  if (s.ok()) {
    std::filesystem::rename(partial, a.output, ec);
    if (ec) s = Internal("cannot rename " + partial + " to " + a.output + ": " + ec.message());
  }
  if (!s.ok()) {
    std::filesystem::remove(partial, ec);
    Error error = s.error();
    if (began) {
      error.message +=
          fmt::format(" ({} rows had arrived; {} was not written)", counter.rows(), a.output);
    }
    return PrintError(env.ctx, error);
  }
  if (env.flags.json) {
    env.ctx.out << boost::json::serialize(boost::json::object{
                       {"rows", counter.rows()}, {"contacts", total}, {"output", a.output}})
                << '\n';
  } else {
    env.ctx.out << fmt::format("exported {} rows ({} contacts matched) to {}\n", counter.rows(),
                               total, a.output);
  }
  return 0;
}

}  // namespace

ExportRowCounter::ExportRowCounter(ImportFormat format) : format_(format) {}

void ExportRowCounter::Add(std::string_view bytes) {
  for (char c : bytes) {
    // A doubled quote inside a quoted field flips twice: no change, as it should be.
    if (c == '"' && format_ == ImportFormat::kCsv) in_quotes_ = !in_quotes_;
    if (c == '\n' && !in_quotes_) ++line_ends_;
  }
}

std::int64_t ExportRowCounter::rows() const {
  if (format_ == ImportFormat::kJsonl) return line_ends_;
  return line_ends_ > 0 ? line_ends_ - 1 : 0;  // the header is no row
}

void AddContactsExportCommand(CLI::App& contacts, CommandEnv& env) {
  auto args = std::make_shared<ExportArgs>();
  auto* cmd = contacts.add_subcommand(
      "export",
      "write the contacts a filter selects as CSV or JSON Lines, in the format import reads");
  cmd->add_option("--filter", args->filter,
                  "audience filter in the text form, e.g. 'tag:vip and interacted < 7d' "
                  "(default: everyone)");
  cmd->add_option("--format", args->format, "csv | jsonl (default: from the -o file's name)");
  cmd->add_option("-o,--output", args->output, "write to this file (default: stdout)");
  cmd->callback([&env, args] { env.action = [&env, args] { return ExportContacts(env, *args); }; });
}

}  // namespace crier::cli
