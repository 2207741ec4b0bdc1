#include "codec/message_json.h"

#include <algorithm>
#include <span>
#include <utility>

#include "codec/json_reader.h"
#include "core/templates.h"

namespace crier {
namespace {

// ---- writing ------------------------------------------------------------------------------

boost::json::array StringsJson(const std::vector<std::string>& strings) {
  boost::json::array out;
  for (const auto& s : strings) out.emplace_back(s);
  return out;
}

void PutIfSet(boost::json::object& o, std::string_view key, const std::string& value) {
  if (!value.empty()) o[key] = value;
}

boost::json::object TemplateJson(const TemplateMessage& t) {
  boost::json::object tpl;
  tpl["name"] = t.name;
  tpl["language"] = t.language;
  tpl["category"] = ToString(t.category);
  tpl["header_parameters"] = StringsJson(t.header_parameters);
  tpl["body_parameters"] = StringsJson(t.body_parameters);
  tpl["button_parameters"] = StringsJson(t.button_parameters);
  // What the template registry filled in when the broadcast was created.
  tpl["header_kind"] = ToString(t.header_kind);
  boost::json::array buttons;
  for (const TemplateButtonParameter& b : t.buttons) {
    boost::json::object button;
    button["index"] = b.index;
    button["type"] = ToString(b.type);
    if (b.type == TemplateButtonType::kQuickReply) button["payload"] = b.payload;
    buttons.emplace_back(std::move(button));
  }
  tpl["buttons"] = std::move(buttons);
  return tpl;
}

boost::json::object MediaJson(const Media& m) {
  boost::json::object o;
  o["url"] = m.url;
  PutIfSet(o, "preview_url", m.preview_url);
  PutIfSet(o, "caption", m.caption);
  PutIfSet(o, "filename", m.filename);
  if (m.duration_ms > 0) o["duration_ms"] = m.duration_ms;
  return o;
}

boost::json::array ButtonsJson(const std::vector<Button>& buttons) {
  boost::json::array out;
  for (const Button& b : buttons) {
    boost::json::object o;
    o["action"] = ToString(b.action);
    o["title"] = b.title;
    PutIfSet(o, "url", b.url);
    PutIfSet(o, "payload", b.payload);
    out.emplace_back(std::move(o));
  }
  return out;
}

boost::json::object CardJson(const Card& c) {
  boost::json::object o;
  o["layout"] = ToString(c.layout);
  PutIfSet(o, "text", c.text);
  PutIfSet(o, "title", c.title);
  PutIfSet(o, "image_url", c.image_url);
  PutIfSet(o, "footer", c.footer);
  PutIfSet(o, "alt_text", c.alt_text);
  if (!c.buttons.empty()) o["buttons"] = ButtonsJson(c.buttons);
  if (!c.elements.empty()) {
    boost::json::array elements;
    for (const CardElement& e : c.elements) {
      boost::json::object element;
      element["title"] = e.title;
      PutIfSet(element, "subtitle", e.subtitle);
      PutIfSet(element, "image_url", e.image_url);
      element["buttons"] = ButtonsJson(e.buttons);
      elements.emplace_back(std::move(element));
    }
    o["elements"] = std::move(elements);
  }
  PutIfSet(o, "list_button", c.list_button);
  if (!c.sections.empty()) {
    boost::json::array sections;
    for (const ListSection& s : c.sections) {
      boost::json::object section;
      PutIfSet(section, "title", s.title);
      boost::json::array rows;
      for (const ListRow& r : s.rows) {
        boost::json::object row;
        row["id"] = r.id;
        row["title"] = r.title;
        PutIfSet(row, "description", r.description);
        rows.emplace_back(std::move(row));
      }
      section["rows"] = std::move(rows);
      sections.emplace_back(std::move(section));
    }
    o["sections"] = std::move(sections);
  }
  if (!c.flex.empty()) {
    // Kept as the text it was read into; it was serialised from a parsed object.
    boost::json::error_code ec;
    boost::json::value flex = boost::json::parse(c.flex, ec);
    o["flex"] = ec ? boost::json::value(c.flex) : std::move(flex);
  }
  return o;
}

// ---- reading ------------------------------------------------------------------------------

// A string field that must be present and not empty.
Result<std::string> Required(const ObjectReader& r, std::string_view key) {
  auto value = r.String(key);
  if (!value.ok()) return value.error();
  if (value->empty()) return InvalidArgument(r.Path(key), std::string(kMsgEmpty));
  return std::move(*value);
}

Result<std::string> Optional(const ObjectReader& r, std::string_view key) {
  auto value = r.OptString(key);
  if (!value.ok()) return value.error();
  return value->value_or(std::string());
}

// An https URL: platforms fetch media and open links over TLS only (LINE refuses http
// outright), and a URL with spaces or control characters is broken before it is sent.
Status CheckHttpsUrl(const std::string& field, std::string_view url) {
  if (url.size() > kMaxContentUrlBytes) {
    return InvalidArgument(field, "is too long: " + std::to_string(url.size()) +
                                      " bytes, at most " + std::to_string(kMaxContentUrlBytes) +
                                      " allowed");
  }
  constexpr std::string_view kScheme = "https://";
  if (url.size() <= kScheme.size() || url.substr(0, kScheme.size()) != kScheme ||
      url[kScheme.size()] == '/') {
    return InvalidArgument(field, "must be an https:// URL with a host (got \"" +
                                      std::string(url.substr(0, 64)) + "\")");
  }
  for (unsigned char c : url) {
    if (c <= 0x20 || c == 0x7F) {
      return InvalidArgument(field,
                             "must not contain spaces or control characters; "
                             "percent-encode them (%20)");
    }
  }
  return Status::Ok();
}

Result<std::string> RequiredUrl(const ObjectReader& r, std::string_view key) {
  auto url = Required(r, key);
  if (!url.ok()) return url.error();
  CRIER_RETURN_IF_ERROR(CheckHttpsUrl(r.Path(key), *url));
  return std::move(*url);
}

Result<std::string> OptionalUrl(const ObjectReader& r, std::string_view key) {
  auto url = Optional(r, key);
  if (!url.ok()) return url.error();
  if (!url->empty()) CRIER_RETURN_IF_ERROR(CheckHttpsUrl(r.Path(key), *url));
  return std::move(*url);
}

// The objects of the array at `key`, each read by `read(object, path)`; `required` arrays
// must hold at least one.
template <class T, class Read>
Result<std::vector<T>> ReadList(const ObjectReader& r, std::string_view key, bool required,
                                Read read) {
  std::vector<T> out;
  auto list = r.OptArray(key);
  if (!list.ok()) return list.error();
  if (*list == nullptr || (*list)->empty()) {
    if (required) return InvalidArgument(r.Path(key), "must hold at least one item");
    return out;
  }
  if ((*list)->size() > kMaxCardItems) {
    return InvalidArgument(r.Path(key), "has " + std::to_string((*list)->size()) +
                                            " items; no platform takes more than " +
                                            std::to_string(kMaxCardItems));
  }
  for (std::size_t i = 0; i < (*list)->size(); ++i) {
    const boost::json::value& item = (**list)[i];
    const std::string path = ElementPath(r.Path(key), i);
    if (!item.is_object()) {
      return InvalidArgument(
          path, std::string(kMsgWantObject) + " (got " + std::string(JsonTypeName(item)) + ")");
    }
    auto value = read(item.get_object(), path);
    if (!value.ok()) return value.error();
    out.push_back(std::move(*value));
  }
  return out;
}

Result<std::vector<std::string>> ReadTemplateParameters(const ObjectReader& r,
                                                        std::string_view key) {
  std::vector<std::string> out;
  auto list = r.OptArray(key);
  if (!list.ok()) return list.error();
  if (*list == nullptr) return out;
  if ((*list)->size() > kMaxTemplateParameters) {
    return InvalidArgument(r.Path(key), "has " + std::to_string((*list)->size()) +
                                            " parameters, at most " +
                                            std::to_string(kMaxTemplateParameters) + " allowed");
  }
  for (std::size_t i = 0; i < (*list)->size(); ++i) {
    const boost::json::value& item = (**list)[i];
    const std::string path = ElementPath(r.Path(key), i);
    if (!item.is_string()) {
      return InvalidArgument(
          path, std::string(kMsgWantString) + " (got " + std::string(JsonTypeName(item)) + ")");
    }
    std::string value(item.get_string());
    CRIER_RETURN_IF_ERROR(CheckText(path, value, kMaxTemplateParameterChars));
    out.push_back(std::move(value));
  }
  return out;
}

Result<TemplateMessage> ReadTemplate(const boost::json::object& object, const std::string& path) {
  ObjectReader r(object, path);
  CRIER_RETURN_IF_ERROR(
      r.RejectUnknown({"name", "language", "category", "header_parameters", "body_parameters",
                       "button_parameters", "header_kind", "buttons"}));
  TemplateMessage t;
  auto name = r.String("name");
  if (!name.ok()) return name.error();
  if (name->empty()) return InvalidArgument(r.Path("name"), std::string(kMsgEmpty));
  if (!IsTemplateName(*name)) {
    return InvalidArgument(r.Path("name"),
                           "must be an approved template's name: 1 to 512 of a-z, 0-9 and _");
  }
  t.name = std::move(*name);
  auto language = r.String("language");
  if (!language.ok()) return language.error();
  if (!IsTemplateLanguage(*language)) {
    return InvalidArgument(r.Path("language"),
                           "must be the template's language code, such as en_US or zh_TW");
  }
  t.language = std::move(*language);
  // Optional: a broadcast takes the category from the template registry when it is left out.
  auto category = r.OptString("category");
  if (!category.ok()) return category.error();
  if (category->has_value()) {
    const std::optional<TemplateCategory> parsed = ParseTemplateCategory(**category);
    if (!parsed) {
      return InvalidArgument(r.Path("category"),
                             "must be \"marketing\", \"utility\" or \"authentication\": the "
                             "category the template was approved in");
    }
    t.category = *parsed;
  }
  auto header = ReadTemplateParameters(r, "header_parameters");
  if (!header.ok()) return header.error();
  t.header_parameters = std::move(*header);
  auto body = ReadTemplateParameters(r, "body_parameters");
  if (!body.ok()) return body.error();
  t.body_parameters = std::move(*body);
  auto suffixes = ReadTemplateParameters(r, "button_parameters");
  if (!suffixes.ok()) return suffixes.error();
  t.button_parameters = std::move(*suffixes);
  // The registry's part, as a stored broadcast (or one read back from the API) carries it; a
  // new broadcast has it filled in from the registry whatever it says.
  auto header_kind = r.OptString("header_kind");
  if (!header_kind.ok()) return header_kind.error();
  if (header_kind->has_value()) {
    const auto kind = ParseTemplateHeaderKind(**header_kind);
    if (!kind) {
      return InvalidArgument(r.Path("header_kind"),
                             "must be \"none\", \"text\", \"image\", \"video\" or "
                             "\"document\"");
    }
    t.header_kind = *kind;
  }
  auto buttons = ReadList<TemplateButtonParameter>(
      r, "buttons", false,
      [](const boost::json::object& object,
         const std::string& path) -> Result<TemplateButtonParameter> {
        ObjectReader b(object, path);
        CRIER_RETURN_IF_ERROR(b.RejectUnknown({"index", "type", "payload"}));
        TemplateButtonParameter p;
        auto index = b.OptInt("index");
        if (!index.ok()) return index.error();
        if (!index->has_value() || **index < 0 || **index > 9) {
          return InvalidArgument(b.Path("index"), "must be the button's position, 0 to 9");
        }
        p.index = static_cast<int>(**index);
        auto type = b.String("type");
        if (!type.ok()) return type.error();
        const auto parsed_type = ParseTemplateButtonType(*type);
        if (!parsed_type) {
          return InvalidArgument(b.Path("type"), "must be \"quick_reply\" or \"url\"");
        }
        p.type = *parsed_type;
        auto payload = b.OptString("payload");
        if (!payload.ok()) return payload.error();
        p.payload = payload->value_or("");
        return p;
      });
  if (!buttons.ok()) return buttons.error();
  t.buttons = std::move(*buttons);
  return t;
}

Result<Button> ReadButton(const boost::json::object& object, const std::string& path) {
  ObjectReader r(object, path);
  CRIER_RETURN_IF_ERROR(r.RejectUnknown({"action", "title", "url", "payload"}));
  Button b;
  auto action = r.String("action");
  if (!action.ok()) return action.error();
  const std::optional<ButtonAction> parsed = ParseButtonAction(*action);
  if (!parsed) {
    return InvalidArgument(r.Path("action"),
                           "must be \"url\" (opens a link), \"postback\" (starts the bot flow "
                           "named by payload), \"subscribe\" or \"unsubscribe\"");
  }
  b.action = *parsed;
  auto title = Required(r, "title");
  if (!title.ok()) return title.error();
  b.title = std::move(*title);
  if (b.action == ButtonAction::kUrl) {
    auto url = RequiredUrl(r, "url");
    if (!url.ok()) return url.error();
    b.url = std::move(*url);
  } else if (r.Has("url")) {
    return InvalidArgument(r.Path("url"), "only a button whose action is \"url\" has one");
  }
  if (b.action == ButtonAction::kPostback) {
    auto payload = Required(r, "payload");
    if (!payload.ok()) return payload.error();
    if (payload->starts_with(kReservedPayloadPrefix)) {
      return InvalidArgument(r.Path("payload"),
                             "must not start with \"crier:\": crier reserves it for its own "
                             "buttons (use the subscribe and unsubscribe actions)");
    }
    b.payload = std::move(*payload);
  } else if (r.Has("payload")) {
    return InvalidArgument(r.Path("payload"),
                           "only a postback button has one (subscribe and unsubscribe buttons "
                           "carry crier's own)");
  }
  return b;
}

Result<CardElement> ReadElement(const boost::json::object& object, const std::string& path) {
  ObjectReader r(object, path);
  CRIER_RETURN_IF_ERROR(r.RejectUnknown({"title", "subtitle", "image_url", "buttons"}));
  CardElement e;
  auto title = Required(r, "title");
  if (!title.ok()) return title.error();
  e.title = std::move(*title);
  auto subtitle = Optional(r, "subtitle");
  if (!subtitle.ok()) return subtitle.error();
  e.subtitle = std::move(*subtitle);
  auto image = OptionalUrl(r, "image_url");
  if (!image.ok()) return image.error();
  e.image_url = std::move(*image);
  auto buttons = ReadList<Button>(r, "buttons", false, ReadButton);
  if (!buttons.ok()) return buttons.error();
  e.buttons = std::move(*buttons);
  return e;
}

Result<ListRow> ReadRow(const boost::json::object& object, const std::string& path) {
  ObjectReader r(object, path);
  CRIER_RETURN_IF_ERROR(r.RejectUnknown({"id", "title", "description"}));
  ListRow row;
  auto id = Required(r, "id");
  if (!id.ok()) return id.error();
  row.id = std::move(*id);
  auto title = Required(r, "title");
  if (!title.ok()) return title.error();
  row.title = std::move(*title);
  auto description = Optional(r, "description");
  if (!description.ok()) return description.error();
  row.description = std::move(*description);
  return row;
}

Result<ListSection> ReadSection(const boost::json::object& object, const std::string& path) {
  ObjectReader r(object, path);
  CRIER_RETURN_IF_ERROR(r.RejectUnknown({"title", "rows"}));
  ListSection section;
  auto title = Optional(r, "title");
  if (!title.ok()) return title.error();
  section.title = std::move(*title);
  auto rows = ReadList<ListRow>(r, "rows", true, ReadRow);
  if (!rows.ok()) return rows.error();
  section.rows = std::move(*rows);
  return section;
}

// LINE's Flex Message container, kept as written: a bubble or a carousel of bubbles. LINE
// checks the inside itself; crier checks the outside and the size.
Result<std::string> ReadFlex(const ObjectReader& r) {
  auto flex = r.OptObject("flex");
  if (!flex.ok()) return flex.error();
  if (*flex == nullptr) return InvalidArgument(r.Path("flex"), std::string(kMsgRequired));
  const boost::json::value* type = (*flex)->if_contains("type");
  if (type == nullptr || !type->is_string() ||
      (type->get_string() != "bubble" && type->get_string() != "carousel")) {
    return InvalidArgument(r.Path("flex") + ".type",
                           "must be \"bubble\" or \"carousel\": a Flex Message container");
  }
  std::string text = boost::json::serialize(**flex);
  if (text.size() > kMaxFlexBytes) {
    return InvalidArgument(r.Path("flex"), "is " + std::to_string(text.size()) +
                                               " bytes of JSON, at most " +
                                               std::to_string(kMaxFlexBytes) + " allowed");
  }
  return text;
}

// The keys each layout reads; anything else is refused by name.
std::span<const std::string_view> CardKeys(CardLayout layout) {
  static constexpr std::string_view kButtons[] = {"layout", "text",     "title",  "image_url",
                                                  "footer", "alt_text", "buttons"};
  static constexpr std::string_view kCarousel[] = {"layout", "alt_text", "elements"};
  static constexpr std::string_view kQuickReplies[] = {"layout", "text", "buttons"};
  static constexpr std::string_view kList[] = {"layout", "text",        "title",
                                               "footer", "list_button", "sections"};
  static constexpr std::string_view kFlex[] = {"layout", "alt_text", "flex"};
  switch (layout) {
    case CardLayout::kButtons:
      return kButtons;
    case CardLayout::kCarousel:
      return kCarousel;
    case CardLayout::kQuickReplies:
      return kQuickReplies;
    case CardLayout::kList:
      return kList;
    case CardLayout::kFlex:
      return kFlex;
  }
  return kFlex;
}

Result<Card> ReadCard(const boost::json::object& object, const std::string& path) {
  ObjectReader r(object, path);
  Card c;
  auto layout = r.String("layout");
  if (!layout.ok()) return layout.error();
  const std::optional<CardLayout> parsed = ParseCardLayout(*layout);
  if (!parsed) {
    return InvalidArgument(r.Path("layout"),
                           "must be \"buttons\", \"carousel\", \"quick_replies\", \"list\" or "
                           "\"flex\"");
  }
  c.layout = *parsed;
  CRIER_RETURN_IF_ERROR(r.RejectUnknown(CardKeys(c.layout)));
  const bool has_text = c.layout == CardLayout::kButtons || c.layout == CardLayout::kQuickReplies ||
                        c.layout == CardLayout::kList;
  if (has_text) {
    auto text = Required(r, "text");
    if (!text.ok()) return text.error();
    c.text = std::move(*text);
  }
  auto title = Optional(r, "title");
  if (!title.ok()) return title.error();
  c.title = std::move(*title);
  auto image = OptionalUrl(r, "image_url");
  if (!image.ok()) return image.error();
  c.image_url = std::move(*image);
  auto footer = Optional(r, "footer");
  if (!footer.ok()) return footer.error();
  c.footer = std::move(*footer);
  auto alt = Optional(r, "alt_text");
  if (!alt.ok()) return alt.error();
  c.alt_text = std::move(*alt);
  switch (c.layout) {
    case CardLayout::kButtons:
    case CardLayout::kQuickReplies: {
      auto buttons = ReadList<Button>(r, "buttons", true, ReadButton);
      if (!buttons.ok()) return buttons.error();
      c.buttons = std::move(*buttons);
      break;
    }
    case CardLayout::kCarousel: {
      auto elements = ReadList<CardElement>(r, "elements", true, ReadElement);
      if (!elements.ok()) return elements.error();
      c.elements = std::move(*elements);
      break;
    }
    case CardLayout::kList: {
      auto button = Required(r, "list_button");
      if (!button.ok()) return button.error();
      c.list_button = std::move(*button);
      auto sections = ReadList<ListSection>(r, "sections", true, ReadSection);
      if (!sections.ok()) return sections.error();
      c.sections = std::move(*sections);
      break;
    }
    case CardLayout::kFlex: {
      if (c.alt_text.empty()) {
        return InvalidArgument(r.Path("alt_text"),
                               "is required: it is what the notification and chat list show");
      }
      auto flex = ReadFlex(r);
      if (!flex.ok()) return flex.error();
      c.flex = std::move(*flex);
      break;
    }
  }
  return c;
}

Result<Media> ReadMedia(MessageKind kind, const boost::json::object& object,
                        const std::string& path) {
  ObjectReader r(object, path);
  switch (kind) {
    case MessageKind::kImage:
    case MessageKind::kVideo:
      CRIER_RETURN_IF_ERROR(r.RejectUnknown({"url", "preview_url", "caption"}));
      break;
    case MessageKind::kAudio:
      CRIER_RETURN_IF_ERROR(r.RejectUnknown({"url", "duration_ms"}));
      break;
    default:
      CRIER_RETURN_IF_ERROR(r.RejectUnknown({"url", "filename", "caption"}));
      break;
  }
  Media m;
  auto url = RequiredUrl(r, "url");
  if (!url.ok()) return url.error();
  m.url = std::move(*url);
  auto preview = OptionalUrl(r, "preview_url");
  if (!preview.ok()) return preview.error();
  m.preview_url = std::move(*preview);
  auto caption = Optional(r, "caption");
  if (!caption.ok()) return caption.error();
  m.caption = std::move(*caption);
  auto filename = Optional(r, "filename");
  if (!filename.ok()) return filename.error();
  m.filename = std::move(*filename);
  auto duration = r.OptInt("duration_ms");
  if (!duration.ok()) return duration.error();
  if (duration->has_value()) {
    // A day is far beyond any platform's clip; the bound keeps the number sane.
    if (**duration <= 0 || **duration > 86'400'000) {
      return InvalidArgument(r.Path("duration_ms"),
                             "must be the clip's length in milliseconds, 1 to 86400000");
    }
    m.duration_ms = **duration;
  }
  return m;
}

std::string_view ContentKey(MessageKind kind) {
  switch (kind) {
    case MessageKind::kText:
      return "text";
    case MessageKind::kTemplate:
      return "template";
    case MessageKind::kCard:
      return "card";
    default:
      return "media";
  }
}

}  // namespace

boost::json::object MessageToJson(const Message& m) {
  boost::json::object o;
  o["kind"] = ToString(m.kind);
  switch (m.kind) {
    case MessageKind::kText:
      o["text"] = m.text;
      break;
    case MessageKind::kTemplate:
      o["template"] = TemplateJson(m.template_message);
      break;
    case MessageKind::kImage:
    case MessageKind::kVideo:
    case MessageKind::kAudio:
    case MessageKind::kFile:
      o["media"] = MediaJson(m.media);
      break;
    case MessageKind::kCard:
      o["card"] = CardJson(m.card);
      break;
  }
  return o;
}

boost::json::array MessagesToJson(std::span<const Message> messages) {
  boost::json::array out;
  out.reserve(messages.size());
  for (const Message& m : messages) out.emplace_back(MessageToJson(m));
  return out;
}

Result<Message> MessageFromJson(const boost::json::value& v, const std::string& path) {
  if (!v.is_object()) {
    return InvalidArgument(
        path, std::string(kMsgWantObject) + " (got " + std::string(JsonTypeName(v)) + ")");
  }
  ObjectReader r(v.get_object(), path);
  auto kind = r.String("kind");
  if (!kind.ok()) return kind.error();
  Message message;
  const std::optional<MessageKind> parsed = ParseMessageKind(*kind);
  if (!parsed) {
    return InvalidArgument(r.Path("kind"),
                           "must be \"text\", \"template\", \"image\", \"video\", \"audio\", "
                           "\"file\" or \"card\"");
  }
  message.kind = *parsed;
  const std::string_view content_key = ContentKey(message.kind);
  for (std::string_view key : {"text", "template", "media", "card"}) {
    if (key != content_key && r.Has(key)) {
      return InvalidArgument(r.Path(key), "a message of kind \"" + *kind + "\" has no " +
                                              std::string(key) + "; it has " +
                                              std::string(content_key));
    }
  }
  CRIER_RETURN_IF_ERROR(r.RejectUnknown({"kind", content_key}));
  if (message.kind == MessageKind::kText) {
    auto text = r.String("text");
    if (!text.ok()) return text.error();
    if (text->empty()) return InvalidArgument(r.Path("text"), std::string(kMsgEmpty));
    message.text = std::move(*text);
    return message;
  }
  auto content = r.OptObject(content_key);
  if (!content.ok()) return content.error();
  if (*content == nullptr) return InvalidArgument(r.Path(content_key), std::string(kMsgRequired));
  const std::string content_path = r.Path(content_key);
  switch (message.kind) {
    case MessageKind::kTemplate: {
      auto read = ReadTemplate(**content, content_path);
      if (!read.ok()) return read.error();
      message.template_message = std::move(*read);
      break;
    }
    case MessageKind::kCard: {
      auto read = ReadCard(**content, content_path);
      if (!read.ok()) return read.error();
      message.card = std::move(*read);
      break;
    }
    default: {
      auto read = ReadMedia(message.kind, **content, content_path);
      if (!read.ok()) return read.error();
      message.media = std::move(*read);
      break;
    }
  }
  return message;
}

Result<std::vector<Message>> MessagesFromJson(const boost::json::value& value,
                                              const std::string& path) {
  if (!value.is_array()) {
    return InvalidArgument(
        path, std::string(kMsgWantArray) + " (got " + std::string(JsonTypeName(value)) + ")");
  }
  const boost::json::array& list = value.get_array();
  if (list.size() < kMinMessages || list.size() > kMaxMessages) {
    return InvalidArgument(path,
                           "must hold 1 to 5 messages (got " + std::to_string(list.size()) + ")");
  }
  std::vector<Message> out;
  out.reserve(list.size());
  for (std::size_t i = 0; i < list.size(); ++i) {
    auto message = MessageFromJson(list[i], ElementPath(path, i));
    if (!message.ok()) return message.error();
    out.push_back(std::move(*message));
  }
  return out;
}

}  // namespace crier
