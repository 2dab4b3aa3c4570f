// SqliteStream: the rows of SQLite statements, read by DuckDB as a RowStream.
//
// The sqlite extractor prepares one statement per part (each on its own read-only database, bound
// to its range), and the stream hands each part's statement to the reader DuckDB opens for it.
// Every value is checked against its column's type as it is written (sqlite_types.h); the first
// that does not fit fails the read with the column, the row's rowid (or its position) and the
// value. The stream owns the databases until it is destroyed, so that an interrupt from another
// thread always finds them open.
#pragma once

#include <atomic>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/interrupter.h"
#include "engine/row_stream.h"
#include "plugins/extractors/sqlite/sqlite_database.h"
#include "plugins/extractors/sqlite/sqlite_types.h"
#include "plugins/plugin.h"

namespace orc {

struct SqliteStreamColumn {
  std::string name;
  SqliteColumnType type;
};

class SqliteStream final : public RowStream {
 public:
  // `source` names the data in messages ("table orders"); `has_rowid`: each statement returns the
  // row's rowid after the columns, for messages. Counts rows into `progress`, stops when
  // `interrupter` fires (both outlive the stream's reads).
  SqliteStream(std::string source, std::vector<SqliteStreamColumn> columns, bool has_rowid,
               TaskProgress* progress, Interrupter* interrupter);
  ~SqliteStream() override;

  // Takes `database` for the stream's life; sqlite3_interrupt reaches it when the task is
  // interrupted. Returns it, borrowed.
  SqliteDatabase& AddDatabase(std::unique_ptr<SqliteDatabase> database);
  // Adds a part: `statement` (prepared and bound on one of the stream's databases) is its rows.
  void AddPart(SqliteStatement statement);

  const std::vector<StreamColumn>& Columns() const override { return stream_columns_; }
  int Parts() const override { return static_cast<int>(statements_.size()); }
  Result<std::unique_ptr<RowReader>> OpenPart(int part) override;

 private:
  class Reader;

  const std::string source_;
  const std::vector<SqliteStreamColumn> columns_;
  std::vector<StreamColumn> stream_columns_;
  const bool has_rowid_;
  TaskProgress* const progress_;
  Interrupter* const interrupter_;
  // Declared in this order so that the interrupt registrations end first, then the statements are
  // finalized, then the databases close.
  std::vector<std::unique_ptr<SqliteDatabase>> databases_;
  std::vector<SqliteStatement> statements_;
  std::vector<std::unique_ptr<Interrupter::Registration>> interrupts_;
};

}  // namespace orc
