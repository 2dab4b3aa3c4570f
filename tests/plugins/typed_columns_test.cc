// The csv and json extractors' `columns`: each type lands on the column it names, whatever the
// order the columns were written in (a configuration's objects reach orc sorted by name).
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "plugins/data_plane_fixture.h"

namespace orc {
namespace {

using nlohmann::json;
// Names that sort in another order than the file's: c12, c11, ..., c01.
constexpr int kWide = 12;
std::string WideName(int i) {
  const int number = kWide - i;
  return std::string("c") + (number < 10 ? "0" : "") + std::to_string(number);
}

// A header (when `header`) and one row of `kWide` columns, the values 0..11 in file order: the
// column WideName(i) holds i. Each column's type is VARCHAR for even i and INTEGER for odd i.
std::string WideCsv(bool header) {
  std::string names;
  std::string values;
  for (int i = 0; i < kWide; ++i) {
    names += (i ? "," : "") + WideName(i);
    values += (i ? "," : "") + (i % 2 == 0 ? "v" + std::to_string(i) : std::to_string(i));
  }
  return (header ? names + "\n" : "") + values + "\n";
}

std::string WideType(int i) { return i % 2 == 0 ? "VARCHAR" : "INTEGER"; }

// `columns` as an object (by name) or as a list in file order.
json WideColumns(bool as_list) {
  json columns = as_list ? json::array() : json::object();
  for (int i = 0; i < kWide; ++i) {
    if (as_list) {
      columns.push_back({{WideName(i), WideType(i)}});
    } else {
      columns[WideName(i)] = WideType(i);
    }
  }
  return columns;
}

// What Columns() gives for a table loaded from WideCsv() with WideColumns().
std::vector<std::string> Expected() {
  std::vector<std::string> expected;
  for (int i = 0; i < kWide; ++i) {
    expected.push_back(WideName(i) + " " + WideType(i) + " " + (i % 2 == 0 ? "v" : "") +
                       std::to_string(i));
  }
  return expected;
}

class TypedColumnsTest : public testing::DataPlaneFixture {
 protected:
  // Each column of `table` as "name type value" (its first row), in the table's order.
  std::vector<std::string> Columns(const std::string& table) {
    std::vector<std::string> columns;
    for (const std::string& row :
         Rows("SELECT column_name, data_type FROM information_schema.columns WHERE table_name = '" +
              table + "' ORDER BY ordinal_position")) {
      const size_t bar = row.find('|');
      const std::string name = row.substr(0, bar);
      const std::string value = Rows("SELECT \"" + name + "\" FROM " + table).at(0);
      columns.push_back(name + " " + row.substr(bar + 1) + " " + value);
    }
    return columns;
  }
};

TEST_F(TypedColumnsTest, AnObjectTypesAHeadersColumnsByName) {
  Write("two.csv", "zeta,alpha\n1,2\n");
  json csv = {{"type", "csv"},
              {"path", "two.csv"},
              {"columns", {{"zeta", "INTEGER"}, {"alpha", "VARCHAR"}}}};
  Result<LoadResult> loaded = Load(csv, DuckDb("t"));
  ASSERT_TRUE(loaded.ok()) << loaded.status();
  EXPECT_EQ(Columns("t"), (std::vector<std::string>{"zeta INTEGER 1", "alpha VARCHAR 2"}));

  Write("wide.csv", WideCsv(true));
  context_.task_id = "task-2";
  csv = {{"type", "csv"}, {"path", "wide.csv"}, {"columns", WideColumns(false)}};
  loaded = Load(csv, DuckDb("wide"));
  ASSERT_TRUE(loaded.ok()) << loaded.status();
  EXPECT_EQ(Columns("wide"), Expected());
}

TEST_F(TypedColumnsTest, AnObjectLeavesTheColumnsItDoesNotNameDetected) {
  Write("three.csv", "zeta,alpha,extra\n1,2,3\n");
  json csv = {{"type", "csv"}, {"path", "three.csv"}, {"columns", {{"alpha", "VARCHAR"}}}};
  Result<LoadResult> loaded = Load(csv, DuckDb("t"));
  ASSERT_TRUE(loaded.ok()) << loaded.status();
  EXPECT_EQ(Columns("t"),
            (std::vector<std::string>{"zeta BIGINT 1", "alpha VARCHAR 2", "extra BIGINT 3"}));
}

TEST_F(TypedColumnsTest, AListTypesColumnsInItsOrderWithOrWithoutAHeader) {
  Write("wide.csv", WideCsv(false));
  json csv = {
      {"type", "csv"}, {"path", "wide.csv"}, {"header", false}, {"columns", WideColumns(true)}};
  Result<LoadResult> loaded = Load(csv, DuckDb("headerless"));
  ASSERT_TRUE(loaded.ok()) << loaded.status();
  EXPECT_EQ(Columns("headerless"), Expected());

  Write("named.csv", WideCsv(true));
  context_.task_id = "task-2";
  csv = {{"type", "csv"}, {"path", "named.csv"}, {"columns", WideColumns(true)}};
  loaded = Load(csv, DuckDb("header"));
  ASSERT_TRUE(loaded.ok()) << loaded.status();
  EXPECT_EQ(Columns("header"), Expected());
}

TEST_F(TypedColumnsTest, AnObjectWithoutAHeaderIsRefusedWhenTheJobIsWritten) {
  json csv = {{"type", "csv"},
              {"path", "x.csv"},
              {"header", false},
              {"columns", {{"zeta", "INTEGER"}, {"alpha", "INTEGER"}}}};
  Result<std::unique_ptr<Extractor>> made = MakeExtractor(csv);
  ASSERT_FALSE(made.ok());
  EXPECT_EQ(made.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(made.status().field(), "extractor_config.columns");
  EXPECT_NE(made.status().message().find("list the columns in the file's order"), std::string::npos)
      << made.status();
}

TEST_F(TypedColumnsTest, AnObjectNamingNoHeaderColumnFailsNamingIt) {
  Write("two.csv", "zeta,alpha\n1,2\n");
  json csv = {{"type", "csv"}, {"path", "two.csv"}, {"columns", {{"beta", "INTEGER"}}}};
  Result<LoadResult> loaded = Load(csv, DuckDb("t"));
  ASSERT_FALSE(loaded.ok());
  EXPECT_NE(loaded.status().message().find("\"beta\" do not exist"), std::string::npos)
      << loaded.status();
}

TEST_F(TypedColumnsTest, ABadListIsAClearError) {
  struct Case {
    json columns;
    const char* field;
    const char* message;
  } cases[] = {
      {json::parse(R"([{"a": "INTEGER", "b": "INTEGER"}])"), "columns[0]",
       "must be an object with one field"},
      {json::parse(R"(["a INTEGER"])"), "columns[0]", "must be an object with one field"},
      {json::parse(R"([{"a": 5}])"), "columns[0].a", "must be a DuckDB type name"},
      {json::parse(R"([{"a": "INTEGER"}, {"a": "VARCHAR"}])"), "columns[1]", "'a' is listed twice"},
      {json::parse(R"([{"a": ""}])"), "columns[0].a", "must be a DuckDB type name such as"},
      {json::array(), "columns", "must name at least one column"},
  };
  for (const std::string type : {"csv", "json"}) {
    for (const Case& c : cases) {
      Result<std::unique_ptr<Extractor>> made =
          MakeExtractor({{"type", type}, {"path", "x"}, {"columns", c.columns}});
      ASSERT_FALSE(made.ok()) << c.columns;
      EXPECT_EQ(made.status().field(), "extractor_config." + std::string(c.field)) << made.status();
      EXPECT_NE(made.status().message().find(c.message), std::string::npos) << made.status();
    }
  }
}

TEST_F(TypedColumnsTest, JsonColumnsMatchKeysByNameInEitherForm) {
  json record = json::object();
  for (int i = 0; i < kWide; ++i) {
    record[WideName(i)] = i % 2 == 0 ? json("v" + std::to_string(i)) : json(i);
  }
  Write("wide.ndjson", record.dump() + "\n");
  json list = {{"type", "json"}, {"path", "wide.ndjson"}, {"columns", WideColumns(true)}};
  Result<LoadResult> loaded = Load(list, DuckDb("listed"));
  ASSERT_TRUE(loaded.ok()) << loaded.status();
  EXPECT_EQ(Columns("listed"), Expected()) << "a list gives the table its order";

  context_.task_id = "task-2";
  json object = {{"type", "json"}, {"path", "wide.ndjson"}, {"columns", WideColumns(false)}};
  loaded = Load(object, DuckDb("named"));
  ASSERT_TRUE(loaded.ok()) << loaded.status();
  std::vector<std::string> by_name = Expected();
  std::sort(by_name.begin(), by_name.end());
  EXPECT_EQ(Columns("named"), by_name) << "an object's columns come in name order";
}

}  // namespace
}  // namespace orc
