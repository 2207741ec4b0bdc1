// Planning (audience -> deliveries): one route decision per recipient, written durably.
#pragma once

#include <cstdint>
#include <functional>
#include <span>

#include "channels/content.h"

#include "core/route.h"
#include "engine/audience_service.h"
#include "store/store.h"

namespace crier::engine {

// Whether a run of these messages on `platform` goes in LINE multicast batches: LINE, and
// the same content for everyone (nothing personalised, PRODUCT.md A4).
bool SendsLineMulticast(Platform platform, std::span<const channels::CompiledMessage> content);

// The broadcast's side of every route decision of a run from `account`: FactsOf, with
// line_multicast set when SendsLineMulticast and no link is tracked (a tracked link carries
// each person's own token). Content that does not compile goes as push; the dispatcher
// fails it before anything is sent. Plan, preview and the dispatcher all decide by this.
BroadcastFacts RunFacts(const Broadcast& broadcast, const ChannelAccount& account);

struct PlanCounts {
  std::int64_t matched = 0;
  std::int64_t planned = 0;  // a route was found: to be sent
  std::int64_t skipped = 0;
};

// Decides every recipient of `broadcast`'s audience as of `now` and hands each decision to
// `visit`. Reads only. The audience's filter, when set, is evaluated by `audience` (the
// index) with its segment references expanded as the store defines them now; errors name
// "audience.filter" (a stored filter that does not parse, a segment that cannot be expanded).
Status ForEachDecision(Store& store, AudienceService& audience, const Broadcast& broadcast,
                       Time now, const PolicyOptions& policy,
                       const std::function<void(const RecipientRow&, const Decision&)>& visit);

// Plans `run_id`: appends one delivery per recipient in batches of `batch` rows, each batch
// one transaction. Memory stays bounded by one batch whatever the audience size.
Result<PlanCounts> PlanRun(Store& store, AudienceService& audience, const Broadcast& broadcast,
                           Id run_id, Time now, const PolicyOptions& policy, int batch);

}  // namespace crier::engine
