// The JSON form of a broadcast's messages, one codec for the API's request and response bodies
// and the store's messages column, so what is saved reads back exactly as it was written.
//
//   {"kind":"text","text":"Hi {{contact.first_name}}"}
//   {"kind":"template","template":{"name","language","category","header_parameters",
//                                  "body_parameters"}}
//   {"kind":"image"|"video"|"audio"|"file","media":{"url","preview_url","caption","filename",
//                                                   "duration_ms"}}
//   {"kind":"card","card":{"layout":"buttons"|"carousel"|"quick_replies"|"list"|"flex", ...}}
//
// Reading checks the shape of every kind (required fields, fields that belong to the kind or
// layout, types, emptiness, URLs that are https); what each platform accepts on top of that is
// channels/composition.h's business. Errors name the field by its full path
// ("messages[0].card.buttons[2].url").
#pragma once

#include <boost/json.hpp>
#include <cstddef>
#include <span>
#include <string>
#include <vector>

#include "core/model.h"
#include "core/result.h"

namespace crier {

inline constexpr std::size_t kMinMessages = 1;
inline constexpr std::size_t kMaxMessages = 5;
// Template messages: Meta's name limit, a language code such as zh_Hant_TW, and bounds on the
// parameters a broadcast fills in (Meta refuses a count that does not match the template).
inline constexpr std::size_t kMaxTemplateNameBytes = 512;
inline constexpr std::size_t kMaxTemplateLanguageBytes = 15;
inline constexpr std::size_t kMaxTemplateParameters = 100;
inline constexpr std::size_t kMaxTemplateParameterChars = 1024;
// Bounds on what one message may hold before any platform's own (smaller) limits apply, so a
// request can never make crier hold an unbounded structure.
inline constexpr std::size_t kMaxCardItems = 100;
inline constexpr std::size_t kMaxContentUrlBytes = 2048;
inline constexpr std::size_t kMaxFlexBytes = 64 * 1024;

boost::json::object MessageToJson(const Message& message);
boost::json::array MessagesToJson(std::span<const Message> messages);

// One message at `path` ("messages[1]").
Result<Message> MessageFromJson(const boost::json::value& value, const std::string& path);
// The array of 1 to 5 messages at `path` ("messages").
Result<std::vector<Message>> MessagesFromJson(const boost::json::value& value,
                                              const std::string& path);

}  // namespace crier
