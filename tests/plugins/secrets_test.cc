#include "plugins/secrets.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <map>
#include <nlohmann/json.hpp>

namespace orc {
namespace {

using nlohmann::json;

EnvironmentLookup Environment(std::map<std::string, std::string> variables) {
  auto shared = std::make_shared<std::map<std::string, std::string>>(std::move(variables));
  return [shared](const std::string& name) -> const char* {
    const auto found = shared->find(name);
    return found == shared->end() ? nullptr : found->second.c_str();
  };
}

TEST(SecretPolicyTest, MatchesShellPatterns) {
  const SecretPolicy policy;
  EXPECT_TRUE(policy.Allows("ORC_SECRET_TOKEN"));
  EXPECT_TRUE(policy.Allows("ORC_SECRET_"));
  EXPECT_FALSE(policy.Allows("DATABASE_URL"));
  EXPECT_FALSE(policy.Allows("ORC_API_TOKEN"));
  EXPECT_FALSE(policy.Allows("X_ORC_SECRET_TOKEN"));
  const SecretPolicy custom(std::vector<std::string>{"API_?", "*_KEY"});
  EXPECT_TRUE(custom.Allows("API_1"));
  EXPECT_FALSE(custom.Allows("API_12"));
  EXPECT_TRUE(custom.Allows("STRIPE_KEY"));
  EXPECT_FALSE(custom.Allows("STRIPE_KEYS"));
  EXPECT_FALSE(SecretPolicy(std::vector<std::string>{}).Allows("ORC_SECRET_X"));
}

TEST(SecretReferencesTest, NamesTheFieldOfARefusedReference) {
  const json config = {{"type", "api"},
                       {"auth", {{"type", "bearer"}, {"token", "${env:ORC_API_TOKEN}"}}}};
  const Status checked = CheckSecretReferences(config, SecretPolicy(), "tasks[0].extractor_config");
  ASSERT_EQ(checked.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(checked.field(), "tasks[0].extractor_config.auth.token");
  EXPECT_NE(checked.message().find("ORC_API_TOKEN"), std::string::npos);
  EXPECT_NE(checked.message().find("--allow-env"), std::string::npos);

  EXPECT_TRUE(
      CheckSecretReferences({{"headers", {{"X", "${env:ORC_SECRET_A}"}}}}, SecretPolicy(), "c")
          .ok());
  EXPECT_EQ(
      CheckSecretReferences({{"p", json::array({"ok", "${env:ORC_SECRET_A"})}}, SecretPolicy(), "c")
          .field(),
      "c.p[1]");
  EXPECT_FALSE(
      CheckSecretReferences({{"p", "${env:1X}"}}, SecretPolicy(std::vector<std::string>{"*"}), "c")
          .ok());
}

TEST(ResolveSecretsTest, ReplacesEveryReferenceAndRemembersTheValues) {
  Result<ResolvedSecrets> resolved = ResolveSecrets(
      {{"url", "https://${env:ORC_SECRET_USER}:${env:ORC_SECRET_PASS}@api.example.com/"},
       {"n", 1},
       {"list", json::array({"${env:ORC_SECRET_USER}"})}},
      SecretPolicy(),
      Environment({{"ORC_SECRET_USER", "alice"}, {"ORC_SECRET_PASS", "p@ss word"}}));
  ASSERT_TRUE(resolved.ok()) << resolved.status().message();
  EXPECT_EQ(resolved->config["url"], "https://alice:p@ss word@api.example.com/");
  EXPECT_EQ(resolved->config["n"], 1);
  EXPECT_EQ(resolved->config["list"][0], "alice");
  EXPECT_THAT(resolved->values, ::testing::UnorderedElementsAre("alice", "p@ss word"));

  Result<ResolvedSecrets> unset =
      ResolveSecrets({{"token", "${env:ORC_SECRET_UNSET}"}}, SecretPolicy(), Environment({}));
  EXPECT_EQ(unset.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(unset.status().message().find("ORC_SECRET_UNSET is not set"), std::string::npos);

  Result<ResolvedSecrets> refused =
      ResolveSecrets({{"token", "${env:HOME}"}}, SecretPolicy(), Environment({{"HOME", "/root"}}));
  EXPECT_EQ(refused.status().code(), StatusCode::kInvalidArgument);
}

// `levels` arrays, one inside the other, around a reference: parsed, as nlohmann parses without
// recursing (building it with json::array() would copy it at every level).
json Nested(int levels) {
  return json::parse(std::string(static_cast<size_t>(levels), '[') + "\"${env:ORC_SECRET_A}\"" +
                     std::string(static_cast<size_t>(levels), ']'));
}

TEST(SecretReferencesTest, RefusesAConfigurationNestedTooDeepInsteadOfOverflowingTheStack) {
  const json deepest_allowed = {{"body", Nested(kMaxConfigDepth - 1)}};
  EXPECT_TRUE(CheckSecretReferences(deepest_allowed, SecretPolicy(), "c").ok());
  EXPECT_TRUE(
      ResolveSecrets(deepest_allowed, SecretPolicy(), Environment({{"ORC_SECRET_A", "a"}})).ok());

  // 100,000 levels took the process down with a stack overflow before there was a limit.
  for (const int levels : {kMaxConfigDepth, 100'000}) {
    const json deep = {{"body", Nested(levels)}};
    const Status checked = CheckSecretReferences(deep, SecretPolicy(), "tasks[0].extractor_config");
    EXPECT_EQ(checked.code(), StatusCode::kInvalidArgument) << levels;
    EXPECT_EQ(checked.field(), "tasks[0].extractor_config");
    EXPECT_NE(checked.message().find("deeper than 64 levels"), std::string::npos)
        << checked.message();
    Result<ResolvedSecrets> resolved =
        ResolveSecrets(deep, SecretPolicy(), Environment({{"ORC_SECRET_A", "a"}}));
    EXPECT_EQ(resolved.status().code(), StatusCode::kInvalidArgument) << levels;
  }
}

TEST(RedactorTest, HidesEveryFormOfAValue) {
  const Redactor redactor({"p@ss word", "tok\"en"});
  EXPECT_EQ(redactor.Redact("login with p@ss word failed"), "login with *** failed");
  EXPECT_EQ(redactor.Redact("GET /x?key=p%40ss%20word&a=1"), "GET /x?key=***&a=1");
  EXPECT_EQ(redactor.Redact(R"({"t":"tok\"en"})"), R"({"t":"***"})");
  EXPECT_EQ(redactor.Redact("tok\"entok\"en"), "******");
  EXPECT_EQ(redactor.Redact("nothing here"), "nothing here");
  EXPECT_TRUE(Redactor({""}).empty());
}

}  // namespace
}  // namespace orc
