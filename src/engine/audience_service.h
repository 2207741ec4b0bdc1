// AudienceService: the audience index kept in step with the store.
//
// The index starts empty (the engine warms it in the background at start); every Count and List
// first asks the store for the contacts that changed since the change sequence it last saw
// (Store::ForEachContactChangedSince), so it is current whoever wrote to the store (API, imports,
// later webhooks or another node), and a refresh with nothing new costs one small query.
//
// Thread-safe: refreshes are serialized; counts and lists run concurrently with each other.
#pragma once

#include <atomic>
#include <cstdint>
#include <mutex>
#include <vector>

#include "core/clock.h"
#include "core/filter.h"
#include "engine/audience_index.h"
#include "store/store.h"

namespace crier::engine {

class AudienceService {
 public:
  // `store` and `clock` must outlive the service.
  AudienceService(Store& store, const Clock& clock) : store_(store), clock_(clock) {}

  // Brings the index up to date with the store. When `cancel` becomes true midway it stops
  // with kUnavailable and forgets nothing it had: the next refresh reads the rest again.
  Status Refresh(const std::atomic<bool>* cancel = nullptr);
  // How many contacts match `filter` now (relative times resolved on the clock). `filter` must
  // hold no segment references (engine/segment_expansion.h): kInternal otherwise.
  Result<std::int64_t> Count(const filter::Node& filter);
  // Matching contact ids after `after_id`, ascending, at most `limit`.
  Result<std::vector<Id>> List(const filter::Node& filter, Id after_id, int limit);

  std::size_t MemoryBytes() const { return index_.MemoryBytes(); }
  std::int64_t size() const { return index_.size(); }

 private:
  Store& store_;
  const Clock& clock_;
  AudienceIndex index_;
  std::mutex refresh_mu_;
  std::int64_t seen_seq_ = 0;  // guarded by refresh_mu_
};

}  // namespace crier::engine
