#include "webhooks/signature.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <array>
#include <cctype>

namespace crier::webhooks {
namespace {

Error Refused(std::string_view header, std::string_view message) {
  return {ErrorCode::kPermissionDenied, std::string(message), std::string(header)};
}

Status Verify(std::string_view header_name, std::optional<std::string_view> header,
              std::string_view secret, const std::string& expected) {
  if (!header || header->empty()) return Refused(header_name, kMsgSignatureMissing);
  if (secret.empty()) return Refused(header_name, kMsgNoSecret);
  if (!ConstantTimeEquals(*header, expected)) return Refused(header_name, kMsgSignatureMismatch);
  return Status::Ok();
}

}  // namespace

std::string HmacSha256(std::string_view secret, std::string_view body) {
  std::array<unsigned char, EVP_MAX_MD_SIZE> digest{};
  unsigned int size = 0;
  HMAC(EVP_sha256(), secret.data(), static_cast<int>(secret.size()),
       reinterpret_cast<const unsigned char*>(body.data()), body.size(), digest.data(), &size);
  return std::string(reinterpret_cast<const char*>(digest.data()), size);
}

std::string MetaSignature(std::string_view app_secret, std::string_view body) {
  static constexpr char kHex[] = "0123456789abcdef";
  const std::string digest = HmacSha256(app_secret, body);
  std::string out(kMetaSignaturePrefix);
  for (unsigned char c : digest) {
    out += kHex[c >> 4];
    out += kHex[c & 0xF];
  }
  return out;
}

std::string LineSignature(std::string_view channel_secret, std::string_view body) {
  const std::string digest = HmacSha256(channel_secret, body);
  std::string out(4 * ((digest.size() + 2) / 3) + 1, '\0');
  const int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                reinterpret_cast<const unsigned char*>(digest.data()),
                                static_cast<int>(digest.size()));
  out.resize(static_cast<std::size_t>(n));
  return out;
}

Status VerifyMetaSignature(std::optional<std::string_view> header, std::string_view app_secret,
                           std::string_view body) {
  std::optional<std::string> lowered;
  if (header) {
    // Hex is case-blind; the prefix is compared as Meta writes it.
    lowered.emplace(*header);
    for (std::size_t i = kMetaSignaturePrefix.size(); i < lowered->size(); ++i) {
      (*lowered)[i] = static_cast<char>(std::tolower(static_cast<unsigned char>((*lowered)[i])));
    }
  }
  const std::optional<std::string_view> given =
      lowered ? std::optional<std::string_view>(*lowered) : std::nullopt;
  return Verify(kMetaSignatureHeader, given, app_secret, MetaSignature(app_secret, body));
}

Status VerifyLineSignature(std::optional<std::string_view> header, std::string_view channel_secret,
                           std::string_view body) {
  return Verify(kLineSignatureHeader, header, channel_secret, LineSignature(channel_secret, body));
}

bool ConstantTimeEquals(std::string_view a, std::string_view b) {
  // The lengths of signatures are public (fixed by the hash); only the bytes are secret.
  if (a.size() != b.size()) return false;
  return CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

}  // namespace crier::webhooks
