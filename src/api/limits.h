// The API's input limits and user-facing error messages, in one place so that the code, the
// tests and docs/openapi.yaml refer to the same values.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "codec/json_reader.h"

namespace crier::api {

// ---- limits -------------------------------------------------------------------------------

// A JSON request body read whole (every route but the streamed imports and exports).
inline constexpr std::size_t kMaxJsonBodyBytes = 1 << 20;
inline constexpr std::size_t kMaxNameChars = 200;        // broadcast and account names
inline constexpr std::size_t kMaxExternalIdChars = 128;  // Page id, IG account id, ...
inline constexpr std::size_t kMaxAccessTokenBytes = 4096;
// A webhook secret (Meta app secret, LINE channel secret) or Meta verify token.
inline constexpr std::size_t kMaxWebhookSecretBytes = 256;
// A webhook body: Meta batches up to 1,000 changes in one; far more is not a platform's.
inline constexpr std::size_t kMaxWebhookBodyBytes = 4 << 20;
inline constexpr std::size_t kMaxUrlBytes = 2048;
inline constexpr std::size_t kMaxTimeZoneBytes = 64;
inline constexpr double kMaxMessagesPerSecond = 100000;
// LINE's monthly quota setting: LINE plans go up to millions of messages a month.
inline constexpr std::int64_t kMaxLineMonthlyQuota = 1'000'000'000'000;
inline constexpr int kMinConcurrency = 1;
inline constexpr int kMaxConcurrency = 1024;
inline constexpr std::size_t kMaxTags = 100;
inline constexpr std::size_t kMaxTagChars = 100;
inline constexpr std::size_t kMaxSegmentNameChars = 100;  // as tag names
inline constexpr std::size_t kMaxSegmentDescriptionChars = 1000;
inline constexpr std::size_t kMaxPlatformUserIdBytes = 256;
inline constexpr std::size_t kMaxContactTextChars = 256;  // name, first_name
inline constexpr std::size_t kMaxLocaleBytes = 35;
inline constexpr int kDefaultPageLimit = 100;
inline constexpr int kMaxPageLimit = 1000;
// An import reports at most this many row errors; the rest are only counted.
inline constexpr std::size_t kMaxReportedImportErrors = 1000;
// The largest body of a route that reads its body as it arrives (imports): memory does not
// grow with it, so this only bounds one request's work (about 16 million contacts of the
// shape in docs/BENCHMARKS.md). Other bodies are read whole and limited by the server.
inline constexpr std::uint64_t kMaxStreamedBodyBytes = 4ULL * 1024 * 1024 * 1024;
// The longest import line (JSON Lines) or record (CSV); a longer one is a bad row. A streamed
// import holds at most one such record beside its chunk of parsed rows. A contact at every
// limit (100 attributes of 1000 bytes, 100 tags) takes about a fifth of this.
inline constexpr std::size_t kMaxImportRecordBytes = 1024 * 1024;

// ---- messages -----------------------------------------------------------------------------

inline constexpr std::string_view kMsgMissingKey =
    "missing API key: send the header Authorization: Bearer <api key>";
inline constexpr std::string_view kMsgUnknownKey = "unknown API key";
inline constexpr std::string_view kMsgRoleDenied = "this API key's role may not do this";
inline constexpr std::string_view kMsgNoRoute = "no such route";
inline constexpr std::string_view kMsgWrongMethod = "method not allowed on this route";
inline constexpr std::string_view kMsgPlatformUnknown =
    "must be one of messenger, instagram, whatsapp, line";

}  // namespace crier::api
