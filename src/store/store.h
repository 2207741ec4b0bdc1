// Store: crier's durable state behind one interface. The SQLite implementation
// (sqlite/sqlite_store.h) is the embedded default; a PostgreSQL one satisfies the same
// contract when crier is scaled out.
//
// Contract for every implementation:
//  - Thread-safe: any method may be called from any thread.
//  - Every write is one transaction: it happens whole or not at all.
//  - A method that returns OK has made its writes durable against a process crash.
//  - Expected failures are values (kNotFound, kInvalidArgument, kAlreadyExists, ...), never
//    exceptions.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "core/clock.h"
#include "core/model.h"
#include "core/result.h"
#include "core/route.h"
#include "core/templates.h"

namespace crier {

// ---- inputs -------------------------------------------------------------------------------

struct NewChannelAccount {
  Platform platform = Platform::kMessenger;
  std::string name;
  std::string external_id;
  std::string access_token;
  std::string webhook_secret;        // may be empty: set later
  std::string webhook_verify_token;  // may be empty
  std::string api_base_url;
  std::string api_version = "v25.0";
  std::string time_zone = "UTC";
  Pacing pacing;
  AccountCapabilities capabilities;
};

// What to change of a channel account (B2: an administrator locks or unlocks message tags;
// pacing and the other capabilities follow the account's set-up). Each member left unset
// keeps its stored value, so two administrators changing different members do not undo each
// other.
struct ChannelAccountUpdate {
  std::optional<bool> utility_messaging;
  std::optional<bool> marketing_message_api;
  std::optional<std::string> business_region;  // "" clears
  std::optional<std::string> waba_id;          // "" clears (refused on a WhatsApp account)
  std::optional<std::string> ad_account_id;    // "" clears
  std::optional<bool> message_tags_locked;
  std::optional<std::vector<std::string>> official_domains;  // replaces the list
  std::optional<double> messages_per_second;
  std::optional<int> max_concurrency;
  std::optional<std::string> webhook_secret;        // "" clears
  std::optional<std::string> webhook_verify_token;  // "" clears
};

// Limits of a contact's custom attributes, checked by the store and by the API alike.
inline constexpr std::size_t kMaxAttributesPerContact = 100;
inline constexpr std::size_t kMaxAttributeKeyBytes = 64;  // [A-Za-z0-9_]{1,64}
inline constexpr std::size_t kMaxAttributeStringBytes = 1000;

// Store::GetContacts reads at most this many contacts at once.
inline constexpr std::size_t kMaxContactsPerGet = 10000;

// One contact as imported or created: upserted by (channel_account_id, platform_user_id).
// Fields left empty / unset do not overwrite stored values on update, except tags, which
// are replaced when `tags` is set.
//
// Attributes are set key by key: each attribute given replaces the stored value of its key,
// keys not given keep their values, keys in `cleared_attributes` are removed. (Replacing the
// whole set would let a CSV with one attr.* column wipe every other attribute.) At most
// kMaxAttributesPerContact keys may be stored after the change.
struct ContactInput {
  Id channel_account_id = 0;
  std::string platform_user_id;
  std::string name;
  std::string first_name;
  std::string locale;
  std::string time_zone;
  std::string region;  // ISO 3166-1 alpha-2; empty keeps the stored region
  std::optional<SubscriptionStatus> subscription;
  std::optional<std::vector<std::string>> tags;
  std::optional<Time> last_inbound_at;
  std::optional<WindowOpener> window_opener;
  std::optional<bool> blocked;
  // WhatsApp opt-in and marketing STOP on this identity (A3).
  std::optional<bool> opted_in;
  std::optional<bool> marketing_opted_out;
  // The Messenger/Instagram marketing-messages token: set replaces the stored token whole
  // (a new opt-in); clear_marketing_token removes it.
  std::optional<MarketingToken> marketing_token;
  bool clear_marketing_token = false;
  std::vector<Attribute> attributes;            // keys unique
  std::vector<std::string> cleared_attributes;  // keys to remove
  std::optional<ConversationState> conversation_state;
  std::string assignee;  // empty keeps the stored assignee
};

struct UpsertSummary {
  std::int64_t created = 0;
  std::int64_t updated = 0;
  std::vector<Id> contact_ids;  // in input order
};

// A tag with the number of contacts that carry it.
struct TagInfo {
  std::string name;
  std::int64_t contacts = 0;
};

// The result of adding or removing a tag for a list of contacts.
struct TagMembershipChange {
  std::int64_t changed = 0;             // contacts that gained (or lost) the tag
  std::vector<Id> unknown_contact_ids;  // ids given that name no contact, in input order
};

struct NewBroadcast {
  std::string name;
  Id channel_account_id = 0;
  Purpose purpose = Purpose::kPromotional;
  Audience audience;
  std::vector<Message> messages;
  OutsideWindow outside_window;
  bool track_clicks = false;
};

struct NewSegment {
  std::string name;
  std::string filter;  // text form; stored canonical
  std::string description;
};

// What to change of a segment; unset members stay as they are.
struct SegmentUpdate {
  std::optional<std::string> name;  // a rename: every reference to the segment follows it
  std::optional<std::string> filter;
  std::optional<std::string> description;
};

// What to change of a registered template (D4): Meta pauses, disables and re-categorises
// templates after approval. Unset members stay as they are.
struct TemplateUpdate {
  std::optional<TemplateStatus> status;
  std::optional<TemplateCategory> category;
};

// Keyset paging: pass the last id of the previous page as `after_id`.
struct PageRequest {
  Id after_id = 0;
  int limit = 100;
};

template <class T>
struct Page {
  std::vector<T> items;
  std::optional<Id> next_after_id;  // set when more items may follow
};

struct ContactQuery {
  PageRequest page;
  std::optional<Id> channel_account_id;  // only contacts with an identity there
};

// Registered templates, in id order, narrowed by each member given.
struct TemplateQuery {
  PageRequest page;
  std::optional<std::string> waba_id;    // WhatsApp templates of this WABA
  std::optional<Id> channel_account_id;  // Messenger templates of this Page account
  std::optional<std::string> name;
  std::optional<std::string> language;
};

// ---- planning and dispatch ----------------------------------------------------------------

// One row of an audience scan: a contact's identity on the account, with the facts the route
// decision needs.
struct RecipientRow {
  Id contact_id = 0;
  std::string platform_user_id;
  RecipientFacts facts;
};

// A delivery as the planner writes it: `decision` forecasts the route, or fixes the skip.
struct PlannedDelivery {
  Id contact_id = 0;
  std::string platform_user_id;
  Decision decision = Decision::Skip(SkipReason::kNoIdentity);
};

// A delivery claimed for sending (state `sending` already durable), with the recipient's
// facts as they are now, so the route can be decided again right before the send (A9).
struct ClaimedDelivery {
  Id delivery_id = 0;
  Id run_id = 0;
  Id broadcast_id = 0;
  Id contact_id = 0;
  std::string platform_user_id;
  std::string contact_name;
  std::string contact_first_name;
  // What personalised content reads besides the names (PRODUCT.md D1).
  std::string contact_locale;
  std::vector<Attribute> contact_attributes;  // sorted by key
  RecipientFacts facts;
  int attempt = 1;  // 1 for the first claim
};

// What became of one claimed delivery.
struct DeliveryOutcome {
  Id delivery_id = 0;
  DeliveryState state = DeliveryState::kSent;  // kSent, kFailed, kSkipped or kPlanned (retry)
  std::string route;                           // route code actually used (kSent)
  std::string skip_reason;                     // kSkipped: the reason code from the re-check
  std::string platform_message_id;             // kSent
  std::string error_class;                     // kFailed / retry: e.g. "recipient_unreachable"
  std::string error_code;                      // platform code, e.g. "10/2018278"
  std::string error_message;                   // platform message (no secrets)
  std::optional<Time> not_before;              // retry: earliest next attempt
  Time at{};
  // kPlanned: put back before any request left (a platform ceiling was reached, or crier is
  // stopping), so the claim does not count as one of the delivery's attempts.
  bool deferred = false;
  // Effects on the recipient's identity, written in the same transaction as the outcome:
  // the platform said the person cannot be reached (suppressed_at = at, F5) ...
  bool suppress_recipient = false;
  // ... or a marketing message went out on the person's token (last_sent_at = at, I3).
  bool marketing_token_used = false;
  // ... or the person stopped marketing messages on their token (10/1893015, 2300034): the
  // token is marked stopped; the person stays reachable by every other route.
  bool marketing_token_stopped = false;
};

// LINE keeps an X-Line-Retry-Key for 24 h from its first use (platforms.md 5.4); after that
// a retry with it is no longer recognised, so it could deliver twice.
inline constexpr Duration kLineRetryKeyLifetime = std::chrono::hours(24);

// A LINE multicast batch (PRODUCT.md A4): deliveries of one run that go out together, one
// multicast request per message of the broadcast, each request with its own retry key kept
// across its attempts. Stored so that a retry after a restart is the same set of deliveries
// with the same key.
struct LineBatch {
  Id id = 0;
  Id run_id = 0;
  std::size_t message_index = 0;  // the message whose request is being sent
  std::string retry_key;          // that request's X-Line-Retry-Key (a UUID)
  Time key_first_used_at{};       // its first attempt: the key is good for 24 h from then
  int attempts = 0;               // requests made with retry_key so far
  std::string message_ids;        // request ids of the messages before message_index, ","
};

// One delivery of an open batch, as a restarted dispatcher resends it.
struct LineBatchMember {
  Id delivery_id = 0;
  std::string platform_user_id;
};

struct OpenLineBatch {
  LineBatch batch;
  std::vector<LineBatchMember> members;  // in delivery id order
};

// The presses of one tracked link of a run.
struct LinkClicks {
  std::size_t link_index = 0;
  std::int64_t clicks = 0;           // every press
  std::int64_t unique_contacts = 0;  // people who pressed it
  friend bool operator==(const LinkClicks&, const LinkClicks&) = default;
};

// One press of a tracked link (G3).
struct ClickRecord {
  Id run_id = 0;
  Id contact_id = 0;
  std::size_t link_index = 0;
  Time at{};
};

struct RunReport {
  Run run;
  std::int64_t matched = 0;                                    // every planned row, skipped or not
  std::vector<std::pair<std::string, std::int64_t>> by_state;  // "sent" -> n
  std::vector<std::pair<std::string, std::int64_t>> by_route;  // "standard_window" -> n
  std::vector<std::pair<std::string, std::int64_t>> by_skip_reason;  // "outside_window" -> n
  std::vector<std::pair<std::string, std::int64_t>> by_error;        // "10/2018278" -> n
  // Planned deliveries put back to wait, by why: the platform's code ("131000") after a
  // retryable error, or the ceiling that holds them ("whatsapp_messaging_limit").
  std::vector<std::pair<std::string, std::int64_t>> waiting;
  // G3: presses of the run's tracked links, by link (FindLinks' numbering), links never
  // pressed left out; and how many people pressed any.
  std::vector<LinkClicks> clicks;
  std::int64_t clicked_contacts = 0;
};

// One person a channel account sent to over a route, with the time of the first such send in
// the span asked about (the WhatsApp messaging limit counts people from their first send).
struct RecipientFirstSend {
  std::string platform_user_id;
  Time first_at{};
};

struct DeliveryRecord {
  Id id = 0;
  Id run_id = 0;
  Id contact_id = 0;
  std::string platform_user_id;
  DeliveryState state = DeliveryState::kPlanned;
  std::string route;
  std::string skip_reason;
  std::string platform_message_id;
  std::string error_class;
  std::string error_code;
  std::string error_message;
  int attempts = 0;
  Time created_at{};
  std::optional<Time> sent_at;
  std::optional<Time> updated_at;
};

// ---- webhooks in --------------------------------------------------------------------------

// One button press to apply (J4): the person's interaction on the account and, for the
// reserved subscribe / unsubscribe payloads, their subscription.
struct InboundPress {
  Id channel_account_id = 0;
  std::string platform_user_id;
  std::string event_id;  // the platform's id of the event: a second delivery changes nothing
  Time event_time{};     // when the person pressed
  std::optional<SubscriptionStatus> subscription;  // set: the press asks for this status
};

struct PressOutcome {
  bool duplicate = false;  // the event id was seen before: nothing changed
  Id contact_id = 0;       // the contact pressing (0 for a duplicate)
  bool contact_created = false;
  // The press's subscription was stored (it asked for one and no newer change was stored).
  bool subscription_applied = false;
  std::optional<SubscriptionStatus> subscription_before;  // set for an existing contact
};

// How long the event ids of applied webhooks are kept. Meta retries a webhook for up to 7
// days (platforms.md 4.8); a day more covers a retry that was in flight at the end.
inline constexpr Duration kWebhookEventRetention = std::chrono::days(8);

// ---- API keys -----------------------------------------------------------------------------

struct ApiKeyRecord {
  Id id = 0;
  std::string name;
  std::string role;  // "admin" for now; users and roles arrive later (K1)
  Time created_at{};
};

// ---- the interface ------------------------------------------------------------------------

class Store {
 public:
  virtual ~Store() = default;

  // Channel accounts.
  virtual Result<ChannelAccount> CreateChannelAccount(const NewChannelAccount& in, Time now) = 0;
  virtual Result<ChannelAccount> GetChannelAccount(Id id) = 0;
  virtual Result<std::vector<ChannelAccount>> ListChannelAccounts() = 0;
  // Applies `update` to the stored account in one transaction and returns the account as it
  // now is. kNotFound when `id` names no account; kInvalidArgument, naming the member
  // ("pacing.messages_per_second", "capabilities.waba_id"), when the result would be invalid:
  // a pace that is not positive, or a WhatsApp account without its WABA.
  virtual Result<ChannelAccount> UpdateChannelAccount(Id id,
                                                      const ChannelAccountUpdate& update) = 0;

  // Contacts. UpsertContacts writes all rows in one transaction, or none.
  virtual Result<UpsertSummary> UpsertContacts(std::span<const ContactInput> rows, Time now) = 0;
  virtual Result<Contact> GetContact(Id id) = 0;
  // The contacts with these ids, whole, in ascending id order, from one snapshot; ids that
  // name no contact are left out. At most kMaxContactsPerGet ids (kInvalidArgument, field
  // "ids", beyond).
  virtual Result<std::vector<Contact>> GetContacts(std::span<const Id> ids) = 0;
  virtual Result<Page<Contact>> ListContacts(const ContactQuery& query) = 0;
  virtual Result<std::int64_t> CountContacts(std::optional<Id> channel_account_id) = 0;

  // Tags. A tag exists once created, or once a contact carries it. Names are compared
  // exactly (case matters).
  virtual Result<std::vector<TagInfo>> ListTags() = 0;  // by name
  // kAlreadyExists (field "name") when the tag exists.
  virtual Status CreateTag(const std::string& name) = 0;
  // Moves every contact from `from` to `to`. kNotFound when `from` does not exist;
  // kAlreadyExists (field "name", naming `to`) when `to` exists: merging is refused.
  virtual Status RenameTag(const std::string& from, const std::string& to) = 0;
  // Removes the tag from every contact. kNotFound when it does not exist.
  virtual Status DeleteTag(const std::string& name) = 0;
  // One transaction each. Unknown ids are reported, the others changed. Adding creates the
  // tag if needed; removing a tag that does not exist is kNotFound.
  virtual Result<TagMembershipChange> AddTagToContacts(const std::string& tag,
                                                       std::span<const Id> contact_ids,
                                                       Time now) = 0;
  virtual Result<TagMembershipChange> RemoveTagFromContacts(const std::string& tag,
                                                            std::span<const Id> contact_ids,
                                                            Time now) = 0;

  // Streams every identity on `channel_account_id` that matches `audience`, in contact id
  // order, without holding them all in memory. Stops early if `visit` returns false.
  virtual Status ForEachRecipient(Id channel_account_id, const Audience& audience,
                                  const std::function<bool(const RecipientRow&)>& visit) = 0;

  // Streams every contact whose change sequence is greater than `after_seq` (0: all of them),
  // whole (tags, attributes, identities), in contact-id order, from one consistent snapshot,
  // and returns the highest change sequence in that snapshot. Every write that changes a
  // contact (upsert, tag and attribute changes, tag rename or delete) gives it a new, higher
  // sequence in the same transaction, so a reader that remembers the returned value and asks
  // again later sees exactly what changed meanwhile. Stops early if `visit` returns false.
  virtual Result<std::int64_t> ForEachContactChangedSince(
      std::int64_t after_seq, const std::function<bool(const Contact&)>& visit) = 0;

  // Segments: saved filters, referenced by name (`segment:NAME`) from other segments and from
  // broadcast audience filters. The store keeps the references whole, in every write:
  //  - a filter may only name segments that exist, and no segment may reach itself through
  //    references; filters must stay within filter::kMaxSegmentDepth and kMaxExpandedNodes
  //    once expanded. A filter that breaks this is refused: kInvalidArgument naming the
  //    unknown segment (field "filter", "audience.filter" for broadcasts) or the bound,
  //    kFailedPrecondition spelling out the cycle;
  //  - renaming a segment rewrites every reference to it, in segments and broadcasts, in the
  //    same transaction;
  //  - deleting a segment that another segment uses, or that a broadcast which can still be
  //    sent uses (any status but cancelled: completed broadcasts can be sent again), is
  //    refused with kFailedPrecondition naming them.
  // A filter that does not parse is kInvalidArgument (field "filter"). Names are non-empty
  // (field "name") and unique: kAlreadyExists (field "name") when taken.
  virtual Result<Segment> CreateSegment(const NewSegment& in, Time now) = 0;
  virtual Result<Segment> GetSegment(Id id) = 0;
  virtual Result<Segment> GetSegmentByName(const std::string& name) = 0;    // kNotFound
  virtual Result<Page<Segment>> ListSegments(const PageRequest& page) = 0;  // by id
  // kNotFound when `id` names no segment. updated_at becomes `now`.
  virtual Result<Segment> UpdateSegment(Id id, const SegmentUpdate& update, Time now) = 0;
  virtual Status DeleteSegment(Id id) = 0;
  // The segments named in `names` and every segment they reference in turn, from one
  // snapshot: all that expanding a filter needs. Names no segment has are left out.
  virtual Result<std::vector<Segment>> ResolveSegments(std::span<const std::string> names) = 0;

  // Template registry (D4). A definition is checked whole (ValidateTemplateDefinition,
  // kInvalidArgument naming the member); a Messenger template's channel_account_id must name
  // a Messenger account (kInvalidArgument, field "channel_account_id"). (scope, name,
  // language) is unique: kAlreadyExists (field "name") when taken, the scope being the WABA
  // of a WhatsApp template and the Page account of a Messenger one. Update and delete are
  // kNotFound for an unknown id; an update that would make the definition invalid (a Messenger
  // template recategorised) is kInvalidArgument. Deleting a template does not touch the
  // broadcasts that name it: they carry what they send.
  virtual Result<RegisteredTemplate> CreateTemplate(const TemplateDefinition& in, Time now) = 0;
  virtual Result<RegisteredTemplate> GetTemplate(Id id) = 0;
  virtual Result<Page<RegisteredTemplate>> ListTemplates(const TemplateQuery& query) = 0;
  virtual Result<RegisteredTemplate> UpdateTemplate(Id id, const TemplateUpdate& update,
                                                    Time now) = 0;
  virtual Status DeleteTemplate(Id id) = 0;

  // Broadcasts. The audience filter's segment references are checked and kept as for
  // segments (field "audience.filter").
  virtual Result<Broadcast> CreateBroadcast(const NewBroadcast& in, Time now) = 0;
  virtual Result<Broadcast> GetBroadcast(Id id) = 0;
  virtual Result<Page<Broadcast>> ListBroadcasts(const PageRequest& page) = 0;
  virtual Status SetBroadcastStatus(Id id, BroadcastStatus status, Time now) = 0;

  // Runs.
  virtual Result<Run> CreateRun(Id broadcast_id, Time now) = 0;
  virtual Result<Run> GetRun(Id id) = 0;
  virtual Result<std::vector<Run>> ListRuns(Id broadcast_id) = 0;
  virtual Status SetRunStatus(Id run_id, RunStatus status, Time now) = 0;
  // Planning finished: moves the run from kPlanning to kSending and its broadcast to kSending
  // in one transaction, so a broadcast is never `sending` without a run that sends it.
  // kFailedPrecondition when the run is not planning.
  virtual Status StartRun(Id run_id, Time now) = 0;
  // Runs in status kSending, oldest first: the dispatcher's work list.
  virtual Result<std::vector<Run>> ListActiveRuns() = 0;

  // Deliveries. The planner appends in batches; each batch is one transaction. A delivery
  // whose decision is a skip is written in state kSkipped, else kPlanned.
  virtual Status AppendDeliveries(Id run_id, std::span<const PlannedDelivery> batch, Time now) = 0;

  // Moves up to `max` planned deliveries of `run_id` whose not_before <= now to kSending, in
  // one committed transaction, and returns them. A delivery is claimed by one caller only.
  virtual Result<std::vector<ClaimedDelivery>> ClaimDeliveries(Id run_id, int max, Time now) = 0;

  // LINE multicast batches. CreateLineBatch stores `batch` (its id is assigned) and ties
  // `delivery_ids` to it, in one transaction, before the batch's first request leaves:
  // kInvalidArgument (field "delivery_ids") when the list is empty, kFailedPrecondition when
  // one of them is not `sending` in `batch.run_id` or belongs to a batch already (nothing is
  // written then). Returns the batch id.
  virtual Result<Id> CreateLineBatch(const LineBatch& batch, std::span<const Id> delivery_ids,
                                     Time now) = 0;
  // Stores the batch's progress (message_index, retry_key, key_first_used_at, attempts,
  // message_ids) before each request leaves. kNotFound when `batch.id` names none.
  virtual Status UpdateLineBatch(const LineBatch& batch) = 0;
  // The batches of `run_id` that still have deliveries in `sending`, with those deliveries:
  // what a restarted dispatcher resends, same set and same key. Oldest first.
  virtual Result<std::vector<OpenLineBatch>> ListOpenLineBatches(Id run_id) = 0;

  // Records outcomes of claimed deliveries in one transaction. An outcome in state kPlanned
  // puts the delivery back for a later attempt (after `not_before`).
  virtual Status RecordOutcomes(std::span<const DeliveryOutcome> outcomes) = 0;

  // Marks `run_id` completed, and its broadcast with it in the same transaction, if the run is
  // sending and has no planned or sending deliveries left; returns whether it did.
  virtual Result<bool> CompleteRunIfDone(Id run_id, Time now) = 0;

  // After a crash: deliveries left in kSending may or may not have reached the platform.
  // They are never sent again; each becomes kFailed with error_class "interrupted", except
  // those of a LINE multicast batch of a sending run whose retry key is younger than
  // kLineRetryKeyLifetime at `now`: they stay `sending`, for the dispatcher to resend with
  // the same key (LINE drops a repeat of an accepted request). Runs left
  // in kPlanning (the process died while planning; nothing of them was ever claimed) are
  // cancelled. Returns how many deliveries were resolved so.
  virtual Result<std::int64_t> RecoverInterrupted(Time now) = 0;

  virtual Result<RunReport> GetRunReport(Id run_id) = 0;
  // G3: one press of a tracked link.
  virtual Status RecordClick(const ClickRecord& click) = 0;

  // A key made once per database under `name`: `candidate` when none is stored yet (it is
  // stored then), else the stored one. Every caller gets the same bytes, even when two race.
  virtual Result<std::string> EnsureSecret(std::string_view name, std::string_view candidate,
                                           Time now) = 0;
  virtual Result<Page<DeliveryRecord>> ListDeliveries(Id run_id, const PageRequest& page) = 0;
  // Platform ceilings (A8). Every person `channel_account_id` sent a copy over `route` after
  // `since` (sent; or interrupted, since it may have reached the platform), once, with the
  // time of their first such copy, oldest first. Seeds the WhatsApp messaging-limit budget at
  // start and shows its use in preview, so the budget survives restarts.
  virtual Result<std::vector<RecipientFirstSend>> ListRecipientsSentSince(Id channel_account_id,
                                                                          RouteKind route,
                                                                          Time since) = 0;
  // Messages `channel_account_id` got out after `since`: one per platform message id recorded
  // on its deliveries (sent ones, and failed ones that sent part of their messages). LINE
  // charges each pushed message once per recipient, so this is what crier's sends took from
  // the monthly quota.
  virtual Result<std::int64_t> CountMessagesSentSince(Id channel_account_id, Time since) = 0;

  // Planned + sending deliveries across all active runs (the queue depth metric).
  virtual Result<std::int64_t> CountPendingDeliveries() = 0;

  // Applies button presses (J4) in one transaction, in order, and returns one outcome each.
  // A press whose (account, event id) was applied before changes nothing (`duplicate`);
  // otherwise its event id is kept for kWebhookEventRetention (older ones are pruned in the
  // same transaction), the identity's last_inbound_at moves forward to the press's time
  // (never back), a person crier does not know becomes a contact with that identity, and a
  // press asking for a subscription sets the contact's `subscription` and
  // `subscription_changed_at` to its time, unless the stored change is newer than the press.
  // kInvalidArgument naming "presses[N].channel_account_id" when an account does not exist,
  // "presses[N].platform_user_id" / ".event_id" when empty; then nothing is written.
  virtual Result<std::vector<PressOutcome>> ApplyPresses(std::span<const InboundPress> presses,
                                                         Time now) = 0;

  // API keys, stored only as SHA-256 hashes (hex).
  virtual Result<ApiKeyRecord> CreateApiKey(const std::string& name, const std::string& role,
                                            const std::string& key_hash, Time now) = 0;
  virtual Result<std::optional<ApiKeyRecord>> FindApiKeyByHash(const std::string& key_hash) = 0;
  virtual Result<std::int64_t> CountApiKeys() = 0;
};

}  // namespace crier
