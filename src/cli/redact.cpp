#include "cli/redact.h"

#include <spdlog/pattern_formatter.h>
#include <spdlog/sinks/base_sink.h>
#include <spdlog/spdlog.h>

#include <array>
#include <cstdio>
#include <memory>
#include <mutex>
#include <optional>

namespace crier::cli {
namespace {

constexpr std::array<std::string_view, 11> kSecretKeys = {
    "access_token",        "api_key",    "token",          "password",       "secret",
    "client_secret",       "app_secret", "channel_secret", "webhook_secret", "verify_token",
    "webhook_verify_token"};
constexpr std::size_t kMinKeyTail = 20;  // shorter tails are ordinary words like crier_cli

char Lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }
bool IsAlnum(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}
bool IsWordChar(char c) { return IsAlnum(c) || c == '_' || c == '-'; }
bool IsBearerChar(char c) {
  return IsAlnum(c) || c == '.' || c == '_' || c == '~' || c == '+' || c == '/' || c == '=' ||
         c == '-';
}
bool EndsUnquotedValue(char c) {
  return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '&' || c == ',' || c == ';' ||
         c == '"' || c == '\'' || c == '}' || c == ']' || c == ')';
}

bool StartsWithNoCase(std::string_view text, std::size_t at, std::string_view prefix) {
  if (text.size() - at < prefix.size()) return false;
  for (std::size_t k = 0; k < prefix.size(); ++k) {
    if (Lower(text[at + k]) != prefix[k]) return false;
  }
  return true;
}

std::size_t SkipSpaces(std::string_view text, std::size_t at) {
  while (at < text.size() && (text[at] == ' ' || text[at] == '\t')) ++at;
  return at;
}

// A secret-named field at `at`: returns where its value starts and ends (exclusive), or
// nothing. For quoted values the range excludes the quotes.
struct ValueRange {
  std::size_t begin = 0;
  std::size_t end = 0;
};
std::optional<ValueRange> MatchSecretField(std::string_view text, std::size_t at) {
  for (std::string_view key : kSecretKeys) {
    if (!StartsWithNoCase(text, at, key)) continue;
    std::size_t p = at + key.size();
    if (p < text.size() && IsWordChar(text[p])) continue;  // "tokens", "token_type"
    if (p < text.size() && (text[p] == '"' || text[p] == '\'')) ++p;
    p = SkipSpaces(text, p);
    if (p >= text.size() || (text[p] != '=' && text[p] != ':')) continue;
    p = SkipSpaces(text, p + 1);
    if (p >= text.size()) continue;
    if (text[p] == '"' || text[p] == '\'') {
      const char quote = text[p];
      std::size_t e = p + 1;
      while (e < text.size() && text[e] != quote)
        e += (text[e] == '\\' && e + 1 < text.size()) ? 2 : 1;
      return ValueRange{p + 1, e};
    }
    std::size_t e = p;
    while (e < text.size() && !EndsUnquotedValue(text[e])) ++e;
    if (e == p) continue;
    return ValueRange{p, e};
  }
  return std::nullopt;
}

// Length of the run of characters satisfying `pred` starting at `at`.
template <class Pred>
std::size_t RunLength(std::string_view text, std::size_t at, Pred pred) {
  std::size_t e = at;
  while (e < text.size() && pred(text[e])) ++e;
  return e - at;
}

// Formats, redacts and writes each line to stderr. Guarded by base_sink's mutex.
class RedactingStderrSink final : public spdlog::sinks::base_sink<std::mutex> {
 protected:
  void sink_it_(const spdlog::details::log_msg& msg) override {
    spdlog::memory_buf_t formatted;
    formatter_->format(msg, formatted);
    const std::string line = RedactSecrets(std::string_view(formatted.data(), formatted.size()));
    std::fwrite(line.data(), 1, line.size(), stderr);
  }
  void flush_() override { std::fflush(stderr); }
};

}  // namespace

std::string RedactSecrets(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  std::size_t i = 0;
  while (i < text.size()) {
    const bool boundary = i == 0 || !IsWordChar(text[i - 1]);
    if (boundary) {
      if (auto field = MatchSecretField(text, i)) {
        out.append(text.substr(i, field->begin - i));
        out.append(kRedacted);
        i = field->end;
        continue;
      }
      if (StartsWithNoCase(text, i, "bearer ")) {
        const std::size_t start = SkipSpaces(text, i + 7);
        const std::size_t n = RunLength(text, start, IsBearerChar);
        if (n > 0) {
          out.append(text.substr(i, start - i));
          out.append(kRedacted);
          i = start + n;
          continue;
        }
      }
      if (text.substr(i, 6) == "crier_") {
        const std::size_t n = RunLength(text, i + 6, IsWordChar);
        if (n >= kMinKeyTail) {
          out.append("crier_").append(kRedacted);
          i += 6 + n;
          continue;
        }
      }
      if (text.substr(i, 3) == "EAA") {
        const std::size_t n = RunLength(text, i + 3, IsAlnum);
        if (n >= kMinKeyTail) {
          out.append("EAA").append(kRedacted);
          i += 3 + n;
          continue;
        }
      }
    }
    out.push_back(text[i++]);
  }
  return out;
}

Status SetupLogging(std::string_view level) {
  const spdlog::level::level_enum parsed = spdlog::level::from_str(std::string(level));
  if (parsed == spdlog::level::off && level != "off") {
    return InvalidArgument("--log-level",
                           "unknown log level \"" + std::string(level) +
                               "\" (trace, debug, info, warn, error, critical, off)");
  }
  auto sink = std::make_shared<RedactingStderrSink>();
  sink->set_formatter(std::make_unique<spdlog::pattern_formatter>(
      "ts=%Y-%m-%dT%H:%M:%S.%eZ level=%l %v", spdlog::pattern_time_type::utc));
  auto logger = std::make_shared<spdlog::logger>("crier", std::move(sink));
  logger->set_level(parsed);
  logger->flush_on(spdlog::level::info);
  spdlog::set_default_logger(std::move(logger));
  return Status::Ok();
}

std::string LogValue(std::string_view value) {
  bool plain = !value.empty();
  for (char c : value) {
    if (c == ' ' || c == '"' || c == '=' || c == '\t' || c == '\n') plain = false;
  }
  if (plain) return std::string(value);
  std::string out = "\"";
  for (char c : value) {
    if (c == '"' || c == '\\') out.push_back('\\');
    if (c == '\n') {
      out.append("\\n");
      continue;
    }
    out.push_back(c);
  }
  out.push_back('"');
  return out;
}

}  // namespace crier::cli
