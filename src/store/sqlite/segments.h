// Saved segments in SQLite, and the references to them from segments and broadcasts (schema
// version 4). Every function runs on a connection inside a transaction its caller opened:
// the writes inside SqliteStore's write transaction, the reads inside one read snapshot. The
// contract they implement is the Store's (store.h, "Segments").
#pragma once

#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/model.h"
#include "core/result.h"
#include "store/sqlite/db.h"
#include "store/store.h"

namespace crier::sqlite {

Result<Segment> InsertSegment(Connection& db, const NewSegment& in, Time now);
Result<Segment> SelectSegment(Connection& db, Id id);
Result<Segment> SelectSegmentByName(Connection& db, const std::string& name);
Result<Page<Segment>> SelectSegmentsPage(Connection& db, const PageRequest& page);
Result<Segment> ApplySegmentUpdate(Connection& db, Id id, const SegmentUpdate& update, Time now);
Status RemoveSegment(Connection& db, Id id);
Result<std::vector<Segment>> SelectSegmentClosure(Connection& db,
                                                  std::span<const std::string> names);

// Checks the segment references of a new broadcast's audience filter (canonical text, may be
// empty) and records them for `broadcast_id`. Errors name `field`.
Status LinkBroadcastSegments(Connection& db, Id broadcast_id, const std::string& filter,
                             std::string_view field);

}  // namespace crier::sqlite
