#include "store/sqlite/sqlite_store.h"

#include <algorithm>
#include <boost/json.hpp>
#include <cmath>
#include <map>
#include <mutex>
#include <string>
#include <type_traits>
#include <unordered_map>
#include <unordered_set>
#include <utility>
#include <variant>
#include <vector>

#include "codec/message_json.h"
#include "core/ceilings.h"
#include "store/sqlite/db.h"
#include "store/sqlite/messages.h"
#include "store/sqlite/migrations.h"
#include "store/sqlite/segments.h"
#include "store/sqlite/templates.h"

namespace crier {
namespace {

using sqlite::Connection;
using sqlite::ConnectionOptions;
using sqlite::ReadTransaction;
using sqlite::Statement;
using sqlite::WriteTransaction;

// deliveries.state values; see the schema.
constexpr std::int64_t kStatePlanned = 0;
constexpr std::int64_t kStateSending = 1;
constexpr std::int64_t kStateSent = 2;
constexpr std::int64_t kStateFailed = 3;
constexpr std::int64_t kStateSkipped = 4;

constexpr DeliveryState kAllDeliveryStates[] = {DeliveryState::kPlanned, DeliveryState::kSending,
                                                DeliveryState::kSent, DeliveryState::kFailed,
                                                DeliveryState::kSkipped};

constexpr std::int64_t StateCode(DeliveryState s) {
  switch (s) {
    case DeliveryState::kPlanned:
      return kStatePlanned;
    case DeliveryState::kSending:
      return kStateSending;
    case DeliveryState::kSent:
      return kStateSent;
    case DeliveryState::kFailed:
      return kStateFailed;
    case DeliveryState::kSkipped:
      return kStateSkipped;
  }
  return kStatePlanned;
}

std::optional<DeliveryState> StateFromCode(std::int64_t code) {
  for (DeliveryState s : kAllDeliveryStates) {
    if (StateCode(s) == code) return s;
  }
  return std::nullopt;
}

constexpr size_t kMaxMessagesPerBroadcast = 5;

// Page caches: the writer keeps the hot ledger pages (the deliveries tail and its index)
// resident; readers mostly stream.
constexpr int kWriterCacheKib = 64 * 1024;
constexpr int kReaderCacheKib = 16 * 1024;

std::string Field(std::string_view list, size_t index, std::string_view member = {}) {
  std::string out = std::string(list) + "[" + std::to_string(index) + "]";
  if (!member.empty()) out += "." + std::string(member);
  return out;
}

bool IsAttributeKey(std::string_view key) {
  if (key.empty() || key.size() > kMaxAttributeKeyBytes) return false;
  for (char c : key) {
    const bool ok =
        (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
    if (!ok) return false;
  }
  return true;
}

// ISO 3166-1 alpha-2 as the store keeps it: two capital letters.
bool IsRegionCode(std::string_view region) {
  return region.size() == 2 &&
         std::all_of(region.begin(), region.end(), [](char c) { return c >= 'A' && c <= 'Z'; });
}

std::string NoAccount(Id id) { return "no channel account with id " + std::to_string(id); }

// A stored value this build cannot read means the file was damaged or written by something
// else; it is not the caller's fault.
template <class E>
Result<E> ParseStored(std::optional<E> parsed, std::string_view text, std::string_view column) {
  if (!parsed.has_value()) {
    return Internal("stored " + std::string(column) + " \"" + std::string(text) +
                    "\" is not recognised");
  }
  return *parsed;
}

Status CheckPage(const PageRequest& page) {
  if (page.limit < 1 || page.limit > sqlite::kMaxPageLimit) {
    return InvalidArgument("limit",
                           "must be between 1 and " + std::to_string(sqlite::kMaxPageLimit));
  }
  if (page.after_id < 0) return InvalidArgument("after", "must not be negative");
  return Status::Ok();
}

// Items were fetched with limit + 1 to learn whether more follow.
template <class T>
Page<T> MakePage(std::vector<T> items, int limit) {
  Page<T> page;
  if (static_cast<int>(items.size()) > limit) {
    items.resize(limit);
    page.next_after_id = items.back().id;
  }
  page.items = std::move(items);
  return page;
}

// ---- JSON columns -------------------------------------------------------------------------

std::string AudienceJson(const Audience& audience) {
  boost::json::array tags;
  for (const auto& tag : audience.any_tags) tags.emplace_back(tag);
  boost::json::object out;
  out["any_tags"] = std::move(tags);
  if (!audience.filter.empty()) out["filter"] = audience.filter;
  return boost::json::serialize(out);
}

std::string TagsJson(const std::vector<std::string>& tags) {
  boost::json::array out;
  for (const auto& tag : tags) out.emplace_back(tag);
  return boost::json::serialize(out);
}

// The codec the API uses (codec/message_json.h), so a message reads back as it was written.
std::string MessagesJson(const std::vector<Message>& messages) {
  return boost::json::serialize(MessagesToJson(messages));
}

// contacts.attributes: see migration 2. Times are {"t": unix ms}.
boost::json::value AttributeJson(const AttributeValue& value) {
  return std::visit(
      [](const auto& v) -> boost::json::value {
        using T = std::decay_t<decltype(v)>;
        if constexpr (std::is_same_v<T, Time>) {
          boost::json::object o;
          o["t"] = ToUnixMillis(v);
          return o;
        } else {
          return boost::json::value(v);
        }
      },
      value);
}

// The merge patch applied to the stored attributes; nullopt when the row changes none.
std::optional<std::string> AttributesPatch(const ContactInput& row) {
  if (row.attributes.empty() && row.cleared_attributes.empty()) return std::nullopt;
  boost::json::object patch;
  patch.reserve(row.attributes.size() + row.cleared_attributes.size());
  for (const std::string& key : row.cleared_attributes) patch[key] = nullptr;
  for (const Attribute& a : row.attributes) patch[a.key] = AttributeJson(a.value);
  return boost::json::serialize(patch);
}

Result<std::vector<Attribute>> ParseAttributesJson(std::string_view text) {
  boost::system::error_code ec;
  boost::json::value v = boost::json::parse(text, ec);
  if (ec || !v.is_object()) return Internal("stored contact attributes are not a JSON object");
  std::vector<Attribute> out;
  out.reserve(v.as_object().size());
  for (const auto& [key, value] : v.as_object()) {
    Attribute a;
    a.key.assign(key.data(), key.size());
    if (value.is_string()) {
      a.value = std::string(value.get_string());
    } else if (value.is_bool()) {
      a.value = value.get_bool();
    } else if (value.is_number()) {
      a.value = value.to_number<double>();
    } else if (const auto* o = value.if_object();
               o != nullptr && o->contains("t") && o->at("t").is_int64()) {
      a.value = FromUnixMillis(o->at("t").get_int64());
    } else {
      return Internal("stored contact attribute \"" + a.key + "\" has no known type");
    }
    out.push_back(std::move(a));
  }
  std::sort(out.begin(), out.end(),
            [](const Attribute& x, const Attribute& y) { return x.key < y.key; });
  return out;
}

std::string CapabilitiesJson(const AccountCapabilities& c) {
  boost::json::object out;
  if (c.utility_messaging) out["utility_messaging"] = true;
  if (c.marketing_message_api) out["marketing_message_api"] = true;
  if (!c.business_region.empty()) out["business_region"] = c.business_region;
  if (!c.waba_id.empty()) out["waba_id"] = c.waba_id;
  if (!c.ad_account_id.empty()) out["ad_account_id"] = c.ad_account_id;
  if (c.message_tags_locked) out["message_tags_locked"] = true;
  if (!c.official_domains.empty()) {
    boost::json::array domains;
    for (const auto& d : c.official_domains) domains.emplace_back(d);
    out["official_domains"] = std::move(domains);
  }
  return boost::json::serialize(out);
}

std::string OutsideWindowJson(const OutsideWindow& w) {
  boost::json::object out;
  if (!w.message_tag.empty()) out["message_tag"] = w.message_tag;
  if (w.utility_template) out["utility_template"] = true;
  if (w.marketing_tokens) out["marketing_tokens"] = true;
  if (w.marketing_message_api) out["marketing_message_api"] = true;
  if (!w.marketing_campaign_id.empty()) out["marketing_campaign_id"] = w.marketing_campaign_id;
  return boost::json::serialize(out);
}

// Reads a stored JSON object whose members are booleans or strings, as the two writers above
// produce; anything else is a corrupt row.
Result<boost::json::object> ParseStoredObject(std::string_view text, std::string_view what) {
  boost::system::error_code ec;
  boost::json::value v = boost::json::parse(text, ec);
  if (ec || !v.is_object())
    return Internal("stored " + std::string(what) + " is not a JSON object");
  return std::move(v.as_object());
}

bool StoredFlag(const boost::json::object& o, std::string_view key) {
  const auto* v = o.if_contains(key);
  return v != nullptr && v->is_bool() && v->as_bool();
}

std::string StoredText(const boost::json::object& o, std::string_view key) {
  const auto* v = o.if_contains(key);
  return v != nullptr && v->is_string() ? std::string(v->as_string()) : std::string();
}

Result<AccountCapabilities> ParseCapabilitiesJson(std::string_view text) {
  STORE_ASSIGN_OR_RETURN(auto o, ParseStoredObject(text, "channel account capabilities"));
  AccountCapabilities c;
  c.utility_messaging = StoredFlag(o, "utility_messaging");
  c.marketing_message_api = StoredFlag(o, "marketing_message_api");
  c.business_region = StoredText(o, "business_region");
  c.waba_id = StoredText(o, "waba_id");
  c.ad_account_id = StoredText(o, "ad_account_id");
  c.message_tags_locked = StoredFlag(o, "message_tags_locked");
  if (const auto* domains = o.if_contains("official_domains"); domains && domains->is_array()) {
    for (const auto& d : domains->as_array()) {
      if (d.is_string()) c.official_domains.emplace_back(d.as_string());
    }
  }
  return c;
}

Result<OutsideWindow> ParseOutsideWindowJson(std::string_view text) {
  STORE_ASSIGN_OR_RETURN(auto o, ParseStoredObject(text, "broadcast outside_window"));
  OutsideWindow w;
  w.message_tag = StoredText(o, "message_tag");
  w.utility_template = StoredFlag(o, "utility_template");
  w.marketing_tokens = StoredFlag(o, "marketing_tokens");
  w.marketing_message_api = StoredFlag(o, "marketing_message_api");
  w.marketing_campaign_id = StoredText(o, "marketing_campaign_id");
  return w;
}

Result<Audience> ParseAudienceJson(std::string_view text) {
  STORE_ASSIGN_OR_RETURN(auto o, ParseStoredObject(text, "broadcast audience"));
  Audience audience;
  if (const auto* tags = o.if_contains("any_tags")) {
    if (!tags->is_array()) return Internal("stored audience any_tags is not an array");
    for (const auto& tag : tags->as_array()) {
      if (!tag.is_string()) return Internal("stored audience tag is not a string");
      audience.any_tags.emplace_back(tag.as_string().c_str());
    }
  }
  if (const auto* filter = o.if_contains("filter")) {
    if (!filter->is_string()) return Internal("stored audience filter is not a string");
    audience.filter = std::string(filter->as_string());
  }
  return audience;
}

Result<std::vector<Message>> ParseMessagesJson(std::string_view text) {
  boost::system::error_code ec;
  boost::json::value v = boost::json::parse(text, ec);
  if (ec) return Internal("stored broadcast messages are not JSON");
  auto messages = MessagesFromJson(v, "messages");
  if (!messages.ok()) {
    return Internal("stored broadcast messages are malformed: " + messages.error().field + " " +
                    messages.error().message);
  }
  return std::move(*messages);
}

// ---- SQL ----------------------------------------------------------------------------------
// Every statement is a constant: connections cache prepared statements keyed by their text.

constexpr std::string_view kInsertAccount =
    "INSERT INTO channel_accounts(platform, name, external_id, access_token, api_base_url,"
    " api_version, time_zone, messages_per_second, max_concurrency, created_at, capabilities,"
    " platform_messages_per_second, whatsapp_tier, line_monthly_quota, webhook_secret,"
    " webhook_verify_token)"
    " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16)";
constexpr std::string_view kSelectAccount =
    "SELECT id, platform, name, external_id, access_token, api_base_url, api_version,"
    " time_zone, messages_per_second, max_concurrency, created_at, capabilities,"
    " platform_messages_per_second, whatsapp_tier, line_monthly_quota, webhook_secret,"
    " webhook_verify_token FROM channel_accounts WHERE id = ?1";
constexpr std::string_view kSelectAccounts =
    "SELECT id, platform, name, external_id, access_token, api_base_url, api_version,"
    " time_zone, messages_per_second, max_concurrency, created_at, capabilities,"
    " platform_messages_per_second, whatsapp_tier, line_monthly_quota, webhook_secret,"
    " webhook_verify_token FROM channel_accounts ORDER BY id";
constexpr std::string_view kUpdateAccount =
    "UPDATE channel_accounts SET messages_per_second = ?2, max_concurrency = ?3,"
    " capabilities = ?4, webhook_secret = ?5, webhook_verify_token = ?6 WHERE id = ?1";
constexpr std::string_view kAccountExists = "SELECT 1 FROM channel_accounts WHERE id = ?1";

constexpr std::string_view kFindIdentity =
    "SELECT contact_id FROM identities WHERE channel_account_id = ?1 AND platform_user_id = ?2";
constexpr std::string_view kInsertContact =
    "INSERT INTO contacts(name, first_name, locale, time_zone, subscription,"
    " subscription_changed_at, created_at, updated_at, attributes, conversation_state, assignee,"
    " change_seq, region)"
    " VALUES (?1, ?2, ?3, ?4, COALESCE(?5, 'subscribed'), ?6, ?7, ?7, ?8, ?9, ?10, ?11, ?12)";
// Empty texts and NULLs keep what is stored; every right-hand side sees the old row.
constexpr std::string_view kUpdateContact =
    "UPDATE contacts SET"
    " name = CASE WHEN ?2 = '' THEN name ELSE ?2 END,"
    " first_name = CASE WHEN ?3 = '' THEN first_name ELSE ?3 END,"
    " locale = CASE WHEN ?4 = '' THEN locale ELSE ?4 END,"
    " time_zone = CASE WHEN ?5 = '' THEN time_zone ELSE ?5 END,"
    " subscription_changed_at = CASE WHEN ?6 IS NOT NULL AND ?6 <> subscription THEN ?7"
    " ELSE subscription_changed_at END,"
    " subscription = COALESCE(?6, subscription),"
    " updated_at = ?7,"
    // ?8 is a JSON merge patch: keys set, cleared keys null (json_patch drops them).
    " attributes = CASE WHEN ?8 IS NULL THEN attributes"
    " ELSE json_patch(COALESCE(attributes, '{}'), ?8) END,"
    " conversation_state = COALESCE(?9, conversation_state),"
    " assignee = CASE WHEN ?10 = '' THEN assignee ELSE ?10 END,"
    " change_seq = ?11,"
    " region = CASE WHEN ?12 = '' THEN region ELSE ?12 END"
    " WHERE id = ?1";
constexpr std::string_view kCountAttributes =
    "SELECT count(*) FROM contacts c, json_each(c.attributes) WHERE c.id = ?1";
constexpr std::string_view kInsertIdentity =
    "INSERT INTO identities(contact_id, channel_account_id, platform_user_id, last_inbound_at,"
    " window_opener, blocked, opted_in, marketing_opted_out, marketing_token,"
    " marketing_token_expires_at, marketing_token_stopped, marketing_token_last_sent_at)"
    " VALUES (?1, ?2, ?3, ?4, COALESCE(?5, 'organic'), COALESCE(?6, 0), COALESCE(?7, 0),"
    " COALESCE(?8, 0), ?9, ?10, COALESCE(?11, 0), ?12)";
constexpr std::string_view kUpdateIdentity =
    // An interaction time only moves forward: an older report (a re-imported file, a late
    // webhook) never closes a window that a newer one opened.
    "UPDATE identities SET"
    " window_opener = CASE WHEN ?3 IS NULL OR last_inbound_at IS NULL OR ?3 >= last_inbound_at"
    " THEN COALESCE(?4, window_opener) ELSE window_opener END,"
    " last_inbound_at = CASE WHEN last_inbound_at IS NULL OR ?3 > last_inbound_at THEN ?3"
    " ELSE last_inbound_at END,"
    " blocked = COALESCE(?5, blocked),"
    " opted_in = COALESCE(?6, opted_in),"
    " marketing_opted_out = COALESCE(?7, marketing_opted_out),"
    // ?8: 0 keeps the token, 1 replaces it whole with ?9..?12, 2 removes it.
    " marketing_token = CASE ?8 WHEN 0 THEN marketing_token ELSE ?9 END,"
    " marketing_token_expires_at = CASE ?8 WHEN 0 THEN marketing_token_expires_at ELSE ?10 END,"
    " marketing_token_stopped = CASE ?8 WHEN 0 THEN marketing_token_stopped"
    " ELSE COALESCE(?11, 0) END,"
    " marketing_token_last_sent_at = CASE ?8 WHEN 0 THEN marketing_token_last_sent_at"
    " ELSE ?12 END"
    " WHERE channel_account_id = ?1 AND platform_user_id = ?2";
// Webhooks in: an event id is remembered once per account; RETURNING tells a new one from a
// redelivery inside the same statement.
constexpr std::string_view kRememberEvent =
    "INSERT INTO webhook_events(channel_account_id, event_id, received_at) VALUES (?1, ?2, ?3)"
    " ON CONFLICT DO NOTHING RETURNING 1";
constexpr std::string_view kPruneEvents = "DELETE FROM webhook_events WHERE received_at < ?1";
constexpr std::string_view kSelectSubscription =
    "SELECT subscription, subscription_changed_at FROM contacts WHERE id = ?1";
constexpr std::string_view kPressIdentity =
    "UPDATE identities SET last_inbound_at = CASE WHEN last_inbound_at IS NULL"
    " OR ?3 > last_inbound_at THEN ?3 ELSE last_inbound_at END"
    " WHERE channel_account_id = ?1 AND platform_user_id = ?2";
// ?2/?3 are NULL unless the press's subscription applies.
constexpr std::string_view kPressContact =
    "UPDATE contacts SET subscription = COALESCE(?2, subscription),"
    " subscription_changed_at = CASE WHEN ?2 IS NULL THEN subscription_changed_at ELSE ?3 END,"
    " updated_at = ?4, change_seq = ?5 WHERE id = ?1";
constexpr std::string_view kDeleteTags = "DELETE FROM contact_tags WHERE contact_id = ?1";
constexpr std::string_view kInsertTag =
    "INSERT OR IGNORE INTO contact_tags(contact_id, tag) VALUES (?1, ?2)";
constexpr std::string_view kEnsureTag = "INSERT OR IGNORE INTO tags(name) VALUES (?1)";

constexpr std::string_view kSelectTags =
    "SELECT t.name, (SELECT count(*) FROM contact_tags ct WHERE ct.tag = t.name)"
    " FROM tags t ORDER BY t.name";
constexpr std::string_view kTagExists = "SELECT 1 FROM tags WHERE name = ?1";
constexpr std::string_view kInsertNewTag = "INSERT INTO tags(name) VALUES (?1)";
constexpr std::string_view kRenameTag = "UPDATE tags SET name = ?2 WHERE name = ?1";
constexpr std::string_view kRenameContactTags = "UPDATE contact_tags SET tag = ?2 WHERE tag = ?1";
constexpr std::string_view kDeleteTag = "DELETE FROM tags WHERE name = ?1";
constexpr std::string_view kDeleteContactTags = "DELETE FROM contact_tags WHERE tag = ?1";
constexpr std::string_view kContactExists = "SELECT 1 FROM contacts WHERE id = ?1";
constexpr std::string_view kRemoveContactTag =
    "DELETE FROM contact_tags WHERE contact_id = ?1 AND tag = ?2";
constexpr std::string_view kTouchContact =
    "UPDATE contacts SET updated_at = ?2, change_seq = ?3 WHERE id = ?1";
constexpr std::string_view kTagHasCarriers = "SELECT 1 FROM contact_tags WHERE tag = ?1 LIMIT 1";
constexpr std::string_view kStampTagCarriers =
    "UPDATE contacts SET change_seq = ?2"
    " WHERE id IN (SELECT contact_id FROM contact_tags WHERE tag = ?1)";

// The contact change sequence (migration 3). RETURNING costs a temporary table, once per
// write transaction at most.
constexpr std::string_view kNextChangeSeq =
    "UPDATE contact_change_seq SET value = value + 1 WHERE id = 1 RETURNING value";
constexpr std::string_view kSelectChangeSeq = "SELECT value FROM contact_change_seq WHERE id = 1";

constexpr std::string_view kSelectContact =
    "SELECT id, name, first_name, locale, time_zone, subscription, subscription_changed_at,"
    " created_at, updated_at, attributes, conversation_state, assignee, region"
    " FROM contacts WHERE id = ?1";
constexpr std::string_view kSelectContactsPage =
    "SELECT id, name, first_name, locale, time_zone, subscription, subscription_changed_at,"
    " created_at, updated_at, attributes, conversation_state, assignee, region"
    " FROM contacts WHERE id > ?1 ORDER BY id LIMIT ?2";
constexpr std::string_view kSelectAccountContactsPage =
    "SELECT c.id, c.name, c.first_name, c.locale, c.time_zone, c.subscription,"
    " c.subscription_changed_at, c.created_at, c.updated_at, c.attributes,"
    " c.conversation_state, c.assignee, c.region"
    " FROM identities i JOIN contacts c ON c.id = i.contact_id"
    " WHERE i.channel_account_id = ?3 AND i.contact_id > ?1 ORDER BY i.contact_id LIMIT ?2";
constexpr std::string_view kSelectContactTags =
    "SELECT tag FROM contact_tags WHERE contact_id = ?1 ORDER BY tag";
// The identity columns ReadIdentityInto reads, in its order.
#define STORE_IDENTITY_COLUMNS(i)                                                             \
  i "channel_account_id, " i "platform_user_id, " i "last_inbound_at, " i "window_opener, " i \
    "blocked, " i "opted_in, " i "marketing_opted_out, " i "suppressed_at, " i                \
    "marketing_token, " i "marketing_token_expires_at, " i "marketing_token_stopped, " i      \
    "marketing_token_last_sent_at"
constexpr std::string_view kSelectContactIdentities =
    "SELECT " STORE_IDENTITY_COLUMNS("") " FROM identities WHERE contact_id = ?1 ORDER BY id";
constexpr std::string_view kCountContacts = "SELECT count(*) FROM contacts";

// ForEachContactChangedSince: three cursors in contact-id order, merged in memory, so the
// scan streams whole contacts without a query per contact. From sequence 0 every row is
// wanted: plain scans in primary-key (or index) order, no sort. Otherwise the changed
// contacts are found through contacts_by_change_seq and their tags and identities joined;
// INDEXED BY because without statistics the planner prefers scanning every contact to
// sorting a few, and a few is the usual case (the index catching up after a write).
#define STORE_CHANGED_CONTACT_COLUMNS                                                      \
  "SELECT id, name, first_name, locale, time_zone, subscription, subscription_changed_at," \
  " created_at, updated_at, attributes, conversation_state, assignee, region FROM contacts"
constexpr std::string_view kAllContacts = STORE_CHANGED_CONTACT_COLUMNS " ORDER BY id";
constexpr std::string_view kChangedContacts = STORE_CHANGED_CONTACT_COLUMNS
    " INDEXED BY contacts_by_change_seq WHERE change_seq > ?1 ORDER BY id";
#undef STORE_CHANGED_CONTACT_COLUMNS
constexpr std::string_view kAllContactTags =
    "SELECT contact_id, tag FROM contact_tags ORDER BY contact_id, tag";
constexpr std::string_view kChangedContactTags =
    "SELECT t.contact_id, t.tag FROM contacts c INDEXED BY contacts_by_change_seq"
    " JOIN contact_tags t ON t.contact_id = c.id"
    " WHERE c.change_seq > ?1 ORDER BY c.id, t.tag";
constexpr std::string_view kAllIdentities =
    "SELECT contact_id, " STORE_IDENTITY_COLUMNS("") " FROM identities ORDER BY contact_id, id";
constexpr std::string_view kChangedIdentities =
    "SELECT i.contact_id, " STORE_IDENTITY_COLUMNS(
        "i.") " FROM contacts c INDEXED BY contacts_by_change_seq"
    " JOIN identities i ON i.contact_id = c.id"
    " WHERE c.change_seq > ?1 ORDER BY c.id, i.id";
// GetContacts: the same three cursors over a list of ids (a JSON array), each id looked up
// through its primary key or index.
constexpr std::string_view kContactsByIds =
    "SELECT id, name, first_name, locale, time_zone, subscription, subscription_changed_at,"
    " created_at, updated_at, attributes, conversation_state, assignee, region FROM contacts"
    " WHERE id IN (SELECT value FROM json_each(?1)) ORDER BY id";
constexpr std::string_view kContactTagsByIds =
    "SELECT contact_id, tag FROM contact_tags"
    " WHERE contact_id IN (SELECT value FROM json_each(?1)) ORDER BY contact_id, tag";
constexpr std::string_view kIdentitiesByIds =
    "SELECT contact_id, " STORE_IDENTITY_COLUMNS(
        "") " FROM identities WHERE contact_id IN (SELECT value FROM json_each(?1))"
            " ORDER BY contact_id, id";
#undef STORE_IDENTITY_COLUMNS
constexpr std::string_view kCountAccountContacts =
    "SELECT count(DISTINCT contact_id) FROM identities WHERE channel_account_id = ?1";

// The recipient facts columns ReadRecipientFacts reads, in its order.
#define STORE_FACT_COLUMNS                                                              \
  " i.last_inbound_at, i.window_opener, i.blocked, c.subscription, c.region, c.locale," \
  " i.opted_in, i.marketing_opted_out, i.suppressed_at, i.marketing_token,"             \
  " i.marketing_token_expires_at, i.marketing_token_stopped, i.marketing_token_last_sent_at"
constexpr std::string_view kRecipients =
    "SELECT i.contact_id, i.platform_user_id," STORE_FACT_COLUMNS
    " FROM identities i JOIN contacts c ON c.id = i.contact_id"
    " WHERE i.channel_account_id = ?1 ORDER BY i.contact_id, i.id";
constexpr std::string_view kRecipientsWithTags =
    "SELECT i.contact_id, i.platform_user_id," STORE_FACT_COLUMNS
    " FROM identities i JOIN contacts c ON c.id = i.contact_id"
    " WHERE i.channel_account_id = ?1 AND EXISTS (SELECT 1 FROM contact_tags t"
    "  WHERE t.contact_id = i.contact_id AND t.tag IN (SELECT value FROM json_each(?2)))"
    " ORDER BY i.contact_id, i.id";

constexpr std::string_view kInsertBroadcast =
    "INSERT INTO broadcasts(name, channel_account_id, purpose, audience, messages, status,"
    " created_at, updated_at, outside_window, track_clicks)"
    " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?7, ?8, ?9)";
constexpr std::string_view kSelectBroadcast =
    "SELECT id, name, channel_account_id, purpose, audience, messages, status, created_at,"
    " updated_at, outside_window, track_clicks FROM broadcasts WHERE id = ?1";
constexpr std::string_view kSelectBroadcastsPage =
    "SELECT id, name, channel_account_id, purpose, audience, messages, status, created_at,"
    " updated_at, outside_window, track_clicks FROM broadcasts WHERE id > ?1 ORDER BY id"
    " LIMIT ?2";
constexpr std::string_view kInsertClick =
    "INSERT INTO clicks(run_id, contact_id, link_index, clicked_at) VALUES (?1, ?2, ?3, ?4)";
constexpr std::string_view kRunClicks =
    "SELECT link_index, count(*), count(DISTINCT contact_id) FROM clicks WHERE run_id = ?1"
    " GROUP BY link_index ORDER BY link_index";
constexpr std::string_view kRunClickedContacts =
    "SELECT count(DISTINCT contact_id) FROM clicks WHERE run_id = ?1";
constexpr std::string_view kInsertSecretIfAbsent =
    "INSERT INTO secrets(name, value, created_at) VALUES (?1, ?2, ?3) ON CONFLICT(name) DO NOTHING";
constexpr std::string_view kSelectSecret = "SELECT value FROM secrets WHERE name = ?1";
constexpr std::string_view kSelectBroadcastAccount =
    "SELECT channel_account_id FROM broadcasts WHERE id = ?1";
constexpr std::string_view kUpdateBroadcastStatus =
    "UPDATE broadcasts SET status = ?2, updated_at = ?3 WHERE id = ?1";

constexpr std::string_view kInsertRun =
    "INSERT INTO runs(broadcast_id, channel_account_id, status, created_at)"
    " VALUES (?1, ?2, ?3, ?4)";
constexpr std::string_view kSelectRun =
    "SELECT id, broadcast_id, channel_account_id, status, created_at, planned_at, finished_at"
    " FROM runs WHERE id = ?1";
constexpr std::string_view kSelectRunsOfBroadcast =
    "SELECT id, broadcast_id, channel_account_id, status, created_at, planned_at, finished_at"
    " FROM runs WHERE broadcast_id = ?1 ORDER BY id";
constexpr std::string_view kSelectRunsWithStatus =
    "SELECT id, broadcast_id, channel_account_id, status, created_at, planned_at, finished_at"
    " FROM runs WHERE status = ?1 ORDER BY id";
// Leaving `planning` means planning finished; reaching a final status means the run ended.
constexpr std::string_view kUpdateRunStatus =
    "UPDATE runs SET status = ?2,"
    " planned_at = CASE WHEN ?2 IN ('sending', 'completed') AND planned_at IS NULL THEN ?3"
    " ELSE planned_at END,"
    " finished_at = CASE WHEN ?2 IN ('completed', 'cancelled') AND finished_at IS NULL THEN ?3"
    " ELSE finished_at END"
    " WHERE id = ?1";
constexpr std::string_view kSelectRunForClaim =
    "SELECT r.broadcast_id, r.channel_account_id, r.status, a.platform, r.claim_cursor,"
    " r.last_delivery_id"
    " FROM runs r JOIN channel_accounts a ON a.id = r.channel_account_id WHERE r.id = ?1";
constexpr std::string_view kSelectRunLedger =
    "SELECT status, pending, first_delivery_id, last_delivery_id FROM runs WHERE id = ?1";

constexpr std::string_view kInsertDelivery =
    "INSERT INTO deliveries(run_id, contact_id, platform_user_id, state, route, skip_reason,"
    " created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)";
constexpr std::string_view kExtendRunLedger =
    "UPDATE runs SET first_delivery_id = COALESCE(first_delivery_id, ?2),"
    " last_delivery_id = ?3, pending = pending + ?4 WHERE id = ?1";

// Claims take due retries first (all behind the claim cursor, so lowest ids), then fresh rows
// after the cursor: together, the planned rows in id order.
#define STORE_CLAIM_COLUMNS                                                          \
  "SELECT d.id, d.contact_id, d.platform_user_id, d.attempts, c.name, c.first_name," \
  " c.locale, c.attributes,"                                                         \
  " c.id IS NOT NULL AND i.id IS NOT NULL," STORE_FACT_COLUMNS                       \
  " FROM deliveries d"                                                               \
  " LEFT JOIN contacts c ON c.id = d.contact_id"                                     \
  " LEFT JOIN identities i ON i.channel_account_id = ?2"                             \
  " AND i.platform_user_id = d.platform_user_id"
constexpr std::string_view kSelectDueRetries = STORE_CLAIM_COLUMNS
    " WHERE d.run_id = ?1 AND d.state = 0 AND d.not_before IS NOT NULL AND d.not_before <= ?3"
    " ORDER BY d.id LIMIT ?4";
// `+d.run_id` keeps the planner on the primary key range.
constexpr std::string_view kSelectFresh = STORE_CLAIM_COLUMNS
    " WHERE d.id > ?5 AND d.id <= ?6 AND +d.run_id = ?1 AND d.state = 0"
    " ORDER BY d.id LIMIT ?4";
#undef STORE_CLAIM_COLUMNS
#undef STORE_FACT_COLUMNS
// Within the claim's transaction the run's planned rows between the first and last fresh id
// are exactly the fresh ones it selected, so one range update marks them all.
constexpr std::string_view kMarkFreshSending =
    "UPDATE deliveries SET state = 1, attempts = attempts + 1, updated_at = ?4"
    " WHERE id BETWEEN ?2 AND ?3 AND +run_id = ?1 AND state = 0";
constexpr std::string_view kMarkOneSending =
    "UPDATE deliveries SET state = 1, attempts = attempts + 1, updated_at = ?2"
    " WHERE id = ?1 AND state = 0";
constexpr std::string_view kAdvanceClaimCursor = "UPDATE runs SET claim_cursor = ?2 WHERE id = ?1";

// Outcomes apply only to deliveries in `sending`: anything else was never claimed, or was
// already resolved (e.g. by RecoverInterrupted), and must not be rewritten.
constexpr std::string_view kOutcomeSent =
    "UPDATE deliveries SET state = 2, route = COALESCE(?2, route), platform_message_id = ?3,"
    " error_class = NULL, error_code = NULL, error_message = NULL, sent_at = ?4, updated_at = ?4"
    " WHERE id = ?1 AND state = 1";
constexpr std::string_view kOutcomeFailed =
    "UPDATE deliveries SET state = 3, error_class = ?2, error_code = ?3, error_message = ?4,"
    " updated_at = ?5, route = COALESCE(?6, route), platform_message_id = ?7"
    " WHERE id = ?1 AND state = 1";
constexpr std::string_view kOutcomeSkipped =
    "UPDATE deliveries SET state = 4, skip_reason = ?2, updated_at = ?3"
    " WHERE id = ?1 AND state = 1";
// ?7: 1 when the delivery was put back before any request left (a ceiling), so that claim
// does not count as an attempt.
constexpr std::string_view kOutcomeRetry =
    "UPDATE deliveries SET state = 0, not_before = ?2, error_class = ?3, error_code = ?4,"
    " error_message = ?5, updated_at = ?6, attempts = attempts - ?7 WHERE id = ?1 AND state = 1";
constexpr std::string_view kSelectDeliveryRunAndState =
    "SELECT run_id, state FROM deliveries WHERE id = ?1";
// The effects of an outcome on the delivery's recipient: the identity is the delivery's
// platform user on its run's account. The contact is stamped with the change sequence (?3)
// like any other write to it.
#define STORE_DELIVERY_IDENTITY                                                           \
  " WHERE (channel_account_id, platform_user_id) = (SELECT r.channel_account_id,"         \
  " d.platform_user_id FROM deliveries d JOIN runs r ON r.id = d.run_id WHERE d.id = ?1)" \
  " RETURNING contact_id"
constexpr std::string_view kSuppressRecipient =
    "UPDATE identities SET suppressed_at = ?2" STORE_DELIVERY_IDENTITY;
constexpr std::string_view kMarketingTokenUsed =
    "UPDATE identities SET marketing_token_last_sent_at = ?2" STORE_DELIVERY_IDENTITY;
constexpr std::string_view kMarketingTokenStopped =
    "UPDATE identities SET marketing_token_stopped = 1" STORE_DELIVERY_IDENTITY;
#undef STORE_DELIVERY_IDENTITY
constexpr std::string_view kReducePending = "UPDATE runs SET pending = pending - ?2 WHERE id = ?1";
constexpr std::string_view kCompleteRun =
    "UPDATE runs SET status = 'completed', finished_at = ?2,"
    " planned_at = COALESCE(planned_at, ?2) WHERE id = ?1 RETURNING broadcast_id";
constexpr std::string_view kStartRun =
    "UPDATE runs SET status = 'sending', planned_at = ?2 WHERE id = ?1 AND status = 'planning'"
    " RETURNING broadcast_id";
constexpr std::string_view kCancelPlanningRuns =
    "UPDATE runs SET status = 'cancelled', finished_at = ?1 WHERE status = 'planning'";
// Deliveries of a LINE batch whose key LINE still knows (first used after ?4) are left for
// the dispatcher to resend with it.
constexpr std::string_view kRecoverInterrupted =
    "UPDATE deliveries SET state = 3, error_class = ?1, error_code = NULL, error_message = ?2,"
    " updated_at = ?3 WHERE state = 1 AND NOT (line_batch_id IS NOT NULL AND EXISTS ("
    "SELECT 1 FROM line_batches b JOIN runs r ON r.id = b.run_id"
    " WHERE b.id = deliveries.line_batch_id AND r.status = 'sending'"
    " AND b.key_first_used_at > ?4)) RETURNING run_id";

constexpr std::string_view kInsertLineBatch =
    "INSERT INTO line_batches(run_id, message_index, retry_key, key_first_used_at, attempts,"
    " message_ids, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)";
constexpr std::string_view kJoinLineBatch =
    "UPDATE deliveries SET line_batch_id = ?2"
    " WHERE id = ?1 AND run_id = ?3 AND state = 1 AND line_batch_id IS NULL";
constexpr std::string_view kUpdateLineBatch =
    "UPDATE line_batches SET message_index = ?2, retry_key = ?3, key_first_used_at = ?4,"
    " attempts = ?5, message_ids = ?6 WHERE id = ?1";
constexpr std::string_view kSelectOpenLineBatches =
    "SELECT b.id, b.message_index, b.retry_key, b.key_first_used_at, b.attempts, b.message_ids,"
    " d.id, d.platform_user_id FROM deliveries d JOIN line_batches b ON b.id = d.line_batch_id"
    " WHERE d.run_id = ?1 AND d.state = 1 AND d.line_batch_id IS NOT NULL ORDER BY b.id, d.id";

constexpr std::string_view kScanRunForReport =
    "SELECT state, route, skip_reason, error_code, error_class FROM deliveries"
    " WHERE id BETWEEN ?2 AND ?3 AND +run_id = ?1";
constexpr std::string_view kSelectDeliveriesPage =
    "SELECT id, run_id, contact_id, platform_user_id, state, route, skip_reason,"
    " platform_message_id, error_class, error_code, error_message, attempts, created_at,"
    " sent_at, updated_at FROM deliveries"
    " WHERE id > ?1 AND id <= ?2 AND +run_id = ?3 ORDER BY id LIMIT ?4";
// Ceiling use (A8): the account's runs that may have sent after `since` (still going, or
// finished after it), each scanned over its own id range. A delivery counts when it was sent,
// or when it was interrupted (it may have reached the platform; its time is then when it was
// resolved, which is later than the send and so errs on the side of counting longer).
#define STORE_ACCOUNT_SENDS_SINCE                                                      \
  " FROM runs r JOIN deliveries d ON d.id BETWEEN r.first_delivery_id AND"             \
  " r.last_delivery_id AND d.run_id = r.id"                                            \
  " WHERE r.channel_account_id = ?1 AND (r.finished_at IS NULL OR r.finished_at > ?2)" \
  " AND r.first_delivery_id IS NOT NULL"
constexpr std::string_view kSelectRecipientsSentSince =
    "SELECT d.platform_user_id, MIN(COALESCE(d.sent_at, d.updated_at)) AS "
    "first_at" STORE_ACCOUNT_SENDS_SINCE
    " AND d.route = ?3 AND (d.state = 2 OR (d.state = 3 AND d.error_class = ?4))"
    " AND COALESCE(d.sent_at, d.updated_at) > ?2"
    " GROUP BY d.platform_user_id ORDER BY first_at, d.platform_user_id";
// One message per platform message id recorded (ids are comma-separated, one per message).
constexpr std::string_view kCountMessagesSentSince =
    "SELECT COALESCE(SUM(LENGTH(d.platform_message_id)"
    " - LENGTH(REPLACE(d.platform_message_id, ',', '')) + 1), 0)" STORE_ACCOUNT_SENDS_SINCE
    " AND d.platform_message_id IS NOT NULL AND d.platform_message_id <> ''"
    " AND COALESCE(d.sent_at, d.updated_at) > ?2";
#undef STORE_ACCOUNT_SENDS_SINCE
constexpr std::string_view kCountPending =
    "SELECT COALESCE(SUM(pending), 0) FROM runs WHERE status IN ('planning', 'sending')";

constexpr std::string_view kInsertApiKey =
    "INSERT INTO api_keys(name, role, key_hash, created_at) VALUES (?1, ?2, ?3, ?4)";
constexpr std::string_view kSelectApiKeyByHash =
    "SELECT id, name, role, created_at FROM api_keys WHERE key_hash = ?1";
constexpr std::string_view kCountApiKeys = "SELECT count(*) FROM api_keys";

// ---- row readers --------------------------------------------------------------------------

Result<ChannelAccount> ReadAccount(const Statement& st) {
  ChannelAccount a;
  a.id = st.Int(0);
  STORE_ASSIGN_OR_RETURN(
      a.platform, ParseStored(ParsePlatform(st.Text(1)), st.Text(1), "channel account platform"));
  a.name = st.Text(2);
  a.external_id = st.Text(3);
  a.access_token = st.Text(4);
  a.api_base_url = st.Text(5);
  a.api_version = st.Text(6);
  a.time_zone = st.Text(7);
  a.pacing.messages_per_second = st.Double(8);
  a.pacing.max_concurrency = static_cast<int>(st.Int(9));
  a.created_at = st.TimeAt(10);
  STORE_ASSIGN_OR_RETURN(a.capabilities, ParseCapabilitiesJson(st.Text(11)));
  if (!st.IsNull(12)) a.pacing.platform_messages_per_second = st.Double(12);
  STORE_ASSIGN_OR_RETURN(a.pacing.whatsapp_tier,
                         ParseStored(ParseWhatsAppTier(st.Text(13)), st.Text(13), "whatsapp tier"));
  if (!st.IsNull(14)) a.pacing.line_monthly_quota = st.Int(14);
  a.webhook_secret = st.Text(15);
  a.webhook_verify_token = st.Text(16);
  return a;
}

// Fills the row columns of `c` (not tags or identities), reusing its strings' capacity.
Status ReadContactRowInto(const Statement& st, Contact& c) {
  c.id = st.Int(0);
  c.name = st.Text(1);
  c.first_name = st.Text(2);
  c.locale = st.Text(3);
  c.time_zone = st.Text(4);
  STORE_ASSIGN_OR_RETURN(c.subscription, ParseStored(ParseSubscriptionStatus(st.Text(5)),
                                                     st.Text(5), "contact subscription"));
  c.subscription_changed_at = st.OptionalTime(6);
  c.created_at = st.TimeAt(7);
  c.updated_at = st.TimeAt(8);
  c.attributes.clear();
  if (!st.IsNull(9)) {
    STORE_ASSIGN_OR_RETURN(c.attributes, ParseAttributesJson(st.Text(9)));
  }
  c.conversation_state.reset();
  if (!st.IsNull(10)) {
    STORE_ASSIGN_OR_RETURN(c.conversation_state,
                           ParseStored(ParseConversationState(st.Text(10)), st.Text(10),
                                       "contact conversation_state"));
  }
  c.assignee = st.Text(11);
  c.region = st.Text(12);
  return Status::Ok();
}

Result<Contact> ReadContactRow(const Statement& st) {
  Contact c;
  CRIER_RETURN_IF_ERROR(ReadContactRowInto(st, c));
  return c;
}

// The marketing-messages token stored in columns first..first+3 (token, expires_at, stopped,
// last_sent_at); none when the token is NULL.
std::optional<MarketingToken> ReadMarketingToken(const Statement& st, int first) {
  if (st.IsNull(first)) return std::nullopt;
  MarketingToken token;
  token.token = st.Text(first);
  token.expires_at = st.TimeAt(first + 1);
  token.stopped = st.Int(first + 2) != 0;
  token.last_sent_at = st.OptionalTime(first + 3);
  return token;
}

// Reads an identity from the columns of STORE_IDENTITY_COLUMNS starting at `first`.
Status ReadIdentityInto(const Statement& st, int first, Identity& identity) {
  identity.channel_account_id = st.Int(first);
  identity.platform_user_id = st.Text(first + 1);
  identity.last_inbound_at = st.OptionalTime(first + 2);
  STORE_ASSIGN_OR_RETURN(identity.window_opener,
                         ParseStored(ParseWindowOpener(st.Text(first + 3)), st.Text(first + 3),
                                     "identity window_opener"));
  identity.blocked = st.Int(first + 4) != 0;
  identity.opted_in = st.Int(first + 5) != 0;
  identity.marketing_opted_out = st.Int(first + 6) != 0;
  identity.suppressed_at = st.OptionalTime(first + 7);
  identity.marketing_token = ReadMarketingToken(st, first + 8);
  return Status::Ok();
}

// Suppression ends when the person writes again: an identity is suppressed while it was
// suppressed at some time and no inbound message came after that time.
bool IsSuppressed(std::optional<Time> suppressed_at, std::optional<Time> last_inbound_at) {
  return suppressed_at.has_value() &&
         !(last_inbound_at.has_value() && *last_inbound_at > *suppressed_at);
}

// Fills the facts of `user_id` from the columns of STORE_FACT_COLUMNS starting at `first`;
// facts.platform must be set.
Status ReadRecipientFacts(const Statement& st, int first, std::string_view user_id,
                          RecipientFacts& facts) {
  facts.last_inbound_at = st.OptionalTime(first);
  STORE_ASSIGN_OR_RETURN(facts.window_opener,
                         ParseStored(ParseWindowOpener(st.Text(first + 1)), st.Text(first + 1),
                                     "identity window_opener"));
  facts.blocked = st.Int(first + 2) != 0;
  STORE_ASSIGN_OR_RETURN(facts.subscription,
                         ParseStored(ParseSubscriptionStatus(st.Text(first + 3)),
                                     st.Text(first + 3), "contact subscription"));
  const std::string_view region = st.Text(first + 4);
  if (!region.empty()) {
    facts.region.assign(region.data(), region.size());
  } else {
    facts.region = RegionOfLocale(st.Text(first + 5));
  }
  facts.opted_in = st.Int(first + 6) != 0;
  facts.marketing_opted_out = st.Int(first + 7) != 0;
  facts.us_number = facts.platform == Platform::kWhatsApp && IsUsWhatsAppId(user_id);
  facts.suppressed = IsSuppressed(st.OptionalTime(first + 8), facts.last_inbound_at);
  facts.marketing_token = ReadMarketingToken(st, first + 9);
  return Status::Ok();
}

// Fills the tags and identities of a contact read by ReadContactRow.
Status LoadContactDetails(Connection& db, Contact& c) {
  {
    STORE_PREPARE(st, db, kSelectContactTags);
    st.Bind(1, c.id);
    while (true) {
      STORE_ASSIGN_OR_RETURN(bool row, st.Step());
      if (!row) break;
      c.tags.emplace_back(st.Text(0));
    }
  }
  STORE_PREPARE(st, db, kSelectContactIdentities);
  st.Bind(1, c.id);
  while (true) {
    STORE_ASSIGN_OR_RETURN(bool row, st.Step());
    if (!row) break;
    Identity identity;
    CRIER_RETURN_IF_ERROR(ReadIdentityInto(st, 0, identity));
    c.identities.push_back(std::move(identity));
  }
  return Status::Ok();
}

Result<Broadcast> ReadBroadcast(const Statement& st) {
  Broadcast b;
  b.id = st.Int(0);
  b.name = st.Text(1);
  b.channel_account_id = st.Int(2);
  STORE_ASSIGN_OR_RETURN(b.purpose,
                         ParseStored(ParsePurpose(st.Text(3)), st.Text(3), "broadcast purpose"));
  STORE_ASSIGN_OR_RETURN(b.audience, ParseAudienceJson(st.Text(4)));
  STORE_ASSIGN_OR_RETURN(b.messages, ParseMessagesJson(st.Text(5)));
  STORE_ASSIGN_OR_RETURN(
      b.status, ParseStored(ParseBroadcastStatus(st.Text(6)), st.Text(6), "broadcast status"));
  b.created_at = st.TimeAt(7);
  b.updated_at = st.TimeAt(8);
  STORE_ASSIGN_OR_RETURN(b.outside_window, ParseOutsideWindowJson(st.Text(9)));
  b.track_clicks = st.Int(10) != 0;
  return b;
}

Result<Run> ReadRun(const Statement& st) {
  Run r;
  r.id = st.Int(0);
  r.broadcast_id = st.Int(1);
  r.channel_account_id = st.Int(2);
  STORE_ASSIGN_OR_RETURN(r.status,
                         ParseStored(ParseRunStatus(st.Text(3)), st.Text(3), "run status"));
  r.created_at = st.TimeAt(4);
  r.planned_at = st.OptionalTime(5);
  r.finished_at = st.OptionalTime(6);
  return r;
}

Result<DeliveryRecord> ReadDelivery(const Statement& st) {
  DeliveryRecord d;
  d.id = st.Int(0);
  d.run_id = st.Int(1);
  d.contact_id = st.Int(2);
  d.platform_user_id = st.Text(3);
  STORE_ASSIGN_OR_RETURN(
      d.state, ParseStored(StateFromCode(st.Int(4)), std::to_string(st.Int(4)), "delivery state"));
  d.route = st.Text(5);
  d.skip_reason = st.Text(6);
  d.platform_message_id = st.Text(7);
  d.error_class = st.Text(8);
  d.error_code = st.Text(9);
  d.error_message = st.Text(10);
  d.attempts = static_cast<int>(st.Int(11));
  d.created_at = st.TimeAt(12);
  d.sent_at = st.OptionalTime(13);
  d.updated_at = st.OptionalTime(14);
  return d;
}

template <class T, class Reader>
Result<T> SelectOneById(Connection& db, std::string_view sql, Id id, Reader read,
                        std::string_view what) {
  STORE_PREPARE(st, db, sql);
  st.Bind(1, id);
  STORE_ASSIGN_OR_RETURN(bool row, st.Step());
  if (!row) return NotFound(std::string(what) + " " + std::to_string(id) + " not found");
  return read(st);
}

Result<std::int64_t> SelectCount(Connection& db, std::string_view sql,
                                 std::optional<Id> param = std::nullopt) {
  STORE_PREPARE(st, db, sql);
  if (param.has_value()) st.Bind(1, *param);
  STORE_ASSIGN_OR_RETURN(bool row, st.Step());
  return row ? st.Int(0) : 0;
}

Result<bool> AccountExists(Connection& db, Id id) {
  STORE_PREPARE(st, db, kAccountExists);
  st.Bind(1, id);
  return st.Step();
}

// ---- input validation ---------------------------------------------------------------------

Status ValidateAccount(const NewChannelAccount& in) {
  const std::pair<std::string_view, const std::string*> required[] = {
      {"name", &in.name},
      {"external_id", &in.external_id},
      {"access_token", &in.access_token},
      {"api_base_url", &in.api_base_url},
      {"api_version", &in.api_version},
      {"time_zone", &in.time_zone}};
  for (const auto& [field, value] : required) {
    if (value->empty())
      return InvalidArgument(std::string(field), std::string(sqlite::kMustNotBeEmpty));
  }
  if (!std::isfinite(in.pacing.messages_per_second) || in.pacing.messages_per_second <= 0) {
    return InvalidArgument("pacing.messages_per_second", std::string(sqlite::kMustBePositive));
  }
  if (in.pacing.max_concurrency <= 0) {
    return InvalidArgument("pacing.max_concurrency", std::string(sqlite::kMustBePositive));
  }
  if (const auto& rate = in.pacing.platform_messages_per_second;
      rate && (!std::isfinite(*rate) || *rate <= 0)) {
    return InvalidArgument("pacing.platform_messages_per_second",
                           std::string(sqlite::kMustBePositive));
  }
  if (in.pacing.line_monthly_quota && *in.pacing.line_monthly_quota <= 0) {
    return InvalidArgument("pacing.line_monthly_quota", std::string(sqlite::kMustBePositive));
  }
  return Status::Ok();
}

// The checks that need no database; account existence is checked inside the transaction.
Status ValidateContactRow(const ContactInput& row, size_t i) {
  if (row.channel_account_id <= 0) {
    return InvalidArgument(Field("rows", i, "channel_account_id"),
                           std::string(sqlite::kMustBePositive));
  }
  if (row.platform_user_id.empty()) {
    return InvalidArgument(Field("rows", i, "platform_user_id"),
                           std::string(sqlite::kMustNotBeEmpty));
  }
  if (row.tags.has_value()) {
    for (size_t j = 0; j < row.tags->size(); ++j) {
      if ((*row.tags)[j].empty()) {
        return InvalidArgument(Field("rows", i) + Field(".tags", j),
                               std::string(sqlite::kMustNotBeEmpty));
      }
    }
  }
  if (!row.region.empty() && !IsRegionCode(row.region)) {
    return InvalidArgument(Field("rows", i, "region"), std::string(sqlite::kBadRegion));
  }
  if (row.marketing_token) {
    if (row.clear_marketing_token) {
      return InvalidArgument(Field("rows", i, "marketing_token"),
                             "is given and cleared at once; give a new token or clear it");
    }
    if (row.marketing_token->token.empty()) {
      return InvalidArgument(Field("rows", i, "marketing_token.token"),
                             std::string(sqlite::kMustNotBeEmpty));
    }
  }
  if (row.attributes.size() > kMaxAttributesPerContact) {
    return InvalidArgument(Field("rows", i, "attributes"),
                           "has " + std::to_string(row.attributes.size()) +
                               " attributes, at most " + std::to_string(kMaxAttributesPerContact) +
                               " allowed");
  }
  std::vector<std::string_view> keys;
  keys.reserve(row.attributes.size() + row.cleared_attributes.size());
  for (const Attribute& a : row.attributes) keys.push_back(a.key);
  for (const std::string& key : row.cleared_attributes) keys.push_back(key);
  for (std::string_view key : keys) {
    if (!IsAttributeKey(key)) {
      return InvalidArgument(
          Field("rows", i, "attributes"),
          "key \"" + std::string(key) + "\" " + std::string(sqlite::kBadAttributeKey));
    }
  }
  std::sort(keys.begin(), keys.end());
  if (auto dup = std::adjacent_find(keys.begin(), keys.end()); dup != keys.end()) {
    return InvalidArgument(Field("rows", i, "attributes." + std::string(*dup)), "is given twice");
  }
  for (const Attribute& a : row.attributes) {
    const std::string field = Field("rows", i, "attributes." + a.key);
    if (const auto* text = std::get_if<std::string>(&a.value);
        text != nullptr && text->size() > kMaxAttributeStringBytes) {
      return InvalidArgument(
          field, "is too long: at most " + std::to_string(kMaxAttributeStringBytes) + " bytes");
    }
    if (const auto* number = std::get_if<double>(&a.value);
        number != nullptr && !std::isfinite(*number)) {
      return InvalidArgument(field, "must be a finite number");
    }
  }
  return Status::Ok();
}

Status ValidateTagName(const std::string& name, std::string_view field) {
  if (name.empty())
    return InvalidArgument(std::string(field), std::string(sqlite::kMustNotBeEmpty));
  return Status::Ok();
}

Status ValidateTags(const std::vector<std::string>& tags, std::string_view field) {
  for (size_t j = 0; j < tags.size(); ++j) {
    if (tags[j].empty()) {
      return InvalidArgument(Field(field, j), std::string(sqlite::kMustNotBeEmpty));
    }
  }
  return Status::Ok();
}

Status ValidateBroadcast(const NewBroadcast& in) {
  if (in.name.empty()) return InvalidArgument("name", std::string(sqlite::kMustNotBeEmpty));
  if (in.channel_account_id <= 0) {
    return InvalidArgument("channel_account_id", std::string(sqlite::kMustBePositive));
  }
  if (in.messages.empty() || in.messages.size() > kMaxMessagesPerBroadcast) {
    return InvalidArgument("messages", "must hold 1 to " +
                                           std::to_string(kMaxMessagesPerBroadcast) +
                                           " messages, not " + std::to_string(in.messages.size()));
  }
  for (size_t i = 0; i < in.messages.size(); ++i) {
    const Message& m = in.messages[i];
    if (m.kind == MessageKind::kText && m.text.empty()) {
      return InvalidArgument(Field("messages", i, "text"), std::string(sqlite::kMustNotBeEmpty));
    }
    if (m.kind == MessageKind::kTemplate) {
      if (m.template_message.name.empty()) {
        return InvalidArgument(Field("messages", i, "template.name"),
                               std::string(sqlite::kMustNotBeEmpty));
      }
      if (m.template_message.language.empty()) {
        return InvalidArgument(Field("messages", i, "template.language"),
                               std::string(sqlite::kMustNotBeEmpty));
      }
    }
  }
  return ValidateTags(in.audience.any_tags, "audience.any_tags");
}

Status ValidateOutcome(const DeliveryOutcome& o, size_t i) {
  switch (o.state) {
    case DeliveryState::kSent:
      return Status::Ok();
    case DeliveryState::kFailed:
      if (o.error_class.empty()) {
        return InvalidArgument(Field("outcomes", i, "error_class"),
                               std::string(sqlite::kMustNotBeEmpty));
      }
      return Status::Ok();
    case DeliveryState::kSkipped:
      if (o.skip_reason.empty()) {
        return InvalidArgument(Field("outcomes", i, "skip_reason"),
                               std::string(sqlite::kMustNotBeEmpty));
      }
      return Status::Ok();
    case DeliveryState::kPlanned:
      if (!o.not_before.has_value()) {
        return InvalidArgument(Field("outcomes", i, "not_before"),
                               "a retry needs the earliest time of its next attempt");
      }
      return Status::Ok();
    case DeliveryState::kSending:
      break;
  }
  return InvalidArgument(Field("outcomes", i, "state"),
                         "must be sent, failed, skipped or planned (retry), not sending");
}

// ---- the contact change sequence ----------------------------------------------------------

// The change sequence of one write transaction: taken from the counter on first use, so a
// transaction that ends up changing no contact leaves the counter (and readers) alone.
class ChangeSeq {
 public:
  Result<std::int64_t> Get(Connection& db) {
    if (value_ == 0) {
      STORE_PREPARE(st, db, kNextChangeSeq);
      STORE_ASSIGN_OR_RETURN(bool row, st.Step());
      if (!row) return Internal("the contact change sequence is missing");
      value_ = st.Int(0);
    }
    return value_;
  }

 private:
  std::int64_t value_ = 0;
};

// Stamps every contact carrying `tag` with this transaction's change sequence.
Status StampTagCarriers(Connection& db, const std::string& tag, ChangeSeq& seq) {
  {
    STORE_PREPARE(st, db, kTagHasCarriers);
    st.BindText(1, tag);
    STORE_ASSIGN_OR_RETURN(bool carried, st.Step());
    if (!carried) return Status::Ok();
  }
  STORE_ASSIGN_OR_RETURN(std::int64_t value, seq.Get(db));
  STORE_PREPARE(st, db, kStampTagCarriers);
  st.BindText(1, tag);
  st.Bind(2, value);
  return st.Run();
}

// ---- reader pool --------------------------------------------------------------------------

// Read connections, handed out one per caller at a time. Idle ones are kept for reuse (their
// prepared statements with them); at most kMaxIdle, the rest are closed when returned.
class ReaderPool {
 public:
  explicit ReaderPool(ConnectionOptions options) : options_(std::move(options)) {}

  class Lease {
   public:
    Lease(ReaderPool* pool, std::unique_ptr<Connection> conn)
        : pool_(pool), conn_(std::move(conn)) {}
    Lease(Lease&&) = default;
    Lease& operator=(Lease&&) = delete;
    ~Lease() {
      if (conn_ != nullptr) pool_->Return(std::move(conn_));
    }
    Connection& operator*() { return *conn_; }

   private:
    ReaderPool* pool_;
    std::unique_ptr<Connection> conn_;
  };

  Result<Lease> Acquire() {
    {
      std::lock_guard lock(mu_);
      if (!idle_.empty()) {
        auto conn = std::move(idle_.back());
        idle_.pop_back();
        return Lease(this, std::move(conn));
      }
    }
    STORE_ASSIGN_OR_RETURN(auto conn, Connection::Open(options_));
    return Lease(this, std::move(conn));
  }

 private:
  static constexpr size_t kMaxIdle = 8;

  void Return(std::unique_ptr<Connection> conn) {
    std::lock_guard lock(mu_);
    if (idle_.size() < kMaxIdle) idle_.push_back(std::move(conn));
  }

  const ConnectionOptions options_;
  std::mutex mu_;
  std::vector<std::unique_ptr<Connection>> idle_;  // guarded by mu_
};

// ---- the store ----------------------------------------------------------------------------

// Reads whole contacts from three cursors in contact-id order: `contacts` (the contact
// columns), `tags` (contact_id, tag) and `identities` (contact_id and the identity columns),
// merged in memory so that no query runs per contact. Stops early if `visit` returns false.
Status MergeWholeContacts(Statement& contacts, Statement& tags, Statement& identities,
                          const std::function<bool(const Contact&)>& visit) {
  STORE_ASSIGN_OR_RETURN(bool tag_row, tags.Step());
  STORE_ASSIGN_OR_RETURN(bool identity_row, identities.Step());
  // One contact object reused for every visit: its strings and vectors keep their capacity.
  Contact c;
  while (true) {
    STORE_ASSIGN_OR_RETURN(bool more, contacts.Step());
    if (!more) return Status::Ok();
    CRIER_RETURN_IF_ERROR(ReadContactRowInto(contacts, c));
    // Rows of contacts before this one cannot exist (same filter, same order); skipping
    // keeps the merge correct even so.
    size_t n_tags = 0;
    while (tag_row && tags.Int(0) < c.id) {
      STORE_ASSIGN_OR_RETURN(tag_row, tags.Step());
    }
    while (tag_row && tags.Int(0) == c.id) {
      if (n_tags == c.tags.size()) c.tags.emplace_back();
      c.tags[n_tags++] = tags.Text(1);
      STORE_ASSIGN_OR_RETURN(tag_row, tags.Step());
    }
    c.tags.resize(n_tags);
    size_t n_identities = 0;
    while (identity_row && identities.Int(0) < c.id) {
      STORE_ASSIGN_OR_RETURN(identity_row, identities.Step());
    }
    while (identity_row && identities.Int(0) == c.id) {
      if (n_identities == c.identities.size()) c.identities.emplace_back();
      CRIER_RETURN_IF_ERROR(ReadIdentityInto(identities, 1, c.identities[n_identities]));
      ++n_identities;
      STORE_ASSIGN_OR_RETURN(identity_row, identities.Step());
    }
    c.identities.resize(n_identities);
    if (!visit(c)) return Status::Ok();
  }
}

class SqliteStore final : public Store {
 public:
  SqliteStore(std::unique_ptr<Connection> writer, ConnectionOptions reader_options)
      : writer_(std::move(writer)), readers_(std::move(reader_options)) {}

  // Channel accounts.

  Result<ChannelAccount> CreateChannelAccount(const NewChannelAccount& in, Time now) override {
    CRIER_RETURN_IF_ERROR(ValidateAccount(in));
    const std::string capabilities = CapabilitiesJson(in.capabilities);
    return Write([&](Connection& db) -> Result<ChannelAccount> {
      STORE_PREPARE(st, db, kInsertAccount);
      st.BindStaticText(1, ToString(in.platform));
      st.BindText(2, in.name);
      st.BindText(3, in.external_id);
      st.BindText(4, in.access_token);
      st.BindText(5, in.api_base_url);
      st.BindText(6, in.api_version);
      st.BindText(7, in.time_zone);
      st.Bind(8, in.pacing.messages_per_second);
      st.Bind(9, in.pacing.max_concurrency);
      st.Bind(10, now);
      st.BindStaticText(11, capabilities);
      if (in.pacing.platform_messages_per_second) {
        st.Bind(12, *in.pacing.platform_messages_per_second);
      } else {
        st.BindNull(12);
      }
      st.BindStaticText(13, ToString(in.pacing.whatsapp_tier));
      if (in.pacing.line_monthly_quota) {
        st.Bind(14, *in.pacing.line_monthly_quota);
      } else {
        st.BindNull(14);
      }
      st.BindText(15, in.webhook_secret);
      st.BindText(16, in.webhook_verify_token);
      CRIER_RETURN_IF_ERROR(st.Run());
      ChannelAccount a;
      a.id = db.LastInsertId();
      a.platform = in.platform;
      a.name = in.name;
      a.external_id = in.external_id;
      a.access_token = in.access_token;
      a.webhook_secret = in.webhook_secret;
      a.webhook_verify_token = in.webhook_verify_token;
      a.api_base_url = in.api_base_url;
      a.api_version = in.api_version;
      a.time_zone = in.time_zone;
      a.pacing = in.pacing;
      a.capabilities = in.capabilities;
      a.created_at = now;
      return a;
    });
  }

  Result<ChannelAccount> GetChannelAccount(Id id) override {
    return Read([&](Connection& db) {
      return SelectOneById<ChannelAccount>(db, kSelectAccount, id, ReadAccount, "channel account");
    });
  }

  Result<std::vector<ChannelAccount>> ListChannelAccounts() override {
    return Read([&](Connection& db) -> Result<std::vector<ChannelAccount>> {
      STORE_PREPARE(st, db, kSelectAccounts);
      std::vector<ChannelAccount> out;
      while (true) {
        STORE_ASSIGN_OR_RETURN(bool row, st.Step());
        if (!row) break;
        STORE_ASSIGN_OR_RETURN(auto account, ReadAccount(st));
        out.push_back(std::move(account));
      }
      return out;
    });
  }

  Result<ChannelAccount> UpdateChannelAccount(Id id, const ChannelAccountUpdate& update) override {
    return Write([&](Connection& db) -> Result<ChannelAccount> {
      STORE_ASSIGN_OR_RETURN(
          ChannelAccount a,
          SelectOneById<ChannelAccount>(db, kSelectAccount, id, ReadAccount, "channel account"));
      AccountCapabilities& c = a.capabilities;
      if (update.utility_messaging) c.utility_messaging = *update.utility_messaging;
      if (update.marketing_message_api) c.marketing_message_api = *update.marketing_message_api;
      if (update.business_region) c.business_region = *update.business_region;
      if (update.waba_id) c.waba_id = *update.waba_id;
      if (update.ad_account_id) c.ad_account_id = *update.ad_account_id;
      if (update.message_tags_locked) c.message_tags_locked = *update.message_tags_locked;
      if (update.official_domains) c.official_domains = *update.official_domains;
      if (update.messages_per_second) a.pacing.messages_per_second = *update.messages_per_second;
      if (update.max_concurrency) a.pacing.max_concurrency = *update.max_concurrency;
      if (update.webhook_secret) a.webhook_secret = *update.webhook_secret;
      if (update.webhook_verify_token) a.webhook_verify_token = *update.webhook_verify_token;
      if (!std::isfinite(a.pacing.messages_per_second) || a.pacing.messages_per_second <= 0) {
        return InvalidArgument("pacing.messages_per_second", std::string(sqlite::kMustBePositive));
      }
      if (a.pacing.max_concurrency <= 0) {
        return InvalidArgument("pacing.max_concurrency", std::string(sqlite::kMustBePositive));
      }
      if (!c.business_region.empty() && !IsRegionCode(c.business_region)) {
        return InvalidArgument("capabilities.business_region", std::string(sqlite::kBadRegion));
      }
      if (a.platform == Platform::kWhatsApp && c.waba_id.empty()) {
        return InvalidArgument("capabilities.waba_id",
                               "a WhatsApp account needs the WABA its number belongs to");
      }
      const std::string capabilities = CapabilitiesJson(c);
      STORE_PREPARE(st, db, kUpdateAccount);
      st.Bind(1, id);
      st.Bind(2, a.pacing.messages_per_second);
      st.Bind(3, a.pacing.max_concurrency);
      st.BindStaticText(4, capabilities);
      st.BindText(5, a.webhook_secret);
      st.BindText(6, a.webhook_verify_token);
      CRIER_RETURN_IF_ERROR(st.Run());
      return a;
    });
  }

  // Contacts.

  Result<UpsertSummary> UpsertContacts(std::span<const ContactInput> rows, Time now) override {
    for (size_t i = 0; i < rows.size(); ++i) CRIER_RETURN_IF_ERROR(ValidateContactRow(rows[i], i));
    if (rows.empty()) return UpsertSummary{};
    return Write([&](Connection& db) -> Result<UpsertSummary> {
      UpsertSummary summary;
      summary.contact_ids.reserve(rows.size());
      std::unordered_map<Id, bool> account_exists;
      std::unordered_set<std::string> known_tags;  // already in `tags` in this transaction
      ChangeSeq seq;
      STORE_ASSIGN_OR_RETURN(const std::int64_t change_seq, seq.Get(db));
      for (size_t i = 0; i < rows.size(); ++i) {
        const ContactInput& row = rows[i];
        auto known = account_exists.find(row.channel_account_id);
        if (known == account_exists.end()) {
          STORE_ASSIGN_OR_RETURN(bool exists, AccountExists(db, row.channel_account_id));
          known = account_exists.emplace(row.channel_account_id, exists).first;
        }
        if (!known->second) {
          return InvalidArgument(Field("rows", i, "channel_account_id"),
                                 NoAccount(row.channel_account_id));
        }
        STORE_ASSIGN_OR_RETURN(Id contact_id,
                               UpsertOne(db, row, i, now, change_seq, summary, known_tags));
        summary.contact_ids.push_back(contact_id);
      }
      return summary;
    });
  }

  Result<Contact> GetContact(Id id) override {
    return Read([&](Connection& db) -> Result<Contact> {
      ReadTransaction txn(db);
      CRIER_RETURN_IF_ERROR(txn.Begin());
      STORE_ASSIGN_OR_RETURN(
          Contact c, SelectOneById<Contact>(db, kSelectContact, id, ReadContactRow, "contact"));
      CRIER_RETURN_IF_ERROR(LoadContactDetails(db, c));
      return c;
    });
  }

  Result<Page<Contact>> ListContacts(const ContactQuery& query) override {
    CRIER_RETURN_IF_ERROR(CheckPage(query.page));
    return Read([&](Connection& db) -> Result<Page<Contact>> {
      ReadTransaction txn(db);
      CRIER_RETURN_IF_ERROR(txn.Begin());
      CRIER_RETURN_IF_ERROR(CheckAccountFilter(db, query.channel_account_id));
      std::vector<Contact> items;
      {
        STORE_PREPARE(st, db,
                      query.channel_account_id ? kSelectAccountContactsPage : kSelectContactsPage);
        st.Bind(1, query.page.after_id);
        st.Bind(2, query.page.limit + 1);
        if (query.channel_account_id) st.Bind(3, *query.channel_account_id);
        while (true) {
          STORE_ASSIGN_OR_RETURN(bool row, st.Step());
          if (!row) break;
          STORE_ASSIGN_OR_RETURN(Contact c, ReadContactRow(st));
          items.push_back(std::move(c));
        }
      }
      Page<Contact> page = MakePage(std::move(items), query.page.limit);
      for (Contact& c : page.items) CRIER_RETURN_IF_ERROR(LoadContactDetails(db, c));
      return page;
    });
  }

  Result<std::int64_t> CountContacts(std::optional<Id> channel_account_id) override {
    return Read([&](Connection& db) -> Result<std::int64_t> {
      if (!channel_account_id) return SelectCount(db, kCountContacts);
      CRIER_RETURN_IF_ERROR(CheckAccountFilter(db, channel_account_id));
      return SelectCount(db, kCountAccountContacts, channel_account_id);
    });
  }

  // Tags.

  Result<std::vector<TagInfo>> ListTags() override {
    return Read([&](Connection& db) -> Result<std::vector<TagInfo>> {
      STORE_PREPARE(st, db, kSelectTags);
      std::vector<TagInfo> out;
      while (true) {
        STORE_ASSIGN_OR_RETURN(bool row, st.Step());
        if (!row) break;
        out.push_back(TagInfo{std::string(st.Text(0)), st.Int(1)});
      }
      return out;
    });
  }

  Status CreateTag(const std::string& name) override {
    CRIER_RETURN_IF_ERROR(ValidateTagName(name, "name"));
    return Write([&](Connection& db) -> Status {
      STORE_ASSIGN_OR_RETURN(bool exists, TagExists(db, name));
      if (exists) return TagTaken(name);
      STORE_PREPARE(st, db, kInsertNewTag);
      st.BindText(1, name);
      return st.Run();
    });
  }

  Status RenameTag(const std::string& from, const std::string& to) override {
    CRIER_RETURN_IF_ERROR(ValidateTagName(to, "name"));
    return Write([&](Connection& db) -> Status {
      STORE_ASSIGN_OR_RETURN(bool from_exists, TagExists(db, from));
      if (!from_exists) return NoTag(from);
      if (from == to) return Status::Ok();
      STORE_ASSIGN_OR_RETURN(bool to_exists, TagExists(db, to));
      if (to_exists) {
        return Error{ErrorCode::kAlreadyExists,
                     "tag \"" + to + "\" already exists; renaming into it would merge two tags",
                     "name"};
      }
      ChangeSeq seq;
      CRIER_RETURN_IF_ERROR(StampTagCarriers(db, from, seq));
      for (std::string_view sql : {kRenameTag, kRenameContactTags}) {
        STORE_PREPARE(st, db, sql);
        st.BindText(1, from);
        st.BindText(2, to);
        CRIER_RETURN_IF_ERROR(st.Run());
      }
      return Status::Ok();
    });
  }

  Status DeleteTag(const std::string& name) override {
    return Write([&](Connection& db) -> Status {
      {
        STORE_PREPARE(st, db, kDeleteTag);
        st.BindText(1, name);
        CRIER_RETURN_IF_ERROR(st.Run());
        if (db.Changes() == 0) return NoTag(name);
      }
      ChangeSeq seq;
      CRIER_RETURN_IF_ERROR(StampTagCarriers(db, name, seq));
      STORE_PREPARE(st, db, kDeleteContactTags);
      st.BindText(1, name);
      return st.Run();
    });
  }

  Result<TagMembershipChange> AddTagToContacts(const std::string& tag,
                                               std::span<const Id> contact_ids, Time now) override {
    CRIER_RETURN_IF_ERROR(ValidateTagName(tag, "name"));
    return Write([&](Connection& db) -> Result<TagMembershipChange> {
      STORE_PREPARE(ensure, db, kEnsureTag);
      ensure.BindText(1, tag);
      CRIER_RETURN_IF_ERROR(ensure.Run());
      return ChangeMembership(db, tag, contact_ids, kInsertTag, now);
    });
  }

  Result<TagMembershipChange> RemoveTagFromContacts(const std::string& tag,
                                                    std::span<const Id> contact_ids,
                                                    Time now) override {
    return Write([&](Connection& db) -> Result<TagMembershipChange> {
      STORE_ASSIGN_OR_RETURN(bool exists, TagExists(db, tag));
      if (!exists) return NoTag(tag);
      return ChangeMembership(db, tag, contact_ids, kRemoveContactTag, now);
    });
  }

  static Result<bool> TagExists(Connection& db, const std::string& name) {
    STORE_PREPARE(st, db, kTagExists);
    st.BindText(1, name);
    return st.Step();
  }

  static Error NoTag(const std::string& name) {
    return Error{ErrorCode::kNotFound, "tag \"" + name + "\" not found", "name"};
  }

  static Error TagTaken(const std::string& name) {
    return Error{ErrorCode::kAlreadyExists, "tag \"" + name + "\" already exists", "name"};
  }

  // Runs `sql` (?1 contact id, ?2 tag) for every known contact; a contact whose tags changed
  // gets updated_at = now and the transaction's change sequence.
  static Result<TagMembershipChange> ChangeMembership(Connection& db, const std::string& tag,
                                                      std::span<const Id> contact_ids,
                                                      std::string_view sql, Time now) {
    TagMembershipChange out;
    STORE_PREPARE(exists, db, kContactExists);
    STORE_PREPARE(change, db, sql);
    STORE_PREPARE(touch, db, kTouchContact);
    change.BindStaticText(2, tag);
    touch.Bind(2, now);
    ChangeSeq seq;
    for (Id id : contact_ids) {
      exists.Bind(1, id);
      STORE_ASSIGN_OR_RETURN(bool found, exists.Step());
      exists.Reset();
      if (!found) {
        out.unknown_contact_ids.push_back(id);
        continue;
      }
      change.Bind(1, id);
      CRIER_RETURN_IF_ERROR(change.Run());
      change.Reset();
      if (db.Changes() == 0) continue;
      ++out.changed;
      STORE_ASSIGN_OR_RETURN(const std::int64_t change_seq, seq.Get(db));
      touch.Bind(1, id);
      touch.Bind(3, change_seq);
      CRIER_RETURN_IF_ERROR(touch.Run());
      touch.Reset();
    }
    return out;
  }

  Status ForEachRecipient(Id channel_account_id, const Audience& audience,
                          const std::function<bool(const RecipientRow&)>& visit) override {
    CRIER_RETURN_IF_ERROR(ValidateTags(audience.any_tags, "audience.any_tags"));
    return Read([&](Connection& db) -> Status {
      STORE_ASSIGN_OR_RETURN(ChannelAccount account,
                             SelectOneById<ChannelAccount>(db, kSelectAccount, channel_account_id,
                                                           ReadAccount, "channel account"));
      const bool filtered = !audience.any_tags.empty();
      const std::string tags_json = filtered ? TagsJson(audience.any_tags) : std::string();
      STORE_PREPARE(st, db, filtered ? kRecipientsWithTags : kRecipients);
      st.Bind(1, channel_account_id);
      if (filtered) st.BindStaticText(2, tags_json);
      // One row object reused for every visit: its strings keep their capacity.
      RecipientRow row;
      row.facts.platform = account.platform;
      row.facts.has_identity = true;
      while (true) {
        STORE_ASSIGN_OR_RETURN(bool more, st.Step());
        if (!more) return Status::Ok();
        row.contact_id = st.Int(0);
        const std::string_view user_id = st.Text(1);
        row.platform_user_id.assign(user_id.data(), user_id.size());
        CRIER_RETURN_IF_ERROR(ReadRecipientFacts(st, 2, row.platform_user_id, row.facts));
        if (!visit(row)) return Status::Ok();
      }
    });
  }

  Result<std::int64_t> ForEachContactChangedSince(
      std::int64_t after_seq, const std::function<bool(const Contact&)>& visit) override {
    if (after_seq < 0) return InvalidArgument("after_seq", "must not be negative");
    return Read([&](Connection& db) -> Result<std::int64_t> {
      ReadTransaction txn(db);
      CRIER_RETURN_IF_ERROR(txn.Begin());
      std::int64_t seq = 0;
      {
        STORE_PREPARE(st, db, kSelectChangeSeq);
        STORE_ASSIGN_OR_RETURN(bool row, st.Step());
        if (!row) return Internal("the contact change sequence is missing");
        seq = st.Int(0);
      }
      // Nothing can be newer than the snapshot's counter: skip the scans.
      if (after_seq >= seq) return seq;
      const bool all = after_seq == 0;
      STORE_PREPARE(contacts, db, all ? kAllContacts : kChangedContacts);
      STORE_PREPARE(tags, db, all ? kAllContactTags : kChangedContactTags);
      STORE_PREPARE(identities, db, all ? kAllIdentities : kChangedIdentities);
      if (!all) {
        contacts.Bind(1, after_seq);
        tags.Bind(1, after_seq);
        identities.Bind(1, after_seq);
      }
      CRIER_RETURN_IF_ERROR(MergeWholeContacts(contacts, tags, identities, visit));
      return seq;
    });
  }

  Result<std::vector<Contact>> GetContacts(std::span<const Id> ids) override {
    if (ids.size() > kMaxContactsPerGet) {
      return InvalidArgument("ids", "has " + std::to_string(ids.size()) + " ids, at most " +
                                        std::to_string(kMaxContactsPerGet) + " allowed");
    }
    std::vector<Contact> out;
    if (ids.empty()) return out;
    std::string list = "[";
    for (Id id : ids) {
      if (list.size() > 1) list += ',';
      list += std::to_string(id);
    }
    list += ']';
    return Read([&](Connection& db) -> Result<std::vector<Contact>> {
      ReadTransaction txn(db);
      CRIER_RETURN_IF_ERROR(txn.Begin());
      STORE_PREPARE(contacts, db, kContactsByIds);
      STORE_PREPARE(tags, db, kContactTagsByIds);
      STORE_PREPARE(identities, db, kIdentitiesByIds);
      contacts.BindStaticText(1, list);
      tags.BindStaticText(1, list);
      identities.BindStaticText(1, list);
      out.reserve(ids.size());
      CRIER_RETURN_IF_ERROR(MergeWholeContacts(contacts, tags, identities, [&](const Contact& c) {
        out.push_back(c);
        return true;
      }));
      return out;
    });
  }

  // Segments (the SQL and the reference rules live in sqlite/segments.cpp).

  Result<Segment> CreateSegment(const NewSegment& in, Time now) override {
    return Write([&](Connection& db) { return sqlite::InsertSegment(db, in, now); });
  }

  Result<Segment> GetSegment(Id id) override {
    return Read([&](Connection& db) { return sqlite::SelectSegment(db, id); });
  }

  Result<Segment> GetSegmentByName(const std::string& name) override {
    return Read([&](Connection& db) { return sqlite::SelectSegmentByName(db, name); });
  }

  Result<Page<Segment>> ListSegments(const PageRequest& page) override {
    CRIER_RETURN_IF_ERROR(CheckPage(page));
    return Read([&](Connection& db) { return sqlite::SelectSegmentsPage(db, page); });
  }

  Result<Segment> UpdateSegment(Id id, const SegmentUpdate& update, Time now) override {
    return Write([&](Connection& db) { return sqlite::ApplySegmentUpdate(db, id, update, now); });
  }

  Status DeleteSegment(Id id) override {
    return Write([&](Connection& db) { return sqlite::RemoveSegment(db, id); });
  }

  Result<std::vector<Segment>> ResolveSegments(std::span<const std::string> names) override {
    return Read([&](Connection& db) { return sqlite::SelectSegmentClosure(db, names); });
  }

  // Broadcasts.

  // Template registry (the SQL lives in sqlite/templates.cpp).

  Result<RegisteredTemplate> CreateTemplate(const TemplateDefinition& in, Time now) override {
    return Write([&](Connection& db) { return sqlite::InsertTemplate(db, in, now); });
  }

  Result<RegisteredTemplate> GetTemplate(Id id) override {
    return Read([&](Connection& db) { return sqlite::SelectTemplate(db, id); });
  }

  Result<Page<RegisteredTemplate>> ListTemplates(const TemplateQuery& query) override {
    return Read([&](Connection& db) { return sqlite::SelectTemplatesPage(db, query); });
  }

  Result<RegisteredTemplate> UpdateTemplate(Id id, const TemplateUpdate& update,
                                            Time now) override {
    return Write([&](Connection& db) { return sqlite::ApplyTemplateUpdate(db, id, update, now); });
  }

  Status DeleteTemplate(Id id) override {
    return Write([&](Connection& db) { return sqlite::RemoveTemplate(db, id); });
  }

  Result<Broadcast> CreateBroadcast(const NewBroadcast& in, Time now) override {
    CRIER_RETURN_IF_ERROR(ValidateBroadcast(in));
    const std::string audience = AudienceJson(in.audience);
    const std::string messages = MessagesJson(in.messages);
    const std::string outside_window = OutsideWindowJson(in.outside_window);
    return Write([&](Connection& db) -> Result<Broadcast> {
      STORE_ASSIGN_OR_RETURN(bool exists, AccountExists(db, in.channel_account_id));
      if (!exists) return InvalidArgument("channel_account_id", NoAccount(in.channel_account_id));
      STORE_PREPARE(st, db, kInsertBroadcast);
      st.BindText(1, in.name);
      st.Bind(2, in.channel_account_id);
      st.BindStaticText(3, ToString(in.purpose));
      st.BindStaticText(4, audience);
      st.BindStaticText(5, messages);
      st.BindStaticText(6, ToString(BroadcastStatus::kDraft));
      st.Bind(7, now);
      st.BindStaticText(8, outside_window);
      st.Bind(9, in.track_clicks);
      CRIER_RETURN_IF_ERROR(st.Run());
      Broadcast b;
      b.id = db.LastInsertId();
      CRIER_RETURN_IF_ERROR(
          sqlite::LinkBroadcastSegments(db, b.id, in.audience.filter, "audience.filter"));
      b.name = in.name;
      b.channel_account_id = in.channel_account_id;
      b.purpose = in.purpose;
      b.audience = in.audience;
      b.messages = in.messages;
      b.outside_window = in.outside_window;
      b.track_clicks = in.track_clicks;
      b.status = BroadcastStatus::kDraft;
      b.created_at = now;
      b.updated_at = now;
      return b;
    });
  }

  Result<Broadcast> GetBroadcast(Id id) override {
    return Read([&](Connection& db) {
      return SelectOneById<Broadcast>(db, kSelectBroadcast, id, ReadBroadcast, "broadcast");
    });
  }

  Result<Page<Broadcast>> ListBroadcasts(const PageRequest& page) override {
    CRIER_RETURN_IF_ERROR(CheckPage(page));
    return Read([&](Connection& db) -> Result<Page<Broadcast>> {
      STORE_PREPARE(st, db, kSelectBroadcastsPage);
      st.Bind(1, page.after_id);
      st.Bind(2, page.limit + 1);
      std::vector<Broadcast> items;
      while (true) {
        STORE_ASSIGN_OR_RETURN(bool row, st.Step());
        if (!row) break;
        STORE_ASSIGN_OR_RETURN(Broadcast b, ReadBroadcast(st));
        items.push_back(std::move(b));
      }
      return MakePage(std::move(items), page.limit);
    });
  }

  Status SetBroadcastStatus(Id id, BroadcastStatus status, Time now) override {
    return Write([&](Connection& db) { return UpdateBroadcastStatus(db, id, status, now); });
  }

  static Status UpdateBroadcastStatus(Connection& db, Id id, BroadcastStatus status, Time now) {
    STORE_PREPARE(st, db, kUpdateBroadcastStatus);
    st.Bind(1, id);
    st.BindStaticText(2, ToString(status));
    st.Bind(3, now);
    CRIER_RETURN_IF_ERROR(st.Run());
    if (db.Changes() == 0) return NotFound("broadcast " + std::to_string(id) + " not found");
    return Status::Ok();
  }

  // Runs.

  Result<Run> CreateRun(Id broadcast_id, Time now) override {
    return Write([&](Connection& db) -> Result<Run> {
      Id account_id = 0;
      {
        STORE_PREPARE(st, db, kSelectBroadcastAccount);
        st.Bind(1, broadcast_id);
        STORE_ASSIGN_OR_RETURN(bool row, st.Step());
        if (!row) return NotFound("broadcast " + std::to_string(broadcast_id) + " not found");
        account_id = st.Int(0);
      }
      STORE_PREPARE(st, db, kInsertRun);
      st.Bind(1, broadcast_id);
      st.Bind(2, account_id);
      st.BindStaticText(3, ToString(RunStatus::kPlanning));
      st.Bind(4, now);
      CRIER_RETURN_IF_ERROR(st.Run());
      Run run;
      run.id = db.LastInsertId();
      run.broadcast_id = broadcast_id;
      run.channel_account_id = account_id;
      run.status = RunStatus::kPlanning;
      run.created_at = now;
      return run;
    });
  }

  Result<Run> GetRun(Id id) override {
    return Read(
        [&](Connection& db) { return SelectOneById<Run>(db, kSelectRun, id, ReadRun, "run"); });
  }

  Result<std::vector<Run>> ListRuns(Id broadcast_id) override {
    return Read([&](Connection& db) -> Result<std::vector<Run>> {
      ReadTransaction txn(db);
      CRIER_RETURN_IF_ERROR(txn.Begin());
      {
        STORE_PREPARE(st, db, kSelectBroadcastAccount);
        st.Bind(1, broadcast_id);
        STORE_ASSIGN_OR_RETURN(bool row, st.Step());
        if (!row) return NotFound("broadcast " + std::to_string(broadcast_id) + " not found");
      }
      return SelectRuns(db, kSelectRunsOfBroadcast,
                        [&](Statement& st) { st.Bind(1, broadcast_id); });
    });
  }

  Status SetRunStatus(Id run_id, RunStatus status, Time now) override {
    return Write([&](Connection& db) -> Status {
      STORE_PREPARE(st, db, kUpdateRunStatus);
      st.Bind(1, run_id);
      st.BindStaticText(2, ToString(status));
      st.Bind(3, now);
      CRIER_RETURN_IF_ERROR(st.Run());
      if (db.Changes() == 0) return NotFound("run " + std::to_string(run_id) + " not found");
      return Status::Ok();
    });
  }

  Result<std::vector<Run>> ListActiveRuns() override {
    return Read([&](Connection& db) {
      return SelectRuns(db, kSelectRunsWithStatus,
                        [](Statement& st) { st.BindStaticText(1, ToString(RunStatus::kSending)); });
    });
  }

  // Deliveries.

  Status AppendDeliveries(Id run_id, std::span<const PlannedDelivery> batch, Time now) override {
    for (size_t i = 0; i < batch.size(); ++i) {
      if (batch[i].contact_id <= 0) {
        return InvalidArgument(Field("batch", i, "contact_id"),
                               std::string(sqlite::kMustBePositive));
      }
      if (batch[i].decision.sends() && batch[i].platform_user_id.empty()) {
        return InvalidArgument(Field("batch", i, "platform_user_id"),
                               "must not be empty when the delivery is to be sent");
      }
    }
    return Write([&](Connection& db) -> Status {
      STORE_ASSIGN_OR_RETURN(RunLedger ledger, LoadLedger(db, run_id));
      if (ledger.status != RunStatus::kPlanning && ledger.status != RunStatus::kSending) {
        return FailedPrecondition("run " + std::to_string(run_id) + " is " +
                                  std::string(ToString(ledger.status)) +
                                  "; deliveries can no longer be added");
      }
      if (batch.empty()) return Status::Ok();
      std::int64_t planned = 0;
      Id first = 0;
      {
        STORE_PREPARE(st, db, kInsertDelivery);
        // Parameters that do not change stay bound across steps.
        st.Bind(1, run_id);
        st.Bind(7, now);
        for (const PlannedDelivery& d : batch) {
          st.Bind(2, d.contact_id);
          st.BindStaticText(3, d.platform_user_id);
          const std::string_view code = d.decision.code();  // static storage
          if (d.decision.sends()) {
            ++planned;
            st.Bind(4, kStatePlanned);
            st.BindStaticText(5, code);
            st.BindNull(6);
          } else {
            st.Bind(4, kStateSkipped);
            st.BindNull(5);
            st.BindStaticText(6, code);
          }
          CRIER_RETURN_IF_ERROR(st.Run());
          st.Reset();
          if (first == 0) first = db.LastInsertId();
        }
      }
      // New rowids only grow, so the batch lies within [first, last].
      const Id last = db.LastInsertId();
      STORE_PREPARE(st, db, kExtendRunLedger);
      st.Bind(1, run_id);
      st.Bind(2, first);
      st.Bind(3, last);
      st.Bind(4, planned);
      return st.Run();
    });
  }

  Result<std::vector<ClaimedDelivery>> ClaimDeliveries(Id run_id, int max, Time now) override {
    if (max < 1 || max > sqlite::kMaxPageLimit) {
      return InvalidArgument("max",
                             "must be between 1 and " + std::to_string(sqlite::kMaxPageLimit));
    }
    return Write([&](Connection& db) -> Result<std::vector<ClaimedDelivery>> {
      Id broadcast_id = 0;
      Id account_id = 0;
      Id cursor = 0;
      Id last = 0;
      Platform platform = Platform::kMessenger;
      {
        STORE_PREPARE(st, db, kSelectRunForClaim);
        st.Bind(1, run_id);
        STORE_ASSIGN_OR_RETURN(bool row, st.Step());
        if (!row) return NotFound("run " + std::to_string(run_id) + " not found");
        broadcast_id = st.Int(0);
        account_id = st.Int(1);
        STORE_ASSIGN_OR_RETURN(RunStatus status,
                               ParseStored(ParseRunStatus(st.Text(2)), st.Text(2), "run status"));
        // A finished or cancelled run sends nothing more.
        if (status != RunStatus::kPlanning && status != RunStatus::kSending) {
          return std::vector<ClaimedDelivery>{};
        }
        STORE_ASSIGN_OR_RETURN(platform, ParseStored(ParsePlatform(st.Text(3)), st.Text(3),
                                                     "channel account platform"));
        cursor = st.Int(4);
        last = st.Int(5);  // 0 (NULL) while nothing was appended
      }
      std::vector<ClaimedDelivery> claimed;
      claimed.reserve(max);
      const ClaimContext context{run_id, broadcast_id, platform};

      STORE_PREPARE(retries, db, kSelectDueRetries);
      retries.Bind(1, run_id);
      retries.Bind(2, account_id);
      retries.Bind(3, now);
      retries.Bind(4, max);
      CRIER_RETURN_IF_ERROR(ReadClaimed(retries, context, claimed));
      const size_t retried = claimed.size();
      {
        STORE_PREPARE(mark, db, kMarkOneSending);
        mark.Bind(2, now);
        for (size_t i = 0; i < retried; ++i) {
          mark.Bind(1, claimed[i].delivery_id);
          CRIER_RETURN_IF_ERROR(mark.Run());
          mark.Reset();
        }
      }

      const int wanted = max - static_cast<int>(retried);
      if (wanted > 0 && last > cursor) {
        STORE_PREPARE(fresh, db, kSelectFresh);
        fresh.Bind(1, run_id);
        fresh.Bind(2, account_id);
        fresh.Bind(4, wanted);
        fresh.Bind(5, cursor);
        fresh.Bind(6, last);
        CRIER_RETURN_IF_ERROR(ReadClaimed(fresh, context, claimed));
        const size_t got = claimed.size() - retried;
        if (got > 0) {
          STORE_PREPARE(mark, db, kMarkFreshSending);
          mark.Bind(1, run_id);
          mark.Bind(2, claimed[retried].delivery_id);
          mark.Bind(3, claimed.back().delivery_id);
          mark.Bind(4, now);
          CRIER_RETURN_IF_ERROR(mark.Run());
          if (db.Changes() != static_cast<std::int64_t>(got)) {
            return Internal("claim marked " + std::to_string(db.Changes()) +
                            " deliveries as sending, expected " + std::to_string(got));
          }
        }
        // A short page means the scan reached the end of the run's rows.
        const Id new_cursor = static_cast<int>(got) < wanted ? last : claimed.back().delivery_id;
        STORE_PREPARE(advance, db, kAdvanceClaimCursor);
        advance.Bind(1, run_id);
        advance.Bind(2, new_cursor);
        CRIER_RETURN_IF_ERROR(advance.Run());
      }
      return claimed;
    });
  }

  Status RecordOutcomes(std::span<const DeliveryOutcome> outcomes) override {
    for (size_t i = 0; i < outcomes.size(); ++i) {
      CRIER_RETURN_IF_ERROR(ValidateOutcome(outcomes[i], i));
    }
    if (outcomes.empty()) return Status::Ok();
    return Write([&](Connection& db) -> Status {
      PendingChanges resolved;
      ChangeSeq seq;
      for (size_t i = 0; i < outcomes.size(); ++i) {
        STORE_ASSIGN_OR_RETURN(Id run_id, RecordOne(db, outcomes[i], i));
        if (IsFinal(outcomes[i].state)) resolved.Add(run_id, 1);
        CRIER_RETURN_IF_ERROR(ApplyRecipientEffects(db, outcomes[i], seq));
      }
      return resolved.Apply(db);
    });
  }

  Result<Id> CreateLineBatch(const LineBatch& batch, std::span<const Id> delivery_ids,
                             Time now) override {
    if (delivery_ids.empty()) {
      return InvalidArgument("delivery_ids", "a batch needs at least one delivery");
    }
    return Write([&](Connection& db) -> Result<Id> {
      {
        STORE_PREPARE(st, db, kInsertLineBatch);
        st.Bind(1, batch.run_id);
        st.Bind(2, static_cast<std::int64_t>(batch.message_index));
        st.BindText(3, batch.retry_key);
        st.Bind(4, batch.key_first_used_at);
        st.Bind(5, batch.attempts);
        st.BindText(6, batch.message_ids);
        st.Bind(7, now);
        CRIER_RETURN_IF_ERROR(st.Run());
      }
      const Id id = db.LastInsertId();
      STORE_PREPARE(join, db, kJoinLineBatch);
      join.Bind(2, id);
      join.Bind(3, batch.run_id);
      for (const Id delivery : delivery_ids) {
        join.Bind(1, delivery);
        CRIER_RETURN_IF_ERROR(join.Run());
        if (db.Changes() != 1) {
          return FailedPrecondition("delivery " + std::to_string(delivery) +
                                    " is not sending in run " + std::to_string(batch.run_id) +
                                    " outside a batch");
        }
        join.Reset();
      }
      return id;
    });
  }

  Status UpdateLineBatch(const LineBatch& batch) override {
    return Write([&](Connection& db) -> Status {
      STORE_PREPARE(st, db, kUpdateLineBatch);
      st.Bind(1, batch.id);
      st.Bind(2, static_cast<std::int64_t>(batch.message_index));
      st.BindText(3, batch.retry_key);
      st.Bind(4, batch.key_first_used_at);
      st.Bind(5, batch.attempts);
      st.BindText(6, batch.message_ids);
      CRIER_RETURN_IF_ERROR(st.Run());
      if (db.Changes() != 1)
        return NotFound("line batch " + std::to_string(batch.id) + " not found");
      return Status::Ok();
    });
  }

  Result<std::vector<OpenLineBatch>> ListOpenLineBatches(Id run_id) override {
    return Read([&](Connection& db) -> Result<std::vector<OpenLineBatch>> {
      std::vector<OpenLineBatch> out;
      STORE_PREPARE(st, db, kSelectOpenLineBatches);
      st.Bind(1, run_id);
      for (;;) {
        STORE_ASSIGN_OR_RETURN(bool row, st.Step());
        if (!row) break;
        const Id id = st.Int(0);
        if (out.empty() || out.back().batch.id != id) {
          OpenLineBatch open;
          open.batch.id = id;
          open.batch.run_id = run_id;
          open.batch.message_index = static_cast<std::size_t>(st.Int(1));
          open.batch.retry_key = std::string(st.Text(2));
          open.batch.key_first_used_at = st.TimeAt(3);
          open.batch.attempts = static_cast<int>(st.Int(4));
          open.batch.message_ids = std::string(st.Text(5));
          out.push_back(std::move(open));
        }
        out.back().members.push_back({st.Int(6), std::string(st.Text(7))});
      }
      return out;
    });
  }

  Result<bool> CompleteRunIfDone(Id run_id, Time now) override {
    return Write([&](Connection& db) -> Result<bool> {
      STORE_ASSIGN_OR_RETURN(RunLedger ledger, LoadLedger(db, run_id));
      // Only a run that finished planning and is sending can be done; a planning run may
      // still be appended to.
      if (ledger.status != RunStatus::kSending || ledger.pending > 0) return false;
      Id broadcast_id = 0;
      {
        STORE_PREPARE(st, db, kCompleteRun);
        st.Bind(1, run_id);
        st.Bind(2, now);
        STORE_ASSIGN_OR_RETURN(bool row, st.Step());
        if (!row) return NotFound("run " + std::to_string(run_id) + " not found");
        broadcast_id = st.Int(0);
      }
      CRIER_RETURN_IF_ERROR(
          UpdateBroadcastStatus(db, broadcast_id, BroadcastStatus::kCompleted, now));
      return true;
    });
  }

  Status StartRun(Id run_id, Time now) override {
    return Write([&](Connection& db) -> Status {
      Id broadcast_id = 0;
      {
        STORE_PREPARE(st, db, kStartRun);
        st.Bind(1, run_id);
        st.Bind(2, now);
        STORE_ASSIGN_OR_RETURN(bool row, st.Step());
        if (!row) {
          return FailedPrecondition("run " + std::to_string(run_id) +
                                    " is not planning (unknown, or already started)");
        }
        broadcast_id = st.Int(0);
      }
      return UpdateBroadcastStatus(db, broadcast_id, BroadcastStatus::kSending, now);
    });
  }

  Result<std::int64_t> RecoverInterrupted(Time now) override {
    return Write([&](Connection& db) -> Result<std::int64_t> {
      PendingChanges resolved;
      std::int64_t count = 0;
      {
        STORE_PREPARE(st, db, kRecoverInterrupted);
        st.BindStaticText(1, sqlite::kInterruptedErrorClass);
        st.BindStaticText(2, sqlite::kInterruptedErrorMessage);
        st.Bind(3, now);
        st.Bind(4, now - kLineRetryKeyLifetime);
        while (true) {
          STORE_ASSIGN_OR_RETURN(bool row, st.Step());
          if (!row) break;
          resolved.Add(st.Int(0), 1);
          ++count;
        }
      }
      CRIER_RETURN_IF_ERROR(resolved.Apply(db));
      {
        STORE_PREPARE(st, db, kCancelPlanningRuns);
        st.Bind(1, now);
        CRIER_RETURN_IF_ERROR(st.Run());
      }
      return count;
    });
  }

  Result<RunReport> GetRunReport(Id run_id) override {
    return Read([&](Connection& db) -> Result<RunReport> {
      ReadTransaction txn(db);
      CRIER_RETURN_IF_ERROR(txn.Begin());
      RunReport report;
      STORE_ASSIGN_OR_RETURN(report.run,
                             SelectOneById<Run>(db, kSelectRun, run_id, ReadRun, "run"));
      STORE_ASSIGN_OR_RETURN(RunLedger ledger, LoadLedger(db, run_id));
      std::int64_t by_state[std::size(kAllDeliveryStates)] = {};
      std::map<std::string, std::int64_t, std::less<>> by_route, by_skip, by_error, waiting;
      if (ledger.last > 0) {
        // One pass over the run's rows; the groups are few, so maps stay tiny.
        STORE_PREPARE(st, db, kScanRunForReport);
        st.Bind(1, run_id);
        st.Bind(2, ledger.first);
        st.Bind(3, ledger.last);
        auto count = [](auto& groups, std::string_view key) {
          auto it = groups.find(key);
          if (it == groups.end()) it = groups.emplace(std::string(key), 0).first;
          ++it->second;
        };
        while (true) {
          STORE_ASSIGN_OR_RETURN(bool row, st.Step());
          if (!row) break;
          const std::int64_t state = st.Int(0);
          if (state < 0 || state >= static_cast<std::int64_t>(std::size(by_state))) {
            return Internal("stored delivery state " + std::to_string(state) +
                            " is not recognised");
          }
          ++by_state[state];
          ++report.matched;
          if (state == kStatePlanned && (!st.IsNull(3) || !st.IsNull(4))) {
            // Put back after a platform error or a ceiling: why it waits.
            count(waiting, !st.IsNull(3) ? st.Text(3) : st.Text(4));
          }
          if (state == kStatePlanned || state == kStateSending || state == kStateSent) {
            if (!st.IsNull(1)) count(by_route, st.Text(1));
          } else if (state == kStateSkipped) {
            count(by_skip, st.Text(2));
          } else if (state == kStateFailed) {
            // A failure without a platform code (e.g. "interrupted") counts under its class.
            count(by_error, !st.IsNull(3)   ? st.Text(3)
                            : !st.IsNull(4) ? st.Text(4)
                                            : std::string_view("unknown"));
          }
        }
      }
      // Every state is listed, zeros included, so reports have a stable shape.
      for (DeliveryState s : kAllDeliveryStates) {
        report.by_state.emplace_back(std::string(ToString(s)), by_state[StateCode(s)]);
      }
      report.by_route.assign(by_route.begin(), by_route.end());
      report.by_skip_reason.assign(by_skip.begin(), by_skip.end());
      report.by_error.assign(by_error.begin(), by_error.end());
      report.waiting.assign(waiting.begin(), waiting.end());
      STORE_PREPARE(clicks, db, kRunClicks);
      clicks.Bind(1, run_id);
      while (true) {
        STORE_ASSIGN_OR_RETURN(bool row, clicks.Step());
        if (!row) break;
        report.clicks.push_back(
            {static_cast<std::size_t>(clicks.Int(0)), clicks.Int(1), clicks.Int(2)});
      }
      STORE_PREPARE(clicked, db, kRunClickedContacts);
      clicked.Bind(1, run_id);
      STORE_ASSIGN_OR_RETURN(bool counted, clicked.Step());
      if (counted) report.clicked_contacts = clicked.Int(0);
      return report;
    });
  }

  Status RecordClick(const ClickRecord& click) override {
    return Write([&](Connection& db) -> Status {
      STORE_PREPARE(st, db, kInsertClick);
      st.Bind(1, click.run_id);
      st.Bind(2, click.contact_id);
      st.Bind(3, static_cast<std::int64_t>(click.link_index));
      st.Bind(4, click.at);
      return st.Run();
    });
  }

  Result<std::string> EnsureSecret(std::string_view name, std::string_view candidate,
                                   Time now) override {
    return Write([&](Connection& db) -> Result<std::string> {
      STORE_PREPARE(insert, db, kInsertSecretIfAbsent);
      insert.BindText(1, name);
      insert.BindText(2, candidate);
      insert.Bind(3, now);
      CRIER_RETURN_IF_ERROR(insert.Run());
      STORE_PREPARE(select, db, kSelectSecret);
      select.BindText(1, name);
      STORE_ASSIGN_OR_RETURN(bool row, select.Step());
      if (!row) return Internal("secret " + std::string(name) + " was not stored");
      return std::string(select.Text(0));
    });
  }

  Result<std::vector<RecipientFirstSend>> ListRecipientsSentSince(Id channel_account_id,
                                                                  RouteKind route,
                                                                  Time since) override {
    return Read([&](Connection& db) -> Result<std::vector<RecipientFirstSend>> {
      STORE_PREPARE(st, db, kSelectRecipientsSentSince);
      st.Bind(1, channel_account_id);
      st.Bind(2, since);
      st.BindStaticText(3, ToString(route));
      st.BindStaticText(4, sqlite::kInterruptedErrorClass);
      std::vector<RecipientFirstSend> out;
      while (true) {
        STORE_ASSIGN_OR_RETURN(bool row, st.Step());
        if (!row) break;
        out.push_back({std::string(st.Text(0)), st.TimeAt(1)});
      }
      return out;
    });
  }

  Result<std::int64_t> CountMessagesSentSince(Id channel_account_id, Time since) override {
    return Read([&](Connection& db) -> Result<std::int64_t> {
      STORE_PREPARE(st, db, kCountMessagesSentSince);
      st.Bind(1, channel_account_id);
      st.Bind(2, since);
      STORE_ASSIGN_OR_RETURN(bool row, st.Step());
      return row ? st.Int(0) : 0;
    });
  }

  Result<Page<DeliveryRecord>> ListDeliveries(Id run_id, const PageRequest& page) override {
    CRIER_RETURN_IF_ERROR(CheckPage(page));
    return Read([&](Connection& db) -> Result<Page<DeliveryRecord>> {
      STORE_ASSIGN_OR_RETURN(RunLedger ledger, LoadLedger(db, run_id));
      std::vector<DeliveryRecord> items;
      if (ledger.last > 0) {
        STORE_PREPARE(st, db, kSelectDeliveriesPage);
        st.Bind(1, std::max(page.after_id, ledger.first - 1));
        st.Bind(2, ledger.last);
        st.Bind(3, run_id);
        st.Bind(4, page.limit + 1);
        while (true) {
          STORE_ASSIGN_OR_RETURN(bool row, st.Step());
          if (!row) break;
          STORE_ASSIGN_OR_RETURN(DeliveryRecord d, ReadDelivery(st));
          items.push_back(std::move(d));
        }
      }
      return MakePage(std::move(items), page.limit);
    });
  }

  Result<std::int64_t> CountPendingDeliveries() override {
    return Read([&](Connection& db) { return SelectCount(db, kCountPending); });
  }

  // Webhooks in.

  Result<std::vector<PressOutcome>> ApplyPresses(std::span<const InboundPress> presses,
                                                 Time now) override {
    for (size_t i = 0; i < presses.size(); ++i) {
      if (presses[i].platform_user_id.empty()) {
        return InvalidArgument(Field("presses", i, "platform_user_id"),
                               std::string(sqlite::kMustNotBeEmpty));
      }
      if (presses[i].event_id.empty()) {
        return InvalidArgument(Field("presses", i, "event_id"),
                               std::string(sqlite::kMustNotBeEmpty));
      }
    }
    if (presses.empty()) return std::vector<PressOutcome>{};
    return Write([&](Connection& db) -> Result<std::vector<PressOutcome>> {
      {
        STORE_PREPARE(prune, db, kPruneEvents);
        prune.Bind(1, now - kWebhookEventRetention);
        CRIER_RETURN_IF_ERROR(prune.Run());
      }
      std::vector<PressOutcome> outcomes;
      outcomes.reserve(presses.size());
      std::unordered_map<Id, bool> account_exists;
      ChangeSeq seq;
      for (size_t i = 0; i < presses.size(); ++i) {
        const InboundPress& press = presses[i];
        auto known = account_exists.find(press.channel_account_id);
        if (known == account_exists.end()) {
          STORE_ASSIGN_OR_RETURN(bool exists, AccountExists(db, press.channel_account_id));
          known = account_exists.emplace(press.channel_account_id, exists).first;
        }
        if (!known->second) {
          return InvalidArgument(Field("presses", i, "channel_account_id"),
                                 NoAccount(press.channel_account_id));
        }
        STORE_ASSIGN_OR_RETURN(PressOutcome outcome, ApplyPress(db, press, now, seq));
        outcomes.push_back(std::move(outcome));
      }
      return outcomes;
    });
  }

  // API keys.

  Result<ApiKeyRecord> CreateApiKey(const std::string& name, const std::string& role,
                                    const std::string& key_hash, Time now) override {
    if (name.empty()) return InvalidArgument("name", std::string(sqlite::kMustNotBeEmpty));
    if (role.empty()) return InvalidArgument("role", std::string(sqlite::kMustNotBeEmpty));
    if (key_hash.empty()) {
      return InvalidArgument("key_hash", std::string(sqlite::kMustNotBeEmpty));
    }
    return Write([&](Connection& db) -> Result<ApiKeyRecord> {
      STORE_PREPARE(st, db, kInsertApiKey);
      st.BindText(1, name);
      st.BindText(2, role);
      st.BindText(3, key_hash);
      st.Bind(4, now);
      const int rc = st.StepRaw();
      if (rc == SQLITE_CONSTRAINT_UNIQUE) {
        return Error{ErrorCode::kAlreadyExists, "an API key with this hash already exists",
                     "key_hash"};
      }
      if (rc != SQLITE_DONE) return sqlite::SqliteError(db.handle(), rc, "storing an API key");
      return ApiKeyRecord{db.LastInsertId(), name, role, now};
    });
  }

  Result<std::optional<ApiKeyRecord>> FindApiKeyByHash(const std::string& key_hash) override {
    return Read([&](Connection& db) -> Result<std::optional<ApiKeyRecord>> {
      STORE_PREPARE(st, db, kSelectApiKeyByHash);
      st.BindText(1, key_hash);
      STORE_ASSIGN_OR_RETURN(bool row, st.Step());
      if (!row) return std::optional<ApiKeyRecord>();
      return std::optional<ApiKeyRecord>(
          ApiKeyRecord{st.Int(0), std::string(st.Text(1)), std::string(st.Text(2)), st.TimeAt(3)});
    });
  }

  Result<std::int64_t> CountApiKeys() override {
    return Read([&](Connection& db) { return SelectCount(db, kCountApiKeys); });
  }

 private:
  // Runs `body` on the writer connection inside one BEGIN IMMEDIATE transaction, committing
  // only if it succeeded.
  template <class F>
  auto Write(F&& body) -> decltype(body(std::declval<Connection&>())) {
    std::lock_guard lock(write_mu_);
    WriteTransaction txn(*writer_);
    CRIER_RETURN_IF_ERROR(txn.Begin());
    auto result = body(*writer_);
    if (!result.ok()) return result;
    CRIER_RETURN_IF_ERROR(txn.Commit());
    return result;
  }

  // Runs `body` on a pooled read connection.
  template <class F>
  auto Read(F&& body) -> decltype(body(std::declval<Connection&>())) {
    auto lease = readers_.Acquire();
    if (!lease.ok()) return lease.error();
    return body(**lease);
  }

  static Status CheckAccountFilter(Connection& db, std::optional<Id> channel_account_id) {
    if (!channel_account_id) return Status::Ok();
    STORE_ASSIGN_OR_RETURN(bool exists, AccountExists(db, *channel_account_id));
    if (!exists) return InvalidArgument("channel_account_id", NoAccount(*channel_account_id));
    return Status::Ok();
  }

  template <class BindFn>
  static Result<std::vector<Run>> SelectRuns(Connection& db, std::string_view sql, BindFn bind) {
    STORE_PREPARE(st, db, sql);
    bind(st);
    std::vector<Run> runs;
    while (true) {
      STORE_ASSIGN_OR_RETURN(bool row, st.Step());
      if (!row) break;
      STORE_ASSIGN_OR_RETURN(Run run, ReadRun(st));
      runs.push_back(std::move(run));
    }
    return runs;
  }

  // What the delivery ledger keeps per run.
  struct RunLedger {
    RunStatus status = RunStatus::kPlanning;
    std::int64_t pending = 0;
    Id first = 0;  // 0 while the run has no deliveries
    Id last = 0;
  };

  static Result<RunLedger> LoadLedger(Connection& db, Id run_id) {
    STORE_PREPARE(st, db, kSelectRunLedger);
    st.Bind(1, run_id);
    STORE_ASSIGN_OR_RETURN(bool row, st.Step());
    if (!row) return NotFound("run " + std::to_string(run_id) + " not found");
    RunLedger ledger;
    STORE_ASSIGN_OR_RETURN(ledger.status,
                           ParseStored(ParseRunStatus(st.Text(0)), st.Text(0), "run status"));
    ledger.pending = st.Int(1);
    ledger.first = st.Int(2);
    ledger.last = st.Int(3);
    return ledger;
  }

  // Deliveries leaving planned/sending, per run, applied to runs.pending in the same
  // transaction.
  class PendingChanges {
   public:
    void Add(Id run_id, std::int64_t n) { by_run_[run_id] += n; }
    Status Apply(Connection& db) const {
      if (by_run_.empty()) return Status::Ok();
      STORE_PREPARE(st, db, kReducePending);
      for (const auto& [run_id, n] : by_run_) {
        st.Bind(1, run_id);
        st.Bind(2, n);
        CRIER_RETURN_IF_ERROR(st.Run());
        st.Reset();
      }
      return Status::Ok();
    }

   private:
    std::map<Id, std::int64_t> by_run_;
  };

  struct ClaimContext {
    Id run_id = 0;
    Id broadcast_id = 0;
    Platform platform = Platform::kMessenger;
  };

  // Appends the rows of a claim query (STORE_CLAIM_COLUMNS) to `out`.
  static Status ReadClaimed(Statement& st, const ClaimContext& context,
                            std::vector<ClaimedDelivery>& out) {
    while (true) {
      STORE_ASSIGN_OR_RETURN(bool row, st.Step());
      if (!row) return Status::Ok();
      ClaimedDelivery c;
      c.delivery_id = st.Int(0);
      c.run_id = context.run_id;
      c.broadcast_id = context.broadcast_id;
      c.contact_id = st.Int(1);
      c.platform_user_id = st.Text(2);
      c.attempt = static_cast<int>(st.Int(3)) + 1;
      c.contact_name = st.Text(4);
      c.contact_first_name = st.Text(5);
      c.contact_locale = st.Text(6);
      // What placeholders read ({{contact.attr.KEY}}), in the same row: no query per copy.
      if (!st.IsNull(7)) {
        STORE_ASSIGN_OR_RETURN(c.contact_attributes, ParseAttributesJson(st.Text(7)));
      }
      c.facts.platform = context.platform;
      // The contact or its identity may have gone since planning: no facts to read then.
      c.facts.has_identity = st.Int(8) != 0;
      if (c.facts.has_identity) {
        CRIER_RETURN_IF_ERROR(ReadRecipientFacts(st, 9, c.platform_user_id, c.facts));
      }
      out.push_back(std::move(c));
    }
  }

  // Binds a marketing token to parameters first..first+3 (token, expires_at, stopped,
  // last_sent_at).
  static void BindMarketingToken(Statement& st, int first, const MarketingToken& token) {
    st.BindStaticText(first, token.token);
    st.Bind(first + 1, token.expires_at);
    st.Bind(first + 2, token.stopped);
    st.Bind(first + 3, token.last_sent_at);
  }

  // One press of ApplyPresses, inside its transaction.
  static Result<PressOutcome> ApplyPress(Connection& db, const InboundPress& press, Time now,
                                         ChangeSeq& seq) {
    PressOutcome outcome;
    {
      STORE_PREPARE(remember, db, kRememberEvent);
      remember.Bind(1, press.channel_account_id);
      remember.BindStaticText(2, press.event_id);
      remember.Bind(3, now);
      STORE_ASSIGN_OR_RETURN(bool inserted, remember.Step());
      if (!inserted) {
        outcome.duplicate = true;
        return outcome;
      }
    }
    std::optional<Id> existing;
    {
      STORE_PREPARE(st, db, kFindIdentity);
      st.Bind(1, press.channel_account_id);
      st.BindStaticText(2, press.platform_user_id);
      STORE_ASSIGN_OR_RETURN(bool found, st.Step());
      if (found) existing = st.Int(0);
    }
    STORE_ASSIGN_OR_RETURN(const std::int64_t change_seq, seq.Get(db));
    const std::optional<std::string_view> wanted =
        press.subscription ? std::optional(ToString(*press.subscription)) : std::nullopt;
    if (!existing) {
      STORE_PREPARE(st, db, kInsertContact);
      st.BindStaticText(1, "");
      st.BindStaticText(2, "");
      st.BindStaticText(3, "");
      st.BindStaticText(4, "");
      if (wanted) {
        st.BindStaticText(5, *wanted);
        st.Bind(6, press.event_time);
      }
      st.Bind(7, now);
      st.BindStaticText(10, "");
      st.Bind(11, change_seq);
      st.BindStaticText(12, "");
      CRIER_RETURN_IF_ERROR(st.Run());
      outcome.contact_id = db.LastInsertId();
      outcome.contact_created = true;
      outcome.subscription_applied = wanted.has_value();
      STORE_PREPARE(id_st, db, kInsertIdentity);
      id_st.Bind(1, outcome.contact_id);
      id_st.Bind(2, press.channel_account_id);
      id_st.BindStaticText(3, press.platform_user_id);
      id_st.Bind(4, press.event_time);
      CRIER_RETURN_IF_ERROR(id_st.Run());
      return outcome;
    }
    outcome.contact_id = *existing;
    {
      STORE_PREPARE(st, db, kSelectSubscription);
      st.Bind(1, outcome.contact_id);
      STORE_ASSIGN_OR_RETURN(bool found, st.Step());
      if (!found) return Internal("an identity's contact is missing");
      STORE_ASSIGN_OR_RETURN(
          outcome.subscription_before,
          ParseStored(ParseSubscriptionStatus(st.Text(0)), st.Text(0), "subscription"));
      const std::optional<Time> changed_at = st.OptionalTime(1);
      // Webhooks arrive out of order (retries, batching): the person's latest decision
      // wins, and a change stored at the same moment as the press is not newer than it.
      outcome.subscription_applied =
          wanted.has_value() && !(changed_at.has_value() && *changed_at > press.event_time);
    }
    {
      STORE_PREPARE(st, db, kPressIdentity);
      st.Bind(1, press.channel_account_id);
      st.BindStaticText(2, press.platform_user_id);
      st.Bind(3, press.event_time);
      CRIER_RETURN_IF_ERROR(st.Run());
    }
    STORE_PREPARE(st, db, kPressContact);
    st.Bind(1, outcome.contact_id);
    if (outcome.subscription_applied) {
      st.BindStaticText(2, *wanted);
      st.Bind(3, press.event_time);
    }
    st.Bind(4, now);
    st.Bind(5, change_seq);
    CRIER_RETURN_IF_ERROR(st.Run());
    return outcome;
  }

  // Creates or updates the contact behind (account, platform_user_id); returns its id.
  static Result<Id> UpsertOne(Connection& db, const ContactInput& row, size_t index, Time now,
                              std::int64_t change_seq, UpsertSummary& summary,
                              std::unordered_set<std::string>& known_tags) {
    std::optional<Id> existing;
    {
      STORE_PREPARE(st, db, kFindIdentity);
      st.Bind(1, row.channel_account_id);
      st.BindStaticText(2, row.platform_user_id);
      STORE_ASSIGN_OR_RETURN(bool found, st.Step());
      if (found) existing = st.Int(0);
    }
    const std::optional<std::string_view> subscription =
        row.subscription ? std::optional(ToString(*row.subscription)) : std::nullopt;
    const std::optional<std::string_view> opener =
        row.window_opener ? std::optional(ToString(*row.window_opener)) : std::nullopt;
    const std::optional<std::string_view> conversation =
        row.conversation_state ? std::optional(ToString(*row.conversation_state)) : std::nullopt;
    const std::optional<std::string> attributes = AttributesPatch(row);
    Id contact_id = 0;
    if (existing) {
      contact_id = *existing;
      STORE_PREPARE(st, db, kUpdateContact);
      st.Bind(1, contact_id);
      st.BindStaticText(2, row.name);
      st.BindStaticText(3, row.first_name);
      st.BindStaticText(4, row.locale);
      st.BindStaticText(5, row.time_zone);
      if (subscription) st.BindStaticText(6, *subscription);
      st.Bind(7, now);
      if (attributes) st.BindStaticText(8, *attributes);
      if (conversation) st.BindStaticText(9, *conversation);
      st.BindStaticText(10, row.assignee);
      st.Bind(11, change_seq);
      st.BindStaticText(12, row.region);
      CRIER_RETURN_IF_ERROR(st.Run());
      if (attributes) {
        // Stored keys plus new ones may pass the limit even when the row alone does not.
        STORE_PREPARE(count, db, kCountAttributes);
        count.Bind(1, contact_id);
        STORE_ASSIGN_OR_RETURN(bool counted, count.Step());
        const std::int64_t n = counted ? count.Int(0) : 0;
        if (n > static_cast<std::int64_t>(kMaxAttributesPerContact)) {
          return InvalidArgument(Field("rows", index, "attributes"),
                                 "would leave the contact with " + std::to_string(n) +
                                     " attributes, at most " +
                                     std::to_string(kMaxAttributesPerContact) + " allowed");
        }
      }

      STORE_PREPARE(id_st, db, kUpdateIdentity);
      id_st.Bind(1, row.channel_account_id);
      id_st.BindStaticText(2, row.platform_user_id);
      id_st.Bind(3, row.last_inbound_at);
      if (opener) id_st.BindStaticText(4, *opener);
      if (row.blocked) id_st.Bind(5, *row.blocked);
      if (row.opted_in) id_st.Bind(6, *row.opted_in);
      if (row.marketing_opted_out) id_st.Bind(7, *row.marketing_opted_out);
      const std::int64_t token_change = row.marketing_token ? 1 : row.clear_marketing_token ? 2 : 0;
      id_st.Bind(8, token_change);
      if (row.marketing_token) BindMarketingToken(id_st, 9, *row.marketing_token);
      CRIER_RETURN_IF_ERROR(id_st.Run());
      ++summary.updated;
      if (row.tags) {
        STORE_PREPARE(del, db, kDeleteTags);
        del.Bind(1, contact_id);
        CRIER_RETURN_IF_ERROR(del.Run());
      }
    } else {
      STORE_PREPARE(st, db, kInsertContact);
      st.BindStaticText(1, row.name);
      st.BindStaticText(2, row.first_name);
      st.BindStaticText(3, row.locale);
      st.BindStaticText(4, row.time_zone);
      if (subscription) {
        st.BindStaticText(5, *subscription);
        st.Bind(6, now);
      }
      st.Bind(7, now);
      if (attributes && !row.attributes.empty()) {
        // A new contact has nothing to clear: store only the keys set.
        st.BindStaticText(8, *attributes);
        if (!row.cleared_attributes.empty()) {
          ContactInput set_only;
          set_only.attributes = row.attributes;
          st.BindText(8, *AttributesPatch(set_only));
        }
      }
      if (conversation) st.BindStaticText(9, *conversation);
      st.BindStaticText(10, row.assignee);
      st.Bind(11, change_seq);
      st.BindStaticText(12, row.region);
      CRIER_RETURN_IF_ERROR(st.Run());
      contact_id = db.LastInsertId();

      STORE_PREPARE(id_st, db, kInsertIdentity);
      id_st.Bind(1, contact_id);
      id_st.Bind(2, row.channel_account_id);
      id_st.BindStaticText(3, row.platform_user_id);
      id_st.Bind(4, row.last_inbound_at);
      if (opener) id_st.BindStaticText(5, *opener);
      if (row.blocked) id_st.Bind(6, *row.blocked);
      if (row.opted_in) id_st.Bind(7, *row.opted_in);
      if (row.marketing_opted_out) id_st.Bind(8, *row.marketing_opted_out);
      if (row.marketing_token) BindMarketingToken(id_st, 9, *row.marketing_token);
      CRIER_RETURN_IF_ERROR(id_st.Run());
      ++summary.created;
    }
    if (row.tags) {
      STORE_PREPARE(ensure, db, kEnsureTag);
      for (const std::string& tag : *row.tags) {
        if (known_tags.contains(tag)) continue;
        ensure.BindStaticText(1, tag);
        CRIER_RETURN_IF_ERROR(ensure.Run());
        ensure.Reset();
        known_tags.insert(tag);
      }
      STORE_PREPARE(tag_st, db, kInsertTag);
      tag_st.Bind(1, contact_id);
      for (const std::string& tag : *row.tags) {
        tag_st.BindStaticText(2, tag);
        CRIER_RETURN_IF_ERROR(tag_st.Run());
        tag_st.Reset();
      }
    }
    return contact_id;
  }

  // Writes what an outcome says about its recipient (suppression, a send on the marketing
  // token, a stopped token) to the delivery's identity. An identity that is gone (the contact was
  // deleted meanwhile) has nothing to record.
  static Status ApplyRecipientEffects(Connection& db, const DeliveryOutcome& o, ChangeSeq& seq) {
    struct Effect {
      bool wanted;
      std::string_view sql;
      bool takes_time;  // the statement sets a time from ?2
    };
    for (const Effect& effect :
         {Effect{o.suppress_recipient, kSuppressRecipient, true},
          Effect{o.marketing_token_used, kMarketingTokenUsed, true},
          Effect{o.marketing_token_stopped, kMarketingTokenStopped, false}}) {
      if (!effect.wanted) continue;
      Id contact_id = 0;
      {
        STORE_PREPARE(st, db, effect.sql);
        st.Bind(1, o.delivery_id);
        if (effect.takes_time) st.Bind(2, o.at);
        STORE_ASSIGN_OR_RETURN(bool row, st.Step());
        if (!row) continue;
        contact_id = st.Int(0);
      }
      STORE_ASSIGN_OR_RETURN(const std::int64_t change_seq, seq.Get(db));
      STORE_PREPARE(touch, db, kTouchContact);
      touch.Bind(1, contact_id);
      touch.Bind(2, o.at);
      touch.Bind(3, change_seq);
      CRIER_RETURN_IF_ERROR(touch.Run());
    }
    return Status::Ok();
  }

  // Applies one outcome to a delivery in `sending`; returns the delivery's run.
  static Result<Id> RecordOne(Connection& db, const DeliveryOutcome& o, size_t i) {
    // Looked up first (the update then finds its page cached) rather than with RETURNING,
    // which costs SQLite a temporary table per execution.
    Id run_id = 0;
    {
      STORE_PREPARE(st, db, kSelectDeliveryRunAndState);
      st.Bind(1, o.delivery_id);
      STORE_ASSIGN_OR_RETURN(bool found, st.Step());
      if (!found) {
        return Error{ErrorCode::kNotFound,
                     "delivery " + std::to_string(o.delivery_id) + " not found",
                     Field("outcomes", i, "delivery_id")};
      }
      run_id = st.Int(0);
      if (st.Int(1) != kStateSending) {
        const auto state = StateFromCode(st.Int(1));
        return Error{ErrorCode::kFailedPrecondition,
                     "delivery " + std::to_string(o.delivery_id) + " is " +
                         std::string(state ? ToString(*state) : "in an unknown state") +
                         ", not sending: only a claimed delivery can get an outcome",
                     Field("outcomes", i, "delivery_id")};
      }
    }
    std::string_view sql;
    switch (o.state) {
      case DeliveryState::kSent:
        sql = kOutcomeSent;
        break;
      case DeliveryState::kFailed:
        sql = kOutcomeFailed;
        break;
      case DeliveryState::kSkipped:
        sql = kOutcomeSkipped;
        break;
      default:
        sql = kOutcomeRetry;
        break;
    }
    STORE_PREPARE(st, db, sql);
    st.Bind(1, o.delivery_id);
    switch (o.state) {
      case DeliveryState::kSent:
        st.BindTextOrNull(2, o.route);
        st.BindTextOrNull(3, o.platform_message_id);
        st.Bind(4, o.at);
        break;
      case DeliveryState::kFailed:
        st.BindText(2, o.error_class);
        st.BindTextOrNull(3, o.error_code);
        st.BindTextOrNull(4, o.error_message);
        st.Bind(5, o.at);
        // A delivery of several messages may fail after some went out: keep their ids.
        st.BindTextOrNull(6, o.route);
        st.BindTextOrNull(7, o.platform_message_id);
        break;
      case DeliveryState::kSkipped:
        st.BindText(2, o.skip_reason);
        st.Bind(3, o.at);
        break;
      default:
        st.Bind(2, o.not_before);
        st.BindTextOrNull(3, o.error_class);
        st.BindTextOrNull(4, o.error_code);
        st.BindTextOrNull(5, o.error_message);
        st.Bind(6, o.at);
        st.Bind(7, o.deferred ? 1 : 0);
        break;
    }
    CRIER_RETURN_IF_ERROR(st.Run());
    if (db.Changes() != 1) {
      return Internal("delivery " + std::to_string(o.delivery_id) + " changed under the writer");
    }
    return run_id;
  }

  std::mutex write_mu_;
  std::unique_ptr<Connection> writer_;  // guarded by write_mu_
  ReaderPool readers_;
};

}  // namespace

Result<std::unique_ptr<Store>> OpenSqliteStore(const SqliteOptions& options) {
  if (options.path.empty()) {
    return InvalidArgument("path", std::string(sqlite::kMustNotBeEmpty));
  }
  if (options.path == ":memory:" || options.path.starts_with("file::memory:")) {
    return InvalidArgument("path", std::string(sqlite::kMemoryPathRefused));
  }
  if (options.busy_timeout_ms < 0) {
    return InvalidArgument("busy_timeout_ms", "must not be negative");
  }
  ConnectionOptions conn_options;
  conn_options.path = options.path;
  conn_options.synchronous = options.synchronous;
  conn_options.busy_timeout_ms = options.busy_timeout_ms;
  conn_options.cache_kib = kWriterCacheKib;
  STORE_ASSIGN_OR_RETURN(auto writer, Connection::Open(conn_options));
  const Clock& clock = options.clock != nullptr ? *options.clock : SystemClock::Instance();
  CRIER_RETURN_IF_ERROR(sqlite::ApplyMigrations(*writer, clock.Now()));
  conn_options.read_only = true;
  conn_options.cache_kib = kReaderCacheKib;
  return std::unique_ptr<Store>(new SqliteStore(std::move(writer), std::move(conn_options)));
}

}  // namespace crier
