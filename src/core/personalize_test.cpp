#include "core/personalize.h"

#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <random>
#include <string>
#include <vector>

namespace crier::personalize {
namespace {

constexpr std::string_view kField = "messages[0].text";

Contact Ann() {
  Contact c;
  c.id = 17;
  c.name = "Ann Lee";
  c.first_name = "Ann";
  c.locale = "en_US";
  c.attributes = {{"city", std::string("Taipei")},
                  {"empty", std::string()},
                  {"paid", true},
                  {"spend", 120.5},
                  {"visits", 3.0}};
  return c;
}

Template Compiled(std::string_view text) {
  Result<Template> t = Template::Compile(text, kField);
  EXPECT_TRUE(t.ok()) << text << ": " << (t.ok() ? "" : t.error().ToString());
  return t.ok() ? std::move(t).value() : Template::Compile("", kField).value();
}

std::string Plain(std::string_view text, const Contact& c) { return Compiled(text).RenderPlain(c); }

std::string Json(std::string_view text, const Contact& c) {
  std::string out;
  Compiled(text).AppendJson(out, c);
  return out;
}

std::string CompileError(std::string_view text) {
  Result<Template> t = Template::Compile(text, kField);
  if (t.ok()) return "compiled";
  EXPECT_EQ(t.error().code, ErrorCode::kInvalidArgument);
  return t.error().ToString();
}

// The JSON rendering, put between quotes and parsed, reads back as the plain rendering.
void ExpectJsonDecodesToPlain(std::string_view text, const Contact& c) {
  const std::string json = "\"" + Json(text, c) + "\"";
  boost::system::error_code ec;
  const boost::json::value v = boost::json::parse(json, ec);
  ASSERT_FALSE(ec) << json;
  EXPECT_EQ(std::string(v.as_string()), Plain(text, c)) << text;
}

TEST(Personalize, EveryPlaceholder) {
  const Contact c = Ann();
  EXPECT_EQ(Plain("Hi {{contact.name}}", c), "Hi Ann Lee");
  EXPECT_EQ(Plain("Hi {{contact.first_name}}!", c), "Hi Ann!");
  EXPECT_EQ(Plain("{{contact.locale}}", c), "en_US");
  EXPECT_EQ(Plain("from {{contact.attr.city}}", c), "from Taipei");
  EXPECT_EQ(Plain("{{contact.first_name}} in {{contact.attr.city}}, {{contact.locale}}", c),
            "Ann in Taipei, en_US");
}

TEST(Personalize, TextWithoutPlaceholdersIsCopied) {
  const Template t = Compiled("Sale ends {tonight} }} ok");
  EXPECT_FALSE(t.personalised());
  EXPECT_EQ(t.RenderPlain(Ann()), "Sale ends {tonight} }} ok");
  EXPECT_TRUE(Compiled("{{contact.name}}").personalised());
  EXPECT_EQ(Plain("", Ann()), "");
}

TEST(Personalize, WhitespaceAroundPathBarAndFallback) {
  const Contact c = Ann();
  EXPECT_EQ(Plain("{{ contact.first_name }}", c), "Ann");
  EXPECT_EQ(Plain("{{\tcontact.first_name\t}}", c), "Ann");
  EXPECT_EQ(Plain("{{contact.first_name|\"x\"}}", c), "Ann");
  EXPECT_EQ(Plain("{{  contact.first_name  |  \"x\"  }}", c), "Ann");
}

TEST(Personalize, FallbackOnlyWhenTheValueIsEmptyOrMissing) {
  Contact c = Ann();
  const std::string text = R"(Hi {{contact.first_name | "there"}})";
  EXPECT_EQ(Plain(text, c), "Hi Ann");
  c.first_name = "";
  EXPECT_EQ(Plain(text, c), "Hi there");
  c.first_name = " ";  // a space is a value: only empty means unknown
  EXPECT_EQ(Plain(text, c), "Hi  ");
  EXPECT_EQ(Plain(R"({{contact.attr.nope | "somewhere"}})", c), "somewhere");
  EXPECT_EQ(Plain(R"({{contact.attr.empty | "blank"}})", c), "blank");
  EXPECT_EQ(Plain(R"({{contact.attr.city | "somewhere"}})", c), "Taipei");
}

TEST(Personalize, NoFallbackRendersAnEmptyValueAsNothing) {
  Contact c = Ann();
  c.first_name = "";
  EXPECT_EQ(Plain("Hi {{contact.first_name}}!", c), "Hi !");
  EXPECT_EQ(Plain("[{{contact.attr.nope}}]", c), "[]");
}

TEST(Personalize, FallbackEscapes) {
  Contact c;
  EXPECT_EQ(Plain(R"({{contact.name | "say \"hi\""}})", c), R"(say "hi")");
  EXPECT_EQ(Plain(R"({{contact.name | "back\\slash"}})", c), R"(back\slash)");
  EXPECT_EQ(Plain(R"({{contact.name | "}} and {{contact.name}}"}})", c), "}} and {{contact.name}}");
  EXPECT_EQ(Plain(R"({{contact.name | "朋友"}})", c), "朋友");
  EXPECT_EQ(Json(R"({{contact.name | "say \"hi\"\\"}})", c), R"(say \"hi\"\\)");
}

TEST(Personalize, LiteralBraces) {
  const Contact c = Ann();
  EXPECT_EQ(Plain("{{{{contact.name}}", c), "{{contact.name}}");
  EXPECT_EQ(Plain("{{{{ and {{contact.first_name}}", c), "{{ and Ann");
  EXPECT_EQ(Plain("{{{contact.first_name}}}", c), "{Ann}");
  EXPECT_EQ(Plain("{{{{{contact.first_name}}", c), "{{{contact.first_name}}");
  EXPECT_EQ(Plain("{{{{{{contact.first_name}}", c), "{{Ann");
  EXPECT_EQ(Plain("{ x } }}", c), "{ x } }}");
}

TEST(Personalize, AttributeKinds) {
  Contact c = Ann();
  Time t{};
  ASSERT_TRUE(ParseRfc3339("2026-11-21T09:05:03.007Z", &t));
  c.attributes = {{"at", t},      {"big", 1e21}, {"half", 0.5},  {"int", 42.0},
                  {"neg", -3.25}, {"no", false}, {"tenth", 0.1}, {"yes", true}};
  EXPECT_EQ(Plain("{{contact.attr.int}}", c), "42");
  EXPECT_EQ(Plain("{{contact.attr.half}}", c), "0.5");
  EXPECT_EQ(Plain("{{contact.attr.tenth}}", c), "0.1");  // the shortest round trip
  EXPECT_EQ(Plain("{{contact.attr.neg}}", c), "-3.25");
  EXPECT_EQ(Plain("{{contact.attr.big}}", c), "1e+21");
  EXPECT_EQ(Plain("{{contact.attr.yes}}", c), "true");
  // false is a value, not an empty one: the fallback is not used.
  EXPECT_EQ(Plain(R"({{contact.attr.no | "unknown"}})", c), "false");
  EXPECT_EQ(Plain("{{contact.attr.at}}", c), "2026-11-21T09:05:03.007Z");
  EXPECT_EQ(Plain("{{contact.attr.at}}", c), FormatRfc3339(t));
}

TEST(Personalize, TimesMatchFormatRfc3339AcrossTheRange) {
  const char* samples[] = {"1970-01-01T00:00:00.000Z", "1969-12-31T23:59:59.999Z",
                           "2000-02-29T12:34:56.789Z", "9999-12-31T23:59:59.999Z",
                           "0001-01-01T00:00:00.000Z"};
  for (const char* s : samples) {
    Time t{};
    ASSERT_TRUE(ParseRfc3339(s, &t)) << s;
    Contact c;
    c.attributes = {{"t", t}};
    EXPECT_EQ(Plain("{{contact.attr.t}}", c), FormatRfc3339(t)) << s;
    EXPECT_EQ(Plain("{{contact.attr.t}}", c), s);
  }
}

TEST(Personalize, AttributeKeysAreCaseSensitiveAndExact) {
  const Contact c = Ann();
  EXPECT_EQ(Plain(R"({{contact.attr.City | "-"}})", c), "-");
  EXPECT_EQ(Plain(R"({{contact.attr.cit | "-"}})", c), "-");
  const std::string key64(64, 'k');
  Contact d;
  d.attributes = {{key64, std::string("long")}};
  EXPECT_EQ(Plain("{{contact.attr." + key64 + "}}", d), "long");
}

TEST(Personalize, EscapingKeepsTheJsonValid) {
  Contact c = Ann();
  const std::string text = R"(Hi {{contact.name}}, {{contact.attr.note | "-"}})";
  const std::string names[] = {
      R"(Ann "The" \Boss\)",       "line\nbreak\ttab\x01\x1f",
      "sep\u2028para\u2029end",    "\"}},\"messaging_type\":\"MESSAGE_TAG",
      "<script>alert(1)</script>", "陳大文 Nguyễn 😀",
  };
  for (const std::string& name : names) {
    c.name = name;
    c.attributes = {{"note", name}};
    ExpectJsonDecodesToPlain(text, c);
    EXPECT_EQ(Plain(text, c), "Hi " + name + ", " + name) << name;
  }
  c.name = R"(a"b\c)";
  EXPECT_EQ(Json("{{contact.name}}", c), R"(a\"b\\c)");
  c.name = "x\ny";
  EXPECT_EQ(Json("{{contact.name}}", c), R"(x\ny)");
  c.name = "x\u2028y";
  EXPECT_EQ(Json("{{contact.name}}", c), R"(x\u2028y)");
}

TEST(Personalize, AnyBytesInAValueKeepTheJsonValid) {
  // Seeded random names drawn from the bytes that matter: JSON and template syntax, control
  // characters, the lead bytes of U+2028, and bytes that are never valid UTF-8.
  const std::string alphabet = std::string("\"\\{}|<>/ a\x00\x01\n\x1f\x7f", 15) +
                               "\xE2\x80\xA8\xC3\xA9\xF0\x9F\x98\x80\xFF\xC0\xED\xA0";
  std::mt19937 rng(20261121);
  std::uniform_int_distribution<std::size_t> pick(0, alphabet.size() - 1);
  std::uniform_int_distribution<int> length(0, 24);
  Contact c = Ann();
  for (int round = 0; round < 2000; ++round) {
    std::string name;
    for (int k = length(rng); k > 0; --k) name.push_back(alphabet[pick(rng)]);
    c.name = name;
    c.attributes = {{"city", name}};
    ExpectJsonDecodesToPlain(R"(<{{contact.name}}|{{contact.attr.city | "x"}}>)", c);
    if (HasFailure()) break;
  }
}

TEST(Personalize, MarkupInANameStaysText) {
  Contact c = Ann();
  c.name = "<script>alert('x')</script><b>";
  EXPECT_EQ(Plain("Hi {{contact.name}}", c), "Hi <script>alert('x')</script><b>");
  EXPECT_EQ(Json("Hi {{contact.name}}", c), "Hi <script>alert('x')</script><b>");
}

TEST(Personalize, InvalidUtf8InAValueBecomesReplacementCharacters) {
  Contact c = Ann();
  c.name = "An\xFFn\xC3";
  EXPECT_EQ(Plain("{{contact.name}}", c), "An\uFFFDn\uFFFD");
  EXPECT_EQ(Json("{{contact.name}}", c), "An\uFFFDn\uFFFD");
  ExpectJsonDecodesToPlain("{{contact.name}}!", c);
}

TEST(Personalize, AValueIsNeverExpandedAgain) {
  Contact c = Ann();
  c.name = "{{contact.first_name}} {{contact.name}}";
  c.attributes = {{"city", std::string("{{contact.attr.city}}")}};
  EXPECT_EQ(Plain("{{contact.name}} / {{contact.attr.city}}", c),
            "{{contact.first_name}} {{contact.name}} / {{contact.attr.city}}");
}

TEST(Personalize, LengthsCountWhatTheRecipientReads) {
  Contact c = Ann();
  c.first_name = "陳😀";
  std::string out;
  const Template t = Compiled(R"(Hi "{{contact.first_name}}")");
  // H i space " 陳 😀 ": 7 characters, 5 + 3 + 4 bytes, and 😀 is two UTF-16 units.
  EXPECT_EQ(t.AppendJson(out, c), (TextLength{12, 7, 8}));
  EXPECT_EQ(t.AppendPlain(out, c), (TextLength{12, 7, 8}));
  EXPECT_EQ(t.Measure(c), (TextLength{12, 7, 8}));
  c.first_name = "";
  const Template f = Compiled(R"({{contact.first_name | "朋友"}})");
  EXPECT_EQ(f.AppendJson(out, c), (TextLength{6, 2, 2}));
  EXPECT_EQ(f.Measure(c), (TextLength{6, 2, 2}));
  // Invalid UTF-8 in a value is measured as the U+FFFD it becomes.
  c.first_name =
      "a\xFF"
      "b";
  EXPECT_EQ(t.Measure(c), t.AppendPlain(out, c));
}

TEST(Personalize, UnknownPlaceholdersAreErrorsWithTheirPosition) {
  EXPECT_EQ(CompileError("Hello {{contact.nmae}}"),
            R"(messages[0].text: unknown placeholder "contact.nmae" at character 7)");
  EXPECT_EQ(CompileError("陳 {{contact.last_name}}"),
            R"(messages[0].text: unknown placeholder "contact.last_name" at character 3)");
  EXPECT_EQ(CompileError("{{name}}"),
            R"(messages[0].text: unknown placeholder "name" at character 1)");
  EXPECT_EQ(CompileError("{{Contact.Name}}"),
            R"(messages[0].text: unknown placeholder "Contact.Name" at character 1)");
  EXPECT_EQ(CompileError("{{contact.name.}}"),
            R"(messages[0].text: unknown placeholder "contact.name." at character 1)");
  EXPECT_EQ(CompileError("{{contact.name}} {{contact.attr}}"),
            R"(messages[0].text: unknown placeholder "contact.attr" at character 18)");
  // Even with a fallback an unknown placeholder is refused.
  EXPECT_EQ(CompileError(R"({{contact.nmae | "there"}})"),
            R"(messages[0].text: unknown placeholder "contact.nmae" at character 1)");
}

TEST(Personalize, TheClickTokenIsCriersOwnPlaceholder) {
  // A user cannot write it: it exists only where crier rewrote the links.
  EXPECT_EQ(CompileError("go https://x.example/r/{{crier.click}}/0"),
            R"(messages[0].text: unknown placeholder "crier.click" at character 24)");
  auto tracked = Template::Compile("{{contact.first_name}}: https://c.example/r/{{crier.click}}/0",
                                   kField, Syntax::kTracked);
  ASSERT_TRUE(tracked.ok()) << tracked.error().ToString();
  EXPECT_TRUE(tracked->personalised());
  const Contact c = Ann();
  EXPECT_EQ(tracked->RenderPlain(c, "1.h.AbC"), "Ann: https://c.example/r/1.h.AbC/0");
  std::string json;
  const TextLength length = tracked->AppendJson(json, c, "1.h.AbC");
  EXPECT_EQ(json, "Ann: https://c.example/r/1.h.AbC/0");
  EXPECT_EQ(length.bytes, json.size());
  EXPECT_EQ(tracked->Measure(c, "1.h.AbC").bytes, json.size());
  // Without a token (a preview, or the shortest rendering) it renders as nothing.
  EXPECT_EQ(tracked->RenderPlain(c), "Ann: https://c.example/r//0");
  auto unknown = Template::Compile("{{crier.other}}", kField, Syntax::kTracked);
  ASSERT_FALSE(unknown.ok());
  EXPECT_EQ(unknown.error().ToString(),
            R"(messages[0].text: unknown placeholder "crier.other" at character 1)");
}

TEST(Personalize, MalformedPlaceholders) {
  EXPECT_EQ(CompileError("Hi {{contact.name"), R"(messages[0].text: unclosed "{{" at character 4)");
  EXPECT_EQ(CompileError("Hi {{contact.name}"),
            R"(messages[0].text: unclosed "{{" at character 4)");
  EXPECT_EQ(CompileError("Hi {{"), R"(messages[0].text: unclosed "{{" at character 4)");
  EXPECT_EQ(CompileError("Hi {{ }}"), R"(messages[0].text: empty placeholder at character 4)");
  EXPECT_EQ(CompileError("{{contact.name}x}}"),
            R"(messages[0].text: unexpected "}" in a placeholder at character 15)");
  EXPECT_EQ(CompileError("{{contact.name\n}}"),
            R"(messages[0].text: unexpected "U+000A" in a placeholder at character 15)");
  EXPECT_EQ(CompileError("{{contact.name -}}"),
            R"(messages[0].text: unexpected "-" in a placeholder at character 16)");
  EXPECT_EQ(CompileError("{{ é }}"),
            R"(messages[0].text: unexpected "é" in a placeholder at character 4)");
  EXPECT_EQ(CompileError("{{contact.name | there}}"),
            R"(messages[0].text: expected a quoted fallback after '|' at character 18)");
  EXPECT_EQ(CompileError("{{contact.name |}}"),
            R"(messages[0].text: expected a quoted fallback after '|' at character 17)");
  EXPECT_EQ(CompileError("{{contact.name | "), R"(messages[0].text: unclosed "{{" at character 1)");
  EXPECT_EQ(CompileError(R"({{contact.name | "x" "y"}})"),
            R"(messages[0].text: unexpected """ in a placeholder at character 22)");
}

TEST(Personalize, MalformedFallbacks) {
  EXPECT_EQ(CompileError(R"({{contact.name | ""}})"),
            R"(messages[0].text: empty fallback at character 18)");
  EXPECT_EQ(CompileError(R"({{contact.name | "there}})"),
            R"(messages[0].text: unclosed fallback quote at character 18)");
  EXPECT_EQ(CompileError(R"({{contact.name | "there\)"),
            R"(messages[0].text: unclosed fallback quote at character 18)");
  EXPECT_EQ(
      CompileError(R"({{contact.name | "a\nb"}})"),
      R"(messages[0].text: unknown escape "\n" in a fallback (only \" and \\ are allowed) at character 20)");
}

TEST(Personalize, AttributeKeysFollowTheAttributeRules) {
  EXPECT_EQ(
      CompileError("{{contact.attr.}}"),
      R"(messages[0].text: attribute key "" must be 1 to 64 letters, digits or '_' at character 1)");
  EXPECT_EQ(
      CompileError("{{contact.attr.a.b}}"),
      R"(messages[0].text: attribute key "a.b" must be 1 to 64 letters, digits or '_' at character 1)");
  const std::string key64(64, 'k');
  EXPECT_EQ(CompileError("{{contact.attr." + key64 + "}}"), "compiled");
  EXPECT_EQ(CompileError("{{contact.attr." + key64 + "k}}"),
            "messages[0].text: attribute key \"" + key64 +
                "k\" must be 1 to 64 letters, digits or '_' at character 1");
  EXPECT_EQ(CompileError("{{contact.attr.a-b}}"),
            R"(messages[0].text: unexpected "-" in a placeholder at character 17)");
  EXPECT_EQ(CompileError("{{contact.attr.Key_9}}"), "compiled");
}

TEST(Personalize, InvalidUtf8InTheTemplateIsRefused) {
  EXPECT_EQ(CompileError("Hi \xFF"), "messages[0].text: invalid UTF-8 at character 4");
  EXPECT_EQ(CompileError("陳\xC3"), "messages[0].text: invalid UTF-8 at character 2");
}

// --- BodyTemplate ---------------------------------------------------------------------

BodyTemplate MessengerBody(std::string_view text,
                           TextLimit limit = {LengthUnit::kCodePoints, 1999}) {
  return BodyTemplate::Builder()
      .Raw(R"({"recipient":{"id":)")
      .Value(0)
      .Raw(R"(},"messaging_type":)")
      .String("UPDATE")
      .Raw(R"(,"message":{"text":)")
      .Text(Compiled(text), limit)
      .Raw("}}")
      .Build();
}

TEST(BodyTemplate, BuildsTheRequestBody) {
  const BodyTemplate body = MessengerBody(R"(Hi {{contact.first_name | "there"}}!)");
  EXPECT_EQ(body.value_count(), 1u);
  std::string out = "prefix|";
  const std::string_view values[] = {"psid-1"};
  ASSERT_TRUE(body.Render(Ann(), values, out).ok());
  EXPECT_EQ(
      out,
      R"(prefix|{"recipient":{"id":"psid-1"},"messaging_type":"UPDATE","message":{"text":"Hi Ann!"}})");
}

TEST(BodyTemplate, AHostileNameCannotChangeTheBody) {
  const BodyTemplate body = MessengerBody("Hi {{contact.name}}");
  Contact c = Ann();
  c.name = "\"},\"messaging_type\":\"MESSAGE_TAG\",\"tag\":\"X\",\"x\":{\"a\":\"\u2028\xFF";
  std::string out;
  const std::string_view values[] = {"id\"with\\quote"};
  ASSERT_TRUE(body.Render(c, values, out).ok());
  const boost::json::value v = boost::json::parse(out);
  const boost::json::object& o = v.as_object();
  EXPECT_EQ(o.size(), 3u);
  EXPECT_EQ(o.at("messaging_type").as_string(), "UPDATE");
  EXPECT_EQ(o.at("recipient").at("id").as_string(), "id\"with\\quote");
  EXPECT_EQ(std::string(o.at("message").at("text").as_string()),
            Compiled("Hi {{contact.name}}").RenderPlain(c));
}

TEST(BodyTemplate, EqualsABodyBuiltWithADom) {
  const BodyTemplate body =
      MessengerBody(R"({{contact.first_name | "there"}} from {{contact.attr.city}})");
  Contact c = Ann();
  c.first_name = "Zoë \"Z\"";
  std::string out;
  const std::string_view values[] = {"42"};
  ASSERT_TRUE(body.Render(c, values, out).ok());
  boost::json::object expected;
  expected["recipient"] = {{"id", "42"}};
  expected["messaging_type"] = "UPDATE";
  expected["message"] = {{"text", "Zoë \"Z\" from Taipei"}};
  EXPECT_EQ(boost::json::parse(out), boost::json::value(expected));
}

TEST(BodyTemplate, ATextOverItsLimitIsReportedNotCut) {
  // 1,990 characters of literal text plus the name: Messenger's text must be under 2000.
  const std::string text = std::string(1990, 'x') + "{{contact.name}}";
  const BodyTemplate body = MessengerBody(text);
  Contact c = Ann();
  const std::string_view values[] = {"p"};
  std::string out = "kept";

  c.name = "123456789";  // 1,999 characters: at the limit
  ASSERT_TRUE(body.Render(c, values, out).ok());
  out = "kept";
  c.name = "1234567890";  // 2,000: one over
  const Status s = body.Render(c, values, out);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().ToString(),
            "messages[0].text: is 2000 characters for contact 17 once personalised; at most 1999 "
            "characters are allowed");
  EXPECT_EQ(out, "kept");  // nothing half-written
}

TEST(BodyTemplate, LimitsCountInThePlatformsUnit) {
  Contact c = Ann();
  c.name = "😀😀";  // 8 bytes, 2 code points, 4 UTF-16 units
  const std::string_view values[] = {"p"};
  std::string out;
  EXPECT_TRUE(
      MessengerBody("{{contact.name}}", {LengthUnit::kBytes, 8}).Render(c, values, out).ok());
  EXPECT_FALSE(
      MessengerBody("{{contact.name}}", {LengthUnit::kBytes, 7}).Render(c, values, out).ok());
  EXPECT_TRUE(
      MessengerBody("{{contact.name}}", {LengthUnit::kCodePoints, 2}).Render(c, values, out).ok());
  EXPECT_FALSE(
      MessengerBody("{{contact.name}}", {LengthUnit::kCodePoints, 1}).Render(c, values, out).ok());
  EXPECT_TRUE(
      MessengerBody("{{contact.name}}", {LengthUnit::kUtf16Units, 4}).Render(c, values, out).ok());
  const Status s =
      MessengerBody("{{contact.name}}", {LengthUnit::kUtf16Units, 3}).Render(c, values, out);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().message,
            "is 4 UTF-16 code units for contact 17 once personalised; at most 3 UTF-16 code units "
            "are allowed");
}

TEST(BodyTemplate, MissingValuesAreACallersBug) {
  const BodyTemplate body = BodyTemplate::Builder().Value(0).Raw(",").Value(2).Build();
  EXPECT_EQ(body.value_count(), 3u);
  std::string out = "x";
  const std::string_view two[] = {"a", "b"};
  const Status s = body.Render(Ann(), two, out);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().code, ErrorCode::kInternal);
  EXPECT_EQ(out, "x");
  const std::string_view three[] = {"a", "b", "c"};
  ASSERT_TRUE(body.Render(Ann(), three, out).ok());
  EXPECT_EQ(out, R"(x"a","c")");
}

TEST(BodyTemplate, RenderingAgainAllocatesNothingOnceTheBufferHasGrown) {
  const BodyTemplate body =
      MessengerBody(R"(Hi {{contact.first_name | "there"}} {{contact.attr.spend}})");
  const std::string_view values[] = {"psid"};
  std::string out;
  ASSERT_TRUE(body.Render(Ann(), values, out).ok());
  const std::string first = out;
  const char* data = out.data();
  const std::size_t capacity = out.capacity();
  for (int i = 0; i < 100; ++i) {
    out.clear();
    ASSERT_TRUE(body.Render(Ann(), values, out).ok());
  }
  EXPECT_EQ(out, first);
  EXPECT_EQ(out.data(), data);
  EXPECT_EQ(out.capacity(), capacity);
  EXPECT_GE(body.literal_bytes(), std::string_view(R"({"recipient":{"id":)").size());
}

}  // namespace
}  // namespace crier::personalize
