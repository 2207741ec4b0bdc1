// Every route crier decides, sent by the dispatcher to the sandbox in-process: the sandbox
// plays the platforms with their own request checks and dated rules (src/sandbox), on the
// same fake clock as the engine, so a request shape or a rule crier reads wrong shows up as
// a refusal.
//
// The SQLite store of this build keeps neither template content, the ad account and the
// campaign, nor the recipient facts beyond the window (opt-in, marketing token, region), so
// an overlay store fills them in where the engine reads them: the broadcast and the account
// as loaded, the facts of each audience row and claimed delivery.
#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <functional>
#include <map>
#include <set>

#include "engine/dispatcher.h"
#include "engine/engine.h"
#include "sandbox/sandbox.h"
#include "store/sqlite/sqlite_store.h"
#include "support/fake_transport.h"
#include "support/forwarding_store.h"
#include "support/in_process_sandbox.h"
#include "support/temp_dir.h"
#include "support/time_at.h"

namespace crier::engine {
namespace {

using namespace std::chrono_literals;
using crier::testing::FakeTransport;
namespace json = boost::json;

// The account URLs name a closed loopback port; requests never leave the process.
constexpr std::string_view kBase = "http://127.0.0.1:9";
constexpr std::string_view kPage = "1001";
constexpr std::string_view kPageToken = "page-token-1001";
constexpr std::string_view kNumber = "1100";
constexpr std::string_view kWaba = "2200";
constexpr std::string_view kWaToken = "wa-token";
constexpr std::string_view kChannel = "1650000000";
constexpr std::string_view kLineToken = "line-token";

using crier::testing::At;

// What this build's store does not keep, laid over what it reads.
class OverlayStore final : public crier::testing::ForwardingStore {
 public:
  using ForwardingStore::ForwardingStore;

  std::map<Id, AccountCapabilities> capabilities;  // by channel account
  struct Content {
    std::vector<Message> messages;
    OutsideWindow outside_window;
  };
  std::map<Id, Content> content;                                      // by broadcast
  std::map<std::string, std::function<void(RecipientFacts&)>> facts;  // by platform user id
  std::vector<DeliveryOutcome> outcomes;                              // every outcome recorded

  Result<ChannelAccount> GetChannelAccount(Id id) override {
    auto account = base().GetChannelAccount(id);
    if (account.ok() && capabilities.contains(id)) account->capabilities = capabilities[id];
    return account;
  }
  Result<Broadcast> GetBroadcast(Id id) override {
    auto broadcast = base().GetBroadcast(id);
    if (broadcast.ok() && content.contains(id)) {
      broadcast->messages = content[id].messages;
      broadcast->outside_window = content[id].outside_window;
    }
    return broadcast;
  }
  Status ForEachRecipient(Id channel_account_id, const Audience& audience,
                          const std::function<bool(const RecipientRow&)>& visit) override {
    return base().ForEachRecipient(channel_account_id, audience, [&](const RecipientRow& row) {
      RecipientRow patched = row;
      Patch(patched.platform_user_id, patched.facts);
      return visit(patched);
    });
  }
  Result<std::vector<ClaimedDelivery>> ClaimDeliveries(Id run_id, int max, Time now) override {
    auto claimed = base().ClaimDeliveries(run_id, max, now);
    if (claimed.ok()) {
      for (ClaimedDelivery& d : *claimed) Patch(d.platform_user_id, d.facts);
    }
    return claimed;
  }
  Status RecordOutcomes(std::span<const DeliveryOutcome> batch) override {
    const Status status = base().RecordOutcomes(batch);
    if (status.ok()) outcomes.insert(outcomes.end(), batch.begin(), batch.end());
    return status;
  }

  const DeliveryOutcome* FinalOutcome(Id delivery_id) const {
    for (auto it = outcomes.rbegin(); it != outcomes.rend(); ++it) {
      if (it->delivery_id == delivery_id && IsFinal(it->state)) return &*it;
    }
    return nullptr;
  }

 private:
  void Patch(const std::string& user, RecipientFacts& f) {
    if (auto it = facts.find(user); it != facts.end()) it->second(f);
  }
};

class WireTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto opened = OpenSqliteStore({dir_.File("crier.sqlite")});
    ASSERT_TRUE(opened.ok()) << opened.error().ToString();
    base_ = std::move(*opened);
    store_ = std::make_unique<OverlayStore>(*base_);
    options_.policy.safety_margin = 0s;
  }

  // --- the sandbox

  // --- crier's side

  Id AddAccount(Platform platform, std::string_view external_id, std::string_view token,
                AccountCapabilities capabilities = {}) {
    NewChannelAccount a;
    a.platform = platform;
    a.name = std::string(external_id);
    a.external_id = std::string(external_id);
    a.access_token = std::string(token);
    a.api_base_url = std::string(kBase);
    a.pacing = {1000, 16};
    auto created = store_->CreateChannelAccount(a, clock_.Now());
    EXPECT_TRUE(created.ok()) << created.error().ToString();
    store_->capabilities[created->id] = std::move(capabilities);
    return created->id;
  }

  void AddContact(Id account, const std::string& user, std::optional<Duration> wrote_ago,
                  std::function<void(RecipientFacts&)> facts = {}) {
    ContactInput in;
    in.channel_account_id = account;
    in.platform_user_id = user;
    in.name = "Name " + user;
    if (wrote_ago) in.last_inbound_at = clock_.Now() - *wrote_ago;
    ASSERT_TRUE(store_->UpsertContacts(std::span(&in, 1), clock_.Now()).ok());
    if (facts) store_->facts[user] = std::move(facts);
  }

  Id AddBroadcast(Id account, Purpose purpose, std::vector<Message> messages,
                  OutsideWindow outside_window = {}) {
    NewBroadcast b;
    b.name = "Broadcast";
    b.channel_account_id = account;
    b.purpose = purpose;
    // Stored as text (this store keeps no template); the overlay gives the real content back.
    for (std::size_t i = 0; i < messages.size(); ++i) {
      b.messages.push_back({MessageKind::kText, "m" + std::to_string(i)});
    }
    b.outside_window = outside_window;
    auto created = store_->CreateBroadcast(b, clock_.Now());
    EXPECT_TRUE(created.ok()) << created.error().ToString();
    store_->content[created->id] = {std::move(messages), std::move(outside_window)};
    return created->id;
  }

  // Plans the broadcast and sends it through the sandbox until nothing is left to do.
  SendNowResult Send(Id broadcast) {
    auto engine = Engine::Create(
        *store_, clock_,
        std::make_unique<FakeTransport>([](auto&) { return crier::testing::Ok("{}"); }), options_);
    EXPECT_TRUE(engine.ok());
    auto sent = (*engine)->SendNow(broadcast);
    EXPECT_TRUE(sent.ok()) << sent.error().ToString();
    Dispatcher d(*store_, clock_, transport_, metrics_, options_);
    for (int i = 0; i < 1000 && d.RunOnce(0ms); ++i) {
    }
    return *sent;
  }

  std::vector<DeliveryRecord> Deliveries(Id run) {
    auto page = store_->ListDeliveries(run, {});
    EXPECT_TRUE(page.ok());
    return page->items;
  }

  static Message Text(std::string text) { return {MessageKind::kText, std::move(text), {}}; }
  static Message Template(std::string name, std::vector<std::string> header,
                          std::vector<std::string> body,
                          TemplateCategory category = TemplateCategory::kUtility) {
    Message m;
    m.kind = MessageKind::kTemplate;
    m.template_message = {std::move(name), "en_US", category, std::move(header), std::move(body)};
    return m;
  }

  crier::testing::TempDir dir_;
  FakeClock clock_{At("2026-06-01T12:00:00Z")};
  crier::testing::InProcessSandbox sandbox_{clock_, std::string(kBase)};
  FakeTransport transport_{
      [this](const channels::OutboundRequest& r) { return sandbox_.Answer(r); }};
  std::unique_ptr<Store> base_;
  std::unique_ptr<OverlayStore> store_;
  EngineOptions options_;
  Metrics metrics_;
};

// --- Messenger

class MessengerWireTest : public WireTest {
 protected:
  void AddPage(json::array permissions = {}) {
    sandbox_.Control("POST", "/__sandbox/pages",
                     {{"page_id", kPage},
                      {"access_token", kPageToken},
                      {"platform", "messenger"},
                      {"permissions", std::move(permissions)}});
  }
  void Interact(const std::string& user, Time at) {
    sandbox_.Control("POST", "/__sandbox/interactions",
                     {{"page_id", kPage},
                      {"interactions",
                       json::array{json::object{{"user_id", user}, {"at", FormatRfc3339(at)}}}}});
  }
  void AddToken(const std::string& token, const std::string& user, std::string_view region) {
    sandbox_.Control(
        "POST", "/__sandbox/messenger/tokens",
        {{"page_id", kPage},
         {"tokens", json::array{json::object{{"token", token},
                                             {"user_id", user},
                                             {"expires_at", FormatRfc3339(clock_.Now() + 24h * 90)},
                                             {"region", region}}}}});
  }
  // The person's token as crier knows it, with their region.
  std::function<void(RecipientFacts&)> TokenFacts(const std::string& token,
                                                  std::string region = "TW") {
    const Time expires = clock_.Now() + 24h * 90;
    return [token, region, expires](RecipientFacts& f) {
      f.marketing_token = MarketingToken{token, expires, false, std::nullopt};
      f.region = region;
    };
  }
};

TEST_F(MessengerWireTest, AUtilityTemplateGoesOutsideTheWindowAsUtility) {
  AddPage({"page_utility_messaging"});
  sandbox_.Control(
      "POST", "/__sandbox/messenger/templates",
      {{"page_id", kPage},
       {"templates", json::array{json::object{
                         {"name", "order_update"}, {"language", "en_US"}, {"body_params", 2}}}}});
  AccountCapabilities caps;
  caps.utility_messaging = true;
  const Id account = AddAccount(Platform::kMessenger, kPage, kPageToken, caps);
  Interact("psid-out", clock_.Now() - 72h);
  Interact("psid-in", clock_.Now() - 1h);
  AddContact(account, "psid-out", 72h);
  AddContact(account, "psid-in", 1h);
  OutsideWindow plan;
  plan.utility_template = true;
  const auto sent = Send(AddBroadcast(account, Purpose::kNonPromotional,
                                      {Template("order_update", {}, {"A-1", "today"})}, plan));
  EXPECT_EQ(sent.planned, 2);

  EXPECT_EQ(sandbox_.Refused(), 0);
  const json::array recorded = sandbox_.Recorded();
  ASSERT_EQ(recorded.size(), 2u);
  for (const auto& r : recorded) {
    EXPECT_EQ(r.at("route").as_string(), "utility_template") << "inside the window too";
    EXPECT_EQ(r.at("messaging_type").as_string(), "UTILITY");
  }
  for (const auto& d : Deliveries(sent.run.id)) {
    EXPECT_EQ(d.state, DeliveryState::kSent);
    EXPECT_EQ(d.route, "utility_template");
  }
}

TEST_F(MessengerWireTest, AMarketingTokenCarriesOnePromotionAndItsUseIsRecorded) {
  clock_.Set(At("2026-01-15T12:00:00Z"));  // before the token programme ended (2026-02-10)
  AddPage();
  const Id account = AddAccount(Platform::kMessenger, kPage, kPageToken);
  Interact("psid-out", clock_.Now() - 72h);
  Interact("psid-in", clock_.Now() - 1h);
  AddToken("nmt-1", "psid-out", "TW");
  AddContact(account, "psid-out", 72h, TokenFacts("nmt-1"));
  AddContact(account, "psid-in", 1h);
  OutsideWindow plan;
  plan.marketing_tokens = true;
  const auto sent =
      Send(AddBroadcast(account, Purpose::kPromotional, {Text("20% off today")}, plan));
  ASSERT_EQ(sent.planned, 2);

  EXPECT_EQ(sandbox_.Refused(), 0);
  std::map<std::string, std::string> route_of;
  for (const auto& r : sandbox_.Recorded()) {
    route_of[std::string(r.at("recipient").as_string())] = std::string(r.at("route").as_string());
  }
  EXPECT_EQ(route_of["psid-out"], "marketing_token");
  EXPECT_EQ(route_of["psid-in"], "standard_window");
  for (const auto& d : Deliveries(sent.run.id)) {
    ASSERT_EQ(d.state, DeliveryState::kSent) << d.platform_user_id << " " << d.error_message;
    const DeliveryOutcome* o = store_->FinalOutcome(d.id);
    ASSERT_NE(o, nullptr);
    EXPECT_EQ(o->marketing_token_used, d.platform_user_id == "psid-out") << d.platform_user_id;
    EXPECT_FALSE(o->suppress_recipient);
  }
}

TEST_F(MessengerWireTest, TheSecondMessageOfADeliveryWaitsOutTheTokensCooldown) {
  clock_.Set(At("2026-01-15T12:00:00Z"));
  AddPage();
  const Id account = AddAccount(Platform::kMessenger, kPage, kPageToken);
  Interact("psid-out", clock_.Now() - 72h);
  AddToken("nmt-1", "psid-out", "TW");
  AddContact(account, "psid-out", 72h, TokenFacts("nmt-1"));
  OutsideWindow plan;
  plan.marketing_tokens = true;
  const auto sent =
      Send(AddBroadcast(account, Purpose::kPromotional, {Text("first"), Text("second")}, plan));
  EXPECT_EQ(sandbox_.Recorded().size(), 1u);
  EXPECT_EQ(sandbox_.Refused(), 0)
      << "crier knew the cool-down had begun, so it asked nothing more";
  const auto deliveries = Deliveries(sent.run.id);
  ASSERT_EQ(deliveries.size(), 1u);
  EXPECT_EQ(deliveries[0].state, DeliveryState::kFailed);
  EXPECT_EQ(deliveries[0].error_code, "token_cooldown");
  EXPECT_FALSE(deliveries[0].platform_message_id.empty()) << "the first message is on record";
  const DeliveryOutcome* o = store_->FinalOutcome(deliveries[0].id);
  ASSERT_NE(o, nullptr);
  EXPECT_TRUE(o->marketing_token_used);
}

TEST_F(MessengerWireTest, TheMarketingMessageApiSendsUnderTheCampaignFromTheAdAccount) {
  AddPage();  // 2026-06-01: tokens retired, the Marketing Message API open since 2025-07-01
  sandbox_.Control(
      "POST", "/__sandbox/messenger/ad_accounts",
      {{"ad_account_id", "998877"},
       {"access_token", "ads-token"},
       {"business_region", "TW"},
       {"campaigns", json::array{json::object{{"message_id", "120200001"}, {"page_id", kPage}}}}});
  AccountCapabilities caps;
  caps.marketing_message_api = true;
  caps.business_region = "TW";
  caps.ad_account_id = "998877";
  const Id account = AddAccount(Platform::kMessenger, kPage, kPageToken, caps);
  Interact("psid-out", clock_.Now() - 72h);
  AddToken("sub-1", "psid-out", "TW");
  AddContact(account, "psid-out", 72h, TokenFacts("sub-1"));
  OutsideWindow plan;
  plan.marketing_message_api = true;
  plan.marketing_campaign_id = "120200001";
  const auto sent = Send(AddBroadcast(account, Purpose::kPromotional, {Text("New in")}, plan));
  ASSERT_EQ(sent.planned, 1);

  EXPECT_EQ(sandbox_.Refused(), 0);
  const json::array recorded = sandbox_.Recorded();
  ASSERT_EQ(recorded.size(), 1u);
  EXPECT_EQ(recorded[0].at("route").as_string(), "marketing_message_api");
  EXPECT_EQ(recorded[0].at("account").as_string(), "act_998877");
  EXPECT_EQ(recorded[0].at("recipient").as_string(), "psid-out");
  const auto deliveries = Deliveries(sent.run.id);
  ASSERT_EQ(deliveries.size(), 1u);
  EXPECT_EQ(deliveries[0].state, DeliveryState::kSent);
  EXPECT_EQ(deliveries[0].route, "marketing_message_api");
  EXPECT_EQ(json::value(deliveries[0].platform_message_id), recorded[0].at("message_id"))
      << "the tracking id is the copy's platform id";
  const DeliveryOutcome* o = store_->FinalOutcome(deliveries[0].id);
  ASSERT_NE(o, nullptr);
  EXPECT_TRUE(o->marketing_token_used);
}

TEST_F(MessengerWireTest, AnUnknownPersonIsSuppressedAndAClosedWindowIsNot) {
  AddPage();
  const Id account = AddAccount(Platform::kMessenger, kPage, kPageToken);
  // crier believes both wrote an hour ago; the Page has never seen "ghost" (100/2018001), and
  // "late" last wrote two days ago (10/2018278: a policy refusal, the person stays reachable).
  Interact("late", clock_.Now() - 48h);
  AddContact(account, "ghost", 1h);
  AddContact(account, "late", 1h);
  const auto sent = Send(AddBroadcast(account, Purpose::kPromotional, {Text("hi")}));
  ASSERT_EQ(sent.planned, 2);
  EXPECT_TRUE(sandbox_.Recorded().empty());
  for (const auto& d : Deliveries(sent.run.id)) {
    EXPECT_EQ(d.state, DeliveryState::kFailed);
    const DeliveryOutcome* o = store_->FinalOutcome(d.id);
    ASSERT_NE(o, nullptr);
    if (d.platform_user_id == "ghost") {
      EXPECT_EQ(d.error_code, "100/2018001");
      EXPECT_EQ(d.error_class, "recipient_unreachable");
      EXPECT_TRUE(o->suppress_recipient);
    } else {
      EXPECT_EQ(d.error_code, "10/2018278");
      EXPECT_EQ(d.error_class, "policy");
      EXPECT_FALSE(o->suppress_recipient);
    }
    EXPECT_FALSE(o->marketing_token_used);
  }
}

// --- WhatsApp

class WhatsAppWireTest : public WireTest {
 protected:
  Id AddNumber() {
    sandbox_.Control(
        "POST", "/__sandbox/whatsapp/phone_numbers",
        {{"phone_number_id", kNumber}, {"waba_id", kWaba}, {"access_token", kWaToken}});
    sandbox_.Control(
        "POST", "/__sandbox/whatsapp/templates",
        {{"waba_id", kWaba},
         {"templates", json::array{json::object{{"name", "order_update"},
                                                {"language", "en_US"},
                                                {"category", "UTILITY"},
                                                {"header", {{"format", "TEXT"}, {"params", 1}}},
                                                {"body_params", 2}}}}});
    AccountCapabilities caps;
    caps.waba_id = std::string(kWaba);
    return AddAccount(Platform::kWhatsApp, kNumber, kWaToken, caps);
  }
  void Register(const std::string& wa_id, std::optional<Duration> wrote_ago) {
    json::object contact{{"wa_id", wa_id}, {"opted_in", true}};
    if (wrote_ago) contact["last_inbound_at"] = FormatRfc3339(clock_.Now() - *wrote_ago);
    sandbox_.Control("POST", "/__sandbox/whatsapp/contacts",
                     {{"phone_number_id", kNumber}, {"contacts", json::array{contact}}});
  }
  static void OptedIn(RecipientFacts& f) { f.opted_in = true; }
};

TEST_F(WhatsAppWireTest, ATemplateGoesToOptedInPeopleAtAnyTime) {
  const Id account = AddNumber();
  Register("886912345678", std::nullopt);  // never wrote: only a template reaches them
  Register("886912345679", 1h);
  AddContact(account, "886912345678", std::nullopt, OptedIn);
  AddContact(account, "886912345679", 1h, OptedIn);
  const auto sent = Send(AddBroadcast(account, Purpose::kNonPromotional,
                                      {Template("order_update", {"Ann"}, {"A-1", "today"})}));
  ASSERT_EQ(sent.planned, 2);
  EXPECT_EQ(sandbox_.Refused(), 0);
  const json::array recorded = sandbox_.Recorded();
  ASSERT_EQ(recorded.size(), 2u);
  for (const auto& r : recorded) EXPECT_EQ(r.at("route").as_string(), "whatsapp_template");
  for (const auto& d : Deliveries(sent.run.id)) {
    EXPECT_EQ(d.state, DeliveryState::kSent) << d.error_message;
    EXPECT_EQ(d.route, "whatsapp_template");
    EXPECT_EQ(d.platform_message_id.rfind("wamid.", 0), 0u);
  }
}

TEST_F(WhatsAppWireTest, ATemplateWithAMediaHeaderAndButtonsIsAcceptedAsTheRegistryFilledIt) {
  const Id account = AddNumber();
  sandbox_.Control(
      "POST", "/__sandbox/whatsapp/templates",
      {{"waba_id", kWaba},
       {"templates", json::array{json::object{
                         {"name", "order_buttons"},
                         {"language", "en_US"},
                         {"category", "MARKETING"},
                         {"header", {{"format", "IMAGE"}}},
                         {"body_params", 1},
                         {"buttons", json::array{json::object{{"type", "QUICK_REPLY"}},
                                                 json::object{{"type", "URL"}},
                                                 json::object{{"type", "URL"}, {"dynamic", true}},
                                                 json::object{{"type", "QUICK_REPLY"}}}}}}}});
  Register("886912345678", 1h);
  AddContact(account, "886912345678", 1h, OptedIn);
  // As POST /v1/broadcasts leaves it: the registry's header kind and buttons (a fixed URL
  // button sends nothing), the URL suffix personalised.
  Message m = Template("order_buttons", {"https://cdn.example/a.png"}, {"A-1"},
                       TemplateCategory::kMarketing);
  m.template_message.header_kind = TemplateHeaderKind::kImage;
  m.template_message.button_parameters = {"order/{{contact.first_name}}"};
  m.template_message.buttons = {{0, TemplateButtonType::kQuickReply, "crier:unsubscribe"},
                                {2, TemplateButtonType::kUrl, ""},
                                {3, TemplateButtonType::kQuickReply, "MENU"}};
  const auto sent = Send(AddBroadcast(account, Purpose::kPromotional, {m}));
  ASSERT_EQ(sent.planned, 1);
  EXPECT_EQ(sandbox_.Refused(), 0);
  for (const auto& d : Deliveries(sent.run.id)) {
    EXPECT_EQ(d.state, DeliveryState::kSent) << d.error_code << " " << d.error_message;
  }
}

TEST_F(WhatsAppWireTest, FreeFormTextGoesInsideTheWindowOnly) {
  const Id account = AddNumber();
  Register("886912345678", 1h);
  Register("886912345679", 25h);
  AddContact(account, "886912345678", 1h, OptedIn);
  AddContact(account, "886912345679", 25h, OptedIn);
  const auto sent = Send(AddBroadcast(account, Purpose::kPromotional, {Text("hello")}));
  EXPECT_EQ(sent.planned, 1);
  EXPECT_EQ(sent.skipped, 1);
  EXPECT_EQ(sandbox_.Refused(), 0);
  const json::array recorded = sandbox_.Recorded();
  ASSERT_EQ(recorded.size(), 1u);
  EXPECT_EQ(recorded[0].at("recipient").as_string(), "886912345678");
  EXPECT_EQ(recorded[0].at("route").as_string(), "standard_window");
}

TEST_F(WhatsAppWireTest, SomeoneNotOnWhatsAppIsSuppressed) {
  const Id account = AddNumber();
  AddContact(account, "886900000009", 1h, OptedIn);  // unknown to the number: 131026
  const auto sent = Send(AddBroadcast(account, Purpose::kPromotional, {Text("hello")}));
  const auto deliveries = Deliveries(sent.run.id);
  ASSERT_EQ(deliveries.size(), 1u);
  EXPECT_EQ(deliveries[0].state, DeliveryState::kFailed);
  EXPECT_EQ(deliveries[0].error_code, "131026");
  const DeliveryOutcome* o = store_->FinalOutcome(deliveries[0].id);
  ASSERT_NE(o, nullptr);
  EXPECT_TRUE(o->suppress_recipient);
}

TEST_F(WhatsAppWireTest, ATemplateWithAnEmptyParameterSendsNothingAndNamesTheField) {
  const Id account = AddNumber();
  Register("886912345678", std::nullopt);
  AddContact(account, "886912345678", std::nullopt, OptedIn);
  const auto sent = Send(AddBroadcast(account, Purpose::kNonPromotional,
                                      {Template("order_update", {"Ann"}, {"A-1", ""})}));
  EXPECT_TRUE(transport_.requests.empty());
  const auto deliveries = Deliveries(sent.run.id);
  ASSERT_EQ(deliveries.size(), 1u);
  EXPECT_EQ(deliveries[0].state, DeliveryState::kFailed);
  EXPECT_EQ(deliveries[0].error_class, "invalid_request");
  EXPECT_EQ(deliveries[0].error_code, "invalid_content");
  EXPECT_EQ(deliveries[0].error_message,
            "messages[0].template.components[1].parameters[1]: the parameter's value is empty");
  EXPECT_EQ(store_->GetRun(sent.run.id)->status, RunStatus::kCompleted);
}

// --- LINE

TEST_F(WireTest, PersonalisedLineCopiesArePushedWithTheirRetryKey) {
  sandbox_.Control("POST", "/__sandbox/line/channels",
                   {{"channel_id", kChannel}, {"access_token", kLineToken}, {"quota", 1000}});
  const std::string alice = "U" + std::string(32, 'a');
  const std::string bob = "U" + std::string(32, 'b');
  sandbox_.Control("POST", "/__sandbox/line/followers",
                   {{"channel_id", kChannel},
                    {"followers", json::array{json::object{{"user_id", alice}},
                                              json::object{{"user_id", bob}}}}});
  const Id account = AddAccount(Platform::kLine, kChannel, kLineToken);
  AddContact(account, alice, std::nullopt);  // LINE pushes to followers at any time
  AddContact(account, bob, 72h);
  const auto sent = Send(
      AddBroadcast(account, Purpose::kPromotional, {Text("one {{contact.name}}"), Text("two")}));
  ASSERT_EQ(sent.planned, 2);
  EXPECT_EQ(sandbox_.Refused(), 0);
  const json::array recorded = sandbox_.Recorded();
  ASSERT_EQ(recorded.size(), 4u) << "one push per message";
  std::set<std::string> keys;
  for (const auto& r : recorded) {
    EXPECT_EQ(r.at("route").as_string(), "line_push");
    keys.insert(std::string(r.at("retry_key").as_string()));
  }
  EXPECT_EQ(keys.size(), 4u) << "a key per delivery and message";
  for (const auto& d : Deliveries(sent.run.id)) {
    EXPECT_EQ(d.state, DeliveryState::kSent);
    EXPECT_EQ(d.route, "line_push");
  }
}

TEST_F(WireTest, IdenticalLineCopiesGoInOneMulticastPerMessage) {
  sandbox_.Control("POST", "/__sandbox/line/channels",
                   {{"channel_id", kChannel}, {"access_token", kLineToken}, {"quota", 1000}});
  const std::string alice = "U" + std::string(32, 'a');
  const std::string bob = "U" + std::string(32, 'b');
  sandbox_.Control("POST", "/__sandbox/line/followers",
                   {{"channel_id", kChannel},
                    {"followers", json::array{json::object{{"user_id", alice}},
                                              json::object{{"user_id", bob}}}}});
  const Id account = AddAccount(Platform::kLine, kChannel, kLineToken);
  AddContact(account, alice, std::nullopt);
  AddContact(account, bob, 72h);
  const auto sent = Send(AddBroadcast(account, Purpose::kPromotional, {Text("one"), Text("two")}));
  ASSERT_EQ(sent.planned, 2);
  EXPECT_EQ(sandbox_.Refused(), 0);
  EXPECT_EQ(transport_.requests.size(), 2u) << "one multicast per message";
  const json::array recorded = sandbox_.Recorded();
  ASSERT_EQ(recorded.size(), 4u) << "each person got each message";
  std::set<std::string> keys;
  for (const auto& r : recorded) {
    EXPECT_EQ(r.at("route").as_string(), "line_multicast");
    keys.insert(std::string(r.at("retry_key").as_string()));
  }
  EXPECT_EQ(keys.size(), 2u) << "a key per request";
  for (const auto& d : Deliveries(sent.run.id)) {
    EXPECT_EQ(d.state, DeliveryState::kSent);
    EXPECT_EQ(d.route, "line_multicast");
    EXPECT_NE(d.platform_message_id.find(','), std::string::npos) << "both requests' ids";
  }
}

}  // namespace
}  // namespace crier::engine
