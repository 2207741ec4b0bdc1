// crier segments create | list | show | update | delete | count: saved filters, by name.
#include <fmt/format.h>

#include <boost/json.hpp>
#include <boost/url/encode.hpp>
#include <boost/url/rfc/unreserved_chars.hpp>
#include <memory>
#include <optional>
#include <ostream>

#include "cli/commands.h"
#include "cli/output.h"

namespace crier::cli {
namespace {

// The API addresses segments by id; people by name.
Result<boost::json::value> FindSegment(ApiClient& client, const std::string& name) {
  auto page =
      client.Get("/v1/segments?name=" + boost::urls::encode(name, boost::urls::unreserved_chars));
  if (!page.ok()) return page.error();
  const auto& items = ArrayOf(*page, "items");
  if (items.empty()) {
    return Error{ErrorCode::kNotFound,
                 fmt::format("no segment named \"{}\" (see `crier segments list`)", name),
                 {}};
  }
  return items.front();
}

std::string SegmentPath(const boost::json::value& segment, std::string_view suffix = "") {
  return fmt::format("/v1/segments/{}{}", IntOf(segment, "id"), suffix);
}

void PrintSegment(std::ostream& out, const boost::json::value& s) {
  const std::string description = TextOf(s, "description");
  PrintTable(out, {"segment", TextOf(s, "name")},
             {{"id:", TextOf(s, "id")},
              {"filter:", TextOf(s, "filter_text")},
              {"description:", description.empty() ? "-" : description},
              {"created:", TextOf(s, "created_at")},
              {"updated:", TextOf(s, "updated_at")}});
}

// Prints the answer as JSON or, for people, the segment.
int PrintAnswer(CommandEnv& env, ApiClient& client, const boost::json::value& segment) {
  if (env.flags.json) {
    env.ctx.out << client.last_body() << '\n';
  } else {
    PrintSegment(env.ctx.out, segment);
  }
  return 0;
}

struct CreateArgs {
  std::string name;
  std::string filter;
  std::optional<std::string> description;
};

int CreateSegment(CommandEnv& env, const CreateArgs& a) {
  auto client = Connect(env);
  if (!client) return 1;
  boost::json::object body{{"name", a.name}, {"filter_text", a.filter}};
  if (a.description) body["description"] = *a.description;
  auto created = client->Post("/v1/segments", body);
  if (!created.ok()) return PrintError(env.ctx, created.error());
  return PrintAnswer(env, *client, *created);
}

struct ListArgs {
  int limit = 100;
  std::optional<Id> after;
};

int ListSegments(CommandEnv& env, const ListArgs& a) {
  const PageListing listing{"/v1/segments",
                            {"NAME", "ID", "FILTER", "DESCRIPTION"},
                            [](const boost::json::value& s) {
                              return std::vector<std::string>{TextOf(s, "name"), TextOf(s, "id"),
                                                              TextOf(s, "filter_text"),
                                                              TextOf(s, "description")};
                            },
                            "no segments yet (save one with `crier segments create`)",
                            "crier segments list"};
  return ListPage(env, listing, a.limit, a.after);
}

int ShowSegment(CommandEnv& env, const std::string& name) {
  auto client = Connect(env);
  if (!client) return 1;
  auto segment = FindSegment(*client, name);
  if (!segment.ok()) return PrintError(env.ctx, segment.error());
  if (env.flags.json) {
    env.ctx.out << boost::json::serialize(*segment) << '\n';
    return 0;
  }
  PrintSegment(env.ctx.out, *segment);
  return 0;
}

struct UpdateArgs {
  std::string name;
  std::optional<std::string> filter;
  std::optional<std::string> rename;
  std::optional<std::string> description;
};

int UpdateSegment(CommandEnv& env, const UpdateArgs& a) {
  if (!a.filter && !a.rename && !a.description) {
    return PrintError(env.ctx, InvalidArgument("--filter",
                                               "give --filter, --rename or "
                                               "--description (or several)"));
  }
  auto client = Connect(env);
  if (!client) return 1;
  auto segment = FindSegment(*client, a.name);
  if (!segment.ok()) return PrintError(env.ctx, segment.error());
  boost::json::object body;
  if (a.filter) body["filter_text"] = *a.filter;
  if (a.rename) body["name"] = *a.rename;
  if (a.description) body["description"] = *a.description;
  auto updated = client->Patch(SegmentPath(*segment), body);
  if (!updated.ok()) return PrintError(env.ctx, updated.error());
  return PrintAnswer(env, *client, *updated);
}

int DeleteSegment(CommandEnv& env, const std::string& name) {
  auto client = Connect(env);
  if (!client) return 1;
  auto segment = FindSegment(*client, name);
  if (!segment.ok()) return PrintError(env.ctx, segment.error());
  auto deleted = client->Delete(SegmentPath(*segment));
  if (!deleted.ok()) return PrintError(env.ctx, deleted.error());
  if (env.flags.json) {
    env.ctx.out << client->last_body() << '\n';
  } else {
    env.ctx.out << fmt::format("deleted segment \"{}\"\n", name);
  }
  return 0;
}

int CountSegment(CommandEnv& env, const std::string& name) {
  auto client = Connect(env);
  if (!client) return 1;
  auto segment = FindSegment(*client, name);
  if (!segment.ok()) return PrintError(env.ctx, segment.error());
  auto count = client->Post(SegmentPath(*segment, "/count"), boost::json::object{});
  if (!count.ok()) return PrintError(env.ctx, count.error());
  if (env.flags.json) {
    env.ctx.out << client->last_body() << '\n';
  } else {
    env.ctx.out << IntOf(*count, "count") << '\n';
  }
  return 0;
}

// Registers `name NAME` whose action is run(env, name).
template <class Fn>
void AddNameCommand(CLI::App* parent, CommandEnv& env, const std::string& name,
                    const std::string& help, Fn run) {
  auto segment = std::make_shared<std::string>();
  auto* cmd = parent->add_subcommand(name, help);
  cmd->add_option("NAME", *segment, "segment name")->required();
  cmd->callback(
      [&env, segment, run] { env.action = [&env, segment, run] { return run(env, *segment); }; });
}

}  // namespace

void AddSegmentsCommands(CLI::App& app, CommandEnv& env) {
  auto* segments = app.add_subcommand(
      "segments",
      "saved filters, used in others as segment:NAME: create, list, show, update, "
      "delete, count");
  segments->require_subcommand(1);

  auto create_args = std::make_shared<CreateArgs>();
  auto* create = segments->add_subcommand("create", "save a filter under a name");
  create->add_option("NAME", create_args->name, "the segment's name")->required();
  create
      ->add_option("--filter", create_args->filter,
                   "the filter, e.g. 'tag:vip and interacted < 24h' (may use segment:NAME)")
      ->required();
  create->add_option("--description", create_args->description, "a note for people");
  create->callback([&env, create_args] {
    env.action = [&env, create_args] { return CreateSegment(env, *create_args); };
  });

  auto list_args = std::make_shared<ListArgs>();
  auto* list = segments->add_subcommand("list", "list segments");
  list->add_option("--limit", list_args->limit, "at most this many (1..1000)")
      ->capture_default_str();
  list->add_option("--after", list_args->after, "start after this segment id");
  list->callback([&env, list_args] {
    env.action = [&env, list_args] { return ListSegments(env, *list_args); };
  });

  AddNameCommand(segments, env, "show", "show one segment", ShowSegment);

  auto update_args = std::make_shared<UpdateArgs>();
  auto* update = segments->add_subcommand(
      "update", "change a segment's filter, name or description (references follow a rename)");
  update->add_option("NAME", update_args->name, "segment name")->required();
  update->add_option("--filter", update_args->filter, "the new filter");
  update->add_option("--rename", update_args->rename, "the new name");
  update->add_option("--description", update_args->description, "the new description");
  update->callback([&env, update_args] {
    env.action = [&env, update_args] { return UpdateSegment(env, *update_args); };
  });

  AddNameCommand(segments, env, "delete",
                 "delete a segment (refused while a segment or broadcast uses it)", DeleteSegment);
  AddNameCommand(segments, env, "count", "how many contacts the segment matches now", CountSegment);
}

}  // namespace crier::cli
