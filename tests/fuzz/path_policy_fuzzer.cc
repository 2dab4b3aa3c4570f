// Fuzz target path_policy: a path (or a glob pattern) a job names, through PathPolicy::Check and
// CheckPattern, against a policy on a directory tree made once per process:
//
//   ROOT/data/            the data directory (read-write), with files, a subdirectory and
//       state.db          the state database (protected, with its -wal, -shm and -journal names)
//       hard.db           a hard link to state.db
//       to_outside, to_ro, to_etc, to_db, to_wal, to_nowhere, loop, chain1 -> chain2 -> ..
//                         symlinks: out of the tree, to the read-only directory, absolute, to the
//                         database, dangling to a protected name and out of the tree, to
//                         themselves, and in a row
//   ROOT/ro/              allowed read-only
//   ROOT/outside/         not allowed
//
// Input: the first byte picks read or write access, Check or CheckPattern, and whether ROOT/ is
// put in front of the rest, which is the path (the fuzzer cannot guess the temporary ROOT).
//
// Properties: neither function throws or crashes; both fail with InvalidArgument or
// PermissionDenied; a path Check returns lies within an allowed directory that grants the access
// and is not protected; and the kernel agrees: where the path exists, its realpath() lies within
// such a directory and is not the database by device and inode; where only its directory exists,
// that directory's realpath() does. A pattern CheckPattern returns is within such a directory up to
// its first wildcard, with no '..' after it.
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <climits>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <optional>
#include <string>
#include <system_error>

#include "common/path_policy.h"
#include "fuzz/fuzz_support.h"

namespace {

namespace fs = std::filesystem;

// The tree and the policy over it. The tree is removed when the process exits normally.
struct Sandbox {
  fs::path root;
  fs::path database;
  std::optional<orc::PathPolicy> policy;

  Sandbox() {
    std::string pattern = (fs::temp_directory_path() / "orc-fuzz-path-XXXXXX").string();
    FUZZ_CHECK(::mkdtemp(pattern.data()) != nullptr, "mkdtemp failed");
    root = fs::canonical(pattern);
    const fs::path data = root / "data";
    for (const fs::path& directory : {data / "sub", root / "ro", root / "outside"}) {
      fs::create_directories(directory);
    }
    for (const fs::path& file : {data / "in.csv", data / "sub" / "b.csv", data / "state.db",
                                 root / "ro" / "r.csv", root / "outside" / "secret.txt"}) {
      std::ofstream(file) << "x\n";
    }
    database = data / "state.db";
    fs::create_hard_link(database, data / "hard.db");
    fs::create_directory_symlink("../outside", data / "to_outside");
    fs::create_directory_symlink("../ro", data / "to_ro");
    fs::create_directory_symlink("/etc", data / "to_etc");
    fs::create_symlink("state.db", data / "to_db");
    fs::create_symlink("state.db-wal", data / "to_wal");
    fs::create_symlink("loop", data / "loop");
    fs::create_symlink("../outside/new.csv", data / "to_nowhere");
    fs::create_symlink("chain2", data / "chain1");
    fs::create_symlink("chain3", data / "chain2");
    fs::create_symlink("sub/../to_outside", data / "chain3");
    policy.emplace(data, std::vector<orc::AllowedDirectory>{{root / "ro", false}},
                   std::vector<fs::path>{database, data / "state.db-wal", data / "state.db-shm",
                                         data / "state.db-journal"});
  }

  ~Sandbox() {
    std::error_code ignored;
    fs::remove_all(root, ignored);
  }
};

const Sandbox& TheSandbox() {
  static const Sandbox sandbox;
  return sandbox;
}

bool Grants(const orc::PathPolicy& policy, const fs::path& path, orc::PathAccess access) {
  for (const orc::AllowedDirectory& directory : policy.directories()) {
    if (orc::PathIsWithin(path, directory.path) &&
        (access == orc::PathAccess::kRead || directory.writable)) {
      return true;
    }
  }
  return false;
}

std::optional<fs::path> RealPath(const fs::path& path) {
  char resolved[PATH_MAX];
  if (::realpath(path.c_str(), resolved) == nullptr) return std::nullopt;
  return fs::path(resolved);
}

bool IsDatabase(const Sandbox& sandbox, const fs::path& path) {
  struct stat file {};
  struct stat database {};
  return ::stat(path.c_str(), &file) == 0 && ::stat(sandbox.database.c_str(), &database) == 0 &&
         file.st_dev == database.st_dev && file.st_ino == database.st_ino;
}

// What the kernel makes of `given` (relative to the data directory) against the policy's answer.
void CheckAgainstKernel(const Sandbox& sandbox, const std::string& given, orc::PathAccess access) {
  const fs::path path =
      fs::path(given).is_absolute() ? fs::path(given) : sandbox.policy->data_dir() / given;
  struct stat link {};
  if (const std::optional<fs::path> real = RealPath(path)) {
    FUZZ_CHECK(Grants(*sandbox.policy, *real, access),
               "'" + given + "' is allowed, but it is " + real->string());
    FUZZ_CHECK(!IsDatabase(sandbox, *real), "'" + given + "' is allowed, but it is the database");
  } else if (::lstat(path.c_str(), &link) != 0 && errno == ENOENT) {
    // A file that does not exist yet: what matters is the directory it would be created in.
    const fs::path name = path.filename();
    if (name.empty() || name == "." || name == "..") return;
    if (const std::optional<fs::path> directory = RealPath(path.parent_path())) {
      FUZZ_CHECK(Grants(*sandbox.policy, *directory / name, access),
                 "'" + given + "' is allowed, but it would be " + (*directory / name).string());
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const Sandbox& sandbox = TheSandbox();
  orc::fuzz::FuzzInput input(data, size);
  const uint8_t mode = input.Byte();
  const orc::PathAccess access = (mode & 1) != 0 ? orc::PathAccess::kWrite : orc::PathAccess::kRead;
  const bool pattern = (mode & 2) != 0;
  std::string path((mode & 4) != 0 ? sandbox.root.string() + "/" : "");
  path += input.Rest();

  const orc::Result<fs::path> checked =
      pattern ? sandbox.policy->CheckPattern(path, access) : sandbox.policy->Check(path, access);
  if (!checked.ok()) {
    const orc::StatusCode code = checked.status().code();
    FUZZ_CHECK(
        code == orc::StatusCode::kInvalidArgument || code == orc::StatusCode::kPermissionDenied,
        checked.status().ToString());
    return 0;
  }
  if (*checked == ":memory:") return 0;
  FUZZ_CHECK(checked->is_absolute(), "'" + path + "' gave " + checked->string());

  // A pattern: the part of the returned path before its first wildcard, and '..' nowhere after.
  fs::path fixed;
  bool wildcard = false;
  for (const fs::path& part : *checked) {
    wildcard = wildcard || (pattern && part.string().find_first_of("*?[{") != std::string::npos);
    if (wildcard) {
      FUZZ_CHECK(part != "..", "'" + path + "' gave " + checked->string());
    } else {
      fixed /= part;
    }
  }
  FUZZ_CHECK(Grants(*sandbox.policy, fixed, access),
             "'" + path + "' gave " + checked->string() + ", outside the allowed directories");
  if (!wildcard) {
    FUZZ_CHECK(!sandbox.policy->IsProtected(fixed), "'" + path + "' gave " + fixed.string());
    CheckAgainstKernel(sandbox, path, access);
  }
  return 0;
}
