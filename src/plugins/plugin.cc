#include "plugins/plugin.h"

#include "plugins/config_reader.h"

namespace orc {

void TaskContext::Sleep(Duration duration) const {
  WakeSignal woken;
  Interrupter::Registration registration = interrupter->OnInterrupt([&woken] { woken.Wake(); });
  clock->WaitUntil(woken, clock->Now() + duration);
}

Status Extractor::Finish(TaskContext& context, DuckDbConnection& connection, int64_t rows_read) {
  return Status::Ok();
}

TableWrite ReadTableWrite(ConfigReader& in) {
  TableWrite table{.table_name = in.RequiredString("table_name", SqlTableName),
                   .write_mode = in.OneOf("write_mode", {"replace", "append", "merge"}, "replace")};
  std::optional<std::vector<std::string>> key = in.StringList("primary_key", SqlIdentifier);
  if (key && key->empty()) in.Fail("primary_key", "must name at least one column");
  table.primary_key = key.value_or(std::vector<std::string>{});
  return table;
}

LoadResult AlreadyLoaded(TaskContext& context, const LoadRecord& earlier) {
  context.Log("info", "attempt " + std::to_string(earlier.attempt) + " already loaded " +
                          std::to_string(earlier.rows_loaded) + " rows into " + earlier.target +
                          "; not loading them again");
  return LoadResult{.rows_loaded = earlier.rows_loaded, .already_loaded = true};
}

Status Extractor::Explain(Status error) const { return error; }

}  // namespace orc
