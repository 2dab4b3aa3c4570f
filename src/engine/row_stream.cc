#include "engine/row_stream.h"

#include <duckdb.h>

#include <atomic>
#include <map>
#include <mutex>

#include "common/uuid.h"
#include "engine/duckdb_raw.h"

namespace orc {

// A registered stream: the stream, its columns' DuckDB types, and the first error of its readers.
struct RegisteredStream::Entry {
  std::shared_ptr<RowStream> stream;
  std::vector<duckdb_logical_type> types;

  std::mutex mutex;  // guards error
  Status error;

  ~Entry() {
    for (duckdb_logical_type& type : types) duckdb_destroy_logical_type(&type);
  }
  void Fail(const Status& status) {
    std::lock_guard lock(mutex);
    if (error.ok()) error = status;
  }
};

namespace {

using Entry = RegisteredStream::Entry;

// The streams registered in this process, by token. Tokens are random, so a statement can read
// only a stream whose token it was given.
std::mutex registry_mutex;
std::map<std::string, std::shared_ptr<Entry>>& Registry() {
  static auto* registry = new std::map<std::string, std::shared_ptr<Entry>>();
  return *registry;
}

std::shared_ptr<Entry> Find(const std::string& token) {
  std::lock_guard lock(registry_mutex);
  const auto found = Registry().find(token);
  return found == Registry().end() ? nullptr : found->second;
}

// What one statement reading the stream shares among its threads.
struct ScanState {
  std::shared_ptr<Entry> entry;
  std::atomic<int> next_part{0};
};

// What one thread of the statement reads: its current part.
struct ThreadState {
  std::unique_ptr<RowReader> reader;
};

template <typename T>
void Delete(void* data) {
  delete static_cast<T*>(data);
}

void Bind(duckdb_bind_info info) {
  duckdb_value parameter = duckdb_bind_get_parameter(info, 0);
  char* text = duckdb_get_varchar(parameter);
  const std::string token = text != nullptr ? text : "";
  duckdb_free(text);
  duckdb_destroy_value(&parameter);
  std::shared_ptr<Entry> entry = Find(token);
  if (!entry) {
    duckdb_bind_set_error(info, "orc_stream: no stream is registered under this token");
    return;
  }
  const std::vector<StreamColumn>& columns = entry->stream->Columns();
  for (size_t i = 0; i < columns.size(); ++i) {
    duckdb_bind_add_result_column(info, columns[i].name.c_str(), entry->types[i]);
  }
  duckdb_bind_set_bind_data(info, new std::shared_ptr<Entry>(std::move(entry)),
                            Delete<std::shared_ptr<Entry>>);
}

void Init(duckdb_init_info info) {
  auto* entry = static_cast<std::shared_ptr<Entry>*>(duckdb_init_get_bind_data(info));
  auto* state = new ScanState{.entry = *entry};
  duckdb_init_set_max_threads(info, static_cast<idx_t>(std::max(1, (*entry)->stream->Parts())));
  duckdb_init_set_init_data(info, state, Delete<ScanState>);
}

void LocalInit(duckdb_init_info info) {
  duckdb_init_set_init_data(info, new ThreadState, Delete<ThreadState>);
}

void Scan(duckdb_function_info info, duckdb_data_chunk output) {
  auto* scan = static_cast<ScanState*>(duckdb_function_get_init_data(info));
  auto* thread = static_cast<ThreadState*>(duckdb_function_get_local_init_data(info));
  Entry& entry = *scan->entry;
  auto fail = [&](const Status& status) {
    entry.Fail(status);
    duckdb_function_set_error(info, status.message().c_str());
  };
  for (;;) {
    if (!thread->reader) {
      const int part = scan->next_part.fetch_add(1);
      if (part >= entry.stream->Parts()) {
        duckdb_data_chunk_set_size(output, 0);
        return;
      }
      Result<std::unique_ptr<RowReader>> reader = entry.stream->OpenPart(part);
      if (!reader.ok()) return fail(reader.status());
      thread->reader = std::move(*reader);
    }
    Result<uint64_t> rows = thread->reader->Fill(output);
    if (!rows.ok()) return fail(rows.status());
    if (*rows > 0) return;
    thread->reader.reset();  // this part is done: on to the next
  }
}

// The DuckDB type `sql_type` names, read by preparing a cast on `connection`; nullptr when it
// names none.
duckdb_logical_type ParseType(duckdb_connection connection, const std::string& sql_type) {
  // The type is the plugin's own, but it goes into SQL: refuse what would end the cast.
  if (sql_type.find_first_of(";'\"-/") != std::string::npos) return nullptr;
  duckdb_prepared_statement statement = nullptr;
  const std::string sql = "SELECT CAST(NULL AS " + sql_type + ")";
  duckdb_logical_type type = nullptr;
  if (duckdb_prepare(connection, sql.c_str(), &statement) == DuckDBSuccess &&
      duckdb_nparams(statement) == 0) {
    type = duckdb_prepared_statement_column_logical_type(statement, 0);
  }
  duckdb_destroy_prepare(&statement);
  return type;
}

}  // namespace

Status RegisterRowStreamFunction(duckdb_database database) {
  duckdb_connection connection = nullptr;
  if (duckdb_connect(database, &connection) == DuckDBError) {
    return InternalError("cannot connect to DuckDB to register orc_stream");
  }
  duckdb_table_function function = duckdb_create_table_function();
  duckdb_table_function_set_name(function, "orc_stream");
  duckdb_logical_type varchar = duckdb_create_logical_type(DUCKDB_TYPE_VARCHAR);
  duckdb_table_function_add_parameter(function, varchar);
  duckdb_destroy_logical_type(&varchar);
  duckdb_table_function_set_bind(function, Bind);
  duckdb_table_function_set_init(function, Init);
  duckdb_table_function_set_local_init(function, LocalInit);
  duckdb_table_function_set_function(function, Scan);
  const duckdb_state state = duckdb_register_table_function(connection, function);
  duckdb_destroy_table_function(&function);
  duckdb_disconnect(&connection);
  if (state == DuckDBError) return InternalError("DuckDB refused to register orc_stream");
  return Status::Ok();
}

RegisteredStream::RegisteredStream(std::string token, std::shared_ptr<Entry> entry)
    : token_(std::move(token)),
      select_sql_("SELECT * FROM orc_stream('" + token_ + "')"),
      entry_(std::move(entry)) {}

RegisteredStream::RegisteredStream(RegisteredStream&& other) noexcept
    : token_(std::move(other.token_)),
      select_sql_(std::move(other.select_sql_)),
      entry_(std::move(other.entry_)) {
  other.token_.clear();
}

RegisteredStream& RegisteredStream::operator=(RegisteredStream&& other) noexcept {
  if (this != &other) {
    this->~RegisteredStream();
    new (this) RegisteredStream(std::move(other));
  }
  return *this;
}

RegisteredStream::~RegisteredStream() {
  if (token_.empty()) return;
  std::lock_guard lock(registry_mutex);
  Registry().erase(token_);
}

Status RegisteredStream::error() const {
  if (!entry_) return Status::Ok();
  std::lock_guard lock(entry_->mutex);
  return entry_->error;
}

Result<RegisteredStream> RegisterRowStream(DuckDbConnection& connection,
                                           std::shared_ptr<RowStream> stream) {
  auto entry = std::make_shared<Entry>();
  const duckdb_connection raw = DuckDbRaw::Connection(connection);
  for (const StreamColumn& column : stream->Columns()) {
    duckdb_logical_type type = ParseType(raw, column.type);
    if (type == nullptr) {
      return InvalidArgumentError("column " + column.name + ": '" + column.type +
                                  "' is not a DuckDB type");
    }
    entry->types.push_back(type);
  }
  entry->stream = std::move(stream);
  std::string token = NewUuidV4();
  {
    std::lock_guard lock(registry_mutex);
    Registry().emplace(token, entry);
  }
  return RegisteredStream(std::move(token), std::move(entry));
}

}  // namespace orc
