// PathPolicy: which files jobs may read and write.
//
// Jobs name files (an extractor's `path`, a loader's or transform's `db_path`) relative to the data
// directory or absolutely. An operator confines them: the data directory is readable and writable,
// `--allow-path DIR` adds directories (read-only or read-write), and nothing else is reachable. The
// state store's own files are never reachable, by any name: a path is refused when it resolves
// (after `..` and symlinks) to one of them, or when the file it names has the same device and inode
// (a hard link).
//
// The policy is checked twice: when a job is written (so a bad path is a 400 naming the field) and
// when its task runs (a symlink may have changed since). Checking a path is a snapshot: the file
// system can change between the check and the open, which is why the executor processes also
// confine DuckDB (enable_external_access) and, where the kernel allows, themselves (Landlock).
//
// Thread safety: a PathPolicy is immutable after construction; share it freely.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace orc {

enum class PathAccess { kRead, kWrite };

struct AllowedDirectory {
  std::filesystem::path path;  // absolute
  bool writable = false;

  friend bool operator==(const AllowedDirectory&, const AllowedDirectory&) = default;
};

// "DIR", "DIR:ro" or "DIR:rw" (the form of --allow-path; the default is read-only), relative to
// `base` when not absolute. InvalidArgument for an empty directory or another suffix.
Result<AllowedDirectory> ParseAllowedDirectory(std::string_view text,
                                               const std::filesystem::path& base);

class PathPolicy {
 public:
  // Every path allowed (nothing is confined); relative paths resolve against `data_dir`. For
  // tools that run a job's plugins outside `orc serve` and for tests.
  static PathPolicy Unrestricted(std::filesystem::path data_dir);

  // Jobs may use `data_dir` (read-write) and `extra`, and never `protected_files` (the state
  // database and the files beside it: pass each name, e.g. orc.db, orc.db-wal, orc.db-shm,
  // orc.db-journal; they need not exist). Paths are made absolute against the working directory
  // and their symlinks resolved as far as they exist.
  PathPolicy(std::filesystem::path data_dir, std::vector<AllowedDirectory> extra,
             std::vector<std::filesystem::path> protected_files);

  const std::filesystem::path& data_dir() const { return data_dir_; }
  // The data directory first, then the operator's, as given (absolute, symlinks resolved).
  const std::vector<AllowedDirectory>& directories() const { return directories_; }
  const std::vector<std::filesystem::path>& protected_files() const { return protected_files_; }
  bool restricted() const { return restricted_; }

  // `path` as a job names it, resolved against the data directory and normalized, with its
  // symlinks resolved as far as it exists. PermissionDenied when that lies outside every allowed
  // directory that grants `access`, or is (or is a hard link to) a protected file; the message
  // names the path and what the operator can do. InvalidArgument for an empty path or one with a
  // NUL byte. ":memory:" is returned unchanged.
  Result<std::filesystem::path> Check(std::string_view path, PathAccess access) const;

  // A glob pattern (DuckDB's: *, ?, [...], **): its directory part before the first wildcard is
  // checked as Check() does, and `..` may not follow a wildcard. Returns the pattern resolved
  // against the data directory. The files a pattern matches must still be checked one by one.
  Result<std::filesystem::path> CheckPattern(std::string_view pattern, PathAccess access) const;

  // Whether `path` (absolute) is a protected file, by name or by device and inode.
  bool IsProtected(const std::filesystem::path& path) const;

  // PermissionDenied when a protected file has another name (a hard link): SQL could then reach
  // the state database through it, under a name no check knows. Jobs cannot make hard links; an
  // operator can, so this is checked at startup and before every task attempt.
  Status CheckProtectedFilesHaveOneName() const;

 private:
  PathPolicy() = default;

  std::filesystem::path data_dir_;
  std::vector<AllowedDirectory> directories_;
  std::vector<std::filesystem::path> protected_files_;
  bool restricted_ = true;
};

// `path` made absolute against the working directory, `..` removed and symlinks resolved as far as
// it exists (the rest kept as written).
std::filesystem::path ResolvedPath(const std::filesystem::path& path);

// Whether `path` is `directory` or lies below it (both absolute and normalized), component-wise:
// /data does not contain /data2.
bool PathIsWithin(const std::filesystem::path& path, const std::filesystem::path& directory);

}  // namespace orc
