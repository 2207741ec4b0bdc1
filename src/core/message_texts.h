// The texts of a message a recipient reads or follows, visited in one fixed order, so that a
// message's placeholders can be compiled once per run and filled per recipient into a copy
// (channels/content.h) whatever the message's kind.
#pragma once

#include <string>
#include <type_traits>

#include "core/model.h"

namespace crier {

// Calls fn(field, text) for each personalisable text of `message` (a Message or const
// Message), with the field's path inside the message ("media.caption",
// "card.elements[1].buttons[0].url"). Media URLs, images and a flex container are fixed:
// they are assets, not words. Text and template parameters have their own compiled forms and
// are not visited.
template <class M, class F>
requires std::is_same_v<std::remove_const_t<M>, Message>
void ForEachPersonalText(M& message, F&& fn) {
  const auto at = [](const std::string& base, std::size_t i) {
    return base + "[" + std::to_string(i) + "]";
  };
  const auto buttons = [&](auto& list, const std::string& base) {
    for (std::size_t i = 0; i < list.size(); ++i) {
      fn(at(base, i) + ".title", list[i].title);
      if (!list[i].url.empty()) fn(at(base, i) + ".url", list[i].url);
      if (!list[i].payload.empty()) fn(at(base, i) + ".payload", list[i].payload);
    }
  };
  switch (message.kind) {
    case MessageKind::kText:
    case MessageKind::kTemplate:
      return;
    case MessageKind::kImage:
    case MessageKind::kVideo:
    case MessageKind::kAudio:
    case MessageKind::kFile:
      if (!message.media.caption.empty()) fn(std::string("media.caption"), message.media.caption);
      if (!message.media.filename.empty()) {
        fn(std::string("media.filename"), message.media.filename);
      }
      return;
    case MessageKind::kCard: {
      auto& card = message.card;
      if (!card.text.empty()) fn(std::string("card.text"), card.text);
      if (!card.title.empty()) fn(std::string("card.title"), card.title);
      if (!card.footer.empty()) fn(std::string("card.footer"), card.footer);
      if (!card.alt_text.empty()) fn(std::string("card.alt_text"), card.alt_text);
      buttons(card.buttons, "card.buttons");
      for (std::size_t i = 0; i < card.elements.size(); ++i) {
        const std::string base = at("card.elements", i);
        fn(base + ".title", card.elements[i].title);
        if (!card.elements[i].subtitle.empty()) fn(base + ".subtitle", card.elements[i].subtitle);
        buttons(card.elements[i].buttons, base + ".buttons");
      }
      if (!card.list_button.empty()) fn(std::string("card.list_button"), card.list_button);
      for (std::size_t i = 0; i < card.sections.size(); ++i) {
        const std::string base = at("card.sections", i);
        if (!card.sections[i].title.empty()) fn(base + ".title", card.sections[i].title);
        for (std::size_t j = 0; j < card.sections[i].rows.size(); ++j) {
          auto& row = card.sections[i].rows[j];
          fn(at(base + ".rows", j) + ".title", row.title);
          if (!row.description.empty()) fn(at(base + ".rows", j) + ".description", row.description);
        }
      }
      return;
    }
  }
}

}  // namespace crier
