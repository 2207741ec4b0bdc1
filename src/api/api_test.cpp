#include "api/api.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "api/api_test_fixture.h"

namespace crier::api::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;
namespace json = boost::json;

// ---- authentication and routing -----------------------------------------------------------

TEST_F(ApiTest, HealthzNeedsNoKey) {
  const net::Response r = Call("GET", "/healthz", "", {{"Authorization", ""}});
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(Json(r), (json::value{{"status", "ok"}}));
}

TEST_F(ApiTest, MissingKeyIsRefused) {
  net::Request request = MakeRequest("GET", "/v1/broadcasts", "");
  const net::Response r = api_->Handle(request);
  EXPECT_EQ(r.status, 401);
  EXPECT_EQ(ErrorCodeOf(r), "unauthenticated");
  EXPECT_EQ(ErrorField(r), "<none>");
  EXPECT_EQ(net::FindHeader(r.headers, "WWW-Authenticate"), "Bearer");
}

TEST_F(ApiTest, WrongKeyIsRefused) {
  const net::Response r =
      Call("GET", "/v1/broadcasts", "", {{"Authorization", "Bearer crier_notakey"}});
  EXPECT_EQ(r.status, 401);
  EXPECT_EQ(ErrorCodeOf(r), "unauthenticated");
}

TEST_F(ApiTest, KeyInAnotherSchemeIsRefused) {
  const net::Response r = Call("GET", "/v1/broadcasts", "", {{"Authorization", "Basic " + key_}});
  EXPECT_EQ(r.status, 401);
}

TEST_F(ApiTest, RightKeyIsAccepted) {
  const net::Response r = Call("GET", "/v1/broadcasts");
  EXPECT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(Json(r), (json::value{{"items", json::array{}}, {"next_after", nullptr}}));
  // The scheme is case-insensitive.
  EXPECT_EQ(Call("GET", "/v1/broadcasts", "", {{"Authorization", "bearer " + key_}}).status, 200);
}

TEST_F(ApiTest, KeyOfAnotherRoleIsForbidden) {
  const std::string key = GenerateApiKey();
  ASSERT_TRUE(store_->CreateApiKey("reader", "viewer", HashApiKey(key), kStart).ok());
  const net::Response r = Call("GET", "/v1/broadcasts", "", {{"Authorization", "Bearer " + key}});
  EXPECT_EQ(r.status, 403);
  EXPECT_EQ(ErrorCodeOf(r), "permission_denied");
}

TEST_F(ApiTest, UnknownRouteIs401WithoutKeyAnd404WithIt) {
  net::Request request = MakeRequest("GET", "/v1/nothing", "");
  EXPECT_EQ(api_->Handle(request).status, 401);
  const net::Response r = Call("GET", "/v1/nothing");
  EXPECT_EQ(r.status, 404);
  EXPECT_EQ(ErrorCodeOf(r), "not_found");
  EXPECT_EQ(Call("GET", "/v1/broadcasts/1/nothing").status, 404);
}

TEST_F(ApiTest, WrongMethodIs405WithAllow) {
  const net::Response r = Call("DELETE", "/v1/broadcasts");
  EXPECT_EQ(r.status, 405);
  EXPECT_EQ(ErrorCodeOf(r), "method_not_allowed");
  EXPECT_EQ(net::FindHeader(r.headers, "Allow"), "POST, GET");
  EXPECT_EQ(Call("GET", "/v1/broadcasts/1/send").status, 405);
  EXPECT_EQ(Call("POST", "/healthz").status, 405);
  // "import" is a route of its own, never read as a contact id.
  const net::Response get_import = Call("GET", "/v1/contacts/import");
  EXPECT_EQ(get_import.status, 405);
  EXPECT_EQ(net::FindHeader(get_import.headers, "Allow"), "POST");
}

TEST_F(ApiTest, PathIdsMustBePositiveIntegers) {
  for (const char* bad : {"abc", "0", "-1", "1x", "99999999999999999999"}) {
    const net::Response r = Call("GET", std::string("/v1/broadcasts/") + bad);
    EXPECT_EQ(r.status, 400) << bad;
    EXPECT_EQ(ErrorField(r), "id") << bad;
  }
  EXPECT_EQ(Call("GET", "/v1/broadcasts/1").status, 404);
}

TEST_F(ApiTest, MetricsArePrometheusText) {
  engine_.metrics().CountDelivery(DeliveryState::kSent, 3);
  const net::Response r = Call("GET", "/metrics");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.content_type, "text/plain; version=0.0.4");
  EXPECT_THAT(r.body, HasSubstr("3"));
  EXPECT_THAT(r.body, HasSubstr("# TYPE"));
  net::Request request = MakeRequest("GET", "/metrics", "");
  EXPECT_EQ(api_->Handle(request).status, 401);
}

TEST(ApiKeys, GeneratedKeysAreLongRandomAndHashedAsSha256Hex) {
  const std::string a = GenerateApiKey();
  const std::string b = GenerateApiKey();
  EXPECT_NE(a, b);
  ASSERT_EQ(a.size(), 46u);
  EXPECT_EQ(a.substr(0, 6), "crier_");
  for (char c : a.substr(6)) EXPECT_TRUE(std::isalnum(static_cast<unsigned char>(c))) << a;
  // The SHA-256 of "abc", a published test vector.
  EXPECT_EQ(HashApiKey("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

TEST_F(ApiTest, AdminKeyIsCreatedOnlyOnce) {
  auto again = EnsureAdminKey(*store_, clock_);
  ASSERT_TRUE(again.ok());
  EXPECT_FALSE(again->has_value());
  auto found = store_->FindApiKeyByHash(HashApiKey(key_));
  ASSERT_TRUE(found.ok() && found->has_value());
  EXPECT_EQ((*found)->role, "admin");
  // The key itself is not what is stored.
  EXPECT_FALSE(store_->FindApiKeyByHash(key_)->has_value());
}

// ---- channel accounts ---------------------------------------------------------------------

TEST_F(ApiTest, CreatesAccountWithoutEverReturningTheToken) {
  const net::Response r = Call("POST", "/v1/channel-accounts", R"({
      "platform": "messenger", "name": "Demo shop", "external_id": "1234567890",
      "access_token": "EAAG-secret-page-token-42", "api_base_url": "http://127.0.0.1:8801/",
      "pacing": {"messages_per_second": 20.5, "max_concurrency": 4}})");
  ASSERT_EQ(r.status, 201) << r.body;
  EXPECT_THAT(r.body, Not(HasSubstr(kToken)));
  const json::value v = Json(r);
  EXPECT_GT(v.at("id").as_int64(), 0);
  EXPECT_EQ(v.at("platform"), "messenger");
  EXPECT_EQ(v.at("name"), "Demo shop");
  EXPECT_EQ(v.at("external_id"), "1234567890");
  EXPECT_EQ(v.at("api_base_url"), "http://127.0.0.1:8801");  // trailing slash dropped
  EXPECT_EQ(v.at("api_version"), "v25.0");
  EXPECT_EQ(v.at("time_zone"), "UTC");
  EXPECT_EQ(v.at("pacing").at("messages_per_second").to_number<double>(), 20.5);
  EXPECT_EQ(v.at("pacing").at("max_concurrency").to_number<int>(), 4);
  EXPECT_EQ(v.at("access_token_set"), true);
  EXPECT_EQ(v.at("created_at"), "2026-11-21T09:00:00.000Z");
  EXPECT_FALSE(v.as_object().contains("access_token"));

  const net::Response list = Call("GET", "/v1/channel-accounts");
  ASSERT_EQ(list.status, 200);
  EXPECT_THAT(list.body, Not(HasSubstr(kToken)));
  ASSERT_EQ(Json(list).at("items").as_array().size(), 1u);
  const net::Response one =
      Call("GET", "/v1/channel-accounts/" + std::to_string(v.at("id").as_int64()));
  ASSERT_EQ(one.status, 200);
  EXPECT_THAT(one.body, Not(HasSubstr(kToken)));
  EXPECT_EQ(Json(one), v);
  EXPECT_EQ(Call("GET", "/v1/channel-accounts/999").status, 404);
}

TEST_F(ApiTest, AcceptsInstagramAndPacingBoundaries) {
  const net::Response r = Call("POST", "/v1/channel-accounts", R"({
      "platform": "instagram", "name": "IG", "external_id": "17841400000000000",
      "access_token": "t", "api_base_url": "https://graph.facebook.com", "api_version": "v21.0",
      "time_zone": "Asia/Taipei",
      "pacing": {"messages_per_second": 100000, "max_concurrency": 1024}})");
  EXPECT_EQ(r.status, 201) << r.body;
  const net::Response low = Call("POST", "/v1/channel-accounts", R"({
      "platform": "messenger", "name": "M", "external_id": "2", "access_token": "t",
      "api_base_url": "https://example.com", "pacing": {"messages_per_second": 0.001,
      "max_concurrency": 1}})");
  EXPECT_EQ(low.status, 201) << low.body;
}

struct BadBody {
  const char* name;
  std::string body;
  std::string field;
  std::string message_part = "";
};

std::string AccountWith(const std::string& replace_key, const std::string& value) {
  json::object base{{"platform", "messenger"},
                    {"name", "Shop"},
                    {"external_id", "1001"},
                    {"access_token", "tok"},
                    {"api_base_url", "http://127.0.0.1:8801"}};
  std::string body = json::serialize(base);
  if (replace_key.empty()) return body;
  // Puts `"key": value` in (replacing the key when it is there), value as raw JSON text.
  json::value parsed = json::parse(value.empty() ? "null" : value);
  if (value.empty()) {
    base.erase(replace_key);
  } else {
    base[replace_key] = parsed;
  }
  return json::serialize(base);
}

TEST_F(ApiTest, BadAccountBodiesNameTheField) {
  const std::string long_name(201, 'n');
  const std::vector<BadBody> cases = {
      {"malformed", R"({"platform": "messenger",)", "body", "malformed JSON"},
      {"not an object", "[1,2]", "body", "JSON object"},
      {"empty body", "", "body", "empty"},
      {"missing platform", AccountWith("platform", ""), "platform", "required"},
      {"platform type", AccountWith("platform", "5"), "platform", "must be a string"},
      {"platform unknown", AccountWith("platform", R"("telegram")"), "platform", "one of"},
      {"whatsapp without its waba", AccountWith("platform", R"("whatsapp")"),
       "capabilities.waba_id", "required"},
      {"missing name", AccountWith("name", ""), "name", "required"},
      {"empty name", AccountWith("name", R"("")"), "name", "empty"},
      {"long name", AccountWith("name", "\"" + long_name + "\""), "name", "too long"},
      {"missing external id", AccountWith("external_id", ""), "external_id", "required"},
      {"external id with slash", AccountWith("external_id", R"("1/2")"), "external_id"},
      {"missing token", AccountWith("access_token", ""), "access_token", "required"},
      {"token with space", AccountWith("access_token", R"("a b")"), "access_token"},
      {"missing url", AccountWith("api_base_url", ""), "api_base_url", "required"},
      {"url not a url", AccountWith("api_base_url", R"("not a url")"), "api_base_url"},
      {"url scheme", AccountWith("api_base_url", R"("ftp://example.com")"), "api_base_url", "http"},
      {"url with query", AccountWith("api_base_url", R"("https://example.com/?a=1")"),
       "api_base_url"},
      {"url with credentials", AccountWith("api_base_url", R"("https://u:p@example.com")"),
       "api_base_url"},
      {"api version", AccountWith("api_version", R"("25")"), "api_version"},
      {"time zone", AccountWith("time_zone", R"("Not a zone!")"), "time_zone"},
      {"pacing type", AccountWith("pacing", "[]"), "pacing", "object"},
      {"rate zero", AccountWith("pacing", R"({"messages_per_second": 0})"),
       "pacing.messages_per_second", "greater than 0"},
      {"rate too high", AccountWith("pacing", R"({"messages_per_second": 100000.5})"),
       "pacing.messages_per_second"},
      {"rate type", AccountWith("pacing", R"({"messages_per_second": "fast"})"),
       "pacing.messages_per_second", "must be a number"},
      {"concurrency zero", AccountWith("pacing", R"({"max_concurrency": 0})"),
       "pacing.max_concurrency", "between 1 and 1024"},
      {"concurrency high", AccountWith("pacing", R"({"max_concurrency": 1025})"),
       "pacing.max_concurrency"},
      {"concurrency fraction", AccountWith("pacing", R"({"max_concurrency": 2.5})"),
       "pacing.max_concurrency", "integer"},
      {"pacing unknown", AccountWith("pacing", R"({"burst": 3})"), "pacing.burst", "known"},
      {"unknown top-level field", AccountWith("acess_token", R"("x")"), "acess_token",
       "not a known field"},
  };
  for (const BadBody& c : cases) {
    const net::Response r = Call("POST", "/v1/channel-accounts", c.body);
    EXPECT_EQ(r.status, 400) << c.name << ": " << r.body;
    EXPECT_EQ(ErrorCodeOf(r), "invalid_argument") << c.name;
    EXPECT_EQ(ErrorField(r), c.field) << c.name << ": " << r.body;
    EXPECT_THAT(std::string(Json(r).at("error").at("message").as_string()),
                HasSubstr(c.message_part))
        << c.name;
    EXPECT_THAT(r.body, Not(HasSubstr("tok\""))) << c.name;
  }
  EXPECT_TRUE(Json(Call("GET", "/v1/channel-accounts")).at("items").as_array().empty());
  // Just inside the name limit.
  EXPECT_EQ(
      Call("POST", "/v1/channel-accounts", AccountWith("name", "\"" + std::string(200, 'n') + "\""))
          .status,
      201);
}

TEST_F(ApiTest, OversizedJsonBodyIs413) {
  const std::string huge = AccountWith("name", "\"" + std::string(2 << 20, 'n') + "\"");
  const net::Response r = Call("POST", "/v1/channel-accounts", huge);
  EXPECT_EQ(r.status, 413);
  EXPECT_EQ(ErrorCodeOf(r), "payload_too_large");
}

// ---- contacts -----------------------------------------------------------------------------

TEST_F(ApiTest, CreatesThenUpdatesAContact) {
  const Id account = CreateAccount();
  const std::string body =
      json::serialize(json::object{{"channel_account_id", account},
                                   {"platform_user_id", "psid-1"},
                                   {"name", "Lin Mei"},
                                   {"first_name", "Mei"},
                                   {"locale", "zh_TW"},
                                   {"time_zone", "Asia/Taipei"},
                                   {"tags", json::array{"vip", "taipei"}},
                                   {"last_inbound_at", "2026-11-21T08:00:00+08:00"},
                                   {"window_opener", "ad"},
                                   {"blocked", false}});
  const net::Response created = Call("POST", "/v1/contacts", body);
  ASSERT_EQ(created.status, 201) << created.body;
  const json::value v = Json(created);
  EXPECT_EQ(v.at("name"), "Lin Mei");
  EXPECT_EQ(v.at("first_name"), "Mei");
  EXPECT_EQ(v.at("locale"), "zh_TW");
  EXPECT_EQ(v.at("time_zone"), "Asia/Taipei");
  EXPECT_EQ(v.at("subscription").at("status"), "subscribed");
  EXPECT_EQ(v.at("tags"), (json::array{"taipei", "vip"}));
  const json::value& identity = v.at("identities").at(0);
  EXPECT_EQ(identity.at("channel_account_id").as_int64(), account);
  EXPECT_EQ(identity.at("platform_user_id"), "psid-1");
  EXPECT_EQ(identity.at("last_inbound_at"), "2026-11-21T00:00:00.000Z");
  EXPECT_EQ(identity.at("window_opener"), "ad");
  EXPECT_EQ(identity.at("blocked"), false);
  EXPECT_EQ(v.at("created_at"), "2026-11-21T09:00:00.000Z");

  clock_.Advance(std::chrono::minutes(5));
  const net::Response updated = Call("POST", "/v1/contacts",
                                     R"({"channel_account_id": )" + std::to_string(account) +
                                         R"(, "platform_user_id": "psid-1",
      "subscription": "unsubscribed"})");
  ASSERT_EQ(updated.status, 200) << updated.body;
  const json::value u = Json(updated);
  EXPECT_EQ(u.at("id"), v.at("id"));
  EXPECT_EQ(u.at("name"), "Lin Mei");  // not given, so kept
  EXPECT_EQ(u.at("subscription").at("status"), "unsubscribed");
  EXPECT_EQ(u.at("subscription").at("changed_at"), "2026-11-21T09:05:00.000Z");

  const net::Response got = Call("GET", "/v1/contacts/" + std::to_string(v.at("id").as_int64()));
  ASSERT_EQ(got.status, 200);
  EXPECT_EQ(Json(got), u);
  EXPECT_EQ(Call("GET", "/v1/contacts/424242").status, 404);
}

TEST_F(ApiTest, BadContactBodiesNameTheField) {
  const Id account = CreateAccount();
  auto with = [&](const std::string& extra) {
    return R"({"channel_account_id": )" + std::to_string(account) +
           R"(, "platform_user_id": "p1")" + extra + "}";
  };
  const std::vector<BadBody> cases = {
      {"malformed", "{", "body", "malformed"},
      {"missing account", R"({"platform_user_id": "p1"})", "channel_account_id", "required"},
      {"account type", R"({"channel_account_id": "1", "platform_user_id": "p1"})",
       "channel_account_id", "positive integer"},
      {"account missing in store", R"({"channel_account_id": 999, "platform_user_id": "p1"})",
       "channel_account_id", "does not exist"},
      {"missing user", R"({"channel_account_id": 1})", "platform_user_id", "required"},
      {"user type", R"({"channel_account_id": 1, "platform_user_id": 7})", "platform_user_id",
       "must be a string"},
      {"time", with(R"(, "last_inbound_at": "yesterday")"), "last_inbound_at", "RFC 3339"},
      {"time type", with(R"(, "last_inbound_at": 1700000000)"), "last_inbound_at"},
      {"tag type", with(R"(, "tags": ["ok", 1])"), "tags[1]", "must be a string"},
      {"tags type", with(R"(, "tags": "vip")"), "tags", "array"},
      {"empty tag", with(R"(, "tags": [""])"), "tags[0]", "empty"},
      {"subscription", with(R"(, "subscription": "maybe")"), "subscription"},
      {"opener", with(R"(, "window_opener": "email")"), "window_opener"},
      {"blocked", with(R"(, "blocked": "yes")"), "blocked", "true or false"},
      {"locale", with(R"(, "locale": "zh TW")"), "locale"},
      {"unknown", with(R"(, "nmae": "x")"), "nmae", "not a known field"},
  };
  for (const BadBody& c : cases) {
    const net::Response r = Call("POST", "/v1/contacts", c.body);
    EXPECT_EQ(r.status, 400) << c.name << ": " << r.body;
    EXPECT_EQ(ErrorField(r), c.field) << c.name << ": " << r.body;
    EXPECT_THAT(std::string(Json(r).at("error").at("message").as_string()),
                HasSubstr(c.message_part))
        << c.name;
  }
  EXPECT_EQ(*store_->CountContacts(std::nullopt), 0);
}

TEST_F(ApiTest, PagesThroughContacts) {
  const Id account = CreateAccount();
  const Id other = CreateAccount("messenger", "2002");
  std::vector<std::int64_t> ids;
  for (int i = 0; i < 5; ++i) {
    const net::Response r =
        Call("POST", "/v1/contacts",
             json::serialize(json::object{{"channel_account_id", i == 2 ? other : account},
                                          {"platform_user_id", "p" + std::to_string(i)}}));
    ASSERT_EQ(r.status, 201) << r.body;
    ids.push_back(Json(r).at("id").as_int64());
  }
  std::vector<std::int64_t> seen;
  std::string after = "0";
  for (int pages = 0; pages < 10; ++pages) {
    const net::Response r = Call("GET", "/v1/contacts?limit=2&after=" + after);
    ASSERT_EQ(r.status, 200) << r.body;
    const json::value v = Json(r);
    EXPECT_LE(v.at("items").as_array().size(), 2u);
    for (const auto& c : v.at("items").as_array()) seen.push_back(c.at("id").as_int64());
    if (v.at("next_after").is_null()) break;
    after = std::to_string(v.at("next_after").as_int64());
  }
  EXPECT_EQ(seen, ids);

  const net::Response filtered =
      Call("GET", "/v1/contacts?limit=1000&channel_account_id=" + std::to_string(other));
  ASSERT_EQ(filtered.status, 200);
  ASSERT_EQ(Json(filtered).at("items").as_array().size(), 1u);
  EXPECT_EQ(Json(filtered).at("items").at(0).at("id").as_int64(), ids[2]);
  EXPECT_TRUE(Json(filtered).at("next_after").is_null());

  for (const char* bad : {"limit=0", "limit=1001", "limit=abc", "limit=", "after=-1", "after=x",
                          "channel_account_id=0", "channel_account_id=abc"}) {
    const net::Response r = Call("GET", std::string("/v1/contacts?") + bad);
    EXPECT_EQ(r.status, 400) << bad;
    EXPECT_EQ(ErrorField(r), std::string(bad).substr(0, std::string(bad).find('='))) << bad;
  }
  EXPECT_EQ(Call("GET", "/v1/contacts?limit=1").status, 200);
}

// ---- broadcasts ---------------------------------------------------------------------------

std::string BroadcastWith(Id account, const std::string& key, const std::string& raw) {
  json::object base{{"name", "Sale"},
                    {"channel_account_id", account},
                    {"purpose", "promotional"},
                    {"messages", json::array{json::object{{"kind", "text"}, {"text", "Hello"}}}}};
  if (raw.empty()) {
    base.erase(key);
  } else {
    base[key] = json::parse(raw);
  }
  return json::serialize(base);
}

std::string TextMessages(const std::string& text) {
  return json::serialize(json::array{json::object{{"kind", "text"}, {"text", text}}});
}

std::string Repeat(std::string_view unit, std::size_t n) {
  std::string s;
  for (std::size_t i = 0; i < n; ++i) s += unit;
  return s;
}

TEST_F(ApiTest, CreatesAndReadsBroadcasts) {
  const Id account = CreateAccount();
  const net::Response r =
      Call("POST", "/v1/broadcasts",
           json::serialize(json::object{
               {"name", "Winter sale"},
               {"channel_account_id", account},
               {"purpose", "non_promotional"},
               {"audience", {{"any_tags", json::array{"vip"}}}},
               {"messages", json::array{json::object{{"kind", "text"}, {"text", "One"}},
                                        json::object{{"kind", "text"}, {"text", "Two"}}}}}));
  ASSERT_EQ(r.status, 201) << r.body;
  const json::value v = Json(r);
  EXPECT_EQ(v.at("name"), "Winter sale");
  EXPECT_EQ(v.at("channel_account_id").as_int64(), account);
  EXPECT_EQ(v.at("purpose"), "non_promotional");
  EXPECT_EQ(v.at("audience"), (json::value{{"any_tags", json::array{"vip"}}}));
  EXPECT_EQ(v.at("messages").as_array().size(), 2u);
  EXPECT_EQ(v.at("messages").at(1), (json::value{{"kind", "text"}, {"text", "Two"}}));
  EXPECT_EQ(v.at("status"), "draft");
  EXPECT_EQ(v.at("created_at"), "2026-11-21T09:00:00.000Z");
  EXPECT_EQ(v.at("updated_at"), "2026-11-21T09:00:00.000Z");

  const net::Response got = Call("GET", "/v1/broadcasts/" + std::to_string(v.at("id").as_int64()));
  ASSERT_EQ(got.status, 200);
  EXPECT_EQ(Json(got), v);
  EXPECT_EQ(Call("GET", "/v1/broadcasts/9999").status, 404);

  CreateBroadcast(account);
  CreateBroadcast(account);
  const net::Response page = Call("GET", "/v1/broadcasts?limit=2");
  ASSERT_EQ(page.status, 200);
  EXPECT_EQ(Json(page).at("items").as_array().size(), 2u);
  ASSERT_FALSE(Json(page).at("next_after").is_null());
  const net::Response rest =
      Call("GET", "/v1/broadcasts?limit=2&after=" +
                      std::to_string(Json(page).at("next_after").as_int64()));
  EXPECT_EQ(Json(rest).at("items").as_array().size(), 1u);
  EXPECT_TRUE(Json(rest).at("next_after").is_null());
}

TEST_F(ApiTest, BadBroadcastBodiesNameTheField) {
  const Id account = CreateAccount();
  const std::string five = R"([{"kind":"text","text":"1"},{"kind":"text","text":"2"},
      {"kind":"text","text":"3"},{"kind":"text","text":"4"},{"kind":"text","text":"5"}])";
  const std::string six = five.substr(0, five.size() - 1) + R"(,{"kind":"text","text":"6"}])";
  const std::vector<BadBody> cases = {
      {"malformed", R"({"name": "x" "purpose": 1})", "body", "malformed"},
      {"missing name", BroadcastWith(account, "name", ""), "name", "required"},
      {"empty name", BroadcastWith(account, "name", R"("")"), "name", "empty"},
      {"long name", BroadcastWith(account, "name", "\"" + std::string(201, 'x') + "\""), "name",
       "too long"},
      {"missing account", BroadcastWith(account, "channel_account_id", ""), "channel_account_id",
       "required"},
      {"account type", BroadcastWith(account, "channel_account_id", R"("1")"),
       "channel_account_id"},
      {"no such account", BroadcastWith(account, "channel_account_id", "777"), "channel_account_id",
       "does not exist"},
      {"purpose", BroadcastWith(account, "purpose", R"("sales")"), "purpose"},
      {"missing purpose", BroadcastWith(account, "purpose", ""), "purpose", "required"},
      {"audience type", BroadcastWith(account, "audience", R"("vip")"), "audience"},
      {"audience tag type", BroadcastWith(account, "audience", R"({"any_tags": [5]})"),
       "audience.any_tags[0]", "must be a string"},
      {"audience unknown", BroadcastWith(account, "audience", R"({"all_tags": []})"),
       "audience.all_tags", "not a known field"},
      {"missing messages", BroadcastWith(account, "messages", ""), "messages", "required"},
      {"messages type", BroadcastWith(account, "messages", R"({"kind": "text"})"), "messages",
       "array"},
      {"no messages", BroadcastWith(account, "messages", "[]"), "messages", "1 to 5"},
      {"six messages", BroadcastWith(account, "messages", six), "messages", "1 to 5"},
      {"message type", BroadcastWith(account, "messages", R"(["hi"])"), "messages[0]", "object"},
      {"missing text", BroadcastWith(account, "messages", R"([{"kind":"text","text":"a"},
          {"kind":"text"}])"),
       "messages[1].text", "required"},
      {"text type", BroadcastWith(account, "messages", R"([{"kind":"text","text":"a"},
          {"kind":"text","text":123}])"),
       "messages[1].text", "must be a string"},
      {"empty text", BroadcastWith(account, "messages", TextMessages("")), "messages[0].text",
       "empty"},
      {"kind", BroadcastWith(account, "messages", R"([{"kind":"sticker","text":"a"}])"),
       "messages[0].kind", "\"card\""},
      {"field of another kind",
       BroadcastWith(account, "messages", R"([{"kind":"image","text":"a"}])"), "messages[0].text",
       "has no text; it has media"},
      {"message unknown field",
       BroadcastWith(account, "messages", R"([{"kind":"text","text":"a","url":"x"}])"),
       "messages[0].url", "not a known field"},
      {"messenger 2000 chars",
       BroadcastWith(account, "messages", TextMessages(Repeat("\xC3\xA9", 2000))),
       "messages[0].text", "2000 characters, at most 1999 allowed"},
      {"unknown field", BroadcastWith(account, "mesages", "[]"), "mesages", "not a known field"},
  };
  for (const BadBody& c : cases) {
    const net::Response r = Call("POST", "/v1/broadcasts", c.body);
    EXPECT_EQ(r.status, 400) << c.name << ": " << r.body;
    EXPECT_EQ(ErrorField(r), c.field) << c.name << ": " << r.body;
    EXPECT_THAT(std::string(Json(r).at("error").at("message").as_string()),
                HasSubstr(c.message_part))
        << c.name;
  }
  EXPECT_TRUE(Json(Call("GET", "/v1/broadcasts")).at("items").as_array().empty());

  // The limits' other side: 5 messages, 1999 two-byte characters (3998 bytes) are fine.
  EXPECT_EQ(Call("POST", "/v1/broadcasts", BroadcastWith(account, "messages", five)).status, 201);
  EXPECT_EQ(Call("POST", "/v1/broadcasts",
                 BroadcastWith(account, "messages", TextMessages(Repeat("\xC3\xA9", 1999))))
                .status,
            201);
}

TEST_F(ApiTest, InstagramTextIsLimitedInBytes) {
  const Id ig = CreateAccount("instagram", "1784");
  // 250 four-byte emoji = 1000 bytes: allowed; one more byte is not.
  const std::string emoji = "\xF0\x9F\x8E\x89";
  EXPECT_EQ(Call("POST", "/v1/broadcasts",
                 BroadcastWith(ig, "messages", TextMessages(Repeat(emoji, 250))))
                .status,
            201);
  const net::Response r =
      Call("POST", "/v1/broadcasts",
           BroadcastWith(ig, "messages", TextMessages(Repeat(emoji, 250) + "!")));
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(ErrorField(r), "messages[0].text");
  EXPECT_THAT(r.body, HasSubstr("1000"));
}

TEST_F(ApiTest, InvalidUtf8IsRefused) {
  const Id account = CreateAccount();
  const std::string body =
      R"({"name": "Sale", "channel_account_id": )" + std::to_string(account) +
      R"(, "purpose": "promotional", "messages": [{"kind": "text", "text": ")" +
      std::string("\xC3\x28") + R"("}]})";
  const net::Response r = Call("POST", "/v1/broadcasts", body);
  EXPECT_EQ(r.status, 400) << r.body;
  EXPECT_EQ(ErrorCodeOf(r), "invalid_argument");
}

// ---- preview, send, report ----------------------------------------------------------------

TEST_F(ApiTest, PreviewCountsLinksWithTheAccountsOfficialSitesApart) {
  const Id account = CreateAccount();
  net::Response r = Call("PATCH", "/v1/channel-accounts/" + std::to_string(account),
                         R"({"capabilities": {"official_domains": ["Shop.Example"]}})");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(Json(r).at("capabilities").at("official_domains"), json::parse(R"(["shop.example"])"));
  r = Call("POST", "/v1/broadcasts",
           json::serialize(json::object{{"name", "Sale"},
                                        {"channel_account_id", account},
                                        {"purpose", "promotional"},
                                        {"messages", json::parse(R"([{"kind": "text", "text":
                   "New: https://www.shop.example/new, reviews at https://reviews.example/shop."}])")}}));
  ASSERT_EQ(r.status, 201) << r.body;
  r = Call("POST", "/v1/broadcasts/" + std::to_string(Json(r).at("id").as_int64()) + "/preview");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(Json(r).at("links"), json::parse(R"({"count": 2, "official": 1, "other": 1,
      "items": [
        {"message_index": 0, "field": "text", "url": "https://www.shop.example/new",
         "official": true},
        {"message_index": 0, "field": "text", "url": "https://reviews.example/shop",
         "official": false}]})"));
  r = Call("PATCH", "/v1/channel-accounts/" + std::to_string(account),
           R"({"capabilities": {"official_domains": ["https://shop.example/"]}})");
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(ErrorField(r), "capabilities.official_domains[0]");
}

TEST_F(ApiTest, PreviewMapsTheEngineResult) {
  const Id broadcast = CreateBroadcast(CreateAccount());
  engine_.preview =
      engine::PreviewResult{.matched = 10,
                            .sendable = 7,
                            .by_route = {{"standard_window", 7}},
                            .by_skip_reason = {{"outside_window", 2}, {"unsubscribed", 1}},
                            .explanations = {{"outside_window", "the window closed"}},
                            .estimated_seconds = 0.5};
  const net::Response r = Call("POST", "/v1/broadcasts/" + std::to_string(broadcast) + "/preview");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(engine_.last_broadcast_id, broadcast);
  EXPECT_EQ(Json(r), json::parse(R"({"matched": 10, "sendable": 7,
      "by_route": {"standard_window": 7},
      "by_skip_reason": {"outside_window": 2, "unsubscribed": 1},
      "explanations": {"outside_window": "the window closed"}, "estimated_seconds": 0.5,
      "messages_per_second": 0.0, "platform_messages_per_second": 0.0,
      "line_quota_cost": 0, "whatsapp_messaging_limit": null, "line_quota": null,
      "ceiling_notes": [], "rule_changes": [],
      "links": {"count": 0, "official": 0, "other": 0, "items": []}})"));

  EXPECT_EQ(Call("POST", "/v1/broadcasts/999/preview").status, 404);
  EXPECT_EQ(engine_.preview_calls, 1);
  engine_.preview = Error{ErrorCode::kUnavailable, "busy", {}};
  EXPECT_EQ(Call("POST", "/v1/broadcasts/" + std::to_string(broadcast) + "/preview").status, 503);
}

TEST_F(ApiTest, SendMapsTheEngineResultAndWakesTheDispatcher) {
  const Id broadcast = CreateBroadcast(CreateAccount());
  crier::Run run;
  run.id = 5;
  run.broadcast_id = broadcast;
  run.status = RunStatus::kSending;
  run.created_at = kStart;
  run.planned_at = kStart + std::chrono::seconds(2);
  engine_.send = engine::SendNowResult{.run = run, .planned = 7, .skipped = 3};
  const std::string path = "/v1/broadcasts/" + std::to_string(broadcast) + "/send";
  const net::Response r = Call("POST", path);
  ASSERT_EQ(r.status, 202) << r.body;
  EXPECT_EQ(Json(r), json::parse(R"({"run": {"id": 5, "broadcast_id": )" +
                                 std::to_string(broadcast) + R"(, "status": "sending",
      "created_at": "2026-11-21T09:00:00.000Z", "planned_at": "2026-11-21T09:00:02.000Z",
      "finished_at": null}, "planned": 7, "skipped": 3})"));
  EXPECT_EQ(engine_.notify_calls, 1);

  engine_.send = FailedPrecondition("broadcast is already sending");
  const net::Response again = Call("POST", path);
  EXPECT_EQ(again.status, 409);
  EXPECT_EQ(ErrorCodeOf(again), "failed_precondition");
  EXPECT_EQ(engine_.notify_calls, 1);
  EXPECT_EQ(Call("POST", "/v1/broadcasts/999/send").status, 404);
}

TEST_F(ApiTest, ReportAndDeliveriesOfTheLatestRun) {
  const Id account = CreateAccount();
  const Id broadcast = CreateBroadcast(account);
  const std::string report_path = "/v1/broadcasts/" + std::to_string(broadcast) + "/report";
  const net::Response never = Call("GET", report_path);
  EXPECT_EQ(never.status, 404);
  EXPECT_THAT(never.body, HasSubstr("never been sent"));
  EXPECT_EQ(Call("GET", "/v1/broadcasts/999/report").status, 404);

  ContactInput a{.channel_account_id = account, .platform_user_id = "pa"};
  ContactInput b{.channel_account_id = account, .platform_user_id = "pb"};
  std::vector<ContactInput> rows = {a, b};
  auto upserted = store_->UpsertContacts(rows, kStart);
  ASSERT_TRUE(upserted.ok());
  ASSERT_TRUE(store_->CreateRun(broadcast, kStart).ok());  // an older run, ignored
  auto run = store_->CreateRun(broadcast, kStart);
  ASSERT_TRUE(run.ok());
  std::vector<PlannedDelivery> planned = {
      {upserted->contact_ids[0], "pa",
       Decision::Send(Route{RouteKind::kStandardWindow, "UPDATE", ""})},
      {upserted->contact_ids[1], "pb", Decision::Skip(SkipReason::kOutsideWindow)}};
  ASSERT_TRUE(store_->AppendDeliveries(run->id, planned, kStart).ok());
  ASSERT_TRUE(store_->SetRunStatus(run->id, RunStatus::kSending, kStart).ok());

  const net::Response r = Call("GET", report_path);
  ASSERT_EQ(r.status, 200) << r.body;
  const json::value v = Json(r);
  EXPECT_EQ(v.at("broadcast_id").as_int64(), broadcast);
  EXPECT_EQ(v.at("run").at("id").as_int64(), run->id);
  EXPECT_EQ(v.at("run").at("status"), "sending");
  EXPECT_EQ(v.at("matched").as_int64(), 2);
  EXPECT_EQ(v.at("by_state"), json::parse(R"({"planned": 1, "sending": 0, "sent": 0,
      "failed": 0, "skipped": 1})"));
  EXPECT_EQ(v.at("by_skip_reason"), json::parse(R"({"outside_window": 1})"));
  EXPECT_EQ(v.at("done"), false);

  const std::string deliveries = "/v1/runs/" + std::to_string(run->id) + "/deliveries";
  const net::Response first = Call("GET", deliveries + "?limit=1");
  ASSERT_EQ(first.status, 200) << first.body;
  const json::value d = Json(first);
  ASSERT_EQ(d.at("items").as_array().size(), 1u);
  const json::value& item = d.at("items").at(0);
  EXPECT_EQ(item.at("contact_id").as_int64(), upserted->contact_ids[0]);
  EXPECT_EQ(item.at("platform_user_id"), "pa");
  EXPECT_EQ(item.at("state"), "planned");
  EXPECT_EQ(item.at("route"), "standard_window");
  EXPECT_TRUE(item.at("skip_reason").is_null());
  EXPECT_TRUE(item.at("sent_at").is_null());
  for (const char* key : {"id", "platform_message_id", "error_class", "error_code", "error_message",
                          "attempts", "created_at"}) {
    EXPECT_TRUE(item.as_object().contains(key)) << key;
  }
  ASSERT_FALSE(d.at("next_after").is_null());
  const net::Response second =
      Call("GET", deliveries + "?limit=1&after=" + std::to_string(d.at("next_after").as_int64()));
  ASSERT_EQ(second.status, 200);
  EXPECT_EQ(Json(second).at("items").at(0).at("skip_reason"), "outside_window");
  EXPECT_EQ(Call("GET", "/v1/runs/999/deliveries").status, 404);
  EXPECT_EQ(ErrorField(Call("GET", deliveries + "?limit=0")), "limit");
}

}  // namespace
}  // namespace crier::api::testing
