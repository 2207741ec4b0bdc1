// Webhook signatures: the only authentication a platform's webhook carries. Both platforms
// sign the raw request body with HMAC-SHA256 under a secret the account shares with them:
//  - Meta (Messenger, Instagram, WhatsApp): `X-Hub-Signature-256: sha256=<hex>` under the
//    app secret (platforms.md 6, 8.5).
//  - LINE: `X-Line-Signature: <base64>` under the channel secret (platforms.md 5.6).
// Checks compare in constant time (CRYPTO_memcmp), so the time an answer takes does not tell
// an attacker how many leading characters of a forged signature were right.
//
// Pure functions; thread-safe.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "core/result.h"

namespace crier::webhooks {

inline constexpr std::string_view kMetaSignatureHeader = "X-Hub-Signature-256";
inline constexpr std::string_view kLineSignatureHeader = "X-Line-Signature";
inline constexpr std::string_view kMetaSignaturePrefix = "sha256=";

// The words of a refused signature, so the API and the tests say the same thing.
inline constexpr std::string_view kMsgSignatureMissing = "is missing: the webhook is not signed";
inline constexpr std::string_view kMsgSignatureMismatch =
    "does not match the body signed with the account's webhook secret";
inline constexpr std::string_view kMsgNoSecret =
    "cannot be checked: the account has no webhook_secret";

// HMAC-SHA256 of `body` under `secret`: 32 raw bytes.
std::string HmacSha256(std::string_view secret, std::string_view body);

// What each platform sends in its header for `body` signed with `secret`.
std::string MetaSignature(std::string_view app_secret, std::string_view body);  // "sha256=<hex>"
std::string LineSignature(std::string_view channel_secret, std::string_view body);  // base64

// OK when `header` (the header's value, nullopt when absent) is the body's signature under
// `secret`. Fails with kPermissionDenied whose field is the header's name: absent, signed with
// another secret, or `secret` empty (an account without a secret accepts nothing). Meta's hex
// digits are compared case-insensitively.
Status VerifyMetaSignature(std::optional<std::string_view> header, std::string_view app_secret,
                           std::string_view body);
Status VerifyLineSignature(std::optional<std::string_view> header, std::string_view channel_secret,
                           std::string_view body);

// Equality of two strings in time that depends on their lengths only.
bool ConstantTimeEquals(std::string_view a, std::string_view b);

}  // namespace crier::webhooks
