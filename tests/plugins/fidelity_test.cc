// Every load path against DuckDB reading the same source itself: a file of every DuckDB type the
// format carries (DuckDB's test_all_types(), written by DuckDB's COPY), loaded by orc in each
// write mode, must give the table DuckDB's own reader gives: the same column names and types, and
// the same rows (EXCEPT ALL both ways empty, equal counts).
#include <gtest/gtest.h>
#include <httplib.h>

#include <fstream>
#include <functional>
#include <iostream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <thread>

#include "plugins/data_plane_fixture.h"
#include "plugins/extractors/api/network_policy.h"

namespace orc {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;

class FidelityTest : public testing::DataPlaneFixture {
 protected:
  void SetUp() override {
    DataPlaneFixture::SetUp();
    Result<std::unique_ptr<DuckDbConnection>> scratch = engine_.Connect(":memory:");
    ASSERT_TRUE(scratch.ok()) << scratch.status();
    scratch_ = std::move(*scratch);
    // A key first (merge needs one), then one column of every type, three rows: each type's
    // minimum, its maximum, and NULLs.
    ASSERT_TRUE(scratch_
                    ->Execute("CREATE TABLE src AS SELECT row_number() OVER () AS k, * FROM "
                              "test_all_types()")
                    .ok());
    Result<DuckDbRows> columns = scratch_->Query("DESCRIBE src");
    ASSERT_TRUE(columns.ok()) << columns.status();
    for (const auto& row : columns->rows) types_.emplace_back(*row[0], *row[1]);
  }

  void TearDown() override { scratch_.reset(); }

  // Writes `columns` of `src` (all when empty) to `name` in the data directory with COPY's
  // `options`; returns its path.
  std::string Copy(const std::string& name, const std::string& options,
                   const StringPairs& columns = {}) {
    const std::string path = dir_.File(name);
    std::string select;
    for (const auto& column : columns) {
      select += (select.empty() ? "" : ", ") + QuoteIdentifier(column.first);
    }
    Status copied = scratch_
                        ->Execute("COPY (SELECT " + (select.empty() ? "*" : select) +
                                  " FROM src) TO " + QuoteLiteral(path) + " (" + options + ")")
                        .status();
    EXPECT_TRUE(copied.ok()) << copied;
    return path;
  }

  // The columns of `src` that a file format carries: those DuckDB reads back into a table, with
  // `reader` (a reader call with %s where the path goes), from a file it wrote with COPY's
  // `options`, one column at a time. `also`, when given, must accept the file's text too.
  StringPairs Carried(const std::string& options, const std::string& reader,
                      const std::function<bool(const std::string& text)>& also = nullptr) {
    StringPairs carried;
    StringPairs lost;
    for (const auto& column : types_) {
      const std::string path = Copy("probe", options, {column});
      std::string call = reader;
      call.replace(call.find("%s"), 2, QuoteLiteral(path));
      bool ok =
          scratch_->Execute("CREATE OR REPLACE TEMP TABLE probe AS SELECT * FROM " + call).ok();
      if (ok && also) {
        std::stringstream text;
        text << std::ifstream(path).rdbuf();
        ok = also(text.str());
      }
      (ok ? carried : lost).push_back(column);
    }
    std::string names;
    for (const auto& column : lost) names += (names.empty() ? "" : ", ") + column.first;
    RecordProperty("lost", names);
    std::cout << "[ lost     ] " << names << "\n";
    return carried;
  }

  // The columns of `src` (name, type) that `reader`, a DuckDB reader call with `%s` where its
  // columns or types struct goes, reads back from the file on its own.
  StringPairs Readable(const std::string& reader) {
    StringPairs readable;
    for (const auto& column : types_) {
      std::string call = reader;
      call.replace(call.find("%s"), 2, StructOf({column}));
      if (scratch_->Query("SELECT * FROM " + call).ok()) readable.push_back(column);
    }
    return readable;
  }

  static std::string StructOf(const StringPairs& columns) {
    std::string literal;
    for (const auto& [name, type] : columns) {
      literal += (literal.empty() ? "" : ", ") + QuoteLiteral(name) + ": " + QuoteLiteral(type);
    }
    return "{" + literal + "}";
  }

  static json ColumnsObject(const StringPairs& columns) {
    json object = json::object();
    for (const auto& [name, type] : columns) object[name] = type;
    return object;
  }

  static json ColumnsList(const StringPairs& columns) {
    json list = json::array();
    for (const auto& [name, type] : columns) list.push_back({{name, type}});
    return list;
  }

  // Loads `extractor` in replace, append (twice) and merge (twice, on k) mode, each into a table of
  // its own, and compares each table with `reference`, DuckDB's reader on the same source.
  void ExpectEveryModeMatches(const json& extractor, const std::string& reference) {
    SCOPED_TRACE(extractor.dump().substr(0, 200));
    struct Mode {
      const char* name;
      int loads;
      int copies;  // of each source row in the table
    } modes[] = {{"replace", 1, 1}, {"append", 2, 2}, {"merge", 2, 1}};
    for (const Mode& mode : modes) {
      SCOPED_TRACE(mode.name);
      const std::string table = std::string("t_") + mode.name + "_" + std::to_string(++tables_);
      json loader = DuckDb(table, mode.name);
      if (std::string(mode.name) == "merge") loader["primary_key"] = {"k"};
      for (int load = 0; load < mode.loads; ++load) {
        context_.task_id = table + "-" + std::to_string(load);
        Result<LoadResult> loaded = Load(extractor, loader);
        ASSERT_TRUE(loaded.ok()) << loaded.status();
      }
      ExpectSame(table, reference, mode.copies);
    }
  }

  // `table` in out.duckdb holds each row of `reference` `copies` times, and nothing else, with the
  // same column names and types.
  void ExpectSame(const std::string& table, const std::string& reference, int copies) {
    auto schema = [&](const std::string& query) {
      return Rows("SELECT string_agg(column_name || ' ' || column_type, ', ') FROM (DESCRIBE " +
                  query + ")");
    };
    EXPECT_EQ(schema(table), schema(reference));
    std::string expected = reference;
    for (int copy = 1; copy < copies; ++copy) expected += " UNION ALL " + reference;
    const std::string ours = "SELECT * FROM " + table;
    EXPECT_EQ(Rows("SELECT count(*) FROM " + table),
              Rows("SELECT count(*) * " + std::to_string(copies) + " FROM (" + reference + ")"));
    EXPECT_EQ(Rows("SELECT count(*) FROM (" + ours + " EXCEPT ALL (" + expected + "))"),
              std::vector<std::string>{"0"})
        << "rows orc loaded that DuckDB does not read";
    EXPECT_EQ(Rows("SELECT count(*) FROM ((" + expected + ") EXCEPT ALL " + ours + ")"),
              std::vector<std::string>{"0"})
        << "rows DuckDB reads that orc did not load";
  }

  std::unique_ptr<DuckDbConnection> scratch_;  // in memory: where src lives
  StringPairs types_;                          // src's columns in order: name, DuckDB type
  int tables_ = 0;
};

TEST_F(FidelityTest, CsvWithDetectedTypes) {
  const std::string path = Copy("all.csv", "HEADER");
  ExpectEveryModeMatches({{"type", "csv"}, {"path", "all.csv"}},
                         "SELECT * FROM read_csv(" + QuoteLiteral(path) + ")");
}

TEST_F(FidelityTest, CsvTypedByNameAndByPosition) {
  const std::string path = Copy("all.csv", "HEADER");
  const StringPairs by_name =
      Readable("read_csv(" + QuoteLiteral(path) + ", header = true, types = %s)");
  EXPECT_EQ(by_name.size(), types_.size()) << "CSV carries every type as text";
  ExpectEveryModeMatches(
      {{"type", "csv"}, {"path", "all.csv"}, {"columns", ColumnsObject(by_name)}},
      "SELECT * FROM read_csv(" + QuoteLiteral(path) +
          ", header = true, types = " + StructOf(by_name) + ")");

  const std::string headerless = Copy("headerless.csv", "HEADER false");
  ExpectEveryModeMatches({{"type", "csv"},
                          {"path", "headerless.csv"},
                          {"header", false},
                          {"columns", ColumnsList(types_)}},
                         "SELECT * FROM read_csv(" + QuoteLiteral(headerless) +
                             ", header = false, columns = " + StructOf(types_) + ")");
}

TEST_F(FidelityTest, Parquet) {
  const StringPairs carried = Carried("FORMAT parquet", "read_parquet(%s)");
  const std::string path = Copy("all.parquet", "FORMAT parquet", carried);
  ExpectEveryModeMatches({{"type", "parquet"}, {"path", "all.parquet"}},
                         "SELECT * FROM read_parquet(" + QuoteLiteral(path) + ")");
}

TEST_F(FidelityTest, JsonDetectedAndTyped) {
  const StringPairs carried = Carried("FORMAT json", "read_json(%s, format = 'newline_delimited')");
  const std::string lines = Copy("all.ndjson", "FORMAT json", carried);
  ExpectEveryModeMatches(
      {{"type", "json"}, {"path", "all.ndjson"}, {"format", "ndjson"}},
      "SELECT * FROM read_json(" + QuoteLiteral(lines) + ", format = 'newline_delimited')");

  const std::string array = Copy("all.json", "FORMAT json, ARRAY true");
  const std::string reader = "read_json(" + QuoteLiteral(array) + ", format = 'array', columns = ";
  const StringPairs readable = Readable(reader + "%s)");
  ExpectEveryModeMatches({{"type", "json"},
                          {"path", "all.json"},
                          {"format", "array"},
                          {"columns", ColumnsList(readable)}},
                         "SELECT * FROM " + reader + StructOf(readable) + ")");
}

TEST_F(FidelityTest, ApiPages) {
  // What an API can send: JSON as RFC 8259 has it (no NaN or Infinity, which DuckDB writes and
  // reads but orc refuses), integers within 64 bits.
  const StringPairs carried = Carried(
      "FORMAT json, ARRAY true", "read_json(%s, format = 'array')", [](const std::string& text) {
        return json::accept(text) && text.find("hugeint") == std::string::npos &&
               text.find("bignum") == std::string::npos;
      });
  const std::string path = Copy("page.json", "FORMAT json, ARRAY true", carried);
  std::stringstream body;
  body << std::ifstream(path).rdbuf();
  const std::string page = body.str();

  NetworkPolicy policy;
  policy.allowed_hosts.push_back({.host = "127.0.0.1"});
  context_.network_policy = &policy;
  httplib::Server server;
  server.Get("/items", [&page](const httplib::Request&, httplib::Response& response) {
    response.set_content(page, "application/json");
  });
  const int port = server.bind_to_any_port("127.0.0.1");
  ASSERT_GT(port, 0);
  std::thread serving([&server] { server.listen_after_bind(); });
  while (!server.is_running()) std::this_thread::sleep_for(1ms);
  ExpectEveryModeMatches(
      {{"type", "api"}, {"url", "http://127.0.0.1:" + std::to_string(port) + "/items"}},
      "SELECT * FROM read_json(" + QuoteLiteral(path) + ", format = 'array')");
  server.stop();
  serving.join();
}

}  // namespace
}  // namespace orc
