// Files -> DuckDB through a running `orc serve`, as a user sees it: POST /jobs/{id}/run, then
// GET /runs/{id} until the run is finished, against DuckDB alone creating the same table in a
// process of its own (CREATE TABLE t AS SELECT * FROM read_csv/read_parquet(file) into a new
// database file, timed from spawning the process to its exit, which includes DuckDB's open and
// its checkpoint at close). Bar: ratio DuckDB / orc >= 0.95 for CSV and for Parquet.
//
// orc serve runs as its defaults have it (SQLite state in a temporary directory, a free port,
// the data directory in that temporary directory, the input files' directory allowed read-only);
// each round loads into a database file that does not exist yet, as the reference does. Rounds
// alternate orc and DuckDB; the medians, the spread (min-max) and the ratio of the medians are
// printed, and orc's time split into: trigger -> task started (queue, claim, dispatch), the task
// itself (as the executor reports it), task finished -> seen finished (finish, poll).
//
// ORC_BENCH_ROWS (default 5,000,000) sets the size; ORC_BENCH_DATA_DIR (default
// /tmp/orc-bench-serve-data) keeps the generated files between runs, named by their rows;
// ORC_BENCH_ROUNDS (default 5) the rounds of each side and format; ORC_BENCH_POLL_MS (default
// 10) how often the run is read; ORC_BENCH_FORMATS (default "csv parquet") which formats;
// ORC_BENCH_SERVE_ARGS more arguments for orc serve (to compare settings); ORC_BENCH_ORC another
// orc binary to measure (default: the one built beside this benchmark).
#include <duckdb.h>
#include <signal.h>
#include <spawn.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <httplib.h>
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "bench_support.h"
#include "common/time_format.h"
#include "support/temp_dir.h"

extern char** environ;

namespace orc {
namespace {

using namespace std::chrono_literals;
using Seconds = std::chrono::duration<double>;

constexpr double kRatioBar = 0.95;

[[noreturn]] void Die(const std::string& message) {
  std::fprintf(stderr, "bench_serve_files: %s\n", message.c_str());
  std::exit(1);
}

std::string Quote(const std::string& text) {
  std::string quoted = "'";
  for (const char c : text) quoted += c == '\'' ? std::string("''") : std::string(1, c);
  return quoted + "'";
}

// Runs `sql` on a DuckDB database at `path` (nullptr: in memory) with DuckDB's defaults.
void RunDuckDb(const char* path, const std::string& sql) {
  duckdb_database database = nullptr;
  duckdb_connection connection = nullptr;
  if (duckdb_open(path, &database) == DuckDBError) Die("cannot open DuckDB");
  if (duckdb_connect(database, &connection) == DuckDBError) Die("cannot connect to DuckDB");
  duckdb_result result{};
  if (duckdb_query(connection, sql.c_str(), &result) == DuckDBError) {
    Die(std::string("DuckDB: ") + duckdb_result_error(&result));
  }
  duckdb_destroy_result(&result);
  duckdb_disconnect(&connection);
  duckdb_close(&database);
}

std::filesystem::path InputFile(const std::filesystem::path& dir, int64_t rows,
                                const std::string& format) {
  return dir / ("rows-" + std::to_string(rows) + "." + format);
}

// The same rows as bench_data_plane's: six columns of mixed types.
void Generate(const std::filesystem::path& dir, int64_t rows) {
  std::filesystem::create_directories(dir);
  const std::string rows_sql =
      "SELECT i AS id, 'customer_' || (i % 100000) AS customer, "
      "(random() * 1000)::DECIMAL(10,2) AS amount, (i % 50)::INTEGER AS quantity, "
      "TIMESTAMP '2026-01-01' + to_seconds(i) AS created_at, "
      "['new', 'paid', 'shipped', 'cancelled'][1 + i % 4] AS status FROM range(" +
      std::to_string(rows) + ") t(i)";
  for (const auto& [format, options] :
       {std::pair{"csv", "(HEADER)"}, std::pair{"parquet", "(FORMAT parquet)"}}) {
    const std::filesystem::path file = InputFile(dir, rows, format);
    if (std::filesystem::exists(file)) continue;
    std::printf("generating %s ...\n", file.c_str());
    const std::filesystem::path partial = file.string() + ".partial";
    RunDuckDb(nullptr, "COPY (" + rows_sql + ") TO " + Quote(partial.string()) + " " + options);
    std::filesystem::rename(partial, file);
  }
}

pid_t Spawn(const std::vector<std::string>& args, const std::filesystem::path& output) {
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  if (!output.empty()) {
    posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, output.c_str(),
                                     O_WRONLY | O_CREAT | O_TRUNC, 0644);
    posix_spawn_file_actions_adddup2(&actions, STDOUT_FILENO, STDERR_FILENO);
  }
  std::vector<char*> argv;
  for (const std::string& arg : args) argv.push_back(const_cast<char*>(arg.c_str()));
  argv.push_back(nullptr);
  pid_t pid = 0;
  if (posix_spawn(&pid, argv[0], &actions, nullptr, argv.data(), environ) != 0) {
    Die("cannot start " + args[0]);
  }
  posix_spawn_file_actions_destroy(&actions);
  return pid;
}

struct Timing {
  double seconds = 0;  // wall
  double cpu = 0;      // user and system
};

// DuckDB alone: this binary re-run with --child, from spawn to exit.
Timing ReferenceSeconds(const std::string& self, const std::string& format,
                        const std::filesystem::path& file, const std::filesystem::path& db) {
  std::filesystem::remove(db);
  std::filesystem::remove(db.string() + ".wal");
  const auto started = std::chrono::steady_clock::now();
  const pid_t pid = Spawn({self, "--child", format, file, db}, {});
  int status = 0;
  rusage usage{};
  wait4(pid, &status, 0, &usage);
  const double seconds = Seconds(std::chrono::steady_clock::now() - started).count();
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) Die("the DuckDB child failed");
  auto cpu = [](const timeval& time) { return time.tv_sec + time.tv_usec / 1e6; };
  return {seconds, cpu(usage.ru_utime) + cpu(usage.ru_stime)};
}

// A running `orc serve` and a client of its API.
class OrcServer {
 public:
  OrcServer(const std::string& orc, const std::filesystem::path& inputs) {
    const std::filesystem::path log = std::filesystem::path(dir_.path()) / "serve.log";
    std::vector<std::string> args = {orc,
                                     "serve",
                                     "--bind",
                                     "127.0.0.1:0",
                                     "--database-url",
                                     "sqlite://" + dir_.File("state.db"),
                                     "--data-dir",
                                     data_dir().string(),
                                     "--allow-path",
                                     inputs.string() + ":ro"};
    std::istringstream extra(Env("ORC_BENCH_SERVE_ARGS", ""));
    for (std::string arg; extra >> arg;) args.push_back(arg);
    pid_ = Spawn(args, log);
    const std::string marker = "listening on http://127.0.0.1:";
    for (int i = 0; i < 1000 && port_ == 0; ++i) {
      std::this_thread::sleep_for(10ms);
      std::stringstream text;
      text << std::ifstream(log).rdbuf();
      const std::string content = text.str();
      if (const size_t at = content.find(marker); at != std::string::npos) {
        port_ = std::atoi(content.c_str() + at + marker.size());
      }
    }
    if (port_ == 0) Die("orc serve did not start; see " + log.string());
    client_ = std::make_unique<httplib::Client>("127.0.0.1", port_);
    client_->set_keep_alive(true);
    client_->set_read_timeout(60, 0);
  }
  ~OrcServer() {
    client_.reset();
    kill(pid_, SIGTERM);
    waitpid(pid_, nullptr, 0);
  }

  pid_t pid() const { return pid_; }
  std::filesystem::path data_dir() const { return std::filesystem::path(dir_.path()) / "data"; }

  nlohmann::json Call(const std::string& method, const std::string& path,
                      const nlohmann::json& body = nullptr) {
    httplib::Result response =
        method == "GET"
            ? client_->Get(path)
            : client_->Post(path, body.is_null() ? "" : body.dump(), "application/json");
    if (!response || response->status >= 300) {
      Die(method + " " + path + " failed: " + (response ? response->body : "no response"));
    }
    return nlohmann::json::parse(response->body);
  }

  // A job loading `file` into table t of `db` (relative to the data directory).
  std::string CreateJob(const std::string& format, const std::filesystem::path& file,
                        const std::string& db) {
    return Call("POST", "/jobs",
                {{"job_name", "load " + format},
                 {"tasks",
                  {{{"task_name", "load"},
                    {"extractor_config", {{"type", format}, {"path", file.string()}}},
                    {"loader_config",
                     {{"type", "duckdb"}, {"db_path", db}, {"table_name", "t"}}}}}}})["job_id"];
  }

 private:
  testing::TempDir dir_;
  pid_t pid_ = 0;
  int port_ = 0;
  std::unique_ptr<httplib::Client> client_;
};

struct OrcRound {
  double seconds = 0;     // trigger -> seen finished
  double to_task = 0;     // trigger -> the task started
  double task = 0;        // the task, start to finish, as the server recorded it
  double after_task = 0;  // the task finished -> seen finished
  double cpu = 0;         // orc serve's and its executors' CPU seconds meanwhile
};

TimePoint TimeOf(const nlohmann::json& value) {
  Result<TimePoint> parsed = ParseRfc3339(value.get<std::string>());
  if (!parsed.ok()) Die("bad time " + value.dump());
  return *parsed;
}

OrcRound OrcSeconds(OrcServer& orc, const std::string& job_id, const std::string& db) {
  const std::filesystem::path path = orc.data_dir() / db;
  std::filesystem::remove(path);
  std::filesystem::remove(path.string() + ".wal");
  const std::chrono::milliseconds poll(std::stoi(Env("ORC_BENCH_POLL_MS", "10")));
  const double cpu_before = TreeCpuSeconds(orc.pid());
  const TimePoint wall_started = SystemClock::Instance().Now();
  const auto started = std::chrono::steady_clock::now();
  const std::string run_id = orc.Call("POST", "/jobs/" + job_id + "/run")["run_id"];
  nlohmann::json run;
  while (true) {
    run = orc.Call("GET", "/runs/" + run_id);
    const std::string status = run.value("status", "");
    if (status != "queued" && status != "running") break;
    std::this_thread::sleep_for(poll);
  }
  OrcRound round{.seconds = Seconds(std::chrono::steady_clock::now() - started).count(),
                 .cpu = TreeCpuSeconds(orc.pid()) - cpu_before};
  if (run["status"] != "success") Die("the run did not succeed: " + run.dump());
  const nlohmann::json& task = run["task_runs"][0];
  const TimePoint task_started = TimeOf(task["started_at"]);
  const TimePoint task_finished = TimeOf(task["finished_at"]);
  round.to_task = Seconds(task_started - wall_started).count();
  round.task = Seconds(task_finished - task_started).count();
  round.after_task = round.seconds - round.to_task - round.task;
  return round;
}

std::string Spread(const std::vector<double>& values) {
  const auto [low, high] = std::minmax_element(values.begin(), values.end());
  char text[64];
  std::snprintf(text, sizeof text, "%.2f-%.2f", *low, *high);
  return text;
}

int RunParent(const std::string& self) {
  const int64_t rows = std::stoll(Env("ORC_BENCH_ROWS", "5000000"));
  const int rounds = std::stoi(Env("ORC_BENCH_ROUNDS", "5"));
  const std::filesystem::path inputs = Env("ORC_BENCH_DATA_DIR", "/tmp/orc-bench-serve-data");
  Generate(inputs, rows);
  const std::string orc_binary = Env(
      "ORC_BENCH_ORC", (std::filesystem::path(self).parent_path().parent_path() / "orc").c_str());
  OrcServer orc(orc_binary, inputs);
  std::printf(
      "files -> DuckDB through orc serve (trigger -> seen finished, polled every %s ms) against "
      "DuckDB alone (CREATE TABLE AS in a process of its own), %lld rows, %d rounds each, "
      "alternating\n",
      Env("ORC_BENCH_POLL_MS", "10").c_str(), static_cast<long long>(rows), rounds);
  std::istringstream formats(Env("ORC_BENCH_FORMATS", "csv parquet"));
  bool met = true;
  for (std::string format; formats >> format;) {
    const std::filesystem::path file = InputFile(inputs, rows, format);
    const std::string db = "out-" + format + ".duckdb";
    const std::string job_id = orc.CreateJob(format, file, db);
    std::vector<double> reference;
    std::vector<double> reference_cpu;
    std::vector<double> ours;
    std::vector<OrcRound> parts;
    for (int i = 0; i < rounds; ++i) {
      // Alternate which side goes first, so that neither always follows the other's writes.
      const bool reference_first = i % 2 == 0;
      for (int side = 0; side < 2; ++side) {
        if ((side == 0) == reference_first) {
          const Timing timing =
              ReferenceSeconds(self, format, file, orc.data_dir() / ("ref-" + format + ".duckdb"));
          reference.push_back(timing.seconds);
          reference_cpu.push_back(timing.cpu);
        } else {
          parts.push_back(OrcSeconds(orc, job_id, db));
          ours.push_back(parts.back().seconds);
        }
      }
    }
    const double ratio = Median(reference) / Median(ours);
    const bool format_met = ratio >= kRatioBar;
    met = met && format_met;
    std::vector<double> to_task, task, after_task, cpu;
    for (const OrcRound& part : parts) {
      cpu.push_back(part.cpu);
      to_task.push_back(part.to_task * 1000);
      task.push_back(part.task);
      after_task.push_back(part.after_task * 1000);
    }
    std::printf(
        "  %-8s duckdb %.2f s (%s)  orc %.2f s (%s)  ratio %.2f (bar %.2f) %s\n"
        "           orc's parts, medians: trigger -> task start %.0f ms, task %.2f s, task end -> "
        "seen finished %.0f ms\n"
        "           CPU seconds, medians: duckdb %.2f (%s), orc serve and its executors %.2f "
        "(%s)\n",
        format.c_str(), Median(reference), Spread(reference).c_str(), Median(ours),
        Spread(ours).c_str(), ratio, kRatioBar, format_met ? "(met)" : "(NOT met)", Median(to_task),
        Median(task), Median(after_task), Median(reference_cpu), Spread(reference_cpu).c_str(),
        Median(cpu), Spread(cpu).c_str());
    std::fflush(stdout);
  }
  return met ? 0 : 2;
}

}  // namespace
}  // namespace orc

int main(int argc, char** argv) {
  if (argc == 5 && std::string(argv[1]) == "--child") {
    const std::string reader = std::string(argv[2]) == "csv" ? "read_csv" : "read_parquet";
    orc::RunDuckDb(argv[4],
                   "CREATE TABLE t AS SELECT * FROM " + reader + "(" + orc::Quote(argv[3]) + ")");
    return 0;
  }
  return orc::RunParent(std::filesystem::read_symlink("/proc/self/exe").string());
}
