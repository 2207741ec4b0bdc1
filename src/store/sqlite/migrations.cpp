#include "store/sqlite/migrations.h"

#include <array>
#include <string>

namespace crier::sqlite {
namespace {

// Times are INTEGER unix milliseconds. Enum values are stored by their wire names (model.h),
// except deliveries.state, a small integer because deliveries is the hot table.
constexpr std::string_view kV1 = R"sql(
CREATE TABLE channel_accounts (
  id INTEGER PRIMARY KEY,
  platform TEXT NOT NULL,
  name TEXT NOT NULL,
  external_id TEXT NOT NULL,
  access_token TEXT NOT NULL,
  api_base_url TEXT NOT NULL,
  api_version TEXT NOT NULL,
  time_zone TEXT NOT NULL,
  messages_per_second REAL NOT NULL,
  max_concurrency INTEGER NOT NULL,
  created_at INTEGER NOT NULL
);

CREATE TABLE contacts (
  id INTEGER PRIMARY KEY,
  name TEXT NOT NULL DEFAULT '',
  first_name TEXT NOT NULL DEFAULT '',
  locale TEXT NOT NULL DEFAULT '',
  time_zone TEXT NOT NULL DEFAULT '',
  subscription TEXT NOT NULL DEFAULT 'subscribed',
  subscription_changed_at INTEGER,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL
);

CREATE TABLE identities (
  id INTEGER PRIMARY KEY,
  contact_id INTEGER NOT NULL REFERENCES contacts(id) ON DELETE CASCADE,
  channel_account_id INTEGER NOT NULL REFERENCES channel_accounts(id),
  platform_user_id TEXT NOT NULL,
  last_inbound_at INTEGER,
  window_opener TEXT NOT NULL DEFAULT 'organic',
  blocked INTEGER NOT NULL DEFAULT 0,
  UNIQUE (channel_account_id, platform_user_id)
);
-- The audience scan walks one account's identities in contact order.
CREATE INDEX identities_by_account_contact ON identities(channel_account_id, contact_id);
CREATE INDEX identities_by_contact ON identities(contact_id);

CREATE TABLE contact_tags (
  contact_id INTEGER NOT NULL REFERENCES contacts(id) ON DELETE CASCADE,
  tag TEXT NOT NULL,
  PRIMARY KEY (contact_id, tag)
) WITHOUT ROWID;
CREATE INDEX contact_tags_by_tag ON contact_tags(tag, contact_id);

CREATE TABLE broadcasts (
  id INTEGER PRIMARY KEY,
  name TEXT NOT NULL,
  channel_account_id INTEGER NOT NULL REFERENCES channel_accounts(id),
  purpose TEXT NOT NULL,
  audience TEXT NOT NULL,
  messages TEXT NOT NULL,
  status TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL
);

-- Deliveries of a run have ids in [first_delivery_id, last_delivery_id] (other runs' rows may
-- interleave), so per-run scans walk the primary key instead of a secondary index that every
-- insert would pay for. claim_cursor: every delivery of the run with a larger id has never
-- been claimed. pending: planned + sending deliveries, kept in step by every transition.
CREATE TABLE runs (
  id INTEGER PRIMARY KEY,
  broadcast_id INTEGER NOT NULL REFERENCES broadcasts(id),
  channel_account_id INTEGER NOT NULL REFERENCES channel_accounts(id),
  status TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  planned_at INTEGER,
  finished_at INTEGER,
  first_delivery_id INTEGER,
  last_delivery_id INTEGER,
  claim_cursor INTEGER NOT NULL DEFAULT 0,
  pending INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX runs_by_broadcast ON runs(broadcast_id, id);
CREATE INDEX runs_by_status ON runs(status, id);

-- One row per recipient per run: the hot table. Unset texts are NULL to keep rows small.
-- No foreign keys and no full secondary index, on purpose: appends must stay at plain rowid
-- speed. A delivery record also outlives its contact.
-- state: 0 planned, 1 sending, 2 sent, 3 failed, 4 skipped.
CREATE TABLE deliveries (
  id INTEGER PRIMARY KEY,
  run_id INTEGER NOT NULL,
  contact_id INTEGER NOT NULL,
  platform_user_id TEXT NOT NULL,
  state INTEGER NOT NULL,
  route TEXT,
  skip_reason TEXT,
  attempts INTEGER NOT NULL DEFAULT 0,
  not_before INTEGER,
  platform_message_id TEXT,
  error_class TEXT,
  error_code TEXT,
  error_message TEXT,
  created_at INTEGER NOT NULL,
  sent_at INTEGER,
  updated_at INTEGER
);
-- Small partial indexes: deliveries in flight, and deliveries put back for a retry (the only
-- planned rows behind a run's claim cursor).
CREATE INDEX deliveries_sending ON deliveries(run_id, id) WHERE state = 1;
CREATE INDEX deliveries_retry ON deliveries(run_id, id) WHERE state = 0 AND not_before IS NOT NULL;

CREATE TABLE api_keys (
  id INTEGER PRIMARY KEY,
  name TEXT NOT NULL,
  role TEXT NOT NULL,
  key_hash TEXT NOT NULL UNIQUE,
  created_at INTEGER NOT NULL
);
)sql";

// Issue 3: the full contact model and tags that exist without contacts.
// contacts.attributes is a JSON object (NULL when there are none): a string, number or boolean
// attribute is its JSON value, a time is {"t": unix milliseconds}, so that the type survives
// and a one-column write keeps imports fast. conversation_state is NULL when unknown.
constexpr std::string_view kV2 = R"sql(
ALTER TABLE contacts ADD COLUMN attributes TEXT;
ALTER TABLE contacts ADD COLUMN conversation_state TEXT;
ALTER TABLE contacts ADD COLUMN assignee TEXT NOT NULL DEFAULT '';

CREATE TABLE tags (
  name TEXT PRIMARY KEY
) WITHOUT ROWID;
INSERT INTO tags(name) SELECT DISTINCT tag FROM contact_tags;
)sql";

// Issue 3: a change sequence on contacts, so that the in-memory audience index can be built
// once and then kept in step by reading only what changed. Every write transaction that
// changes contacts takes the next value of contact_change_seq once and stamps each contact it
// touches with it. Contacts that exist at the upgrade are numbered 1, as if one transaction
// had written them all: a reader starting from 0 sees every one of them.
constexpr std::string_view kV3 = R"sql(
ALTER TABLE contacts ADD COLUMN change_seq INTEGER NOT NULL DEFAULT 0;
UPDATE contacts SET change_seq = 1;
CREATE INDEX contacts_by_change_seq ON contacts(change_seq);

CREATE TABLE contact_change_seq (
  id INTEGER PRIMARY KEY CHECK (id = 1),
  value INTEGER NOT NULL
);
INSERT INTO contact_change_seq(id, value)
  VALUES (1, CASE WHEN EXISTS (SELECT 1 FROM contacts) THEN 1 ELSE 0 END);
)sql";

// Saved segments (C1). Filters reference segments by name; segment_refs (which segment a
// segment's filter names) and broadcast_segments (which segments a broadcast's audience filter
// names) record the references by id, so that deletes can name who still uses a segment,
// renames can rewrite every reference, and expansion can read a segment's whole closure in
// one query. Broadcasts written before this version cannot reference segments.
constexpr std::string_view kV4 = R"sql(
CREATE TABLE segments (
  id INTEGER PRIMARY KEY,
  name TEXT NOT NULL UNIQUE,
  filter TEXT NOT NULL,
  description TEXT NOT NULL DEFAULT '',
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL
);
CREATE TABLE segment_refs (
  segment_id INTEGER NOT NULL REFERENCES segments(id),
  referrer_id INTEGER NOT NULL REFERENCES segments(id) ON DELETE CASCADE,
  PRIMARY KEY (segment_id, referrer_id)
) WITHOUT ROWID;
CREATE INDEX segment_refs_by_referrer ON segment_refs(referrer_id, segment_id);
CREATE TABLE broadcast_segments (
  segment_id INTEGER NOT NULL REFERENCES segments(id),
  broadcast_id INTEGER NOT NULL REFERENCES broadcasts(id),
  PRIMARY KEY (segment_id, broadcast_id)
) WITHOUT ROWID;
)sql";

// Routes beyond the window (A1–A3): what an account is set up for, and what a broadcast may
// use once a recipient's window has closed. JSON objects, read by the store alone.
constexpr std::string_view kV5 = R"sql(
ALTER TABLE channel_accounts ADD COLUMN capabilities TEXT NOT NULL DEFAULT '{}';
ALTER TABLE broadcasts ADD COLUMN outside_window TEXT NOT NULL DEFAULT '{}';
)sql";

// Recipient facts (A1-A3, A6, F5, I2): WhatsApp opt-in and marketing STOP, when the platform
// last said the person cannot be reached (suppressed_at; a later last_inbound_at lifts it, so
// nothing has to clear it), the Messenger/Instagram marketing-messages token (NULL: none;
// the other token columns mean nothing without it), and the contact's region for the
// Marketing Message API. Template messages, the MM API campaign and the account's ad account
// and tag lock live in the JSON columns (messages, outside_window, capabilities) and need no
// change of schema.
constexpr std::string_view kV6 = R"sql(
ALTER TABLE identities ADD COLUMN opted_in INTEGER NOT NULL DEFAULT 0;
ALTER TABLE identities ADD COLUMN marketing_opted_out INTEGER NOT NULL DEFAULT 0;
ALTER TABLE identities ADD COLUMN suppressed_at INTEGER;
ALTER TABLE identities ADD COLUMN marketing_token TEXT;
ALTER TABLE identities ADD COLUMN marketing_token_expires_at INTEGER;
ALTER TABLE identities ADD COLUMN marketing_token_stopped INTEGER NOT NULL DEFAULT 0;
ALTER TABLE identities ADD COLUMN marketing_token_last_sent_at INTEGER;
ALTER TABLE contacts ADD COLUMN region TEXT NOT NULL DEFAULT '';
)sql";

// Platform ceilings (A8) the account is held to: the platform's send rate when it differs
// from the documented default (NULL: the default), the WhatsApp messaging-limit tier (a new
// portfolio's 250 unless set), LINE's monthly quota (NULL: none).
constexpr std::string_view kV7 = R"sql(
ALTER TABLE channel_accounts ADD COLUMN platform_messages_per_second REAL;
ALTER TABLE channel_accounts ADD COLUMN whatsapp_tier TEXT NOT NULL DEFAULT '250';
ALTER TABLE channel_accounts ADD COLUMN line_monthly_quota INTEGER;
)sql";

// LINE multicast batches (A4): the set of deliveries one multicast carries and the retry key
// of its current request, so that a retry after a restart is the same set with the same key.
// A delivery keeps its batch after it is resolved; a batch is open while one of its
// deliveries is `sending`.
constexpr std::string_view kV8 = R"sql(
CREATE TABLE line_batches (
  id INTEGER PRIMARY KEY,
  run_id INTEGER NOT NULL,
  message_index INTEGER NOT NULL,
  retry_key TEXT NOT NULL,
  key_first_used_at INTEGER NOT NULL,
  attempts INTEGER NOT NULL,
  message_ids TEXT NOT NULL,
  created_at INTEGER NOT NULL
);
CREATE INDEX line_batches_run ON line_batches(run_id, id);
ALTER TABLE deliveries ADD COLUMN line_batch_id INTEGER;
CREATE INDEX deliveries_line_batch ON deliveries(line_batch_id, id)
  WHERE state = 1 AND line_batch_id IS NOT NULL;
)sql";

// The template registry (D4). A WhatsApp template's scope is its WABA (channel_account_id
// 0), a Messenger template's its Page account (waba_id ''), so that the unique key needs no
// NULLs, which SQLite would hold distinct. Buttons are a JSON array read by the store alone.
constexpr std::string_view kV9 = R"sql(
CREATE TABLE templates (
  id INTEGER PRIMARY KEY,
  platform TEXT NOT NULL,
  waba_id TEXT NOT NULL DEFAULT '',
  channel_account_id INTEGER NOT NULL DEFAULT 0,
  name TEXT NOT NULL,
  language TEXT NOT NULL,
  category TEXT NOT NULL,
  status TEXT NOT NULL,
  header_kind TEXT NOT NULL,
  header_parameters INTEGER NOT NULL,
  body_parameters INTEGER NOT NULL,
  buttons TEXT NOT NULL DEFAULT '[]',
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  UNIQUE (platform, waba_id, channel_account_id, name, language)
);
-- A broadcast's check reads every scope's template of one name.
CREATE INDEX templates_by_name ON templates(name, language);
)sql";

// Click tracking (G3). A broadcast may send its links through crier's redirect; each press
// is a row. `secrets` holds keys made once per database (the click tokens' HMAC key), so that
// every node sharing the database signs and verifies alike.
constexpr std::string_view kV10 = R"sql(
ALTER TABLE broadcasts ADD COLUMN track_clicks INTEGER NOT NULL DEFAULT 0;
CREATE TABLE secrets (
  name TEXT PRIMARY KEY,
  value TEXT NOT NULL,
  created_at INTEGER NOT NULL
);
CREATE TABLE clicks (
  id INTEGER PRIMARY KEY,
  run_id INTEGER NOT NULL,
  contact_id INTEGER NOT NULL,
  link_index INTEGER NOT NULL,
  clicked_at INTEGER NOT NULL
);
CREATE INDEX clicks_run ON clicks(run_id, link_index, contact_id);
)sql";

// Webhooks in (J): the secrets an account's webhooks are checked with, and the platforms'
// event ids of applied webhooks, so that a redelivered one changes nothing. Event ids are
// unique per account (mid, wamid and webhookEventId are the platform's own), kept for the
// platforms' retry period and pruned by time.
constexpr std::string_view kV11 = R"sql(
ALTER TABLE channel_accounts ADD COLUMN webhook_secret TEXT NOT NULL DEFAULT '';
ALTER TABLE channel_accounts ADD COLUMN webhook_verify_token TEXT NOT NULL DEFAULT '';
CREATE TABLE webhook_events (
  channel_account_id INTEGER NOT NULL,
  event_id TEXT NOT NULL,
  received_at INTEGER NOT NULL,
  PRIMARY KEY (channel_account_id, event_id)
) WITHOUT ROWID;
CREATE INDEX webhook_events_received ON webhook_events(received_at);
)sql";

constexpr std::array<std::string_view, 11> kMigrations = {kV1, kV2, kV3, kV4,  kV5, kV6,
                                                          kV7, kV8, kV9, kV10, kV11};

constexpr std::string_view kCreateMigrationsTable =
    "CREATE TABLE IF NOT EXISTS schema_migrations ("
    " version INTEGER PRIMARY KEY, applied_at INTEGER NOT NULL)";
constexpr std::string_view kMaxVersion = "SELECT COALESCE(MAX(version), 0) FROM schema_migrations";
constexpr std::string_view kHasVersion = "SELECT 1 FROM schema_migrations WHERE version = ?1";
constexpr std::string_view kRecordVersion =
    "INSERT INTO schema_migrations(version, applied_at) VALUES (?1, ?2)";

Result<std::int64_t> MaxVersion(Connection& db) {
  auto stmt = db.Prepare(kMaxVersion);
  if (!stmt.ok()) return stmt.error();
  auto row = stmt->Step();
  if (!row.ok()) return row.error();
  return *row ? stmt->Int(0) : 0;
}

// Applies one version inside its own write transaction, unless another process did first.
Status ApplyOne(Connection& db, std::int64_t version, std::string_view sql, Time now) {
  WriteTransaction txn(db);
  CRIER_RETURN_IF_ERROR(txn.Begin());
  {
    auto has = db.Prepare(kHasVersion);
    if (!has.ok()) return has.error();
    has->Bind(1, version);
    auto row = has->Step();
    if (!row.ok()) return row.error();
    if (*row) return Status::Ok();
  }
  if (auto st = db.Exec(sql); !st.ok()) {
    Error error = st.error();
    error.message = "applying schema migration " + std::to_string(version) + ": " + error.message;
    return error;
  }
  auto record = db.Prepare(kRecordVersion);
  if (!record.ok()) return record.error();
  record->Bind(1, version);
  record->Bind(2, now);
  CRIER_RETURN_IF_ERROR(record->Run());
  return txn.Commit();
}

}  // namespace

std::span<const std::string_view> Migrations() { return kMigrations; }

Status ApplyMigrations(Connection& db, Time now) {
  CRIER_RETURN_IF_ERROR(db.Exec(kCreateMigrationsTable));
  auto max = MaxVersion(db);
  if (!max.ok()) return max.error();
  const auto known = static_cast<std::int64_t>(kMigrations.size());
  if (*max > known) {
    return FailedPrecondition("the database has schema version " + std::to_string(*max) +
                              ", newer than this build knows (" + std::to_string(known) +
                              "); use a newer crier");
  }
  for (std::int64_t version = *max + 1; version <= known; ++version) {
    CRIER_RETURN_IF_ERROR(ApplyOne(db, version, kMigrations[version - 1], now));
  }
  return Status::Ok();
}

}  // namespace crier::sqlite
