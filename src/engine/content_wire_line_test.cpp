// Every message kind and card layout LINE takes (channels/composition.h), sent by the
// dispatcher to the sandbox in-process: one broadcast of each, stored and read back through
// the SQLite store, checked by the sandbox's LINE request checks, and asserted on what the
// sandbox received for each recipient — the kind, the actions with their URLs and payloads,
// and a card text personalised per person.
#include <gtest/gtest.h>

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
constexpr std::string_view kChannel = "1650000000";
constexpr std::string_view kLineToken = "line-token";
const std::string kAlice = "U" + std::string(32, 'a');
const std::string kBob = "U" + std::string(32, 'b');
// A name that would end the JSON string and add a member if it were not escaped.
constexpr std::string_view kBobName = R"(Bob"},"x":{"y":"\)";

using crier::testing::At;

Button Link(std::string title, std::string url) {
  return {ButtonAction::kUrl, std::move(title), std::move(url), ""};
}
Button Postback(std::string title, std::string payload) {
  return {ButtonAction::kPostback, std::move(title), "", std::move(payload)};
}
Button Of(ButtonAction action, std::string title) { return {action, std::move(title), "", ""}; }

Message MediaOf(MessageKind kind, std::string url, std::string preview = "",
                std::int64_t duration_ms = 0) {
  Message m;
  m.kind = kind;
  m.media.url = std::move(url);
  m.media.preview_url = std::move(preview);
  m.media.duration_ms = duration_ms;
  return m;
}

Message CardOf(Card card) {
  Message m;
  m.kind = MessageKind::kCard;
  m.card = std::move(card);
  return m;
}

// The actions of a LINE template or quick reply as "type label target" lines, target being
// the uri or the postback data.
std::vector<std::string> Actions(const json::array& actions) {
  std::vector<std::string> out;
  for (const auto& v : actions) {
    const json::object& a = v.as_object();
    const std::string type(a.at("type").as_string());
    out.push_back(type + " " + std::string(a.at("label").as_string()) + " " +
                  std::string(a.at(type == "uri" ? "uri" : "data").as_string()));
  }
  return out;
}

class LineContentWireTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto opened = OpenSqliteStore({dir_.File("crier.sqlite")});
    ASSERT_TRUE(opened.ok()) << opened.error().ToString();
    store_ = std::move(*opened);
    options_.policy.safety_margin = 0s;

    sandbox_.Control("POST", "/__sandbox/line/channels",
                     {{"channel_id", kChannel}, {"access_token", kLineToken}, {"quota", 1000}});
    sandbox_.Control("POST", "/__sandbox/line/followers",
                     {{"channel_id", kChannel},
                      {"followers", json::array{json::object{{"user_id", kAlice}},
                                                json::object{{"user_id", kBob}}}}});
    NewChannelAccount a;
    a.platform = Platform::kLine;
    a.name = std::string(kChannel);
    a.external_id = std::string(kChannel);
    a.access_token = std::string(kLineToken);
    a.api_base_url = std::string(kBase);
    a.pacing = {1000, 16};
    auto created = store_->CreateChannelAccount(a, clock_.Now());
    ASSERT_TRUE(created.ok()) << created.error().ToString();
    account_ = created->id;
    AddContact(kAlice, "Alice");
    AddContact(kBob, std::string(kBobName));
  }

  void AddContact(const std::string& user, std::string first_name) {
    ContactInput in;
    in.channel_account_id = account_;
    in.platform_user_id = user;
    in.name = first_name;
    in.first_name = std::move(first_name);
    ASSERT_TRUE(store_->UpsertContacts(std::span(&in, 1), clock_.Now()).ok());
  }

  // Sends a broadcast of `message` to both followers and returns what the sandbox recorded,
  // by recipient; the record is cleared first.
  std::map<std::string, json::object> SendOne(const Message& message) {
    sandbox_.ClearRecord();

    const auto sent = crier::testing::SendMessageNow(*store_, clock_, transport_, metrics_,
                                                     options_, account_, message);
    if (!sent) return {};
    EXPECT_EQ(sent->planned, 2);

    std::map<std::string, json::object> out;
    for (const auto& item : sandbox_.Recorded("?platform=line")) {
      const json::object& o = item.as_object();
      // A push or, once recipients are batched, a multicast: the content is the same.
      const std::string route(o.at("route").as_string());
      EXPECT_TRUE(route == "line_push" || route == "line_multicast") << route;
      out[std::string(o.at("recipient").as_string())] = o;
    }
    EXPECT_EQ(out.size(), 2u);
    return out;
  }

  // The one message object the sandbox received for `user`, after checking its kind.
  static json::object Received(const std::map<std::string, json::object>& records,
                               const std::string& user, std::string_view kind) {
    const auto it = records.find(user);
    if (it == records.end()) {
      ADD_FAILURE() << "nothing received for " << user;
      return {};
    }
    EXPECT_EQ(it->second.at("kinds").as_array(), json::array{json::string(kind)}) << user;
    const json::array& messages = it->second.at("body").at("messages").as_array();
    EXPECT_EQ(messages.size(), 1u);
    return messages.at(0).as_object();
  }

  crier::testing::TempDir dir_;
  FakeClock clock_{At("2026-06-01T12:00:00Z")};
  crier::testing::InProcessSandbox sandbox_{clock_, std::string(kBase)};
  FakeTransport transport_{
      [this](const channels::OutboundRequest& r) { return sandbox_.Answer(r); }};
  std::unique_ptr<Store> store_;
  Id account_ = 0;
  EngineOptions options_;
  Metrics metrics_;
};

TEST_F(LineContentWireTest, MediaArriveAsLineMediaObjects) {
  auto got = SendOne(MediaOf(MessageKind::kImage, "https://cdn.example/a.jpg"));
  for (const auto& user : {kAlice, kBob}) {
    const json::object m = Received(got, user, "image");
    EXPECT_EQ(m.at("originalContentUrl").as_string(), "https://cdn.example/a.jpg");
    EXPECT_EQ(m.at("previewImageUrl").as_string(), "https://cdn.example/a.jpg");
  }
  got = SendOne(
      MediaOf(MessageKind::kVideo, "https://cdn.example/v.mp4", "https://cdn.example/v.jpg"));
  for (const auto& user : {kAlice, kBob}) {
    const json::object m = Received(got, user, "video");
    EXPECT_EQ(m.at("originalContentUrl").as_string(), "https://cdn.example/v.mp4");
    EXPECT_EQ(m.at("previewImageUrl").as_string(), "https://cdn.example/v.jpg");
  }
  got = SendOne(MediaOf(MessageKind::kAudio, "https://cdn.example/a.m4a", "", 61000));
  for (const auto& user : {kAlice, kBob}) {
    const json::object m = Received(got, user, "audio");
    EXPECT_EQ(m.at("originalContentUrl").as_string(), "https://cdn.example/a.m4a");
    EXPECT_EQ(m.at("duration").as_int64(), 61000);
  }
  EXPECT_EQ(sandbox_.Refused(), 0);
}

TEST_F(LineContentWireTest, AButtonsCardIsPersonalisedPerRecipient) {
  Card card;
  card.layout = CardLayout::kButtons;
  card.title = "Menu";
  card.text = R"(Hi {{contact.first_name | "there"}}, pick one)";
  card.image_url = "https://cdn.example/t.jpg";
  card.alt_text = "A menu for {{contact.first_name}}";
  card.buttons = {Link("Shop", "https://shop.example/x?a=1&b=2"), Postback("Track", "TRACK_1"),
                  Of(ButtonAction::kSubscribe, "Yes"), Of(ButtonAction::kUnsubscribe, "Stop")};
  const auto got = SendOne(CardOf(card));
  for (const auto& [user, name] :
       {std::pair{kAlice, std::string("Alice")}, std::pair{kBob, std::string(kBobName)}}) {
    const json::object m = Received(got, user, "template:buttons");
    EXPECT_EQ(m.at("altText").as_string(), "A menu for " + name);
    const json::object& t = m.at("template").as_object();
    EXPECT_EQ(t.size(), 5u) << "type, thumbnail, title, text, actions and nothing else";
    EXPECT_EQ(t.at("text").as_string(), "Hi " + name + ", pick one");
    EXPECT_EQ(t.at("title").as_string(), "Menu");
    EXPECT_EQ(t.at("thumbnailImageUrl").as_string(), "https://cdn.example/t.jpg");
    EXPECT_EQ(Actions(t.at("actions").as_array()),
              (std::vector<std::string>{"uri Shop https://shop.example/x?a=1&b=2",
                                        "postback Track TRACK_1", "postback Yes crier:subscribe",
                                        "postback Stop crier:unsubscribe"}));
  }
  EXPECT_EQ(sandbox_.Refused(), 0);
}

TEST_F(LineContentWireTest, ACarouselArrivesColumnByColumn) {
  Card card;
  card.layout = CardLayout::kCarousel;
  card.elements = {
      {"Red",
       "A red one",
       "https://cdn.example/r.jpg",
       {Postback("Buy", "BUY_R"), Link("See", "https://shop.example/r")}},
      {"Blue",
       "A blue one",
       "https://cdn.example/b.jpg",
       {Of(ButtonAction::kSubscribe, "Follow"), Link("See", "https://shop.example/b")}}};
  const auto got = SendOne(CardOf(card));
  for (const auto& user : {kAlice, kBob}) {
    const json::object m = Received(got, user, "template:carousel");
    EXPECT_EQ(m.at("altText").as_string(), "Red");
    const json::array& columns = m.at("template").at("columns").as_array();
    ASSERT_EQ(columns.size(), 2u);
    EXPECT_EQ(columns[0].at("title").as_string(), "Red");
    EXPECT_EQ(columns[0].at("text").as_string(), "A red one");
    EXPECT_EQ(columns[0].at("thumbnailImageUrl").as_string(), "https://cdn.example/r.jpg");
    EXPECT_EQ(Actions(columns[0].at("actions").as_array()),
              (std::vector<std::string>{"postback Buy BUY_R", "uri See https://shop.example/r"}));
    EXPECT_EQ(columns[1].at("text").as_string(), "A blue one");
    EXPECT_EQ(Actions(columns[1].at("actions").as_array()),
              (std::vector<std::string>{"postback Follow crier:subscribe",
                                        "uri See https://shop.example/b"}));
  }
  EXPECT_EQ(sandbox_.Refused(), 0);
}

TEST_F(LineContentWireTest, QuickRepliesArriveOnAText) {
  Card card;
  card.layout = CardLayout::kQuickReplies;
  card.text = "Still interested?";
  card.buttons = {Of(ButtonAction::kSubscribe, "Yes"), Of(ButtonAction::kUnsubscribe, "No"),
                  Postback("Later", "LATER"), Link("Site", "https://shop.example")};
  const auto got = SendOne(CardOf(card));
  for (const auto& user : {kAlice, kBob}) {
    const json::object m = Received(got, user, "text+quick_reply");
    EXPECT_EQ(m.at("text").as_string(), "Still interested?");
    json::array actions;
    for (const auto& item : m.at("quickReply").at("items").as_array()) {
      EXPECT_EQ(item.at("type").as_string(), "action");
      actions.push_back(item.at("action"));
    }
    EXPECT_EQ(Actions(actions), (std::vector<std::string>{
                                    "postback Yes crier:subscribe", "postback No crier:unsubscribe",
                                    "postback Later LATER", "uri Site https://shop.example"}));
  }
  EXPECT_EQ(sandbox_.Refused(), 0);
}

TEST_F(LineContentWireTest, AFlexContainerArrivesAsWritten) {
  const json::value container = json::parse(
      R"({"type":"carousel","contents":[{"type":"bubble","body":{"type":"box",)"
      R"("layout":"vertical","contents":[{"type":"text","text":"One"}]}},{"type":"bubble",)"
      R"("body":{"type":"box","layout":"vertical","contents":[{"type":"text","text":"Two"}]}}]})");
  Card card;
  card.layout = CardLayout::kFlex;
  card.alt_text = "Two offers";
  card.flex = json::serialize(container);
  const auto got = SendOne(CardOf(card));
  for (const auto& user : {kAlice, kBob}) {
    const json::object m = Received(got, user, "flex");
    EXPECT_EQ(m.at("altText").as_string(), "Two offers");
    EXPECT_EQ(m.at("contents"), container);
  }
  EXPECT_EQ(sandbox_.Refused(), 0);
}

}  // namespace
}  // namespace crier::engine
