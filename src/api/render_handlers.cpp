#include "api/render_handlers.h"

#include <algorithm>
#include <string>
#include <utility>

#include "api/fields.h"
#include "api/limits.h"
#include "api/response.h"
#include "api/wire.h"
#include "channels/adapter.h"
#include "channels/line_adapter.h"
#include "codec/message_json.h"
#include "core/route.h"
#include "engine/planner.h"

namespace crier::api {
namespace {

using Json = boost::json::object;

constexpr std::size_t kMaxRenderBodyBytes = 4096;
constexpr std::string_view kRedacted = "[redacted]";

// A query parameter that carries a credential keeps its name and loses its value.
std::string RedactUrl(std::string url) {
  for (std::string_view key : {"access_token=", "appsecret_proof="}) {
    std::size_t at = 0;
    while ((at = url.find(key, at)) != std::string::npos) {
      if (at > 0 && url[at - 1] != '?' && url[at - 1] != '&') {
        at += key.size();
        continue;
      }
      const std::size_t start = at + key.size();
      const std::size_t end = std::min(url.find('&', start), url.size());
      url.replace(start, end - start, kRedacted);
      at = start + kRedacted.size();
    }
  }
  return url;
}

bool IsCredentialHeader(std::string_view name) {
  auto lower = [](char ch) { return ch >= 'A' && ch <= 'Z' ? static_cast<char>(ch + 32) : ch; };
  std::string n;
  for (char ch : name) n.push_back(lower(ch));
  return n == "authorization" || n == "x-api-key";
}

// The identity of `contact` on `account`, if it has one.
const Identity* IdentityOn(const Contact& contact, Id account) {
  for (const Identity& i : contact.identities) {
    if (i.channel_account_id == account) return &i;
  }
  return nullptr;
}

RecipientFacts FactsOf(const Contact& contact, const Identity* identity, Platform platform) {
  RecipientFacts f;
  f.platform = platform;
  f.subscription = contact.subscription;
  f.region = !contact.region.empty() ? contact.region : RegionOfLocale(contact.locale);
  f.has_identity = identity != nullptr;
  if (identity == nullptr) return f;
  f.last_inbound_at = identity->last_inbound_at;
  f.window_opener = identity->window_opener;
  f.blocked = identity->blocked;
  f.opted_in = identity->opted_in;
  f.marketing_opted_out = identity->marketing_opted_out;
  f.us_number = platform == Platform::kWhatsApp && IsUsWhatsAppId(identity->platform_user_id);
  f.suppressed =
      identity->suppressed_at.has_value() &&
      !(identity->last_inbound_at && *identity->last_inbound_at > *identity->suppressed_at);
  f.marketing_token = identity->marketing_token;
  return f;
}

// A person to show the rendering with when the account has no contact yet.
Contact SampleContact() {
  Contact c;
  c.name = "Alex Sample";
  c.first_name = "Alex";
  c.locale = "en_US";
  return c;
}

Json RequestJson(const channels::OutboundRequest& request) {
  Json out;
  out["method"] = request.method;
  out["url"] = RedactUrl(request.url);
  Json headers;
  for (const auto& [name, value] : request.headers) {
    headers[name] =
        IsCredentialHeader(name) ? boost::json::value(kRedacted) : boost::json::value(value);
  }
  out["headers"] = std::move(headers);
  // The body is JSON the adapter wrote; shown as a value, not a string of JSON.
  boost::system::error_code ec;
  boost::json::value body = boost::json::parse(request.body, ec);
  out["body"] = ec ? boost::json::value(request.body) : std::move(body);
  out["body_text"] = request.body;  // byte for byte, escaping included
  return out;
}

}  // namespace

net::Response RenderBroadcast(RequestContext& c) {
  const Id id = c.PathId("id");
  if (c.request.body.size() > kMaxRenderBodyBytes) {
    return TooLarge(kMaxRenderBodyBytes);
  }
  std::optional<Id> contact_id;
  if (!c.request.body.empty()) {
    auto body = ParseJson(c.request.body);
    if (!body.ok()) return ErrorResponse(body.error());
    if (!body->is_object()) {
      return ErrorResponse(InvalidArgument(std::string(kBodyField), std::string(kMsgWantObject)));
    }
    ObjectReader r(body->get_object(), "");
    if (const Status known = r.RejectUnknown({"contact_id"}); !known.ok()) {
      return ErrorResponse(known.error());
    }
    auto read = r.OptId("contact_id");
    if (!read.ok()) return ErrorResponse(read.error());
    contact_id = *read;
  }

  auto broadcast = c.store.GetBroadcast(id);
  if (!broadcast.ok()) {
    if (broadcast.error().code == ErrorCode::kNotFound) {
      return ErrorResponse(NotFound("broadcast " + std::to_string(id) + " not found"));
    }
    return ErrorResponse(broadcast.error());
  }
  auto account = c.store.GetChannelAccount(broadcast->channel_account_id);
  if (!account.ok()) return ErrorResponse(account.error());
  const auto adapter = channels::MakeAdapter(account->platform);
  if (!adapter) {
    return ErrorResponse(Internal("no adapter for " + std::string(ToString(account->platform))));
  }

  Contact contact;
  bool sample = false;
  if (contact_id) {
    auto found = c.store.GetContact(*contact_id);
    if (!found.ok()) {
      if (found.error().code == ErrorCode::kNotFound) {
        return ErrorResponse(InvalidArgument(
            "contact_id", "contact " + std::to_string(*contact_id) + " does not exist"));
      }
      return ErrorResponse(found.error());
    }
    contact = std::move(*found);
  } else {
    ContactQuery query;
    query.page.limit = 1;
    query.channel_account_id = account->id;
    auto first = c.store.ListContacts(query);
    if (!first.ok()) return ErrorResponse(first.error());
    if (first->items.empty()) {
      contact = SampleContact();
      sample = true;
    } else {
      contact = std::move(first->items.front());
    }
  }
  const Identity* identity = IdentityOn(contact, account->id);
  if (contact_id && identity == nullptr) {
    return ErrorResponse(InvalidArgument("contact_id", "contact " + std::to_string(*contact_id) +
                                                           " has no identity on channel account " +
                                                           std::to_string(account->id)));
  }
  const std::string platform_user_id = identity != nullptr ? identity->platform_user_id : "SAMPLE";

  // G3: a tracked broadcast's links show as they go out, through the redirect, with a token
  // made for this contact and run 0 (a preview's press leads nowhere).
  const engine::ClickTracker* clicks = c.engine.clicks();
  if (broadcast->track_clicks && clicks == nullptr) {
    return ErrorResponse(InvalidArgument("track_clicks", std::string(engine::kNoPublicUrl)));
  }
  const std::string click = broadcast->track_clicks ? clicks->Token(0, contact.id) : "";
  auto wire = channels::CompileWireContent(
      account->platform, broadcast->messages,
      broadcast->track_clicks ? std::string_view(clicks->redirect_base()) : "");
  if (!wire.ok()) return ErrorResponse(wire.error());
  const std::vector<channels::CompiledMessage>* compiled = &wire->compiled;

  const Time now = c.clock.Now();
  const RecipientFacts facts = FactsOf(contact, identity, account->platform);
  // The facts the engine decides with, so a LINE broadcast shows the multicast it would be.
  const Decision decision =
      DecideRoute(facts, engine::RunFacts(*broadcast, *account), now, PolicyOptions{});
  const bool multicast = decision.sends() && decision.route().kind == RouteKind::kLineMulticast;

  channels::RecipientRef recipient;
  recipient.platform_user_id = platform_user_id;
  recipient.name = contact.name;
  recipient.first_name = contact.first_name;
  recipient.contact = &contact;
  recipient.click_token = click;
  // LINE's retry key is made per delivery when it is sent; the preview says so in its place.
  if (account->platform == Platform::kLine) recipient.retry_key = "(a UUID made per delivery)";
  if (identity != nullptr && identity->marketing_token) {
    recipient.marketing_token = identity->marketing_token->token;
  }

  boost::json::array messages;
  for (std::size_t i = 0; i < broadcast->messages.size(); ++i) {
    const Message& message = wire->messages[i];
    const channels::CompiledMessage& content = (*compiled)[i];
    Json m;
    m["index"] = i;
    if (content.text) {
      m["text"] = content.text->RenderPlain(contact, click);
    } else if (message.kind == MessageKind::kTemplate) {
      boost::json::array parameters;
      for (const auto& p : content.body_parameters) {
        parameters.emplace_back(p.RenderPlain(contact, click));
      }
      m["body_parameters"] = std::move(parameters);
    }
    Message personal;
    const Message& as_sent = channels::Personalise(message, &content, &contact, personal, click);
    if (!content.text && message.kind != MessageKind::kTemplate) {
      m["content"] = MessageToJson(as_sent);
    }
    const Status fits =
        channels::CheckRendered(account->platform, as_sent, content, contact, i, click);
    if (!fits.ok()) {
      Json error;
      error["field"] = fits.error().field;
      error["message"] = fits.error().message;
      m["error"] = std::move(error);
      m["request"] = nullptr;
    } else {
      const channels::SendContext context{decision.sends() ? decision.route() : Route{},
                                          broadcast->outside_window.marketing_campaign_id,
                                          &content};
      if (multicast) {
        // One request for a batch of up to 500 people; this contact's id stands for them
        // (a sample contact's for a sample user id, the only kind a multicast takes).
        Message fixed = message;
        if (content.text) fixed.text = content.text->RenderPlain(contact);
        const std::string to[] = {channels::IsLineUserId(platform_user_id)
                                      ? platform_user_id
                                      : "U" + std::string(32, '0')};
        auto built = channels::LineAdapter().BuildMulticast(*account, to, std::span(&fixed, 1), "");
        if (!built.ok()) return ErrorResponse(built.error());
        built->headers.emplace_back("X-Line-Retry-Key", "(a UUID made per batch)");
        m["request"] = RequestJson(*built);
      } else {
        m["request"] = RequestJson(adapter->BuildSend(*account, recipient, context, message));
      }
      m["error"] = nullptr;
    }
    messages.push_back(std::move(m));
  }

  Json contact_json;
  if (sample) {
    contact_json["id"] = nullptr;
  } else {
    contact_json["id"] = contact.id;
  }
  contact_json["name"] = contact.name;
  contact_json["first_name"] = contact.first_name;
  contact_json["locale"] = contact.locale;
  contact_json["sample"] = sample;

  Json out;
  out["broadcast_id"] = broadcast->id;
  out["contact"] = std::move(contact_json);
  out["platform_user_id"] = platform_user_id;
  if (decision.sends()) {
    out["route"] = decision.code();
  } else {
    out["route"] = nullptr;
  }
  out["route_explanation"] = decision.Explain();
  out["messages"] = std::move(messages);
  return JsonResponse(200, out);
}

}  // namespace crier::api
