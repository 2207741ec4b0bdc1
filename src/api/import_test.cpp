// POST /v1/contacts/import: good rows kept, bad rows reported by line and field, nothing
// half-written.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "api/api_test_fixture.h"

namespace crier::api::testing {
namespace {

namespace json = boost::json;
using ::testing::HasSubstr;

struct RowError {
  std::int64_t line;
  std::string field;
  friend bool operator==(const RowError&, const RowError&) = default;
  friend std::ostream& operator<<(std::ostream& os, const RowError& e) {
    return os << "{line " << e.line << ", field \"" << e.field << "\"}";
  }
};

std::vector<RowError> Errors(const json::value& v) {
  std::vector<RowError> out;
  for (const auto& e : v.at("errors").as_array()) {
    const json::value* field = e.as_object().if_contains("field");
    out.push_back({e.at("line").as_int64(), field ? std::string(field->as_string()) : ""});
    EXPECT_FALSE(e.at("message").as_string().empty());
  }
  return out;
}

class ImportTest : public ApiTest {
 protected:
  void SetUp() override {
    ApiTest::SetUp();
    account_ = CreateAccount();
    a_ = std::to_string(account_);
  }

  net::Response Import(const std::string& query, const std::string& body,
                       net::Headers headers = {}) {
    return Call("POST", "/v1/contacts/import" + query, body, std::move(headers));
  }

  std::int64_t Count() { return *store_->CountContacts(std::nullopt); }

  Id account_ = 0;
  std::string a_;
};

TEST_F(ImportTest, JsonlKeepsGoodRowsAndReportsBadOnes) {
  const std::string body = R"({"channel_account_id": )" + a_ +
                           R"(, "platform_user_id": "u1", "tags": ["vip"]})"
                           "\n"
                           "\n"  // 2: blank
                           R"({"channel_account_id": )" +
                           a_ +
                           R"(, "platform_user_id": "u2"})"
                           "\r\n"  // 3: CRLF
                           R"({"channel_account_id": )" +
                           a_ +
                           R"(, "name": "no id"})"
                           "\n"  // 4
                           R"({"channel_account_id": )" +
                           a_ +
                           ", \"platform_user_id\": \"u5\"\n"  // 5: broken
                           R"({"channel_account_id": )" +
                           a_ +
                           R"(, "platform_user_id": "u6", "last_inbound_at": "soon"})"
                           "\n"  // 6
                           R"({"channel_account_id": 4040, "platform_user_id": "u7"})"
                           "\n"        // 7
                           "[1, 2]\n"  // 8
                           R"({"channel_account_id": )" +
                           a_ +
                           R"(, "platform_user_id": "u9", "tgas": []})"
                           "\n"
                           R"({"channel_account_id": )" +
                           a_ + R"(, "platform_user_id": "u1", "name": "again"})";
  const net::Response r = Import("?format=jsonl", body);
  ASSERT_EQ(r.status, 200) << r.body;
  const json::value v = Json(r);
  EXPECT_EQ(v.at("received").as_int64(), 9);
  EXPECT_EQ(v.at("imported").as_int64(), 3);
  EXPECT_EQ(v.at("created").as_int64() + v.at("updated").as_int64(), 3);
  EXPECT_EQ(v.at("created").as_int64(), 2);
  EXPECT_EQ(Errors(v), (std::vector<RowError>{{4, "platform_user_id"},
                                              {5, ""},
                                              {6, "last_inbound_at"},
                                              {7, "channel_account_id"},
                                              {8, ""},
                                              {9, "tgas"}}));
  EXPECT_EQ(Count(), 2);
  const json::value list = Json(Call("GET", "/v1/contacts"));
  EXPECT_EQ(list.at("items").at(0).at("name"), "again");
  EXPECT_EQ(list.at("items").at(0).at("tags"), json::array{"vip"});
}

TEST_F(ImportTest, CsvFollowsRfc4180AndCountsTheHeaderAsLineOne) {
  // One entry per record; the comment is the line on which the record starts.
  const std::vector<std::string> records = {
      "channel_account_id,platform_user_id,name,tags,blocked,last_inbound_at",  // 1
      a_ + ",c1,\"Chen, Wei\",vip|taipei,false,2026-11-20T10:00:00Z",           // 2
      a_ + ",c2,\"Say \"\"hi\"\"\",,1,",                                        // 3
      a_ + ",c3,\"two\nlines\",,,",            // 4, and 5: a newline is no part of a name
      a_ + ",c4,Bad,,maybe,",                  // 6
      "",                                      // 7: empty, skipped
      a_ + ",c5,Short",                        // 8: too few fields
      a_ + ",c6,x\"y,,,",                      // 9: stray quote
      "abc,c7,,,,",                            // 10
      a_ + ",c8,Last,,,2026-13-01T00:00:00Z",  // 11
  };
  std::string body = "\xEF\xBB\xBF";  // the byte-order mark spreadsheets write
  for (const std::string& record : records) body += record + "\r\n";
  const net::Response r = Import("?format=csv", body);
  ASSERT_EQ(r.status, 200) << r.body;
  const json::value v = Json(r);
  EXPECT_EQ(v.at("received").as_int64(), 8);
  EXPECT_EQ(v.at("imported").as_int64(), 2);
  EXPECT_EQ(Errors(v), (std::vector<RowError>{{4, "name"},
                                              {6, "blocked"},
                                              {8, ""},
                                              {9, ""},
                                              {10, "channel_account_id"},
                                              {11, "last_inbound_at"}}));
  const json::value list = Json(Call("GET", "/v1/contacts"));
  const json::array& items = list.at("items").as_array();
  ASSERT_EQ(items.size(), 2u);
  EXPECT_EQ(items[0].at("name"), "Chen, Wei");
  EXPECT_EQ(items[0].at("tags"), (json::array{"taipei", "vip"}));
  EXPECT_EQ(items[0].at("identities").at(0).at("last_inbound_at"), "2026-11-20T10:00:00.000Z");
  EXPECT_EQ(items[1].at("name"), "Say \"hi\"");
  EXPECT_EQ(items[1].at("identities").at(0).at("blocked"), true);
}

TEST_F(ImportTest, InteractionsInTheFutureAreBadRows) {
  // The fixture's clock stands at 2026-11-21T09:00:00Z; five minutes of skew are tolerated.
  const std::string body =
      R"({"channel_account_id": )" + a_ +
      R"(, "platform_user_id": "ok", "last_inbound_at": "2026-11-21T09:04:59Z"})"
      "\n"
      R"({"channel_account_id": )" +
      a_ + R"(, "platform_user_id": "late", "last_inbound_at": "2026-11-21T09:05:01Z"})";
  const net::Response r = Import("?format=jsonl", body);
  ASSERT_EQ(r.status, 200) << r.body;
  const json::value v = Json(r);
  EXPECT_EQ(v.at("imported").as_int64(), 1);
  EXPECT_EQ(Errors(v), (std::vector<RowError>{{2, "last_inbound_at"}}));
}

TEST_F(ImportTest, AllBadFileImportsNothing) {
  const std::string body = "platform_user_id,subscription\nx1,maybe\nx2,often\n";
  const net::Response r = Import("?format=csv&channel_account_id=" + a_, body);
  ASSERT_EQ(r.status, 200) << r.body;
  const json::value v = Json(r);
  EXPECT_EQ(v.at("received").as_int64(), 2);
  EXPECT_EQ(v.at("imported").as_int64(), 0);
  EXPECT_EQ(v.at("created").as_int64(), 0);
  EXPECT_EQ(Errors(v), (std::vector<RowError>{{2, "subscription"}, {3, "subscription"}}));
  EXPECT_EQ(Count(), 0);
}

TEST_F(ImportTest, QueryAccountFillsRowsThatLackOne) {
  const Id other = CreateAccount("messenger", "3003");
  const std::string body = R"({"platform_user_id": "d1"})"
                           "\n"
                           R"({"platform_user_id": "d2", "channel_account_id": )" +
                           std::to_string(other) + "}\n";
  const net::Response r = Import("?channel_account_id=" + a_, body,
                                 {{"Content-Type", "application/x-ndjson; charset=utf-8"}});
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(Json(r).at("imported").as_int64(), 2);
  EXPECT_EQ(*store_->CountContacts(account_), 1);
  EXPECT_EQ(*store_->CountContacts(other), 1);
}

TEST_F(ImportTest, FormatComesFromTheQueryOrTheContentType) {
  const std::string csv = "channel_account_id,platform_user_id\n" + a_ + ",t1\n";
  EXPECT_EQ(Import("", csv, {{"Content-Type", "text/csv"}}).status, 200);
  const net::Response none = Import("", csv);
  EXPECT_EQ(none.status, 400);
  EXPECT_EQ(ErrorField(none), "format");
  const net::Response bad = Import("?format=xlsx", csv);
  EXPECT_EQ(bad.status, 400);
  EXPECT_EQ(ErrorField(bad), "format");
}

TEST_F(ImportTest, FileLevelProblemsFailTheWholeImport) {
  struct Case {
    const char* name;
    std::string query;
    std::string body;
    std::string field;
  };
  const std::vector<Case> cases = {
      {"unknown column", "?format=csv",
       "channel_account_id,platform_user_id,nmae\n" + a_ + ",u1,x\n", "nmae"},
      {"duplicate column", "?format=csv", "platform_user_id,channel_account_id,platform_user_id\n",
       "platform_user_id"},
      {"no user column", "?format=csv", "channel_account_id,name\n" + a_ + ",x\n",
       "platform_user_id"},
      {"no account column", "?format=csv", "platform_user_id\nu1\n", "channel_account_id"},
      {"empty csv", "?format=csv", "", "body"},
      {"unknown default account", "?format=jsonl&channel_account_id=999",
       R"({"platform_user_id": "u1"})", "channel_account_id"},
      {"bad default account", "?format=jsonl&channel_account_id=x", R"({"platform_user_id": "u1"})",
       "channel_account_id"},
  };
  for (const Case& c : cases) {
    const net::Response r = Import(c.query, c.body);
    EXPECT_EQ(r.status, 400) << c.name << ": " << r.body;
    EXPECT_EQ(ErrorField(r), c.field) << c.name << ": " << r.body;
  }
  EXPECT_EQ(Count(), 0);
}

}  // namespace
}  // namespace crier::api::testing
