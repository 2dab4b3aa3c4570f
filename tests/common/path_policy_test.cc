#include "common/path_policy.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <fstream>

#include "support/temp_dir.h"

namespace orc {
namespace {

namespace fs = std::filesystem;

class PathPolicyTest : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = ResolvedPath(dir_.path());
    for (const char* sub : {"data", "inputs", "exports", "state", "outside"}) {
      fs::create_directories(root_ / sub);
    }
    Touch(root_ / "state" / "orc.db");
    Touch(root_ / "inputs" / "a.csv");
    Touch(root_ / "outside" / "secret.txt");
  }

  static void Touch(const fs::path& path) { std::ofstream(path) << "x"; }

  PathPolicy Policy() const {
    const fs::path state = root_ / "state" / "orc.db";
    return PathPolicy(root_ / "data", {{root_ / "inputs", false}, {root_ / "exports", true}},
                      {state, state.string() + "-wal", state.string() + "-shm"});
  }

  testing::TempDir dir_;
  fs::path root_;
};

TEST_F(PathPolicyTest, RelativePathsResolveInTheDataDirectory) {
  Result<fs::path> path = Policy().Check("warehouse.duckdb", PathAccess::kWrite);
  ASSERT_TRUE(path.ok()) << path.status().message();
  EXPECT_EQ(*path, root_ / "data" / "warehouse.duckdb");
  EXPECT_EQ(*Policy().Check("sub/dir/../x.csv", PathAccess::kRead), root_ / "data" / "sub/x.csv");
}

TEST_F(PathPolicyTest, OperatorDirectoriesAreReadOnlyUnlessSaidOtherwise) {
  EXPECT_TRUE(Policy().Check((root_ / "inputs" / "a.csv").string(), PathAccess::kRead).ok());
  const Result<fs::path> write =
      Policy().Check((root_ / "inputs" / "b.duckdb").string(), PathAccess::kWrite);
  ASSERT_EQ(write.status().code(), StatusCode::kPermissionDenied);
  EXPECT_NE(write.status().message().find("may only read"), std::string::npos)
      << write.status().message();
  EXPECT_NE(write.status().message().find(":rw"), std::string::npos);
  EXPECT_TRUE(Policy().Check((root_ / "exports" / "out.duckdb").string(), PathAccess::kWrite).ok());
}

TEST_F(PathPolicyTest, EverythingElseIsRefusedWhateverTheSpelling) {
  for (const std::string& path :
       {std::string("/etc/passwd"), std::string("../outside/secret.txt"),
        std::string("../../../../../../etc/passwd"), (root_ / "outside/secret.txt").string(),
        (root_ / "data/../outside/secret.txt").string(), (root_ / "data2").string()}) {
    const Result<fs::path> checked = Policy().Check(path, PathAccess::kRead);
    EXPECT_EQ(checked.status().code(), StatusCode::kPermissionDenied) << path;
    EXPECT_NE(checked.status().message().find("--allow-path"), std::string::npos) << path;
  }
}

TEST_F(PathPolicyTest, ASymlinkOutIsFollowedAndRefused) {
  fs::create_symlink(root_ / "outside", root_ / "data" / "escape");
  EXPECT_EQ(Policy().Check("escape/secret.txt", PathAccess::kRead).status().code(),
            StatusCode::kPermissionDenied);
  // A symlink to a file not yet created is resolved too.
  fs::create_symlink(root_ / "outside" / "new.duckdb", root_ / "data" / "dangling.duckdb");
  EXPECT_EQ(Policy().Check("dangling.duckdb", PathAccess::kWrite).status().code(),
            StatusCode::kPermissionDenied);
}

TEST_F(PathPolicyTest, TheStateDatabaseIsUnreachableByAnyName) {
  // Allowing its directory, as an operator might by mistake, still does not reach it.
  const fs::path state = root_ / "state" / "orc.db";
  PathPolicy policy(root_ / "state", {}, {state, state.string() + "-wal", state.string() + "-shm"});
  fs::create_symlink(state, root_ / "state" / "link.db");
  ASSERT_EQ(::link(state.c_str(), (root_ / "state" / "hard.db").c_str()), 0);
  for (const std::string& path :
       {std::string("orc.db"), std::string("./orc.db"), std::string("x/../orc.db"), state.string(),
        std::string("orc.db-wal"), std::string("orc.db-shm"), std::string("link.db"),
        std::string("hard.db")}) {
    for (const PathAccess access : {PathAccess::kRead, PathAccess::kWrite}) {
      const Result<fs::path> checked = policy.Check(path, access);
      EXPECT_EQ(checked.status().code(), StatusCode::kPermissionDenied) << path;
      EXPECT_NE(checked.status().message().find("state database"), std::string::npos) << path;
    }
  }
  // So is it when nothing is confined.
  PathPolicy unrestricted = PathPolicy::Unrestricted(root_ / "state");
  EXPECT_TRUE(unrestricted.Check("/etc/passwd", PathAccess::kRead).ok());
}

TEST_F(PathPolicyTest, AStateFileWithAnotherNameIsReported) {
  EXPECT_TRUE(Policy().CheckProtectedFilesHaveOneName().ok());
  const fs::path state = root_ / "state" / "orc.db";
  ASSERT_EQ(::link(state.c_str(), (root_ / "outside" / "copy").c_str()), 0);
  const Status status = Policy().CheckProtectedFilesHaveOneName();
  EXPECT_EQ(status.code(), StatusCode::kPermissionDenied);
  EXPECT_NE(status.message().find("2 hard links"), std::string::npos) << status.message();
}

TEST_F(PathPolicyTest, PatternsAreCheckedByTheirDirectory) {
  Result<fs::path> pattern = Policy().CheckPattern("daily/*.csv", PathAccess::kRead);
  ASSERT_TRUE(pattern.ok()) << pattern.status().message();
  EXPECT_EQ(*pattern, root_ / "data" / "daily" / "*.csv");
  EXPECT_EQ(*Policy().CheckPattern("*.csv", PathAccess::kRead), root_ / "data" / "*.csv");
  EXPECT_TRUE(Policy().CheckPattern((root_ / "inputs/**/*.csv").string(), PathAccess::kRead).ok());
  EXPECT_EQ(Policy().CheckPattern("/etc/*", PathAccess::kRead).status().code(),
            StatusCode::kPermissionDenied);
  EXPECT_EQ(Policy().CheckPattern("*/../../outside/*", PathAccess::kRead).status().code(),
            StatusCode::kPermissionDenied);
}

TEST_F(PathPolicyTest, MemoryAndBadPaths) {
  EXPECT_EQ(*Policy().Check(":memory:", PathAccess::kWrite), fs::path(":memory:"));
  EXPECT_EQ(Policy().Check("", PathAccess::kRead).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(Policy().Check(std::string("a\0b", 3), PathAccess::kRead).status().code(),
            StatusCode::kInvalidArgument);
}

TEST(AllowedDirectoryTest, ParsesTheFlagForm) {
  EXPECT_EQ(*ParseAllowedDirectory("/srv/in", "/"), (AllowedDirectory{"/srv/in", false}));
  EXPECT_EQ(*ParseAllowedDirectory("/srv/in:ro", "/"), (AllowedDirectory{"/srv/in", false}));
  EXPECT_EQ(*ParseAllowedDirectory("/srv/out:rw", "/"), (AllowedDirectory{"/srv/out", true}));
  EXPECT_EQ(*ParseAllowedDirectory("out:rw", "/srv"), (AllowedDirectory{"/srv/out", true}));
  EXPECT_FALSE(ParseAllowedDirectory(":rw", "/").ok());
}

TEST(PathIsWithinTest, ComparesWholeComponents) {
  EXPECT_TRUE(PathIsWithin("/data/x", "/data"));
  EXPECT_TRUE(PathIsWithin("/data", "/data"));
  EXPECT_TRUE(PathIsWithin("/data/x", "/data/"));
  EXPECT_FALSE(PathIsWithin("/data2/x", "/data"));
  EXPECT_FALSE(PathIsWithin("/", "/data"));
}

}  // namespace
}  // namespace orc
