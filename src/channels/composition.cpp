#include "channels/composition.h"

#include <boost/json.hpp>
#include <set>
#include <utility>

#include "core/templates.h"
#include "core/text_escape.h"

namespace crier::channels {
namespace {

// How a platform counts a text: Instagram's text in bytes, LINE in UTF-16 code units, the
// rest in characters (code points).
enum class Unit { kBytes, kChars, kUtf16 };

std::size_t LengthOf(std::string_view text, Unit unit) {
  const TextLength length = MeasureText(text);
  switch (unit) {
    case Unit::kBytes:
      return length.bytes;
    case Unit::kChars:
      return length.code_points;
    case Unit::kUtf16:
      return length.utf16_units;
  }
  return length.code_points;
}

std::string_view UnitName(Unit unit) {
  switch (unit) {
    case Unit::kBytes:
      return "bytes";
    case Unit::kChars:
      return "characters";
    case Unit::kUtf16:
      return "UTF-16 code units";
  }
  return "characters";
}

std::string_view PlatformName(Platform p) {
  switch (p) {
    case Platform::kMessenger:
      return "Messenger";
    case Platform::kInstagram:
      return "Instagram";
    case Platform::kWhatsApp:
      return "WhatsApp";
    case Platform::kLine:
      return "LINE";
  }
  return "this platform";
}

personalize::LengthUnit LengthUnitOf(Unit unit) {
  switch (unit) {
    case Unit::kBytes:
      return personalize::LengthUnit::kBytes;
    case Unit::kChars:
      return personalize::LengthUnit::kCodePoints;
    case Unit::kUtf16:
      return personalize::LengthUnit::kUtf16Units;
  }
  return personalize::LengthUnit::kCodePoints;
}

// The checks of one message, with errors named "messages[i].<field>". With `deferred`, the
// length limits of the texts it names are collected instead of applied (DeferredCheck).
class Checker {
 public:
  Checker(Platform platform, std::size_t index, DeferredCheck* deferred = nullptr)
      : platform_(platform),
        prefix_("messages[" + std::to_string(index) + "]."),
        deferred_(deferred) {}

  // Whether `field`'s text is only known per recipient: its content decides nothing here.
  bool Deferred(std::string_view field) const {
    return deferred_ != nullptr && deferred_->texts.contains(std::string(field));
  }
  // A rule that compares deferred texts with each other (not their lengths): the result for
  // one recipient cannot be told from the written message.
  void ComparesDeferred() const {
    if (deferred_ != nullptr) deferred_->exact = false;
  }

  std::string Field(std::string_view field) const { return prefix_ + std::string(field); }

  Status Refuse(std::string_view field, std::string_view why) const {
    return InvalidArgument(Field(field), std::string(why));
  }

  // A text at most `max` long in `unit`; an empty text passes (presence is the reader's).
  Status Max(std::string_view field, std::string_view text, std::size_t max,
             Unit unit = Unit::kChars) const {
    if (Deferred(field)) {
      const auto it = deferred_->texts.find(std::string(field));
      // A rule that reads something else under the text's name (a subscribe button's payload
      // is crier's, not the button's) is not about the text: it cannot be moved to render time.
      if (it->second != text) {
        deferred_->exact = false;
      } else {
        deferred_->limits.push_back({Field(field), {LengthUnitOf(unit), max}});
      }
      return Status::Ok();
    }
    const std::size_t n = LengthOf(text, unit);
    if (n <= max) return Status::Ok();
    const std::string u(UnitName(unit));
    return Refuse(field, "is too long for " + std::string(PlatformName(platform_)) + ": " +
                             std::to_string(n) + " " + u + ", at most " + std::to_string(max) +
                             " allowed");
  }

  Status Count(std::string_view field, std::size_t n, std::size_t min, std::size_t max,
               std::string_view what) const {
    if (n >= min && n <= max) return Status::Ok();
    const std::string range =
        min == max ? std::to_string(min) : std::to_string(min) + " to " + std::to_string(max);
    return Refuse(field, std::string(PlatformName(platform_)) + " takes " + range + " " +
                             std::string(what) + " here (got " + std::to_string(n) + ")");
  }

  // A field this platform would not show: refused, never silently dropped.
  Status NotShown(std::string_view field, std::string_view value) const {
    if (value.empty()) return Status::Ok();
    return Refuse(field,
                  "is not shown on " + std::string(PlatformName(platform_)) + "; leave it out");
  }

  Platform platform() const { return platform_; }

 private:
  Platform platform_;
  std::string prefix_;
  DeferredCheck* deferred_;
};

std::string ButtonField(std::string_view base, std::size_t i, std::string_view leaf) {
  return std::string(base) + "[" + std::to_string(i) + "]." + std::string(leaf);
}

// Button titles, link lengths and payload sizes by the platform's limits.
struct ButtonLimits {
  std::size_t title = 20;
  Unit unit = Unit::kChars;
  std::size_t payload = 1000;
  std::size_t url = 2000;
  bool url_allowed = true;
};

Status CheckButtons(const Checker& c, const std::vector<Button>& buttons, std::string_view base,
                    const ButtonLimits& limits) {
  for (std::size_t i = 0; i < buttons.size(); ++i) {
    const Button& b = buttons[i];
    CRIER_RETURN_IF_ERROR(c.Max(ButtonField(base, i, "title"), b.title, limits.title, limits.unit));
    if (b.action == ButtonAction::kUrl) {
      if (!limits.url_allowed) {
        return c.Refuse(ButtonField(base, i, "action"),
                        "cannot open a link here on " + std::string(PlatformName(c.platform())) +
                            "; use a postback, subscribe or unsubscribe button");
      }
      CRIER_RETURN_IF_ERROR(c.Max(ButtonField(base, i, "url"), b.url, limits.url, Unit::kBytes));
    }
    CRIER_RETURN_IF_ERROR(
        c.Max(ButtonField(base, i, "payload"), PayloadOf(b), limits.payload, Unit::kBytes));
  }
  return Status::Ok();
}

Status CheckMediaFields(const Checker& c, const Message& m) {
  const Media& media = m.media;
  switch (c.platform()) {
    case Platform::kMessenger:
    case Platform::kInstagram:
      CRIER_RETURN_IF_ERROR(c.NotShown("media.caption", media.caption));
      return c.NotShown("media.filename", media.filename);
    case Platform::kWhatsApp:
      // Captions go on images, videos and documents (platforms.md 4.4); 1024 as a body. An
      // audio message has no caption and only a document has a file name.
      if (m.kind == MessageKind::kAudio) {
        CRIER_RETURN_IF_ERROR(c.NotShown("media.caption", media.caption));
      }
      if (m.kind != MessageKind::kFile) {
        CRIER_RETURN_IF_ERROR(c.NotShown("media.filename", media.filename));
      }
      CRIER_RETURN_IF_ERROR(c.Max("media.caption", media.caption, 1024));
      return c.Max("media.filename", media.filename, 240);
    case Platform::kLine:
      // HTTPS URLs of at most 2000 characters (platforms.md 5.3).
      CRIER_RETURN_IF_ERROR(c.Max("media.url", media.url, 2000, Unit::kBytes));
      CRIER_RETURN_IF_ERROR(c.Max("media.preview_url", media.preview_url, 2000, Unit::kBytes));
      CRIER_RETURN_IF_ERROR(c.NotShown("media.caption", media.caption));
      CRIER_RETURN_IF_ERROR(c.NotShown("media.filename", media.filename));
      if (m.kind == MessageKind::kVideo && media.preview_url.empty()) {
        return c.Refuse("media.preview_url", "is required: LINE shows a video's preview image");
      }
      if (m.kind == MessageKind::kAudio && media.duration_ms <= 0) {
        return c.Refuse("media.duration_ms",
                        "is required: LINE needs an audio clip's length in milliseconds");
      }
      return Status::Ok();
  }
  return Status::Ok();
}

// Messenger and Instagram cards (platforms.md 1.5, 3).
Status CheckGraphCard(const Checker& c, const Card& card, bool instagram) {
  const ButtonLimits limits{20, Unit::kChars, 1000, 2000, true};
  switch (card.layout) {
    case CardLayout::kButtons:  // button template
      CRIER_RETURN_IF_ERROR(c.Max("card.text", card.text, 640));
      CRIER_RETURN_IF_ERROR(c.NotShown("card.title", card.title));
      CRIER_RETURN_IF_ERROR(c.NotShown("card.image_url", card.image_url));
      CRIER_RETURN_IF_ERROR(c.NotShown("card.footer", card.footer));
      CRIER_RETURN_IF_ERROR(c.NotShown("card.alt_text", card.alt_text));
      CRIER_RETURN_IF_ERROR(c.Count("card.buttons", card.buttons.size(), 1, 3, "buttons"));
      return CheckButtons(c, card.buttons, "card.buttons", limits);
    case CardLayout::kCarousel:  // generic template
      CRIER_RETURN_IF_ERROR(c.NotShown("card.alt_text", card.alt_text));
      CRIER_RETURN_IF_ERROR(c.Count("card.elements", card.elements.size(), 1, 10, "elements"));
      for (std::size_t i = 0; i < card.elements.size(); ++i) {
        const CardElement& e = card.elements[i];
        const std::string base = "card.elements[" + std::to_string(i) + "]";
        CRIER_RETURN_IF_ERROR(c.Max(base + ".title", e.title, 80));
        CRIER_RETURN_IF_ERROR(c.Max(base + ".subtitle", e.subtitle, 80));
        CRIER_RETURN_IF_ERROR(c.Count(base + ".buttons", e.buttons.size(), 0, 3, "buttons"));
        CRIER_RETURN_IF_ERROR(CheckButtons(c, e.buttons, base + ".buttons", limits));
      }
      return Status::Ok();
    case CardLayout::kQuickReplies: {
      if (instagram) {
        CRIER_RETURN_IF_ERROR(c.Max("card.text", card.text, 1000, Unit::kBytes));
      } else {
        CRIER_RETURN_IF_ERROR(c.Max("card.text", card.text, 1999));
      }
      CRIER_RETURN_IF_ERROR(c.Count("card.buttons", card.buttons.size(), 1, 13, "quick replies"));
      ButtonLimits replies = limits;
      replies.url_allowed = false;
      return CheckButtons(c, card.buttons, "card.buttons", replies);
    }
    case CardLayout::kList:
    case CardLayout::kFlex:
      break;
  }
  return Status::Ok();
}

// WhatsApp interactive messages (platforms.md 4.4, openapi ActionObject, SectionObject).
Status CheckWhatsAppCard(const Checker& c, const Card& card) {
  CRIER_RETURN_IF_ERROR(c.Max("card.text", card.text, 1024));
  CRIER_RETURN_IF_ERROR(c.Max("card.title", card.title, 60));
  CRIER_RETURN_IF_ERROR(c.Max("card.footer", card.footer, 60));
  CRIER_RETURN_IF_ERROR(c.NotShown("card.alt_text", card.alt_text));
  if (card.layout == CardLayout::kButtons) {
    if (!card.title.empty() && !card.image_url.empty()) {
      return c.Refuse("card.image_url", "WhatsApp shows one header: a title or an image, not both");
    }
    std::size_t links = 0;
    for (const Button& b : card.buttons) links += b.action == ButtonAction::kUrl ? 1 : 0;
    if (links > 0) {
      // A link goes as the call-to-action message, which has exactly one button.
      if (card.buttons.size() != 1) {
        return c.Refuse("card.buttons",
                        "WhatsApp opens a link from a card with exactly one button; reply "
                        "buttons (postback, subscribe, unsubscribe) cannot sit beside it");
      }
      return CheckButtons(c, card.buttons, "card.buttons", {20, Unit::kChars, 256, 2000, true});
    }
    CRIER_RETURN_IF_ERROR(c.Count("card.buttons", card.buttons.size(), 1, 3, "reply buttons"));
    std::set<std::string_view> ids;
    std::set<std::string_view> titles;
    for (std::size_t i = 0; i < card.buttons.size(); ++i) {
      if (c.Deferred(ButtonField("card.buttons", i, "payload")) ||
          c.Deferred(ButtonField("card.buttons", i, "title"))) {
        c.ComparesDeferred();
      }
      if (!ids.insert(PayloadOf(card.buttons[i])).second) {
        return c.Refuse(ButtonField("card.buttons", i, "payload"),
                        "repeats another button's: WhatsApp needs each reply id unique");
      }
      if (!titles.insert(card.buttons[i].title).second) {
        return c.Refuse(ButtonField("card.buttons", i, "title"),
                        "repeats another button's: WhatsApp needs each reply title unique");
      }
    }
    return CheckButtons(c, card.buttons, "card.buttons", {20, Unit::kChars, 256, 2000, false});
  }
  // kList
  CRIER_RETURN_IF_ERROR(c.NotShown("card.image_url", card.image_url));
  CRIER_RETURN_IF_ERROR(c.Max("card.list_button", card.list_button, 20));
  CRIER_RETURN_IF_ERROR(c.Count("card.sections", card.sections.size(), 1, 10, "sections"));
  std::size_t rows = 0;
  std::set<std::string_view> ids;
  for (std::size_t i = 0; i < card.sections.size(); ++i) {
    const ListSection& s = card.sections[i];
    const std::string base = "card.sections[" + std::to_string(i) + "]";
    if (card.sections.size() > 1 && s.title.empty()) {
      return c.Refuse(base + ".title", "is required when a list has more than one section");
    }
    CRIER_RETURN_IF_ERROR(c.Max(base + ".title", s.title, 24));
    for (std::size_t j = 0; j < s.rows.size(); ++j) {
      const ListRow& row = s.rows[j];
      const std::string rbase = base + ".rows[" + std::to_string(j) + "]";
      CRIER_RETURN_IF_ERROR(c.Max(rbase + ".id", row.id, 200));
      CRIER_RETURN_IF_ERROR(c.Max(rbase + ".title", row.title, 24));
      CRIER_RETURN_IF_ERROR(c.Max(rbase + ".description", row.description, 72));
      if (!ids.insert(row.id).second) {
        return c.Refuse(rbase + ".id", "repeats another row's: WhatsApp needs each row id unique");
      }
    }
    rows += s.rows.size();
  }
  return c.Count("card.sections", rows, 1, 10, "rows in all");
}

// LINE template and flex messages (platforms.md 5.3).
Status CheckLineCard(const Checker& c, const Card& card) {
  const ButtonLimits actions{20, Unit::kUtf16, 300, 1000, true};
  CRIER_RETURN_IF_ERROR(c.NotShown("card.footer", card.footer));
  // A template or flex message's notification text: the alt text, else the card's own text.
  if (card.layout != CardLayout::kQuickReplies) {
    CRIER_RETURN_IF_ERROR(c.Max(card.alt_text.empty() ? "card.text" : "card.alt_text",
                                card.alt_text.empty() ? card.text : card.alt_text, 1500,
                                Unit::kUtf16));
  }
  switch (card.layout) {
    case CardLayout::kButtons: {
      const bool compact = !card.title.empty() || !card.image_url.empty();
      CRIER_RETURN_IF_ERROR(c.Max("card.title", card.title, 40, Unit::kUtf16));
      CRIER_RETURN_IF_ERROR(c.Max("card.text", card.text, compact ? 60 : 160, Unit::kUtf16));
      CRIER_RETURN_IF_ERROR(c.Max("card.image_url", card.image_url, 2000, Unit::kBytes));
      CRIER_RETURN_IF_ERROR(c.Count("card.buttons", card.buttons.size(), 1, 4, "buttons"));
      return CheckButtons(c, card.buttons, "card.buttons", actions);
    }
    case CardLayout::kCarousel: {
      CRIER_RETURN_IF_ERROR(c.Count("card.elements", card.elements.size(), 1, 10, "columns"));
      const CardElement& first = card.elements.front();
      for (std::size_t i = 0; i < card.elements.size(); ++i) {
        const CardElement& e = card.elements[i];
        const std::string base = "card.elements[" + std::to_string(i) + "]";
        // LINE draws every column alike: the same number of buttons, and a title or an image
        // on all columns or on none.
        if (e.buttons.size() != first.buttons.size()) {
          return c.Refuse(base + ".buttons",
                          "LINE needs every column to have the same number "
                          "of buttons as the first (" +
                              std::to_string(first.buttons.size()) + ")");
        }
        if (e.image_url.empty() != first.image_url.empty()) {
          return c.Refuse(base + ".image_url", "LINE needs an image on every column or on none");
        }
        if (e.title.empty() != first.title.empty()) {
          return c.Refuse(base + ".title", "LINE needs a title on every column or on none");
        }
        if (e.subtitle.empty()) {
          return c.Refuse(base + ".subtitle", "is required on LINE: it is the column's text");
        }
        const bool compact = !e.title.empty() || !e.image_url.empty();
        CRIER_RETURN_IF_ERROR(c.Max(base + ".title", e.title, 40, Unit::kUtf16));
        CRIER_RETURN_IF_ERROR(
            c.Max(base + ".subtitle", e.subtitle, compact ? 60 : 120, Unit::kUtf16));
        CRIER_RETURN_IF_ERROR(c.Max(base + ".image_url", e.image_url, 2000, Unit::kBytes));
        CRIER_RETURN_IF_ERROR(c.Count(base + ".buttons", e.buttons.size(), 1, 3, "buttons"));
        CRIER_RETURN_IF_ERROR(CheckButtons(c, e.buttons, base + ".buttons", actions));
      }
      return Status::Ok();
    }
    case CardLayout::kQuickReplies:
      CRIER_RETURN_IF_ERROR(c.Max("card.text", card.text, 5000, Unit::kUtf16));
      CRIER_RETURN_IF_ERROR(c.Count("card.buttons", card.buttons.size(), 1, 13, "quick replies"));
      return CheckButtons(c, card.buttons, "card.buttons", actions);
    case CardLayout::kFlex: {
      boost::json::error_code ec;
      const boost::json::value flex = boost::json::parse(card.flex, ec);
      if (ec || !flex.is_object()) return c.Refuse("card.flex", "must be a JSON object");
      const boost::json::value* contents = flex.get_object().if_contains("contents");
      if (contents != nullptr && contents->is_array()) {
        CRIER_RETURN_IF_ERROR(
            c.Count("card.flex.contents", contents->get_array().size(), 1, 12, "bubbles"));
      }
      return Status::Ok();
    }
    case CardLayout::kList:
      break;
  }
  return Status::Ok();
}

Status CheckText(const Checker& c, const std::string& text) {
  switch (c.platform()) {
    case Platform::kMessenger:
      // message.text must be shorter than 2000 characters.
      return c.Max("text", text, 1999);
    case Platform::kInstagram:
      return c.Max("text", text, 1000, Unit::kBytes);
    case Platform::kWhatsApp:
      return c.Max("text", text, 4096);
    case Platform::kLine:
      return c.Max("text", text, 5000, Unit::kUtf16);
  }
  return Status::Ok();
}

}  // namespace

std::string_view PayloadOf(const Button& button) {
  switch (button.action) {
    case ButtonAction::kUrl:
      return {};
    case ButtonAction::kPostback:
      return button.payload;
    case ButtonAction::kSubscribe:
      return kSubscribePayload;
    case ButtonAction::kUnsubscribe:
      return kUnsubscribePayload;
  }
  return {};
}

std::optional<std::string> Unsupported(Platform platform, const Message& message) {
  const std::string name(PlatformName(platform));
  switch (message.kind) {
    case MessageKind::kText:
      return std::nullopt;
    case MessageKind::kTemplate:
      if (platform == Platform::kMessenger || platform == Platform::kWhatsApp) return std::nullopt;
      return name + " takes no templates; send text, media or a card";
    case MessageKind::kImage:
      return std::nullopt;
    case MessageKind::kVideo:
    case MessageKind::kAudio:
      if (platform != Platform::kInstagram) return std::nullopt;
      return "Instagram broadcasts take text and images only; no " +
             std::string(ToString(message.kind));
    case MessageKind::kFile:
      if (platform == Platform::kLine) return std::string("LINE has no files; link to it instead");
      if (platform == Platform::kInstagram) {
        return std::string("Instagram broadcasts take text and images only; no files");
      }
      return std::nullopt;
    case MessageKind::kCard:
      switch (message.card.layout) {
        case CardLayout::kButtons:
          if (platform != Platform::kInstagram) return std::nullopt;
          return std::string("Instagram has no button card; use quick replies or a carousel");
        case CardLayout::kCarousel:
          if (platform != Platform::kWhatsApp) return std::nullopt;
          return std::string("WhatsApp has no carousel card; use buttons or a list");
        case CardLayout::kQuickReplies:
          if (platform != Platform::kWhatsApp) return std::nullopt;
          return std::string("WhatsApp has no quick replies; use a buttons card (up to 3)");
        case CardLayout::kList:
          if (platform == Platform::kWhatsApp) return std::nullopt;
          return "a list card is WhatsApp's; " + name +
                 " takes buttons, a carousel or quick "
                 "replies";
        case CardLayout::kFlex:
          if (platform == Platform::kLine) return std::nullopt;
          return "a flex card is LINE's; " + name + " cannot show it";
      }
  }
  return std::nullopt;
}

Status CheckMessageFor(Platform platform, const Message& message, std::size_t index) {
  return CheckMessageDeferring(platform, message, index, nullptr);
}

Status CheckMessageDeferring(Platform platform, const Message& message, std::size_t index,
                             DeferredCheck* deferred) {
  const Checker c(platform, index, deferred);
  if (auto why = Unsupported(platform, message)) {
    return c.Refuse(message.kind == MessageKind::kCard ? "card.layout" : "kind", *why);
  }
  switch (message.kind) {
    case MessageKind::kText:
      return CheckText(c, message.text);
    case MessageKind::kTemplate:
      return Status::Ok();  // the adapter's and the template registry's
    case MessageKind::kImage:
    case MessageKind::kVideo:
    case MessageKind::kAudio:
    case MessageKind::kFile:
      return CheckMediaFields(c, message);
    case MessageKind::kCard:
      switch (platform) {
        case Platform::kMessenger:
        case Platform::kInstagram:
          return CheckGraphCard(c, message.card, platform == Platform::kInstagram);
        case Platform::kWhatsApp:
          return CheckWhatsAppCard(c, message.card);
        case Platform::kLine:
          return CheckLineCard(c, message.card);
      }
  }
  return Status::Ok();
}

Status CheckMarketingMessageApiContent(std::span<const Message> messages) {
  for (std::size_t i = 0; i < messages.size(); ++i) {
    if (messages[i].kind != MessageKind::kCard) continue;
    const Card& card = messages[i].card;
    const std::string prefix = "messages[" + std::to_string(i) + "].card.";
    if (card.layout == CardLayout::kQuickReplies) {
      return InvalidArgument(prefix + "layout",
                             "the Marketing Message API takes no quick replies; send a buttons "
                             "card of link buttons, or leave outside_window.marketing_message_api "
                             "off");
    }
    const auto check = [&](const std::vector<Button>& buttons, const std::string& base) -> Status {
      for (std::size_t j = 0; j < buttons.size(); ++j) {
        if (buttons[j].action != ButtonAction::kUrl) {
          return InvalidArgument(prefix + base + "[" + std::to_string(j) + "].action",
                                 "the Marketing Message API takes link (web_url) buttons only");
        }
      }
      return Status::Ok();
    };
    CRIER_RETURN_IF_ERROR(check(card.buttons, "buttons"));
    for (std::size_t e = 0; e < card.elements.size(); ++e) {
      CRIER_RETURN_IF_ERROR(
          check(card.elements[e].buttons, "elements[" + std::to_string(e) + "].buttons"));
    }
  }
  return Status::Ok();
}

Status CheckMessagesFor(Platform platform, std::span<const Message> messages) {
  if (messages.empty() || messages.size() > 5) {
    return InvalidArgument(
        "messages", "must hold 1 to 5 messages (got " + std::to_string(messages.size()) + ")");
  }
  for (std::size_t i = 0; i < messages.size(); ++i) {
    if (messages[i].kind == MessageKind::kCard && messages.size() > 1) {
      return InvalidArgument("messages[" + std::to_string(i) + "].kind",
                             "a bot card goes alone: this broadcast has " +
                                 std::to_string(messages.size()) +
                                 " messages; send the card as a broadcast of its own");
    }
  }
  for (std::size_t i = 0; i < messages.size(); ++i) {
    CRIER_RETURN_IF_ERROR(CheckMessageFor(platform, messages[i], i));
  }
  return Status::Ok();
}

}  // namespace crier::channels
