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
#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/model.h"
#include "core/personalize.h"
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

// What a check leaves to render time when some of a message's texts are only known per
// recipient (personalised: channels/content.h), so that each copy's texts can be checked
// without building the copy.
struct DeferredCheck {
  // In: the texts known per recipient, by their field in the message ("card.elements[1].title",
  // the paths of ForEachPersonalText) with the text written there.
  std::map<std::string, std::string> texts;
  // Out: every length limit the platform sets on one of them; `field` is the full path
  // ("messages[0].card.elements[1].title").
  struct Limit {
    std::string field;
    personalize::TextLimit limit;
  };
  std::vector<Limit> limits;
  // Out: false when a rule looks at one of the texts other than by its length (WhatsApp's
  // unique reply titles and ids compare them): no recipient's copy can be judged by lengths.
  bool exact = true;
};

// CheckMessageFor, except that the texts `deferred` names are not measured: their length
// limits are collected into `deferred` instead. Every other rule (counts, a field that must
// be empty, one that must be set) is applied to the message as it is: a copy whose texts are
// each non-empty when the message's are passes exactly when this passes and its texts are
// within `deferred->limits`, provided `deferred->exact`. With no `deferred`, CheckMessageFor.
Status CheckMessageDeferring(Platform platform, const Message& message, std::size_t index,
                             DeferredCheck* deferred);

// Checks a broadcast's messages: 1 to 5, a bot card alone (A5), each by CheckMessageFor.
Status CheckMessagesFor(Platform platform, std::span<const Message> messages);

// What the Messenger Marketing Message API takes beyond the Send API (platforms.md 2.3): link
// (web_url) buttons only, at most 3, and no quick replies. Checked when a broadcast plans that
// route, since a copy may go by it once the window has closed.
Status CheckMarketingMessageApiContent(std::span<const Message> messages);

}  // namespace crier::channels
