// Where the crier client commands find the server: a URL and an API key, taken from (highest
// first) the --url / --api-key flags, the CRIER_URL / CRIER_API_KEY environment variables,
// and the CLI config file that `crier serve` writes at first start.
//
// Plain functions over values; thread-compatible.
#pragma once

#include <functional>
#include <optional>
#include <string>

#include "core/result.h"

namespace crier::cli {

inline constexpr char kEnvUrl[] = "CRIER_URL";
inline constexpr char kEnvApiKey[] = "CRIER_API_KEY";
inline constexpr char kEnvConfig[] = "CRIER_CONFIG";
inline constexpr char kDefaultUrl[] = "http://127.0.0.1:8800";

// Reads an environment variable; nullopt when unset. Injected so tests need no real env.
using GetEnv = std::function<std::optional<std::string>(const char* name)>;
// The process environment (empty values count as unset).
std::optional<std::string> ProcessEnv(const char* name);

// The contents of the CLI config file: {"url": "...", "api_key": "..."}.
struct CliConfig {
  std::string url;
  std::string api_key;
};

// $CRIER_CONFIG, else $XDG_CONFIG_HOME/crier/config.json, else ~/.config/crier/config.json.
// Fails with kFailedPrecondition when none of CRIER_CONFIG, XDG_CONFIG_HOME, HOME is set.
Result<std::string> DefaultConfigPath(const GetEnv& env);

// Reads the config file. nullopt when the file does not exist; an error naming the file (and
// the field) when it cannot be read or is not the expected JSON object.
Result<std::optional<CliConfig>> LoadConfigFile(const std::string& path);

// Writes the config file atomically with mode 0600 (it holds an API key), creating missing
// directories with mode 0700. Fails with kUnavailable naming the path on any IO error.
Status WriteConfigFile(const std::string& path, const CliConfig& config);

// What the user passed on the command line; empty optionals were not given.
struct ConfigFlags {
  std::optional<std::string> url;
  std::optional<std::string> api_key;
  std::optional<std::string> config_path;  // --config: overrides the default file location
};

// Applies the precedence flags > env > file. The URL falls back to kDefaultUrl; a missing API
// key is an error that says where a key can come from. A broken config file is an error only
// when it would have been needed (the flags and the env did not already give both values).
Result<CliConfig> ResolveConfig(const ConfigFlags& flags, const GetEnv& env);

}  // namespace crier::cli
