// A Store that forwards every call to another: tests derive from it and override the one
// answer they need to change (a fact the store does not record yet, a fault), keeping the
// real store's behaviour for everything else.
#pragma once

#include "store/store.h"

namespace crier::testing {

class ForwardingStore : public Store {
 public:
  explicit ForwardingStore(Store& inner) : inner_(inner) {}

  Result<ChannelAccount> CreateChannelAccount(const NewChannelAccount& in, Time now) override {
    return inner_.CreateChannelAccount(in, now);
  }

  Result<ChannelAccount> GetChannelAccount(Id id) override { return inner_.GetChannelAccount(id); }

  Result<std::vector<ChannelAccount>> ListChannelAccounts() override {
    return inner_.ListChannelAccounts();
  }

  Result<std::vector<PressOutcome>> ApplyPresses(std::span<const InboundPress> presses,
                                                 Time now) override {
    return inner_.ApplyPresses(presses, now);
  }

  Result<UpsertSummary> UpsertContacts(std::span<const ContactInput> rows, Time now) override {
    return inner_.UpsertContacts(rows, now);
  }

  Result<Contact> GetContact(Id id) override { return inner_.GetContact(id); }

  Result<std::vector<Contact>> GetContacts(std::span<const Id> ids) override {
    return inner_.GetContacts(ids);
  }

  Result<Page<Contact>> ListContacts(const ContactQuery& query) override {
    return inner_.ListContacts(query);
  }

  Result<std::int64_t> CountContacts(std::optional<Id> channel_account_id) override {
    return inner_.CountContacts(channel_account_id);
  }

  Result<std::vector<TagInfo>> ListTags() override { return inner_.ListTags(); }

  Status CreateTag(const std::string& name) override { return inner_.CreateTag(name); }

  Status RenameTag(const std::string& from, const std::string& to) override {
    return inner_.RenameTag(from, to);
  }

  Status DeleteTag(const std::string& name) override { return inner_.DeleteTag(name); }

  Result<TagMembershipChange> AddTagToContacts(const std::string& tag,
                                               std::span<const Id> contact_ids, Time now) override {
    return inner_.AddTagToContacts(tag, contact_ids, now);
  }

  Result<TagMembershipChange> RemoveTagFromContacts(const std::string& tag,
                                                    std::span<const Id> contact_ids,
                                                    Time now) override {
    return inner_.RemoveTagFromContacts(tag, contact_ids, now);
  }

  Status ForEachRecipient(Id channel_account_id, const Audience& audience,
                          const std::function<bool(const RecipientRow&)>& visit) override {
    return inner_.ForEachRecipient(channel_account_id, audience, visit);
  }

  Result<std::int64_t> ForEachContactChangedSince(
      std::int64_t after_seq, const std::function<bool(const Contact&)>& visit) override {
    return inner_.ForEachContactChangedSince(after_seq, visit);
  }

  Result<Segment> CreateSegment(const NewSegment& in, Time now) override {
    return inner_.CreateSegment(in, now);
  }

  Result<Segment> GetSegment(Id id) override { return inner_.GetSegment(id); }

  Result<Segment> GetSegmentByName(const std::string& name) override {
    return inner_.GetSegmentByName(name);
  }

  Result<Page<Segment>> ListSegments(const PageRequest& page) override {
    return inner_.ListSegments(page);
  }

  Result<Segment> UpdateSegment(Id id, const SegmentUpdate& update, Time now) override {
    return inner_.UpdateSegment(id, update, now);
  }

  Status DeleteSegment(Id id) override { return inner_.DeleteSegment(id); }

  Result<std::vector<Segment>> ResolveSegments(std::span<const std::string> names) override {
    return inner_.ResolveSegments(names);
  }

  Result<RegisteredTemplate> CreateTemplate(const TemplateDefinition& in, Time now) override {
    return inner_.CreateTemplate(in, now);
  }

  Result<RegisteredTemplate> GetTemplate(Id id) override { return inner_.GetTemplate(id); }

  Result<Page<RegisteredTemplate>> ListTemplates(const TemplateQuery& query) override {
    return inner_.ListTemplates(query);
  }

  Result<RegisteredTemplate> UpdateTemplate(Id id, const TemplateUpdate& update,
                                            Time now) override {
    return inner_.UpdateTemplate(id, update, now);
  }

  Status DeleteTemplate(Id id) override { return inner_.DeleteTemplate(id); }

  Result<Broadcast> CreateBroadcast(const NewBroadcast& in, Time now) override {
    return inner_.CreateBroadcast(in, now);
  }

  Result<Broadcast> GetBroadcast(Id id) override { return inner_.GetBroadcast(id); }

  Result<Page<Broadcast>> ListBroadcasts(const PageRequest& page) override {
    return inner_.ListBroadcasts(page);
  }

  Status SetBroadcastStatus(Id id, BroadcastStatus status, Time now) override {
    return inner_.SetBroadcastStatus(id, status, now);
  }

  Result<Run> CreateRun(Id broadcast_id, Time now) override {
    return inner_.CreateRun(broadcast_id, now);
  }

  Result<Run> GetRun(Id id) override { return inner_.GetRun(id); }

  Result<std::vector<Run>> ListRuns(Id broadcast_id) override {
    return inner_.ListRuns(broadcast_id);
  }

  Status SetRunStatus(Id run_id, RunStatus status, Time now) override {
    return inner_.SetRunStatus(run_id, status, now);
  }

  Status StartRun(Id run_id, Time now) override { return inner_.StartRun(run_id, now); }

  Result<std::vector<Run>> ListActiveRuns() override { return inner_.ListActiveRuns(); }

  Status AppendDeliveries(Id run_id, std::span<const PlannedDelivery> batch, Time now) override {
    return inner_.AppendDeliveries(run_id, batch, now);
  }

  Result<std::vector<ClaimedDelivery>> ClaimDeliveries(Id run_id, int max, Time now) override {
    return inner_.ClaimDeliveries(run_id, max, now);
  }

  Result<Id> CreateLineBatch(const LineBatch& batch, std::span<const Id> delivery_ids,
                             Time now) override {
    return inner_.CreateLineBatch(batch, delivery_ids, now);
  }

  Status UpdateLineBatch(const LineBatch& batch) override { return inner_.UpdateLineBatch(batch); }

  Result<std::vector<OpenLineBatch>> ListOpenLineBatches(Id run_id) override {
    return inner_.ListOpenLineBatches(run_id);
  }

  Status RecordOutcomes(std::span<const DeliveryOutcome> outcomes) override {
    return inner_.RecordOutcomes(outcomes);
  }

  Result<bool> CompleteRunIfDone(Id run_id, Time now) override {
    return inner_.CompleteRunIfDone(run_id, now);
  }

  Result<std::int64_t> RecoverInterrupted(Time now) override {
    return inner_.RecoverInterrupted(now);
  }

  Result<RunReport> GetRunReport(Id run_id) override { return inner_.GetRunReport(run_id); }
  Status RecordClick(const ClickRecord& click) override { return inner_.RecordClick(click); }
  Result<std::string> EnsureSecret(std::string_view name, std::string_view candidate,
                                   Time now) override {
    return inner_.EnsureSecret(name, candidate, now);
  }

  Result<Page<DeliveryRecord>> ListDeliveries(Id run_id, const PageRequest& page) override {
    return inner_.ListDeliveries(run_id, page);
  }

  Result<std::vector<RecipientFirstSend>> ListRecipientsSentSince(Id channel_account_id,
                                                                  RouteKind route,
                                                                  Time since) override {
    return inner_.ListRecipientsSentSince(channel_account_id, route, since);
  }

  Result<std::int64_t> CountMessagesSentSince(Id channel_account_id, Time since) override {
    return inner_.CountMessagesSentSince(channel_account_id, since);
  }

  Result<std::int64_t> CountPendingDeliveries() override { return inner_.CountPendingDeliveries(); }

  Result<ApiKeyRecord> CreateApiKey(const std::string& name, const std::string& role,
                                    const std::string& key_hash, Time now) override {
    return inner_.CreateApiKey(name, role, key_hash, now);
  }

  Result<std::optional<ApiKeyRecord>> FindApiKeyByHash(const std::string& key_hash) override {
    return inner_.FindApiKeyByHash(key_hash);
  }

  Result<std::int64_t> CountApiKeys() override { return inner_.CountApiKeys(); }

  Result<ChannelAccount> UpdateChannelAccount(Id id, const ChannelAccountUpdate& update) override {
    return inner_.UpdateChannelAccount(id, update);
  }

 protected:
  Store& base() { return inner_; }
  Store& inner_;
};

}  // namespace crier::testing
