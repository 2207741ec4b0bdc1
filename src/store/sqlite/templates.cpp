#include "store/sqlite/templates.h"

#include <boost/json.hpp>
#include <string>
#include <utility>
#include <vector>

#include "store/sqlite/messages.h"

namespace crier::sqlite {
namespace {

#define STORE_TEMPLATE_COLUMNS                                                             \
  "SELECT id, platform, waba_id, channel_account_id, name, language, category, status,"    \
  " header_kind, header_parameters, body_parameters, buttons, created_at, updated_at FROM" \
  " templates"
constexpr std::string_view kSelectTemplateById = STORE_TEMPLATE_COLUMNS " WHERE id = ?1";
// Each filter applies when bound (NULL: any).
constexpr std::string_view kSelectTemplatesPage = STORE_TEMPLATE_COLUMNS
    " WHERE id > ?1 AND (?2 IS NULL OR waba_id = ?2) AND (?3 IS NULL OR channel_account_id = ?3)"
    " AND (?4 IS NULL OR name = ?4) AND (?5 IS NULL OR language = ?5) ORDER BY id LIMIT ?6";
#undef STORE_TEMPLATE_COLUMNS
constexpr std::string_view kInsertTemplate =
    "INSERT INTO templates(platform, waba_id, channel_account_id, name, language, category,"
    " status, header_kind, header_parameters, body_parameters, buttons, created_at, updated_at)"
    " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?12)";
constexpr std::string_view kUpdateTemplate =
    "UPDATE templates SET category = ?2, status = ?3, updated_at = ?4 WHERE id = ?1";
constexpr std::string_view kDeleteTemplate = "DELETE FROM templates WHERE id = ?1";
constexpr std::string_view kSelectAccountPlatform =
    "SELECT platform FROM channel_accounts WHERE id = ?1";

Error NoTemplate(Id id) { return NotFound("template " + std::to_string(id) + " not found"); }

template <class E>
Result<E> Stored(std::optional<E> parsed, std::string_view text, std::string_view column) {
  if (!parsed) {
    return Internal("stored template " + std::string(column) + " \"" + std::string(text) +
                    "\" is not recognised");
  }
  return *parsed;
}

std::string ButtonsJson(const std::vector<TemplateButton>& buttons) {
  boost::json::array out;
  for (const TemplateButton& b : buttons) {
    boost::json::object o;
    o["type"] = ToString(b.type);
    o["text"] = b.text;
    if (b.type == TemplateButtonType::kQuickReply) {
      o["behaviour"] = ToString(b.behaviour);
      if (!b.payload.empty()) o["payload"] = b.payload;
    } else {
      o["url_suffix"] = b.url_suffix;
    }
    out.push_back(std::move(o));
  }
  return boost::json::serialize(out);
}

Result<std::vector<TemplateButton>> ParseButtonsJson(std::string_view text) {
  boost::system::error_code ec;
  const boost::json::value v = boost::json::parse(text, ec);
  if (ec || !v.is_array()) return Internal("stored template buttons are not a JSON array");
  std::vector<TemplateButton> out;
  for (const boost::json::value& item : v.get_array()) {
    const boost::json::object* o = item.if_object();
    if (o == nullptr) return Internal("stored template button is not an object");
    auto text_of = [&](std::string_view key) {
      const boost::json::value* m = o->if_contains(key);
      return m != nullptr && m->is_string() ? std::string(m->get_string()) : std::string();
    };
    TemplateButton b;
    const std::string type = text_of("type");
    STORE_ASSIGN_OR_RETURN(b.type, Stored(ParseTemplateButtonType(type), type, "button type"));
    b.text = text_of("text");
    if (b.type == TemplateButtonType::kQuickReply) {
      const std::string behaviour = text_of("behaviour");
      STORE_ASSIGN_OR_RETURN(
          b.behaviour, Stored(ParseButtonBehaviour(behaviour), behaviour, "button behaviour"));
      b.payload = text_of("payload");
    } else {
      const boost::json::value* suffix = o->if_contains("url_suffix");
      b.url_suffix = suffix != nullptr && suffix->is_bool() && suffix->get_bool();
    }
    out.push_back(std::move(b));
  }
  return out;
}

Result<RegisteredTemplate> ReadTemplate(const Statement& st) {
  RegisteredTemplate t;
  t.id = st.Int(0);
  const std::string_view platform = st.Text(1);
  STORE_ASSIGN_OR_RETURN(t.platform, Stored(ParsePlatform(platform), platform, "platform"));
  t.waba_id = st.Text(2);
  t.channel_account_id = st.Int(3);
  t.name = st.Text(4);
  t.language = st.Text(5);
  const std::string_view category = st.Text(6);
  STORE_ASSIGN_OR_RETURN(t.category, Stored(ParseTemplateCategory(category), category, "category"));
  const std::string_view status = st.Text(7);
  STORE_ASSIGN_OR_RETURN(t.status, Stored(ParseTemplateStatus(status), status, "status"));
  const std::string_view header = st.Text(8);
  STORE_ASSIGN_OR_RETURN(t.header_kind,
                         Stored(ParseTemplateHeaderKind(header), header, "header kind"));
  t.header_parameters = static_cast<int>(st.Int(9));
  t.body_parameters = static_cast<int>(st.Int(10));
  STORE_ASSIGN_OR_RETURN(t.buttons, ParseButtonsJson(st.Text(11)));
  t.created_at = st.TimeAt(12);
  t.updated_at = st.TimeAt(13);
  return t;
}

// A Messenger template belongs to a Page: its account must be one.
Status CheckPageAccount(Connection& db, Id id) {
  STORE_PREPARE(st, db, kSelectAccountPlatform);
  st.Bind(1, id);
  STORE_ASSIGN_OR_RETURN(bool row, st.Step());
  if (!row)
    return InvalidArgument("channel_account_id",
                           "no channel account with id " + std::to_string(id));
  if (st.Text(0) != ToString(Platform::kMessenger)) {
    return InvalidArgument("channel_account_id",
                           "channel account " + std::to_string(id) + " is a " +
                               std::string(st.Text(0)) +
                               " account; a Messenger template belongs to a Messenger Page");
  }
  return Status::Ok();
}

Error Taken(const TemplateDefinition& t) {
  const std::string scope = t.platform == Platform::kWhatsApp
                                ? "WABA " + t.waba_id
                                : "channel account " + std::to_string(t.channel_account_id);
  return Error{
      ErrorCode::kAlreadyExists,
      "template \"" + t.name + "\" in " + t.language + " is already registered for " + scope,
      "name"};
}

}  // namespace

Result<RegisteredTemplate> InsertTemplate(Connection& db, const TemplateDefinition& in, Time now) {
  CRIER_RETURN_IF_ERROR(ValidateTemplateDefinition(in));
  if (in.platform == Platform::kMessenger) {
    CRIER_RETURN_IF_ERROR(CheckPageAccount(db, in.channel_account_id));
  }
  STORE_PREPARE(st, db, kInsertTemplate);
  st.BindText(1, ToString(in.platform));
  st.BindText(2, in.waba_id);
  st.Bind(3, in.channel_account_id);
  st.BindText(4, in.name);
  st.BindText(5, in.language);
  st.BindText(6, ToString(in.category));
  st.BindText(7, ToString(in.status));
  st.BindText(8, ToString(in.header_kind));
  st.Bind(9, in.header_parameters);
  st.Bind(10, in.body_parameters);
  st.BindText(11, ButtonsJson(in.buttons));
  st.Bind(12, now);
  const int rc = st.StepRaw();
  if (rc == SQLITE_CONSTRAINT_UNIQUE) return Taken(in);
  if (rc != SQLITE_DONE) return SqliteError(db.handle(), rc, "inserting a template");
  RegisteredTemplate out;
  static_cast<TemplateDefinition&>(out) = in;
  out.id = db.LastInsertId();
  out.created_at = now;
  out.updated_at = now;
  return out;
}

Result<RegisteredTemplate> SelectTemplate(Connection& db, Id id) {
  STORE_PREPARE(st, db, kSelectTemplateById);
  st.Bind(1, id);
  STORE_ASSIGN_OR_RETURN(bool row, st.Step());
  if (!row) return NoTemplate(id);
  return ReadTemplate(st);
}

Result<Page<RegisteredTemplate>> SelectTemplatesPage(Connection& db, const TemplateQuery& query) {
  if (query.page.limit < 1 || query.page.limit > kMaxPageLimit) {
    return InvalidArgument("limit", "must be between 1 and " + std::to_string(kMaxPageLimit));
  }
  if (query.page.after_id < 0) return InvalidArgument("after", "must not be negative");
  STORE_PREPARE(st, db, kSelectTemplatesPage);
  st.Bind(1, query.page.after_id);
  if (query.waba_id) st.BindText(2, *query.waba_id);
  if (query.channel_account_id) st.Bind(3, *query.channel_account_id);
  if (query.name) st.BindText(4, *query.name);
  if (query.language) st.BindText(5, *query.language);
  st.Bind(6, query.page.limit + 1);
  Page<RegisteredTemplate> page;
  while (true) {
    STORE_ASSIGN_OR_RETURN(bool row, st.Step());
    if (!row) break;
    STORE_ASSIGN_OR_RETURN(RegisteredTemplate t, ReadTemplate(st));
    page.items.push_back(std::move(t));
  }
  // Fetched one more than asked to learn whether more follow.
  if (static_cast<int>(page.items.size()) > query.page.limit) {
    page.items.pop_back();
    page.next_after_id = page.items.back().id;
  }
  return page;
}

Result<RegisteredTemplate> ApplyTemplateUpdate(Connection& db, Id id, const TemplateUpdate& update,
                                               Time now) {
  STORE_ASSIGN_OR_RETURN(RegisteredTemplate t, SelectTemplate(db, id));
  if (update.status) t.status = *update.status;
  if (update.category) t.category = *update.category;
  CRIER_RETURN_IF_ERROR(ValidateTemplateDefinition(t));
  STORE_PREPARE(st, db, kUpdateTemplate);
  st.Bind(1, id);
  st.BindText(2, ToString(t.category));
  st.BindText(3, ToString(t.status));
  st.Bind(4, now);
  CRIER_RETURN_IF_ERROR(st.Run());
  t.updated_at = now;
  return t;
}

Status RemoveTemplate(Connection& db, Id id) {
  STORE_PREPARE(st, db, kDeleteTemplate);
  st.Bind(1, id);
  CRIER_RETURN_IF_ERROR(st.Run());
  if (db.Changes() == 0) return NoTemplate(id);
  return Status::Ok();
}

}  // namespace crier::sqlite
