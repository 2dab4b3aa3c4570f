#include "api/job_list_cache.h"

#include <nlohmann/json.hpp>

#include "api/api_context.h"
#include "api/job_json.h"
#include "core/job_schedule.h"

namespace orc {

Result<EncodedJobPage> JobListCache::Get(ApiContext& context, const JobFilter& filter) {
  const Key key{filter.limit, filter.offset, filter.is_active ? int{*filter.is_active} : -1};
  ORC_ASSIGN_OR_RETURN(std::string version, context.store.JobsVersion());
  const TimePoint now = context.clock.Now();
  {
    std::lock_guard lock(mutex_);
    const auto found = entries_.find(key);
    if (found != entries_.end() && found->second.version == version &&
        (!found->second.valid_until || now < *found->second.valid_until)) {
      return found->second.page;
    }
  }
  ORC_ASSIGN_OR_RETURN(Page<Job> jobs, context.store.ListJobs(filter));
  nlohmann::json items = nlohmann::json::array();
  std::optional<TimePoint> valid_until;
  for (const Job& job : jobs.items) {
    const std::optional<TimePoint> next = NextRunAt(job, now);
    if (next && (!valid_until || *next < *valid_until)) valid_until = next;
    ORC_ASSIGN_OR_RETURN(nlohmann::json encoded, StoredJobToJson(job, next));
    items.push_back(std::move(encoded));
  }
  Entry entry{
      .version = std::move(version),
      .valid_until = valid_until,
      .page = {.body = std::make_shared<const std::string>(items.dump()), .total = jobs.total}};
  std::lock_guard lock(mutex_);
  if (entries_.size() >= kMaxEntries && entries_.count(key) == 0) entries_.clear();
  entries_.insert_or_assign(key, entry);
  return entry.page;
}

}  // namespace orc
