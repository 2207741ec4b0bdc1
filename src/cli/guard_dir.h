// The operator's promotional-content guard rules (crier serve --guard-dir DIR):
//   DIR/*.txt                 apply to every channel account,
//   DIR/account-<ID>/*.txt    apply to channel account ID only,
// both on top of the built-in rules (data/guard/*.txt, embedded in the binary). Files are
// read in name order; other files (README.md, ...) are ignored; any other directory is an
// error, so that a misspelt account directory does not silently do nothing. Rule sources are
// named relative to DIR ("brand.txt:3", "account-7/brand.txt:3"), which is what hits report;
// errors name the full path of the file and the line.
#pragma once

#include <cstddef>
#include <map>
#include <string>
#include <vector>

#include "core/model.h"
#include "core/promo_guard.h"
#include "core/result.h"

namespace crier::cli {

// A rule file larger than this is a mistake (a data dump), not a word list.
inline constexpr std::size_t kMaxGuardFileBytes = 1 << 20;

struct GuardDirRules {
  std::vector<guard::RuleSet> common;
  std::map<Id, std::vector<guard::RuleSet>> per_account;
  std::size_t files = 0;
};

// Reads and parses every rule file under `dir`. Fails on a missing or unreadable directory
// (field "--guard-dir"), an unexpected directory, an unreadable or oversized file, or the
// first bad line (field "<dir>/<file>:<line>").
Result<GuardDirRules> ReadGuardDir(const std::string& dir);

// ReadGuardDir, then compiles the built-in rules with them (AccountGuards::Create). Errors
// that name a rule file name it by its full path.
Result<guard::AccountGuards> LoadGuardDir(const std::string& dir, std::size_t* files = nullptr);

}  // namespace crier::cli
