// DuckDB -> PostgreSQL: orc's postgres destination loading 5,000,000 rows of mixed types from
// DuckDB, against the way a user does it by hand: DuckDB writes a CSV (its time reported apart),
// then `psql -c "\copy t FROM 'x.csv' CSV HEADER"` loads it (the reference time). Bar: ratio =
// psql's time / orc's >= 1.0.
//
// Both load into a table that exists and is emptied first (orc: write_mode replace, which
// truncates; psql: TRUNCATE then \copy). Sides alternate; each round's ratio is printed with the
// median and the spread. The server is a throwaway one started with the tests' script, fsync on
// (or ORC_BENCH_POSTGRES_URL). ORC_BENCH_ROWS (default 5,000,000) sets the size, ORC_BENCH_ROUNDS
// (default 3) the rounds.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "bench_postgres.h"
#include "bench_support.h"
#include "common/interrupter.h"
#include "common/path_policy.h"
#include "engine/duckdb_engine.h"
#include "plugins/plugin_registry.h"

namespace orc {
namespace {

constexpr double kRatioBar = 1.0;
constexpr int kDefaultRounds = 3;

class TableExtractor final : public Extractor {
 public:
  Result<Source> Open(TaskContext&, DuckDbConnection&, Destination&) override {
    return Source{.select_sql = "SELECT * FROM src", .description = "bench source"};
  }
};

int Run() {
  const char* rows_env = std::getenv("ORC_BENCH_ROWS");
  const int64_t rows = rows_env != nullptr ? std::atoll(rows_env) : 5000000;
  const char* rounds_env = std::getenv("ORC_BENCH_ROUNDS");
  const int rounds = std::max(rounds_env != nullptr ? std::atoi(rounds_env) : kDefaultRounds, 1);
  BenchPostgres postgres;
  if (postgres.url().empty()) {
    std::fprintf(stderr, "no PostgreSQL server\n");
    return 1;
  }
  testing::TempDir directory;
  DuckDbEngine engine;
  auto duckdb = engine.Connect(":memory:");
  if (!duckdb.ok()) return 1;
  Result<int64_t> made = (*duckdb)->Execute(
      "CREATE TABLE src AS SELECT i AS id, (i % 100000)::INTEGER AS qty, "
      "CAST(i % 1000000 AS DECIMAL(12,2)) / 7 AS amount, i * 0.5 AS score, 'name-' || i AS name, "
      "TIMESTAMP '2020-01-01' + to_seconds(i) AS created_at, DATE '2020-01-01' + (i % "
      "3000)::INTEGER "
      "AS day, i % 2 = 0 AS flag FROM range(" +
      std::to_string(rows) + ") r(i)");
  if (!made.ok()) {
    std::fprintf(stderr, "%s\n", made.status().ToString().c_str());
    return 1;
  }
  const std::string csv = directory.File("x.csv");
  const auto csv_start = std::chrono::steady_clock::now();
  if (!(*duckdb)->Execute("COPY src TO '" + csv + "' (HEADER)").ok()) return 1;
  const double csv_seconds = SecondsSince(csv_start);

  const std::string psql_prefix = "psql -q -v ON_ERROR_STOP=1 '" + postgres.url() + "' ";
  const std::string create =
      "DROP TABLE IF EXISTS t_ref; CREATE TABLE t_ref (id bigint, qty integer, amount "
      "double precision, score numeric, name text, created_at timestamp, day date, flag "
      "boolean)";
  if (std::system((psql_prefix + "-c \"" + create + "\" >/dev/null").c_str()) != 0) return 1;

  PluginRegistry registry;
  RegisterBuiltinPlugins(registry);
  PathPolicy paths = PathPolicy::Unrestricted(directory.path());
  std::vector<double> orc_times, psql_times, ratios;
  for (int round = 0; round < rounds; ++round) {
    // orc: the postgres destination, replace into an existing table.
    TaskProgress progress;
    Interrupter interrupter;
    TaskContext context{.run_id = "bench-" + std::to_string(round),
                        .task_id = "load",
                        .task_name = "load",
                        .paths = &paths,
                        .engine = &engine,
                        .progress = &progress,
                        .interrupter = &interrupter,
                        .clock = &SystemClock::Instance()};
    auto loader = registry.MakeLoader(nlohmann::json{{"type", "postgres"},
                                                     {"url", postgres.url()},
                                                     {"table_name", "t_orc"},
                                                     {"write_mode", "replace"}},
                                      paths);
    if (!loader.ok()) return 1;
    TableExtractor extractor;
    const auto orc_start = std::chrono::steady_clock::now();
    Result<LoadResult> loaded = (*loader)->Load(context, extractor);
    const double orc_seconds = SecondsSince(orc_start);
    if (!loaded.ok() || loaded->rows_loaded != rows) {
      std::fprintf(stderr, "orc: %s\n", loaded.status().ToString().c_str());
      return 1;
    }
    // psql: TRUNCATE then \copy of DuckDB's CSV.
    const auto psql_start = std::chrono::steady_clock::now();
    const std::string copy = psql_prefix + "-c 'TRUNCATE t_ref' -c \"\\copy t_ref FROM '" + csv +
                             "' CSV HEADER\" >/dev/null";
    if (std::system(copy.c_str()) != 0) return 1;
    const double psql_seconds = SecondsSince(psql_start);
    orc_times.push_back(orc_seconds);
    psql_times.push_back(psql_seconds);
    ratios.push_back(psql_seconds / orc_seconds);
    std::printf("round %d: orc %.2fs, psql \\copy %.2fs, ratio %.2f\n", round + 1, orc_seconds,
                psql_seconds, psql_seconds / orc_seconds);
  }
  std::vector<double> sorted = ratios;
  std::sort(sorted.begin(), sorted.end());
  std::sort(orc_times.begin(), orc_times.end());
  std::sort(psql_times.begin(), psql_times.end());
  std::printf(
      "DuckDB -> PostgreSQL, %lld rows: orc %.2fs, psql \\copy %.2fs (DuckDB's CSV write %.2fs "
      "apart), ratio median %.2f (min %.2f, max %.2f); bar >= %.1f: %s\n",
      static_cast<long long>(rows), orc_times[rounds / 2], psql_times[rounds / 2], csv_seconds,
      sorted[rounds / 2], sorted.front(), sorted.back(), kRatioBar,
      sorted[rounds / 2] >= kRatioBar ? "met" : "NOT met");
  return 0;
}

}  // namespace
}  // namespace orc

int main() {
  std::setvbuf(stdout, nullptr, _IOLBF, 0);  // each round as it ends, also into a file
  return orc::Run();
}
