#include "core/guard_content.h"

#include <string>

#include "core/message_texts.h"

namespace crier::guard {

std::vector<TextField> TextFieldsOf(std::span<const Message> messages) {
  std::vector<TextField> fields;
  for (std::size_t i = 0; i < messages.size(); ++i) {
    const std::string n = std::to_string(i + 1);
    const std::string path = "messages[" + std::to_string(i) + "]";
    switch (messages[i].kind) {
      case MessageKind::kText:
        fields.push_back({"message " + n + " text", path + ".text", messages[i].text});
        break;
      case MessageKind::kTemplate: {
        // The template's own text was approved by the platform; what crier adds are the
        // parameter values, and those can promote as well as any text.
        const TemplateMessage& t = messages[i].template_message;
        for (std::size_t p = 0; p < t.header_parameters.size(); ++p) {
          fields.push_back({"message " + n + " header parameter " + std::to_string(p + 1),
                            path + ".template.header_parameters[" + std::to_string(p) + "]",
                            t.header_parameters[p]});
        }
        for (std::size_t p = 0; p < t.body_parameters.size(); ++p) {
          fields.push_back({"message " + n + " body parameter " + std::to_string(p + 1),
                            path + ".template.body_parameters[" + std::to_string(p) + "]",
                            t.body_parameters[p]});
        }
        break;
      }
      default:
        // Captions, card texts, button titles and links promote as well as a text message.
        ForEachPersonalText(messages[i], [&](const std::string& field, const std::string& text) {
          fields.push_back({"message " + n + " " + field, path + "." + field, text});
        });
        break;
    }
  }
  return fields;
}

}  // namespace crier::guard
