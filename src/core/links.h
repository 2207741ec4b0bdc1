// Links in a broadcast's content (PRODUCT.md G3): found and counted, with the account's
// official-site links told apart from the rest.
#pragma once

#include <cstddef>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/model.h"

namespace crier {

struct Link {
  std::size_t message_index = 0;
  std::string field;  // inside the message: "text", "card.buttons[0].url"
  std::string url;
  bool official = false;  // its host is one of the account's official domains
  friend bool operator==(const Link&, const Link&) = default;
};

// Every http(s) link a recipient can open, in message order: the links written in texts,
// captions, card texts and template text parameters (a link ends at a space or at the
// punctuation that closes a sentence around it), and the URL of every link button. Media URLs
// (a media template header's parameter too) are what the platform fetches, not links, and
// button payloads are never shown: neither is counted. A LINE flex container is sent as
// written: its links are neither counted nor tracked.
std::vector<Link> FindLinks(std::span<const Message> messages,
                            std::span<const std::string> official_domains);

// What a tracked link carries in place of the copy's click token (personalize.h).
inline constexpr std::string_view kClickTokenPlaceholder = "{{crier.click}}";

// The messages as a run that tracks clicks sends them: every link FindLinks finds, numbered
// from 0 in its order, becomes `redirect_base` + "/{{crier.click}}/" + its number, so that a
// recipient's press goes through crier's redirect with their own token. The texts are to be
// compiled with personalize::Syntax::kTracked. `redirect_base` has no braces (it is checked
// where it is configured).
std::vector<Message> WithTrackedLinks(std::span<const Message> messages,
                                      std::string_view redirect_base);

// The lower-cased host of an http(s) URL ("shop.example.com"), or "" when it has none.
std::string HostOf(std::string_view url);

// Whether `url`'s host is one of `domains` or under one ("www.shop.example" is under
// "shop.example"; "evilshop.example" is not).
bool IsOfficial(std::string_view url, std::span<const std::string> domains);

}  // namespace crier
