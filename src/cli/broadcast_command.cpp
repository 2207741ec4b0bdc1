// crier broadcast create | list | preview | render | send | report
#include <fmt/format.h>

#include <boost/json.hpp>
#include <chrono>
#include <fstream>
#include <memory>
#include <optional>
#include <ostream>
#include <sstream>

#include "cli/commands.h"
#include "cli/output.h"
#include "cli/progress.h"

namespace crier::cli {
namespace {

constexpr Duration kReportPollInterval{200};

struct CreateArgs {
  std::string name;
  Id account = 0;
  std::vector<std::string> texts;
  std::string messages_file;  // a JSON array of messages, as POST /v1/broadcasts takes them
  std::string purpose = "promotional";
  std::vector<std::string> tags;
  std::string filter;   // text form, e.g. tag:vip and interacted < 24h
  std::string segment;  // a saved segment's name
  bool track_clicks = false;
};

// The audience filter: --filter as text, --segment as {"segment": name}, both ANDed.
boost::json::value AudienceFilter(const CreateArgs& a) {
  if (a.segment.empty()) return boost::json::value(a.filter);
  boost::json::object segment{{"segment", a.segment}};
  if (a.filter.empty()) return segment;
  return boost::json::object{{"and", boost::json::array{segment, boost::json::value(a.filter)}}};
}

// The messages: --text ones, or the array of --messages FILE (media, cards and templates are
// written there as the API takes them; the server checks them against the account's platform).
Result<boost::json::array> MessagesOf(const CreateArgs& a) {
  if (a.texts.empty() == a.messages_file.empty()) {
    return InvalidArgument("--text",
                           "give the content with --text (repeatable) or --messages FILE");
  }
  boost::json::array messages;
  for (const auto& text : a.texts) {
    messages.push_back(boost::json::object{{"kind", "text"}, {"text", text}});
  }
  if (a.messages_file.empty()) return messages;
  std::ifstream in(a.messages_file, std::ios::binary);
  if (!in) return InvalidArgument("--messages", "cannot read " + a.messages_file);
  std::ostringstream text;
  text << in.rdbuf();
  boost::json::error_code ec;
  boost::json::value parsed = boost::json::parse(text.str(), ec);
  if (ec) {
    return InvalidArgument("--messages", a.messages_file + " is not JSON: " + ec.message());
  }
  if (!parsed.is_array()) {
    return InvalidArgument("--messages",
                           a.messages_file +
                               " must hold a JSON array of messages, such as "
                               "[{\"kind\":\"image\",\"media\":{\"url\":\"https://...\"}}]");
  }
  return std::move(parsed.get_array());
}

int CreateBroadcast(CommandEnv& env, const CreateArgs& a) {
  auto messages = MessagesOf(a);
  if (!messages.ok()) return PrintError(env.ctx, messages.error());
  auto client = Connect(env);
  if (!client) return 1;
  boost::json::array tags;
  for (const auto& tag : a.tags) tags.emplace_back(tag);
  boost::json::object body{{"name", a.name},
                           {"channel_account_id", a.account},
                           {"purpose", a.purpose},
                           {"messages", std::move(*messages)}};
  if (a.track_clicks) body["track_clicks"] = true;
  boost::json::object audience;
  if (!tags.empty()) audience["any_tags"] = std::move(tags);
  // The server parses the filter and reports errors (and unknown segments).
  if (!a.filter.empty() || !a.segment.empty()) audience["filter"] = AudienceFilter(a);
  if (!audience.empty()) body["audience"] = std::move(audience);
  auto created = client->Post("/v1/broadcasts", body);
  if (!created.ok()) return PrintError(env.ctx, created.error());
  env.ctx.out << (env.flags.json ? client->last_body() : TextOf(*created, "id")) << '\n';
  return 0;
}

struct ListArgs {
  int limit = 100;
  std::optional<Id> after;
};

int ListBroadcasts(CommandEnv& env, const ListArgs& a) {
  const PageListing listing{
      "/v1/broadcasts",
      {"ID", "NAME", "ACCOUNT", "PURPOSE", "STATUS", "CREATED"},
      [](const boost::json::value& b) {
        return std::vector<std::string>{
            TextOf(b, "id"),      TextOf(b, "name"),   TextOf(b, "channel_account_id"),
            TextOf(b, "purpose"), TextOf(b, "status"), TextOf(b, "created_at")};
      },
      "no broadcasts yet (create one with `crier broadcast create`)",
      "crier broadcast list"};
  return ListPage(env, listing, a.limit, a.after);
}

// "  code  count  explanation" lines under a heading; nothing when there are no counts.
void PrintCounts(std::ostream& out, const std::string& heading,
                 const std::vector<std::pair<std::string, std::int64_t>>& counts,
                 const boost::json::value* explanations = nullptr) {
  if (counts.empty()) return;
  out << heading << '\n';
  std::vector<std::vector<std::string>> rows;
  for (const auto& [code, n] : counts) {
    std::vector<std::string> row{"  " + code, std::to_string(n)};
    if (explanations != nullptr) row.push_back(TextOf(*explanations, code));
    rows.push_back(std::move(row));
  }
  PrintTable(out, {}, rows);
}

int PreviewBroadcast(CommandEnv& env, Id id) {
  auto client = Connect(env);
  if (!client) return 1;
  auto preview = client->Post(fmt::format("/v1/broadcasts/{}/preview", id), boost::json::object{});
  if (!preview.ok()) return PrintError(env.ctx, preview.error());
  auto& out = env.ctx.out;
  if (env.flags.json) {
    out << client->last_body() << '\n';
    return 0;
  }
  const auto& p = *preview;
  const boost::json::value explanations =
      Member(p, "explanations") ? *Member(p, "explanations") : nullptr;
  out << fmt::format("matched {}, sendable {}\n", IntOf(p, "matched"), IntOf(p, "sendable"));
  PrintCounts(out, "would send by:", CountsOf(p, "by_route"), &explanations);
  PrintCounts(out, "would skip:", CountsOf(p, "by_skip_reason"), &explanations);
  out << "estimated time: " << FormatSeconds(NumberOf(p, "estimated_seconds")) << " at "
      << NumberOf(p, "messages_per_second") << " messages/s\n";
  if (const boost::json::value* limit = Member(p, "whatsapp_messaging_limit");
      limit != nullptr && limit->is_object()) {
    const boost::json::value* cap = Member(*limit, "limit");
    out << fmt::format("WhatsApp messaging limit (tier {}): {} used in the last 24 h + {} new = {}",
                       TextOf(*limit, "tier"), IntOf(*limit, "used"), IntOf(*limit, "adds"),
                       IntOf(*limit, "used") + IntOf(*limit, "adds"));
    out << (cap != nullptr && cap->is_int64() ? fmt::format(" of {}", cap->as_int64())
                                              : std::string(" (unlimited)"));
    out << (BoolOf(*limit, "fits") ? ", fits\n" : ", does not fit: the rest wait\n");
  }
  if (const boost::json::value* quota = Member(p, "line_quota");
      quota != nullptr && quota->is_object()) {
    const boost::json::value* remaining = Member(*quota, "remaining");
    out << fmt::format("LINE monthly quota: this run costs {}, ", IntOf(*quota, "cost"));
    out << (remaining != nullptr && remaining->is_int64()
                ? fmt::format("{} remain ({} used){}\n", remaining->as_int64(),
                              IntOf(*quota, "used"),
                              BoolOf(*quota, "fits") ? "" : ": does not fit, the rest fail")
                : std::string("no limit set\n"));
  }
  if (const boost::json::value* notes = Member(p, "ceiling_notes");
      notes != nullptr && notes->is_array()) {
    for (const auto& note : notes->as_array()) {
      if (note.is_string()) out << "  " << note.as_string().c_str() << '\n';
    }
  }
  return 0;
}

SendProgress ProgressOf(const boost::json::value& report) {
  SendProgress p;
  const boost::json::value states =
      Member(report, "by_state") ? *Member(report, "by_state") : nullptr;
  for (const auto& [state, n] : CountsOf(report, "by_state")) p.total += n;
  p.sent = IntOf(states, "sent");
  p.failed = IntOf(states, "failed");
  p.skipped = IntOf(states, "skipped");
  return p;
}

void PrintReport(std::ostream& out, const boost::json::value& r) {
  const boost::json::value run = Member(r, "run") ? *Member(r, "run") : nullptr;
  const boost::json::value states = Member(r, "by_state") ? *Member(r, "by_state") : nullptr;
  out << fmt::format("broadcast {}, run {}: {}{}\n", TextOf(r, "broadcast_id"), TextOf(run, "id"),
                     TextOf(run, "status"), BoolOf(r, "done") ? "" : " (still sending)");
  out << fmt::format("matched {}: sent {}, failed {}, skipped {}, pending {}\n",
                     IntOf(r, "matched"), IntOf(states, "sent"), IntOf(states, "failed"),
                     IntOf(states, "skipped"), IntOf(states, "planned") + IntOf(states, "sending"));
  PrintCounts(out, "by route:", CountsOf(r, "by_route"));
  PrintCounts(out, "skipped because:", CountsOf(r, "by_skip_reason"));
  PrintCounts(out, "failed with:", CountsOf(r, "by_error"));
  PrintCounts(out, "waiting for:", CountsOf(r, "waiting"));
  const boost::json::value* clicks = Member(r, "clicks");
  if (clicks != nullptr && BoolOf(*clicks, "tracked")) {
    out << fmt::format("clicks {} by {} people\n", IntOf(*clicks, "total"),
                       IntOf(*clicks, "unique_contacts"));
    if (const boost::json::value* links = Member(*clicks, "links");
        links != nullptr && links->is_array()) {
      for (const boost::json::value& link : links->get_array()) {
        out << fmt::format("  [{}] {}: {} by {}{}\n", IntOf(link, "index"), TextOf(link, "url"),
                           IntOf(link, "clicks"), IntOf(link, "unique_contacts"),
                           BoolOf(link, "official") ? " (official site)" : "");
      }
    }
  }
}

int SendBroadcast(CommandEnv& env, Id id, bool no_wait) {
  auto client = Connect(env);
  if (!client) return 1;
  auto& ctx = env.ctx;
  auto sent = client->Post(fmt::format("/v1/broadcasts/{}/send", id), boost::json::object{});
  if (!sent.ok()) return PrintError(ctx, sent.error());
  if (env.flags.json && no_wait) {
    ctx.out << client->last_body() << '\n';
    return 0;
  }
  const boost::json::value run = Member(*sent, "run") ? *Member(*sent, "run") : nullptr;
  if (!env.flags.json) {
    ctx.out << fmt::format("run {} started: {} to send, {} skipped\n", TextOf(run, "id"),
                           IntOf(*sent, "planned"), IntOf(*sent, "skipped"));
  }
  if (no_wait) return 0;

  ProgressPrinter progress(ctx, !env.flags.json);
  std::optional<std::chrono::steady_clock::time_point> first_at;
  std::int64_t first_resolved = 0;
  while (true) {
    auto report = client->Get(fmt::format("/v1/broadcasts/{}/report", id));
    if (!report.ok()) {
      progress.Finish();
      return PrintError(ctx, report.error());
    }
    SendProgress p = ProgressOf(*report);
    // The rate counts requests made (sent + failed); skips are decided at planning time.
    const auto now = ctx.clock.Steady();
    if (!first_at) {
      first_at = now;
      first_resolved = p.sent + p.failed;
    } else if (const double secs = std::chrono::duration<double>(now - *first_at).count();
               secs > 0) {
      p.per_second = static_cast<double>(p.sent + p.failed - first_resolved) / secs;
    }
    const bool done = BoolOf(*report, "done");
    progress.Update(RenderSendProgress(p, ctx.columns), RenderSendProgressPlain(p), done);
    if (done) {
      progress.Finish();
      if (env.flags.json) {
        ctx.out << client->last_body() << '\n';
      } else {
        PrintReport(ctx.out, *report);
      }
      return 0;
    }
    ctx.sleep(kReportPollInterval);
  }
}

int ReportBroadcast(CommandEnv& env, Id id) {
  auto client = Connect(env);
  if (!client) return 1;
  auto report = client->Get(fmt::format("/v1/broadcasts/{}/report", id));
  if (!report.ok()) return PrintError(env.ctx, report.error());
  if (env.flags.json) {
    env.ctx.out << client->last_body() << '\n';
  } else {
    PrintReport(env.ctx.out, *report);
  }
  return 0;
}

// The request each message would make for one contact (or a sample one), as the server
// renders it: route, method, URL and the JSON body, credentials redacted.
int RenderBroadcast(CommandEnv& env, Id id, std::optional<Id> contact) {
  auto client = Connect(env);
  if (!client) return 1;
  boost::json::object body;
  if (contact) body["contact_id"] = *contact;
  auto rendered = client->Post(fmt::format("/v1/broadcasts/{}/render", id), body);
  if (!rendered.ok()) return PrintError(env.ctx, rendered.error());
  auto& out = env.ctx.out;
  if (env.flags.json) {
    out << client->last_body() << '\n';
    return 0;
  }
  const auto& r = *rendered;
  const boost::json::value* who = Member(r, "contact");
  if (who != nullptr && BoolOf(*who, "sample")) {
    out << fmt::format("sample contact \"{}\" (the account has none)\n", TextOf(*who, "name"));
  } else if (who != nullptr) {
    out << fmt::format("contact {} \"{}\" ({})\n", IntOf(*who, "id"), TextOf(*who, "name"),
                       TextOf(r, "platform_user_id"));
  }
  const boost::json::value* route = Member(r, "route");
  out << "route: "
      << (route != nullptr && route->is_string() ? std::string(route->as_string())
                                                 : "none, " + TextOf(r, "route_explanation"))
      << '\n';
  const boost::json::value* messages = Member(r, "messages");
  if (messages == nullptr || !messages->is_array()) return 0;
  for (const auto& m : messages->as_array()) {
    out << fmt::format("message {}:\n", IntOf(m, "index"));
    if (Member(m, "text") != nullptr) out << "  text: " << TextOf(m, "text") << '\n';
    const boost::json::value* error = Member(m, "error");
    if (error != nullptr && error->is_object()) {
      out << fmt::format("  not sendable: {} {}\n", TextOf(*error, "field"),
                         TextOf(*error, "message"));
      continue;
    }
    const boost::json::value* request = Member(m, "request");
    if (request == nullptr || !request->is_object()) continue;
    out << fmt::format("  {} {}\n", TextOf(*request, "method"), TextOf(*request, "url"));
    if (const boost::json::value* headers = Member(*request, "headers");
        headers != nullptr && headers->is_object()) {
      for (const auto& [name, value] : headers->as_object()) {
        out << fmt::format("  {}: {}\n", std::string_view(name),
                           value.is_string() ? std::string(value.as_string()) : "");
      }
    }
    out << "  " << TextOf(*request, "body_text") << '\n';
  }
  return 0;
}

}  // namespace

void AddBroadcastCommands(CLI::App& app, CommandEnv& env) {
  auto* broadcast =
      app.add_subcommand("broadcast", "broadcasts: create, preview, render, send, report");
  broadcast->require_subcommand(1);

  auto create_args = std::make_shared<CreateArgs>();
  auto* create = broadcast->add_subcommand("create", "create a broadcast; prints its id");
  create->add_option("--name", create_args->name, "a name for people")->required();
  create->add_option("--account", create_args->account, "channel account id")->required();
  create->add_option("--text", create_args->texts, "a text message (repeat for up to 5)");
  create->add_option("--messages", create_args->messages_file,
                     "a JSON file holding the messages array (text, template, image, video, "
                     "audio, file, card), as POST /v1/broadcasts takes it");
  create->add_option("--purpose", create_args->purpose, "promotional | non_promotional")
      ->capture_default_str();
  create->add_option("--tag", create_args->tags, "send to contacts with any of these tags");
  create->add_option("--filter", create_args->filter,
                     "audience filter, e.g. 'tag:vip and interacted < 24h and not tag:churned'");
  create->add_option("--segment", create_args->segment,
                     "send to a saved segment (as it is defined when sending); with --filter, "
                     "to those in both");
  create->add_flag("--track-clicks", create_args->track_clicks,
                   "send links through the server's redirect and count presses (needs "
                   "`crier serve --public-url`)");
  create->callback([&env, create_args] {
    env.action = [&env, create_args] { return CreateBroadcast(env, *create_args); };
  });

  auto list_args = std::make_shared<ListArgs>();
  auto* list = broadcast->add_subcommand("list", "list broadcasts");
  list->add_option("--limit", list_args->limit, "at most this many")->capture_default_str();
  list->add_option("--after", list_args->after, "start after this broadcast id");
  list->callback([&env, list_args] {
    env.action = [&env, list_args] { return ListBroadcasts(env, *list_args); };
  });

  AddIdCommand(broadcast, env, "preview", "who would get it, by route and skip reason, now",
               "broadcast", PreviewBroadcast);
  AddIdCommand(broadcast, env, "report", "the latest run's report", "broadcast", ReportBroadcast);

  auto render_id = std::make_shared<Id>(0);
  auto render_contact = std::make_shared<Id>(0);
  auto* render = broadcast->add_subcommand(
      "render", "the exact request each message would make for a contact, personalised");
  render->add_option("ID", *render_id, "broadcast id")->required();
  render->add_option("--contact", *render_contact,
                     "contact id (default: the account's first contact, or a sample)");
  render->callback([&env, render_id, render_contact] {
    env.action = [&env, render_id, render_contact] {
      return RenderBroadcast(
          env, *render_id, *render_contact > 0 ? std::optional<Id>(*render_contact) : std::nullopt);
    };
  });

  auto id = std::make_shared<Id>(0);
  auto no_wait = std::make_shared<bool>(false);
  auto* send = broadcast->add_subcommand("send", "send now and follow progress to the report");
  send->add_option("ID", *id, "broadcast id")->required();
  send->add_flag("--no-wait", *no_wait, "return once the run is planned");
  send->callback([&env, id, no_wait] {
    env.action = [&env, id, no_wait] { return SendBroadcast(env, *id, *no_wait); };
  });
}

}  // namespace crier::cli
