// POST /v1/contacts/export with the real engine's audience listing: CSV and JSON Lines, the
// filter, the empty result, bad requests, and export -> import into a fresh database giving
// back every field.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <map>

#include "api/api_test_fixture.h"
#include "api/export_handlers.h"
#include "support/fake_transport.h"

namespace crier::api::testing {
namespace {

namespace json = boost::json;
using ::testing::HasSubstr;

// Collects a streamed body; `on_write` runs before each piece is taken.
class StringWriter final : public net::BodyWriter {
 public:
  Status Write(std::string_view bytes) override {
    if (on_write) on_write();
    ++writes;
    out.append(bytes);
    return Status::Ok();
  }
  std::string out;
  int writes = 0;
  std::function<void()> on_write;
};

// A database with its own API over a real engine (the fixture's engine is a fake).
struct Database {
  explicit Database(const std::string& path, const Clock& clock) {
    auto opened = OpenSqliteStore({.path = path, .clock = &clock});
    EXPECT_TRUE(opened.ok()) << opened.error().ToString();
    store = std::move(*opened);
    auto created = engine::Engine::Create(
        *store, clock,
        std::make_unique<crier::testing::FakeTransport>(
            [](const channels::OutboundRequest&) { return channels::TransportResult{}; }),
        {});
    EXPECT_TRUE(created.ok()) << created.error().ToString();
    engine = std::move(*created);
    api = std::make_unique<Api>(*store, *engine, clock);
    auto admin = EnsureAdminKey(*store, clock);
    EXPECT_TRUE(admin.ok() && admin->has_value());
    key = **admin;
  }

  net::Response Call(const std::string& target, std::string body, std::string content_type = "") {
    net::Request r;
    r.method = "POST";
    r.target = target;
    r.path = target.substr(0, target.find('?'));
    if (const auto q = target.find("?format="); q != std::string::npos) {
      r.query.emplace_back("format", target.substr(q + 8));
    }
    r.headers.emplace_back("Authorization", "Bearer " + key);
    if (!content_type.empty()) r.headers.emplace_back("Content-Type", content_type);
    r.body = std::move(body);
    return api->Handle(r);
  }

  Id CreateAccount(const std::string& external_id) {
    const net::Response r =
        Call("/v1/channel-accounts",
             json::serialize(json::object{{"platform", "messenger"},
                                          {"name", "Shop"},
                                          {"external_id", external_id},
                                          {"access_token", "t"},
                                          {"api_base_url", "http://127.0.0.1:1"}}));
    EXPECT_EQ(r.status, 201) << r.body;
    return json::parse(r.body).at("id").as_int64();
  }

  json::value Import(const std::string& format, const std::string& body) {
    const net::Response r = Call("/v1/contacts/import?format=" + format, body);
    EXPECT_EQ(r.status, 200) << r.body;
    return json::parse(r.body);
  }

  // The export's status and, when it streams, its body.
  std::pair<net::Response, std::string> Export(const json::object& request,
                                               StringWriter* writer = nullptr) {
    net::Response r = Call("/v1/contacts/export", json::serialize(request));
    StringWriter own;
    if (writer == nullptr) writer = &own;
    if (r.stream) {
      const Status produced = r.stream(*writer);
      EXPECT_TRUE(produced.ok()) << produced.error().ToString();
    }
    return {std::move(r), writer->out};
  }

  // Every contact, keyed by its first identity.
  std::map<std::pair<Id, std::string>, Contact> Contacts() {
    std::map<std::pair<Id, std::string>, Contact> out;
    PageRequest page{0, 1000};
    for (;;) {
      auto listed = store->ListContacts({page, std::nullopt});
      EXPECT_TRUE(listed.ok());
      for (Contact& c : listed->items) {
        const Identity& i = c.identities.at(0);
        out.emplace(std::pair{i.channel_account_id, i.platform_user_id}, std::move(c));
      }
      if (!listed->next_after_id) return out;
      page.after_id = *listed->next_after_id;
    }
  }

  std::unique_ptr<Store> store;
  std::unique_ptr<engine::Engine> engine;
  std::unique_ptr<Api> api;
  std::string key;
};

// Every field an import can set, compared.
void ExpectSameContent(const Contact& got, const Contact& want) {
  SCOPED_TRACE("contact " + want.identities.at(0).platform_user_id);
  EXPECT_EQ(got.name, want.name);
  EXPECT_EQ(got.first_name, want.first_name);
  EXPECT_EQ(got.locale, want.locale);
  EXPECT_EQ(got.time_zone, want.time_zone);
  EXPECT_EQ(got.region, want.region);
  EXPECT_EQ(got.subscription, want.subscription);
  EXPECT_EQ(got.tags, want.tags);
  EXPECT_EQ(got.attributes, want.attributes);
  EXPECT_EQ(got.conversation_state, want.conversation_state);
  EXPECT_EQ(got.assignee, want.assignee);
  ASSERT_EQ(got.identities.size(), want.identities.size());
  for (std::size_t i = 0; i < want.identities.size(); ++i) {
    EXPECT_EQ(got.identities[i].channel_account_id, want.identities[i].channel_account_id);
    EXPECT_EQ(got.identities[i].platform_user_id, want.identities[i].platform_user_id);
    EXPECT_EQ(got.identities[i].last_inbound_at, want.identities[i].last_inbound_at);
    EXPECT_EQ(got.identities[i].window_opener, want.identities[i].window_opener);
    EXPECT_EQ(got.identities[i].blocked, want.identities[i].blocked);
    EXPECT_EQ(got.identities[i].opted_in, want.identities[i].opted_in);
    EXPECT_EQ(got.identities[i].marketing_opted_out, want.identities[i].marketing_opted_out);
    // The token string is never exported, so the token does not travel.
    EXPECT_FALSE(got.identities[i].marketing_token.has_value());
  }
}

std::vector<std::string> Lines(const std::string& body) {
  std::vector<std::string> out;
  std::size_t start = 0;
  while (start < body.size()) {
    const std::size_t end = body.find('\n', start);
    out.push_back(body.substr(start, end - start));
    start = end == std::string::npos ? body.size() : end + 1;
  }
  return out;
}

class ExportTest : public ::testing::Test {
 protected:
  void SetUp() override {
    source_ = std::make_unique<Database>(dir_.File("source.db"), clock_);
    account_ = source_->CreateAccount("1001");
    other_account_ = source_->CreateAccount("2002");
    const std::string a = std::to_string(account_);
    const std::string b = std::to_string(other_account_);
    // Every field, every attribute type, text that needs quoting in CSV, and bare rows.
    const std::string rows =
        R"({"channel_account_id": )" + a +
        R"(, "platform_user_id": "rich", "name": "Chen, \"Wei\"", "first_name": "Wei",)"
        R"( "locale": "zh_TW", "time_zone": "Asia/Taipei", "subscription": "unsubscribed",)"
        R"( "tags": ["vip", "big spender", "測試"], "last_inbound_at": "2026-11-20T10:00:00.123Z",)"
        R"( "window_opener": "ad", "blocked": true, "attributes": {"city": "Taipei, TW",)"
        R"( "spend": 120.5, "ratio": 0.1, "member": true, "joined": {"time": "2020-02-29T12:00:00Z"},)"
        R"( "note": " padded "}, "conversation_state": "in_progress", "assignee": "mei",)"
        R"( "region": "tw", "opted_in": true, "marketing_opted_out": true,)"
        R"( "marketing_token": {"token": "mt-secret-777", "expires_at": "2026-12-01T00:00:00Z"}})"
        "\n"
        R"({"channel_account_id": )" +
        a +
        R"(, "platform_user_id": "bare"})"
        "\n"
        R"({"channel_account_id": )" +
        b +
        R"(, "platform_user_id": "other", "tags": ["vip"], "attributes": {"spend": 3},)"
        R"( "conversation_state": "closed", "time_zone": "+05:45"})"
        "\n"
        R"({"channel_account_id": )" +
        a +
        R"(, "platform_user_id": "quiet", "name": "Quiet", "subscription": "subscribed",)"
        R"( "attributes": {"member": false}, "last_inbound_at": "2026-11-01T00:00:00Z"})"
        "\n";
    const json::value imported = source_->Import("jsonl", rows);
    ASSERT_EQ(imported.at("imported").as_int64(), 4) << json::serialize(imported);
  }

  // Exports from the source, imports into a fresh database with the same accounts, and
  // compares every contact.
  void ExpectRoundTrip(const std::string& format) {
    const auto [response, body] = source_->Export({{"format", format}});
    ASSERT_EQ(response.status, 200) << response.body;
    Database fresh(dir_.File("fresh-" + format + ".db"), clock_);
    ASSERT_EQ(fresh.CreateAccount("1001"), account_);
    ASSERT_EQ(fresh.CreateAccount("2002"), other_account_);
    const json::value imported = fresh.Import(format, body);
    EXPECT_EQ(imported.at("imported").as_int64(), 4) << json::serialize(imported) << "\n" << body;
    EXPECT_EQ(imported.at("errors"), json::array()) << body;
    EXPECT_EQ(body.find("mt-secret-777"), std::string::npos) << "the token string is never written";
    const auto want = source_->Contacts();
    const auto got = fresh.Contacts();
    ASSERT_EQ(got.size(), want.size());
    for (const auto& [key, contact] : want) {
      ASSERT_TRUE(got.contains(key)) << key.second;
      ExpectSameContent(got.at(key), contact);
    }
  }

  crier::testing::TempDir dir_;
  FakeClock clock_{kStart};
  std::unique_ptr<Database> source_;
  Id account_ = 0;
  Id other_account_ = 0;
};

TEST_F(ExportTest, JsonlRoundTripsEveryFieldIntoAFreshDatabase) { ExpectRoundTrip("jsonl"); }

TEST_F(ExportTest, CsvRoundTripsEveryFieldIntoAFreshDatabase) { ExpectRoundTrip("csv"); }

TEST_F(ExportTest, JsonlIsOneImportRowPerLineInIdOrder) {
  const auto [response, body] = source_->Export({{"format", "jsonl"}});
  ASSERT_EQ(response.status, 200);
  EXPECT_EQ(response.content_type, "application/x-ndjson");
  EXPECT_EQ(net::FindHeader(response.headers, kExportContactsHeader), "4");
  const std::vector<std::string> lines = Lines(body);
  ASSERT_EQ(lines.size(), 4u);
  EXPECT_EQ(json::parse(lines[1]),
            json::parse(R"({"channel_account_id": )" + std::to_string(account_) +
                        R"(, "platform_user_id": "bare", "subscription": "subscribed",)"
                        R"( "tags": [], "attributes": {}, "window_opener": "organic",)"
                        R"( "blocked": false, "opted_in": false, "marketing_opted_out": false})"));
  const json::value rich = json::parse(lines[0]);
  EXPECT_EQ(rich.at("attributes").at("spend").as_double(), 120.5);
  EXPECT_THAT(lines[2], HasSubstr(R"("spend":3})")) << "a whole number is written as one";
  EXPECT_EQ(rich.at("attributes").at("joined"),
            json::parse(R"({"time": "2020-02-29T12:00:00.000Z"})"));
  EXPECT_EQ(rich.at("last_inbound_at"), "2026-11-20T10:00:00.123Z");
  EXPECT_EQ(json::parse(lines[2]).at("platform_user_id"), "other");
}

TEST_F(ExportTest, CsvHasTheImportColumnsAndOneTypedColumnPerAttribute) {
  const auto [response, body] = source_->Export({{"format", "csv"}});
  ASSERT_EQ(response.status, 200);
  EXPECT_EQ(response.content_type, "text/csv; charset=utf-8");
  EXPECT_EQ(body.substr(0, body.find("\r\n")),
            "channel_account_id,platform_user_id,name,first_name,locale,time_zone,region,"
            "subscription,tags,last_inbound_at,window_opener,blocked,opted_in,"
            "marketing_opted_out,conversation_state,assignee,"
            "attr.city:string,attr.joined:time,attr.member:bool,attr.note:string,"
            "attr.ratio:number,attr.spend:number");
  EXPECT_THAT(body, HasSubstr(",rich,\"Chen, \"\"Wei\"\"\",Wei,zh_TW,Asia/Taipei,TW,unsubscribed,"
                              "big spender|vip|測試,2026-11-20T10:00:00.123Z,ad,true,true,true,"
                              "in_progress,"
                              "mei,\"Taipei, TW\",2020-02-29T12:00:00.000Z,true, padded ,0.1,"
                              "120.5\r\n"));
}

TEST_F(ExportTest, FilterSelectsWhoIsExported) {
  for (const json::value& filter :
       {json::value("tag:vip"), json::parse(R"({"tag": {"any": ["vip"]}})")}) {
    const auto [response, body] = source_->Export({{"format", "jsonl"}, {"filter", filter}});
    ASSERT_EQ(response.status, 200) << response.body;
    EXPECT_EQ(net::FindHeader(response.headers, kExportContactsHeader), "2");
    const std::vector<std::string> lines = Lines(body);
    ASSERT_EQ(lines.size(), 2u);
    EXPECT_EQ(json::parse(lines[0]).at("platform_user_id"), "rich");
    EXPECT_EQ(json::parse(lines[1]).at("platform_user_id"), "other");
  }
  const auto [response, body] =
      source_->Export({{"format", "jsonl"}, {"filter", "not tag:vip and attr.member = false"}});
  ASSERT_EQ(response.status, 200) << response.body;
  ASSERT_EQ(Lines(body).size(), 1u);
  EXPECT_EQ(json::parse(Lines(body)[0]).at("platform_user_id"), "quiet");
}

TEST_F(ExportTest, NobodySelectedGivesAnEmptyFile) {
  const auto [jsonl, jsonl_body] =
      source_->Export({{"format", "jsonl"}, {"filter", "tag:nobody_has_this"}});
  ASSERT_EQ(jsonl.status, 200);
  EXPECT_EQ(jsonl_body, "");
  EXPECT_EQ(net::FindHeader(jsonl.headers, kExportContactsHeader), "0");
  const auto [csv, csv_body] =
      source_->Export({{"format", "csv"}, {"filter", "tag:nobody_has_this"}});
  ASSERT_EQ(csv.status, 200);
  // Only the header, which imports as an empty file.
  EXPECT_EQ(std::count(csv_body.begin(), csv_body.end(), '\n'), 1);
  Database fresh(dir_.File("fresh.db"), clock_);
  fresh.CreateAccount("1001");
  EXPECT_EQ(fresh.Import("csv", csv_body).at("received").as_int64(), 0);
}

TEST_F(ExportTest, BadRequestsNameTheField) {
  struct Case {
    const char* name;
    std::string body;
    std::string field;
  };
  const std::vector<Case> cases = {
      {"bad text filter", R"({"format": "csv", "filter": "tag:vip and (interacted < 24x"})",
       "filter"},
      {"bad JSON filter", R"({"format": "csv", "filter": {"and": [{"tag": 5}]}})",
       "filter.and[0].tag"},
      {"no format", R"({"filter": "tag:vip"})", "format"},
      {"unknown format", R"({"format": "xlsx"})", "format"},
      {"format not a string", R"({"format": 1})", "format"},
      {"unknown member", R"({"format": "csv", "filtr": "tag:vip"})", "filtr"},
      {"not JSON", R"({"format": )", "body"},
      {"not an object", R"(["csv"])", "body"},
  };
  for (const Case& c : cases) {
    const net::Response r = source_->Call("/v1/contacts/export", c.body);
    EXPECT_EQ(r.status, 400) << c.name << ": " << r.body;
    EXPECT_FALSE(r.stream) << c.name;
    const json::value v = json::parse(r.body);
    const json::value* field = v.at("error").as_object().if_contains("field");
    ASSERT_NE(field, nullptr) << c.name << ": " << r.body;
    EXPECT_THAT(std::string(field->as_string()), ::testing::StartsWith(c.field)) << c.name;
  }
  const net::Response big =
      source_->Call("/v1/contacts/export",
                    R"({"format": "csv", "filter": ")" + std::string(1 << 20, 'x') + "\"}");
  EXPECT_EQ(big.status, 413);
}

TEST_F(ExportTest, CsvRefusesWhatItCannotCarryBackAndJsonlCarriesIt) {
  const std::string a = std::to_string(account_);
  source_->Import("jsonl", R"({"channel_account_id": )" + a +
                               R"(, "platform_user_id": "odd", "attributes": {"spend": "lots"}})"
                               "\n");
  const auto [csv, csv_body] = source_->Export({{"format", "csv"}});
  EXPECT_EQ(csv.status, 400) << csv.body;
  EXPECT_THAT(csv.body, HasSubstr("\"field\":\"format\""));
  EXPECT_THAT(csv.body, HasSubstr("spend"));
  EXPECT_THAT(csv.body, HasSubstr("jsonl"));
  // The filter can leave the odd one out.
  EXPECT_EQ(source_->Export({{"format", "csv"}, {"filter", "tag:vip"}}).first.status, 200);
  EXPECT_EQ(source_->Export({{"format", "jsonl"}}).first.status, 200);

  source_->Import("jsonl", R"({"channel_account_id": )" + a +
                               R"(, "platform_user_id": "odd", "attributes": {"spend": 1,)"
                               R"( "nickname": ""}})"
                               "\n");
  const auto [empty, empty_body] = source_->Export({{"format", "csv"}});
  EXPECT_EQ(empty.status, 400) << empty.body;
  EXPECT_THAT(empty.body, HasSubstr("nickname"));
}

TEST_F(ExportTest, LargeAudienceIsPagedAndAContactChangedMidExportAppearsOnce) {
  // More than one page of ids (10,000) and many batches of contacts (1,000).
  const std::string a = std::to_string(account_);
  std::string rows;
  for (int i = 0; i < 10100; ++i) {
    rows += R"({"channel_account_id": )" + a + R"(, "platform_user_id": "p)" + std::to_string(i) +
            R"(", "name": "before"})"
            "\n";
  }
  ASSERT_EQ(source_->Import("jsonl", rows).at("imported").as_int64(), 10100);
  StringWriter writer;
  writer.on_write = [&] {
    if (writer.writes != 0) return;
    // After the first rows went out: one contact already written and one still to come
    // change, and a new contact arrives at the end.
    source_->Import("jsonl", R"({"channel_account_id": )" + a +
                                 R"(, "platform_user_id": "rich", "name": "changed"})"
                                 "\n"
                                 R"({"channel_account_id": )" +
                                 a +
                                 R"(, "platform_user_id": "p10099", "name": "changed"})"
                                 "\n"
                                 R"({"channel_account_id": )" +
                                 a + R"(, "platform_user_id": "late"})");
  };
  const auto [response, body] = source_->Export({{"format", "jsonl"}}, &writer);
  ASSERT_EQ(response.status, 200);
  EXPECT_GT(writer.writes, 10) << "written as it goes, not at the end";
  std::map<std::string, int> seen;
  std::string last_name;
  for (const std::string& line : Lines(body)) {
    const json::value row = json::parse(line);
    ++seen[std::string(row.at("platform_user_id").as_string())];
    if (row.at("platform_user_id") == "p10099") last_name = row.at("name").as_string();
  }
  EXPECT_EQ(seen.size(), 4u + 10100u + 1u);
  for (const auto& [id, n] : seen) EXPECT_EQ(n, 1) << id;
  EXPECT_EQ(last_name, "changed") << "a batch is read when its turn comes";
}

TEST_F(ExportTest, RequestBodyMayArriveAsAStream) {
  class OnePiece final : public net::BodyReader {
   public:
    explicit OnePiece(std::string text) : text_(std::move(text)) {}
    Result<std::string_view> Read() override {
      if (done_) return std::string_view();
      done_ = true;
      return std::string_view(text_);
    }
    bool too_large() const override { return false; }

   private:
    std::string text_;
    bool done_ = false;
  };
  OnePiece body(R"({"format": "jsonl", "filter": "tag:vip"})");
  net::Request r;
  r.method = "POST";
  r.target = r.path = "/v1/contacts/export";
  r.headers.emplace_back("Authorization", "Bearer " + source_->key);
  r.body_reader = &body;
  net::Response response = source_->api->Handle(r);
  ASSERT_EQ(response.status, 200) << response.body;
  StringWriter writer;
  ASSERT_TRUE(response.stream(writer).ok());
  EXPECT_EQ(Lines(writer.out).size(), 2u);
}

}  // namespace
}  // namespace crier::api::testing
