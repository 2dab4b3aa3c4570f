// End-to-end tests of `orc jobs`, `orc runs`, `orc backfill` and `orc apply --prune` against a
// real server once jobs have runs: the tour of issue 20 (list, show, apply back, page, delete).
#include <gtest/gtest.h>

#include "integration/cli_client_fixture.h"

namespace orc {
namespace {

using testing::CliClientTest;
using testing::Outcome;

// An empty file with --prune would delete every job: refused, naming them, unless --yes.
TEST_F(CliClientTest, PruneRefusesToDeleteEveryJobWithoutYes) {
  ASSERT_EQ(Cli({"apply", "-f", "jobs.yaml"}).exit_code, 0);
  Write("empty.yaml", "");
  Outcome refused = Cli({"apply", "-f", "empty.yaml", "--prune"});
  EXPECT_EQ(refused.exit_code, 1);
  EXPECT_NE(refused.err.find("would delete every job on the server (2: broken, orders)"),
            std::string::npos)
      << refused.err;
  EXPECT_NE(refused.err.find("--yes"), std::string::npos) << refused.err;
  EXPECT_EQ(Json({"jobs", "list"}).size(), 2u) << "nothing was deleted";

  Outcome dry = Cli({"apply", "-f", "empty.yaml", "--prune", "--dry-run"});
  EXPECT_EQ(dry.exit_code, 0) << dry.err;
  EXPECT_EQ(dry.out, "would delete  broken\nwould delete  orders\n");

  Outcome yes = Cli({"apply", "-f", "empty.yaml", "--prune", "--yes"});
  EXPECT_EQ(yes.exit_code, 0) << yes.err;
  EXPECT_EQ(yes.out, "deleted  broken\ndeleted  orders\n");
  EXPECT_TRUE(Json({"jobs", "list"}).empty());
}

}  // namespace
}  // namespace orc
