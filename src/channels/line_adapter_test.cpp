#include "channels/line_adapter.h"

#include <gtest/gtest.h>

#include <array>
#include <boost/json.hpp>
#include <string>
#include <vector>

#include "channels/composition.h"
#include "channels/content.h"

namespace crier::channels {
namespace {

constexpr char kToken[] = "LINEchannelACCESStoken1234567890abcdefghijklmnopqrstuvwxyz";
constexpr char kKey[] = "123e4567-e89b-42d3-a456-426614174000";
const std::string kUser = "U4af4980629a4f8e0e0e0e0e0e0e0e0e0";

ChannelAccount Account() {
  ChannelAccount a;
  a.platform = Platform::kLine;
  a.external_id = "2001234567";
  a.access_token = kToken;
  a.api_base_url = "http://127.0.0.1:8803";
  return a;
}

Message Text(std::string text) { return Message{MessageKind::kText, std::move(text)}; }

TransportResult Answer(int status, std::string body, net::Headers headers = {}) {
  TransportResult r;
  r.status = status;
  r.body = std::move(body);
  r.headers = std::move(headers);
  r.request_sent = true;
  return r;
}

TEST(LineAdapterTest, BuildsAPushWithTheRetryKey) {
  const LineAdapter adapter;
  RecipientRef r{kUser, "Ann", "Ann", kKey};
  const auto req =
      adapter.BuildSend(Account(), r, SendContext{{RouteKind::kLinePush, {}, {}}, {}}, Text("Hi"));
  EXPECT_EQ(req.method, "POST");
  EXPECT_EQ(req.url, "http://127.0.0.1:8803/v2/bot/message/push");
  ASSERT_EQ(req.headers.size(), 3u);
  EXPECT_EQ(net::FindHeader(req.headers, "Authorization"), std::string("Bearer ") + kToken);
  EXPECT_EQ(net::FindHeader(req.headers, "Content-Type"), "application/json");
  EXPECT_EQ(net::FindHeader(req.headers, "X-Line-Retry-Key"), kKey);
  EXPECT_EQ(req.body, R"({"to":")" + kUser + R"(","messages":[{"type":"text","text":"Hi"}]})");
}

TEST(LineAdapterTest, NoKeyNoHeader) {
  const LineAdapter adapter;
  const auto req = adapter.BuildSend(Account(), RecipientRef{kUser, "", "", ""},
                                     SendContext{{RouteKind::kLinePush, {}, {}}, {}}, Text("Hi"));
  EXPECT_EQ(net::FindHeader(req.headers, "X-Line-Retry-Key"), std::nullopt);
}

TEST(LineAdapterTest, TextAndIdsAreEscaped) {
  const LineAdapter adapter;
  const std::string text = "Hi \"Ann\" \\ 50%\n🎉 中文 ไทย \x01";
  const std::string to = R"(U1","messages":[])";
  const auto req = adapter.BuildSend(Account(), RecipientRef{to, "", "", kKey},
                                     SendContext{{RouteKind::kLinePush, {}, {}}, {}}, Text(text));
  const auto body = boost::json::parse(req.body).as_object();
  EXPECT_EQ(body.size(), 2u);
  EXPECT_EQ(body.at("to").as_string(), to);
  EXPECT_EQ(body.at("messages").as_array().at(0).at("text").as_string(), text);
  EXPECT_EQ(req.body.find(kToken), std::string::npos);
}

TEST(LineAdapterTest, PushCarriesUpToFiveMessagesInOneRequest) {
  const LineAdapter adapter;
  const std::vector<Message> two{Text("a"), Text("b")};
  const auto req = adapter.BuildPush(Account(), kUser, two, kKey);
  ASSERT_TRUE(req.ok());
  EXPECT_EQ(req->body,
            R"({"to":")" + kUser +
                R"(","messages":[{"type":"text","text":"a"},{"type":"text","text":"b"}]})");
  EXPECT_TRUE(adapter.BuildPush(Account(), kUser, std::vector<Message>(5, Text("x")), kKey).ok());
  const auto six = adapter.BuildPush(Account(), kUser, std::vector<Message>(6, Text("x")), kKey);
  ASSERT_FALSE(six.ok());
  EXPECT_EQ(six.error().field, "messages");
  EXPECT_FALSE(adapter.BuildPush(Account(), kUser, {}, kKey).ok());
  EXPECT_EQ(adapter.BuildPush(Account(), kUser, two, "not-a-uuid").error().field,
            "X-Line-Retry-Key");
}

std::vector<std::string> Users(std::size_t n) {
  std::vector<std::string> out;
  for (std::size_t i = 0; i < n; ++i) {
    char buf[40];
    std::snprintf(buf, sizeof buf, "U%032zx", i);
    out.emplace_back(buf);
  }
  return out;
}

TEST(LineAdapterTest, BuildsAMulticast) {
  const LineAdapter adapter;
  const auto to = Users(2);
  const std::vector<Message> one{Text("Sale \"now\"")};
  const auto req = adapter.BuildMulticast(Account(), to, one, kKey);
  ASSERT_TRUE(req.ok());
  EXPECT_EQ(req->url, "http://127.0.0.1:8803/v2/bot/message/multicast");
  EXPECT_EQ(net::FindHeader(req->headers, "X-Line-Retry-Key"), kKey);
  EXPECT_EQ(req->body, R"({"to":[")" + to[0] + R"(",")" + to[1] +
                           R"("],"messages":[{"type":"text","text":"Sale \"now\""}]})");
}

TEST(LineAdapterTest, MulticastTakesOneToFiveHundredUserIds) {
  const LineAdapter adapter;
  const std::vector<Message> one{Text("x")};
  EXPECT_TRUE(adapter.BuildMulticast(Account(), Users(1), one, kKey).ok());
  EXPECT_TRUE(adapter.BuildMulticast(Account(), Users(500), one, kKey).ok());
  const auto many = adapter.BuildMulticast(Account(), Users(501), one, kKey);
  ASSERT_FALSE(many.ok());
  EXPECT_EQ(many.error().field, "to");
  EXPECT_FALSE(adapter.BuildMulticast(Account(), Users(0), one, kKey).ok());
  auto ids = Users(3);
  ids[2] = "Cgroup00000000000000000000000000a";  // a group id
  const auto group = adapter.BuildMulticast(Account(), ids, one, kKey);
  ASSERT_FALSE(group.ok());
  EXPECT_EQ(group.error().field, "to[2]");
  EXPECT_FALSE(adapter.BuildMulticast(Account(), Users(2), {}, kKey).ok());
}

TEST(LineAdapterTest, RetryKeysAreVersionFourUuids) {
  std::array<unsigned char, 16> bytes{};
  bytes.fill(0xFF);
  const std::string key = RetryKeyFromBytes(bytes);
  EXPECT_EQ(key, "ffffffff-ffff-4fff-bfff-ffffffffffff");
  EXPECT_TRUE(IsLineRetryKey(key));
  bytes.fill(0);
  EXPECT_EQ(RetryKeyFromBytes(bytes), "00000000-0000-4000-8000-000000000000");
  EXPECT_TRUE(IsLineRetryKey(kKey));
  EXPECT_FALSE(IsLineRetryKey("123e4567e89b42d3a456426614174000"));
  EXPECT_FALSE(IsLineRetryKey("123e4567-e89b-42d3-a456-42661417400g"));
  EXPECT_FALSE(IsLineRetryKey("123e4567-e89b-42d3-a456-4266141740001"));
}

TEST(LineAdapterTest, PushSuccessCarriesTheSentMessageIds) {
  const LineAdapter adapter;
  const auto r = adapter.Classify(
      Answer(200, R"({"sentMessages":[{"id":"461230966842064897","quoteToken":"q"},{"id":"2"}]})"));
  EXPECT_TRUE(r.sent);
  EXPECT_EQ(r.platform_message_id, "461230966842064897,2");
}

TEST(LineAdapterTest, MulticastSuccessCarriesTheRequestId) {
  const LineAdapter adapter;
  const auto r = adapter.Classify(Answer(200, "{}", {{"X-Line-Request-Id", "req-1"}}));
  EXPECT_TRUE(r.sent);
  EXPECT_EQ(r.platform_message_id, "req-1");
  EXPECT_EQ(r.platform_status, "");
}

TEST(LineAdapterTest, ConflictMeansTheEarlierRequestWasAccepted) {
  const LineAdapter adapter;
  auto r = adapter.Classify(
      Answer(409, R"({"message":"The retry key is already accepted"})",
             {{"X-Line-Request-Id", "req-2"}, {"X-Line-Accepted-Request-Id", "req-1"}}));
  EXPECT_TRUE(r.sent);
  EXPECT_EQ(r.platform_status, "already_accepted");
  EXPECT_EQ(r.platform_message_id, "req-1");
  r = adapter.Classify(
      Answer(409, R"({"message":"The retry key is already accepted","sentMessages":[{"id":"77"}]})",
             {{"X-Line-Accepted-Request-Id", "req-1"}}));
  EXPECT_TRUE(r.sent);
  EXPECT_EQ(r.platform_message_id, "77");
}

TEST(LineAdapterTest, RateLimitAndMonthlyLimitAreToldApartByTheirText) {
  const LineAdapter adapter;
  auto r = adapter.Classify(
      Answer(429, R"({"message":"The API rate limit has been exceeded. Try again later."})"));
  EXPECT_EQ(r.error_class, ErrorClass::kSlowDown);
  EXPECT_EQ(r.error_code, "http_429");
  r = adapter.Classify(Answer(429, R"({"message":"You have reached your monthly limit."})"));
  EXPECT_EQ(r.error_class, ErrorClass::kChannelHalted);
  EXPECT_EQ(r.error_code, "line_monthly_limit");
  EXPECT_EQ(r.error_message, "You have reached your monthly limit.");
}

TEST(LineAdapterTest, EveryStatusOfTheFactSheetHasItsClass) {
  struct Row {
    int status;
    const char* message;
    ErrorClass expected;
  };
  // platforms.md 5.5
  const Row rows[] = {
      {400, "The request body has 1 error(s)", ErrorClass::kInvalidRequest},
      {400, "Failed to send messages", ErrorClass::kInvalidRequest},
      {401, "Authentication failed due to the following reason: x", ErrorClass::kAuth},
      {403, "Access to this API is not available for your account", ErrorClass::kChannelHalted},
      {404, "Not found", ErrorClass::kRecipientUnreachable},
      {410, "Gone", ErrorClass::kInvalidRequest},
      {413, "Request Entity Too Large", ErrorClass::kInvalidRequest},
      {415, "Unsupported Media Type", ErrorClass::kInvalidRequest},
      {429, "The API rate limit has been exceeded. Try again later.", ErrorClass::kSlowDown},
      {429, "Too many concurrent operations", ErrorClass::kSlowDown},
      {429, "You have reached your monthly limit.", ErrorClass::kChannelHalted},
      {500, "Internal server error", ErrorClass::kRetryLater},
      {503, "", ErrorClass::kRetryLater},
  };
  const LineAdapter adapter;
  for (const Row& row : rows) {
    EXPECT_EQ(LineErrorClass(row.status, row.message), row.expected) << row.status;
    const auto r =
        adapter.Classify(Answer(row.status, std::string(R"({"message":")") + row.message + "\"}"));
    EXPECT_FALSE(r.sent);
    EXPECT_EQ(r.error_class, row.expected) << row.status << " " << row.message;
  }
  EXPECT_EQ(LineErrorClass(200, ""), std::nullopt);
  EXPECT_EQ(LineErrorClass(409, ""), std::nullopt);
}

TEST(LineAdapterTest, DetailsNameTheProperty) {
  const LineAdapter adapter;
  const auto r = adapter.Classify(Answer(
      400,
      R"j({"message":"The request body has 1 error(s)","details":[{"message":"May not be empty","property":"messages[0].text"}]})j"));
  EXPECT_EQ(r.error_message, "The request body has 1 error(s); messages[0].text: May not be empty");
}

TEST(LineAdapterTest, WithTheRetryKeyATimeoutIsRetried) {
  const LineAdapter adapter;
  TransportResult r;
  r.timed_out = true;
  r.transport_error = "timeout";
  r.request_sent = true;
  EXPECT_EQ(adapter.Classify(r).error_class, ErrorClass::kRetryLater);
}

}  // namespace

// ---- Media and cards (platforms.md 5.3) ----

Message MediaOf(MessageKind kind, std::string url, std::string preview = "",
                std::int64_t duration_ms = 0) {
  Message m;
  m.kind = kind;
  m.media.url = std::move(url);
  m.media.preview_url = std::move(preview);
  m.media.duration_ms = duration_ms;
  return m;
}

Button Link(std::string title, std::string url) {
  return Button{ButtonAction::kUrl, std::move(title), std::move(url), ""};
}
Button Postback(std::string title, std::string payload) {
  return Button{ButtonAction::kPostback, std::move(title), "", std::move(payload)};
}
Button Of(ButtonAction action, std::string title) {
  return Button{action, std::move(title), "", ""};
}

Message CardOf(Card card) {
  Message m;
  m.kind = MessageKind::kCard;
  m.card = std::move(card);
  return m;
}

// The body's one message object, after checking the push's envelope.
std::string MessageObject(const Message& message, const Contact* contact = nullptr,
                          const CompiledMessage* content = nullptr) {
  const LineAdapter adapter;
  EXPECT_TRUE(adapter.ValidateMessage(message).ok());
  EXPECT_TRUE(CheckMessageFor(Platform::kLine, message, 0).ok());
  RecipientRef r{kUser, "", "", kKey};
  r.contact = contact;
  const auto req = adapter.BuildSend(
      Account(), r, SendContext{{RouteKind::kLinePush, {}, {}}, {}, content}, message);
  const std::string head = R"({"to":")" + kUser + R"(","messages":[)";
  EXPECT_EQ(req.body.substr(0, head.size()), head);
  EXPECT_EQ(req.body.substr(req.body.size() - 2), "]}");
  EXPECT_NO_THROW((void)boost::json::parse(req.body));
  return req.body.substr(head.size(), req.body.size() - head.size() - 2);
}

TEST(LineAdapterTest, ImageIsItsOwnPreviewUnlessOneIsGiven) {
  EXPECT_EQ(MessageObject(MediaOf(MessageKind::kImage, "https://cdn.example/a.jpg")),
            R"({"type":"image","originalContentUrl":"https://cdn.example/a.jpg",)"
            R"("previewImageUrl":"https://cdn.example/a.jpg"})");
  EXPECT_EQ(MessageObject(MediaOf(MessageKind::kImage, "https://cdn.example/a.jpg",
                                  "https://cdn.example/a_s.jpg")),
            R"({"type":"image","originalContentUrl":"https://cdn.example/a.jpg",)"
            R"("previewImageUrl":"https://cdn.example/a_s.jpg"})");
}

TEST(LineAdapterTest, VideoAndAudio) {
  EXPECT_EQ(MessageObject(MediaOf(MessageKind::kVideo, "https://cdn.example/v.mp4",
                                  "https://cdn.example/v.jpg")),
            R"({"type":"video","originalContentUrl":"https://cdn.example/v.mp4",)"
            R"("previewImageUrl":"https://cdn.example/v.jpg"})");
  EXPECT_EQ(
      MessageObject(MediaOf(MessageKind::kAudio, "https://cdn.example/a.m4a", "", 61000)),
      R"({"type":"audio","originalContentUrl":"https://cdn.example/a.m4a","duration":61000})");
}

TEST(LineAdapterTest, ButtonsTemplateMapsEachActionKind) {
  Card card;
  card.layout = CardLayout::kButtons;
  card.title = "Menu";
  card.text = "Pick one";
  card.image_url = "https://cdn.example/t.jpg";
  card.buttons = {Link("Shop", "https://shop.example/x?a=1&b=2"), Postback("Track", "TRACK_1"),
                  Of(ButtonAction::kSubscribe, "Yes"), Of(ButtonAction::kUnsubscribe, "Stop")};
  EXPECT_EQ(MessageObject(CardOf(card)),
            R"({"type":"template","altText":"Pick one","template":{"type":"buttons",)"
            R"("thumbnailImageUrl":"https://cdn.example/t.jpg","title":"Menu","text":"Pick one",)"
            R"("actions":[{"type":"uri","label":"Shop","uri":"https://shop.example/x?a=1&b=2"},)"
            R"({"type":"postback","label":"Track","data":"TRACK_1"},)"
            R"({"type":"postback","label":"Yes","data":"crier:subscribe"},)"
            R"({"type":"postback","label":"Stop","data":"crier:unsubscribe"}]}})");
  // Without a title or an image neither key is written; the alt text wins over the text.
  card.title.clear();
  card.image_url.clear();
  card.alt_text = "New menu";
  card.buttons.resize(1);
  EXPECT_EQ(MessageObject(CardOf(card)),
            R"({"type":"template","altText":"New menu","template":{"type":"buttons",)"
            R"("text":"Pick one","actions":[{"type":"uri","label":"Shop",)"
            R"("uri":"https://shop.example/x?a=1&b=2"}]}})");
}

TEST(LineAdapterTest, CarouselColumnsCarrySubtitleAsText) {
  Card card;
  card.layout = CardLayout::kCarousel;
  card.elements = {
      {"Red", "A red one", "https://cdn.example/r.jpg", {Postback("Buy", "BUY_R")}},
      {"Blue", "A blue one", "https://cdn.example/b.jpg", {Link("See", "https://shop.example/b")}}};
  EXPECT_EQ(
      MessageObject(CardOf(card)),
      R"({"type":"template","altText":"Red","template":{"type":"carousel","columns":[)"
      R"({"thumbnailImageUrl":"https://cdn.example/r.jpg","title":"Red","text":"A red one",)"
      R"("actions":[{"type":"postback","label":"Buy","data":"BUY_R"}]},)"
      R"({"thumbnailImageUrl":"https://cdn.example/b.jpg","title":"Blue","text":"A blue one",)"
      R"("actions":[{"type":"uri","label":"See","uri":"https://shop.example/b"}]}]}})");
  // No titles or images: the alt text falls back to the first column's text (LINE needs one).
  for (auto& e : card.elements) {
    e.title.clear();
    e.image_url.clear();
  }
  EXPECT_EQ(MessageObject(CardOf(card)),
            R"({"type":"template","altText":"A red one","template":{"type":"carousel","columns":[)"
            R"({"text":"A red one","actions":[{"type":"postback","label":"Buy","data":"BUY_R"}]},)"
            R"({"text":"A blue one","actions":[{"type":"uri","label":"See",)"
            R"("uri":"https://shop.example/b"}]}]}})");
  card.alt_text = "Colours";
  EXPECT_NE(MessageObject(CardOf(card)).find(R"("altText":"Colours")"), std::string::npos);
}

TEST(LineAdapterTest, QuickRepliesAreATextWithActionItems) {
  Card card;
  card.layout = CardLayout::kQuickReplies;
  card.text = "Still interested?";
  card.buttons = {Of(ButtonAction::kSubscribe, "Yes"), Postback("Later", "LATER"),
                  Link("Site", "https://shop.example")};
  EXPECT_EQ(
      MessageObject(CardOf(card)),
      R"({"type":"text","text":"Still interested?","quickReply":{"items":[)"
      R"({"type":"action","action":{"type":"postback","label":"Yes","data":"crier:subscribe"}},)"
      R"({"type":"action","action":{"type":"postback","label":"Later","data":"LATER"}},)"
      R"({"type":"action","action":{"type":"uri","label":"Site","uri":"https://shop.example"}}]}})");
}

TEST(LineAdapterTest, FlexContainerGoesAsWritten) {
  Card card;
  card.layout = CardLayout::kFlex;
  card.alt_text = "Your order";
  card.flex = R"({"type":"bubble","body":{"type":"box","layout":"vertical","contents":[)"
              R"({"type":"text","text":"Shipped"}]}})";
  EXPECT_EQ(MessageObject(CardOf(card)),
            R"({"type":"flex","altText":"Your order","contents":)" + card.flex + "}");
}

TEST(LineAdapterTest, AHostileNameStaysInsideItsStrings) {
  Card card;
  card.layout = CardLayout::kButtons;
  card.text = "Hi {{contact.first_name}}!";
  card.buttons = {Postback("Go", "GO")};
  const Message message = CardOf(card);
  auto compiled = CompileMessage(Platform::kLine, message, 0);
  ASSERT_TRUE(compiled.ok());
  Contact contact;
  contact.first_name = R"(A"},"x":{"y":"\)";
  const std::string object = MessageObject(message, &contact, &*compiled);
  const auto parsed = boost::json::parse(object).as_object();
  EXPECT_EQ(parsed.size(), 3u);
  const auto& tmpl = parsed.at("template").as_object();
  EXPECT_EQ(tmpl.size(), 3u);
  EXPECT_EQ(tmpl.at("text").as_string(), "Hi " + contact.first_name + "!");
  EXPECT_EQ(parsed.at("altText").as_string(), "Hi " + contact.first_name + "!");
  // Without the contact the placeholder goes as written (the render endpoint's view).
  EXPECT_NE(MessageObject(message).find("{{contact.first_name}}"), std::string::npos);
}

TEST(LineAdapterTest, WhatLineCannotShowIsRefusedBeforeBuilding) {
  const LineAdapter adapter;
  Message file = MediaOf(MessageKind::kFile, "https://cdn.example/a.pdf");
  const Status f = adapter.ValidateMessage(file);
  ASSERT_FALSE(f.ok());
  EXPECT_EQ(f.error().field, "kind");
  Card list;
  list.layout = CardLayout::kList;
  const Status l = adapter.ValidateMessage(CardOf(list));
  ASSERT_FALSE(l.ok());
  EXPECT_EQ(l.error().field, "card.layout");
  const std::vector<Message> two{Text("a"), file};
  const auto push = adapter.BuildPush(Account(), kUser, two, kKey);
  ASSERT_FALSE(push.ok());
  EXPECT_EQ(push.error().field, "messages[1].kind");
}

TEST(LineAdapterTest, MulticastCarriesMediaAndCards) {
  const LineAdapter adapter;
  const auto to = Users(1);
  Card card;
  card.layout = CardLayout::kQuickReplies;
  card.text = "Q";
  card.buttons = {Postback("A", "P")};
  const std::vector<Message> two{MediaOf(MessageKind::kImage, "https://cdn.example/a.jpg"),
                                 CardOf(card)};
  const auto req = adapter.BuildMulticast(Account(), to, two, kKey);
  ASSERT_TRUE(req.ok());
  EXPECT_EQ(
      req->body,
      R"({"to":[")" + to[0] +
          R"("],"messages":[{"type":"image","originalContentUrl":"https://cdn.example/a.jpg",)"
          R"("previewImageUrl":"https://cdn.example/a.jpg"},)"
          R"({"type":"text","text":"Q","quickReply":{"items":[{"type":"action",)"
          R"("action":{"type":"postback","label":"A","data":"P"}}]}}]})");
}

}  // namespace crier::channels
