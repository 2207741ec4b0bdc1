#include "engine/planner.h"

#include <vector>

#include "core/links.h"
#include "engine/segment_expansion.h"

namespace crier::engine {
namespace {

// The filter's matches, read from the index a page at a time and asked in ascending contact
// id order (the order of the recipient scan), so memory stays one page whatever the audience.
class MatchCursor {
 public:
  MatchCursor(AudienceService& audience, const filter::Node& filter)
      : audience_(audience), filter_(filter) {}

  Result<bool> Contains(Id id) {
    for (;;) {
      while (pos_ < page_.size() && page_[pos_] < id) ++pos_;
      if (pos_ < page_.size()) return page_[pos_] == id;
      if (exhausted_) return false;
      auto next = audience_.List(filter_, after_, kPageSize);
      if (!next.ok()) return next.error();
      exhausted_ = static_cast<int>(next->size()) < kPageSize;
      if (!next->empty()) after_ = next->back();
      page_ = std::move(*next);
      pos_ = 0;
    }
  }

 private:
  static constexpr int kPageSize = 10000;
  AudienceService& audience_;
  const filter::Node& filter_;
  std::vector<Id> page_;
  size_t pos_ = 0;
  Id after_ = 0;
  bool exhausted_ = false;
};

}  // namespace

bool SendsLineMulticast(Platform platform, std::span<const channels::CompiledMessage> content) {
  return platform == Platform::kLine && !content.empty() && !channels::AnyPersonalised(content);
}

BroadcastFacts RunFacts(const Broadcast& broadcast, const ChannelAccount& account) {
  BroadcastFacts facts = FactsOf(broadcast, account.capabilities);
  if (account.platform == Platform::kLine) {
    auto content = channels::CompileMessages(account.platform, broadcast.messages);
    // A tracked link carries each person's own token: such content goes per recipient.
    const bool tracked = broadcast.track_clicks && !FindLinks(broadcast.messages, {}).empty();
    facts.line_multicast =
        content.ok() && !tracked && SendsLineMulticast(account.platform, *content);
  }
  return facts;
}

Status ForEachDecision(Store& store, AudienceService& audience, const Broadcast& broadcast,
                       Time now, const PolicyOptions& policy,
                       const std::function<void(const RecipientRow&, const Decision&)>& visit) {
  auto account = store.GetChannelAccount(broadcast.channel_account_id);
  if (!account.ok()) return account.error();
  const BroadcastFacts facts = RunFacts(broadcast, *account);
  std::optional<filter::Node> filter;
  if (!broadcast.audience.filter.empty()) {
    auto parsed = filter::ParseText(broadcast.audience.filter);
    if (!parsed.ok()) {
      return InvalidArgument("audience.filter", parsed.error().message);
    }
    // Once per preview or run: every page of the run selects with the same definitions.
    auto expanded = ExpandWithStore(store, *parsed, "audience.filter");
    if (!expanded.ok()) return expanded.error();
    filter = std::move(*expanded);
  }
  std::optional<MatchCursor> matches;
  if (filter) matches.emplace(audience, *filter);
  Status cursor_status;
  CRIER_RETURN_IF_ERROR(store.ForEachRecipient(
      broadcast.channel_account_id, broadcast.audience, [&](const RecipientRow& row) {
        if (matches) {
          auto in = matches->Contains(row.contact_id);
          if (!in.ok()) {
            cursor_status = in.error();
            return false;
          }
          if (!*in) return true;
        }
        visit(row, DecideRoute(row.facts, facts, now, policy));
        return true;
      }));
  return cursor_status;
}

Result<PlanCounts> PlanRun(Store& store, AudienceService& audience, const Broadcast& broadcast,
                           Id run_id, Time now, const PolicyOptions& policy, int batch) {
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
      store, audience, broadcast, now, policy, [&](const RecipientRow& row, const Decision& d) {
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
