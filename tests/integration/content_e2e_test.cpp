// Every message kind against every channel (PRODUCT.md A5), end to end on the embedded default:
// each broadcast is created through crier's API; what the channel takes is sent by the real
// crier to the real sandbox over loopback and must arrive in that platform's own shape; what
// the channel does not take is refused at creation with a 400 that names the field.
#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <chrono>
#include <functional>
#include <map>
#include <set>
#include <thread>

#include "core/clock.h"
#include "e2e_fixture.h"

namespace crier {
namespace {

using namespace std::chrono_literals;
namespace json = boost::json;

constexpr char kPage[] = "2000001";
constexpr char kPageToken[] = "content-page-token";
constexpr char kIgAccount[] = "2000002";
constexpr char kIgToken[] = "content-ig-token";
constexpr char kNumber[] = "2000003";
constexpr char kWaba[] = "2000004";
constexpr char kWaToken[] = "content-wa-token";
constexpr char kChannel[] = "2000005";
constexpr char kLineToken[] = "content-line-token";

constexpr char kPsid[] = "7100000000000001";
constexpr char kIgsid[] = "7200000000000001";
constexpr char kWaId[] = "886912345678";
constexpr char kLineUser[] = "U0123456789abcdef0123456789abcdef";

// One message of each kind and layout, as a user writes it, and how each platform's own
// request carries it (nullopt: the platform does not take it).
struct Kind {
  std::string name;
  std::string message;  // JSON
  // platform -> what the recorded request body must show
  std::map<std::string, std::function<void(const json::value& body)>> takers;
};

const json::value& Member(const json::value& v, std::initializer_list<std::string_view> path) {
  const json::value* at = &v;
  for (std::string_view key : path) {
    const json::object* o = at->if_object();
    static const json::value kNull;
    if (o == nullptr || !o->contains(key)) return kNull;
    at = &o->at(key);
  }
  return *at;
}

// Messenger and Instagram: message.attachment of `type` (and template_type for cards).
std::function<void(const json::value&)> Attachment(std::string type, std::string url) {
  return [type, url](const json::value& body) {
    EXPECT_EQ(Member(body, {"message", "attachment", "type"}), json::value(type)) << body;
    EXPECT_EQ(Member(body, {"message", "attachment", "payload", "url"}), json::value(url)) << body;
  };
}
std::function<void(const json::value&)> GraphTemplate(std::string template_type) {
  return [template_type](const json::value& body) {
    EXPECT_EQ(Member(body, {"message", "attachment", "type"}), json::value("template")) << body;
    EXPECT_EQ(Member(body, {"message", "attachment", "payload", "template_type"}),
              json::value(template_type))
        << body;
  };
}
std::function<void(const json::value&)> WhatsApp(std::string type, std::string sub = "") {
  return [type, sub](const json::value& body) {
    EXPECT_EQ(Member(body, {"type"}), json::value(type)) << body;
    if (!sub.empty()) {
      EXPECT_EQ(Member(body, {"interactive", "type"}), json::value(sub)) << body;
    }
  };
}
std::function<void(const json::value&)> Line(std::string type, std::string sub = "") {
  return [type, sub](const json::value& body) {
    const json::value& first = Member(body, {"messages"}).is_array()
                                   ? Member(body, {"messages"}).as_array().at(0)
                                   : json::value();
    EXPECT_EQ(Member(first, {"type"}), json::value(type)) << body;
    if (!sub.empty()) {
      EXPECT_EQ(Member(first, {"template", "type"}), json::value(sub)) << body;
    }
  };
}

std::vector<Kind> Kinds() {
  const std::string image = "https://cdn.example/sale.jpg";
  std::vector<Kind> kinds;
  kinds.push_back(
      {"text",
       R"({"kind":"text","text":"Hi {{contact.first_name | \"there\"}}"})",
       {{"messenger",
         [](const json::value& b) {
           EXPECT_EQ(Member(b, {"message", "text"}), json::value("Hi Mei")) << b;
         }},
        {"instagram",
         [](const json::value& b) {
           EXPECT_EQ(Member(b, {"message", "text"}), json::value("Hi Mei")) << b;
         }},
        {"whatsapp",
         [](const json::value& b) {
           EXPECT_EQ(Member(b, {"text", "body"}), json::value("Hi Mei")) << b;
         }},
        {"line", [](const json::value& b) {
           EXPECT_EQ(Member(b, {"messages"}).as_array().at(0).at("text"), json::value("Hi Mei"))
               << b;
         }}}});
  kinds.push_back({"image",
                   R"({"kind":"image","media":{"url":")" + image + R"("}})",
                   {{"messenger", Attachment("image", image)},
                    {"instagram", Attachment("image", image)},
                    {"whatsapp", WhatsApp("image")},
                    {"line", Line("image")}}});
  kinds.push_back({"video",
                   R"({"kind":"video","media":{"url":"https://cdn.example/v.mp4","preview_url":")" +
                       image + R"("}})",
                   {{"messenger", Attachment("video", "https://cdn.example/v.mp4")},
                    {"whatsapp", WhatsApp("video")},
                    {"line", Line("video")}}});
  kinds.push_back({"audio",
                   R"({"kind":"audio","media":{"url":"https://cdn.example/a.m4a","duration_ms":)"
                   R"(61000}})",
                   {{"messenger", Attachment("audio", "https://cdn.example/a.m4a")},
                    {"whatsapp", WhatsApp("audio")},
                    {"line", Line("audio")}}});
  kinds.push_back({"file",
                   R"({"kind":"file","media":{"url":"https://cdn.example/menu.pdf"}})",
                   {{"messenger", Attachment("file", "https://cdn.example/menu.pdf")},
                    {"whatsapp", WhatsApp("document")}}});
  kinds.push_back(
      {"buttons",
       R"({"kind":"card","card":{"layout":"buttons","text":"Hi {{contact.first_name}},)"
       R"( pick one","buttons":[{"action":"url","title":"Shop",)"
       R"("url":"https://shop.example/"},{"action":"unsubscribe","title":"Stop"}]}})",
       {{"messenger", GraphTemplate("button")}, {"line", Line("template", "buttons")}}});
  kinds.push_back({"reply buttons",
                   R"({"kind":"card","card":{"layout":"buttons","text":"Still interested?",)"
                   R"("buttons":[{"action":"postback","title":"Yes","payload":"FLOW_YES"},)"
                   R"({"action":"unsubscribe","title":"Stop"}]}})",
                   {{"messenger", GraphTemplate("button")},
                    {"whatsapp", WhatsApp("interactive", "button")},
                    {"line", Line("template", "buttons")}}});
  kinds.push_back({"carousel",
                   R"({"kind":"card","card":{"layout":"carousel","elements":[)"
                   R"({"title":"Red","subtitle":"Warm","image_url":")" +
                       image +
                       R"(","buttons":[{"action":"postback","title":"Pick","payload":"RED"}]},)"
                       R"({"title":"Blue","subtitle":"Cool","image_url":")" +
                       image +
                       R"(","buttons":[{"action":"postback","title":"Pick","payload":"BLUE"}]}]}})",
                   {{"messenger", GraphTemplate("generic")},
                    {"instagram", GraphTemplate("generic")},
                    {"line", Line("template", "carousel")}}});
  const auto quick = [](const json::value& b) {
    EXPECT_EQ(Member(b, {"message", "quick_replies"}).as_array().size(), 2u) << b;
  };
  kinds.push_back({"quick replies",
                   R"({"kind":"card","card":{"layout":"quick_replies","text":"Which size?",)"
                   R"("buttons":[{"action":"postback","title":"S","payload":"S"},)"
                   R"({"action":"postback","title":"M","payload":"M"}]}})",
                   {{"messenger", quick},
                    {"instagram", quick},
                    {"line", [](const json::value& b) {
                       const json::value& first = Member(b, {"messages"}).as_array().at(0);
                       EXPECT_EQ(Member(first, {"quickReply", "items"}).as_array().size(), 2u) << b;
                     }}}});
  kinds.push_back({"list",
                   R"({"kind":"card","card":{"layout":"list","text":"Our menu","list_button":)"
                   R"("Open","sections":[{"title":"Drinks","rows":[{"id":"tea","title":"Tea"},)"
                   R"({"id":"coffee","title":"Coffee"}]}]}})",
                   {{"whatsapp", WhatsApp("interactive", "list")}}});
  kinds.push_back({"flex",
                   R"({"kind":"card","card":{"layout":"flex","alt_text":"Sale","flex":)"
                   R"({"type":"bubble","body":{"type":"box","layout":"vertical","contents":[)"
                   R"({"type":"text","text":"Sale"}]}}}})",
                   {{"line", Line("flex")}}});
  return kinds;
}

class ContentE2ETest : public testing::E2ETest {
 protected:
  struct Channel {
    std::string platform;
    std::int64_t account_id = 0;
    std::string account;    // the platform's id of the account, as the sandbox records it
    std::string recipient;  // the one contact's platform user id
  };

  std::int64_t CreateAccount(const json::object& body) {
    return Call("POST", "/v1/channel-accounts", json::serialize(body), 201).at("id").as_int64();
  }

  // One account per platform in the sandbox and in crier, each with one contact, Mei, whose
  // window is open.
  std::vector<Channel> Seed() {
    Sandbox("POST", "/__sandbox/pages",
            json::serialize(json::object{
                {"page_id", kPage}, {"access_token", kPageToken}, {"platform", "messenger"}}));
    Sandbox("POST", "/__sandbox/pages",
            json::serialize(json::object{
                {"page_id", kIgAccount}, {"access_token", kIgToken}, {"platform", "instagram"}}));
    Sandbox("POST", "/__sandbox/whatsapp/phone_numbers",
            json::serialize(json::object{
                {"phone_number_id", kNumber}, {"waba_id", kWaba}, {"access_token", kWaToken}}));
    Sandbox("POST", "/__sandbox/line/channels",
            json::serialize(json::object{{"channel_id", kChannel}, {"access_token", kLineToken}}));
    Sandbox("POST", "/__sandbox/line/followers",
            json::serialize(json::object{{"channel_id", kChannel},
                                         {"followers", json::array{{{"user_id", kLineUser}}}}}));
    const std::string recent = FormatRfc3339(SystemClock::Instance().Now() - 3'600'000ms);
    Sandbox("POST", "/__sandbox/interactions",
            json::serialize(
                json::object{{"page_id", kPage},
                             {"interactions", json::array{{{"user_id", kPsid}, {"at", recent}}}}}));
    Sandbox("POST", "/__sandbox/interactions",
            json::serialize(json::object{
                {"page_id", kIgAccount},
                {"interactions", json::array{{{"user_id", kIgsid}, {"at", recent}}}}}));
    Sandbox("POST", "/__sandbox/whatsapp/contacts",
            json::serialize(json::object{
                {"phone_number_id", kNumber},
                {"contacts", json::array{{{"wa_id", kWaId}, {"last_inbound_at", recent}}}}}));

    std::vector<Channel> channels = {
        {"messenger",
         CreateAccount({{"platform", "messenger"},
                        {"name", "Shop"},
                        {"external_id", kPage},
                        {"access_token", kPageToken},
                        {"api_base_url", sandbox_url_}}),
         kPage, kPsid},
        {"instagram",
         CreateAccount({{"platform", "instagram"},
                        {"name", "Shop IG"},
                        {"external_id", kIgAccount},
                        {"access_token", kIgToken},
                        {"api_base_url", sandbox_url_}}),
         kIgAccount, kIgsid},
        {"whatsapp",
         CreateAccount({{"platform", "whatsapp"},
                        {"name", "Shop WA"},
                        {"external_id", kNumber},
                        {"access_token", kWaToken},
                        {"api_base_url", sandbox_url_},
                        {"capabilities", {{"waba_id", kWaba}}}}),
         kNumber, kWaId},
        {"line",
         CreateAccount({{"platform", "line"},
                        {"name", "Shop LINE"},
                        {"external_id", kChannel},
                        {"access_token", kLineToken},
                        {"api_base_url", sandbox_url_}}),
         kChannel, kLineUser},
    };
    std::string jsonl;
    for (const Channel& c : channels) {
      jsonl += json::serialize(json::object{{"channel_account_id", c.account_id},
                                            {"platform_user_id", c.recipient},
                                            {"name", "Mei Lin"},
                                            {"first_name", "Mei"},
                                            {"last_inbound_at", recent}}) +
               "\n";
    }
    auto imported =
        Call("POST", "/v1/contacts/import?format=jsonl", jsonl, 200, "application/x-ndjson");
    EXPECT_EQ(imported.at("imported").as_int64(), 4) << json::serialize(imported);
    return channels;
  }

  bool Done(const std::string& broadcast_id) {
    return Call("GET", "/v1/broadcasts/" + broadcast_id + "/report", "", 200).at("done").as_bool();
  }
};

TEST_F(ContentE2ETest, EveryKindReachesEveryChannelThatTakesItAndIsRefusedElsewhere) {
  const std::vector<Channel> channels = Seed();
  const std::vector<Kind> kinds = Kinds();
  std::map<std::string, std::int64_t> seen_up_to;  // by account: the last record checked
  int sent = 0, refused = 0;
  for (const Kind& kind : kinds) {
    // The kind goes to every channel at once; each channel's one new record is then checked.
    std::vector<std::pair<const Channel*, std::string>> runs;
    for (const Channel& channel : channels) {
      SCOPED_TRACE(kind.name + " on " + channel.platform);
      const bool takes = kind.takers.contains(channel.platform);
      const json::value body = json::object{{"name", kind.name + " on " + channel.platform},
                                            {"channel_account_id", channel.account_id},
                                            {"purpose", "promotional"},
                                            {"messages", json::array{json::parse(kind.message)}}};
      auto created = Call("POST", "/v1/broadcasts", json::serialize(body), takes ? 201 : 400);
      if (!takes) {
        const std::string field(created.at("error").at("field").as_string());
        EXPECT_TRUE(field == "messages[0].kind" || field == "messages[0].card.layout" ||
                    field == "messages[0].card.buttons")
            << json::serialize(created);
        ++refused;
        continue;
      }
      const std::string id = std::to_string(created.at("id").as_int64());
      Call("POST", "/v1/broadcasts/" + id + "/send", "", 202);
      runs.emplace_back(&channel, id);
      ++sent;
    }
    const auto deadline = std::chrono::steady_clock::now() + 60s;
    for (const auto& [channel, id] : runs) {
      while (!Done(id) && std::chrono::steady_clock::now() < deadline) {
        std::this_thread::sleep_for(50ms);
      }
      ASSERT_TRUE(Done(id)) << kind.name << " on " << channel->platform;
      SCOPED_TRACE(kind.name + " on " + channel->platform);
      auto page = Sandbox("GET",
                          "/__sandbox/messages?account=" + channel->account + "&after=" +
                              std::to_string(seen_up_to[channel->account]) + "&limit=10",
                          "");
      const json::array& items = page.at("items").as_array();
      ASSERT_EQ(items.size(), 1u) << json::serialize(page);
      EXPECT_EQ(items[0].at("recipient"), json::value(channel->recipient));
      kind.takers.at(channel->platform)(items[0].at("body"));
      seen_up_to[channel->account] = items[0].at("seq").as_int64();
    }
  }
  auto stats = Sandbox("GET", "/__sandbox/stats", "");
  EXPECT_EQ(stats.at("refused").as_int64(), 0) << json::serialize(stats);
  // Every kind on every channel: sent where taken, refused at creation elsewhere.
  EXPECT_EQ(sent + refused, static_cast<int>(kinds.size() * channels.size()));
  EXPECT_EQ(refused, 15);
}

// G3 end to end: a tracked broadcast's links leave crier through its redirect on every channel,
// each person's with their own token; a press (no API key, as a browser makes it) is sent on
// to the link and counted in the report, and an address crier did not make leads nowhere.
TEST_F(ContentE2ETest, TrackedLinksGoThroughTheRedirectOnEveryChannelAndPressesAreCounted) {
  const std::vector<Channel> channels = Seed();
  const json::value text = {
      {"kind", "text"}, {"text", "Hi {{contact.first_name}}, new in: https://shop.example/new"}};
  for (const Channel& channel : channels) {
    SCOPED_TRACE(channel.platform);
    const json::value body = json::object{{"name", "Tracked on " + channel.platform},
                                          {"channel_account_id", channel.account_id},
                                          {"purpose", "promotional"},
                                          {"track_clicks", true},
                                          {"messages", json::array{text}}};
    auto created = Call("POST", "/v1/broadcasts", json::serialize(body), 201);
    const std::string id = std::to_string(created.at("id").as_int64());
    Call("POST", "/v1/broadcasts/" + id + "/send", "", 202);
    const auto deadline = std::chrono::steady_clock::now() + 60s;
    while (!Done(id) && std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(50ms);
    }
    ASSERT_TRUE(Done(id));
    auto page = Sandbox("GET", "/__sandbox/messages?account=" + channel.account + "&limit=10", "");
    const json::array& items = page.at("items").as_array();
    ASSERT_EQ(items.size(), 1u) << json::serialize(page);
    // The link as the person reads it, wherever the platform puts text.
    const std::string sent = json::serialize(items[0].at("body"));
    const std::string prefix = url_ + "/r/";
    const std::size_t at = sent.find(prefix);
    ASSERT_NE(at, std::string::npos) << sent;
    EXPECT_EQ(sent.find("shop.example/new"), std::string::npos) << "sent as written: " << sent;
    const std::string link = sent.substr(at, sent.find('"', at) - at);

    auto press = http_.Send("GET", link, {{"User-Agent", "Mozilla/5.0"}}, "");
    ASSERT_TRUE(press.ok()) << press.error().ToString();
    EXPECT_EQ(press->status, 302) << link << ": " << press->body;
    EXPECT_EQ(net::FindHeader(press->headers, "Location").value_or(""), "https://shop.example/new");
    auto forged = http_.Send("GET", link.substr(0, link.size() - 1) + "7", {}, "");
    ASSERT_TRUE(forged.ok());
    EXPECT_EQ(forged->status, 404);

    auto report = Call("GET", "/v1/broadcasts/" + id + "/report", "", 200);
    EXPECT_EQ(report.at("clicks").at("total"), 1) << json::serialize(report);
    EXPECT_EQ(report.at("clicks").at("unique_contacts"), 1);
    EXPECT_EQ(report.at("clicks").at("links").at(0).at("clicks"), 1);
  }
}

}  // namespace
}  // namespace crier
