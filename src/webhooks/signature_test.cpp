#include "webhooks/signature.h"

#include <gtest/gtest.h>

namespace crier::webhooks {
namespace {

// RFC 4231, test case 2.
constexpr std::string_view kKey = "Jefe";
constexpr std::string_view kData = "what do ya want for nothing?";
constexpr std::string_view kHex =
    "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843";
constexpr std::string_view kBase64 = "W9zBRr9gdU5qBCQmCJV1x1oAPwidJzmDnexYuWTsOEM=";

TEST(SignatureTest, SignaturesAreTheHmacInEachPlatformsEncoding) {
  EXPECT_EQ(MetaSignature(kKey, kData), "sha256=" + std::string(kHex));
  EXPECT_EQ(LineSignature(kKey, kData), kBase64);
  EXPECT_EQ(HmacSha256(kKey, kData).size(), 32u);
}

TEST(SignatureTest, MetaAcceptsTheRightSecretOnly) {
  const std::string header = "sha256=" + std::string(kHex);
  EXPECT_TRUE(VerifyMetaSignature(header, kKey, kData).ok());
  // Upper-case hex is the same signature.
  std::string upper = header;
  for (std::size_t i = 7; i < upper.size(); ++i)
    upper[i] = static_cast<char>(std::toupper(upper[i]));
  EXPECT_TRUE(VerifyMetaSignature(upper, kKey, kData).ok());

  const Status wrong_secret = VerifyMetaSignature(header, "Jefd", kData);
  ASSERT_FALSE(wrong_secret.ok());
  EXPECT_EQ(wrong_secret.error().code, ErrorCode::kPermissionDenied);
  EXPECT_EQ(wrong_secret.error().field, kMetaSignatureHeader);
  EXPECT_EQ(wrong_secret.error().message, kMsgSignatureMismatch);

  std::string body(kData);
  body.back() = '!';  // one byte of the body off
  EXPECT_FALSE(VerifyMetaSignature(header, kKey, body).ok());

  std::string off = header;
  off.back() = off.back() == '3' ? '4' : '3';  // one digit of the signature off
  EXPECT_FALSE(VerifyMetaSignature(off, kKey, kData).ok());
  EXPECT_FALSE(VerifyMetaSignature(header.substr(0, header.size() - 1), kKey, kData).ok());
  // The bare hex without Meta's prefix, and the old SHA-1 form, are not signatures.
  EXPECT_FALSE(VerifyMetaSignature(kHex, kKey, kData).ok());
  EXPECT_FALSE(VerifyMetaSignature("sha1=" + std::string(kHex), kKey, kData).ok());
}

TEST(SignatureTest, MetaRefusesAMissingHeaderAndAnEmptySecret) {
  const Status missing = VerifyMetaSignature(std::nullopt, kKey, kData);
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().message, kMsgSignatureMissing);
  EXPECT_FALSE(VerifyMetaSignature("", kKey, kData).ok());
  // Signed with the empty key, but an account without a secret accepts nothing.
  const Status no_secret = VerifyMetaSignature(MetaSignature("", kData), "", kData);
  ASSERT_FALSE(no_secret.ok());
  EXPECT_EQ(no_secret.error().message, kMsgNoSecret);
}

TEST(SignatureTest, LineAcceptsTheRightSecretOnly) {
  EXPECT_TRUE(VerifyLineSignature(kBase64, kKey, kData).ok());
  const Status wrong = VerifyLineSignature(kBase64, "Jefd", kData);
  ASSERT_FALSE(wrong.ok());
  EXPECT_EQ(wrong.error().code, ErrorCode::kPermissionDenied);
  EXPECT_EQ(wrong.error().field, kLineSignatureHeader);
  std::string off(kBase64);
  off[0] = 'X';
  EXPECT_FALSE(VerifyLineSignature(off, kKey, kData).ok());
  std::string body(kData);
  body[0] = 'W';
  EXPECT_FALSE(VerifyLineSignature(kBase64, kKey, body).ok());
  EXPECT_FALSE(VerifyLineSignature(std::nullopt, kKey, kData).ok());
  EXPECT_FALSE(VerifyLineSignature(LineSignature("", kData), "", kData).ok());
  // Meta's form is not LINE's.
  EXPECT_FALSE(VerifyLineSignature(MetaSignature(kKey, kData), kKey, kData).ok());
}

TEST(SignatureTest, ConstantTimeEqualsComparesWholeStrings) {
  EXPECT_TRUE(ConstantTimeEquals("abc", "abc"));
  EXPECT_TRUE(ConstantTimeEquals("", ""));
  EXPECT_FALSE(ConstantTimeEquals("abc", "abd"));
  EXPECT_FALSE(ConstantTimeEquals("abc", "abcd"));
}

}  // namespace
}  // namespace crier::webhooks
