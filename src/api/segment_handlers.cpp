#include "api/segment_handlers.h"

#include <charconv>
#include <optional>
#include <string>
#include <utility>

#include "api/fields.h"
#include "api/filter_json.h"
#include "api/limits.h"
#include "api/requests.h"
#include "api/response.h"
#include "api/wire.h"
#include "core/filter.h"

namespace crier::api {
namespace {

using Json = boost::json::object;

constexpr std::string_view kMsgFilterTwice =
    "give the filter once: either filter (the JSON form, or the text form as a string) or "
    "filter_text";

// The filter of a body: `filter` (JSON form, or text form as a string) or `filter_text`.
struct FilterInput {
  filter::Node node;
  std::string field;  // the member it came from, for errors found later by the store
};

Result<std::optional<FilterInput>> ReadFilter(const Json& body) {
  const boost::json::value* json = body.if_contains("filter");
  const boost::json::value* text = body.if_contains("filter_text");
  if (json != nullptr && json->is_null()) json = nullptr;
  if (text != nullptr && text->is_null()) text = nullptr;
  if (json != nullptr && text != nullptr) {
    return InvalidArgument("filter", std::string(kMsgFilterTwice));
  }
  if (json != nullptr) {
    auto node = FilterFromJson(*json, "filter");
    if (!node.ok()) return node.error();
    return std::optional<FilterInput>(FilterInput{std::move(node).value(), "filter"});
  }
  if (text == nullptr) return std::optional<FilterInput>();
  if (!text->is_string()) {
    return InvalidArgument("filter_text", std::string(kMsgWantString) + " (got " +
                                              std::string(JsonTypeName(*text)) + ")");
  }
  auto node = filter::ParseText(text->get_string());
  if (!node.ok()) return InvalidArgument("filter_text", node.error().message);
  return std::optional<FilterInput>(FilterInput{std::move(node).value(), "filter_text"});
}

// The store names the segment filter "filter"; a request that sent filter_text hears of it
// under that name.
Error AsSent(Error error, const std::optional<FilterInput>& input) {
  if (input && error.field == "filter") error.field = input->field;
  return error;
}

Result<std::optional<std::string>> ReadText(const ObjectReader& r, std::string_view key,
                                            std::size_t max_chars, bool allow_empty) {
  auto text = r.OptString(key);
  if (!text.ok()) return text.error();
  if (*text) CRIER_RETURN_IF_ERROR(CheckText(key, **text, max_chars, allow_empty));
  return text;
}

Result<Json> SegmentJson(const Segment& s) {
  auto node = filter::ParseText(s.filter);
  if (!node.ok()) {
    return Internal("the stored filter of segment \"" + s.name +
                    "\" does not parse: " + node.error().message);
  }
  Json out;
  out["id"] = s.id;
  out["name"] = s.name;
  out["description"] = s.description;
  out["filter"] = FilterToJson(*node);
  out["filter_text"] = s.filter;
  out["created_at"] = FormatRfc3339(s.created_at);
  out["updated_at"] = FormatRfc3339(s.updated_at);
  return out;
}

net::Response SegmentResponse(int status, const Result<Segment>& segment) {
  if (!segment.ok()) return ErrorResponse(segment.error());
  auto json = SegmentJson(*segment);
  if (!json.ok()) return ErrorResponse(json.error());
  return JsonResponse(status, *json);
}

net::Response SegmentPage(const Page<Segment>& page) {
  boost::json::array items;
  items.reserve(page.items.size());
  for (const Segment& s : page.items) {
    auto json = SegmentJson(s);
    if (!json.ok()) return ErrorResponse(json.error());
    items.emplace_back(std::move(json).value());
  }
  Json body;
  body["items"] = std::move(items);
  if (page.next_after_id) {
    body["next_after"] = *page.next_after_id;
  } else {
    body["next_after"] = nullptr;
  }
  return JsonResponse(200, body);
}

}  // namespace

net::Response CreateSegment(RequestContext& c) {
  if (c.request.body.size() > kMaxJsonBodyBytes) return TooLarge(kMaxJsonBodyBytes);
  auto body = ObjectBody(c.request);
  if (!body.ok()) return ErrorResponse(body.error());
  ObjectReader r(*body, "");
  if (auto s = r.RejectUnknown({"name", "filter", "filter_text", "description"}); !s.ok()) {
    return ErrorResponse(s.error());
  }
  auto name = r.String("name");
  if (!name.ok()) return ErrorResponse(name.error());
  if (auto s = CheckText("name", *name, kMaxSegmentNameChars); !s.ok()) {
    return ErrorResponse(s.error());
  }
  auto description = ReadText(r, "description", kMaxSegmentDescriptionChars, true);
  if (!description.ok()) return ErrorResponse(description.error());
  auto input = ReadFilter(*body);
  if (!input.ok()) return ErrorResponse(input.error());
  if (!*input) {
    return ErrorResponse(
        InvalidArgument("filter", std::string(kMsgRequired) + " (the JSON form, or filter_text)"));
  }
  const NewSegment in{*name, filter::ToText((*input)->node), description->value_or("")};
  auto created = c.store.CreateSegment(in, c.clock.Now());
  if (!created.ok()) return ErrorResponse(AsSent(created.error(), *input));
  return SegmentResponse(201, created);
}

net::Response ListSegments(RequestContext& c) {
  if (const std::optional<std::string_view> name = c.request.query_param("name")) {
    auto segment = c.store.GetSegmentByName(std::string(*name));
    Page<Segment> page;
    if (segment.ok()) {
      page.items.push_back(std::move(segment).value());
    } else if (segment.error().code != ErrorCode::kNotFound) {
      return ErrorResponse(segment.error());
    }
    return SegmentPage(page);
  }
  auto page = ReadPage(c.request);
  if (!page.ok()) return ErrorResponse(page.error());
  auto segments = c.store.ListSegments(*page);
  if (!segments.ok()) return ErrorResponse(segments.error());
  return SegmentPage(*segments);
}

net::Response GetSegment(RequestContext& c) {
  return SegmentResponse(200, c.store.GetSegment(c.PathId("id")));
}

net::Response UpdateSegment(RequestContext& c) {
  if (c.request.body.size() > kMaxJsonBodyBytes) return TooLarge(kMaxJsonBodyBytes);
  auto body = ObjectBody(c.request);
  if (!body.ok()) return ErrorResponse(body.error());
  ObjectReader r(*body, "");
  if (auto s = r.RejectUnknown({"name", "filter", "filter_text", "description"}); !s.ok()) {
    return ErrorResponse(s.error());
  }
  auto name = ReadText(r, "name", kMaxSegmentNameChars, false);
  if (!name.ok()) return ErrorResponse(name.error());
  auto description = ReadText(r, "description", kMaxSegmentDescriptionChars, true);
  if (!description.ok()) return ErrorResponse(description.error());
  auto input = ReadFilter(*body);
  if (!input.ok()) return ErrorResponse(input.error());
  SegmentUpdate update;
  update.name = *name;
  update.description = *description;
  if (*input) update.filter = filter::ToText((*input)->node);
  if (!update.name && !update.description && !update.filter) {
    return ErrorResponse(InvalidArgument(
        std::string(kBodyField), "give at least one of name, filter, filter_text, description"));
  }
  auto updated = c.store.UpdateSegment(c.PathId("id"), update, c.clock.Now());
  if (!updated.ok()) return ErrorResponse(AsSent(updated.error(), *input));
  return SegmentResponse(200, updated);
}

net::Response DeleteSegment(RequestContext& c) {
  const Id id = c.PathId("id");
  auto segment = c.store.GetSegment(id);
  if (!segment.ok()) return ErrorResponse(segment.error());
  if (auto deleted = c.store.DeleteSegment(id); !deleted.ok()) {
    return ErrorResponse(deleted.error());
  }
  Json body;
  body["id"] = id;
  body["name"] = segment->name;
  body["deleted"] = true;
  return JsonResponse(200, body);
}

net::Response CountSegment(RequestContext& c) {
  if (!c.request.body.empty()) {
    if (c.request.body.size() > kMaxJsonBodyBytes) return TooLarge(kMaxJsonBodyBytes);
    auto body = ObjectBody(c.request);
    if (!body.ok()) return ErrorResponse(body.error());
    if (auto s = ObjectReader(*body, "").RejectUnknown({}); !s.ok()) {
      return ErrorResponse(s.error());
    }
  }
  auto segment = c.store.GetSegment(c.PathId("id"));
  if (!segment.ok()) return ErrorResponse(segment.error());
  auto node = filter::ParseText(segment->filter);
  if (!node.ok()) {
    return ErrorResponse(Internal("the stored filter of segment \"" + segment->name +
                                  "\" does not parse: " + node.error().message));
  }
  auto count = c.engine.CountAudience(*node);
  if (!count.ok()) return ErrorResponse(count.error());
  Json body;
  body["id"] = segment->id;
  body["name"] = segment->name;
  body["count"] = *count;
  body["filter_text"] = segment->filter;
  return JsonResponse(200, body);
}

}  // namespace crier::api
