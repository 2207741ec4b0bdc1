// A small OpenAPI 3 schema checker for contract tests: loads a YAML (or JSON) spec and checks
// a JSON value against one of its schemas. Test support only.
//
// YAML is read with libyaml into Boost.JSON values: plain scalars become booleans, integers,
// numbers or null where YAML 1.1 core would, quoted scalars stay strings. Anchors, aliases and
// tags are not used by the specs and are refused.
//
// The checker supports what the platforms' specs use for request bodies: $ref (local),
// type, enum, required, properties, additionalProperties (false or a schema), items,
// min/maxItems, min/maxLength (in code points), pattern (ECMAScript), allOf, anyOf, oneOf
// and discriminator (with mapping). additionalProperties: false inside an allOf member is
// read as closing the union of every member's properties, as code generators do; otherwise
// base-and-extension schemas could never validate. In `strict` mode every object is closed
// that way, so a misspelt field is an error even where the spec leaves objects open.
#pragma once

#include <set>
#include <string>
#include <string_view>
#include <vector>

#include <boost/json.hpp>

#include "core/result.h"

namespace crier::testing {

Result<boost::json::value> LoadYamlFile(const std::string& path);

struct SchemaCheckOptions {
  bool strict = true;
  // Schema patterns known to be wrong in the spec, skipped (each must be named in a test).
  std::set<std::string> ignored_patterns;
};

class OpenApiSpec {
 public:
  static Result<OpenApiSpec> Load(const std::string& path);

  // The errors of `value` against components.schemas[`schema`], each "path: what"; empty
  // when it conforms.
  std::vector<std::string> Check(std::string_view schema, const boost::json::value& value,
                                 const SchemaCheckOptions& options = {}) const;
  // The request body schema name of `method` on `path` ("#/components/schemas/X" -> "X").
  Result<std::string> RequestSchema(std::string_view path, std::string_view method) const;
  // The names of the header parameters of `method` on `path`.
  std::vector<std::string> HeaderParameters(std::string_view path, std::string_view method) const;

  const boost::json::value& doc() const { return doc_; }

 private:
  explicit OpenApiSpec(boost::json::value doc) : doc_(std::move(doc)) {}
  boost::json::value doc_;
};

}  // namespace crier::testing
