// files: rows into Parquet or CSV files under a directory, optionally partitioned Hive style
// (`col=value/`), replace | append.
//
// DuckDB writes the load (COPY ... TO) into a staging directory beside the destination, on the
// same file system, so nothing a reader lists is ever half written. Then:
//   - replace: the staging tree, with the manifest, becomes the directory in one exchange
//     (renameat2 RENAME_EXCHANGE); the old tree is removed after.
//   - append: each finished file is renamed into the directory, then the manifest is rewritten.
// The manifest (`_orc_loads.json`, FilesManifest) is the ledger and is written last: a load and
// its cursor commit together. Files are named after the run and task (`part-<run>-<task>-<n>`), so
// an attempt that died between publishing files and writing the manifest left files a retry can
// find and remove before it loads again. A lock file beside the directory serialises the tasks
// writing it, across threads and processes.
#include <algorithm>
#include <cctype>
#include <cerrno>
#include <filesystem>
#include <set>
#include <system_error>

#include "common/path_policy.h"
#include "common/time_format.h"
#include "engine/duckdb_engine.h"
#include "plugins/builtin_specs.h"
#include "plugins/loaders/files/durable_files.h"
#include "plugins/loaders/files/files_manifest.h"

namespace orc {
namespace {

namespace fs = std::filesystem;

constexpr size_t kMaxIdLength = 128;

struct FilesLoaderConfig {
  std::string path;                       // the directory
  std::string format = "parquet";         // parquet or csv
  std::vector<std::string> partition_by;  // Hive-style partition columns
  std::string write_mode = "replace";     // replace or append

  std::vector<ConfigFile> Files() const {
    return {{"path", path, ConfigFile::Use::kWriteDirectory}};
  }
};

FilesLoaderConfig ReadFilesLoaderConfig(ConfigReader& in) {
  FilesLoaderConfig config{.path = in.RequiredString("path", NotEmpty),
                           .format = in.OneOf("format", {"parquet", "csv"}, "parquet")};
  std::optional<std::vector<std::string>> partition_by =
      in.StringList("partition_by", SqlIdentifier);
  if (partition_by && partition_by->empty()) {
    in.Fail("partition_by", "must name at least one column (or be left out)");
  }
  config.partition_by = partition_by.value_or(std::vector<std::string>{});
  config.write_mode = in.OneOf("write_mode", {"replace", "append"}, "replace");
  return config;
}

// Run and task ids name files: only letters, digits, '-' and '_' may reach a file name.
Status CheckId(const std::string& what, const std::string& id) {
  const bool safe = !id.empty() && id.size() <= kMaxIdLength &&
                    std::all_of(id.begin(), id.end(), [](unsigned char c) {
                      return std::isalnum(c) != 0 || c == '-' || c == '_';
                    });
  if (safe) return Status::Ok();
  return InvalidArgumentError(what + " '" + id +
                              "' cannot name a file (letters, digits, '-' and '_' only)");
}

// The places one load uses, all in the destination's parent directory or in the destination.
struct LoadPaths {
  fs::path directory;  // the destination
  fs::path staging;    // where DuckDB writes the load
  fs::path aside;      // the old tree during a replace where the exchange is not supported
  fs::path lock;       // serialises the tasks writing the directory
  std::string tag;     // "<run>-<task>": names this task's files
};

class FilesLoader final : public Loader {
 public:
  explicit FilesLoader(const FilesLoaderConfig& config) : config_(config) {}

  Result<LoadResult> Load(TaskContext& context, Extractor& extractor) override {
    Result<LoadResult> result = LoadInto(context, extractor);
    if (!result.ok()) return result.status().WithContext("files " + config_.path);
    return result;
  }

 private:
  // The destination checked against the task's policy as it is now (it may have become a
  // symlink since the job was written), with its parent, where the load is staged.
  Result<LoadPaths> Paths(TaskContext& context) {
    ORC_RETURN_IF_ERROR(CheckId("run id", context.run_id));
    ORC_RETURN_IF_ERROR(CheckId("task id", context.task_id));
    Result<fs::path> checked = context.paths->Check(config_.path, PathAccess::kWrite);
    if (!checked.ok()) return checked.status().WithContext("path");
    const fs::path directory = checked->has_filename() ? *checked : checked->parent_path();
    Result<fs::path> parent =
        context.paths->Check(directory.parent_path().string(), PathAccess::kWrite);
    if (!parent.ok()) {
      return Status(parent.status().code(),
                    "path: '" + config_.path +
                        "' must be a directory below a directory jobs may write, because a load "
                        "is staged beside it: " +
                        parent.status().message());
    }
    const std::string name = directory.filename().string();
    const std::string tag = context.run_id + "-" + context.task_id;
    return LoadPaths{.directory = directory,
                     .staging = directory.parent_path() / ("." + name + ".orc-staging-" + tag),
                     .aside = directory.parent_path() / ("." + name + ".orc-old-" + tag),
                     .lock = directory.parent_path() / ("." + name + ".orc-lock"),
                     .tag = tag};
  }

  Result<LoadResult> LoadInto(TaskContext& context, Extractor& extractor) {
    ORC_ASSIGN_OR_RETURN(const LoadPaths paths, Paths(context));
    std::error_code error;
    fs::create_directories(paths.directory.parent_path(), error);
    if (error) {
      return SystemError("cannot create " + paths.directory.parent_path().string(), error.value());
    }
    ORC_ASSIGN_OR_RETURN(DirectoryLock lock, DirectoryLock::Acquire(context, paths.lock));
    ORC_RETURN_IF_ERROR(RecoverEarlierAttempt(paths));
    ORC_ASSIGN_OR_RETURN(FilesManifest manifest, FilesManifest::Read(paths.directory));
    ORC_ASSIGN_OR_RETURN(std::optional<LoadRecord> earlier, manifest.CommittedLoad(context));
    if (earlier) return AlreadyLoaded(context, *earlier);
    if (config_.write_mode == "append") {
      ORC_RETURN_IF_ERROR(RemoveUncommittedFiles(context, paths));
    }

    // Whatever happens next, the staging tree goes: published, swapped out, or failed.
    struct RemoveStaging {
      const fs::path& staging;
      ~RemoveStaging() { (void)RemoveTree(staging); }
    } remove_staging{paths.staging};
    if (!fs::create_directory(paths.staging, error) || error) {
      return SystemError("cannot create the staging directory " + paths.staging.string(),
                         error ? error.value() : EEXIST);
    }
    ORC_ASSIGN_OR_RETURN(int64_t rows, Write(context, extractor, manifest, paths));
    ORC_ASSIGN_OR_RETURN(std::vector<std::string> files, SyncStaged(paths.staging));
    const LoadRecord record{.run_id = context.run_id,
                            .task_id = context.task_id,
                            .attempt = context.attempt,
                            .target = config_.path,
                            .write_mode = config_.write_mode,
                            .rows_loaded = rows,
                            .cursor_value = cursor_value_};
    const std::string temporary = std::string(kManifestName) + ".tmp-" + paths.tag;
    const std::string loaded_at = FormatRfc3339(context.clock->Now());
    if (config_.write_mode == "replace") {
      manifest.PrepareRecord(paths.staging, files, loaded_at, temporary);
      ORC_RETURN_IF_ERROR(manifest.RecordLoad(record));
      ORC_RETURN_IF_ERROR(SwapIn(context, paths));
    } else {
      ORC_RETURN_IF_ERROR(Publish(paths, files));
      manifest.PrepareRecord(paths.directory, files, loaded_at, temporary);
      if (Status recorded = manifest.RecordLoad(record); !recorded.ok()) {
        Unpublish(paths, files);
        return recorded;
      }
    }
    CountProgress(context, rows);
    return LoadResult{.rows_loaded = rows};
  }

  // What an earlier attempt of this task in this run may have left when it died: its staging
  // tree, the old tree of a replace (removed when the new one is in place, put back when the
  // directory is missing), its temporary manifest.
  Status RecoverEarlierAttempt(const LoadPaths& paths) {
    if (fs::exists(fs::symlink_status(paths.aside))) {
      if (fs::exists(fs::symlink_status(paths.directory))) {
        ORC_RETURN_IF_ERROR(RemoveTree(paths.aside));
      } else {
        ORC_RETURN_IF_ERROR(RenameNoReplace(paths.aside, paths.directory));
      }
    }
    ORC_RETURN_IF_ERROR(RemoveTree(paths.staging));
    return RemoveTree(paths.directory / (std::string(kManifestName) + ".tmp-" + paths.tag));
  }

  // Files this task's earlier attempts in this run renamed into the directory without committing
  // them in the manifest (the attempt died in between): removed, so the retry adds them once.
  Status RemoveUncommittedFiles(TaskContext& context, const LoadPaths& paths) {
    if (!fs::exists(paths.directory)) return Status::Ok();
    const std::string prefix = "part-" + paths.tag + "-";
    std::vector<fs::path> uncommitted;
    std::error_code error;
    // Not following symbolic links: whatever else a user keeps in the directory is left alone.
    fs::recursive_directory_iterator entries(paths.directory, error);
    for (auto entry = fs::begin(entries); !error && entry != fs::end(entries);
         entry.increment(error)) {
      if (fs::is_regular_file(entry->symlink_status()) &&
          entry->path().filename().string().starts_with(prefix)) {
        uncommitted.push_back(entry->path());
      }
    }
    if (error) {
      return SystemError("cannot list " + paths.directory.string(), error.value());
    }
    for (const fs::path& file : uncommitted) {
      ORC_RETURN_IF_ERROR(RemoveTree(file));
      context.Log("info", "removed " + file.lexically_relative(paths.directory).string() +
                              ", left uncommitted by an earlier attempt");
    }
    return Status::Ok();
  }

  // DuckDB writes the extractor's rows into the staging directory; returns the row count.
  Result<int64_t> Write(TaskContext& context, Extractor& extractor, FilesManifest& manifest,
                        const LoadPaths& paths) {
    ORC_ASSIGN_OR_RETURN(std::unique_ptr<DuckDbConnection> connection,
                         context.engine->Connect(":memory:"));
    ORC_RETURN_IF_ERROR(connection->TrackProgress());
    ORC_ASSIGN_OR_RETURN(Source source, extractor.Open(context, *connection, manifest));
    cursor_value_ = source.cursor_value;
    if (source.empty) {
      ORC_RETURN_IF_ERROR(extractor.Finish(context, *connection, 0));
      return int64_t{0};
    }
    const Interrupter::Registration registration =
        context.interrupter->OnInterrupt([&connection] { connection->Interrupt(); });
    context.progress->SetProbe([&connection] { return connection->Progress(); });
    Result<int64_t> rows = connection->Execute(CopySql(source.select_sql, paths));
    context.progress->SetProbe(nullptr);
    if (!rows.ok() && rows.status().code() == StatusCode::kCancelled &&
        context.interrupter->interrupted()) {
      return context.interrupter->reason();
    }
    if (!rows.ok()) return extractor.Explain(rows.status()).WithContext(source.description);
    ORC_RETURN_IF_ERROR(extractor.Finish(context, *connection, *rows));
    return *rows;
  }

  std::string CopySql(const std::string& select_sql, const LoadPaths& paths) const {
    const std::string name = "part-" + paths.tag;
    std::string options = "FORMAT " + config_.format;
    if (config_.format == "csv") options += ", HEADER true";
    std::string target = (paths.staging / (name + "-0." + config_.format)).string();
    if (!config_.partition_by.empty()) {
      std::string columns;
      for (const std::string& column : config_.partition_by) {
        columns += (columns.empty() ? "" : ", ") + QuoteIdentifier(column);
      }
      // DuckDB percent-encodes the values in the directory names ('/' as %2F), so a value cannot
      // lead outside the staging directory; SyncStaged checks what it wrote all the same.
      options +=
          ", PARTITION_BY (" + columns + "), FILENAME_PATTERN " + QuoteLiteral(name + "-{i}");
      target = paths.staging.string();
    }
    return "COPY (" + select_sql + ") TO " + QuoteLiteral(target) + " (" + options + ")";
  }

  // The staged files (relative, as the manifest lists them), each made durable with its
  // directories before anything is published.
  static Result<std::vector<std::string>> SyncStaged(const fs::path& staging) {
    ORC_ASSIGN_OR_RETURN(std::vector<fs::path> files, ListFilesBelow(staging));
    std::vector<std::string> names;
    std::set<fs::path> directories{staging};
    for (const fs::path& file : files) {
      ORC_RETURN_IF_ERROR(SyncPath(staging / file));
      for (fs::path parent = file.parent_path(); !parent.empty(); parent = parent.parent_path()) {
        directories.insert(staging / parent);
      }
      names.push_back(file.string());
    }
    for (const fs::path& directory : directories) ORC_RETURN_IF_ERROR(SyncPath(directory));
    return names;
  }

  // replace: the staged tree becomes the directory; the old tree is removed after.
  Status SwapIn(TaskContext& context, const LoadPaths& paths) {
    if (!fs::exists(fs::symlink_status(paths.directory))) {
      ORC_RETURN_IF_ERROR(RenameNoReplace(paths.staging, paths.directory));
      return SyncPath(paths.directory.parent_path());
    }
    if (!fs::is_directory(fs::symlink_status(paths.directory))) {
      return InvalidArgumentError(paths.directory.string() + " is not a directory");
    }
    ORC_ASSIGN_OR_RETURN(fs::path old_tree,
                         ExchangeDirectories(paths.staging, paths.directory, paths.aside));
    if (Status removed = RemoveTree(old_tree); !removed.ok()) {
      context.Log("warn", "the load is in place, but the previous one is not removed: " +
                              removed.message());
    }
    return Status::Ok();
  }

  // append: each staged file renamed into the directory; on a failure the ones already moved are
  // removed again, leaving the directory as it was.
  Status Publish(const LoadPaths& paths, const std::vector<std::string>& files) {
    std::error_code error;
    fs::create_directories(paths.directory, error);
    if (error) {
      return SystemError("cannot create " + paths.directory.string(), error.value());
    }
    std::set<fs::path> directories{paths.directory};
    for (size_t i = 0; i < files.size(); ++i) {
      const fs::path target = paths.directory / files[i];
      fs::create_directories(target.parent_path(), error);
      Status moved =
          error ? SystemError("cannot create " + target.parent_path().string(), error.value())
                : RenameNoReplace(paths.staging / files[i], target);
      if (!moved.ok()) {
        Unpublish(paths, std::vector<std::string>(files.begin(), files.begin() + i));
        return moved;
      }
      directories.insert(target.parent_path());
    }
    for (const fs::path& directory : directories) {
      if (Status synced = SyncPath(directory); !synced.ok()) {
        Unpublish(paths, files);
        return synced;
      }
    }
    return Status::Ok();
  }

  static void Unpublish(const LoadPaths& paths, const std::vector<std::string>& files) {
    for (const std::string& file : files) (void)RemoveTree(paths.directory / file);
  }

  static void CountProgress(TaskContext& context, int64_t rows) {
    // Extractors that count while they read (an API, page by page) have counted already.
    if (context.progress->rows_extracted.load(std::memory_order_relaxed) == 0) {
      context.progress->rows_extracted.store(rows, std::memory_order_relaxed);
    }
    context.progress->rows_loaded.fetch_add(rows, std::memory_order_relaxed);
    if (context.progress->bytes_read.load(std::memory_order_relaxed) == 0) {
      context.progress->bytes_read.store(context.progress->bytes_to_read.load());
    }
  }

  FilesLoaderConfig config_;
  std::optional<std::string> cursor_value_;  // the Source's, for the ledger
};

}  // namespace

PluginSpec FilesLoaderSpec() { return SpecOf<FilesLoader>("files", ReadFilesLoaderConfig); }

}  // namespace orc
