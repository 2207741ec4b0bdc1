// A Store that forwards every call to another one. Tests derive from it and override the
// few calls they want to observe or change (fault injection, or facts the wrapped store does
// not keep), as LevelDB's tests wrap the real Env.
#pragma once

#include "store/store.h"

namespace crier::testing {

class ForwardingStore : public Store {
 public:
  // `base` is borrowed and must outlive this store.
  explicit ForwardingStore(Store& base) : base_(base) {}

  Result<ChannelAccount> CreateChannelAccount(const NewChannelAccount& in, Time now) override {
    return base_.CreateChannelAccount(in, now);
  }
  Result<ChannelAccount> GetChannelAccount(Id id) override { return base_.GetChannelAccount(id); }
  Result<std::vector<ChannelAccount>> ListChannelAccounts() override {
    return base_.ListChannelAccounts();
  }
  Result<UpsertSummary> UpsertContacts(std::span<const ContactInput> rows, Time now) override {
    return base_.UpsertContacts(rows, now);
  }
  Result<Contact> GetContact(Id id) override { return base_.GetContact(id); }
  Result<std::vector<Contact>> GetContacts(std::span<const Id> ids) override {
    return base_.GetContacts(ids);
  }
  Result<Page<Contact>> ListContacts(const ContactQuery& query) override {
    return base_.ListContacts(query);
  }
  Result<std::int64_t> CountContacts(std::optional<Id> channel_account_id) override {
    return base_.CountContacts(channel_account_id);
  }
  Result<std::vector<TagInfo>> ListTags() override { return base_.ListTags(); }
  Status CreateTag(const std::string& name) override { return base_.CreateTag(name); }
  Status RenameTag(const std::string& from, const std::string& to) override {
    return base_.RenameTag(from, to);
  }
  Status DeleteTag(const std::string& name) override { return base_.DeleteTag(name); }
  Result<TagMembershipChange> AddTagToContacts(const std::string& tag,
                                               std::span<const Id> contact_ids, Time now) override {
    return base_.AddTagToContacts(tag, contact_ids, now);
  }
  Result<TagMembershipChange> RemoveTagFromContacts(const std::string& tag,
                                                    std::span<const Id> contact_ids,
                                                    Time now) override {
    return base_.RemoveTagFromContacts(tag, contact_ids, now);
  }
  Status ForEachRecipient(Id channel_account_id, const Audience& audience,
                          const std::function<bool(const RecipientRow&)>& visit) override {
    return base_.ForEachRecipient(channel_account_id, audience, visit);
  }
  Result<std::int64_t> ForEachContactChangedSince(
      std::int64_t after_seq, const std::function<bool(const Contact&)>& visit) override {
    return base_.ForEachContactChangedSince(after_seq, visit);
  }
  Result<Segment> CreateSegment(const NewSegment& in, Time now) override {
    return base_.CreateSegment(in, now);
  }
  Result<Segment> GetSegment(Id id) override { return base_.GetSegment(id); }
  Result<Segment> GetSegmentByName(const std::string& name) override {
    return base_.GetSegmentByName(name);
  }
  Result<Page<Segment>> ListSegments(const PageRequest& page) override {
    return base_.ListSegments(page);
  }
  Result<Segment> UpdateSegment(Id id, const SegmentUpdate& update, Time now) override {
    return base_.UpdateSegment(id, update, now);
  }
  Status DeleteSegment(Id id) override { return base_.DeleteSegment(id); }
  Result<std::vector<Segment>> ResolveSegments(std::span<const std::string> names) override {
    return base_.ResolveSegments(names);
  }
  Result<Broadcast> CreateBroadcast(const NewBroadcast& in, Time now) override {
    return base_.CreateBroadcast(in, now);
  }
  Result<Broadcast> GetBroadcast(Id id) override { return base_.GetBroadcast(id); }
  Result<Page<Broadcast>> ListBroadcasts(const PageRequest& page) override {
    return base_.ListBroadcasts(page);
  }
  Status SetBroadcastStatus(Id id, BroadcastStatus status, Time now) override {
    return base_.SetBroadcastStatus(id, status, now);
  }
  Result<Run> CreateRun(Id broadcast_id, Time now) override {
    return base_.CreateRun(broadcast_id, now);
  }
  Result<Run> GetRun(Id id) override { return base_.GetRun(id); }
  Result<std::vector<Run>> ListRuns(Id broadcast_id) override {
    return base_.ListRuns(broadcast_id);
  }
  Status SetRunStatus(Id run_id, RunStatus status, Time now) override {
    return base_.SetRunStatus(run_id, status, now);
  }
  Status StartRun(Id run_id, Time now) override { return base_.StartRun(run_id, now); }
  Result<std::vector<Run>> ListActiveRuns() override { return base_.ListActiveRuns(); }
  Status AppendDeliveries(Id run_id, std::span<const PlannedDelivery> batch, Time now) override {
    return base_.AppendDeliveries(run_id, batch, now);
  }
  Result<std::vector<ClaimedDelivery>> ClaimDeliveries(Id run_id, int max, Time now) override {
    return base_.ClaimDeliveries(run_id, max, now);
  }
  Status RecordOutcomes(std::span<const DeliveryOutcome> outcomes) override {
    return base_.RecordOutcomes(outcomes);
  }
  Result<bool> CompleteRunIfDone(Id run_id, Time now) override {
    return base_.CompleteRunIfDone(run_id, now);
  }
  Result<std::int64_t> RecoverInterrupted(Time now) override {
    return base_.RecoverInterrupted(now);
  }
  Result<RunReport> GetRunReport(Id run_id) override { return base_.GetRunReport(run_id); }
  Result<Page<DeliveryRecord>> ListDeliveries(Id run_id, const PageRequest& page) override {
    return base_.ListDeliveries(run_id, page);
  }
  Result<std::int64_t> CountPendingDeliveries() override { return base_.CountPendingDeliveries(); }
  Result<ApiKeyRecord> CreateApiKey(const std::string& name, const std::string& role,
                                    const std::string& key_hash, Time now) override {
    return base_.CreateApiKey(name, role, key_hash, now);
  }
  Result<std::optional<ApiKeyRecord>> FindApiKeyByHash(const std::string& key_hash) override {
    return base_.FindApiKeyByHash(key_hash);
  }
  Result<std::int64_t> CountApiKeys() override { return base_.CountApiKeys(); }

 protected:
  Store& base() { return base_; }

 private:
  Store& base_;
};

}  // namespace crier::testing
