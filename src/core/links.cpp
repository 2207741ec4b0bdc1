#include "core/links.h"

#include <algorithm>
#include <cctype>

#include "core/message_texts.h"

namespace crier {
namespace {

bool StartsWithScheme(std::string_view s) {
  const auto starts = [&](std::string_view prefix) {
    if (s.size() < prefix.size()) return false;
    for (std::size_t i = 0; i < prefix.size(); ++i) {
      if (std::tolower(static_cast<unsigned char>(s[i])) != prefix[i]) return false;
    }
    return true;
  };
  return starts("https://") || starts("http://");
}

struct Span {
  std::size_t begin = 0;
  std::size_t end = 0;
};

// The links written in `text`: from a scheme to the next space, less the punctuation a
// sentence puts after a link ("see https://a.example/x." ends at "x"). A placeholder inside
// a link is part of it, spaces and all ("https://a.example/?c={{ contact.attr.code }}").
std::vector<Span> LinkSpans(std::string_view text) {
  std::vector<Span> out;
  // Schemes are case-insensitive; lowering ASCII keeps every byte where it was.
  std::string lowered(text);
  std::transform(lowered.begin(), lowered.end(), lowered.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  std::size_t i = 0;
  while (i < text.size()) {
    const std::size_t h = lowered.find("http", i);
    if (h == std::string_view::npos) break;
    if (!StartsWithScheme(text.substr(h)) ||
        (h > 0 && std::isalnum(static_cast<unsigned char>(text[h - 1])))) {
      i = h + 4;
      continue;
    }
    std::size_t end = h;
    std::size_t kept = h;  // the end of the last placeholder: never trimmed as punctuation
    while (end < text.size() && !std::isspace(static_cast<unsigned char>(text[end])) &&
           text[end] != '<' && text[end] != '>' && text[end] != '"') {
      if (text.substr(end, 2) == "{{") {
        const std::size_t close = text.find("}}", end + 2);
        if (close != std::string_view::npos) {
          end = kept = close + 2;
          continue;
        }
      }
      ++end;
    }
    while (end > kept &&
           std::string_view(".,;:!?)]}'").find(text[end - 1]) != std::string_view::npos) {
      --end;
    }
    if (!HostOf(text.substr(h, end - h)).empty()) out.push_back({h, end});
    i = std::max(end, h + 4);
  }
  return out;
}

bool IsUrlField(std::string_view field) {
  return field.size() >= 4 && field.substr(field.size() - 4) == ".url";
}

bool IsPayloadField(std::string_view field) { return field.ends_with(".payload"); }

// Calls fn(field, text) for every text of `message` a person reads a link in, in the order
// links are numbered: the text, a template's text header then body parameters, then the
// media and card texts (ForEachPersonalText). A media header's parameter is the asset's own
// address and a button's payload is never shown: neither holds a link.
template <class M, class F>
void ForEachLinkText(M& message, F&& fn) {
  if (message.kind == MessageKind::kText) fn(std::string("text"), message.text);
  if (message.kind == MessageKind::kTemplate) {
    auto& t = message.template_message;
    if (t.header_kind == TemplateHeaderKind::kText) {
      for (std::size_t p = 0; p < t.header_parameters.size(); ++p) {
        fn("template.header_parameters[" + std::to_string(p) + "]", t.header_parameters[p]);
      }
    }
    for (std::size_t p = 0; p < t.body_parameters.size(); ++p) {
      fn("template.body_parameters[" + std::to_string(p) + "]", t.body_parameters[p]);
    }
  }
  ForEachPersonalText(message, [&](const std::string& field, auto& text) {
    if (!IsPayloadField(field)) fn(field, text);
  });
}

}  // namespace

std::string HostOf(std::string_view url) {
  if (!StartsWithScheme(url)) return {};
  std::string_view rest = url.substr(url.find("://") + 3);
  rest = rest.substr(0, rest.find_first_of("/?#"));
  if (const std::size_t at = rest.rfind('@'); at != std::string_view::npos) {
    rest = rest.substr(at + 1);  // user:password@ is not the host
  }
  if (!rest.empty() && rest.front() != '[') rest = rest.substr(0, rest.find(':'));
  std::string host(rest);
  std::transform(host.begin(), host.end(), host.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  while (!host.empty() && host.back() == '.') host.pop_back();
  return host;
}

bool IsOfficial(std::string_view url, std::span<const std::string> domains) {
  const std::string host = HostOf(url);
  if (host.empty()) return false;
  for (std::string domain : domains) {
    std::transform(domain.begin(), domain.end(), domain.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    if (domain.empty()) continue;
    if (host == domain) return true;
    if (host.size() > domain.size() && host.ends_with(domain) &&
        host[host.size() - domain.size() - 1] == '.') {
      return true;
    }
  }
  return false;
}

std::vector<Link> FindLinks(std::span<const Message> messages,
                            std::span<const std::string> official_domains) {
  std::vector<Link> out;
  for (std::size_t i = 0; i < messages.size(); ++i) {
    ForEachLinkText(messages[i], [&](const std::string& field, const std::string& text) {
      if (IsUrlField(field)) {
        out.push_back({i, field, text, false});
        return;
      }
      for (const Span& span : LinkSpans(text)) {
        out.push_back({i, field, text.substr(span.begin, span.end - span.begin), false});
      }
    });
  }
  for (Link& link : out) link.official = IsOfficial(link.url, official_domains);
  return out;
}

std::vector<Message> WithTrackedLinks(std::span<const Message> messages,
                                      std::string_view redirect_base) {
  std::vector<Message> out(messages.begin(), messages.end());
  std::size_t index = 0;
  const auto tracked = [&] {
    return std::string(redirect_base) + "/" + std::string(kClickTokenPlaceholder) + "/" +
           std::to_string(index++);
  };
  for (Message& message : out) {
    ForEachLinkText(message, [&](const std::string& field, std::string& text) {
      if (IsUrlField(field)) {
        text = tracked();
        return;
      }
      const std::vector<Span> spans = LinkSpans(text);
      if (spans.empty()) return;
      std::string rewritten;
      std::size_t at = 0;
      for (const Span& span : spans) {
        rewritten.append(text, at, span.begin - at);
        rewritten.append(tracked());
        at = span.end;
      }
      rewritten.append(text, at);
      text = std::move(rewritten);
    });
  }
  return out;
}

}  // namespace crier
