#include "core/guard_content.h"

#include <string>

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
    }
  }
  return fields;
}

}  // namespace crier::guard
