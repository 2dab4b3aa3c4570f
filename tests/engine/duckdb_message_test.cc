// DuckDB's messages as orc shows them: once, on one line, without the statement's echo or the
// CSV reader's settings. The inputs are DuckDB 1.4's own messages.
#include "engine/duckdb_message.h"

#include <gtest/gtest.h>

#include "engine/duckdb_engine.h"

namespace orc {
namespace {

TEST(ShortDuckDbMessageTest, DropsTheStatementEchoAndItsCaret) {
  EXPECT_EQ(ShortDuckDbMessage("Catalog Error: Table with name nosuch does not exist!\n"
                               "Did you mean \"pg_sequences\"?\n\n"
                               "LINE 1: SELECT * FROM nosuch WHERE x = 1\n"
                               "                      ^"),
            "Catalog Error: Table with name nosuch does not exist! Did you mean \"pg_sequences\"?");
  EXPECT_EQ(ShortDuckDbMessage("Parser Error: syntax error at or near \"FORM\"\n\n"
                               "LINE 12: SELECT 1 FORM t\n"
                               "                  ^"),
            "Parser Error: syntax error at or near \"FORM\"");
  EXPECT_EQ(ShortDuckDbMessage("Binder Error: no such column"), "Binder Error: no such column");
}

TEST(ShortDuckDbMessageTest, ReducesACsvReportToItsCauseAndTheOptionsItSuggests) {
  const std::string report =
      "Invalid Input Error: CSV Error on Line: 30002\n"
      "Original Line: 30001,b,extra\n"
      "Expected Number of Columns: 2 Found: 3\n"
      "Possible fixes:\n"
      "* Disable the parser's strict mode (strict_mode=false) to allow reading rows that do not "
      "comply with the CSV standard.\n"
      "* Enable null padding (null_padding=true) to replace missing values with NULL\n"
      "* Enable ignore errors (ignore_errors=true) to skip this row\n"
      "\n"
      "  file = /data/bad.csv\n"
      "  delimiter = , (Auto-Detected)\n"
      "  quote = (empty) (Auto-Detected)\n"
      "  header = true (Auto-Detected)\n"
      "  null_padding = 0\n"
      "  sample_size = 20480\n"
      "The Column types set by the user do not match the ones found by the sniffer. \n"
      "Column at position: 0 Set type: INTEGER Sniffed type: BIGINT\n"
      "\n";
  EXPECT_EQ(ShortDuckDbMessage(report),
            "Invalid Input Error: CSV Error on Line: 30002; Original Line: 30001,b,extra; "
            "Expected Number of Columns: 2 Found: 3; The Column types set by the user do not "
            "match the ones found by the sniffer. Column at position: 0 Set type: INTEGER "
            "Sniffed type: BIGINT Possible fixes: strict_mode=false, null_padding=true, "
            "ignore_errors=true");
}

TEST(ShortDuckDbMessageTest, CutsALongLine) {
  const std::string message = ShortDuckDbMessage("Original Line: " + std::string(5000, 'x'));
  EXPECT_EQ(message.size(), kMaxDuckDbLine + 3);
  EXPECT_TRUE(message.ends_with("..."));
}

// The engine shortens what DuckDB says before anyone sees it.
TEST(ShortDuckDbMessageTest, TheEngineReportsErrorsShortened) {
  DuckDbEngine engine;
  auto connection = engine.Connect(":memory:");
  ASSERT_TRUE(connection.ok());
  const Status failed = (*connection)->Execute("SELECT * FROM nosuch WHERE x = 1").status();
  EXPECT_EQ(failed.code(), StatusCode::kNotFound);
  EXPECT_EQ(failed.message().find("LINE 1"), std::string::npos) << failed.message();
  EXPECT_EQ(failed.message().find('\n'), std::string::npos) << failed.message();
  EXPECT_NE(failed.message().find("Table with name nosuch does not exist!"), std::string::npos);
}

}  // namespace
}  // namespace orc
