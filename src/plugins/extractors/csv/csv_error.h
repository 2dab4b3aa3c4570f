// How the csv extractor words DuckDB's CSV errors: the fixes DuckDB suggests are named as the
// extractor's options, which a job can set, instead of read_csv's.
#pragma once

#include <string>
#include <string_view>

namespace orc {

// `message` (as ShortDuckDbMessage leaves it) with its " Possible fixes: name=value, ..." tail
// rewritten as " Possible fixes (csv options): option: value, ...", read_csv's names mapped to
// the csv extractor's (delim -> delimiter, skip -> skip_rows, nullstr -> null_string, ...) and
// fixes naming an option it lacks left out (the whole tail when none is left). Other text is kept.
std::string CsvErrorInOptions(std::string_view message);

}  // namespace orc
