// Landlock: the kernel's file access control for unprivileged processes (Linux 5.13 and later).
//
// RestrictFileAccess() confines the calling process, for the rest of its life, to a list of
// paths, each read-only, read-write or read-execute; every other file and directory becomes
// unreadable and unwritable, whatever its permissions and however it is reached (through a symbolic
// link, "..", a hard link made earlier, a library that opens files on its own). It is meant for an
// executor process that runs jobs: called once, at its start, with the directories it may use
// plus ExecutorSystemPaths(). It cannot be undone, and nothing can widen it.
//
// Landlock binds only the calling thread and the threads and processes it creates afterwards.
// Threads already running stay unrestricted, so the function refuses to act when the process has
// more than one thread: the executor must call it before anything starts a thread (DuckDB when a
// database opens, libcurl's threaded resolver). Files already open stay usable (a socket to the
// server, a log file).
//
// It never fails the caller: on a kernel without Landlock it does nothing and says why. The caller
// decides whether to go on without it. What Landlock does not cover is in docs/security.md.
//
// Thread safety: RestrictFileAccess() is meant for a single-threaded process, see above. The other
// functions are safe from any thread.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

namespace orc {

enum class LandlockAccess {
  kReadOnly,     // read files, list directories
  kReadWrite,    // also write, truncate, create and remove files and directories, rename
  kReadExecute,  // read-only, and execute (for shared libraries and programs)
};

// A path and everything under it (or a single file), with the access allowed there.
struct LandlockRule {
  std::filesystem::path path;
  LandlockAccess access = LandlockAccess::kReadOnly;
};

struct LandlockOutcome {
  bool active = false;  // the process is now confined to the rules
  int abi = 0;          // the Landlock ABI version used; 0 when not active
  // One line for the log: "Landlock ABI 7 active: 1 path read-write, 12 read-only, 4
  // read-execute (2 missing: /lib64, /etc/pki)", or "Landlock not available: the kernel does not
  // support it".
  std::string description;
};

// The Landlock ABI version the kernel offers (1, 2, ...), or 0 when it offers none.
int LandlockAbiVersion();

// Confines the calling process to `rules` with the best ABI the kernel offers, or with at most
// `max_abi` when it is positive (to test how older kernels behave). Rights an older ABI does not
// know stay unrestricted: ABI 1 cannot allow renaming or linking a file into another directory
// (such moves always fail, with EXDEV), and before ABI 3 truncating a file is not restricted.
// Rules whose path does not exist are skipped and named in the description. Also sets
// PR_SET_NO_NEW_PRIVS, which Landlock requires of unprivileged processes.
LandlockOutcome RestrictFileAccess(const std::vector<LandlockRule>& rules, int max_abi = 0);

// The system files an executor needs after confining itself, read-only unless said otherwise:
// the shared library directories (read-execute: the NSS modules getaddrinfo loads, anything
// dlopen'ed later), the files name resolution reads (/etc/resolv.conf, hosts, nsswitch.conf,
// gai.conf, host.conf, services), TLS certificate stores, time zones, /proc/self, the cgroup and
// CPU files DuckDB sizes itself from, /dev/urandom, and /dev/null (read-write). Not /etc as a
// whole: /etc/passwd, /etc/shadow and the like stay unreadable. Paths missing on this machine are
// included anyway; RestrictFileAccess() skips them.
std::vector<LandlockRule> ExecutorSystemPaths();

}  // namespace orc
