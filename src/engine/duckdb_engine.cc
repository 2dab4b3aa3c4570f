#include "engine/duckdb_engine.h"

#include <duckdb.h>

#include <algorithm>
#include <system_error>
#include <thread>

namespace orc {

// One open DuckDB database; closed when the last connection (or the engine's open call) lets go.
class DuckDbDatabase {
 public:
  explicit DuckDbDatabase(duckdb_database database) : database_(database) {}
  ~DuckDbDatabase() { duckdb_close(&database_); }
  DuckDbDatabase(const DuckDbDatabase&) = delete;
  DuckDbDatabase& operator=(const DuckDbDatabase&) = delete;

  duckdb_database get() { return database_; }

  // Sets how many threads DuckDB runs this database's statements on (DuckDB's `threads`).
  void SetThreads(size_t threads) {
    if (threads == threads_) return;
    duckdb_connection connection = nullptr;
    if (duckdb_connect(database_, &connection) == DuckDBError) return;
    const std::string sql = "SET threads = " + std::to_string(threads);
    if (duckdb_query(connection, sql.c_str(), nullptr) == DuckDBSuccess) threads_ = threads;
    duckdb_disconnect(&connection);
  }

 private:
  duckdb_database database_;
  size_t threads_ = 0;  // 0: DuckDB's default (one per core); guarded by the engine's mutex
};

struct DuckDbConnection::Handle {
  duckdb_connection connection = nullptr;
  ~Handle() { duckdb_disconnect(&connection); }
};

namespace {

// Owns a duckdb_result for the scope of one call.
class ResultHolder {
 public:
  ResultHolder() = default;
  ~ResultHolder() { duckdb_destroy_result(&result_); }
  ResultHolder(const ResultHolder&) = delete;
  ResultHolder& operator=(const ResultHolder&) = delete;
  duckdb_result* get() { return &result_; }

 private:
  duckdb_result result_{};
};

// Opens the database at `path` (nullptr: in memory). On failure, `error` says why.
duckdb_state Open(const char* path, duckdb_database* database, std::string* error) {
  char* message = nullptr;
  const duckdb_state state = duckdb_open_ext(path, database, nullptr, &message);
  if (state == DuckDBError) *error = message != nullptr ? message : "unknown error";
  duckdb_free(message);
  return state;
}

Status ErrorOf(duckdb_result* result) {
  const char* error = duckdb_result_error(result);
  std::string message = error != nullptr ? error : "DuckDB failed without a message";
  switch (duckdb_result_error_type(result)) {
    case DUCKDB_ERROR_INTERRUPT:
      return CancelledError(std::move(message));
    case DUCKDB_ERROR_OUT_OF_MEMORY:
      return ResourceExhaustedError(std::move(message));
    case DUCKDB_ERROR_CATALOG:
      return NotFoundError(std::move(message));
    case DUCKDB_ERROR_IO:
      // DuckDB reports a missing input file as an IO error ("No files found that match...").
      if (message.find("No files found") != std::string::npos ||
          message.find("No such file") != std::string::npos) {
        return NotFoundError(std::move(message));
      }
      if (message.find("Permission denied") != std::string::npos) {
        return PermissionDeniedError(std::move(message));
      }
      return UnavailableError(std::move(message));
    case DUCKDB_ERROR_TRANSACTION:
      // A write-write conflict with a concurrent transaction: trying again can succeed.
      return UnavailableError(std::move(message));
    case DUCKDB_ERROR_INTERNAL:
    case DUCKDB_ERROR_FATAL:
      return InternalError(std::move(message));
    default:
      return InvalidArgumentError(std::move(message));
  }
}

}  // namespace

DuckDbConnection::DuckDbConnection(std::shared_ptr<DuckDbDatabase> database,
                                   std::unique_ptr<Handle> handle)
    : database_(std::move(database)), handle_(std::move(handle)) {}

// The handle (connection) must close before the database it belongs to.
DuckDbConnection::~DuckDbConnection() { handle_.reset(); }

Result<int64_t> DuckDbConnection::Execute(const std::string& sql) {
  ResultHolder result;
  if (duckdb_query(handle_->connection, sql.c_str(), result.get()) == DuckDBError) {
    return ErrorOf(result.get());
  }
  // CREATE TABLE AS reports its rows as a one-row "Count" result, not as rows changed.
  if (duckdb_column_count(result.get()) == 1 && duckdb_row_count(result.get()) == 1 &&
      std::string_view(duckdb_column_name(result.get(), 0)) == "Count") {
    return duckdb_value_int64(result.get(), 0, 0);
  }
  return static_cast<int64_t>(duckdb_rows_changed(result.get()));
}

Result<DuckDbRows> DuckDbConnection::Query(const std::string& sql) {
  ResultHolder result;
  if (duckdb_query(handle_->connection, sql.c_str(), result.get()) == DuckDBError) {
    return ErrorOf(result.get());
  }
  DuckDbRows rows;
  const idx_t columns = duckdb_column_count(result.get());
  for (idx_t column = 0; column < columns; ++column) {
    rows.column_names.emplace_back(duckdb_column_name(result.get(), column));
  }
  const idx_t row_count = duckdb_row_count(result.get());
  rows.rows.reserve(row_count);
  for (idx_t row = 0; row < row_count; ++row) {
    std::vector<std::optional<std::string>>& values = rows.rows.emplace_back();
    values.reserve(columns);
    for (idx_t column = 0; column < columns; ++column) {
      if (duckdb_value_is_null(result.get(), column, row)) {
        values.emplace_back();
        continue;
      }
      char* text = duckdb_value_varchar(result.get(), column, row);
      values.emplace_back(text != nullptr ? text : "");
      duckdb_free(text);
    }
  }
  return rows;
}

void DuckDbConnection::Interrupt() { duckdb_interrupt(handle_->connection); }

Status DuckDbConnection::TrackProgress() {
  // Session settings (DuckDB refuses them as database options).
  return Execute(
             "SET enable_progress_bar = true; SET enable_progress_bar_print = false; "
             "SET progress_bar_time = 0")
      .status();
}

std::optional<double> DuckDbConnection::Progress() {
  const duckdb_query_progress_type progress = duckdb_query_progress(handle_->connection);
  if (progress.percentage < 0) return std::nullopt;
  return progress.percentage / 100;
}

Result<std::unique_ptr<DuckDbConnection>> DuckDbEngine::Connect(const std::string& path) {
  std::shared_ptr<DuckDbDatabase> database;
  if (path == ":memory:") {
    ORC_ASSIGN_OR_RETURN(database, OpenMemory());
  } else {
    ORC_ASSIGN_OR_RETURN(database, OpenShared(path));
  }
  ShareCores();
  auto handle = std::make_unique<DuckDbConnection::Handle>();
  if (duckdb_connect(database->get(), &handle->connection) == DuckDBError) {
    return InternalError("cannot connect to the DuckDB database " + path);
  }

  return std::unique_ptr<DuckDbConnection>(
      new DuckDbConnection(std::move(database), std::move(handle)));
}

Result<std::shared_ptr<DuckDbDatabase>> DuckDbEngine::OpenMemory() {
  std::lock_guard lock(mutex_);
  if (memory_) return memory_;
  duckdb_database raw = nullptr;
  std::string error;
  if (Open(nullptr, &raw, &error) == DuckDBError) {
    return InternalError("cannot open an in-memory DuckDB database: " + error);
  }
  memory_ = std::make_shared<DuckDbDatabase>(raw);
  return memory_;
}

Result<std::shared_ptr<DuckDbDatabase>> DuckDbEngine::OpenShared(
    const std::filesystem::path& path) {
  std::error_code error_code;
  std::filesystem::path key = std::filesystem::weakly_canonical(path, error_code);
  if (error_code) key = std::filesystem::absolute(path);

  std::lock_guard lock(mutex_);
  if (auto found = databases_.find(key); found != databases_.end()) {
    if (std::shared_ptr<DuckDbDatabase> open = found->second.lock()) return open;
  }
  duckdb_database raw = nullptr;
  std::string reason;
  if (Open(key.c_str(), &raw, &reason) == DuckDBError) {
    if (!std::filesystem::is_directory(key.parent_path())) {
      return NotFoundError("cannot open the DuckDB database " + path.string() + ": directory " +
                           key.parent_path().string() + " does not exist");
    }
    if (reason.find("lock") != std::string::npos) {
      return UnavailableError("cannot open the DuckDB database " + path.string() + ": " + reason);
    }
    return InvalidArgumentError("cannot open the DuckDB database " + path.string() + ": " + reason);
  }
  auto database = std::make_shared<DuckDbDatabase>(raw);
  databases_[key] = database;
  // Forget entries whose database has closed, so the map does not grow with every file ever used.
  std::erase_if(databases_, [](const auto& entry) { return entry.second.expired(); });
  return database;
}

void DuckDbEngine::ShareCores() {
  std::lock_guard lock(mutex_);
  std::vector<std::shared_ptr<DuckDbDatabase>> open;
  if (memory_.use_count() > 1) open.push_back(memory_);  // a connection uses it
  for (const auto& [path, weak] : databases_) {
    if (std::shared_ptr<DuckDbDatabase> database = weak.lock()) open.push_back(database);
  }
  const size_t cores = std::max(1u, std::thread::hardware_concurrency());
  const size_t threads = std::max<size_t>(1, cores / std::max<size_t>(1, open.size()));
  for (const std::shared_ptr<DuckDbDatabase>& database : open) database->SetThreads(threads);
}

size_t DuckDbEngine::open_databases() {
  std::lock_guard lock(mutex_);
  size_t open = 0;
  for (const auto& [path, database] : databases_) open += database.expired() ? 0 : 1;
  return open;
}

std::string QuoteIdentifier(const std::string& name, bool allow_schema) {
  if (allow_schema) {
    if (const size_t dot = name.find('.'); dot != std::string::npos) {
      return QuoteIdentifier(name.substr(0, dot)) + "." + QuoteIdentifier(name.substr(dot + 1));
    }
  }
  std::string quoted = "\"";
  for (const char c : name) {
    quoted += c;
    if (c == '"') quoted += '"';
  }
  return quoted + "\"";
}

std::string QuoteLiteral(const std::string& text) {
  std::string quoted = "'";
  for (const char c : text) {
    quoted += c;
    if (c == '\'') quoted += '\'';
  }
  return quoted + "'";
}

}  // namespace orc
