// duckdb: rows into a DuckDB table, in one transaction, replace | append | merge.
//
// The load, the schema changes it needs and its row in the destination's `_orc_loads` ledger
// commit together. The ledger makes loads exactly-once: a retried attempt of a task whose earlier
// attempt committed finds that attempt's row and loads nothing.
#include <map>

#include "engine/duckdb_engine.h"
#include "plugins/builtin_specs.h"
#include "plugins/duckdb_destination.h"

namespace orc {
namespace {

// Integer types by width; a narrower one loads into a wider one without loss.
int IntegerRank(const std::string& type) {
  static const std::map<std::string, int> kRanks = {
      {"TINYINT", 1}, {"SMALLINT", 2}, {"INTEGER", 3}, {"BIGINT", 4}, {"HUGEINT", 5}};
  const auto found = kRanks.find(type);
  return found == kRanks.end() ? 0 : found->second;
}

// Whether values of the source's type load into the table's column type without loss.
bool Reconciles(const std::string& source_type, const std::string& table_type) {
  if (source_type == table_type || table_type == "VARCHAR") return true;
  const int source_rank = IntegerRank(source_type);
  if (source_rank > 0) {
    return IntegerRank(table_type) >= source_rank || table_type == "DOUBLE";
  }
  if (source_type == "FLOAT") return table_type == "DOUBLE";
  if (source_type == "DATE") return table_type.starts_with("TIMESTAMP");
  return false;
}

struct DuckDbLoaderConfig {
  std::string db_path;  // a DuckDB file or ":memory:"
  TableWrite table;

  std::vector<ConfigFile> Files() const {
    return {{"db_path", db_path, ConfigFile::Use::kWriteDatabase}};
  }
};

DuckDbLoaderConfig ReadDuckDbLoaderConfig(ConfigReader& in) {
  return {.db_path = in.RequiredString("db_path", NotEmpty), .table = ReadTableWrite(in)};
}

class DuckDbLoader final : public Loader {
 public:
  explicit DuckDbLoader(const DuckDbLoaderConfig& config)
      : db_path_(config.db_path),
        table_name_(config.table.table_name),
        write_mode_(config.table.write_mode),
        primary_key_(config.table.primary_key),
        table_(QuoteIdentifier(table_name_, /*allow_schema=*/true)) {}

  Result<LoadResult> Load(TaskContext& context, Extractor& extractor) override {
    Result<LoadResult> result = LoadInto(context, extractor);
    if (!result.ok()) return result.status().WithContext("duckdb " + db_path_ + " " + table_name_);
    return result;
  }

 private:
  Result<LoadResult> LoadInto(TaskContext& context, Extractor& extractor) {
    ORC_ASSIGN_OR_RETURN(std::unique_ptr<DuckDbConnection> connection,
                         ConnectDestination(context, db_path_));
    DuckDbLedger ledger(*connection);
    ORC_RETURN_IF_ERROR(ledger.Create());
    ORC_RETURN_IF_ERROR(connection->TrackProgress());
    return InTransaction<LoadResult>(context, *connection, [&]() -> Result<LoadResult> {
      return LoadInTransaction(context, *connection, ledger, extractor);
    });
  }

  Result<LoadResult> LoadInTransaction(TaskContext& context, DuckDbConnection& connection,
                                       DuckDbLedger& ledger, Extractor& extractor) {
    ORC_ASSIGN_OR_RETURN(std::optional<LoadRecord> earlier, ledger.CommittedLoad(context));
    if (earlier) return AlreadyLoaded(context, *earlier);

    ORC_ASSIGN_OR_RETURN(Source source, extractor.Open(context, connection, ledger));
    if (const size_t dot = table_name_.find('.'); dot != std::string::npos) {
      ORC_RETURN_IF_ERROR(
          connection
              .Execute("CREATE SCHEMA IF NOT EXISTS " + QuoteIdentifier(table_name_.substr(0, dot)))
              .status());
    }
    ORC_ASSIGN_OR_RETURN(bool exists, TableExists(connection));
    context.progress->SetProbe([&connection] { return connection.Progress(); });
    struct ClearProbe {
      TaskProgress* progress;
      ~ClearProbe() { progress->SetProbe(nullptr); }
    } clear_probe{context.progress};
    Result<int64_t> rows = int64_t{0};
    if (source.empty) {
      // No records, so no columns either: replace empties an existing table, the others keep it.
      if (write_mode_ == "replace" && exists) rows = connection.Execute("DELETE FROM " + table_);
      if (rows.ok()) rows = int64_t{0};
    } else if (write_mode_ == "merge") {
      rows = Merge(context, connection, source, exists);
    } else if (write_mode_ == "replace" || !exists) {
      rows = connection.Execute("CREATE OR REPLACE TABLE " + table_ + " AS " + source.select_sql);
    } else {
      ORC_RETURN_IF_ERROR(Evolve(context, connection, source.select_sql));
      rows = connection.Execute("INSERT INTO " + table_ + " BY NAME " + source.select_sql);
    }
    if (!rows.ok()) return extractor.Explain(rows.status()).WithContext(source.description);
    ORC_RETURN_IF_ERROR(extractor.Finish(context, connection, *rows));
    ORC_RETURN_IF_ERROR(ledger.RecordLoad({.run_id = context.run_id,
                                           .task_id = context.task_id,
                                           .attempt = context.attempt,
                                           .target = table_name_,
                                           .write_mode = write_mode_,
                                           .rows_loaded = *rows,
                                           .cursor_value = source.cursor_value}));
    // Extractors that count while they read (an API, page by page) have counted already.
    if (context.progress->rows_extracted.load(std::memory_order_relaxed) == 0) {
      context.progress->rows_extracted.store(*rows, std::memory_order_relaxed);
    }
    context.progress->rows_loaded.fetch_add(*rows, std::memory_order_relaxed);
    if (context.progress->bytes_read.load(std::memory_order_relaxed) == 0) {
      context.progress->bytes_read.store(context.progress->bytes_to_read.load());
    }
    return LoadResult{.rows_loaded = *rows};
  }

  Result<bool> TableExists(DuckDbConnection& connection) {
    const size_t dot = table_name_.find('.');
    const std::string schema = dot == std::string::npos ? "main" : table_name_.substr(0, dot);
    const std::string table = dot == std::string::npos ? table_name_ : table_name_.substr(dot + 1);
    ORC_ASSIGN_OR_RETURN(
        DuckDbRows found,
        connection.Query("SELECT 1 FROM duckdb_tables() WHERE database_name = current_database() "
                         "AND lower(schema_name) = lower(" +
                         QuoteLiteral(schema) + ") AND lower(table_name) = lower(" +
                         QuoteLiteral(table) + ")"));
    return !found.rows.empty();
  }

  // Adds the source's new columns to the table; fails on a column whose types cannot be
  // reconciled, naming it and both types.
  Status Evolve(TaskContext& context, DuckDbConnection& connection, const std::string& source_sql) {
    ORC_ASSIGN_OR_RETURN(DuckDbRows source, connection.Query("DESCRIBE " + source_sql));
    ORC_ASSIGN_OR_RETURN(DuckDbRows table, connection.Query("DESCRIBE " + table_));
    std::map<std::string, std::string> table_types;  // lower-case name -> type
    for (const auto& row : table.rows) {
      std::string name = row[0].value_or("");
      std::transform(name.begin(), name.end(), name.begin(), ::tolower);
      table_types[name] = row[1].value_or("");
    }
    for (const auto& row : source.rows) {
      const std::string name = row[0].value_or("");
      const std::string type = row[1].value_or("");
      std::string key = name;
      std::transform(key.begin(), key.end(), key.begin(), ::tolower);
      const auto found = table_types.find(key);
      if (found == table_types.end()) {
        ORC_RETURN_IF_ERROR(connection
                                .Execute("ALTER TABLE " + table_ + " ADD COLUMN " +
                                         QuoteIdentifier(name) + " " + type)
                                .status());
        context.Log("info", "added column " + name + " " + type + " to " + table_name_);
      } else if (!Reconciles(type, found->second)) {
        return InvalidArgumentError("column " + name + " is " + found->second + " in table " +
                                    table_name_ + " but " + type +
                                    " in the source; the types cannot be reconciled");
      }
    }
    return Status::Ok();
  }

  // Upsert on primary_key (or else the source's key), the same into a new table as into an
  // existing one: each key of the source replaces the table's rows with that key, and among the
  // source's rows sharing a key the last one wins (the source's order: a file's lines, a glob's
  // files by name, an API's pages). A key with a NULL never matches (NULL = NULL is not true), so
  // every merge would add such a row again: the load fails instead, counting them.
  Result<int64_t> Merge(TaskContext& context, DuckDbConnection& connection, const Source& source,
                        bool exists) {
    const std::vector<std::string>& primary_key =
        primary_key_.empty() ? source.primary_key : primary_key_;
    if (primary_key.empty()) {
      return InvalidArgumentError(
          "write_mode merge needs the columns to match rows on: name them in primary_key, or read "
          "a source table that has a primary key");
    }
    // DuckDB keeps a scan's order when it fills a table, so the stage's rowid is the source order.
    ORC_RETURN_IF_ERROR(
        connection.Execute("CREATE OR REPLACE TEMP TABLE _orc_stage AS " + source.select_sql)
            .status());
    ORC_ASSIGN_OR_RETURN(DuckDbRows staged, connection.Query("DESCRIBE _orc_stage"));
    std::string match;
    std::string key;
    std::string null_key;
    for (const std::string& column : primary_key) {
      bool present = false;
      for (const auto& row : staged.rows) present = present || row[0] == column;
      if (!present) {
        return InvalidArgumentError("primary_key column " + column + " is not in the source");
      }
      const std::string quoted = QuoteIdentifier(column);
      match += (match.empty() ? "" : " AND ") + table_ + "." + quoted + " = _orc_stage." + quoted;
      key += (key.empty() ? "" : ", ") + quoted;
      null_key += (null_key.empty() ? "" : " OR ") + quoted + " IS NULL";
    }
    ORC_ASSIGN_OR_RETURN(DuckDbRows nulls,
                         connection.Query("SELECT count(*) FROM _orc_stage WHERE " + null_key));
    const std::string null_rows = nulls.rows.at(0).at(0).value_or("0");
    if (null_rows != "0") {
      return InvalidArgumentError(
          null_rows + (null_rows == "1" ? " row of the source has" : " rows of the source have") +
          " a NULL in the primary_key (" + JoinNames(primary_key) +
          "); merge matches rows on their key, so each row needs one: filter those rows out of "
          "the source, or load them with write_mode append");
    }
    if (exists) {
      ORC_RETURN_IF_ERROR(Evolve(context, connection, "SELECT * FROM _orc_stage"));
      ORC_RETURN_IF_ERROR(
          connection.Execute("DELETE FROM " + table_ + " USING _orc_stage WHERE " + match)
              .status());
    } else {
      ORC_RETURN_IF_ERROR(
          connection.Execute("CREATE TABLE " + table_ + " AS FROM _orc_stage LIMIT 0").status());
    }
    ORC_ASSIGN_OR_RETURN(int64_t rows,
                         connection.Execute("INSERT INTO " + table_ +
                                            " BY NAME SELECT * FROM _orc_stage QUALIFY "
                                            "row_number() OVER (PARTITION BY " +
                                            key + " ORDER BY rowid DESC) = 1"));
    ORC_RETURN_IF_ERROR(connection.Execute("DROP TABLE _orc_stage").status());
    return rows;
  }

  // Key columns as written: "a, b".
  static std::string JoinNames(const std::vector<std::string>& columns) {
    std::string names;
    for (const std::string& column : columns) names += (names.empty() ? "" : ", ") + column;
    return names;
  }

  std::string db_path_;
  std::string table_name_;
  std::string write_mode_;
  std::vector<std::string> primary_key_;
  std::string table_;  // quoted
};

}  // namespace

PluginSpec DuckDbLoaderSpec() { return SpecOf<DuckDbLoader>("duckdb", ReadDuckDbLoaderConfig); }

}  // namespace orc
