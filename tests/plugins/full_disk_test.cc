// Loads that run out of disk: the error says why, and a failed load gives its space back where
// DuckDB can. The full disks are small tmpfs mounts, which need root: the tests that mount one
// skip where mounting is refused.
#include <gtest/gtest.h>
#include <httplib.h>
#include <sys/mount.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <nlohmann/json.hpp>
#include <thread>

#include "plugins/data_plane_fixture.h"
#include "plugins/extractors/api/network_policy.h"

namespace orc {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;

// A tmpfs of `megabytes` mounted on a new directory for the life of the object.
class SmallDisk {
 public:
  SmallDisk(const std::filesystem::path& where, int megabytes) : path_(where) {
    std::filesystem::create_directories(path_);
    const std::string options = "size=" + std::to_string(megabytes) + "m";
    if (::mount("tmpfs", path_.c_str(), "tmpfs", 0, options.c_str()) != 0) {
      refused_ = std::string("mounting a tmpfs needs root: ") + std::strerror(errno);
    }
  }
  ~SmallDisk() {
    if (refused_.empty()) ::umount2(path_.c_str(), MNT_DETACH);
  }
  SmallDisk(const SmallDisk&) = delete;
  SmallDisk& operator=(const SmallDisk&) = delete;

  // Why the disk could not be mounted; empty when it is.
  const std::string& refused() const { return refused_; }
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
  std::string refused_;
};

// Sets an environment variable for the life of the object.
class ScopedEnv {
 public:
  ScopedEnv(const char* name, const std::string& value) : name_(name) {
    if (const char* old = std::getenv(name)) old_ = old;
    ::setenv(name, value.c_str(), 1);
  }
  ~ScopedEnv() {
    if (old_) {
      ::setenv(name_, old_->c_str(), 1);
    } else {
      ::unsetenv(name_);
    }
  }
  ScopedEnv(const ScopedEnv&) = delete;
  ScopedEnv& operator=(const ScopedEnv&) = delete;

 private:
  const char* name_;
  std::optional<std::string> old_;
};

using FullDiskTest = testing::DataPlaneFixture;

uintmax_t FileSize(const std::filesystem::path& path) { return std::filesystem::file_size(path); }

TEST_F(FullDiskTest, AFullTmpdirFailsAnApiLoadSayingWhy) {
  SmallDisk disk(dir_.File("tmp"), 1);
  if (!disk.refused().empty()) GTEST_SKIP() << disk.refused();
  ScopedEnv tmpdir("TMPDIR", disk.path().string());

  // One page of about 2 MiB of records: more than the 1 MiB $TMPDIR holds.
  json records = json::array();
  for (int i = 0; i < 20000; ++i) records.push_back({{"id", i}, {"text", std::string(100, 'x')}});
  const std::string page = records.dump();
  NetworkPolicy policy;
  policy.allowed_hosts.push_back({.host = "127.0.0.1"});
  context_.network_policy = &policy;
  httplib::Server server;
  server.Get("/items", [&page](const httplib::Request&, httplib::Response& response) {
    response.set_content(page, "application/json");
  });
  const int port = server.bind_to_any_port("127.0.0.1");
  ASSERT_GT(port, 0);
  std::thread serving([&server] { server.listen_after_bind(); });
  while (!server.is_running()) std::this_thread::sleep_for(1ms);

  Result<LoadResult> failed =
      Load({{"type", "api"}, {"url", "http://127.0.0.1:" + std::to_string(port) + "/items"}},
           DuckDb("items"));
  server.stop();
  serving.join();
  ASSERT_FALSE(failed.ok());
  EXPECT_EQ(failed.status().code(), StatusCode::kUnavailable) << "space may come back: retried";
  EXPECT_NE(failed.status().message().find("cannot write the spool file " + disk.path().string()),
            std::string::npos)
      << failed.status();
  EXPECT_NE(failed.status().message().find(": No space left on device"), std::string::npos)
      << failed.status();
}

TEST_F(FullDiskTest, ALoadThatFillsTheDiskFailsSayingWhyAndLeavesTheTablesAsTheyWere) {
  SmallDisk disk(dir_.File("disk"), 8);
  if (!disk.refused().empty()) GTEST_SKIP() << disk.refused();
  const std::string db = (disk.path() / "out.duckdb").string();
  json loader = {{"type", "duckdb"}, {"db_path", db}, {"table_name", "small"}};
  Write("small.csv", "id\n1\n2\n");
  ASSERT_TRUE(Load({{"type", "csv"}, {"path", "small.csv"}}, loader).ok());

  // About 40 MB of text that does not compress: far more than the disk.
  {
    auto scratch = engine_.Connect(":memory:");
    ASSERT_TRUE(scratch.ok()) << scratch.status();
    ASSERT_TRUE((*scratch)
                    ->Execute("COPY (SELECT range AS id, md5(range::VARCHAR) || "
                              "md5((range * 7)::VARCHAR) AS text FROM range(600000)) TO " +
                              QuoteLiteral(dir_.File("big.csv")) + " (HEADER)")
                    .ok());
  }
  context_.task_id = "task-2";
  loader["table_name"] = "big";
  Result<LoadResult> failed = Load({{"type", "csv"}, {"path", "big.csv"}}, loader);
  ASSERT_FALSE(failed.ok());
  EXPECT_NE(failed.status().message().find("No space left on device"), std::string::npos)
      << failed.status();
  EXPECT_NE(failed.status().message().find("out.duckdb"), std::string::npos) << failed.status();

  auto connection = engine_.Connect(db);
  ASSERT_TRUE(connection.ok()) << connection.status();
  Result<DuckDbRows> small = (*connection)->Query("SELECT count(*) FROM small");
  ASSERT_TRUE(small.ok()) << small.status();
  EXPECT_EQ(small->rows[0][0], "2");
  Result<DuckDbRows> tables =
      (*connection)->Query("SELECT count(*) FROM duckdb_tables() WHERE table_name = 'big'");
  ASSERT_TRUE(tables.ok()) << tables.status();
  EXPECT_EQ(tables->rows[0][0], "0");
}

TEST_F(FullDiskTest, AFailedTransactionGivesTheFileItsSpaceBack) {
  auto transform = [&](const std::string& sql) -> Status {
    Result<std::unique_ptr<Transform>> made =
        MakeTransform({{"type", "sql"}, {"db_path", "out.duckdb"}, {"sql", sql}});
    if (!made.ok()) return made.status();
    return (*made)->Run(context_).status();
  };
  ASSERT_TRUE(transform("CREATE TABLE kept AS SELECT 1 AS x").ok());
  context_.task_id = "task-2";  // a task of its own: a sql task's statements run once per run
  // Some 50 MB written into the file, then a failure that rolls it all back.
  Status failed = transform(
      "CREATE TABLE big AS SELECT range AS id, uuid()::VARCHAR AS text FROM range(3000000); "
      "SELECT error('the last statement fails')");
  ASSERT_FALSE(failed.ok());
  EXPECT_NE(failed.message().find("the last statement fails"), std::string::npos) << failed;
  constexpr uintmax_t kAFewBlocks = 2 << 20;  // DuckDB's blocks are 256 KiB
  EXPECT_LT(FileSize(dir_.File("out.duckdb")), kAFewBlocks)
      << "the rolled-back rows' blocks are cut from the end of the file";
  EXPECT_EQ(Rows("SELECT * FROM kept"), std::vector<std::string>{"1"});
}

}  // namespace
}  // namespace orc
