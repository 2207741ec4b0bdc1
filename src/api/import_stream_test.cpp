// Imports read as the body arrives: the CSV reader and the import reader give the same rows,
// errors and line numbers wherever the pieces break, and POST /v1/contacts/import over a
// streamed body commits chunks as they fill and reports bad rows by their line in the file.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <set>

#include "api/api_test_fixture.h"
#include "api/contact_input.h"
#include "api/csv.h"
#include "api/limits.h"

namespace crier::api {
namespace {

namespace json = boost::json;
using ::testing::HasSubstr;

// ---- CSV records across pieces ------------------------------------------------------------

struct Flat {
  int line;
  std::vector<std::string> fields;
  std::string error;
  std::size_t bytes;
  friend bool operator==(const Flat&, const Flat&) = default;
  friend std::ostream& operator<<(std::ostream& os, const Flat& f) {
    os << "{line " << f.line << ", bytes " << f.bytes << ", error \"" << f.error << "\", [";
    for (const auto& x : f.fields) os << '"' << x << "\" ";
    return os << "]}";
  }
};

std::vector<Flat> Flatten(const std::vector<CsvRecord>& records) {
  std::vector<Flat> out;
  for (const auto& r : records) out.push_back({r.line, r.fields, r.error, r.bytes});
  return out;
}

// Reads `pieces` one after another, as a server receives them.
std::vector<CsvRecord> ReadInPieces(const std::vector<std::string>& pieces) {
  std::vector<CsvRecord> records;
  CsvStreamReader reader;
  std::string pending;
  for (std::size_t i = 0; i <= pieces.size(); ++i) {
    const bool final = i == pieces.size();
    if (!final) pending += pieces[i];
    for (;;) {
      std::size_t used = 0;
      std::optional<CsvRecord> record = reader.Next(pending, final, &used);
      pending.erase(0, used);
      if (!record) break;
      records.push_back(std::move(*record));
    }
  }
  EXPECT_EQ(pending, "") << "the end of the input reads everything";
  return records;
}

// Every way of cutting `text` in two, and byte by byte.
std::vector<std::vector<std::string>> Splits(const std::string& text) {
  std::vector<std::vector<std::string>> out;
  for (std::size_t k = 0; k <= text.size(); ++k) out.push_back({text.substr(0, k), text.substr(k)});
  std::vector<std::string> bytes;
  for (char c : text) bytes.emplace_back(1, c);
  out.push_back(bytes);
  return out;
}

const std::string kTrickyCsv =
    "\xEF\xBB\xBF"
    "h1,h2\r\n"
    "\r\n"
    "plain,\"quoted, with comma\"\n"
    "\"multi\r\nline\",\"say \"\"hi\"\"\"\r\n"
    "lone\rcarriage,x\n"
    "a\"stray,quote\n"
    "\"junk\"after,quote\n"
    "trailing,\n"
    "\"\",\"\"\n"
    "last,line without end";

TEST(CsvStream, RecordsAreTheSameWhereverThePiecesBreak) {
  const std::vector<Flat> whole = Flatten(ParseCsv(kTrickyCsv));
  ASSERT_EQ(whole.size(), 9u);
  EXPECT_EQ(whole[0].fields, (std::vector<std::string>{"h1", "h2"})) << "the BOM is dropped";
  EXPECT_EQ(whole[2].line, 4);
  EXPECT_EQ(whole[3].line, 6) << "the quoted line end counts";
  EXPECT_EQ(whole[3].fields[0], "lone\rcarriage") << "a lone CR is data";
  EXPECT_NE(whole[4].error, "");
  EXPECT_NE(whole[5].error, "");
  EXPECT_EQ(whole[8].fields, (std::vector<std::string>{"last", "line without end"}));
  for (const auto& pieces : Splits(kTrickyCsv)) {
    EXPECT_EQ(Flatten(ReadInPieces(pieces)), whole)
        << "pieces: " << pieces.size() << ", first " << pieces[0].size() << " bytes";
  }
}

TEST(CsvStream, AnUnclosedQuoteWaitsForTheEndOfTheInput) {
  CsvStreamReader reader;
  std::size_t used = 0;
  const std::string text = "a,\"open\nb,c\n";
  EXPECT_FALSE(reader.Next(text, /*final=*/false, &used).has_value());
  EXPECT_EQ(used, 0u);
  auto record = reader.Next(text, /*final=*/true, &used);
  ASSERT_TRUE(record.has_value());
  EXPECT_NE(record->error, "");
  EXPECT_EQ(used, text.size());
}

// ---- the import reader ----------------------------------------------------------------------

struct Outcome {
  std::int64_t received = 0;
  std::vector<std::pair<int, std::string>> rows;    // line, platform user id
  std::vector<std::pair<int, std::string>> errors;  // line, field
  std::vector<std::size_t> chunk_sizes;             // rows + errors per chunk
  std::string failure;
  friend bool operator==(const Outcome&, const Outcome&) = default;
};

std::ostream& operator<<(std::ostream& os, const Outcome& o) {
  os << "{received " << o.received << ", rows";
  for (const auto& [line, id] : o.rows) os << " " << line << ":" << id;
  os << ", errors";
  for (const auto& [line, field] : o.errors) os << " " << line << ":" << field;
  return os << ", failure \"" << o.failure << "\"}";
}

Outcome Import(const std::vector<std::string>& pieces, ImportFormat format,
               std::size_t chunk_rows = 3) {
  Outcome out;
  ImportReader reader(format, Id{7}, chunk_rows, [&](ParsedImport& chunk) {
    out.received += chunk.received;
    for (const ImportRow& r : chunk.rows) out.rows.emplace_back(r.line, r.input.platform_user_id);
    for (const ImportRowError& e : chunk.errors) out.errors.emplace_back(e.line, e.field);
    out.chunk_sizes.push_back(chunk.rows.size() + chunk.errors.size());
    return Status::Ok();
  });
  for (const std::string& piece : pieces) {
    if (Status s = reader.Feed(piece); !s.ok()) {
      out.failure = s.error().ToString();
      return out;
    }
  }
  if (Status s = reader.Finish(); !s.ok()) out.failure = s.error().ToString();
  return out;
}

TEST(ImportReader, JsonLinesAreTheSameWhereverThePiecesBreak) {
  const std::string body =
      "{\"platform_user_id\": \"u1\"}\n"
      "\n"
      "{\"platform_user_id\": \"u2\", \"name\": \"Chen\"}\r\n"
      "{\"platform_user_id\": \"u3\", \"tags\": 5}\n"
      "not json\n"
      "[1]\n"
      "{\"platform_user_id\": \"u6\"}\n"
      "{\"platform_user_id\": \"u7\"}";
  const Outcome whole = Import({body}, ImportFormat::kJsonl);
  ASSERT_EQ(whole.failure, "");
  EXPECT_EQ(whole.received, 7);
  EXPECT_EQ(whole.rows,
            (std::vector<std::pair<int, std::string>>{{1, "u1"}, {3, "u2"}, {7, "u6"}, {8, "u7"}}));
  EXPECT_EQ(whole.errors,
            (std::vector<std::pair<int, std::string>>{{4, "tags"}, {5, ""}, {6, ""}}));
  EXPECT_EQ(whole.chunk_sizes, (std::vector<std::size_t>{3, 3, 1}));
  for (const auto& pieces : Splits(body)) {
    EXPECT_EQ(Import(pieces, ImportFormat::kJsonl), whole) << "first piece " << pieces[0].size();
  }
}

TEST(ImportReader, CsvIsTheSameWhereverThePiecesBreak) {
  const std::string body =
      "\xEF\xBB\xBF"
      "platform_user_id,name,attr.spend:number\r\n"
      "c1,\"Chen, Wei\",12.5\r\n"
      "c2,\"two\nlines\",\r\n"
      "\r\n"
      "c3,x,lots\r\n"
      "c4,\"say \"\"hi\"\"\",1\n"
      "c5,short\n"
      "c6,last,3";
  const Outcome whole = Import({body}, ImportFormat::kCsv);
  ASSERT_EQ(whole.failure, "");
  EXPECT_EQ(whole.received, 6);
  // A name may not hold a line end: c2 is refused, on the line its record starts on.
  EXPECT_EQ(whole.rows,
            (std::vector<std::pair<int, std::string>>{{2, "c1"}, {7, "c4"}, {9, "c6"}}));
  EXPECT_EQ(whole.errors,
            (std::vector<std::pair<int, std::string>>{{3, "name"}, {6, "attr.spend"}, {8, ""}}));
  for (const auto& pieces : Splits(body)) {
    EXPECT_EQ(Import(pieces, ImportFormat::kCsv), whole) << "first piece " << pieces[0].size();
  }
}

TEST(ImportReader, CsvHeaderProblemsFailTheWholeFileAtAnyPieceBoundary) {
  const std::string body = "platform_user_id,nmae\r\nu1,x\r\n";
  for (const auto& pieces : Splits(body)) {
    const Outcome o = Import(pieces, ImportFormat::kCsv);
    EXPECT_THAT(o.failure, HasSubstr("nmae"));
    EXPECT_TRUE(o.rows.empty());
  }
  EXPECT_THAT(Import({""}, ImportFormat::kCsv).failure, HasSubstr("header row is required"));
  EXPECT_THAT(Import({"\r\n\r\n"}, ImportFormat::kCsv).failure,
              HasSubstr("header row is required"));
}

// A body cut into pieces of `size` bytes.
std::vector<std::string> Pieces(const std::string& body, std::size_t size) {
  std::vector<std::string> out;
  for (std::size_t i = 0; i < body.size(); i += size) out.push_back(body.substr(i, size));
  return out;
}

TEST(ImportReader, OverlongJsonLineIsOneBadRowAtEitherSideOfTheLimit) {
  // A line exactly at the limit is read (and is bad JSON here); one byte more is too long.
  const std::string at_limit(kMaxImportRecordBytes, 'x');
  const std::string over_limit(kMaxImportRecordBytes + 1, 'x');
  const std::string body = "{\"platform_user_id\": \"a\"}\n" + at_limit + "\n" + over_limit +
                           "\n{\"platform_user_id\": \"b\"}\n" + over_limit;
  const Outcome whole = Import({body}, ImportFormat::kJsonl);
  EXPECT_EQ(whole.rows, (std::vector<std::pair<int, std::string>>{{1, "a"}, {4, "b"}}));
  EXPECT_EQ(whole.errors, (std::vector<std::pair<int, std::string>>{{2, ""}, {3, ""}, {5, ""}}));
  EXPECT_EQ(whole.received, 5);
  EXPECT_EQ(Import(Pieces(body, 64 * 1024), ImportFormat::kJsonl), whole);
  EXPECT_EQ(Import(Pieces(body, 1000003), ImportFormat::kJsonl), whole);
}

TEST(ImportReader, UnclosedCsvQuoteSpoilsItsRecordAndReadingResumesOnTheNextLine) {
  std::string body = "platform_user_id,name\nu1,\"never closed\nu2,fine\n";
  while (body.size() <= kMaxImportRecordBytes + 100) body += "u3,filler\n";
  const Outcome whole = Import({body}, ImportFormat::kCsv, /*chunk_rows=*/1000000);
  ASSERT_EQ(whole.failure, "");
  ASSERT_FALSE(whole.errors.empty());
  EXPECT_EQ(whole.errors[0], (std::pair<int, std::string>{2, ""}));
  ASSERT_GE(whole.rows.size(), 2u);
  EXPECT_EQ(whole.rows[0], (std::pair<int, std::string>{3, "u2"}));
  EXPECT_EQ(whole.rows[1], (std::pair<int, std::string>{4, "u3"}));
  EXPECT_EQ(Import(Pieces(body, 64 * 1024), ImportFormat::kCsv, 1000000), whole);
  EXPECT_EQ(Import(Pieces(body, 7919), ImportFormat::kCsv, 1000000), whole);
}

TEST(ImportReader, AFailingSinkStopsTheReading) {
  int calls = 0;
  ImportReader reader(ImportFormat::kJsonl, Id{7}, 1, [&](ParsedImport&) -> Status {
    ++calls;
    return Internal("disk full");
  });
  const Status fed = reader.Feed("{\"platform_user_id\": \"a\"}\n{\"platform_user_id\": \"b\"}\n");
  ASSERT_FALSE(fed.ok());
  EXPECT_EQ(fed.error().message, "disk full");
  EXPECT_FALSE(reader.Feed("{\"platform_user_id\": \"c\"}\n").ok());
  EXPECT_FALSE(reader.Finish().ok());
  EXPECT_EQ(calls, 1);
}

// ---- POST /v1/contacts/import over a streamed body -----------------------------------------

// A body that arrives in the given pieces, then fails with `failure` if one is set.
class PieceReader final : public net::BodyReader {
 public:
  explicit PieceReader(std::vector<std::string> pieces, std::optional<Error> failure = {},
                       bool too_large = false)
      : failure_(std::move(failure)), too_large_(too_large) {
    // An empty piece would mean the end of the body.
    for (std::string& p : pieces) {
      if (!p.empty()) pieces_.push_back(std::move(p));
    }
  }

  Result<std::string_view> Read() override {
    if (next_ < pieces_.size()) return std::string_view(pieces_[next_++]);
    if (failure_) return *failure_;
    return std::string_view();
  }
  bool too_large() const override { return too_large_; }
  std::size_t read() const { return next_; }

 private:
  std::vector<std::string> pieces_;
  std::size_t next_ = 0;
  std::optional<Error> failure_;
  bool too_large_;
};

class StreamedImportTest : public testing::ApiTest {
 protected:
  void SetUp() override {
    ApiTest::SetUp();
    a_ = std::to_string(CreateAccount());
  }

  net::Response Import(const std::string& query, net::BodyReader& body) {
    net::Request r = MakeRequest("POST", "/v1/contacts/import" + query, "");
    r.headers.emplace_back("Authorization", "Bearer " + key_);
    r.body_reader = &body;
    return api_->Handle(r);
  }

  std::string a_;
};

std::vector<std::pair<std::int64_t, std::string>> ErrorLines(const json::value& v) {
  std::vector<std::pair<std::int64_t, std::string>> out;
  for (const auto& e : v.at("errors").as_array()) {
    const json::value* field = e.as_object().if_contains("field");
    out.emplace_back(e.at("line").as_int64(), field ? std::string(field->as_string()) : "");
  }
  return out;
}

TEST_F(StreamedImportTest, AdmissionAsksForTheImportBodyAsAStream) {
  net::Request head = MakeRequest("POST", "/v1/contacts/import?format=csv", "");
  head.headers.emplace_back("Authorization", "Bearer " + key_);
  EXPECT_TRUE(api_->Admit(head).stream_body);
  EXPECT_FALSE(api_->Admit(head).refusal.has_value());
  EXPECT_EQ(api_->Admit(head).body_limit, kMaxStreamedBodyBytes) << "streamed: memory is no limit";
  head.path = "/v1/contacts/count";
  EXPECT_FALSE(api_->Admit(head).stream_body);
  head.path = "/v1/contacts/import";
  head.headers.clear();
  EXPECT_TRUE(api_->Admit(head).refusal.has_value()) << "no key, no body read";
}

TEST_F(StreamedImportTest, PiecesBrokenAnywhereGiveTheSameAnswerAsTheWholeBody) {
  const std::string body = "channel_account_id,platform_user_id,name,tags\r\n" + a_ +
                           ",c1,\"Chen, Wei\",vip\r\n" + a_ + ",c2,\"two\nlines\",\r\n" + a_ +
                           ",c3,Bad,\"x\"y\r\n" + "999,c4,Nobody,\r\n" + a_ + ",c5,Last,gold";
  const net::Response whole = Call("POST", "/v1/contacts/import?format=csv", body);
  ASSERT_EQ(whole.status, 200) << whole.body;
  const json::value expected = Json(whole);
  EXPECT_EQ(expected.at("imported").as_int64(), 2);
  EXPECT_EQ(ErrorLines(expected), (std::vector<std::pair<std::int64_t, std::string>>{
                                      {3, "name"}, {5, ""}, {6, "channel_account_id"}}));
  for (std::size_t k = 0; k <= body.size(); ++k) {
    PieceReader reader({body.substr(0, k), body.substr(k)});
    const net::Response r = Import("?format=csv", reader);
    ASSERT_EQ(r.status, 200) << "split at " << k << ": " << r.body;
    json::value v = Json(r);
    // The contacts exist after the first import: every row is an update now.
    EXPECT_EQ(v.at("updated").as_int64(), 2) << "split at " << k;
    v.as_object()["created"] = expected.at("created");
    v.as_object()["updated"] = expected.at("updated");
    EXPECT_EQ(v, expected) << "split at " << k;
  }
}

// Rows "u<line>" on every line, bad ones (no platform_user_id) on the lines in `bad`.
std::string Rows(const std::string& account, int lines, const std::set<int>& bad) {
  std::string body;
  for (int line = 1; line <= lines; ++line) {
    body += "{\"channel_account_id\": " + account + ", ";
    body += bad.contains(line) ? "\"name\": \"nobody\"}\n"
                               : "\"platform_user_id\": \"u" + std::to_string(line) + "\"}\n";
  }
  return body;
}

TEST_F(StreamedImportTest, BadRowsAcrossChunksKeepTheGoodOnesAndTheirLines) {
  // 10,000 rows per transaction: bad rows on both sides of the chunk boundaries, and the body
  // in pieces that cut lines anywhere.
  const std::set<int> bad = {1, 9999, 10000, 10001, 20000, 20001, 25000};
  const std::string body = Rows(a_, 25000, bad);
  PieceReader reader(Pieces(body, 4093));
  const net::Response r = Import("?format=jsonl", reader);
  ASSERT_EQ(r.status, 200) << r.body;
  const json::value v = Json(r);
  EXPECT_EQ(v.at("received").as_int64(), 25000);
  EXPECT_EQ(v.at("imported").as_int64(), 25000 - 7);
  std::vector<std::pair<std::int64_t, std::string>> expected;
  for (int line : bad) expected.emplace_back(line, "platform_user_id");
  EXPECT_EQ(ErrorLines(v), expected);
  EXPECT_EQ(*store_->CountContacts(std::nullopt), 25000 - 7);
}

TEST_F(StreamedImportTest, BodyCutShortKeepsTheChunksAlreadyWrittenAndSaysSo) {
  const std::string body = Rows(a_, 10001, {});
  PieceReader reader(Pieces(body, 65536),
                     InvalidArgument("body", "is cut short: the connection closed before its end"));
  const net::Response r = Import("?format=jsonl", reader);
  EXPECT_EQ(r.status, 400) << r.body;
  EXPECT_EQ(ErrorField(r), "body");
  EXPECT_THAT(r.body, HasSubstr("10000 rows of earlier chunks were imported"));
  // The first chunk is in; the row after it was never committed.
  EXPECT_EQ(*store_->CountContacts(std::nullopt), 10000);
}

TEST_F(StreamedImportTest, BodyPassingTheServerLimitIs413) {
  PieceReader reader({Rows(a_, 3, {})}, InvalidArgument("body", "is too large: at most 9 bytes"),
                     /*too_large=*/true);
  const net::Response r = Import("?format=jsonl", reader);
  EXPECT_EQ(r.status, 413) << r.body;
  EXPECT_EQ(ErrorCodeOf(r), "payload_too_large");
  EXPECT_EQ(*store_->CountContacts(std::nullopt), 0) << "the last chunk is never written";
}

TEST_F(StreamedImportTest, RequestProblemsAnswerBeforeTheBodyIsRead) {
  PieceReader reader({"platform_user_id\nu1\n"});
  const net::Response r = Import("?format=xlsx", reader);
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(ErrorField(r), "format");
  EXPECT_EQ(reader.read(), 0u);
}

}  // namespace
}  // namespace crier::api
