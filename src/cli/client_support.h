// What the CLI's client commands (apply, jobs, run, runs, logs, cancel) share: the connection
// options, the output format, tables, and finding a job by name or id.
#pragma once

#include <iosfwd>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "cli/api_client.h"
#include "common/clock.h"
#include "common/status.h"

namespace orc {

enum class OutputFormat { kTable, kJson };

struct ClientOptions {
  ApiClientOptions api;
  std::string output = "table";  // --output table|json

  OutputFormat format() const {
    return output == "json" ? OutputFormat::kJson : OutputFormat::kTable;
  }
};

// Prints `status` for a person ("orc: ...") and returns the exit code for it.
int ReportFailure(const Status& status);

// A client for options.api; null after printing why when the server address is unusable.
std::unique_ptr<ApiClient> ConnectOrReport(const ClientOptions& options);

// Rows under a header line, each column as wide as its widest cell.
void PrintTable(std::ostream& out, const std::vector<std::string>& headers,
                const std::vector<std::vector<std::string>>& rows);

// 1234567 as "1,234,567".
std::string Thousands(int64_t value);

// A JSON value as a table cell: strings as they are, null as "-", numbers and booleans as JSON.
std::string Cell(const nlohmann::json& value);

// "2026-11-27T09:00:00.123Z" as "2026-11-27 09:00:00Z" (the Z says UTC); "-" for null.
std::string ShortTime(const nlohmann::json& value);

// An API time in the IANA zone `timezone` and in UTC: "2026-12-01 06:30 Europe/Berlin (05:30
// UTC)"; "2026-12-01 05:30 UTC" when the zone is UTC (or empty); ShortTime() when the zone is
// unknown or the time does not parse; "-" for null.
std::string TimeInZone(const nlohmann::json& value, const std::string& timezone);

// The time from started_at to finished_at (or to `now` while running) as "1.2s", "3m04s"; "-"
// before the start.
std::string RunDuration(const nlohmann::json& run, TimePoint now);

// A size in bytes for people: "512 B", "87.0 MiB", "1.2 GiB".
std::string ByteSize(int64_t bytes);

// How far a running task run (as the API gives it) is: rows so far and per second where rows are
// known; while files are read, the share of their bytes read and the time left at that pace:
// "load: 1,200 rows, 600 rows/s" or "load: 42% of 1.2 GiB, ETA 8s". No rows part while the rows
// are still unknown (0), so a file load does not read "0 rows" until it ends.
std::string TaskProgressText(const nlohmann::json& task, TimePoint now);

// What --limit and --offset ask a list route for.
struct PageOptions {
  int limit = 50;
  int offset = 0;
};

// Tells on stderr when a list shows only some of the `total` items: "showing 21-40 of 57 runs
// (--offset 40 for the next ones)". Prints nothing when every item is shown.
void PrintPageNote(size_t shown, int64_t total, const PageOptions& page, const std::string& what,
                   bool capped = false);

// Every job on the server, in creation order (all pages).
Result<std::vector<nlohmann::json>> ListAllJobs(ApiClient& client);

// The names of the jobs in `job_ids` that exist, by id: GET /jobs?job_ids= a hundred at a time, so
// a page of runs costs a request or two however many jobs there are.
Result<std::map<std::string, std::string>> JobNames(ApiClient& client,
                                                    const std::set<std::string>& job_ids);

// The job named `name_or_id` (a job_name, or a job_id); NotFound naming it otherwise.
Result<nlohmann::json> FindJob(ApiClient& client, const std::string& name_or_id);

// The text of a datetime given on the command line as the API takes it (RFC 3339); a date alone
// is its midnight UTC. InvalidArgument naming the option otherwise.
Result<std::string> CommandLineTime(const std::string& option, const std::string& text);

// True when the run's status is one it never leaves.
bool IsFinished(const nlohmann::json& run);

}  // namespace orc
