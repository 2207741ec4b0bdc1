// Every message kind and card layout Messenger and Instagram take (channels/composition.h),
// sent as a broadcast by the dispatcher to the sandbox in-process: the sandbox checks each
// request as Graph would (attachments, templates, buttons, quick replies and their limits),
// and what it recorded for each recipient must be exactly the content written, a
// personalised card text filled in for that recipient.
#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <functional>
#include <map>
#include <span>
#include <string>
#include <utility>
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

// The account URLs name a closed loopback port; requests never leave the process.
constexpr std::string_view kBase = "http://127.0.0.1:9";
constexpr std::string_view kPage = "1001";
constexpr std::string_view kPageToken = "page-token-1001";
constexpr std::string_view kIgPage = "2002";
constexpr std::string_view kIgToken = "ig-token-2002";
// A name that would end the JSON string and add fields if it were not escaped.
constexpr std::string_view kHostileName = R"(Bob"},"recipient":{"id":"666"},"x":"\)";

using crier::testing::At;

Button Url(std::string title, std::string url) {
  return {ButtonAction::kUrl, std::move(title), std::move(url), {}};
}
Button Postback(std::string title, std::string payload) {
  return {ButtonAction::kPostback, std::move(title), {}, std::move(payload)};
}
Button Action(ButtonAction action, std::string title) { return {action, std::move(title), {}, {}}; }

Message Media(MessageKind kind, std::string url) {
  Message m;
  m.kind = kind;
  m.media.url = std::move(url);
  return m;
}
Message Card(CardLayout layout) {
  Message m;
  m.kind = MessageKind::kCard;
  m.card.layout = layout;
  return m;
}

// The Send API's form of a button (platforms.md 1.5).
json::object WireButton(std::string_view type, std::string_view title, std::string_view what) {
  if (type == "web_url") return {{"type", type}, {"url", what}, {"title", title}};
  return {{"type", type}, {"payload", what}, {"title", title}};
}
json::object WireMedia(std::string_view type, std::string_view url) {
  return {{"attachment", {{"type", type}, {"payload", {{"url", url}, {"is_reusable", true}}}}}};
}
json::object WireTemplate(json::object payload) {
  return {{"attachment", {{"type", "template"}, {"payload", std::move(payload)}}}};
}

// One broadcast: what is written, and what each recipient (by name) must receive.
struct Case {
  std::string label;
  Message message;
  std::string kind;
  std::string layout;  // "" for media
  std::function<json::object(std::string_view name)> expected;
};

class GraphContentWireTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto opened = OpenSqliteStore({dir_.File("crier.sqlite")});
    ASSERT_TRUE(opened.ok()) << opened.error().ToString();
    store_ = std::move(*opened);
    options_.policy.safety_margin = 0s;
  }

  // --- the sandbox

  // A Page (Messenger or Instagram) on both sides, with two people who wrote an hour ago:
  // Ann, and someone whose name tries to break out of its JSON string.
  Id AddPageWithPeople(Platform platform, std::string_view page, std::string_view token) {
    sandbox_.Control("POST", "/__sandbox/pages",
                     {{"page_id", page},
                      {"access_token", token},
                      {"platform", platform == Platform::kInstagram ? "instagram" : "messenger"}});
    NewChannelAccount a;
    a.platform = platform;
    a.name = std::string(page);
    a.external_id = std::string(page);
    a.access_token = std::string(token);
    a.api_base_url = std::string(kBase);
    a.pacing = {1000, 16};
    auto created = store_->CreateChannelAccount(a, clock_.Now());
    EXPECT_TRUE(created.ok()) << created.error().ToString();
    const std::pair<std::string, std::string> people[] = {{"user-ann", "Ann"},
                                                          {"user-bob", std::string(kHostileName)}};
    for (const auto& [user, name] : people) {
      sandbox_.Control(
          "POST", "/__sandbox/interactions",
          {{"page_id", page},
           {"interactions", json::array{json::object{{"user_id", user},
                                                     {"at", FormatRfc3339(clock_.Now() - 1h)}}}}});
      ContactInput in;
      in.channel_account_id = created->id;
      in.platform_user_id = user;
      in.name = name;
      in.last_inbound_at = clock_.Now() - 1h;
      EXPECT_TRUE(store_->UpsertContacts(std::span(&in, 1), clock_.Now()).ok());
      name_of_[user] = name;
    }
    return created->id;
  }

  // Each case goes out to both people, is accepted and recorded as written.
  void SendEach(Id account, std::string_view platform, const std::vector<Case>& cases) {
    for (const Case& c : cases) {
      SCOPED_TRACE(c.label);
      sandbox_.ClearRecord();
      const auto sent =
          crier::testing::SendMessageNow(*store_, clock_, transport_, metrics_, options_, account,
                                         c.message, Purpose::kNonPromotional);
      ASSERT_TRUE(sent);
      EXPECT_EQ(sent->planned, 2);
      EXPECT_EQ(sandbox_.Refused(), 0);
      const json::array recorded = sandbox_.Recorded();
      ASSERT_EQ(recorded.size(), 2u);
      std::map<std::string, json::object> by_user;
      for (const json::value& r : recorded) {
        by_user[std::string(r.at("recipient").as_string())] = r.as_object();
      }
      for (const auto& [user, name] : name_of_) {
        SCOPED_TRACE(user);
        ASSERT_TRUE(by_user.contains(user));
        const json::object& r = by_user[user];
        EXPECT_EQ(r.at("platform").as_string(), platform);
        EXPECT_EQ(r.at("route").as_string(), "standard_window");
        EXPECT_EQ(r.at("kind").as_string(), c.kind);
        if (c.layout.empty()) {
          EXPECT_FALSE(r.contains("layout"));
        } else {
          EXPECT_EQ(r.at("layout").as_string(), c.layout);
        }
        EXPECT_EQ(r.at("message"), c.expected(name));
        EXPECT_EQ(r.at("body").at("recipient").at("id").as_string(), user) << "nothing injected";
      }
    }
  }

  crier::testing::TempDir dir_;
  FakeClock clock_{At("2026-06-01T12:00:00Z")};
  crier::testing::InProcessSandbox sandbox_{clock_, std::string(kBase)};
  FakeTransport transport_{
      [this](const channels::OutboundRequest& r) { return sandbox_.Answer(r); }};
  std::unique_ptr<Store> store_;
  EngineOptions options_;
  Metrics metrics_;
  std::map<std::string, std::string> name_of_;  // by platform user id
};

// The media cases: the same for both platforms, as far as each takes them.
Case MediaCase(MessageKind kind, std::string type, std::string url) {
  return {type, Media(kind, url), type, "",
          [type, url](std::string_view) { return WireMedia(type, url); }};
}

// A carousel whose first title is personalised, with a link and subscribe/postback buttons.
Case CarouselCase() {
  Message m = Card(CardLayout::kCarousel);
  m.card.elements = {
      CardElement{"Hi {{contact.name}}",
                  "New in this week",
                  "https://img.example/shoes.jpg",
                  {Url("View", "https://shop.example/shoes"), Postback("Ask us", "ASK_SHOES")}},
      CardElement{"Hats", "", "", {Action(ButtonAction::kSubscribe, "Keep me posted")}},
  };
  return {
      "carousel", m, "card", "carousel", [](std::string_view name) {
        json::array elements{
            json::object{
                {"title", "Hi " + std::string(name)},
                {"subtitle", "New in this week"},
                {"image_url", "https://img.example/shoes.jpg"},
                {"buttons", json::array{WireButton("web_url", "View", "https://shop.example/shoes"),
                                        WireButton("postback", "Ask us", "ASK_SHOES")}}},
            json::object{{"title", "Hats"},
                         {"buttons", json::array{WireButton("postback", "Keep me posted",
                                                            "crier:subscribe")}}}};
        return WireTemplate({{"template_type", "generic"}, {"elements", elements}});
      }};
}

Case QuickRepliesCase() {
  Message m = Card(CardLayout::kQuickReplies);
  m.card.text = "{{contact.name}}, still keen?";
  m.card.buttons = {Postback("Yes", "KEEN_YES"), Action(ButtonAction::kUnsubscribe, "Stop")};
  return {"quick replies", m, "card", "quick_replies", [](std::string_view name) {
            return json::object{
                {"text", std::string(name) + ", still keen?"},
                {"quick_replies", json::array{json::object{{"content_type", "text"},
                                                           {"title", "Yes"},
                                                           {"payload", "KEEN_YES"}},
                                              json::object{{"content_type", "text"},
                                                           {"title", "Stop"},
                                                           {"payload", "crier:unsubscribe"}}}}};
          }};
}

TEST_F(GraphContentWireTest, MessengerReceivesEveryKindAndLayoutAsWritten) {
  const Id account = AddPageWithPeople(Platform::kMessenger, kPage, kPageToken);
  Message buttons = Card(CardLayout::kButtons);
  buttons.card.text = "Your order shipped";
  buttons.card.buttons = {Url("Track", "https://shop.example/track?id=1&x=2"),
                          Postback("Talk to us", "TALK"),
                          Action(ButtonAction::kUnsubscribe, "Stop updates")};
  const std::vector<Case> cases = {
      MediaCase(MessageKind::kImage, "image", "https://cdn.example/a.jpg"),
      MediaCase(MessageKind::kVideo, "video", "https://cdn.example/a.mp4"),
      MediaCase(MessageKind::kAudio, "audio", "https://cdn.example/a.m4a"),
      MediaCase(MessageKind::kFile, "file", "https://cdn.example/terms.pdf"),
      {"buttons", buttons, "card", "buttons",
       [](std::string_view) {
         return WireTemplate(
             {{"template_type", "button"},
              {"text", "Your order shipped"},
              {"buttons",
               json::array{WireButton("web_url", "Track", "https://shop.example/track?id=1&x=2"),
                           WireButton("postback", "Talk to us", "TALK"),
                           WireButton("postback", "Stop updates", "crier:unsubscribe")}}});
       }},
      CarouselCase(),
      QuickRepliesCase(),
  };
  SendEach(account, "messenger", cases);
}

TEST_F(GraphContentWireTest, InstagramReceivesImagesCarouselsAndQuickRepliesAsWritten) {
  const Id account = AddPageWithPeople(Platform::kInstagram, kIgPage, kIgToken);
  const std::vector<Case> cases = {
      MediaCase(MessageKind::kImage, "image", "https://cdn.example/a.jpg"),
      CarouselCase(),
      QuickRepliesCase(),
  };
  SendEach(account, "instagram", cases);
}

}  // namespace
}  // namespace crier::engine
