// Data plane throughput:
//   - CSV and Parquet -> DuckDB through orc's extractor/loader path, against DuckDB's own
//     CREATE TABLE AS SELECT * FROM read_csv/read_parquet on the same file. Bar: ratio >= 0.9.
//   - API -> DuckDB: an HTTP server on loopback (in this process) serves the same rows as JSON
//     pages of 10,000 records (?page=N), against DuckDB's read_json of the same records from a
//     local NDJSON file. Bar: ratio >= 0.5.
// Ratio = DuckDB's time / ours. Bar for all: peak memory of the process loading < 1 GiB.
//
// Each load runs in a child process of its own (this binary re-run with --child), so that both
// sides start equally cold and the child's peak RSS is exactly that load's. Sides alternate; the
// median of the repetitions is reported. ORC_BENCH_ROWS (default 5,000,000) sets the size;
// ORC_BENCH_DATA_DIR (default /tmp/orc-bench-data) keeps the generated files between runs.
// ORC_BENCH_CONFINED=1 runs both sides on a confined engine, as a task executor would (see
// DuckDbConfinement): to compare with a run without it.
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
#include <string>
#include <thread>
#include <vector>

#include "bench_support.h"
#include "engine/duckdb_engine.h"
#include "plugins/extractors/api/network_policy.h"
#include "plugins/plugin_registry.h"

extern char** environ;

namespace orc {
namespace {

constexpr double kFileRatioBar = 0.9;
constexpr double kApiRatioBar = 0.5;
constexpr int kRecordsPerPage = 10000;
constexpr double kMemoryBarMiB = 1024;
constexpr int kRepetitions = 3;

bool Confined() { return Env("ORC_BENCH_CONFINED", "0") == "1"; }

// Confined: files only under the data directory, which also holds the spill directory and the
// API extractor's spool (TMPDIR).
DuckDbEngineOptions EngineOptions(const std::filesystem::path& data_dir) {
  if (!Confined()) return {};
  const std::filesystem::path spool = data_dir / "tmp";
  std::filesystem::create_directories(spool);
  setenv("TMPDIR", spool.c_str(), 1);
  return {.confinement = DuckDbConfinement{.allowed_directories = {data_dir}},
          .spill_directory = data_dir / "spill"};
}

// --child duckdb|orc FORMAT FILE DB: one load, prints its seconds.
int RunChild(const std::string& side, const std::string& format, const std::string& file,
             const std::string& db) {
  DuckDbEngine engine(EngineOptions(std::filesystem::path(db).parent_path()));
  const auto started = std::chrono::steady_clock::now();
  if (side == "duckdb") {
    Result<std::unique_ptr<DuckDbConnection>> connection = engine.Connect(db);
    if (!connection.ok()) return Fail(connection.status());
    const std::string reader = format == "csv"       ? "read_csv"
                               : format == "parquet" ? "read_parquet"
                                                     : "read_json";
    Result<int64_t> rows =
        (*connection)
            ->Execute("CREATE TABLE t AS SELECT * FROM " + reader + "(" + QuoteLiteral(file) + ")");
    if (!rows.ok()) return Fail(rows.status());
  } else {
    PluginRegistry registry;
    RegisterBuiltinPlugins(registry);
    TaskProgress progress;
    Interrupter interrupter;
    const PathPolicy paths = PathPolicy::Unrestricted(std::filesystem::current_path());
    // The API is served on loopback, which the default network policy refuses.
    const NetworkPolicy policy{.allowed_hosts = {{.host = "127.0.0.1"}}};
    TaskContext context{.run_id = "bench",
                        .task_id = "bench",
                        .task_name = "load",
                        .paths = &paths,
                        .engine = &engine,
                        .progress = &progress,
                        .interrupter = &interrupter,
                        .clock = &SystemClock::Instance(),
                        .network_policy = &policy};
    nlohmann::json source = {{"type", format}, {"path", file}};
    if (format == "api") {
      source = {{"type", "api"},
                {"url", file},
                {"pagination", {{"type", "page_number"}, {"page_param", "page"}}}};
    }
    auto extractor = registry.MakeExtractor(source, paths);
    if (!extractor.ok()) return Fail(extractor.status());
    auto loader = registry.MakeLoader(
        nlohmann::json{{"type", "duckdb"}, {"db_path", db}, {"table_name", "t"}}, paths);
    if (!loader.ok()) return Fail(loader.status());
    Result<LoadResult> loaded = (*loader)->Load(context, **extractor);
    if (!loaded.ok()) return Fail(loaded.status());
  }
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  // This process's own peak RSS (VmHWM, kB): unlike the rusage a parent gets from wait4, it does
  // not include the parent's memory inherited across posix_spawn.
  std::ifstream status("/proc/self/status");
  std::string line;
  long peak_kb = 0;
  while (std::getline(status, line)) {
    if (line.starts_with("VmHWM:")) peak_kb = std::stol(line.substr(6));
  }
  std::printf("%.6f %ld\n", seconds, peak_kb);
  return 0;
}

struct ChildResult {
  double seconds = 0;
  double peak_mib = 0;
};

ChildResult Spawn(const std::string& self, const std::vector<std::string>& args) {
  int pipe_fds[2];
  if (pipe(pipe_fds) != 0) std::exit(1);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, pipe_fds[1], STDOUT_FILENO);
  posix_spawn_file_actions_addclose(&actions, pipe_fds[0]);
  std::vector<char*> argv{const_cast<char*>(self.c_str())};
  for (const std::string& arg : args) argv.push_back(const_cast<char*>(arg.c_str()));
  argv.push_back(nullptr);
  pid_t pid = 0;
  if (posix_spawn(&pid, self.c_str(), &actions, nullptr, argv.data(), environ) != 0) std::exit(1);
  posix_spawn_file_actions_destroy(&actions);
  close(pipe_fds[1]);
  std::string output;
  char buffer[256];
  for (ssize_t n; (n = read(pipe_fds[0], buffer, sizeof buffer)) > 0;) output.append(buffer, n);
  close(pipe_fds[0]);
  int wait_status = 0;
  waitpid(pid, &wait_status, 0);
  if (!WIFEXITED(wait_status) || WEXITSTATUS(wait_status) != 0) {
    std::fprintf(stderr, "child %s %s failed\n", args[1].c_str(), args[2].c_str());
    std::exit(1);
  }
  double seconds = 0;
  long peak_kb = 0;
  std::sscanf(output.c_str(), "%lf %ld", &seconds, &peak_kb);
  return {seconds, peak_kb / 1024.0};
}

void Generate(const std::filesystem::path& dir, int64_t rows) {
  std::filesystem::create_directories(dir);
  if (std::filesystem::exists(dir / "rows.parquet")) return;
  std::printf("generating %lld rows in %s ...\n", static_cast<long long>(rows), dir.c_str());
  DuckDbEngine engine;
  auto connection = *engine.Connect(":memory:");
  const std::string rows_sql =
      "SELECT i AS id, 'customer_' || (i % 100000) AS customer, "
      "(random() * 1000)::DECIMAL(10,2) AS amount, (i % 50)::INTEGER AS quantity, "
      "TIMESTAMP '2026-01-01' + to_seconds(i) AS created_at, "
      "['new', 'paid', 'shipped', 'cancelled'][1 + i % 4] AS status FROM range(" +
      std::to_string(rows) + ") t(i)";
  for (const auto& [file, options] :
       {std::pair{"rows.csv", "(HEADER)"}, std::pair{"rows.ndjson", "(FORMAT json)"},
        std::pair{"rows.parquet", "(FORMAT parquet)"}}) {
    Result<int64_t> written = connection->Execute(
        "COPY (" + rows_sql + ") TO " + QuoteLiteral((dir / file).string()) + " " + options);
    if (!written.ok()) std::exit(Fail(written.status()));
  }
}

int RunParent(const std::string& self) {
  const int64_t rows = std::stoll(Env("ORC_BENCH_ROWS", "5000000"));
  const std::filesystem::path dir = Env("ORC_BENCH_DATA_DIR", "/tmp/orc-bench-data");
  Generate(dir, rows);
  std::printf(
      "data plane: file -> DuckDB table, %lld rows, median of %d, each load in its own "
      "process%s\n",
      static_cast<long long>(rows), kRepetitions,
      Confined() ? ", engine confined to the data directory" : "");
  // The API: the NDJSON file's records in pages, held in memory by this process.
  std::vector<std::string> pages;
  {
    std::ifstream in(dir / "rows.ndjson");
    std::string line;
    std::string page;
    int records = 0;
    while (std::getline(in, line)) {
      page += (records == 0 ? "[" : ",") + line;
      if (++records == kRecordsPerPage) {
        pages.push_back(page + "]");
        page.clear();
        records = 0;
      }
    }
    if (records > 0) pages.push_back(page + "]");
  }
  httplib::Server server;
  server.Get("/rows", [&pages](const httplib::Request& request, httplib::Response& response) {
    const size_t page = std::stoul(request.get_param_value("page"));
    response.set_content(page >= 1 && page <= pages.size() ? pages[page - 1] : "[]",
                         "application/json");
  });
  const int port = server.bind_to_any_port("127.0.0.1");
  std::thread serving([&server] { server.listen_after_bind(); });
  const std::string api_url = "http://127.0.0.1:" + std::to_string(port) + "/rows";

  bool met = true;
  for (const std::string format : {"csv", "parquet", "api"}) {
    const std::string file = format == "api" ? api_url : (dir / ("rows." + format)).string();
    const std::string reference_file = format == "api" ? (dir / "rows.ndjson").string() : file;
    const double ratio_bar = format == "api" ? kApiRatioBar : kFileRatioBar;
    std::vector<double> reference_times;
    std::vector<double> our_times;
    double peak_mib = 0;
    for (int i = 0; i < kRepetitions; ++i) {
      for (const std::string side : {"duckdb", "orc"}) {
        const std::string db = (dir / ("out-" + side + ".duckdb")).string();
        std::filesystem::remove(db);
        std::filesystem::remove(db + ".wal");
        const ChildResult result =
            Spawn(self, {"--child", side, format, side == "duckdb" ? reference_file : file, db});
        (side == "duckdb" ? reference_times : our_times).push_back(result.seconds);
        if (side == "orc") peak_mib = std::max(peak_mib, result.peak_mib);
      }
    }
    std::sort(reference_times.begin(), reference_times.end());
    std::sort(our_times.begin(), our_times.end());
    const double reference = reference_times[kRepetitions / 2];
    const double ours = our_times[kRepetitions / 2];
    const double ratio = reference / ours;
    const bool format_met = ratio >= ratio_bar && peak_mib < kMemoryBarMiB;
    met = met && format_met;
    std::printf(
        "  %-8s duckdb %.2f s  orc %.2f s  ratio %.2f (bar %.1f)  orc peak RSS %.0f MiB "
        "(bar %.0f)  %s\n",
        format.c_str(), reference, ours, ratio, ratio_bar, peak_mib, kMemoryBarMiB,
        format_met ? "(met)" : "(NOT met)");
  }
  server.stop();
  serving.join();
  return met ? 0 : 2;
}

}  // namespace
}  // namespace orc

int main(int argc, char** argv) {
  if (argc == 6 && std::string(argv[1]) == "--child") {
    return orc::RunChild(argv[2], argv[3], argv[4], argv[5]);
  }
  return orc::RunParent(std::filesystem::read_symlink("/proc/self/exe").string());
}
