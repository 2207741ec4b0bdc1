// The template registry's routes (PRODUCT.md D4), listed in the route table in handlers.cpp,
// and the check that holds a broadcast's template messages to the registry (A1, A3). A
// template is answered as
//   {id, platform, waba_id (WhatsApp) | channel_account_id (Messenger), name, language,
//    category, status, header: {kind, parameters}, body_parameters,
//    buttons: [{type, text, behaviour?, payload?, url_suffix?}], created_at, updated_at}
#pragma once

#include <boost/json.hpp>
#include <vector>

#include "api/routes.h"
#include "core/model.h"
#include "core/result.h"
#include "store/store.h"

namespace crier::api {

// POST /v1/templates: the scope is waba_id (a WhatsApp template, shared by every number of
// the WABA) or channel_account_id (a Messenger Page's utility template, or a WhatsApp number
// whose WABA is meant). 201, or 409 when the scope already has the name in that language.
net::Response CreateTemplate(RequestContext& c);
// GET /v1/templates?channel_account_id=&waba_id=&name=&language=&limit=&after=: a channel
// account narrows to the templates it can send (its WABA's, or its Page's).
net::Response ListTemplates(RequestContext& c);
// GET /v1/templates/{id}
net::Response GetTemplate(RequestContext& c);
// PATCH /v1/templates/{id} {status?, category?}: Meta paused, disabled or re-categorised it.
net::Response UpdateTemplate(RequestContext& c);
// DELETE /v1/templates/{id}: broadcasts already created keep what they send.
net::Response DeleteTemplate(RequestContext& c);

// POST /v1/broadcasts: every template message of `messages`, sent from `account`, held to
// the registry by ResolveTemplateMessage (core/templates.h) and returned with the registry's
// category, header kind and buttons. `body` is the request as sent, which tells a category
// left out (taken from the registry) from one given (which must match). Errors name
// "messages[i].template.<field>".
Result<std::vector<Message>> ResolveTemplateMessages(Store& store, const ChannelAccount& account,
                                                     const boost::json::value& body,
                                                     std::vector<Message> messages);

}  // namespace crier::api
