// The files loader: Parquet and CSV under a directory, read back by DuckDB itself (the reference
// for what was written), loads that are all or nothing across retries, crashes, corrupt
// manifests, refused writes and hostile partition values.
#include <fcntl.h>
#include <linux/capability.h>
#include <sys/file.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <thread>

#include "plugins/data_plane_fixture.h"
#include "plugins/loaders/files/files_manifest.h"

namespace orc {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

// An incremental source: the ids after the destination's last cursor, three at a time.
class CountingExtractor final : public Extractor {
 public:
  Result<Source> Open(TaskContext& context, DuckDbConnection&, Destination& destination) override {
    ORC_ASSIGN_OR_RETURN(std::optional<std::string> cursor, destination.LastCursor(context));
    const int from = cursor ? std::stoi(*cursor) : 0;
    return Source{.select_sql = "SELECT range AS id FROM range(" + std::to_string(from) + ", " +
                                std::to_string(from + 3) + ")",
                  .description = "counting",
                  .cursor_value = std::to_string(from + 3)};
  }
};

// A source with no rows and no columns.
class EmptyExtractor final : public Extractor {
 public:
  Result<Source> Open(TaskContext&, DuckDbConnection&, Destination&) override {
    return Source{.description = "nothing", .empty = true};
  }
};

// While alive, this thread (and the threads it starts) lose root's power to ignore file
// permissions, so a test run as root sees a read-only directory refuse it.
class WithoutFileCapabilities {
 public:
  WithoutFileCapabilities() {
    header_.version = _LINUX_CAPABILITY_VERSION_3;
    if (syscall(SYS_capget, &header_, saved_) != 0) return;
    __user_cap_data_struct reduced[2] = {saved_[0], saved_[1]};
    for (const int capability : {CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH, CAP_FOWNER}) {
      reduced[0].effective &= ~(1u << capability);
    }
    dropped_ = syscall(SYS_capset, &header_, reduced) == 0;
  }
  ~WithoutFileCapabilities() {
    if (dropped_) syscall(SYS_capset, &header_, saved_);
  }

 private:
  __user_cap_header_struct header_{};
  __user_cap_data_struct saved_[2]{};
  bool dropped_ = false;
};

class FilesLoaderTest : public testing::DataPlaneFixture {
 protected:
  void SetUp() override {
    DataPlaneFixture::SetUp();
    Write("rows.csv", "id,region,name\n1,eu,anna\n2,us,bob\n3,eu,carla\n4,,dan\n5,us,\"e, f\"\n");
  }

  static json Files(const std::string& mode, const std::string& format = "parquet",
                    const std::vector<std::string>& partition_by = {},
                    const std::string& path = "out") {
    json config = {{"type", "files"}, {"path", path}, {"format", format}, {"write_mode", mode}};
    if (!partition_by.empty()) config["partition_by"] = partition_by;
    return config;
  }

  static json Csv(const std::string& file = "rows.csv") {
    return {{"type", "csv"}, {"path", file}};
  }

  Result<LoadResult> LoadFiles(const json& loader, const json& extractor = Csv()) {
    return Load(extractor, loader);
  }

  Result<LoadResult> LoadWith(Extractor& extractor, const json& loader) {
    Result<std::unique_ptr<Loader>> made = MakeLoader(loader);
    if (!made.ok()) return made.status();
    return (*made)->Load(context_, extractor);
  }

  // Rows of `sql` run by a DuckDB of the test's own, each as "a|b|c", sorted.
  std::vector<std::string> Query(const std::string& sql) {
    DuckDbEngine reference;
    auto connection = reference.Connect(":memory:");
    EXPECT_TRUE(connection.ok()) << connection.status();
    Result<DuckDbRows> rows = (*connection)->Query(sql);
    EXPECT_TRUE(rows.ok()) << rows.status() << " in " << sql;
    std::vector<std::string> lines;
    if (!rows.ok()) return lines;
    for (const auto& row : rows->rows) {
      std::string line;
      for (size_t i = 0; i < row.size(); ++i) line += (i ? "|" : "") + row[i].value_or("NULL");
      lines.push_back(line);
    }
    std::sort(lines.begin(), lines.end());
    return lines;
  }

  // The rows under `directory` as DuckDB reads the directory, Hive partitions and all.
  std::vector<std::string> ReadBack(const std::string& format, const std::string& columns,
                                    const std::string& directory = "out") {
    const std::string glob = QuoteLiteral(dir_.File(directory) + "/**/*." + format);
    const std::string reader = format == "parquet"
                                   ? "read_parquet(" + glob + ", hive_partitioning = true)"
                                   : "read_csv(" + glob + ", hive_partitioning = true)";
    return Query("SELECT " + columns + " FROM " + reader);
  }

  std::vector<ManifestEntry> Manifest(const std::string& directory = "out") {
    Result<FilesManifest> manifest = FilesManifest::Read(dir_.File(directory));
    EXPECT_TRUE(manifest.ok()) << manifest.status();
    return manifest.ok() ? manifest->entries() : std::vector<ManifestEntry>{};
  }

  // Everything in the data directory whose name says a load left it behind.
  std::vector<std::string> Leftovers(const std::string& directory = "") {
    std::vector<std::string> found;
    for (const auto& entry : fs::recursive_directory_iterator(dir_.File(directory))) {
      const std::string name = entry.path().filename().string();
      if (name.find(".orc-staging-") != std::string::npos ||
          name.find(".orc-old-") != std::string::npos || name.find(".tmp-") != std::string::npos) {
        found.push_back(entry.path().string());
      }
    }
    return found;
  }

  const std::vector<std::string> kAllRows = {"1|eu|anna", "2|us|bob", "3|eu|carla", "4|NULL|dan",
                                             "5|us|e, f"};
};

TEST_F(FilesLoaderTest, EveryFormatAndLayoutReadsBackAsTheSourceRows) {
  for (const std::string format : {"parquet", "csv"}) {
    for (const bool partitioned : {false, true}) {
      SCOPED_TRACE(format + (partitioned ? " partitioned" : ""));
      context_.run_id = "run-" + format + (partitioned ? "-p" : "");
      const std::vector<std::string> partition_by =
          partitioned ? std::vector<std::string>{"region"} : std::vector<std::string>{};
      Result<LoadResult> loaded = LoadFiles(Files("replace", format, partition_by));
      ASSERT_TRUE(loaded.ok()) << loaded.status();
      EXPECT_EQ(loaded->rows_loaded, 5);
      EXPECT_EQ(ReadBack(format, "id, region, name"), kAllRows);
      const std::vector<ManifestEntry> manifest = Manifest();
      ASSERT_FALSE(manifest.empty());
      EXPECT_EQ(manifest.back().load.rows_loaded, 5);
      EXPECT_EQ(manifest.back().files.size(), partitioned ? 3u : 1u);
      for (const std::string& file : manifest.back().files) {
        EXPECT_TRUE(fs::is_regular_file(dir_.File("out/" + file))) << file;
        EXPECT_NE(file.find("part-" + context_.run_id + "-task-1-"), std::string::npos) << file;
      }
      if (partitioned) {
        EXPECT_TRUE(fs::is_directory(dir_.File("out/region=eu")));
      }
      EXPECT_EQ(Leftovers(), std::vector<std::string>{});
    }
  }
}

TEST_F(FilesLoaderTest, AppendAddsFilesAndReplaceSwapsTheWholeTree) {
  for (const std::string run : {"run-a", "run-b"}) {
    context_.run_id = run;
    ASSERT_TRUE(LoadFiles(Files("append", "parquet", {"region"})).ok());
  }
  EXPECT_EQ(ReadBack("parquet", "count(*)"), std::vector<std::string>{"10"});
  context_.run_id = "run-c";
  Write("few.csv", "id,region,name\n9,eu,zoe\n");
  ASSERT_TRUE(LoadFiles(Files("replace", "parquet", {"region"}), Csv("few.csv")).ok());
  EXPECT_EQ(ReadBack("parquet", "id, region, name"), std::vector<std::string>{"9|eu|zoe"});
  EXPECT_FALSE(fs::exists(dir_.File("out/region=us")));
  const std::vector<ManifestEntry> manifest = Manifest();
  ASSERT_EQ(manifest.size(), 3u);  // the ledger keeps every load, replaced or not
  EXPECT_EQ(manifest[0].load.write_mode, "append");
  EXPECT_EQ(manifest[2].load.write_mode, "replace");
  EXPECT_EQ(Leftovers(), std::vector<std::string>{});
}

TEST_F(FilesLoaderTest, ARetryAfterTheCommitLoadsNothing) {
  for (const std::string mode : {"append", "replace"}) {
    context_.run_id = "run-" + mode;
    context_.attempt = 1;
    ASSERT_TRUE(LoadFiles(Files(mode)).ok());
    context_.attempt = 2;
    Result<LoadResult> retried = LoadFiles(Files(mode));
    ASSERT_TRUE(retried.ok()) << retried.status();
    EXPECT_TRUE(retried->already_loaded);
    EXPECT_EQ(retried->rows_loaded, 5);
  }
  // One append and one replace: the replace's five rows, once.
  EXPECT_EQ(ReadBack("parquet", "id, region, name"), kAllRows);
  EXPECT_EQ(Manifest().size(), 2u);
}

TEST_F(FilesLoaderTest, AnAttemptThatDiedBeforeItsManifestIsLoadedOnceOnRetry) {
  context_.run_id = "run-1";
  ASSERT_TRUE(LoadFiles(Files("append")).ok());
  // Attempt 1 of run-2 renamed its file in and died before the manifest; it also left its
  // staging tree and temporary manifest.
  fs::copy_file(dir_.File("out/part-run-1-task-1-0.parquet"),
                dir_.File("out/part-run-2-task-1-0.parquet"));
  fs::create_directories(dir_.File(".out.orc-staging-run-2-task-1/x"));
  Write("out/_orc_loads.json.tmp-run-2-task-1", "{\"version\": 1, \"lo");
  // What a user keeps beside the loads is left alone.
  fs::create_symlink(dir_.File("rows.csv"), dir_.File("out/notes.csv"));
  EXPECT_EQ(ReadBack("parquet", "count(*)"), std::vector<std::string>{"10"});

  context_.run_id = "run-2";
  context_.attempt = 2;
  Result<LoadResult> retried = LoadFiles(Files("append"));
  ASSERT_TRUE(retried.ok()) << retried.status();
  EXPECT_FALSE(retried->already_loaded);
  EXPECT_EQ(ReadBack("parquet", "count(*)"), std::vector<std::string>{"10"});
  EXPECT_EQ(Manifest().size(), 2u);
  EXPECT_EQ(Leftovers(), std::vector<std::string>{});
  EXPECT_TRUE(fs::is_symlink(dir_.File("out/notes.csv")));
}

TEST_F(FilesLoaderTest, AReplaceThatDiedMidSwapIsRecoveredOnRetry) {
  context_.run_id = "run-1";
  ASSERT_TRUE(LoadFiles(Files("replace")).ok());
  // A replace of run-2 that died mid-way where the exchange is not supported: the old tree
  // aside, no directory. The retry puts the old tree back, then loads.
  fs::rename(dir_.File("out"), dir_.File(".out.orc-old-run-2-task-1"));
  context_.run_id = "run-2";
  context_.attempt = 2;
  Result<LoadResult> retried = LoadFiles(Files("replace"));
  ASSERT_TRUE(retried.ok()) << retried.status();
  EXPECT_EQ(ReadBack("parquet", "id, region, name"), kAllRows);
  EXPECT_EQ(Manifest().size(), 2u);
  EXPECT_EQ(Leftovers(), std::vector<std::string>{});
  // It died again after the exchange, before removing the old tree (now at the staging name):
  // the next attempt finds its load committed and removes the old tree.
  fs::create_directories(dir_.File(".out.orc-staging-run-2-task-1/old"));
  context_.attempt = 3;
  Result<LoadResult> again = LoadFiles(Files("replace"));
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_TRUE(again->already_loaded);
  EXPECT_EQ(Leftovers(), std::vector<std::string>{});
}

TEST_F(FilesLoaderTest, ACorruptManifestFailsTheLoadNamingItAndTouchesNothing) {
  ASSERT_TRUE(LoadFiles(Files("append")).ok());
  const std::string manifest = dir_.File("out/_orc_loads.json");
  for (const std::string& text :
       {std::string("{\"version\": 1, \"loads\": [{\"run_id\": "), std::string("[]"),
        std::string("{\"version\": 2, \"loads\": []}"),
        std::string("{\"version\": 1, \"loads\": [{\"run_id\": 7}]}"),
        std::string("{\"version\": 1, \"loads\": [") + std::string(100000, '[')}) {
    SCOPED_TRACE(text.substr(0, 60));
    Write("out/_orc_loads.json", text);
    context_.run_id = "run-2";
    Result<LoadResult> loaded = LoadFiles(Files("append"));
    ASSERT_FALSE(loaded.ok());
    EXPECT_EQ(loaded.status().code(), StatusCode::kInvalidArgument) << loaded.status();
    EXPECT_NE(loaded.status().message().find("the manifest " + manifest), std::string::npos)
        << loaded.status();
    EXPECT_EQ(ReadBack("parquet", "count(*)"), std::vector<std::string>{"5"});
    EXPECT_EQ(Leftovers(), std::vector<std::string>{});
  }
  // Too large to be a manifest.
  std::ofstream(manifest) << std::string(kMaxManifestBytes + 1, ' ');
  Result<LoadResult> loaded = LoadFiles(Files("append"));
  ASSERT_FALSE(loaded.ok());
  EXPECT_NE(loaded.status().message().find("larger than"), std::string::npos) << loaded.status();
}

TEST_F(FilesLoaderTest, AReadOnlyDirectoryRefusesTheLoadAndKeepsThePreviousOne) {
  ASSERT_TRUE(LoadFiles(Files("append", "parquet", {"region"})).ok());
  context_.run_id = "run-2";
  {
    // append: the files cannot be renamed into the directory.
    fs::permissions(dir_.File("out"), fs::perms::owner_write, fs::perm_options::remove);
    fs::permissions(dir_.File("out/region=eu"), fs::perms::owner_write, fs::perm_options::remove);
    const WithoutFileCapabilities unprivileged;
    Result<LoadResult> loaded = LoadFiles(Files("append", "parquet", {"region"}));
    ASSERT_FALSE(loaded.ok());
    EXPECT_EQ(loaded.status().code(), StatusCode::kPermissionDenied) << loaded.status();
    EXPECT_NE(loaded.status().message().find("Permission denied"), std::string::npos)
        << loaded.status();
  }
  {
    // replace: nothing can be staged beside the directory.
    fs::permissions(dir_.path(), fs::perms::owner_write, fs::perm_options::remove);
    const WithoutFileCapabilities unprivileged;
    Result<LoadResult> loaded = LoadFiles(Files("replace"));
    ASSERT_FALSE(loaded.ok());
    EXPECT_EQ(loaded.status().code(), StatusCode::kPermissionDenied) << loaded.status();
    EXPECT_NE(loaded.status().message().find("cannot create the staging directory"),
              std::string::npos)
        << loaded.status();
  }
  fs::permissions(dir_.path(), fs::perms::owner_write, fs::perm_options::add);
  fs::permissions(dir_.File("out"), fs::perms::owner_write, fs::perm_options::add);
  fs::permissions(dir_.File("out/region=eu"), fs::perms::owner_write, fs::perm_options::add);
  EXPECT_EQ(ReadBack("parquet", "id, region, name"), kAllRows);
  EXPECT_EQ(Manifest().size(), 1u);
  EXPECT_EQ(Leftovers(), std::vector<std::string>{});
}

TEST_F(FilesLoaderTest, AFullDiskFailsTheLoadAndKeepsThePreviousOne) {
  fs::create_directories(dir_.File("small"));
  if (mount("tmpfs", dir_.File("small").c_str(), "tmpfs", 0, "size=2m") != 0) {
    GTEST_SKIP() << "cannot mount a 2 MiB tmpfs here (" << std::strerror(errno)
                 << "); run the tests as root where mount is allowed to cover a full disk";
  }
  struct Unmount {
    std::string path;
    ~Unmount() { umount2(path.c_str(), MNT_DETACH); }
  } unmount{dir_.File("small")};
  ASSERT_TRUE(LoadFiles(Files("append", "csv", {}, "small/out")).ok());
  // About 8 MB of text, which neither compresses nor fits.
  ASSERT_EQ(Query("COPY (SELECT range AS id, 'x' AS region, md5(range::VARCHAR) || "
                  "md5((range + 1)::VARCHAR) AS name FROM range(120000)) TO " +
                  QuoteLiteral(dir_.File("big.csv")) + " (HEADER true)"),
            std::vector<std::string>{"120000"});
  for (const std::string mode : {"append", "replace"}) {
    SCOPED_TRACE(mode);
    context_.run_id = "run-" + mode;
    Result<LoadResult> loaded = LoadFiles(Files(mode, "csv", {}, "small/out"), Csv("big.csv"));
    ASSERT_FALSE(loaded.ok());
    EXPECT_NE(loaded.status().message().find("space"), std::string::npos) << loaded.status();
    EXPECT_EQ(ReadBack("csv", "id, region, name", "small/out"), kAllRows);
    EXPECT_EQ(Manifest("small/out").size(), 1u);
    EXPECT_EQ(Leftovers("small"), std::vector<std::string>{});
  }
}

TEST_F(FilesLoaderTest, HostilePartitionValuesStayInsideTheDirectory) {
  Write("hostile.csv", "id,p\n1,../../escape\n2,a/b\n3,..\n4,.\n5,x=y\n6,/etc\n7,%2F..%2F\n8,\n");
  ASSERT_TRUE(LoadFiles(Files("replace", "parquet", {"p"}), Csv("hostile.csv")).ok());
  for (const auto& entry : fs::recursive_directory_iterator(dir_.path())) {
    const fs::path relative = entry.path().lexically_relative(dir_.path());
    const std::string top = relative.begin()->string();
    EXPECT_TRUE(top == "out" || top == "hostile.csv" || top == "rows.csv" || top == ".out.orc-lock")
        << entry.path();
  }
  for (const auto& entry : fs::directory_iterator(dir_.File("out"))) {
    EXPECT_TRUE(entry.path().filename().string().starts_with("p=") ||
                entry.path().filename() == kManifestName)
        << entry.path();
  }
  EXPECT_EQ(ReadBack("parquet", "id, p::VARCHAR"),
            (std::vector<std::string>{"1|../../escape", "2|a/b", "3|..", "4|.", "5|x=y", "6|/etc",
                                      "7|%2F..%2F", "8|NULL"}));
}

TEST_F(FilesLoaderTest, TheCursorCommitsWithTheLoadAndTheNextRunContinuesFromIt) {
  CountingExtractor counting;
  for (const std::string run : {"run-1", "run-2", "run-3"}) {
    context_.run_id = run;
    Result<LoadResult> loaded = LoadWith(counting, Files("append", "csv"));
    ASSERT_TRUE(loaded.ok()) << loaded.status();
    EXPECT_EQ(loaded->rows_loaded, 3);
  }
  EXPECT_EQ(ReadBack("csv", "count(DISTINCT id), min(id), max(id)"),
            std::vector<std::string>{"9|0|8"});
  EXPECT_EQ(Manifest().back().load.cursor_value, "9");
  // Another task of the same directory keeps a cursor of its own.
  context_.task_id = "task-2";
  ASSERT_TRUE(LoadWith(counting, Files("append", "csv")).ok());
  EXPECT_EQ(Manifest().back().load.cursor_value, "3");
}

TEST_F(FilesLoaderTest, AnEmptySourceCommitsALoadOfNoRows) {
  ASSERT_TRUE(LoadFiles(Files("append")).ok());
  EmptyExtractor empty;
  context_.run_id = "run-2";
  ASSERT_TRUE(LoadWith(empty, Files("append")).ok());
  EXPECT_EQ(ReadBack("parquet", "count(*)"), std::vector<std::string>{"5"});
  context_.run_id = "run-3";
  ASSERT_TRUE(LoadWith(empty, Files("replace")).ok());
  std::vector<std::string> names;
  for (const auto& entry : fs::directory_iterator(dir_.File("out"))) {
    names.push_back(entry.path().filename().string());
  }
  EXPECT_EQ(names, std::vector<std::string>{kManifestName});
  const std::vector<ManifestEntry> manifest = Manifest();
  ASSERT_EQ(manifest.size(), 3u);
  EXPECT_EQ(manifest[2].load.rows_loaded, 0);
  EXPECT_TRUE(manifest[2].files.empty());
}

TEST_F(FilesLoaderTest, TheDirectoryMustLieBelowADirectoryJobsMayWrite) {
  Confine();
  for (const std::string& path : std::vector<std::string>{".", dir_.path(), "/tmp/elsewhere"}) {
    SCOPED_TRACE(path);
    const Status checked = registry_.Validate(
        PluginKind::kLoader, Files("replace", "csv", {}, path), "c", {.paths = &paths_});
    EXPECT_FALSE(checked.ok());
    EXPECT_EQ(checked.field(), "c.path") << checked;
  }
  EXPECT_TRUE(registry_
                  .Validate(PluginKind::kLoader, Files("replace", "csv", {}, "sub/out/"), "c",
                            {.paths = &paths_})
                  .ok());
  const Status empty = registry_.Validate(
      PluginKind::kLoader, {{"type", "files"}, {"path", "out"}, {"partition_by", json::array()}},
      "c");
  EXPECT_EQ(empty.field(), "c.partition_by") << empty;
  const Status bad_format = registry_.Validate(
      PluginKind::kLoader, {{"type", "files"}, {"path", "out"}, {"format", "xlsx"}}, "c");
  EXPECT_EQ(bad_format.field(), "c.format") << bad_format;
}

TEST_F(FilesLoaderTest, TasksWritingOneDirectoryTakeTurnsAndBothCommit) {
  constexpr int kTasks = 4;
  std::vector<TaskContext> contexts(kTasks, context_);
  std::vector<TaskProgress> progress(kTasks);
  std::vector<Result<LoadResult>> results(kTasks, InternalError("not run"));
  std::vector<std::thread> threads;
  for (int i = 0; i < kTasks; ++i) {
    contexts[i].task_id = "task-" + std::to_string(i);
    contexts[i].progress = &progress[i];
    threads.emplace_back([&, i] {
      Result<std::unique_ptr<Extractor>> extractor = MakeExtractor(Csv());
      Result<std::unique_ptr<Loader>> loader = MakeLoader(Files("append", "parquet", {"region"}));
      if (extractor.ok() && loader.ok()) results[i] = (*loader)->Load(contexts[i], **extractor);
    });
  }
  for (std::thread& thread : threads) thread.join();
  for (const Result<LoadResult>& result : results) EXPECT_TRUE(result.ok()) << result.status();
  EXPECT_EQ(ReadBack("parquet", "count(*)"), std::vector<std::string>{"20"});
  EXPECT_EQ(Manifest().size(), static_cast<size_t>(kTasks));
  EXPECT_EQ(Leftovers(), std::vector<std::string>{});
}

TEST_F(FilesLoaderTest, ADirectoryThatBecameASymlinkOutsideIsRefusedWhenTheTaskRuns) {
  Confine();
  testing::TempDir outside;
  Result<std::unique_ptr<Loader>> loader = MakeLoader(Files("replace"));
  ASSERT_TRUE(loader.ok()) << loader.status();
  fs::create_symlink(outside.path(), dir_.File("out"));
  Result<std::unique_ptr<Extractor>> extractor = MakeExtractor(Csv());
  ASSERT_TRUE(extractor.ok());
  Result<LoadResult> loaded = (*loader)->Load(context_, **extractor);
  ASSERT_FALSE(loaded.ok());
  EXPECT_EQ(loaded.status().code(), StatusCode::kPermissionDenied) << loaded.status();
  EXPECT_TRUE(fs::is_empty(outside.path()));
  EXPECT_TRUE(fs::is_symlink(dir_.File("out")));
}

TEST_F(FilesLoaderTest, AnInterruptEndsTheWaitForAnotherWriter) {
  // Another process's load holds the directory.
  const int held = open(dir_.File(".out.orc-lock").c_str(), O_RDONLY | O_CREAT | O_CLOEXEC, 0644);
  ASSERT_GE(held, 0);
  ASSERT_EQ(flock(held, LOCK_EX), 0);
  std::thread canceller([this] {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    interrupter_.Interrupt(CancelledError("the run was cancelled"));
  });
  Result<LoadResult> loaded = LoadFiles(Files("append"));
  canceller.join();
  close(held);
  ASSERT_FALSE(loaded.ok());
  EXPECT_NE(loaded.status().message().find("the run was cancelled"), std::string::npos)
      << loaded.status();
  EXPECT_FALSE(fs::exists(dir_.File("out")));
  ASSERT_FALSE(logs_.empty());
  EXPECT_NE(logs_.back().find("waiting for another task writing the directory"), std::string::npos)
      << logs_.back();
}

}  // namespace
}  // namespace orc
