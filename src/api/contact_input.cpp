#include "api/contact_input.h"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>
#include <cstddef>
#include <limits>

#include "api/csv.h"
#include "api/fields.h"
#include "api/limits.h"

namespace crier::api {
namespace {

constexpr std::string_view kFieldAccount = "channel_account_id";
constexpr std::string_view kFieldUserId = "platform_user_id";
constexpr std::string_view kFieldTags = "tags";
constexpr std::string_view kFieldBlocked = "blocked";
constexpr std::string_view kFieldToken = "marketing_token";
// Meta's tokens are a few hundred bytes; this only bounds what a row may hold.
constexpr std::size_t kMaxMarketingTokenBytes = 1024;
constexpr std::string_view kFieldAttributes = "attributes";
constexpr std::string_view kMsgAttributeValue =
    "must be a string, a number, true or false, {\"time\": \"<RFC 3339>\"} or null";

bool IsAttributeKey(std::string_view key) {
  if (key.empty() || key.size() > kMaxAttributeKeyBytes) return false;
  return std::all_of(key.begin(), key.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
  });
}

// Reads "attributes" into the set and cleared lists of `in`.
Status ReadAttributes(const boost::json::object& object, ContactInput& in) {
  for (const auto& [raw_key, value] : object) {
    const std::string_view key(raw_key.data(), raw_key.size());
    if (!IsAttributeKey(key)) {
      return InvalidArgument(std::string(kFieldAttributes),
                             "key \"" + std::string(key.substr(0, 80)) +
                                 "\" is not an attribute key: 1 to 64 of A-Z, a-z, 0-9 and _");
    }
    const std::string field = std::string(kFieldAttributes) + "." + std::string(key);
    Attribute a;
    a.key.assign(key);
    switch (value.kind()) {
      case boost::json::kind::null:
        in.cleared_attributes.push_back(std::move(a.key));
        continue;
      case boost::json::kind::string: {
        const boost::json::string& text = value.get_string();
        if (text.size() > kMaxAttributeStringBytes) {
          return InvalidArgument(
              field, "is too long: at most " + std::to_string(kMaxAttributeStringBytes) + " bytes");
        }
        CRIER_RETURN_IF_ERROR(CheckText(field, text, kMaxAttributeStringBytes,
                                        /*allow_empty=*/true));
        a.value = std::string(text);
        break;
      }
      case boost::json::kind::bool_:
        a.value = value.get_bool();
        break;
      case boost::json::kind::int64:
      case boost::json::kind::uint64:
      case boost::json::kind::double_: {
        const double n = value.to_number<double>();
        if (!std::isfinite(n)) return InvalidArgument(field, "must be a finite number");
        a.value = n;
        break;
      }
      case boost::json::kind::object: {
        const boost::json::object& o = value.get_object();
        const boost::json::value* t = o.if_contains("time");
        Time time;
        if (o.size() != 1 || t == nullptr || !t->is_string() ||
            !ParseRfc3339(std::string_view(t->get_string().data(), t->get_string().size()),
                          &time)) {
          return InvalidArgument(field,
                                 "a time must be {\"time\": \"<RFC 3339>\"}, e.g. "
                                 "{\"time\": \"1990-05-01T00:00:00Z\"}");
        }
        a.value = time;
        break;
      }
      default:
        return InvalidArgument(field, std::string(kMsgAttributeValue));
    }
    in.attributes.push_back(std::move(a));
  }
  if (in.attributes.size() > kMaxAttributesPerContact) {
    return InvalidArgument(std::string(kFieldAttributes),
                           "has " + std::to_string(in.attributes.size()) + " attributes, at most " +
                               std::to_string(kMaxAttributesPerContact) + " allowed");
  }
  return Status::Ok();
}

// A CSV attribute column: "attr.KEY" or "attr.KEY:TYPE".
struct AttributeColumn {
  std::string_view key;
  std::string_view type;  // "string", "number", "bool" or "time"
};

std::optional<AttributeColumn> ParseAttributeColumn(std::string_view column) {
  if (!column.starts_with(kCsvAttributePrefix)) return std::nullopt;
  std::string_view rest = column.substr(kCsvAttributePrefix.size());
  AttributeColumn out{rest, "string"};
  if (const auto colon = rest.find(':'); colon != std::string_view::npos) {
    out.key = rest.substr(0, colon);
    out.type = rest.substr(colon + 1);
  }
  return out;
}

bool KnownAttributeType(std::string_view type) {
  return type == "string" || type == "number" || type == "bool" || type == "time";
}

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

// "marketing_token": the whole token of a new opt-in.
Result<MarketingToken> ReadMarketingToken(const boost::json::object& object) {
  ObjectReader r(object, std::string(kFieldToken));
  CRIER_RETURN_IF_ERROR(r.RejectUnknown({"token", "expires_at", "stopped", "last_sent_at"}));
  MarketingToken token;
  auto text = r.String("token");
  if (!text.ok()) return text.error();
  if (text->empty()) return InvalidArgument(r.Path("token"), std::string(kMsgEmpty));
  if (text->size() > kMaxMarketingTokenBytes) {
    return InvalidArgument(
        r.Path("token"),
        "is too long: at most " + std::to_string(kMaxMarketingTokenBytes) + " bytes allowed");
  }
  for (unsigned char c : *text) {
    if (c <= 0x20 || c >= 0x7F) {
      return InvalidArgument(r.Path("token"), "must be visible ASCII without spaces");
    }
  }
  token.token = std::move(*text);
  auto expires = r.OptTime("expires_at");
  if (!expires.ok()) return expires.error();
  if (!expires->has_value())
    return InvalidArgument(r.Path("expires_at"), std::string(kMsgRequired));
  token.expires_at = **expires;
  auto stopped = r.OptBool("stopped");
  if (!stopped.ok()) return stopped.error();
  token.stopped = stopped->value_or(false);
  auto last_sent = r.OptTime("last_sent_at");
  if (!last_sent.ok()) return last_sent.error();
  token.last_sent_at = *last_sent;
  return token;
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
  if (column == kFieldBlocked || column == "opted_in" || column == "marketing_opted_out") {
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
  if (column == "last_inbound_at" || column == "subscription" || column == "window_opener" ||
      column == "conversation_state" || column == "region" || column == kFieldToken ||
      column == kCsvTokenExpiresColumn) {
    return boost::json::value(Trim(cell));
  }
  return boost::json::value(cell);
}

// One attribute cell, typed by its column's suffix.
Result<boost::json::value> AttributeCellToJson(std::string_view column, std::string_view type,
                                               std::string_view cell) {
  if (type == "string") return boost::json::value(cell);
  const std::string_view t = Trim(cell);
  if (type == "number") {
    double n = 0;
    const auto [end, ec] = std::from_chars(t.data(), t.data() + t.size(), n);
    if (t.empty() || ec != std::errc() || end != t.data() + t.size() || !std::isfinite(n)) {
      return InvalidArgument(std::string(column), std::string(kMsgWantNumber));
    }
    return boost::json::value(n);
  }
  if (type == "bool") {
    if (t == "true" || t == "1") return boost::json::value(true);
    if (t == "false" || t == "0") return boost::json::value(false);
    return InvalidArgument(std::string(column), "must be true or false (or 1 or 0)");
  }
  Time time;
  if (!ParseRfc3339(t, &time)) {
    return InvalidArgument(std::string(column), std::string(kMsgWantRfc3339));
  }
  boost::json::object o;
  o["time"] = t;
  return boost::json::value(std::move(o));
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
    CRIER_RETURN_IF_ERROR(CheckContactTimeZone("time_zone", **tz));
    in.time_zone = std::move(**tz);
  }

  auto region = r.OptString("region");
  if (!region.ok()) return region.error();
  if (region->has_value() && !(*region)->empty()) {
    std::string code = std::move(**region);
    const bool two_letters = code.size() == 2 && std::all_of(code.begin(), code.end(), [](char c) {
                               return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
                             });
    if (!two_letters) {
      return InvalidArgument("region", "must be an ISO 3166-1 alpha-2 code such as \"TW\"");
    }
    for (char& c : code) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    in.region = std::move(code);
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

  for (auto [key, target] : {std::pair{"opted_in", &in.opted_in},
                             std::pair{"marketing_opted_out", &in.marketing_opted_out}}) {
    auto flag = r.OptBool(key);
    if (!flag.ok()) return flag.error();
    *target = *flag;
  }

  // Unlike the other fields, an explicit null means something here: the token is removed.
  if (const boost::json::value* token = row.if_contains(kFieldToken); token != nullptr) {
    if (token->is_null()) {
      in.clear_marketing_token = true;
    } else if (!token->is_object()) {
      return InvalidArgument(
          std::string(kFieldToken),
          std::string(kMsgWantObject) + " or null (got " + std::string(JsonTypeName(*token)) + ")");
    } else {
      auto read = ReadMarketingToken(token->get_object());
      if (!read.ok()) return read.error();
      in.marketing_token = std::move(*read);
    }
  }

  auto attributes = r.OptObject(kFieldAttributes);
  if (!attributes.ok()) return attributes.error();
  if (*attributes != nullptr) CRIER_RETURN_IF_ERROR(ReadAttributes(**attributes, in));

  auto conversation = r.OptString("conversation_state");
  if (!conversation.ok()) return conversation.error();
  if (conversation->has_value()) {
    in.conversation_state = ParseConversationState(**conversation);
    if (!in.conversation_state) {
      return InvalidArgument("conversation_state",
                             "must be \"open\", \"in_progress\" or \"closed\"");
    }
  }

  auto assignee = r.OptString("assignee");
  if (!assignee.ok()) return assignee.error();
  if (assignee->has_value()) {
    CRIER_RETURN_IF_ERROR(
        CheckText("assignee", **assignee, kMaxContactTextChars, /*allow_empty=*/true));
    in.assignee = std::move(**assignee);
  }
  return in;
}

Status CheckCsvHeader(std::span<const std::string> columns, bool has_default_account) {
  std::vector<std::string_view> seen;
  for (const std::string& raw : columns) {
    const std::string_view column = Trim(raw);
    if (const auto attr = ParseAttributeColumn(column)) {
      if (!IsAttributeKey(attr->key)) {
        return InvalidArgument(std::string(column),
                               "attribute key must be 1 to 64 of A-Z, a-z, 0-9 and _");
      }
      if (!KnownAttributeType(attr->type)) {
        return InvalidArgument(std::string(column),
                               "attribute type must be string, number, bool or time");
      }
      for (std::string_view other : seen) {
        const auto prior = ParseAttributeColumn(other);
        if (prior && prior->key == attr->key) {
          return InvalidArgument(std::string(column),
                                 "CSV column for this attribute appears twice");
        }
      }
      seen.push_back(column);
      continue;
    }
    if (column == kFieldAttributes ||
        (column != kCsvTokenExpiresColumn &&
         std::find(kContactInputFields.begin(), kContactInputFields.end(), column) ==
             kContactInputFields.end())) {
      std::string expected;
      for (std::string_view f : kContactInputFields) {
        if (f == kFieldAttributes) continue;
        if (!expected.empty()) expected += ", ";
        expected += f;
      }
      expected += ", " + std::string(kCsvTokenExpiresColumn);
      expected += ", attr.KEY[:string|number|bool|time]";
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
  const bool has_token = std::find(seen.begin(), seen.end(), kFieldToken) != seen.end();
  const bool has_expiry = std::find(seen.begin(), seen.end(), kCsvTokenExpiresColumn) != seen.end();
  if (has_token != has_expiry) {
    return InvalidArgument(std::string(has_token ? kCsvTokenExpiresColumn : kFieldToken),
                           "CSV column is required with " +
                               std::string(has_token ? kFieldToken : kCsvTokenExpiresColumn));
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
  boost::json::object attributes;
  boost::json::object token;  // the marketing_token columns, read as the JSON object
  for (std::size_t i = 0; i < columns.size(); ++i) {
    if (cells[i].empty()) continue;
    const std::string_view column = Trim(columns[i]);
    if (const auto attr = ParseAttributeColumn(column)) {
      // Errors name the attribute without its type suffix: "attr.spend".
      const std::string name = std::string(kCsvAttributePrefix) + std::string(attr->key);
      auto value = AttributeCellToJson(name, attr->type, cells[i]);
      if (!value.ok()) return value.error();
      attributes[attr->key] = std::move(*value);
      continue;
    }
    auto value = CellToJson(column, cells[i]);
    if (!value.ok()) return value.error();
    if (column == kFieldToken) {
      token["token"] = std::move(*value);
    } else if (column == kCsvTokenExpiresColumn) {
      token["expires_at"] = std::move(*value);
    } else {
      row[column] = std::move(*value);
    }
  }
  if (!attributes.empty()) row[kFieldAttributes] = std::move(attributes);
  if (!token.empty()) row[kFieldToken] = std::move(token);
  auto in = ContactInputFromJson(row, default_account);
  if (!in.ok() && in.error().field.starts_with(std::string(kFieldToken) + ".")) {
    // Name the CSV column: the token's two cells are its two members.
    const bool expiry = in.error().field == std::string(kFieldToken) + ".expires_at";
    return InvalidArgument(std::string(expiry ? kCsvTokenExpiresColumn : kFieldToken),
                           in.error().message);
  }
  if (!in.ok() && in.error().field.starts_with(std::string(kFieldAttributes) + ".")) {
    // Name the CSV column, not the JSON path the cell was turned into.
    const std::string_view key =
        std::string_view(in.error().field).substr(kFieldAttributes.size() + 1);
    for (const std::string& raw : columns) {
      const auto attr = ParseAttributeColumn(Trim(raw));
      if (attr && attr->key == key) {
        return InvalidArgument(std::string(kCsvAttributePrefix) + std::string(key),
                               in.error().message);
      }
    }
  }
  return in;
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

// Parses one JSON line at a time without heap allocations in the common case: the parser is
// reused and each line's values live in a stack buffer (spilling to the heap only for lines
// larger than it).
class JsonLineReader {
 public:
  JsonLineReader() : parser_(boost::json::storage_ptr(), ParseOptions()) {}

  // The line's value, valid until the next call; an error names the byte it failed at.
  Result<const boost::json::value*> Read(std::string_view text) {
    value_ = nullptr;  // frees into the resource before the resource lets go of its memory
    resource_.release();
    parser_.reset(boost::json::storage_ptr(&resource_));
    boost::json::error_code ec;
    const std::size_t consumed = parser_.write(text.data(), text.size(), ec);
    if (ec) {
      return InvalidArgument(
          "", "malformed JSON at byte " + std::to_string(consumed) + ": " + ec.message());
    }
    value_ = parser_.release();
    return &value_;
  }

 private:
  static boost::json::parse_options ParseOptions() { return {}; }

  alignas(std::max_align_t) unsigned char buffer_[16 * 1024];
  boost::json::monotonic_resource resource_{buffer_, sizeof(buffer_)};
  boost::json::parser parser_;
  boost::json::value value_;
};

// Gathers parsed rows into chunks of `chunk_rows` and hands each full chunk to the sink; the
// one place where both import formats turn rows into chunks.
class ChunkCollector {
 public:
  ChunkCollector(std::size_t chunk_rows, const std::function<Status(ParsedImport&)>& sink)
      : chunk_rows_(chunk_rows), sink_(sink) {}

  Status Add(int line, Result<ContactInput> input) {
    if (input.ok()) {
      chunk_.rows.push_back({line, std::move(*input)});
    } else {
      chunk_.errors.push_back({line, input.error().field, input.error().message});
    }
    return Counted();
  }

  Status AddError(int line, std::string message) {
    chunk_.errors.push_back({line, "", std::move(message)});
    return Counted();
  }

  Status Finish() { return chunk_.received > 0 ? sink_(chunk_) : Status::Ok(); }

 private:
  Status Counted() {
    if (static_cast<std::size_t>(++chunk_.received) < chunk_rows_) return Status::Ok();
    CRIER_RETURN_IF_ERROR(sink_(chunk_));
    chunk_ = ParsedImport();
    return Status::Ok();
  }

  std::size_t chunk_rows_;
  const std::function<Status(ParsedImport&)>& sink_;
  ParsedImport chunk_;
};

std::string TooLongMessage(std::string_view what) {
  return std::string(what) + " is longer than " + std::to_string(kMaxImportRecordBytes) + " bytes";
}

}  // namespace

struct ImportReader::State {
  State(ImportFormat f, std::optional<Id> account, std::size_t chunk_rows,
        std::function<Status(ParsedImport&)> s)
      : format(f), default_account(account), sink(std::move(s)), chunks(chunk_rows, sink) {}

  // Reads the whole rows at the start of `text` (all of it when `final`); `*used` is set to
  // the bytes read.
  Status Consume(std::string_view text, bool final, std::size_t* used) {
    return format == ImportFormat::kJsonl ? ConsumeJsonl(text, final, used)
                                          : ConsumeCsv(text, final, used);
  }

  // Drops bytes up to the end of the current line; false when `text` ends first.
  bool SkipRestOfLine(std::string_view text, std::size_t* pos) {
    const std::size_t nl = text.find('\n', *pos);
    if (nl == std::string_view::npos) {
      *pos = text.size();
      return false;
    }
    *pos = nl + 1;
    skipping = false;
    return true;
  }

  Status ConsumeJsonl(std::string_view text, bool final, std::size_t* used) {
    std::size_t pos = 0;
    while (pos < text.size()) {
      if (skipping && !SkipRestOfLine(text, &pos)) break;
      if (pos >= text.size()) break;
      const std::size_t nl = text.find('\n', pos);
      if (nl == std::string_view::npos && text.size() - pos > kMaxImportRecordBytes) {
        // Too long whatever follows: report it now rather than hold more of it.
        CRIER_RETURN_IF_ERROR(chunks.AddError(++line, TooLongMessage("the line")));
        skipping = true;
        continue;
      }
      if (nl == std::string_view::npos && !final) break;
      const std::size_t end = nl == std::string_view::npos ? text.size() : nl;
      std::string_view row = text.substr(pos, end - pos);
      pos = nl == std::string_view::npos ? text.size() : nl + 1;
      ++line;
      if (row.size() > kMaxImportRecordBytes) {
        CRIER_RETURN_IF_ERROR(chunks.AddError(line, TooLongMessage("the line")));
        continue;
      }
      if (!row.empty() && row.back() == '\r') row.remove_suffix(1);
      if (row.find_first_not_of(" \t") == std::string_view::npos) continue;
      auto value = json.Read(row);
      if (!value.ok()) {
        CRIER_RETURN_IF_ERROR(chunks.AddError(line, value.error().message));
      } else if (!(*value)->is_object()) {
        CRIER_RETURN_IF_ERROR(chunks.AddError(line, "each line must be a JSON object (got " +
                                                        std::string(JsonTypeName(**value)) + ")"));
      } else {
        CRIER_RETURN_IF_ERROR(
            chunks.Add(line, ContactInputFromJson((*value)->get_object(), default_account)));
      }
    }
    *used = pos;
    return Status::Ok();
  }

  // A CSV record longer than the limit starting at `pos`, on `record_line`: reported, and
  // reading resumes on the line after the one it starts on, wherever the record ends.
  Status SkipTooLongRecord(std::string_view text, std::size_t* pos, int record_line) {
    if (!header) {
      return InvalidArgument(
          std::string(kBodyField),
          "CSV header (line " + std::to_string(record_line) + "): " + TooLongMessage("the record"));
    }
    CRIER_RETURN_IF_ERROR(
        chunks.AddError(record_line, TooLongMessage("the record") + "; is a quote left open?"));
    csv.set_line(record_line + 1);
    skipping = true;
    SkipRestOfLine(text, pos);
    return Status::Ok();
  }

  Status ConsumeCsv(std::string_view text, bool final, std::size_t* used) {
    std::size_t pos = 0;
    while (pos < text.size()) {
      if (skipping && !SkipRestOfLine(text, &pos)) break;
      std::size_t n = 0;
      std::optional<CsvRecord> record = csv.Next(text.substr(pos), final, &n);
      if (!record) {
        pos += n;
        if (!final && text.size() - pos > kMaxImportRecordBytes) {
          CRIER_RETURN_IF_ERROR(SkipTooLongRecord(text, &pos, csv.line()));
          continue;
        }
        break;
      }
      if (record->bytes > kMaxImportRecordBytes) {
        pos += n - record->bytes;  // back to where the record starts
        CRIER_RETURN_IF_ERROR(SkipTooLongRecord(text, &pos, record->line));
        continue;
      }
      pos += n;
      if (!header) {
        if (!record->error.empty()) {
          return InvalidArgument(
              std::string(kBodyField),
              "CSV header (line " + std::to_string(record->line) + "): " + record->error);
        }
        CRIER_RETURN_IF_ERROR(CheckCsvHeader(record->fields, default_account.has_value()));
        header = std::move(record->fields);
      } else if (!record->error.empty()) {
        CRIER_RETURN_IF_ERROR(chunks.AddError(record->line, record->error));
      } else {
        CRIER_RETURN_IF_ERROR(chunks.Add(
            record->line, ContactInputFromCsv(*header, record->fields, default_account)));
      }
    }
    *used = pos;
    return Status::Ok();
  }

  Status Feed(std::string_view bytes) {
    std::size_t used = 0;
    if (pending.empty()) {
      // The common case for a body read whole: parse in place, keep only an unfinished tail.
      CRIER_RETURN_IF_ERROR(Consume(bytes, /*final=*/false, &used));
      pending.assign(bytes.substr(used));
      return Status::Ok();
    }
    pending.append(bytes);
    CRIER_RETURN_IF_ERROR(Consume(pending, /*final=*/false, &used));
    pending.erase(0, used);
    return Status::Ok();
  }

  Status Finish() {
    std::size_t used = 0;
    CRIER_RETURN_IF_ERROR(Consume(pending, /*final=*/true, &used));
    pending.clear();
    if (format == ImportFormat::kCsv && !header) {
      return InvalidArgument(std::string(kBodyField),
                             "is empty; a CSV header row is required, e.g. "
                             "channel_account_id,platform_user_id,name,tags");
    }
    return chunks.Finish();
  }

  const ImportFormat format;
  const std::optional<Id> default_account;
  const std::function<Status(ParsedImport&)> sink;
  ChunkCollector chunks;  // hands chunks to `sink`
  std::string pending;    // bytes received but not yet read: an unfinished row
  bool skipping = false;  // dropping the rest of a line that was too long
  std::optional<Error> failure;
  // JSON Lines
  int line = 0;  // lines read so far
  JsonLineReader json;
  // CSV
  CsvStreamReader csv;
  std::optional<std::vector<std::string>> header;
};

ImportReader::ImportReader(ImportFormat format, std::optional<Id> default_account,
                           std::size_t chunk_rows, std::function<Status(ParsedImport&)> sink)
    : state_(std::make_unique<State>(format, default_account, std::max<std::size_t>(chunk_rows, 1),
                                     std::move(sink))) {}

ImportReader::~ImportReader() = default;

namespace {

// Runs one step of the reader, keeping its first failure (and turning Boost.JSON's
// allocation failures and the like into one).
template <class Step>
Status Guarded(std::optional<Error>& failure, Step step) {
  if (failure) return *failure;
  Status status;
  try {
    status = step();
  } catch (const std::exception& e) {
    status = Internal(std::string("reading the import failed: ") + e.what());
  }
  if (!status.ok()) failure = status.error();
  return status;
}

}  // namespace

Status ImportReader::Feed(std::string_view bytes) {
  return Guarded(state_->failure, [&] { return state_->Feed(bytes); });
}

Status ImportReader::Finish() {
  return Guarded(state_->failure, [&] { return state_->Finish(); });
}

Status ForEachImportChunk(std::string_view body, ImportFormat format,
                          std::optional<Id> default_account, std::size_t chunk_rows,
                          const std::function<Status(ParsedImport& chunk)>& sink) {
  if (chunk_rows == 0) return InvalidArgument("chunk_rows", "must be at least 1");
  ImportReader reader(format, default_account, chunk_rows, sink);
  CRIER_RETURN_IF_ERROR(reader.Feed(body));
  return reader.Finish();
}

Result<ParsedImport> ParseContactImport(std::string_view body, ImportFormat format,
                                        std::optional<Id> default_account) {
  ParsedImport out;
  const Status read =
      ForEachImportChunk(body, format, default_account, std::numeric_limits<std::size_t>::max(),
                         [&](ParsedImport& chunk) {
                           out = std::move(chunk);
                           return Status::Ok();
                         });
  if (!read.ok()) return read.error();
  return out;
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
