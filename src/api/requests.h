// Reading and checking the create bodies of channel accounts and broadcasts. Every failure
// names the field at fault by its JSON path. Pure and thread-safe.
#pragma once

#include <boost/json.hpp>
#include <span>
#include <vector>

#include "core/model.h"
#include "core/result.h"
#include "net/http.h"
#include "store/store.h"

namespace crier::api {

// POST /v1/channel-accounts. A WhatsApp account needs capabilities.waba_id.
// A request's body as a JSON object: kInvalidArgument on "body" when it is not JSON or not an
// object. Check its size first (TooLarge).
Result<boost::json::object> ObjectBody(const net::Request& request);

// A LINE account takes no webhook_verify_token (Meta's handshake): kInvalidArgument naming it
// when one is given; clearing it ("") is allowed.
Status CheckVerifyTokenPlatform(Platform platform, const std::optional<std::string>& token);

Result<NewChannelAccount> ParseNewChannelAccount(const boost::json::value& body);

// PATCH /v1/channel-accounts/{id}: {"capabilities": {...}, "pacing": {...}}, each member given
// replacing the stored one, the others kept (a text capability may be "" to clear it). At
// least one of the two objects is required.
Result<ChannelAccountUpdate> ParseChannelAccountUpdate(const boost::json::value& body);

// POST /v1/broadcasts: the checks that need no stored state. What the account's platform
// takes is checked by channels::CheckContentFor once the account is known.
Result<NewBroadcast> ParseNewBroadcast(const boost::json::value& body);

// The "messages" member of a request body: 1 to 5 messages, each read as POST /v1/broadcasts
// reads them. Failures name "messages" or "messages[i].<field>".
Result<std::vector<Message>> ParseMessagesField(const boost::json::object& body);

}  // namespace crier::api
