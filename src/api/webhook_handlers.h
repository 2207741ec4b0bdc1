// Webhooks in (PRODUCT.md J1-J4, first slice: button presses, G2). These routes carry no API
// key: the platform's signature over the raw body is the authentication, checked with the
// webhook secret of the channel account the body is for.
//
//   GET  /webhooks/meta   Meta's verification handshake: hub.mode=subscribe and a
//                         hub.verify_token some Meta account holds -> 200 with hub.challenge
//                         as the body; anything else 403.
//   POST /webhooks/meta   Messenger, Instagram and WhatsApp (X-Hub-Signature-256).
//   POST /webhooks/line   LINE (X-Line-Signature).
//
// A POST answers 200 {"presses","applied","duplicates","skipped"} once its effects are
// stored; 400 naming the JSON path for a malformed body; 403 when a targeted account is not
// known or the signature does not verify with its secret. Nothing is changed unless the
// whole body is accepted.
#pragma once

#include "api/routes.h"
#include "net/http.h"

namespace crier::api {

net::Response MetaWebhookVerify(RequestContext& c);
net::Response MetaWebhook(RequestContext& c);
net::Response LineWebhook(RequestContext& c);

}  // namespace crier::api
