// The duckdb loader's merge: one rule for the first load and every later one; the source's last row
// wins for a repeated key; a NULL in the key is refused.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "plugins/data_plane_fixture.h"

namespace orc {
namespace {

using nlohmann::json;

class MergeTest : public testing::DataPlaneFixture {
 protected:
  // Merges the csv file `name` on `key`, as a task of its own.
  Result<LoadResult> Merge(const std::string& name, const std::vector<std::string>& key) {
    context_.task_id = "task-" + std::to_string(++tasks_);
    json loader = DuckDb("t", "merge");
    loader["primary_key"] = key;
    return Load({{"type", "csv"}, {"path", name}}, loader);
  }

  int tasks_ = 0;
};

TEST_F(MergeTest, TheFirstLoadKeepsTheLastRowOfARepeatedKey) {
  Write("v1.csv", "id,v\n1,a\n2,b\n1,c\n");
  Result<LoadResult> merged = Merge("v1.csv", {"id"});
  ASSERT_TRUE(merged.ok()) << merged.status();
  EXPECT_EQ(merged->rows_loaded, 2);
  EXPECT_EQ(Rows("SELECT * FROM t ORDER BY id"), (std::vector<std::string>{"1|c", "2|b"}));
}

TEST_F(MergeTest, ALaterLoadReplacesItsKeysAndKeepsItsLastRows) {
  Write("v1.csv", "id,v\n1,a\n2,b\n");
  Write("v2.csv", "id,v\n2,B\n3,c\n3,C\n2,BB\n");
  ASSERT_TRUE(Merge("v1.csv", {"id"}).ok());
  Result<LoadResult> merged = Merge("v2.csv", {"id"});
  ASSERT_TRUE(merged.ok()) << merged.status();
  EXPECT_EQ(merged->rows_loaded, 2);
  EXPECT_EQ(Rows("SELECT * FROM t ORDER BY id"), (std::vector<std::string>{"1|a", "2|BB", "3|C"}));
}

TEST_F(MergeTest, MergingTheSameFileTwiceChangesNothing) {
  Write("v1.csv", "id,v\n1,a\n2,b\n2,c\n");
  ASSERT_TRUE(Merge("v1.csv", {"id"}).ok());
  const std::vector<std::string> once = Rows("SELECT * FROM t ORDER BY id");
  ASSERT_TRUE(Merge("v1.csv", {"id"}).ok());
  EXPECT_EQ(Rows("SELECT * FROM t ORDER BY id"), once);
  EXPECT_EQ(once, (std::vector<std::string>{"1|a", "2|c"}));
}

TEST_F(MergeTest, TheLastFileOfAGlobWinsInNameOrder) {
  std::filesystem::create_directory(dir_.File("in"));
  Write("in/b.csv", "id,v\n1,from-b\n");
  Write("in/a.csv", "id,v\n1,from-a\n2,from-a\n");
  ASSERT_TRUE(Merge("in/*.csv", {"id"}).ok());
  EXPECT_EQ(Rows("SELECT * FROM t ORDER BY id"),
            (std::vector<std::string>{"1|from-b", "2|from-a"}));
}

TEST_F(MergeTest, ANullKeyIsRefusedCountingTheRowsOnAnyLoad) {
  Write("nulls.csv", "id,v\n1,a\n,b\n,c\n");
  for (int load = 1; load <= 2; ++load) {
    Result<LoadResult> refused = Merge("nulls.csv", {"id"});
    ASSERT_FALSE(refused.ok()) << "load " << load;
    EXPECT_EQ(refused.status().code(), StatusCode::kInvalidArgument);
    EXPECT_NE(
        refused.status().message().find("2 rows of the source have a NULL in the primary_key (id)"),
        std::string::npos)
        << refused.status();
    if (load == 1) {
      // The first load created nothing; give the second one a table to merge into.
      EXPECT_EQ(Rows("SELECT count(*) FROM duckdb_tables() WHERE table_name = 't'"),
                std::vector<std::string>{"0"});
      Write("one.csv", "id,v\n1,x\n");
      ASSERT_TRUE(Merge("one.csv", {"id"}).ok());
    }
  }
  EXPECT_EQ(Rows("SELECT * FROM t"), std::vector<std::string>{"1|x"})
      << "a refused load leaves the table as it was";
}

TEST_F(MergeTest, ACompositeKeyMatchesOnAllItsColumns) {
  Write("v1.csv", "a,b,v\n1,1,x\n1,2,y\n1,1,z\n");
  Write("v2.csv", "a,b,v\n1,2,Y\n2,1,w\n");
  Result<LoadResult> first = Merge("v1.csv", {"a", "b"});
  ASSERT_TRUE(first.ok()) << first.status();
  EXPECT_EQ(first->rows_loaded, 2);
  ASSERT_TRUE(Merge("v2.csv", {"a", "b"}).ok());
  EXPECT_EQ(Rows("SELECT * FROM t ORDER BY a, b"),
            (std::vector<std::string>{"1|1|z", "1|2|Y", "2|1|w"}));

  Write("partial.csv", "a,b,v\n3,,p\n");
  Result<LoadResult> refused = Merge("partial.csv", {"a", "b"});
  ASSERT_FALSE(refused.ok());
  EXPECT_NE(
      refused.status().message().find("1 row of the source has a NULL in the primary_key (a, b)"),
      std::string::npos)
      << refused.status();
}

// An extractor whose Source is a DuckDB query and, as a database table would, offers a key.
class KeyedSource final : public Extractor {
 public:
  KeyedSource(std::string sql, std::vector<std::string> key)
      : sql_(std::move(sql)), key_(std::move(key)) {}
  Result<Source> Open(TaskContext&, DuckDbConnection&, Destination&) override {
    return Source{.select_sql = sql_, .description = "keyed", .primary_key = key_};
  }

 private:
  std::string sql_;
  std::vector<std::string> key_;
};

TEST_F(MergeTest, WithoutAPrimaryKeyAMergeMatchesOnTheSourcesKey) {
  Result<std::unique_ptr<Loader>> loader = MakeLoader(DuckDb("t", "merge"));
  ASSERT_TRUE(loader.ok()) << loader.status();
  KeyedSource first("SELECT * FROM (VALUES (1, 'a'), (2, 'b')) v(id, v)", {"id"});
  ASSERT_TRUE((*loader)->Load(context_, first).ok());
  context_.task_id = "second";
  KeyedSource second("SELECT * FROM (VALUES (2, 'B'), (3, 'c')) v(id, v)", {"id"});
  Result<LoadResult> merged = (*loader)->Load(context_, second);
  ASSERT_TRUE(merged.ok()) << merged.status();
  EXPECT_EQ(Rows("SELECT * FROM t ORDER BY id"), (std::vector<std::string>{"1|a", "2|B", "3|c"}));

  // A source without a key, and no primary_key configured: nothing to match on.
  context_.task_id = "third";
  KeyedSource keyless("SELECT 4 AS id, 'd' AS v", {});
  Result<LoadResult> refused = (*loader)->Load(context_, keyless);
  ASSERT_FALSE(refused.ok());
  EXPECT_NE(refused.status().message().find("name them in primary_key"), std::string::npos)
      << refused.status();
  EXPECT_EQ(Rows("SELECT count(*) FROM t"), std::vector<std::string>{"3"});
}

}  // namespace
}  // namespace orc
