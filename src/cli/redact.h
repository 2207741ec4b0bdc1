// Secret redaction for everything crier logs, and the process's log setup.
//
// Tokens and API keys must never reach a log line: SetupLogging installs a sink that passes
// every formatted line through RedactSecrets, so a careless log call elsewhere cannot leak
// one either.
#pragma once

#include <string>
#include <string_view>

#include "core/result.h"

namespace crier::cli {

inline constexpr std::string_view kRedacted = "***";

// Replaces secret values in `text` with "***":
//  - values of secret-named fields in key=value, "key":"value" and key: value forms
//    (access_token, api_key, token, password, secret, client_secret, app_secret,
//    channel_secret, webhook_secret, verify_token, webhook_verify_token);
//  - the credential after "Bearer ";
//  - crier API keys ("crier_" + at least 20 key characters) and Meta access tokens ("EAA...")
//    wherever they appear.
// Everything else is left as it was. Pure and thread-safe.
std::string RedactSecrets(std::string_view text);

// Installs the default spdlog logger: one line per event on stderr,
// `ts=<RFC 3339 UTC> level=<level> <message>`, with every line redacted. `level` is an
// spdlog level name (trace, debug, info, warn, error, critical, off); an unknown name fails
// with kInvalidArgument naming --log-level.
Status SetupLogging(std::string_view level);

// Quotes a log value when it holds spaces, quotes or '=' so key=value lines stay parseable.
std::string LogValue(std::string_view value);

}  // namespace crier::cli
