#include "store/sqlite/segments.h"

#include <boost/json.hpp>
#include <optional>
#include <utility>

#include "core/filter.h"
#include "store/sqlite/messages.h"

namespace crier::sqlite {
namespace {

constexpr std::string_view kInsertSegment =
    "INSERT INTO segments(name, filter, description, created_at, updated_at)"
    " VALUES (?1, ?2, ?3, ?4, ?4)";
constexpr std::string_view kSelectSegmentById =
    "SELECT id, name, filter, description, created_at, updated_at FROM segments WHERE id = ?1";
constexpr std::string_view kSelectSegmentByName =
    "SELECT id, name, filter, description, created_at, updated_at FROM segments WHERE name = ?1";
constexpr std::string_view kSelectSegmentsPage =
    "SELECT id, name, filter, description, created_at, updated_at FROM segments"
    " WHERE id > ?1 ORDER BY id LIMIT ?2";
// The named segments and, through segment_refs, everything they reach (UNION stops at cycles,
// though the writes below never let one in).
constexpr std::string_view kSelectSegmentClosure =
    "WITH RECURSIVE wanted(id) AS ("
    " SELECT id FROM segments WHERE name IN (SELECT value FROM json_each(?1))"
    " UNION SELECT r.segment_id FROM segment_refs r JOIN wanted w ON r.referrer_id = w.id)"
    " SELECT id, name, filter, description, created_at, updated_at FROM segments"
    " WHERE id IN (SELECT id FROM wanted) ORDER BY id";
// Every segment that reaches ?1 through references.
constexpr std::string_view kSelectSegmentUsers =
    "WITH RECURSIVE users(id) AS ("
    " SELECT referrer_id FROM segment_refs WHERE segment_id = ?1"
    " UNION SELECT r.referrer_id FROM segment_refs r JOIN users u ON r.segment_id = u.id)"
    " SELECT name FROM segments WHERE id IN (SELECT id FROM users) ORDER BY id";
constexpr std::string_view kSelectSegmentReferrers =
    "SELECT s.id, s.name, s.filter FROM segment_refs r JOIN segments s ON s.id = r.referrer_id"
    " WHERE r.segment_id = ?1 ORDER BY s.id";
constexpr std::string_view kSelectSegmentBroadcasts =
    "SELECT b.id, b.name, b.status, json_extract(b.audience, '$.filter')"
    " FROM broadcast_segments l JOIN broadcasts b ON b.id = l.broadcast_id"
    " WHERE l.segment_id = ?1 ORDER BY b.id";
constexpr std::string_view kSelectSegmentIdByName = "SELECT id FROM segments WHERE name = ?1";
constexpr std::string_view kUpdateSegment =
    "UPDATE segments SET name = ?2, filter = ?3, description = ?4, updated_at = ?5 WHERE id = ?1";
// A rename rewrites references without touching updated_at: what the filter means is the same.
constexpr std::string_view kRewriteSegmentFilter = "UPDATE segments SET filter = ?2 WHERE id = ?1";
constexpr std::string_view kRewriteBroadcastFilter =
    "UPDATE broadcasts SET audience = json_set(audience, '$.filter', ?2) WHERE id = ?1";
constexpr std::string_view kDeleteSegmentRefsFrom =
    "DELETE FROM segment_refs WHERE referrer_id = ?1";
constexpr std::string_view kInsertSegmentRef =
    "INSERT OR IGNORE INTO segment_refs(segment_id, referrer_id) VALUES (?1, ?2)";
constexpr std::string_view kInsertBroadcastLink =
    "INSERT OR IGNORE INTO broadcast_segments(segment_id, broadcast_id) VALUES (?1, ?2)";
constexpr std::string_view kDeleteBroadcastLinks =
    "DELETE FROM broadcast_segments WHERE segment_id = ?1";
constexpr std::string_view kDeleteSegment = "DELETE FROM segments WHERE id = ?1";

// A refused delete names at most this many users, then says how many more.
constexpr std::size_t kMaxNamedUsers = 10;

std::string Quoted(std::string_view name) { return "\"" + std::string(name) + "\""; }

Segment ReadSegment(const Statement& st) {
  Segment s;
  s.id = st.Int(0);
  s.name = st.Text(1);
  s.filter = st.Text(2);
  s.description = st.Text(3);
  s.created_at = st.TimeAt(4);
  s.updated_at = st.TimeAt(5);
  return s;
}

// Input from the caller: a parse failure is theirs, named by `field`.
Result<filter::Node> ParseInput(std::string_view text, std::string_view field) {
  auto node = filter::ParseText(text);
  if (!node.ok()) return InvalidArgument(std::string(field), node.error().message);
  return node;
}

// A stored filter that no longer parses was damaged or written by something else.
Result<filter::Node> ParseStored(std::string_view text, std::string_view whose) {
  auto node = filter::ParseText(text);
  if (!node.ok()) {
    return Internal("the stored filter of " + std::string(whose) +
                    " does not parse: " + node.error().message);
  }
  return node;
}

// Segment definitions as this connection sees them (inside the caller's transaction).
filter::SegmentLookup StoredSegments(Connection& db) {
  return [&db](const std::string& name) -> Result<std::optional<filter::Node>> {
    STORE_PREPARE(st, db, kSelectSegmentByName);
    st.BindText(1, name);
    STORE_ASSIGN_OR_RETURN(bool row, st.Step());
    if (!row) return std::optional<filter::Node>();
    STORE_ASSIGN_OR_RETURN(filter::Node node, ParseStored(st.Text(2), "segment " + Quoted(name)));
    return std::optional<filter::Node>(std::move(node));
  };
}

// Expanding the segment named `name` is what every user of it will do: check it can be done.
Status CheckExpands(Connection& db, const std::string& name, std::string_view field) {
  const filter::Node ref = filter::Node::Leaf(filter::SegmentPred{name});
  return filter::ExpandSegments(ref, StoredSegments(db), field).status();
}

Result<std::optional<Id>> IdByName(Connection& db, const std::string& name) {
  STORE_PREPARE(st, db, kSelectSegmentIdByName);
  st.BindText(1, name);
  STORE_ASSIGN_OR_RETURN(bool row, st.Step());
  if (!row) return std::optional<Id>();
  return std::optional<Id>(st.Int(0));
}

// The ids of the segments `node` names directly; every one must exist (checked before).
Result<std::vector<Id>> ReferencedIds(Connection& db, const filter::Node& node) {
  std::vector<Id> ids;
  for (const std::string& name : filter::SegmentReferences(node)) {
    STORE_ASSIGN_OR_RETURN(std::optional<Id> id, IdByName(db, name));
    if (!id) return Internal("segment " + Quoted(name) + " vanished inside a transaction");
    ids.push_back(*id);
  }
  return ids;
}

Status ReplaceSegmentRefs(Connection& db, Id referrer, const filter::Node& node) {
  {
    STORE_PREPARE(st, db, kDeleteSegmentRefsFrom);
    st.Bind(1, referrer);
    CRIER_RETURN_IF_ERROR(st.Run());
  }
  STORE_ASSIGN_OR_RETURN(std::vector<Id> ids, ReferencedIds(db, node));
  STORE_PREPARE(st, db, kInsertSegmentRef);
  for (Id id : ids) {
    st.Bind(1, id);
    st.Bind(2, referrer);
    CRIER_RETURN_IF_ERROR(st.Run());
    st.Reset();
  }
  return Status::Ok();
}

Status CheckName(const std::string& name) {
  if (name.empty()) return InvalidArgument("name", std::string(kMustNotBeEmpty));
  return Status::Ok();
}

Error NameTaken(const std::string& name) {
  return Error{ErrorCode::kAlreadyExists, "segment " + Quoted(name) + " already exists", "name"};
}

struct Referrer {
  Id id = 0;
  std::string name;
  std::string filter;
};

Result<std::vector<Referrer>> SegmentReferrers(Connection& db, Id id) {
  STORE_PREPARE(st, db, kSelectSegmentReferrers);
  st.Bind(1, id);
  std::vector<Referrer> out;
  while (true) {
    STORE_ASSIGN_OR_RETURN(bool row, st.Step());
    if (!row) break;
    out.push_back({st.Int(0), std::string(st.Text(1)), std::string(st.Text(2))});
  }
  return out;
}

struct BroadcastUse {
  Id id = 0;
  std::string name;
  std::string status;
  std::optional<std::string> filter;
};

Result<std::vector<BroadcastUse>> SegmentBroadcasts(Connection& db, Id id) {
  STORE_PREPARE(st, db, kSelectSegmentBroadcasts);
  st.Bind(1, id);
  std::vector<BroadcastUse> out;
  while (true) {
    STORE_ASSIGN_OR_RETURN(bool row, st.Step());
    if (!row) break;
    BroadcastUse use{st.Int(0), std::string(st.Text(1)), std::string(st.Text(2)), std::nullopt};
    if (!st.IsNull(3)) use.filter = std::string(st.Text(3));
    out.push_back(std::move(use));
  }
  return out;
}

// Makes every reference to the segment `from` (id `id`) read `to`, in segments and broadcasts.
Status RewriteReferences(Connection& db, Id id, const std::string& from, const std::string& to) {
  STORE_ASSIGN_OR_RETURN(std::vector<Referrer> referrers, SegmentReferrers(db, id));
  for (const Referrer& r : referrers) {
    STORE_ASSIGN_OR_RETURN(filter::Node node, ParseStored(r.filter, "segment " + Quoted(r.name)));
    const std::string text = filter::ToText(filter::RenameSegmentReferences(node, from, to));
    STORE_PREPARE(st, db, kRewriteSegmentFilter);
    st.Bind(1, r.id);
    st.BindText(2, text);
    CRIER_RETURN_IF_ERROR(st.Run());
  }
  STORE_ASSIGN_OR_RETURN(std::vector<BroadcastUse> broadcasts, SegmentBroadcasts(db, id));
  for (const BroadcastUse& b : broadcasts) {
    if (!b.filter) continue;
    STORE_ASSIGN_OR_RETURN(filter::Node node,
                           ParseStored(*b.filter, "broadcast " + std::to_string(b.id)));
    const std::string text = filter::ToText(filter::RenameSegmentReferences(node, from, to));
    STORE_PREPARE(st, db, kRewriteBroadcastFilter);
    st.Bind(1, b.id);
    st.BindText(2, text);
    CRIER_RETURN_IF_ERROR(st.Run());
  }
  return Status::Ok();
}

}  // namespace

Result<Segment> InsertSegment(Connection& db, const NewSegment& in, Time now) {
  CRIER_RETURN_IF_ERROR(CheckName(in.name));
  STORE_ASSIGN_OR_RETURN(filter::Node node, ParseInput(in.filter, "filter"));
  STORE_ASSIGN_OR_RETURN(std::optional<Id> taken, IdByName(db, in.name));
  if (taken) return NameTaken(in.name);
  Segment s;
  s.name = in.name;
  s.filter = filter::ToText(node);
  s.description = in.description;
  s.created_at = now;
  s.updated_at = now;
  {
    STORE_PREPARE(st, db, kInsertSegment);
    st.BindText(1, s.name);
    st.BindText(2, s.filter);
    st.BindText(3, s.description);
    st.Bind(4, now);
    CRIER_RETURN_IF_ERROR(st.Run());
    s.id = db.LastInsertId();
  }
  // Checked with the row in place, so that a filter naming the new segment itself is a cycle.
  CRIER_RETURN_IF_ERROR(CheckExpands(db, s.name, "filter"));
  CRIER_RETURN_IF_ERROR(ReplaceSegmentRefs(db, s.id, node));
  return s;
}

Result<Segment> SelectSegment(Connection& db, Id id) {
  STORE_PREPARE(st, db, kSelectSegmentById);
  st.Bind(1, id);
  STORE_ASSIGN_OR_RETURN(bool row, st.Step());
  if (!row) return NotFound("segment " + std::to_string(id) + " not found");
  return ReadSegment(st);
}

Result<Segment> SelectSegmentByName(Connection& db, const std::string& name) {
  STORE_PREPARE(st, db, kSelectSegmentByName);
  st.BindText(1, name);
  STORE_ASSIGN_OR_RETURN(bool row, st.Step());
  if (!row) return NotFound("no segment named " + Quoted(name));
  return ReadSegment(st);
}

Result<Page<Segment>> SelectSegmentsPage(Connection& db, const PageRequest& page) {
  STORE_PREPARE(st, db, kSelectSegmentsPage);
  st.Bind(1, page.after_id);
  st.Bind(2, page.limit + 1);
  Page<Segment> out;
  while (true) {
    STORE_ASSIGN_OR_RETURN(bool row, st.Step());
    if (!row) break;
    out.items.push_back(ReadSegment(st));
  }
  if (static_cast<int>(out.items.size()) > page.limit) {
    out.items.resize(static_cast<std::size_t>(page.limit));
    out.next_after_id = out.items.back().id;
  }
  return out;
}

Result<Segment> ApplySegmentUpdate(Connection& db, Id id, const SegmentUpdate& update, Time now) {
  STORE_ASSIGN_OR_RETURN(Segment s, SelectSegment(db, id));
  const std::string old_name = s.name;
  if (update.name && *update.name != s.name) {
    CRIER_RETURN_IF_ERROR(CheckName(*update.name));
    STORE_ASSIGN_OR_RETURN(std::optional<Id> taken, IdByName(db, *update.name));
    if (taken) return NameTaken(*update.name);
    s.name = *update.name;
  }
  std::optional<filter::Node> node;
  if (update.filter) {
    STORE_ASSIGN_OR_RETURN(node, ParseInput(*update.filter, "filter"));
    s.filter = filter::ToText(*node);
  }
  if (update.description) s.description = *update.description;
  s.updated_at = now;
  {
    STORE_PREPARE(st, db, kUpdateSegment);
    st.Bind(1, id);
    st.BindText(2, s.name);
    st.BindText(3, s.filter);
    st.BindText(4, s.description);
    st.Bind(5, now);
    CRIER_RETURN_IF_ERROR(st.Run());
  }
  if (s.name != old_name) CRIER_RETURN_IF_ERROR(RewriteReferences(db, id, old_name, s.name));
  if (node) {
    // Written first and checked in place: the segment itself for unknown names and cycles,
    // then every segment that uses it, which the new definition may push past the depth or
    // size bounds. A failure rolls the whole transaction back.
    CRIER_RETURN_IF_ERROR(CheckExpands(db, s.name, "filter"));
    std::vector<std::string> users;
    {
      STORE_PREPARE(st, db, kSelectSegmentUsers);
      st.Bind(1, id);
      while (true) {
        STORE_ASSIGN_OR_RETURN(bool row, st.Step());
        if (!row) break;
        users.emplace_back(st.Text(0));
      }
    }
    for (const std::string& user : users) {
      auto checked = CheckExpands(db, user, "filter");
      if (!checked.ok()) {
        Error error = checked.error();
        error.message =
            "segment " + Quoted(user) + " uses this one and would break: " + error.message;
        return error;
      }
    }
    CRIER_RETURN_IF_ERROR(ReplaceSegmentRefs(db, id, *node));
  }
  return s;
}

Status RemoveSegment(Connection& db, Id id) {
  STORE_ASSIGN_OR_RETURN(Segment s, SelectSegment(db, id));
  std::vector<std::string> users;
  STORE_ASSIGN_OR_RETURN(std::vector<Referrer> referrers, SegmentReferrers(db, id));
  for (const Referrer& r : referrers) users.push_back("segment " + Quoted(r.name));
  STORE_ASSIGN_OR_RETURN(std::vector<BroadcastUse> broadcasts, SegmentBroadcasts(db, id));
  for (const BroadcastUse& b : broadcasts) {
    // A cancelled broadcast never runs again; any other may (a completed one can be resent).
    if (b.status == ToString(BroadcastStatus::kCancelled)) continue;
    users.push_back("broadcast " + std::to_string(b.id) + " (" + Quoted(b.name) + ", " + b.status +
                    ")");
  }
  if (!users.empty()) {
    std::string message = "segment " + Quoted(s.name) + " is still used by ";
    for (std::size_t i = 0; i < users.size() && i < kMaxNamedUsers; ++i) {
      if (i > 0) message += ", ";
      message += users[i];
    }
    if (users.size() > kMaxNamedUsers) {
      message += " and " + std::to_string(users.size() - kMaxNamedUsers) + " more";
    }
    message += "; change or cancel them first";
    return FailedPrecondition(std::move(message));
  }
  // Only cancelled broadcasts can be linked still; their filters keep the name, unresolved.
  {
    STORE_PREPARE(st, db, kDeleteBroadcastLinks);
    st.Bind(1, id);
    CRIER_RETURN_IF_ERROR(st.Run());
  }
  STORE_PREPARE(st, db, kDeleteSegment);
  st.Bind(1, id);
  return st.Run();
}

Result<std::vector<Segment>> SelectSegmentClosure(Connection& db,
                                                  std::span<const std::string> names) {
  std::vector<Segment> out;
  if (names.empty()) return out;
  boost::json::array list;
  for (const std::string& name : names) list.emplace_back(name);
  const std::string json = boost::json::serialize(list);
  STORE_PREPARE(st, db, kSelectSegmentClosure);
  st.BindStaticText(1, json);
  while (true) {
    STORE_ASSIGN_OR_RETURN(bool row, st.Step());
    if (!row) break;
    out.push_back(ReadSegment(st));
  }
  return out;
}

Status LinkBroadcastSegments(Connection& db, Id broadcast_id, const std::string& filter,
                             std::string_view field) {
  if (filter.empty()) return Status::Ok();
  STORE_ASSIGN_OR_RETURN(filter::Node node, ParseInput(filter, field));
  if (filter::SegmentReferences(node).empty()) return Status::Ok();
  CRIER_RETURN_IF_ERROR(filter::ExpandSegments(node, StoredSegments(db), field).status());
  STORE_ASSIGN_OR_RETURN(std::vector<Id> ids, ReferencedIds(db, node));
  STORE_PREPARE(st, db, kInsertBroadcastLink);
  for (Id id : ids) {
    st.Bind(1, id);
    st.Bind(2, broadcast_id);
    CRIER_RETURN_IF_ERROR(st.Run());
    st.Reset();
  }
  return Status::Ok();
}

}  // namespace crier::sqlite
