#include "api/export_handlers.h"

#include "api/contact_input.h"
#include "api/contact_output.h"
#include "api/fields.h"
#include "api/filter_json.h"
#include "api/limits.h"
#include "api/response.h"

namespace crier::api {
namespace {

// The request is a filter: anything bigger than this is a mistake.
constexpr std::size_t kMaxExportRequestBytes = 1 << 20;
// Ids asked of the audience index at once, and contacts read from the store at once: an
// export holds one batch of contacts and one page of ids, whatever the audience's size.
constexpr int kIdPage = 10000;
constexpr std::size_t kContactBatch = 1000;
// Rows are handed to the connection in pieces of about this size.
constexpr std::size_t kWriteBytes = 64 * 1024;

// The whole (small) body, read from the stream when the server streams it.
Result<std::string> WholeBody(const net::Request& request, std::size_t max, bool* too_large) {
  *too_large = false;
  if (request.body_reader == nullptr) {
    *too_large = request.body.size() > max;
    if (*too_large) return InvalidArgument(std::string(kBodyField), "is too large");
    return request.body;
  }
  std::string body;
  for (;;) {
    auto piece = request.body_reader->Read();
    if (!piece.ok()) {
      *too_large = request.body_reader->too_large();
      return piece.error();
    }
    if (piece->empty()) return body;
    if (body.size() + piece->size() > max) {
      *too_large = true;
      return InvalidArgument(std::string(kBodyField), "is too large");
    }
    body.append(*piece);
  }
}

// Visits every contact `filter` selects, in ascending id order, a batch at a time. Each page
// of ids starts after the last id of the one before, so a contact that changes during the
// export is visited at most once (as it is when its batch is read).
Status ForEachSelected(engine::Engine& engine, Store& store, const filter::Node& filter,
                       const std::function<Status(const Contact&)>& visit) {
  Id after = 0;
  for (;;) {
    auto page = engine.ListAudience(filter, after, kIdPage);
    if (!page.ok()) return page.error();
    if (page->empty()) return Status::Ok();
    if (page->front() <= after) return Internal("the audience listing did not move forward");
    for (std::size_t i = 0; i < page->size(); i += kContactBatch) {
      const std::size_t n = std::min(kContactBatch, page->size() - i);
      auto contacts = store.GetContacts(std::span<const Id>(page->data() + i, n));
      if (!contacts.ok()) return contacts.error();
      for (const Contact& contact : *contacts) CRIER_RETURN_IF_ERROR(visit(contact));
    }
    after = page->back();
  }
}

// What the producer of an export's body needs once the handler has returned.
struct ExportJob {
  engine::Engine* engine;
  Store* store;
  filter::Node filter;
  ImportFormat format;
  CsvExportLayout layout;  // CSV only

  Status Produce(net::BodyWriter& out) const {
    std::string rows;
    if (format == ImportFormat::kCsv) rows = layout.Header();
    CRIER_RETURN_IF_ERROR(
        ForEachSelected(*engine, *store, filter, [&](const Contact& contact) -> Status {
          if (format == ImportFormat::kCsv) {
            CRIER_RETURN_IF_ERROR(layout.AppendRows(contact, rows));
          } else {
            AppendJsonlRows(contact, rows);
          }
          if (rows.size() < kWriteBytes) return Status::Ok();
          CRIER_RETURN_IF_ERROR(out.Write(rows));
          rows.clear();
          return Status::Ok();
        }));
    return out.Write(rows);
  }
};

}  // namespace

net::Response ExportContacts(RequestContext& c) {
  bool too_large = false;
  auto text = WholeBody(c.request, kMaxExportRequestBytes, &too_large);
  if (too_large) {
    return TooLarge(kMaxExportRequestBytes);
  }
  if (!text.ok()) return ErrorResponse(text.error());
  auto body = ParseJson(*text);
  if (!body.ok()) return ErrorResponse(body.error());
  if (!body->is_object()) {
    return ErrorResponse(InvalidArgument(std::string(kBodyField), std::string(kMsgWantObject)));
  }
  ObjectReader r(body->get_object(), "");
  if (const Status s = r.RejectUnknown({"filter", "format"}); !s.ok()) {
    return ErrorResponse(s.error());
  }
  auto format_name = r.OptString("format");
  if (!format_name.ok()) return ErrorResponse(format_name.error());
  if (!format_name->has_value()) {
    return ErrorResponse(InvalidArgument("format", "is required: \"csv\" or \"jsonl\""));
  }
  const std::optional<ImportFormat> format = ParseImportFormat(**format_name);
  if (!format) return ErrorResponse(InvalidArgument("format", "must be \"csv\" or \"jsonl\""));

  ExportJob job{&c.engine, &c.store, filter::Node::All(), *format, {}};
  if (const boost::json::value* f = body->get_object().if_contains("filter");
      f != nullptr && !f->is_null()) {
    auto parsed = FilterFromJson(*f, "filter");
    if (!parsed.ok()) return ErrorResponse(parsed.error());
    job.filter = std::move(*parsed);
  }
  // Asked first so that a filter the engine refuses fails here, with a status, rather than
  // after the rows have begun.
  auto count = c.engine.CountAudience(job.filter);
  if (!count.ok()) return ErrorResponse(count.error());
  if (*format == ImportFormat::kCsv) {
    // The header names every attribute column, so the contacts are read once to find them.
    const Status fits = ForEachSelected(c.engine, c.store, job.filter, [&](const Contact& contact) {
      return job.layout.Add(contact);
    });
    if (!fits.ok()) return ErrorResponse(fits.error());
  }

  net::Response response;
  response.status = 200;
  response.content_type =
      *format == ImportFormat::kCsv ? "text/csv; charset=utf-8" : "application/x-ndjson";
  response.headers.emplace_back(std::string(kExportContactsHeader), std::to_string(*count));
  response.stream = [job = std::move(job)](net::BodyWriter& out) { return job.Produce(out); };
  return response;
}

}  // namespace crier::api
