// postgres: rows into a PostgreSQL table, replace | append | merge, all or nothing.
//
// The source's rows are read from DuckDB chunk by chunk and encoded in PostgreSQL's binary COPY
// format, inside one transaction that also holds an advisory lock on the target's name (concurrent
// loads into one table take turns) and the load's row in the destination's ledger
// (PostgresLedger). replace and append COPY straight into the target, created or evolved first
// from the source's columns (replace: TRUNCATE then COPY ... FREEZE); merge COPYs into a temporary
// stage, then DELETE ... USING and INSERT of the last row per key. Readers see all of a load or
// none of it; a failed attempt leaves nothing behind, as everything it did rolls back.
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

// Bytes of COPY data gathered before they are sent. The send blocks while the server reads, so a
// piece much larger than the socket's buffers leaves orc idle meanwhile and the server idle while
// orc encodes the next one; 1 MiB keeps both busy with few calls.
constexpr size_t kCopySendBytes = size_t{1} << 20;
// The stage's extra column: each row's place in the source.
constexpr const char* kRowColumn = "_orc_row_number";
constexpr const char* kStage = "_orc_stage";

struct PostgresLoaderConfig {
  std::string url;
  TableWrite table;

  std::vector<ConfigFile> Files() const { return {}; }
};

PostgresLoaderConfig ReadPostgresLoaderConfig(ConfigReader& in) {
  return {.url = in.RequiredString("url", NotEmpty), .table = ReadTableWrite(in)};
}

using ColumnTypes = std::map<std::string, std::string>;  // column name -> PostgreSQL type

struct PreparedDeleter {
  void operator()(_duckdb_prepared_statement* statement) const {
    duckdb_destroy_prepare(&statement);
  }
};
using Prepared = std::unique_ptr<_duckdb_prepared_statement, PreparedDeleter>;

// A prepared source and the PostgreSQL columns its rows become.
struct SourceStatement {
  Prepared statement;
  std::vector<PgColumn> columns;
};

// What a load wrote into the target: its rows, or nothing because an earlier attempt of the task
// committed the load while this one waited for the target's lock (that one wins).
struct Written {
  int64_t rows = 0;
  std::optional<LoadRecord> earlier;
};

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
      : config_(config), table_(PgQuoteIdentifier(config.table.table_name, /*allow_schema=*/true)) {
    if (const size_t dot = config.table.table_name.find('.'); dot != std::string::npos) {
      schema_ = config.table.table_name.substr(0, dot);
    }
  }

  Result<LoadResult> Load(TaskContext& context, Extractor& extractor) override {
    Result<LoadResult> result = LoadInto(context, extractor);
    if (!result.ok()) return result.status().WithContext("postgres " + config_.table.table_name);
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
    int64_t rows = 0;
    if (source.empty) {
      ORC_ASSIGN_OR_RETURN(std::optional<LoadRecord> earlier, LockTarget(context, session, ledger));
      if (earlier) return AlreadyLoaded(context, *earlier);
      ORC_ASSIGN_OR_RETURN(std::optional<ColumnTypes> table, TableColumns(session));
      // No records, so no columns either: replace empties an existing table, the others keep it.
      if (config_.table.write_mode == "replace" && table) {
        ORC_RETURN_IF_ERROR(session.Execute("TRUNCATE " + table_).status());
      }
    } else {
      Result<SourceStatement> planned = PlanSource(duckdb, source.select_sql);
      if (!planned.ok()) {
        return extractor.Explain(planned.status()).WithContext(source.description);
      }
      const std::vector<std::string> key =
          config_.table.primary_key.empty() ? source.primary_key : config_.table.primary_key;
      ORC_ASSIGN_OR_RETURN(
          Written written,
          config_.table.write_mode == "merge"
              ? StageAndMerge(context, session, duckdb, ledger, extractor, source, *planned, key)
              : CopyIntoTarget(context, session, duckdb, ledger, extractor, source, *planned, key));
      if (written.earlier) return AlreadyLoaded(context, *written.earlier);
      rows = written.rows;
    }
    ORC_RETURN_IF_ERROR(ledger.RecordLoad({.run_id = context.run_id,
                                           .task_id = context.task_id,
                                           .attempt = context.attempt,
                                           .target = config_.table.table_name,
                                           .write_mode = config_.table.write_mode,
                                           .rows_loaded = rows,
                                           .cursor_value = source.cursor_value}));
    if (context.progress->rows_extracted.load(std::memory_order_relaxed) == 0) {
      context.progress->rows_extracted.store(rows, std::memory_order_relaxed);
    }
    context.progress->rows_loaded.fetch_add(rows, std::memory_order_relaxed);
    return LoadResult{.rows_loaded = rows};
  }

  // Takes the lock on the target's name (concurrent loads into one table take turns) and returns
  // the load an earlier attempt committed meanwhile, if any: that one wins.
  Result<std::optional<LoadRecord>> LockTarget(TaskContext& context, PgSession& session,
                                               PostgresLedger& ledger) {
    ORC_RETURN_IF_ERROR(session
                            .Execute("SELECT pg_advisory_xact_lock(hashtext($1))",
                                     {std::optional<std::string>("orc load " + table_)})
                            .status());
    return ledger.CommittedLoad(context);
  }

  // replace and append: the rows go straight into the target, in the load's transaction, so they
  // are written once. The target is created or evolved from the source's columns first; replace
  // truncates it, which holds an ACCESS EXCLUSIVE lock until the commit (readers wait, then see the
  // new rows), and lets the COPY write the rows frozen.
  Result<Written> CopyIntoTarget(TaskContext& context, PgSession& session, DuckDbConnection& duckdb,
                                 PostgresLedger& ledger, Extractor& extractor, const Source& source,
                                 SourceStatement& planned, const std::vector<std::string>& key) {
    ORC_ASSIGN_OR_RETURN(std::optional<LoadRecord> earlier, LockTarget(context, session, ledger));
    if (earlier) return Written{.earlier = std::move(earlier)};
    ORC_ASSIGN_OR_RETURN(std::optional<ColumnTypes> table, TableColumns(session));
    bool same_types = true;
    if (!table) {
      ORC_RETURN_IF_ERROR(Create(session, planned.columns, key));
    } else {
      ORC_ASSIGN_OR_RETURN(const ColumnTypes evolved,
                           Evolve(context, session, planned.columns, *table));
      for (const PgColumn& column : planned.columns) {
        same_types = same_types && evolved.at(column.name) == column.pg_type;
      }
    }
    // A table created or truncated in this transaction is invisible to everyone else until the
    // commit, so its rows can be written frozen (no later pass to set hint bits or freeze them).
    bool freeze = !table;
    if (config_.table.write_mode == "replace" && table) {
      ORC_RETURN_IF_ERROR(session.Execute("TRUNCATE " + table_).status());
      // PostgreSQL refuses FREEZE for a partitioned table (and a foreign one).
      ORC_ASSIGN_OR_RETURN(std::optional<std::string> plain,
                           session.QueryValue("SELECT relkind = 'r' FROM pg_class WHERE oid = "
                                              "to_regclass($1)",
                                              {table_}));
      freeze = plain == "t";
    }
    const std::string names = ColumnList(planned.columns);
    if (!same_types) {
      // The binary form is the column's exact type: a column whose type only holds the source's
      // (an int4 source into an int8 column) goes through the stage, and INSERT converts it.
      ORC_ASSIGN_OR_RETURN(const int64_t staged,
                           Stage(context, session, duckdb, extractor, source, planned));
      ORC_RETURN_IF_ERROR(session
                              .Execute("INSERT INTO " + table_ + " (" + names + ") SELECT " +
                                       names + " FROM " + kStage)
                              .status());
      return Written{.rows = staged};
    }
    const std::string copy = "COPY " + table_ + " (" + names + ") FROM STDIN (FORMAT binary" +
                             (freeze ? ", FREEZE" : "") + ")";
    Result<int64_t> copied = CopyRows(context, session, planned, copy, RowNumber::kOmit);
    if (!copied.ok()) return ExplainCopyError(context, extractor, source, copied.status());
    ORC_RETURN_IF_ERROR(extractor.Finish(context, duckdb, *copied));
    return Written{.rows = *copied};
  }

  // Copies the source into the temporary stage, each row numbered in the source's order; returns
  // the rows copied.
  Result<int64_t> Stage(TaskContext& context, PgSession& session, DuckDbConnection& duckdb,
                        Extractor& extractor, const Source& source, SourceStatement& planned) {
    std::string definition = std::string(kRowColumn) + " bigint";
    for (const PgColumn& column : planned.columns) {
      definition += ", " + PgQuoteIdentifier(column.name) + " " + column.pg_type;
    }
    ORC_RETURN_IF_ERROR(session
                            .Execute(std::string("CREATE TEMP TABLE ") + kStage + " (" +
                                     definition + ") ON COMMIT DROP")
                            .status());
    Result<int64_t> staged =
        CopyRows(context, session, planned,
                 std::string("COPY ") + kStage + " FROM STDIN (FORMAT binary)", RowNumber::kWrite);
    if (!staged.ok()) return ExplainCopyError(context, extractor, source, staged.status());
    ORC_RETURN_IF_ERROR(extractor.Finish(context, duckdb, *staged));
    return *staged;
  }

  // merge: the rows are copied into a temporary stage first (numbered in the source's order), then
  // matched against the target; the rows written are the ones inserted.
  Result<Written> StageAndMerge(TaskContext& context, PgSession& session, DuckDbConnection& duckdb,
                                PostgresLedger& ledger, Extractor& extractor, const Source& source,
                                SourceStatement& planned, const std::vector<std::string>& key) {
    ORC_RETURN_IF_ERROR(Stage(context, session, duckdb, extractor, source, planned).status());
    // Locked after staging, so that concurrent merges into one table stage side by side.
    ORC_ASSIGN_OR_RETURN(std::optional<LoadRecord> earlier, LockTarget(context, session, ledger));
    if (earlier) return Written{.earlier = std::move(earlier)};
    ORC_ASSIGN_OR_RETURN(std::optional<ColumnTypes> table, TableColumns(session));
    ORC_RETURN_IF_ERROR(CheckKey(session, planned.columns, key));
    if (!table) {
      ORC_RETURN_IF_ERROR(Create(session, planned.columns, key));
    } else {
      ORC_RETURN_IF_ERROR(Evolve(context, session, planned.columns, *table).status());
    }
    ORC_ASSIGN_OR_RETURN(const int64_t inserted, Merge(session, planned.columns, key));
    return Written{.rows = inserted};
  }

  Status ExplainCopyError(TaskContext& context, Extractor& extractor, const Source& source,
                          const Status& error) {
    if (context.interrupter->interrupted()) return context.interrupter->reason();
    return extractor.Explain(error).WithContext(source.description);
  }

  // The source's statement, cast where a column needs it, and its columns as PostgreSQL sees
  // them; known before a row is read, so the target can be made ready first.
  Result<SourceStatement> PlanSource(DuckDbConnection& duckdb, const std::string& source_sql) {
    ORC_ASSIGN_OR_RETURN(Prepared statement, Prepare(duckdb, source_sql));
    ORC_ASSIGN_OR_RETURN(std::vector<PgColumn> columns, PlanColumns(statement.get()));
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
    return SourceStatement{std::move(statement), std::move(columns)};
  }

  // Streams the source's rows from DuckDB through `copy_sql` (a COPY ... FROM STDIN in binary);
  // returns the rows copied.
  Result<int64_t> CopyRows(TaskContext& context, PgSession& session, SourceStatement& planned,
                           const std::string& copy_sql, RowNumber row_number) {
    duckdb_result result;
    if (duckdb_execute_prepared_streaming(planned.statement.get(), &result) != DuckDBSuccess) {
      const std::string error = duckdb_result_error(&result) ? duckdb_result_error(&result) : "";
      duckdb_destroy_result(&result);
      return InvalidArgumentError(error);
    }
    struct DestroyResult {
      duckdb_result* result;
      ~DestroyResult() { duckdb_destroy_result(result); }
    } destroy_result{&result};

    ORC_RETURN_IF_ERROR(session.BeginCopy(copy_sql));
    const CopyEncoder encoder(planned.columns, row_number);
    CopyBuffer buffer;
    encoder.Header(buffer);
    int64_t rows = 0;
    while (true) {
      if (context.interrupter->interrupted()) {
        session.AbortCopy("the task was interrupted");
        return context.interrupter->reason();
      }
      duckdb_data_chunk chunk = duckdb_fetch_chunk(result);
      if (chunk == nullptr) break;
      encoder.Rows(chunk, rows, buffer);
      duckdb_destroy_data_chunk(&chunk);
      context.progress->rows_processed.store(rows, std::memory_order_relaxed);
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
    if (config_.table.write_mode == "merge") definition += ", PRIMARY KEY (" + KeyList(key) + ")";
    return session.Execute("CREATE TABLE " + table_ + " (" + definition + ")").status();
  }

  // Adds the source's new columns to the table and widens the types that need it; fails on a
  // column whose types cannot be reconciled, naming it and both types. Returns the table's
  // columns as they are then.
  Result<ColumnTypes> Evolve(TaskContext& context, PgSession& session,
                             const std::vector<PgColumn>& columns, ColumnTypes table) {
    for (const PgColumn& column : columns) {
      const std::string quoted = PgQuoteIdentifier(column.name);
      const auto found = table.find(column.name);
      if (found == table.end()) {
        ORC_RETURN_IF_ERROR(
            session
                .Execute("ALTER TABLE " + table_ + " ADD COLUMN " + quoted + " " + column.pg_type)
                .status());
        context.Log("info", "added column " + column.name + " " + column.pg_type + " to " +
                                config_.table.table_name);
        table[column.name] = column.pg_type;
        continue;
      }
      const TypeChange change = ReconcileTypes(column.pg_type, found->second);
      if (change.verdict == TypeChange::Verdict::kRefuse) {
        return InvalidArgumentError(
            "column " + column.name + " is " + found->second + " in table " +
            config_.table.table_name + " but " + column.pg_type +
            " in the source; PostgreSQL cannot widen the one to hold the other: change the "
            "table's column by hand, or cast the column in the source");
      }
      if (change.verdict == TypeChange::Verdict::kWiden) {
        ORC_RETURN_IF_ERROR(session
                                .Execute("ALTER TABLE " + table_ + " ALTER COLUMN " + quoted +
                                         " TYPE " + change.widened_type)
                                .status());
        context.Log("info", "widened column " + column.name + " of " + config_.table.table_name +
                                " from " + found->second + " to " + change.widened_type);
        found->second = change.widened_type;
      }
    }
    return table;
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
