// Webhooks in through the API: secrets on accounts, Meta's handshake, signed presses.
#include <gtest/gtest.h>

#include "api/api_test_fixture.h"
#include "api/limits.h"
#include "webhooks/signature.h"

namespace crier::api::testing {
namespace {

constexpr std::string_view kAppSecret = "meta-app-secret";
constexpr std::string_view kChannelSecret = "line-channel-secret";
constexpr std::string_view kPage = "1001";
constexpr std::string_view kBot = "U0123456789abcdef0123456789abcdef";

class WebhookApiTest : public ApiTest {
 protected:
  Id CreateSignedAccount(std::string platform, std::string external_id, std::string_view secret,
                         std::string verify_token = "") {
    boost::json::object body{{"platform", platform},
                             {"name", "Shop"},
                             {"external_id", external_id},
                             {"access_token", kToken},
                             {"api_base_url", "http://127.0.0.1:8801"},
                             {"webhook_secret", secret}};
    if (!verify_token.empty()) body["webhook_verify_token"] = verify_token;
    if (platform == "whatsapp") body["capabilities"] = boost::json::object{{"waba_id", "W1"}};
    const net::Response r = Call("POST", "/v1/channel-accounts", boost::json::serialize(body));
    EXPECT_EQ(r.status, 201) << r.body;
    return r.status == 201 ? Json(r).at("id").as_int64() : 0;
  }

  // A webhook as the platform sends it: no API key, the signature header.
  net::Response Deliver(std::string path, const std::string& body, net::Headers headers) {
    net::Request r = MakeRequest("POST", std::move(path), body);
    r.headers = std::move(headers);
    return api_->Handle(r);
  }
  net::Response DeliverMeta(const std::string& body, std::string_view secret = kAppSecret) {
    return Deliver("/webhooks/meta", body,
                   {{"X-Hub-Signature-256", webhooks::MetaSignature(secret, body)}});
  }
  net::Response DeliverLine(const std::string& body, std::string_view secret = kChannelSecret) {
    return Deliver("/webhooks/line", body,
                   {{"X-Line-Signature", webhooks::LineSignature(secret, body)}});
  }

  static std::string Postback(std::string_view page, std::string_view user, std::string_view mid,
                              std::string_view payload, Time at) {
    return R"({"object":"page","entry":[{"id":")" + std::string(page) +
           R"(","time":1,"messaging":[{"sender":{"id":")" + std::string(user) +
           R"("},"recipient":{"id":")" + std::string(page) + R"("},"timestamp":)" +
           std::to_string(ToUnixMillis(at)) + R"(,"postback":{"mid":")" + std::string(mid) +
           R"(","payload":")" + std::string(payload) + R"("}}]}]})";
  }

  boost::json::value ContactByUser(const std::string& user) {
    const net::Response r = Call("GET", "/v1/contacts?limit=100");
    EXPECT_EQ(r.status, 200) << r.body;
    const boost::json::value page = Json(r);
    for (const auto& item : page.at("items").as_array()) {
      for (const auto& identity : item.at("identities").as_array()) {
        if (identity.at("platform_user_id").as_string() == user) return item;
      }
    }
    return nullptr;
  }

  std::int64_t ContactCount() {
    auto n = store_->CountContacts(std::nullopt);
    EXPECT_TRUE(n.ok());
    return n.ok() ? *n : -1;
  }
};

TEST_F(WebhookApiTest, SecretsAreWrittenButNeverReturned) {
  const Id id = CreateSignedAccount("messenger", std::string(kPage), kAppSecret, "verify-me");
  const net::Response got = Call("GET", "/v1/channel-accounts/" + std::to_string(id));
  ASSERT_EQ(got.status, 200);
  EXPECT_EQ(got.body.find(kAppSecret), std::string::npos);
  EXPECT_EQ(got.body.find("verify-me"), std::string::npos);
  EXPECT_EQ(Json(got).at("webhook_secret_set"), true);
  EXPECT_EQ(Json(got).at("webhook_verify_token_set"), true);

  const net::Response cleared =
      Call("PATCH", "/v1/channel-accounts/" + std::to_string(id), R"({"webhook_secret": ""})");
  ASSERT_EQ(cleared.status, 200) << cleared.body;
  EXPECT_EQ(Json(cleared).at("webhook_secret_set"), false);
  EXPECT_EQ(Json(cleared).at("webhook_verify_token_set"), true);

  const net::Response spaced = Call("PATCH", "/v1/channel-accounts/" + std::to_string(id),
                                    R"({"webhook_verify_token": "two words"})");
  EXPECT_EQ(spaced.status, 400);
  EXPECT_EQ(ErrorField(spaced), "webhook_verify_token");
  const net::Response typed =
      Call("PATCH", "/v1/channel-accounts/" + std::to_string(id), R"({"webhook_secret": 42})");
  EXPECT_EQ(ErrorField(typed), "webhook_secret");
  const net::Response empty_at_creation =
      Call("POST", "/v1/channel-accounts",
           R"({"platform":"line","name":"L","external_id":"U1","access_token":"t",
          "api_base_url":"http://127.0.0.1:1","webhook_secret":""})");
  EXPECT_EQ(empty_at_creation.status, 400);
  EXPECT_EQ(ErrorField(empty_at_creation), "webhook_secret");
  const std::string long_secret(kMaxWebhookSecretBytes + 1, 'a');
  const net::Response too_long = Call("PATCH", "/v1/channel-accounts/" + std::to_string(id),
                                      R"({"webhook_secret": ")" + long_secret + R"("})");
  EXPECT_EQ(ErrorField(too_long), "webhook_secret");
  const std::string longest(kMaxWebhookSecretBytes, 'a');
  EXPECT_EQ(Call("PATCH", "/v1/channel-accounts/" + std::to_string(id),
                 R"({"webhook_secret": ")" + longest + R"("})")
                .status,
            200);
}

TEST_F(WebhookApiTest, ALineAccountTakesNoVerifyToken) {
  const boost::json::object line{{"platform", "line"},
                                 {"name", "Shop"},
                                 {"external_id", std::string(kBot)},
                                 {"access_token", kToken},
                                 {"api_base_url", "http://127.0.0.1:8801"},
                                 {"webhook_verify_token", "handshake"}};
  const net::Response refused = Call("POST", "/v1/channel-accounts", boost::json::serialize(line));
  EXPECT_EQ(refused.status, 400);
  EXPECT_EQ(ErrorField(refused), "webhook_verify_token");
  const Id id = CreateSignedAccount("line", std::string(kBot), kChannelSecret);
  const std::string path = "/v1/channel-accounts/" + std::to_string(id);
  const net::Response patched = Call("PATCH", path, R"({"webhook_verify_token":"handshake"})");
  EXPECT_EQ(patched.status, 400);
  EXPECT_EQ(ErrorField(patched), "webhook_verify_token");
  EXPECT_EQ(Call("PATCH", path, R"({"webhook_verify_token":""})").status, 200);
  // A Meta account takes one.
  const Id page = CreateSignedAccount("messenger", std::string(kPage), kAppSecret, "handshake");
  EXPECT_NE(page, 0);
}

TEST_F(WebhookApiTest, MetaHandshakeEchoesTheChallengeForAKnownToken) {
  CreateSignedAccount("messenger", std::string(kPage), kAppSecret, "verify-me");
  net::Request ok = MakeRequest(
      "GET", "/webhooks/meta?hub.mode=subscribe&hub.verify_token=verify-me&hub.challenge=12345",
      "");
  const net::Response r = api_->Handle(ok);  // no API key
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, "12345");

  auto status_of = [&](std::string target) {
    return api_->Handle(MakeRequest("GET", std::move(target), "")).status;
  };
  EXPECT_EQ(status_of("/webhooks/meta?hub.mode=subscribe&hub.verify_token=verify-mf&"
                      "hub.challenge=1"),
            403);
  EXPECT_EQ(status_of("/webhooks/meta?hub.mode=subscribe&hub.challenge=1"), 403);
  EXPECT_EQ(status_of("/webhooks/meta?hub.mode=unsubscribe&hub.verify_token=verify-me&"
                      "hub.challenge=1"),
            403);
  const net::Response no_challenge =
      api_->Handle(MakeRequest("GET", "/webhooks/meta?hub.mode=subscribe&hub.verify_token=x", ""));
  EXPECT_EQ(no_challenge.status, 400);
  EXPECT_EQ(ErrorField(no_challenge), "hub.challenge");
}

TEST_F(WebhookApiTest, ASignedPressChangesTheSubscriptionOfANewContact) {
  CreateSignedAccount("messenger", std::string(kPage), kAppSecret);
  const Time pressed = kStart - std::chrono::minutes(1);
  const std::string body = Postback(kPage, "PSID-1", "mid.1", "crier:unsubscribe", pressed);
  const net::Response r = DeliverMeta(body);
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(Json(r), boost::json::parse(R"({"presses":1,"applied":1,"duplicates":0,"skipped":0})"));
  const boost::json::value contact = ContactByUser("PSID-1");
  ASSERT_TRUE(contact.is_object());
  EXPECT_EQ(contact.at("subscription").at("status"), "unsubscribed");
  EXPECT_EQ(contact.at("subscription").at("changed_at"),
            boost::json::value(FormatRfc3339(pressed)));
  EXPECT_EQ(contact.at("identities").at(0).at("last_inbound_at"),
            boost::json::value(FormatRfc3339(pressed)));

  // Delivered again: answered 200 (so Meta stops retrying), nothing changed.
  const net::Response again = DeliverMeta(body);
  ASSERT_EQ(again.status, 200) << again.body;
  EXPECT_EQ(Json(again).at("duplicates"), 1);
  EXPECT_EQ(Json(again).at("applied"), 0);
  EXPECT_EQ(ContactByUser("PSID-1"), contact);
  EXPECT_EQ(ContactCount(), 1);
}

TEST_F(WebhookApiTest, AnOlderPressDoesNotOverrideANewerOne) {
  CreateSignedAccount("messenger", std::string(kPage), kAppSecret);
  const Time newer = kStart - std::chrono::minutes(1);
  ASSERT_EQ(DeliverMeta(Postback(kPage, "PSID-1", "mid.2", "crier:subscribe", newer)).status, 200);
  ASSERT_EQ(
      DeliverMeta(Postback(kPage, "PSID-1", "mid.1", "crier:unsubscribe", newer - Duration(1)))
          .status,
      200);
  const boost::json::value contact = ContactByUser("PSID-1");
  EXPECT_EQ(contact.at("subscription").at("status"), "subscribed");
  EXPECT_EQ(contact.at("subscription").at("changed_at"), boost::json::value(FormatRfc3339(newer)));
  // A later unsubscribe does apply.
  ASSERT_EQ(
      DeliverMeta(Postback(kPage, "PSID-1", "mid.3", "crier:unsubscribe", newer + Duration(1)))
          .status,
      200);
  EXPECT_EQ(ContactByUser("PSID-1").at("subscription").at("status"), "unsubscribed");
  // crier:none and a bot flow: the interaction only.
  ASSERT_EQ(DeliverMeta(Postback(kPage, "PSID-1", "mid.4", "crier:none", kStart)).status, 200);
  ASSERT_EQ(DeliverMeta(Postback(kPage, "PSID-1", "mid.5", "MENU", kStart)).status, 200);
  const boost::json::value after = ContactByUser("PSID-1");
  EXPECT_EQ(after.at("subscription").at("status"), "unsubscribed");
  EXPECT_EQ(after.at("identities").at(0).at("last_inbound_at"),
            boost::json::value(FormatRfc3339(kStart)));
}

TEST_F(WebhookApiTest, BadSignaturesAndUnknownAccountsAreRefusedWithNothingChanged) {
  CreateSignedAccount("messenger", std::string(kPage), kAppSecret);
  const std::string body = Postback(kPage, "PSID-1", "mid.1", "crier:unsubscribe", kStart);

  const net::Response wrong = DeliverMeta(body, "another-secret");
  EXPECT_EQ(wrong.status, 403);
  EXPECT_EQ(ErrorField(wrong), "X-Hub-Signature-256");
  const net::Response missing = Deliver("/webhooks/meta", body, {});
  EXPECT_EQ(missing.status, 403);
  // Signed right, then one byte of the body changed.
  net::Headers signed_headers = {
      {"X-Hub-Signature-256", webhooks::MetaSignature(kAppSecret, body)}};
  std::string tampered = body;
  tampered.replace(tampered.find("unsubscribe"), 11, "unsubscribf");
  EXPECT_EQ(Deliver("/webhooks/meta", tampered, signed_headers).status, 403);

  const std::string unknown = Postback("9999", "PSID-1", "mid.1", "crier:unsubscribe", kStart);
  const net::Response no_account = DeliverMeta(unknown);
  EXPECT_EQ(no_account.status, 403);
  EXPECT_EQ(ErrorCodeOf(no_account), "permission_denied");
  EXPECT_EQ(ContactCount(), 0);

  // The page exists but as an Instagram account: the object says Messenger.
  CreateSignedAccount("instagram", "5005", kAppSecret);
  EXPECT_EQ(DeliverMeta(Postback("5005", "PSID-1", "mid.1", "crier:unsubscribe", kStart)).status,
            403);
  EXPECT_EQ(ContactCount(), 0);

  // A body that names no account at all is not accepted unsigned either.
  EXPECT_EQ(Deliver("/webhooks/meta", R"({"object":"page","entry":[]})", {}).status, 403);
  EXPECT_EQ(DeliverMeta(R"({"object":"page","entry":[]})").status, 403);
  // Accepted once it is signed right for a known Page.
  EXPECT_EQ(DeliverMeta(body).status, 200);
  EXPECT_EQ(ContactCount(), 1);
}

TEST_F(WebhookApiTest, ABatchTakesThePressesOfKnownPagesAndSkipsTheOthers) {
  CreateSignedAccount("messenger", std::string(kPage), kAppSecret);
  // Meta batches every Page of the app: one crier does not know must not hold back the rest.
  const std::string batch =
      R"({"object":"page","entry":[{"id":"1001","messaging":[{"sender":{"id":"A"},"timestamp":1,
      "postback":{"mid":"m1","payload":"crier:unsubscribe"}}]},{"id":"7777","messaging":[
      {"sender":{"id":"B"},"timestamp":1,"postback":{"mid":"m2","payload":"crier:unsubscribe"}}]}]})";
  const net::Response r = DeliverMeta(batch);
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(Json(r).at("applied"), 1);
  EXPECT_EQ(Json(r).at("skipped"), 1);
  EXPECT_EQ(ContactCount(), 1);
  EXPECT_EQ(ContactByUser("A").at("subscription").at("status"), "unsubscribed");
  // The same batch signed with another secret is refused whole.
  EXPECT_EQ(DeliverMeta(batch, "another-secret").status, 403);
}

TEST_F(WebhookApiTest, AWhatsAppBodyNamingOnlyItsWabaIsVerifiedByItsNumbers) {
  CreateSignedAccount("whatsapp", "PN-1", kAppSecret);  // of WABA W1
  const std::string body = R"({"object":"whatsapp_business_account","entry":[{"id":"W1",
    "changes":[{"field":"message_template_status_update","value":{"event":"APPROVED"}}]}]})";
  const net::Response r = DeliverMeta(body);
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(Json(r).at("skipped"), 1);
  EXPECT_EQ(DeliverMeta(body, "another-secret").status, 403);
  EXPECT_EQ(Deliver("/webhooks/meta", body, {}).status, 403);
}

TEST_F(WebhookApiTest, MalformedBodiesAre400NamingTheField) {
  CreateSignedAccount("messenger", std::string(kPage), kAppSecret);
  const std::string body =
      R"({"object":"page","entry":[{"id":"1001","messaging":[{"sender":{},"timestamp":1,
      "postback":{"mid":"m","payload":"crier:unsubscribe"}}]}]})";
  const net::Response r = DeliverMeta(body);
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(ErrorField(r), "entry[0].messaging[0].sender.id");
  const net::Response not_json = DeliverMeta("{\"object\":");
  EXPECT_EQ(not_json.status, 400);
  EXPECT_EQ(ErrorField(not_json), "body");
  EXPECT_EQ(DeliverLine(R"({"events":[]})").status, 400);
  EXPECT_EQ(ContactCount(), 0);
}

TEST_F(WebhookApiTest, WhatsAppPressesFindTheAccountByPhoneNumberId) {
  CreateSignedAccount("whatsapp", "PN-1", kAppSecret);
  const std::string body = R"({"object":"whatsapp_business_account","entry":[{"id":"W1",
    "changes":[{"field":"messages","value":{"metadata":{"phone_number_id":"PN-1"},
    "messages":[{"from":"886900000001","id":"wamid.A","timestamp":"1790000000","type":"button",
    "button":{"payload":"crier:unsubscribe","text":"Stop"}}]}}]}]})";
  const net::Response r = DeliverMeta(body);
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(ContactByUser("886900000001").at("subscription").at("status"), "unsubscribed");
}

TEST_F(WebhookApiTest, LinePostbacksFindTheAccountByDestination) {
  CreateSignedAccount("line", std::string(kBot), kChannelSecret);
  const std::string body =
      R"({"destination":")" + std::string(kBot) +
      R"(","events":[{"type":"postback","mode":"active","timestamp":1790000000000,
      "webhookEventId":"01J0","deliveryContext":{"isRedelivery":false},
      "source":{"type":"user","userId":"Uaaaa"},"postback":{"data":"crier:unsubscribe"}}]})";
  EXPECT_EQ(DeliverLine(body, "wrong").status, 403);
  EXPECT_EQ(ContactCount(), 0);
  const net::Response r = DeliverLine(body);
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(ContactByUser("Uaaaa").at("subscription").at("status"), "unsubscribed");
  EXPECT_EQ(Json(DeliverLine(body)).at("duplicates"), 1);
  // LINE's connectivity check.
  EXPECT_EQ(DeliverLine(R"({"destination":")" + std::string(kBot) + R"(","events":[]})").status,
            200);
  // An unknown destination.
  EXPECT_EQ(DeliverLine(R"({"destination":"Uother","events":[]})").status, 403);
}

}  // namespace
}  // namespace crier::api::testing
