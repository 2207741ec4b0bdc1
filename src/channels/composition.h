// What each platform takes (PRODUCT.md A5, platforms.md 1.5, 3, 4.4, 5.3): which message kinds
// and card layouts, and every limit on their texts, buttons, elements and URLs. One place, so
// the API refuses before anything is queued exactly what the adapters could not send, and the
// dispatcher checks a personalised copy by the same rules.
//
// The channel matrix:
//
//   kind / layout      Messenger  Instagram  WhatsApp  LINE
//   text                  yes        yes        yes     yes
//   template              yes         -         yes      -     (A1 utility, A3)
//   image                 yes        yes        yes     yes
//   video                 yes         -         yes     yes
//   audio                 yes         -         yes     yes
//   file                  yes         -         yes      -
//   card buttons          yes         -         yes     yes
//   card carousel         yes        yes         -      yes
//   card quick_replies    yes        yes         -      yes
//   card list              -          -         yes      -
//   card flex              -          -          -      yes
//
// Instagram takes text and images only (A5: no video or files), carousels and quick replies
// (platforms.md 3). A text a platform would not show (a caption on Messenger, a footer on
// LINE) is refused rather than silently dropped; a hint only another platform needs (a video's
// preview image, an audio clip's length) is left out of the request.
#pragma once

#include <cstddef>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "core/model.h"
#include "core/result.h"

namespace crier::channels {

// The payload a button carries on the wire: the postback's own, or crier's reserved one for
// subscribe and unsubscribe (core/templates.h: kSubscribePayload, kUnsubscribePayload, read
// back by ButtonIntentOf when the press comes in, G2); "" for a URL button.
std::string_view PayloadOf(const Button& button);

// Why `platform` cannot carry this kind of message at all (A5), or nullopt when it can.
std::optional<std::string> Unsupported(Platform platform, const Message& message);

// Checks one message, the `index`th of its broadcast, against everything `platform` allows:
// kInvalidArgument naming "messages[index].<field>" and the limit otherwise.
Status CheckMessageFor(Platform platform, const Message& message, std::size_t index);

// Checks a broadcast's messages: 1 to 5, a bot card alone (A5), each by CheckMessageFor.
Status CheckMessagesFor(Platform platform, std::span<const Message> messages);

// What the Messenger Marketing Message API takes beyond the Send API (platforms.md 2.3): link
// (web_url) buttons only, at most 3, and no quick replies. Checked when a broadcast plans that
// route, since a copy may go by it once the window has closed.
Status CheckMarketingMessageApiContent(std::span<const Message> messages);

}  // namespace crier::channels
