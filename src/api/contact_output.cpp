#include "api/contact_output.h"

#include <algorithm>
#include <array>
#include <boost/json.hpp>
#include <charconv>
#include <cmath>
#include <cstdint>

#include "api/contact_input.h"

namespace crier::api {
namespace {

constexpr std::string_view kFormatField = "format";
constexpr std::string_view kUseJsonl = "; export as jsonl, which carries every value";

// The import's CSV columns in the order an export writes them, before the attributes.
// The marketing token is left out: its string is a credential that no export prints, and
// without it the rest of the token cannot be imported.
constexpr std::array<std::string_view, 16> kCsvColumns = {"channel_account_id",
                                                          "platform_user_id",
                                                          "name",
                                                          "first_name",
                                                          "locale",
                                                          "time_zone",
                                                          "region",
                                                          "subscription",
                                                          "tags",
                                                          "last_inbound_at",
                                                          "window_opener",
                                                          "blocked",
                                                          "opted_in",
                                                          "marketing_opted_out",
                                                          "conversation_state",
                                                          "assignee"};

boost::json::value AttributeJson(const AttributeValue& value) {
  return std::visit(
      [](const auto& v) -> boost::json::value {
        using T = std::decay_t<decltype(v)>;
        if constexpr (std::is_same_v<T, Time>) {
          boost::json::object time;
          time["time"] = FormatRfc3339(v);
          return time;
        } else if constexpr (std::is_same_v<T, double>) {
          // A whole number reads better as 3 than as Boost.JSON's 3E0, and imports the same.
          constexpr double kExact = 9007199254740992.0;  // 2^53
          if (std::trunc(v) == v && std::fabs(v) < kExact) {
            return boost::json::value(static_cast<std::int64_t>(v));
          }
          return boost::json::value(v);
        } else {
          return boost::json::value(v);
        }
      },
      value);
}

// A CSV cell, quoted when it holds a separator, a quote or a line end.
void AppendCell(std::string_view cell, std::string& out) {
  if (cell.find_first_of(",\"\r\n") == std::string_view::npos) {
    out += cell;
    return;
  }
  out += '"';
  for (char c : cell) {
    if (c == '"') out += '"';
    out += c;
  }
  out += '"';
}

// The shortest text that reads back as the same double.
std::string NumberText(double n) {
  char buffer[32];
  const auto [end, ec] = std::to_chars(buffer, buffer + sizeof(buffer), n);
  return ec == std::errc() ? std::string(buffer, end) : std::string();
}

std::string AttributeText(const AttributeValue& value) {
  return std::visit(
      [](const auto& v) -> std::string {
        using T = std::decay_t<decltype(v)>;
        if constexpr (std::is_same_v<T, Time>) {
          return FormatRfc3339(v);
        } else if constexpr (std::is_same_v<T, bool>) {
          return v ? "true" : "false";
        } else if constexpr (std::is_same_v<T, double>) {
          return NumberText(v);
        } else {
          return v;
        }
      },
      value);
}

Status CheckTags(const Contact& contact) {
  for (const std::string& tag : contact.tags) {
    const bool spaced = !tag.empty() && (tag.front() == ' ' || tag.front() == '\t' ||
                                         tag.back() == ' ' || tag.back() == '\t');
    if (tag.find(kCsvTagSeparator) != std::string::npos || spaced) {
      return InvalidArgument(std::string(kFormatField),
                             "csv cannot carry the tag \"" + tag + "\" of contact " +
                                 std::to_string(contact.id) +
                                 ": a CSV tags cell separates tags with '|' and trims spaces" +
                                 std::string(kUseJsonl));
    }
  }
  return Status::Ok();
}

}  // namespace

void AppendJsonlRows(const Contact& contact, std::string& out) {
  if (contact.identities.empty()) return;
  boost::json::object row;
  row["channel_account_id"] = 0;
  row["platform_user_id"] = "";
  if (!contact.name.empty()) row["name"] = contact.name;
  if (!contact.first_name.empty()) row["first_name"] = contact.first_name;
  if (!contact.locale.empty()) row["locale"] = contact.locale;
  if (!contact.time_zone.empty()) row["time_zone"] = contact.time_zone;
  if (!contact.region.empty()) row["region"] = contact.region;
  row["subscription"] = ToString(contact.subscription);
  boost::json::array tags;
  for (const std::string& tag : contact.tags) tags.emplace_back(tag);
  row["tags"] = std::move(tags);
  boost::json::object attributes;
  for (const Attribute& a : contact.attributes) attributes[a.key] = AttributeJson(a.value);
  row["attributes"] = std::move(attributes);
  if (contact.conversation_state) {
    row["conversation_state"] = ToString(*contact.conversation_state);
  }
  if (!contact.assignee.empty()) row["assignee"] = contact.assignee;
  for (const Identity& identity : contact.identities) {
    row["channel_account_id"] = identity.channel_account_id;
    row["platform_user_id"] = identity.platform_user_id;
    if (identity.last_inbound_at) {
      row["last_inbound_at"] = FormatRfc3339(*identity.last_inbound_at);
    } else {
      row.erase("last_inbound_at");
    }
    row["window_opener"] = ToString(identity.window_opener);
    row["blocked"] = identity.blocked;
    row["opted_in"] = identity.opted_in;
    row["marketing_opted_out"] = identity.marketing_opted_out;
    out += boost::json::serialize(row);
    out += '\n';
  }
}

CsvExportLayout::Type CsvExportLayout::TypeOf(const AttributeValue& value) {
  switch (value.index()) {
    case 0:
      return Type::kString;
    case 1:
      return Type::kNumber;
    case 2:
      return Type::kBool;
    default:
      return Type::kTime;
  }
}

std::string_view CsvExportLayout::TypeName(Type type) {
  switch (type) {
    case Type::kString:
      return "string";
    case Type::kNumber:
      return "number";
    case Type::kBool:
      return "bool";
    case Type::kTime:
      return "time";
  }
  return "string";
}

Status CsvExportLayout::CheckFits(const Contact& contact, const Attribute& a, Type type,
                                  const Column* column) {
  const std::string who = "contact " + std::to_string(contact.id);
  if (type == Type::kString && std::get<std::string>(a.value).empty()) {
    return InvalidArgument(std::string(kFormatField),
                           "csv cannot carry attribute \"" + a.key + "\" of " + who +
                               ": it is the empty string, and an empty cell means no value" +
                               std::string(kUseJsonl));
  }
  if (column == nullptr) {
    return InvalidArgument(std::string(kFormatField),
                           who + " gained attribute \"" + a.key +
                               "\" after the export's columns were chosen" +
                               std::string(kUseJsonl));
  }
  if (column->type != type) {
    return InvalidArgument(std::string(kFormatField),
                           "csv cannot carry attribute \"" + a.key + "\": it is a " +
                               std::string(TypeName(type)) + " on " + who + " but a " +
                               std::string(TypeName(column->type)) + " on contact " +
                               std::to_string(column->first_contact) +
                               ", and a CSV column has one type" + std::string(kUseJsonl));
  }
  return Status::Ok();
}

Status CsvExportLayout::Add(const Contact& contact) {
  CRIER_RETURN_IF_ERROR(CheckTags(contact));
  for (const Attribute& a : contact.attributes) {
    const Type type = TypeOf(a.value);
    auto it = std::lower_bound(columns_.begin(), columns_.end(), a.key,
                               [](const Column& c, const std::string& key) { return c.key < key; });
    if (it == columns_.end() || it->key != a.key) {
      it = columns_.insert(it, Column{a.key, type, contact.id});
    }
    CRIER_RETURN_IF_ERROR(CheckFits(contact, a, type, &*it));
  }
  return Status::Ok();
}

std::string CsvExportLayout::Header() const {
  std::string out;
  for (std::string_view column : kCsvColumns) {
    if (!out.empty()) out += ',';
    out += column;
  }
  for (const Column& c : columns_) {
    out += ',';
    out += kCsvAttributePrefix;
    out += c.key;
    out += ':';
    out += TypeName(c.type);
  }
  out += "\r\n";
  return out;
}

Status CsvExportLayout::AppendRows(const Contact& contact, std::string& out) const {
  CRIER_RETURN_IF_ERROR(CheckTags(contact));
  // The attribute cells are the same for every identity: place them once.
  std::vector<std::string> cells(columns_.size());
  for (const Attribute& a : contact.attributes) {
    const Type type = TypeOf(a.value);
    auto it = std::lower_bound(columns_.begin(), columns_.end(), a.key,
                               [](const Column& c, const std::string& key) { return c.key < key; });
    const Column* column = it != columns_.end() && it->key == a.key ? &*it : nullptr;
    CRIER_RETURN_IF_ERROR(CheckFits(contact, a, type, column));
    cells[static_cast<std::size_t>(it - columns_.begin())] = AttributeText(a.value);
  }
  std::string tags;
  for (const std::string& tag : contact.tags) {
    if (!tags.empty()) tags += kCsvTagSeparator;
    tags += tag;
  }
  const std::string_view state =
      contact.conversation_state ? ToString(*contact.conversation_state) : std::string_view();
  for (const Identity& identity : contact.identities) {
    const std::string account = std::to_string(identity.channel_account_id);
    const std::string last_inbound =
        identity.last_inbound_at ? FormatRfc3339(*identity.last_inbound_at) : std::string();
    const std::string_view fixed[] = {account,
                                      identity.platform_user_id,
                                      contact.name,
                                      contact.first_name,
                                      contact.locale,
                                      contact.time_zone,
                                      contact.region,
                                      ToString(contact.subscription),
                                      tags,
                                      last_inbound,
                                      ToString(identity.window_opener),
                                      identity.blocked ? "true" : "false",
                                      identity.opted_in ? "true" : "false",
                                      identity.marketing_opted_out ? "true" : "false",
                                      state,
                                      contact.assignee};
    static_assert(std::size(fixed) == kCsvColumns.size());
    bool first = true;
    for (std::string_view cell : fixed) {
      if (!first) out += ',';
      first = false;
      AppendCell(cell, out);
    }
    for (const std::string& cell : cells) {
      out += ',';
      AppendCell(cell, out);
    }
    out += "\r\n";
  }
  return Status::Ok();
}

}  // namespace crier::api
