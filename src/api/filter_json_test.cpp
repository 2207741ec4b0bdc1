#include "api/filter_json.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace crier::api {
namespace {

using namespace std::chrono_literals;
using filter::Node;

boost::json::value J(std::string_view text) { return boost::json::parse(text); }

Node FromJson(std::string_view text) {
  auto r = FilterFromJson(J(text));
  EXPECT_TRUE(r.ok()) << text << ": " << (r.ok() ? "" : r.error().ToString());
  return r.ok() ? r.value() : Node::All();
}

Node FromText(std::string_view text) {
  auto r = filter::ParseText(text);
  EXPECT_TRUE(r.ok()) << text << ": " << (r.ok() ? "" : r.error().ToString());
  return r.ok() ? r.value() : Node::All();
}

Error JsonError(std::string_view text) {
  auto r = FilterFromJson(J(text));
  EXPECT_FALSE(r.ok()) << text << " read as " << (r.ok() ? filter::ToText(*r) : "");
  if (r.ok()) return {};
  EXPECT_EQ(r.error().code, ErrorCode::kInvalidArgument);
  return r.error();
}

TEST(FilterJsonTest, EveryNodeShape) {
  EXPECT_EQ(FromJson(R"({"and":[{"tag":{"any":["vip"]}},{"not":{"tag":{"any":["churned"]}}},
                              {"interacted":{"within":"24h"}},
                              {"attr":{"key":"city","op":"eq","value":"Taipei"}}]})"),
            FromText("tag:vip and not tag:churned and interacted < 24h and "
                     "attr.city = \"Taipei\""));
  EXPECT_EQ(FromJson(R"({"or":[{"tag":{"all":["a","b"]}},{"tag":{"none":["c"]}}]})"),
            FromText("tag all(a, b) or tag none(c)"));
  EXPECT_EQ(FromJson(R"({"subscription":"unsubscribed"})"), FromText("unsubscribed"));
  EXPECT_EQ(FromJson(R"({"subscribed_at":{"before":"7d"}})"), FromText("subscribed_at > 7d"));
  EXPECT_EQ(FromJson(R"({"interacted":{"before":"7d","channel_account_id":12}})"),
            FromText("interacted@12 > 7d"));
  EXPECT_EQ(FromJson(R"({"interacted":{"after":"2026-11-01T00:00:00Z"}})"),
            FromText("interacted > 2026-11-01T00:00:00Z"));
  EXPECT_EQ(FromJson(R"({"interacted":{"before":"2026-11-01T00:00:00Z"}})"),
            FromText("interacted < 2026-11-01T00:00:00Z"));
  EXPECT_EQ(FromJson(R"({"interacted":{"after":"7d"}})"), FromText("interacted < 7d"));
  EXPECT_EQ(FromJson(R"({"interacted":{"op":"le","ago":"24h"}})"), FromText("interacted >= 24h"));
  EXPECT_EQ(FromJson(R"({"interacted":{"op":"eq","time":"2026-11-01T00:00:00Z"}})"),
            FromText("interacted = 2026-11-01T00:00:00Z"));
  EXPECT_EQ(FromJson(R"({"attr":{"key":"spend","op":"lt","value":10}})"),
            FromText("attr.spend < 10"));
  EXPECT_EQ(FromJson(R"({"attr":{"key":"spend","op":"ge","value":9.5}})"),
            FromText("attr.spend >= 9.5"));
  EXPECT_EQ(FromJson(R"({"attr":{"key":"big","op":"gt","value":18446744073709551615}})"),
            FromText("attr.big > 18446744073709551615"));
  EXPECT_EQ(FromJson(R"({"attr":{"key":"m","op":"ne","value":true}})"), FromText("attr.m != true"));
  EXPECT_EQ(FromJson(R"({"attr":{"key":"t","op":"gt","value":{"time":"2026-11-01T00:00:00Z"}}})"),
            FromText("attr.t > 2026-11-01T00:00:00Z"));
  EXPECT_EQ(FromJson(R"({"attr":{"key":"city","op":"contains","value":"pei"}})"),
            FromText("attr.city contains \"pei\""));
  EXPECT_EQ(FromJson(R"({"attr":{"key":"city","op":"exists"}})"), FromText("attr.city exists"));
  EXPECT_EQ(FromJson(R"({"attr":{"key":"city","op":"exists","value":null}})"),
            FromText("attr.city exists"));
  EXPECT_EQ(FromJson(R"({"locale":["zh_TW","en_US"]})"),
            FromText("locale in (\"zh_TW\", \"en_US\")"));
  EXPECT_EQ(FromJson(R"({"time_zone":["Asia/Taipei"]})"), FromText("timezone = \"Asia/Taipei\""));
  EXPECT_EQ(FromJson(R"({"state":"in_progress"})"), FromText("state = in_progress"));
  EXPECT_EQ(FromJson(R"({"assignee":"alice"})"), FromText("assignee = \"alice\""));
  EXPECT_EQ(FromJson(R"({"assignee":null})"), FromText("assignee = none"));
  EXPECT_EQ(FromJson(R"({"account":12})"), FromText("account = 12"));
  EXPECT_EQ(FromJson(R"({"ids":[3,1,2,1]})"), FromText("ids(1, 2, 3)"));
  EXPECT_EQ(FromJson(R"({"segment":"big spenders"})"), FromText("segment:\"big spenders\""));
  EXPECT_EQ(FromJson(R"({"and":[{"segment":"vip"},"not segment:churned"]})"),
            FromText("segment:vip and not segment:churned"));
  EXPECT_EQ(FromJson(R"({"and":[]})"), Node::All());
  EXPECT_EQ(FromJson(R"({"or":[{"account":1}]})"), FromText("account = 1"));
  EXPECT_EQ(FromJson(R"("tag:vip and interacted < 24h")"),
            FromText("tag:vip and interacted < 24h"));
}

TEST(FilterJsonTest, ErrorsNameThePathAndWhatWasExpected) {
  Error e = JsonError(R"({"and":[{"account":1},{"tag":{"any":[]}}]})");
  EXPECT_EQ(e.field, "filter.and[1].tag.any");
  EXPECT_EQ(e.message, "expected a non-empty array of tag names, found an empty array");
  e = JsonError(R"({"and":[{"account":1},{"tag":{"any":["a",""]}}]})");
  EXPECT_EQ(e.field, "filter.and[1].tag.any[1]");
  e = JsonError(R"({"interacted":{"within":"24x"}})");
  EXPECT_EQ(e.field, "filter.interacted.within");
  EXPECT_EQ(e.message,
            "expected a duration like \"24h\", \"30m\" or \"7d\" (at most 36500d), found \"24x\"");
  e = JsonError(R"({"frob":1})");
  EXPECT_EQ(e.field, "filter.frob");
  EXPECT_NE(e.message.find("expected an object with one key: and, or, not"), std::string::npos);
  e = JsonError(R"({"not":{"attr":{"key":"b","op":"lt","value":true}}})");
  EXPECT_EQ(e.field, "filter.not.attr.value");
  e = JsonError(R"("tag:vip and")");
  EXPECT_EQ(e.field, "filter");
  EXPECT_EQ(e.message.rfind("at 11: expected a predicate", 0), 0u) << e.message;
  e = JsonError(R"({"or":[{"account":1},{"segment":""}]})");
  EXPECT_EQ(e.field, "filter.or[1].segment");
  EXPECT_EQ(e.message, "expected a segment name, found an empty string");
  e = JsonError(R"({"segment":["vip"]})");
  EXPECT_EQ(e.field, "filter.segment");
  EXPECT_EQ(e.message, "expected a segment name, found an array");
  auto custom = FilterFromJson(J(R"({"ids":[]})"), "audience.filter");
  ASSERT_FALSE(custom.ok());
  EXPECT_EQ(custom.error().field, "audience.filter.ids");
}

TEST(FilterJsonTest, MalformedInputIsRefused) {
  struct Case {
    const char* json;
    const char* field;
  };
  for (const Case& c : std::vector<Case>{
           {"null", "filter"},
           {"1", "filter"},
           {"[]", "filter"},
           {"{}", "filter"},
           {R"({"tag":{"any":["a"]},"account":1})", "filter"},
           {R"({"and":{}})", "filter.and"},
           {R"({"and":[1]})", "filter.and[0]"},
           {R"({"or":[]})", "filter.or"},
           {R"({"not":[]})", "filter.not"},
           {R"({"not":null})", "filter.not"},
           {R"({"tag":["a"]})", "filter.tag"},
           {R"({"tag":{}})", "filter.tag"},
           {R"({"tag":{"some":["a"]}})", "filter.tag.some"},
           {R"({"tag":{"any":"a"}})", "filter.tag.any"},
           {R"({"tag":{"any":[1]}})", "filter.tag.any[0]"},
           {R"({"tag":{"any":["a"],"all":["b"]}})", "filter.tag"},
           {R"({"subscription":"maybe"})", "filter.subscription"},
           {R"({"subscription":true})", "filter.subscription"},
           {R"({"subscribed_at":"7d"})", "filter.subscribed_at"},
           {R"({"subscribed_at":{}})", "filter.subscribed_at"},
           {R"({"subscribed_at":{"within":"1d","channel_account_id":1}})",
            "filter.subscribed_at.channel_account_id"},
           {R"({"interacted":{"within":"-1h"}})", "filter.interacted.within"},
           {R"({"interacted":{"within":"36501d"}})", "filter.interacted.within"},
           {R"({"interacted":{"within":24}})", "filter.interacted.within"},
           {R"({"interacted":{"within":"2026-11-01T00:00:00Z"}})", "filter.interacted.within"},
           {R"({"interacted":{"before":"soon"}})", "filter.interacted.before"},
           {R"({"interacted":{"within":"1h","before":"2h"}})", "filter.interacted.before"},
           {R"({"interacted":{"op":"lt"}})", "filter.interacted"},
           {R"({"interacted":{"ago":"1h"}})", "filter.interacted"},
           {R"({"interacted":{"op":"lt","ago":"1h","time":"2026-11-01T00:00:00Z"}})",
            "filter.interacted.time"},
           {R"({"interacted":{"op":"less","ago":"1h"}})", "filter.interacted.op"},
           {R"({"interacted":{"op":"lt","time":"yesterday"}})", "filter.interacted.time"},
           {R"({"interacted":{"within":"1h","channel_account_id":0}})",
            "filter.interacted.channel_account_id"},
           {R"({"interacted":{"within":"1h","channel_account_id":"12"}})",
            "filter.interacted.channel_account_id"},
           {R"({"interacted":{"within":"1h","since":"2h"}})", "filter.interacted.since"},
           {R"({"attr":"city"})", "filter.attr"},
           {R"({"attr":{"op":"eq","value":1}})", "filter.attr.key"},
           {R"({"attr":{"key":"","op":"eq","value":1}})", "filter.attr.key"},
           {R"({"attr":{"key":"a-b","op":"eq","value":1}})", "filter.attr.key"},
           {R"({"attr":{"key":"city","value":1}})", "filter.attr.op"},
           {R"({"attr":{"key":"city","op":"like","value":1}})", "filter.attr.op"},
           {R"({"attr":{"key":"city","op":"eq"}})", "filter.attr.value"},
           {R"({"attr":{"key":"city","op":"eq","value":null}})", "filter.attr.value"},
           {R"({"attr":{"key":"city","op":"eq","value":[1]}})", "filter.attr.value"},
           {R"({"attr":{"key":"city","op":"eq","value":{"when":"x"}}})", "filter.attr.value"},
           {R"({"attr":{"key":"city","op":"eq","value":{"time":"x"}}})", "filter.attr.value.time"},
           {R"({"attr":{"key":"city","op":"contains","value":1}})", "filter.attr.value"},
           {R"({"attr":{"key":"city","op":"exists","value":1}})", "filter.attr.value"},
           {R"({"attr":{"key":"b","op":"ge","value":false}})", "filter.attr.value"},
           {R"({"attr":{"key":"city","op":"eq","value":1,"extra":2}})", "filter.attr.extra"},
           {R"({"locale":"zh_TW"})", "filter.locale"},
           {R"({"locale":[]})", "filter.locale"},
           {R"({"locale":[""]})", "filter.locale[0]"},
           {R"({"time_zone":[1]})", "filter.time_zone[0]"},
           {R"({"timezone":["Asia/Taipei"]})", "filter.timezone"},
           {R"({"state":"pending"})", "filter.state"},
           {R"({"state":null})", "filter.state"},
           {R"({"assignee":""})", "filter.assignee"},
           {R"({"assignee":1})", "filter.assignee"},
           {R"({"account":0})", "filter.account"},
           {R"({"account":-1})", "filter.account"},
           {R"({"account":1.5})", "filter.account"},
           {R"({"account":"12"})", "filter.account"},
           {R"({"account":9223372036854775808})", "filter.account"},
           {R"({"ids":[]})", "filter.ids"},
           {R"({"ids":[1,0]})", "filter.ids[1]"},
           {R"({"ids":[1,"2"]})", "filter.ids[1]"},
           {R"({"ids":{"1":true}})", "filter.ids"},
           {R"("tag:")", "filter"},
       }) {
    SCOPED_TRACE(c.json);
    const Error e = JsonError(c.json);
    EXPECT_EQ(e.field, c.field) << e.message;
    EXPECT_EQ(e.message.rfind("expected ", 0) == 0 || e.message.rfind("at ", 0) == 0, true)
        << e.message;
    EXPECT_NE(e.message.find(", found "), std::string::npos) << e.message;
  }
}

TEST(FilterJsonTest, NestingIsCapped) {
  const auto nested = [](int depth) {
    boost::json::value v = {{"account", 1}};
    for (int i = 0; i < depth; ++i) {
      boost::json::object o;
      o["not"] = std::move(v);
      v = std::move(o);
    }
    return v;
  };
  EXPECT_TRUE(FilterFromJson(nested(64)).ok());
  auto deep = FilterFromJson(nested(65));
  ASSERT_FALSE(deep.ok());
  EXPECT_NE(deep.error().message.find("at most 64 levels"), std::string::npos);
  auto very_deep = FilterFromJson(nested(10'000));
  EXPECT_FALSE(very_deep.ok());
}

TEST(FilterJsonTest, CanonicalShapes) {
  EXPECT_EQ(boost::json::serialize(FilterToJson(FromText("interacted < 24h"))),
            R"({"interacted":{"within":"24h"}})");
  EXPECT_EQ(boost::json::serialize(FilterToJson(FromText("interacted@7 > 7d"))),
            R"({"interacted":{"before":"7d","channel_account_id":7}})");
  EXPECT_EQ(boost::json::serialize(FilterToJson(FromText("subscribed_at > 2026-11-01T00:00:00Z"))),
            R"({"subscribed_at":{"after":"2026-11-01T00:00:00.000Z"}})");
  EXPECT_EQ(boost::json::serialize(FilterToJson(FromText("interacted != 1h"))),
            R"({"interacted":{"op":"ne","ago":"1h"}})");
  EXPECT_EQ(boost::json::serialize(FilterToJson(FromText("attr.t = 2026-11-01T00:00:00Z"))),
            R"({"attr":{"key":"t","op":"eq","value":{"time":"2026-11-01T00:00:00.000Z"}}})");
  EXPECT_EQ(boost::json::serialize(FilterToJson(FromText("assignee = none"))),
            R"({"assignee":null})");
  EXPECT_EQ(boost::json::serialize(FilterToJson(Node::All())), R"({"and":[]})");
  EXPECT_EQ(boost::json::serialize(FilterToJson(FromText("segment:\"a b\""))),
            R"({"segment":"a b"})");
  EXPECT_EQ(boost::json::serialize(FilterToJson(FromText("not (tag:a or tag none(b))"))),
            R"({"not":{"or":[{"tag":{"any":["a"]}},{"tag":{"none":["b"]}}]}})");
}

TEST(FilterJsonTest, RoundTripsTextToNodeToJsonToNode) {
  for (const char* text : {
           "all",
           "tag:vip and interacted < 24h and not tag:churned and attr.city = \"Taipei\"",
           "tag any(a, \"b c\") or tag all(d, e) and tag none(f)",
           "subscribed or unsubscribed",
           "subscribed_at >= 30m and subscribed_at < 2026-11-01T00:00:00.123Z",
           "interacted = 1500ms or interacted != 2026-11-01T00:00:00Z",
           "interacted@3 <= 36500d and interacted@4 >= 1s",
           "interacted > 2026-11-01T00:00:00Z or interacted <= 2026-11-01T00:00:00Z",
           "attr.n < 0.1 and attr.n >= -1e300 and attr.s != \"x\\ny\" and attr.b = false",
           "attr.t > 2026-11-01T00:00:00Z and attr.s contains \"會\" and attr.e exists",
           "locale in (\"zh_TW\", \"en_US\") and timezone = \"+05:45\"",
           "state = open or state = in_progress or state = closed",
           "assignee = \"alice\" or assignee = none",
           "account = 12 and ids(1, 2, 9223372036854775807)",
           "not (tag:a and (tag:b or not tag:c)) or ((tag:d or tag:e) and tag:f)",
           "not not tag:a",
           "segment:vip and not segment:\"big spenders\" or segment:會員",
       }) {
    SCOPED_TRACE(text);
    const Node node = FromText(text);
    const boost::json::value json = FilterToJson(node);
    // Through the serialised text too, as a client would send it back.
    auto back = FilterFromJson(boost::json::parse(boost::json::serialize(json)));
    ASSERT_TRUE(back.ok()) << boost::json::serialize(json) << ": " << back.error().ToString();
    EXPECT_EQ(*back, node) << boost::json::serialize(json);
    EXPECT_EQ(filter::ToText(*back), filter::ToText(node));
  }
}

}  // namespace
}  // namespace crier::api
