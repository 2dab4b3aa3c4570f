// postgres: rows into a PostgreSQL table, replace | append | merge, all or nothing.
//
// The source's rows are read from DuckDB chunk by chunk, encoded in PostgreSQL's binary COPY
// format and copied into a temporary staging table. Then, in the same transaction: an advisory
// lock on the target's name (concurrent loads into one table take turns), the target created or
// evolved, the rows moved from the stage (replace: TRUNCATE and INSERT; append: INSERT; merge:
// DELETE ... USING and INSERT of the last row per key), and the load's row in the destination's
// ledger (PostgresLedger). Readers see all of a load or none of it; a failed attempt leaves
// nothing behind, as the stage is a temporary table dropped with the transaction.
#include <duckdb.h>
#include <libpq-fe.h>

#include <map>

#include "engine/duckdb_raw.h"
#include "plugins/builtin_specs.h"
#include "plugins/loaders/postgres/copy_encoder.h"
#include "plugins/loaders/postgres/pg_session.h"
#include "plugins/loaders/postgres/postgres_ledger.h"
#include "plugins/loaders/postgres/schema_evolution.h"

namespace orc {
namespace {

// Bytes of COPY data gathered before they are sent: large enough for few calls, small enough to
// keep memory flat.
constexpr size_t kCopySendBytes = size_t{4} << 20;
// The stage's extra column: each row's place in the source.
constexpr const char* kRowColumn = "_orc_row_number";
constexpr const char* kStage = "_orc_stage";

struct PostgresLoaderConfig {
  std::string url;
  std::string table_name;  // table or schema.table
  std::string write_mode = "replace";
  std::vector<std::string> primary_key;

  std::vector<ConfigFile> Files() const { return {}; }
};

PostgresLoaderConfig ReadPostgresLoaderConfig(ConfigReader& in) {
  PostgresLoaderConfig config{
      .url = in.RequiredString("url", NotEmpty),
      .table_name = in.RequiredString("table_name", SqlTableName),
      .write_mode = in.OneOf("write_mode", {"replace", "append", "merge"}, "replace")};
  std::optional<std::vector<std::string>> key = in.StringList("primary_key", SqlIdentifier);
  if (key && key->empty()) in.Fail("primary_key", "must name at least one column");
  config.primary_key = key.value_or(std::vector<std::string>{});
  return config;
}

using ColumnTypes = std::map<std::string, std::string>;  // column name -> PostgreSQL type

struct PreparedDeleter {
  void operator()(_duckdb_prepared_statement* statement) const {
    duckdb_destroy_prepare(&statement);
  }
};
using Prepared = std::unique_ptr<_duckdb_prepared_statement, PreparedDeleter>;

Result<Prepared> Prepare(DuckDbConnection& connection, const std::string& sql) {
  duckdb_prepared_statement raw = nullptr;
  const duckdb_state state = duckdb_prepare(DuckDbRaw::Connection(connection), sql.c_str(), &raw);
  Prepared statement(raw);
  if (state != DuckDBSuccess) {
    const char* error = duckdb_prepare_error(raw);
    return InvalidArgumentError(error != nullptr ? error : "DuckDB could not prepare the source");
  }
  return statement;
}

class PostgresLoader final : public Loader {
 public:
  explicit PostgresLoader(const PostgresLoaderConfig& config)
      : config_(config), table_(PgQuoteIdentifier(config.table_name, /*allow_schema=*/true)) {
    if (const size_t dot = config.table_name.find('.'); dot != std::string::npos) {
      schema_ = config.table_name.substr(0, dot);
    }
  }

  Result<LoadResult> Load(TaskContext& context, Extractor& extractor) override {
    Result<LoadResult> result = LoadInto(context, extractor);
    if (!result.ok()) return result.status().WithContext("postgres " + config_.table_name);
    return result;
  }

 private:
  Result<LoadResult> LoadInto(TaskContext& context, Extractor& extractor) {
    ORC_ASSIGN_OR_RETURN(std::unique_ptr<PgSession> session,
                         PgSession::Connect(context, config_.url));
    ORC_ASSIGN_OR_RETURN(std::unique_ptr<DuckDbConnection> duckdb,
                         context.engine->Connect(":memory:"));
    Interrupter::Registration registration = context.interrupter->OnInterrupt([&session, &duckdb] {
      session->Cancel();
      duckdb->Interrupt();
    });
    PostgresLedger ledger(*session, schema_);
    ORC_RETURN_IF_ERROR(ledger.Create());
    ORC_ASSIGN_OR_RETURN(std::optional<LoadRecord> earlier, ledger.CommittedLoad(context));
    if (earlier) return AlreadyLoaded(context, *earlier);
    ORC_ASSIGN_OR_RETURN(Source source, extractor.Open(context, *duckdb, ledger));

    ORC_RETURN_IF_ERROR(session->Execute("BEGIN").status());
    Result<LoadResult> loaded =
        LoadInTransaction(context, *session, *duckdb, ledger, extractor, source);
    if (loaded.ok()) {
      Status committed = session->Execute("COMMIT").status();
      if (committed.ok()) return loaded;
      loaded = committed;
    }
    (void)session->Execute("ROLLBACK");
    if (context.interrupter->interrupted()) return context.interrupter->reason();
    return loaded;
  }

  Result<LoadResult> LoadInTransaction(TaskContext& context, PgSession& session,
                                       DuckDbConnection& duckdb, PostgresLedger& ledger,
                                       Extractor& extractor, const Source& source) {
    std::vector<PgColumn> columns;
    int64_t rows = 0;
    if (!source.empty) {
      Result<int64_t> staged = Stage(context, session, duckdb, source.select_sql, columns);
      if (!staged.ok()) {
        if (context.interrupter->interrupted()) return context.interrupter->reason();
        return extractor.Explain(staged.status()).WithContext(source.description);
      }
      rows = *staged;
      ORC_RETURN_IF_ERROR(extractor.Finish(context, duckdb, rows));
    }
    ORC_RETURN_IF_ERROR(session
                            .Execute("SELECT pg_advisory_xact_lock(hashtext($1))",
                                     {std::optional<std::string>("orc load " + table_)})
                            .status());
    // Checked again under the lock: an attempt that committed while this one staged wins.
    ORC_ASSIGN_OR_RETURN(std::optional<LoadRecord> earlier, ledger.CommittedLoad(context));
    if (earlier) return AlreadyLoaded(context, *earlier);

    ORC_ASSIGN_OR_RETURN(std::optional<ColumnTypes> table, TableColumns(session));
    if (source.empty) {
      // No records, so no columns either: replace empties an existing table, the others keep it.
      if (config_.write_mode == "replace" && table) {
        ORC_RETURN_IF_ERROR(session.Execute("TRUNCATE " + table_).status());
      }
    } else {
      const std::vector<std::string> key =
          config_.primary_key.empty() ? source.primary_key : config_.primary_key;
      if (config_.write_mode == "merge") ORC_RETURN_IF_ERROR(CheckKey(session, columns, key));
      if (!table) {
        ORC_RETURN_IF_ERROR(Create(session, columns, key));
      } else {
        ORC_RETURN_IF_ERROR(Evolve(context, session, columns, *table));
      }
      if (config_.write_mode == "merge") {
        ORC_ASSIGN_OR_RETURN(rows, Merge(session, columns, key));
      } else {
        if (config_.write_mode == "replace" && table) {
          ORC_RETURN_IF_ERROR(session.Execute("TRUNCATE " + table_).status());
        }
        const std::string names = ColumnList(columns);
        ORC_RETURN_IF_ERROR(session
                                .Execute("INSERT INTO " + table_ + " (" + names + ") SELECT " +
                                         names + " FROM " + kStage)
                                .status());
      }
    }
    ORC_RETURN_IF_ERROR(ledger.RecordLoad({.run_id = context.run_id,
                                           .task_id = context.task_id,
                                           .attempt = context.attempt,
                                           .target = config_.table_name,
                                           .write_mode = config_.write_mode,
                                           .rows_loaded = rows,
                                           .cursor_value = source.cursor_value}));
    if (context.progress->rows_extracted.load(std::memory_order_relaxed) == 0) {
      context.progress->rows_extracted.store(rows, std::memory_order_relaxed);
    }
    context.progress->rows_loaded.fetch_add(rows, std::memory_order_relaxed);
    return LoadResult{.rows_loaded = rows};
  }

  // Reads the source from DuckDB and copies it into the temporary stage; returns the rows copied.
  Result<int64_t> Stage(TaskContext& context, PgSession& session, DuckDbConnection& duckdb,
                        const std::string& source_sql, std::vector<PgColumn>& columns) {
    ORC_ASSIGN_OR_RETURN(Prepared statement, Prepare(duckdb, source_sql));
    ORC_ASSIGN_OR_RETURN(columns, PlanColumns(statement.get()));
    std::string select;
    bool cast = false;
    for (const PgColumn& column : columns) {
      const std::string quoted = QuoteIdentifier(column.name);
      select += (select.empty() ? "" : ", ");
      if (column.cast_to.empty()) {
        select += quoted;
      } else {
        select += "CAST(" + quoted + " AS " + column.cast_to + ") AS " + quoted;
        cast = true;
      }
    }
    if (cast) {
      ORC_ASSIGN_OR_RETURN(statement, Prepare(duckdb, "SELECT " + select + " FROM (" + source_sql +
                                                          ") AS _orc_source"));
    }
    std::string definition = std::string(kRowColumn) + " bigint";
    for (const PgColumn& column : columns) {
      definition += ", " + PgQuoteIdentifier(column.name) + " " + column.pg_type;
    }
    ORC_RETURN_IF_ERROR(session
                            .Execute(std::string("CREATE TEMP TABLE ") + kStage + " (" +
                                     definition + ") ON COMMIT DROP")
                            .status());

    duckdb_result result;
    if (duckdb_execute_prepared_streaming(statement.get(), &result) != DuckDBSuccess) {
      const std::string error = duckdb_result_error(&result) ? duckdb_result_error(&result) : "";
      duckdb_destroy_result(&result);
      return InvalidArgumentError(error);
    }
    struct DestroyResult {
      duckdb_result* result;
      ~DestroyResult() { duckdb_destroy_result(result); }
    } destroy_result{&result};

    ORC_RETURN_IF_ERROR(
        session.BeginCopy(std::string("COPY ") + kStage + " FROM STDIN (FORMAT binary)"));
    const CopyEncoder encoder(columns);
    CopyBuffer buffer;
    encoder.Header(buffer);
    int64_t row_number = 0;
    while (true) {
      if (context.interrupter->interrupted()) {
        session.AbortCopy("the task was interrupted");
        return context.interrupter->reason();
      }
      duckdb_data_chunk chunk = duckdb_fetch_chunk(result);
      if (chunk == nullptr) break;
      encoder.Rows(chunk, row_number, buffer);
      duckdb_destroy_data_chunk(&chunk);
      context.progress->rows_processed.store(row_number, std::memory_order_relaxed);
      if (buffer.size() >= kCopySendBytes) {
        ORC_RETURN_IF_ERROR(session.PutCopyData(buffer.data(), buffer.size()));
        buffer.Clear();
      }
    }
    if (const char* error = duckdb_result_error(&result)) {
      session.AbortCopy("the source failed");
      if (duckdb_result_error_type(&result) == DUCKDB_ERROR_INTERRUPT) return CancelledError(error);
      return InvalidArgumentError(error);
    }
    encoder.Trailer(buffer);
    ORC_RETURN_IF_ERROR(session.PutCopyData(buffer.data(), buffer.size()));
    return session.EndCopy();
  }

  // The target's columns (name -> type as format_type writes it), or nullopt when it does not
  // exist.
  Result<std::optional<ColumnTypes>> TableColumns(PgSession& session) {
    ORC_ASSIGN_OR_RETURN(std::optional<std::string> exists,
                         session.QueryValue("SELECT to_regclass($1)::oid::text", {table_}));
    if (!exists) return std::optional<ColumnTypes>();
    ORC_ASSIGN_OR_RETURN(PgResult found,
                         session.Execute("SELECT attname, format_type(atttypid, atttypmod) FROM "
                                         "pg_attribute WHERE attrelid = $1::oid AND attnum > 0 "
                                         "AND NOT attisdropped",
                                         {*exists}));
    ColumnTypes columns;
    for (int row = 0; row < PQntuples(found.get()); ++row) {
      columns[PQgetvalue(found.get(), row, 0)] = PQgetvalue(found.get(), row, 1);
    }
    return std::optional(std::move(columns));
  }

  Status Create(PgSession& session, const std::vector<PgColumn>& columns,
                const std::vector<std::string>& key) {
    if (!schema_.empty()) {
      ORC_ASSIGN_OR_RETURN(
          std::optional<std::string> found,
          session.QueryValue("SELECT 1 FROM pg_namespace WHERE nspname = $1", {schema_}));
      if (!found) {
        ORC_RETURN_IF_ERROR(
            session.Execute("CREATE SCHEMA " + PgQuoteIdentifier(schema_)).status());
      }
    }
    std::string definition;
    for (const PgColumn& column : columns) {
      definition +=
          (definition.empty() ? "" : ", ") + PgQuoteIdentifier(column.name) + " " + column.pg_type;
    }
    // A merge's table gets its key as primary key: the merge keeps it unique, and the index
    // serves the next merge's match.
    if (config_.write_mode == "merge") definition += ", PRIMARY KEY (" + KeyList(key) + ")";
    return session.Execute("CREATE TABLE " + table_ + " (" + definition + ")").status();
  }

  // Adds the source's new columns to the table and widens the types that need it; fails on a
  // column whose types cannot be reconciled, naming it and both types.
  Status Evolve(TaskContext& context, PgSession& session, const std::vector<PgColumn>& columns,
                const ColumnTypes& table) {
    for (const PgColumn& column : columns) {
      const std::string quoted = PgQuoteIdentifier(column.name);
      const auto found = table.find(column.name);
      if (found == table.end()) {
        ORC_RETURN_IF_ERROR(
            session
                .Execute("ALTER TABLE " + table_ + " ADD COLUMN " + quoted + " " + column.pg_type)
                .status());
        context.Log("info", "added column " + column.name + " " + column.pg_type + " to " +
                                config_.table_name);
        continue;
      }
      const TypeChange change = ReconcileTypes(column.pg_type, found->second);
      if (change.verdict == TypeChange::Verdict::kRefuse) {
        return InvalidArgumentError(
            "column " + column.name + " is " + found->second + " in table " + config_.table_name +
            " but " + column.pg_type +
            " in the source; PostgreSQL cannot widen the one to hold the other: change the "
            "table's column by hand, or cast the column in the source");
      }
      if (change.verdict == TypeChange::Verdict::kWiden) {
        ORC_RETURN_IF_ERROR(session
                                .Execute("ALTER TABLE " + table_ + " ALTER COLUMN " + quoted +
                                         " TYPE " + change.widened_type)
                                .status());
        context.Log("info", "widened column " + column.name + " of " + config_.table_name +
                                " from " + found->second + " to " + change.widened_type);
      }
    }
    return Status::Ok();
  }

  Status CheckKey(PgSession& session, const std::vector<PgColumn>& columns,
                  const std::vector<std::string>& key) {
    if (key.empty()) {
      return InvalidArgumentError(
          "write_mode merge needs a primary_key (the columns to match on), and the source offers "
          "none");
    }
    std::string null_key;
    for (const std::string& name : key) {
      bool present = false;
      for (const PgColumn& column : columns) present = present || column.name == name;
      if (!present)
        return InvalidArgumentError("primary_key column " + name + " is not in the source");
      null_key += (null_key.empty() ? "" : " OR ") + PgQuoteIdentifier(name) + " IS NULL";
    }
    ORC_ASSIGN_OR_RETURN(
        std::optional<std::string> nulls,
        session.QueryValue(std::string("SELECT count(*) FROM ") + kStage + " WHERE " + null_key));
    const std::string count = nulls.value_or("0");
    if (count == "0") return Status::Ok();
    return InvalidArgumentError(
        count + (count == "1" ? " row of the source has" : " rows of the source have") +
        " a NULL in the primary_key (" + KeyList(key, false) +
        "); merge matches rows on their key, so each row needs one: filter those rows out of the "
        "source, or load them with write_mode append");
  }

  // Upsert on `key`: each key of the source replaces the table's rows with that key, and among
  // the source's rows sharing a key the last one wins (the source's order). Returns the rows
  // inserted.
  Result<int64_t> Merge(PgSession& session, const std::vector<PgColumn>& columns,
                        const std::vector<std::string>& key) {
    std::string match;
    for (const std::string& name : key) {
      const std::string quoted = PgQuoteIdentifier(name);
      match +=
          (match.empty() ? "" : " AND ") + table_ + "." + quoted + " = " + kStage + "." + quoted;
    }
    ORC_RETURN_IF_ERROR(
        session.Execute("DELETE FROM " + table_ + " USING " + kStage + " WHERE " + match).status());
    const std::string names = ColumnList(columns);
    ORC_ASSIGN_OR_RETURN(
        PgResult inserted,
        session.Execute("INSERT INTO " + table_ + " (" + names + ") SELECT DISTINCT ON (" +
                        KeyList(key) + ") " + names + " FROM " + kStage + " ORDER BY " +
                        KeyList(key) + ", " + kRowColumn + " DESC"));
    return std::strtoll(PQcmdTuples(inserted.get()), nullptr, 10);
  }

  static std::string ColumnList(const std::vector<PgColumn>& columns) {
    std::string names;
    for (const PgColumn& column : columns) {
      names += (names.empty() ? "" : ", ") + PgQuoteIdentifier(column.name);
    }
    return names;
  }

  static std::string KeyList(const std::vector<std::string>& key, bool quoted = true) {
    std::string names;
    for (const std::string& name : key) {
      names += (names.empty() ? "" : ", ") + (quoted ? PgQuoteIdentifier(name) : name);
    }
    return names;
  }

  PostgresLoaderConfig config_;
  std::string table_;   // quoted
  std::string schema_;  // "" for an unqualified table_name
};

}  // namespace

PluginSpec PostgresLoaderSpec() {
  return SpecOf<PostgresLoader>("postgres", ReadPostgresLoaderConfig);
}

}  // namespace orc
