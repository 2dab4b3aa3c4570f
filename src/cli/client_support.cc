#include "cli/client_support.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <iostream>

#include <date/date.h>

#include "common/time_format.h"
#include "common/uuid.h"
#include "core/run.h"
#include "cron/time_zone.h"

namespace orc {

int ReportFailure(const Status& status) {
  std::cerr << "orc: " << status.message();
  if (!status.field().empty() && status.message().find(status.field()) == std::string::npos) {
    std::cerr << " (field " << status.field() << ")";
  }
  std::cerr << "\n";
  return 1;
}

std::unique_ptr<ApiClient> ConnectOrReport(const ClientOptions& options) {
  Result<std::unique_ptr<ApiClient>> client = ApiClient::Connect(options.api);
  if (!client.ok()) {
    ReportFailure(client.status());
    return nullptr;
  }
  return std::move(*client);
}

void PrintTable(std::ostream& out, const std::vector<std::string>& headers,
                const std::vector<std::vector<std::string>>& rows) {
  std::vector<size_t> widths(headers.size());
  for (size_t i = 0; i < headers.size(); ++i) widths[i] = headers[i].size();
  for (const auto& row : rows) {
    for (size_t i = 0; i < row.size() && i < widths.size(); ++i) {
      widths[i] = std::max(widths[i], row[i].size());
    }
  }
  auto print_row = [&](const std::vector<std::string>& cells) {
    std::string line;
    for (size_t i = 0; i < cells.size() && i < widths.size(); ++i) {
      line += cells[i];
      if (i + 1 < cells.size()) line += std::string(widths[i] - cells[i].size() + 2, ' ');
    }
    out << line << "\n";
  };
  print_row(headers);
  for (const auto& row : rows) print_row(row);
}

std::string Thousands(int64_t value) {
  std::string digits = std::to_string(value < 0 ? -value : value);
  for (int i = static_cast<int>(digits.size()) - 3; i > 0; i -= 3) {
    digits.insert(static_cast<size_t>(i), ",");
  }
  return (value < 0 ? "-" : "") + digits;
}

std::string Cell(const nlohmann::json& value) {
  if (value.is_null()) return "-";
  if (value.is_string()) return value.get<std::string>();
  return value.dump();
}

std::string ShortTime(const nlohmann::json& value) {
  if (!value.is_string()) return "-";
  const std::string& text = value.get_ref<const std::string&>();
  Result<TimePoint> time = ParseRfc3339(text);
  if (!time.ok()) return text;  // as the server wrote it, whatever that is
  return date::format("%F %TZ", std::chrono::floor<std::chrono::seconds>(*time));
}

std::string TimeInZone(const nlohmann::json& value, const std::string& timezone) {
  if (!value.is_string()) return "-";
  Result<TimePoint> time = ParseRfc3339(value.get<std::string>());
  if (!time.ok()) return ShortTime(value);
  const auto minutes = std::chrono::floor<std::chrono::minutes>(*time);
  const std::string utc = date::format("%F %R", minutes);
  if (timezone.empty() || timezone == "UTC") return utc + " UTC";
  Result<const TimeZone*> zone = FindTimeZone(timezone);
  if (!zone.ok() || *zone == nullptr) return ShortTime(value);
  const auto seconds = std::chrono::floor<std::chrono::seconds>(*time);
  const date::local_seconds local = (*zone)->ToLocal(seconds);
  // The UTC date too when it is not the zone's: "00:30 Europe/Berlin (2026-11-30 23:30 UTC)".
  const bool same_day = date::floor<date::days>(local).time_since_epoch() ==
                        date::floor<date::days>(seconds).time_since_epoch();
  return date::format("%F %R ", std::chrono::floor<std::chrono::minutes>(local)) + timezone + " (" +
         (same_day ? date::format("%R", minutes) : utc) + " UTC)";
}

void PrintPageNote(size_t shown, int64_t total, const PageOptions& page, const std::string& what,
                   bool capped) {
  const int64_t first = page.offset + 1;
  const int64_t last = page.offset + static_cast<int64_t>(shown);
  if (page.offset == 0 && last >= total && !capped) return;
  std::cerr << "showing ";
  if (shown == 0) {
    std::cerr << "none";
  } else {
    std::cerr << first << "-" << last;
  }
  std::cerr << " of " << total << (capped ? "+" : "") << " " << what;
  if (last < total || capped) std::cerr << " (--offset " << last << " for the next ones)";
  std::cerr << "\n";
}

std::string RunDuration(const nlohmann::json& run, TimePoint now) {
  if (!run.value("started_at", nlohmann::json()).is_string()) return "-";
  Result<TimePoint> started = ParseRfc3339(run["started_at"].get<std::string>());
  if (!started.ok()) return "-";
  TimePoint end = now;
  if (run.value("finished_at", nlohmann::json()).is_string()) {
    Result<TimePoint> finished = ParseRfc3339(run["finished_at"].get<std::string>());
    if (finished.ok()) end = *finished;
  }
  const double seconds = std::chrono::duration<double>(end - *started).count();
  char text[32];
  if (seconds < 60) {
    std::snprintf(text, sizeof(text), seconds < 10 ? "%.2fs" : "%.1fs", seconds);
  } else {
    const long whole = static_cast<long>(seconds);
    std::snprintf(text, sizeof(text), "%ldm%02lds", whole / 60, whole % 60);
  }
  return text;
}

std::string ByteSize(int64_t bytes) {
  if (bytes < 1024) return std::to_string(bytes) + " B";
  static constexpr const char* kUnits[] = {"KiB", "MiB", "GiB", "TiB"};
  double value = static_cast<double>(bytes) / 1024;
  size_t unit = 0;
  for (; value >= 1024 && unit + 1 < std::size(kUnits); ++unit) value /= 1024;
  char text[32];
  std::snprintf(text, sizeof(text), "%.1f %s", value, kUnits[unit]);
  return text;
}

std::string TaskProgressText(const nlohmann::json& task, TimePoint now) {
  auto count = [&task](const char* name) {
    const auto found = task.find(name);
    return found != task.end() && found->is_number_integer() ? found->get<int64_t>() : 0;
  };
  const int64_t rows =
      std::max({count("rows_extracted"), count("rows_loaded"), count("rows_processed")});
  const int64_t bytes_read = count("bytes_read");
  const int64_t bytes_total = count("bytes_total");
  double seconds = 0;
  if (const auto started = task.find("started_at"); started != task.end() && started->is_string()) {
    Result<TimePoint> start = ParseRfc3339(started->get<std::string>());
    if (start.ok()) seconds = std::chrono::duration<double>(now - *start).count();
  }
  const std::string name = task.value("task_name", "");
  std::vector<std::string> parts;
  if (rows > 0 || (bytes_read == 0 && bytes_total == 0)) {
    parts.push_back(Thousands(rows) + " rows");
    if (seconds > 0.05)
      parts.push_back(Thousands(static_cast<int64_t>(rows / seconds)) + " rows/s");
  }
  if (bytes_total > 0 && bytes_read < bytes_total) {
    const int64_t percent = std::clamp<int64_t>(bytes_read * 100 / bytes_total, 0, 99);
    parts.push_back(std::to_string(percent) + "% of " + ByteSize(bytes_total));
    if (bytes_read > 0 && seconds > 0.05) {
      const double left =
          seconds * static_cast<double>(bytes_total - bytes_read) / static_cast<double>(bytes_read);
      const long whole = std::lround(left);
      char eta[32];
      if (whole < 60) {
        std::snprintf(eta, sizeof(eta), "ETA %lds", whole);
      } else {
        std::snprintf(eta, sizeof(eta), "ETA %ldm%02lds", whole / 60, whole % 60);
      }
      parts.push_back(eta);
    }
  } else if (bytes_read > 0) {
    parts.push_back(ByteSize(bytes_read) + " read");
  }
  std::string text = name + ":";
  for (size_t i = 0; i < parts.size(); ++i) text += (i == 0 ? " " : ", ") + parts[i];
  return text;
}

Result<std::vector<nlohmann::json>> ListAllJobs(ApiClient& client) {
  constexpr int kPage = 1000;
  std::vector<nlohmann::json> jobs;
  for (int offset = 0;; offset += kPage) {
    int64_t total = 0;
    Result<nlohmann::json> page = client.GetPage(
        "/jobs?limit=" + std::to_string(kPage) + "&offset=" + std::to_string(offset), &total);
    if (!page.ok()) return page.status();
    for (nlohmann::json& job : *page) jobs.push_back(std::move(job));
    if (page->size() < kPage || static_cast<int64_t>(jobs.size()) >= total) return jobs;
  }
}

Result<std::map<std::string, std::string>> JobNames(ApiClient& client,
                                                    const std::set<std::string>& job_ids) {
  constexpr size_t kIdsPerRequest = 100;  // what GET /jobs?job_ids= takes
  std::map<std::string, std::string> names;
  std::string ids;
  size_t in_request = 0;
  auto ask = [&]() -> Status {
    ORC_ASSIGN_OR_RETURN(nlohmann::json jobs, client.Get("/jobs?job_ids=" + ids));
    for (const nlohmann::json& job : jobs) {
      names[job.value("job_id", "")] = job.value("job_name", "");
    }
    ids.clear();
    in_request = 0;
    return Status::Ok();
  };
  for (const std::string& id : job_ids) {
    if (!IsUuid(id)) continue;
    ids += (ids.empty() ? "" : ",") + id;
    if (++in_request == kIdsPerRequest) ORC_RETURN_IF_ERROR(ask());
  }
  if (in_request > 0) ORC_RETURN_IF_ERROR(ask());
  return names;
}

Result<nlohmann::json> FindJob(ApiClient& client, const std::string& name_or_id) {
  if (IsUuid(name_or_id)) {
    Result<nlohmann::json> job = client.Get("/jobs/" + name_or_id);
    if (job.ok() || job.status().code() != StatusCode::kNotFound) return job;
  }
  ORC_ASSIGN_OR_RETURN(std::vector<nlohmann::json> jobs, ListAllJobs(client));
  for (nlohmann::json& job : jobs) {
    if (job.value("job_name", "") == name_or_id) return std::move(job);
  }
  return NotFoundError("no job named '" + name_or_id + "' on " + client.server() +
                       " (orc jobs list shows them)");
}

Result<std::string> CommandLineTime(const std::string& option, const std::string& text) {
  const std::string full = text.size() == 10 ? text + "T00:00:00Z" : text;
  Result<TimePoint> time = ParseRfc3339(full);
  if (!time.ok()) {
    return InvalidArgumentError(option + " '" + text +
                                "': expected a date (2026-11-01) or an RFC 3339 time "
                                "(2026-11-01T06:00:00Z, 2026-11-01T07:00:00+01:00)");
  }
  return FormatRfc3339(*time);
}

bool IsFinished(const nlohmann::json& run) {
  const std::optional<RunStatus> status = ParseRunStatus(run.value("status", ""));
  return status && IsFinal(*status);
}

}  // namespace orc
