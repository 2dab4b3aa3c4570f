#include "notify/notify_config.h"

#include <gtest/gtest.h>

namespace orc {
namespace {

using nlohmann::json;

Status ParseError(const json& notify, const SecretPolicy* secrets = nullptr) {
  return ParseNotifyTargets(notify, secrets, "notify").status();
}

TEST(NotifyConfigTest, ReadsAFullTarget) {
  Result<std::vector<NotifyTarget>> targets =
      ParseNotifyTargets(json::parse(R"([{"on": ["failure", "late"],
                       "webhook": {"url": "https://hooks.example/x?y=1",
                                   "headers": {"Authorization": "Bearer ${env:ORC_SECRET_T}"},
                                   "secret": "${env:ORC_SECRET_S}"}}])"),
                         nullptr, "notify");
  ASSERT_TRUE(targets.ok()) << targets.status().ToString();
  ASSERT_EQ(targets->size(), 1u);
  const NotifyTarget& target = targets->front();
  EXPECT_EQ(target.on, (std::set<NotifyEvent>{NotifyEvent::kFailure, NotifyEvent::kLate}));
  EXPECT_EQ(target.url, "https://hooks.example/x?y=1");
  ASSERT_EQ(target.headers.size(), 1u);
  EXPECT_EQ(target.headers[0].first, "Authorization");
  EXPECT_EQ(target.headers[0].second, "Bearer ${env:ORC_SECRET_T}");
  EXPECT_EQ(target.secret, "${env:ORC_SECRET_S}");
  EXPECT_EQ(target.fingerprint.size(), 32u);
}

TEST(NotifyConfigTest, NothingIsNoTarget) {
  EXPECT_TRUE(ParseNotifyTargets(json(nullptr), nullptr, "notify")->empty());
  EXPECT_TRUE(ParseNotifyTargets(json::array(), nullptr, "notify")->empty());
  EXPECT_TRUE(ParseNotifyText("", nullptr, "notify")->empty());
}

TEST(NotifyConfigTest, TheFingerprintFollowsTheWebhookNotTheEvents) {
  const auto fingerprint = [](const char* text) {
    return ParseNotifyText(text, nullptr, "notify")->front().fingerprint;
  };
  EXPECT_EQ(fingerprint(R"([{"on":["failure"],"webhook":{"url":"http://a.example/"}}])"),
            fingerprint(R"([{"on":["success"],"webhook":{"url":"http://a.example/"}}])"));
  EXPECT_NE(fingerprint(R"([{"on":["failure"],"webhook":{"url":"http://a.example/"}}])"),
            fingerprint(R"([{"on":["failure"],"webhook":{"url":"http://b.example/"}}])"));
}

struct BadCase {
  const char* notify;
  const char* field;
  const char* words;  // in the message
};

TEST(NotifyConfigTest, RefusesWhatItCannotUseNamingTheField) {
  const std::vector<BadCase> cases = {
      {R"({"on":["failure"]})", "notify", "list"},
      {R"([1])", "notify[0]", "object"},
      {R"([{"on":["failure"],"webhook":{"url":"http://a.example"},"email":"x"}])",
       "notify[0].email", "unknown field"},
      {R"([{"webhook":{"url":"http://a.example"}}])", "notify[0].on", "required"},
      {R"([{"on":[],"webhook":{"url":"http://a.example"}}])", "notify[0].on", "non-empty"},
      {R"([{"on":"failure","webhook":{"url":"http://a.example"}}])", "notify[0].on", "list"},
      {R"([{"on":["failed"],"webhook":{"url":"http://a.example"}}])", "notify[0].on[0]",
       "did you mean 'failure'"},
      {R"([{"on":[3],"webhook":{"url":"http://a.example"}}])", "notify[0].on[0]", "string"},
      {R"([{"on":["late"]}])", "notify[0].webhook", "required"},
      {R"([{"on":["late"],"webhook":"http://a.example"}])", "notify[0].webhook", "object"},
      {R"([{"on":["late"],"webhook":{"url":"http://a.example","method":"PUT"}}])",
       "notify[0].webhook.method", "unknown field"},
      {R"([{"on":["late"],"webhook":{}}])", "notify[0].webhook.url", "required"},
      {R"([{"on":["late"],"webhook":{"url":"ftp://a.example/"}}])", "notify[0].webhook.url",
       "http"},
      {R"([{"on":["late"],"webhook":{"url":"http:///path"}}])", "notify[0].webhook.url", "host"},
      {R"([{"on":["late"],"webhook":{"url":"http://a.example/ x"}}])", "notify[0].webhook.url",
       "spaces"},
      {R"([{"on":["late"],"webhook":{"url":"http://a.example","headers":{"Bad Name":"x"}}}])",
       "notify[0].webhook.headers.Bad Name", "header name"},
      {R"([{"on":["late"],"webhook":{"url":"http://a.example","headers":{"X":"a\r\nB: c"}}}])",
       "notify[0].webhook.headers.X", "line breaks"},
      {R"([{"on":["late"],"webhook":{"url":"http://a.example","headers":{"X":1}}}])",
       "notify[0].webhook.headers.X", "string"},
      {R"([{"on":["late"],"webhook":{"url":"http://a.example","headers":{"X-Orc-Event":"x"}}}])",
       "notify[0].webhook.headers.X-Orc-Event", "set by orc"},
      {R"([{"on":["late"],"webhook":{"url":"http://a.example","secret":1}}])",
       "notify[0].webhook.secret", "string"},
  };
  for (const BadCase& bad : cases) {
    const Status status = ParseError(json::parse(bad.notify));
    EXPECT_EQ(status.code(), StatusCode::kInvalidArgument) << bad.notify;
    EXPECT_EQ(status.field(), bad.field) << bad.notify << ": " << status.message();
    EXPECT_NE(status.message().find(bad.words), std::string::npos)
        << bad.notify << ": " << status.message();
  }
}

TEST(NotifyConfigTest, RefusesTooManyTargets) {
  json notify = json::array();
  for (size_t i = 0; i <= kMaxNotifyTargets; ++i) {
    notify.push_back({{"on", {"failure"}}, {"webhook", {{"url", "http://a.example/"}}}});
  }
  EXPECT_EQ(ParseError(notify).field(), "notify");
}

TEST(NotifyConfigTest, SecretReferencesMustBeAllowed) {
  const SecretPolicy policy;  // ORC_SECRET_*
  const json notify = json::parse(
      R"([{"on":["failure"],"webhook":{"url":"http://a.example/","secret":"${env:HOME}"}}])");
  const Status status = ParseError(notify, &policy);
  EXPECT_EQ(status.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(status.field(), "notify[0].webhook.secret") << status.message();
  EXPECT_TRUE(ParseNotifyTargets(notify, nullptr, "notify").ok());
}

TEST(NotifyConfigTest, StoredTextThatIsNotJsonIsAnError) {
  EXPECT_EQ(ParseNotifyText("[", nullptr, "notify").status().code(), StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace orc
