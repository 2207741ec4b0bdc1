#include "sandbox/sandbox.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <set>
#include <string>

#include "net/client.h"
#include "net/server.h"
#include "sandbox/graph_rules.h"
#include "sandbox/sandbox_test_support.h"

namespace crier::sandbox {
namespace {

using std::chrono::days;
using std::chrono::hours;
using std::chrono::minutes;
using testing::At;
using testing::GraphAnswer;
using ::testing::HasSubstr;
using testing::MakeRequest;
using testing::Parse;
namespace json = boost::json;

using testing::kIgPage;
using testing::kIgToken;
using testing::kPage;
using testing::kToken;
using testing::kUser;
using SandboxTest = testing::MessengerFixture;

TEST_F(SandboxTest, AcceptsInsideTheWindowAndRecordsTheMessage) {
  Interact(kPage, kUser, clock_.Now());
  clock_.Advance(hours(23) + minutes(59));
  auto a = Send(TextBody(kUser));
  ASSERT_EQ(a.status, 200) << json::serialize(a.body);
  EXPECT_EQ(a.body.at("recipient_id").as_string(), kUser);
  EXPECT_THAT(std::string(a.body.at("message_id").as_string()), ::testing::StartsWith("m_"));

  auto list = Parse(Call("GET", "/__sandbox/messages"));
  ASSERT_EQ(list.at("items").as_array().size(), 1u);
  const auto& item = list.at("items").as_array()[0].as_object();
  EXPECT_EQ(item.at("seq").as_int64(), 1);
  EXPECT_EQ(item.at("page_id").as_string(), kPage);
  EXPECT_EQ(item.at("recipient_id").as_string(), kUser);
  EXPECT_EQ(item.at("messaging_type").as_string(), "UPDATE");
  EXPECT_TRUE(item.at("tag").is_null());
  EXPECT_EQ(item.at("message").at("text").as_string(), "hello");
  EXPECT_EQ(item.at("message_id"), a.body.at("message_id"));
  EXPECT_EQ(item.at("received_at").as_string(), FormatRfc3339(clock_.Now()));
  EXPECT_TRUE(list.at("next_after").is_null());
}

TEST_F(SandboxTest, RefusesJustAfterTheStandardWindow) {
  Interact(kPage, kUser, clock_.Now());
  clock_.Advance(hours(24) + minutes(1));
  auto a = Send(TextBody(kUser));
  EXPECT_EQ(a.status, 400);
  EXPECT_EQ(a.code(), graph::kCodePermission);
  EXPECT_EQ(a.subcode(), graph::kSubcodeOutsideWindowMessenger);
  EXPECT_EQ(a.message(), graph::kMsgOutsideWindow);
  EXPECT_EQ(a.type(), "OAuthException");
  EXPECT_FALSE(a.body.at("error").at("fbtrace_id").as_string().empty());
}

TEST_F(SandboxTest, WindowEndsExactlyAt24Hours) {
  Interact(kPage, kUser, clock_.Now());
  clock_.Advance(hours(24) - std::chrono::milliseconds(1));
  EXPECT_EQ(Send(TextBody(kUser)).status, 200);
  clock_.Advance(std::chrono::milliseconds(1));
  EXPECT_EQ(Send(TextBody(kUser)).status, 400);
}

TEST_F(SandboxTest, AdSourceOpensASevenDayWindow) {
  Interact(kPage, kUser, clock_.Now(), "ad");
  clock_.Advance(days(6) + hours(23));
  EXPECT_EQ(Send(TextBody(kUser)).status, 200);
  clock_.Advance(hours(2));  // 7 d 1 h
  auto a = Send(TextBody(kUser));
  EXPECT_EQ(a.status, 400);
  EXPECT_EQ(a.subcode(), graph::kSubcodeOutsideWindowMessenger);
}

TEST_F(SandboxTest, LaterOrganicMessageDoesNotShortenAnAdWindow) {
  Interact(kPage, kUser, clock_.Now(), "ad");
  Interact(kPage, kUser, clock_.Now() + hours(1), "organic");
  clock_.Advance(days(3));
  EXPECT_EQ(Send(TextBody(kUser)).status, 200);
}

TEST_F(SandboxTest, OlderInteractionDoesNotMoveTheWindowBack) {
  Interact(kPage, kUser, clock_.Now());
  Interact(kPage, kUser, clock_.Now() - hours(20));
  clock_.Advance(hours(23));
  EXPECT_EQ(Send(TextBody(kUser)).status, 200);
}

TEST_F(SandboxTest, InstagramUsesItsOwnOutsideWindowSubcode) {
  Interact(kIgPage, kUser, clock_.Now());
  clock_.Advance(hours(23));
  EXPECT_EQ(Send(TextBody(kUser), kIgPage, kIgToken).status, 200);
  clock_.Advance(hours(2));
  auto a = Send(TextBody(kUser), kIgPage, kIgToken);
  EXPECT_EQ(a.status, 400);
  EXPECT_EQ(a.code(), graph::kCodePermission);
  EXPECT_EQ(a.subcode(), graph::kSubcodeOutsideWindowInstagram);
}

TEST_F(SandboxTest, InstagramLimitsTextTo1000BytesNotCharacters) {
  Interact(kIgPage, kUser, clock_.Now());
  std::string at_limit;
  for (int i = 0; i < 250; ++i) at_limit += "\xE2\x82\xAC";  // 250 euro signs = 750 bytes
  at_limit += std::string(250, 'a');                         // 1000 bytes, 500 characters
  EXPECT_EQ(Send(TextBody(kUser, "UPDATE", {}, at_limit), kIgPage, kIgToken).status, 200);
  auto over = Send(TextBody(kUser, "UPDATE", {}, at_limit + "a"), kIgPage, kIgToken);
  EXPECT_EQ(over.code(), graph::kCodeInvalidParameter);
  EXPECT_EQ(over.message(), graph::kMsgInstagramTextTooLong);
  // Messenger counts characters: the same 1001 bytes are fine there.
  Interact(kPage, kUser, clock_.Now());
  EXPECT_EQ(Send(TextBody(kUser, "UPDATE", {}, at_limit + "a")).status, 200);
}

TEST_F(SandboxTest, InstagramAcceptsOnlyTheHumanAgentTag) {
  Interact(kIgPage, kUser, clock_.Now());
  clock_.Advance(days(2));
  EXPECT_EQ(Send(TextBody(kUser, "MESSAGE_TAG", "HUMAN_AGENT"), kIgPage, kIgToken).status, 200);
  auto a = Send(TextBody(kUser, "MESSAGE_TAG", "CUSTOMER_FEEDBACK"), kIgPage, kIgToken);
  EXPECT_EQ(a.code(), graph::kCodeInvalidParameter);
  EXPECT_EQ(a.message(), graph::kMsgTagNotOnInstagram);
}

TEST_F(SandboxTest, HumanAgentTagWorksForSevenDays) {
  Interact(kPage, kUser, clock_.Now());
  clock_.Advance(days(6) + hours(23));
  EXPECT_EQ(Send(TextBody(kUser, "MESSAGE_TAG", "HUMAN_AGENT")).status, 200);
  clock_.Advance(hours(2));
  auto a = Send(TextBody(kUser, "MESSAGE_TAG", "HUMAN_AGENT"));
  EXPECT_EQ(a.status, 400);
  EXPECT_EQ(a.code(), graph::kCodePermission);
  EXPECT_EQ(a.subcode(), graph::kSubcodeOutsideWindowMessenger);
}

TEST_F(SandboxTest, RetiredTagAcceptedOutsideTheWindowBeforeTheCutoff) {
  clock_.Set(graph::kRetiredTagsCutoff - days(10));
  Interact(kPage, kUser, clock_.Now());
  clock_.Set(graph::kRetiredTagsCutoff - std::chrono::milliseconds(1));
  for (std::string_view tag : graph::kRetiredTags) {
    auto a = Send(TextBody(kUser, "MESSAGE_TAG", tag));
    EXPECT_EQ(a.status, 200) << tag << ": " << json::serialize(a.body);
  }
  auto list = Parse(Call("GET", "/__sandbox/messages"));
  EXPECT_EQ(list.at("items").as_array()[0].at("tag").as_string(), graph::kRetiredTags[0]);
}

TEST_F(SandboxTest, RetiredTagRefusedWithCode100FromTheCutoff) {
  clock_.Set(graph::kRetiredTagsCutoff - hours(1));
  Interact(kPage, kUser, clock_.Now());  // inside the window: the tag alone is refused
  clock_.Set(graph::kRetiredTagsCutoff);
  for (std::string_view tag : graph::kRetiredTags) {
    auto a = Send(TextBody(kUser, "MESSAGE_TAG", tag));
    EXPECT_EQ(a.status, 400) << tag;
    EXPECT_EQ(a.code(), graph::kCodeInvalidParameter) << tag;
    EXPECT_EQ(a.subcode(), 0) << tag;
    EXPECT_THAT(a.message(), HasSubstr(std::string(tag)));
  }
  EXPECT_EQ(Send(TextBody(kUser, "MESSAGE_TAG", "HUMAN_AGENT")).status, 200);
}

TEST_F(SandboxTest, BadOrMissingTokenIs190) {
  Interact(kPage, kUser, clock_.Now());
  for (std::string_view token : {std::string_view("nope"), std::string_view(kIgToken)}) {
    auto a = Send(TextBody(kUser), kPage, token);
    EXPECT_EQ(a.status, 400);
    EXPECT_EQ(a.code(), graph::kCodeInvalidToken) << token;
    EXPECT_EQ(a.message(), graph::kMsgInvalidToken);
    EXPECT_EQ(a.type(), "OAuthException");
  }
  auto r = Call("POST", "/v25.0/1001/messages", TextBody(kUser));
  EXPECT_EQ(Parse(r).at("error").at("code").as_int64(), graph::kCodeInvalidToken);
}

TEST_F(SandboxTest, TokenMayComeFromTheQueryOrTheBodyAndMeMeansTheTokensPage) {
  Interact(kPage, kUser, clock_.Now());
  auto r = Call("POST", "/v25.0/1001/messages?access_token=page-token-1001", TextBody(kUser));
  EXPECT_EQ(r.status, 200) << r.body;
  json::object body = json::parse(TextBody(kUser)).as_object();
  body["access_token"] = kToken;
  r = Call("POST", "/v25.0/me/messages", json::serialize(body));
  EXPECT_EQ(r.status, 200) << r.body;
  auto list = Parse(Call("GET", "/__sandbox/messages"));
  EXPECT_EQ(list.at("items").as_array()[1].at("page_id").as_string(), kPage);
}

TEST_F(SandboxTest, UnknownPageIs100WithAFaithfulMessage) {
  auto a = Send(TextBody(kUser), "9999", kToken);
  EXPECT_EQ(a.status, 400);
  EXPECT_EQ(a.code(), graph::kCodeInvalidParameter);
  EXPECT_EQ(a.subcode(), graph::kSubcodeUnsupportedObject);
  EXPECT_EQ(a.type(), "GraphMethodException");
  EXPECT_THAT(a.message(), HasSubstr("Unsupported post request. Object with ID '9999'"));
}

TEST_F(SandboxTest, MalformedJsonIs100) {
  auto a = Send("{\"recipient\":");
  EXPECT_EQ(a.status, 400);
  EXPECT_EQ(a.code(), graph::kCodeInvalidParameter);
  EXPECT_EQ(a.message(), graph::kMsgMalformedJson);
  a = Send("[1,2]");
  EXPECT_EQ(a.message(), graph::kMsgBodyNotObject);
}

struct BadBody {
  const char* name;
  const char* body;
  std::string_view message;  // expected prefix
};

class SandboxValidationTest : public SandboxTest, public ::testing::WithParamInterface<BadBody> {};

TEST_P(SandboxValidationTest, RefusedWithCode100) {
  Interact(kPage, kUser, clock_.Now());
  auto a = Send(GetParam().body);
  EXPECT_EQ(a.status, 400);
  EXPECT_EQ(a.code(), graph::kCodeInvalidParameter);
  EXPECT_EQ(a.subcode(), 0);
  EXPECT_EQ(a.type(), "OAuthException");
  EXPECT_THAT(a.message(), ::testing::StartsWith(std::string(GetParam().message)));
  EXPECT_EQ(Stats().at("accepted").as_int64(), 0);
}

INSTANTIATE_TEST_SUITE_P(
    Each, SandboxValidationTest,
    ::testing::Values(
        BadBody{"NoRecipient", R"({"messaging_type":"UPDATE","message":{"text":"x"}})",
                graph::kMsgRecipientRequired},
        BadBody{"RecipientWithoutId",
                R"({"recipient":{},"messaging_type":"UPDATE","message":{"text":"x"}})",
                graph::kMsgRecipientId},
        BadBody{"NoMessage", R"({"recipient":{"id":"psid-1"},"messaging_type":"UPDATE"})",
                graph::kMsgMessageOrSenderAction},
        BadBody{"MessageAndSenderAction",
                R"({"recipient":{"id":"psid-1"},"sender_action":"typing_on",
                    "messaging_type":"UPDATE","message":{"text":"x"}})",
                graph::kMsgMessageAndSenderAction},
        BadBody{"NoMessagingType", R"({"recipient":{"id":"psid-1"},"message":{"text":"x"}})",
                graph::kMsgMessagingTypeRequired},
        BadBody{"UnknownMessagingType",
                R"({"recipient":{"id":"psid-1"},"messaging_type":"PROMO","message":{"text":"x"}})",
                graph::kMsgMessagingTypePrefix},
        BadBody{"MessageTagWithoutTag",
                R"({"recipient":{"id":"psid-1"},"messaging_type":"MESSAGE_TAG",
                    "message":{"text":"x"}})",
                graph::kMsgTagRequired},
        BadBody{"TagWithUpdate",
                R"({"recipient":{"id":"psid-1"},"messaging_type":"UPDATE","tag":"HUMAN_AGENT",
                    "message":{"text":"x"}})",
                graph::kMsgTagWithoutMessageTag},
        BadBody{"TagWithResponse",
                R"({"recipient":{"id":"psid-1"},"messaging_type":"RESPONSE","tag":"HUMAN_AGENT",
                    "message":{"text":"x"}})",
                graph::kMsgTagWithoutMessageTag},
        BadBody{
            "UnknownTag",
            R"({"recipient":{"id":"psid-1"},"messaging_type":"MESSAGE_TAG","tag":"ISSUE_RESOLUTION",
                    "message":{"text":"x"}})",
            graph::kMsgTagPrefix},
        BadBody{"MessageNotObject",
                R"({"recipient":{"id":"psid-1"},"messaging_type":"UPDATE","message":"x"})",
                graph::kMsgMessageNotObject},
        BadBody{"EmptyMessage",
                R"({"recipient":{"id":"psid-1"},"messaging_type":"UPDATE","message":{}})",
                graph::kMsgMessageEmpty},
        BadBody{"EmptyText",
                R"({"recipient":{"id":"psid-1"},"messaging_type":"UPDATE","message":{"text":""}})",
                graph::kMsgMessageEmpty},
        BadBody{"TextNotString",
                R"({"recipient":{"id":"psid-1"},"messaging_type":"UPDATE","message":{"text":5}})",
                graph::kMsgTextNotString},
        BadBody{"BadSenderAction", R"({"recipient":{"id":"psid-1"},"sender_action":"dance"})",
                graph::kMsgSenderAction}),
    [](const auto& info) { return std::string(info.param.name); });

TEST_F(SandboxTest, TextLimitIsBelow2000Characters) {
  Interact(kPage, kUser, clock_.Now());
  EXPECT_EQ(Send(TextBody(kUser, "UPDATE", {}, std::string(1999, 'a'))).status, 200);
  auto a = Send(TextBody(kUser, "UPDATE", {}, std::string(2000, 'a')));
  EXPECT_EQ(a.status, 400);
  EXPECT_EQ(a.code(), graph::kCodeInvalidParameter);
  EXPECT_EQ(a.message(), graph::kMsgTextTooLong);
  // Characters, not bytes: 1999 two-byte characters are fine.
  std::string wide;
  for (int i = 0; i < 1999; ++i) wide += "\xC3\xA9";
  EXPECT_EQ(Send(TextBody(kUser, "UPDATE", {}, wide)).status, 200);
}

TEST_F(SandboxTest, UnknownRecipientIs100Subcode2018001) {
  Interact(kPage, kUser, clock_.Now());
  auto a = Send(TextBody("someone-else"));
  EXPECT_EQ(a.status, 400);
  EXPECT_EQ(a.code(), graph::kCodeInvalidParameter);
  EXPECT_EQ(a.subcode(), graph::kSubcodeNoMatchingUser);
  EXPECT_EQ(a.message(), graph::kMsgNoMatchingUser);
  // Interactions are per page: the same PSID on the Instagram page is unknown there.
  EXPECT_EQ(Send(TextBody(kUser), kIgPage, kIgToken).subcode(), graph::kSubcodeNoMatchingUser);
}

TEST_F(SandboxTest, SenderActionIsAnsweredButNotRecorded) {
  Interact(kPage, kUser, clock_.Now());
  auto a = Send(R"({"recipient":{"id":"psid-1"},"sender_action":"typing_on"})");
  EXPECT_EQ(a.status, 200);
  EXPECT_EQ(a.body.at("recipient_id").as_string(), kUser);
  EXPECT_FALSE(a.body.contains("message_id"));
  EXPECT_EQ(Parse(Call("GET", "/__sandbox/messages")).at("items").as_array().size(), 0u);
}

TEST_F(SandboxTest, ListsRecordsWithPagingAndPageFilter) {
  Interact(kPage, kUser, clock_.Now());
  Interact(kIgPage, kUser, clock_.Now());
  for (int i = 0; i < 5; ++i) ASSERT_EQ(Send(TextBody(kUser)).status, 200);
  ASSERT_EQ(Send(TextBody(kUser), kIgPage, kIgToken).status, 200);  // seq 6

  auto first = Parse(Call("GET", "/__sandbox/messages?page_id=1001&limit=2"));
  ASSERT_EQ(first.at("items").as_array().size(), 2u);
  EXPECT_EQ(first.at("items").as_array()[1].at("seq").as_int64(), 2);
  EXPECT_EQ(first.at("next_after").as_int64(), 2);

  auto second = Parse(Call("GET", "/__sandbox/messages?page_id=1001&limit=2&after=2"));
  EXPECT_EQ(second.at("items").as_array()[0].at("seq").as_int64(), 3);
  EXPECT_EQ(second.at("next_after").as_int64(), 4);

  auto last = Parse(Call("GET", "/__sandbox/messages?page_id=1001&limit=2&after=4"));
  ASSERT_EQ(last.at("items").as_array().size(), 1u);
  EXPECT_EQ(last.at("items").as_array()[0].at("seq").as_int64(), 5);
  EXPECT_TRUE(last.at("next_after").is_null()) << "the Instagram record must not count";

  auto all = Parse(Call("GET", "/__sandbox/messages"));
  EXPECT_EQ(all.at("items").as_array().size(), 6u);
  std::set<std::string> ids;
  for (const auto& item : all.at("items").as_array()) {
    ids.insert(std::string(item.at("message_id").as_string()));
  }
  EXPECT_EQ(ids.size(), 6u);
}

TEST_F(SandboxTest, ListingRejectsBadPagingParameters) {
  for (std::string q : {"limit=0", "limit=10001", "limit=x", "after=-1", "after=3z"}) {
    auto r = Call("GET", "/__sandbox/messages?" + q);
    EXPECT_EQ(r.status, 400) << q;
    EXPECT_EQ(Parse(r).at("error").at("field").as_string(), q.substr(0, q.find('='))) << q;
  }
  EXPECT_EQ(Call("GET", "/__sandbox/messages?limit=10000").status, 200);
  EXPECT_EQ(Call("GET", "/__sandbox/messages?limit=1").status, 200);
}

TEST_F(SandboxTest, StatsCountAcceptedAndRefusedByCode) {
  Interact(kPage, kUser, clock_.Now());
  ASSERT_EQ(Send(TextBody(kUser)).status, 200);
  ASSERT_EQ(Send(TextBody(kUser), kPage, "bad").status, 400);
  ASSERT_EQ(Send(TextBody("stranger")).status, 400);
  clock_.Advance(days(2));
  ASSERT_EQ(Send(TextBody(kUser)).status, 400);
  ASSERT_EQ(Send(TextBody(kUser)).status, 400);
  auto s = Stats();
  EXPECT_EQ(s.at("accepted").as_int64(), 1);
  EXPECT_EQ(s.at("refused").as_int64(), 4);
  EXPECT_EQ(s.at("recorded").as_int64(), 1);
  const auto& messenger = s.at("platforms").at("messenger").as_object();
  EXPECT_EQ(messenger.at("accepted").as_int64(), 1);
  EXPECT_EQ(messenger.at("refused").as_int64(), 4);
  const auto& by_code = messenger.at("refused_by_code").as_object();
  EXPECT_EQ(by_code.at("10/2018278").as_int64(), 2);
  EXPECT_EQ(by_code.at("100/2018001").as_int64(), 1);
  EXPECT_EQ(by_code.at("190").as_int64(), 1);
}

TEST_F(SandboxTest, ClockEndpointSetsAndClearsTheOffset) {
  Interact(kPage, kUser, clock_.Now());
  auto r = Call("POST", "/__sandbox/clock", R"({"now":"2026-03-03T12:00:00Z"})");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(Parse(r).at("now").as_string(), "2026-03-03T12:00:00.000Z");
  EXPECT_EQ(sandbox_.Now(), At("2026-03-03T12:00:00Z"));
  EXPECT_EQ(Send(TextBody(kUser)).subcode(), graph::kSubcodeOutsideWindowMessenger);

  // The offset rides on the underlying clock.
  clock_.Advance(hours(1));
  EXPECT_EQ(sandbox_.Now(), At("2026-03-03T13:00:00Z"));

  r = Call("POST", "/__sandbox/clock", R"({"now":null})");
  ASSERT_EQ(r.status, 200);
  EXPECT_EQ(sandbox_.Now(), clock_.Now());
  EXPECT_EQ(Send(TextBody(kUser)).status, 200);

  // A sandbox clock past the cutoff refuses retired tags even though the real clock is not.
  ASSERT_EQ(Call("POST", "/__sandbox/clock", R"({"now":"2026-05-01T00:00:00Z"})").status, 200);
  Interact(kPage, kUser, sandbox_.Now());
  EXPECT_EQ(Send(TextBody(kUser, "MESSAGE_TAG", "ACCOUNT_UPDATE")).code(),
            graph::kCodeInvalidParameter);
  EXPECT_EQ(Parse(Call("GET", "/__sandbox/clock")).at("now").as_string(),
            "2026-05-01T00:00:00.000Z");

  for (std::string bad : {R"({})", R"({"now":"yesterday"})", R"({"now":5})", "nope"}) {
    auto e = Call("POST", "/__sandbox/clock", bad);
    EXPECT_EQ(e.status, 400) << bad;
  }
  EXPECT_EQ(Parse(Call("POST", "/__sandbox/clock", "{}")).at("error").at("field").as_string(),
            "now");
}

TEST_F(SandboxTest, DeleteMessagesClearsRecordAndStatsButKeepsPagesAndUsers) {
  Interact(kPage, kUser, clock_.Now());
  ASSERT_EQ(Send(TextBody(kUser)).status, 200);
  ASSERT_EQ(Send(TextBody("stranger")).status, 400);
  auto r = Call("DELETE", "/__sandbox/messages");
  ASSERT_EQ(r.status, 200);
  EXPECT_EQ(Parse(r).at("cleared").as_int64(), 1);
  EXPECT_EQ(Parse(Call("GET", "/__sandbox/messages")).at("items").as_array().size(), 0u);
  auto s = Stats();
  EXPECT_EQ(s.at("accepted").as_int64(), 0);
  EXPECT_EQ(s.at("refused").as_int64(), 0);
  EXPECT_TRUE(s.at("platforms").at("messenger").at("refused_by_code").as_object().empty());

  auto a = Send(TextBody(kUser));
  ASSERT_EQ(a.status, 200);
  // Sequence numbers keep growing, so an old `after` cursor stays meaningful.
  auto list = Parse(Call("GET", "/__sandbox/messages"));
  EXPECT_EQ(list.at("items").as_array()[0].at("seq").as_int64(), 2);
}

TEST_F(SandboxTest, PageRegistrationValidatesItsInput) {
  auto field_of = [&](const std::string& body) {
    auto r = Call("POST", "/__sandbox/pages", body);
    EXPECT_EQ(r.status, 400) << body;
    auto o = Parse(r);
    const auto* f = o.at("error").as_object().if_contains("field");
    return f ? std::string(f->as_string()) : std::string();
  };
  EXPECT_EQ(field_of(R"({"access_token":"t"})"), "page_id");
  EXPECT_EQ(field_of(R"({"page_id":"1"})"), "access_token");
  EXPECT_EQ(field_of(R"({"page_id":"1","access_token":"t","platform":"sms"})"), "platform");
  EXPECT_EQ(field_of(R"({"page_id":"1","access_token":"t","platform":"line"})"), "platform");
  EXPECT_EQ(field_of("not json"), "");

  auto taken =
      Call("POST", "/__sandbox/pages", R"({"page_id":"3","access_token":"page-token-1001"})");
  EXPECT_EQ(taken.status, 409);

  // Re-registering a page rotates its token: the old one stops working.
  Interact(kPage, kUser, clock_.Now());
  ASSERT_EQ(
      Call("POST", "/__sandbox/pages", R"({"page_id":"1001","access_token":"rotated"})").status,
      201);
  EXPECT_EQ(Send(TextBody(kUser)).code(), graph::kCodeInvalidToken);
  EXPECT_EQ(Send(TextBody(kUser), kPage, "rotated").status, 200);
}

TEST_F(SandboxTest, InteractionsAreAllOrNothingAndNameTheBadRow) {
  auto r =
      Call("POST", "/__sandbox/interactions",
           R"({"page_id":"1001","interactions":[{"user_id":"a"},{"user_id":"b","at":"bad"}]})");
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(Parse(r).at("error").at("field").as_string(), "interactions[1].at");
  EXPECT_EQ(Send(TextBody("a")).subcode(), graph::kSubcodeNoMatchingUser);

  r = Call("POST", "/__sandbox/interactions",
           R"({"page_id":"1001","interactions":[{"user_id":"a","source":"tv"}]})");
  EXPECT_EQ(Parse(r).at("error").at("field").as_string(), "interactions[0].source");
  r = Call("POST", "/__sandbox/interactions", R"({"page_id":"1001","interactions":[{}]})");
  EXPECT_EQ(Parse(r).at("error").at("field").as_string(), "interactions[0].user_id");
  r = Call("POST", "/__sandbox/interactions", R"({"page_id":"1001"})");
  EXPECT_EQ(Parse(r).at("error").at("field").as_string(), "interactions");
  r = Call("POST", "/__sandbox/interactions", R"({"page_id":"77","interactions":[]})");
  EXPECT_EQ(r.status, 404);

  // Without "at" the interaction happens now (on the sandbox clock).
  r = Call("POST", "/__sandbox/interactions",
           R"({"page_id":"1001","interactions":[{"user_id":"a"},{"user_id":123}]})");
  ASSERT_EQ(r.status, 200);
  EXPECT_EQ(Parse(r).at("recorded").as_int64(), 2);
  EXPECT_EQ(Send(TextBody("a")).status, 200);
  EXPECT_EQ(
      Send(R"({"recipient":{"id":123},"messaging_type":"UPDATE","message":{"text":"x"}})").status,
      200);
}

TEST_F(SandboxTest, UnknownRoutesAndMethods) {
  auto r = Call("GET", "/v25.0/1001/messages");
  EXPECT_EQ(r.status, 400);
  EXPECT_THAT(r.body, HasSubstr("Unsupported get request"));
  r = Call("POST", "/v25.0/1001/feed", "{}");
  EXPECT_EQ(Parse(r).at("error").at("code").as_int64(), graph::kCodeUnknownPath);
  EXPECT_EQ(Call("GET", "/__sandbox/nothing").status, 404);
  EXPECT_EQ(Call("PUT", "/__sandbox/messages").status, 405);
  EXPECT_EQ(Call("GET", "/healthz").status, 200);
  // Unversioned paths are Graph's default version.
  Interact(kPage, kUser, clock_.Now());
  r = Call("POST", "/1001/messages", TextBody(kUser),
           {{"Authorization", "Bearer page-token-1001"}});
  EXPECT_EQ(r.status, 200) << r.body;
}

TEST(SandboxServerTest, ServesTheSendApiOverHttp) {
  FakeClock clock(At("2026-03-01T12:00:00Z"));
  Sandbox sandbox(clock);
  net::ServerOptions options;
  options.port = 0;
  options.threads = 1;
  auto server = net::HttpServer::Create(
      options, [&sandbox](const net::Request& r) { return sandbox.Handle(r); });
  ASSERT_TRUE(server.ok()) << server.error().ToString();
  (*server)->Start();
  const std::string base = "http://127.0.0.1:" + std::to_string((*server)->port());

  net::HttpClient client;
  auto page = client.Post(base + "/__sandbox/pages",
                          R"({"page_id":"1001","access_token":"tok","platform":"messenger"})",
                          {{"Content-Type", "application/json"}});
  ASSERT_TRUE(page.ok()) << page.error().ToString();
  EXPECT_EQ(page->status, 201);
  auto interaction = client.Post(
      base + "/__sandbox/interactions",
      R"({"page_id":"1001","interactions":[{"user_id":"psid-1","at":"2026-03-01T11:00:00Z"}]})");
  ASSERT_TRUE(interaction.ok());
  EXPECT_EQ(interaction->status, 200);

  auto sent = client.Post(
      base + "/v25.0/1001/messages?access_token=tok",
      R"({"recipient":{"id":"psid-1"},"messaging_type":"UPDATE","message":{"text":"hi"}})",
      {{"Content-Type", "application/json"}});
  ASSERT_TRUE(sent.ok()) << sent.error().ToString();
  EXPECT_EQ(sent->status, 200) << sent->body;
  auto body = json::parse(sent->body).as_object();
  EXPECT_EQ(body.at("recipient_id").as_string(), "psid-1");
  (*server)->Stop();
}

// The server honours what fault injection asks: it holds the answer, or drops the connection.
TEST(SandboxServerTest, AppliesInjectedLatencyAndDroppedConnections) {
  FakeClock clock(At("2026-03-01T12:00:00Z"));
  Sandbox sandbox(clock);
  net::ServerOptions options;
  options.port = 0;
  options.threads = 1;
  auto server = net::HttpServer::Create(
      options, [&sandbox](const net::Request& r) { return sandbox.Handle(r); });
  ASSERT_TRUE(server.ok()) << server.error().ToString();
  (*server)->Start();
  const std::string base = "http://127.0.0.1:" + std::to_string((*server)->port());
  net::HttpClient client;
  const std::string push = base + "/v2/bot/message/push";
  const net::Headers auth{{"Authorization", "Bearer nobody"}};

  FaultSpec slow;
  slow.latency_ms = 150;
  ASSERT_TRUE(sandbox.SetFaults("line", slow).ok());
  const auto started = std::chrono::steady_clock::now();
  auto delayed = client.Send("POST", push, auth, "{}");
  const auto elapsed = std::chrono::steady_clock::now() - started;
  ASSERT_TRUE(delayed.ok()) << delayed.error().ToString();
  EXPECT_EQ(delayed->status, 401);
  EXPECT_GE(elapsed, std::chrono::milliseconds(150));

  FaultSpec dropped;
  dropped.timeout_rate = 1;
  dropped.timeout_mode = TimeoutMode::kClose;
  ASSERT_TRUE(sandbox.SetFaults("line", dropped).ok());
  // A fresh connection: libcurl silently resends a request whose reused connection died.
  net::HttpClient fresh;
  auto lost = fresh.Send("POST", push, auth, "{}");
  EXPECT_FALSE(lost.ok()) << "no answer: the connection was closed";

  FaultSpec held;
  held.timeout_rate = 1;
  held.timeout_ms = 2000;
  ASSERT_TRUE(sandbox.SetFaults("line", held).ok());
  auto timed_out = client.Send("POST", push, auth, "{}", /*timeout_ms=*/200);
  EXPECT_FALSE(timed_out.ok()) << "the answer came after the client's timeout";
  // Other platforms and the control plane answer at once meanwhile.
  auto stats = client.Get(base + "/__sandbox/stats");
  ASSERT_TRUE(stats.ok());
  EXPECT_EQ(json::parse(stats->body).at("platforms").at("line").at("faults").at("timeouts"), 2);
  (*server)->Stop();
}

}  // namespace
}  // namespace crier::sandbox
