// What of a broadcast's content the promotional-content guard reads, and how each piece is
// named. The guard itself knows only text fields (core/promo_guard.h); this is the one place
// that walks the content model, so new kinds of content (buttons, cards, templates) are
// checked by adding their text here: "message 1 button 2 title", "message 3 element 2
// subtitle", "message 1 button 2 url". Pure.
#pragma once

#include <span>
#include <vector>

#include "core/model.h"
#include "core/promo_guard.h"

namespace crier::guard {

// One field per piece of text, in message order; locations count from 1 ("message 2 text"),
// paths are the API's JSON paths ("messages[1].text").
std::vector<TextField> TextFieldsOf(std::span<const Message> messages);

}  // namespace crier::guard
