#include "sandbox/webhooks.h"

#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <boost/json.hpp>
#include <optional>
#include <vector>

#include "sandbox/sandbox.h"
#include "sandbox/sandbox_test_support.h"

namespace crier::sandbox::testing {
namespace {

struct Posted {
  std::string url;
  net::Headers headers;
  std::string body;
};

// The signature by the platforms' formula, computed here without the sandbox's helpers.
std::string HmacHex(std::string_view key, std::string_view data) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int size = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
       reinterpret_cast<const unsigned char*>(data.data()), data.size(), digest, &size);
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (unsigned int i = 0; i < size; ++i) {
    out += kHex[digest[i] >> 4];
    out += kHex[digest[i] & 0xF];
  }
  return out;
}

class SandboxWebhooksTest : public ::testing::Test {
 protected:
  SandboxWebhooksTest()
      : clock_(At("2026-11-21T09:00:00Z")),
        sandbox_(clock_,
                 [this](const std::string& url, const net::Headers& headers,
                        const std::string& body) -> Result<net::ClientResponse> {
                   posted_.push_back({url, headers, body});
                   if (!answer_) return Error{ErrorCode::kUnavailable, "connection refused", {}};
                   return *answer_;
                 }) {}

  net::Response Press(const json::object& body) {
    return sandbox_.Handle(MakeRequest("POST", "/__sandbox/webhooks/press", json::serialize(body)));
  }

  json::object Base(std::string platform, std::string account) {
    return {{"platform", platform}, {"account", account},
            {"user", "USER-1"},     {"payload", "crier:unsubscribe"},
            {"secret", "s3cret"},   {"target", "http://127.0.0.1:8800/webhooks/meta"}};
  }

  FakeClock clock_;
  std::vector<Posted> posted_;
  std::optional<net::ClientResponse> answer_ =
      net::ClientResponse{200, R"({"presses":1,"applied":1,"duplicates":0,"skipped":0})", {}};
  Sandbox sandbox_;
};

TEST_F(SandboxWebhooksTest, MessengerPostbackIsSignedWithTheAppSecret) {
  const net::Response r = Press(Base("messenger", "1001"));
  ASSERT_EQ(r.status, 200) << r.body;
  ASSERT_EQ(posted_.size(), 1u);
  EXPECT_EQ(posted_[0].url, "http://127.0.0.1:8800/webhooks/meta");
  EXPECT_EQ(net::FindHeader(posted_[0].headers, "X-Hub-Signature-256"),
            "sha256=" + HmacHex("s3cret", posted_[0].body));
  const json::value sent = json::parse(posted_[0].body);
  EXPECT_EQ(sent.at("object"), "page");
  const json::value& event = sent.at("entry").at(0).at("messaging").at(0);
  EXPECT_EQ(sent.at("entry").at(0).at("id"), "1001");
  EXPECT_EQ(event.at("sender").at("id"), "USER-1");
  EXPECT_EQ(event.at("postback").at("payload"), "crier:unsubscribe");
  EXPECT_EQ(event.at("timestamp"), ToUnixMillis(clock_.Now()));
  const json::object answer = Parse(r);
  EXPECT_EQ(answer.at("status"), 200);
  EXPECT_EQ(answer.at("response").at("applied"), 1);
  EXPECT_EQ(answer.at("event_id"), event.at("postback").at("mid"));
}

TEST_F(SandboxWebhooksTest, EachPlatformInItsOwnShape) {
  json::object ig = Base("instagram", "17841");
  ig["kind"] = "quick_reply";
  ASSERT_EQ(Press(ig).status, 200);
  const json::value ig_sent = json::parse(posted_.back().body);
  EXPECT_EQ(ig_sent.at("object"), "instagram");
  EXPECT_EQ(
      ig_sent.at("entry").at(0).at("messaging").at(0).at("message").at("quick_reply").at("payload"),
      "crier:unsubscribe");

  json::object wa = Base("whatsapp", "PN-1");
  wa["kind"] = "button_reply";
  wa["at"] = "2026-11-21T08:00:00Z";
  ASSERT_EQ(Press(wa).status, 200);
  const json::value wa_sent = json::parse(posted_.back().body);
  EXPECT_EQ(wa_sent.at("object"), "whatsapp_business_account");
  const json::value& value = wa_sent.at("entry").at(0).at("changes").at(0).at("value");
  EXPECT_EQ(value.at("metadata").at("phone_number_id"), "PN-1");
  EXPECT_EQ(value.at("messages").at(0).at("timestamp"), "1795248000");
  EXPECT_EQ(value.at("messages").at(0).at("interactive").at("button_reply").at("id"),
            "crier:unsubscribe");

  json::object line = Base("line", "U0123");
  line["target"] = "http://localhost:8800/webhooks/line";
  line["event_id"] = "01JAAAAAAAAAAAAAAAAAAAAAAA";
  ASSERT_EQ(Press(line).status, 200);
  const Posted& line_post = posted_.back();
  const json::value line_sent = json::parse(line_post.body);
  EXPECT_EQ(line_sent.at("destination"), "U0123");
  EXPECT_EQ(line_sent.at("events").at(0).at("webhookEventId"), "01JAAAAAAAAAAAAAAAAAAAAAAA");
  EXPECT_EQ(line_sent.at("events").at(0).at("postback").at("data"), "crier:unsubscribe");
  // Base64 of the HMAC, as LINE signs.
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int size = 0;
  HMAC(EVP_sha256(), "s3cret", 6, reinterpret_cast<const unsigned char*>(line_post.body.data()),
       line_post.body.size(), digest, &size);
  unsigned char b64[64] = {};
  EVP_EncodeBlock(b64, digest, static_cast<int>(size));
  EXPECT_EQ(net::FindHeader(line_post.headers, "X-Line-Signature"),
            std::string(reinterpret_cast<char*>(b64)));
}

TEST_F(SandboxWebhooksTest, BadRequestsNameTheFieldAndSendNothing) {
  auto field_of = [&](json::object body) {
    const net::Response r = Press(body);
    EXPECT_EQ(r.status, 400) << r.body;
    return std::string(Parse(r).at("error").at("field").as_string());
  };
  json::object b = Base("messenger", "1001");
  b.erase("secret");
  EXPECT_EQ(field_of(b), "secret");
  b = Base("telegram", "1");
  EXPECT_EQ(field_of(b), "platform");
  b = Base("messenger", "1001");
  b["target"] = "http://example.com/webhooks/meta";
  EXPECT_EQ(field_of(b), "target");
  b["target"] = "http://127.0.0.1.example.com/webhooks/meta";
  EXPECT_EQ(field_of(b), "target");
  b["target"] = "https://127.0.0.1:8800/webhooks/meta";
  EXPECT_EQ(field_of(b), "target");
  b = Base("whatsapp", "PN");
  b["kind"] = "postback";
  EXPECT_EQ(field_of(b), "kind");
  b = Base("line", "U1");
  b["at"] = "yesterday";
  EXPECT_EQ(field_of(b), "at");
  EXPECT_TRUE(posted_.empty());
}

TEST_F(SandboxWebhooksTest, TheSameEventIdRedeliversAndAnUnreachableTargetIs502) {
  json::object b = Base("messenger", "1001");
  b["event_id"] = "m_1";
  ASSERT_EQ(Press(b).status, 200);
  ASSERT_EQ(Press(b).status, 200);
  ASSERT_EQ(posted_.size(), 2u);
  EXPECT_EQ(posted_[0].body, posted_[1].body);
  answer_.reset();
  const net::Response r = Press(b);
  EXPECT_EQ(r.status, 502);
  EXPECT_EQ(Parse(r).at("error").at("field"), "target");
}

}  // namespace
}  // namespace crier::sandbox::testing
