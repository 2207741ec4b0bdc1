#include "engine/audience_service.h"

namespace crier::engine {

Status AudienceService::Refresh(const std::atomic<bool>* cancel) {
  std::lock_guard lock(refresh_mu_);
  bool cancelled = false;
  auto seq = store_.ForEachContactChangedSince(seen_seq_, [&](const Contact& contact) {
    if (cancel != nullptr && cancel->load(std::memory_order_relaxed)) {
      cancelled = true;
      return false;
    }
    index_.Upsert(contact);
    return true;
  });
  if (!seq.ok()) return seq.error();
  // Contacts come in id order, not sequence order, so a partial pass proves nothing about
  // any sequence: keep the old one and let the next refresh upsert again (idempotent).
  if (cancelled)
    return Error{ErrorCode::kUnavailable, "the audience index refresh was stopped", {}};
  seen_seq_ = *seq;
  return Status::Ok();
}

namespace {

// The index cannot know what a segment means; callers expand first (ExpandWithStore).
Status CheckExpanded(const filter::Node& filter) {
  if (filter::SegmentReferences(filter).empty()) return Status::Ok();
  return Internal("a filter reached the audience index with its segment references unexpanded");
}

}  // namespace

Result<std::int64_t> AudienceService::Count(const filter::Node& filter) {
  CRIER_RETURN_IF_ERROR(CheckExpanded(filter));
  CRIER_RETURN_IF_ERROR(Refresh());
  return index_.Count(filter, clock_.Now());
}

Result<std::vector<Id>> AudienceService::List(const filter::Node& filter, Id after_id, int limit) {
  if (limit <= 0) return InvalidArgument("limit", "must be positive");
  CRIER_RETURN_IF_ERROR(CheckExpanded(filter));
  CRIER_RETURN_IF_ERROR(Refresh());
  return index_.List(filter, clock_.Now(), after_id, limit);
}

}  // namespace crier::engine
