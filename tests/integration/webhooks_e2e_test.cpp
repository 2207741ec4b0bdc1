// Button presses come back in (PRODUCT.md G2, J4), end to end on the real binaries: crier
// sends a broadcast with subscribe / unsubscribe buttons to the sandbox, the sandbox plays
// the person pressing one by POSTing the platform's signed webhook to crier, and the
// contact's subscription changes; the same webhook delivered again changes nothing.
#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <chrono>
#include <thread>

#include "core/clock.h"
#include "e2e_fixture.h"

namespace crier {
namespace {

using namespace std::chrono_literals;
namespace json = boost::json;

constexpr char kPage[] = "3000001";
constexpr char kPageToken[] = "webhook-page-token";
constexpr char kAppSecret[] = "webhook-app-secret";
constexpr char kPsid[] = "7300000000000001";
constexpr char kChannel[] = "3000002";
constexpr char kLineToken[] = "webhook-line-token";
constexpr char kChannelSecret[] = "webhook-channel-secret";
constexpr char kBot[] = "U30000000000000000000000000000002";
constexpr char kLineUser[] = "U73000000000000000000000000000001";

// Whether `v` holds the string `s` anywhere: the payload crier put on a button, wherever the
// platform's shape keeps it (quick_replies[].payload, template actions[].data).
bool Holds(const json::value& v, std::string_view s) {
  if (const auto* str = v.if_string()) return *str == s;
  if (const auto* o = v.if_object()) {
    for (const auto& [key, member] : *o) {
      if (Holds(member, s)) return true;
    }
  }
  if (const auto* a = v.if_array()) {
    for (const auto& item : *a) {
      if (Holds(item, s)) return true;
    }
  }
  return false;
}

class WebhooksE2ETest : public testing::E2ETest {
 protected:
  std::int64_t CreateAccount(const json::object& body) {
    return Call("POST", "/v1/channel-accounts", json::serialize(body), 201).at("id").as_int64();
  }

  std::int64_t ImportOne(std::int64_t account, const std::string& user, Time last_inbound) {
    const std::string row =
        json::serialize(json::object{{"channel_account_id", account},
                                     {"platform_user_id", user},
                                     {"first_name", "Mei"},
                                     {"last_inbound_at", FormatRfc3339(last_inbound)}});
    Call("POST", "/v1/contacts/import?format=jsonl", row + "\n", 200, "application/x-ndjson");
    auto page = Call("GET", "/v1/contacts?channel_account_id=" + std::to_string(account), "", 200);
    return page.at("items").at(0).at("id").as_int64();
  }

  // Sends `card` on `account` and returns the body the sandbox recorded for it.
  json::value SendAndRecord(std::int64_t account, const std::string& sandbox_account,
                            const std::string& card) {
    const json::value body = json::object{{"name", "Stay in touch"},
                                          {"channel_account_id", account},
                                          {"purpose", "promotional"},
                                          {"messages", json::array{json::parse(card)}}};
    const std::string id = std::to_string(
        Call("POST", "/v1/broadcasts", json::serialize(body), 201).at("id").as_int64());
    Call("POST", "/v1/broadcasts/" + id + "/send", "", 202);
    const auto deadline = std::chrono::steady_clock::now() + 60s;
    while (!Call("GET", "/v1/broadcasts/" + id + "/report", "", 200).at("done").as_bool() &&
           std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(50ms);
    }
    auto page = Sandbox("GET", "/__sandbox/messages?account=" + sandbox_account, "");
    const json::array& items = page.at("items").as_array();
    EXPECT_EQ(items.size(), 1u) << json::serialize(page);
    return items.empty() ? json::value() : items.back().at("body");
  }

  json::value Press(json::object press) {
    return Sandbox("POST", "/__sandbox/webhooks/press", json::serialize(press));
  }

  json::value Subscription(std::int64_t contact) {
    return Call("GET", "/v1/contacts/" + std::to_string(contact), "", 200).at("subscription");
  }
};

TEST_F(WebhooksE2ETest, PressingUnsubscribeOnMessengerAndLineChangesTheSubscriptionOnce) {
  Sandbox("POST", "/__sandbox/pages",
          json::serialize(json::object{
              {"page_id", kPage}, {"access_token", kPageToken}, {"platform", "messenger"}}));
  Sandbox("POST", "/__sandbox/line/channels",
          json::serialize(json::object{{"channel_id", kChannel}, {"access_token", kLineToken}}));
  Sandbox("POST", "/__sandbox/line/followers",
          json::serialize(json::object{{"channel_id", kChannel},
                                       {"followers", json::array{{{"user_id", kLineUser}}}}}));
  const Time recent = SystemClock::Instance().Now() - 3'600'000ms;
  Sandbox("POST", "/__sandbox/interactions",
          json::serialize(json::object{
              {"page_id", kPage},
              {"interactions", json::array{{{"user_id", kPsid}, {"at", FormatRfc3339(recent)}}}}}));
  const std::int64_t page = CreateAccount({{"platform", "messenger"},
                                           {"name", "Shop"},
                                           {"external_id", kPage},
                                           {"access_token", kPageToken},
                                           {"api_base_url", sandbox_url_},
                                           {"webhook_secret", kAppSecret},
                                           {"webhook_verify_token", "e2e-verify"}});
  const std::int64_t line = CreateAccount({{"platform", "line"},
                                           {"name", "Shop LINE"},
                                           {"external_id", kBot},
                                           {"access_token", kLineToken},
                                           {"api_base_url", sandbox_url_},
                                           {"webhook_secret", kChannelSecret}});

  // Meta's handshake, as Meta makes it: no API key.
  auto handshake = http_.Get(url_ +
                             "/webhooks/meta?hub.mode=subscribe&hub.verify_token=e2e-verify&"
                             "hub.challenge=4242");
  ASSERT_TRUE(handshake.ok());
  EXPECT_EQ(handshake->status, 200);
  EXPECT_EQ(handshake->body, "4242");

  struct Case {
    std::string platform;
    std::int64_t account;
    std::string sandbox_account;  // as the sandbox records sends
    std::string webhook_account;  // as the webhook names the account
    std::string user;
    std::string secret;
    std::string path;
    std::string card;
  };
  const Case cases[] = {
      {"messenger", page, kPage, kPage, kPsid, kAppSecret, "/webhooks/meta",
       R"({"kind":"card","card":{"layout":"quick_replies","text":"Keep hearing from us?",)"
       R"("buttons":[{"action":"subscribe","title":"Yes"},)"
       R"({"action":"unsubscribe","title":"Stop"}]}})"},
      {"line", line, kChannel, kBot, kLineUser, kChannelSecret, "/webhooks/line",
       R"({"kind":"card","card":{"layout":"buttons","text":"Keep hearing from us?",)"
       R"("buttons":[{"action":"subscribe","title":"Yes"},)"
       R"({"action":"unsubscribe","title":"Stop"}]}})"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.platform);
    const std::int64_t contact = ImportOne(c.account, c.user, recent);
    EXPECT_EQ(Subscription(contact).at("status"), "subscribed");
    const json::value sent = SendAndRecord(c.account, c.sandbox_account, c.card);
    ASSERT_TRUE(Holds(sent, "crier:unsubscribe")) << json::serialize(sent);

    const json::object press{{"platform", c.platform},
                             {"account", c.webhook_account},
                             {"user", c.user},
                             {"payload", "crier:unsubscribe"},
                             {"secret", c.secret},
                             {"target", url_ + c.path},
                             {"at", FormatRfc3339(SystemClock::Instance().Now() - 60'000ms)}};
    // Signed with another secret: refused, nothing changes.
    json::object forged = press;
    forged["secret"] = "not-the-secret";
    const json::value refused = Press(forged);
    EXPECT_EQ(refused.at("status"), 403) << json::serialize(refused);
    EXPECT_EQ(Subscription(contact).at("status"), "subscribed");

    const json::value pressed = Press(press);
    ASSERT_EQ(pressed.at("status"), 200) << json::serialize(pressed);
    EXPECT_EQ(pressed.at("response").at("applied"), 1);
    const json::value after = Subscription(contact);
    EXPECT_EQ(after.at("status"), "unsubscribed");
    const json::value contact_after =
        Call("GET", "/v1/contacts/" + std::to_string(contact), "", 200);

    // The same webhook again, as a platform retrying: answered 200, nothing changes.
    json::object replay = press;
    replay["event_id"] = pressed.at("event_id");
    const json::value again = Press(replay);
    ASSERT_EQ(again.at("status"), 200) << json::serialize(again);
    EXPECT_EQ(again.at("response").at("duplicates"), 1);
    EXPECT_EQ(Call("GET", "/v1/contacts/" + std::to_string(contact), "", 200), contact_after);
  }
}

}  // namespace
}  // namespace crier
