#include "notify/webhook.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "common/time_format.h"

namespace orc {
namespace {

using nlohmann::json;

const TimePoint kAt = TimePoint(std::chrono::sys_days(std::chrono::year(2026) / 3 / 1));

TEST(WebhookTest, HmacMatchesPublishedVectors) {
  // RFC 4231, test case 2.
  EXPECT_EQ(HmacSha256Hex("Jefe", "what do ya want for nothing?"),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
  // GitHub's example in "Validating webhook deliveries".
  EXPECT_EQ(HmacSha256Hex("It's a Secret to Everybody", "Hello, World!"),
            "757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17");
}

TEST(WebhookTest, HeadersSignTheBodyWhenASecretIsSet) {
  const std::vector<std::string> signed_headers =
      WebhookHeaders(NotifyEvent::kFailure, "d-1", "Hello, World!", "It's a Secret to Everybody",
                     {{"Authorization", "Bearer t"}});
  const std::vector<std::string> expected = {
      "Content-Type: application/json",
      signed_headers[1],  // User-Agent: orc/<version>
      "X-Orc-Event: failure",
      "X-Orc-Delivery: d-1",
      "X-Orc-Signature-256: "
      "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17",
      "Authorization: Bearer t"};
  EXPECT_EQ(signed_headers, expected);
  EXPECT_TRUE(signed_headers[1].starts_with("User-Agent: orc/"));
  const std::vector<std::string> unsigned_headers =
      WebhookHeaders(NotifyEvent::kLate, "d-2", "{}", "", {});
  EXPECT_EQ(unsigned_headers.size(), 4u);
}

TEST(WebhookTest, ARunsBodySaysWhatHappenedAndLinksToItsPage) {
  Job job;
  job.job_id = "job-1";
  job.job_name = "daily sales";
  orc::Run run;
  run.run_id = "run-1";
  run.status = RunStatus::kFailed;
  run.triggered_by = TriggeredBy::kScheduler;
  run.scheduled_for = kAt;
  run.interval_start = kAt - std::chrono::hours(24);
  run.interval_end = kAt;
  run.error_message = "task load: boom";
  run.attempt = 1;
  run.started_at = kAt + std::chrono::seconds(1);
  run.finished_at = kAt + std::chrono::seconds(5);
  const json body = json::parse(WebhookBody({.event = NotifyEvent::kFailure,
                                             .delivery_id = "d-1",
                                             .job = &job,
                                             .run = &run,
                                             .created_at = kAt + std::chrono::seconds(6),
                                             .public_url = "http://orc.example:8080"}));
  EXPECT_EQ(body["event"], "failure");
  EXPECT_EQ(body["delivery_id"], "d-1");
  EXPECT_EQ(body["created_at"], "2026-03-01T00:00:06.000Z");
  EXPECT_EQ(body["job"]["id"], "job-1");
  EXPECT_EQ(body["job"]["name"], "daily sales");
  EXPECT_EQ(body["run"]["id"], "run-1");
  EXPECT_EQ(body["run"]["status"], "failed");
  EXPECT_EQ(body["run"]["triggered_by"], "scheduler");
  EXPECT_EQ(body["run"]["scheduled_for"], "2026-03-01T00:00:00.000Z");
  EXPECT_EQ(body["run"]["interval_start"], "2026-02-28T00:00:00.000Z");
  EXPECT_EQ(body["run"]["interval_end"], "2026-03-01T00:00:00.000Z");
  EXPECT_EQ(body["run"]["error"], "task load: boom");
  EXPECT_EQ(body["run"]["attempt"], 1);
  EXPECT_EQ(body["run"]["finished_at"], "2026-03-01T00:00:05.000Z");
  EXPECT_EQ(body["run"]["url"], "http://orc.example:8080/#/runs/run-1");
  EXPECT_FALSE(body.contains("slot"));
}

TEST(WebhookTest, ALateBodyNamesTheSlotAndItsDeadline) {
  Job job;
  job.job_id = "job-1";
  job.sla_s = 600;
  const json body = json::parse(
      WebhookBody({.event = NotifyEvent::kLate, .delivery_id = "d", .job = &job, .slot = kAt}));
  EXPECT_EQ(body["event"], "late");
  EXPECT_TRUE(body["run"].is_null());
  EXPECT_EQ(body["slot"], "2026-03-01T00:00:00.000Z");
  EXPECT_EQ(body["deadline"], "2026-03-01T00:10:00.000Z");
  EXPECT_EQ(body["sla_s"], 600);
}

TEST(WebhookTest, ABodyWithInvalidUtf8IsStillJson) {
  orc::Run run;
  run.error_message = "bad \xff byte";
  EXPECT_NO_THROW(json::parse(WebhookBody({.run = &run})));
}

TEST(WebhookTest, OutcomesOfResponsesAndErrors) {
  EXPECT_EQ(ClassifyResponse(200), SendOutcome::kDelivered);
  EXPECT_EQ(ClassifyResponse(204), SendOutcome::kDelivered);
  for (long status : {408L, 425L, 429L, 500L, 502L, 503L, 504L}) {
    EXPECT_EQ(ClassifyResponse(status), SendOutcome::kRetry) << status;
  }
  for (long status : {100L, 301L, 302L, 307L, 400L, 401L, 403L, 404L, 410L, 422L}) {
    EXPECT_EQ(ClassifyResponse(status), SendOutcome::kFailed) << status;
  }
  EXPECT_EQ(ClassifyError(UnavailableError("connection refused")), SendOutcome::kRetry);
  EXPECT_EQ(ClassifyError(DeadlineExceededError("timed out")), SendOutcome::kRetry);
  EXPECT_EQ(ClassifyError(PermissionDeniedError("private address")), SendOutcome::kFailed);
  EXPECT_EQ(ClassifyError(InvalidArgumentError("bad URL")), SendOutcome::kFailed);
}

}  // namespace
}  // namespace orc
