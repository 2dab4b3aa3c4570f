#include "engine/row_stream.h"

#include <duckdb.h>
#include <gtest/gtest.h>

#include <atomic>

#include "support/printers.h"
#include "support/temp_dir.h"

namespace orc {
namespace {

// Rows 0..rows-1 of (id BIGINT, name VARCHAR), split into `parts` parts; fails at row `fail_at`.
class CountingStream final : public RowStream {
 public:
  CountingStream(int64_t rows, int parts, int64_t fail_at = -1)
      : rows_(rows), parts_(parts), fail_at_(fail_at) {}

  const std::vector<StreamColumn>& Columns() const override { return columns_; }
  int Parts() const override { return parts_; }
  Result<std::unique_ptr<RowReader>> OpenPart(int part) override {
    opened_.fetch_add(1);
    const int64_t begin = rows_ * part / parts_;
    const int64_t end = rows_ * (part + 1) / parts_;
    return std::unique_ptr<RowReader>(new Reader(begin, end, fail_at_));
  }
  int opened() const { return opened_.load(); }

 private:
  class Reader final : public RowReader {
   public:
    Reader(int64_t next, int64_t end, int64_t fail_at)
        : next_(next), end_(end), fail_at_(fail_at) {}
    Result<uint64_t> Fill(_duckdb_data_chunk* chunk) override {
      auto* ids =
          static_cast<int64_t*>(duckdb_vector_get_data(duckdb_data_chunk_get_vector(chunk, 0)));
      duckdb_vector names = duckdb_data_chunk_get_vector(chunk, 1);
      uint64_t count = 0;
      while (next_ < end_ && count < duckdb_vector_size()) {
        if (next_ == fail_at_)
          return UnavailableError("the source went away at row " + std::to_string(next_));
        ids[count] = next_;
        const std::string name = "n" + std::to_string(next_);
        duckdb_vector_assign_string_element_len(names, count, name.data(), name.size());
        ++count;
        ++next_;
      }
      duckdb_data_chunk_set_size(chunk, count);
      return count;
    }

   private:
    int64_t next_;
    int64_t end_;
    int64_t fail_at_;
  };

  int64_t rows_;
  int parts_;
  int64_t fail_at_;
  std::vector<StreamColumn> columns_{{"id", "BIGINT"}, {"name", "VARCHAR"}};
  std::atomic<int> opened_{0};
};

TEST(RowStreamTest, AStreamLoadsIntoATableInEveryPart) {
  testing::TempDir dir;
  DuckDbEngine engine;
  auto connection = engine.Connect(dir.File("a.duckdb"));
  ASSERT_TRUE(connection.ok()) << connection.status();
  auto stream = std::make_shared<CountingStream>(100000, 3);
  Result<RegisteredStream> registered = RegisterRowStream(**connection, stream);
  ASSERT_TRUE(registered.ok()) << registered.status();
  Result<int64_t> rows = (*connection)->Execute("CREATE TABLE t AS " + registered->select_sql());
  ASSERT_TRUE(rows.ok()) << rows.status();
  EXPECT_EQ(*rows, 100000);
  EXPECT_EQ(stream->opened(), 3);
  Result<DuckDbRows> check =
      (*connection)
          ->Query("SELECT count(DISTINCT id), sum(id), min(name), typeof(any_value(id)) FROM t");
  ASSERT_TRUE(check.ok()) << check.status();
  EXPECT_EQ(check->rows[0][0], "100000");
  EXPECT_EQ(check->rows[0][1], std::to_string(int64_t{99999} * 100000 / 2));
  EXPECT_EQ(check->rows[0][2], "n0");
  EXPECT_EQ(check->rows[0][3], "BIGINT");
}

TEST(RowStreamTest, AReadersErrorFailsTheStatementAndIsKept) {
  DuckDbEngine engine;
  auto connection = engine.Connect(":memory:");
  ASSERT_TRUE(connection.ok()) << connection.status();
  Result<RegisteredStream> registered =
      RegisterRowStream(**connection, std::make_shared<CountingStream>(10000, 1, 5000));
  ASSERT_TRUE(registered.ok()) << registered.status();
  Result<int64_t> rows = (*connection)->Execute("CREATE TABLE t AS " + registered->select_sql());
  ASSERT_FALSE(rows.ok());
  EXPECT_NE(rows.status().message().find("the source went away at row 5000"), std::string::npos)
      << rows.status();
  EXPECT_EQ(registered->error().code(), StatusCode::kUnavailable);
}

TEST(RowStreamTest, AnUnknownTokenOrTypeIsRefused) {
  DuckDbEngine engine;
  auto connection = engine.Connect(":memory:");
  ASSERT_TRUE(connection.ok()) << connection.status();
  Result<int64_t> rows = (*connection)->Execute("SELECT * FROM orc_stream('guess')");
  ASSERT_FALSE(rows.ok());
  EXPECT_NE(rows.status().message().find("no stream is registered"), std::string::npos);

  class BadTypes final : public RowStream {
   public:
    const std::vector<StreamColumn>& Columns() const override { return columns_; }
    Result<std::unique_ptr<RowReader>> OpenPart(int) override {
      return std::unique_ptr<RowReader>();
    }
    std::vector<StreamColumn> columns_{{"x", "INTEGER); DROP TABLE y; --"}};
  };
  Result<RegisteredStream> registered =
      RegisterRowStream(**connection, std::make_shared<BadTypes>());
  ASSERT_FALSE(registered.ok());
  EXPECT_EQ(registered.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(registered.status().message().find("column x"), std::string::npos);
}

TEST(RowStreamTest, AStreamEndsWithItsRegistration) {
  DuckDbEngine engine;
  auto connection = engine.Connect(":memory:");
  ASSERT_TRUE(connection.ok()) << connection.status();
  std::string sql;
  {
    Result<RegisteredStream> registered =
        RegisterRowStream(**connection, std::make_shared<CountingStream>(10, 1));
    ASSERT_TRUE(registered.ok()) << registered.status();
    sql = registered->select_sql();
    EXPECT_TRUE((*connection)->Execute(sql).ok());
  }
  EXPECT_FALSE((*connection)->Execute(sql).ok());
}

TEST(RowStreamTest, AConfinedDatabaseReadsStreams) {
  testing::TempDir dir;
  DuckDbEngine engine(DuckDbEngineOptions{.confinement = DuckDbConfinement{{dir.path()}}});
  auto connection = engine.Connect(dir.File("a.duckdb"));
  ASSERT_TRUE(connection.ok()) << connection.status();
  Result<RegisteredStream> registered =
      RegisterRowStream(**connection, std::make_shared<CountingStream>(5000, 2));
  ASSERT_TRUE(registered.ok()) << registered.status();
  Result<int64_t> rows = (*connection)->Execute("CREATE TABLE t AS " + registered->select_sql());
  ASSERT_TRUE(rows.ok()) << rows.status();
  EXPECT_EQ(*rows, 5000);
}

}  // namespace
}  // namespace orc
