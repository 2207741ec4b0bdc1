#include "channels/json_escape.h"

#include "core/text_escape.h"

namespace crier::channels {

// One escaper for the whole send path: the personalised texts (core/personalize) and the
// adapters' own strings come out escaped the same way.
void AppendJsonString(std::string& out, std::string_view s) {
  out.push_back('"');
  AppendJsonEscaped(out, s);
  out.push_back('"');
}

}  // namespace crier::channels
