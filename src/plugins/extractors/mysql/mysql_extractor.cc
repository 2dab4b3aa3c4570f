// mysql: a table or a query of a MySQL or MariaDB server, full or incremental by a cursor column,
// optionally read in parallel ranges of an integer column.
//
// Open connects (through the database-host policy), starts a read-only transaction with a
// consistent snapshot, learns the columns from the query with LIMIT 0, and, when incremental,
// reads the cursor's upper bound in that snapshot: the load reads rows with
// last < cursor <= upper, and commits `upper`, so rows written meanwhile wait for the next run
// instead of being skipped. The rows themselves stream through a MySqlRowStream when the loader's
// statement reads the Source; a failure mid-stream fails that statement, so nothing is loaded.
#include <mysql.h>

#include "plugins/builtin_specs.h"
#include "plugins/databases/connection_url.h"
#include "plugins/extractors/mysql/mysql_config.h"
#include "plugins/extractors/mysql/mysql_connection.h"
#include "plugins/extractors/mysql/mysql_row_stream.h"
#include "plugins/extractors/mysql/mysql_types.h"

namespace orc {
namespace {

constexpr const char* kStartSnapshot = "START TRANSACTION WITH CONSISTENT SNAPSHOT, READ ONLY";

bool IsNumericType(enum_field_types type) {
  return IS_NUM(type) || type == MYSQL_TYPE_FLOAT || type == MYSQL_TYPE_DOUBLE ||
         type == MYSQL_TYPE_LONGLONG || type == MYSQL_TYPE_DECIMAL;
}

bool IsIntegerType(enum_field_types type) {
  return type == MYSQL_TYPE_TINY || type == MYSQL_TYPE_SHORT || type == MYSQL_TYPE_INT24 ||
         type == MYSQL_TYPE_LONG || type == MYSQL_TYPE_LONGLONG || type == MYSQL_TYPE_YEAR;
}

// A number as SQL text: digits with an optional sign, point and exponent, nothing else.
bool IsNumberText(const std::string& text) {
  size_t at = text.starts_with('-') || text.starts_with('+') ? 1 : 0;
  bool digits = false;
  while (at < text.size() && std::isdigit(static_cast<unsigned char>(text[at])))
    ++at, digits = true;
  if (at < text.size() && text[at] == '.') {
    ++at;
    while (at < text.size() && std::isdigit(static_cast<unsigned char>(text[at]))) {
      ++at, digits = true;
    }
  }
  if (digits && at < text.size() && (text[at] == 'e' || text[at] == 'E')) {
    ++at;
    if (at < text.size() && (text[at] == '-' || text[at] == '+')) ++at;
    const size_t exponent = at;
    while (at < text.size() && std::isdigit(static_cast<unsigned char>(text[at]))) ++at;
    if (at == exponent) return false;
  }
  return digits && at == text.size();
}

class MySqlExtractor final : public Extractor {
 public:
  explicit MySqlExtractor(MySqlConfig config) : config_(std::move(config)) {}

  Result<Source> Open(TaskContext& context, DuckDbConnection& connection,
                      Destination& destination) override {
    Source source{.description = "mysql " + Name()};
    Status opened = OpenSource(context, connection, destination, source);
    if (!opened.ok()) return opened.WithContext(source.description);
    return source;
  }

  Status Explain(Status error) const override {
    // The stream's own error (the server went away, a value that does not fit) is the cause; the
    // statement's message only says that the table function failed.
    // An interrupt shows as its reason (the task's timeout, a cancel), not as a broken read.
    if (interrupter_ != nullptr && interrupter_->interrupted()) return interrupter_->reason();
    if (registered_ && !registered_->error().ok()) return registered_->error();
    return error;
  }

 private:
  std::string Name() const {
    if (!config_.table) return "query";
    return config_.schema ? *config_.schema + "." + *config_.table : *config_.table;
  }

  // The table, or the query as a derived table, to select from.
  std::string From() const {
    if (!config_.table) {
      // A query as written in a file often ends with a semicolon, which a derived table cannot.
      std::string query = *config_.query;
      while (!query.empty() &&
             (query.back() == ';' || std::isspace(static_cast<unsigned char>(query.back())))) {
        query.pop_back();
      }
      return "(" + query + ") AS orc_query";
    }
    return (config_.schema ? QuoteMySqlName(*config_.schema) + "." : "") +
           QuoteMySqlName(*config_.table);
  }

  std::string SelectList() const {
    if (config_.columns.empty()) return "*";
    std::string list;
    for (const std::string& column : config_.columns) {
      list += (list.empty() ? "" : ", ") + QuoteMySqlName(column);
    }
    return list;
  }

  Status OpenSource(TaskContext& context, DuckDbConnection& duckdb, Destination& destination,
                    Source& source) {
    Result<ConnectionUrl> url = ParseConnectionUrl(config_.url, {"mysql", "mariadb"}, 3306);
    if (!url.ok()) return url.status().WithContext("url");
    source.description = "mysql " + url->Redacted() + " " + Name();
    // No parameter is read yet (TLS among them): refusing them beats ignoring, say, a ssl-mode.
    if (!url->params.empty()) {
      return InvalidArgumentError("url: parameter '" + url->params.front().first.substr(0, 64) +
                                  "' is not supported (the mysql extractor reads none)");
    }
    ORC_ASSIGN_OR_RETURN(std::string address,
                         ResolveDatabaseHost(url->host, url->port, context.network_policy));
    login_ = MySqlLogin{.address = address,
                        .port = url->port,
                        .user = url->user,
                        .password = url->password,
                        .database = url->database,
                        .connect_timeout_s = static_cast<int>(config_.connect_timeout_s),
                        .display = url->Redacted()};
    interrupter_ = context.interrupter;
    if (context.interrupter != nullptr) {
      // Built in place: a Registration cannot be moved.
      interrupt_.reset(new Interrupter::Registration(context.interrupter->OnInterrupt(
          [interrupts = interrupts_] { interrupts->InterruptAll(); })));
    }
    ORC_ASSIGN_OR_RETURN(std::unique_ptr<MySqlConnection> mysql,
                         MySqlConnection::Connect(login_, interrupts_.get()));
    ORC_RETURN_IF_ERROR(mysql->Execute(kStartSnapshot));

    ORC_ASSIGN_OR_RETURN(
        std::vector<MySqlColumn> columns,
        Columns(*mysql, "SELECT " + SelectList() + " FROM " + From() + " LIMIT 0"));
    if (config_.table) {
      ORC_ASSIGN_OR_RETURN(source.primary_key, PrimaryKey(*mysql, columns));
    }

    std::vector<std::string> where;
    bool no_rows = false;
    if (config_.incremental) {
      ORC_ASSIGN_OR_RETURN(no_rows, CursorRange(context, *mysql, destination, source, where));
    }
    std::vector<std::string> part_queries;
    if (!no_rows) {
      ORC_ASSIGN_OR_RETURN(part_queries, PartQueries(*mysql, where));
    }

    auto stream =
        std::make_shared<MySqlRowStream>(std::move(columns), std::move(part_queries), login_,
                                         interrupts_, std::move(mysql), context.progress);
    ORC_ASSIGN_OR_RETURN(RegisteredStream registered, RegisterRowStream(duckdb, stream));
    registered_ = std::move(registered);
    source.select_sql = registered_->select_sql();
    return Status::Ok();
  }

  // The columns of `sql`'s result (a LIMIT 0 query), mapped to DuckDB's types.
  Result<std::vector<MySqlColumn>> Columns(MySqlConnection& mysql, const std::string& sql) {
    ORC_ASSIGN_OR_RETURN(MYSQL_RES * result, mysql.Stream(sql));
    std::vector<MySqlColumn> columns;
    const unsigned int count = mysql_num_fields(result);
    MYSQL_FIELD* fields = mysql_fetch_fields(result);
    for (unsigned int i = 0; i < count; ++i) columns.push_back(MapMySqlField(fields[i]));
    mysql_free_result(result);
    return columns;
  }

  // The type of column `name` of the source (also checks that it exists).
  Result<enum_field_types> ColumnType(MySqlConnection& mysql, const std::string& name,
                                      const std::string& field) {
    Result<MYSQL_RES*> result =
        mysql.Stream("SELECT " + QuoteMySqlName(name) + " FROM " + From() + " LIMIT 0");
    if (!result.ok()) return result.status().WithContext(field + " " + name);
    const enum_field_types type = mysql_fetch_fields(*result)[0].type;
    mysql_free_result(*result);
    return type;
  }

  // The table's primary key, when every column of it is selected; else none.
  Result<std::vector<std::string>> PrimaryKey(MySqlConnection& mysql,
                                              const std::vector<MySqlColumn>& columns) {
    const std::string schema =
        config_.schema ? mysql.Literal(*config_.schema) : std::string("DATABASE()");
    ORC_ASSIGN_OR_RETURN(auto rows,
                         mysql.Query("SELECT COLUMN_NAME FROM information_schema.KEY_COLUMN_USAGE "
                                     "WHERE CONSTRAINT_NAME = 'PRIMARY' AND TABLE_SCHEMA = " +
                                     schema + " AND TABLE_NAME = " + mysql.Literal(*config_.table) +
                                     " ORDER BY ORDINAL_POSITION"));
    std::vector<std::string> key;
    for (const auto& row : rows) {
      if (!row[0]) continue;
      const bool selected = std::any_of(columns.begin(), columns.end(),
                                        [&](const MySqlColumn& c) { return c.name == *row[0]; });
      if (!selected) return std::vector<std::string>{};
      key.push_back(*row[0]);
    }
    return key;
  }

  // Adds the incremental range to `where` and sets the Source's cursor; true when there are no
  // new rows.
  Result<bool> CursorRange(TaskContext& context, MySqlConnection& mysql, Destination& destination,
                           Source& source, std::vector<std::string>& where) {
    const std::string& field = config_.incremental->cursor_field;
    ORC_ASSIGN_OR_RETURN(std::optional<std::string> last, destination.LastCursor(context));
    if (!last) last = config_.incremental->initial_value;
    ORC_ASSIGN_OR_RETURN(enum_field_types type,
                         ColumnType(mysql, field, "incremental.cursor_field"));
    // A number goes in as a number: MariaDB compares a number column with a string as DOUBLEs,
    // which loses BIGINT precision. Anything else is an escaped string literal.
    auto literal = [&](const std::string& value) -> Result<std::string> {
      if (!IsNumericType(type)) return mysql.Literal(value);
      if (!IsNumberText(value)) {
        return InvalidArgumentError("incremental: the cursor '" + value.substr(0, 64) +
                                    "' is not a number, but column " + field + " is numeric");
      }
      return value;
    };
    const std::string column = QuoteMySqlName(field);
    if (last) {
      ORC_ASSIGN_OR_RETURN(std::string last_literal, literal(*last));
      where.push_back(column + " > " + last_literal);
    }
    std::string upper_sql = "SELECT MAX(" + column + ") FROM " + From();
    if (!where.empty()) upper_sql += " WHERE " + where.back();
    ORC_ASSIGN_OR_RETURN(auto upper, mysql.Query(upper_sql));
    source.cursor_value = last;
    if (upper.empty() || !upper[0][0]) return true;
    ORC_ASSIGN_OR_RETURN(std::string upper_literal, literal(*upper[0][0]));
    where.push_back(column + " <= " + upper_literal);
    source.cursor_value = *upper[0][0];
    return false;
  }

  // One SELECT per part: the whole range, or `partition.parts` ranges of its column (rows where
  // it is NULL go with the first).
  Result<std::vector<std::string>> PartQueries(MySqlConnection& mysql,
                                               const std::vector<std::string>& where) {
    auto query = [&](std::vector<std::string> conditions) {
      std::string sql = "SELECT " + SelectList() + " FROM " + From();
      for (size_t i = 0; i < conditions.size(); ++i) {
        sql += (i == 0 ? " WHERE (" : " AND (") + conditions[i] + ")";
      }
      return sql;
    };
    if (!config_.partition || config_.partition->parts == 1) return std::vector{query(where)};
    const std::string& name = config_.partition->column;
    ORC_ASSIGN_OR_RETURN(enum_field_types type, ColumnType(mysql, name, "partition.column"));
    if (!IsIntegerType(type)) {
      return InvalidArgumentError("partition.column " + name + " must be an integer column");
    }
    const std::string column = QuoteMySqlName(name);
    std::string bounds_sql = "SELECT MIN(" + column + "), MAX(" + column + ") FROM " + From();
    for (size_t i = 0; i < where.size(); ++i) {
      bounds_sql += (i == 0 ? " WHERE (" : " AND (") + where[i] + ")";
    }
    ORC_ASSIGN_OR_RETURN(auto bounds, mysql.Query(bounds_sql));
    if (bounds.empty() || !bounds[0][0] || !bounds[0][1]) return std::vector{query(where)};
    // BIGINT UNSIGNED bounds past INT64_MAX do not parse: one part then.
    __int128 low = 0, high = 0;
    try {
      low = std::stoll(*bounds[0][0]);
      high = std::stoll(*bounds[0][1]);
    } catch (const std::exception&) {
      return std::vector{query(where)};
    }
    const __int128 parts = config_.partition->parts;
    std::vector<std::string> queries;
    for (__int128 part = 0; part < parts; ++part) {
      const __int128 from = low + (high - low + 1) * part / parts;
      const __int128 to = low + (high - low + 1) * (part + 1) / parts;  // exclusive
      if (from == to) continue;
      std::vector<std::string> conditions = where;
      std::string range = column + " >= " + std::to_string(static_cast<int64_t>(from)) + " AND " +
                          column + " <= " + std::to_string(static_cast<int64_t>(to - 1));
      if (queries.empty()) range = column + " IS NULL OR (" + range + ")";
      conditions.push_back(range);
      queries.push_back(query(conditions));
    }
    return queries;
  }

  MySqlConfig config_;
  MySqlLogin login_;
  // Shared with the stream's readers on DuckDB's threads and with the interrupt callback.
  std::shared_ptr<MySqlInterrupts> interrupts_ = std::make_shared<MySqlInterrupts>();
  Interrupter* interrupter_ = nullptr;  // the running task's, set by Open
  std::unique_ptr<Interrupter::Registration> interrupt_;
  std::optional<RegisteredStream> registered_;
};

}  // namespace

PluginSpec MySqlExtractorSpec() {
  PluginSpec spec = SpecOf<MySqlExtractor>("mysql", ReadMySqlConfig);
  spec.sql_fields = {"query"};
  return spec;
}

}  // namespace orc
