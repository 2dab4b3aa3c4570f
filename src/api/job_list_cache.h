// JobListCache: the encoded pages of GET /jobs, reused while they are still true.
//
// Encoding a page of jobs (their tasks, plugin configurations, next_run_at) costs far more than
// serving it, and listings are read far more often than jobs change. A cached page is served
// while the store's JobsVersion() is the one it was built at (a counter every job write raises, in
// any process) and no job on it has passed its next_run_at (which the page shows).
//
// Thread safety: safe from any thread.
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <tuple>

#include "common/clock.h"
#include "common/status.h"
#include "state/state_store.h"

namespace orc {

struct ApiContext;

struct EncodedJobPage {
  std::shared_ptr<const std::string> body;  // the JSON array
  int64_t total = 0;
};

class JobListCache {
 public:
  Result<EncodedJobPage> Get(ApiContext& context, const JobFilter& filter);

 private:
  static constexpr size_t kMaxEntries = 64;
  struct Entry {
    std::string version;
    std::optional<TimePoint> valid_until;  // the earliest next_run_at on the page
    EncodedJobPage page;
  };
  using Key = std::tuple<int, int, int>;  // limit, offset, is_active (-1: any)

  std::mutex mutex_;  // guards entries_
  std::map<Key, Entry> entries_;
};

}  // namespace orc
