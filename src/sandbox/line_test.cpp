// LINE Messaging API: push and multicast, X-Line-Retry-Key, request validation, followers,
// the monthly quota in Japan time and per-endpoint rate limits, each on both sides.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "sandbox/line_rules.h"
#include "sandbox/sandbox_test_support.h"

namespace crier::sandbox {
namespace {

using std::chrono::hours;
using std::chrono::milliseconds;
using std::chrono::seconds;
using testing::At;
using ::testing::HasSubstr;
using testing::Parse;
namespace json = boost::json;
namespace ln = line;

constexpr std::string_view kChannel = "1650000000";
constexpr std::string_view kToken = "line-token";
const std::string kAlice = "U" + std::string(32, 'a');
const std::string kBob = "U" + std::string(32, 'b');
const std::string kBlocked = "U" + std::string(32, 'c');
const std::string kStranger = "U" + std::string(32, 'd');
constexpr std::string_view kKey1 = "123e4567-e89b-12d3-a456-426614174000";
constexpr std::string_view kKey2 = "123e4567-e89b-12d3-a456-426614174001";

std::string UserId(int i) {
  std::string hex = std::to_string(i);
  return "U" + std::string(32 - hex.size(), 'e') + hex;
}

struct LineAnswer {
  int status;
  json::object body;
  net::Headers headers;
  std::string header(std::string_view name) const {
    auto h = net::FindHeader(headers, name);
    return h ? std::string(*h) : std::string();
  }
  std::string message() const { return std::string(body.at("message").as_string()); }
};

class LineTest : public testing::SandboxFixture {
 protected:
  LineTest() {
    AddChannel(json::object{{"channel_id", kChannel}, {"access_token", kToken}, {"quota", 1000}});
    Control(
        "POST", "/__sandbox/line/followers",
        {{"channel_id", kChannel},
         {"followers", json::array{json::object{{"user_id", kAlice}},
                                   json::object{{"user_id", kBob}, {"status", "following"}},
                                   json::object{{"user_id", kBlocked}, {"status", "blocked"}}}}});
  }

  void AddChannel(json::object body) { Control("POST", "/__sandbox/line/channels", body, 201); }

  LineAnswer Call(std::string method, std::string path, const json::object& body = {},
                  std::string_view retry_key = {}, std::string_view token = kToken) {
    net::Headers headers;
    if (!token.empty()) headers.emplace_back("Authorization", "Bearer " + std::string(token));
    if (!retry_key.empty()) headers.emplace_back("X-Line-Retry-Key", std::string(retry_key));
    std::string text = method == "GET" ? std::string() : json::serialize(body);
    auto r = SandboxFixture::Call(std::move(method), std::move(path), std::move(text),
                                  std::move(headers));
    return {r.status, Parse(r), r.headers};
  }

  static json::array Texts(int n, std::string_view text = "hello") {
    json::array out;
    for (int i = 0; i < n; ++i) out.push_back({{"type", "text"}, {"text", text}});
    return out;
  }
  LineAnswer Push(const std::string& to, json::array messages = Texts(1),
                  std::string_view retry_key = {}) {
    return Call("POST", "/v2/bot/message/push", {{"to", to}, {"messages", std::move(messages)}},
                retry_key);
  }
  LineAnswer Multicast(json::array to, json::array messages = Texts(1),
                       std::string_view retry_key = {}) {
    return Call("POST", "/v2/bot/message/multicast",
                {{"to", std::move(to)}, {"messages", std::move(messages)}}, retry_key);
  }
  std::int64_t Usage() {
    return Call("GET", "/v2/bot/message/quota/consumption").body.at("totalUsage").as_int64();
  }
  void ExpectDetail(const LineAnswer& a, std::string_view message, std::string_view property) {
    EXPECT_EQ(a.status, 400) << json::serialize(a.body);
    ASSERT_TRUE(a.body.contains("details")) << json::serialize(a.body);
    bool found = false;
    for (const auto& d : a.body.at("details").as_array()) {
      found |= d.at("property").as_string() == property &&
               std::string_view(d.at("message").as_string()).find(message) != std::string::npos;
    }
    EXPECT_TRUE(found) << property << ": " << json::serialize(a.body);
    EXPECT_THAT(a.message(), HasSubstr("The request body has "));
  }
};

// --- Push and multicast ----------------------------------------------------------------------

TEST_F(LineTest, PushAnswersSentMessagesAndRecords) {
  json::array messages = Texts(2);
  messages.push_back({{"type", "sticker"}, {"packageId", "446"}, {"stickerId", "1988"}});
  messages.push_back({{"type", "location"},
                      {"title", "Shop"},
                      {"address", "Taipei"},
                      {"latitude", 25.03},
                      {"longitude", 121.56}});
  auto a = Push(kAlice, messages);
  ASSERT_EQ(a.status, 200) << json::serialize(a.body);
  const auto& sent = a.body.at("sentMessages").as_array();
  ASSERT_EQ(sent.size(), 4u);
  EXPECT_EQ(sent[0].at("id").as_string().size(), 18u);
  EXPECT_TRUE(sent[0].as_object().contains("quoteToken"));
  EXPECT_TRUE(sent[2].as_object().contains("quoteToken"));   // sticker
  EXPECT_FALSE(sent[3].as_object().contains("quoteToken"));  // location
  EXPECT_EQ(a.header(ln::kRequestIdHeader).size(), 36u);
  auto items = Messages("?platform=line");
  ASSERT_EQ(items.size(), 1u);
  EXPECT_EQ(items[0].at("route").as_string(), "line_push");
  EXPECT_EQ(items[0].at("account").as_string(), kChannel);
  EXPECT_EQ(items[0].at("recipient").as_string(), kAlice);
  EXPECT_TRUE(items[0].at("delivered").as_bool());
  EXPECT_EQ(items[0].at("message_id"), sent[0].at("id"));
  EXPECT_EQ(items[0].at("request_id").as_string(), a.header(ln::kRequestIdHeader));
  EXPECT_EQ(items[0].at("body").at("messages").as_array().size(), 4u);
  EXPECT_EQ(Usage(), 1) << "one recipient, whatever the number of bubbles";
}

TEST_F(LineTest, PushToBlockedIsAcceptedButNotDeliveredNorCharged) {
  auto a = Push(kBlocked);
  EXPECT_EQ(a.status, 200);
  EXPECT_EQ(a.body.at("sentMessages").as_array().size(), 1u);
  EXPECT_FALSE(Messages().at(0).at("delivered").as_bool());
  EXPECT_EQ(Usage(), 0);
}

TEST_F(LineTest, PushToSomeoneWhoNeverFollowedFails) {
  auto a = Push(kStranger);
  EXPECT_EQ(a.status, 400);
  EXPECT_EQ(a.message(), ln::kMsgFailedToSend);
  EXPECT_FALSE(a.body.contains("details"));
  auto bad = Push("not-an-id");
  EXPECT_EQ(bad.status, 400);
  EXPECT_EQ(bad.message(), ln::kMsgInvalidToProperty);
  EXPECT_EQ(PlatformStats("line").at("refused_by_code").at("400 failed_to_send").as_int64(), 1);
}

TEST_F(LineTest, MulticastSkipsUnknownAndBlockedSilently) {
  auto a = Multicast(json::array{kAlice, kBob, kBlocked, kStranger, kAlice});
  ASSERT_EQ(a.status, 200) << json::serialize(a.body);
  EXPECT_TRUE(a.body.empty());
  EXPECT_EQ(Usage(), 2);
  auto items = Messages("?platform=line");
  ASSERT_EQ(items.size(), 4u) << "one record per distinct recipient";
  int delivered = 0;
  for (const auto& item : items) {
    EXPECT_EQ(item.at("route").as_string(), "line_multicast");
    EXPECT_EQ(item.at("message_id").as_string(), a.header(ln::kRequestIdHeader));
    delivered += item.at("delivered").as_bool() ? 1 : 0;
  }
  EXPECT_EQ(delivered, 2);
}

TEST_F(LineTest, MulticastTakes500UserIdsNot501) {
  AddChannel(json::object{{"channel_id", kChannel}, {"access_token", kToken}});  // no quota
  json::array ids;
  for (int i = 0; i < 500; ++i) ids.push_back(json::value(UserId(i)));
  EXPECT_EQ(Multicast(ids).status, 200);
  ids.push_back(json::value(UserId(500)));
  ExpectDetail(Multicast(ids), "Size must be between 1 and 500", "to");
  ExpectDetail(Multicast(json::array{}), "Size must be between 1 and 500", "to");
  // User ids only: no groups or rooms.
  ExpectDetail(Multicast(json::array{kAlice, "C" + std::string(32, 'a')}), "user ID", "to[1]");
}

// --- The retry key ---------------------------------------------------------------------------

TEST_F(LineTest, RepeatedRetryKeyIs409WithTheAcceptedRequestId) {
  auto first = Push(kAlice, Texts(2), kKey1);
  ASSERT_EQ(first.status, 200);
  auto again = Push(kAlice, Texts(2), kKey1);
  EXPECT_EQ(again.status, 409);
  EXPECT_EQ(again.message(), ln::kMsgRetryKeyAccepted);
  EXPECT_EQ(again.header(ln::kAcceptedRequestIdHeader), first.header(ln::kRequestIdHeader));
  EXPECT_NE(again.header(ln::kRequestIdHeader), first.header(ln::kRequestIdHeader));
  EXPECT_EQ(again.body.at("sentMessages"), first.body.at("sentMessages"));
  EXPECT_EQ(Usage(), 1) << "a 409 sends and charges nothing";
  EXPECT_EQ(Messages().size(), 1u);
  // A different key is a different request.
  EXPECT_EQ(Push(kAlice, Texts(1), kKey2).status, 200);
  // Multicast: 409 without sentMessages.
  const std::string key3 = "123e4567-e89b-12d3-a456-426614174003";
  ASSERT_EQ(Multicast(json::array{kBob}, Texts(1), key3).status, 200);
  auto repeat = Multicast(json::array{kBob}, Texts(1), key3);
  EXPECT_EQ(repeat.status, 409);
  EXPECT_FALSE(repeat.body.contains("sentMessages"));
}

TEST_F(LineTest, RetryKeyIsSpentFor24Hours) {
  ASSERT_EQ(Push(kAlice, Texts(1), kKey1).status, 200);
  clock_.Advance(hours(24) - milliseconds(1));
  EXPECT_EQ(Push(kAlice, Texts(1), kKey1).status, 409);
  clock_.Advance(milliseconds(1));
  EXPECT_EQ(Push(kAlice, Texts(1), kKey1).status, 200);
}

TEST_F(LineTest, RefusedRequestDoesNotSpendItsKey) {
  EXPECT_EQ(Push(kAlice, Texts(6), kKey1).status, 400);
  EXPECT_EQ(Push(kAlice, Texts(1), kKey1).status, 200);
}

TEST_F(LineTest, RetryKeyMustBeAUuidAndOnlyOnSendEndpoints) {
  auto bad = Push(kAlice, Texts(1), "not-a-uuid");
  EXPECT_EQ(bad.status, 400);
  EXPECT_EQ(bad.message(), ln::kMsgRetryKeyInvalid);
  auto quota = Call("GET", "/v2/bot/message/quota", {}, kKey1);
  EXPECT_EQ(quota.status, 400);
  EXPECT_EQ(quota.message(), ln::kMsgRetryKeyNotAllowed);
  EXPECT_FALSE(quota.header(ln::kRequestIdHeader).empty());
}

// --- Request validation ---------------------------------------------------------------------

TEST_F(LineTest, OneToFiveMessages) {
  EXPECT_EQ(Push(kAlice, Texts(5)).status, 200);
  ExpectDetail(Push(kAlice, Texts(6)), "Size must be between 1 and 5", "messages");
  ExpectDetail(Push(kAlice, json::array{}), "Size must be between 1 and 5", "messages");
  auto none = Call("POST", "/v2/bot/message/push", {{"to", kAlice}});
  ExpectDetail(none, "must be specified", "messages");
}

TEST_F(LineTest, TextIsAtMost5000Utf16Units) {
  EXPECT_EQ(Push(kAlice, Texts(1, std::string(5000, 'a'))).status, 200);
  ExpectDetail(Push(kAlice, Texts(1, std::string(5001, 'a'))), "Length must be between 0 and 5000",
               "messages[0].text");
  // A character outside the BMP is two UTF-16 units.
  std::string faces;
  for (int i = 0; i < 2500; ++i) faces += "\xF0\x9F\x98\x80";
  EXPECT_EQ(Push(kAlice, Texts(1, faces)).status, 200);
  ExpectDetail(Push(kAlice, Texts(1, faces + "a")), "Length", "messages[0].text");
  ExpectDetail(Push(kAlice, Texts(1, "")), "must be specified", "messages[0].text");
}

TEST_F(LineTest, EmojiIndexMustPointAtADollarSign) {
  auto with_emoji = [](int index) {
    return json::array{json::object{
        {"type", "text"},
        {"text", "$ sale $"},
        {"emojis",
         json::array{{{"index", index}, {"productId", "5ac1bfd5"}, {"emojiId", "001"}}}}}};
  };
  EXPECT_EQ(Push(kAlice, with_emoji(7)).status, 200);
  ExpectDetail(Push(kAlice, with_emoji(6)), "'$'", "messages[0].emojis[0].index");
}

TEST_F(LineTest, ReportsEveryProblemWithItsProperty) {
  json::array messages{
      json::object{{"type", "image"}, {"originalContentUrl", "http://x/a.jpg"}},
      json::object{{"type", "video"}},
      json::object{{"type", "fax"}},
      json::object{
          {"type", "template"},
          {"altText", std::string(1501, 'a')},
          {"template", {{"type", "confirm"}, {"text", "Sure?"}, {"actions", json::array{}}}}},
  };
  auto a = Push(kAlice, messages);
  ExpectDetail(a, "https", "messages[0].originalContentUrl");
  ExpectDetail(a, "must be specified", "messages[0].previewImageUrl");
  ExpectDetail(a, "must be specified", "messages[1].originalContentUrl");
  ExpectDetail(a, "invalid message type", "messages[2].type");
  ExpectDetail(a, "Length must be between 0 and 1500", "messages[3].altText");
  ExpectDetail(a, "Size must be between 2 and 2", "messages[3].template.actions");
  EXPECT_EQ(a.message(), "The request body has " +
                             std::to_string(a.body.at("details").as_array().size()) + " error(s)");
  json::array quick;
  for (int i = 0; i < 14; ++i) {
    quick.push_back(
        json::object{{"action", json::object{{"type", "message"}, {"label", "m"}, {"text", "m"}}}});
  }
  json::array m{json::object{{"type", "text"}, {"text", "hi"}, {"quickReply", {{"items", quick}}}}};
  ExpectDetail(Push(kAlice, m), "Size must be between 0 and 13", "messages[0].quickReply.items");
  quick.pop_back();
  m[0].as_object()["quickReply"] = json::object{{"items", quick}};
  EXPECT_EQ(Push(kAlice, m).status, 200);
  auto not_json = SandboxFixture::Call("POST", "/v2/bot/message/push", "{",
                                       {{"Authorization", "Bearer line-token"}});
  EXPECT_EQ(not_json.status, 400);
  EXPECT_EQ(Parse(not_json).at("message").as_string(), ln::kMsgNotJson);
}

TEST_F(LineTest, BodyOver2MegabytesIs413) {
  std::string big(ln::kMaxBodyBytes + 1, ' ');
  auto r = SandboxFixture::Call("POST", "/v2/bot/message/push", big,
                                {{"Authorization", "Bearer line-token"}});
  EXPECT_EQ(r.status, 413);
}

// --- Quota ---------------------------------------------------------------------------------

TEST_F(LineTest, QuotaExactlyReachedIsFineOneOverIs429) {
  AddChannel(json::object{
      {"channel_id", kChannel}, {"access_token", kToken}, {"quota", 10}, {"usage", 8}});
  auto quota = Call("GET", "/v2/bot/message/quota");
  EXPECT_EQ(quota.status, 200);
  EXPECT_EQ(quota.body.at("type").as_string(), "limited");
  EXPECT_EQ(quota.body.at("value").as_int64(), 10);
  // 8 + 2 = 10: reached exactly.
  ASSERT_EQ(Multicast(json::array{kAlice, kBob}).status, 200);
  EXPECT_EQ(Usage(), 10);
  auto over = Push(kAlice);
  EXPECT_EQ(over.status, 429);
  EXPECT_EQ(over.message(), ln::kMsgMonthlyLimit);
  EXPECT_EQ(Usage(), 10);
  // A blocked person costs nothing, so that push still fits.
  EXPECT_EQ(Push(kBlocked).status, 200);
  EXPECT_EQ(PlatformStats("line").at("refused_by_code").at("429 monthly_limit").as_int64(), 1);
}

TEST_F(LineTest, MulticastOverTheQuotaIsRefusedWhole) {
  AddChannel(json::object{
      {"channel_id", kChannel}, {"access_token", kToken}, {"quota", 10}, {"usage", 9}});
  EXPECT_EQ(Multicast(json::array{kAlice, kBob}).message(), ln::kMsgMonthlyLimit);
  EXPECT_EQ(Usage(), 9);
  EXPECT_TRUE(Messages().empty());
}

TEST_F(LineTest, QuotaMonthIsJapanTime) {
  // 2026-03-31T15:00Z is April 1, 00:00 in Japan.
  clock_.Set(At("2026-03-31T14:59:59.999Z"));
  AddChannel(
      json::object{{"channel_id", kChannel}, {"access_token", kToken}, {"quota", 5}, {"usage", 5}});
  EXPECT_EQ(Push(kAlice).status, 429);
  clock_.Set(At("2026-03-31T15:00:00Z"));
  EXPECT_EQ(Usage(), 0);
  EXPECT_EQ(Push(kAlice).status, 200);
  EXPECT_EQ(Usage(), 1);
}

TEST_F(LineTest, NoQuotaIsTypeNone) {
  AddChannel(json::object{{"channel_id", kChannel}, {"access_token", kToken}, {"usage", 123}});
  auto quota = Call("GET", "/v2/bot/message/quota");
  EXPECT_EQ(quota.body.at("type").as_string(), "none");
  EXPECT_FALSE(quota.body.contains("value"));
  EXPECT_EQ(Push(kAlice).status, 200);
  EXPECT_EQ(Usage(), 124);
}

// --- Rate limits ----------------------------------------------------------------------------

TEST_F(LineTest, MulticastIs200RequestsPerSecond) {
  AddChannel(json::object{{"channel_id", kChannel}, {"access_token", kToken}});
  for (int i = 0; i < 200; ++i) ASSERT_EQ(Multicast(json::array{kAlice}).status, 200) << i;
  auto limited = Multicast(json::array{kAlice});
  EXPECT_EQ(limited.status, 429);
  EXPECT_EQ(limited.message(), ln::kMsgRateLimit);
  // Each endpoint has its own budget.
  EXPECT_EQ(Push(kAlice).status, 200);
  clock_.Advance(milliseconds(5));  // one request's worth at 200 per second
  EXPECT_EQ(Multicast(json::array{kAlice}).status, 200);
  EXPECT_EQ(Multicast(json::array{kAlice}).status, 429);
}

TEST_F(LineTest, PushRateIsConfigurablePerChannel) {
  AddChannel(json::object{
      {"channel_id", kChannel}, {"access_token", kToken}, {"rate_limits", {{"push", 3}}}});
  for (int i = 0; i < 3; ++i) ASSERT_EQ(Push(kAlice).status, 200);
  EXPECT_EQ(Push(kAlice).status, 429);
  clock_.Advance(seconds(1));
  EXPECT_EQ(Push(kAlice).status, 200);
}

// --- Auth, routes, control -------------------------------------------------------------------

TEST_F(LineTest, AuthAndRoutes) {
  auto none =
      Call("POST", "/v2/bot/message/push", {{"to", kAlice}, {"messages", Texts(1)}}, {}, "");
  EXPECT_EQ(none.status, 401);
  EXPECT_EQ(none.message(), ln::kMsgAuthHeader);
  EXPECT_FALSE(none.header(ln::kRequestIdHeader).empty());
  auto bad =
      Call("POST", "/v2/bot/message/push", {{"to", kAlice}, {"messages", Texts(1)}}, {}, "nope");
  EXPECT_EQ(bad.status, 401);
  EXPECT_EQ(bad.message(), ln::kMsgInvalidToken);
  EXPECT_EQ(Call("GET", "/v2/bot/message/push").status, 405);
  EXPECT_EQ(Call("POST", "/v2/bot/message/narrowcast", {}).status, 404);
}

TEST_F(LineTest, ControlEndpointsNameTheBadField) {
  EXPECT_EQ(FieldOf("/__sandbox/line/channels", R"({"channel_id":"1"})"), "access_token");
  EXPECT_EQ(
      FieldOf("/__sandbox/line/channels", R"({"channel_id":"1","access_token":"t","quota":-1})"),
      "quota");
  EXPECT_EQ(FieldOf("/__sandbox/line/channels",
                    R"({"channel_id":"1","access_token":"t","rate_limits":{"reply":5}})"),
            "rate_limits.reply");
  EXPECT_EQ(
      FieldOf("/__sandbox/line/channels", R"({"channel_id":"1","access_token":"line-token"})", 409),
      "access_token");
  EXPECT_EQ(FieldOf("/__sandbox/line/followers",
                    R"({"channel_id":"1650000000","followers":[{"user_id":"Uxyz"}]})"),
            "followers[0].user_id");
  EXPECT_EQ(FieldOf("/__sandbox/line/followers",
                    R"({"channel_id":"1650000000","followers":[{"user_id":")" + kAlice +
                        R"(","status":"gone"}]})"),
            "followers[0].status");
  EXPECT_EQ(FieldOf("/__sandbox/line/followers", R"({"channel_id":"9","followers":[]})", 404),
            "channel_id");
}

// --- Media and cards: what crier sends is accepted and recorded by kind; what breaks
// LINE's limits or shape is refused with the property named --------------------------------

json::object Uri(std::string label, std::string uri) {
  return {{"type", "uri"}, {"label", std::move(label)}, {"uri", std::move(uri)}};
}
json::object PostbackAction(std::string label, std::string data) {
  return {{"type", "postback"}, {"label", std::move(label)}, {"data", std::move(data)}};
}
json::object Buttons(json::array actions, std::string text = "Pick one") {
  return {{"type", "template"},
          {"altText", "Pick"},
          {"template",
           {{"type", "buttons"},
            {"thumbnailImageUrl", "https://cdn.example/t.jpg"},
            {"title", "Menu"},
            {"text", std::move(text)},
            {"actions", std::move(actions)}}}};
}
json::object Column(std::string title, json::array actions) {
  return {{"thumbnailImageUrl", "https://cdn.example/c.jpg"},
          {"title", std::move(title)},
          {"text", "A column"},
          {"actions", std::move(actions)}};
}
json::object Carousel(json::array columns) {
  return {{"type", "template"},
          {"altText", "Pick"},
          {"template", {{"type", "carousel"}, {"columns", std::move(columns)}}}};
}
json::object QuickReplies(json::array actions) {
  json::array items;
  for (auto& a : actions) items.push_back({{"type", "action"}, {"action", std::move(a)}});
  return {{"type", "text"}, {"text", "Still there?"}, {"quickReply", {{"items", items}}}};
}

TEST_F(LineTest, AcceptsEveryKindCrierSendsAndRecordsIt) {
  const json::array one{PostbackAction("Yes", "crier:subscribe")};
  const json::array sends{
      json::object{{"type", "image"},
                   {"originalContentUrl", "https://cdn.example/a.jpg"},
                   {"previewImageUrl", "https://cdn.example/a.jpg"}},
      json::object{{"type", "video"},
                   {"originalContentUrl", "https://cdn.example/v.mp4"},
                   {"previewImageUrl", "https://cdn.example/v.jpg"}},
      json::object{{"type", "audio"},
                   {"originalContentUrl", "https://cdn.example/a.m4a"},
                   {"duration", 61000}},
      Buttons({Uri("Shop", "https://shop.example"), PostbackAction("Track", "T1"),
               PostbackAction("Yes", "crier:subscribe"),
               PostbackAction("No", "crier:unsubscribe")}),
      Carousel({Column("Red", one), Column("Blue", one)}),
      QuickReplies({PostbackAction("Yes", "crier:subscribe"), Uri("Site", "https://shop.example")}),
      json::object{{"type", "flex"},
                   {"altText", "Order"},
                   {"contents",
                    {{"type", "carousel"},
                     {"contents", json::array{json::object{{"type", "bubble"}},
                                              json::object{{"type", "bubble"}}}}}}}};
  const std::vector<std::string> kinds{
      "image", "video", "audio", "template:buttons", "template:carousel", "text+quick_reply",
      "flex"};
  for (std::size_t i = 0; i < sends.size(); ++i) {
    auto a = Push(kAlice, json::array{sends[i]});
    EXPECT_EQ(a.status, 200) << json::serialize(a.body);
  }
  auto items = Messages("?platform=line");
  ASSERT_EQ(items.size(), kinds.size());
  for (std::size_t i = 0; i < kinds.size(); ++i) {
    EXPECT_EQ(items[i].at("kinds").as_array(), json::array{json::string(kinds[i])}) << i;
  }
  // A multicast records the kinds of its messages for every recipient.
  ASSERT_EQ(Multicast({kAlice, kBob}, json::array{sends[0], sends[5]}).status, 200);
  items = Messages("?platform=line");
  ASSERT_EQ(items.size(), kinds.size() + 2);
  EXPECT_EQ(items.back().at("kinds").as_array(), (json::array{"image", "text+quick_reply"}));
}

TEST_F(LineTest, ButtonsTemplateLimits) {
  const json::object link = Uri("Shop", "https://shop.example");
  json::array four(4, link);
  EXPECT_EQ(Push(kAlice, {Buttons(four)}).status, 200);
  four.push_back(link);
  ExpectDetail(Push(kAlice, {Buttons(four)}), "Size must be between 1 and 4",
               "messages[0].template.actions");
  ExpectDetail(Push(kAlice, {Buttons({})}), "Size must be between 1 and 4",
               "messages[0].template.actions");
  // With a title or thumbnail the text is 60 at most.
  EXPECT_EQ(Push(kAlice, {Buttons({link}, std::string(60, 'a'))}).status, 200);
  ExpectDetail(Push(kAlice, {Buttons({link}, std::string(61, 'a'))}),
               "Length must be between 0 and 60", "messages[0].template.text");
  json::object titled = Buttons({link});
  titled["template"].as_object()["title"] = std::string(40, 't');
  EXPECT_EQ(Push(kAlice, {titled}).status, 200);
  titled["template"].as_object()["title"] = std::string(41, 't');
  ExpectDetail(Push(kAlice, {titled}), "Length must be between 0 and 40",
               "messages[0].template.title");
  json::object http = Buttons({link});
  http["template"].as_object()["thumbnailImageUrl"] = "http://cdn.example/t.jpg";
  ExpectDetail(Push(kAlice, {http}), "https", "messages[0].template.thumbnailImageUrl");
  json::object unknown = Buttons({link});
  unknown["template"].as_object()["subtitle"] = "x";
  ExpectDetail(Push(kAlice, {unknown}), "not a known property", "messages[0].template.subtitle");
}

TEST_F(LineTest, ActionLimits) {
  EXPECT_EQ(Push(kAlice, {Buttons({Uri(std::string(20, 'l'), "https://a.example")})}).status, 200);
  ExpectDetail(Push(kAlice, {Buttons({Uri(std::string(21, 'l'), "https://a.example")})}),
               "Length must be between 0 and 20", "messages[0].template.actions[0].label");
  json::object unlabelled = Uri("x", "https://a.example");
  unlabelled.erase("label");
  ExpectDetail(Push(kAlice, {Buttons({unlabelled})}), "must be specified",
               "messages[0].template.actions[0].label");
  EXPECT_EQ(Push(kAlice, {Buttons({PostbackAction("P", std::string(300, 'd'))})}).status, 200);
  ExpectDetail(Push(kAlice, {Buttons({PostbackAction("P", std::string(301, 'd'))})}),
               "Length must be between 0 and 300", "messages[0].template.actions[0].data");
  json::object no_data = PostbackAction("P", "d");
  no_data.erase("data");
  ExpectDetail(Push(kAlice, {Buttons({no_data})}), "must be specified",
               "messages[0].template.actions[0].data");
  const std::string base = "https://a.example/";
  EXPECT_EQ(Push(kAlice, {Buttons({Uri("U", base + std::string(1000 - base.size(), 'p'))})}).status,
            200);
  ExpectDetail(Push(kAlice, {Buttons({Uri("U", base + std::string(1001 - base.size(), 'p'))})}),
               "Length must be between 0 and 1000", "messages[0].template.actions[0].uri");
  ExpectDetail(Push(kAlice, {Buttons({Uri("U", "javascript:alert(1)")})}),
               "http, https, line or tel", "messages[0].template.actions[0].uri");
  ExpectDetail(Push(kAlice, {Buttons({json::object{{"type", "link"}, {"label", "x"}}})}),
               "must be postback, message, uri", "messages[0].template.actions[0].type");
  json::object extra = PostbackAction("P", "d");
  extra["payload"] = "d";
  ExpectDetail(Push(kAlice, {Buttons({extra})}), "not a known property",
               "messages[0].template.actions[0].payload");
}

TEST_F(LineTest, CarouselLimits) {
  const json::array one{PostbackAction("Go", "GO")};
  json::array ten(10, Column("C", one));
  EXPECT_EQ(Push(kAlice, {Carousel(ten)}).status, 200);
  ten.push_back(Column("C", one));
  ExpectDetail(Push(kAlice, {Carousel(ten)}), "Size must be between 1 and 10",
               "messages[0].template.columns");
  json::array three(3, PostbackAction("Go", "GO"));
  EXPECT_EQ(Push(kAlice, {Carousel({Column("A", three)})}).status, 200);
  three.push_back(PostbackAction("Go", "GO"));
  ExpectDetail(Push(kAlice, {Carousel({Column("A", three)})}), "Size must be between 1 and 3",
               "messages[0].template.columns[0].actions");
  ExpectDetail(Push(kAlice, {Carousel({Column("A", one), Column("B", {one[0], one[0]})})}),
               "same number of actions", "messages[0].template.columns[1].actions");
  json::object bare = Column("B", one);
  bare.erase("thumbnailImageUrl");
  ExpectDetail(Push(kAlice, {Carousel({Column("A", one), bare})}), "every column or in none",
               "messages[0].template.columns[1].thumbnailImageUrl");
  bare = Column("B", one);
  bare.erase("title");
  ExpectDetail(Push(kAlice, {Carousel({Column("A", one), bare})}), "every column or in none",
               "messages[0].template.columns[1].title");
  json::object long_text = Column("A", one);
  long_text["text"] = std::string(61, 'x');
  ExpectDetail(Push(kAlice, {Carousel({long_text})}), "Length must be between 0 and 60",
               "messages[0].template.columns[0].text");
  json::object plain{{"text", std::string(120, 'x')}, {"actions", one}};
  EXPECT_EQ(Push(kAlice, {Carousel({plain})}).status, 200);
  plain["text"] = std::string(121, 'x');
  ExpectDetail(Push(kAlice, {Carousel({plain})}), "Length must be between 0 and 120",
               "messages[0].template.columns[0].text");
}

TEST_F(LineTest, QuickReplyAndMediaShape) {
  ExpectDetail(Push(kAlice, {QuickReplies({PostbackAction(std::string(21, 'l'), "d")})}),
               "Length must be between 0 and 20", "messages[0].quickReply.items[0].action.label");
  json::object item_type = QuickReplies({PostbackAction("a", "d")});
  item_type["quickReply"].as_object()["items"].as_array()[0].as_object()["type"] = "button";
  ExpectDetail(Push(kAlice, {item_type}), "must be action", "messages[0].quickReply.items[0].type");
  json::object image{{"type", "image"},
                     {"originalContentUrl", "https://cdn.example/a.jpg"},
                     {"previewImageUrl", "https://cdn.example/a.jpg"},
                     {"caption", "hi"}};
  ExpectDetail(Push(kAlice, {image}), "not a known property", "messages[0].caption");
  json::object audio{{"type", "audio"}, {"originalContentUrl", "https://cdn.example/a.m4a"}};
  ExpectDetail(Push(kAlice, {audio}), "must be specified", "messages[0].duration");
  audio["duration"] = 0;
  ExpectDetail(Push(kAlice, {audio}), "positive", "messages[0].duration");
  json::object video{{"type", "video"},
                     {"originalContentUrl", "http://cdn.example/v.mp4"},
                     {"previewImageUrl", "https://cdn.example/v.jpg"}};
  ExpectDetail(Push(kAlice, {video}), "https", "messages[0].originalContentUrl");
}

TEST_F(LineTest, FlexLimits) {
  json::array twelve(12, json::object{{"type", "bubble"}});
  json::object flex{{"type", "flex"},
                    {"altText", std::string(1500, 'a')},
                    {"contents", {{"type", "carousel"}, {"contents", twelve}}}};
  EXPECT_EQ(Push(kAlice, {flex}).status, 200);
  flex["altText"] = std::string(1501, 'a');
  ExpectDetail(Push(kAlice, {flex}), "Length must be between 0 and 1500", "messages[0].altText");
  flex["altText"] = "a";
  twelve.push_back(json::object{{"type", "bubble"}});
  flex["contents"] = json::object{{"type", "carousel"}, {"contents", twelve}};
  ExpectDetail(Push(kAlice, {flex}), "Size must be between 1 and 12",
               "messages[0].contents.contents");
  flex["contents"] =
      json::object{{"type", "carousel"}, {"contents", json::array{json::object{{"type", "box"}}}}};
  ExpectDetail(Push(kAlice, {flex}), "must be a bubble", "messages[0].contents.contents[0]");
  flex.erase("altText");
  ExpectDetail(Push(kAlice, {flex}), "must be specified", "messages[0].altText");
}

}  // namespace
}  // namespace crier::sandbox
