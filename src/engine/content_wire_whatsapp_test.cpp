// Every message kind and card layout WhatsApp takes (channels/composition.h), sent by the
// dispatcher to the sandbox in-process on the engine's fake clock: the sandbox checks each
// request as the Cloud API would, and the test reads back what it received for each
// recipient (kind, interactive type, buttons, links), with one card text personalised.
#include <gtest/gtest.h>

#include <algorithm>
#include <boost/json.hpp>
#include <map>
#include <string>
#include <vector>

#include "engine/dispatcher.h"
#include "engine/engine.h"
#include "sandbox/sandbox.h"
#include "store/sqlite/sqlite_store.h"
#include "support/fake_transport.h"
#include "support/in_process_sandbox.h"
#include "support/send_now.h"
#include "support/temp_dir.h"
#include "support/time_at.h"

namespace crier::engine {
namespace {

using namespace std::chrono_literals;
using crier::testing::FakeTransport;
namespace json = boost::json;

// The account URL names a closed loopback port; requests never leave the process.
constexpr std::string_view kBase = "http://127.0.0.1:9";
constexpr std::string_view kNumber = "1100";
constexpr std::string_view kWaba = "2200";
constexpr std::string_view kToken = "wa-token";
constexpr std::string_view kAnn = "886912345678";
constexpr std::string_view kBob = "886912345679";
// A name that would end its JSON string and add a key if it were not escaped.
constexpr std::string_view kHostileName = R"(Bob"},"x":{"y":"\)";

using crier::testing::At;

class WhatsAppContentWireTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto opened = OpenSqliteStore({dir_.File("crier.sqlite")});
    ASSERT_TRUE(opened.ok()) << opened.error().ToString();
    store_ = std::move(*opened);
    options_.policy.safety_margin = 0s;

    sandbox_.Control("POST", "/__sandbox/whatsapp/phone_numbers",
                     {{"phone_number_id", kNumber}, {"waba_id", kWaba}, {"access_token", kToken}});
    NewChannelAccount a;
    a.platform = Platform::kWhatsApp;
    a.name = "shop";
    a.external_id = std::string(kNumber);
    a.access_token = std::string(kToken);
    a.api_base_url = std::string(kBase);
    a.pacing = {1000, 16};
    auto created = store_->CreateChannelAccount(a, clock_.Now());
    ASSERT_TRUE(created.ok()) << created.error().ToString();
    account_ = created->id;
    // Both wrote an hour ago: free-form messages reach them inside the service window.
    AddPerson(std::string(kAnn), "Ann");
    AddPerson(std::string(kBob), std::string(kHostileName));
  }

  void AddPerson(const std::string& wa_id, const std::string& name) {
    const Time wrote = clock_.Now() - 1h;
    sandbox_.Control(
        "POST", "/__sandbox/whatsapp/contacts",
        {{"phone_number_id", kNumber},
         {"contacts",
          json::array{json::object{
              {"wa_id", wa_id}, {"opted_in", true}, {"last_inbound_at", FormatRfc3339(wrote)}}}}});
    ContactInput in;
    in.channel_account_id = account_;
    in.platform_user_id = wa_id;
    in.name = name;
    in.last_inbound_at = wrote;
    in.opted_in = true;
    ASSERT_TRUE(store_->UpsertContacts(std::span(&in, 1), clock_.Now()).ok());
  }

  // Sends `message` as a broadcast of its own to both people and returns what the sandbox
  // received for it, by recipient; every delivery must have been sent.
  std::map<std::string, json::object> SendOne(const Message& message) {
    const auto sent = crier::testing::SendMessageNow(*store_, clock_, transport_, metrics_,
                                                     options_, account_, message);
    if (!sent) return {};
    EXPECT_EQ(sent->planned, 2);
    EXPECT_EQ(sandbox_.Refused(), 0);
    std::map<std::string, json::object> by_recipient;
    for (const auto& item : sandbox_.Recorded("?platform=whatsapp")) {
      const json::object& r = item.as_object();
      if (r.at("seq").to_number<std::int64_t>() <= last_seq_) continue;
      by_recipient[std::string(r.at("recipient").as_string())] = r;
    }
    for (const auto& [recipient, r] : by_recipient) {
      last_seq_ = std::max(last_seq_, r.at("seq").to_number<std::int64_t>());
    }
    EXPECT_EQ(by_recipient.size(), 2u);
    return by_recipient;
  }

  static Message MediaOf(MessageKind kind, std::string url) {
    Message m;
    m.kind = kind;
    m.media.url = std::move(url);
    return m;
  }
  static Message CardOf(CardLayout layout, std::string text) {
    Message m;
    m.kind = MessageKind::kCard;
    m.card.layout = layout;
    m.card.text = std::move(text);
    return m;
  }

  crier::testing::TempDir dir_;
  FakeClock clock_{At("2026-06-01T12:00:00Z")};
  crier::testing::InProcessSandbox sandbox_{clock_, std::string(kBase)};
  FakeTransport transport_{
      [this](const channels::OutboundRequest& r) { return sandbox_.Answer(r); }};
  std::unique_ptr<Store> store_;
  EngineOptions options_;
  Metrics metrics_;
  Id account_ = 0;
  std::int64_t last_seq_ = 0;
};

TEST_F(WhatsAppContentWireTest, EveryMediaKindArrivesWithItsLinkCaptionAndFileName) {
  Message image = MediaOf(MessageKind::kImage, "https://cdn.example/a.jpg");
  image.media.caption = "New in";
  for (const auto& [user, r] : SendOne(image)) {
    EXPECT_EQ(r.at("kind").as_string(), "image") << user;
    EXPECT_EQ(r.at("route").as_string(), "standard_window");
    EXPECT_EQ(r.at("body").at("image"),
              json::parse(R"({"link":"https://cdn.example/a.jpg","caption":"New in"})"));
  }
  for (const auto& [user, r] : SendOne(MediaOf(MessageKind::kVideo, "https://cdn.example/v.mp4"))) {
    EXPECT_EQ(r.at("kind").as_string(), "video") << user;
    EXPECT_EQ(r.at("body").at("video"), json::parse(R"({"link":"https://cdn.example/v.mp4"})"));
  }
  for (const auto& [user, r] : SendOne(MediaOf(MessageKind::kAudio, "https://cdn.example/a.ogg"))) {
    EXPECT_EQ(r.at("kind").as_string(), "audio") << user;
    EXPECT_EQ(r.at("body").at("audio"), json::parse(R"({"link":"https://cdn.example/a.ogg"})"));
  }
  Message file = MediaOf(MessageKind::kFile, "https://cdn.example/f.pdf");
  file.media.caption = "Your invoice, {{contact.name}}";
  file.media.filename = "invoice.pdf";
  const auto files = SendOne(file);
  for (const auto& [user, r] : files) {
    EXPECT_EQ(r.at("kind").as_string(), "file") << user;
    EXPECT_EQ(r.at("type").as_string(), "document");
    EXPECT_EQ(r.at("body").at("document").at("link").as_string(), "https://cdn.example/f.pdf");
    EXPECT_EQ(r.at("body").at("document").at("filename").as_string(), "invoice.pdf");
  }
  ASSERT_EQ(files.size(), 2u);
  EXPECT_EQ(files.at(std::string(kAnn)).at("body").at("document").at("caption").as_string(),
            "Your invoice, Ann");
  EXPECT_EQ(files.at(std::string(kBob)).at("body").at("document").at("caption").as_string(),
            "Your invoice, " + std::string(kHostileName));
}

TEST_F(WhatsAppContentWireTest, AButtonsCardArrivesAsReplyButtonsPersonalisedPerRecipient) {
  Message card = CardOf(CardLayout::kButtons, "Hi {{contact.name}}, what next?");
  card.card.title = "Spring sale";
  card.card.footer = "Reply any time";
  card.card.buttons = {{ButtonAction::kPostback, "Menu", "", "MENU"},
                       {ButtonAction::kSubscribe, "Join", "", ""},
                       {ButtonAction::kUnsubscribe, "Stop", "", ""}};
  const auto received = SendOne(card);
  ASSERT_EQ(received.size(), 2u);
  for (const auto& [user, r] : received) {
    EXPECT_EQ(r.at("kind").as_string(), "card") << user;
    EXPECT_EQ(r.at("interactive").as_string(), "button");
    const json::value& in = r.at("body").at("interactive");
    EXPECT_EQ(in.at("header"), json::parse(R"({"type":"text","text":"Spring sale"})"));
    EXPECT_EQ(in.at("footer").at("text").as_string(), "Reply any time");
    EXPECT_EQ(in.at("action"),
              json::parse(R"({"buttons":[)"
                          R"({"type":"reply","reply":{"id":"MENU","title":"Menu"}},)"
                          R"({"type":"reply","reply":{"id":"crier:subscribe",)"
                          R"("title":"Join"}},{"type":"reply","reply":)"
                          R"({"id":"crier:unsubscribe","title":"Stop"}}]})"));
  }
  EXPECT_EQ(
      received.at(std::string(kAnn)).at("body").at("interactive").at("body").at("text").as_string(),
      "Hi Ann, what next?");
  EXPECT_EQ(
      received.at(std::string(kBob)).at("body").at("interactive").at("body").at("text").as_string(),
      "Hi " + std::string(kHostileName) + ", what next?");

  // An image header instead of a text one.
  card.card.title.clear();
  card.card.image_url = "https://cdn.example/h.jpg";
  card.card.buttons.resize(1);
  for (const auto& [user, r] : SendOne(card)) {
    EXPECT_EQ(r.at("body").at("interactive").at("header"),
              json::parse(R"({"type":"image","image":{"link":"https://cdn.example/h.jpg"}})"))
        << user;
  }
}

TEST_F(WhatsAppContentWireTest, OneLinkButtonArrivesAsACallToActionUrl) {
  Message card = CardOf(CardLayout::kButtons, "Our spring range is in");
  card.card.buttons = {{ButtonAction::kUrl, "Shop now", "https://shop.example/spring?a=1", ""}};
  for (const auto& [user, r] : SendOne(card)) {
    EXPECT_EQ(r.at("kind").as_string(), "card") << user;
    EXPECT_EQ(r.at("interactive").as_string(), "cta_url");
    EXPECT_EQ(r.at("body").at("interactive").at("action"),
              json::parse(R"({"name":"cta_url","parameters":{"display_text":"Shop now",)"
                          R"("url":"https://shop.example/spring?a=1"}})"));
  }
}

TEST_F(WhatsAppContentWireTest, AListCardArrivesWithItsSectionsAndRows) {
  Message card = CardOf(CardLayout::kList, "Today's menu");
  card.card.title = "Lunch";
  card.card.list_button = "See dishes";
  card.card.sections = {{"Mains", {{"m1", "Noodles", "With egg"}, {"m2", "Rice", ""}}},
                        {"Drinks", {{"d1", "Tea", ""}}}};
  for (const auto& [user, r] : SendOne(card)) {
    EXPECT_EQ(r.at("kind").as_string(), "card") << user;
    EXPECT_EQ(r.at("interactive").as_string(), "list");
    const json::value& in = r.at("body").at("interactive");
    EXPECT_EQ(in.at("body").at("text").as_string(), "Today's menu");
    EXPECT_EQ(in.at("action"),
              json::parse(R"({"button":"See dishes","sections":[{"title":"Mains","rows":[)"
                          R"({"id":"m1","title":"Noodles","description":"With egg"},)"
                          R"({"id":"m2","title":"Rice"}]},{"title":"Drinks","rows":[)"
                          R"({"id":"d1","title":"Tea"}]}]})"));
  }
}

}  // namespace
}  // namespace crier::engine
