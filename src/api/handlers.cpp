// The route handlers: read the request, call the store or the engine, write the response.
#include <algorithm>
#include <array>
#include <charconv>
#include <map>

#include "api/click_handlers.h"
#include "api/contact_input.h"
#include "api/export_handlers.h"
#include "api/fields.h"
#include "api/filter_json.h"
#include "api/guard_handlers.h"
#include "api/limits.h"
#include "api/render_handlers.h"
#include "api/requests.h"
#include "api/response.h"
#include "api/routes.h"
#include "api/segment_handlers.h"
#include "api/template_handlers.h"
#include "api/webhook_handlers.h"
#include "api/wire.h"
#include "channels/adapter.h"
#include "channels/composition.h"
#include "core/route.h"

namespace crier::api {
namespace {

// Create bodies are small; anything bigger than this is a mistake, not a broadcast.
constexpr std::string_view kPrometheusContentType = "text/plain; version=0.0.4";
// Rows per import transaction: large enough that commits cost little, small enough that the
// parsed rows of one chunk stay a few MiB.
constexpr std::size_t kImportChunkRows = 10000;

// The row index of a store error about "rows[N]...", if it is one.
std::optional<std::size_t> RowIndex(const Error& error) {
  constexpr std::string_view kPrefix = "rows[";
  const std::string_view field = error.field;
  if (error.code != ErrorCode::kInvalidArgument || !field.starts_with(kPrefix)) return std::nullopt;
  std::size_t n = 0;
  const char* first = field.data() + kPrefix.size();
  const auto [end, ec] = std::from_chars(first, field.data() + field.size(), n);
  if (ec != std::errc() || end == field.data() + field.size() || *end != ']') return std::nullopt;
  return n;
}

using Json = boost::json::object;

net::Response Ok(int status, const Json& body) { return JsonResponse(status, body); }

// A store "not found" in the words of the thing asked for; other errors as they are.
Error Named(const Error& error, std::string_view what, Id id) {
  if (error.code != ErrorCode::kNotFound) return error;
  return NotFound(std::string(what) + " " + std::to_string(id) + " not found");
}

// Checks that `id` names a stored channel account; a missing one is the caller's input
// error, named by `field`.
Result<ChannelAccount> ReferencedAccount(Store& store, Id id, std::string_view field) {
  auto account = store.GetChannelAccount(id);
  if (!account.ok() && account.error().code == ErrorCode::kNotFound) {
    return InvalidArgument(std::string(field),
                           "channel account " + std::to_string(id) + " does not exist");
  }
  return account;
}

// Callers check the size first (TooLarge), so that a huge body is refused before parsing.
Result<boost::json::value> JsonBody(const net::Request& request) { return ParseJson(request.body); }

// ---- system -------------------------------------------------------------------------------

net::Response Healthz(RequestContext&) {
  Json body;
  body["status"] = "ok";
  return Ok(200, body);
}

net::Response Metrics(RequestContext& c) {
  auto depth = c.store.CountPendingDeliveries();
  if (!depth.ok()) return ErrorResponse(depth.error());
  return net::Response::Text(200, c.engine.metrics().RenderPrometheus(*depth),
                             std::string(kPrometheusContentType));
}

// ---- channel accounts ---------------------------------------------------------------------

net::Response CreateAccount(RequestContext& c) {
  if (c.request.body.size() > kMaxJsonBodyBytes) return TooLarge(kMaxJsonBodyBytes);
  auto body = JsonBody(c.request);
  if (!body.ok()) return ErrorResponse(body.error());
  auto in = ParseNewChannelAccount(*body);
  if (!in.ok()) return ErrorResponse(in.error());
  auto account = c.store.CreateChannelAccount(*in, c.clock.Now());
  if (!account.ok()) return ErrorResponse(account.error());
  return Ok(201, ToJson(*account));
}

net::Response ListAccounts(RequestContext& c) {
  auto accounts = c.store.ListChannelAccounts();
  if (!accounts.ok()) return ErrorResponse(accounts.error());
  boost::json::array items;
  for (const ChannelAccount& a : *accounts) items.emplace_back(ToJson(a));
  Json body;
  body["items"] = std::move(items);
  return Ok(200, body);
}

net::Response GetAccount(RequestContext& c) {
  const Id id = c.PathId("id");
  auto account = c.store.GetChannelAccount(id);
  if (!account.ok()) return ErrorResponse(Named(account.error(), "channel account", id));
  return Ok(200, ToJson(*account));
}

// B2: an administrator locks or unlocks message tags (and adjusts the other capabilities and
// the pace) of an existing account. Members not given keep their stored values.
net::Response UpdateAccount(RequestContext& c) {
  if (c.request.body.size() > kMaxJsonBodyBytes) return TooLarge(kMaxJsonBodyBytes);
  const Id id = c.PathId("id");
  auto body = JsonBody(c.request);
  if (!body.ok()) return ErrorResponse(body.error());
  auto update = ParseChannelAccountUpdate(*body);
  if (!update.ok()) return ErrorResponse(update.error());
  if (update->webhook_verify_token) {
    auto existing = c.store.GetChannelAccount(id);
    if (!existing.ok()) return ErrorResponse(Named(existing.error(), "channel account", id));
    const Status allowed =
        CheckVerifyTokenPlatform(existing->platform, update->webhook_verify_token);
    if (!allowed.ok()) return ErrorResponse(allowed.error());
  }
  auto account = c.store.UpdateChannelAccount(id, *update);
  if (!account.ok()) return ErrorResponse(Named(account.error(), "channel account", id));
  return Ok(200, ToJson(*account));
}

// ---- contacts -----------------------------------------------------------------------------

net::Response CreateContact(RequestContext& c) {
  if (c.request.body.size() > kMaxJsonBodyBytes) return TooLarge(kMaxJsonBodyBytes);
  auto body = JsonBody(c.request);
  if (!body.ok()) return ErrorResponse(body.error());
  if (!body->is_object()) {
    return ErrorResponse(InvalidArgument(std::string(kBodyField), std::string(kMsgWantObject)));
  }
  auto in = ContactInputFromJson(body->get_object(), std::nullopt);
  if (!in.ok()) return ErrorResponse(in.error());
  if (auto s = CheckInteractionNotInFuture(*in, c.clock.Now()); !s.ok()) {
    return ErrorResponse(s.error());
  }
  auto account = ReferencedAccount(c.store, in->channel_account_id, "channel_account_id");
  if (!account.ok()) return ErrorResponse(account.error());
  auto summary = c.store.UpsertContacts(std::span<const ContactInput>(&*in, 1), c.clock.Now());
  if (!summary.ok()) return ErrorResponse(summary.error());
  if (summary->contact_ids.size() != 1) {
    return ErrorResponse(Internal("the store did not report the upserted contact"));
  }
  auto contact = c.store.GetContact(summary->contact_ids.front());
  if (!contact.ok()) return ErrorResponse(contact.error());
  return Ok(summary->created > 0 ? 201 : 200, ToJson(*contact));
}

// The contacts a filter selects, in id order, through the audience index: the same answer as
// POST /v1/contacts/count gives, page by page.
net::Response ListFilteredContacts(RequestContext& c, std::string_view text,
                                   const PageRequest& page, std::optional<Id> account) {
  auto parsed = filter::ParseText(text);
  if (!parsed.ok()) return ErrorResponse(parsed.error());
  filter::Node node = std::move(*parsed);
  if (account) {
    filter::Node on_account = filter::Node::Leaf(filter::AccountPred{*account});
    node = filter::Node{
        filter::Node::Kind::kAnd, {std::move(on_account), std::move(node)}, std::nullopt};
  }
  // One more than the page tells whether another page follows.
  auto ids = c.engine.ListAudience(node, page.after_id, page.limit + 1);
  if (!ids.ok()) return ErrorResponse(ids.error());
  Page<Contact> out;
  const bool more = static_cast<int>(ids->size()) > page.limit;
  if (more) ids->resize(static_cast<std::size_t>(page.limit));
  // One snapshot read; a contact gone since the index read is left out, never wrong.
  auto contacts = c.store.GetContacts(*ids);
  if (!contacts.ok()) return ErrorResponse(contacts.error());
  out.items = std::move(*contacts);
  if (more && !ids->empty()) out.next_after_id = ids->back();
  return Ok(200, PageJson(out));
}

net::Response ListContacts(RequestContext& c) {
  auto page = ReadPage(c.request);
  if (!page.ok()) return ErrorResponse(page.error());
  auto account = QueryId(c.request, "channel_account_id");
  if (!account.ok()) return ErrorResponse(account.error());
  if (const auto text = c.request.query_param("filter"))
    return ListFilteredContacts(c, *text, *page, *account);
  ContactQuery query;
  query.page = *page;
  query.channel_account_id = *account;
  auto contacts = c.store.ListContacts(query);
  if (!contacts.ok()) return ErrorResponse(contacts.error());
  return Ok(200, PageJson(*contacts));
}

net::Response GetContact(RequestContext& c) {
  const Id id = c.PathId("id");
  auto contact = c.store.GetContact(id);
  if (!contact.ok()) return ErrorResponse(Named(contact.error(), "contact", id));
  return Ok(200, ToJson(*contact));
}

// Hands the body to `reader` as it arrives (or whole, when the server read it first), then
// ends it. A body that breaks off fails with the body reader's error.
Status FeedBody(const net::Request& request, ImportReader& reader) {
  if (request.body_reader == nullptr) {
    CRIER_RETURN_IF_ERROR(reader.Feed(request.body));
    return reader.Finish();
  }
  for (;;) {
    auto piece = request.body_reader->Read();
    if (!piece.ok()) return piece.error();
    if (piece->empty()) return reader.Finish();
    CRIER_RETURN_IF_ERROR(reader.Feed(*piece));
  }
}

net::Response ImportContacts(RequestContext& c) {
  std::optional<ImportFormat> format;
  if (const auto name = c.request.query_param("format")) {
    format = ParseImportFormat(*name);
    if (!format) return ErrorResponse(InvalidArgument("format", "must be jsonl or csv"));
  } else if (const auto type = c.request.header("Content-Type")) {
    format = ImportFormatFromContentType(*type);
  }
  if (!format) {
    return ErrorResponse(
        InvalidArgument("format",
                        "is required: pass ?format=jsonl or ?format=csv, or send Content-Type "
                        "application/x-ndjson or text/csv"));
  }
  auto default_account = QueryId(c.request, "channel_account_id");
  if (!default_account.ok()) return ErrorResponse(default_account.error());
  if (default_account->has_value()) {
    auto account = ReferencedAccount(c.store, **default_account, "channel_account_id");
    if (!account.ok()) return ErrorResponse(account.error());
  }

  // Rows are parsed as the body arrives and written in chunks, each in one transaction: memory
  // stays bounded by one chunk whatever the body's size, and a crash mid-import leaves whole
  // chunks (every row before some line), never a half-written one. Re-sending the file is
  // safe: rows are upserts.
  std::map<Id, bool> account_exists;
  std::vector<ContactInput> good;
  std::vector<int> good_lines;
  std::vector<ImportRowError> reported;
  std::int64_t received = 0;
  std::int64_t imported = 0;
  std::int64_t error_count = 0;
  UpsertSummary summary;
  auto report = [&](ImportRowError e) {
    ++error_count;
    if (reported.size() < kMaxReportedImportErrors) reported.push_back(std::move(e));
  };
  ImportReader reader(
      *format, *default_account, kImportChunkRows, [&](ParsedImport& chunk) -> Status {
        received += chunk.received;
        // Rows naming an account that does not exist are bad rows like any other, so that the
        // good rows still go in.
        std::vector<ImportRowError> errors = std::move(chunk.errors);
        good.clear();
        good_lines.clear();
        const Time now = c.clock.Now();
        for (ImportRow& row : chunk.rows) {
          const Id id = row.input.channel_account_id;
          auto it = account_exists.find(id);
          if (it == account_exists.end()) {
            auto account = c.store.GetChannelAccount(id);
            if (!account.ok() && account.error().code != ErrorCode::kNotFound) {
              return account.error();
            }
            it = account_exists.emplace(id, account.ok()).first;
          }
          if (!it->second) {
            errors.push_back({row.line, "channel_account_id",
                              "channel account " + std::to_string(id) + " does not exist"});
            continue;
          }
          if (auto s = CheckInteractionNotInFuture(row.input, now); !s.ok()) {
            errors.push_back({row.line, s.error().field, s.error().message});
            continue;
          }
          good.push_back(std::move(row.input));
          good_lines.push_back(row.line);
        }
        // A row the store refuses (e.g. more attributes than allowed once merged with the
        // stored ones) is reported and the chunk written again without it.
        while (!good.empty()) {
          auto upserted = c.store.UpsertContacts(good, now);
          if (upserted.ok()) {
            summary.created += upserted->created;
            summary.updated += upserted->updated;
            imported += static_cast<std::int64_t>(good.size());
            break;
          }
          const auto index = RowIndex(upserted.error());
          if (!index || *index >= good.size()) return upserted.error();
          std::string field = upserted.error().field;
          field.erase(0, field.find('.') + 1);  // "rows[3].attributes" -> "attributes"
          errors.push_back({good_lines[*index], field, upserted.error().message});
          good.erase(good.begin() + static_cast<std::ptrdiff_t>(*index));
          good_lines.erase(good_lines.begin() + static_cast<std::ptrdiff_t>(*index));
        }
        std::stable_sort(
            errors.begin(), errors.end(),
            [](const ImportRowError& a, const ImportRowError& b) { return a.line < b.line; });
        for (ImportRowError& e : errors) report(std::move(e));
        return Status::Ok();
      });
  const Status read = FeedBody(c.request, reader);
  if (!read.ok()) {
    Error error = read.error();
    // Earlier chunks are in: say how far the import got.
    if (imported > 0) {
      error.message += " (" + std::to_string(imported) + " rows of earlier chunks were imported)";
    }
    if (c.request.body_reader != nullptr && c.request.body_reader->too_large()) {
      return ErrorResponse(413, "payload_too_large", error.ToString());
    }
    return ErrorResponse(error);
  }

  boost::json::array error_list;
  for (const ImportRowError& e : reported) {
    Json item;
    item["line"] = e.line;
    if (!e.field.empty()) item["field"] = e.field;
    item["message"] = e.message;
    error_list.emplace_back(std::move(item));
  }
  Json body;
  body["received"] = received;
  body["imported"] = imported;
  body["created"] = summary.created;
  body["updated"] = summary.updated;
  body["errors"] = std::move(error_list);
  body["errors_omitted"] = error_count - static_cast<std::int64_t>(reported.size());
  return Ok(200, body);
}

// ---- tags ---------------------------------------------------------------------------------

// At most this many ids per bulk tag change: one transaction must stay short.
constexpr std::size_t kMaxTagContactIds = 10000;

Json TagJson(const TagInfo& tag) {
  Json out;
  out["name"] = tag.name;
  out["contacts"] = tag.contacts;
  return out;
}

// {"name": "..."} with nothing else.
Result<std::string> TagNameBody(const net::Request& request) {
  auto body = ObjectBody(request);
  if (!body.ok()) return body.error();
  ObjectReader r(*body, "");
  CRIER_RETURN_IF_ERROR(r.RejectUnknown({"name"}));
  auto name = r.String("name");
  if (!name.ok()) return name.error();
  CRIER_RETURN_IF_ERROR(CheckText("name", *name, kMaxTagChars));
  return std::move(*name);
}

// POST /v1/contacts/count {"filter": ...}: how many contacts match now (C3's live count).
net::Response CountContacts(RequestContext& c) {
  if (c.request.body.size() > kMaxJsonBodyBytes) return TooLarge(kMaxJsonBodyBytes);
  auto body = JsonBody(c.request);
  if (!body.ok()) return ErrorResponse(body.error());
  if (!body->is_object()) {
    return ErrorResponse(InvalidArgument(std::string(kBodyField), std::string(kMsgWantObject)));
  }
  ObjectReader r(body->get_object(), "");
  if (const Status s = r.RejectUnknown({"filter"}); !s.ok()) return ErrorResponse(s.error());
  filter::Node node = filter::Node::All();
  if (const boost::json::value* f = body->get_object().if_contains("filter");
      f != nullptr && !f->is_null()) {
    auto parsed = FilterFromJson(*f, "filter");
    if (!parsed.ok()) return ErrorResponse(parsed.error());
    node = std::move(*parsed);
  }
  auto count = c.engine.CountAudience(node);
  if (!count.ok()) return ErrorResponse(count.error());
  Json out;
  out["count"] = *count;
  out["filter"] = filter::ToText(node);
  return Ok(200, out);
}

net::Response ListTags(RequestContext& c) {
  auto tags = c.store.ListTags();
  if (!tags.ok()) return ErrorResponse(tags.error());
  boost::json::array items;
  items.reserve(tags->size());
  for (const TagInfo& tag : *tags) items.emplace_back(TagJson(tag));
  Json body;
  body["items"] = std::move(items);
  return Ok(200, body);
}

net::Response CreateTag(RequestContext& c) {
  if (c.request.body.size() > kMaxJsonBodyBytes) return TooLarge(kMaxJsonBodyBytes);
  auto name = TagNameBody(c.request);
  if (!name.ok()) return ErrorResponse(name.error());
  if (auto created = c.store.CreateTag(*name); !created.ok()) {
    return ErrorResponse(created.error());
  }
  return Ok(201, TagJson(TagInfo{*name, 0}));
}

net::Response RenameTag(RequestContext& c) {
  if (c.request.body.size() > kMaxJsonBodyBytes) return TooLarge(kMaxJsonBodyBytes);
  const std::string& from = c.PathName("name");
  auto to = TagNameBody(c.request);
  if (!to.ok()) return ErrorResponse(to.error());
  if (auto renamed = c.store.RenameTag(from, *to); !renamed.ok()) {
    return ErrorResponse(renamed.error());
  }
  auto tags = c.store.ListTags();
  if (!tags.ok()) return ErrorResponse(tags.error());
  for (const TagInfo& tag : *tags) {
    if (tag.name == *to) return Ok(200, TagJson(tag));
  }
  return ErrorResponse(Internal("the renamed tag is missing"));
}

net::Response DeleteTag(RequestContext& c) {
  const std::string& name = c.PathName("name");
  if (auto deleted = c.store.DeleteTag(name); !deleted.ok()) {
    return ErrorResponse(deleted.error());
  }
  Json body;
  body["name"] = name;
  body["deleted"] = true;
  return Ok(200, body);
}

// The contacts a bulk tag change applies to: an explicit list, or everyone a filter selects.
struct TagSelection {
  std::vector<Id> ids;
  std::optional<filter::Node> filter;
};

Result<TagSelection> TagSelectionBody(const net::Request& request) {
  auto body = ObjectBody(request);
  if (!body.ok()) return body.error();
  ObjectReader r(*body, "");
  CRIER_RETURN_IF_ERROR(r.RejectUnknown({"contact_ids", "filter"}));
  const boost::json::value* filter = body->if_contains("filter");
  const bool has_ids = body->contains("contact_ids");
  if (filter != nullptr && has_ids) {
    return InvalidArgument("filter", "give either contact_ids or filter, not both");
  }
  if (filter != nullptr) {
    auto node = FilterFromJson(*filter, "filter");
    if (!node.ok()) return node.error();
    return TagSelection{{}, std::move(*node)};
  }
  auto array = r.OptArray("contact_ids");
  if (!array.ok()) return array.error();
  if (*array == nullptr) {
    return InvalidArgument("contact_ids", std::string(kMsgRequired) + " (or a filter)");
  }
  if ((*array)->size() > kMaxTagContactIds) {
    return InvalidArgument("contact_ids", "has " + std::to_string((*array)->size()) +
                                              " ids, at most " + std::to_string(kMaxTagContactIds) +
                                              " allowed");
  }
  std::vector<Id> ids;
  ids.reserve((*array)->size());
  for (std::size_t i = 0; i < (*array)->size(); ++i) {
    const boost::json::value& v = (**array)[i];
    if (!v.is_int64() || v.get_int64() <= 0) {
      return InvalidArgument(ElementPath("contact_ids", i), std::string(kMsgWantPositiveId));
    }
    ids.push_back(v.get_int64());
  }
  return TagSelection{std::move(ids), std::nullopt};
}

net::Response ChangeTagMembership(RequestContext& c, bool add) {
  if (c.request.body.size() > kMaxJsonBodyBytes) return TooLarge(kMaxJsonBodyBytes);
  const std::string& tag = c.PathName("name");
  if (add) {
    if (auto s = CheckText("name", tag, kMaxTagChars); !s.ok()) return ErrorResponse(s.error());
  }
  auto selection = TagSelectionBody(c.request);
  if (!selection.ok()) return ErrorResponse(selection.error());
  const auto apply = [&](const std::vector<Id>& ids) {
    return add ? c.store.AddTagToContacts(tag, ids, c.clock.Now())
               : c.store.RemoveTagFromContacts(tag, ids, c.clock.Now());
  };
  std::int64_t changed = 0;
  std::int64_t matched = 0;
  boost::json::array unknown;
  if (!selection->filter) {
    auto result = apply(selection->ids);
    if (!result.ok()) return ErrorResponse(result.error());
    changed = result->changed;
    for (Id id : result->unknown_contact_ids) unknown.emplace_back(id);
  } else {
    // Everyone the filter selects, in pages of ascending ids, each page one transaction.
    Id after = 0;
    for (;;) {
      auto page =
          c.engine.ListAudience(*selection->filter, after, static_cast<int>(kMaxTagContactIds));
      if (!page.ok()) return ErrorResponse(page.error());
      if (page->empty()) break;
      matched += static_cast<std::int64_t>(page->size());
      auto result = apply(*page);
      if (!result.ok()) return ErrorResponse(result.error());
      changed += result->changed;
      after = page->back();
      if (page->size() < kMaxTagContactIds) break;
    }
  }
  Json body;
  body["tag"] = tag;
  body["changed"] = changed;
  if (selection->filter) body["matched"] = matched;
  body["unknown_contact_ids"] = std::move(unknown);
  return Ok(200, body);
}

net::Response AddTagContacts(RequestContext& c) { return ChangeTagMembership(c, true); }
net::Response RemoveTagContacts(RequestContext& c) { return ChangeTagMembership(c, false); }

// ---- broadcasts ---------------------------------------------------------------------------

net::Response CreateBroadcast(RequestContext& c) {
  if (c.request.body.size() > kMaxJsonBodyBytes) return TooLarge(kMaxJsonBodyBytes);
  auto body = JsonBody(c.request);
  if (!body.ok()) return ErrorResponse(body.error());
  auto in = ParseNewBroadcast(*body);
  if (!in.ok()) return ErrorResponse(in.error());
  auto account = ReferencedAccount(c.store, in->channel_account_id, "channel_account_id");
  if (!account.ok()) return ErrorResponse(account.error());
  // D4: a template message names a registered template of the account's WABA or Page; the
  // registry gives its category, header kind and buttons.
  auto resolved = ResolveTemplateMessages(c.store, *account, *body, std::move(in->messages));
  if (!resolved.ok()) return ErrorResponse(resolved.error());
  in->messages = std::move(*resolved);
  // G3: tracked links go through this server's redirect, which needs its public address.
  const engine::ClickTracker* clicks = c.engine.clicks();
  if (in->track_clicks && clicks == nullptr) {
    return ErrorResponse(InvalidArgument("track_clicks", std::string(engine::kNoPublicUrl)));
  }
  // D1: a placeholder that cannot be filled is refused now, naming the field and the
  // character, rather than sent as written or failing every copy of the run.
  const auto compiled = channels::CompileWireContent(
      account->platform, in->messages,
      in->track_clicks ? std::string_view(clicks->redirect_base()) : "");
  if (!compiled.ok()) return ErrorResponse(compiled.error());
  // A5: the kinds the platform takes and its limits, for the content as it goes out (tracked
  // links included); a rendering that outgrows them fails only that person's copy when sent.
  const Status fits =
      channels::CheckContentFor(account->platform, compiled->messages, compiled->compiled);
  if (!fits.ok()) return ErrorResponse(fits.error());
  if (in->outside_window.marketing_message_api) {
    const Status paid = channels::CheckMarketingMessageApiContent(in->messages);
    if (!paid.ok()) return ErrorResponse(paid.error());
  }
  // A7: a route retired by now is refused naming the rule, its date and its replacement.
  const Status routes = ValidateOutsideWindow(account->platform, in->purpose, in->outside_window,
                                              account->capabilities, c.clock.Now());
  if (!routes.ok()) return ErrorResponse(routes.error());
  const Status content =
      ValidateTemplateContent(account->platform, in->outside_window, in->messages);
  if (!content.ok()) return ErrorResponse(content.error());
  // What the account's wire refuses is refused now, not when every copy of the run fails.
  if (const auto adapter = channels::MakeAdapter(account->platform)) {
    for (size_t i = 0; i < in->messages.size(); ++i) {
      const Status wire = adapter->ValidateMessage(in->messages[i]);
      if (wire.ok()) continue;
      Error error = wire.error();
      error.field = "messages[" + std::to_string(i) + "]" +
                    (error.field.empty() ? std::string() : "." + error.field);
      return ErrorResponse(error);
    }
  }
  if (auto refused = RefusePromotionalContent(c, *in)) return std::move(*refused);
  auto broadcast = c.store.CreateBroadcast(*in, c.clock.Now());
  if (!broadcast.ok()) return ErrorResponse(broadcast.error());
  return Ok(201, ToJson(*broadcast));
}

net::Response ListBroadcasts(RequestContext& c) {
  auto page = ReadPage(c.request);
  if (!page.ok()) return ErrorResponse(page.error());
  auto broadcasts = c.store.ListBroadcasts(*page);
  if (!broadcasts.ok()) return ErrorResponse(broadcasts.error());
  return Ok(200, PageJson(*broadcasts));
}

net::Response GetBroadcast(RequestContext& c) {
  const Id id = c.PathId("id");
  auto broadcast = c.store.GetBroadcast(id);
  if (!broadcast.ok()) return ErrorResponse(Named(broadcast.error(), "broadcast", id));
  return Ok(200, ToJson(*broadcast));
}

net::Response PreviewBroadcast(RequestContext& c) {
  const Id id = c.PathId("id");
  auto broadcast = c.store.GetBroadcast(id);
  if (!broadcast.ok()) return ErrorResponse(Named(broadcast.error(), "broadcast", id));
  auto preview = c.engine.Preview(id);
  if (!preview.ok()) return ErrorResponse(preview.error());
  auto account = c.store.GetChannelAccount(broadcast->channel_account_id);
  if (!account.ok()) return ErrorResponse(account.error());
  boost::json::object out = ToJson(*preview);
  out["links"] = LinksJson(FindLinks(broadcast->messages, account->capabilities.official_domains));
  return Ok(200, out);
}

net::Response SendBroadcast(RequestContext& c) {
  const Id id = c.PathId("id");
  auto broadcast = c.store.GetBroadcast(id);
  if (!broadcast.ok()) return ErrorResponse(Named(broadcast.error(), "broadcast", id));
  auto sent = c.engine.SendNow(id);
  if (!sent.ok()) return ErrorResponse(sent.error());
  c.engine.Notify();
  return Ok(202, ToJson(*sent));
}

net::Response BroadcastReport(RequestContext& c) {
  const Id id = c.PathId("id");
  auto broadcast = c.store.GetBroadcast(id);
  if (!broadcast.ok()) return ErrorResponse(Named(broadcast.error(), "broadcast", id));
  auto runs = c.store.ListRuns(id);
  if (!runs.ok()) return ErrorResponse(runs.error());
  if (runs->empty()) {
    return ErrorResponse(NotFound("broadcast " + std::to_string(id) + " has never been sent"));
  }
  const Run& latest = *std::max_element(runs->begin(), runs->end(),
                                        [](const Run& a, const Run& b) { return a.id < b.id; });
  auto report = c.store.GetRunReport(latest.id);
  if (!report.ok()) return ErrorResponse(report.error());
  auto account = c.store.GetChannelAccount(broadcast->channel_account_id);
  if (!account.ok()) return ErrorResponse(account.error());
  const std::vector<Link> links =
      FindLinks(broadcast->messages, account->capabilities.official_domains);
  boost::json::object out = ToJson(id, *report);
  out["clicks"] = ClicksJson(broadcast->track_clicks, *report, links);
  return Ok(200, out);
}

net::Response RunDeliveries(RequestContext& c) {
  const Id id = c.PathId("id");
  auto page = ReadPage(c.request);
  if (!page.ok()) return ErrorResponse(page.error());
  auto run = c.store.GetRun(id);
  if (!run.ok()) return ErrorResponse(Named(run.error(), "run", id));
  auto deliveries = c.store.ListDeliveries(id, *page);
  if (!deliveries.ok()) return ErrorResponse(deliveries.error());
  return Ok(200, PageJson(*deliveries));
}

constexpr std::array kRoutes = {
    ApiRoute{"GET", "/healthz", &Healthz, /*needs_key=*/false},
    ApiRoute{"GET", "/metrics", &Metrics},
    ApiRoute{"POST", "/v1/channel-accounts", &CreateAccount},
    ApiRoute{"GET", "/v1/channel-accounts", &ListAccounts},
    ApiRoute{"GET", "/v1/channel-accounts/{id}", &GetAccount},
    ApiRoute{"PATCH", "/v1/channel-accounts/{id}", &UpdateAccount},
    ApiRoute{"POST", "/v1/contacts", &CreateContact},
    ApiRoute{"GET", "/v1/contacts", &ListContacts},
    ApiRoute{"GET", "/v1/contacts/{id}", &GetContact},
    ApiRoute{"POST", "/v1/contacts/import", &ImportContacts, true, /*streams=*/true},
    ApiRoute{"POST", "/v1/contacts/count", &CountContacts},
    ApiRoute{"POST", "/v1/contacts/export", &ExportContacts, true, /*streams=*/true},
    ApiRoute{"GET", "/v1/tags", &ListTags},
    ApiRoute{"POST", "/v1/tags", &CreateTag},
    ApiRoute{"PATCH", "/v1/tags/{name}", &RenameTag},
    ApiRoute{"DELETE", "/v1/tags/{name}", &DeleteTag},
    ApiRoute{"POST", "/v1/tags/{name}/contacts", &AddTagContacts},
    ApiRoute{"DELETE", "/v1/tags/{name}/contacts", &RemoveTagContacts},
    ApiRoute{"POST", "/v1/segments", &CreateSegment},
    ApiRoute{"GET", "/v1/segments", &ListSegments},
    ApiRoute{"GET", "/v1/segments/{id}", &GetSegment},
    ApiRoute{"PATCH", "/v1/segments/{id}", &UpdateSegment},
    ApiRoute{"DELETE", "/v1/segments/{id}", &DeleteSegment},
    ApiRoute{"POST", "/v1/segments/{id}/count", &CountSegment},
    ApiRoute{"POST", "/v1/templates", &CreateTemplate},
    ApiRoute{"GET", "/v1/templates", &ListTemplates},
    ApiRoute{"GET", "/v1/templates/{id}", &GetTemplate},
    ApiRoute{"PATCH", "/v1/templates/{id}", &UpdateTemplate},
    ApiRoute{"DELETE", "/v1/templates/{id}", &DeleteTemplate},
    ApiRoute{"POST", "/v1/broadcasts", &CreateBroadcast},
    ApiRoute{"GET", "/v1/broadcasts", &ListBroadcasts},
    ApiRoute{"GET", "/v1/broadcasts/{id}", &GetBroadcast},
    ApiRoute{"POST", "/v1/broadcasts/{id}/preview", &PreviewBroadcast},
    ApiRoute{"POST", "/v1/broadcasts/{id}/render", &RenderBroadcast},
    ApiRoute{"POST", "/v1/broadcasts/{id}/send", &SendBroadcast},
    ApiRoute{"GET", "/v1/broadcasts/{id}/report", &BroadcastReport},
    ApiRoute{"GET", "/v1/runs/{id}/deliveries", &RunDeliveries},
    ApiRoute{"GET", "/r/{token}/{link}", &FollowClick, /*needs_key=*/false},
    ApiRoute{"POST", "/v1/guard/check", &GuardCheck},
    // The platforms sign their webhooks; the handlers check the signature instead of a key.
    ApiRoute{"GET", "/webhooks/meta", &MetaWebhookVerify, /*needs_key=*/false},
    ApiRoute{"POST", "/webhooks/meta", &MetaWebhook, /*needs_key=*/false},
    ApiRoute{"POST", "/webhooks/line", &LineWebhook, /*needs_key=*/false},
};

}  // namespace

Id RequestContext::PathId(std::string_view name) const {
  for (const auto& [key, id] : ids) {
    if (key == name) return id;
  }
  return 0;  // unreachable for the patterns above: every handler asks for its own parameter
}

const std::string& RequestContext::PathName(std::string_view name) const {
  static const std::string kNone;
  for (const auto& [key, value] : names) {
    if (key == name) return value;
  }
  return kNone;  // unreachable: only routes with the parameter ask for it
}

std::span<const ApiRoute> ApiRoutes() { return kRoutes; }

}  // namespace crier::api
