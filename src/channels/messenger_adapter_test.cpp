#include "channels/messenger_adapter.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <string>
#include <tuple>

namespace crier::channels {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

constexpr std::string_view kToken = "EAAGsecretTOKENvalue1234567890abcdefghijklmnopqrstuvwxyz";

ChannelAccount Account() {
  ChannelAccount a;
  a.platform = Platform::kMessenger;
  a.external_id = "1234567890";
  a.access_token = std::string(kToken);
  a.api_base_url = "http://127.0.0.1:8801";
  a.api_version = "v25.0";
  return a;
}

SendContext UpdateRoute() { return {Route{RouteKind::kStandardWindow, "UPDATE", {}}, {}}; }

RecipientRef Recipient(std::string psid = "24680") {
  RecipientRef r;
  r.platform_user_id = std::move(psid);
  r.name = "Ann";
  return r;
}

Message Text(std::string text) { return Message{MessageKind::kText, std::move(text)}; }

boost::json::object ParseBody(const OutboundRequest& req) {
  boost::system::error_code ec;
  boost::json::value v = boost::json::parse(req.body, ec);
  EXPECT_FALSE(ec) << req.body;
  if (ec || !v.is_object()) return {};
  return v.get_object();
}

TEST(MessengerAdapterTest, MakeAdapterCoversEveryPlatform) {
  auto messenger = MakeAdapter(Platform::kMessenger);
  auto instagram = MakeAdapter(Platform::kInstagram);
  ASSERT_NE(messenger, nullptr);
  ASSERT_NE(instagram, nullptr);
  EXPECT_EQ(messenger->platform(), Platform::kMessenger);
  EXPECT_EQ(instagram->platform(), Platform::kInstagram);
  EXPECT_EQ(MakeAdapter(Platform::kWhatsApp)->platform(), Platform::kWhatsApp);
  EXPECT_EQ(MakeAdapter(Platform::kLine)->platform(), Platform::kLine);
}

TEST(MessengerAdapterTest, BuildsTheSendApiRequest) {
  const MessengerAdapter adapter(Platform::kMessenger);
  const OutboundRequest req = adapter.BuildSend(Account(), Recipient(), UpdateRoute(), Text("Hi"));
  EXPECT_EQ(req.method, "POST");
  EXPECT_EQ(req.url, "http://127.0.0.1:8801/v25.0/1234567890/messages");
  EXPECT_EQ(net::FindHeader(req.headers, "Authorization"), "Bearer " + std::string(kToken));
  EXPECT_EQ(net::FindHeader(req.headers, "Content-Type"), "application/json");
  EXPECT_EQ(req.body,
            R"({"recipient":{"id":"24680"},"messaging_type":"UPDATE","message":{"text":"Hi"}})");
}

TEST(MessengerAdapterTest, TrailingSlashesOfTheBaseAreStripped) {
  const MessengerAdapter adapter(Platform::kMessenger);
  ChannelAccount a = Account();
  for (const std::string base : {"https://graph.facebook.com/", "https://graph.facebook.com//",
                                 "https://graph.facebook.com"}) {
    a.api_base_url = base;
    EXPECT_EQ(adapter.BuildSend(a, Recipient(), UpdateRoute(), Text("x")).url,
              "https://graph.facebook.com/v25.0/1234567890/messages");
  }
}

TEST(MessengerAdapterTest, OddIdsCannotChangeThePath) {
  const MessengerAdapter adapter(Platform::kMessenger);
  ChannelAccount a = Account();
  a.external_id = "12/../me?x=1";
  EXPECT_EQ(adapter.BuildSend(a, Recipient(), UpdateRoute(), Text("x")).url,
            "http://127.0.0.1:8801/v25.0/12%2F..%2Fme%3Fx%3D1/messages");
}

TEST(MessengerAdapterTest, TagGoesRightAfterMessagingType) {
  const MessengerAdapter adapter(Platform::kMessenger);
  const SendContext route{{RouteKind::kMessageTag, "MESSAGE_TAG", "HUMAN_AGENT"}, {}};
  const OutboundRequest req = adapter.BuildSend(Account(), Recipient(), route, Text("Hi"));
  EXPECT_EQ(req.body,
            R"({"recipient":{"id":"24680"},"messaging_type":"MESSAGE_TAG","tag":"HUMAN_AGENT",)"
            R"("message":{"text":"Hi"}})");
}

TEST(MessengerAdapterTest, NoTagFieldWithoutATag) {
  const MessengerAdapter adapter(Platform::kMessenger);
  const auto body = ParseBody(adapter.BuildSend(Account(), Recipient(), UpdateRoute(), Text("a")));
  EXPECT_FALSE(body.contains("tag"));
  EXPECT_EQ(body.size(), 3u);
}

TEST(MessengerAdapterTest, TextIsEscapedAndRoundTrips) {
  const MessengerAdapter adapter(Platform::kMessenger);
  const std::string text = "Hi \"Ann\" \\ 50% off!\nLine two\ttab 🎉 中文 \x01 end";
  const auto body = ParseBody(adapter.BuildSend(Account(), Recipient(), UpdateRoute(), Text(text)));
  ASSERT_TRUE(body.contains("message"));
  EXPECT_EQ(body.at("message").at("text").as_string(), text);
  EXPECT_EQ(body.at("messaging_type").as_string(), "UPDATE");
}

TEST(MessengerAdapterTest, InjectionLookingIdsStayInsideTheirString) {
  const MessengerAdapter adapter(Platform::kMessenger);
  const std::string psid = R"(1"},"messaging_type":"MESSAGE_TAG","x":{"y":")";
  RecipientRef r = Recipient(psid);
  r.name = "Robert\"); DROP TABLE contacts;--";
  const auto body = ParseBody(adapter.BuildSend(Account(), r, UpdateRoute(), Text("</script>\"'")));
  EXPECT_EQ(body.at("recipient").at("id").as_string(), psid);
  EXPECT_EQ(body.at("messaging_type").as_string(), "UPDATE");
  EXPECT_EQ(body.at("message").at("text").as_string(), "</script>\"'");
  EXPECT_EQ(body.size(), 3u);
}

TEST(MessengerAdapterTest, InvalidUtf8StillMakesValidJson) {
  const MessengerAdapter adapter(Platform::kMessenger);
  const auto body =
      ParseBody(adapter.BuildSend(Account(), Recipient(), UpdateRoute(), Text("bad \xff byte")));
  EXPECT_EQ(body.at("message").at("text").as_string(), "bad \xEF\xBF\xBD byte");
}

TEST(MessengerAdapterTest, TokenNeverInBodyOrUrl) {
  const MessengerAdapter adapter(Platform::kInstagram);
  const OutboundRequest req = adapter.BuildSend(Account(), Recipient(), UpdateRoute(), Text("x"));
  EXPECT_THAT(req.body, Not(HasSubstr(kToken)));
  EXPECT_THAT(req.url, Not(HasSubstr(kToken)));
}

TEST(MessengerAdapterTest, InstagramUsesTheSameShape) {
  const MessengerAdapter messenger(Platform::kMessenger);
  const MessengerAdapter instagram(Platform::kInstagram);
  const auto a = messenger.BuildSend(Account(), Recipient(), UpdateRoute(), Text("x"));
  const auto b = instagram.BuildSend(Account(), Recipient(), UpdateRoute(), Text("x"));
  EXPECT_EQ(a.url, b.url);
  EXPECT_EQ(a.body, b.body);
  EXPECT_EQ(a.headers, b.headers);
}

// --- Classify ---------------------------------------------------------------------------

TransportResult Answer(int status, std::string body, net::Headers headers = {}) {
  TransportResult r;
  r.tag = 7;
  r.status = status;
  r.body = std::move(body);
  r.headers = std::move(headers);
  return r;
}

std::string GraphError(int code, int subcode, std::string message = "(#1) boom") {
  boost::json::object error{{"message", message},
                            {"type", "OAuthException"},
                            {"code", code},
                            {"fbtrace_id", "AbCdEf123"}};
  if (subcode != 0) error["error_subcode"] = subcode;
  return boost::json::serialize(boost::json::object{{"error", error}});
}

TEST(MessengerClassifyTest, SuccessCarriesTheMessageId) {
  const MessengerAdapter adapter(Platform::kMessenger);
  const SendResult r =
      adapter.Classify(Answer(200, R"({"recipient_id":"24680","message_id":"m_abc"})"));
  EXPECT_TRUE(r.sent);
  EXPECT_EQ(r.platform_message_id, "m_abc");
  EXPECT_TRUE(r.error_code.empty());
}

TEST(MessengerClassifyTest, SuccessStatusWithoutMessageIdIsNotSentAndNotRetried) {
  const MessengerAdapter adapter(Platform::kMessenger);
  for (const std::string body : {R"({"recipient_id":"1"})", "not json", R"({"message_id":""})",
                                 R"({"message_id":42})", "[]", ""}) {
    const SendResult r = adapter.Classify(Answer(200, body));
    EXPECT_FALSE(r.sent) << body;
    EXPECT_EQ(r.error_class, ErrorClass::kInvalidRequest) << body;
    EXPECT_EQ(r.error_code, "bad_response") << body;
  }
}

TEST(MessengerClassifyTest, AnErrorEnvelopeWinsEvenOnSuccessStatus) {
  const MessengerAdapter adapter(Platform::kMessenger);
  const SendResult r = adapter.Classify(Answer(200, GraphError(10, 2018278)));
  EXPECT_FALSE(r.sent);
  EXPECT_EQ(r.error_class, ErrorClass::kPolicy);
  EXPECT_EQ(r.error_code, "10/2018278");
}

struct Row {
  int code;
  int subcode;
  ErrorClass expected;
  std::string_view error_code;
};

class GraphTableTest : public ::testing::TestWithParam<Row> {};

TEST_P(GraphTableTest, ClassFromEnvelope) {
  const Row& row = GetParam();
  const MessengerAdapter adapter(Platform::kMessenger);
  const SendResult r = adapter.Classify(Answer(400, GraphError(row.code, row.subcode)));
  EXPECT_FALSE(r.sent);
  EXPECT_EQ(r.error_class, row.expected) << row.error_code << " gave " << ToString(r.error_class);
  EXPECT_EQ(r.error_code, row.error_code);
  EXPECT_EQ(r.error_message, "(#1) boom");
}

INSTANTIATE_TEST_SUITE_P(
    Messenger, GraphTableTest,
    ::testing::Values(
        Row{1, 0, ErrorClass::kRetryLater, "1"}, Row{2, 0, ErrorClass::kRetryLater, "2"},
        Row{2018300, 0, ErrorClass::kRetryLater, "2018300"},
        Row{2018321, 0, ErrorClass::kRetryLater, "2018321"}, Row{4, 0, ErrorClass::kSlowDown, "4"},
        Row{17, 0, ErrorClass::kSlowDown, "17"}, Row{32, 0, ErrorClass::kSlowDown, "32"},
        Row{613, 0, ErrorClass::kSlowDown, "613"},
        Row{613, 2534040, ErrorClass::kSlowDown, "613/2534040"},
        Row{80006, 0, ErrorClass::kSlowDown, "80006"},
        Row{80001, 0, ErrorClass::kSlowDown, "80001"},
        Row{80002, 0, ErrorClass::kSlowDown, "80002"},
        Row{10, 2018278, ErrorClass::kPolicy, "10/2018278"},
        Row{10, 2534022, ErrorClass::kPolicy, "10/2534022"},
        Row{10, 2018065, ErrorClass::kPolicy, "10/2018065"}, Row{10, 0, ErrorClass::kPolicy, "10"},
        Row{4, 2018354, ErrorClass::kPolicy, "4/2018354"},
        Row{613, 2018338, ErrorClass::kPolicy, "613/2018338"},
        Row{551, 0, ErrorClass::kRecipientUnreachable, "551"},
        Row{551, 1545041, ErrorClass::kRecipientUnreachable, "551/1545041"},
        Row{200, 1545041, ErrorClass::kRecipientUnreachable, "200/1545041"},
        Row{10, 2018108, ErrorClass::kRecipientUnreachable, "10/2018108"},
        Row{100, 2018001, ErrorClass::kRecipientUnreachable, "100/2018001"},
        Row{100, 2534014, ErrorClass::kRecipientUnreachable, "100/2534014"},
        Row{10, 1893063, ErrorClass::kChannelHalted, "10/1893063"},
        Row{100, 2534029, ErrorClass::kChannelHalted, "100/2534029"},
        Row{200, 2534041, ErrorClass::kChannelHalted, "200/2534041"},
        Row{36103, 0, ErrorClass::kChannelHalted, "36103"}, Row{190, 0, ErrorClass::kAuth, "190"},
        Row{190, 460, ErrorClass::kAuth, "190/460"},
        Row{200, 2018028, ErrorClass::kAuth, "200/2018028"}, Row{200, 0, ErrorClass::kAuth, "200"},
        Row{100, 0, ErrorClass::kInvalidRequest, "100"},
        Row{100, 2018109, ErrorClass::kInvalidRequest, "100/2018109"},
        Row{100, 2534015, ErrorClass::kInvalidRequest, "100/2534015"},
        // An unknown subcode falls back to the code's own row.
        Row{100, 1234567, ErrorClass::kInvalidRequest, "100/1234567"},
        Row{10, 7654321, ErrorClass::kPolicy, "10/7654321"}));

TEST(MessengerClassifyTest, TableLookupPrefersExactSubcode) {
  EXPECT_EQ(MessengerErrorClass(10, 2018278), ErrorClass::kPolicy);
  EXPECT_EQ(MessengerErrorClass(10, 1893063), ErrorClass::kChannelHalted);
  EXPECT_EQ(MessengerErrorClass(10, 2018108), ErrorClass::kRecipientUnreachable);
  EXPECT_EQ(MessengerErrorClass(100, 0), ErrorClass::kInvalidRequest);
  EXPECT_EQ(MessengerErrorClass(100, 2018001), ErrorClass::kRecipientUnreachable);
  EXPECT_EQ(MessengerErrorClass(99999, 0), std::nullopt);
  EXPECT_EQ(MessengerErrorClass(9, 0), std::nullopt);  // only 9/2018352 is known
  EXPECT_EQ(MessengerErrorClass(9, 2018352), ErrorClass::kPolicy);
}

TEST(MessengerClassifyTest, UnknownGraphCodeFallsBackOnHttpStatus) {
  const MessengerAdapter adapter(Platform::kMessenger);
  SendResult r = adapter.Classify(Answer(400, GraphError(99999, 0)));
  EXPECT_EQ(r.error_class, ErrorClass::kInvalidRequest);
  EXPECT_EQ(r.error_code, "99999");
  r = adapter.Classify(Answer(503, GraphError(99999, 12)));
  EXPECT_EQ(r.error_class, ErrorClass::kRetryLater);
  EXPECT_EQ(r.error_code, "99999/12");
  r = adapter.Classify(Answer(429, GraphError(99999, 0)));
  EXPECT_EQ(r.error_class, ErrorClass::kSlowDown);
}

TEST(MessengerClassifyTest, KnownGraphCodeWinsOverHttpStatus) {
  const MessengerAdapter adapter(Platform::kMessenger);
  EXPECT_EQ(adapter.Classify(Answer(500, GraphError(190, 0))).error_class, ErrorClass::kAuth);
  EXPECT_EQ(adapter.Classify(Answer(500, GraphError(2, 0))).error_class, ErrorClass::kRetryLater);
}

TEST(MessengerClassifyTest, CodesGivenAsStringsAreRead) {
  const MessengerAdapter adapter(Platform::kMessenger);
  const SendResult r = adapter.Classify(
      Answer(400, R"({"error":{"message":"x","code":"10","error_subcode":"2018278"}})"));
  EXPECT_EQ(r.error_class, ErrorClass::kPolicy);
  EXPECT_EQ(r.error_code, "10/2018278");
}

TEST(MessengerClassifyTest, NoAnswerAfterTheRequestLeftIsNeverRetried) {
  const MessengerAdapter adapter(Platform::kMessenger);
  TransportResult t;
  t.timed_out = true;
  t.request_sent = true;
  t.transport_error = "Operation timed out after 30000 milliseconds with 0 bytes received";
  SendResult r = adapter.Classify(t);
  EXPECT_FALSE(r.sent);
  EXPECT_EQ(r.error_class, ErrorClass::kUnknownOutcome);
  EXPECT_EQ(r.error_code, "timeout");

  TransportResult reset;
  reset.request_sent = true;
  reset.transport_error = "Recv failure: Connection reset by peer";
  EXPECT_EQ(adapter.Classify(reset).error_class, ErrorClass::kUnknownOutcome);
}

TEST(MessengerClassifyTest, FailuresBeforeTheRequestLeftRetryLater) {
  const MessengerAdapter adapter(Platform::kMessenger);
  TransportResult t;
  t.timed_out = true;  // a connect timeout: nothing was sent
  t.transport_error = "Operation timed out after 200 milliseconds";
  SendResult r = adapter.Classify(t);
  EXPECT_FALSE(r.sent);
  EXPECT_EQ(r.error_class, ErrorClass::kRetryLater);
  EXPECT_EQ(r.error_code, "timeout");
  EXPECT_THAT(r.error_message, HasSubstr("timed out"));

  TransportResult refused;
  refused.transport_error = "Failed to connect to 127.0.0.1 port 1: Connection refused";
  r = adapter.Classify(refused);
  EXPECT_EQ(r.error_class, ErrorClass::kRetryLater);
  EXPECT_EQ(r.error_code, "transport");

  r = adapter.Classify(TransportResult{});  // status 0 without a reason
  EXPECT_EQ(r.error_code, "transport");
  EXPECT_FALSE(r.error_message.empty());
}

TEST(MessengerClassifyTest, HttpFallbacksWithoutEnvelope) {
  const MessengerAdapter adapter(Platform::kMessenger);
  SendResult r = adapter.Classify(Answer(429, "slow down"));
  EXPECT_EQ(r.error_class, ErrorClass::kSlowDown);
  EXPECT_EQ(r.error_code, "http_429");
  r = adapter.Classify(Answer(500, "<html>oops</html>"));
  EXPECT_EQ(r.error_class, ErrorClass::kRetryLater);
  EXPECT_EQ(r.error_code, "http_500");
  r = adapter.Classify(Answer(503, ""));
  EXPECT_EQ(r.error_class, ErrorClass::kRetryLater);
  EXPECT_EQ(r.error_code, "http_503");
  r = adapter.Classify(Answer(499, "{}"));
  EXPECT_EQ(r.error_class, ErrorClass::kInvalidRequest);
  EXPECT_EQ(r.error_code, "http_499");
  r = adapter.Classify(Answer(404, R"({"error":"not an object"})"));
  EXPECT_EQ(r.error_class, ErrorClass::kInvalidRequest);
  EXPECT_EQ(r.error_code, "http_404");
  r = adapter.Classify(Answer(400, R"({"error":{"message":"no code"}})"));
  EXPECT_EQ(r.error_class, ErrorClass::kInvalidRequest);
  EXPECT_EQ(r.error_code, "http_400");
}

TEST(MessengerClassifyTest, RetryAfterSecondsAreRead) {
  const MessengerAdapter adapter(Platform::kMessenger);
  const auto with = [&](std::string value) {
    return adapter.Classify(Answer(429, "", {{"retry-after", std::move(value)}})).retry_after;
  };
  EXPECT_EQ(with("30"), std::chrono::seconds(30));
  EXPECT_EQ(with(" 5 "), std::chrono::seconds(5));
  EXPECT_EQ(with("0"), std::chrono::seconds(0));
  EXPECT_EQ(with("86400"), kMaxRetryAfter);
  EXPECT_EQ(with("86401"), kMaxRetryAfter);
  EXPECT_EQ(with("99999999999999999999999"), kMaxRetryAfter);
  EXPECT_EQ(with("-1"), std::nullopt);
  EXPECT_EQ(with("soon"), std::nullopt);
  EXPECT_EQ(with("Wed, 21 Oct 2026 07:28:00 GMT"), std::nullopt);
  EXPECT_EQ(adapter.Classify(Answer(429, "")).retry_after, std::nullopt);
}

TEST(MessengerClassifyTest, BusinessUseCaseHeaderGivesTheWaitForThrottles) {
  const MessengerAdapter adapter(Platform::kMessenger);
  const net::Headers headers = {
      {"X-Business-Use-Case-Usage",
       R"({"1234":[{"type":"messenger","call_count":100,"estimated_time_to_regain_access":5},)"
       R"({"type":"pages","estimated_time_to_regain_access":2}]})"}};
  SendResult r = adapter.Classify(Answer(400, GraphError(80006, 0), headers));
  EXPECT_EQ(r.error_class, ErrorClass::kSlowDown);
  EXPECT_EQ(r.retry_after, std::chrono::minutes(5));
  // Not a throttle: the header does not make it one.
  r = adapter.Classify(Answer(400, GraphError(100, 0), headers));
  EXPECT_EQ(r.retry_after, std::nullopt);
  // Retry-After wins when both are given.
  net::Headers both = headers;
  both.emplace_back("Retry-After", "7");
  r = adapter.Classify(Answer(400, GraphError(4, 0), both));
  EXPECT_EQ(r.retry_after, std::chrono::seconds(7));
  // A broken header is ignored.
  r = adapter.Classify(Answer(400, GraphError(4, 0), {{"X-Business-Use-Case-Usage", "{not json"}}));
  EXPECT_EQ(r.retry_after, std::nullopt);
}

TEST(MessengerClassifyTest, SecretsAreScrubbedFromMessages) {
  const MessengerAdapter adapter(Platform::kMessenger);
  SendResult r = adapter.Classify(Answer(
      400, GraphError(190, 0, "Invalid OAuth access token " + std::string(kToken) + " given")));
  EXPECT_THAT(r.error_message, Not(HasSubstr(kToken)));
  EXPECT_THAT(r.error_message, HasSubstr("Invalid OAuth access token"));
  EXPECT_THAT(r.error_message, HasSubstr("[redacted]"));

  r = adapter.Classify(Answer(400, GraphError(190, 0, "bad url ?access_token=abc123&x=1")));
  EXPECT_THAT(r.error_message, Not(HasSubstr("abc123")));
  EXPECT_THAT(r.error_message, HasSubstr("&x=1"));

  r = adapter.Classify(Answer(502, "proxy saw access_token=" + std::string(kToken)));
  EXPECT_THAT(r.error_message, Not(HasSubstr(kToken)));

  TransportResult t;
  t.transport_error = "could not reach http://h/?access_token=short1";
  EXPECT_THAT(adapter.Classify(t).error_message, Not(HasSubstr("short1")));
}

TEST(MessengerClassifyTest, ShortIdsInMessagesAreKept) {
  const MessengerAdapter adapter(Platform::kMessenger);
  const SendResult r = adapter.Classify(
      Answer(400, GraphError(100, 2018001, "(#100) No matching user found for 2468013579")));
  EXPECT_EQ(r.error_message, "(#100) No matching user found for 2468013579");
}

TEST(MessengerClassifyTest, LongMessagesAreCut) {
  const MessengerAdapter adapter(Platform::kMessenger);
  std::string text;
  while (text.size() < 2 * kMaxErrorMessageBytes) text += "訊息 ";  // 3-byte characters
  SendResult r = adapter.Classify(Answer(400, GraphError(100, 0, text + "tail")));
  EXPECT_LE(r.error_message.size(), kMaxErrorMessageBytes);
  EXPECT_GE(r.error_message.size(), kMaxErrorMessageBytes - 3);
  EXPECT_THAT(r.error_message, Not(HasSubstr("tail")));
  boost::system::error_code ec;  // still valid UTF-8 after the cut
  boost::json::parse(boost::json::serialize(boost::json::string(r.error_message)), ec);
  EXPECT_FALSE(ec);

  const std::string exact(kMaxErrorMessageBytes, ' ');
  r = adapter.Classify(Answer(400, GraphError(100, 0, exact)));
  EXPECT_EQ(r.error_message.size(), kMaxErrorMessageBytes);
  r = adapter.Classify(Answer(400, GraphError(100, 0, exact + " ")));
  EXPECT_EQ(r.error_message.size(), kMaxErrorMessageBytes);
}

// --- routes beyond the window

Message Template(std::vector<std::string> body_parameters) {
  Message m;
  m.kind = MessageKind::kTemplate;
  m.template_message.name = "order_update";
  m.template_message.language = "en_US";
  m.template_message.body_parameters = std::move(body_parameters);
  return m;
}

constexpr std::string_view kMarketingToken = "nmt-42";

RecipientRef WithToken() {
  RecipientRef r = Recipient();
  r.marketing_token = std::string(kMarketingToken);
  return r;
}

TEST(MessengerAdapterTest, AUtilityTemplateGoesAsUtilityWithItsBodyParameters) {
  const MessengerAdapter adapter(Platform::kMessenger);
  const SendContext utility{{RouteKind::kUtilityTemplate, "UTILITY", {}}, {}};
  const OutboundRequest req =
      adapter.BuildSend(Account(), Recipient(), utility, Template({"A-1", "\"soon\""}));
  EXPECT_EQ(req.url, "http://127.0.0.1:8801/v25.0/1234567890/messages");
  EXPECT_EQ(
      req.body,
      R"({"recipient":{"id":"24680"},"messaging_type":"UTILITY","message":{"template":)"
      R"({"name":"order_update","language":{"code":"en_US"},"components":[{"type":"body",)"
      R"("parameters":[{"type":"text","text":"A-1"},{"type":"text","text":"\"soon\""}]}]}}})");
  // A template without placeholders names no components at all.
  EXPECT_EQ(adapter.BuildSend(Account(), Recipient(), utility, Template({})).body,
            R"({"recipient":{"id":"24680"},"messaging_type":"UTILITY","message":{"template":)"
            R"({"name":"order_update","language":{"code":"en_US"}}}})");
}

TEST(MessengerAdapterTest, AMarketingTokenIsTheRecipientAndNeedsNoMessagingType) {
  const MessengerAdapter adapter(Platform::kMessenger);
  const SendContext token{{RouteKind::kMarketingToken, {}, {}}, {}};
  const OutboundRequest req = adapter.BuildSend(Account(), WithToken(), token, Text("20% off"));
  EXPECT_EQ(req.url, "http://127.0.0.1:8801/v25.0/1234567890/messages");
  EXPECT_EQ(req.body, R"({"recipient":{"notification_messages_token":"nmt-42"},)"
                      R"("message":{"text":"20% off"}})");
  EXPECT_THAT(req.body, Not(HasSubstr("24680"))) << "the token alone names the person";
}

TEST(MessengerAdapterTest, TheMarketingMessageApiSendsFromTheAdAccountUnderTheCampaign) {
  const MessengerAdapter adapter(Platform::kMessenger);
  ChannelAccount account = Account();
  account.capabilities.ad_account_id = "998877";
  const SendContext api{{RouteKind::kMarketingMessageApi, {}, {}}, "120210000000001"};
  const OutboundRequest req = adapter.BuildSend(account, WithToken(), api, Text("New in"));
  EXPECT_EQ(req.method, "POST");
  EXPECT_EQ(req.url, "http://127.0.0.1:8801/v25.0/act_998877/messages");
  EXPECT_EQ(net::FindHeader(req.headers, "Authorization"), "Bearer " + std::string(kToken));
  EXPECT_EQ(req.body, R"({"message_id":"120210000000001","messenger_delivery_data":)"
                      R"({"subscription_token":"nmt-42"},"message":{"text":"New in"}})");
  EXPECT_THAT(req.body, Not(HasSubstr(kToken)));
}

TEST(MessengerAdapterTest, OnlyMessengerUtilityTemplatesPassValidation) {
  const MessengerAdapter messenger(Platform::kMessenger);
  EXPECT_TRUE(messenger.ValidateMessage(Text("anything")).ok());
  EXPECT_TRUE(messenger.ValidateMessage(Template({"A-1"})).ok());
  EXPECT_TRUE(messenger.ValidateMessage(Template({})).ok());

  Message empty_param = Template({"A-1", ""});
  Status s = messenger.ValidateMessage(empty_param);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().field, "template.body_parameters[1]");

  Message header = Template({"A-1"});
  header.template_message.header_parameters = {"Hi"};
  s = messenger.ValidateMessage(header);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().field, "template.header_parameters");

  // Its wire carries no buttons: a URL suffix would be dropped without a word.
  Message buttons = Template({"A-1"});
  buttons.template_message.button_parameters = {"order/42"};
  s = messenger.ValidateMessage(buttons);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().field, "template.button_parameters");

  Message nameless = Template({});
  nameless.template_message.name.clear();
  EXPECT_EQ(messenger.ValidateMessage(nameless).error().field, "template.name");
  Message no_language = Template({});
  no_language.template_message.language.clear();
  EXPECT_EQ(messenger.ValidateMessage(no_language).error().field, "template.language");

  const MessengerAdapter instagram(Platform::kInstagram);
  EXPECT_TRUE(instagram.ValidateMessage(Text("x")).ok());
  EXPECT_EQ(instagram.ValidateMessage(Template({})).error().field, "template");
}

TEST(MessengerClassifyTest, TheMarketingMessageApiSuccessCarriesItsTrackingId) {
  const MessengerAdapter adapter(Platform::kMessenger);
  SendResult r = adapter.Classify(
      Answer(200, R"({"success":true,"marketing_message_tracking_id":"3f2a-77"})"));
  EXPECT_TRUE(r.sent);
  EXPECT_EQ(r.platform_message_id, "3f2a-77");
  // Not a success without both: nobody knows whether it went, so it is not retried.
  for (const char* body : {R"({"success":false,"marketing_message_tracking_id":"3f2a-77"})",
                           R"({"success":true})", R"({"marketing_message_tracking_id":"x"})"}) {
    r = adapter.Classify(Answer(200, body));
    EXPECT_FALSE(r.sent) << body;
    EXPECT_EQ(r.error_code, "bad_response") << body;
    EXPECT_EQ(r.error_class, ErrorClass::kInvalidRequest) << body;
  }
}

TEST(MessengerClassifyTest, MarketingMessageApiCodesCountAsTheSubcodeOfCode100) {
  const MessengerAdapter adapter(Platform::kMessenger);
  SendResult r = adapter.Classify(Answer(400, GraphError(100, 2300034)));
  // The subscriber stopped: the token is marked stopped, the person is not suppressed.
  EXPECT_EQ(r.error_class, ErrorClass::kPolicy);
  EXPECT_TRUE(r.marketing_token_stopped);
  EXPECT_EQ(r.error_code, "100/2300034");
  EXPECT_FALSE(adapter.Classify(Answer(400, GraphError(100, 2300035))).marketing_token_stopped);
  EXPECT_TRUE(adapter.Classify(Answer(400, GraphError(10, 1893015))).marketing_token_stopped);
  EXPECT_FALSE(adapter.Classify(Answer(400, GraphError(10, 2018278))).marketing_token_stopped);
  EXPECT_EQ(adapter.Classify(Answer(400, GraphError(100, 2300035))).error_class,
            ErrorClass::kPolicy);
  EXPECT_EQ(adapter.Classify(Answer(400, GraphError(100, 2300015))).error_class,
            ErrorClass::kChannelHalted);
  r = adapter.Classify(Answer(400, GraphError(100, 2300055)));
  EXPECT_EQ(r.error_class, ErrorClass::kRetryLater);
  EXPECT_EQ(r.retry_after, std::chrono::minutes(30));
  // A subcode outside the API's range, or one it has no row for, keeps code 100's row.
  EXPECT_EQ(adapter.Classify(Answer(400, GraphError(100, 2300099))).error_class,
            ErrorClass::kInvalidRequest);
  EXPECT_EQ(adapter.Classify(Answer(400, GraphError(100, 2300100))).error_class,
            ErrorClass::kInvalidRequest);
  // Given as the code itself, the same rows apply.
  EXPECT_EQ(adapter.Classify(Answer(400, GraphError(2300034, 0))).error_class, ErrorClass::kPolicy);
}

// --- Media and cards (platforms.md 1.5, 3) ---------------------------------------------------

Button UrlButton(std::string title, std::string url) {
  return Button{ButtonAction::kUrl, std::move(title), std::move(url), {}};
}
Button PostbackButton(std::string title, std::string payload) {
  return Button{ButtonAction::kPostback, std::move(title), {}, std::move(payload)};
}
Button ActionButton(ButtonAction action, std::string title) {
  return Button{action, std::move(title), {}, {}};
}

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

std::string StandardEnvelope(std::string_view message_json) {
  return R"({"recipient":{"id":"24680"},"messaging_type":"UPDATE","message":)" +
         std::string(message_json) + "}";
}

TEST(MessengerAdapterTest, MediaGoesAsAReusableAttachmentByUrl) {
  const MessengerAdapter adapter(Platform::kMessenger);
  const std::pair<MessageKind, std::string_view> kinds[] = {{MessageKind::kImage, "image"},
                                                            {MessageKind::kVideo, "video"},
                                                            {MessageKind::kAudio, "audio"},
                                                            {MessageKind::kFile, "file"}};
  for (const auto& [kind, type] : kinds) {
    const OutboundRequest req = adapter.BuildSend(Account(), Recipient(), UpdateRoute(),
                                                  Media(kind, "https://cdn.example/a?b=1&c=\"2\""));
    EXPECT_EQ(req.body,
              StandardEnvelope(R"({"attachment":{"type":")" + std::string(type) +
                               R"(","payload":{"url":"https://cdn.example/a?b=1&c=\"2\"",)"
                               R"("is_reusable":true}}})"));
  }
}

TEST(MessengerAdapterTest, AButtonsCardIsTheButtonTemplateWithButtonsByAction) {
  const MessengerAdapter adapter(Platform::kMessenger);
  Message m = Card(CardLayout::kButtons);
  m.card.text = "Pick one";
  m.card.buttons = {UrlButton("Shop", "https://shop.example/x"), PostbackButton("Talk", "TALK_1"),
                    ActionButton(ButtonAction::kUnsubscribe, "Stop")};
  const OutboundRequest req = adapter.BuildSend(Account(), Recipient(), UpdateRoute(), m);
  EXPECT_EQ(
      req.body,
      StandardEnvelope(R"({"attachment":{"type":"template","payload":{"template_type":"button",)"
                       R"("text":"Pick one","buttons":[)"
                       R"({"type":"web_url","url":"https://shop.example/x","title":"Shop"},)"
                       R"({"type":"postback","payload":"TALK_1","title":"Talk"},)"
                       R"({"type":"postback","payload":"crier:unsubscribe","title":"Stop"}]}}})"));
}

TEST(MessengerAdapterTest, ACarouselIsTheGenericTemplateWithOptionalFieldsLeftOut) {
  const MessengerAdapter adapter(Platform::kMessenger);
  Message m = Card(CardLayout::kCarousel);
  m.card.elements = {
      CardElement{"Shoes",
                  "Red ones",
                  "https://img.example/1.jpg",
                  {UrlButton("View", "https://shop.example/1"),
                   ActionButton(ButtonAction::kSubscribe, "Follow")}},
      CardElement{"Hats", "", "", {}},
  };
  const OutboundRequest req = adapter.BuildSend(Account(), Recipient(), UpdateRoute(), m);
  EXPECT_EQ(
      req.body,
      StandardEnvelope(R"({"attachment":{"type":"template","payload":{"template_type":"generic",)"
                       R"("elements":[{"title":"Shoes","subtitle":"Red ones",)"
                       R"("image_url":"https://img.example/1.jpg","buttons":[)"
                       R"({"type":"web_url","url":"https://shop.example/1","title":"View"},)"
                       R"({"type":"postback","payload":"crier:subscribe","title":"Follow"}]},)"
                       R"({"title":"Hats"}]}}})"));
}

TEST(MessengerAdapterTest, QuickRepliesAreTextRepliesCarryingTheirPayloads) {
  const MessengerAdapter adapter(Platform::kInstagram);
  Message m = Card(CardLayout::kQuickReplies);
  m.card.text = "Still keen?";
  m.card.buttons = {PostbackButton("Yes", "YES"), ActionButton(ButtonAction::kUnsubscribe, "No")};
  const OutboundRequest req = adapter.BuildSend(Account(), Recipient(), UpdateRoute(), m);
  EXPECT_EQ(req.body, StandardEnvelope(R"({"text":"Still keen?","quick_replies":[)"
                                       R"({"content_type":"text","title":"Yes","payload":"YES"},)"
                                       R"({"content_type":"text","title":"No",)"
                                       R"("payload":"crier:unsubscribe"}]})"));
}

TEST(MessengerAdapterTest, EveryRouteCarriesTheSameCardObject) {
  const MessengerAdapter adapter(Platform::kMessenger);
  Message m = Card(CardLayout::kButtons);
  m.card.text = "Deal";
  m.card.buttons = {UrlButton("Open", "https://shop.example/deal")};
  const std::string card =
      R"({"attachment":{"type":"template","payload":{"template_type":"button","text":"Deal",)"
      R"("buttons":[{"type":"web_url","url":"https://shop.example/deal","title":"Open"}]}}})";
  RecipientRef r = Recipient();
  r.marketing_token = "tok-1";
  ChannelAccount a = Account();
  a.capabilities.ad_account_id = "777";
  SendContext token{Route{RouteKind::kMarketingToken, {}, {}}, {}};
  EXPECT_EQ(adapter.BuildSend(a, r, token, m).body,
            R"({"recipient":{"notification_messages_token":"tok-1"},"message":)" + card + "}");
  SendContext api{Route{RouteKind::kMarketingMessageApi, {}, {}}, {}};
  api.marketing_campaign_id = "555";
  EXPECT_EQ(adapter.BuildSend(a, r, api, m).body,
            R"({"message_id":"555","messenger_delivery_data":{"subscription_token":"tok-1"},)"
            R"("message":)" +
                card + "}");
  SendContext tag{Route{RouteKind::kMessageTag, "MESSAGE_TAG", "HUMAN_AGENT"}, {}};
  EXPECT_EQ(adapter.BuildSend(a, r, tag, m).body,
            R"({"recipient":{"id":"24680"},"messaging_type":"MESSAGE_TAG","tag":"HUMAN_AGENT",)"
            R"("message":)" +
                card + "}");
}

TEST(MessengerAdapterTest, AHostileNameInAPersonalisedCardStaysInsideItsString) {
  const MessengerAdapter adapter(Platform::kMessenger);
  Message m = Card(CardLayout::kCarousel);
  m.card.elements = {CardElement{"Hi {{contact.name}}",
                                 "For {{contact.first_name | \"you\"}}",
                                 "",
                                 {PostbackButton("Go", "GO")}}};
  auto compiled = CompileMessage(Platform::kMessenger, m, 0);
  ASSERT_TRUE(compiled.ok()) << compiled.error().ToString();
  Contact contact;
  contact.name = R"(Ann"},"recipient":{"id":"1"},"x":"\)";
  RecipientRef r = Recipient();
  r.contact = &contact;
  SendContext context = UpdateRoute();
  context.content = &*compiled;
  const OutboundRequest req = adapter.BuildSend(Account(), r, context, m);
  const boost::json::object body = ParseBody(req);
  EXPECT_EQ(body.at("recipient").at("id"), "24680");
  const auto& element =
      body.at("message").at("attachment").at("payload").at("elements").at(0).as_object();
  EXPECT_EQ(element.at("title").as_string(), "Hi " + contact.name);
  EXPECT_EQ(element.at("subtitle"), "For you");
  EXPECT_EQ(element.size(), 3u);  // title, subtitle, buttons: nothing injected
  EXPECT_EQ(body.size(), 3u);
}

TEST(MessengerAdapterTest, WithoutAContactAPersonalisedCaptionlessCardGoesAsWritten) {
  const MessengerAdapter adapter(Platform::kMessenger);
  Message m = Card(CardLayout::kQuickReplies);
  m.card.text = "Hi {{contact.name}}";
  m.card.buttons = {PostbackButton("Yes", "Y")};
  auto compiled = CompileMessage(Platform::kMessenger, m, 0);
  ASSERT_TRUE(compiled.ok());
  SendContext context = UpdateRoute();
  context.content = &*compiled;
  const boost::json::object body = ParseBody(adapter.BuildSend(Account(), Recipient(), context, m));
  EXPECT_EQ(body.at("message").at("text"), "Hi {{contact.name}}");
}

}  // namespace
}  // namespace crier::channels
