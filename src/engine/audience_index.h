// AudienceIndex: an in-memory columnar index of contacts that counts and lists the contacts
// matching an audience filter (PRODUCT.md C1, C2) without touching the store.
//
// Representation. One row per contact, rows appended in arrival order (which is contact-id
// order when ids grow, the common case). Set-valued facts are dense bitsets with one bit per
// row: one per tag, per subscription status, per conversation state, per channel account
// ("has an identity there") and "alive" (rows of removed contacts are cleared from it).
// Scalar facts are columns: dictionary codes for locale, time zone and assignee; int64 Unix
// milliseconds for last inbound interaction per account (and the latest over all accounts)
// and for subscription_changed_at; one typed column per (attribute key, value type) with a
// presence bitset, strings dictionary-coded. A filter is evaluated bottom-up into a bitset:
// and / or are word-wise, not is "alive and not X", column predicates are tight loops that
// build 64 bits at a time, and Count is a popcount.
//
// Semantics are those of filter::Matches (the full-scan reference); the property test in
// audience_index_test.cpp holds the two together.
//
// Thread-safety: any number of concurrent readers (Count, List, MemoryBytes, size) or one
// writer (Upsert, Remove); a shared_mutex inside enforces it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <shared_mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include "core/filter.h"
#include "core/model.h"

namespace crier::engine {

class AudienceIndex {
 public:
  AudienceIndex();
  ~AudienceIndex();
  AudienceIndex(const AudienceIndex&) = delete;
  AudienceIndex& operator=(const AudienceIndex&) = delete;

  // Inserts the contact, or replaces everything known about the contact with the same id
  // (also after Remove), so the index can follow the store write by write.
  void Upsert(const Contact& contact);
  // Forgets the contact; unknown ids are ignored.
  void Remove(Id contact_id);

  // How many live contacts match `filter`, relative times resolved against `now`.
  std::int64_t Count(const filter::Node& filter, Time now) const;
  // Up to `limit` matching contact ids greater than `after_id`, ascending: a page of a stable
  // keyset listing (pass the last id of a page as `after_id` of the next; 0 for the first).
  std::vector<Id> List(const filter::Node& filter, Time now, Id after_id, int limit) const;

  // Heap bytes held by the index (capacity, not size), for capacity planning.
  std::size_t MemoryBytes() const;
  // Live contacts.
  std::int64_t size() const;

 private:
  struct State;
  mutable std::shared_mutex mu_;
  std::unique_ptr<State> state_;  // guarded by mu_
};

}  // namespace crier::engine
