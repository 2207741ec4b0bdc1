#include "api/contact_input.h"

#include <algorithm>
#include <cctype>
#include <charconv>

#include "api/csv.h"
#include "api/fields.h"
#include "api/limits.h"

namespace crier::api {
namespace {

constexpr std::string_view kFieldAccount = "channel_account_id";
constexpr std::string_view kFieldUserId = "platform_user_id";
constexpr std::string_view kFieldTags = "tags";
constexpr std::string_view kFieldBlocked = "blocked";

std::string_view Trim(std::string_view s) {
  const auto b = s.find_first_not_of(" \t");
  if (b == std::string_view::npos) return {};
  const auto e = s.find_last_not_of(" \t");
  return s.substr(b, e - b + 1);
}

Status CheckLocale(std::string_view locale) {
  bool ok = locale.size() <= kMaxLocaleBytes;
  for (char c : locale) {
    ok = ok && ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                c == '_' || c == '-');
  }
  if (!ok) return InvalidArgument("locale", "must be a locale code such as zh_TW or en-US");
  return Status::Ok();
}

Status CheckPlatformUserId(std::string_view id) {
  if (id.empty()) return InvalidArgument(std::string(kFieldUserId), std::string(kMsgEmpty));
  if (id.size() > kMaxPlatformUserIdBytes) {
    return InvalidArgument(
        std::string(kFieldUserId),
        "is too long: at most " + std::to_string(kMaxPlatformUserIdBytes) + " bytes allowed");
  }
  for (unsigned char c : id) {
    if (c <= 0x20 || c == 0x7F) {
      return InvalidArgument(std::string(kFieldUserId),
                             "must not contain spaces or control characters");
    }
  }
  return Status::Ok();
}

Result<std::vector<std::string>> ReadTags(const boost::json::array& array) {
  if (array.size() > kMaxTags) {
    return InvalidArgument(std::string(kFieldTags), "has " + std::to_string(array.size()) +
                                                        " tags, at most " +
                                                        std::to_string(kMaxTags) + " allowed");
  }
  std::vector<std::string> tags;
  for (std::size_t i = 0; i < array.size(); ++i) {
    const std::string path = ElementPath(kFieldTags, i);
    if (!array[i].is_string()) {
      return InvalidArgument(
          path, std::string(kMsgWantString) + " (got " + std::string(JsonTypeName(array[i])) + ")");
    }
    std::string tag(array[i].get_string());
    CRIER_RETURN_IF_ERROR(CheckText(path, tag, kMaxTagChars));
    // A tag given twice is the same tag; keep the first.
    if (std::find(tags.begin(), tags.end(), tag) == tags.end()) tags.push_back(std::move(tag));
  }
  return tags;
}

// Turns one CSV cell into the JSON value its field expects, so that CSV rows are then read
// by exactly the same code as JSON rows.
Result<boost::json::value> CellToJson(std::string_view column, std::string_view cell) {
  if (column == kFieldAccount) {
    const std::string_view t = Trim(cell);
    std::int64_t n = 0;
    const auto [end, ec] = std::from_chars(t.data(), t.data() + t.size(), n);
    if (ec != std::errc() || end != t.data() + t.size()) {
      return InvalidArgument(std::string(column), std::string(kMsgWantPositiveId));
    }
    return boost::json::value(n);
  }
  if (column == kFieldBlocked) {
    const std::string_view t = Trim(cell);
    if (t == "true" || t == "1") return boost::json::value(true);
    if (t == "false" || t == "0") return boost::json::value(false);
    return InvalidArgument(std::string(column), "must be true or false (or 1 or 0)");
  }
  if (column == kFieldTags) {
    boost::json::array tags;
    std::size_t start = 0;
    while (start <= cell.size()) {
      std::size_t end = cell.find(kCsvTagSeparator, start);
      if (end == std::string_view::npos) end = cell.size();
      const std::string_view tag = Trim(cell.substr(start, end - start));
      if (!tag.empty()) tags.emplace_back(tag);  // "a||b" and a trailing "|" add nothing
      start = end + 1;
    }
    return boost::json::value(std::move(tags));
  }
  if (column == "last_inbound_at" || column == "subscription" || column == "window_opener") {
    return boost::json::value(Trim(cell));
  }
  return boost::json::value(cell);
}

}  // namespace

Result<ContactInput> ContactInputFromJson(const boost::json::object& row,
                                          std::optional<Id> default_account) {
  ObjectReader r(row, "");
  for (const auto& [key, value] : row) {
    if (std::find(kContactInputFields.begin(), kContactInputFields.end(), std::string_view(key)) ==
        kContactInputFields.end()) {
      return InvalidArgument(std::string(key), std::string(kMsgUnknownField));
    }
  }
  ContactInput in;

  auto account = r.OptId(kFieldAccount);
  if (!account.ok()) return account.error();
  if (account->has_value()) {
    in.channel_account_id = **account;
  } else if (default_account) {
    in.channel_account_id = *default_account;
  } else {
    return InvalidArgument(std::string(kFieldAccount), std::string(kMsgRequired));
  }

  auto user = r.String(kFieldUserId);
  if (!user.ok()) return user.error();
  CRIER_RETURN_IF_ERROR(CheckPlatformUserId(*user));
  in.platform_user_id = std::move(*user);

  for (auto [key, target] : {std::pair{"name", &in.name}, {"first_name", &in.first_name}}) {
    auto s = r.OptString(key);
    if (!s.ok()) return s.error();
    if (s->has_value()) {
      CRIER_RETURN_IF_ERROR(CheckText(key, **s, kMaxContactTextChars, /*allow_empty=*/true));
      *target = std::move(**s);
    }
  }

  auto locale = r.OptString("locale");
  if (!locale.ok()) return locale.error();
  if (locale->has_value()) {
    CRIER_RETURN_IF_ERROR(CheckLocale(**locale));
    in.locale = std::move(**locale);
  }

  auto tz = r.OptString("time_zone");
  if (!tz.ok()) return tz.error();
  if (tz->has_value() && !(*tz)->empty()) {
    CRIER_RETURN_IF_ERROR(CheckTimeZone("time_zone", **tz));
    in.time_zone = std::move(**tz);
  }

  auto subscription = r.OptString("subscription");
  if (!subscription.ok()) return subscription.error();
  if (subscription->has_value()) {
    in.subscription = ParseSubscriptionStatus(**subscription);
    if (!in.subscription) {
      return InvalidArgument("subscription", "must be \"subscribed\" or \"unsubscribed\"");
    }
  }

  auto tags = r.OptArray(kFieldTags);
  if (!tags.ok()) return tags.error();
  if (*tags != nullptr) {
    auto read = ReadTags(**tags);
    if (!read.ok()) return read.error();
    in.tags = std::move(*read);
  }

  auto inbound = r.OptTime("last_inbound_at");
  if (!inbound.ok()) return inbound.error();
  in.last_inbound_at = *inbound;

  auto opener = r.OptString("window_opener");
  if (!opener.ok()) return opener.error();
  if (opener->has_value()) {
    in.window_opener = ParseWindowOpener(**opener);
    if (!in.window_opener) return InvalidArgument("window_opener", "must be \"organic\" or \"ad\"");
  }

  auto blocked = r.OptBool(kFieldBlocked);
  if (!blocked.ok()) return blocked.error();
  in.blocked = *blocked;
  return in;
}

Status CheckCsvHeader(std::span<const std::string> columns, bool has_default_account) {
  std::vector<std::string_view> seen;
  for (const std::string& raw : columns) {
    const std::string_view column = Trim(raw);
    if (std::find(kContactInputFields.begin(), kContactInputFields.end(), column) ==
        kContactInputFields.end()) {
      std::string expected;
      for (std::string_view f : kContactInputFields) {
        if (!expected.empty()) expected += ", ";
        expected += f;
      }
      return InvalidArgument(std::string(column),
                             "unknown CSV column; expected columns: " + expected);
    }
    if (std::find(seen.begin(), seen.end(), column) != seen.end()) {
      return InvalidArgument(std::string(column), "CSV column appears twice");
    }
    seen.push_back(column);
  }
  if (std::find(seen.begin(), seen.end(), kFieldUserId) == seen.end()) {
    return InvalidArgument(std::string(kFieldUserId), "CSV column is required");
  }
  if (!has_default_account && std::find(seen.begin(), seen.end(), kFieldAccount) == seen.end()) {
    return InvalidArgument(std::string(kFieldAccount),
                           "CSV column is required unless the channel_account_id query "
                           "parameter gives it");
  }
  return Status::Ok();
}

Result<ContactInput> ContactInputFromCsv(std::span<const std::string> columns,
                                         std::span<const std::string> cells,
                                         std::optional<Id> default_account) {
  if (cells.size() != columns.size()) {
    return InvalidArgument("", "has " + std::to_string(cells.size()) +
                                   " fields but the header has " + std::to_string(columns.size()));
  }
  boost::json::object row;
  for (std::size_t i = 0; i < columns.size(); ++i) {
    if (cells[i].empty()) continue;
    const std::string_view column = Trim(columns[i]);
    auto value = CellToJson(column, cells[i]);
    if (!value.ok()) return value.error();
    row[column] = std::move(*value);
  }
  return ContactInputFromJson(row, default_account);
}

std::optional<ImportFormat> ParseImportFormat(std::string_view name) {
  if (name == "jsonl" || name == "ndjson") return ImportFormat::kJsonl;
  if (name == "csv") return ImportFormat::kCsv;
  return std::nullopt;
}

std::optional<ImportFormat> ImportFormatFromContentType(std::string_view content_type) {
  const std::string_view media = Trim(content_type.substr(0, content_type.find(';')));
  auto lower = [](std::string_view s) {
    std::string out(s);
    for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return out;
  };
  const std::string m = lower(media);
  if (m == "application/x-ndjson" || m == "application/jsonl" || m == "application/x-jsonlines") {
    return ImportFormat::kJsonl;
  }
  if (m == "text/csv") return ImportFormat::kCsv;
  return std::nullopt;
}

namespace {

ParsedImport ParseJsonl(std::string_view body, std::optional<Id> default_account) {
  ParsedImport out;
  int line = 0;
  std::size_t start = 0;
  while (start < body.size()) {
    std::size_t end = body.find('\n', start);
    if (end == std::string_view::npos) end = body.size();
    std::string_view text = body.substr(start, end - start);
    start = end + 1;
    ++line;
    if (!text.empty() && text.back() == '\r') text.remove_suffix(1);
    if (text.find_first_not_of(" \t") == std::string_view::npos) continue;
    ++out.received;
    auto value = ParseJson(text, "");
    if (!value.ok()) {
      out.errors.push_back({line, "", value.error().message});
      continue;
    }
    if (!value->is_object()) {
      out.errors.push_back(
          {line, "",
           "each line must be a JSON object (got " + std::string(JsonTypeName(*value)) + ")"});
      continue;
    }
    auto input = ContactInputFromJson(value->get_object(), default_account);
    if (!input.ok()) {
      out.errors.push_back({line, input.error().field, input.error().message});
      continue;
    }
    out.rows.push_back({line, std::move(*input)});
  }
  return out;
}

Result<ParsedImport> ParseCsvImport(std::string_view body, std::optional<Id> default_account) {
  const std::vector<CsvRecord> records = ParseCsv(body);
  if (records.empty()) {
    return InvalidArgument(std::string(kBodyField),
                           "is empty; a CSV header row is required, e.g. "
                           "channel_account_id,platform_user_id,name,tags");
  }
  const CsvRecord& header = records.front();
  if (!header.error.empty()) {
    return InvalidArgument(
        std::string(kBodyField),
        "CSV header (line " + std::to_string(header.line) + "): " + header.error);
  }
  CRIER_RETURN_IF_ERROR(CheckCsvHeader(header.fields, default_account.has_value()));

  ParsedImport out;
  for (std::size_t i = 1; i < records.size(); ++i) {
    const CsvRecord& record = records[i];
    ++out.received;
    if (!record.error.empty()) {
      out.errors.push_back({record.line, "", record.error});
      continue;
    }
    auto input = ContactInputFromCsv(header.fields, record.fields, default_account);
    if (!input.ok()) {
      out.errors.push_back({record.line, input.error().field, input.error().message});
      continue;
    }
    out.rows.push_back({record.line, std::move(*input)});
  }
  return out;
}

}  // namespace

Result<ParsedImport> ParseContactImport(std::string_view body, ImportFormat format,
                                        std::optional<Id> default_account) {
  try {
    if (format == ImportFormat::kJsonl) return ParseJsonl(body, default_account);
    return ParseCsvImport(body, default_account);
  } catch (const std::exception& e) {  // Boost.JSON allocation failures and the like
    return Internal(std::string("reading the import failed: ") + e.what());
  }
}

Status CheckInteractionNotInFuture(const ContactInput& in, Time now) {
  constexpr Duration kAllowedSkew = std::chrono::minutes(5);
  if (in.last_inbound_at && *in.last_inbound_at > now + kAllowedSkew) {
    return InvalidArgument("last_inbound_at", "is in the future (" +
                                                  FormatRfc3339(*in.last_inbound_at) +
                                                  "); it must not be later than now");
  }
  return Status::Ok();
}

}  // namespace crier::api
