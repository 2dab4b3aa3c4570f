#include "support/test_database.h"

#include <libpq-fe.h>
#include <sqlite3.h>

#include <cstdlib>
#include <fstream>
#include <stdexcept>

#include <gtest/gtest.h>

#include "common/uuid.h"
#include "state/memory_state_store.h"

namespace orc::testing {

std::string BackendName(TestBackend backend) {
  switch (backend) {
    case TestBackend::kSqlite:
      return "Sqlite";
    case TestBackend::kPostgres:
      return "Postgres";
    case TestBackend::kMemory:
      return "Memory";
  }
  return "Unknown";
}

std::string PostgresTestServerUrl() {
  const char* state_file = std::getenv("ORC_TEST_POSTGRES_STATE");
  if (state_file == nullptr) {
    throw std::runtime_error(
        "ORC_TEST_POSTGRES_STATE is not set: run the tests through ctest, which starts the "
        "PostgreSQL test server (fixture 'postgres')");
  }
  std::ifstream in(state_file);
  std::string directory, url;
  if (!(in >> directory >> url)) {
    throw std::runtime_error(
        std::string("the PostgreSQL test server is not running: no state in ") + state_file +
        " (see the output of the postgres_server_start test)");
  }
  return url;
}

std::string ExecuteOnPostgresTestServer(const std::string& sql) {
  PGconn* connection = PQconnectdb(PostgresTestServerUrl().c_str());
  if (PQstatus(connection) != CONNECTION_OK) {
    std::string error = PQerrorMessage(connection);
    PQfinish(connection);
    throw std::runtime_error("cannot reach the PostgreSQL test server: " + error);
  }
  PGresult* result = PQexec(connection, sql.c_str());
  const bool ok =
      PQresultStatus(result) == PGRES_COMMAND_OK || PQresultStatus(result) == PGRES_TUPLES_OK;
  std::string error = PQresultErrorMessage(result);
  const std::string value =
      ok && PQntuples(result) > 0 && PQnfields(result) > 0 ? PQgetvalue(result, 0, 0) : "";
  PQclear(result);
  PQfinish(connection);
  if (!ok) throw std::runtime_error("'" + sql + "' failed on the test server: " + error);
  return value;
}

std::string QuerySqliteFile(const std::string& path, const std::string& sql) {
  sqlite3* db = nullptr;
  if (sqlite3_open(path.c_str(), &db) != SQLITE_OK) {
    sqlite3_close(db);
    throw std::runtime_error("cannot open " + path);
  }
  sqlite3_stmt* statement = nullptr;
  std::string value;
  int code = sqlite3_prepare_v2(db, sql.c_str(), -1, &statement, nullptr);
  if (code == SQLITE_OK) code = sqlite3_step(statement);
  if (code == SQLITE_ROW && sqlite3_column_text(statement, 0) != nullptr) {
    value = reinterpret_cast<const char*>(sqlite3_column_text(statement, 0));
  }
  const std::string error = sqlite3_errmsg(db);
  sqlite3_finalize(statement);
  sqlite3_close(db);
  if (code != SQLITE_ROW && code != SQLITE_DONE) {
    throw std::runtime_error("'" + sql + "' failed on " + path + ": " + error);
  }
  return value;
}

TestDatabase::TestDatabase(TestBackend backend) : backend_(backend) {
  if (backend == TestBackend::kMemory) return;
  if (backend == TestBackend::kSqlite) {
    directory_ = std::make_unique<TempDir>();
    url_ = "sqlite:" + directory_->File("state.db");
    return;
  }
  name_ = "test_" + NewUuidV4();
  for (char& c : name_) {
    if (c == '-') c = '_';
  }
  ExecuteOnPostgresTestServer("CREATE SCHEMA " + name_);
  url_ =
      PostgresTestServerUrl() + "?options=-csearch_path%3D" + name_ + "&application_name=" + name_;
}

Result<std::unique_ptr<StateStore>> TestDatabase::OpenStore(
    Clock& clock, const StateStoreOptions& options) const {
  if (backend_ == TestBackend::kMemory) {
    return std::unique_ptr<StateStore>(std::make_unique<MemoryStateStore>(clock, options));
  }
  ORC_ASSIGN_OR_RETURN(DatabaseUrl url, ParseDatabaseUrl(url_));
  return OpenStateStore(url, clock, options);
}

std::unique_ptr<StateStore> OpenTestStore(const TestDatabase& database, Clock& clock) {
  Result<std::unique_ptr<StateStore>> store = database.OpenStore(clock);
  EXPECT_TRUE(store.ok()) << store.status().ToString();
  return store.ok() ? std::move(*store) : nullptr;
}

}  // namespace orc::testing
