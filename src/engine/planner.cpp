#include "engine/planner.h"

#include <vector>

namespace crier::engine {

Status ForEachDecision(Store& store, const Broadcast& broadcast, Time now,
                       const PolicyOptions& policy,
                       const std::function<void(const RecipientRow&, const Decision&)>& visit) {
  const BroadcastFacts facts{broadcast.purpose};
  return store.ForEachRecipient(broadcast.channel_account_id, broadcast.audience,
                                [&](const RecipientRow& row) {
                                  visit(row, DecideRoute(row.facts, facts, now, policy));
                                  return true;
                                });
}

Result<PlanCounts> PlanRun(Store& store, const Broadcast& broadcast, Id run_id, Time now,
                           const PolicyOptions& policy, int batch) {
  PlanCounts counts;
  std::vector<PlannedDelivery> pending;
  pending.reserve(static_cast<size_t>(batch));
  Status append_status;
  const auto flush = [&] {
    if (pending.empty() || !append_status.ok()) return;
    append_status = store.AppendDeliveries(run_id, pending, now);
    pending.clear();
  };
  CRIER_RETURN_IF_ERROR(ForEachDecision(
      store, broadcast, now, policy, [&](const RecipientRow& row, const Decision& d) {
        ++counts.matched;
        ++(d.sends() ? counts.planned : counts.skipped);
        pending.push_back({row.contact_id, row.platform_user_id, d});
        if (static_cast<int>(pending.size()) >= batch) flush();
      }));
  flush();
  CRIER_RETURN_IF_ERROR(append_status);
  return counts;
}

}  // namespace crier::engine
