#include "engine/dispatcher.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <cmath>
#include <random>
#include <thread>

#include "channels/line_adapter.h"
#include "core/links.h"
#include "engine/planner.h"

namespace crier::engine {
namespace {

using std::chrono::milliseconds;

constexpr milliseconds kRefreshEvery(200);
// How soon a change to an account (an administrator locking its tags, a new pace) reaches
// the copies being sent.
constexpr milliseconds kAccountRefreshEvery(2000);
constexpr milliseconds kFlushEvery(50);
constexpr int kFlushAtLeast = 512;
constexpr int kMaxSlowDownAttempts = 10;
constexpr milliseconds kDefaultSlowDown(1000);
// A sustained rate with a burst of 1/20 s: the busiest sliding second stays within ~5 % of the
// configured rate.
constexpr double kBurstFraction = 0.05;
// A claimed delivery is `sending` on disk, and after a crash it is resolved as interrupted and
// never sent. So an account claims only what its pace will start within this horizon.
constexpr double kClaimHorizonSeconds = 0.25;
constexpr int kDrainFlushAttempts = 20;
// Transport tags of multicast requests carry this bit; flight tags are small indices.
constexpr std::uint64_t kBatchTag = std::uint64_t{1} << 63;
// A retry must reach LINE before its key expires (24 h after the first attempt); this much
// before, the key is no longer used.
constexpr Duration kRetryKeyMargin = std::chrono::minutes(10);
// When the store refuses a batch's progress, the batch tries again this much later.
constexpr Duration kBatchStoreRetry = std::chrono::seconds(1);
constexpr char kMulticastRoute[] = "line_multicast";
constexpr char kRetryKeyExpiredMessage[] =
    "this multicast's earlier request got no answer crier could rely on, and LINE forgets a "
    "retry key 24 h after its first use: resending with a new key could deliver twice, so it "
    "is not resent";

constexpr char kWindowClosedMessage[] =
    "the messaging window closed after part of this delivery's messages were sent; the rest "
    "are not sent";
constexpr char kCooldownMessage[] =
    "a marketing route carries one message per person per cool-down, and this delivery's first "
    "message used it; the rest are not sent";
constexpr char kPausedMessage[] =
    "the account was paused after an authentication or restriction error, after part of this "
    "delivery's messages were sent; the rest are not sent";
constexpr char kStoppedMessage[] =
    "crier stopped after sending part of this delivery's messages; the rest are not sent";

// LINE multicast requests go at the account's pace (a multicast is one request, as LINE
// counts it) and at most at the multicast endpoint's ceiling.
double MulticastRate(double account_rate) {
  return std::min(account_rate,
                  SendRateCeiling(Platform::kLine, RouteKind::kLineMulticast, false).per_second);
}

Duration Backoff(int attempt) {
  // 1 s, 4 s, 16 s, ... capped at 5 minutes.
  std::int64_t ms = 1000;
  for (int i = 1; i < attempt && ms < 300000; ++i) ms *= 4;
  return milliseconds(std::min<std::int64_t>(ms, 300000));
}

// Outcome builders: the only places that fill DeliveryOutcome, so each state carries exactly
// the fields the store requires of it.
DeliveryOutcome SentOutcome(Id id, std::string route, std::string message_ids, Time now) {
  DeliveryOutcome o;
  o.delivery_id = id;
  o.state = DeliveryState::kSent;
  o.route = std::move(route);
  o.platform_message_id = std::move(message_ids);
  o.at = now;
  return o;
}

DeliveryOutcome SkippedOutcome(Id id, std::string_view reason, Time now) {
  DeliveryOutcome o;
  o.delivery_id = id;
  o.state = DeliveryState::kSkipped;
  o.skip_reason = std::string(reason);
  o.at = now;
  return o;
}

DeliveryOutcome FailedOutcome(Id id, std::string route, std::string message_ids,
                              std::string error_class, std::string error_code,
                              std::string error_message, Time now) {
  DeliveryOutcome o;
  o.delivery_id = id;
  o.state = DeliveryState::kFailed;
  o.route = std::move(route);
  o.platform_message_id = std::move(message_ids);
  o.error_class = std::move(error_class);
  o.error_code = std::move(error_code);
  o.error_message = std::move(error_message);
  o.at = now;
  return o;
}

DeliveryOutcome RetryOutcome(Id id, Time not_before, Time now) {
  DeliveryOutcome o;
  o.delivery_id = id;
  o.state = DeliveryState::kPlanned;
  o.not_before = not_before;
  o.at = now;
  return o;
}

// The routes that send on the person's marketing-messages token, whose last use the store
// records (I3) so that the next decision honours the cool-down.
bool UsesMarketingToken(RouteKind kind) {
  return kind == RouteKind::kMarketingToken || kind == RouteKind::kMarketingMessageApi;
}

// Back to planned before any request left: the claim is not an attempt.
DeliveryOutcome DeferredOutcome(Id id, Time not_before, Time now) {
  DeliveryOutcome o = RetryOutcome(id, not_before, now);
  o.deferred = true;
  return o;
}

// Held by a platform ceiling (A8): waits, and the report says for what.
DeliveryOutcome HeldOutcome(Id id, const GateVerdict& verdict, Time now) {
  DeliveryOutcome o = DeferredOutcome(id, verdict.not_before, now);
  o.error_class = std::string(kCeilingErrorClass);
  o.error_code = std::string(verdict.code);
  o.error_message = verdict.message;
  return o;
}

std::uint64_t SplitMix64(std::uint64_t x) {
  x += 0x9E3779B97F4A7C15ULL;
  x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ULL;
  x = (x ^ (x >> 27)) * 0x94D049BB133111EBULL;
  return x ^ (x >> 31);
}

// The X-Line-Retry-Key of one message of one delivery: the same for every attempt, so a
// retry after a 5xx or a timeout is dropped by LINE if the first attempt was accepted.
std::string LineRetryKey(const std::array<std::uint64_t, 2>& salt, Id delivery_id,
                         std::size_t message_index) {
  const std::uint64_t id = static_cast<std::uint64_t>(delivery_id);
  const std::uint64_t hi = SplitMix64(salt[0] ^ SplitMix64(id));
  const std::uint64_t lo = SplitMix64(salt[1] ^ SplitMix64(id * 8 + message_index));
  std::array<unsigned char, 16> bytes{};
  for (int i = 0; i < 8; ++i) {
    bytes[i] = static_cast<unsigned char>(hi >> (8 * i));
    bytes[8 + i] = static_cast<unsigned char>(lo >> (8 * i));
  }
  return channels::RetryKeyFromBytes(bytes);
}

}  // namespace

Dispatcher::Dispatcher(Store& store, const Clock& clock, channels::Transport& transport,
                       Metrics& metrics, const EngineOptions& options, const ClickTracker* clicks)
    : store_(store),
      clock_(clock),
      transport_(transport),
      metrics_(metrics),
      options_(options),
      clicks_(clicks) {
  std::random_device random;
  for (auto& word : retry_key_salt_) {
    word = (static_cast<std::uint64_t>(random()) << 32) ^ random();
  }
  std::seed_seq seed{random(), random(), random(), random(), random(), random()};
  retry_key_random_.seed(seed);
}

std::string Dispatcher::NewRetryKey() {
  std::array<unsigned char, 16> bytes{};
  const std::uint64_t hi = retry_key_random_();
  const std::uint64_t lo = retry_key_random_();
  for (int i = 0; i < 8; ++i) {
    bytes[i] = static_cast<unsigned char>(hi >> (8 * i));
    bytes[8 + i] = static_cast<unsigned char>(lo >> (8 * i));
  }
  return channels::RetryKeyFromBytes(bytes);
}

Dispatcher::AccountState* Dispatcher::Account(Id id) {
  auto it = accounts_.find(id);
  if (it != accounts_.end()) return &it->second;
  auto account = store_.GetChannelAccount(id);
  if (!account.ok()) {
    spdlog::error("event=account_load_failed account={} error=\"{}\"", id,
                  account.error().ToString());
    return nullptr;
  }
  auto adapter = channels::MakeAdapter(account->platform);
  if (!adapter) {
    spdlog::error("event=no_adapter account={} platform={}", id, ToString(account->platform));
    return nullptr;
  }
  // What earlier runs (and earlier processes) used of the ceilings, so a restart does not
  // hand out a second budget.
  const Time now = clock_.Now();
  auto usage = LoadCeilingUsage(store_, *account, now);
  if (!usage.ok()) {
    spdlog::error("event=ceiling_usage_load_failed account={} error=\"{}\"", id,
                  usage.error().ToString());
    return nullptr;
  }
  const double rate = EffectiveMessagesPerSecond(*account);
  if (rate < account->pacing.messages_per_second) {
    spdlog::info("event=pace_capped account={} pacing={} platform={}", id,
                 account->pacing.messages_per_second, rate);
  }
  TokenBucket bucket(rate, std::max(1.0, rate * kBurstFraction), clock_.Steady());
  const double multicast_rate = MulticastRate(rate);
  TokenBucket multicast_bucket(multicast_rate, std::max(1.0, multicast_rate * kBurstFraction),
                               clock_.Steady());
  CeilingGate ceilings(*account, *usage, now);
  auto [pos, inserted] =
      accounts_.emplace(id, AccountState{std::move(*account), std::move(adapter), bucket,
                                         multicast_bucket, std::move(ceilings), 0, false});
  (void)inserted;
  return &pos->second;
}

void Dispatcher::SetFacts(RunState& run, const AccountState& account) {
  run.facts = FactsOf(run.broadcast, account.account.capabilities);
  run.batch_facts = run.facts;
  run.batch_facts.line_multicast = true;  // what a batch leaves out is pushed (run.facts)
}

bool Dispatcher::RefreshAccounts() {
  const auto now = clock_.Steady();
  if (now - last_account_refresh_ < kAccountRefreshEvery) return false;
  last_account_refresh_ = now;
  for (auto& [id, state] : accounts_) {
    auto fresh = store_.GetChannelAccount(id);
    if (!fresh.ok()) continue;  // kept as loaded; the next refresh tries again
    // Capabilities take effect at the next decision (B2: a tag lock stops tagged copies).
    state.account.capabilities = fresh->capabilities;
    const Pacing& was = state.account.pacing;
    const Pacing& is = fresh->pacing;
    if (is.messages_per_second != was.messages_per_second ||
        is.platform_messages_per_second != was.platform_messages_per_second) {
      state.account.pacing = is;
      const double rate = EffectiveMessagesPerSecond(state.account);
      state.bucket = TokenBucket(rate, std::max(1.0, rate * kBurstFraction), now);
      const double multicast_rate = MulticastRate(rate);
      state.multicast_bucket =
          TokenBucket(multicast_rate, std::max(1.0, multicast_rate * kBurstFraction), now);
      spdlog::info("event=account_pace_changed account={} rate={}", id, rate);
    }
    // The ceilings' settings (WhatsApp tier, LINE quota) keep the budgets loaded at start.
    state.account.pacing.max_concurrency = is.max_concurrency;
  }
  return true;
}

void Dispatcher::RefreshRuns() {
  const auto now = clock_.Steady();
  if (!runs_.empty() && now - last_refresh_ < kRefreshEvery) return;
  last_refresh_ = now;
  if (RefreshAccounts()) {
    for (auto& [id, run] : runs_) {
      if (const AccountState* account = Account(run.run.channel_account_id)) {
        SetFacts(run, *account);
      }
    }
  }
  auto active = store_.ListActiveRuns();
  if (!active.ok()) {
    spdlog::error("event=list_runs_failed error=\"{}\"", active.error().ToString());
    return;
  }
  for (const Run& run : *active) {
    auto it = runs_.find(run.id);
    if (it != runs_.end()) {
      it->second.exhausted = false;  // retries may have become due
      if (!it->second.resumed) ResumeBatches(it->second);
      continue;
    }
    auto broadcast = store_.GetBroadcast(run.broadcast_id);
    if (!broadcast.ok()) {
      spdlog::error("event=run_not_loaded run={} broadcast={} error=\"{}\"", run.id,
                    run.broadcast_id, broadcast.error().ToString());
      continue;
    }
    AccountState* account = Account(run.channel_account_id);
    if (account == nullptr) continue;  // logged by Account()
    std::optional<Error> invalid;
    for (std::size_t i = 0; i < broadcast->messages.size() && !invalid; ++i) {
      const Status valid = account->adapter->ValidateMessage(broadcast->messages[i]);
      if (valid.ok()) continue;
      invalid = valid.error();
      invalid->field = "messages[" + std::to_string(i) + "]." + invalid->field;
      spdlog::error("event=broadcast_content_invalid run={} broadcast={} field={} error=\"{}\"",
                    run.id, run.broadcast_id, invalid->field, invalid->message);
    }
    if (!invalid && broadcast->track_clicks && clicks_ == nullptr) {
      invalid = InvalidArgument("track_clicks", std::string(kNoPublicUrl));
      spdlog::error("event=broadcast_content_invalid run={} broadcast={} field=track_clicks",
                    run.id, run.broadcast_id);
    }
    // The plan's decision, made from the broadcast as saved (RunFacts).
    const bool multicast = RunFacts(*broadcast, account->account).line_multicast;
    const bool tracks_links =
        broadcast->track_clicks && !FindLinks(broadcast->messages, {}).empty();
    // Saved broadcasts were compiled at creation; one saved before placeholders existed, or
    // changed behind the API's back, fails here like any other content the wire refuses.
    std::vector<channels::CompiledMessage> content;
    if (!invalid) {
      auto compiled = channels::CompileWireContent(
          account->account.platform, broadcast->messages,
          broadcast->track_clicks ? std::string_view(clicks_->redirect_base()) : "");
      if (compiled.ok()) {
        // A tracked run sends its links through the redirect: the messages as they go out.
        broadcast->messages = std::move(compiled->messages);
        content = std::move(compiled->compiled);
      } else {
        invalid = compiled.error();
        spdlog::error("event=broadcast_content_invalid run={} broadcast={} field={} error=\"{}\"",
                      run.id, run.broadcast_id, invalid->field, invalid->message);
      }
    }
    RunState state;
    state.run = run;
    state.broadcast = std::move(*broadcast);
    state.invalid_content = invalid;
    state.multicast = !invalid && multicast;
    SetFacts(state, *account);
    state.tracks_links = tracks_links && clicks_ != nullptr;
    if (state.multicast) {
      // Nothing is personalised: every recipient reads the text rendered for nobody.
      const Contact nobody;
      for (std::size_t i = 0; i < content.size(); ++i) {
        Message m = state.broadcast.messages[i];
        if (content[i].text) m.text = content[i].text->RenderPlain(nobody);
        state.multicast_messages.push_back(std::move(m));
      }
    }
    // Media and card messages render per copy from their compiled JSON where it is exact.
    for (std::size_t i = 0; i < content.size(); ++i) {
      state.bodies.push_back(channels::MessageBody::Compile(
          *account->adapter, state.broadcast.messages[i], content[i], i));
    }
    state.content = std::move(content);
    // Only LINE runs can have batches a previous process left open.
    state.resumed = account->account.platform != Platform::kLine;
    auto [pos, inserted] = runs_.emplace(run.id, std::move(state));
    (void)inserted;
    if (!pos->second.resumed) ResumeBatches(pos->second);
  }
}

int Dispatcher::ClaimSize(const AccountState& account) const {
  const double soon = account.bucket.rate() * kClaimHorizonSeconds;
  const int wanted = account.account.pacing.max_concurrency + static_cast<int>(std::ceil(soon));
  return std::clamp(wanted, 1, options_.claim_batch);
}

int Dispatcher::MulticastClaimTarget(const AccountState& account) const {
  const int requests = std::clamp(
      static_cast<int>(std::ceil(account.multicast_bucket.rate() * kClaimHorizonSeconds)), 1,
      std::max(1, account.account.pacing.max_concurrency));
  return requests * static_cast<int>(channels::kLineMaxMulticastRecipients);
}

void Dispatcher::Claim() {
  for (auto& [id, run] : runs_) {
    AccountState* account = Account(run.run.channel_account_id);
    if (account == nullptr || account->halted || run.exhausted || !run.resumed) continue;
    if (run.multicast) {
      // A batch needs up to 500 people at once; the claim horizon still bounds what a crash
      // could cost, counted in batches at the multicast pace.
      const int target = MulticastClaimTarget(*account);
      const int queued = static_cast<int>(run.queue.size());
      if (queued >= target) continue;
      const int size = std::min(
          target - queued,
          std::max(options_.claim_batch, static_cast<int>(channels::kLineMaxMulticastRecipients)));
      auto claimed = store_.ClaimDeliveries(id, size, clock_.Now());
      if (!claimed.ok()) {
        spdlog::error("event=claim_failed run={} error=\"{}\"", id, claimed.error().ToString());
        continue;
      }
      // A short claim found everything claimable now: like an empty one, nothing more until
      // the next refresh (retries falling due), and a smaller batch need not wait.
      if (static_cast<int>(claimed->size()) < size) run.exhausted = true;
      if (!claimed->empty() && !run.filling_since) run.filling_since = clock_.Steady();
      for (auto& d : *claimed) run.queue.push_back(std::move(d));
      continue;
    }
    const int size = ClaimSize(*account);
    if (static_cast<int>(run.queue.size()) >= (size + 1) / 2) continue;
    auto claimed = store_.ClaimDeliveries(id, size, clock_.Now());
    if (!claimed.ok()) {
      spdlog::error("event=claim_failed run={} error=\"{}\"", id, claimed.error().ToString());
      continue;
    }
    if (claimed->empty()) run.exhausted = true;
    for (auto& d : *claimed) run.queue.push_back(std::move(d));
  }
}

std::uint64_t Dispatcher::AllocateFlight(Flight flight) {
  flight.used = true;
  if (!free_flights_.empty()) {
    const std::uint64_t tag = free_flights_.back();
    free_flights_.pop_back();
    flights_[tag] = std::move(flight);
    return tag;
  }
  flights_.push_back(std::move(flight));
  return flights_.size() - 1;
}

bool Dispatcher::StartMessage(RunState& run, AccountState& account, Flight flight) {
  const Message& message = run.broadcast.messages[flight.message_index];
  const channels::CompiledMessage& content = run.content[flight.message_index];
  channels::RecipientRef recipient;
  recipient.platform_user_id = flight.delivery.platform_user_id;
  recipient.name = flight.contact.name;
  recipient.first_name = flight.contact.first_name;
  recipient.contact = &flight.contact;
  recipient.click_token = flight.click_token;
  if (account.account.platform == Platform::kLine) {
    recipient.retry_key =
        LineRetryKey(retry_key_salt_, flight.delivery.delivery_id, flight.message_index);
  }
  if (UsesMarketingToken(flight.route.kind) && flight.delivery.facts.marketing_token) {
    recipient.marketing_token = flight.delivery.facts.marketing_token->token;
  }
  const channels::SendContext context{flight.route,
                                      run.broadcast.outside_window.marketing_campaign_id};
  const channels::MessageBody* body = nullptr;
  if (flight.message_index < run.bodies.size() && run.bodies[flight.message_index]) {
    body = &*run.bodies[flight.message_index];
  }
  auto request =
      channels::BuildPersonalSend(*account.adapter, account.account, recipient, context, message,
                                  content, body, flight.message_index, render_scratch_);
  // A rendering over the platform's limit fails this copy only, before any pace is spent;
  // the messages already sent to the person stay recorded with it.
  if (!request.ok()) {
    DeliveryOutcome failed = FailedOutcome(
        flight.delivery.delivery_id, flight.route_code, flight.message_ids, "invalid_request",
        "invalid_content", request.error().field + ": " + request.error().message, clock_.Now());
    failed.marketing_token_used = flight.message_index > 0 && UsesMarketingToken(flight.route.kind);
    Finish(std::move(failed));
    return false;
  }
  account.bucket.TryTake(clock_.Steady());
  ++run.in_flight;
  ++account.in_flight;
  transport_.Start(AllocateFlight(std::move(flight)), std::move(*request));
  return true;
}

Dispatcher::Step Dispatcher::StartContinuation(RunState& run, AccountState& account,
                                               const BroadcastFacts& facts, Time now) {
  const auto due = std::find_if(run.continuations.begin(), run.continuations.end(),
                                [&](const Flight& f) { return f.due <= now; });
  if (due == run.continuations.end()) return Step::kNone;
  Flight flight = std::move(*due);
  run.continuations.erase(due);
  // A9 holds for every message: pacing or a platform pause may have outlasted the window.
  const Decision decision = DecideRoute(flight.delivery.facts, facts, now, options_.policy);
  if (!decision.sends()) {
    DeliveryOutcome failed =
        FailedOutcome(flight.delivery.delivery_id, flight.route_code, flight.message_ids, "policy",
                      std::string(decision.code()),
                      decision.skip_reason() == SkipReason::kTokenCooldown ? kCooldownMessage
                                                                           : kWindowClosedMessage,
                      now);
    failed.marketing_token_used = UsesMarketingToken(flight.route.kind);
    Finish(std::move(failed));
    return Step::kResolved;
  }
  const GateVerdict verdict =
      account.ceilings.AdmitNext(flight.delivery.platform_user_id, flight.route.kind, now);
  if (!verdict.go()) {
    flight.due = verdict.not_before;
    run.continuations.push_back(std::move(flight));
    return Step::kResolved;
  }
  return StartMessage(run, account, std::move(flight)) ? Step::kStarted : Step::kResolved;
}

Dispatcher::Step Dispatcher::StartQueued(Id run_id, RunState& run,
                                         std::deque<ClaimedDelivery>& queue, AccountState& account,
                                         const BroadcastFacts& facts, Time now) {
  if (queue.empty()) return Step::kNone;
  ClaimedDelivery d = std::move(queue.front());
  queue.pop_front();
  // A9: the forecast made at planning may be stale; decide again right before sending.
  const Decision decision = DecideRoute(d.facts, facts, now, options_.policy);
  if (!decision.sends()) {
    Finish(SkippedOutcome(d.delivery_id, decision.code(), now));
    return Step::kResolved;
  }
  const GateVerdict verdict = account.ceilings.AdmitFirst(
      d.platform_user_id, decision.route().kind, LineChargePerDelivery(run.broadcast), now);
  switch (verdict.kind) {
    case GateVerdict::Kind::kWait:
      Finish(HeldOutcome(d.delivery_id, verdict, now));
      return Step::kResolved;
    case GateVerdict::Kind::kFail:
      Finish(FailedOutcome(d.delivery_id, std::string(decision.code()), "",
                           std::string(kCeilingErrorClass), std::string(verdict.code),
                           verdict.message, now));
      return Step::kResolved;
    case GateVerdict::Kind::kGo:
      break;
  }
  Flight flight;
  flight.run_id = run_id;
  flight.route = decision.route();
  flight.route_code = std::string(decision.code());
  flight.contact.id = d.contact_id;
  flight.contact.name = std::move(d.contact_name);
  flight.contact.first_name = std::move(d.contact_first_name);
  flight.contact.locale = std::move(d.contact_locale);
  flight.contact.attributes = std::move(d.contact_attributes);
  // G3: the person's own token goes in every tracked link of every message of their copy.
  if (run.tracks_links) flight.click_token = clicks_->Token(run.run.id, d.contact_id);
  flight.delivery = std::move(d);
  return StartMessage(run, account, std::move(flight)) ? Step::kStarted : Step::kResolved;
}

bool Dispatcher::BatchMayGo(const RunState& run) const {
  if (run.queue.size() >= channels::kLineMaxMulticastRecipients) return true;
  if (run.exhausted) return true;  // no more people to wait for
  return run.filling_since &&
         clock_.Steady() - *run.filling_since >= options_.line_multicast_fill_wait;
}

Dispatcher::Step Dispatcher::StartBatch(Id run_id, RunState& run, AccountState& account,
                                        const BroadcastFacts& facts, Time now) {
  const auto steady = clock_.Steady();
  const auto due = std::find_if(run.batches.begin(), run.batches.end(),
                                [&](const Batch& b) { return b.due <= now; });
  if (due != run.batches.end()) {
    if (account.multicast_bucket.WaitTime(steady) > std::chrono::nanoseconds::zero()) {
      return Step::kNone;
    }
    Batch batch = std::move(*due);
    run.batches.erase(due);
    return StartBatchRequest(run, account, std::move(batch), now, /*stored=*/false)
               ? Step::kStarted
               : Step::kResolved;
  }
  if (run.queue.empty() || !BatchMayGo(run)) return Step::kNone;
  if (account.multicast_bucket.WaitTime(steady) > std::chrono::nanoseconds::zero()) {
    return Step::kNone;
  }
  Batch batch;
  const std::int64_t charge = LineChargePerDelivery(run.broadcast);
  while (!run.queue.empty() && batch.delivery_ids.size() < channels::kLineMaxMulticastRecipients) {
    ClaimedDelivery d = std::move(run.queue.front());
    run.queue.pop_front();
    // A9: decided again right before sending, as every copy is.
    const Decision decision = DecideRoute(d.facts, facts, now, options_.policy);
    if (!decision.sends()) {
      Finish(SkippedOutcome(d.delivery_id, decision.code(), now));
      continue;
    }
    if (!channels::IsLineUserId(d.platform_user_id)) {
      // A multicast takes user ids only; a group or room id is pushed.
      run.push_queue.push_back(std::move(d));
      continue;
    }
    // N people in one request cost N of the monthly quota (per message), as N pushes would.
    const GateVerdict verdict =
        account.ceilings.AdmitFirst(d.platform_user_id, RouteKind::kLineMulticast, charge, now);
    if (verdict.kind == GateVerdict::Kind::kWait) {
      Finish(HeldOutcome(d.delivery_id, verdict, now));
      continue;
    }
    if (verdict.kind == GateVerdict::Kind::kFail) {
      Finish(FailedOutcome(d.delivery_id, kMulticastRoute, "", std::string(kCeilingErrorClass),
                           std::string(verdict.code), verdict.message, now));
      continue;
    }
    batch.delivery_ids.push_back(d.delivery_id);
    batch.user_ids.push_back(std::move(d.platform_user_id));
  }
  if (run.queue.empty()) run.filling_since.reset();
  if (batch.delivery_ids.empty()) return Step::kResolved;
  batch.stored.run_id = run_id;
  batch.stored.retry_key = NewRetryKey();
  batch.stored.key_first_used_at = now;
  batch.stored.attempts = 1;
  // Durable before the request leaves: a retry, here or after a restart, is this set with
  // this key.
  auto created = store_.CreateLineBatch(batch.stored, batch.delivery_ids, now);
  if (!created.ok()) {
    spdlog::error("event=line_batch_not_stored run={} size={} error=\"{}\"", run_id,
                  batch.delivery_ids.size(), created.error().ToString());
    // Nothing left: the copies go back to planned and are batched again later.
    for (const Id id : batch.delivery_ids) Finish(DeferredOutcome(id, now, now));
    return Step::kResolved;
  }
  batch.stored.id = *created;
  return StartBatchRequest(run, account, std::move(batch), now, /*stored=*/true) ? Step::kStarted
                                                                                 : Step::kResolved;
}

bool Dispatcher::StartBatchRequest(RunState& run, AccountState& account, Batch batch, Time now,
                                   bool stored) {
  LineBatch& progress = batch.stored;
  if (stored) {
    // Just created with its first attempt on record.
  } else if (progress.attempts == 0) {
    // The first request of this message, with its new key.
    progress.key_first_used_at = now;
    progress.attempts = 1;
    const Status written = store_.UpdateLineBatch(progress);
    if (!written.ok()) {
      spdlog::error("event=line_batch_not_stored batch={} error=\"{}\"", progress.id,
                    written.error().ToString());
      progress.attempts = 0;
      batch.due = now + kBatchStoreRetry;
      run.batches.push_back(std::move(batch));
      return false;
    }
  } else {
    // A retry: only with a key LINE still knows, or the first request may be delivered twice.
    if (now + kRetryKeyMargin >= progress.key_first_used_at + kLineRetryKeyLifetime) {
      FinishBatch(batch, FailedOutcome(0, kMulticastRoute, progress.message_ids, "unknown_outcome",
                                       "line_retry_key_expired", kRetryKeyExpiredMessage, now));
      return false;
    }
    ++progress.attempts;
    const Status written = store_.UpdateLineBatch(progress);
    if (!written.ok()) {
      spdlog::error("event=line_batch_not_stored batch={} error=\"{}\"", progress.id,
                    written.error().ToString());
      --progress.attempts;
      batch.due = now + kBatchStoreRetry;
      run.batches.push_back(std::move(batch));
      return false;
    }
  }
  const auto steady = clock_.Steady();
  account.bucket.TryTake(steady);
  account.multicast_bucket.TryTake(steady);
  auto request = line_adapter_.BuildMulticast(
      account.account, batch.user_ids,
      std::span(&run.multicast_messages[progress.message_index], 1), progress.retry_key);
  if (!request.ok()) {
    // Cannot happen: the ids were checked when the batch formed and the key is a UUID.
    FinishBatch(batch, FailedOutcome(0, kMulticastRoute, progress.message_ids, "invalid_request",
                                     "invalid_batch", request.error().ToString(), now));
    return false;
  }
  ++run.in_flight;
  ++account.in_flight;
  const std::uint64_t tag = kBatchTag | next_batch_tag_++;
  batch_flights_.emplace(tag, std::move(batch));
  transport_.Start(tag, std::move(*request));
  return true;
}

void Dispatcher::FinishBatch(const Batch& batch, const DeliveryOutcome& outcome) {
  for (const Id id : batch.delivery_ids) {
    DeliveryOutcome one = outcome;
    one.delivery_id = id;
    Finish(std::move(one));
  }
}

void Dispatcher::ResumeBatches(RunState& run) {
  auto open = store_.ListOpenLineBatches(run.run.id);
  if (!open.ok()) {
    spdlog::error("event=line_batches_not_loaded run={} error=\"{}\"", run.run.id,
                  open.error().ToString());
    return;  // tried again at the next refresh; the run waits
  }
  const Time now = clock_.Now();
  for (OpenLineBatch& o : *open) {
    Batch batch;
    batch.stored = std::move(o.batch);
    for (LineBatchMember& m : o.members) {
      batch.delivery_ids.push_back(m.delivery_id);
      batch.user_ids.push_back(std::move(m.platform_user_id));
    }
    batch.due = now;
    spdlog::info("event=line_batch_resumed run={} batch={} size={} message={} attempts={}",
                 run.run.id, batch.stored.id, batch.delivery_ids.size(), batch.stored.message_index,
                 batch.stored.attempts);
    run.batches.push_back(std::move(batch));
  }
  run.resumed = true;
}

int Dispatcher::StartSends() {
  if (stopping_) return 0;
  int started = 0;
  bool progress = true;
  // Round-robin over runs, one send per run per pass, so broadcasts sharing an account share
  // its pace fairly (F6).
  while (progress) {
    progress = false;
    for (auto& [id, run] : runs_) {
      if (run.continuations.empty() && run.queue.empty() && run.batches.empty() &&
          run.push_queue.empty()) {
        continue;
      }
      AccountState* account = Account(run.run.channel_account_id);
      if (account == nullptr) continue;
      if (account->halted) {
        ReleaseQueued(run);
        DropBatches(run, "account_paused");
        for (Flight& f : run.continuations) {
          DeliveryOutcome failed =
              FailedOutcome(f.delivery.delivery_id, f.route_code, f.message_ids, "channel_halted",
                            "account_paused", kPausedMessage, clock_.Now());
          failed.marketing_token_used = UsesMarketingToken(f.route.kind);  // a message went
          Finish(std::move(failed));
        }
        run.continuations.clear();
        continue;
      }
      if (run.invalid_content) {
        // Nothing of this broadcast can go out; no request is made, so no pace is spent.
        const Time now = clock_.Now();
        const std::string what = run.invalid_content->field + ": " + run.invalid_content->message;
        for (const ClaimedDelivery& d : run.queue) {
          Finish(FailedOutcome(d.delivery_id, {}, {}, "invalid_request", "invalid_content", what,
                               now));
        }
        run.queue.clear();
        progress = true;
        continue;
      }
      if (account->in_flight >= account->account.pacing.max_concurrency) continue;
      // The token is taken only when a request starts: a copy the re-check skips or a
      // ceiling holds costs the platform nothing, so it costs the pace nothing.
      if (account->bucket.WaitTime(clock_.Steady()) > std::chrono::nanoseconds::zero()) continue;
      const Time now = clock_.Now();
      const BroadcastFacts& facts = run.facts;
      Step step = Step::kNone;
      if (run.multicast) step = StartBatch(id, run, *account, run.batch_facts, now);
      if (step == Step::kNone) step = StartContinuation(run, *account, facts, now);
      if (step == Step::kNone) {
        step =
            StartQueued(id, run, run.multicast ? run.push_queue : run.queue, *account, facts, now);
      }
      if (step == Step::kNone) continue;
      if (step == Step::kStarted) ++started;
      progress = true;
    }
  }
  return started;
}

std::optional<Time> Dispatcher::NextContinuationDue() const {
  std::optional<Time> next;
  const auto earliest = [&](Time t) {
    if (!next || t < *next) next = t;
  };
  for (const auto& [id, run] : runs_) {
    if (!run.push_queue.empty()) return std::nullopt;
    if (!run.queue.empty()) {
      if (!run.multicast || BatchMayGo(run) || !run.filling_since) return std::nullopt;
      // Waiting to fill a batch: nothing starts before the fill wait ends.
      const auto left = *run.filling_since + options_.line_multicast_fill_wait - clock_.Steady();
      earliest(clock_.Now() + std::chrono::ceil<Duration>(left));
    }
    for (const Flight& f : run.continuations) earliest(f.due);
    for (const Batch& b : run.batches) earliest(b.due);
  }
  return next;
}

void Dispatcher::Finish(DeliveryOutcome outcome) {
  if (IsFinal(outcome.state)) metrics_.CountDelivery(outcome.state);
  outcomes_.push_back(std::move(outcome));
}

// F6: the account pauses; its runs keep their undelivered copies `planned` until a person
// resumes it (today: by restarting crier once the credentials are fixed).
void Dispatcher::PauseAccount(AccountState& account, std::string_view error_class,
                              std::string_view error_code) {
  if (account.halted) return;
  account.halted = true;
  spdlog::error("event=account_paused account={} class={} code={}", account.account.id, error_class,
                error_code);
}

void Dispatcher::HandleResult(const channels::TransportResult& result) {
  if ((result.tag & kBatchTag) != 0) {
    auto it = batch_flights_.find(result.tag);
    if (it == batch_flights_.end()) return;  // cannot happen: every batch tag is recorded
    Batch batch = std::move(it->second);
    batch_flights_.erase(it);
    HandleBatchResult(std::move(batch), result);
    return;
  }
  Flight flight = std::move(flights_[result.tag]);
  flights_[result.tag].used = false;
  free_flights_.push_back(result.tag);
  auto run_it = runs_.find(flight.run_id);
  if (run_it == runs_.end()) return;  // cannot happen: a run with flights is never dropped
  RunState& run = run_it->second;
  AccountState* account = Account(run.run.channel_account_id);
  if (account == nullptr) return;  // cannot happen: the account was loaded to start the send
  --run.in_flight;
  --account->in_flight;
  metrics_.ObserveSendLatency(std::chrono::duration<double>(result.elapsed).count());

  const channels::SendResult sent = account->adapter->Classify(result);
  const Time now = clock_.Now();
  const Id id = flight.delivery.delivery_id;
  // Whether a message of this delivery has gone out on the person's marketing token: the
  // store then records the token's last use with the outcome, whatever the outcome is.
  const bool token_used =
      UsesMarketingToken(flight.route.kind) && (sent.sent || !flight.message_ids.empty());
  if (sent.sent) {
    if (!flight.message_ids.empty()) flight.message_ids += ',';
    flight.message_ids += sent.platform_message_id;
    if (flight.message_index + 1 == run.broadcast.messages.size()) {
      DeliveryOutcome outcome =
          SentOutcome(id, flight.route_code, std::move(flight.message_ids), now);
      outcome.marketing_token_used = token_used;
      Finish(std::move(outcome));
    } else if (stopping_) {
      DeliveryOutcome outcome = FailedOutcome(id, flight.route_code, flight.message_ids, "stopped",
                                              "stopped", kStoppedMessage, now);
      outcome.marketing_token_used = token_used;
      Finish(std::move(outcome));
    } else {
      // The next message is decided again (A9) with the token's use on record, so a marketing
      // route's cool-down stops it here rather than at the platform.
      if (token_used && flight.delivery.facts.marketing_token) {
        flight.delivery.facts.marketing_token->last_sent_at = now;
      }
      ++flight.message_index;
      run.continuations.push_back(std::move(flight));
    }
    return;
  }

  const std::string error_class(channels::ToString(sent.error_class));
  metrics_.CountPlatformError(error_class);
  const bool nothing_sent_yet = flight.message_index == 0;
  const int attempt = flight.delivery.attempt;
  switch (channels::NextActionOf(sent.error_class)) {
    case channels::NextAction::kSlowAccount: {
      const Duration pause = sent.retry_after.value_or(kDefaultSlowDown);
      account->bucket.PauseUntil(clock_.Steady() + pause);
      if (!nothing_sent_yet && !stopping_) {
        // A rate-limit refusal sent nothing: the same message goes again after the pause.
        run.continuations.push_front(std::move(flight));
        return;
      }
      if (nothing_sent_yet && attempt < kMaxSlowDownAttempts) {
        Finish(RetryOutcome(id, now + pause, now));
        return;
      }
      break;
    }
    case channels::NextAction::kRetryWithBackoff:
      if (nothing_sent_yet && attempt < options_.max_attempts) {
        Finish(RetryOutcome(id, now + sent.retry_after.value_or(Backoff(attempt)), now));
        return;
      }
      break;
    case channels::NextAction::kPauseAccount:
      PauseAccount(*account, error_class, sent.error_code);
      break;
    case channels::NextAction::kSuppressRecipient:
    case channels::NextAction::kSkip:
    case channels::NextAction::kFailDelivery:
      break;  // final for this delivery
  }
  DeliveryOutcome failed = FailedOutcome(id, flight.route_code, flight.message_ids, error_class,
                                         sent.error_code, sent.error_message, now);
  // F5: the person cannot be reached; the store marks the identity suppressed in the same
  // transaction, and every later decision skips them until they write again.
  failed.suppress_recipient =
      channels::NextActionOf(sent.error_class) == channels::NextAction::kSuppressRecipient;
  failed.marketing_token_used = token_used;
  failed.marketing_token_stopped = sent.marketing_token_stopped;
  Finish(std::move(failed));
}

void Dispatcher::HandleBatchResult(Batch batch, const channels::TransportResult& result) {
  auto run_it = runs_.find(batch.stored.run_id);
  if (run_it == runs_.end()) return;  // cannot happen: a run with flights is never dropped
  RunState& run = run_it->second;
  AccountState* account = Account(run.run.channel_account_id);
  if (account == nullptr) return;  // cannot happen: the account was loaded to start the send
  --run.in_flight;
  --account->in_flight;
  metrics_.ObserveSendLatency(std::chrono::duration<double>(result.elapsed).count());

  // 200, or 409: LINE accepted a request with this key before, so the batch went out.
  const channels::SendResult sent = line_adapter_.Classify(result);
  const Time now = clock_.Now();
  LineBatch& progress = batch.stored;
  if (sent.sent) {
    std::string ids = progress.message_ids;
    if (!ids.empty()) ids += ',';
    ids += sent.platform_message_id;
    if (progress.message_index + 1 == run.broadcast.messages.size()) {
      FinishBatch(batch, SentOutcome(0, kMulticastRoute, std::move(ids), now));
      return;
    }
    // The next message goes to the same people with a key of its own. When stopping, the
    // batch stays `sending` as stored: the next start resends this message with its key
    // (LINE answers 409) and goes on from there.
    if (stopping_) return;
    progress.message_ids = std::move(ids);
    ++progress.message_index;
    progress.retry_key = NewRetryKey();
    progress.attempts = 0;
    batch.slow_downs = 0;
    batch.due = now;
    run.batches.push_back(std::move(batch));
    return;
  }

  const std::string error_class(channels::ToString(sent.error_class));
  metrics_.CountPlatformError(error_class);
  switch (channels::NextActionOf(sent.error_class)) {
    case channels::NextAction::kSlowAccount: {
      const Duration pause = sent.retry_after.value_or(kDefaultSlowDown);
      account->bucket.PauseUntil(clock_.Steady() + pause);
      account->multicast_bucket.PauseUntil(clock_.Steady() + pause);
      if (stopping_) return;  // stays `sending` with its key, resent after the restart
      if (++batch.slow_downs < kMaxSlowDownAttempts) {
        batch.due = now + pause;
        run.batches.push_back(std::move(batch));
        return;
      }
      break;
    }
    case channels::NextAction::kRetryWithBackoff:
      // A 5xx or a timeout: the same people with the same key, which LINE drops if the
      // request was accepted after all.
      if (stopping_) return;
      if (progress.attempts < options_.max_attempts) {
        batch.due = now + sent.retry_after.value_or(Backoff(progress.attempts));
        run.batches.push_back(std::move(batch));
        return;
      }
      break;
    case channels::NextAction::kPauseAccount:
      PauseAccount(*account, error_class, sent.error_code);
      break;
    case channels::NextAction::kSuppressRecipient:
    case channels::NextAction::kSkip:
    case channels::NextAction::kFailDelivery:
      // Final for the batch. An answer about one person cannot be told apart in a multicast,
      // so nobody is suppressed for it.
      break;
  }
  FinishBatch(batch, FailedOutcome(0, kMulticastRoute, progress.message_ids, error_class,
                                   sent.error_code, sent.error_message, now));
}

void Dispatcher::FlushOutcomes(bool force) {
  const auto now = clock_.Steady();
  if (outcomes_.empty()) return;
  if (!force && static_cast<int>(outcomes_.size()) < kFlushAtLeast &&
      now - last_flush_ < kFlushEvery) {
    return;
  }
  const Status status = store_.RecordOutcomes(outcomes_);
  if (!status.ok()) {
    const ErrorCode code = status.error().code;
    if (code == ErrorCode::kUnavailable || code == ErrorCode::kInternal) {
      // The store is busy or failing: keep everything and retry on the next turn.
      spdlog::error("event=record_outcomes_failed count={} error=\"{}\"", outcomes_.size(),
                    status.error().ToString());
      return;
    }
    // The store refused the batch because of some row (e.g. a delivery no longer `sending`):
    // record row by row so that one bad row cannot hold back every other outcome.
    for (const DeliveryOutcome& outcome : outcomes_) {
      const Status one = store_.RecordOutcomes(std::span(&outcome, 1));
      if (!one.ok()) {
        spdlog::error("event=outcome_refused delivery={} error=\"{}\"", outcome.delivery_id,
                      one.error().ToString());
      }
    }
  }
  outcomes_.clear();
  last_flush_ = now;
}

void Dispatcher::CompleteFinishedRuns() {
  if (!outcomes_.empty()) return;  // outcomes must be on disk before a run can be complete
  for (auto it = runs_.begin(); it != runs_.end();) {
    RunState& run = it->second;
    if (!run.exhausted || !run.queue.empty() || !run.continuations.empty() || run.in_flight > 0 ||
        !run.batches.empty() || !run.push_queue.empty()) {
      ++it;
      continue;
    }
    auto done = store_.CompleteRunIfDone(run.run.id, clock_.Now());
    if (done.ok() && *done) {
      spdlog::info("event=run_completed run={} broadcast={}", run.run.id, run.broadcast.id);
      it = runs_.erase(it);
    } else {
      ++it;
    }
  }
}

bool Dispatcher::HasQueued() const {
  for (const auto& [id, run] : runs_) {
    if (!run.queue.empty() || !run.continuations.empty() || !run.batches.empty() ||
        !run.push_queue.empty()) {
      return true;
    }
  }
  return false;
}

void Dispatcher::ReleaseQueued(RunState& run) {
  const Time now = clock_.Now();
  for (const ClaimedDelivery& d : run.queue)
    outcomes_.push_back(DeferredOutcome(d.delivery_id, now, now));
  for (const ClaimedDelivery& d : run.push_queue)
    outcomes_.push_back(DeferredOutcome(d.delivery_id, now, now));
  run.queue.clear();
  run.push_queue.clear();
  run.filling_since.reset();
}

void Dispatcher::DropBatches(RunState& run, std::string_view why) {
  // They stay `sending` with their batch and key: the next start resends them while LINE
  // still knows the key (Store::RecoverInterrupted), and fails them after.
  for (const Batch& b : run.batches) {
    spdlog::warn("event=line_batch_left run={} batch={} size={} why={}", run.run.id, b.stored.id,
                 b.delivery_ids.size(), why);
  }
  run.batches.clear();
}

bool Dispatcher::RunOnce(std::chrono::milliseconds max_wait) {
  if (!stopping_) {
    RefreshRuns();
    Claim();
    StartSends();
  }
  if (transport_.in_flight() > 0 || HasQueued()) {
    // Wait for an answer, but no longer than until the next token is due.
    auto wait = max_wait;
    if (transport_.in_flight() == 0) {
      if (const std::optional<Time> due = NextContinuationDue()) {
        // Only held continuations are left: nothing can start before the first is due.
        const auto until = std::chrono::ceil<milliseconds>(*due - clock_.Now());
        wait = std::min(wait, std::max(milliseconds(1), until));
      } else {
        for (auto& [id, account] : accounts_) {
          const auto token_wait =
              std::chrono::ceil<milliseconds>(account.bucket.WaitTime(clock_.Steady()));
          wait = std::min(wait, std::max(milliseconds(1), token_wait));
        }
      }
    }
    done_.clear();
    transport_.Poll(wait, done_);
    for (const auto& result : done_) HandleResult(result);
  }
  const bool active = transport_.in_flight() > 0 || HasQueued();
  FlushOutcomes(/*force=*/!active);
  CompleteFinishedRuns();
  if (active) return true;
  // Outcomes that could not be written are retried on the next turn, after the caller's wait.
  if (!outcomes_.empty()) return false;
  for (const auto& [id, run] : runs_) {
    const auto it = accounts_.find(run.run.channel_account_id);
    if (!run.exhausted && it != accounts_.end() && !it->second.halted) return true;
  }
  return false;
}

void Dispatcher::BeginStop() {
  stopping_ = true;
  const Time now = clock_.Now();
  for (auto& [id, run] : runs_) {
    // Claimed but never started: back to planned, so they go out after the restart.
    ReleaseQueued(run);
    DropBatches(run, "stopping");
    for (Flight& f : run.continuations) {
      DeliveryOutcome failed = FailedOutcome(f.delivery.delivery_id, f.route_code, f.message_ids,
                                             "stopped", "stopped", kStoppedMessage, now);
      failed.marketing_token_used = UsesMarketingToken(f.route.kind);  // a message went
      Finish(std::move(failed));
    }
    run.continuations.clear();
  }
}

int Dispatcher::Drain(std::chrono::steady_clock::time_point deadline) {
  while (transport_.in_flight() > 0 && clock_.Steady() < deadline) {
    done_.clear();
    transport_.Poll(milliseconds(50), done_);
    for (const auto& result : done_) HandleResult(result);
  }
  for (int attempt = 0; attempt < kDrainFlushAttempts && !outcomes_.empty(); ++attempt) {
    if (attempt > 0) std::this_thread::sleep_for(milliseconds(50));  // the store was busy
    FlushOutcomes(true);
  }
  return transport_.in_flight();
}

}  // namespace crier::engine
