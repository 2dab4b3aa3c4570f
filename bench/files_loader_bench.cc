// Files destination throughput: 5,000,000 rows of mixed types (a Parquet file) written as Parquet
// through orc's parquet extractor and files loader (staging, fsync, rename, manifest), against
// DuckDB alone doing the same COPY (SELECT * FROM read_parquet(...)) TO ... (FORMAT parquet), in
// one process on one engine. Sides alternate; the median of the repetitions is reported.
// Ratio = DuckDB's time / ours (1.0: as fast as DuckDB). ORC_BENCH_ROWS sets the size;
// ORC_BENCH_DATA_DIR (default /tmp/orc-bench-data) keeps the generated file between runs.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "bench_support.h"
#include "common/path_policy.h"
#include "engine/duckdb_engine.h"
#include "plugins/plugin_registry.h"

namespace orc {
namespace {

namespace fs = std::filesystem;
constexpr int kRepetitions = 3;

int Run() {
  const int64_t rows = std::stoll(Env("ORC_BENCH_ROWS", "5000000"));
  const fs::path dir = Env("ORC_BENCH_DATA_DIR", "/tmp/orc-bench-data");
  const fs::path input = dir / ("files-" + std::to_string(rows) + ".parquet");
  fs::create_directories(dir);
  DuckDbEngine engine;
  Result<std::unique_ptr<DuckDbConnection>> connection = engine.Connect(":memory:");
  if (!connection.ok()) return Fail(connection.status());
  if (!fs::exists(input)) {
    std::printf("generating %lld rows in %s ...\n", static_cast<long long>(rows), input.c_str());
    const std::string rows_sql =
        "SELECT i AS id, 'customer_' || (i % 100000) AS customer, "
        "(random() * 1000)::DECIMAL(10,2) AS amount, (i % 50)::INTEGER AS quantity, "
        "TIMESTAMP '2026-01-01' + to_seconds(i) AS created_at, "
        "['new', 'paid', 'shipped', 'cancelled'][1 + i % 4] AS status FROM range(" +
        std::to_string(rows) + ") t(i)";
    Result<int64_t> written = (*connection)
                                  ->Execute("COPY (" + rows_sql + ") TO " +
                                            QuoteLiteral(input.string()) + " (FORMAT parquet)");
    if (!written.ok()) return Fail(written.status());
  }

  const fs::path out = dir / "files-bench-out";
  fs::remove_all(out);
  fs::create_directories(out);
  PluginRegistry registry;
  RegisterBuiltinPlugins(registry);
  const PathPolicy paths = PathPolicy::Unrestricted(out);
  TaskProgress progress;
  Interrupter interrupter;
  TaskContext context{.run_id = "bench",
                      .task_id = "load",
                      .paths = &paths,
                      .engine = &engine,
                      .progress = &progress,
                      .interrupter = &interrupter,
                      .clock = &SystemClock::Instance()};
  const nlohmann::json extractor_config = {{"type", "parquet"}, {"path", input.string()}};
  const nlohmann::json loader_config = {
      {"type", "files"}, {"path", "orc"}, {"format", "parquet"}, {"write_mode", "replace"}};

  std::vector<double> orc_seconds;
  std::vector<double> duckdb_seconds;
  for (int repetition = 0; repetition < kRepetitions; ++repetition) {
    context.run_id = "bench" + std::to_string(repetition);
    Result<std::unique_ptr<Extractor>> extractor = registry.MakeExtractor(extractor_config, paths);
    if (!extractor.ok()) return Fail(extractor.status());
    Result<std::unique_ptr<Loader>> loader = registry.MakeLoader(loader_config, paths);
    if (!loader.ok()) return Fail(loader.status());
    auto start = std::chrono::steady_clock::now();
    Result<LoadResult> loaded = (*loader)->Load(context, **extractor);
    if (!loaded.ok()) return Fail(loaded.status());
    orc_seconds.push_back(
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
    if (loaded->rows_loaded != rows) {
      return Fail(InternalError("orc wrote " + std::to_string(loaded->rows_loaded) + " rows"));
    }

    fs::remove_all(out / "duckdb.parquet");
    start = std::chrono::steady_clock::now();
    Result<int64_t> copied =
        (*connection)
            ->Execute("COPY (SELECT * FROM read_parquet(" + QuoteLiteral(input.string()) +
                      ")) TO " + QuoteLiteral((out / "duckdb.parquet").string()) +
                      " (FORMAT parquet)");
    if (!copied.ok()) return Fail(copied.status());
    duckdb_seconds.push_back(
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
  }
  const double ours = Median(orc_seconds);
  const double theirs = Median(duckdb_seconds);
  std::printf("files destination, %lld rows to Parquet (median of %d):\n",
              static_cast<long long>(rows), kRepetitions);
  std::printf("  orc files loader  %8.3f s  %12.0f rows/s\n", ours, rows / ours);
  std::printf("  DuckDB COPY TO    %8.3f s  %12.0f rows/s\n", theirs, rows / theirs);
  std::printf("  ratio (DuckDB time / orc time): %.2f\n", theirs / ours);
  fs::remove_all(out);
  return 0;
}

}  // namespace
}  // namespace orc

int main() { return orc::Run(); }
