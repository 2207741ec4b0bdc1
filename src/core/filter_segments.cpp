// Segment references in filters: expansion (with cycle and size bounds), listing, renaming.
#include <algorithm>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "core/filter.h"

namespace crier::filter {
namespace {

std::size_t CountNodes(const Node& node) {
  std::size_t n = 1;
  for (const Node& child : node.children) n += CountNodes(child);
  return n;
}

const SegmentPred* SegmentOf(const Node& node) {
  if (node.kind != Node::Kind::kPredicate || !node.predicate) return nullptr;
  return std::get_if<SegmentPred>(&*node.predicate);
}

std::string Chain(const std::vector<std::string>& names, std::size_t from,
                  const std::string& last) {
  std::string out;
  for (std::size_t i = from; i < names.size(); ++i) out += names[i] + " -> ";
  return out + last;
}

class Expander {
 public:
  Expander(const SegmentLookup& lookup, std::string_view field) : lookup_(lookup), field_(field) {}

  // `height` becomes the deepest segment nesting inside `node` (0 when it references none).
  Result<Node> Expand(const Node& node, int& height) {
    height = 0;
    if (const SegmentPred* ref = SegmentOf(node)) return ExpandName(ref->name, height);
    CRIER_RETURN_IF_ERROR(AddNodes(1));
    Node out{node.kind, {}, node.predicate};
    out.children.reserve(node.children.size());
    for (const Node& child : node.children) {
      int child_height = 0;
      auto expanded = Expand(child, child_height);
      if (!expanded.ok()) return expanded;
      out.children.push_back(std::move(expanded).value());
      height = std::max(height, child_height);
    }
    return out;
  }

 private:
  struct Expanded {
    Node node;
    int height = 0;  // segments nested in it, itself included
    std::size_t nodes = 0;
  };

  Result<Node> ExpandName(const std::string& name, int& height) {
    const auto on_path = std::find(path_.begin(), path_.end(), name);
    if (on_path != path_.end()) {
      return Error{ErrorCode::kFailedPrecondition,
                   "segments refer to each other in a cycle: " +
                       Chain(path_, static_cast<std::size_t>(on_path - path_.begin()), name),
                   field_};
    }
    if (const auto done = done_.find(name); done != done_.end()) {
      // Expanded before (so free of cycles); only its depth under this path and its size are
      // new.
      if (static_cast<int>(path_.size()) + done->second.height > kMaxSegmentDepth) {
        return TooDeep(name, " and the segments inside it");
      }
      CRIER_RETURN_IF_ERROR(AddNodes(done->second.nodes));
      height = done->second.height;
      return done->second.node;
    }
    if (static_cast<int>(path_.size()) == kMaxSegmentDepth) return TooDeep(name, "");
    auto definition = lookup_(name);
    if (!definition.ok()) return definition.error();
    if (!definition->has_value()) {
      std::string message = "no segment named \"" + name + "\"";
      if (!path_.empty()) message += " (used by segment \"" + path_.back() + "\")";
      return InvalidArgument(field_, std::move(message));
    }
    path_.push_back(name);
    int inner = 0;
    auto expanded = Expand(**definition, inner);
    path_.pop_back();
    if (!expanded.ok()) return expanded;
    height = inner + 1;
    const std::size_t nodes = CountNodes(*expanded);
    done_.emplace(name, Expanded{*expanded, height, nodes});
    return expanded;
  }

  Error TooDeep(const std::string& name, std::string_view beyond) const {
    return InvalidArgument(field_, "segments nest more than " + std::to_string(kMaxSegmentDepth) +
                                       " deep: " + Chain(path_, 0, name) + std::string(beyond));
  }

  Status AddNodes(std::size_t n) {
    nodes_ += n;
    if (nodes_ > kMaxExpandedNodes) {
      return InvalidArgument(field_, "expanding its segments gives more than " +
                                         std::to_string(kMaxExpandedNodes) +
                                         " filter nodes; simplify the segments it uses");
    }
    return Status::Ok();
  }

  const SegmentLookup& lookup_;
  std::string field_;
  std::vector<std::string> path_;  // the segments being expanded, outermost first
  std::map<std::string, Expanded> done_;
  std::size_t nodes_ = 0;
};

void CollectReferences(const Node& node, std::vector<std::string>& out) {
  if (const SegmentPred* ref = SegmentOf(node)) out.push_back(ref->name);
  for (const Node& child : node.children) CollectReferences(child, out);
}

void Rename(Node& node, std::string_view from, std::string_view to) {
  if (node.kind == Node::Kind::kPredicate && node.predicate) {
    if (auto* ref = std::get_if<SegmentPred>(&*node.predicate);
        ref != nullptr && ref->name == from) {
      ref->name = std::string(to);
    }
  }
  for (Node& child : node.children) Rename(child, from, to);
}

}  // namespace

Result<Node> ExpandSegments(const Node& node, const SegmentLookup& lookup, std::string_view field) {
  Expander expander(lookup, field);
  int height = 0;
  return expander.Expand(node, height);
}

std::vector<std::string> SegmentReferences(const Node& node) {
  std::vector<std::string> out;
  CollectReferences(node, out);
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

Node RenameSegmentReferences(Node node, std::string_view from, std::string_view to) {
  Rename(node, from, to);
  return node;
}

}  // namespace crier::filter
