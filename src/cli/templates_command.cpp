// crier templates add | list | show | update | remove: the template registry (WhatsApp
// templates per WABA, Messenger utility templates per Page), by id.
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

// "quick_reply:TEXT[:none|subscribe|unsubscribe|bot_flow:PAYLOAD]" or "url:TEXT[:suffix]"
// as the API's button object. The text may not hold ':'; a bot flow's payload may.
Result<boost::json::object> ParseButton(const std::string& spec, std::size_t index) {
  const std::string field = fmt::format("--button[{}]", index);
  const std::size_t first = spec.find(':');
  if (first == std::string::npos) {
    return InvalidArgument(field, "must be quick_reply:TEXT[:BEHAVIOUR] or url:TEXT[:suffix]");
  }
  const std::string type = spec.substr(0, first);
  const std::size_t second = spec.find(':', first + 1);
  const std::string text =
      spec.substr(first + 1, second == std::string::npos ? std::string::npos : second - first - 1);
  const std::string rest = second == std::string::npos ? std::string() : spec.substr(second + 1);
  if (text.empty()) return InvalidArgument(field, "the button's text is empty");
  boost::json::object button{{"type", type}, {"text", text}};
  if (type == "url") {
    if (rest.empty()) return button;
    if (rest != "suffix") {
      return InvalidArgument(field, "a url button ends with :suffix or nothing, not :" + rest);
    }
    button["url_suffix"] = true;
    return button;
  }
  if (type != "quick_reply") {
    return InvalidArgument(field, "the type is quick_reply or url, not \"" + type + "\"");
  }
  if (rest.empty()) return button;
  const std::size_t colon = rest.find(':');
  const std::string behaviour = rest.substr(0, colon);
  button["behaviour"] = behaviour;
  if (behaviour == "bot_flow") {
    if (colon == std::string::npos || colon + 1 == rest.size()) {
      return InvalidArgument(field, "a bot_flow button needs its payload: bot_flow:PAYLOAD");
    }
    button["payload"] = rest.substr(colon + 1);
  } else if (colon != std::string::npos) {
    return InvalidArgument(field, "only a bot_flow button takes a payload");
  }
  return button;
}

std::string ScopeOf(const boost::json::value& t) {
  if (TextOf(t, "platform") == "whatsapp") return "WABA " + TextOf(t, "waba_id");
  return "account " + TextOf(t, "channel_account_id");
}

std::string HeaderOf(const boost::json::value& t) {
  const auto* header = t.is_object() ? t.as_object().if_contains("header") : nullptr;
  if (header == nullptr) return "-";
  const std::string kind = TextOf(*header, "kind");
  if (kind == "none") return "none";
  return fmt::format("{} ({} parameter{})", kind, IntOf(*header, "parameters"),
                     IntOf(*header, "parameters") == 1 ? "" : "s");
}

std::string ButtonsOf(const boost::json::value& t) {
  std::string out;
  std::size_t i = 0;
  for (const auto& b : ArrayOf(t, "buttons")) {
    if (!out.empty()) out += ", ";
    out += fmt::format("{}: {} \"{}\"", i++, TextOf(b, "type"), TextOf(b, "text"));
    if (TextOf(b, "type") == "quick_reply") {
      out += fmt::format(" -> {} ({})", TextOf(b, "behaviour"), TextOf(b, "payload"));
    } else if (TextOf(b, "url_suffix") == "true") {
      out += " + suffix";
    }
  }
  return out.empty() ? "-" : out;
}

void PrintTemplate(std::ostream& out, const boost::json::value& t) {
  PrintTable(out, {"template", TextOf(t, "name")},
             {{"id:", TextOf(t, "id")},
              {"language:", TextOf(t, "language")},
              {"scope:", TextOf(t, "platform") + ", " + ScopeOf(t)},
              {"category:", TextOf(t, "category")},
              {"status:", TextOf(t, "status")},
              {"header:", HeaderOf(t)},
              {"body:", TextOf(t, "body_parameters") + " parameters"},
              {"buttons:", ButtonsOf(t)},
              {"updated:", TextOf(t, "updated_at")}});
}

int PrintAnswer(CommandEnv& env, ApiClient& client, const boost::json::value& t) {
  if (env.flags.json) {
    env.ctx.out << client.last_body() << '\n';
  } else {
    PrintTemplate(env.ctx.out, t);
  }
  return 0;
}

struct AddArgs {
  std::string name;
  std::string language;
  std::optional<std::string> waba;
  std::optional<Id> account;
  std::optional<std::string> category;
  std::optional<std::string> status;
  std::optional<std::string> header;
  std::optional<int> header_parameters;
  int body_parameters = 0;
  std::vector<std::string> buttons;
};

int AddTemplate(CommandEnv& env, const AddArgs& a) {
  if (a.waba.has_value() == a.account.has_value()) {
    return PrintError(env.ctx, InvalidArgument("--waba",
                                               "give exactly one of --waba (a WhatsApp "
                                               "template) and --account (a Messenger "
                                               "Page's, or a WhatsApp number's WABA)"));
  }
  boost::json::object body{
      {"name", a.name}, {"language", a.language}, {"body_parameters", a.body_parameters}};
  if (a.waba) body["waba_id"] = *a.waba;
  if (a.account) body["channel_account_id"] = *a.account;
  if (a.category) body["category"] = *a.category;
  if (a.status) body["status"] = *a.status;
  if (a.header) {
    boost::json::object header{{"kind", *a.header}};
    if (a.header_parameters) header["parameters"] = *a.header_parameters;
    body["header"] = std::move(header);
  } else if (a.header_parameters) {
    return PrintError(env.ctx, InvalidArgument("--header-parameters", "give --header too"));
  }
  boost::json::array buttons;
  for (std::size_t i = 0; i < a.buttons.size(); ++i) {
    auto button = ParseButton(a.buttons[i], i);
    if (!button.ok()) return PrintError(env.ctx, button.error());
    buttons.emplace_back(std::move(*button));
  }
  if (!buttons.empty()) body["buttons"] = std::move(buttons);
  auto client = Connect(env);
  if (!client) return 1;
  auto created = client->Post("/v1/templates", body);
  if (!created.ok()) return PrintError(env.ctx, created.error());
  return PrintAnswer(env, *client, *created);
}

struct ListArgs {
  std::optional<Id> account;
  std::optional<std::string> waba;
  std::optional<std::string> name;
  std::optional<std::string> language;
  int limit = 100;
  std::optional<Id> after;
};

int ListTemplates(CommandEnv& env, const ListArgs& a) {
  std::string query;
  std::string flags;
  auto add = [&](std::string_view key, std::string_view flag, const std::string& value) {
    query += fmt::format("{}{}={}", query.empty() ? "?" : "&", key,
                         boost::urls::encode(value, boost::urls::unreserved_chars));
    flags += fmt::format(" {} {}", flag, value);
  };
  if (a.account) add("channel_account_id", "--account", std::to_string(*a.account));
  if (a.waba) add("waba_id", "--waba", *a.waba);
  if (a.name) add("name", "--name", *a.name);
  if (a.language) add("language", "--language", *a.language);
  const PageListing listing{
      "/v1/templates" + query,
      {"ID", "NAME", "LANGUAGE", "SCOPE", "CATEGORY", "STATUS", "HEADER", "BODY", "BUTTONS"},
      [](const boost::json::value& t) {
        return std::vector<std::string>{TextOf(t, "id"),
                                        TextOf(t, "name"),
                                        TextOf(t, "language"),
                                        ScopeOf(t),
                                        TextOf(t, "category"),
                                        TextOf(t, "status"),
                                        HeaderOf(t),
                                        TextOf(t, "body_parameters"),
                                        std::to_string(ArrayOf(t, "buttons").size())};
      },
      "no templates registered (add one with `crier templates add`)",
      "crier templates list" + flags};
  return ListPage(env, listing, a.limit, a.after);
}

int ShowTemplate(CommandEnv& env, Id id) {
  auto client = Connect(env);
  if (!client) return 1;
  auto t = client->Get(fmt::format("/v1/templates/{}", id));
  if (!t.ok()) return PrintError(env.ctx, t.error());
  return PrintAnswer(env, *client, *t);
}

struct UpdateArgs {
  Id id = 0;
  std::optional<std::string> status;
  std::optional<std::string> category;
};

int UpdateTemplate(CommandEnv& env, const UpdateArgs& a) {
  if (!a.status && !a.category) {
    return PrintError(env.ctx, InvalidArgument("--status", "give --status, --category or both"));
  }
  auto client = Connect(env);
  if (!client) return 1;
  boost::json::object body;
  if (a.status) body["status"] = *a.status;
  if (a.category) body["category"] = *a.category;
  auto updated = client->Patch(fmt::format("/v1/templates/{}", a.id), body);
  if (!updated.ok()) return PrintError(env.ctx, updated.error());
  return PrintAnswer(env, *client, *updated);
}

int RemoveTemplate(CommandEnv& env, Id id) {
  auto client = Connect(env);
  if (!client) return 1;
  auto removed = client->Delete(fmt::format("/v1/templates/{}", id));
  if (!removed.ok()) return PrintError(env.ctx, removed.error());
  if (env.flags.json) {
    env.ctx.out << client->last_body() << '\n';
  } else {
    env.ctx.out << fmt::format("removed template {} (\"{}\", {})\n", id, TextOf(*removed, "name"),
                               TextOf(*removed, "language"));
  }
  return 0;
}

}  // namespace

void AddTemplatesCommands(CLI::App& app, CommandEnv& env) {
  auto* templates = app.add_subcommand(
      "templates",
      "the template registry (WhatsApp per WABA, Messenger per Page): add, list, show, "
      "update, remove");
  templates->require_subcommand(1);

  auto add_args = std::make_shared<AddArgs>();
  auto* add = templates->add_subcommand("add", "register a template Meta approved or is reviewing");
  add->add_option("NAME", add_args->name, "the template's name, e.g. order_update")->required();
  add->add_option("--language", add_args->language, "its language code, e.g. en_US")->required();
  add->add_option("--waba", add_args->waba, "the WABA of a WhatsApp template");
  add->add_option("--account", add_args->account,
                  "a Messenger Page's account (or a WhatsApp number, meaning its WABA)");
  add->add_option("--category", add_args->category,
                  "marketing, utility or authentication (WhatsApp: required)");
  add->add_option("--status", add_args->status,
                  "approved (default), pending, rejected, paused or disabled");
  add->add_option("--header", add_args->header, "none, text, image, video or document");
  add->add_option("--header-parameters", add_args->header_parameters,
                  "a text header's parameters (0 or 1)");
  add->add_option("--body-parameters", add_args->body_parameters, "the body's {{n}} count")
      ->capture_default_str();
  add->add_option("--button", add_args->buttons,
                  "in order, each quick_reply:TEXT[:none|subscribe|unsubscribe|bot_flow:PAYLOAD] "
                  "or url:TEXT[:suffix]");
  add->callback(
      [&env, add_args] { env.action = [&env, add_args] { return AddTemplate(env, *add_args); }; });

  auto list_args = std::make_shared<ListArgs>();
  auto* list = templates->add_subcommand("list", "list registered templates");
  list->add_option("--account", list_args->account, "those this channel account can send");
  list->add_option("--waba", list_args->waba, "those of this WABA");
  list->add_option("--name", list_args->name, "those of this name");
  list->add_option("--language", list_args->language, "those in this language");
  list->add_option("--limit", list_args->limit, "at most this many (1..1000)")
      ->capture_default_str();
  list->add_option("--after", list_args->after, "start after this template id");
  list->callback([&env, list_args] {
    env.action = [&env, list_args] { return ListTemplates(env, *list_args); };
  });

  AddIdCommand(templates, env, "show", "show one template", "template", ShowTemplate);

  auto update_args = std::make_shared<UpdateArgs>();
  auto* update = templates->add_subcommand(
      "update", "change a template's status or category (Meta paused, disabled or moved it)");
  update->add_option("ID", update_args->id, "template id")->required()->check(CLI::PositiveNumber);
  update->add_option("--status", update_args->status,
                     "approved, pending, rejected, paused or disabled");
  update->add_option("--category", update_args->category, "marketing, utility or authentication");
  update->callback([&env, update_args] {
    env.action = [&env, update_args] { return UpdateTemplate(env, *update_args); };
  });

  AddIdCommand(templates, env, "remove",
               "remove a template from the registry (created broadcasts keep what they send)",
               "template", RemoveTemplate);
}

}  // namespace crier::cli
