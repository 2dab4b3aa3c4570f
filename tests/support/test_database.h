// TestDatabase: a fresh, empty state database for one test, on any backend.
//
// SQLite: a file in a temp dir. PostgreSQL: a new schema on the server that the ctest fixture
// `postgres` started (tests/support/postgres-test-server), whose state file is named by
// $ORC_TEST_POSTGRES_STATE. Without that server the constructor throws, so the test fails with
// the reason instead of being skipped. Memory: no database at all; OpenStore() makes a
// MemoryStateStore, which the contract tests hold to the same contract as the SQL stores.
#pragma once

#include <memory>
#include <ostream>
#include <string>

#include "common/clock.h"
#include "common/status.h"
#include "state/state_store.h"
#include "support/temp_dir.h"

namespace orc::testing {

enum class TestBackend { kSqlite, kPostgres, kMemory };

std::string BackendName(TestBackend backend);
inline void PrintTo(TestBackend backend, std::ostream* out) { *out << BackendName(backend); }

class TestDatabase {
 public:
  explicit TestDatabase(TestBackend backend);

  // A DATABASE_URL for this database; empty for kMemory.
  const std::string& url() const { return url_; }
  // PostgreSQL: the schema, which is also the application_name of this database's sessions (so
  // a test can find its own sessions among those of tests running beside it).
  const std::string& name() const { return name_; }

  // A store on this database, as OpenStateStore opens it. kMemory: a new, empty MemoryStateStore
  // on each call, as memory is not shared between stores.
  Result<std::unique_ptr<StateStore>> OpenStore(Clock& clock,
                                                const StateStoreOptions& options = {}) const;

 private:
  TestBackend backend_;
  std::unique_ptr<TempDir> directory_;
  std::string url_;
  std::string name_;
};

// database.OpenStore(clock), or nullptr after failing the test with the reason.
std::unique_ptr<StateStore> OpenTestStore(const TestDatabase& database, Clock& clock);

// The URL of the test PostgreSQL server's `orc` database; throws when the server is not there.
std::string PostgresTestServerUrl();

// Runs one SQL statement on the test server as `orc` (for tests that poke at the server) and
// returns the first column of the first row as text ("" when there is none); throws on error.
std::string ExecuteOnPostgresTestServer(const std::string& sql);

// Runs `sql` on the SQLite file at `path`, outside orc, and returns the first column of the first
// row as text ("" when there is none); throws on error.
std::string QuerySqliteFile(const std::string& path, const std::string& sql);

}  // namespace orc::testing
