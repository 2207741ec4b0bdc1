// Proof by property (issue: policy engine, item 8). Thousands of generated contacts on all
// four channels, with send times on both sides of every dated rule change, go through crier
// — planning, the dispatcher's re-check and the real send over loopback HTTP — to the
// sandbox, which plays each platform as of the same clock. Two things must hold:
//
//  1. the sandbox refused nothing: every copy crier sent was allowed, by the route crier
//     named;
//  2. every copy crier skipped is one the platform would have refused: each route the
//     broadcast could have used, built by crier's own adapters, is sent to a sandbox that
//     holds just that recipient, at the moment the copy would have landed (the decision plus
//     the safety margin), and is refused (on LINE: accepted but not delivered, which is how
//     LINE answers a push to someone who blocked the account).
//
// Reproducible: the generator is seeded (CRIER_PROPERTY_SEED overrides the seed, and a
// failure prints the seed, the scenario and the recipient).
#include <gtest/gtest.h>

#include <algorithm>
#include <boost/json.hpp>
#include <cstdlib>
#include <map>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "channels/adapter.h"
#include "channels/curl_transport.h"
#include "core/clock.h"
#include "core/route.h"
#include "engine/dispatcher.h"
#include "engine/engine.h"
#include "engine/metrics.h"
#include "net/server.h"
#include "sandbox/sandbox.h"
#include "store/sqlite/sqlite_store.h"
#include "support/fake_transport.h"
#include "support/temp_dir.h"

namespace crier {
namespace {

namespace json = boost::json;
using namespace std::chrono_literals;

constexpr int kRecipientsPerScenario = 270;  // 40 scenarios: 10,800 recipients
constexpr Duration kMargin = 60s;

// Facts of the sandbox's world, shared by crier's accounts and the sandbox's registrations.
constexpr char kPage[] = "501";
constexpr char kPageToken[] = "page-token-501";
constexpr char kIgAccount[] = "502";
constexpr char kIgToken[] = "ig-token-502";
constexpr char kAdAccount[] = "7001";
constexpr char kCampaign[] = "9001";
constexpr char kPhoneNumber[] = "601";
constexpr char kWaba[] = "waba-61";
constexpr char kWaToken[] = "wa-token-601";
constexpr char kLineChannel[] = "1650000001";
constexpr char kLineToken[] = "line-token-1";
constexpr char kUtilityTemplate[] = "shipping_update";
constexpr char kWaMarketingTemplate[] = "spring_offer";
constexpr char kWaUtilityTemplate[] = "order_ready";

Time At(std::string_view text) {
  Time t;
  EXPECT_TRUE(ParseRfc3339(text, &t)) << text;
  return t;
}

// The dated changes of the rule timeline, each tried on both sides.
const std::vector<Time>& Boundaries() {
  static const std::vector<Time> all = {
      At("2025-04-01T00:00:00Z"),  // WhatsApp: marketing templates to +1 numbers stop
      At("2025-07-01T00:00:00Z"),  // the Marketing Message API opens
      At("2025-09-01T00:00:00Z"),  // token cool-down 24 h -> 48 h
      At("2026-02-10T00:00:00Z"),  // marketing-messages tokens retired
      At("2026-04-27T00:00:00Z"),  // Messenger message tags retired
  };
  return all;
}

// What a broadcast of a scenario is: its purpose, plan and content.
enum class Kind {
  kMessengerPromoTokensAndApi,
  kMessengerPromoApi,
  kMessengerTag,
  kMessengerUtilityTemplate,
  kMessengerPromoWindowOnly,
  kInstagramPromoTokens,
  kInstagramWindowOnly,
  kWhatsAppMarketingTemplate,
  kWhatsAppUtilityTemplate,
  kWhatsAppText,
  kLineText,
};

Platform PlatformOf(Kind k) {
  switch (k) {
    case Kind::kInstagramPromoTokens:
    case Kind::kInstagramWindowOnly:
      return Platform::kInstagram;
    case Kind::kWhatsAppMarketingTemplate:
    case Kind::kWhatsAppUtilityTemplate:
    case Kind::kWhatsAppText:
      return Platform::kWhatsApp;
    case Kind::kLineText:
      return Platform::kLine;
    default:
      return Platform::kMessenger;
  }
}

// One generated person and everything both sides know about them.
struct Person {
  std::string user_id;
  std::optional<Time> last_inbound_at;
  WindowOpener opener = WindowOpener::kOrganic;
  std::string region;
  std::optional<MarketingToken> token;
  bool opted_in = false;
  bool marketing_stopped = false;
  bool line_blocked = false;
};

struct Scenario {
  int index = 0;
  Kind kind = Kind::kLineText;
  Time at{};
  std::vector<Person> people;
};

class Generator {
 public:
  explicit Generator(std::uint64_t seed) : rng_(seed) {}

  std::vector<Scenario> Scenarios() {
    const std::vector<std::vector<Kind>> kinds_by_platform = {
        {Kind::kMessengerPromoTokensAndApi, Kind::kMessengerPromoApi, Kind::kMessengerTag,
         Kind::kMessengerUtilityTemplate, Kind::kMessengerPromoWindowOnly},
        {Kind::kInstagramPromoTokens, Kind::kInstagramWindowOnly},
        {Kind::kWhatsAppMarketingTemplate, Kind::kWhatsAppUtilityTemplate, Kind::kWhatsAppText},
        {Kind::kLineText},
    };
    // Every boundary, both sides, every platform; the distance to the boundary from within the
    // safety margin to days.
    const std::vector<Duration> distances = {20s, 45s, 90s, 2h, 3 * 24h};
    std::vector<Scenario> out;
    for (const Time boundary : Boundaries()) {
      for (const int side : {-1, 1}) {
        for (const auto& kinds : kinds_by_platform) {
          Scenario s;
          s.kind = Pick(kinds);
          s.at = boundary + side * Pick(distances);
          out.push_back(std::move(s));
        }
      }
    }
    std::sort(out.begin(), out.end(),
              [](const Scenario& a, const Scenario& b) { return a.at < b.at; });
    for (size_t i = 0; i < out.size(); ++i) out[i].index = static_cast<int>(i);
    return out;
  }

  // People relative to `at`, the moment the scenario sends.
  void Populate(Scenario& s, Time at) {
    const Platform platform = PlatformOf(s.kind);
    for (int i = 0; i < kRecipientsPerScenario; ++i) {
      Person p;
      p.user_id = UserId(platform, s.index, i);
      if (platform != Platform::kLine && Chance(0.9)) p.last_inbound_at = at - InboundAge();
      if ((platform == Platform::kMessenger || platform == Platform::kInstagram) && Chance(0.15))
        p.opener = WindowOpener::kAd;
      p.region = Pick(std::vector<std::string>{"TW", "VN", "TH", "DE", "JP", "US"});
      if ((platform == Platform::kMessenger || platform == Platform::kInstagram) && Chance(0.75)) {
        MarketingToken t;
        t.token = "tok-" + std::to_string(s.index) + "-" + std::to_string(i);
        t.expires_at = at + Pick(std::vector<Duration>{-1h, 20s, 2min, 30 * 24h, 90 * 24h});
        t.stopped = Chance(0.1);
        if (Chance(0.6)) {
          t.last_sent_at =
              at - Pick(std::vector<Duration>{11h + 59min, 12h + 1min, 23h + 59min, 24h + 1min,
                                              47h + 59min, 48h + 1min, 10 * 24h});
        }
        p.token = t;
      }
      p.opted_in = Chance(0.8);
      p.marketing_stopped = Chance(0.15);
      p.line_blocked = Chance(0.1);
      s.people.push_back(std::move(p));
    }
  }

 private:
  Duration InboundAge() {
    return Pick(std::vector<Duration>{1h, 23h + 58min, 23h + 59min + 30s, 24h + 30s, 24h + 1min,
                                      3 * 24h, 6 * 24h + 23h + 58min, 7 * 24h + 1min, 30 * 24h});
  }

  std::string UserId(Platform platform, int scenario, int i) {
    const std::string n = std::to_string(scenario * 1000 + i);
    switch (platform) {
      case Platform::kWhatsApp: {
        // Phone-based ids (some +1) and business-scoped user ids (some of the US).
        const double r = Uniform();
        if (r < 0.5) return "8869" + std::string(8 - std::min<size_t>(8, n.size()), '0') + n;
        if (r < 0.75) return "1555" + std::string(7 - std::min<size_t>(7, n.size()), '0') + n;
        if (r < 0.9) return "TW.7" + n;
        return "US.9" + n;
      }
      case Platform::kLine: {
        std::string hex = "U";
        std::uniform_int_distribution<int> d(0, 15);
        for (int k = 0; k < 32; ++k) hex.push_back("0123456789abcdef"[d(rng_)]);
        return hex;
      }
      default:
        return (platform == Platform::kInstagram ? "ig" : "psid") + n;
    }
  }

  double Uniform() { return std::uniform_real_distribution<double>(0, 1)(rng_); }
  bool Chance(double p) { return Uniform() < p; }
  template <class T>
  T Pick(const std::vector<T>& v) {
    return v[std::uniform_int_distribution<size_t>(0, v.size() - 1)(rng_)];
  }

  std::mt19937_64 rng_;
};

// ---- the sandbox's side -------------------------------------------------------------------

net::Request ControlRequest(std::string method, std::string target, const json::value& body) {
  net::Request r;
  r.method = std::move(method);
  r.SetTarget(std::move(target));
  r.body = json::serialize(body);
  return r;
}

void Control(sandbox::Sandbox& sandbox, std::string target, const json::value& body) {
  const net::Response r = sandbox.Handle(ControlRequest("POST", target, body));
  ASSERT_LT(r.status, 300) << target << ": " << r.body;
}

json::object SandboxGet(sandbox::Sandbox& sandbox, std::string target) {
  const net::Response r = sandbox.Handle(ControlRequest("GET", std::move(target), nullptr));
  EXPECT_EQ(r.status, 200) << r.body;
  return json::parse(r.body).as_object();
}

// The accounts, templates and campaign every scenario uses.
void RegisterAccounts(sandbox::Sandbox& s) {
  Control(s, "/__sandbox/pages",
          json::object{{"page_id", kPage},
                       {"access_token", kPageToken},
                       {"platform", "messenger"},
                       {"permissions", json::array{"page_utility_messaging"}}});
  Control(
      s, "/__sandbox/pages",
      json::object{{"page_id", kIgAccount}, {"access_token", kIgToken}, {"platform", "instagram"}});
  Control(s, "/__sandbox/messenger/templates",
          json::object{{"page_id", kPage},
                       {"templates", json::array{json::object{{"name", kUtilityTemplate},
                                                              {"language", "en_US"},
                                                              {"body_params", 1}}}}});
  Control(s, "/__sandbox/messenger/ad_accounts",
          json::object{{"ad_account_id", kAdAccount},
                       {"access_token", "ad-token"},
                       {"business_region", "TW"},
                       {"campaigns",
                        json::array{json::object{{"message_id", kCampaign}, {"page_id", kPage}}}}});
  Control(s, "/__sandbox/whatsapp/phone_numbers",
          json::object{
              {"phone_number_id", kPhoneNumber}, {"waba_id", kWaba}, {"access_token", kWaToken}});
  Control(
      s, "/__sandbox/whatsapp/businesses",
      json::object{{"business_id", std::string("business-") + kWaba}, {"messaging_limit", 2000}});
  json::array templates;
  for (const auto& [name, category] :
       {std::pair{kWaMarketingTemplate, "MARKETING"}, std::pair{kWaUtilityTemplate, "UTILITY"}}) {
    templates.push_back(json::object{
        {"name", name}, {"language", "en_US"}, {"category", category}, {"body_params", 1}});
  }
  Control(s, "/__sandbox/whatsapp/templates",
          json::object{{"waba_id", kWaba}, {"templates", std::move(templates)}});
  Control(s, "/__sandbox/line/channels",
          json::object{{"channel_id", kLineChannel}, {"access_token", kLineToken}});
}

// What the platform knows of these people on the scenario's channel.
void RegisterPeople(sandbox::Sandbox& s, Kind kind, std::span<const Person> people) {
  const Platform platform = PlatformOf(kind);
  if (platform == Platform::kMessenger || platform == Platform::kInstagram) {
    const char* page = platform == Platform::kMessenger ? kPage : kIgAccount;
    json::array interactions, tokens;
    for (const Person& p : people) {
      if (p.last_inbound_at) {
        interactions.push_back(
            json::object{{"user_id", p.user_id},
                         {"at", FormatRfc3339(*p.last_inbound_at)},
                         {"source", p.opener == WindowOpener::kAd ? "ad" : "organic"}});
      }
      if (p.token) {
        json::object t{{"token", p.token->token},
                       {"user_id", p.user_id},
                       {"expires_at", FormatRfc3339(p.token->expires_at)},
                       {"status", p.token->stopped ? "stopped" : "active"},
                       {"region", p.region}};
        if (p.token->last_sent_at) t["last_sent_at"] = FormatRfc3339(*p.token->last_sent_at);
        tokens.push_back(std::move(t));
      }
    }
    if (!interactions.empty()) {
      Control(s, "/__sandbox/interactions",
              json::object{{"page_id", page}, {"interactions", std::move(interactions)}});
    }
    if (!tokens.empty()) {
      Control(s, "/__sandbox/messenger/tokens",
              json::object{{"page_id", page}, {"tokens", std::move(tokens)}});
    }
  } else if (platform == Platform::kWhatsApp) {
    json::array contacts;
    for (const Person& p : people) {
      const bool bsuid = p.user_id.find('.') != std::string::npos;
      json::object c{{bsuid ? "user_id" : "wa_id", p.user_id},
                     {"opted_in", p.opted_in},
                     {"marketing_stopped", p.marketing_stopped}};
      if (p.last_inbound_at) c["last_inbound_at"] = FormatRfc3339(*p.last_inbound_at);
      contacts.push_back(std::move(c));
    }
    Control(s, "/__sandbox/whatsapp/contacts",
            json::object{{"phone_number_id", kPhoneNumber}, {"contacts", std::move(contacts)}});
  } else {
    json::array followers;
    for (const Person& p : people) {
      followers.push_back(json::object{{"user_id", p.user_id},
                                       {"status", p.line_blocked ? "blocked" : "following"}});
    }
    Control(s, "/__sandbox/line/followers",
            json::object{{"channel_id", kLineChannel}, {"followers", std::move(followers)}});
  }
}

// ---- crier's side -------------------------------------------------------------------------

NewBroadcast BroadcastOf(Kind kind, Id account_id, const std::string& tag) {
  NewBroadcast b;
  b.name = "scenario " + tag;
  b.channel_account_id = account_id;
  b.audience.any_tags = {tag};
  b.purpose = Purpose::kPromotional;
  Message text{MessageKind::kText, "Hello {there} \"friend\"", {}};
  Message tmpl;
  tmpl.kind = MessageKind::kTemplate;
  tmpl.template_message.language = "en_US";
  tmpl.template_message.body_parameters = {"A-1024"};
  switch (kind) {
    case Kind::kMessengerPromoTokensAndApi:
      b.outside_window = {.marketing_tokens = true,
                          .marketing_message_api = true,
                          .marketing_campaign_id = kCampaign};
      b.messages = {text};
      break;
    case Kind::kMessengerPromoApi:
      b.outside_window = {.marketing_message_api = true, .marketing_campaign_id = kCampaign};
      b.messages = {text};
      break;
    case Kind::kMessengerTag:
      b.purpose = Purpose::kNonPromotional;
      b.outside_window = {.message_tag = "POST_PURCHASE_UPDATE"};
      b.messages = {text};
      break;
    case Kind::kMessengerUtilityTemplate:
      b.purpose = Purpose::kNonPromotional;
      b.outside_window = {.utility_template = true};
      tmpl.template_message.name = kUtilityTemplate;
      b.messages = {tmpl};
      break;
    case Kind::kInstagramPromoTokens:
      b.outside_window = {.marketing_tokens = true};
      b.messages = {text};
      break;
    case Kind::kWhatsAppMarketingTemplate:
      tmpl.template_message.name = kWaMarketingTemplate;
      tmpl.template_message.category = TemplateCategory::kMarketing;
      b.messages = {tmpl};
      break;
    case Kind::kWhatsAppUtilityTemplate:
      b.purpose = Purpose::kNonPromotional;
      tmpl.template_message.name = kWaUtilityTemplate;
      b.messages = {tmpl};
      break;
    case Kind::kMessengerPromoWindowOnly:
    case Kind::kInstagramWindowOnly:
    case Kind::kWhatsAppText:
    case Kind::kLineText:
      b.messages = {text, Message{MessageKind::kText, "second message", {}}};
      break;
  }
  return b;
}

// Every route a broadcast of `kind` could use for a person: a skipped copy must be refused on
// each of them.
std::vector<Route> CandidateRoutes(Kind kind, const Person& p) {
  const Route standard{RouteKind::kStandardWindow, "UPDATE", {}};
  const Route token{RouteKind::kMarketingToken, {}, {}};
  const Route api{RouteKind::kMarketingMessageApi, {}, {}};
  switch (kind) {
    case Kind::kMessengerPromoTokensAndApi:
      if (p.token) return {standard, token, api};
      return {standard};
    case Kind::kMessengerPromoApi:
      if (p.token) return {standard, api};
      return {standard};
    case Kind::kMessengerTag:
      return {standard, {RouteKind::kMessageTag, "MESSAGE_TAG", "POST_PURCHASE_UPDATE"}};
    case Kind::kMessengerUtilityTemplate:
      return {{RouteKind::kUtilityTemplate, "UTILITY", {}}};
    case Kind::kInstagramPromoTokens:
      if (p.token) return {standard, token};
      return {standard};
    case Kind::kMessengerPromoWindowOnly:
    case Kind::kInstagramWindowOnly:
      return {standard};
    case Kind::kWhatsAppMarketingTemplate:
    case Kind::kWhatsAppUtilityTemplate:
      return {{RouteKind::kWhatsAppTemplate, {}, {}}};
    case Kind::kWhatsAppText:
      return {{RouteKind::kStandardWindow, {}, {}}};
    case Kind::kLineText:
      return {{RouteKind::kLinePush, {}, {}}};
  }
  return {};
}

// Skip reasons that are the platform's rules. Anything else (unsubscribed, suppressed, a
// locked tag, ...) is crier's own choice, which the generator never sets up.
bool IsPlatformReason(std::string_view reason) {
  static const std::set<std::string_view> platform = {
      "blocked",   "never_interacted",    "outside_window",       "route_retired",
      "no_opt_in", "marketing_opted_out", "us_marketing_blocked", "region_excluded",
      "no_token",  "token_expired",       "token_cooldown"};
  return platform.contains(reason);
}

net::Request ToSandboxRequest(const channels::OutboundRequest& out) {
  net::Request r;
  r.method = out.method;
  const auto path = out.url.find('/', out.url.find("//") + 2);
  r.SetTarget(out.url.substr(path));
  r.headers = out.headers;
  r.body = out.body;
  return r;
}

class PolicyPropertyTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const char* env = std::getenv("CRIER_PROPERTY_SEED");
    seed_ = env != nullptr ? std::strtoull(env, nullptr, 10) : 20261121;
    net::ServerOptions options;
    auto server = net::HttpServer::Create(
        options, [this](const net::Request& r) { return sandbox_.Handle(r); });
    ASSERT_TRUE(server.ok()) << server.error().ToString();
    server_ = std::move(*server);
    server_->Start();
    sandbox_url_ = "http://127.0.0.1:" + std::to_string(server_->port());
    RegisterAccounts(sandbox_);

    auto opened = OpenSqliteStore({dir_.File("crier.sqlite")});
    ASSERT_TRUE(opened.ok()) << opened.error().ToString();
    store_ = std::move(*opened);
    CreateAccount(Platform::kMessenger, kPage, kPageToken,
                  {.utility_messaging = true,
                   .marketing_message_api = true,
                   .business_region = "TW",
                   .ad_account_id = kAdAccount},
                  {250, 32});
    CreateAccount(Platform::kInstagram, kIgAccount, kIgToken, {}, {250, 32});
    // The portfolio's messaging limit is 2,000 people a day on both sides: crier must hold it.
    Pacing whatsapp_pacing{70, 32};
    whatsapp_pacing.whatsapp_tier = WhatsAppTier::k2K;
    CreateAccount(Platform::kWhatsApp, kPhoneNumber, kWaToken, {.waba_id = kWaba}, whatsapp_pacing);
    CreateAccount(Platform::kLine, kLineChannel, kLineToken, {}, {1000, 32});
    options_.policy.safety_margin = kMargin;
  }

  void TearDown() override {
    if (server_) server_->Stop();
  }

  void CreateAccount(Platform platform, const char* external_id, const char* token,
                     AccountCapabilities capabilities, Pacing pacing) {
    NewChannelAccount a;
    a.platform = platform;
    a.name = std::string(ToString(platform));
    a.external_id = external_id;
    a.access_token = token;
    a.api_base_url = sandbox_url_;
    a.pacing = pacing;
    a.capabilities = std::move(capabilities);
    auto created = store_->CreateChannelAccount(a, clock_.Now());
    ASSERT_TRUE(created.ok()) << created.error().ToString();
    accounts_[platform] = *created;
  }

  void Import(const Scenario& s, const std::string& tag) {
    const ChannelAccount& account = accounts_.at(PlatformOf(s.kind));
    std::vector<ContactInput> rows;
    for (const Person& p : s.people) {
      ContactInput in;
      in.channel_account_id = account.id;
      in.platform_user_id = p.user_id;
      in.name = "Person " + p.user_id;
      in.first_name = "Person";
      in.region = p.region;
      in.tags = std::vector<std::string>{tag};
      in.last_inbound_at = p.last_inbound_at;
      in.window_opener = p.opener;
      in.blocked = account.platform == Platform::kLine && p.line_blocked;
      if (account.platform == Platform::kWhatsApp) {
        in.opted_in = p.opted_in;
        in.marketing_opted_out = p.marketing_stopped;
      }
      in.marketing_token = p.token;
      rows.push_back(std::move(in));
    }
    auto upserted = store_->UpsertContacts(rows, clock_.Now());
    ASSERT_TRUE(upserted.ok()) << upserted.error().ToString();
  }

  // Plans and delivers the broadcast, moving the shared clock only while nothing is in flight,
  // as pacing asks; returns the run.
  Id Run(Id broadcast_id) {
    auto planner = engine::Engine::Create(
        *store_, clock_,
        std::make_unique<testing::FakeTransport>([](auto&) { return channels::TransportResult{}; }),
        options_);
    EXPECT_TRUE(planner.ok());
    auto started = (*planner)->SendNow(broadcast_id);
    EXPECT_TRUE(started.ok()) << started.error().ToString();
    if (!started.ok()) return 0;
    auto transport = channels::MakeCurlTransport(options_.transport);
    EXPECT_TRUE(transport.ok());
    engine::Metrics metrics;
    engine::Dispatcher dispatcher(*store_, clock_, **transport, metrics, options_);
    for (int turn = 0; turn < 100000; ++turn) {
      const bool active = dispatcher.RunOnce(20ms);
      if (dispatcher.in_flight() == 0) {
        auto run = store_->GetRun(started->run.id);
        EXPECT_TRUE(run.ok());
        if (run.ok() && run->status == RunStatus::kCompleted) return started->run.id;
        clock_.Advance(active ? 10ms : 250ms);
      }
    }
    ADD_FAILURE() << "the run never completed";
    return started->run.id;
  }

  std::vector<DeliveryRecord> Deliveries(Id run_id) {
    std::vector<DeliveryRecord> all;
    PageRequest page{0, 1000};
    for (;;) {
      auto got = store_->ListDeliveries(run_id, page);
      EXPECT_TRUE(got.ok());
      if (!got.ok()) break;
      all.insert(all.end(), got->items.begin(), got->items.end());
      if (!got->next_after_id) break;
      page.after_id = *got->next_after_id;
    }
    return all;
  }

  // What the sandbox accepted in this scenario, by recipient: route and whether delivered.
  std::map<std::string, std::pair<std::string, bool>> Accepted() {
    std::map<std::string, std::pair<std::string, bool>> out;
    std::int64_t after = 0;
    for (;;) {
      json::object page =
          SandboxGet(sandbox_, "/__sandbox/messages?limit=1000&after=" + std::to_string(after));
      const json::array& items = page.at("items").as_array();
      for (const json::value& v : items) {
        const json::object& m = v.as_object();
        after = std::max(after, m.at("seq").as_int64());
        out[std::string(m.at("recipient").as_string())] = {std::string(m.at("route").as_string()),
                                                           m.at("delivered").as_bool()};
      }
      if (items.size() < 1000) break;
    }
    return out;
  }

  // Whether the platform, knowing only this person, accepts (and, on LINE, delivers) `route`
  // at `at`; the answer's body when it does.
  std::optional<std::string> Accepts(const Scenario& s, const Person& p, const Broadcast& broadcast,
                                     const Route& route, Time at) {
    FakeClock probe_clock(at);
    sandbox::Sandbox probe(probe_clock);
    RegisterAccounts(probe);
    RegisterPeople(probe, s.kind, std::span(&p, 1));
    const ChannelAccount& account = accounts_.at(PlatformOf(s.kind));
    auto adapter = channels::MakeAdapter(account.platform);
    channels::RecipientRef recipient{p.user_id, "Person " + p.user_id, "Person", {}, {}};
    if (p.token) recipient.marketing_token = p.token->token;
    if (account.platform == Platform::kLine) {
      recipient.retry_key = "123e4567-e89b-42d3-a456-556642440000";
    }
    const channels::SendContext context{route, broadcast.outside_window.marketing_campaign_id};
    const channels::OutboundRequest out =
        adapter->BuildSend(account, recipient, context, broadcast.messages[0]);
    const net::Response answer = probe.Handle(ToSandboxRequest(out));
    if (answer.status < 200 || answer.status >= 300) return std::nullopt;
    if (account.platform == Platform::kLine) {
      // LINE accepts a push to someone who blocked the account and delivers nothing.
      const json::object page = SandboxGet(probe, "/__sandbox/messages");
      const json::array& items = page.at("items").as_array();
      if (items.empty() || !items.back().at("delivered").as_bool()) return std::nullopt;
    }
    return answer.body;
  }

  // Tries every candidate route of a skipped copy at both ends of the time it could have
  // landed — the decision, and the decision plus the safety margin — and describes each route
  // the platform would have allowed at both (a window closes within that span, a cool-down
  // ends within it: a skip is right if the copy could land refused).
  std::string WouldBeAllowed(const Scenario& s, const Person& p, const Broadcast& broadcast,
                             Time decided_at) {
    std::string allowed;
    for (const Route& route : CandidateRoutes(s.kind, p)) {
      const auto at_decision = Accepts(s, p, broadcast, route, decided_at);
      if (!at_decision) continue;
      const auto at_landing = Accepts(s, p, broadcast, route, decided_at + kMargin);
      if (at_landing) allowed += std::string(ToString(route.kind)) + ": " + *at_landing + "; ";
    }
    return allowed;
  }

  std::uint64_t seed_ = 0;
  FakeClock clock_{At("2025-01-01T00:00:00Z")};
  sandbox::Sandbox sandbox_{clock_};
  std::unique_ptr<net::HttpServer> server_;
  std::string sandbox_url_;
  crier::testing::TempDir dir_;
  std::unique_ptr<Store> store_;
  std::map<Platform, ChannelAccount> accounts_;
  engine::EngineOptions options_;
};

TEST_F(PolicyPropertyTest, CrierSendsOnlyWhatThePlatformAllowsAndSkipsOnlyWhatItRefuses) {
  Generator gen(seed_);
  std::vector<Scenario> scenarios = gen.Scenarios();
  std::int64_t recipients = 0, sent = 0, skipped = 0, probes = 0;
  std::map<std::string, std::int64_t> by_code;
  std::set<std::pair<Time, int>> sides;  // (boundary, side) pairs actually exercised
  for (Scenario& s : scenarios) {
    // The clock only moves forward: the sandbox's rate limits count on it.
    clock_.Set(std::max(s.at, clock_.Now() + 1s));
    gen.Populate(s, clock_.Now());
    const std::string where =
        "seed " + std::to_string(seed_) + ", scenario " + std::to_string(s.index) + " (kind " +
        std::to_string(static_cast<int>(s.kind)) + ") at " + FormatRfc3339(clock_.Now());
    SCOPED_TRACE(where);
    for (const Time b : Boundaries()) {
      if (std::chrono::abs(clock_.Now() - b) < 4 * 24h)
        sides.insert({b, clock_.Now() < b ? -1 : 1});
    }
    ASSERT_NO_FATAL_FAILURE(RegisterPeople(sandbox_, s.kind, s.people));
    const std::string tag = "s" + std::to_string(s.index);
    ASSERT_NO_FATAL_FAILURE(Import(s, tag));
    const ChannelAccount& account = accounts_.at(PlatformOf(s.kind));
    auto broadcast = store_->CreateBroadcast(BroadcastOf(s.kind, account.id, tag), clock_.Now());
    ASSERT_TRUE(broadcast.ok()) << broadcast.error().ToString();
    ASSERT_EQ(sandbox_.Handle(ControlRequest("DELETE", "/__sandbox/messages", nullptr)).status,
              200);

    const Id run_id = Run(broadcast->id);
    ASSERT_NE(run_id, 0);

    // 1. The sandbox refused nothing, and took each copy by the route crier named.
    const json::object stats = SandboxGet(sandbox_, "/__sandbox/stats");
    EXPECT_EQ(stats.at("refused").as_int64(), 0) << json::serialize(stats);
    const auto accepted = Accepted();
    std::map<std::string, const Person*> people;
    for (const Person& p : s.people) people[p.user_id] = &p;
    for (const DeliveryRecord& d : Deliveries(run_id)) {
      ++recipients;
      const Person& p = *people.at(d.platform_user_id);
      if (d.state == DeliveryState::kSent) {
        ++sent;
        ++by_code[d.route];
        const auto it = accepted.find(d.platform_user_id);
        ASSERT_NE(it, accepted.end()) << d.platform_user_id << " sent but not recorded";
        EXPECT_EQ(it->second.first, d.route) << d.platform_user_id;
        EXPECT_TRUE(it->second.second) << d.platform_user_id << " was not delivered";
        continue;
      }
      ASSERT_EQ(d.state, DeliveryState::kSkipped)
          << d.platform_user_id << " by " << d.route << ": " << d.error_class << " " << d.error_code
          << " " << d.error_message;
      ++skipped;
      ++by_code[d.skip_reason];
      EXPECT_TRUE(IsPlatformReason(d.skip_reason)) << d.platform_user_id << ": " << d.skip_reason;
      // 2. A skipped copy would have been refused by every route the broadcast could use.
      const Time decided_at = d.updated_at.value_or(d.created_at);
      ++probes;
      const std::string allowed = WouldBeAllowed(s, p, *broadcast, decided_at);
      EXPECT_EQ(allowed, "") << d.platform_user_id << " skipped as " << d.skip_reason << " at "
                             << FormatRfc3339(decided_at);
    }
    if (HasFailure()) break;
  }
  EXPECT_GE(recipients, 10000);
  // Both sides of every dated change were exercised.
  EXPECT_EQ(sides.size(), 2 * Boundaries().size());
  std::string summary;
  for (const auto& [code, n] : by_code) summary += code + "=" + std::to_string(n) + " ";
  std::printf("property: seed %llu, %lld recipients, %lld sent, %lld skipped (%lld probed): %s\n",
              static_cast<unsigned long long>(seed_), static_cast<long long>(recipients),
              static_cast<long long>(sent), static_cast<long long>(skipped),
              static_cast<long long>(probes), summary.c_str());
}

}  // namespace
}  // namespace crier
