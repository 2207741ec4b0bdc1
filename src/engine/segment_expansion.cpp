#include "engine/segment_expansion.h"

#include <map>
#include <string>
#include <utility>
#include <vector>

namespace crier::engine {

Result<filter::Node> ExpandWithStore(Store& store, const filter::Node& filter,
                                     std::string_view field) {
  const std::vector<std::string> names = filter::SegmentReferences(filter);
  if (names.empty()) return filter;
  auto segments = store.ResolveSegments(names);
  if (!segments.ok()) return segments.error();
  std::map<std::string, std::string, std::less<>> definitions;
  for (Segment& s : *segments) definitions.emplace(std::move(s.name), std::move(s.filter));
  const filter::SegmentLookup lookup =
      [&definitions](const std::string& name) -> Result<std::optional<filter::Node>> {
    const auto it = definitions.find(name);
    if (it == definitions.end()) return std::optional<filter::Node>();
    auto node = filter::ParseText(it->second);
    if (!node.ok()) {
      return Internal("the stored filter of segment \"" + name +
                      "\" does not parse: " + node.error().message);
    }
    return std::optional<filter::Node>(std::move(node).value());
  };
  return filter::ExpandSegments(filter, lookup, field);
}

}  // namespace crier::engine
