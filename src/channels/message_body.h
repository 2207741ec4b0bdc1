// A personalised media or card message rendered per recipient straight into its request
// (PRODUCT.md D1).
//
// Filling a copy of the message (Personalise), checking the copy against every platform rule
// (CheckRendered) and building it costs a few microseconds per recipient, almost all of it in
// copying and re-reading the message. Instead, once per run, the adapter writes the message
// with each personalised text replaced by a unique stencil string; the JSON is split at those
// strings into a body template (literal JSON, then a text, then literal JSON ...), and each
// text gets the limits composition sets on its field. A copy is then the literal pieces and
// its texts appended into one buffer, each text checked against its limits on the way.
//
// The adapter decides the JSON, so the fast path is exact only where the adapter writes each
// text as a whole JSON string and decides nothing else from it; a message where that does not
// hold (a stencil string missing, cut or written twice as part of something else) has no
// MessageBody and every copy goes the old way. The adapters do branch on whether a text is
// empty (an empty subtitle is left out; LINE's alt text falls back to the card's text), and
// so do the rules, so a copy in which a text that may render empty does render empty goes
// the old way too.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "channels/adapter.h"
#include "core/model.h"
#include "core/personalize.h"
#include "core/result.h"

namespace crier::channels {

// Immutable once compiled; Render may be called from any number of threads.
class MessageBody {
 public:
  // The `index`th message of a broadcast, compiled for `adapter` from its texts compiled once
  // per run (`content`). nullopt when copies cannot be rendered exactly this way and go by
  // Personalise: nothing is personalised (the message goes as written), a text or template
  // message (their texts are rendered by the adapter already), a text the adapter does not
  // write as a whole JSON string of its own, a rule that compares personalised texts with each
  // other (WhatsApp's unique reply titles), a text limited in two different units, or a
  // message the platform refuses whatever its texts say (each copy then fails by
  // CheckRendered with the reason).
  static std::optional<MessageBody> Compile(const ChannelAdapter& adapter, const Message& message,
                                            const CompiledMessage& content, std::size_t index);

  // Appends the message's JSON (ChannelAdapter::AppendMessageJson) as `contact` gets it with
  // `click` as the copy's click token, and returns true. Returns false, appending nothing,
  // when a text that may render empty does so for `contact`: that copy goes by Personalise.
  // Fails, leaving `out` as it was, when a text is over a limit of the platform's:
  // kInvalidArgument on the text's field ("messages[0].card.elements[1].title") naming the
  // contact, the length and the limit.
  Result<bool> Render(const Contact& contact, std::string_view click, std::string& out) const;

  // The bytes of literal JSON in one copy: a floor for reserving output.
  std::size_t literal_bytes() const { return body_.literal_bytes(); }

 private:
  explicit MessageBody(personalize::BodyTemplate body) : body_(std::move(body)) {}

  personalize::BodyTemplate body_;
  // The personalised texts whose every piece is a placeholder without a fallback: empty for
  // a contact without those values.
  std::vector<personalize::Template> may_be_empty_;
};

// The request that sends `message`, the `index`th of its broadcast, to `recipient`,
// personalised for recipient.contact with recipient.click_token: rendered by `body` when it is
// given and holds for the contact, else filled into a copy (Personalise), checked
// (CheckRendered) and built, as `adapter` builds any message. Fails, for this copy only, with
// kInvalidArgument naming the field and the contact when a filled text breaks a limit of the
// platform's. `scratch` is a buffer reused from call to call.
Result<OutboundRequest> BuildPersonalSend(const ChannelAdapter& adapter,
                                          const ChannelAccount& account,
                                          const RecipientRef& recipient, SendContext context,
                                          const Message& message, const CompiledMessage& content,
                                          const MessageBody* body, std::size_t index,
                                          std::string& scratch);

}  // namespace crier::channels
