// Every task of a run writes its rows exactly once, whatever stops orc and when: SIGTERM (the run
// goes back to the queue) or kill -9 (its lease expires), at each boundary between tasks, on both
// state backends, against the real binary.
//
// Each boundary is made deterministic: a task blocks reading a FIFO (a "gate") in the data
// directory until the test opens it; after the last task's commit in DuckDB, orc's bookkeeping is
// held back by a lock the test takes on the state database.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <libpq-fe.h>
#include <sqlite3.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <csignal>
#include <thread>

#include "engine/duckdb_engine.h"
#include "executor/database_file_locks.h"
#include "integration/orc_process.h"
#include "support/printers.h"
#include "support/test_database.h"

namespace orc {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;
using testing::ApiClient;
using testing::AwaitListening;
using testing::kExitTimeout;
using testing::Orc;
using testing::Subprocess;
using testing::TempDir;
using testing::TestBackend;
using testing::TestDatabase;

// A FIFO that blocks its readers until Open(); from then on every reader gets one line.
class Gate {
 public:
  explicit Gate(std::string path) : path_(std::move(path)) {
    EXPECT_EQ(mkfifo(path_.c_str(), 0600), 0) << path_;
  }
  ~Gate() {
    stop_ = true;
    if (keeper_.joinable()) keeper_.join();
  }
  void Open() {
    if (keeper_.joinable()) return;  // open already
    keeper_ = std::thread([this] {
      while (!stop_) {
        const int fd = open(path_.c_str(), O_WRONLY | O_NONBLOCK | O_CLOEXEC);
        if (fd >= 0) {
          (void)!write(fd, "1\n", 2);
          close(fd);
        }
        std::this_thread::sleep_for(10ms);
      }
    });
  }

 private:
  const std::string path_;
  std::atomic<bool> stop_{false};
  std::thread keeper_;
};

// Holds orc's bookkeeping on the run back: SQLite's write lock, or the run's row on PostgreSQL
// (every write of a run's owner reads that row first).
class StateLock {
 public:
  StateLock(const TestDatabase& database, const std::string& run_id) {
    const std::string& url = database.url();
    if (url.starts_with("sqlite:")) {
      EXPECT_EQ(sqlite3_open(url.substr(7).c_str(), &sqlite_), SQLITE_OK);
      EXPECT_EQ(sqlite3_exec(sqlite_, "BEGIN IMMEDIATE", nullptr, nullptr, nullptr), SQLITE_OK);
      return;
    }
    postgres_ = PQconnectdb(url.c_str());
    EXPECT_EQ(PQstatus(postgres_), CONNECTION_OK) << PQerrorMessage(postgres_);
    for (const std::string& sql :
         {std::string("BEGIN"), "SELECT 1 FROM runs WHERE run_id = '" + run_id + "' FOR UPDATE"}) {
      PGresult* result = PQexec(postgres_, sql.c_str());
      EXPECT_NE(PQresultStatus(result), PGRES_FATAL_ERROR) << PQerrorMessage(postgres_);
      PQclear(result);
    }
  }
  ~StateLock() { Release(); }
  void Release() {
    if (sqlite_ != nullptr) {
      sqlite3_exec(sqlite_, "ROLLBACK", nullptr, nullptr, nullptr);
      sqlite3_close(sqlite_);
      sqlite_ = nullptr;
    }
    if (postgres_ != nullptr) {
      PQfinish(postgres_);  // rolls the transaction back
      postgres_ = nullptr;
    }
  }

 private:
  sqlite3* sqlite_ = nullptr;
  PGconn* postgres_ = nullptr;
};

enum class Boundary {
  kDuringTheFirstTask,            // mark blocks on its gate
  kBetweenTheTasks,               // mark succeeded; load, the last task, blocks on its gate
  kAfterTheLastTaskBeforeFinish,  // load committed in DuckDB; orc cannot record it yet
};

struct Stop {
  TestBackend backend;
  int signal;
  Boundary boundary;
};

std::string Name(const ::testing::TestParamInfo<Stop>& info) {
  static const char* kBoundaries[] = {"DuringTheFirstTask", "BetweenTheTasks",
                                      "AfterTheLastTaskBeforeFinish"};
  return testing::BackendName(info.param.backend) +
         (info.param.signal == SIGKILL ? "KillNine" : "Sigterm") +
         kBoundaries[static_cast<int>(info.param.boundary)];
}

class ExactlyOnceTest : public ::testing::TestWithParam<Stop> {
 protected:
  void SetUp() override {
    std::filesystem::create_directory(directory_.File("data"));
    signal(SIGPIPE, SIG_IGN);  // a gate's reader may go away while the gate writes its line
  }

  std::unique_ptr<Subprocess> StartOrc(int& port) {
    auto orc = std::make_unique<Subprocess>(
        Orc({"serve", "--bind", "127.0.0.1:0", "--database-url", database_.url(), "--lease-s", "2",
             "--shutdown-grace-s", "1", "--workers", "2"},
            directory_));
    port = AwaitListening(*orc);
    EXPECT_GT(port, 0) << orc->Stderr();
    return orc;
  }

  // SQL names files by absolute paths (a confined DuckDB refuses relative ones).
  static json GatedSql(const std::string& name, const std::string& table, const std::string& gate) {
    return {{"task_name", name},
            {"transform_config",
             {{"type", "sql"},
              {"db_path", "out.duckdb"},
              {"sql", "CREATE TABLE IF NOT EXISTS " + table + " (n BIGINT); INSERT INTO " + table +
                          " SELECT count(*) FROM read_csv('" + gate + "', header = false)"}}}};
  }

  // `sql`'s first value in out.duckdb; "" while it does not exist. The file is taken as orc's
  // executors take it, so that reading it while orc runs cannot fail one of their attempts.
  std::string QueryOut(const std::string& sql) {
    Interrupter never;
    Result<DatabaseFileLocks::Held> held = DatabaseFileLocks::Acquire(
        {directory_.File("data/out.duckdb")}, never,
        [](const std::filesystem::path&) { return NotFoundError("orc has not created it yet"); });
    if (!held.ok()) return "";
    DuckDbEngine engine;
    Result<std::unique_ptr<DuckDbConnection>> connection =
        engine.Connect(directory_.File("data/out.duckdb"));
    if (!connection.ok()) return "";
    Result<DuckDbRows> rows = (*connection)->Query(sql);
    return rows.ok() && !rows->rows.empty() ? rows->rows[0][0].value_or("NULL") : "";
  }

  TempDir directory_;
  TestDatabase database_{GetParam().backend};
};

TEST_P(ExactlyOnceTest, EveryTaskWritesItsRowsOnce) {
  const Stop stop = GetParam();
  Gate mark_gate(directory_.File("data/mark.gate"));
  Gate load_gate(directory_.File("data/load.gate"));
  int port = 0;
  std::unique_ptr<Subprocess> first = StartOrc(port);
  ASSERT_GT(port, 0);
  ApiClient api(port);
  json load = GatedSql("load", "loads", directory_.File("data/load.gate"));
  load["depends_on"] = {"mark"};
  const ApiClient::Reply job = api.Post(
      "/jobs", {{"job_name", "marked"},
                {"retry", {{"max_attempts", 3}, {"initial_delay_s", 0.1}}},
                {"tasks", {GatedSql("mark", "marks", directory_.File("data/mark.gate")), load}}});
  ASSERT_EQ(job.status, 201) << job.body;
  const std::string run_id =
      api.Post("/jobs/" + job.body["job_id"].get<std::string>() + "/run").body["run_id"];
  auto task_running = [&](size_t index) {
    auto running = [&](const json& run) {
      return run.contains("task_runs") && run["task_runs"].size() > index &&
             run["task_runs"][index]["status"] == "running";
    };
    return running(testing::WaitForRun(api, run_id, running, 20s));
  };
  ASSERT_TRUE(task_running(0));
  std::optional<StateLock> state_lock;
  if (stop.boundary != Boundary::kDuringTheFirstTask) {
    mark_gate.Open();
    ASSERT_TRUE(task_running(1)) << api.Get("/runs/" + run_id).body
                                 << api.Get("/runs/" + run_id + "/logs").body;
  }
  if (stop.boundary == Boundary::kAfterTheLastTaskBeforeFinish) {
    state_lock.emplace(database_, run_id);
    load_gate.Open();
    const auto deadline = std::chrono::steady_clock::now() + 20s;
    while (QueryOut("SELECT count(*) FROM loads") != "1" &&
           std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(50ms);
    }
    ASSERT_EQ(QueryOut("SELECT count(*) FROM loads"), "1") << "the load did not commit";
  }
  // What orc recorded of mark, which must not change once mark succeeded.
  const json mark_before = api.Get("/runs/" + run_id).body["task_runs"][0];
  first->Signal(stop.signal);
  if (state_lock) {
    std::this_thread::sleep_for(1500ms);  // past the grace: orc waits for its bookkeeping
    state_lock->Release();
  }
  const std::optional<int> ended = first->Wait(kExitTimeout);
  if (stop.signal == SIGTERM) {
    EXPECT_EQ(ended, 0) << first->Stderr();
  }
  first.reset();

  mark_gate.Open();
  load_gate.Open();
  std::unique_ptr<Subprocess> second = StartOrc(port);
  ASSERT_GT(port, 0);
  ApiClient again(port);
  const json run = testing::WaitForRun(again, run_id, testing::IsFinalRun, 30s);
  EXPECT_EQ(run["status"], "success") << run;
  if (stop.boundary != Boundary::kDuringTheFirstTask) {
    EXPECT_EQ(mark_before["status"], "success");
    EXPECT_EQ(run["task_runs"][0], mark_before) << "mark ran again";
  }
  second->Signal(SIGTERM);
  EXPECT_EQ(second->Wait(kExitTimeout), 0) << second->Stderr();
  EXPECT_EQ(QueryOut("SELECT count(*) FROM marks"), "1");
  EXPECT_EQ(QueryOut("SELECT count(*) FROM loads"), "1");
  EXPECT_EQ(QueryOut("SELECT count(*) FROM _orc_loads WHERE run_id = '" + run_id + "'"), "2");
}

std::vector<Stop> AllStops() {
  std::vector<Stop> stops;
  for (const TestBackend backend : {TestBackend::kSqlite, TestBackend::kPostgres}) {
    for (const int signal : {SIGTERM, SIGKILL}) {
      for (const Boundary boundary : {Boundary::kDuringTheFirstTask, Boundary::kBetweenTheTasks,
                                      Boundary::kAfterTheLastTaskBeforeFinish}) {
        stops.push_back({backend, signal, boundary});
      }
    }
  }
  return stops;
}

INSTANTIATE_TEST_SUITE_P(Stops, ExactlyOnceTest, ::testing::ValuesIn(AllStops()), Name);

}  // namespace
}  // namespace orc
