// A confined DuckDbEngine: SQL reaches files under the allowed directories and nothing else,
// installs and loads no extension, and cannot switch any of it back.
#include "engine/duckdb_open.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <thread>

#include "common/landlock.h"
#include "engine/duckdb_engine.h"
#include "support/child_checks.h"
#include "support/printers.h"
#include "support/temp_dir.h"

namespace orc {
namespace {

namespace fs = std::filesystem;

void WriteFile(const std::string& path, const std::string& content) {
  std::ofstream(path) << content;
}

class ConfinedEngineTest : public ::testing::Test {
 protected:
  ConfinedEngineTest()
      : allowed_(dir_.File("allowed")), outside_(dir_.File("outside")), engine_(Options()) {
    fs::create_directories(allowed_ + "/sub");
    fs::create_directories(outside_);
    WriteFile(allowed_ + "/a.csv", "id,name\n1,one\n2,two\n");
    WriteFile(allowed_ + "/sub/b.json", "{\"id\": 3}\n{\"id\": 4}\n");
    WriteFile(outside_ + "/secret.csv", "id\n42\n");
    // A sibling whose name starts like the allowed directory's: "allowed" must not allow it.
    fs::create_directories(dir_.File("allowed2"));
    WriteFile(dir_.File("allowed2/c.csv"), "id\n7\n");
  }

  DuckDbEngineOptions Options() const {
    return {.confinement = DuckDbConfinement{.allowed_directories = {allowed_}},
            .spill_directory = allowed_ + "/spill"};
  }

  // A connection to the engine's in-memory database.
  DuckDbConnection& Memory() {
    if (!memory_) {
      Result<std::unique_ptr<DuckDbConnection>> connection = engine_.Connect(":memory:");
      EXPECT_TRUE(connection.ok()) << connection.status();
      if (connection.ok()) memory_ = std::move(*connection);
    }
    return *memory_;
  }

  Status Run(const std::string& sql) { return Memory().Execute(sql).status(); }

  // The first value of the query's first row.
  std::string Value(const std::string& sql) {
    Result<DuckDbRows> rows = Memory().Query(sql);
    EXPECT_TRUE(rows.ok()) << sql << ": " << rows.status();
    if (!rows.ok() || rows->rows.empty()) return "";
    return rows->rows[0][0].value_or("NULL");
  }

  testing::TempDir dir_;
  const std::string allowed_;
  const std::string outside_;
  DuckDbEngine engine_;
  std::unique_ptr<DuckDbConnection> memory_;
};

TEST_F(ConfinedEngineTest, ReadsAndWritesFilesInsideTheAllowedDirectories) {
  EXPECT_EQ(Value("SELECT count(*) FROM read_csv('" + allowed_ + "/a.csv')"), "2");
  EXPECT_EQ(Value("SELECT sum(id) FROM read_json('" + allowed_ + "/sub/b.json')"), "7");
  EXPECT_EQ(Value("SELECT count(*) FROM glob('" + allowed_ + "/**')"), "2");
  // "." and ".." that stay inside are fine.
  EXPECT_EQ(Value("SELECT count(*) FROM read_csv('" + allowed_ + "/sub/../a.csv')"), "2");
  ASSERT_TRUE(Run("COPY (SELECT * FROM read_csv('" + allowed_ + "/a.csv')) TO '" + allowed_ +
                  "/a.parquet' (FORMAT parquet)")
                  .ok());
  EXPECT_EQ(Value("SELECT max(name) FROM read_parquet('" + allowed_ + "/a.parquet')"), "two");
  ASSERT_TRUE(Run("ATTACH '" + allowed_ + "/sub/y.duckdb' AS y").ok());
  ASSERT_TRUE(Run("CREATE TABLE y.t AS SELECT 1 AS x").ok());
  EXPECT_EQ(Value("SELECT count(*) FROM y.t"), "1");
}

TEST_F(ConfinedEngineTest, RefusesFilesOutsideTheAllowedDirectories) {
  const std::vector<std::string> refused = {
      "SELECT * FROM read_text('/etc/passwd')",
      "SELECT * FROM read_csv('" + outside_ + "/secret.csv')",
      "SELECT * FROM read_csv('" + allowed_ + "/../outside/secret.csv')",
      "SELECT * FROM read_csv('../outside/secret.csv')",
      "SELECT * FROM read_csv('" + dir_.File("allowed2/c.csv") + "')",
      "SELECT * FROM glob('" + outside_ + "/*')",
      "SELECT * FROM read_blob('/proc/self/environ')",
      "SELECT * FROM read_text('file:///etc/passwd')",
      "SELECT * FROM read_csv(['" + allowed_ + "/a.csv', '" + outside_ + "/secret.csv'])",
      "SELECT * FROM sniff_csv('" + outside_ + "/secret.csv')",
      "SELECT * FROM parquet_metadata('" + outside_ + "/secret.csv')",
      "SELECT * FROM glob('" + allowed_ + "/*/../../outside/*')",
      "COPY (SELECT 1) TO '" + outside_ + "/x.csv'",
      "ATTACH '" + outside_ + "/x.duckdb'",
      "EXPORT DATABASE '" + outside_ + "/export'",
  };
  for (const std::string& sql : refused) {
    Status status = Run(sql);
    EXPECT_EQ(status.code(), StatusCode::kPermissionDenied) << sql << ": " << status;
    EXPECT_NE(status.message().find("Jobs may only use files under " + allowed_ + "/"),
              std::string::npos)
        << status;
  }
  EXPECT_FALSE(fs::exists(outside_ + "/x.csv"));
  EXPECT_FALSE(fs::exists(outside_ + "/x.duckdb"));
  EXPECT_FALSE(fs::exists(outside_ + "/export"));
}

// DuckDB compares the text of a path; it does not resolve symbolic links. A link under an allowed
// directory is followed wherever it points (Landlock closes that: see landlock_test.cc). The
// engine's own check on database files does resolve them.
TEST_F(ConfinedEngineTest, ASymbolicLinkInsideIsFollowedByDuckDbButNotByTheEngine) {
  fs::create_symlink(outside_, allowed_ + "/link");
  EXPECT_EQ(Value("SELECT id FROM read_csv('" + allowed_ + "/link/secret.csv')"), "42")
      << "if DuckDB stopped following links, docs/security.md must say so";

  Status status = engine_.Connect(allowed_ + "/link/x.duckdb").status();
  EXPECT_EQ(status.code(), StatusCode::kPermissionDenied) << status;
  EXPECT_FALSE(fs::exists(outside_ + "/x.duckdb"));
}

TEST_F(ConfinedEngineTest, ExtensionsAreNeitherInstalledNorLoaded) {
  struct Case {
    std::string sql;
    StatusCode code;
  };
  const std::vector<Case> cases = {
      {"INSTALL httpfs", StatusCode::kPermissionDenied},
      {"FORCE INSTALL spatial FROM 'http://127.0.0.1:9/'", StatusCode::kPermissionDenied},
      {"LOAD httpfs", StatusCode::kPermissionDenied},
      {"LOAD '" + allowed_ + "/x.duckdb_extension'", StatusCode::kPermissionDenied},
      {"SELECT * FROM read_csv('https://example.com/a.csv')", StatusCode::kPermissionDenied},
      // spatial is not built into libduckdb; autoloading would fetch it.
      {"SELECT ST_Point(1, 2)", StatusCode::kNotFound},
  };
  for (const Case& c : cases) {
    const auto start = std::chrono::steady_clock::now();
    Status status = Run(c.sql);
    const auto elapsed = std::chrono::steady_clock::now() - start;
    EXPECT_EQ(status.code(), c.code) << c.sql << ": " << status;
    // At once: no download, no name lookup that could hang.
    EXPECT_LT(elapsed, std::chrono::milliseconds(500)) << c.sql;
  }
}

TEST_F(ConfinedEngineTest, SqlCannotChangeTheSettingsBack) {
  for (const std::string sql : {
           "SET enable_external_access = true",
           "RESET enable_external_access",
           "SET allowed_directories = ['/']",
           "RESET allowed_directories",
           "SET allowed_paths = ['/etc/passwd']",
           "SET lock_configuration = false",
           "SET temp_directory = '/tmp'",
           "SET autoload_known_extensions = true",
           "SET memory_limit = '1TB'",
           "PRAGMA memory_limit = '1TB'",
           "SET threads = 64",
       }) {
    Status status = Run(sql);
    EXPECT_EQ(status.code(), StatusCode::kPermissionDenied) << sql << ": " << status;
  }
  EXPECT_EQ(Run("SELECT * FROM read_text('/etc/passwd')").code(), StatusCode::kPermissionDenied);
}

// DuckDB's logging functions are not settings, so the lock does not stop them. A log sent where
// DuckDB may not write writes nothing there, but breaks the database's later statements, and
// DuckDB 1.4.4 then throws from a destructor when the connection closes: the process aborts,
// confined or not (`orc query db "CALL enable_logging(storage_path = '/etc/passwd/x'); SELECT 1"`
// too). Only a process of its own per task contains that. If this test fails, DuckDB has fixed
// it: docs/security.md should then say so.
TEST_F(ConfinedEngineTest, LoggingWhereDuckDbMayNotWriteAbortsTheProcess) {
  EXPECT_DEATH(
      {
        (void)Run("CALL enable_logging(storage_path = '" + outside_ + "/log')");
        if (Run("SELECT 1").code() != StatusCode::kPermissionDenied) std::_Exit(0);
        memory_.reset();
      },
      "terminate called after throwing");
  EXPECT_FALSE(fs::exists(outside_ + "/log"));
}

TEST_F(ConfinedEngineTest, LoadsIntoADatabaseInsideAndRefusesOneOutside) {
  Result<std::unique_ptr<DuckDbConnection>> inside = engine_.Connect(allowed_ + "/sub/x.duckdb");
  ASSERT_TRUE(inside.ok()) << inside.status();
  Result<int64_t> rows =
      (*inside)->Execute("CREATE TABLE t AS SELECT * FROM read_csv('" + allowed_ + "/a.csv')");
  ASSERT_TRUE(rows.ok()) << rows.status();
  EXPECT_EQ(*rows, 2);
  EXPECT_EQ((*inside)->Execute("COPY t TO '" + outside_ + "/t.csv'").status().code(),
            StatusCode::kPermissionDenied);

  for (const std::string& path : {outside_ + "/x.duckdb", allowed_ + "/../outside/y.duckdb",
                                  dir_.File("allowed2/z.duckdb")}) {
    Status status = engine_.Connect(path).status();
    EXPECT_EQ(status.code(), StatusCode::kPermissionDenied) << path << ": " << status;
    EXPECT_NE(status.message().find("outside the directories jobs may use"), std::string::npos)
        << status;
  }
  EXPECT_FALSE(fs::exists(outside_ + "/x.duckdb"));
  EXPECT_FALSE(fs::exists(outside_ + "/y.duckdb"));
  EXPECT_FALSE(fs::exists(dir_.File("allowed2/z.duckdb")));
}

// Spills go to a directory of the database's own under the spill directory, gone when it closes.
TEST_F(ConfinedEngineTest, SpillsIntoItsOwnDirectoryUnderTheSpillDirectory) {
  engine_.SetMemoryLimit(64 << 20);
  ASSERT_TRUE(Run("CREATE TABLE big AS SELECT i, repeat('x', 100) || i AS s "
                  "FROM range(2000000) t(i)")
                  .ok());
  const std::string spilled = Value("SELECT min(path) FROM duckdb_temporary_files()");
  EXPECT_TRUE(spilled.starts_with(allowed_ + "/spill/duckdb-")) << spilled;
  EXPECT_TRUE(fs::exists(spilled)) << spilled;

  memory_.reset();
  engine_.DropMemoryDatabase();
  EXPECT_FALSE(fs::exists(fs::path(spilled).parent_path())) << "removed with its database";
}

TEST(DuckDbEngineConfinementTest, WithoutASpillDirectoryAConfinedDatabaseDoesNotSpill) {
  testing::TempDir dir;
  DuckDbEngine engine({.confinement = DuckDbConfinement{.allowed_directories = {dir.path()}},
                       .memory_limit_bytes = 32 << 20});
  Result<std::unique_ptr<DuckDbConnection>> connection = engine.Connect(":memory:");
  ASSERT_TRUE(connection.ok()) << connection.status();
  Status status = (*connection)
                      ->Execute(
                          "CREATE TABLE big AS SELECT i, repeat('x', 100) || i AS s "
                          "FROM range(2000000) t(i)")
                      .status();
  EXPECT_EQ(status.code(), StatusCode::kResourceExhausted) << status;
}

TEST_F(ConfinedEngineTest, MemoryLimitAppliesToTheDatabasesOpenedAfterIt) {
  DuckDbConnection& before = Memory();
  engine_.SetMemoryLimit(100 << 20);
  engine_.DropMemoryDatabase();
  Result<std::unique_ptr<DuckDbConnection>> after = engine_.Connect(":memory:");
  ASSERT_TRUE(after.ok()) << after.status();
  Result<DuckDbRows> limit = (*after)->Query("SELECT current_setting('memory_limit')");
  ASSERT_TRUE(limit.ok()) << limit.status();
  EXPECT_EQ(limit->rows[0][0], "100.0 MiB");
  EXPECT_NE(Value("SELECT current_setting('memory_limit')"), "100.0 MiB")
      << "an open database keeps its limit";
  // The dropped database lives on for the connection that still uses it, and only for it.
  ASSERT_TRUE(before.Execute("CREATE TABLE kept AS SELECT 1 AS x").ok());
  EXPECT_EQ((*after)->Query("SELECT * FROM kept").status().code(), StatusCode::kNotFound);
}

// The loader watches long loads through Progress(); the configuration lock must not stop that.
TEST_F(ConfinedEngineTest, ProgressIsTrackedOnAConfinedDatabase) {
  ASSERT_TRUE(Run("CREATE TABLE t AS SELECT i FROM range(20000000) t(i)").ok());
  ASSERT_TRUE(Memory().TrackProgress().ok());
  std::optional<QueryProgress> seen;
  // A table scan (DuckDB tracks scans, not range()) that runs for seconds.
  std::thread query(
      [&] { (void)Memory().Execute("SELECT count(*) FROM t WHERE md5(i::VARCHAR) LIKE '%abc%'"); });
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (!seen && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    seen = Memory().Progress();
    if (seen && seen->fraction <= 0) seen.reset();
  }
  Memory().Interrupt();
  query.join();
  ASSERT_TRUE(seen.has_value()) << "no progress reported";
  EXPECT_GT(seen->fraction, 0);
  EXPECT_LE(seen->fraction, 1);
  // Counted in the scan's own units (rows only for some readers, see TaskProgress).
  EXPECT_GT(seen->rows_processed, 0);
  EXPECT_LE(seen->rows_processed, seen->rows_total);
}

// What a task executor does: confine itself with Landlock first, then start DuckDB (its threads
// inherit the confinement). DuckDB must still work in the allowed directory, and the symbolic
// link it would follow is now closed. In a forked child: Landlock cannot be undone.
TEST_F(ConfinedEngineTest, WorksUnderLandlockWhichClosesSymbolicLinksLeadingOut) {
  if (LandlockAbiVersion() == 0) GTEST_SKIP() << "the kernel does not offer Landlock";
  fs::create_symlink(outside_, allowed_ + "/link");
  EXPECT_EXIT(
      {
        testing::ChildChecks checks;
        std::vector<LandlockRule> rules = ExecutorSystemPaths();
        rules.push_back({allowed_, LandlockAccess::kReadWrite});
        const LandlockOutcome landlock = RestrictFileAccess(rules);
        checks.Expect(landlock.active, landlock.description);

        DuckDbEngineOptions options = Options();
        options.memory_limit_bytes = 64 << 20;
        DuckDbEngine engine(options);
        Result<std::unique_ptr<DuckDbConnection>> file = engine.Connect(allowed_ + "/x.duckdb");
        checks.Expect(file.ok(), "opening allowed/x.duckdb: " + file.status().ToString());
        if (file.ok()) {
          Result<int64_t> rows = (*file)->Execute("CREATE TABLE t AS SELECT * FROM read_csv('" +
                                                  allowed_ + "/a.csv')");
          checks.Expect(rows.ok() && *rows == 2, "loading a.csv: " + rows.status().ToString());
          Status outside =
              (*file)->Query("SELECT * FROM read_csv('" + outside_ + "/secret.csv')").status();
          checks.Expect(outside.code() == StatusCode::kPermissionDenied, outside.ToString());
          Status link =
              (*file)->Query("SELECT * FROM read_csv('" + allowed_ + "/link/secret.csv')").status();
          checks.Expect(
              link.code() == StatusCode::kPermissionDenied &&
                  link.message().find("Jobs may only use files under") != std::string::npos,
              "link: " + link.ToString());
        }
        Result<std::unique_ptr<DuckDbConnection>> memory = engine.Connect(":memory:");
        checks.Expect(memory.ok(), "opening :memory:: " + memory.status().ToString());
        if (memory.ok()) {
          Status spilled = (*memory)
                               ->Execute(
                                   "CREATE TABLE big AS SELECT i, repeat('x', 100) || i AS "
                                   "s FROM range(2000000) t(i)")
                               .status();
          checks.Expect(spilled.ok(), "spilling: " + spilled.ToString());
          Result<DuckDbRows> files =
              (*memory)->Query("SELECT count(*) FROM duckdb_temporary_files()");
          checks.Expect(files.ok() && files->rows[0][0] != "0", "nothing spilled");
        }
        checks.Exit();
      },
      ::testing::ExitedWithCode(0), "");
}

TEST(DuckDbEngineConfinementTest, TheOptionsBecomeDuckDbsSettings) {
  testing::TempDir dir;
  for (const bool confined : {false, true}) {
    DuckDbEngineOptions options{.spill_directory = dir.File("spill"),
                                .memory_limit_bytes = 200 << 20,
                                .max_spill_bytes = uint64_t{1} << 30,
                                .threads = 1};
    if (confined) options.confinement = DuckDbConfinement{.allowed_directories = {dir.path()}};
    DuckDbEngine engine(options);
    Result<std::unique_ptr<DuckDbConnection>> connection = engine.Connect(":memory:");
    ASSERT_TRUE(connection.ok()) << connection.status();
    Result<DuckDbRows> rows = (*connection)
                                  ->Query(
                                      "SELECT current_setting('memory_limit'), "
                                      "current_setting('max_temp_directory_size'), "
                                      "current_setting('threads'), "
                                      "current_setting('temp_directory'), "
                                      "current_setting('enable_external_access')");
    ASSERT_TRUE(rows.ok()) << rows.status();
    EXPECT_EQ(rows->rows[0][0], "200.0 MiB") << confined;
    EXPECT_EQ(rows->rows[0][1], "1.0 GiB") << confined;
    EXPECT_EQ(rows->rows[0][2], "1") << confined;
    EXPECT_TRUE(rows->rows[0][3]->starts_with(dir.File("spill/duckdb-"))) << *rows->rows[0][3];
    EXPECT_EQ(rows->rows[0][4], confined ? "false" : "true");
  }
}

TEST(DuckDbEngineConfinementTest, AnUnconfinedEngineStillReadsAnyFile) {
  DuckDbEngine engine;
  Result<std::unique_ptr<DuckDbConnection>> connection = engine.Connect(":memory:");
  ASSERT_TRUE(connection.ok()) << connection.status();
  Result<DuckDbRows> rows = (*connection)->Query("SELECT count(*) FROM read_text('/etc/hostname')");
  ASSERT_TRUE(rows.ok()) << rows.status();
  EXPECT_EQ(rows->rows[0][0], "1");
}

TEST(DuckDbOpenTest, AllowedDirectoriesAreAbsoluteNormalAndEndInASlash) {
  testing::TempDir dir;
  fs::create_directories(dir.File("real"));
  fs::create_symlink(dir.File("real"), dir.File("link"));
  DuckDbEngineOptions options{
      .confinement = DuckDbConfinement{.allowed_directories = {dir.File("link/"), "/data/./x/.."}},
      .spill_directory = "/spill"};
  const std::vector<std::string> allowed = AllowedDirectories(options);
  const std::string real = fs::canonical(dir.File("real")).string() + "/";
  EXPECT_THAT(allowed,
              ::testing::UnorderedElementsAre("/data/", "/spill/", dir.File("link/"), real));
  EXPECT_TRUE(IsUnderAny("/data/x.csv", allowed));
  EXPECT_TRUE(IsUnderAny("/data/a/../x.csv", allowed));
  EXPECT_FALSE(IsUnderAny("/data2/x.csv", allowed));
  EXPECT_FALSE(IsUnderAny("/data/../etc/passwd", allowed));
  EXPECT_FALSE(IsUnderAny("/data", allowed));
}

}  // namespace
}  // namespace orc
