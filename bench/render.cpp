// crier-render: the cost of a personalised request body per recipient (issue 5, D1).
//
// A Messenger body whose text has two contact placeholders (one with a fallback) and an
// attribute, rendered for 1,000,000 generated contacts three ways:
//
//  - compiled:  core/personalize's BodyTemplate, compiled once, appended into one reused
//               buffer (what the send path is meant to use; the floor is <= 1 us/recipient);
//  - naive:     the baseline: per recipient, substitute the placeholders in a copy of the
//               text, build a boost::json tree of the body and serialise it;
//  - dom_body:  the compiled text, but the body still built as a boost::json tree, to show
//               which half of the difference the tree costs;
//  - card:      a personalised Messenger carousel (3 cards, a personalised title, subtitle
//               and link button each) as the dispatcher sends it (channels::BuildPersonalSend):
//               the card's JSON compiled once (channels::MessageBody), each copy's texts
//               rendered into it and checked against their limits, the request built around it;
//  - card_copy: the path before, still taken by copies the compiled JSON cannot render
//               exactly: the texts filled into a copy of the message, the copy checked against
//               every rule (channels::CheckRendered), then built by the adapter;
//  - card_naive: its baseline: the same card substituted per recipient and built as a tree.
//
// Contacts are generated deterministically in chunks of 10,000 outside the timed region (as
// the dispatcher reads them in batches), with names in several scripts, 10 % without a first
// name (the fallback), 5 % without a city, and 1 % with quotes, backslashes or U+2028 that
// must be escaped. Each repetition renders all 1,000,000; CPU time is the figure to read on a
// shared machine. The summary prints the median ns per recipient of each and the ratio.
//
//   crier-render [--benchmark_repetitions=5]
#include <benchmark/benchmark.h>

#include <algorithm>
#include <boost/json.hpp>
#include <cstdint>
#include <cstdio>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "channels/message_body.h"
#include "channels/messenger_adapter.h"
#include "core/personalize.h"

using namespace crier;

namespace {

constexpr std::size_t kRecipients = 1'000'000;
constexpr std::size_t kChunk = 10'000;

constexpr std::string_view kText =
    R"(Hi {{contact.first_name | "there"}}, the order for {{contact.name}} is ready at our )"
    R"({{contact.attr.city}} store. Show this message at the counter before Sunday 18:00.)";

// SplitMix64: a fixed sequence per contact id, so every method renders the same contacts.
std::uint64_t Mix(std::uint64_t x) {
  x += 0x9E3779B97F4A7C15ull;
  x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ull;
  x = (x ^ (x >> 27)) * 0x94D049BB133111EBull;
  return x ^ (x >> 31);
}

const char* const kFirstNames[] = {"Ann",   "陳",     "Minh",   "Somchai", "Budi", "Zoë",
                                   "Marie", "Nguyễn", "Sakura", "Wei",     "José", "Aisha"};
const char* const kLastNames[] = {"Lee",    "大文",    "Tran",   "Srisuk", "Santoso", "Müller",
                                  "Dubois", "Thị Lan", "Tanaka", "Zhang",  "García",  "Khan"};
const char* const kCities[] = {"Taipei", "Hà Nội",    "Bangkok",  "Jakarta",    "台中",
                               "Osaka",  "Kaohsiung", "Surabaya", "Chiang Mai", "Đà Nẵng"};
const char* const kHostile[] = {R"(Ann "The Boss")", R"(back\slash)", "line\u2028sep",
                                "<script>x</script>"};

void Generate(std::size_t first_id, std::vector<Contact>& out, std::vector<std::string>& psids) {
  out.resize(kChunk);
  psids.resize(kChunk);
  for (std::size_t k = 0; k < kChunk; ++k) {
    const std::uint64_t id = first_id + k;
    const std::uint64_t r = Mix(id);
    Contact& c = out[k];
    c.id = static_cast<Id>(id);
    c.first_name = kFirstNames[r % std::size(kFirstNames)];
    c.name = c.first_name + " " + kLastNames[(r >> 8) % std::size(kLastNames)];
    if ((r >> 16) % 100 < 10) c.first_name.clear();
    if ((r >> 24) % 100 == 0) c.name = kHostile[(r >> 32) % std::size(kHostile)];
    c.attributes.clear();
    if ((r >> 40) % 100 >= 5) {
      c.attributes.push_back({"city", std::string(kCities[(r >> 48) % std::size(kCities)])});
    }
    c.attributes.push_back({"visits", static_cast<double>((r >> 56) % 40)});
    psids[k] = std::to_string(6'000'000'000'000'000ull + id);  // 16 digits, like a PSID
  }
}

// Runs `render(contact, psid, out)` for every recipient, generating chunks untimed.
template <class Render>
void RenderAll(benchmark::State& state, Render render) {
  std::vector<Contact> contacts;
  std::vector<std::string> psids;
  std::string out;
  std::size_t bytes = 0;
  for (auto _ : state) {
    for (std::size_t first = 0; first < kRecipients; first += kChunk) {
      state.PauseTiming();
      Generate(first, contacts, psids);
      state.ResumeTiming();
      for (std::size_t k = 0; k < kChunk; ++k) {
        out.clear();
        render(contacts[k], psids[k], out);
        bytes += out.size();
        benchmark::DoNotOptimize(out.data());
      }
    }
  }
  state.counters["per_recipient"] = benchmark::Counter(
      static_cast<double>(kRecipients),
      benchmark::Counter::kIsIterationInvariantRate | benchmark::Counter::kInvert);
  state.counters["body_bytes"] = static_cast<double>(bytes) / kRecipients / state.iterations();
}

personalize::Template CompileText() {
  auto t = personalize::Template::Compile(kText, "messages[0].text");
  if (!t.ok()) {
    std::fprintf(stderr, "crier-render: %s\n", t.error().ToString().c_str());
    std::exit(1);
  }
  return std::move(t).value();
}

void Compiled(benchmark::State& state) {
  const personalize::BodyTemplate body =
      personalize::BodyTemplate::Builder()
          .Raw(R"({"recipient":{"id":)")
          .Value(0)
          .Raw(R"(},"messaging_type":"UPDATE","message":{"text":)")
          .Text(CompileText(), {personalize::LengthUnit::kCodePoints, 1999})
          .Raw("}}")
          .Build();
  RenderAll(state, [&body](const Contact& c, const std::string& psid, std::string& out) {
    const std::string_view values[] = {psid};
    const Status s = body.Render(c, values, out);
    if (!s.ok()) std::abort();  // the generated texts are far below the limit
  });
}

// What code without a template compiler does: find each placeholder in a copy of the text
// and replace it with the escaped-by-the-DOM value.
std::string Substitute(const Contact& c) {
  std::string text(kText);
  const auto replace = [&text](std::string_view placeholder, std::string_view value) {
    const std::size_t at = text.find(placeholder);
    if (at != std::string::npos) text.replace(at, placeholder.size(), value);
  };
  replace(R"({{contact.first_name | "there"}})",
          c.first_name.empty() ? std::string_view("there") : std::string_view(c.first_name));
  replace("{{contact.name}}", c.name);
  std::string_view city;
  for (const Attribute& a : c.attributes) {
    if (a.key == "city") city = std::get<std::string>(a.value);
  }
  replace("{{contact.attr.city}}", city);
  return text;
}

void DomBody(const std::string& psid, std::string_view text, std::string& out) {
  boost::json::object body;
  body["recipient"] = boost::json::object{{"id", psid}};
  body["messaging_type"] = "UPDATE";
  body["message"] = boost::json::object{{"text", text}};
  out.append(boost::json::serialize(body));
}

void Naive(benchmark::State& state) {
  RenderAll(state, [](const Contact& c, const std::string& psid, std::string& out) {
    DomBody(psid, Substitute(c), out);
  });
}

void CompiledTextDomBody(benchmark::State& state) {
  const personalize::Template text = CompileText();
  RenderAll(state, [&text](const Contact& c, const std::string& psid, std::string& out) {
    DomBody(psid, text.RenderPlain(c), out);
  });
}

// A carousel of three cards, each with a personalised title and a personalised link button.
Message CarouselCard() {
  Message m;
  m.kind = MessageKind::kCard;
  m.card.layout = CardLayout::kCarousel;
  for (const char* product : {"Linen shirt", "Canvas tote", "Wool scarf"}) {
    CardElement e;
    e.title = std::string(R"({{contact.first_name | "Hi"}}, our )") + product;
    e.subtitle = "New this week at the {{contact.attr.city}} store";
    e.image_url = "https://cdn.example/p.jpg";
    e.buttons = {
        {ButtonAction::kUrl, "Shop", "https://shop.example/p?ref={{contact.attr.city}}", ""},
        {ButtonAction::kPostback, "Ask us", "", "ASK_PRODUCT"}};
    m.card.elements.push_back(std::move(e));
  }
  return m;
}

// The carousel sent to every recipient by BuildPersonalSend, with the compiled JSON (`fast`,
// what the dispatcher does) or without it (the copy path).
void SendCard(benchmark::State& state, bool fast) {
  const Message card = CarouselCard();
  auto compiled = channels::CompileMessage(Platform::kMessenger, card, 0);
  if (!compiled.ok()) std::abort();
  const channels::MessengerAdapter adapter(Platform::kMessenger);
  const std::optional<channels::MessageBody> body =
      channels::MessageBody::Compile(adapter, card, *compiled, 0);
  if (fast && !body) std::abort();
  ChannelAccount account;
  account.external_id = "1001";
  account.access_token = "token";
  account.api_base_url = "https://graph.facebook.com";
  account.api_version = "v23.0";
  channels::SendContext context;
  context.route.kind = RouteKind::kStandardWindow;
  context.route.messaging_type = "UPDATE";
  std::string scratch;
  RenderAll(state, [&](const Contact& c, const std::string& psid, std::string& out) {
    channels::RecipientRef recipient;
    recipient.platform_user_id = psid;
    recipient.contact = &c;
    auto request = channels::BuildPersonalSend(adapter, account, recipient, context, card,
                                               *compiled, fast ? &*body : nullptr, 0, scratch);
    if (!request.ok()) std::abort();  // the generated texts are far below the limits
    out.append(request->body);
  });
}

void Card(benchmark::State& state) { SendCard(state, true); }
void CardCopy(benchmark::State& state) { SendCard(state, false); }

// The card the way code without compiled content builds it: substitute every text of a copy,
// then build the body as a tree.
void CardNaive(benchmark::State& state) {
  const Message card = CarouselCard();
  RenderAll(state, [&card](const Contact& c, const std::string& psid, std::string& out) {
    const auto fill = [&c](std::string text) {
      const auto replace = [&text](std::string_view placeholder, std::string_view value) {
        const std::size_t at = text.find(placeholder);
        if (at != std::string::npos) text.replace(at, placeholder.size(), value);
      };
      replace(R"({{contact.first_name | "Hi"}})",
              c.first_name.empty() ? std::string_view("Hi") : std::string_view(c.first_name));
      std::string_view city;
      for (const Attribute& a : c.attributes) {
        if (a.key == "city") city = std::get<std::string>(a.value);
      }
      replace("{{contact.attr.city}}", city);
      return text;
    };
    boost::json::array elements;
    for (const CardElement& e : card.card.elements) {
      boost::json::array buttons;
      for (const Button& b : e.buttons) {
        if (b.action == ButtonAction::kUrl) {
          buttons.push_back({{"type", "web_url"}, {"url", fill(b.url)}, {"title", fill(b.title)}});
        } else {
          buttons.push_back(
              {{"type", "postback"}, {"title", fill(b.title)}, {"payload", fill(b.payload)}});
        }
      }
      elements.push_back({{"title", fill(e.title)},
                          {"subtitle", fill(e.subtitle)},
                          {"image_url", e.image_url},
                          {"buttons", std::move(buttons)}});
    }
    boost::json::object body;
    body["recipient"] = boost::json::object{{"id", psid}};
    body["messaging_type"] = "UPDATE";
    body["message"] = boost::json::object{
        {"attachment",
         {{"type", "template"},
          {"payload", {{"template_type", "generic"}, {"elements", std::move(elements)}}}}}};
    out.append(boost::json::serialize(body));
  });
}

// One iteration is the whole million; the repetitions give the median.
BENCHMARK(Compiled)->Name("compiled")->Iterations(1)->Unit(benchmark::kMillisecond);
BENCHMARK(Naive)->Name("naive")->Iterations(1)->Unit(benchmark::kMillisecond);
BENCHMARK(CompiledTextDomBody)->Name("dom_body")->Iterations(1)->Unit(benchmark::kMillisecond);
BENCHMARK(Card)->Name("card")->Iterations(1)->Unit(benchmark::kMillisecond);
BENCHMARK(CardCopy)->Name("card_copy")->Iterations(1)->Unit(benchmark::kMillisecond);
BENCHMARK(CardNaive)->Name("card_naive")->Iterations(1)->Unit(benchmark::kMillisecond);

// Prints the usual table, and keeps each benchmark's median CPU time for the summary.
class Reporter : public benchmark::ConsoleReporter {
 public:
  // Without colours: the output is meant to be pasted into docs/BENCHMARKS.md.
  Reporter() : ConsoleReporter(OO_Tabular) {}
  void ReportRuns(const std::vector<Run>& runs) override {
    ConsoleReporter::ReportRuns(runs);
    for (const Run& run : runs) {
      const bool median = run.run_type == Run::RT_Aggregate && run.aggregate_name == "median";
      const bool single = run.run_type == Run::RT_Iteration && run.repetitions <= 1;
      if (!median && !single) continue;
      // One iteration renders every recipient: CPU time per iteration / recipients.
      const double seconds = run.cpu_accumulated_time / static_cast<double>(run.iterations);
      medians_[run.run_name.function_name] = seconds / kRecipients * 1e9;
    }
  }
  const std::map<std::string, double>& medians() const { return medians_; }

 private:
  std::map<std::string, double> medians_;
};

}  // namespace

int main(int argc, char** argv) {
  std::vector<char*> args(argv, argv + argc);
  // Five repetitions by default; a --benchmark_repetitions given on the command line comes
  // later and wins.
  std::string repetitions = "--benchmark_repetitions=5";
  std::string aggregates = "--benchmark_report_aggregates_only=true";
  args.insert(args.begin() + 1, {repetitions.data(), aggregates.data()});
  int n = static_cast<int>(args.size());
  benchmark::Initialize(&n, args.data());
  if (benchmark::ReportUnrecognizedArguments(n, args.data())) return 1;

  Reporter reporter;
  benchmark::RunSpecifiedBenchmarks(&reporter);
  benchmark::Shutdown();

  const auto& m = reporter.medians();
  const auto at = [&m](const char* name) {
    const auto it = m.find(name);
    return it == m.end() ? 0.0 : it->second;
  };
  const double compiled = at("compiled"), naive = at("naive"), dom = at("dom_body");
  std::printf("\nmedian CPU ns per recipient over %zu recipients:\n", kRecipients);
  if (compiled > 0) std::printf("  compiled body template  %8.1f ns\n", compiled);
  if (dom > 0) std::printf("  compiled text, DOM body %8.1f ns\n", dom);
  if (naive > 0) std::printf("  naive (substitute, DOM) %8.1f ns\n", naive);
  if (compiled > 0 && naive > 0) {
    std::printf("  ratio naive / compiled  %8.1fx; budget 1000 ns: %s\n", naive / compiled,
                compiled <= 1000 ? "met" : "NOT met");
  }
  const double card = at("card"), card_copy = at("card_copy"), card_naive = at("card_naive");
  if (card > 0) std::printf("  card, compiled JSON     %8.1f ns\n", card);
  if (card_copy > 0) std::printf("  card, filled copy       %8.1f ns\n", card_copy);
  if (card_naive > 0) std::printf("  card, naive DOM         %8.1f ns\n", card_naive);
  if (card > 0 && card_naive > 0) {
    std::printf("  ratio naive / compiled  %8.1fx; budget 1000 ns: %s\n", card_naive / card,
                card <= 1000 ? "met" : "NOT met");
  }
  if (card > 0 && card_copy > 0) {
    std::printf("  ratio copy / compiled   %8.1fx\n", card_copy / card);
  }
  return 0;
}
