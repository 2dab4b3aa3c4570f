// MySqlRowStream: the rows of one or more SELECTs on a MariaDB server, read part by part into
// DuckDB (a RowStream). Each part streams its query with mysql_use_result, so the server sends
// rows as DuckDB takes them and memory holds one chunk, whatever the table's size.
//
// Part 0 may be handed the connection that already holds the read's snapshot (the one the
// extractor read the cursor's upper bound on); the other parts, and a part read a second time,
// connect anew. Every connection's socket is in the stream's MySqlInterrupts, so an interrupt
// breaks a blocked read off at once.
//
// OpenPart may run concurrently for different parts (RowStream's contract); the readers are used
// by one thread at a time.
#pragma once

#include <atomic>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "engine/row_stream.h"
#include "plugins/extractors/mysql/mysql_connection.h"
#include "plugins/extractors/mysql/mysql_types.h"

namespace orc {

struct TaskProgress;

class MySqlRowStream final : public RowStream {
 public:
  // `part_queries`: one SELECT per part, each returning `columns`; none when there are no rows.
  // `progress` (may be null) and `interrupts` must outlive the stream's readers.
  MySqlRowStream(std::vector<MySqlColumn> columns, std::vector<std::string> part_queries,
                 MySqlLogin login, std::shared_ptr<MySqlInterrupts> interrupts,
                 std::unique_ptr<MySqlConnection> first_connection, TaskProgress* progress);

  const std::vector<StreamColumn>& Columns() const override { return stream_columns_; }
  int Parts() const override;
  Result<std::unique_ptr<RowReader>> OpenPart(int part) override;

 private:
  std::vector<MySqlColumn> columns_;
  std::vector<StreamColumn> stream_columns_;
  std::vector<std::string> part_queries_;
  MySqlLogin login_;
  std::shared_ptr<MySqlInterrupts> interrupts_;
  TaskProgress* progress_;
  std::mutex mutex_;  // guards first_connection_
  std::unique_ptr<MySqlConnection> first_connection_;
};

}  // namespace orc
