#include "engine/duckdb_engine.h"

#include <duckdb.h>

#include <fcntl.h>
#include <stdio.h>
#include <unistd.h>

#include <cerrno>

#include <algorithm>
#include <atomic>
#include <limits>
#include <system_error>
#include <thread>

#include "engine/duckdb_message.h"
#include "engine/duckdb_open.h"
#include "engine/duckdb_raw.h"

namespace orc {

// One open DuckDB database; closed when the last connection (or the engine's open call) lets go.
class DuckDbDatabase {
 public:
  // `allowed`: the directories a confined database may use; nullopt when it is not confined.
  // `path`: the database file, empty in memory.
  DuckDbDatabase(duckdb_database database, std::filesystem::path path,
                 std::optional<std::string> allowed)
      : database_(database), path_(std::move(path)), allowed_(std::move(allowed)) {}
  ~DuckDbDatabase() { duckdb_close(&database_); }
  DuckDbDatabase(const DuckDbDatabase&) = delete;
  DuckDbDatabase& operator=(const DuckDbDatabase&) = delete;

  duckdb_database get() { return database_; }
  const std::filesystem::path& path() const { return path_; }
  const std::optional<std::string>& allowed() const { return allowed_; }

  // Sets how many threads DuckDB runs this database's statements on (DuckDB's `threads`). A
  // confined database keeps the threads it was opened with: its configuration is locked.
  void SetThreads(size_t threads) {
    if (threads == threads_ || allowed_) return;
    duckdb_connection connection = nullptr;
    if (duckdb_connect(database_, &connection) == DuckDBError) return;
    const std::string sql = "SET threads = " + std::to_string(threads);
    if (duckdb_query(connection, sql.c_str(), nullptr) == DuckDBSuccess) threads_ = threads;
    duckdb_disconnect(&connection);
  }

 private:
  duckdb_database database_;
  const std::filesystem::path path_;
  const std::optional<std::string> allowed_;
  size_t threads_ = 0;  // 0: DuckDB's default (one per core); guarded by the engine's mutex
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

// What a refused file or setting of a confined database means for the job, after DuckDB's message.
std::string ConfinementNote(const std::optional<std::string>& allowed) {
  return ". Jobs may only use files under " + allowed.value_or("the allowed directories") +
         ", and cannot install or load extensions or change DuckDB's settings";
}

// `allowed`: see DuckDbDatabase::allowed().
Status ErrorOf(duckdb_result* result, const std::optional<std::string>& allowed) {
  const char* error = duckdb_result_error(result);
  std::string message =
      error != nullptr ? ShortDuckDbMessage(error) : "DuckDB failed without a message";
  switch (duckdb_result_error_type(result)) {
    case DUCKDB_ERROR_INTERRUPT:
      return CancelledError(std::move(message));
    case DUCKDB_ERROR_OUT_OF_MEMORY:
      return ResourceExhaustedError(std::move(message));
    case DUCKDB_ERROR_CATALOG:
      return NotFoundError(std::move(message));
    case DUCKDB_ERROR_PERMISSION:
      // A path outside the allowed directories, an extension, the spill directory: what DuckDB's
      // own confinement refuses. Retrying cannot help.
      if (allowed) message += ConfinementNote(allowed);
      return PermissionDeniedError(std::move(message));
    case DUCKDB_ERROR_IO:
      // DuckDB reports a missing input file as an IO error ("No files found that match...").
      if (message.find("No files found") != std::string::npos ||
          message.find("No such file") != std::string::npos) {
        return NotFoundError(std::move(message));
      }
      // The operating system's refusal (file permissions, or Landlock around a confined engine).
      if (message.find("Permission denied") != std::string::npos) {
        if (allowed) message += ConfinementNote(allowed);
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
      // SET and RESET on a locked configuration come as invalid input.
      if (allowed && message.find("configuration has been locked") != std::string::npos) {
        return PermissionDeniedError(message + ConfinementNote(allowed));
      }
      return InvalidArgumentError(std::move(message));
  }
}

// Whether `result` has a UUID column: DuckDB's duckdb_value_* functions (C API, 1.4) read past a
// UUID column into the next one and crash, so such a result is not read value by value.
bool HasUuidColumn(duckdb_result* result) {
  const idx_t columns = duckdb_column_count(result);
  for (idx_t column = 0; column < columns; ++column) {
    if (duckdb_column_type(result, column) == DUCKDB_TYPE_UUID) return true;
  }
  return false;
}

// `sql`, a SELECT whose result has UUID columns, rewritten to return them as text. Anything else
// is left as it is.
std::string WithUuidsAsText(duckdb_connection connection, const std::string& sql) {
  duckdb_prepared_statement statement = nullptr;
  std::string replace;
  if (duckdb_prepare(connection, sql.c_str(), &statement) == DuckDBSuccess &&
      duckdb_prepared_statement_type(statement) == DUCKDB_STATEMENT_TYPE_SELECT) {
    const idx_t columns = duckdb_prepared_statement_column_count(statement);
    for (idx_t column = 0; column < columns; ++column) {
      if (duckdb_prepared_statement_column_type(statement, column) != DUCKDB_TYPE_UUID) continue;
      const char* name = duckdb_prepared_statement_column_name(statement, column);
      const std::string quoted = QuoteIdentifier(name != nullptr ? name : "");
      duckdb_free(const_cast<char*>(name));
      replace += (replace.empty() ? "" : ", ") + ("CAST(" + quoted + " AS VARCHAR) AS " + quoted);
    }
  }
  duckdb_destroy_prepare(&statement);
  if (replace.empty()) return sql;
  // query() parses the text as DuckDB did, semicolons and comments around it included.
  return "SELECT * REPLACE (" + replace + ") FROM query(" + QuoteLiteral(sql) + ")";
}

// A name for a database's own spill directory, unique among the processes sharing the parent.
std::string SpillSubdirectoryName() {
  static std::atomic<uint64_t> counter{0};
  return "duckdb-" + std::to_string(getpid()) + "-" + std::to_string(++counter);
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
    return ErrorOf(result.get(), database_->allowed());
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
    return ErrorOf(result.get(), database_->allowed());
  }
  // Rare (metadata and counters have no UUIDs), so the common query is not prepared twice: a
  // SELECT with UUIDs runs again, rewritten; other statements with UUIDs stay unread (an error).
  if (HasUuidColumn(result.get())) {
    const std::string readable = WithUuidsAsText(handle_->connection, sql);
    if (readable == sql) {
      return InvalidArgumentError(
          "cannot read a result with a UUID column from this statement; "
          "cast the column to VARCHAR");
    }
    duckdb_destroy_result(result.get());
    *result.get() = duckdb_result{};
    if (duckdb_query(handle_->connection, readable.c_str(), result.get()) == DuckDBError) {
      return ErrorOf(result.get(), database_->allowed());
    }
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

const std::filesystem::path& DuckDbConnection::database_path() const { return database_->path(); }

void DuckDbConnection::Interrupt() { duckdb_interrupt(handle_->connection); }

Status DuckDbConnection::TrackProgress() {
  // Session settings, which DuckDB refuses as database options. Its SET would be refused on a
  // confined database, whose configuration is locked; these PRAGMAs are not. Progress is tracked
  // from a statement's start whatever progress_bar_time says: that only delays printing the bar.
  return Execute("PRAGMA enable_progress_bar; PRAGMA disable_print_progress_bar").status();
}

std::optional<QueryProgress> DuckDbConnection::Progress() {
  const duckdb_query_progress_type progress = duckdb_query_progress(handle_->connection);
  if (progress.percentage < 0) return std::nullopt;
  constexpr uint64_t kMaxCount = std::numeric_limits<int64_t>::max();
  return QueryProgress{
      .fraction = std::clamp(progress.percentage / 100, 0.0, 1.0),
      .rows_processed = static_cast<int64_t>(std::min(progress.rows_processed, kMaxCount)),
      .rows_total = static_cast<int64_t>(std::min(progress.total_rows_to_process, kMaxCount))};
}

DuckDbEngine::DuckDbEngine(DuckDbEngineOptions options) : options_(std::move(options)) {}

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

void DuckDbEngine::SetMemoryLimit(std::optional<uint64_t> bytes) {
  std::lock_guard lock(mutex_);
  options_.memory_limit_bytes = bytes;
}

void DuckDbEngine::DropMemoryDatabase() {
  std::lock_guard lock(mutex_);
  memory_.reset();
}

namespace {

// Creates the database file `path` whole or not at all. DuckDB creates a new file in place and
// then writes its headers, so a process killed in between (kill -9, a lost machine) leaves a file
// DuckDB refuses for good ("exists, but it is not a valid DuckDB database file"), and every later
// task writing it fails. Here DuckDB creates it under a temporary name beside it, closes it (its
// headers written and synced), and the file takes its name in one rename that never replaces a
// file another process made meanwhile. A creation cut short leaves only the temporary file, which
// the next creation overwrites. Callers writing a database hold its lock (executor/
// database_file_locks.h), so no two processes create one file at once.
Status CreateWhole(const std::filesystem::path& path, const DuckDbEngineOptions& options,
                   const std::filesystem::path& spill) {
  const std::filesystem::path creating =
      path.parent_path() / ("." + path.filename().string() + ".creating");
  const std::filesystem::path creating_wal = creating.string() + ".wal";
  std::error_code ignored;
  std::filesystem::remove(creating, ignored);
  std::filesystem::remove(creating_wal, ignored);
  ORC_ASSIGN_OR_RETURN(duckdb_database created, OpenDuckDb(creating.c_str(), options, spill));
  duckdb_close(&created);
  std::filesystem::remove(creating_wal, ignored);  // a new database has nothing to replay
  if (renameat2(AT_FDCWD, creating.c_str(), AT_FDCWD, path.c_str(), RENAME_NOREPLACE) != 0) {
    const int error = errno;
    std::filesystem::remove(creating, ignored);
    if (error == EEXIST) return Status::Ok();  // made meanwhile: that one stands
    return UnavailableError("cannot create the DuckDB database " + path.string() + ": " +
                            std::generic_category().message(error));
  }
  return Status::Ok();
}

}  // namespace

Result<std::shared_ptr<DuckDbDatabase>> DuckDbEngine::Open(const char* path) {
  std::filesystem::path spill;
  if (!options_.spill_directory.empty()) {
    std::error_code error;
    std::filesystem::create_directories(options_.spill_directory, error);
    if (error) {
      return UnavailableError("cannot create the DuckDB spill directory " +
                              options_.spill_directory.string() + ": " + error.message());
    }
    spill = options_.spill_directory / SpillSubdirectoryName();
  }
  if (std::error_code missing;
      path != nullptr && !std::filesystem::exists(path, missing) && !missing) {
    ORC_RETURN_IF_ERROR(CreateWhole(path, options_, spill));
  }
  ORC_ASSIGN_OR_RETURN(duckdb_database raw, OpenDuckDb(path, options_, spill));
  if (Status registered = RegisterRowStreamFunction(raw); !registered.ok()) {
    duckdb_close(&raw);
    return registered;
  }
  std::optional<std::string> allowed;
  if (options_.confinement) allowed = DescribeAllowedDirectories(options_);
  return std::make_shared<DuckDbDatabase>(
      raw, path != nullptr ? std::filesystem::path(path) : std::filesystem::path(),
      std::move(allowed));
}

Result<std::shared_ptr<DuckDbDatabase>> DuckDbEngine::OpenMemory() {
  std::lock_guard lock(mutex_);
  if (memory_) return memory_;
  Result<std::shared_ptr<DuckDbDatabase>> database = Open(nullptr);
  if (!database.ok()) {
    return database.status().WithContext("cannot open an in-memory DuckDB database");
  }
  memory_ = *database;
  return memory_;
}

Result<std::shared_ptr<DuckDbDatabase>> DuckDbEngine::OpenShared(
    const std::filesystem::path& path) {
  std::error_code error_code;
  std::filesystem::path key = std::filesystem::weakly_canonical(path, error_code);
  if (error_code) key = std::filesystem::absolute(path);

  std::lock_guard lock(mutex_);
  // The engine opens the file before DuckDB's confinement is on, so it checks the path itself,
  // by its real path: a symbolic link in an allowed directory does not lead a database out.
  if (options_.confinement && !IsUnderAny(key, AllowedDirectories(options_))) {
    return PermissionDeniedError(
        "cannot open the DuckDB database " + path.string() + " (" + key.string() +
        "): it is outside the directories jobs may use: " + DescribeAllowedDirectories(options_));
  }
  if (auto found = databases_.find(key); found != databases_.end()) {
    if (std::shared_ptr<DuckDbDatabase> open = found->second.lock()) return open;
  }
  Result<std::shared_ptr<DuckDbDatabase>> opened = Open(key.c_str());
  if (!opened.ok()) {
    const std::string context = "cannot open the DuckDB database " + path.string();
    if (opened.status().code() != StatusCode::kInvalidArgument) {
      return opened.status().WithContext(context);
    }
    const std::string& reason = opened.status().message();
    if (!std::filesystem::is_directory(key.parent_path())) {
      return NotFoundError(context + ": directory " + key.parent_path().string() +
                           " does not exist");
    }
    if (reason.find("lock") != std::string::npos) return UnavailableError(context + ": " + reason);
    return InvalidArgumentError(context + ": " + reason);
  }
  std::shared_ptr<DuckDbDatabase> database = *opened;
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
  const size_t threads = options_.threads > 0
                             ? options_.threads
                             : std::max<size_t>(1, cores / std::max<size_t>(1, open.size()));
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
