#include "sandbox/line.h"

#include <algorithm>
#include <atomic>
#include <deque>
#include <map>
#include <mutex>
#include <optional>
#include <random>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "sandbox/limits.h"
#include "sandbox/line_rules.h"

namespace crier::sandbox::detail {
namespace {

namespace ln = line;

template <std::size_t N>
bool In(const std::array<std::string_view, N>& list, std::string_view v) {
  return std::find(list.begin(), list.end(), v) != list.end();
}

bool IsLineId(std::string_view s, char prefix) {
  return s.size() == 33 && s[0] == prefix && std::all_of(s.begin() + 1, s.end(), [](char c) {
           return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
         });
}
bool IsUserId(std::string_view s) { return IsLineId(s, 'U'); }

std::string Index(const std::string& path, std::size_t i) {
  return path + "[" + std::to_string(i) + "]";
}

// LINE's error body; `details` only when there are some.
net::Response LineError(int status, std::string_view message,
                        const std::vector<std::pair<std::string, std::string>>& details = {}) {
  json::object body{{"message", message}};
  if (!details.empty()) {
    json::array list;
    for (const auto& [m, property] : details) {
      list.emplace_back(json::object{{"message", m}, {"property", property}});
    }
    body["details"] = std::move(list);
  }
  return JsonOk(status, body);
}

// --- Request body checks -------------------------------------------------------------------

// Every problem in the body, as LINE lists them: (message, property).
class Problems {
 public:
  void Add(std::string message, std::string property) {
    list_.emplace_back(std::move(message), std::move(property));
  }
  bool empty() const { return list_.empty(); }
  const std::vector<std::pair<std::string, std::string>>& list() const { return list_; }

  static std::string Length(std::size_t max) {
    return "Length must be between 0 and " + std::to_string(max);
  }
  static std::string Size(std::size_t min, std::size_t max) {
    return "Size must be between " + std::to_string(min) + " and " + std::to_string(max);
  }

  // The member `key` of `o` when it is there and `is_kind(*v)`; otherwise nullptr, and a
  // problem at `at`: "required" if it is missing and required, `wrong_kind` if it is there.
  const json::value* Member(const json::object& o, std::string_view key, const std::string& at,
                            bool required, bool (json::value::*is_kind)() const noexcept,
                            std::string_view wrong_kind) {
    const json::value* v = Field(o, key);
    if (v == nullptr) {
      if (required) Add(std::string(ln::kDetailRequired), at);
      return nullptr;
    }
    if (!(v->*is_kind)()) {
      Add(std::string(wrong_kind), at);
      return nullptr;
    }
    return v;
  }

  // A string member: required or not, at most `max` UTF-16 units, an https URL if `url`.
  const json::string* String(const json::object& o, std::string_view key, const std::string& path,
                             bool required, std::size_t max, bool url = false) {
    const std::string at = Join(path, key);
    const json::value* v =
        Member(o, key, at, required, &json::value::is_string, ln::kDetailNotString);
    if (v == nullptr) return nullptr;
    const json::string& s = v->get_string();
    if (required && s.empty()) Add(std::string(ln::kDetailRequired), at);
    if (CountUtf16Units(s) > max) Add(Length(max), at);
    if (url && !std::string_view(s).starts_with("https://")) Add(std::string(ln::kDetailHttps), at);
    return &s;
  }

  // An array member with `min`..`max` items; nullptr (and a problem if required) otherwise.
  const json::array* Array(const json::object& o, std::string_view key, const std::string& path,
                           bool required, std::size_t min, std::size_t max) {
    const std::string at = Join(path, key);
    const json::value* v =
        Member(o, key, at, required, &json::value::is_array, ln::kDetailNotArray);
    if (v == nullptr) return nullptr;
    if (v->get_array().size() < min || v->get_array().size() > max) Add(Size(min, max), at);
    return &v->get_array();
  }

  const json::object* Object(const json::object& o, std::string_view key, const std::string& path,
                             bool required) {
    const json::value* v =
        Member(o, key, Join(path, key), required, &json::value::is_object, ln::kDetailNotObject);
    return v == nullptr ? nullptr : &v->get_object();
  }

  void Number(const json::object& o, std::string_view key, const std::string& path) {
    const json::value* v = Field(o, key);
    if (v == nullptr) {
      Add(std::string(ln::kDetailRequired), Join(path, key));
    } else if (!v->is_number()) {
      Add(std::string(ln::kDetailNotNumber), Join(path, key));
    }
  }

  // Every member of `o` is one of `known`: LINE refuses a property it does not define.
  void Known(const json::object& o, std::span<const std::string_view> known,
             const std::string& path) {
    for (const auto& [key, value] : o) {
      if (std::find(known.begin(), known.end(), std::string_view(key)) == known.end()) {
        Add(std::string(ln::kDetailUnknownProperty), Join(path, key));
      }
    }
  }

  // Every element of `list` is an action object with a type. `labelled`: a button's action
  // (template buttons, quick replies), checked in full: a known type, its label, its
  // fields and their limits. An imagemap area's or image column's action is checked for its
  // type only (its fields differ: linkUri, area).
  void Actions(const json::array* list, const std::string& path, bool labelled = false) {
    if (list == nullptr) return;
    for (std::size_t i = 0; i < list->size(); ++i) Action((*list)[i], Index(path, i), labelled);
  }
  // The required `action` member of `owner` at `at`.
  void RequiredAction(const json::object& owner, const std::string& at, bool labelled = false) {
    if (const json::value* action = Field(owner, "action")) {
      Action(*action, Join(at, "action"), labelled);
    } else {
      Add(std::string(ln::kDetailRequired), Join(at, "action"));
    }
  }
  void Action(const json::value& v, const std::string& at, bool labelled) {
    const json::object* a = v.if_object();
    if (a == nullptr) {
      Add(std::string(ln::kDetailNotObject), at);
      return;
    }
    const json::string* type = String(*a, "type", at, true, SIZE_MAX);
    if (type == nullptr || !labelled) return;
    if (!In(ln::kActionTypes, std::string_view(*type))) {
      Add(std::string(ln::kDetailActionType), Join(at, "type"));
      return;
    }
    String(*a, "label", at, labelled, ln::kMaxActionLabel);
    if (*type == "postback") {
      static constexpr std::array<std::string_view, 7> kPostback = {
          "type", "label", "data", "displayText", "text", "inputOption", "fillInText"};
      Known(*a, kPostback, at);
      String(*a, "data", at, true, ln::kMaxPostbackData);
    } else if (*type == "uri") {
      static constexpr std::array<std::string_view, 4> kUri = {"type", "label", "uri", "altUri"};
      Known(*a, kUri, at);
      const json::string* uri = String(*a, "uri", at, true, ln::kMaxActionUri);
      if (uri != nullptr && !uri->empty() &&
          std::none_of(ln::kActionUriSchemes.begin(), ln::kActionUriSchemes.end(),
                       [&](std::string_view scheme) {
                         return std::string_view(*uri).starts_with(scheme);
                       })) {
        Add(std::string(ln::kDetailActionUri), Join(at, "uri"));
      }
    } else if (*type == "message") {
      static constexpr std::array<std::string_view, 3> kMessage = {"type", "label", "text"};
      Known(*a, kMessage, at);
      String(*a, "text", at, true, 300);
    }
  }

 private:
  std::vector<std::pair<std::string, std::string>> list_;
};

// The character at UTF-16 index `index` of `text`, if it is ASCII.
std::optional<char> AsciiAtUtf16(std::string_view text, std::int64_t index) {
  std::int64_t units = 0;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const auto b = static_cast<unsigned char>(text[i]);
    if ((b & 0xC0) == 0x80) continue;
    if (units == index) return b < 0x80 ? std::optional<char>(text[i]) : std::nullopt;
    units += b >= 0xF0 ? 2 : 1;
  }
  return std::nullopt;
}

void CheckText(const json::object& m, const std::string& path, Problems& p) {
  const json::string* text = p.String(m, "text", path, true, ln::kMaxTextUtf16);
  const json::array* emojis = p.Array(m, "emojis", path, false, 0, ln::kMaxEmojis);
  if (emojis == nullptr) return;
  for (std::size_t i = 0; i < emojis->size(); ++i) {
    const std::string at = Index(Join(path, "emojis"), i);
    const json::object* e = (*emojis)[i].if_object();
    if (e == nullptr) {
      p.Add(std::string(ln::kDetailNotObject), at);
      continue;
    }
    p.String(*e, "productId", at, true, SIZE_MAX);
    p.String(*e, "emojiId", at, true, SIZE_MAX);
    const json::value* index = Field(*e, "index");
    const bool on_dollar = index != nullptr && index->is_int64() && text != nullptr &&
                           AsciiAtUtf16(*text, index->get_int64()) == '$';
    if (!on_dollar) p.Add(std::string(ln::kDetailEmojiIndex), Join(at, "index"));
  }
}

void CheckTextV2(const json::object& m, const std::string& path, Problems& p) {
  const json::string* text = p.String(m, "text", path, true, ln::kMaxTextUtf16);
  const json::object* subs = p.Object(m, "substitution", path, false);
  if (subs == nullptr) return;
  for (const auto& [key, value] : *subs) {
    const std::string at = Join(path, "substitution") + "." + std::string(key);
    if (text == nullptr ||
        std::string_view(*text).find("{" + std::string(key) + "}") == std::string_view::npos) {
      p.Add(std::string(ln::kDetailPlaceholder), at);
    }
    const json::object* s = value.if_object();
    if (s == nullptr) {
      p.Add(std::string(ln::kDetailNotObject), at);
      continue;
    }
    const json::string* type = p.String(*s, "type", at, true, SIZE_MAX);
    if (type == nullptr) continue;
    if (*type == "mention") {
      const json::object* who = p.Object(*s, "mentionee", at, true);
      if (who == nullptr) continue;
      const json::string* wtype = p.String(*who, "type", Join(at, "mentionee"), true, SIZE_MAX);
      if (wtype != nullptr && *wtype == "user") {
        p.String(*who, "userId", Join(at, "mentionee"), true, SIZE_MAX);
      } else if (wtype != nullptr && *wtype != "all") {
        p.Add("must be user or all", Join(at, "mentionee.type"));
      }
    } else if (*type == "emoji") {
      p.String(*s, "productId", at, true, SIZE_MAX);
      p.String(*s, "emojiId", at, true, SIZE_MAX);
    } else {
      p.Add("must be mention or emoji", Join(at, "type"));
    }
  }
}

void CheckTemplateObject(const json::object& t, const std::string& path, Problems& p) {
  const json::string* type = p.String(t, "type", path, true, SIZE_MAX);
  if (type == nullptr) return;
  if (*type == "buttons") {
    static constexpr std::array<std::string_view, 9> kButtons = {
        "type",      "thumbnailImageUrl",    "imageAspectRatio",
        "imageSize", "imageBackgroundColor", "title",
        "text",      "defaultAction",        "actions"};
    p.Known(t, kButtons, path);
    const bool compact = Field(t, "thumbnailImageUrl") != nullptr || Field(t, "title") != nullptr;
    p.String(t, "thumbnailImageUrl", path, false, ln::kMaxUrl, true);
    p.String(t, "title", path, false, ln::kMaxButtonsTitle);
    p.String(t, "text", path, true,
             compact ? ln::kMaxButtonsTextWithImageOrTitle : ln::kMaxButtonsText);
    p.Actions(p.Array(t, "actions", path, true, 1, ln::kMaxButtonsActions), Join(path, "actions"),
              true);
  } else if (*type == "confirm") {
    p.String(t, "text", path, true, ln::kMaxConfirmText);
    p.Actions(p.Array(t, "actions", path, true, 2, 2), Join(path, "actions"), true);
  } else if (*type == "carousel") {
    static constexpr std::array<std::string_view, 4> kCarousel = {"type", "columns",
                                                                  "imageAspectRatio", "imageSize"};
    p.Known(t, kCarousel, path);
    const json::array* columns = p.Array(t, "columns", path, true, 1, ln::kMaxCarouselColumns);
    if (columns == nullptr) return;
    std::size_t first_actions = 0;
    bool first_thumbnail = false;
    bool first_title = false;
    for (std::size_t i = 0; i < columns->size(); ++i) {
      const std::string at = Index(Join(path, "columns"), i);
      const json::object* c = (*columns)[i].if_object();
      if (c == nullptr) {
        p.Add(std::string(ln::kDetailNotObject), at);
        continue;
      }
      static constexpr std::array<std::string_view, 6> kColumn = {
          "thumbnailImageUrl", "imageBackgroundColor", "title", "text", "defaultAction", "actions"};
      p.Known(*c, kColumn, at);
      const bool compact =
          Field(*c, "thumbnailImageUrl") != nullptr || Field(*c, "title") != nullptr;
      p.String(*c, "thumbnailImageUrl", at, false, ln::kMaxUrl, true);
      p.String(*c, "title", at, false, ln::kMaxButtonsTitle);
      p.String(*c, "text", at, true,
               compact ? ln::kMaxCarouselTextWithImageOrTitle : ln::kMaxCarouselText);
      const json::array* actions = p.Array(*c, "actions", at, true, 1, ln::kMaxCarouselActions);
      p.Actions(actions, Join(at, "actions"), true);
      // LINE draws the columns alike: one count of actions, and a thumbnail or a title on
      // every column or on none.
      if (i == 0) {
        first_actions = actions != nullptr ? actions->size() : 0;
        first_thumbnail = Field(*c, "thumbnailImageUrl") != nullptr;
        first_title = Field(*c, "title") != nullptr;
        continue;
      }
      if (actions != nullptr && actions->size() != first_actions) {
        p.Add(std::string(ln::kDetailSameActionCount), Join(at, "actions"));
      }
      if ((Field(*c, "thumbnailImageUrl") != nullptr) != first_thumbnail) {
        p.Add(std::string(ln::kDetailAllOrNoneThumbnail), Join(at, "thumbnailImageUrl"));
      }
      if ((Field(*c, "title") != nullptr) != first_title) {
        p.Add(std::string(ln::kDetailAllOrNoneTitle), Join(at, "title"));
      }
    }
  } else if (*type == "image_carousel") {
    const json::array* columns = p.Array(t, "columns", path, true, 1, ln::kMaxCarouselColumns);
    if (columns == nullptr) return;
    for (std::size_t i = 0; i < columns->size(); ++i) {
      const std::string at = Index(Join(path, "columns"), i);
      const json::object* c = (*columns)[i].if_object();
      if (c == nullptr) {
        p.Add(std::string(ln::kDetailNotObject), at);
        continue;
      }
      p.String(*c, "imageUrl", at, true, ln::kMaxUrl, true);
      p.RequiredAction(*c, at);
    }
  } else {
    p.Add("must be buttons, confirm, carousel or image_carousel", Join(path, "type"));
  }
}

void CheckMessage(const json::value& v, const std::string& path, Problems& p) {
  const json::object* m = v.if_object();
  if (m == nullptr) {
    p.Add(std::string(ln::kDetailNotObject), path);
    return;
  }
  const json::string* type = p.String(*m, "type", path, true, SIZE_MAX);
  if (type == nullptr) return;
  if (!In(ln::kMessageTypes, std::string_view(*type))) {
    p.Add(std::string(ln::kDetailInvalidType), Join(path, "type"));
    return;
  }
  const std::string_view t = *type;
  if (t == "text") {
    CheckText(*m, path, p);
  } else if (t == "textV2") {
    CheckTextV2(*m, path, p);
  } else if (t == "sticker") {
    p.String(*m, "packageId", path, true, SIZE_MAX);
    p.String(*m, "stickerId", path, true, SIZE_MAX);
  } else if (t == "image" || t == "video") {
    static constexpr std::array<std::string_view, 6> kImage = {
        "type", "originalContentUrl", "previewImageUrl", "quickReply", "sender", "trackingId"};
    p.Known(*m, std::span(kImage).first(t == "video" ? 6 : 5), path);
    p.String(*m, "originalContentUrl", path, true, ln::kMaxUrl, true);
    p.String(*m, "previewImageUrl", path, true, ln::kMaxUrl, true);
    if (t == "video") p.String(*m, "trackingId", path, false, ln::kMaxTrackingId);
  } else if (t == "audio") {
    static constexpr std::array<std::string_view, 5> kAudio = {"type", "originalContentUrl",
                                                               "duration", "quickReply", "sender"};
    p.Known(*m, kAudio, path);
    p.String(*m, "originalContentUrl", path, true, ln::kMaxUrl, true);
    const json::value* duration = Field(*m, "duration");
    if (duration == nullptr) {
      p.Add(std::string(ln::kDetailRequired), Join(path, "duration"));
    } else if (!duration->is_int64() || duration->get_int64() <= 0) {
      p.Add("must be a positive number of milliseconds", Join(path, "duration"));
    }
  } else if (t == "location") {
    p.String(*m, "title", path, true, ln::kMaxLocationText);
    p.String(*m, "address", path, true, ln::kMaxLocationText);
    p.Number(*m, "latitude", path);
    p.Number(*m, "longitude", path);
  } else if (t == "imagemap") {
    p.String(*m, "baseUrl", path, true, ln::kMaxUrl, true);
    p.String(*m, "altText", path, true, ln::kMaxAltText);
    if (const json::object* size = p.Object(*m, "baseSize", path, true)) {
      p.Number(*size, "width", Join(path, "baseSize"));
      p.Number(*size, "height", Join(path, "baseSize"));
    }
    p.Actions(p.Array(*m, "actions", path, true, 0, ln::kMaxImagemapActions),
              Join(path, "actions"));
  } else if (t == "template") {
    static constexpr std::array<std::string_view, 5> kTemplate = {"type", "altText", "template",
                                                                  "quickReply", "sender"};
    p.Known(*m, kTemplate, path);
    p.String(*m, "altText", path, true, ln::kMaxAltText);
    if (const json::object* tmpl = p.Object(*m, "template", path, true)) {
      CheckTemplateObject(*tmpl, Join(path, "template"), p);
    }
  } else if (t == "flex") {
    static constexpr std::array<std::string_view, 5> kFlex = {"type", "altText", "contents",
                                                              "quickReply", "sender"};
    p.Known(*m, kFlex, path);
    p.String(*m, "altText", path, true, ln::kMaxAltText);
    if (const json::object* contents = p.Object(*m, "contents", path, true)) {
      const std::string at = Join(path, "contents");
      const json::string* ctype = p.String(*contents, "type", at, true, SIZE_MAX);
      if (ctype != nullptr && *ctype == "carousel") {
        if (const json::array* bubbles =
                p.Array(*contents, "contents", at, true, 1, ln::kMaxFlexBubbles)) {
          for (std::size_t i = 0; i < bubbles->size(); ++i) {
            const json::object* b = (*bubbles)[i].if_object();
            const json::value* btype = b != nullptr ? Field(*b, "type") : nullptr;
            if (btype == nullptr || !btype->is_string() || btype->get_string() != "bubble") {
              p.Add(std::string(ln::kDetailFlexBubble), Index(Join(at, "contents"), i));
            }
          }
        }
      } else if (ctype != nullptr && *ctype != "bubble") {
        p.Add("must be bubble or carousel", Join(at, "type"));
      }
    }
  } else if (t == "coupon") {
    p.String(*m, "couponId", path, true, SIZE_MAX);
  }
  if (const json::object* quick = p.Object(*m, "quickReply", path, false)) {
    const std::string at = Join(path, "quickReply");
    if (const json::array* items = p.Array(*quick, "items", at, true, 0, ln::kMaxQuickReplyItems)) {
      for (std::size_t i = 0; i < items->size(); ++i) {
        const std::string item_at = Index(Join(at, "items"), i);
        const json::object* item = (*items)[i].if_object();
        if (item == nullptr) {
          p.Add(std::string(ln::kDetailNotObject), item_at);
          continue;
        }
        p.String(*item, "imageUrl", item_at, false, ln::kMaxUrl, true);
        static constexpr std::array<std::string_view, 3> kItem = {"type", "imageUrl", "action"};
        p.Known(*item, kItem, item_at);
        // "type" defaults to "action", the only kind of item there is.
        if (const json::string* type = p.String(*item, "type", item_at, false, SIZE_MAX);
            type != nullptr && *type != "action") {
          p.Add(std::string(ln::kDetailQuickReplyItemType), Join(item_at, "type"));
        }
        p.RequiredAction(*item, item_at, true);
      }
    }
  }
  if (const json::object* sender = p.Object(*m, "sender", path, false)) {
    p.String(*sender, "name", Join(path, "sender"), false, ln::kMaxSenderName);
    p.String(*sender, "iconUrl", Join(path, "sender"), false, ln::kMaxUrl, true);
  }
}

// What each message of an accepted request is, for tests to assert without reading LINE's
// JSON: its type, a template's own type after ':' ("template:buttons"), and "+quick_reply"
// when it carries quick replies ("text+quick_reply").
json::array MessageKinds(const json::array& messages) {
  json::array kinds;
  for (const json::value& v : messages) {
    const json::object& m = v.get_object();  // checked by CheckMessage
    std::string kind(m.at("type").get_string());
    if (kind == "template") {
      kind += ":" + std::string(m.at("template").at("type").get_string());
    }
    if (Field(m, "quickReply") != nullptr) kind += "+quick_reply";
    kinds.emplace_back(std::move(kind));
  }
  return kinds;
}

bool IsAggregationUnit(std::string_view s) {
  return !s.empty() && s.size() <= 30 && std::all_of(s.begin(), s.end(), [](char c) {
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
  });
}

// The parts of push and multicast bodies they share.
void CheckCommon(const json::object& body, bool multicast, Problems& p) {
  if (const json::array* messages = p.Array(body, "messages", "", true, 1, ln::kMaxMessages)) {
    for (std::size_t i = 0; i < messages->size(); ++i) {
      CheckMessage((*messages)[i], Index("messages", i), p);
    }
  }
  if (const json::value* quiet = Field(body, "notificationDisabled"); quiet && !quiet->is_bool()) {
    p.Add(std::string(ln::kDetailNotBoolean), "notificationDisabled");
  }
  const std::size_t max_units = multicast ? ln::kMaxAggregationUnitsMulticast : SIZE_MAX;
  if (const json::array* units = p.Array(body, "customAggregationUnits", "", false, 0, max_units)) {
    for (std::size_t i = 0; i < units->size(); ++i) {
      const json::value& u = (*units)[i];
      if (!u.is_string() || !IsAggregationUnit(u.get_string())) {
        p.Add(std::string(ln::kDetailAggregationUnit), Index("customAggregationUnits", i));
      }
    }
  }
}

// --- State -----------------------------------------------------------------------------------

enum class Endpoint { kPush, kMulticast, kQuota, kConsumption, kOther };

struct AcceptedKey {
  Time accepted_at{};
  std::string request_id;
  std::string sent_messages_json;  // push: the `sentMessages` array; "" for multicast
};

struct Channel {
  std::string access_token;
  std::optional<std::int64_t> quota;  // nullopt: type "none"
  std::int64_t usage = 0;             // in `usage_month`
  std::int64_t usage_month = 0;       // JapanMonth
  int push_per_second = ln::kPushPerSecond;
  int multicast_per_second = ln::kMulticastPerSecond;
  int other_per_second = ln::kOtherPerSecond;
  std::map<Endpoint, TokenBucket> buckets;
  StringMap<bool> followers;  // user id -> following (false: blocked)
  StringMap<AcceptedKey> keys;
  std::deque<std::pair<Time, std::string>> key_order;  // oldest accepted key first

  std::int64_t Usage(Time now) {
    const std::int64_t month = JapanMonth(now);
    if (month != usage_month) {
      usage_month = month;
      usage = 0;
    }
    return usage;
  }
  int PerSecond(Endpoint e) const {
    if (e == Endpoint::kPush) return push_per_second;
    if (e == Endpoint::kMulticast) return multicast_per_second;
    return other_per_second;
  }
  void ForgetOldKeys(Time now) {
    while (!key_order.empty() && key_order.front().first + ln::kRetryKeyLifetime <= now) {
      const auto it = keys.find(key_order.front().second);
      if (it != keys.end() && it->second.accepted_at == key_order.front().first) keys.erase(it);
      key_order.pop_front();
    }
  }
};

}  // namespace

class LinePlatform::State {
 public:
  std::mutex mu;
  StringMap<Channel> channels;              // GUARDED_BY(mu)
  StringMap<std::string> channel_by_token;  // GUARDED_BY(mu)

  // Message ids are 18-digit numbers; a random base keeps them unique across restarts.
  const std::int64_t id_base =
      100000000000000000LL +
      static_cast<std::int64_t>(std::random_device{}() % 400000000ULL) * 1000000000LL;
  std::atomic<std::int64_t> next_message = 1;
  std::string MessageId() { return std::to_string(id_base + next_message++); }
};

LinePlatform::LinePlatform(Recorder& recorder)
    : recorder_(recorder), state_(std::make_unique<State>()) {}
LinePlatform::~LinePlatform() = default;

net::Response LinePlatform::ServerError(int status) {
  auto r = LineError(status, ln::kMsgServerError);
  r.headers.emplace_back(std::string(ln::kRequestIdHeader), RandomUuid());
  return r;
}

net::Response LinePlatform::Handle(const net::Request& request, Time now) {
  const std::string request_id = RandomUuid();
  auto answer = [&](net::Response r) {
    r.headers.emplace_back(std::string(ln::kRequestIdHeader), request_id);
    return r;
  };
  auto refuse = [&](std::string_view code, net::Response r) {
    recorder_.Refuse(Platform::kLine, std::to_string(r.status) + " " + std::string(code));
    return answer(std::move(r));
  };

  const std::string_view path = request.path;
  Endpoint endpoint = Endpoint::kOther;
  std::string_view method = "POST";
  if (path == ln::kPushPath) {
    endpoint = Endpoint::kPush;
  } else if (path == ln::kMulticastPath) {
    endpoint = Endpoint::kMulticast;
  } else if (path == ln::kQuotaPath) {
    endpoint = Endpoint::kQuota;
    method = "GET";
  } else if (path == ln::kConsumptionPath) {
    endpoint = Endpoint::kConsumption;
    method = "GET";
  } else {
    return refuse("not_found", LineError(404, ln::kMsgNotFound));
  }
  if (request.method != method) {
    return refuse("method_not_allowed", LineError(405, ln::kMsgMethodNotAllowed));
  }

  const std::string_view token = AuthorizationToken(request);
  if (token.empty()) return refuse("invalid_token", LineError(401, ln::kMsgAuthHeader));
  const std::optional<std::string_view> retry_key = request.header(ln::kRetryKeyHeader);

  std::unique_lock lock(state_->mu);
  const auto owner = state_->channel_by_token.find(token);
  if (owner == state_->channel_by_token.end()) {
    lock.unlock();
    return refuse("invalid_token", LineError(401, ln::kMsgInvalidToken));
  }
  const std::string channel_id = owner->second;
  Channel& channel = state_->channels[channel_id];
  // A retried request still consumes the rate limit; so does one refused below.
  auto bucket = channel.buckets.find(endpoint);
  if (bucket == channel.buckets.end()) {
    const int rate = channel.PerSecond(endpoint);
    bucket =
        channel.buckets.emplace(endpoint, TokenBucket(rate, rate, std::chrono::seconds(1), now))
            .first;
  }
  if (!bucket->second.TryTake(now)) {
    lock.unlock();
    return refuse("rate_limit", LineError(429, ln::kMsgRateLimit));
  }
  if (retry_key && !In(ln::kRetryKeyPaths, path)) {
    lock.unlock();
    return refuse("retry_key_not_allowed", LineError(400, ln::kMsgRetryKeyNotAllowed));
  }
  if (endpoint == Endpoint::kQuota) {
    json::object out;
    if (channel.quota) {
      out = json::object{{"type", "limited"}, {"value", *channel.quota}};
    } else {
      out = json::object{{"type", "none"}};
    }
    return answer(JsonOk(200, out));
  }
  if (endpoint == Endpoint::kConsumption) {
    return answer(JsonOk(200, json::object{{"totalUsage", channel.Usage(now)}}));
  }
  if (retry_key) {
    if (!IsUuid(*retry_key)) {
      lock.unlock();
      return refuse("retry_key_invalid", LineError(400, ln::kMsgRetryKeyInvalid));
    }
    channel.ForgetOldKeys(now);
    const auto seen = channel.keys.find(*retry_key);
    if (seen != channel.keys.end()) {
      json::object body{{"message", ln::kMsgRetryKeyAccepted}};
      if (!seen->second.sent_messages_json.empty()) {
        body["sentMessages"] = json::parse(seen->second.sent_messages_json);
      }
      auto r = JsonOk(409, body);
      r.headers.emplace_back(std::string(ln::kAcceptedRequestIdHeader), seen->second.request_id);
      lock.unlock();
      return refuse("retry_key_accepted", std::move(r));
    }
  }
  lock.unlock();

  // The body: parsed and checked without the lock.
  if (request.body.size() > ln::kMaxBodyBytes) {
    return refuse("body_too_large", LineError(413, ln::kMsgBodyTooLarge));
  }
  json::error_code ec;
  const json::value doc = json::parse(request.body, ec);
  if (ec || !doc.is_object()) return refuse("invalid_body", LineError(400, ln::kMsgNotJson));
  const json::object& body = doc.get_object();
  const bool multicast = endpoint == Endpoint::kMulticast;
  Problems problems;
  std::vector<std::string> to;
  const json::value* to_field = Field(body, "to");
  if (!multicast) {
    if (to_field == nullptr) {
      problems.Add(std::string(ln::kDetailRequired), "to");
    } else if (!to_field->is_string() ||
               !(IsUserId(to_field->get_string()) || IsLineId(to_field->get_string(), 'C') ||
                 IsLineId(to_field->get_string(), 'R'))) {
      return refuse("invalid_body", LineError(400, ln::kMsgInvalidToProperty));
    } else {
      to.emplace_back(to_field->get_string());
    }
  } else if (const json::array* ids =
                 problems.Array(body, "to", "", true, 1, ln::kMaxMulticastTo)) {
    StringSet seen;
    for (std::size_t i = 0; i < ids->size(); ++i) {
      const json::value& id = (*ids)[i];
      if (!id.is_string() || !IsUserId(id.get_string())) {
        problems.Add(std::string(ln::kDetailUserId), Index("to", i));
      } else if (seen.insert(std::string(id.get_string())).second) {
        to.emplace_back(id.get_string());
      }
    }
  }
  CheckCommon(body, multicast, problems);
  if (!problems.empty()) {
    return refuse("invalid_body", LineError(400,
                                            std::string(ln::kMsgBodyErrorsPrefix) +
                                                std::to_string(problems.list().size()) +
                                                std::string(ln::kMsgBodyErrorsSuffix),
                                            problems.list()));
  }

  // Recipients, quota and the retry key, decided under one lock.
  const json::array& messages = body.at("messages").get_array();
  std::vector<bool> delivered(to.size(), false);
  lock.lock();
  Channel& ch = state_->channels[channel_id];
  std::int64_t charged = 0;
  for (std::size_t i = 0; i < to.size(); ++i) {
    const auto f = ch.followers.find(to[i]);
    if (f == ch.followers.end() && !multicast) {
      lock.unlock();
      return refuse("failed_to_send", LineError(400, ln::kMsgFailedToSend));
    }
    delivered[i] = f != ch.followers.end() && f->second;
    if (delivered[i]) ++charged;
  }
  if (ch.quota && ch.Usage(now) + charged > *ch.quota) {
    lock.unlock();
    return refuse("monthly_limit", LineError(429, ln::kMsgMonthlyLimit));
  }
  if (retry_key) {
    // Another request with the same key may have been accepted since the check above.
    ch.ForgetOldKeys(now);
    if (ch.keys.contains(*retry_key)) {
      const AcceptedKey& k = ch.keys.at(std::string(*retry_key));
      json::object out{{"message", ln::kMsgRetryKeyAccepted}};
      if (!k.sent_messages_json.empty()) out["sentMessages"] = json::parse(k.sent_messages_json);
      auto r = JsonOk(409, out);
      r.headers.emplace_back(std::string(ln::kAcceptedRequestIdHeader), k.request_id);
      lock.unlock();
      return refuse("retry_key_accepted", std::move(r));
    }
  }
  ch.usage += charged;
  json::array sent;
  if (!multicast) {
    for (const json::value& m : messages) {
      json::object s{{"id", state_->MessageId()}};
      const std::string_view type = m.as_object().at("type").as_string();
      if (In(ln::kQuotableTypes, type)) s["quoteToken"] = RandomToken(64);
      sent.emplace_back(std::move(s));
    }
  }
  const std::string sent_json = multicast ? std::string() : json::serialize(sent);
  if (retry_key) {
    ch.keys[std::string(*retry_key)] = AcceptedKey{now, request_id, sent_json};
    ch.key_order.emplace_back(now, std::string(*retry_key));
  }
  lock.unlock();

  auto shared_body = std::make_shared<const std::string>(request.body);
  json::object detail{{"request_id", request_id}, {"kinds", MessageKinds(messages)}};
  if (retry_key) detail["retry_key"] = *retry_key;
  if (!multicast) detail["sent_messages"] = sent;
  const std::string detail_json = json::serialize(detail);
  std::vector<Record> records;
  records.reserve(to.size());
  for (std::size_t i = 0; i < to.size(); ++i) {
    Record r;
    r.platform = Platform::kLine;
    r.account = channel_id;
    r.recipient = to[i];
    r.route = multicast ? "line_multicast" : "line_push";
    // A multicast gives no message ids back: its request id is the only handle there is.
    r.message_id = multicast ? request_id : std::string(sent.at(0).at("id").as_string());
    r.delivered = delivered[i];
    r.detail_json = detail_json;
    r.body = shared_body;
    r.received_at = now;
    records.push_back(std::move(r));
  }
  recorder_.Accept(std::move(records), Platform::kLine);
  if (multicast) return answer(JsonOk(200, json::object{}));
  return answer(JsonOk(200, json::object{{"sentMessages", std::move(sent)}}));
}

// --- Control endpoints -------------------------------------------------------------------

net::Response LinePlatform::AddChannel(const net::Request& request, Time now) {
  auto body = ParseControlBody(request.body);
  if (!body.ok()) return ControlError(body.error());
  auto id = RequiredId(*body, "channel_id");
  if (!id.ok()) return ControlError(id.error());
  auto token = RequiredString(*body, "access_token");
  if (!token.ok()) return ControlError(token.error());
  std::optional<std::int64_t> quota;
  if (Field(*body, "quota") != nullptr) {
    auto q = OptionalInt(*body, "quota", 0, 0, INT64_MAX);
    if (!q.ok()) return ControlError(q.error());
    quota = *q;
  }
  auto usage = OptionalInt(*body, "usage", 0, 0, INT64_MAX);
  if (!usage.ok()) return ControlError(usage.error());
  int push = ln::kPushPerSecond;
  int multicast = ln::kMulticastPerSecond;
  int other = ln::kOtherPerSecond;
  if (const json::value* limits = Field(*body, "rate_limits")) {
    if (!limits->is_object()) {
      return ControlError(InvalidArgument("rate_limits", "must be an object"));
    }
    for (const auto& [key, value] : limits->get_object()) {
      if (key != "push" && key != "multicast" && key != "other") {
        return ControlError(InvalidArgument("rate_limits." + std::string(key),
                                            "unknown endpoint: push, multicast or other"));
      }
    }
    for (auto [key, slot] : {std::pair{"push", &push}, std::pair{"multicast", &multicast},
                             std::pair{"other", &other}}) {
      auto v = OptionalInt(limits->get_object(), key, *slot, 1, 100000, "rate_limits");
      if (!v.ok()) return ControlError(v.error());
      *slot = static_cast<int>(*v);
    }
  }
  {
    std::lock_guard lock(state_->mu);
    const auto owner = state_->channel_by_token.find(*token);
    if (owner != state_->channel_by_token.end() && owner->second != *id) {
      return ControlError(409, "already_exists", "already used by another channel", "access_token");
    }
    Channel& ch = state_->channels[*id];
    if (!ch.access_token.empty()) state_->channel_by_token.erase(ch.access_token);
    ch.access_token = *token;
    ch.quota = quota;
    ch.usage_month = JapanMonth(now);
    ch.usage = *usage;
    ch.push_per_second = push;
    ch.multicast_per_second = multicast;
    ch.other_per_second = other;
    ch.buckets.clear();
    state_->channel_by_token[*token] = *id;
  }
  json::object out{{"channel_id", *id}, {"usage", *usage}};
  if (quota) {
    out["quota"] = *quota;
  } else {
    out["quota"] = nullptr;
  }
  return JsonOk(201, out);
}

net::Response LinePlatform::AddFollowers(const net::Request& request) {
  auto body = ParseControlBody(request.body);
  if (!body.ok()) return ControlError(body.error());
  auto id = RequiredId(*body, "channel_id");
  if (!id.ok()) return ControlError(id.error());
  auto rows = RequiredArrayOfObjects(*body, "followers");
  if (!rows.ok()) return ControlError(rows.error());
  std::vector<std::pair<std::string, bool>> pending;
  for (std::size_t i = 0; i < (*rows)->size(); ++i) {
    const std::string path = "followers[" + std::to_string(i) + "]";
    const json::object& o = (**rows)[i].get_object();
    auto user = RequiredString(o, "user_id", path);
    if (!user.ok()) return ControlError(user.error());
    if (!IsUserId(*user)) {
      return ControlError(
          InvalidArgument(path + ".user_id", "must be U followed by 32 lower-case hex digits"));
    }
    bool following = true;
    if (const json::value* status = Field(o, "status")) {
      const std::string_view s = status->is_string() ? std::string_view(status->get_string()) : "";
      if (s != "following" && s != "blocked") {
        return ControlError(
            InvalidArgument(path + ".status", "must be \"following\" or \"blocked\""));
      }
      following = s == "following";
    }
    pending.emplace_back(std::move(*user), following);
  }
  {
    std::lock_guard lock(state_->mu);
    const auto ch = state_->channels.find(*id);
    if (ch == state_->channels.end()) {
      return ControlError(404, "not_found",
                          "no such channel; register it with POST /__sandbox/line/channels",
                          "channel_id");
    }
    for (auto& [user, following] : pending) ch->second.followers[user] = following;
  }
  return JsonOk(200, json::object{{"registered", pending.size()}});
}

}  // namespace crier::sandbox::detail
