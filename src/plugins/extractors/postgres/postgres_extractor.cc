// postgres: a table or a query of a PostgreSQL database, streamed with binary COPY into DuckDB.
//
// Open() connects, starts a REPEATABLE READ READ ONLY transaction and, in its snapshot, learns
// the columns' types (a described SELECT and pg_type), the table's primary key, the incremental
// cursor's upper bound and the partition bounds. The rows are then read in that same snapshot by
// the statement of the loader (PostgresRowStream): the cursor committed with the load is exactly
// the highest value of the rows loaded.
#include <algorithm>
#include <map>
#include <set>

#include "plugins/builtin_specs.h"
#include "plugins/extractors/postgres/pg_binary.h"
#include "plugins/extractors/postgres/pg_connection.h"
#include "plugins/extractors/postgres/postgres_row_stream.h"
#include "plugins/extractors/postgres/postgres_source_config.h"

namespace orc {
namespace {

struct DescribedColumn {
  std::string name;
  uint32_t oid = 0;
  int32_t typmod = -1;
};

// The columns `sql` would return, without running it (PQprepare + PQdescribePrepared).
Result<std::vector<DescribedColumn>> Describe(PgConnection& connection, const std::string& sql) {
  PgResult prepared(PQprepare(connection.get(), "", sql.c_str(), 0, nullptr));
  if (!prepared || PQresultStatus(prepared.get()) != PGRES_COMMAND_OK) {
    return connection.ErrorOf(prepared.get());
  }
  PgResult described(PQdescribePrepared(connection.get(), ""));
  if (!described || PQresultStatus(described.get()) != PGRES_COMMAND_OK) {
    return connection.ErrorOf(described.get());
  }
  std::vector<DescribedColumn> columns;
  for (int i = 0; i < PQnfields(described.get()); ++i) {
    columns.push_back(
        {PQfname(described.get(), i), PQftype(described.get(), i), PQfmod(described.get(), i)});
  }
  return columns;
}

// pg_type's facts about each of `oids`.
Result<std::map<uint32_t, PgTypeInfo>> TypeInfo(PgConnection& connection,
                                                const std::set<uint32_t>& oids) {
  std::string list = "{";
  for (const uint32_t oid : oids) list += (list.size() > 1 ? "," : "") + std::to_string(oid);
  list += "}";
  ORC_ASSIGN_OR_RETURN(
      PgResult result,
      connection.Query("SELECT t.oid::int8, t.typtype, t.typcategory = 'A', t.typelem::int8, "
                       "coalesce(e.typtype, 'b') FROM pg_type t "
                       "LEFT JOIN pg_type e ON e.oid = t.typelem WHERE t.oid = ANY($1::oid[])",
                       {list}));
  std::map<uint32_t, PgTypeInfo> types;
  for (int row = 0; row < PQntuples(result.get()); ++row) {
    PgTypeInfo info{
        .oid = static_cast<uint32_t>(std::stoull(PQgetvalue(result.get(), row, 0))),
        .typtype = PQgetvalue(result.get(), row, 1)[0],
        .is_array = PQgetvalue(result.get(), row, 2)[0] == 't',
        .element_oid = static_cast<uint32_t>(std::stoull(PQgetvalue(result.get(), row, 3))),
        .element_typtype = PQgetvalue(result.get(), row, 4)[0]};
    types[info.oid] = info;
  }
  return types;
}

// `text` as a SQL string literal for the COPY statement, which takes no parameters.
std::string PgLiteral(PgConnection& connection, const std::string& text) {
  char* escaped = PQescapeLiteral(connection.get(), text.c_str(), text.size());
  if (escaped == nullptr) return "NULL";
  std::string literal = escaped;
  PQfreemem(escaped);
  return literal;
}

// A user's query without the semicolons and spaces that may end it, so it nests as a subquery.
std::string Trimmed(std::string query) {
  while (!query.empty() &&
         (std::isspace(static_cast<unsigned char>(query.back())) || query.back() == ';')) {
    query.pop_back();
  }
  return query;
}

class PostgresExtractor final : public Extractor {
 public:
  explicit PostgresExtractor(PostgresSourceConfig config) : config_(std::move(config)) {}

  ~PostgresExtractor() override {
    // The interrupt callback refers to the stream: it goes first, then the stream's
    // registration, then the connection the stream reads.
    interrupt_.reset();
    registered_.reset();
    stream_.reset();
  }

  Result<Source> Open(TaskContext& context, DuckDbConnection& connection,
                      Destination& destination) override {
    Source source{.description = "postgres " + (config_.table ? "table " + *config_.table
                                                              : std::string("query"))};
    Result<Source> opened = OpenSource(context, connection, destination, source);
    if (!opened.ok()) return opened.status().WithContext(source.description);
    return opened;
  }

  Status Explain(Status error) const override {
    if (registered_ && !registered_->error().ok()) return registered_->error();
    return error;
  }

 private:
  Result<Source> OpenSource(TaskContext& context, DuckDbConnection& duckdb,
                            Destination& destination, Source source) {
    Result<ConnectionUrl> url =
        ParseConnectionUrl(config_.url, {"postgres", "postgresql"}, /*default_port=*/5432);
    if (!url.ok()) return url.status();
    source.description += " on " + url->Redacted();
    ORC_ASSIGN_OR_RETURN(connection_, PgConnection::Connect(*url, context.network_policy));
    PgConnection& pg = *connection_;
    ORC_RETURN_IF_ERROR(pg.Execute("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY").status());

    const std::string from =
        config_.table ? QuotePgTableName(*config_.table) : "(" + Trimmed(*config_.query) + ") AS q";
    std::string select_list = "*";
    if (!config_.columns.empty()) {
      select_list.clear();
      for (const std::string& column : config_.columns) {
        select_list += (select_list.empty() ? "" : ", ") + QuotePgIdentifier(column);
      }
    }
    ORC_ASSIGN_OR_RETURN(std::vector<DescribedColumn> described,
                         Describe(pg, "SELECT " + select_list + " FROM " + from));
    if (described.empty()) return InvalidArgumentError("the source has no columns");
    std::set<uint32_t> oids;
    std::set<std::string> names;
    for (const DescribedColumn& column : described) {
      oids.insert(column.oid);
      if (!names.insert(column.name).second) {
        return InvalidArgumentError("the source has two columns named " + column.name +
                                    "; give them distinct names in the query");
      }
    }
    ORC_ASSIGN_OR_RETURN(auto types, TypeInfo(pg, oids));
    PostgresReadPlan plan{.url = *url, .network_policy = context.network_policy};
    std::string expressions;
    for (const DescribedColumn& column : described) {
      PgTypeInfo info = types[column.oid];
      info.oid = column.oid;
      info.typmod = column.typmod;
      plan.columns.push_back(PlanColumn(column.name, info));
      const std::string quoted = QuotePgIdentifier(column.name);
      expressions += (expressions.empty() ? "" : ", ") +
                     (plan.columns.back().as_text ? quoted + "::text AS " + quoted : quoted);
    }
    if (config_.table) {
      ORC_ASSIGN_OR_RETURN(source.primary_key, PrimaryKey(pg, names));
    }

    std::vector<std::string> filters;
    bool no_rows = false;
    if (config_.incremental) {
      ORC_ASSIGN_OR_RETURN(no_rows, CursorBounds(context, pg, from, destination, source, filters));
    }
    std::vector<std::string> part_filters = {""};
    if (config_.partition && config_.partition->parts > 1 && !no_rows) {
      ORC_ASSIGN_OR_RETURN(part_filters, PartFilters(pg, from, filters));
      if (part_filters.size() > 1) {
        ORC_ASSIGN_OR_RETURN(PgResult snapshot, pg.Execute("SELECT pg_export_snapshot()"));
        plan.snapshot = PQgetvalue(snapshot.get(), 0, 0);
      }
    }
    if (!no_rows) {
      for (const std::string& part : part_filters) {
        std::vector<std::string> all = filters;
        if (!part.empty()) all.push_back(part);
        std::string where;
        for (const std::string& filter : all)
          where += (where.empty() ? " WHERE " : " AND ") + filter;
        plan.copy_sql.push_back("COPY (SELECT " + expressions + " FROM " + from + where +
                                ") TO STDOUT (FORMAT binary)");
      }
    }
    stream_ =
        std::make_shared<PostgresRowStream>(std::move(plan), connection_.get(), context.progress);
    ORC_ASSIGN_OR_RETURN(RegisteredStream registered, RegisterRowStream(duckdb, stream_));
    registered_ = std::make_unique<RegisteredStream>(std::move(registered));
    if (context.interrupter != nullptr) {
      interrupt_ = std::make_unique<CancelOnInterrupt>(*context.interrupter, stream_);
    }
    source.select_sql = registered_->select_sql();
    return source;
  }

  // The table's primary key (pg_index), when every column of it is read; else none.
  Result<std::vector<std::string>> PrimaryKey(PgConnection& pg,
                                              const std::set<std::string>& names) {
    ORC_ASSIGN_OR_RETURN(
        PgResult result,
        pg.Query("SELECT a.attname FROM pg_index i JOIN pg_attribute a ON a.attrelid = "
                 "i.indrelid AND a.attnum = ANY(i.indkey) WHERE i.indrelid = $1::regclass AND "
                 "i.indisprimary ORDER BY array_position(i.indkey::int2[], a.attnum)",
                 {QuotePgTableName(*config_.table)}));
    std::vector<std::string> key;
    for (int row = 0; row < PQntuples(result.get()); ++row) {
      key.push_back(PQgetvalue(result.get(), row, 0));
      if (!names.contains(key.back())) return std::vector<std::string>();
    }
    return key;
  }

  // The incremental filters: rows after the last cursor (the destination's, else initial_value)
  // up to the highest value now, read first in the snapshot. True when there are no new rows.
  Result<bool> CursorBounds(TaskContext& context, PgConnection& pg, const std::string& from,
                            Destination& destination, Source& source,
                            std::vector<std::string>& filters) {
    const std::string cursor = QuotePgIdentifier(config_.incremental->cursor_field);
    ORC_ASSIGN_OR_RETURN(std::optional<std::string> last, destination.LastCursor(context));
    if (!last) last = config_.incremental->initial_value;
    std::string sql = "SELECT max(" + cursor + ")::text FROM " + from;
    std::vector<std::optional<std::string>> params;
    if (last) {
      sql += " WHERE " + cursor + " > $1";
      params.push_back(*last);
    }
    ORC_ASSIGN_OR_RETURN(PgResult upper, pg.Query(sql, params));
    if (PQgetisnull(upper.get(), 0, 0)) {
      source.cursor_value = last;
      context.Log("info", "no rows after cursor " + last.value_or("(none)"));
      return true;
    }
    const std::string upper_value = PQgetvalue(upper.get(), 0, 0);
    if (last) filters.push_back(cursor + " > " + PgLiteral(pg, *last));
    filters.push_back(cursor + " <= " + PgLiteral(pg, upper_value));
    source.cursor_value = upper_value;
    return false;
  }

  // One filter per part: ranges of the partition column between its min and max in the
  // snapshot, split evenly by value. NULLs go to the first part, values past the bounds to the
  // first and last, so every row is read once whatever the bounds.
  Result<std::vector<std::string>> PartFilters(PgConnection& pg, const std::string& from,
                                               const std::vector<std::string>& filters) {
    const std::string column = QuotePgIdentifier(config_.partition->column);
    const int parts = config_.partition->parts;
    ORC_ASSIGN_OR_RETURN(std::vector<DescribedColumn> described,
                         Describe(pg, "SELECT " + column + " FROM " + from));
    const uint32_t oid = described.at(0).oid;
    std::string bound;  // bound i of n from lo and hi
    switch (oid) {
      case 20:
      case 21:
      case 23:  // integers
        bound = "floor(lo::numeric + (hi::numeric - lo::numeric) * i / n)";
        break;
      case 1700:
      case 700:
      case 701:  // numeric, floats
        bound = "lo::numeric + (hi::numeric - lo::numeric) * i / n";
        break;
      case 1082:  // date
        bound = "lo + ((hi - lo) * i / n)::int";
        break;
      case 1114:
      case 1184:  // timestamp, timestamptz
        bound = "lo + (hi - lo) * (i::float8 / n)";
        break;
      default:
        return InvalidArgumentError("partition.column " + config_.partition->column +
                                    " must be a number, date or timestamp column");
    }
    std::string where;
    for (const std::string& filter : filters)
      where += (where.empty() ? " WHERE " : " AND ") + filter;
    const std::string type = oid == 1082   ? "date"
                             : oid == 1114 ? "timestamp"
                             : oid == 1184 ? "timestamptz"
                                           : "numeric";
    ORC_ASSIGN_OR_RETURN(
        PgResult bounds,
        pg.Query("SELECT (" + bound + ")::" + type + "::text FROM (SELECT min(" + column +
                     ") AS lo, max(" + column + ") AS hi, $1::int AS n FROM " + from + where +
                     ") m, generate_series(1, $1::int - 1) AS i ORDER BY i",
                 {std::to_string(parts)}));
    std::vector<std::string> values;
    for (int row = 0; row < PQntuples(bounds.get()); ++row) {
      if (PQgetisnull(bounds.get(), row, 0)) return std::vector<std::string>{""};
      values.push_back(PgLiteral(pg, PQgetvalue(bounds.get(), row, 0)));
    }
    std::vector<std::string> part_filters;
    for (size_t i = 0; i <= values.size(); ++i) {
      if (i == 0) {
        part_filters.push_back("(" + column + " < " + values[0] + " OR " + column + " IS NULL)");
      } else if (i == values.size()) {
        part_filters.push_back(column + " >= " + values[i - 1]);
      } else {
        part_filters.push_back(column + " >= " + values[i - 1] + " AND " + column + " < " +
                               values[i]);
      }
    }
    return part_filters;
  }

  PostgresSourceConfig config_;
  // Destroyed in this order (see the destructor): the stream reads on connection_.
  std::unique_ptr<PgConnection> connection_;
  std::shared_ptr<PostgresRowStream> stream_;  // shared with the registration and the callback
  std::unique_ptr<RegisteredStream> registered_;
  // Cancels the stream's running COPYs when the task is interrupted, while it lives.
  struct CancelOnInterrupt {
    CancelOnInterrupt(Interrupter& interrupter, std::shared_ptr<PostgresRowStream> stream)
        : registration(interrupter.OnInterrupt([stream] { stream->Cancel(); })) {}
    Interrupter::Registration registration;
  };
  std::unique_ptr<CancelOnInterrupt> interrupt_;
};

}  // namespace

PluginSpec PostgresExtractorSpec() {
  PluginSpec spec = SpecOf<PostgresExtractor>("postgres", ReadPostgresSourceConfig);
  spec.sql_fields = {"query"};
  return spec;
}

}  // namespace orc
