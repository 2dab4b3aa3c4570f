#include "core/run.h"

#include <array>
#include <utility>

namespace orc {
namespace {

template <typename Enum, size_t N>
std::optional<Enum> Lookup(const std::array<std::pair<Enum, std::string_view>, N>& names,
                           std::string_view text) {
  for (const auto& [value, name] : names) {
    if (name == text) return value;
  }
  return std::nullopt;
}

template <typename Enum, size_t N>
std::string_view NameOf(const std::array<std::pair<Enum, std::string_view>, N>& names, Enum value) {
  for (const auto& [candidate, name] : names) {
    if (candidate == value) return name;
  }
  return "unknown";
}

constexpr std::array<std::pair<RunStatus, std::string_view>, 5> kRunStatusNames = {{
    {RunStatus::kQueued, "queued"},
    {RunStatus::kRunning, "running"},
    {RunStatus::kSuccess, "success"},
    {RunStatus::kFailed, "failed"},
    {RunStatus::kCancelled, "cancelled"},
}};

constexpr std::array<std::pair<TriggeredBy, std::string_view>, 3> kTriggeredByNames = {{
    {TriggeredBy::kManual, "manual"},
    {TriggeredBy::kScheduler, "scheduler"},
    {TriggeredBy::kBackfill, "backfill"},
}};

constexpr std::array<std::pair<TaskRunStatus, std::string_view>, 7> kTaskRunStatusNames = {{
    {TaskRunStatus::kPending, "pending"},
    {TaskRunStatus::kRunning, "running"},
    {TaskRunStatus::kSuccess, "success"},
    {TaskRunStatus::kFailed, "failed"},
    {TaskRunStatus::kUpstreamFailed, "upstream_failed"},
    {TaskRunStatus::kCancelled, "cancelled"},
    {TaskRunStatus::kSkipped, "skipped"},
}};

}  // namespace

std::string_view ToString(RunStatus status) { return NameOf(kRunStatusNames, status); }
std::string_view ToString(TriggeredBy trigger) { return NameOf(kTriggeredByNames, trigger); }
std::string_view ToString(TaskRunStatus status) { return NameOf(kTaskRunStatusNames, status); }

std::optional<RunStatus> ParseRunStatus(std::string_view text) {
  return Lookup(kRunStatusNames, text);
}
std::optional<TriggeredBy> ParseTriggeredBy(std::string_view text) {
  return Lookup(kTriggeredByNames, text);
}
std::optional<TaskRunStatus> ParseTaskRunStatus(std::string_view text) {
  return Lookup(kTaskRunStatusNames, text);
}

bool IsFinal(RunStatus status) {
  return status == RunStatus::kSuccess || status == RunStatus::kFailed ||
         status == RunStatus::kCancelled;
}

}  // namespace orc
