// Destination: where a loader's rows land, and the ledger of what landed there.
//
// A destination keeps its own ledger of loads (one record per task of a run that committed a load)
// and, in it, the incremental cursor each load reached. The record is written with the data, in
// the same transaction where the destination has transactions (the `_orc_loads` table of a DuckDB
// or PostgreSQL destination) or after the data, as the last file written (the manifest of a files
// destination), so that a load and its cursor commit together or not at all, and a retried
// attempt finds what an earlier one committed instead of loading the rows twice.
//
// The loader owns its Destination and hands it to the extractor's Open, which reads the cursor to
// continue from there. Nothing else keeps cursors: the state store does not.
//
// Used by one thread, within one Loader::Load.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "common/status.h"

namespace orc {

class ConfigReader;
struct TaskContext;

// What a loader into tables reads from its configuration beside where the database is.
struct TableWrite {
  std::string table_name;              // table or schema.table
  std::string write_mode = "replace";  // replace, append or merge
  // merge matches on these columns; empty: on the source's own key (Source::primary_key)
  std::vector<std::string> primary_key;
};

// Reads `table_name`, `write_mode` and `primary_key` (one column at least, when given).
TableWrite ReadTableWrite(ConfigReader& in);

// One committed load, as the ledger keeps it.
struct LoadRecord {
  std::string run_id;
  std::string task_id;
  int attempt = 1;
  std::string target;      // the table (or directory) loaded, as the job names it
  std::string write_mode;  // replace, append or merge
  int64_t rows_loaded = 0;
  std::optional<std::string> cursor_value;  // the incremental cursor this load reached
};

class Destination {
 public:
  virtual ~Destination() = default;

  // The cursor reached by the last committed load of the context's task (by task id, across
  // runs); nullopt before the first load that had one, so the extractor starts from its initial
  // value.
  virtual Result<std::optional<std::string>> LastCursor(TaskContext& context) = 0;

  // The load an earlier attempt of the context's task in this run committed, if any: a retried
  // attempt that finds one loads nothing again.
  virtual Result<std::optional<LoadRecord>> CommittedLoad(TaskContext& context) = 0;

  // Writes `load` into the ledger: within the load's transaction where the destination has one,
  // else as the last step of the load.
  virtual Status RecordLoad(const LoadRecord& load) = 0;
};

}  // namespace orc
