#include "engine/duckdb_library.h"

#include <duckdb.h>
#include <gtest/gtest.h>

namespace orc {
namespace {

TEST(DuckDbLibraryTest, IsThePinnedRelease) { EXPECT_EQ(DuckDbLibraryVersion(), "v1.4.4"); }

TEST(DuckDbLibraryTest, AnswersAQuery) {
  duckdb_database database = nullptr;
  duckdb_connection connection = nullptr;
  ASSERT_EQ(duckdb_open(nullptr, &database), DuckDBSuccess);
  ASSERT_EQ(duckdb_connect(database, &connection), DuckDBSuccess);
  duckdb_result result;
  ASSERT_EQ(duckdb_query(connection, "SELECT sum(range) FROM range(1000001)", &result),
            DuckDBSuccess);
  EXPECT_EQ(duckdb_value_int64(&result, 0, 0), 500000500000);
  duckdb_destroy_result(&result);
  duckdb_disconnect(&connection);
  duckdb_close(&database);
}

}  // namespace
}  // namespace orc
