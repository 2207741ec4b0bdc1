#include "support/openapi_schema.h"

#include <yaml.h>

#include <charconv>
#include <cstdio>
#include <fstream>
#include <memory>
#include <regex>
#include <sstream>

namespace crier::testing {
namespace {

namespace json = boost::json;

bool IsInteger(std::string_view s) {
  if (s.empty()) return false;
  std::size_t i = (s[0] == '-' || s[0] == '+') ? 1 : 0;
  if (i == s.size()) return false;
  for (; i < s.size(); ++i) {
    if (s[i] < '0' || s[i] > '9') return false;
  }
  return true;
}

json::value PlainScalar(std::string_view s) {
  if (s == "true" || s == "True" || s == "TRUE") return true;
  if (s == "false" || s == "False" || s == "FALSE") return false;
  if (s == "null" || s == "~" || s.empty()) return nullptr;
  if (IsInteger(s)) {
    std::int64_t v = 0;
    const char* begin = s.data() + (s[0] == '+' ? 1 : 0);
    const auto [ptr, ec] = std::from_chars(begin, s.data() + s.size(), v);
    if (ec == std::errc() && ptr == s.data() + s.size()) return v;
  }
  double d = 0;
  const auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), d);
  if (ec == std::errc() && ptr == s.data() + s.size()) return d;
  return json::string(s);
}

struct Parser {
  yaml_parser_t parser;
  Parser() { yaml_parser_initialize(&parser); }
  ~Parser() { yaml_parser_delete(&parser); }
};

struct Event {
  yaml_event_t event;
  bool valid = false;
  ~Event() {
    if (valid) yaml_event_delete(&event);
  }
};

Result<json::value> ParseNode(Parser& p, Event& first);

Result<json::value> Next(Parser& p) {
  Event e;
  if (!yaml_parser_parse(&p.parser, &e.event)) {
    return Internal(std::string("YAML: ") + (p.parser.problem ? p.parser.problem : "error") +
                    " at line " + std::to_string(p.parser.problem_mark.line + 1));
  }
  e.valid = true;
  return ParseNode(p, e);
}

Result<json::value> ParseNode(Parser& p, Event& e) {
  switch (e.event.type) {
    case YAML_SCALAR_EVENT: {
      const std::string_view text(reinterpret_cast<const char*>(e.event.data.scalar.value),
                                  e.event.data.scalar.length);
      if (e.event.data.scalar.style == YAML_PLAIN_SCALAR_STYLE) return PlainScalar(text);
      return json::value(json::string(text));
    }
    case YAML_SEQUENCE_START_EVENT: {
      json::array out;
      while (true) {
        Event item;
        if (!yaml_parser_parse(&p.parser, &item.event)) return Internal("YAML: bad sequence");
        item.valid = true;
        if (item.event.type == YAML_SEQUENCE_END_EVENT) break;
        auto v = ParseNode(p, item);
        if (!v.ok()) return v.error();
        out.push_back(std::move(*v));
      }
      return json::value(std::move(out));
    }
    case YAML_MAPPING_START_EVENT: {
      json::object out;
      while (true) {
        Event key;
        if (!yaml_parser_parse(&p.parser, &key.event)) return Internal("YAML: bad mapping");
        key.valid = true;
        if (key.event.type == YAML_MAPPING_END_EVENT) break;
        if (key.event.type != YAML_SCALAR_EVENT) return Internal("YAML: non-scalar key");
        const std::string k(reinterpret_cast<const char*>(key.event.data.scalar.value),
                            key.event.data.scalar.length);
        auto v = Next(p);
        if (!v.ok()) return v.error();
        out[k] = std::move(*v);
      }
      return json::value(std::move(out));
    }
    case YAML_ALIAS_EVENT:
      return Internal("YAML: aliases are not supported");
    default:
      return Internal("YAML: unexpected event");
  }
}

std::string Quote(std::string_view s) { return "\"" + std::string(s) + "\""; }

std::size_t CodePoints(std::string_view s) {
  std::size_t n = 0;
  for (const char c : s) {
    if ((static_cast<unsigned char>(c) & 0xC0) != 0x80) ++n;
  }
  return n;
}

class Checker {
 public:
  Checker(const json::value& doc, const SchemaCheckOptions& options)
      : doc_(doc), options_(options) {}

  const json::object* Resolve(const json::value& schema) const {
    const json::object* s = schema.if_object();
    for (int depth = 0; s != nullptr && depth < 32; ++depth) {
      const auto* ref = s->if_contains("$ref");
      if (ref == nullptr || !ref->is_string()) return s;
      s = Lookup(ref->get_string());
    }
    return s;
  }

  const json::object* Lookup(std::string_view ref) const {
    constexpr std::string_view kPrefix = "#/components/schemas/";
    if (ref.substr(0, kPrefix.size()) != kPrefix) return nullptr;
    const auto* comps = doc_.as_object().if_contains("components");
    const auto* schemas = comps ? comps->as_object().if_contains("schemas") : nullptr;
    const auto* s =
        schemas ? schemas->as_object().if_contains(ref.substr(kPrefix.size())) : nullptr;
    return s ? s->if_object() : nullptr;
  }

  // Every property name the schema declares, through $ref, allOf and (for a base with a
  // discriminator) the mapped schema chosen by `value`.
  void CollectProperties(const json::object& s, const json::value& value,
                         std::set<std::string>& names, int depth) const {
    if (depth > 16) return;
    if (const auto* props = s.if_contains("properties"); props && props->is_object()) {
      for (const auto& [k, v] : props->get_object()) names.insert(std::string(k));
    }
    if (const auto* all = s.if_contains("allOf"); all && all->is_array()) {
      for (const auto& member : all->get_array()) {
        if (const auto* m = Resolve(member)) CollectProperties(*m, value, names, depth + 1);
      }
    }
  }

  bool Closed(const json::object& s, int depth) const {
    if (options_.strict) return true;
    if (depth > 16) return false;
    if (const auto* ap = s.if_contains("additionalProperties"); ap && ap->is_bool()) {
      return !ap->get_bool();
    }
    if (const auto* all = s.if_contains("allOf"); all && all->is_array()) {
      for (const auto& member : all->get_array()) {
        if (const auto* m = Resolve(member); m && Closed(*m, depth + 1)) return true;
      }
    }
    return false;
  }

  // `skip_discriminator`: the base schema whose discriminator has already chosen `s`.
  void Check(const json::value& schema, const json::value& value, const std::string& path,
             std::vector<std::string>& errors, const json::object* skip_discriminator,
             bool check_closed) const {
    const json::object* s = Resolve(schema);
    if (s == nullptr) {
      errors.push_back(path + ": unresolvable schema");
      return;
    }
    if (const auto* disc = s->if_contains("discriminator");
        disc && disc->is_object() && s != skip_discriminator) {
      const auto* prop = disc->get_object().if_contains("propertyName");
      const auto* mapping = disc->get_object().if_contains("mapping");
      const auto* obj = value.if_object();
      if (prop && prop->is_string() && mapping && mapping->is_object() && obj) {
        const auto* tag = obj->if_contains(prop->get_string());
        if (tag == nullptr || !tag->is_string()) {
          errors.push_back(path + ": missing discriminator " + Quote(prop->get_string()));
          return;
        }
        const auto* target = mapping->get_object().if_contains(tag->get_string());
        if (target == nullptr || !target->is_string()) {
          errors.push_back(path + "." + std::string(prop->get_string()) + ": " +
                           Quote(tag->get_string()) + " is not a mapped value");
          return;
        }
        const json::object* mapped = Lookup(target->get_string());
        if (mapped == nullptr) {
          errors.push_back(path + ": unresolvable mapping");
          return;
        }
        Check(json::value(*mapped), value, path, errors, s, check_closed);
        return;
      }
    }

    if (const auto* type = s->if_contains("type"); type && type->is_string()) {
      if (!TypeMatches(type->get_string(), value)) {
        errors.push_back(path + ": expected " + std::string(type->get_string()));
        return;
      }
    }
    if (const auto* e = s->if_contains("enum"); e && e->is_array()) {
      bool found = false;
      for (const auto& v : e->get_array()) found = found || v == value;
      if (!found) errors.push_back(path + ": " + json::serialize(value) + " is not in the enum");
    }
    if (const auto* str = value.if_string()) CheckString(*s, *str, path, errors);
    if (const auto* arr = value.if_array()) CheckArray(*s, *arr, path, errors);
    if (const auto* obj = value.if_object()) {
      CheckObject(*s, *obj, path, errors, skip_discriminator, check_closed);
    }

    if (const auto* all = s->if_contains("allOf"); all && all->is_array()) {
      // The members are checked without their own closing: the union is closed above.
      for (const auto& member : all->get_array()) {
        Check(member, value, path, errors, skip_discriminator, false);
      }
    }
    for (const char* key : {"oneOf", "anyOf"}) {
      const auto* alts = s->if_contains(key);
      if (alts == nullptr || !alts->is_array()) continue;
      int matches = 0;
      std::vector<std::string> first_errors;
      for (const auto& alt : alts->get_array()) {
        std::vector<std::string> e;
        Check(alt, value, path, e, nullptr, check_closed);
        if (e.empty()) {
          ++matches;
        } else if (first_errors.empty()) {
          first_errors = e;
        }
      }
      if (matches == 0) {
        errors.push_back(path + ": matches none of " + key +
                         " (first: " + (first_errors.empty() ? "" : first_errors.front()) + ")");
      } else if (matches > 1 && std::string_view(key) == "oneOf") {
        errors.push_back(path + ": matches several of oneOf");
      }
    }
  }

 private:
  static bool TypeMatches(std::string_view type, const json::value& v) {
    if (type == "object") return v.is_object();
    if (type == "array") return v.is_array();
    if (type == "string") return v.is_string();
    if (type == "boolean") return v.is_bool();
    if (type == "integer") return v.is_int64() || v.is_uint64();
    if (type == "number") return v.is_number();
    if (type == "null") return v.is_null();
    return true;
  }

  void CheckString(const json::object& s, const json::string& str, const std::string& path,
                   std::vector<std::string>& errors) const {
    const auto n = static_cast<std::int64_t>(CodePoints(str));
    if (const auto* m = s.if_contains("maxLength"); m && m->is_int64() && n > m->get_int64()) {
      errors.push_back(path + ": longer than " + std::to_string(m->get_int64()));
    }
    if (const auto* m = s.if_contains("minLength"); m && m->is_int64() && n < m->get_int64()) {
      errors.push_back(path + ": shorter than " + std::to_string(m->get_int64()));
    }
    if (const auto* p = s.if_contains("pattern"); p && p->is_string()) {
      const std::string pattern(p->get_string());
      if (options_.ignored_patterns.count(pattern) == 0 &&
          !std::regex_search(std::string(str), std::regex(pattern))) {
        errors.push_back(path + ": does not match " + pattern);
      }
    }
  }

  void CheckArray(const json::object& s, const json::array& arr, const std::string& path,
                  std::vector<std::string>& errors) const {
    const auto n = static_cast<std::int64_t>(arr.size());
    if (const auto* m = s.if_contains("maxItems"); m && m->is_int64() && n > m->get_int64()) {
      errors.push_back(path + ": more than " + std::to_string(m->get_int64()) + " items");
    }
    if (const auto* m = s.if_contains("minItems"); m && m->is_int64() && n < m->get_int64()) {
      errors.push_back(path + ": fewer than " + std::to_string(m->get_int64()) + " items");
    }
    if (const auto* items = s.if_contains("items")) {
      for (std::size_t i = 0; i < arr.size(); ++i) {
        Check(*items, arr[i], path + "[" + std::to_string(i) + "]", errors, nullptr, true);
      }
    }
  }

  void CheckObject(const json::object& s, const json::object& obj, const std::string& path,
                   std::vector<std::string>& errors, const json::object* skip_discriminator,
                   bool check_closed) const {
    if (const auto* req = s.if_contains("required"); req && req->is_array()) {
      for (const auto& r : req->get_array()) {
        if (r.is_string() && !obj.contains(r.get_string())) {
          errors.push_back(path + ": missing " + Quote(r.get_string()));
        }
      }
    }
    const auto* props = s.if_contains("properties");
    if (props && props->is_object()) {
      for (const auto& [k, v] : obj) {
        if (const auto* ps = props->get_object().if_contains(k)) {
          Check(*ps, v, path + "." + std::string(k), errors, nullptr, true);
        }
      }
    }
    if (const auto* ap = s.if_contains("additionalProperties"); ap && ap->is_object()) {
      for (const auto& [k, v] : obj) {
        if (props && props->is_object() && props->get_object().contains(k)) continue;
        Check(*ap, v, path + "." + std::string(k), errors, nullptr, true);
      }
    }
    if (!check_closed || !Closed(s, 0)) return;
    std::set<std::string> known;
    CollectProperties(s, json::value(obj), known, 0);
    // A schema chosen by a discriminator also admits its base's properties.
    if (skip_discriminator != nullptr) {
      CollectProperties(*skip_discriminator, json::value(obj), known, 0);
    }
    if (known.empty() && !s.contains("additionalProperties")) return;  // a free-form object
    for (const auto& [k, v] : obj) {
      if (known.count(std::string(k)) == 0) {
        errors.push_back(path + "." + std::string(k) + ": not in the schema");
      }
    }
  }

  const json::value& doc_;
  const SchemaCheckOptions& options_;
};

}  // namespace

Result<json::value> LoadYamlFile(const std::string& path) {
  std::unique_ptr<FILE, int (*)(FILE*)> file(std::fopen(path.c_str(), "rb"), &std::fclose);
  if (!file) return NotFound("cannot open " + path);
  Parser p;
  yaml_parser_set_input_file(&p.parser, file.get());
  json::value root;
  bool have_root = false;
  while (true) {
    Event e;
    if (!yaml_parser_parse(&p.parser, &e.event)) {
      return Internal(path + ": " + (p.parser.problem ? p.parser.problem : "YAML error") +
                      " at line " + std::to_string(p.parser.problem_mark.line + 1));
    }
    e.valid = true;
    const auto type = e.event.type;
    if (type == YAML_STREAM_END_EVENT) break;
    if (type == YAML_STREAM_START_EVENT || type == YAML_DOCUMENT_START_EVENT ||
        type == YAML_DOCUMENT_END_EVENT) {
      continue;
    }
    if (have_root) return Internal(path + ": more than one document");
    auto v = ParseNode(p, e);
    if (!v.ok()) return Internal(path + ": " + v.error().message);
    root = std::move(*v);
    have_root = true;
  }
  if (!have_root) return Internal(path + ": empty");
  return root;
}

Result<OpenApiSpec> OpenApiSpec::Load(const std::string& path) {
  auto doc = LoadYamlFile(path);
  if (!doc.ok()) return doc.error();
  if (!doc->is_object() || !doc->as_object().contains("components")) {
    return Internal(path + ": not an OpenAPI document");
  }
  return OpenApiSpec(std::move(*doc));
}

std::vector<std::string> OpenApiSpec::Check(std::string_view schema,
                                            const boost::json::value& value,
                                            const SchemaCheckOptions& options) const {
  const Checker checker(doc_, options);
  std::vector<std::string> errors;
  const json::object* s = checker.Lookup("#/components/schemas/" + std::string(schema));
  if (s == nullptr) return {"no schema " + std::string(schema)};
  checker.Check(json::value(*s), value, "$", errors, nullptr, true);
  return errors;
}

namespace {
const json::object* Operation(const json::value& doc, std::string_view path,
                              std::string_view method) {
  const auto* paths = doc.as_object().if_contains("paths");
  const auto* p = paths && paths->is_object() ? paths->get_object().if_contains(path) : nullptr;
  const auto* op = p && p->is_object() ? p->get_object().if_contains(method) : nullptr;
  return op ? op->if_object() : nullptr;
}
}  // namespace

Result<std::string> OpenApiSpec::RequestSchema(std::string_view path,
                                               std::string_view method) const {
  const json::object* op = Operation(doc_, path, method);
  if (op == nullptr)
    return NotFound("no operation " + std::string(method) + " " + std::string(path));
  try {
    const auto& ref = op->at("requestBody")
                          .at("content")
                          .at("application/json")
                          .at("schema")
                          .at("$ref")
                          .as_string();
    const std::string_view r = ref;
    return std::string(r.substr(r.rfind('/') + 1));
  } catch (const std::exception& e) {
    return Internal(std::string("no request schema: ") + e.what());
  }
}

std::vector<std::string> OpenApiSpec::HeaderParameters(std::string_view path,
                                                       std::string_view method) const {
  std::vector<std::string> out;
  const json::object* op = Operation(doc_, path, method);
  if (op == nullptr) return out;
  const auto* params = op->if_contains("parameters");
  if (params == nullptr || !params->is_array()) return out;
  for (const auto& p : params->get_array()) {
    const json::object* param = p.if_object();
    if (param == nullptr) continue;
    if (const auto* ref = param->if_contains("$ref"); ref && ref->is_string()) {
      // #/components/parameters/X
      const std::string_view r = ref->get_string();
      const auto* comps = doc_.as_object().if_contains("components");
      const auto* ps = comps ? comps->as_object().if_contains("parameters") : nullptr;
      const auto* target = ps ? ps->as_object().if_contains(r.substr(r.rfind('/') + 1)) : nullptr;
      param = target ? target->if_object() : nullptr;
      if (param == nullptr) continue;
    }
    const auto* in = param->if_contains("in");
    const auto* name = param->if_contains("name");
    if (in && in->is_string() && in->get_string() == "header" && name && name->is_string()) {
      out.emplace_back(name->get_string());
    }
  }
  return out;
}

}  // namespace crier::testing
