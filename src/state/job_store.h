// JobStore: the role of the state store that keeps jobs and their tasks. The API writes and lists
// jobs, the scheduler reads the active scheduled ones, and a worker reads the job of the run it
// executes.
//
// Each method is atomic: a job is never stored with half its tasks. Errors: NotFound (no such
// job), AlreadyExists (job name taken), Conflict (DeleteJob while a run is active), InvalidArgument
// (two tasks with one name or one order), Unavailable (the store cannot be reached now: try
// again), Internal. Thread safety: all methods are safe to call concurrently.
#pragma once

#include <optional>
#include <string>

#include "common/status.h"
#include "core/job.h"
#include "state/page.h"

namespace orc {

struct JobFilter {
  int limit = 100;
  int offset = 0;
  std::optional<bool> is_active;
};

class JobStore {
 public:
  virtual ~JobStore() = default;

  // Stores a new job with its tasks. Assigns job_id and task ids where empty, and task_order from
  // the position when 0; sets created_at/updated_at. AlreadyExists when job_name is taken.
  virtual Result<Job> CreateJob(const Job& job) = 0;
  // Replaces the job with job.job_id and all its tasks. A new task without an id keeps the id of
  // the old task with the same task_name, so cursors and history follow it. created_at is kept.
  virtual Result<Job> ReplaceJob(const Job& job) = 0;
  virtual Result<Job> GetJob(const std::string& job_id) = 0;
  virtual Result<Job> GetJobByName(const std::string& job_name) = 0;
  // Ordered by (created_at, job_id).
  virtual Result<Page<Job>> ListJobs(const JobFilter& filter) = 0;
  // Changes whenever a job is created, changed or deleted (by any process sharing the database);
  // cheap, for caches of job listings.
  virtual Result<std::string> JobsVersion() = 0;
  // Deletes the job with its runs and history. Conflict while a run of it is queued or running.
  virtual Status DeleteJob(const std::string& job_id) = 0;
};

}  // namespace orc
