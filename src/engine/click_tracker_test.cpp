#include "engine/click_tracker.h"

#include <gtest/gtest.h>

#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <boost/json.hpp>

#include <cctype>
#include <map>

#include "engine/dispatcher.h"
#include "engine/engine.h"
#include "engine/engine_test_fixture.h"
#include "store/sqlite/sqlite_store.h"
#include "support/fake_transport.h"
#include "support/temp_dir.h"

namespace crier::engine {
namespace {

using namespace std::chrono_literals;
using crier::testing::FakeTransport;

constexpr std::string_view kPublic = "https://go.shop.example";

TEST(PublicUrl, IsAnHttpBaseWithoutQueryOrBraces) {
  EXPECT_EQ(*NormalisePublicUrl("https://go.shop.example/", "--public-url"),
            "https://go.shop.example");
  EXPECT_EQ(*NormalisePublicUrl("http://127.0.0.1:8800/links//", "--public-url"),
            "http://127.0.0.1:8800/links");
  for (std::string_view bad :
       {"", "go.shop.example", "ftp://go.shop.example", "https://go.shop.example/?a=1",
        "https://go.shop.example/#x", "https://go.shop.example/{x}", "https://a b.example",
        "https://user@go.shop.example"}) {
    auto normalised = NormalisePublicUrl(bad, "--public-url");
    ASSERT_FALSE(normalised.ok()) << bad;
    EXPECT_EQ(normalised.error().field, "--public-url");
  }
}

TEST(PublicUrl, LinkPreviewFetchersAreNotPeople) {
  EXPECT_TRUE(
      IsLinkPreviewFetcher("facebookexternalhit/1.1 (+http://www.facebook.com/"
                           "externalhit_uatext.php)"));
  EXPECT_TRUE(IsLinkPreviewFetcher("WhatsApp/2.23.20.0 A"));
  EXPECT_FALSE(IsLinkPreviewFetcher(
      "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 "
      "(KHTML, like Gecko) Mobile/15E148 Line/13.16.0"));
  EXPECT_FALSE(IsLinkPreviewFetcher(""));
}

class ClickTrackingTest : public EngineTest {
 protected:
  void SetUp() override {
    EngineTest::SetUp();
    options_.public_url = std::string(kPublic);
    auto tracker = ClickTracker::Create(*store_, clock_, std::string(kPublic));
    ASSERT_TRUE(tracker.ok()) << tracker.error().ToString();
    tracker_ = std::move(*tracker);
  }

  // A person with a first name and a `code` attribute, who wrote an hour ago; their id.
  Id AddPerson(const std::string& psid, const std::string& first_name, std::string code) {
    ContactInput in;
    in.channel_account_id = account_id_;
    in.platform_user_id = psid;
    in.first_name = first_name;
    in.attributes = {{"code", std::move(code)}};
    in.last_inbound_at = clock_.Now() - 1h;
    EXPECT_TRUE(store_->UpsertContacts(std::span(&in, 1), clock_.Now()).ok());
    ContactQuery query;
    query.page.limit = 1000;
    auto all = store_->ListContacts(query);
    return all->items.back().id;
  }

  Id AddTrackedBroadcast(bool track) {
    NewBroadcast b;
    b.name = "Sale";
    b.channel_account_id = account_id_;
    b.track_clicks = track;
    Message text{MessageKind::kText,
                 "Hi {{contact.first_name}}, new in: https://shop.example/new and "
                 "https://shop.example/?c={{contact.attr.code}}"};
    Message card;
    card.kind = MessageKind::kCard;
    card.card.layout = CardLayout::kButtons;
    card.card.text = "Ready?";
    card.card.buttons = {{ButtonAction::kUrl, "Shop", "https://shop.example/cart", ""}};
    b.messages = {text, card};
    auto created = store_->CreateBroadcast(b, clock_.Now());
    EXPECT_TRUE(created.ok()) << created.error().ToString();
    return created->id;
  }

  // Sends the broadcast; the bodies by recipient.
  std::map<std::string, std::vector<std::string>> Send(Id broadcast, const ClickTracker* clicks,
                                                       Id* run_id) {
    auto engine = Engine::Create(
        *store_, clock_, std::make_unique<FakeTransport>([](auto&) { return testing::Ok("{}"); }),
        options_);
    EXPECT_TRUE(engine.ok());
    auto sent = (*engine)->SendNow(broadcast);
    EXPECT_TRUE(sent.ok()) << sent.error().ToString();
    *run_id = sent->run.id;
    int n = 0;
    FakeTransport transport([&](auto&) {
      return testing::Ok(R"({"recipient_id":"x","message_id":"m_)" + std::to_string(++n) + "\"}");
    });
    Dispatcher d(*store_, clock_, transport, metrics_, options_, clicks);
    for (int i = 0; i < 1000 && d.RunOnce(0ms); ++i) {
    }
    std::map<std::string, std::vector<std::string>> out;
    for (const auto& r : transport.requests) {
      const auto body = boost::json::parse(r.body);
      out[std::string(body.at("recipient").at("id").as_string())].push_back(r.body);
    }
    return out;
  }

  // The tracked links in `body`: (token, link number).
  static std::vector<std::pair<std::string, std::string>> TrackedLinks(const std::string& body) {
    const std::string prefix = std::string(kPublic) + "/r/";
    std::vector<std::pair<std::string, std::string>> out;
    for (std::size_t at = body.find(prefix); at != std::string::npos;
         at = body.find(prefix, at + 1)) {
      const std::size_t token = at + prefix.size();
      const std::size_t slash = body.find('/', token);
      std::size_t end = slash + 1;
      while (end < body.size() && std::isdigit(static_cast<unsigned char>(body[end]))) ++end;
      out.emplace_back(body.substr(token, slash - token), body.substr(slash + 1, end - slash - 1));
    }
    return out;
  }

  std::unique_ptr<ClickTracker> tracker_;
};

TEST_F(ClickTrackingTest, TokensAreSignedWithTheDatabasesKey) {
  const std::string token = tracker_->Token(42, 1'000'000);
  EXPECT_EQ(tracker_->Verify(token), (ClickRef{42, 1'000'000}));
  // Another tracker on the same database signs alike: the key is the database's.
  auto again = ClickTracker::Create(*store_, clock_, std::string(kPublic));
  ASSERT_TRUE(again.ok());
  EXPECT_EQ((*again)->Token(42, 1'000'000), token);
  // One character changed anywhere, and it is not crier's.
  for (std::size_t i = 0; i < token.size(); ++i) {
    std::string forged = token;
    forged[i] = forged[i] == 'A' ? 'B' : 'A';
    EXPECT_FALSE(tracker_->Verify(forged)) << forged;
  }
  EXPECT_FALSE(tracker_->Verify(""));
  EXPECT_FALSE(tracker_->Verify("16.lfls"));
  EXPECT_FALSE(tracker_->Verify(token + "x"));
  // Another database's key makes other tokens.
  crier::testing::TempDir other_dir;
  auto other = OpenSqliteStore({other_dir.File("other.sqlite")});
  ASSERT_TRUE(other.ok());
  auto stranger = ClickTracker::Create(**other, clock_, std::string(kPublic));
  ASSERT_TRUE(stranger.ok());
  EXPECT_FALSE((*stranger)->Verify(token));
}

TEST_F(ClickTrackingTest, TheTokensMacIsHmacSha256OfTheIds) {
  // The key as the database holds it (EnsureSecret hands back the stored one).
  auto key = store_->EnsureSecret("click_tracking_key", "unused", clock_.Now());
  ASSERT_TRUE(key.ok());
  const std::string ids = "16.lfls";  // run 42, contact 1,000,000 in base 36
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  HMAC(EVP_sha256(), key->data(), static_cast<int>(key->size()),
       reinterpret_cast<const unsigned char*>(ids.data()), ids.size(), digest, &length);
  std::string base64url;
  static constexpr char kAlphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  for (int i = 0; i < 9; i += 3) {
    const unsigned v = (digest[i] << 16) | (digest[i + 1] << 8) | digest[i + 2];
    for (int shift = 18; shift >= 0; shift -= 6) base64url.push_back(kAlphabet[(v >> shift) & 63]);
  }
  EXPECT_EQ(tracker_->Token(42, 1'000'000), ids + "." + base64url);
}

TEST_F(ClickTrackingTest, EveryLinkOfEveryCopyGoesThroughTheRedirectWithItsOwnToken) {
  const Id ann = AddPerson("PSID-ANN", "Ann", "A1");
  const Id bob = AddPerson("PSID-BOB", "Bob", "B 2");
  Id run = 0;
  const auto bodies = Send(AddTrackedBroadcast(true), tracker_.get(), &run);
  ASSERT_EQ(bodies.size(), 2u);
  std::map<std::string, Id> contact_of = {{"PSID-ANN", ann}, {"PSID-BOB", bob}};
  for (const auto& [psid, messages] : bodies) {
    ASSERT_EQ(messages.size(), 2u);
    const auto text_links = TrackedLinks(messages[0]);
    ASSERT_EQ(text_links.size(), 2u) << messages[0];
    EXPECT_EQ(text_links[0].second, "0");
    EXPECT_EQ(text_links[1].second, "1");
    EXPECT_EQ(messages[0].find("shop.example/new"), std::string::npos) << "not rewritten";
    const auto card_links = TrackedLinks(messages[1]);
    ASSERT_EQ(card_links.size(), 1u) << messages[1];
    EXPECT_EQ(card_links[0].second, "2");
    for (const auto& link : {text_links[0], text_links[1], card_links[0]}) {
      EXPECT_EQ(tracker_->Verify(link.first), (ClickRef{run, contact_of[psid]})) << link.first;
    }
  }
  EXPECT_NE(TrackedLinks(bodies.at("PSID-ANN")[0])[0].first,
            TrackedLinks(bodies.at("PSID-BOB")[0])[0].first);

  // Presses: Ann presses her coupon link twice and the cart once; Bob his coupon link; Meta's
  // crawler fetches Bob's first link for a preview.
  const std::string ann_token = TrackedLinks(bodies.at("PSID-ANN")[0])[0].first;
  const std::string bob_token = TrackedLinks(bodies.at("PSID-BOB")[0])[0].first;
  auto coupon = tracker_->Follow(ann_token, "1", "Mozilla/5.0");
  ASSERT_TRUE(coupon.ok()) << coupon.error().ToString();
  EXPECT_EQ(coupon->location, "https://shop.example/?c=A1");  // filled in for Ann
  EXPECT_TRUE(coupon->recorded);
  ASSERT_TRUE(tracker_->Follow(ann_token, "1", "Mozilla/5.0").ok());
  auto cart = tracker_->Follow(ann_token, "2", "Mozilla/5.0");
  ASSERT_TRUE(cart.ok());
  EXPECT_EQ(cart->location, "https://shop.example/cart");
  auto bobs = tracker_->Follow(bob_token, "1", "Mozilla/5.0");
  ASSERT_TRUE(bobs.ok());
  EXPECT_EQ(bobs->location, "https://shop.example/?c=B%202");  // a Location has no spaces
  auto preview = tracker_->Follow(bob_token, "0", "facebookexternalhit/1.1");
  ASSERT_TRUE(preview.ok());
  EXPECT_EQ(preview->location, "https://shop.example/new");
  EXPECT_FALSE(preview->recorded);

  auto report = store_->GetRunReport(run);
  ASSERT_TRUE(report.ok());
  EXPECT_EQ(report->clicks, (std::vector<LinkClicks>{{1, 3, 2}, {2, 1, 1}}));
  EXPECT_EQ(report->clicked_contacts, 2);
}

TEST_F(ClickTrackingTest, AnAddressCrierDidNotMakeGoesNowhereAndCountsNothing) {
  const Id ann = AddPerson("PSID-ANN", "Ann", "A1");
  Id run = 0;
  Send(AddTrackedBroadcast(true), tracker_.get(), &run);
  const std::string token = tracker_->Token(run, ann);
  ASSERT_TRUE(tracker_->Follow(token, "2", "").ok());  // the last link
  for (std::string_view link : {"3", "-1", "", "01x", "99999999"}) {
    auto followed = tracker_->Follow(token, link, "");
    ASSERT_FALSE(followed.ok()) << link;
    EXPECT_EQ(followed.error().code, ErrorCode::kNotFound);
  }
  EXPECT_FALSE(tracker_->Follow(tracker_->Token(run + 1, ann), "0", "").ok()) << "no such run";
  std::string forged = token;
  forged.back() = forged.back() == 'A' ? 'B' : 'A';
  EXPECT_FALSE(tracker_->Follow(forged, "0", "").ok());
  // A broadcast that does not track clicks has no tracked links, even with a good token.
  Id untracked_run = 0;
  Send(AddTrackedBroadcast(false), tracker_.get(), &untracked_run);
  EXPECT_FALSE(tracker_->Follow(tracker_->Token(untracked_run, ann), "0", "").ok());
  auto report = store_->GetRunReport(run);
  EXPECT_EQ(report->clicks, (std::vector<LinkClicks>{{2, 1, 1}}));
}

TEST_F(ClickTrackingTest, AnUntrackedBroadcastSendsItsLinksAsWritten) {
  AddPerson("PSID-ANN", "Ann", "A1");
  Id run = 0;
  const auto bodies = Send(AddTrackedBroadcast(false), tracker_.get(), &run);
  ASSERT_EQ(bodies.at("PSID-ANN").size(), 2u);
  EXPECT_TRUE(TrackedLinks(bodies.at("PSID-ANN")[0]).empty());
  EXPECT_NE(bodies.at("PSID-ANN")[0].find("https://shop.example/?c=A1"), std::string::npos);
}

TEST_F(ClickTrackingTest, ATrackedRunWithoutAPublicUrlFailsItsCopiesSayingWhy) {
  AddPerson("PSID-ANN", "Ann", "A1");
  Id run = 0;
  const auto bodies = Send(AddTrackedBroadcast(true), /*clicks=*/nullptr, &run);
  EXPECT_TRUE(bodies.empty());
  auto deliveries = store_->ListDeliveries(run, PageRequest{});
  ASSERT_TRUE(deliveries.ok());
  ASSERT_EQ(deliveries->items.size(), 1u);
  EXPECT_EQ(deliveries->items[0].state, DeliveryState::kFailed);
  EXPECT_NE(deliveries->items[0].error_message.find("--public-url"), std::string::npos)
      << deliveries->items[0].error_message;
}

}  // namespace
}  // namespace crier::engine
