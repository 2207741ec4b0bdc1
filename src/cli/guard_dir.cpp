#include "cli/guard_dir.h"

#include <algorithm>
#include <charconv>
#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>
#include <system_error>

namespace crier::cli {
namespace {

namespace fs = std::filesystem;

constexpr std::string_view kFlag = "--guard-dir";
constexpr std::string_view kAccountPrefix = "account-";

Error DirError(std::string message) {
  return InvalidArgument(std::string(kFlag), std::move(message));
}

// The regular *.txt files of `dir`, by name; fails on an unexpected directory unless
// `subdirectories` collects it.
Result<std::vector<fs::path>> RuleFiles(const fs::path& dir,
                                        std::vector<fs::path>* subdirectories) {
  std::error_code ec;
  std::vector<fs::path> files;
  fs::directory_iterator it(dir, ec);
  if (ec) return DirError("cannot read directory " + dir.string() + ": " + ec.message());
  for (const fs::directory_entry& entry : it) {
    const std::string name = entry.path().filename().string();
    if (name.starts_with('.')) continue;
    if (entry.is_directory(ec)) {
      if (subdirectories == nullptr) {
        return DirError("unexpected directory " + entry.path().string() +
                        ": account directories hold rule files only");
      }
      subdirectories->push_back(entry.path());
      continue;
    }
    if (entry.is_regular_file(ec) && entry.path().extension() == ".txt") {
      files.push_back(entry.path());
    }
  }
  std::sort(files.begin(), files.end());
  return files;
}

Result<guard::RuleSet> ReadRuleFile(const fs::path& path, const std::string& source) {
  std::error_code ec;
  const std::uintmax_t size = fs::file_size(path, ec);
  if (ec) return DirError("cannot read " + path.string() + ": " + ec.message());
  if (size > kMaxGuardFileBytes) {
    return DirError(path.string() + " is larger than " + std::to_string(kMaxGuardFileBytes) +
                    " bytes");
  }
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  if (!in) return DirError("cannot read " + path.string());
  return guard::ParseGuardRules(text.str(), source);
}

// "account-7" -> 7.
std::optional<Id> AccountOf(std::string_view name) {
  if (!name.starts_with(kAccountPrefix)) return std::nullopt;
  name.remove_prefix(kAccountPrefix.size());
  Id id = 0;
  const auto [end, ec] = std::from_chars(name.data(), name.data() + name.size(), id);
  if (ec != std::errc() || end != name.data() + name.size() || id <= 0 || name.front() == '0') {
    return std::nullopt;
  }
  return id;
}

// A rule file's error ("brand.txt:3") named by its full path ("/etc/crier/guard/brand.txt:3").
Error WithDir(Error error, const std::string& dir) {
  if (error.field != kFlag && !error.field.empty()) {
    error.field = (fs::path(dir) / error.field).string();
  }
  return error;
}

}  // namespace

Result<GuardDirRules> ReadGuardDir(const std::string& dir) {
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) return DirError(dir + " is not a directory");
  GuardDirRules rules;
  std::vector<fs::path> subdirectories;
  auto files = RuleFiles(dir, &subdirectories);
  if (!files.ok()) return files.error();
  for (const fs::path& file : *files) {
    auto set = ReadRuleFile(file, file.filename().string());
    if (!set.ok()) return WithDir(set.error(), dir);
    rules.common.push_back(std::move(*set));
    ++rules.files;
  }
  std::sort(subdirectories.begin(), subdirectories.end());
  for (const fs::path& sub : subdirectories) {
    const std::string name = sub.filename().string();
    const std::optional<Id> account = AccountOf(name);
    if (!account) {
      return DirError("unexpected directory " + sub.string() +
                      ": per-account rules go in account-<channel account id>/");
    }
    auto account_files = RuleFiles(sub, nullptr);
    if (!account_files.ok()) return account_files.error();
    for (const fs::path& file : *account_files) {
      auto set = ReadRuleFile(file, name + "/" + file.filename().string());
      if (!set.ok()) return WithDir(set.error(), dir);
      rules.per_account[*account].push_back(std::move(*set));
      ++rules.files;
    }
  }
  return rules;
}

Result<guard::AccountGuards> LoadGuardDir(const std::string& dir, std::size_t* files) {
  auto rules = ReadGuardDir(dir);
  if (!rules.ok()) return rules.error();
  if (files != nullptr) *files = rules->files;
  auto guards =
      guard::AccountGuards::Create(std::move(rules->common), std::move(rules->per_account));
  if (!guards.ok()) return WithDir(guards.error(), dir);
  return guards;
}

}  // namespace crier::cli
