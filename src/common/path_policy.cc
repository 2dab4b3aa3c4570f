#include "common/path_policy.h"

#include <sys/stat.h>

#include <algorithm>
#include <system_error>

namespace orc {
namespace {

// The device and inode of `path`, following symlinks; false when it does not exist.
bool FileIdentity(const std::filesystem::path& path, dev_t* device, ino_t* inode) {
  struct stat info {};
  if (::stat(path.c_str(), &info) != 0) return false;
  *device = info.st_dev;
  *inode = info.st_ino;
  return true;
}

std::string AllowedList(const std::vector<AllowedDirectory>& directories) {
  std::string list;
  for (const AllowedDirectory& directory : directories) {
    list += (list.empty() ? "" : ", ") + directory.path.string() +
            (directory.writable ? " (read-write)" : " (read-only)");
  }
  return list;
}

}  // namespace

std::filesystem::path ResolvedPath(const std::filesystem::path& path) {
  // As the kernel resolves a path, including a final symlink whose target does not exist yet (a
  // file opened for writing through it would be created there); weakly_canonical stops at one.
  constexpr int kMaxSymlinks = 40;  // the kernel's own limit (ELOOP)
  std::error_code error;
  std::filesystem::path absolute = std::filesystem::absolute(path, error);
  if (error) absolute = path;
  std::vector<std::filesystem::path> pending(absolute.begin(), absolute.end());
  std::reverse(pending.begin(), pending.end());  // a stack: the next component at the back
  std::filesystem::path resolved = "/";
  bool exists = true;  // whether `resolved` exists (past a missing component, nothing can)
  int symlinks = 0;
  while (!pending.empty()) {
    const std::filesystem::path part = std::move(pending.back());
    pending.pop_back();
    if (part.empty() || part == "." || part == "/") continue;
    if (part == "..") {
      resolved = resolved.parent_path();
      continue;
    }
    std::filesystem::path next = resolved / part;
    if (exists && std::filesystem::is_symlink(std::filesystem::symlink_status(next, error)) &&
        ++symlinks <= kMaxSymlinks) {
      const std::filesystem::path target = std::filesystem::read_symlink(next, error);
      if (!error) {
        if (target.is_absolute()) resolved = "/";
        std::vector<std::filesystem::path> parts(target.begin(), target.end());
        pending.insert(pending.end(), parts.rbegin(), parts.rend());
        continue;
      }
    }
    exists = exists && std::filesystem::exists(std::filesystem::symlink_status(next, error));
    resolved = std::move(next);
  }
  return resolved;
}

bool PathIsWithin(const std::filesystem::path& path, const std::filesystem::path& directory) {
  auto inner = path.begin();
  for (auto outer = directory.begin(); outer != directory.end(); ++outer) {
    if (outer->empty()) continue;  // the empty last element of a path ending in '/'
    if (inner == path.end() || *inner != *outer) return false;
    ++inner;
  }
  return true;
}

Result<AllowedDirectory> ParseAllowedDirectory(std::string_view text,
                                               const std::filesystem::path& base) {
  AllowedDirectory allowed;
  std::string_view directory = text;
  if (text.ends_with(":rw") || text.ends_with(":ro")) {
    allowed.writable = text.ends_with(":rw");
    directory = text.substr(0, text.size() - 3);
  }
  if (directory.empty()) {
    return InvalidArgumentError("'" + std::string(text) +
                                "' names no directory; write DIR, DIR:ro or DIR:rw");
  }
  const std::filesystem::path given(directory);
  allowed.path = ResolvedPath(given.is_absolute() ? given : base / given);
  return allowed;
}

PathPolicy PathPolicy::Unrestricted(std::filesystem::path data_dir) {
  PathPolicy policy;
  policy.data_dir_ = ResolvedPath(data_dir);
  policy.directories_.push_back({policy.data_dir_, true});
  policy.restricted_ = false;
  return policy;
}

PathPolicy::PathPolicy(std::filesystem::path data_dir, std::vector<AllowedDirectory> extra,
                       std::vector<std::filesystem::path> protected_files)
    : data_dir_(ResolvedPath(data_dir)) {
  directories_.push_back({data_dir_, true});
  for (AllowedDirectory& directory : extra) {
    directory.path = ResolvedPath(directory.path);
    directories_.push_back(std::move(directory));
  }
  for (const std::filesystem::path& file : protected_files) {
    protected_files_.push_back(ResolvedPath(file));
  }
}

bool PathPolicy::IsProtected(const std::filesystem::path& path) const {
  if (protected_files_.empty()) return false;
  dev_t device = 0;
  ino_t inode = 0;
  const bool exists = FileIdentity(path, &device, &inode);
  for (const std::filesystem::path& file : protected_files_) {
    if (path == file) return true;
    dev_t protected_device = 0;
    ino_t protected_inode = 0;
    if (exists && FileIdentity(file, &protected_device, &protected_inode) &&
        device == protected_device && inode == protected_inode) {
      return true;
    }
  }
  return false;
}

Status PathPolicy::CheckProtectedFilesHaveOneName() const {
  for (const std::filesystem::path& file : protected_files_) {
    struct stat info {};
    if (::stat(file.c_str(), &info) == 0 && info.st_nlink > 1) {
      return PermissionDeniedError(
          file.string() + " (orc's state) has " + std::to_string(info.st_nlink) +
          " hard links: jobs could reach it through another name, so no task runs until the other "
          "links are removed");
    }
  }
  return Status::Ok();
}

Result<std::filesystem::path> PathPolicy::Check(std::string_view text, PathAccess access) const {
  if (text == ":memory:") return std::filesystem::path(text);
  if (text.empty()) return InvalidArgumentError("the path is empty");
  if (text.find('\0') != std::string_view::npos) {
    return InvalidArgumentError("the path contains a NUL byte");
  }
  const std::filesystem::path given(text);
  const std::filesystem::path resolved =
      ResolvedPath(given.is_absolute() ? given : data_dir_ / given);
  const std::string quoted = "'" + std::string(text) + "'";
  if (IsProtected(resolved)) {
    return PermissionDeniedError(quoted + " is orc's own state database (" + resolved.string() +
                                 "); jobs can neither read nor write it");
  }
  if (!restricted_) return resolved;
  const AllowedDirectory* read_only = nullptr;
  for (const AllowedDirectory& directory : directories_) {
    if (!PathIsWithin(resolved, directory.path)) continue;
    if (access == PathAccess::kRead || directory.writable) return resolved;
    read_only = &directory;
  }
  if (read_only != nullptr) {
    return PermissionDeniedError(quoted + " is in " + read_only->path.string() +
                                 ", which jobs may only read; an operator can allow writing with "
                                 "--allow-path " +
                                 read_only->path.string() + ":rw");
  }
  return PermissionDeniedError(
      quoted + (resolved.string() == text ? "" : " (" + resolved.string() + ")") +
      " is outside the directories jobs may use: " + AllowedList(directories_) +
      "; an operator can add one with --allow-path DIR");
}

Result<std::filesystem::path> PathPolicy::CheckPattern(std::string_view pattern,
                                                       PathAccess access) const {
  const size_t wildcard = pattern.find_first_of("*?[{");
  if (wildcard == std::string_view::npos) return Check(pattern, access);
  const std::filesystem::path rest(pattern.substr(wildcard));
  for (const std::filesystem::path& part : rest) {
    if (part == "..") {
      return PermissionDeniedError("'" + std::string(pattern) +
                                   "': a pattern may not use .. after a wildcard");
    }
  }
  const std::string_view head = pattern.substr(0, wildcard);
  const size_t slash = head.rfind('/');
  // The directory the wildcard searches in: "data/*.csv" -> "data", "*.csv" -> the data directory.
  const std::string directory =
      slash == std::string_view::npos ? "." : std::string(head.substr(0, slash == 0 ? 1 : slash));
  ORC_ASSIGN_OR_RETURN(std::filesystem::path resolved, Check(directory, access));
  const std::string_view tail =
      slash == std::string_view::npos ? pattern : pattern.substr(slash + 1);
  return resolved / std::filesystem::path(tail);
}

}  // namespace orc
