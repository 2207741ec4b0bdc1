#include "cli/config.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <boost/json.hpp>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace crier::cli {
namespace {

namespace fs = std::filesystem;

constexpr char kNoConfigLocation[] =
    "cannot locate the CLI config file: set CRIER_CONFIG, XDG_CONFIG_HOME or HOME";
constexpr char kNoApiKey[] =
    "no API key: pass --api-key, set CRIER_API_KEY, or run `crier serve` once so that it "
    "writes the config file";

Error IoError(const std::string& what, const std::string& path) {
  return Error{ErrorCode::kUnavailable, what + " " + path + ": " + std::strerror(errno), {}};
}

// Creates the missing parents of `dir` one by one so that only the ones we create get 0700.
Status MakePrivateDirs(const fs::path& dir) {
  if (dir.empty()) return Status::Ok();
  std::error_code ec;
  if (fs::is_directory(dir, ec)) return Status::Ok();
  CRIER_RETURN_IF_ERROR(MakePrivateDirs(dir.parent_path()));
  if (::mkdir(dir.c_str(), 0700) != 0 && errno != EEXIST) {
    return IoError("cannot create directory", dir.string());
  }
  return Status::Ok();
}

}  // namespace

std::optional<std::string> ProcessEnv(const char* name) {
  const char* value = std::getenv(name);
  if (value == nullptr || *value == '\0') return std::nullopt;
  return std::string(value);
}

Result<std::string> DefaultConfigPath(const GetEnv& env) {
  if (auto path = env(kEnvConfig)) return *path;
  if (auto xdg = env("XDG_CONFIG_HOME")) return (fs::path(*xdg) / "crier" / "config.json").string();
  if (auto home = env("HOME")) {
    return (fs::path(*home) / ".config" / "crier" / "config.json").string();
  }
  return FailedPrecondition(kNoConfigLocation);
}

Result<std::optional<CliConfig>> LoadConfigFile(const std::string& path) {
  std::error_code exists_ec;
  if (!fs::exists(path, exists_ec) && !exists_ec) return std::optional<CliConfig>();
  std::ifstream in(path, std::ios::binary);
  if (!in) return IoError("cannot read config file", path);
  std::stringstream text;
  text << in.rdbuf();
  boost::system::error_code ec;
  const boost::json::value doc = boost::json::parse(text.str(), ec);
  if (ec || !doc.is_object()) {
    return InvalidArgument(path, "config file is not a JSON object");
  }
  CliConfig config;
  const auto& obj = doc.get_object();
  for (auto [key, out] : {std::pair{"url", &config.url}, std::pair{"api_key", &config.api_key}}) {
    const auto* v = obj.if_contains(key);
    if (v == nullptr || v->is_null()) continue;
    if (!v->is_string()) return InvalidArgument(path + ": " + key, "must be a string");
    *out = std::string(v->get_string());
  }
  return std::optional<CliConfig>(std::move(config));
}

Status WriteConfigFile(const std::string& path, const CliConfig& config) {
  const fs::path target(path);
  CRIER_RETURN_IF_ERROR(MakePrivateDirs(target.parent_path()));
  const std::string body = boost::json::serialize(boost::json::object{
                               {"url", config.url}, {"api_key", config.api_key}}) +
                           "\n";
  // Written beside the target and renamed over it, so a reader never sees half a file and the
  // key is never readable by others, not even for a moment.
  const std::string tmp = path + ".tmp";
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) return IoError("cannot write config file", tmp);
  bool ok = ::fchmod(fd, 0600) == 0;
  for (std::size_t done = 0; ok && done < body.size();) {
    const ssize_t n = ::write(fd, body.data() + done, body.size() - done);
    if (n < 0 && errno == EINTR) continue;
    ok = n > 0;
    if (ok) done += static_cast<std::size_t>(n);
  }
  ok = ok && ::fsync(fd) == 0;
  const Error error = IoError("cannot write config file", tmp);
  ::close(fd);
  if (!ok) {
    ::unlink(tmp.c_str());
    return error;
  }
  if (::rename(tmp.c_str(), path.c_str()) != 0) {
    const Error rename_error = IoError("cannot write config file", path);
    ::unlink(tmp.c_str());
    return rename_error;
  }
  return Status::Ok();
}

Result<CliConfig> ResolveConfig(const ConfigFlags& flags, const GetEnv& env) {
  std::optional<std::string> url = flags.url;
  std::optional<std::string> key = flags.api_key;
  if (!url) url = env(kEnvUrl);
  if (!key) key = env(kEnvApiKey);
  if (!url || !key) {
    std::string path;
    if (flags.config_path) {
      path = *flags.config_path;
    } else if (auto default_path = DefaultConfigPath(env); default_path.ok()) {
      path = *default_path;
    }
    if (!path.empty()) {
      auto file = LoadConfigFile(path);
      if (!file.ok()) return file.error();
      if (file->has_value()) {
        if (!url && !(*file)->url.empty()) url = (*file)->url;
        if (!key && !(*file)->api_key.empty()) key = (*file)->api_key;
      } else if (flags.config_path) {
        return InvalidArgument("--config", "config file " + path + " does not exist");
      }
    }
  }
  if (!key) return Error{ErrorCode::kUnauthenticated, kNoApiKey, {}};
  CliConfig config{url.value_or(kDefaultUrl), *key};
  while (!config.url.empty() && config.url.back() == '/') config.url.pop_back();
  return config;
}

}  // namespace crier::cli
