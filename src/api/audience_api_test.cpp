// The full contact model over the API (attributes, conversation state, assignee, time zones),
// attribute columns in CSV imports, chunked imports, and the tag routes.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "api/api_test_fixture.h"
#include "api/contact_input.h"

namespace crier::api::testing {
namespace {

namespace json = boost::json;
using ::testing::HasSubstr;

class AudienceApiTest : public ApiTest {
 protected:
  void SetUp() override {
    ApiTest::SetUp();
    account_ = CreateAccount();
    a_ = std::to_string(account_);
  }

  // POST /v1/contacts with `extra` fields added to the required ones.
  net::Response Upsert(const std::string& user, const std::string& extra) {
    return Call("POST", "/v1/contacts",
                R"({"channel_account_id": )" + a_ + R"(, "platform_user_id": ")" + user + R"(")" +
                    (extra.empty() ? "" : ", " + extra) + "}");
  }

  Id account_ = 0;
  std::string a_;
};

TEST_F(AudienceApiTest, AttributesStateAndAssigneeRoundTrip) {
  auto r = Upsert("u1", R"("attributes": {"city": "Taipei", "spend": 120.5, "vip": true,
      "birthday": {"time": "1990-05-01T00:00:00Z"}}, "conversation_state": "in_progress",
      "assignee": "mei", "time_zone": "Asia/Taipei")");
  ASSERT_EQ(r.status, 201) << r.body;
  auto v = Json(r);
  EXPECT_EQ(v.at("attributes"), json::parse(R"({"birthday": {"time": "1990-05-01T00:00:00.000Z"},
      "city": "Taipei", "spend": 120.5, "vip": true})"));
  EXPECT_EQ(v.at("conversation_state"), "in_progress");
  EXPECT_EQ(v.at("assignee"), "mei");

  // null removes one attribute; the others stay.
  r = Upsert("u1", R"("attributes": {"spend": null, "vip": false})");
  ASSERT_EQ(r.status, 200) << r.body;
  v = Json(r);
  EXPECT_EQ(v.at("attributes"), json::parse(R"({"birthday": {"time": "1990-05-01T00:00:00.000Z"},
      "city": "Taipei", "vip": false})"));
  EXPECT_EQ(v.at("conversation_state"), "in_progress");

  r = Upsert("u2", "");
  v = Json(r);
  EXPECT_EQ(v.at("attributes"), json::object());
  EXPECT_TRUE(v.at("conversation_state").is_null());
  EXPECT_EQ(v.at("assignee"), "");
}

TEST_F(AudienceApiTest, BadAttributesAreNamedByKey) {
  struct Case {
    std::string extra;
    std::string field;
  };
  const std::vector<Case> cases = {
      {R"("attributes": {"spend": [1]})", "attributes.spend"},
      {R"("attributes": {"birthday": {"time": "yesterday"}})", "attributes.birthday"},
      {R"("attributes": {"birthday": {"at": "2026-01-01T00:00:00Z"}})", "attributes.birthday"},
      {R"("attributes": {"bad-key": 1})", "attributes"},
      {R"("attributes": {")" + std::string(65, 'k') + R"(": 1})", "attributes"},
      {R"("attributes": {"city": ")" + std::string(1001, 'x') + R"("})", "attributes.city"},
      {R"("attributes": [1])", "attributes"},
      {R"("conversation_state": "pending")", "conversation_state"},
      {R"("assignee": 7)", "assignee"},
  };
  for (const Case& c : cases) {
    auto r = Upsert("u1", c.extra);
    EXPECT_EQ(r.status, 400) << c.extra;
    EXPECT_EQ(ErrorField(r), c.field) << c.extra;
  }
  // The other side of each boundary.
  EXPECT_EQ(Upsert("u1", R"("attributes": {")" + std::string(64, 'k') + R"(": 1})").status, 201);
  EXPECT_EQ(Upsert("u1", R"("attributes": {"city": ")" + std::string(1000, 'x') + R"("})").status,
            200);
}

TEST_F(AudienceApiTest, AtMostAHundredAttributesPerRow) {
  auto attributes = [](int n) {
    std::string out = R"("attributes": {)";
    for (int i = 0; i < n; ++i) out += (i ? ", " : "") + ("\"k" + std::to_string(i) + "\": 1");
    return out + "}";
  };
  auto r = Upsert("u1", attributes(101));
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(ErrorField(r), "attributes");
  EXPECT_EQ(Upsert("u1", attributes(100)).status, 201);
}

TEST_F(AudienceApiTest, TimeZonesAreIanaNamesOrFixedOffsets) {
  for (const std::string zone : {"Asia/Taipei", "UTC", "America/Argentina/Buenos_Aires", "+05:45",
                                 "-12:00", "+14:00", "+00:00"}) {
    auto r = Upsert("u1", R"("time_zone": ")" + zone + R"(")");
    EXPECT_LT(r.status, 300) << zone << " " << r.body;
  }
  for (const std::string zone : {"Asia/Taipeh", "Mars/Olympus", "+14:01", "-12:30", "+5:45",
                                 "+05:60", "GMT+8x", "../etc/passwd"}) {
    auto r = Upsert("u1", R"("time_zone": ")" + zone + R"(")");
    EXPECT_EQ(r.status, 400) << zone;
    EXPECT_EQ(ErrorField(r), "time_zone") << zone;
  }
}

TEST_F(AudienceApiTest, CsvAttributeColumnsAreTypedByTheirSuffix) {
  const std::string body =
      std::string(
          "platform_user_id,attr.city,attr.spend:number,attr.vip:bool,attr.birthday:time,"
          "conversation_state,assignee\n"
          "u1,Taipei,120.5,true,1990-05-01T00:00:00Z,open,mei\n"  // line 2
          "u2,,lots,,,,\n"                                        // line 3: bad number
          "u3,,,maybe,,,\n"                                       // line 4: bad bool
          "u4,,,,,closed,\n") +                                   // line 5
      "u5," +
      std::string(kMaxAttributeStringBytes + 1, 'x') + ",,,,,\n";  // line 6: too long
  auto r = Call("POST", "/v1/contacts/import?format=csv&channel_account_id=" + a_, body);
  ASSERT_EQ(r.status, 200) << r.body;
  auto v = Json(r);
  EXPECT_EQ(v.at("imported"), 2);
  const auto& errors = v.at("errors").as_array();
  ASSERT_EQ(errors.size(), 3u);
  EXPECT_EQ(errors[0].at("line"), 3);
  EXPECT_EQ(errors[0].at("field"), "attr.spend");
  EXPECT_EQ(errors[1].at("line"), 4);
  EXPECT_EQ(errors[1].at("field"), "attr.vip");
  EXPECT_EQ(errors[2].at("line"), 6);
  EXPECT_EQ(errors[2].at("field"), "attr.city");

  auto contacts = Json(Call("GET", "/v1/contacts"));
  const auto& first = contacts.at("items").as_array().at(0);
  EXPECT_EQ(first.at("attributes"),
            json::parse(R"({"birthday": {"time": "1990-05-01T00:00:00.000Z"},
      "city": "Taipei", "spend": 120.5, "vip": true})"));
  EXPECT_EQ(first.at("conversation_state"), "open");
  EXPECT_EQ(first.at("assignee"), "mei");
}

TEST_F(AudienceApiTest, CsvHeaderRefusesBadAttributeColumns) {
  for (const std::string header :
       {"platform_user_id,attr.spend:money", "platform_user_id,attr.bad-key",
        "platform_user_id,attr.city,attr.city:string", "platform_user_id,attributes"}) {
    auto r = Call("POST", "/v1/contacts/import?format=csv&channel_account_id=" + a_,
                  header + "\nu1,x\n");
    EXPECT_EQ(r.status, 400) << header;
  }
}

TEST_F(AudienceApiTest, ImportChunksKeepFileOrderAndLineNumbers) {
  // Rows split over several chunks: errors keep their lines, good rows all go in.
  std::string body;
  int chunks = 0;
  for (int i = 1; i <= 25; ++i) {
    body += i % 10 == 0 ? "not json\n" : R"({"platform_user_id": "u)" + std::to_string(i) + "\"}\n";
  }
  std::vector<int> error_lines;
  std::int64_t good = 0;
  const Status read =
      ForEachImportChunk(body, ImportFormat::kJsonl, account_, 7, [&](ParsedImport& chunk) {
        ++chunks;
        EXPECT_LE(chunk.received, 7);
        good += static_cast<std::int64_t>(chunk.rows.size());
        for (const auto& e : chunk.errors) {
          error_lines.push_back(e.line);
        }
        return Status::Ok();
      });
  ASSERT_TRUE(read.ok());
  EXPECT_EQ(chunks, 4);
  EXPECT_EQ(good, 23);
  EXPECT_EQ(error_lines, (std::vector<int>{10, 20}));

  // A failing sink stops the reading at once.
  chunks = 0;
  const Status stopped =
      ForEachImportChunk(body, ImportFormat::kJsonl, account_, 7, [&](ParsedImport&) -> Status {
        ++chunks;
        return Internal("disk full");
      });
  EXPECT_FALSE(stopped.ok());
  EXPECT_EQ(chunks, 1);
}

TEST_F(AudienceApiTest, ImportReportsARowTheStoreRefusesAndKeepsTheRest) {
  std::string many = "{";
  for (int i = 0; i < 100; ++i) many += (i ? ", " : "") + ("\"k" + std::to_string(i) + "\": 1");
  many += "}";
  ASSERT_EQ(Upsert("u1", R"("attributes": )" + many).status, 201);
  // Line 2 would give u1 a 101st attribute once merged.
  const std::string body = R"({"platform_user_id": "u0"})"
                           "\n"
                           R"({"platform_user_id": "u1", "attributes": {"extra": 1}})"
                           "\n"
                           R"({"platform_user_id": "u2"})"
                           "\n";
  auto r = Call("POST", "/v1/contacts/import?format=jsonl&channel_account_id=" + a_, body);
  ASSERT_EQ(r.status, 200) << r.body;
  auto v = Json(r);
  EXPECT_EQ(v.at("imported"), 2);
  ASSERT_EQ(v.at("errors").as_array().size(), 1u);
  EXPECT_EQ(v.at("errors").at(0).at("line"), 2);
  EXPECT_EQ(v.at("errors").at(0).at("field"), "attributes");
}

TEST_F(AudienceApiTest, TagsAreCreatedListedRenamedAndDeleted) {
  ASSERT_EQ(Upsert("u1", R"("tags": ["vip"])").status, 201);
  auto r = Call("POST", "/v1/tags", R"({"name": "big spender"})");
  ASSERT_EQ(r.status, 201) << r.body;
  EXPECT_EQ(Json(r), json::parse(R"({"name": "big spender", "contacts": 0})"));
  EXPECT_EQ(Call("POST", "/v1/tags", R"({"name": "vip"})").status, 409);
  EXPECT_EQ(Call("POST", "/v1/tags", R"({"name": ""})").status, 400);
  EXPECT_EQ(Call("POST", "/v1/tags", R"({"name": "x", "colour": "red"})").status, 400);

  EXPECT_EQ(Json(Call("GET", "/v1/tags")), json::parse(R"({"items": [
      {"name": "big spender", "contacts": 0}, {"name": "vip", "contacts": 1}]})"));

  // Renaming into an existing tag would merge them: 409 naming it.
  r = Call("PATCH", "/v1/tags/vip", R"({"name": "big spender"})");
  EXPECT_EQ(r.status, 409);
  EXPECT_THAT(r.body, HasSubstr("big spender"));
  EXPECT_EQ(ErrorField(r), "name");
  EXPECT_EQ(Call("PATCH", "/v1/tags/nope", R"({"name": "x"})").status, 404);

  r = Call("PATCH", "/v1/tags/vip", R"({"name": "gold"})");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(Json(r), json::parse(R"({"name": "gold", "contacts": 1})"));

  r = Call("DELETE", "/v1/tags/big%20spender");
  EXPECT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(Call("DELETE", "/v1/tags/big%20spender").status, 404);
  EXPECT_EQ(Call("DELETE", "/v1/tags/bad%2").status, 400);
  EXPECT_EQ(Json(Call("GET", "/v1/tags")),
            json::parse(R"({"items": [{"name": "gold", "contacts": 1}]})"));
}

TEST_F(AudienceApiTest, TagsAreAddedAndRemovedInBulkReportingUnknownIds) {
  const Id u1 = Json(Upsert("u1", "")).at("id").as_int64();
  const Id u2 = Json(Upsert("u2", "")).at("id").as_int64();
  const std::string ids =
      R"({"contact_ids": [)" + std::to_string(u1) + ", 999, " + std::to_string(u2) + "]}";
  auto r = Call("POST", "/v1/tags/vip/contacts", ids);
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(Json(r), json::parse(R"({"tag": "vip", "changed": 2, "unknown_contact_ids": [999]})"));
  EXPECT_EQ(Json(Call("GET", "/v1/tags")),
            json::parse(R"({"items": [{"name": "vip", "contacts": 2}]})"));

  r = Call("DELETE", "/v1/tags/vip/contacts", R"({"contact_ids": [)" + std::to_string(u1) + "]}");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(Json(r).at("changed"), 1);
  EXPECT_EQ(Call("DELETE", "/v1/tags/nope/contacts", ids).status, 404);

  EXPECT_EQ(ErrorField(Call("POST", "/v1/tags/vip/contacts", R"({"contact_ids": [0]})")),
            "contact_ids[0]");
  EXPECT_EQ(ErrorField(Call("POST", "/v1/tags/vip/contacts", R"({})")), "contact_ids");
  std::string too_many = R"({"contact_ids": [1)";
  for (int i = 0; i < 10000; ++i) too_many += ", 1";
  EXPECT_EQ(ErrorField(Call("POST", "/v1/tags/vip/contacts", too_many + "]}")), "contact_ids");
}

}  // namespace
}  // namespace crier::api::testing
