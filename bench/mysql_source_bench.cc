// MariaDB -> DuckDB through the mysql extractor, against the way a user does it by hand: the
// `mariadb` client's --batch output (tab-separated) written to a file, then DuckDB's read_csv of
// that file into a table. Ratio = the by-hand time / ours (higher is better for orc).
//
// Starts a throwaway server with tests/support/mariadb-test-server (or uses the one in
// $ORC_TEST_MARIADB_STATE), fills a table of ORC_BENCH_ROWS (default 1,000,000) rows of mixed
// types, and times each side ORC_BENCH_REPETITIONS (default 3) times, alternating; the medians
// are reported, with the time the client alone takes to drain the rows unbuffered to /dev/null
// (the rate the server sends them at).
#include <sys/resource.h>
#include <sys/wait.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "bench_support.h"
#include "common/path_policy.h"
#include "engine/duckdb_engine.h"
#include "plugins/databases/connection_url.h"
#include "plugins/plugin_registry.h"

namespace orc {
namespace {

int Fail(const std::string& message) {
  std::fprintf(stderr, "%s\n", message.c_str());
  return 1;
}

// Runs a shell command; false when it fails.
bool Shell(const std::string& command) {
  const int status = std::system(command.c_str());
  return status != -1 && WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

// This process's CPU seconds so far (user and system, all threads).
double CpuSeconds() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return static_cast<double>(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) +
         static_cast<double>(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6;
}

// One load through the mysql extractor and the duckdb loader into a new `db`.
Result<double> LoadThroughOrc(const std::string& url, const std::string& db, int parts) {
  std::filesystem::remove(db);
  DuckDbEngine engine;
  PluginRegistry registry;
  RegisterBuiltinPlugins(registry);
  TaskProgress progress;
  Interrupter interrupter;
  const PathPolicy paths = PathPolicy::Unrestricted(std::filesystem::path(db).parent_path());
  TaskContext context{.run_id = "bench",
                      .task_id = "bench",
                      .task_name = "load",
                      .paths = &paths,
                      .engine = &engine,
                      .progress = &progress,
                      .interrupter = &interrupter,
                      .clock = &SystemClock::Instance()};
  nlohmann::json source = {{"type", "mysql"}, {"url", url}, {"table", "bench"}};
  if (parts > 1) source["partition"] = {{"column", "id"}, {"parts", parts}};
  const auto started = std::chrono::steady_clock::now();
  auto extractor = registry.MakeExtractor(source, paths);
  if (!extractor.ok()) return extractor.status();
  auto loader = registry.MakeLoader(
      nlohmann::json{{"type", "duckdb"}, {"db_path", db}, {"table_name", "t"}}, paths);
  if (!loader.ok()) return loader.status();
  Result<LoadResult> loaded = (*loader)->Load(context, **extractor);
  if (!loaded.ok()) return loaded.status();
  return SecondsSince(started);
}

// The same table by hand: mariadb --batch to a TSV file, then DuckDB's read_csv into `db`.
Result<double> LoadByHand(const ConnectionUrl& url, const std::string& tsv, const std::string& db) {
  std::filesystem::remove(db);
  const auto started = std::chrono::steady_clock::now();
  if (!Shell("MYSQL_PWD='" + url.password + "' mariadb --no-defaults --batch -h " + url.host +
             " -P " + std::to_string(url.port) + " -u " + url.user + " " + url.database +
             " -e 'SELECT * FROM bench' > " + tsv)) {
    return InternalError("mariadb --batch failed");
  }
  DuckDbEngine engine;
  ORC_ASSIGN_OR_RETURN(std::unique_ptr<DuckDbConnection> connection, engine.Connect(db));
  Result<int64_t> rows = connection->Execute("CREATE TABLE t AS SELECT * FROM read_csv('" + tsv +
                                             "', delim = '\t', header = true, nullstr = 'NULL')");
  if (!rows.ok()) return rows.status();
  return SecondsSince(started);
}

int Run() {
  const std::string rows = Env("ORC_BENCH_ROWS", "1000000");
  const int repetitions = std::stoi(Env("ORC_BENCH_REPETITIONS", "3"));
  const std::filesystem::path dir =
      std::filesystem::temp_directory_path() / ("orc-mysql-bench-" + std::to_string(getpid()));
  std::filesystem::create_directories(dir);
  std::string state = Env("ORC_TEST_MARIADB_STATE", "");
  const bool own_server = state.empty();
  if (own_server) {
    state = (dir / "server.state").string();
    if (!Shell(std::string(ORC_MARIADB_TEST_SERVER) + " start " + state + " >/dev/null")) {
      return Fail("could not start the MariaDB test server");
    }
  }
  std::string server_dir, url_text;
  std::ifstream(state) >> server_dir >> url_text;
  Result<ConnectionUrl> url = ParseConnectionUrl(url_text, {"mysql"}, 3306);
  if (!url.ok()) return Fail(url.status().ToString());
  const std::string client = "MYSQL_PWD='" + url->password + "' mariadb --no-defaults -h " +
                             url->host + " -P " + std::to_string(url->port) + " -u " + url->user +
                             " " + url->database;
  const auto filled = std::chrono::steady_clock::now();
  if (!Shell(client +
             " -e \"DROP TABLE IF EXISTS bench; CREATE TABLE bench (id BIGINT PRIMARY "
             "KEY, qty INT, price DECIMAL(12,2), ratio DOUBLE, name VARCHAR(40), "
             "created DATETIME(6), day DATE, flag TINYINT, note TEXT NULL); INSERT INTO "
             "bench SELECT seq, seq % 1000, seq * 1.25, seq / 7, CONCAT('customer ', "
             "seq % 50000), '2024-01-01' + INTERVAL seq SECOND, '2020-01-01' + "
             "INTERVAL (seq % 2000) DAY, seq % 2, IF(seq % 10 = 0, NULL, "
             "REPEAT('n', seq % 30)) FROM seq_1_to_" +
             rows + "\"")) {
    return Fail("could not fill the table");
  }
  std::printf("mysql source: %s rows of 9 mixed columns (filled in %.1f s)\n", rows.c_str(),
              SecondsSince(filled));
  std::vector<double> ours, ours_parts, by_hand, drain, ours_cpu;
  const std::string db = (dir / "out.duckdb").string();
  for (int i = 0; i < repetitions; ++i) {
    const double cpu_before = CpuSeconds();
    Result<double> orc = LoadThroughOrc(url_text, db, 1);
    if (!orc.ok()) return Fail(orc.status().ToString());
    ours_cpu.push_back(CpuSeconds() - cpu_before);
    ours.push_back(*orc);
    Result<double> parted = LoadThroughOrc(url_text, db, 2);
    if (!parted.ok()) return Fail(parted.status().ToString());
    ours_parts.push_back(*parted);
    Result<double> hand = LoadByHand(*url, (dir / "bench.tsv").string(), db);
    if (!hand.ok()) return Fail(hand.status().ToString());
    by_hand.push_back(*hand);
    // The rate the server sends the rows at: the client draining them unbuffered (--quick).
    const auto drained = std::chrono::steady_clock::now();
    if (!Shell(client + " --batch --quick -e 'SELECT * FROM bench' > /dev/null")) {
      return Fail("mariadb --quick failed");
    }
    drain.push_back(SecondsSince(drained));
  }
  const double hand = Median(by_hand);
  std::printf("  orc mysql -> duckdb          %.2f s  ratio %.2fx (orc's CPU: %.2f s)\n",
              Median(ours), hand / Median(ours), Median(ours_cpu));
  std::printf("  orc, partition parts: 2      %.2f s  ratio %.2fx\n", Median(ours_parts),
              hand / Median(ours_parts));
  std::printf("  mariadb --batch + read_csv   %.2f s\n", hand);
  std::printf("  mariadb --quick > /dev/null  %.2f s (orc at %.2fx of the drain's rate)\n",
              Median(drain), Median(drain) / Median(ours));
  if (own_server) Shell(std::string(ORC_MARIADB_TEST_SERVER) + " stop " + state + " >/dev/null");
  std::filesystem::remove_all(dir);
  return 0;
}

}  // namespace
}  // namespace orc

int main() { return orc::Run(); }
