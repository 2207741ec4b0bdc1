// Saved segments over the API, with the real engine behind it: CRUD, errors that name the
// field, counts, and broadcasts that follow a segment's current definition.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "api/api_test_fixture.h"

namespace crier::api::testing {
namespace {

namespace json = boost::json;
using ::testing::HasSubstr;

class SegmentApiTest : public ApiTest {
 protected:
  void SetUp() override {
    ApiTest::SetUp();
    UseRealEngine();
    account_ = CreateAccount();
  }

  // A contact on the account, within the messaging window, with `tags`.
  void AddContact(const std::string& user, const json::array& tags) {
    json::object body{{"channel_account_id", account_},
                      {"platform_user_id", user},
                      {"tags", tags},
                      {"last_inbound_at", FormatRfc3339(clock_.Now() - Duration(3'600'000))}};
    const net::Response r = Call("POST", "/v1/contacts", json::serialize(body));
    ASSERT_EQ(r.status, 201) << r.body;
  }

  net::Response Post(const std::string& target, const json::value& body) {
    return Call("POST", target, json::serialize(body));
  }
  net::Response Patch(Id id, const json::value& body) {
    return Call("PATCH", "/v1/segments/" + std::to_string(id), json::serialize(body));
  }

  Id CreateSegment(const std::string& name, const std::string& text) {
    const net::Response r = Post("/v1/segments", {{"name", name}, {"filter_text", text}});
    EXPECT_EQ(r.status, 201) << r.body;
    return r.status == 201 ? Json(r).at("id").as_int64() : 0;
  }

  net::Response NewBroadcast(const json::value& filter) {
    return Post("/v1/broadcasts",
                {{"name", "Sale"},
                 {"channel_account_id", account_},
                 {"purpose", "promotional"},
                 {"audience", {{"filter", filter}}},
                 {"messages", json::array{json::object{{"kind", "text"}, {"text", "hi"}}}}});
  }

  std::int64_t Matched(Id broadcast) {
    const net::Response r =
        Call("POST", "/v1/broadcasts/" + std::to_string(broadcast) + "/preview");
    EXPECT_EQ(r.status, 200) << r.body;
    return r.status == 200 ? Json(r).at("matched").as_int64() : -1;
  }

  static std::string Message(const net::Response& r) {
    return std::string(Json(r).at("error").at("message").as_string());
  }

  Id account_ = 0;
};

TEST_F(SegmentApiTest, CreateReadListUpdateDelete) {
  net::Response r =
      Post("/v1/segments",
           {{"name", "vip"},
            {"filter",
             {{"and", json::array{json::object{{"tag", {{"any", {"vip"}}}}}, "interacted < 24h"}}}},
            {"description", "best customers"}});
  ASSERT_EQ(r.status, 201) << r.body;
  const json::value vip = Json(r);
  EXPECT_EQ(vip.at("name"), "vip");
  EXPECT_EQ(vip.at("description"), "best customers");
  EXPECT_EQ(vip.at("filter_text"), "tag:vip and interacted < 24h");
  EXPECT_EQ(vip.at("filter"), json::parse(R"({"and":[{"tag":{"any":["vip"]}},
                                                      {"interacted":{"within":"24h"}}]})"));
  EXPECT_EQ(vip.at("created_at"), "2026-11-21T09:00:00.000Z");
  const Id id = vip.at("id").as_int64();
  const std::string path = "/v1/segments/" + std::to_string(id);
  EXPECT_EQ(Json(Call("GET", path)), vip);

  // The text form, as a string in `filter` or in `filter_text`.
  const Id gold = CreateSegment("gold", "segment:vip and tag:gold");
  r = Post("/v1/segments", {{"name", "silver"}, {"filter", "tag:silver"}});
  ASSERT_EQ(r.status, 201) << r.body;
  EXPECT_EQ(Json(r).at("description"), "");

  r = Call("GET", "/v1/segments?limit=2");
  ASSERT_EQ(r.status, 200) << r.body;
  ASSERT_EQ(Json(r).at("items").as_array().size(), 2u);
  EXPECT_EQ(Json(r).at("items").at(1).at("filter"),
            json::parse(R"({"and":[{"segment":"vip"},{"tag":{"any":["gold"]}}]})"));
  const std::int64_t next = Json(r).at("next_after").as_int64();
  EXPECT_EQ(next, gold);
  r = Call("GET", "/v1/segments?limit=2&after=" + std::to_string(next));
  EXPECT_EQ(Json(r).at("items").as_array().size(), 1u);
  EXPECT_TRUE(Json(r).at("next_after").is_null());
  r = Call("GET", "/v1/segments?name=gold");
  ASSERT_EQ(Json(r).at("items").as_array().size(), 1u);
  EXPECT_EQ(Json(r).at("items").at(0).at("id"), gold);
  EXPECT_TRUE(Json(Call("GET", "/v1/segments?name=nobody")).at("items").as_array().empty());

  // Rename, then a new filter; references follow the rename.
  r = Patch(id, {{"name", "top customers"}, {"description", ""}});
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(Json(r).at("name"), "top customers");
  EXPECT_EQ(Json(r).at("description"), "");
  EXPECT_EQ(Json(r).at("filter_text"), "tag:vip and interacted < 24h");
  EXPECT_EQ(Json(Call("GET", "/v1/segments/" + std::to_string(gold))).at("filter_text"),
            "segment:\"top customers\" and tag:gold");
  clock_.Advance(Duration(60'000));
  r = Patch(id, {{"filter_text", "tag:vip"}});
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(Json(r).at("filter"), json::parse(R"({"tag":{"any":["vip"]}})"));
  EXPECT_EQ(Json(r).at("updated_at"), "2026-11-21T09:01:00.000Z");

  r = Call("DELETE", "/v1/segments/" + std::to_string(gold));
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(Json(r),
            json::parse(R"({"id":)" + std::to_string(gold) + R"(,"name":"gold","deleted":true})"));
  EXPECT_EQ(Call("GET", "/v1/segments/" + std::to_string(gold)).status, 404);
  EXPECT_EQ(Call("DELETE", "/v1/segments/" + std::to_string(gold)).status, 404);
  EXPECT_EQ(Patch(gold, {{"name", "x"}}).status, 404);
  EXPECT_EQ(Call("POST", "/v1/segments/" + std::to_string(gold) + "/count").status, 404);
}

TEST_F(SegmentApiTest, BadBodiesNameTheField) {
  struct Case {
    json::value body;
    int status;
    std::string field;
  };
  const std::string name100(100, 'n');
  ASSERT_EQ(Post("/v1/segments", {{"name", name100}, {"filter_text", "all"}}).status, 201);
  CreateSegment("vip", "tag:vip");
  const std::vector<Case> cases = {
      {json::object{{"filter_text", "tag:a"}}, 400, "name"},
      {json::object{{"name", ""}, {"filter_text", "tag:a"}}, 400, "name"},
      {json::object{{"name", std::string(101, 'n')}, {"filter_text", "tag:a"}}, 400, "name"},
      {json::object{{"name", "a\nb"}, {"filter_text", "tag:a"}}, 400, "name"},
      {json::object{{"name", "x"}}, 400, "filter"},
      {json::object{{"name", "x"}, {"filter", "tag:a"}, {"filter_text", "tag:a"}}, 400, "filter"},
      {json::object{{"name", "x"}, {"filter", {{"tag", 5}}}}, 400, "filter.tag"},
      {json::object{{"name", "x"}, {"filter_text", "tag:a and ("}}, 400, "filter_text"},
      {json::object{{"name", "x"}, {"filter_text", 7}}, 400, "filter_text"},
      {json::object{{"name", "x"}, {"filter_text", "segment:"}}, 400, "filter_text"},
      {json::object{{"name", "x"}, {"filter_text", "all"}, {"description", std::string(1001, 'd')}},
       400, "description"},
      {json::object{{"name", "x"}, {"filter_text", "all"}, {"colour", "red"}}, 400, "colour"},
      {json::object{{"name", "vip"}, {"filter_text", "all"}}, 409, "name"},
      {json::object{{"name", "x"}, {"filter_text", "segment:ghost"}}, 400, "filter_text"},
      {json::object{{"name", "x"}, {"filter", {{"segment", "ghost"}}}}, 400, "filter"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(json::serialize(c.body));
    const net::Response r = Post("/v1/segments", c.body);
    EXPECT_EQ(r.status, c.status) << r.body;
    EXPECT_EQ(ErrorField(r), c.field) << r.body;
  }
  EXPECT_THAT(Message(Post("/v1/segments", {{"name", "x"}, {"filter_text", "segment:ghost"}})),
              HasSubstr("no segment named \"ghost\""));
  EXPECT_EQ(Post("/v1/segments", json::array{}).status, 400);
  EXPECT_EQ(Call("POST", "/v1/segments", std::string((1 << 20) + 1, ' ')).status, 413);
  EXPECT_EQ(Call("GET", "/v1/segments?limit=0").status, 400);
  EXPECT_EQ(Call("GET", "/v1/segments?after=x").status, 400);

  const Id vip = Json(Call("GET", "/v1/segments?name=vip")).at("items").at(0).at("id").as_int64();
  net::Response r = Patch(vip, json::object{});
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(ErrorField(r), "body");
  EXPECT_EQ(ErrorField(Patch(vip, {{"name", ""}})), "name");
  EXPECT_EQ(ErrorField(Patch(vip, {{"name", name100}})), "name");  // taken
  EXPECT_EQ(Patch(vip, {{"name", name100}}).status, 409);
  EXPECT_EQ(ErrorField(Patch(vip, {{"filter_text", "segment:ghost"}})), "filter_text");
  EXPECT_EQ(Call("POST", "/v1/segments/" + std::to_string(vip) + "/count", R"({"x":1})").status,
            400);
}

TEST_F(SegmentApiTest, CyclesAreRefusedSpellingThemOut) {
  const Id a = CreateSegment("a", "tag:a");
  CreateSegment("b", "segment:a or tag:b");
  const net::Response r = Patch(a, {{"filter", {{"segment", "b"}}}});
  EXPECT_EQ(r.status, 409) << r.body;
  EXPECT_EQ(ErrorCodeOf(r), "failed_precondition");
  EXPECT_EQ(ErrorField(r), "filter");
  EXPECT_EQ(Message(r), "segments refer to each other in a cycle: a -> b -> a");
  EXPECT_EQ(Json(Call("GET", "/v1/segments/" + std::to_string(a))).at("filter_text"), "tag:a");
}

TEST_F(SegmentApiTest, CountIsTheSegmentsMembersNow) {
  AddContact("u1", {"vip"});
  AddContact("u2", {"vip", "gold"});
  AddContact("u3", {"gold"});
  AddContact("u4", json::array{});
  const Id vip = CreateSegment("vip", "tag:vip");
  const Id best = CreateSegment("best", "segment:vip and not tag:gold");
  const auto count = [&](Id id) {
    const net::Response r = Call("POST", "/v1/segments/" + std::to_string(id) + "/count");
    EXPECT_EQ(r.status, 200) << r.body;
    return r.status == 200 ? Json(r).at("count").as_int64() : -1;
  };
  EXPECT_EQ(count(vip), 2);
  EXPECT_EQ(count(best), 1);
  const net::Response r = Call("POST", "/v1/segments/" + std::to_string(best) + "/count", "{}");
  EXPECT_EQ(Json(r).at("filter_text"), "segment:vip and not tag:gold");
  EXPECT_EQ(Json(r).at("name"), "best");

  ASSERT_EQ(Patch(vip, {{"filter_text", "tag:vip or tag:gold"}}).status, 200);
  EXPECT_EQ(count(vip), 3);
  EXPECT_EQ(count(best), 1) << "u1 only: the others have gold";
  AddContact("u5", {"vip"});
  EXPECT_EQ(count(best), 2);

  // The live count of any filter can use segments too.
  const net::Response adhoc = Post("/v1/contacts/count", {{"filter", {{"segment", "best"}}}});
  ASSERT_EQ(adhoc.status, 200) << adhoc.body;
  EXPECT_EQ(Json(adhoc).at("count").as_int64(), 2);
  EXPECT_EQ(Json(adhoc).at("filter"), "segment:best");
  const net::Response ghost = Post("/v1/contacts/count", {{"filter", "segment:ghost"}});
  EXPECT_EQ(ghost.status, 400);
  EXPECT_EQ(ErrorField(ghost), "filter");
  EXPECT_EQ(Message(ghost), "no segment named \"ghost\"");
}

TEST_F(SegmentApiTest, ABroadcastPlansTheSegmentsCurrentMembers) {
  for (int i = 0; i < 6; ++i) {
    AddContact("u" + std::to_string(i), {i < 4 ? "vip" : "other"});
  }
  const Id vip = CreateSegment("vip", "tag:vip");
  net::Response r = NewBroadcast({{"segment", "vip"}});
  ASSERT_EQ(r.status, 201) << r.body;
  EXPECT_EQ(Json(r).at("audience").at("filter"), "segment:vip");
  const Id broadcast = Json(r).at("id").as_int64();
  EXPECT_EQ(Matched(broadcast), 4);

  ASSERT_EQ(Patch(vip, {{"filter_text", "tag:other"}}).status, 200);
  EXPECT_EQ(Matched(broadcast), 2) << "the second preview sees the new definition";
  ASSERT_EQ(Patch(vip, {{"filter_text", "all"}}).status, 200);
  EXPECT_EQ(Matched(broadcast), 6);
  ASSERT_EQ(Patch(vip, {{"filter_text", "tag:vip"}}).status, 200);
  r = Call("POST", "/v1/broadcasts/" + std::to_string(broadcast) + "/send");
  ASSERT_EQ(r.status, 202) << r.body;
  EXPECT_EQ(Json(r).at("planned").as_int64(), 4);

  // A rename keeps the broadcast pointing at the same segment.
  ASSERT_EQ(Patch(vip, {{"name", "very important"}}).status, 200);
  EXPECT_EQ(
      Json(Call("GET", "/v1/broadcasts/" + std::to_string(broadcast))).at("audience").at("filter"),
      "segment:\"very important\"");
  EXPECT_EQ(Matched(broadcast), 4);

  r = NewBroadcast("segment:vip and tag:x");
  EXPECT_EQ(r.status, 400) << r.body;
  EXPECT_EQ(ErrorField(r), "audience.filter");
  EXPECT_EQ(Message(r), "no segment named \"vip\"");
}

TEST_F(SegmentApiTest, DeleteIsRefusedWhileSomethingUsesTheSegment) {
  const Id vip = CreateSegment("vip", "tag:vip");
  const Id best = CreateSegment("best", "segment:vip");
  net::Response r = NewBroadcast("segment:vip or tag:x");
  ASSERT_EQ(r.status, 201) << r.body;
  const std::string broadcast = std::to_string(Json(r).at("id").as_int64());

  r = Call("DELETE", "/v1/segments/" + std::to_string(vip));
  EXPECT_EQ(r.status, 409) << r.body;
  EXPECT_EQ(Message(r), "segment \"vip\" is still used by segment \"best\", broadcast " +
                            broadcast + " (\"Sale\", draft); change or cancel them first");
  ASSERT_EQ(Call("DELETE", "/v1/segments/" + std::to_string(best)).status, 200);
  r = Call("DELETE", "/v1/segments/" + std::to_string(vip));
  EXPECT_EQ(r.status, 409);
  EXPECT_THAT(Message(r), HasSubstr("broadcast " + broadcast));
  EXPECT_EQ(Call("GET", "/v1/segments/" + std::to_string(vip)).status, 200);
}

}  // namespace
}  // namespace crier::api::testing
