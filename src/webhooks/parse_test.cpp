#include "webhooks/parse.h"

#include <gtest/gtest.h>

namespace crier::webhooks {
namespace {

void ExpectError(const Result<ParsedWebhook>& r, std::string_view field) {
  ASSERT_FALSE(r.ok()) << "expected an error at " << field;
  EXPECT_EQ(r.error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(r.error().field, field) << r.error().ToString();
}

// ---- Messenger and Instagram ----------------------------------------------------------------

constexpr std::string_view kMessenger = R"({
  "object": "page",
  "entry": [{
    "id": "111", "time": 1782000000000,
    "messaging": [
      {"sender": {"id": "PSID-1"}, "recipient": {"id": "111"}, "timestamp": 1782000000100,
       "postback": {"mid": "m_postback_1", "title": "Unsubscribe", "payload": "crier:unsubscribe"}},
      {"sender": {"id": "PSID-2"}, "recipient": {"id": "111"}, "timestamp": 1782000000200,
       "message": {"mid": "m_qr_2", "text": "Yes please",
                   "quick_reply": {"payload": "crier:subscribe"}}},
      {"sender": {"id": "PSID-3"}, "recipient": {"id": "111"}, "timestamp": 1782000000300,
       "message": {"mid": "m_text_3", "text": "hello"}},
      {"sender": {"id": "111"}, "recipient": {"id": "PSID-1"}, "timestamp": 1782000000400,
       "message": {"mid": "m_echo_4", "is_echo": true, "quick_reply": {"payload": "x"}}},
      {"sender": {"id": "PSID-1"}, "recipient": {"id": "111"}, "timestamp": 1782000000500,
       "read": {"watermark": 1782000000000}}
    ]
  }, {
    "id": "222", "time": 1782000000000,
    "messaging": [
      {"sender": {"id": "PSID-9"}, "recipient": {"id": "222"}, "timestamp": 1782000000600,
       "postback": {"title": "Menu", "payload": "MENU"}}
    ]
  }]
})";

TEST(ParseMetaTest, MessengerPostbacksAndQuickRepliesArePresses) {
  auto r = ParseMetaWebhook(kMessenger);
  ASSERT_TRUE(r.ok()) << r.error().ToString();
  EXPECT_EQ(r->platform, Platform::kMessenger);
  EXPECT_EQ(r->accounts, (std::vector<std::string>{"111", "222"}));
  ASSERT_EQ(r->presses.size(), 3u);
  EXPECT_EQ(r->presses[0], (ButtonPress{Platform::kMessenger, "111", "PSID-1", "crier:unsubscribe",
                                        "m_postback_1", FromUnixMillis(1782000000100)}));
  EXPECT_EQ(r->presses[1], (ButtonPress{Platform::kMessenger, "111", "PSID-2", "crier:subscribe",
                                        "m_qr_2", FromUnixMillis(1782000000200)}));
  // A postback without a mid is keyed by who pressed what, when: stable across redeliveries.
  EXPECT_EQ(r->presses[2].account_platform_id, "222");
  EXPECT_EQ(r->presses[2].payload, "MENU");
  EXPECT_EQ(r->presses[2].event_id, "postback:PSID-9:1782000000600:MENU");
  // The typed message, the echo and the read receipt.
  EXPECT_EQ(r->skipped, 3u);
}

TEST(ParseMetaTest, InstagramHasMessengersShape) {
  auto r = ParseMetaWebhook(R"({"object":"instagram","entry":[{"id":"17841400000000001",
    "time":1,"messaging":[{"sender":{"id":"IGSID-1"},"recipient":{"id":"17841400000000001"},
    "timestamp":1782000000000,"message":{"mid":"aWdf","quick_reply":{"payload":"crier:none"}}}]}]})");
  ASSERT_TRUE(r.ok()) << r.error().ToString();
  EXPECT_EQ(r->platform, Platform::kInstagram);
  ASSERT_EQ(r->presses.size(), 1u);
  EXPECT_EQ(r->presses[0].account_platform_id, "17841400000000001");
  EXPECT_EQ(r->presses[0].user_id, "IGSID-1");
  EXPECT_EQ(r->presses[0].event_id, "aWdf");
}

TEST(ParseMetaTest, MalformedMessengerBodiesNameThePath) {
  ExpectError(ParseMetaWebhook("{"), "body");
  ExpectError(ParseMetaWebhook("[]"), "body");
  ExpectError(ParseMetaWebhook(R"({"entry":[]})"), "object");
  ExpectError(ParseMetaWebhook(R"({"object":"user","entry":[]})"), "object");
  ExpectError(ParseMetaWebhook(R"({"object":"page"})"), "entry");
  ExpectError(ParseMetaWebhook(R"({"object":"page","entry":{}})"), "entry");
  ExpectError(ParseMetaWebhook(R"({"object":"page","entry":[1]})"), "entry[0]");
  ExpectError(ParseMetaWebhook(R"({"object":"page","entry":[{"messaging":[]}]})"), "entry[0].id");
  ExpectError(ParseMetaWebhook(R"({"object":"page","entry":[{"id":"1","messaging":[{},"x"]}]})"),
              "entry[0].messaging[1]");
  ExpectError(ParseMetaWebhook(R"({"object":"page","entry":[{"id":"1","messaging":[
      {"sender":{"id":"a"},"timestamp":1,"read":{}},
      {"sender":{},"timestamp":1,"postback":{"payload":"p"}}]}]})"),
              "entry[0].messaging[1].sender.id");
  ExpectError(ParseMetaWebhook(R"({"object":"page","entry":[{"id":"1","messaging":[
      {"timestamp":1,"postback":{"payload":"p"}}]}]})"),
              "entry[0].messaging[0].sender");
  ExpectError(ParseMetaWebhook(R"({"object":"page","entry":[{"id":"1","messaging":[
      {"sender":{"id":"a"},"postback":{"payload":"p"}}]}]})"),
              "entry[0].messaging[0].timestamp");
  ExpectError(ParseMetaWebhook(R"({"object":"page","entry":[{"id":"1","messaging":[
      {"sender":{"id":"a"},"timestamp":"soon","postback":{"payload":"p"}}]}]})"),
              "entry[0].messaging[0].timestamp");
  ExpectError(ParseMetaWebhook(R"({"object":"page","entry":[{"id":"1","messaging":[
      {"sender":{"id":"a"},"timestamp":1,"postback":{"title":"t"}}]}]})"),
              "entry[0].messaging[0].postback.payload");
  ExpectError(ParseMetaWebhook(R"({"object":"page","entry":[{"id":"1","messaging":[
      {"sender":{"id":"a"},"timestamp":1,"message":{"quick_reply":{"payload":"p"}}}]}]})"),
              "entry[0].messaging[0].message.mid");
  ExpectError(ParseMetaWebhook(R"({"object":"page","entry":[{"id":"1","messaging":[
      {"sender":{"id":"a"},"timestamp":1,"message":{"mid":"m","quick_reply":{"payload":7}}}]}]})"),
              "entry[0].messaging[0].message.quick_reply.payload");
}

TEST(ParseMetaTest, EntriesWithoutMessagingAreAccountsWithNothingToDo) {
  auto r = ParseMetaWebhook(
      R"({"object":"page","entry":[{"id":"1","changes":[{"field":"feed","value":{}}]}]})");
  ASSERT_TRUE(r.ok()) << r.error().ToString();
  EXPECT_EQ(r->accounts, std::vector<std::string>{"1"});
  EXPECT_TRUE(r->presses.empty());
  EXPECT_EQ(r->skipped, 1u);
}

// ---- WhatsApp -------------------------------------------------------------------------------

constexpr std::string_view kWhatsApp = R"({
  "object": "whatsapp_business_account",
  "entry": [{
    "id": "WABA-1",
    "changes": [{
      "field": "messages",
      "value": {
        "messaging_product": "whatsapp",
        "metadata": {"display_phone_number": "15550001111", "phone_number_id": "PN-1"},
        "contacts": [{"profile": {"name": "Ann"}, "wa_id": "886900000001"}],
        "messages": [
          {"from": "886900000001", "id": "wamid.A", "timestamp": "1782000000", "type": "button",
           "button": {"payload": "crier:unsubscribe", "text": "Stop promotions"}},
          {"from": "886900000002", "id": "wamid.B", "timestamp": "1782000001",
           "type": "interactive",
           "interactive": {"type": "button_reply", "button_reply": {"id": "crier:subscribe", "title": "Yes"}}},
          {"from": "886900000003", "id": "wamid.C", "timestamp": "1782000002",
           "type": "interactive",
           "interactive": {"type": "list_reply", "list_reply": {"id": "SIZE_M", "title": "M"}}},
          {"user_id": "US.13491208655302741918", "id": "wamid.D", "timestamp": "1782000003",
           "type": "button", "button": {"payload": "crier:none", "text": "Later"}},
          {"from": "886900000004", "id": "wamid.E", "timestamp": "1782000004", "type": "text",
           "text": {"body": "hi"}}
        ],
        "statuses": [{"id": "wamid.X", "status": "read", "timestamp": "1782000005"}]
      }
    }, {"field": "message_template_status_update", "value": {}}]
  }]
})";

TEST(ParseMetaTest, WhatsAppTemplateButtonsAndInteractiveRepliesArePresses) {
  auto r = ParseMetaWebhook(kWhatsApp);
  ASSERT_TRUE(r.ok()) << r.error().ToString();
  EXPECT_EQ(r->platform, Platform::kWhatsApp);
  EXPECT_EQ(r->accounts, (std::vector<std::string>{"WABA-1", "PN-1"}));
  ASSERT_EQ(r->presses.size(), 4u);
  EXPECT_EQ(r->presses[0],
            (ButtonPress{Platform::kWhatsApp, "PN-1", "886900000001", "crier:unsubscribe",
                         "wamid.A", FromUnixMillis(1782000000000)}));
  EXPECT_EQ(r->presses[1].payload, "crier:subscribe");
  EXPECT_EQ(r->presses[2].payload, "SIZE_M");
  EXPECT_EQ(r->presses[3].user_id, "US.13491208655302741918");  // no phone number: the BSUID
  // The text message, the status and the template status change.
  EXPECT_EQ(r->skipped, 3u);
}

TEST(ParseMetaTest, MalformedWhatsAppBodiesNameThePath) {
  auto body = [](std::string_view message) {
    return std::string(R"({"object":"whatsapp_business_account","entry":[{"id":"W","changes":[
      {"field":"messages","value":{"metadata":{"phone_number_id":"PN"},"messages":[)") +
           std::string(message) + "]}}]}]}";
  };
  constexpr std::string_view kAt = "entry[0].changes[0].value.messages[0]";
  ExpectError(ParseMetaWebhook(body(R"({"id":"w","timestamp":"1","type":"button",
      "button":{"payload":"p"}})")),
              std::string(kAt) + ".from");
  ExpectError(ParseMetaWebhook(body(R"({"from":"1","timestamp":"1","type":"button",
      "button":{"payload":"p"}})")),
              std::string(kAt) + ".id");
  ExpectError(ParseMetaWebhook(body(R"({"from":"1","id":"w","timestamp":1,"type":"button",
      "button":{"payload":"p"}})")),
              std::string(kAt) + ".timestamp");
  ExpectError(ParseMetaWebhook(body(R"({"from":"1","id":"w","timestamp":"12a","type":"button",
      "button":{"payload":"p"}})")),
              std::string(kAt) + ".timestamp");
  ExpectError(ParseMetaWebhook(body(R"({"from":"1","id":"w","timestamp":"1","type":"button"})")),
              std::string(kAt) + ".button");
  ExpectError(ParseMetaWebhook(body(R"({"from":"1","id":"w","timestamp":"1","type":"interactive",
      "interactive":{"type":"button_reply","button_reply":{"title":"t"}}})")),
              std::string(kAt) + ".interactive.button_reply.id");
  ExpectError(ParseMetaWebhook(body(R"({"from":"1","id":"w","timestamp":"1"})")),
              std::string(kAt) + ".type");
  ExpectError(
      ParseMetaWebhook(R"({"object":"whatsapp_business_account","entry":[{"id":"W","changes":[
      {"field":"messages","value":{"metadata":{},"messages":[]}}]}]})"),
      "entry[0].changes[0].value.metadata.phone_number_id");
  ExpectError(
      ParseMetaWebhook(R"({"object":"whatsapp_business_account","entry":[{"id":"W","changes":[
      {"field":"messages"}]}]})"),
      "entry[0].changes[0].value");
}

// ---- LINE -----------------------------------------------------------------------------------

constexpr std::string_view kLine = R"({
  "destination": "U0123456789abcdef0123456789abcdef",
  "events": [
    {"type": "postback", "mode": "active", "timestamp": 1782000000123,
     "webhookEventId": "01J00000000000000000000001",
     "deliveryContext": {"isRedelivery": false}, "replyToken": "r",
     "source": {"type": "user", "userId": "Uaaaa"},
     "postback": {"data": "crier:unsubscribe"}},
    {"type": "message", "mode": "active", "timestamp": 1782000000124,
     "webhookEventId": "01J00000000000000000000002", "deliveryContext": {"isRedelivery": false},
     "source": {"type": "user", "userId": "Uaaaa"}, "message": {"type": "text", "text": "hi"}},
    {"type": "postback", "mode": "active", "timestamp": 1782000000125,
     "webhookEventId": "01J00000000000000000000003", "deliveryContext": {"isRedelivery": true},
     "source": {"type": "group", "groupId": "Cgggg"}, "postback": {"data": "crier:subscribe"}}
  ]
})";

TEST(ParseLineTest, PostbacksFromPeopleArePresses) {
  auto r = ParseLineWebhook(kLine);
  ASSERT_TRUE(r.ok()) << r.error().ToString();
  EXPECT_EQ(r->platform, Platform::kLine);
  EXPECT_EQ(r->accounts, std::vector<std::string>{"U0123456789abcdef0123456789abcdef"});
  ASSERT_EQ(r->presses.size(), 1u);
  EXPECT_EQ(r->presses[0], (ButtonPress{Platform::kLine, "U0123456789abcdef0123456789abcdef",
                                        "Uaaaa", "crier:unsubscribe", "01J00000000000000000000001",
                                        FromUnixMillis(1782000000123)}));
  // The message, and the group postback of someone who shared no user id.
  EXPECT_EQ(r->skipped, 2u);
}

TEST(ParseLineTest, AnEmptyEventListIsLinesConnectivityCheck) {
  auto r = ParseLineWebhook(R"({"destination":"U1","events":[]})");
  ASSERT_TRUE(r.ok()) << r.error().ToString();
  EXPECT_TRUE(r->presses.empty());
  EXPECT_EQ(r->accounts, std::vector<std::string>{"U1"});
}

TEST(ParseLineTest, MalformedLineBodiesNameThePath) {
  ExpectError(ParseLineWebhook(""), "body");
  ExpectError(ParseLineWebhook(R"({"events":[]})"), "destination");
  ExpectError(ParseLineWebhook(R"({"destination":"","events":[]})"), "destination");
  ExpectError(ParseLineWebhook(R"({"destination":"U1"})"), "events");
  ExpectError(ParseLineWebhook(R"({"destination":"U1","events":[{}]})"), "events[0].type");
  auto postback = [](std::string_view members) {
    return R"({"destination":"U1","events":[{"type":"follow"},{"type":"postback",)" +
           std::string(members) + "}]}";
  };
  ExpectError(ParseLineWebhook(postback(R"("webhookEventId":"e","timestamp":1,
      "postback":{"data":"d"})")),
              "events[1].source");
  ExpectError(ParseLineWebhook(postback(R"("source":{"userId":"U2"},"timestamp":1,
      "postback":{"data":"d"})")),
              "events[1].webhookEventId");
  ExpectError(ParseLineWebhook(postback(R"("source":{"userId":"U2"},"webhookEventId":"e",
      "postback":{"data":"d"})")),
              "events[1].timestamp");
  ExpectError(ParseLineWebhook(postback(R"("source":{"userId":"U2"},"webhookEventId":"e",
      "timestamp":1,"postback":{})")),
              "events[1].postback.data");
  ExpectError(ParseLineWebhook(postback(R"("source":{"userId":5},"webhookEventId":"e",
      "timestamp":1,"postback":{"data":"d"})")),
              "events[1].source.userId");
}

}  // namespace
}  // namespace crier::webhooks
