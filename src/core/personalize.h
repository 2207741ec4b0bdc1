// Personalised content (PRODUCT.md D1): message text with placeholders, compiled once per
// run and rendered per recipient into a caller-owned buffer.
//
// The placeholder language:
//
//   {{contact.name}}              the contact's stored name
//   {{contact.first_name}}        their first name
//   {{contact.locale}}            their locale ("zh_TW")
//   {{contact.attr.KEY}}          the custom attribute KEY ([A-Za-z0-9_]{1,64}, case-sensitive)
//   {{ contact.first_name | "there" }}   with a fallback
//
// Spaces and tabs may surround the path, the `|` and the fallback. A fallback is a double-
// quoted literal in which `\"` is a quote and `\\` a backslash (no other escapes; it may not
// be empty). A value that is empty, or an attribute the contact does not have, renders the
// fallback; with no fallback it renders as nothing. An unknown placeholder is a compile error,
// never a silent blank (there is no `contact.last_name`: the model has no last name).
// Attribute values render in one stable form: strings as they are, numbers as the shortest
// text that reads back as the same double ("42", "0.1", "1e+21"), booleans as `true` /
// `false`, times as RFC 3339 UTC with milliseconds ("2026-11-21T09:00:00.000Z").
//
// Literal braces: `{{{{` writes `{{`; a lone `{`, or a `{` just before a placeholder, is
// literal (`{{{contact.name}}}` renders `{Ann}`), and so is any `}` outside a placeholder.
//
// Values and fallbacks are copied, never re-read as templates: a name that contains
// `{{contact.name}}` renders those characters. Bytes of a value that are not well-formed UTF-8
// become U+FFFD, so neither the JSON of a body nor a preview can be broken by what a contact is
// called.
//
// A run that tracks clicks (PRODUCT.md G3) sends its links through crier's redirect, and
// every recipient's copy carries their own click token: `{{crier.click}}` is that token. It is
// crier's own placeholder, accepted only where crier rewrote the links (Syntax::kTracked), so
// a user who writes it gets "unknown placeholder" like any other typo.
//
// Everything here is pure; a compiled Template or BodyTemplate is immutable and may be
// rendered from any number of threads at once.
#pragma once

#include <cstddef>
#include <cstdint>
#include <limits>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/model.h"
#include "core/result.h"
#include "core/text_escape.h"

namespace crier::personalize {

inline constexpr std::size_t kMaxAttributeKeyLength = 64;

// What a placeholder reads: the contact, or (kClickToken) the copy's click token.
enum class Source { kName, kFirstName, kLocale, kAttribute, kClickToken };

// Which placeholders a text may hold: a user's (kContact), or a user's and `{{crier.click}}`
// (kTracked: a text whose links crier rewrote to its redirect).
enum class Syntax { kContact, kTracked };

// A text with placeholders, compiled.
class Template {
 public:
  // Parses `text` once. `field` names it in errors (the API's JSON path, "messages[0].text").
  // Fails with kInvalidArgument on `field` when the text is not well-formed UTF-8, a `{{` is
  // not closed, a placeholder is unknown or malformed, or a fallback is empty or unclosed;
  // the message names the 1-based character (code point) where the problem starts:
  //   unknown placeholder "contact.nmae" at character 7
  static Result<Template> Compile(std::string_view text, std::string_view field,
                                  Syntax syntax = Syntax::kContact);

  // Appends the text for `contact` to `out` as the inside of a JSON string (no quotes), and
  // returns its length as the recipient will read it. `click` is the copy's click token, what
  // `{{crier.click}}` renders (nothing when empty). Once `out` has grown to fit, appending
  // allocates nothing.
  TextLength AppendJson(std::string& out, const Contact& contact,
                        std::string_view click = {}) const;
  // The same text unescaped, for previews; equal to what AppendJson's output decodes to.
  TextLength AppendPlain(std::string& out, const Contact& contact,
                         std::string_view click = {}) const;
  std::string RenderPlain(const Contact& contact, std::string_view click = {}) const;
  // The length AppendPlain would return, without writing anything: what a platform limit
  // is checked against before the request is built.
  TextLength Measure(const Contact& contact, std::string_view click = {}) const;

  // The field named at Compile.
  const std::string& field() const { return field_; }
  // Whether the text has any placeholder (if not, every recipient gets the same text).
  bool personalised() const { return placeholders_ > 0; }

 private:
  struct Piece {
    bool literal = true;
    std::string json;   // literal: the text escaped; placeholder: the fallback escaped
    std::string plain;  // the same, unescaped
    TextLength length;  // of `plain`
    Source source = Source::kName;
    std::string key;  // kAttribute
  };
  Template() = default;
  template <bool kJson>
  TextLength Append(std::string& out, const Contact& contact, std::string_view click) const;

  std::string field_;
  std::vector<Piece> pieces_;
  std::size_t placeholders_ = 0;
  std::size_t literal_bytes_ = 0;  // of the plain literal pieces
};

// The unit a platform limits text in (Instagram counts bytes, Messenger and WhatsApp code
// points, LINE UTF-16 code units).
enum class LengthUnit { kBytes, kCodePoints, kUtf16Units };

// The most a rendered text may be, counted in `unit` (inclusive).
struct TextLimit {
  LengthUnit unit = LengthUnit::kCodePoints;
  std::size_t max = std::numeric_limits<std::size_t>::max();
};

std::size_t LengthIn(const TextLength& length, LengthUnit unit);

// The compiled pieces of a whole request body: literal JSON fragments interleaved with
// per-recipient values (the recipient's id, supplied at render time) and personalised texts.
// An adapter builds one per message of a run and renders it per recipient:
//
//   auto body = BodyTemplate::Builder()
//                   .Raw(R"({"recipient":{"id":)").Value(0)
//                   .Raw(R"(},"messaging_type":"UPDATE","message":{"text":)")
//                   .Text(std::move(text), {LengthUnit::kCodePoints, 1999})
//                   .Raw("}}")
//                   .Build();
//   std::string_view values[] = {psid};
//   Status s = body.Render(contact, values, out);
class BodyTemplate {
 public:
  class Builder;  // below

  // Appends the body for `contact` to `out`; `values` holds one entry for each Value(i)
  // (values.size() > the largest index). Fails, leaving `out` as it was, when a personalised
  // text is over its limit (kInvalidArgument on the text's field, naming the contact, the
  // length and the limit) or when `values` is too short (kInternal: a caller's bug). `click`
  // is the copy's click token (Template::AppendJson).
  Status Render(const Contact& contact, std::span<const std::string_view> values, std::string& out,
                std::string_view click = {}) const;

  // How many values Render needs (the largest Value index + 1).
  std::size_t value_count() const { return value_count_; }
  // The bytes of literal JSON in one body: a floor for reserving output.
  std::size_t literal_bytes() const { return literal_bytes_; }

 private:
  enum class Kind : std::uint8_t { kRaw, kValue, kText };
  struct Piece {
    Kind kind = Kind::kRaw;
    std::string raw;      // kRaw
    std::size_t index{};  // kValue: into values; kText: into texts_
    TextLimit limit;      // kText
  };
  BodyTemplate() = default;

  std::vector<Piece> pieces_;
  std::vector<Template> texts_;
  std::size_t value_count_ = 0;
  std::size_t literal_bytes_ = 0;
};

class BodyTemplate::Builder {
 public:
  // A JSON fragment appended verbatim; the caller makes the whole body valid JSON.
  Builder& Raw(std::string_view json);
  // A fixed value, written as a quoted, escaped JSON string.
  Builder& String(std::string_view value);
  // The caller's values[index] at render time, as a quoted, escaped JSON string.
  Builder& Value(std::size_t index);
  // A personalised text as a quoted JSON string, refused per recipient over `limit`.
  Builder& Text(Template text, TextLimit limit = {});
  // Takes the pieces; the builder is empty afterwards.
  BodyTemplate Build();

 private:
  BodyTemplate body_;
};

}  // namespace crier::personalize
