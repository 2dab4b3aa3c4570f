// A helper process for the state store's multi-process tests.
//
//   state_store_child claim URL OWNER   claims and finishes runs until none is queued; prints
//                                       each claimed run id on its own line
//   state_store_child write URL         creates a job and enqueues a run, forever; prints
//                                       "JOB_ID RUN_ID" after each commit (for kill -9 tests)
#include <cstdio>
#include <iostream>
#include <string>

#include "common/uuid.h"
#include "state/state_store.h"

namespace orc {
namespace {

int Fail(const Status& status) {
  std::cerr << "state_store_child: " << status.ToString() << "\n";
  return 1;
}

int Claim(StateStore& store, const std::string& owner) {
  while (true) {
    Result<std::optional<Run>> run = store.ClaimRun(owner, std::chrono::seconds(60));
    if (!run.ok()) return Fail(run.status());
    if (!*run) {
      Result<Page<Run>> queued = store.ListRuns({.limit = 1, .status = RunStatus::kQueued});
      if (!queued.ok()) return Fail(queued.status());
      if (queued->total == 0) return 0;
      continue;
    }
    if (Status finished = store.FinishRun((*run)->run_id, owner, {}).status(); !finished.ok()) {
      return Fail(finished);
    }
    std::printf("%s\n", (*run)->run_id.c_str());
  }
}

int Write(StateStore& store) {
  while (true) {
    Job job;
    job.job_name = "job " + NewUuidV4();
    job.tasks.push_back(Task{.task_name = "only", .transform_config = R"({"type":"sql"})"});
    Result<Job> created = store.CreateJob(job);
    if (!created.ok()) return Fail(created.status());
    Result<Run> run = store.EnqueueRun({.job_id = created->job_id});
    if (!run.ok()) return Fail(run.status());
    std::printf("%s %s\n", created->job_id.c_str(), run->run_id.c_str());
    std::fflush(stdout);
  }
}

}  // namespace
}  // namespace orc

int main(int argc, char** argv) {
  using namespace orc;
  if (argc < 3) {
    std::cerr << "usage: state_store_child claim URL OWNER | write URL\n";
    return 2;
  }
  const std::string mode = argv[1];
  Result<DatabaseUrl> url = ParseDatabaseUrl(argv[2]);
  if (!url.ok()) return Fail(url.status());
  Result<std::unique_ptr<StateStore>> store = OpenStateStore(*url, SystemClock::Instance());
  if (!store.ok()) return Fail(store.status());
  if (mode == "claim" && argc == 4) return Claim(**store, argv[3]);
  if (mode == "write") return Write(**store);
  std::cerr << "usage: state_store_child claim URL OWNER | write URL\n";
  return 2;
}
