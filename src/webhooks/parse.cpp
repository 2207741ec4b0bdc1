#include "webhooks/parse.h"

#include <algorithm>
#include <boost/json.hpp>
#include <charconv>
#include <optional>

#include "codec/json_reader.h"

namespace crier::webhooks {
namespace {

namespace json = boost::json;

constexpr std::string_view kObjectPage = "page";
constexpr std::string_view kObjectInstagram = "instagram";
constexpr std::string_view kObjectWhatsApp = "whatsapp_business_account";

Error WrongType(const std::string& path, std::string_view expected, const json::value& got) {
  return InvalidArgument(path,
                         std::string(expected) + " (got " + std::string(JsonTypeName(got)) + ")");
}

Result<const json::object*> RequiredObject(const ObjectReader& r, std::string_view key) {
  auto o = r.OptObject(key);
  if (!o.ok()) return o.error();
  if (*o == nullptr) return InvalidArgument(r.Path(key), std::string(kMsgRequired));
  return *o;
}

Result<const json::array*> RequiredArray(const ObjectReader& r, std::string_view key) {
  auto a = r.OptArray(key);
  if (!a.ok()) return a.error();
  if (*a == nullptr) return InvalidArgument(r.Path(key), std::string(kMsgRequired));
  return *a;
}

// A required string that must not be empty (an id, a payload).
Result<std::string> RequiredText(const ObjectReader& r, std::string_view key) {
  auto s = r.String(key);
  if (!s.ok()) return s.error();
  if (s->empty()) return InvalidArgument(r.Path(key), std::string(kMsgEmpty));
  return std::move(*s);
}

Result<const json::object*> ElementObject(const json::array& array, const std::string& path,
                                          std::size_t i) {
  const json::value& v = array[i];
  if (!v.is_object()) return WrongType(ElementPath(path, i), kMsgWantObject, v);
  return &v.get_object();
}

Result<Time> MillisTime(const ObjectReader& r, std::string_view key) {
  auto ms = r.OptInt(key);
  if (!ms.ok()) return ms.error();
  if (!ms->has_value()) return InvalidArgument(r.Path(key), std::string(kMsgRequired));
  if (**ms < 0) return InvalidArgument(r.Path(key), "must not be negative");
  return FromUnixMillis(**ms);
}

// WhatsApp writes Unix seconds as a string of digits ("1750000000").
Result<Time> SecondsStringTime(const ObjectReader& r, std::string_view key) {
  auto text = RequiredText(r, key);
  if (!text.ok()) return text.error();
  std::int64_t seconds = 0;
  const char* end = text->data() + text->size();
  const auto [ptr, ec] = std::from_chars(text->data(), end, seconds);
  if (ec != std::errc() || ptr != end || seconds < 0 || seconds > 100'000'000'000) {
    return InvalidArgument(r.Path(key), "must be Unix seconds written as a string of digits");
  }
  return FromUnixMillis(seconds * 1000);
}

void AddAccount(ParsedWebhook& out, const std::string& id) {
  if (std::find(out.accounts.begin(), out.accounts.end(), id) == out.accounts.end()) {
    out.accounts.push_back(id);
  }
}

Result<const json::object*> TopObject(std::string_view body, json::value& holder) {
  auto parsed = ParseJson(body);
  if (!parsed.ok()) return parsed.error();
  holder = std::move(*parsed);
  if (!holder.is_object()) return WrongType(std::string(kBodyField), kMsgWantObject, holder);
  return &holder.get_object();
}

// ---- Messenger and Instagram --------------------------------------------------------------

// One entry[].messaging[] event: a press, or nothing (skipped).
Result<std::optional<ButtonPress>> ParseMessagingEvent(const json::object& event,
                                                       const std::string& path, Platform platform,
                                                       const std::string& account) {
  ObjectReader r(event, path);
  std::optional<std::string> payload;
  std::optional<std::string> event_id;
  auto postback = r.OptObject("postback");
  if (!postback.ok()) return postback.error();
  auto message = r.OptObject("message");
  if (!message.ok()) return message.error();
  if (*postback != nullptr) {
    ObjectReader p(**postback, r.Path("postback"));
    auto text = RequiredText(p, "payload");
    if (!text.ok()) return text.error();
    payload = std::move(*text);
    auto mid = p.OptString("mid");
    if (!mid.ok()) return mid.error();
    if (mid->has_value() && !(*mid)->empty()) event_id = std::move(**mid);
  } else if (*message != nullptr) {
    ObjectReader m(**message, r.Path("message"));
    auto echo = m.OptBool("is_echo");
    if (!echo.ok()) return echo.error();
    if (echo->value_or(false)) return std::optional<ButtonPress>();  // the Page's own message
    auto quick_reply = m.OptObject("quick_reply");
    if (!quick_reply.ok()) return quick_reply.error();
    if (*quick_reply == nullptr) return std::optional<ButtonPress>();  // a typed message: J1
    ObjectReader q(**quick_reply, m.Path("quick_reply"));
    auto text = RequiredText(q, "payload");
    if (!text.ok()) return text.error();
    payload = std::move(*text);
    auto mid = RequiredText(m, "mid");
    if (!mid.ok()) return mid.error();
    event_id = std::move(*mid);
  } else {
    return std::optional<ButtonPress>();  // delivery, read, optin, referral...: J1
  }
  auto sender = RequiredObject(r, "sender");
  if (!sender.ok()) return sender.error();
  auto user = RequiredText(ObjectReader(**sender, r.Path("sender")), "id");
  if (!user.ok()) return user.error();
  auto time = MillisTime(r, "timestamp");
  if (!time.ok()) return time.error();
  ButtonPress press;
  press.platform = platform;
  press.account_platform_id = account;
  press.user_id = std::move(*user);
  press.payload = std::move(*payload);
  press.time = *time;
  // A postback without a mid (older Graph versions sent none) is keyed by what Meta resends
  // unchanged with it: who pressed what, when.
  press.event_id = event_id ? std::move(*event_id)
                            : "postback:" + press.user_id + ":" +
                                  std::to_string(ToUnixMillis(press.time)) + ":" + press.payload;
  return std::optional<ButtonPress>(std::move(press));
}

Status ParsePageEntry(const json::object& entry, const std::string& path, ParsedWebhook& out) {
  ObjectReader r(entry, path);
  auto id = RequiredText(r, "id");
  if (!id.ok()) return id.error();
  AddAccount(out, *id);
  auto changes = r.OptArray("changes");  // Page feed and comments: not messaging
  if (!changes.ok()) return changes.error();
  if (*changes != nullptr) out.skipped += (*changes)->size();
  auto messaging = r.OptArray("messaging");
  if (!messaging.ok()) return messaging.error();
  if (*messaging == nullptr) return Status::Ok();
  const std::string events_path = r.Path("messaging");
  for (std::size_t j = 0; j < (*messaging)->size(); ++j) {
    auto event = ElementObject(**messaging, events_path, j);
    if (!event.ok()) return event.error();
    auto press = ParseMessagingEvent(**event, ElementPath(events_path, j), out.platform, *id);
    if (!press.ok()) return press.error();
    if (press->has_value()) {
      out.presses.push_back(std::move(**press));
    } else {
      ++out.skipped;
    }
  }
  return Status::Ok();
}

// ---- WhatsApp -----------------------------------------------------------------------------

// The reply's payload of one value.messages[] item, or nullopt for other messages.
Result<std::optional<std::string>> WhatsAppPayload(const ObjectReader& r) {
  auto type = r.String("type");
  if (!type.ok()) return type.error();
  if (*type == "button") {  // a template's quick-reply button
    auto button = RequiredObject(r, "button");
    if (!button.ok()) return button.error();
    auto payload = RequiredText(ObjectReader(**button, r.Path("button")), "payload");
    if (!payload.ok()) return payload.error();
    return std::optional<std::string>(std::move(*payload));
  }
  if (*type == "interactive") {
    auto interactive = RequiredObject(r, "interactive");
    if (!interactive.ok()) return interactive.error();
    ObjectReader i(**interactive, r.Path("interactive"));
    auto kind = i.String("type");
    if (!kind.ok()) return kind.error();
    if (*kind != "button_reply" && *kind != "list_reply") return std::optional<std::string>();
    auto reply = RequiredObject(i, *kind);
    if (!reply.ok()) return reply.error();
    auto id = RequiredText(ObjectReader(**reply, i.Path(*kind)), "id");
    if (!id.ok()) return id.error();
    return std::optional<std::string>(std::move(*id));
  }
  return std::optional<std::string>();
}

Status ParseWhatsAppChange(const json::object& change, const std::string& path,
                           ParsedWebhook& out) {
  ObjectReader r(change, path);
  auto field = r.String("field");
  if (!field.ok()) return field.error();
  if (*field != "messages") {  // templates, quality, account updates...
    ++out.skipped;
    return Status::Ok();
  }
  auto value = RequiredObject(r, "value");
  if (!value.ok()) return value.error();
  ObjectReader v(**value, r.Path("value"));
  auto metadata = RequiredObject(v, "metadata");
  if (!metadata.ok()) return metadata.error();
  auto number = RequiredText(ObjectReader(**metadata, v.Path("metadata")), "phone_number_id");
  if (!number.ok()) return number.error();
  AddAccount(out, *number);
  auto statuses = v.OptArray("statuses");  // J2
  if (!statuses.ok()) return statuses.error();
  if (*statuses != nullptr) out.skipped += (*statuses)->size();
  auto messages = v.OptArray("messages");
  if (!messages.ok()) return messages.error();
  if (*messages == nullptr) return Status::Ok();
  const std::string messages_path = v.Path("messages");
  for (std::size_t m = 0; m < (*messages)->size(); ++m) {
    auto message = ElementObject(**messages, messages_path, m);
    if (!message.ok()) return message.error();
    ObjectReader mr(**message, ElementPath(messages_path, m));
    auto payload = WhatsAppPayload(mr);
    if (!payload.ok()) return payload.error();
    if (!payload->has_value()) {
      ++out.skipped;
      continue;
    }
    // A person with a username may come without a phone number, by business-scoped user id
    // alone (platforms.md 0, row 5).
    auto from = mr.OptString("from");
    if (!from.ok()) return from.error();
    std::string user = from->value_or("");
    if (user.empty()) {
      auto bsuid = mr.OptString("user_id");
      if (!bsuid.ok()) return bsuid.error();
      user = bsuid->value_or("");
    }
    if (user.empty()) return InvalidArgument(mr.Path("from"), std::string(kMsgRequired));
    auto id = RequiredText(mr, "id");
    if (!id.ok()) return id.error();
    auto time = SecondsStringTime(mr, "timestamp");
    if (!time.ok()) return time.error();
    ButtonPress press;
    press.platform = Platform::kWhatsApp;
    press.account_platform_id = *number;
    press.user_id = std::move(user);
    press.payload = std::move(**payload);
    press.event_id = std::move(*id);
    press.time = *time;
    out.presses.push_back(std::move(press));
  }
  return Status::Ok();
}

Status ParseWhatsAppEntry(const json::object& entry, const std::string& path, ParsedWebhook& out) {
  ObjectReader r(entry, path);
  auto waba = RequiredText(r, "id");
  if (!waba.ok()) return waba.error();
  // The WABA authenticates the body even when no change names a number (statuses of
  // templates, quality): its numbers' secrets verify it.
  AddAccount(out, *waba);
  auto changes = r.OptArray("changes");
  if (!changes.ok()) return changes.error();
  if (*changes == nullptr) return Status::Ok();
  const std::string changes_path = r.Path("changes");
  for (std::size_t k = 0; k < (*changes)->size(); ++k) {
    auto change = ElementObject(**changes, changes_path, k);
    if (!change.ok()) return change.error();
    CRIER_RETURN_IF_ERROR(ParseWhatsAppChange(**change, ElementPath(changes_path, k), out));
  }
  return Status::Ok();
}

}  // namespace

Result<ParsedWebhook> ParseMetaWebhook(std::string_view body) {
  json::value holder;
  auto top = TopObject(body, holder);
  if (!top.ok()) return top.error();
  ObjectReader r(**top, "");
  auto object = r.String("object");
  if (!object.ok()) return object.error();
  ParsedWebhook out;
  if (*object == kObjectPage) {
    out.platform = Platform::kMessenger;
  } else if (*object == kObjectInstagram) {
    out.platform = Platform::kInstagram;
  } else if (*object == kObjectWhatsApp) {
    out.platform = Platform::kWhatsApp;
  } else {
    return InvalidArgument("object",
                           "must be \"page\", \"instagram\" or \"whatsapp_business_account\"");
  }
  auto entries = RequiredArray(r, "entry");
  if (!entries.ok()) return entries.error();
  for (std::size_t i = 0; i < (*entries)->size(); ++i) {
    auto entry = ElementObject(**entries, "entry", i);
    if (!entry.ok()) return entry.error();
    const std::string path = ElementPath("entry", i);
    CRIER_RETURN_IF_ERROR(out.platform == Platform::kWhatsApp
                              ? ParseWhatsAppEntry(**entry, path, out)
                              : ParsePageEntry(**entry, path, out));
  }
  return out;
}

Result<ParsedWebhook> ParseLineWebhook(std::string_view body) {
  json::value holder;
  auto top = TopObject(body, holder);
  if (!top.ok()) return top.error();
  ObjectReader r(**top, "");
  auto destination = RequiredText(r, "destination");
  if (!destination.ok()) return destination.error();
  auto events = RequiredArray(r, "events");
  if (!events.ok()) return events.error();
  ParsedWebhook out;
  out.platform = Platform::kLine;
  out.accounts.push_back(*destination);
  for (std::size_t i = 0; i < (*events)->size(); ++i) {
    auto event = ElementObject(**events, "events", i);
    if (!event.ok()) return event.error();
    ObjectReader e(**event, ElementPath("events", i));
    auto type = e.String("type");
    if (!type.ok()) return type.error();
    if (*type != "postback") {
      ++out.skipped;
      continue;
    }
    auto source = RequiredObject(e, "source");
    if (!source.ok()) return source.error();
    auto user = ObjectReader(**source, e.Path("source")).OptString("userId");
    if (!user.ok()) return user.error();
    // In a group or room LINE leaves userId out for people who have not consented to share
    // it: nobody crier could name pressed.
    if (!user->has_value() || (*user)->empty()) {
      ++out.skipped;
      continue;
    }
    auto postback = RequiredObject(e, "postback");
    if (!postback.ok()) return postback.error();
    auto data = RequiredText(ObjectReader(**postback, e.Path("postback")), "data");
    if (!data.ok()) return data.error();
    auto id = RequiredText(e, "webhookEventId");
    if (!id.ok()) return id.error();
    auto time = MillisTime(e, "timestamp");
    if (!time.ok()) return time.error();
    ButtonPress press;
    press.platform = Platform::kLine;
    press.account_platform_id = *destination;
    press.user_id = std::move(**user);
    press.payload = std::move(*data);
    press.event_id = std::move(*id);
    press.time = *time;
    out.presses.push_back(std::move(press));
  }
  return out;
}

}  // namespace crier::webhooks
