// sqlite: rows of a table (or a query) in a SQLite database file, read with the system SQLite
// library and streamed into DuckDB (sqlite_stream.h), typed from the declared column types
// (sqlite_types.h). Full or incremental by a cursor column, optionally read in parallel parts over
// ranges of an integer column. docs/plugins.md documents the options and the type mapping.
//
// One read transaction per database: the incremental cursor's upper bound, the partition ranges
// and the rows of a one-part read all come from one snapshot of the file, so a row committed while
// the task runs is either read with its cursor or left for the next run. A partitioned read opens
// one database per part, each beginning its transaction in Open; rows are bounded by the cursor
// and the ranges read in Open, but parts may see a writer's commit that lands between them.
#include <charconv>
#include <cstdio>

#include "common/path_policy.h"
#include "plugins/builtin_specs.h"
#include "plugins/extractors/sqlite/sqlite_stream.h"

namespace orc {
namespace {

constexpr int64_t kMaxParts = 64;
constexpr size_t kMaxNameBytes = 1024;

struct SqliteIncremental {
  std::string cursor_field;
  std::optional<std::string> initial_value;
};

struct SqlitePartition {
  std::string column;
  int64_t parts = 1;
};

struct SqliteConfig {
  std::string path;
  std::optional<std::string> table;  // "t" or "main.t"
  std::optional<std::string> query;  // one read-only statement
  std::optional<std::vector<std::string>> columns;
  std::optional<SqliteIncremental> incremental;
  std::optional<SqlitePartition> partition;

  std::vector<ConfigFile> Files() const { return {{"path", path, ConfigFile::Use::kRead}}; }
};

// Names are quoted wherever they go into SQL; control characters are refused so that a name reads
// the same in every message.
Status SqliteName(const std::string& name) {
  if (name.empty() || name.size() > kMaxNameBytes) {
    return InvalidArgumentError("must be a name of 1 to 1024 bytes");
  }
  for (unsigned char c : name) {
    if (c < 0x20 || c == 0x7f) return InvalidArgumentError("must not hold control characters");
  }
  return Status::Ok();
}

SqliteConfig ReadSqliteConfig(ConfigReader& in) {
  SqliteConfig config{.path = in.RequiredString("path", NotEmpty),
                      .table = in.OptionalString("table", SqliteName),
                      .query = in.OptionalString("query", NotEmpty),
                      .columns = in.StringList("columns", SqliteName)};
  if (config.table.has_value() == config.query.has_value()) {
    in.Fail("table", "exactly one of table (a table's name) and query (a SELECT) is required");
  }
  if (config.columns && (config.query || config.columns->empty())) {
    in.Fail("columns", config.query ? "goes with table; a query selects its own columns"
                                    : "must name at least one column");
  }
  if (std::optional<ConfigReader> incremental = in.Object("incremental")) {
    config.incremental =
        SqliteIncremental{.cursor_field = incremental->RequiredString("cursor_field", SqliteName),
                          .initial_value = incremental->OptionalScalar("initial_value")};
  }
  if (std::optional<ConfigReader> partition = in.Object("partition")) {
    config.partition = SqlitePartition{.column = partition->RequiredString("column", SqliteName),
                                       .parts = partition->Integer("parts", 1, kMaxParts, 4)};
  }
  return config;
}

// A value read from SQLite or bound into a statement: the cursor's bounds, a partition's limits.
struct SqliteValue {
  int type = SQLITE_NULL;
  int64_t integer = 0;
  double real = 0;
  std::string text;

  static SqliteValue Of(sqlite3_stmt* statement, int column) {
    SqliteValue value{.type = sqlite3_column_type(statement, column)};
    if (value.type == SQLITE_INTEGER) value.integer = sqlite3_column_int64(statement, column);
    if (value.type == SQLITE_FLOAT) value.real = sqlite3_column_double(statement, column);
    if (value.type == SQLITE_TEXT || value.type == SQLITE_BLOB) {
      const auto* bytes = static_cast<const char*>(sqlite3_column_blob(statement, column));
      value.text.assign(bytes, static_cast<size_t>(sqlite3_column_bytes(statement, column)));
    }
    return value;
  }
  static SqliteValue Integer(int64_t integer) {
    return {.type = SQLITE_INTEGER, .integer = integer};
  }
  void Bind(sqlite3_stmt* statement, int index) const {
    if (type == SQLITE_INTEGER) sqlite3_bind_int64(statement, index, integer);
    if (type == SQLITE_FLOAT) sqlite3_bind_double(statement, index, real);
    if (type == SQLITE_TEXT) {
      sqlite3_bind_text(statement, index, text.data(), static_cast<int>(text.size()),
                        SQLITE_TRANSIENT);
    }
    if (type == SQLITE_BLOB) {
      sqlite3_bind_blob(statement, index, text.data(), static_cast<int>(text.size()),
                        SQLITE_TRANSIENT);
    }
  }
  // As the ledger keeps a cursor.
  std::string Text() const {
    if (type == SQLITE_INTEGER) return std::to_string(integer);
    if (type == SQLITE_FLOAT) {
      char buffer[32];
      std::snprintf(buffer, sizeof buffer, "%.17g", real);
      return buffer;
    }
    return text;
  }
};

// A cursor kept as text, bound as the cursor column's type so that SQLite compares numbers as
// numbers: an integer for BIGINT, a number for DOUBLE and DECIMAL, text for the rest; for a column
// typed by its values, a number when the text is one.
Result<SqliteValue> CursorBound(const std::string& text, std::optional<SqliteColumnType> type) {
  int64_t integer = 0;
  const char* end = text.data() + text.size();
  const bool is_integer = std::from_chars(text.data(), end, integer).ptr == end && !text.empty();
  double real = 0;
  const bool is_number = std::from_chars(text.data(), end, real).ptr == end && !text.empty();
  const SqliteColumnKind kind = type ? type->kind : SqliteColumnKind::kBlob;
  if (kind == SqliteColumnKind::kBigint || (!type && is_integer)) {
    if (!is_integer) return InvalidArgumentError("'" + text + "' is not an integer");
    return SqliteValue::Integer(integer);
  }
  if (kind == SqliteColumnKind::kDouble || kind == SqliteColumnKind::kDecimal ||
      (!type && is_number)) {
    if (!is_number) return InvalidArgumentError("'" + text + "' is not a number");
    return SqliteValue{.type = SQLITE_FLOAT, .real = real};
  }
  return SqliteValue{.type = SQLITE_TEXT, .text = text};
}

// A column of the data as SQLite describes it: its name and declared type.
struct DeclaredColumn {
  std::string name;
  std::string declared;
};

std::string Names(const std::vector<DeclaredColumn>& columns) {
  std::string names;
  for (const DeclaredColumn& column : columns) names += (names.empty() ? "" : ", ") + column.name;
  return names;
}

const DeclaredColumn* FindColumn(const std::vector<DeclaredColumn>& columns,
                                 const std::string& name) {
  for (const DeclaredColumn& column : columns) {
    if (column.name == name) return &column;
  }
  return nullptr;
}

Result<bool> StepOnce(sqlite3_stmt* statement, const std::string& what) {
  const int stepped = sqlite3_step(statement);
  if (stepped == SQLITE_ROW) return true;
  if (stepped == SQLITE_DONE) return false;
  return UnavailableError(what + ": " + sqlite3_errmsg(sqlite3_db_handle(statement)));
}

class SqliteExtractor final : public Extractor {
 public:
  explicit SqliteExtractor(SqliteConfig config) : config_(std::move(config)) {}

  Result<Source> Open(TaskContext& context, DuckDbConnection& connection,
                      Destination& destination) override {
    const std::string what = "sqlite " + config_.path;
    Result<Source> source = Prepare(context, connection, destination);
    if (!source.ok()) return source.status().WithContext(what);
    return source;
  }

  // The error the reader returned, as it said it (it names the column and the row), else the
  // statement's.
  Status Explain(Status error) const override {
    if (registered_ && !registered_->error().ok()) return registered_->error();
    return error;
  }

 private:
  Result<Source> Prepare(TaskContext& context, DuckDbConnection& connection,
                         Destination& destination) {
    ORC_ASSIGN_OR_RETURN(std::filesystem::path path,
                         context.paths->Check(config_.path, PathAccess::kRead));
    path_ = path.string();
    ORC_ASSIGN_OR_RETURN(std::unique_ptr<SqliteDatabase> first, SqliteDatabase::Open(path_));
    SqliteDatabase& database = *first;
    ORC_RETURN_IF_ERROR(database.Execute("BEGIN"));
    std::vector<DeclaredColumn> columns;
    std::vector<std::string> primary_key;
    bool has_rowid = false;
    if (config_.table) {
      ORC_RETURN_IF_ERROR(DescribeTable(database, columns, primary_key, has_rowid));
    } else {
      ORC_RETURN_IF_ERROR(DescribeQuery(database, columns));
    }
    // Everything below reads FROM `from_` WHERE `where`, with ?1/?2 the cursor's bounds and ?3/?4
    // a part's range.
    std::string where = "1";
    std::optional<SqliteValue> lower;
    std::optional<SqliteValue> upper;
    std::optional<std::string> cursor_value;
    if (config_.incremental) {
      const std::string& field = config_.incremental->cursor_field;
      const DeclaredColumn* cursor = FindColumn(all_columns_, field);
      if (cursor == nullptr) {
        return InvalidArgumentError("incremental.cursor_field " + field + " is not a column of " +
                                    source_ + " (" + Names(all_columns_) + ")");
      }
      ORC_ASSIGN_OR_RETURN(std::optional<std::string> last, destination.LastCursor(context));
      const bool from_ledger = last.has_value();
      if (!last) last = config_.incremental->initial_value;
      const std::string quoted = QuoteSqliteIdentifier(field);
      if (last) {
        Result<SqliteValue> bound = CursorBound(*last, TypeFromDeclared(cursor->declared));
        if (!bound.ok()) {
          return InvalidArgumentError(std::string(from_ledger ? "the cursor of the last load"
                                                              : "incremental.initial_value") +
                                      " " + std::string(bound.status().message()) +
                                      ", as cursor_field " + field + " needs");
        }
        lower = *bound;
        cursor_value = *last;
      }
      ORC_ASSIGN_OR_RETURN(SqliteStatement maximum,
                           database.Prepare("SELECT max(" + quoted + ") FROM " + from_ +
                                                (lower ? " WHERE " + quoted + " > ?1" : ""),
                                            "the cursor's maximum"));
      if (lower) lower->Bind(maximum.get(), 1);
      ORC_ASSIGN_OR_RETURN(bool row, StepOnce(maximum.get(), "the cursor's maximum"));
      upper = row ? SqliteValue::Of(maximum.get(), 0) : SqliteValue{};
      // No new rows: the statement below reads none (x <= NULL) and the cursor stays.
      if (upper->type != SQLITE_NULL) cursor_value = upper->Text();
      where = (lower ? quoted + " > ?1 AND " : "") + quoted + " <= ?2";
    }
    std::string select;
    for (const DeclaredColumn& column : columns) {
      select += (select.empty() ? "" : ", ") + QuoteSqliteIdentifier(column.name);
    }
    if (has_rowid) select += ", _rowid_";
    std::vector<std::pair<SqliteValue, SqliteValue>> ranges;
    std::string partition_column;
    if (config_.partition && (!upper || upper->type != SQLITE_NULL)) {
      ORC_ASSIGN_OR_RETURN(ranges, Ranges(database, where, lower, upper));
      partition_column = QuoteSqliteIdentifier(config_.partition->column);
    }
    auto part_sql = [&](size_t part) {
      std::string sql = "SELECT " + select + " FROM " + from_ + " WHERE (" + where + ")";
      if (ranges.empty()) return sql;
      const std::string range = partition_column + " BETWEEN ?3 AND ?4";
      // Rows without a value in the partition column are read by the first part.
      return sql + (part == 0 ? " AND (" + partition_column + " IS NULL OR " + range + ")"
                              : " AND " + range);
    };
    auto bind = [&](sqlite3_stmt* statement, size_t part) {
      if (lower) lower->Bind(statement, 1);
      if (upper) upper->Bind(statement, 2);
      if (!ranges.empty()) {
        ranges[part].first.Bind(statement, 3);
        ranges[part].second.Bind(statement, 4);
      }
    };
    ORC_ASSIGN_OR_RETURN(SqliteStatement first_part, database.Prepare(part_sql(0), source_));
    bind(first_part.get(), 0);
    ORC_ASSIGN_OR_RETURN(std::vector<SqliteStreamColumn> typed, Types(columns, first_part.get()));
    stream_ = std::make_shared<SqliteStream>(source_, std::move(typed), has_rowid, context.progress,
                                             context.interrupter);
    stream_->AddDatabase(std::move(first));
    stream_->AddPart(std::move(first_part));
    for (size_t part = 1; part < ranges.size(); ++part) {
      ORC_ASSIGN_OR_RETURN(std::unique_ptr<SqliteDatabase> opened, SqliteDatabase::Open(path_));
      SqliteDatabase& added = stream_->AddDatabase(std::move(opened));
      ORC_RETURN_IF_ERROR(added.Execute("BEGIN"));
      ORC_ASSIGN_OR_RETURN(SqliteStatement statement, added.Prepare(part_sql(part), source_));
      bind(statement.get(), part);
      stream_->AddPart(std::move(statement));
    }
    ORC_ASSIGN_OR_RETURN(RegisteredStream registered, RegisterRowStream(connection, stream_));
    registered_ = std::move(registered);
    return Source{.select_sql = registered_->select_sql(),
                  .description = "sqlite " + config_.path + " " + source_,
                  .cursor_value = cursor_value,
                  .primary_key = primary_key};
  }

  // The table's columns (all, or those `columns` names, in that order), its primary key and
  // whether it has a rowid; sets from_, source_ and all_columns_.
  Status DescribeTable(SqliteDatabase& database, std::vector<DeclaredColumn>& columns,
                       std::vector<std::string>& primary_key, bool& has_rowid) {
    std::string schema = "main";
    std::string table = *config_.table;
    if (table.starts_with("main.")) table = table.substr(5);
    source_ = "table " + table;
    from_ = QuoteSqliteIdentifier(schema) + "." + QuoteSqliteIdentifier(table);
    ORC_ASSIGN_OR_RETURN(SqliteStatement info,
                         database.Prepare("SELECT name, type, pk FROM pragma_table_info(?1, ?2) "
                                          "ORDER BY cid",
                                          "the table's columns"));
    sqlite3_bind_text(info.get(), 1, table.data(), static_cast<int>(table.size()), SQLITE_STATIC);
    sqlite3_bind_text(info.get(), 2, schema.data(), static_cast<int>(schema.size()), SQLITE_STATIC);
    std::vector<std::pair<int, std::string>> keys;
    for (;;) {
      ORC_ASSIGN_OR_RETURN(bool row, StepOnce(info.get(), "the table's columns"));
      if (!row) break;
      auto text = [&](int column) {
        const auto* value = reinterpret_cast<const char*>(sqlite3_column_text(info.get(), column));
        return std::string(value != nullptr ? value : "");
      };
      all_columns_.push_back({text(0), text(1)});
      if (const int pk = sqlite3_column_int(info.get(), 2); pk > 0) keys.emplace_back(pk, text(0));
    }
    if (all_columns_.empty()) return NotFoundError("no table or view " + table + Tables(database));
    std::sort(keys.begin(), keys.end());
    for (auto& [position, name] : keys) primary_key.push_back(std::move(name));
    if (!config_.columns) {
      columns = all_columns_;
    } else {
      for (size_t i = 0; i < config_.columns->size(); ++i) {
        const std::string& name = (*config_.columns)[i];
        const DeclaredColumn* found = FindColumn(all_columns_, name);
        if (found == nullptr) {
          return InvalidArgumentError("columns[" + std::to_string(i) + "]: no column " + name +
                                      " in table " + table + " (" + Names(all_columns_) + ")");
        }
        columns.push_back(*found);
      }
      // A merge key must be among the columns read to be offered.
      for (const std::string& key : primary_key) {
        if (FindColumn(columns, key) == nullptr) primary_key.clear();
      }
    }
    // A WITHOUT ROWID table or a view has none: messages then give a row's position instead.
    has_rowid = database.Prepare("SELECT _rowid_ FROM " + from_, "rowid").ok();
    return Status::Ok();
  }

  // The query's columns, checked to be one read-only statement returning rows; sets from_,
  // source_ and all_columns_.
  Status DescribeQuery(SqliteDatabase& database, std::vector<DeclaredColumn>& columns) {
    source_ = "query";
    std::string_view tail;
    ORC_ASSIGN_OR_RETURN(SqliteStatement query,
                         database.Prepare(*config_.query, "the query", &tail));
    const size_t statement_end = config_.query->size() - tail.size();
    if (tail.find_first_not_of(" \t\r\n;") != std::string_view::npos) {
      return InvalidArgumentError("query must be one statement; it continues after its first: " +
                                  std::string(tail.substr(0, 40)));
    }
    const int count = sqlite3_column_count(query.get());
    if (query.get() == nullptr || count == 0 || !sqlite3_stmt_readonly(query.get())) {
      return InvalidArgumentError("query must be a read-only statement returning rows (a SELECT)");
    }
    for (int i = 0; i < count; ++i) {
      const char* name = sqlite3_column_name(query.get(), i);
      const char* declared = sqlite3_column_decltype(query.get(), i);
      DeclaredColumn column{name != nullptr ? name : "", declared != nullptr ? declared : ""};
      if (FindColumn(all_columns_, column.name) != nullptr) {
        return InvalidArgumentError("query returns two columns named " + column.name +
                                    ": name them apart with AS");
      }
      all_columns_.push_back(std::move(column));
    }
    columns = all_columns_;
    std::string text = config_.query->substr(0, statement_end);
    while (!text.empty() &&
           (text.back() == ';' || std::isspace(static_cast<unsigned char>(text.back())))) {
      text.pop_back();
    }
    from_ = "(" + text + "\n)";
    return Status::Ok();
  }

  // " (its tables: a, b)", for a table not found.
  std::string Tables(SqliteDatabase& database) {
    Result<SqliteStatement> tables = database.Prepare(
        "SELECT name FROM sqlite_schema WHERE type IN ('table', 'view') AND name NOT LIKE "
        "'sqlite_%' ORDER BY name LIMIT 20",
        "tables");
    if (!tables.ok()) return "";
    std::string names;
    while (sqlite3_step(tables->get()) == SQLITE_ROW) {
      const auto* name = reinterpret_cast<const char*>(sqlite3_column_text(tables->get(), 0));
      names += (names.empty() ? "" : ", ") + std::string(name != nullptr ? name : "");
    }
    return " in " + path_ + (names.empty() ? " (it has none)" : " (its tables: " + names + ")");
  }

  // The columns' DuckDB types: declared, else from the first row `statement` returns (which is
  // then reset), else VARCHAR.
  Result<std::vector<SqliteStreamColumn>> Types(const std::vector<DeclaredColumn>& columns,
                                                sqlite3_stmt* statement) {
    std::vector<SqliteStreamColumn> typed;
    bool stepped = false;
    bool row = false;
    for (size_t i = 0; i < columns.size(); ++i) {
      std::optional<SqliteColumnType> type = TypeFromDeclared(columns[i].declared);
      if (!type) {
        if (!stepped) {
          ORC_ASSIGN_OR_RETURN(row, StepOnce(statement, source_));
          stepped = true;
        }
        type =
            TypeFromValue(row ? sqlite3_column_type(statement, static_cast<int>(i)) : SQLITE_NULL);
      }
      typed.push_back({columns[i].name, *type});
    }
    if (stepped) sqlite3_reset(statement);
    return typed;
  }

  // The partition column's range split into config_.partition->parts inclusive ranges (fewer when
  // it holds fewer values); none when no row has a value there.
  Result<std::vector<std::pair<SqliteValue, SqliteValue>>> Ranges(
      SqliteDatabase& database, const std::string& where, const std::optional<SqliteValue>& lower,
      const std::optional<SqliteValue>& upper) {
    const std::string& name = config_.partition->column;
    if (FindColumn(all_columns_, name) == nullptr) {
      return InvalidArgumentError("partition.column " + name + " is not a column of " + source_ +
                                  " (" + Names(all_columns_) + ")");
    }
    const std::string quoted = QuoteSqliteIdentifier(name);
    ORC_ASSIGN_OR_RETURN(SqliteStatement bounds,
                         database.Prepare("SELECT min(" + quoted + "), max(" + quoted + ") FROM " +
                                              from_ + " WHERE " + where,
                                          "the partition's range"));
    if (lower) lower->Bind(bounds.get(), 1);
    if (upper) upper->Bind(bounds.get(), 2);
    ORC_ASSIGN_OR_RETURN(bool row, StepOnce(bounds.get(), "the partition's range"));
    std::vector<std::pair<SqliteValue, SqliteValue>> ranges;
    if (!row || sqlite3_column_type(bounds.get(), 0) == SQLITE_NULL) return ranges;
    if (sqlite3_column_type(bounds.get(), 0) != SQLITE_INTEGER ||
        sqlite3_column_type(bounds.get(), 1) != SQLITE_INTEGER) {
      return InvalidArgumentError("partition.column " + name +
                                  " must hold integers (its minimum and maximum are not)");
    }
    const __int128 low = sqlite3_column_int64(bounds.get(), 0);
    const __int128 high = sqlite3_column_int64(bounds.get(), 1);
    const __int128 span = high - low + 1;
    const __int128 parts = std::min<__int128>(config_.partition->parts, span);
    for (__int128 part = 0; part < parts; ++part) {
      const __int128 begin = low + span * part / parts;
      const __int128 end = low + span * (part + 1) / parts - 1;
      ranges.emplace_back(SqliteValue::Integer(static_cast<int64_t>(begin)),
                          SqliteValue::Integer(static_cast<int64_t>(end)));
    }
    return ranges;
  }

  const SqliteConfig config_;
  std::string path_;                         // resolved
  std::string source_;                       // "table orders" or "query", for messages
  std::string from_;                         // the quoted table or the parenthesized query
  std::vector<DeclaredColumn> all_columns_;  // the table's (or query's) columns
  // Declared in this order so that the registration ends before the stream it reads.
  std::shared_ptr<SqliteStream> stream_;  // shared with the registration, which DuckDB reads
  std::optional<RegisteredStream> registered_;
};

}  // namespace

PluginSpec SqliteExtractorSpec() {
  PluginSpec spec = SpecOf<SqliteExtractor>("sqlite", ReadSqliteConfig);
  spec.sql_fields = {"query"};
  return spec;
}

}  // namespace orc
