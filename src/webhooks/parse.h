// Parsers from a webhook's raw body to core events (values, no IO).
//
// Field names follow the platforms' own documents:
//  - Messenger and Instagram: platforms.md 3 and 6 (from fbsamples/original-coast-clothing
//    and original-coast-clothing-ig `app.js`): `{"object":"page"|"instagram","entry":[{"id",
//    "time","messaging":[{"sender":{"id"},"recipient":{"id"},"timestamp",
//    "postback":{"mid","title","payload"} | "message":{"mid","text","quick_reply":{"payload"},
//    "is_echo"}}]}]}`; timestamps in milliseconds.
//  - WhatsApp: platforms.md 4.8 (facebook/openapi `business-messaging-api_v23.0.yaml`,
//    `WebhookPayload`, `Change`, and its `/whatsapp/webhooks` examples): `{"object":
//    "whatsapp_business_account","entry":[{"id":<WABA>,"changes":[{"field":"messages",
//    "value":{"metadata":{"phone_number_id"},"messages":[{"from","user_id"?,"id","timestamp",
//    "type":"button","button":{"payload","text"}} | {..."type":"interactive","interactive":
//    {"type":"button_reply"|"list_reply","button_reply"|"list_reply":{"id","title"}}}]}}]}]}`;
//    `timestamp` is a string of Unix seconds.
//  - LINE: line/line-openapi `webhook.yml` (`CallbackRequest`, `Event`, `PostbackEvent`,
//    `PostbackContent`, `UserSource`): `{"destination","events":[{"type":"postback",
//    "source":{"type","userId"},"timestamp","webhookEventId","postback":{"data"}}]}`;
//    timestamps in milliseconds.
//
// Only button presses are events so far (J1-J3 grow this); every other event is counted in
// `skipped` and left alone, so a platform adding an event type breaks nothing. What a press
// needs must be there: a missing or mistyped field is kInvalidArgument naming its JSON path
// ("entry[0].messaging[1].sender.id"), and a body with one such event yields no events at all.
//
// Pure functions; thread-safe.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "core/inbound.h"
#include "core/model.h"
#include "core/result.h"

namespace crier::webhooks {

struct ParsedWebhook {
  Platform platform = Platform::kMessenger;
  // The platform ids of every account the body is for (ButtonPress::account_platform_id), in
  // order of first appearance, each once: Meta batches entries of several Pages or numbers.
  // A WhatsApp entry's WABA id is listed too (before its numbers): it names the account of
  // changes that name no number.
  std::vector<std::string> accounts;
  std::vector<ButtonPress> presses;  // in the body's order
  std::size_t skipped = 0;           // events that are not presses
};

// A Meta webhook (Messenger, Instagram or WhatsApp, told apart by `object`).
Result<ParsedWebhook> ParseMetaWebhook(std::string_view body);

// A LINE webhook. An empty `events` array (LINE's connectivity check) is a valid body.
Result<ParsedWebhook> ParseLineWebhook(std::string_view body);

}  // namespace crier::webhooks
