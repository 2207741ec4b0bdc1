#include "cli/redact.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace crier::cli {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

TEST(RedactTest, LeavesOrdinaryTextAlone) {
  const std::string line = "msg=listening url=http://127.0.0.1:8800 db=crier.db tokens=3";
  EXPECT_EQ(RedactSecrets(line), line);
  EXPECT_EQ(RedactSecrets("module crier_cli started"), "module crier_cli started");
  EXPECT_EQ(RedactSecrets(""), "");
}

TEST(RedactTest, CrierApiKeysAnywhere) {
  const std::string key = "crier_AbCdEfGhIjKlMnOpQrStUvWxYz0123456789-_ab";
  EXPECT_EQ(RedactSecrets("created " + key + " for admin"), "created crier_*** for admin");
  // 19 characters after the prefix is not a key; 20 is.
  EXPECT_EQ(RedactSecrets("crier_" + std::string(19, 'a')), "crier_" + std::string(19, 'a'));
  EXPECT_EQ(RedactSecrets("crier_" + std::string(20, 'a')), "crier_***");
}

TEST(RedactTest, MetaTokens) {
  EXPECT_EQ(RedactSecrets("page token EAABsbCS1iHgBAKZBZCZAZA0123456789 ok"),
            "page token EAA*** ok");
  EXPECT_EQ(RedactSecrets("EAA" + std::string(19, 'x')), "EAA" + std::string(19, 'x'));
}

TEST(RedactTest, BearerCredentials) {
  EXPECT_EQ(RedactSecrets("Authorization: Bearer abc.def-ghi"), "Authorization: Bearer ***");
  EXPECT_EQ(RedactSecrets("authorization: bearer xyz, next"), "authorization: bearer ***, next");
  EXPECT_EQ(RedactSecrets("Bearer "), "Bearer ");
}

TEST(RedactTest, QueryParameters) {
  EXPECT_EQ(RedactSecrets("POST /v25.0/1/messages?access_token=s3cr3t&x=1"),
            "POST /v25.0/1/messages?access_token=***&x=1");
}

TEST(RedactTest, KeyValueAndJsonForms) {
  EXPECT_EQ(RedactSecrets("api_key=abc level=info"), "api_key=*** level=info");
  EXPECT_EQ(RedactSecrets(R"({"access_token":"s3cr3t","name":"Shop"})"),
            R"({"access_token":"***","name":"Shop"})");
  EXPECT_EQ(RedactSecrets(R"({"api_key": "k1", "url": "u"})"), R"({"api_key": "***", "url": "u"})");
  EXPECT_EQ(RedactSecrets(R"(token="with \"escaped\" quote" after)"), R"(token="***" after)");
  EXPECT_EQ(RedactSecrets("PASSWORD: hunter2"), "PASSWORD: ***");
}

TEST(RedactTest, SimilarNamesAreNotSecrets) {
  EXPECT_EQ(RedactSecrets("token_type=bearer"), "token_type=bearer");
  EXPECT_EQ(RedactSecrets("access_token_set=true"), "access_token_set=true");
  EXPECT_EQ(RedactSecrets("mytoken=abc"), "mytoken=abc");
}

TEST(RedactTest, EveryOccurrence) {
  const std::string out = RedactSecrets("token=a1 token=b2 Bearer c3");
  EXPECT_THAT(out, Not(HasSubstr("a1")));
  EXPECT_THAT(out, Not(HasSubstr("b2")));
  EXPECT_THAT(out, Not(HasSubstr("c3")));
}

TEST(RedactTest, Idempotent) {
  const std::string once = RedactSecrets(R"(access_token=x "api_key":"y" Bearer z)");
  EXPECT_EQ(RedactSecrets(once), once);
}

TEST(LoggingTest, RejectsUnknownLevelNamingTheFlag) {
  const Status s = SetupLogging("loud");
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().field, "--log-level");
  EXPECT_TRUE(SetupLogging("warn").ok());
  EXPECT_TRUE(SetupLogging("off").ok());
}

TEST(LogValueTest, QuotesOnlyWhenNeeded) {
  EXPECT_EQ(LogValue("plain"), "plain");
  EXPECT_EQ(LogValue("two words"), "\"two words\"");
  EXPECT_EQ(LogValue("a\"b"), "\"a\\\"b\"");
  EXPECT_EQ(LogValue(""), "\"\"");
}

}  // namespace
}  // namespace crier::cli
