#include <openssl/evp.h>
#include <openssl/rand.h>

#include <cstdio>
#include <cstdlib>

#include "api/api.h"

namespace crier::api {
namespace {

constexpr std::string_view kKeyPrefix = "crier_";
constexpr std::size_t kKeyRandomChars = 40;
constexpr std::string_view kKeyAlphabet =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
constexpr std::string_view kAdminKeyName = "admin";
constexpr std::string_view kAdminRole = "admin";

}  // namespace

std::string HashApiKey(std::string_view key) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  if (EVP_Digest(key.data(), key.size(), digest, &length, EVP_sha256(), nullptr) != 1) {
    // Without a working SHA-256 no key can be checked; continuing would risk letting one in.
    std::fputs("crier: OpenSSL SHA-256 failed\n", stderr);
    std::abort();
  }
  static constexpr char kHex[] = "0123456789abcdef";
  std::string hex;
  hex.reserve(length * 2);
  for (unsigned int i = 0; i < length; ++i) {
    hex.push_back(kHex[digest[i] >> 4]);
    hex.push_back(kHex[digest[i] & 0x0F]);
  }
  return hex;
}

std::string GenerateApiKey() {
  std::string key(kKeyPrefix);
  // Bytes >= 248 are dropped so that every character of the 62-letter alphabet is equally
  // likely (248 = 4 * 62).
  constexpr unsigned kUnbiasedLimit = 256 - 256 % kKeyAlphabet.size();
  unsigned char buf[64];
  while (key.size() < kKeyPrefix.size() + kKeyRandomChars) {
    if (RAND_bytes(buf, sizeof buf) != 1) {
      // A key from a failed CSPRNG would be guessable; refuse to make one at all.
      std::fputs("crier: OpenSSL RAND_bytes failed\n", stderr);
      std::abort();
    }
    for (unsigned char b : buf) {
      if (b >= kUnbiasedLimit) continue;
      if (key.size() == kKeyPrefix.size() + kKeyRandomChars) break;
      key.push_back(kKeyAlphabet[b % kKeyAlphabet.size()]);
    }
  }
  return key;
}

Result<std::optional<std::string>> EnsureAdminKey(Store& store, const Clock& clock) {
  auto count = store.CountApiKeys();
  if (!count.ok()) return count.error();
  if (*count > 0) return std::optional<std::string>();
  std::string key = GenerateApiKey();
  auto created = store.CreateApiKey(std::string(kAdminKeyName), std::string(kAdminRole),
                                    HashApiKey(key), clock.Now());
  if (!created.ok()) return created.error();
  return std::optional<std::string>(std::move(key));
}

}  // namespace crier::api
