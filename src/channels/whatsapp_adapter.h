// The WhatsApp Cloud API adapter: POST {base}/{version}/{phone_number_id}/messages with a
// bearer token (platforms.md 4.2, 4.4). Text, media, buttons and list cards, and templates
// (header, body and button parameters, built from a template description).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "channels/adapter.h"
#include "channels/graph_wire.h"
#include "core/result.h"

namespace crier::channels {

// One parameter of a template component (platforms.md 4.3).
struct TemplateParameter {
  enum class Type { kText, kCurrency, kDateTime, kImage, kVideo, kDocument, kPayload };
  Type type = Type::kText;
  // kText, kPayload: the value; kCurrency, kDateTime: fallback_value; media: the link.
  std::string value;
  std::string currency_code;     // kCurrency: ISO 4217
  std::int64_t amount_1000 = 0;  // kCurrency: the amount times 1000
  // No filename for documents: the spec's template media object has only id or link.
};

struct TemplateComponent {
  enum class Type { kHeader, kBody, kButton };
  Type type = Type::kBody;
  std::string sub_type;  // kButton: "quick_reply", "url" or "catalog"
  int index = 0;         // kButton: the button's position, 0-9
  std::vector<TemplateParameter> parameters;
};

// An approved template by name and language, with the values for its placeholders.
struct WhatsAppTemplate {
  std::string name;
  std::string language;  // "en_US"
  std::vector<TemplateComponent> components;
};

// Checks what WhatsApp would refuse with 132000/132012 before any request is built: a name
// and a language, header parameters of a header type, body parameters of a body type,
// button index 0-9 with a known sub_type and the parameter type it takes, currency with code
// and fallback. Error::field names the place, e.g. "template.components[2].index".
Status ValidateTemplate(const WhatsAppTemplate& t);

// A broadcast's template message as WhatsApp takes it: a header component with the header's
// parameters (text, or the media link of an image / video / document header), a body component
// with the body's, each only when it has parameters, then one button component per button the
// registry filled in: a quick reply with its payload, a URL button with the next of
// button_parameters as its suffix.
WhatsAppTemplate WhatsAppTemplateOf(const TemplateMessage& t);

// The class of a WhatsApp Cloud API error code (platforms.md 4.6, 4.7), or nullopt.
std::optional<ErrorClass> WhatsAppErrorClass(std::int64_t code);

// Whether `id` is a business-scoped user id ("US.13491208655302741918"): two capital
// letters, a dot, then letters and digits. Phone-based ids are digits, "+" optional.
bool IsBusinessScopedUserId(std::string_view id);

// How long the pair rate (one message per 6 s to one person) asks to wait after 131056.
inline constexpr Duration kPairRateWait = std::chrono::seconds(6);

// Stateless and thread-safe.
class WhatsAppAdapter final : public ChannelAdapter {
 public:
  Platform platform() const override { return Platform::kWhatsApp; }
  // A template message must pass ValidateTemplate as WhatsAppTemplateOf makes it; text passes.
  Status ValidateMessage(const Message& message) const override;
  // A text message: {"messaging_product":"whatsapp","recipient_type":"individual",
  // "to":<phone> | "recipient":<BSUID>,"type":"text","text":{["preview_url":true,]"body":..}}.
  // preview_url is set when the text has an http(s) link. Media go as "image", "video",
  // "audio" and "document" (a file) with link, caption and filename when set; a buttons card
  // as interactive "button" (reply ids are PayloadOf) or, for its one URL button,
  // "cta_url"; a list card as interactive "list". Media and card texts are the recipient's
  // (Personalise). A template message (kind kTemplate)
  // is sent as BuildTemplateSend sends WhatsAppTemplateOf(message.template_message). The
  // content decides the body; the route (standard window or whatsapp_template) does not.
  OutboundRequest BuildSend(const ChannelAccount& account, const RecipientRef& recipient,
                            const SendContext& context, const Message& message) const override;
  // The members after the envelope that BuildSend writes for a media or card message
  // (,"type":..,"image"|"interactive":..).
  void AppendMessageJson(std::string& out, const Message& message) const override;
  // A template message; `t` must have passed ValidateTemplate. With `content` (and
  // recipient.contact), the header (text or media link), body and URL-button parameters are
  // personalised from content->header_parameters / body_parameters / button_parameters, in
  // order (the n-th URL button takes the n-th button parameter).
  OutboundRequest BuildTemplateSend(const ChannelAccount& account, const RecipientRef& recipient,
                                    const WhatsAppTemplate& t,
                                    const CompiledMessage* content = nullptr) const;
  // sent with messages[0].id (the wamid) on a 2xx answer; message_status other than
  // "accepted" (held_for_quality_assessment, paused) goes to platform_status. Otherwise the
  // class of the Graph error code, falling back on the transport outcome and HTTP status.
  SendResult Classify(const TransportResult& result) const override;
};

}  // namespace crier::channels
