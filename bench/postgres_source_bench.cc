// The postgres source: PostgreSQL -> a DuckDB file, side by side with the ways a user would do
// it by hand, in alternating rounds on the same table:
//   (a) orc: the postgres extractor + the duckdb loader, in a child process (its peak RSS is
//       the load's own);
//   (b) by hand: psql \copy (SELECT ...) TO a CSV file, then DuckDB CREATE TABLE AS read_csv;
//   (c) the floor: psql COPY (SELECT ...) TO STDOUT (FORMAT binary) > /dev/null.
// Bars (issue 22): orc >= 1.5x faster than (b); orc's rate >= 0.8x (c)'s; peak RSS < 512 MiB.
// ORC_BENCH_ROWS (default 5,000,000) rows of mixed types; ORC_BENCH_POSTGRES_URL to use a server
// of one's own, else a throwaway one is started with the tests' script.
#include <sys/resource.h>
#include <sys/wait.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "bench_postgres.h"
#include "bench_support.h"
#include "engine/duckdb_engine.h"
#include "plugins/plugin_registry.h"

namespace orc {
namespace {

constexpr double kByHandBar = 1.5;
constexpr double kCopyBar = 0.8;
constexpr double kMemoryBarMiB = 512;
constexpr int kDefaultRounds = 3;
constexpr const char* kSelect = "SELECT * FROM bench_rows";

// The process's own peak RSS in MiB (VmHWM).
double PeakMiB() {
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.starts_with("VmHWM:")) return std::stol(line.substr(6)) / 1024.0;
  }
  return 0;
}

// The process's CPU time (user + system, all threads) in seconds.
double CpuSeconds() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return usage.ru_utime.tv_sec + usage.ru_utime.tv_usec / 1e6 + usage.ru_stime.tv_sec +
         usage.ru_stime.tv_usec / 1e6;
}

// --child orc URL DB | --child csv CSV DB: one load; prints seconds, peak MiB and CPU seconds.
int RunChild(const std::string& side, const std::string& input, const std::string& db) {
  DuckDbEngine engine;
  const auto started = std::chrono::steady_clock::now();
  if (side == "csv") {
    auto connection = engine.Connect(db);
    if (!connection.ok()) return Fail(connection.status());
    Result<int64_t> rows =
        (*connection)
            ->Execute("CREATE TABLE t AS SELECT * FROM read_csv(" + QuoteLiteral(input) + ")");
    if (!rows.ok()) return Fail(rows.status());
  } else {
    PluginRegistry registry;
    RegisterBuiltinPlugins(registry);
    TaskProgress progress;
    Interrupter interrupter;
    const PathPolicy paths = PathPolicy::Unrestricted(std::filesystem::current_path());
    TaskContext context{.run_id = "bench",
                        .task_id = "bench",
                        .task_name = "load",
                        .paths = &paths,
                        .engine = &engine,
                        .progress = &progress,
                        .interrupter = &interrupter,
                        .clock = &SystemClock::Instance()};
    auto extractor = registry.MakeExtractor(
        nlohmann::json{{"type", "postgres"}, {"url", input}, {"query", kSelect}}, paths);
    if (!extractor.ok()) return Fail(extractor.status());
    auto loader = registry.MakeLoader(
        nlohmann::json{{"type", "duckdb"}, {"db_path", db}, {"table_name", "t"}}, paths);
    if (!loader.ok()) return Fail(loader.status());
    Result<LoadResult> loaded = (*loader)->Load(context, **extractor);
    if (!loaded.ok()) return Fail(loaded.status());
  }
  std::printf("%.6f %.1f %.3f\n", SecondsSince(started), PeakMiB(), CpuSeconds());
  return 0;
}

struct Measure {
  double seconds = 0;
  double peak_mib = 0;
  double cpu_seconds = 0;
};

// Runs `command` through the shell; with `parse`, reads "SECONDS MIB" from its output.
Measure Run(const std::string& command, bool parse) {
  const auto started = std::chrono::steady_clock::now();
  FILE* pipe = popen(command.c_str(), "r");
  if (pipe == nullptr) std::exit(1);
  char buffer[256] = {};
  const size_t n = std::fread(buffer, 1, sizeof buffer - 1, pipe);
  buffer[n] = '\0';
  if (pclose(pipe) != 0) {
    std::fprintf(stderr, "failed: %s\n%s\n", command.c_str(), buffer);
    std::exit(1);
  }
  Measure measure{.seconds = SecondsSince(started)};
  if (parse)
    std::sscanf(buffer, "%lf %lf %lf", &measure.seconds, &measure.peak_mib, &measure.cpu_seconds);
  return measure;
}

// `text` as one shell word.
std::string ShellQuote(const std::string& text) {
  std::string quoted = "'";
  for (const char c : text) quoted += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return quoted + "'";
}

std::string Psql(const std::string& url, const std::string& command) {
  return "psql -X -q " + ShellQuote(url) + " -c " + ShellQuote(command);
}

int RunParent(const std::string& self) {
  const char* rows_env = std::getenv("ORC_BENCH_ROWS");
  const long long rows = rows_env != nullptr ? std::stoll(rows_env) : 5000000;
  const char* rounds_env = std::getenv("ORC_BENCH_ROUNDS");
  const int rounds = rounds_env != nullptr ? std::max(1, std::atoi(rounds_env)) : kDefaultRounds;
  BenchPostgres postgres;
  if (postgres.url().empty()) {
    std::fprintf(stderr, "no PostgreSQL server\n");
    return 1;
  }
  const std::string& url = postgres.url();
  testing::TempDir dir;
  // A server of one's own (ORC_BENCH_POSTGRES_URL) keeps the table between runs: it is made
  // again only when it does not hold `rows` rows. The generation takes minutes at 5,000,000 rows.
  FILE* counted =
      popen((Psql(url, "SELECT count(*) FROM bench_rows") + " -t -A 2>/dev/null").c_str(), "r");
  long long existing = -1;
  if (counted != nullptr) {
    if (std::fscanf(counted, "%lld", &existing) != 1) existing = -1;
    pclose(counted);
  }
  if (existing == rows) {
    std::printf("reusing the %lld rows of bench_rows\n", rows);
  } else {
    std::printf("generating %lld rows in PostgreSQL ...\n", rows);
    // UNLOGGED: the table is the benchmark's input, not what it measures; its WAL would only
    // slow the generation.
    Run(Psql(url,
             "DROP TABLE IF EXISTS bench_rows; CREATE UNLOGGED TABLE bench_rows AS SELECT i::int8 "
             "AS id, (i % 1000)::int4 AS quantity, (random() * 100000)::numeric(12,2) AS amount, "
             "'customer_' || (i % 100000) AS customer, timestamptz '2026-01-01' + i * "
             "interval '1 second' AS created_at, date '2020-01-01' + (i % 2000) AS day, "
             "i % 3 = 0 AS paid, md5(i::text)::uuid AS token, CASE WHEN i % 5 = 0 THEN NULL "
             "ELSE i % 97 END AS maybe FROM generate_series(1, " +
                 std::to_string(rows) + ") i") +
            " -c \x27VACUUM ANALYZE bench_rows\x27" + " >/dev/null",
        false);
  }
  std::vector<double> orc, by_hand, copy, peaks, cpu;
  for (int round = 0; round < rounds; ++round) {
    const std::string db = dir.File("orc" + std::to_string(round) + ".duckdb");
    const Measure a = Run(self + " --child orc '" + url + "' " + db, true);
    const std::string csv = dir.File("x.csv");
    const std::string csv_db = dir.File("csv" + std::to_string(round) + ".duckdb");
    const auto started = std::chrono::steady_clock::now();
    Run(Psql(url, "\\copy (" + std::string(kSelect) + ") TO '" + csv + "' CSV HEADER"), false);
    Run(self + " --child csv " + csv + " " + csv_db, true);
    const double b = SecondsSince(started);
    const Measure c = Run(
        Psql(url, "COPY (" + std::string(kSelect) + ") TO STDOUT (FORMAT binary)") + " > /dev/null",
        false);
    std::filesystem::remove(csv);
    std::filesystem::remove(db);
    std::filesystem::remove(csv_db);
    std::printf(
        "round %d: orc %.2fs (CPU %.2fs, peak %.0f MiB), by hand %.2fs, binary COPY %.2fs\n",
        round + 1, a.seconds, a.cpu_seconds, a.peak_mib, b, c.seconds);
    std::fflush(stdout);
    cpu.push_back(a.cpu_seconds);
    orc.push_back(a.seconds);
    by_hand.push_back(b);
    copy.push_back(c.seconds);
    peaks.push_back(a.peak_mib);
  }
  const double orc_s = Median(orc);
  const double by_hand_ratio = Median(by_hand) / orc_s;
  const double copy_ratio = Median(copy) / orc_s;
  const double peak = *std::max_element(peaks.begin(), peaks.end());
  std::printf(
      "postgres -> duckdb, %lld rows, median of %d: orc %.2fs (%.0f rows/s), CPU %.2fs "
      "(%.2f us/row)\n",
      rows, rounds, orc_s, rows / orc_s, Median(cpu), Median(cpu) / rows * 1e6);
  std::printf("  by hand (psql \\copy CSV + read_csv) %.2fs: orc %.2fx faster (bar %.1fx) %s\n",
              Median(by_hand), by_hand_ratio, kByHandBar,
              by_hand_ratio >= kByHandBar ? "ok" : "BELOW BAR");
  std::printf("  psql binary COPY to /dev/null %.2fs: orc at %.2fx its rate (bar %.1fx) %s\n",
              Median(copy), copy_ratio, kCopyBar, copy_ratio >= kCopyBar ? "ok" : "BELOW BAR");
  std::printf("  orc peak RSS %.0f MiB (bar %.0f MiB) %s\n", peak, kMemoryBarMiB,
              peak < kMemoryBarMiB ? "ok" : "ABOVE BAR");
  return 0;
}

}  // namespace
}  // namespace orc

int main(int argc, char** argv) {
  if (argc == 5 && std::string(argv[1]) == "--child") {
    return orc::RunChild(argv[2], argv[3], argv[4]);
  }
  return orc::RunParent(std::filesystem::canonical("/proc/self/exe").string());
}
