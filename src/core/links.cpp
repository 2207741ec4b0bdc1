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

// The links written in `text`: from a scheme to the next space, less the punctuation a
// sentence puts after a link ("see https://a.example/x." ends at "x").
void ScanText(std::size_t index, const std::string& field, std::string_view text,
              std::vector<Link>& out) {
  // Schemes are case-insensitive; lowering ASCII keeps every byte where it was.
  std::string lowered(text);
  std::transform(lowered.begin(), lowered.end(), lowered.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  std::size_t i = 0;
  while (i < text.size()) {
    const std::size_t h = lowered.find("http", i);
    if (h == std::string_view::npos) return;
    if (!StartsWithScheme(text.substr(h)) ||
        (h > 0 && std::isalnum(static_cast<unsigned char>(text[h - 1])))) {
      i = h + 4;
      continue;
    }
    std::size_t end = h;
    while (end < text.size() && !std::isspace(static_cast<unsigned char>(text[end])) &&
           text[end] != '<' && text[end] != '>' && text[end] != '"') {
      ++end;
    }
    while (end > h &&
           std::string_view(".,;:!?)]}'").find(text[end - 1]) != std::string_view::npos) {
      --end;
    }
    const std::string_view url = text.substr(h, end - h);
    if (!HostOf(url).empty()) out.push_back({index, field, std::string(url), false});
    i = std::max(end, h + 4);
  }
}

bool IsUrlField(std::string_view field) {
  return field.size() >= 4 && field.substr(field.size() - 4) == ".url";
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
    const Message& m = messages[i];
    if (m.kind == MessageKind::kText) ScanText(i, "text", m.text, out);
    if (m.kind == MessageKind::kTemplate) {
      const auto& t = m.template_message;
      for (std::size_t p = 0; p < t.header_parameters.size(); ++p) {
        ScanText(i, "template.header_parameters[" + std::to_string(p) + "]", t.header_parameters[p],
                 out);
      }
      for (std::size_t p = 0; p < t.body_parameters.size(); ++p) {
        ScanText(i, "template.body_parameters[" + std::to_string(p) + "]", t.body_parameters[p],
                 out);
      }
    }
    ForEachPersonalText(m, [&](const std::string& field, const std::string& text) {
      if (IsUrlField(field)) {
        out.push_back({i, field, text, false});
      } else {
        ScanText(i, field, text, out);
      }
    });
  }
  for (Link& link : out) link.official = IsOfficial(link.url, official_domains);
  return out;
}

}  // namespace crier
