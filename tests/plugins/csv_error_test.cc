// The fixes DuckDB suggests for a malformed CSV file, named as the csv extractor's options.
#include "plugins/extractors/csv/csv_error.h"

#include <gtest/gtest.h>

namespace orc {
namespace {

TEST(CsvErrorInOptionsTest, NamesTheFixesAsCsvOptions) {
  EXPECT_EQ(CsvErrorInOptions("CSV Error on Line: 3; Expected Number of Columns: 2 Found: 3 "
                              "Possible fixes: strict_mode=false, null_padding=true, "
                              "ignore_errors=true"),
            "CSV Error on Line: 3; Expected Number of Columns: 2 Found: 3 Possible fixes (csv "
            "options): strict_mode: false, null_padding: true, ignore_errors: true");
  EXPECT_EQ(CsvErrorInOptions("x Possible fixes: delim=';', skip=2, nullstr='NA'"),
            "x Possible fixes (csv options): delimiter: ';', skip_rows: 2, null_string: 'NA'");
}

// Options orc does not accept are not offered.
TEST(CsvErrorInOptionsTest, LeavesOutOptionsTheExtractorLacks) {
  EXPECT_EQ(CsvErrorInOptions("x Possible fixes: max_line_size=10000000, ignore_errors=true"),
            "x Possible fixes (csv options): ignore_errors: true");
  EXPECT_EQ(CsvErrorInOptions("x Possible fixes: max_line_size=10000000"), "x");
  EXPECT_EQ(CsvErrorInOptions("no fixes here"), "no fixes here");
}

}  // namespace
}  // namespace orc
