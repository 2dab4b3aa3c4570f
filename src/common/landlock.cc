#include "common/landlock.h"

#include <fcntl.h>
#include <linux/landlock.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstring>
#include <fstream>
#include <string_view>

// glibc has no wrappers for Landlock's system calls; older headers lack even their numbers, which
// are the same on every architecture.
#ifndef SYS_landlock_create_ruleset
#define SYS_landlock_create_ruleset 444
#endif
#ifndef SYS_landlock_add_rule
#define SYS_landlock_add_rule 445
#endif
#ifndef SYS_landlock_restrict_self
#define SYS_landlock_restrict_self 446
#endif

namespace orc {
namespace {

// The file system rights, by the ABI that introduced them. Debian 12's linux/landlock.h stops at
// ABI 2, so the later ones are spelled out here, with the values of the kernel's UAPI header.
constexpr uint64_t kExecute = LANDLOCK_ACCESS_FS_EXECUTE;  // ABI 1 ...
constexpr uint64_t kWriteFile = LANDLOCK_ACCESS_FS_WRITE_FILE;
constexpr uint64_t kReadFile = LANDLOCK_ACCESS_FS_READ_FILE;
constexpr uint64_t kReadDir = LANDLOCK_ACCESS_FS_READ_DIR;
constexpr uint64_t kRemoveDir = LANDLOCK_ACCESS_FS_REMOVE_DIR;
constexpr uint64_t kRemoveFile = LANDLOCK_ACCESS_FS_REMOVE_FILE;
constexpr uint64_t kMakeChar = LANDLOCK_ACCESS_FS_MAKE_CHAR;
constexpr uint64_t kMakeDir = LANDLOCK_ACCESS_FS_MAKE_DIR;
constexpr uint64_t kMakeReg = LANDLOCK_ACCESS_FS_MAKE_REG;
constexpr uint64_t kMakeSock = LANDLOCK_ACCESS_FS_MAKE_SOCK;
constexpr uint64_t kMakeFifo = LANDLOCK_ACCESS_FS_MAKE_FIFO;
constexpr uint64_t kMakeBlock = LANDLOCK_ACCESS_FS_MAKE_BLOCK;
constexpr uint64_t kMakeSym = LANDLOCK_ACCESS_FS_MAKE_SYM;  // ... ABI 1
constexpr uint64_t kRefer = 1ULL << 13;                     // ABI 2: rename, link across dirs
constexpr uint64_t kTruncate = 1ULL << 14;                  // ABI 3
constexpr uint64_t kIoctlDev = 1ULL << 15;                  // ABI 5: ioctl on device files
// ABI 4 added network rights, 6 scoping of signals and abstract sockets, 7 audit logging: none
// is about files, and orc does not use them (see docs/security.md).

constexpr uint64_t kAbi1Rights = kExecute | kWriteFile | kReadFile | kReadDir | kRemoveDir |
                                 kRemoveFile | kMakeChar | kMakeDir | kMakeReg | kMakeSock |
                                 kMakeFifo | kMakeBlock | kMakeSym;
// The rights a rule on a file (not a directory) may carry; the kernel refuses the others there.
constexpr uint64_t kFileRights = kExecute | kWriteFile | kReadFile | kTruncate | kIoctlDev;

// Every file system right `abi` knows: all of them are handled (denied unless a rule allows).
// Following the kernel documentation's example, rights a kernel does not know are left out.
uint64_t HandledRights(int abi) {
  uint64_t rights = kAbi1Rights | kRefer | kTruncate | kIoctlDev;
  switch (abi) {
    case 1:
      rights &= ~kRefer;
      [[fallthrough]];
    case 2:
      rights &= ~kTruncate;
      [[fallthrough]];
    case 3:
    case 4:
      rights &= ~kIoctlDev;
      break;
    default:
      break;
  }
  return rights;
}

uint64_t AllowedRights(LandlockAccess access) {
  constexpr uint64_t kRead = kReadFile | kReadDir;
  switch (access) {
    case LandlockAccess::kReadOnly:
      return kRead;
    case LandlockAccess::kReadExecute:
      return kRead | kExecute;
    case LandlockAccess::kReadWrite:
      // Not: special files, symbolic links (a job has no use for them), execution, ioctl.
      return kRead | kWriteFile | kTruncate | kRemoveDir | kRemoveFile | kMakeDir | kMakeReg |
             kRefer;
  }
  return 0;
}

// Owns a file descriptor.
class Fd {
 public:
  explicit Fd(int fd) : fd_(fd) {}
  ~Fd() {
    if (fd_ >= 0) close(fd_);
  }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  int get() const { return fd_; }

 private:
  int fd_;
};

// How many threads the process runs (0 when /proc cannot tell).
int ThreadCount() {
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.starts_with("Threads:")) return std::atoi(line.c_str() + 8);
  }
  return 0;
}

std::string Counted(int count, std::string_view singular, std::string_view plural) {
  return std::to_string(count) + " " + std::string(count == 1 ? singular : plural);
}

LandlockOutcome NotActive(std::string why) {
  return {.active = false, .abi = 0, .description = "Landlock not active: " + std::move(why)};
}

std::string Describe(int abi, const int (&counts)[3], const std::vector<std::string>& missing) {
  std::string text =
      "Landlock ABI " + std::to_string(abi) +
      " active: " + Counted(counts[static_cast<int>(LandlockAccess::kReadWrite)], "path", "paths") +
      " read-write, " + std::to_string(counts[static_cast<int>(LandlockAccess::kReadOnly)]) +
      " read-only, " + std::to_string(counts[static_cast<int>(LandlockAccess::kReadExecute)]) +
      " read-execute";
  if (!missing.empty()) {
    text += " (" + std::to_string(missing.size()) + " missing:";
    for (size_t i = 0; i < missing.size(); ++i) text += (i == 0 ? " " : ", ") + missing[i];
    text += ")";
  }
  return text;
}

}  // namespace

int LandlockAbiVersion() {
  const long abi =
      syscall(SYS_landlock_create_ruleset, nullptr, 0, LANDLOCK_CREATE_RULESET_VERSION);
  return abi > 0 ? static_cast<int>(abi) : 0;
}

LandlockOutcome RestrictFileAccess(const std::vector<LandlockRule>& rules, int max_abi) {
  long abi = syscall(SYS_landlock_create_ruleset, nullptr, 0, LANDLOCK_CREATE_RULESET_VERSION);
  if (abi < 0) {
    if (errno == ENOSYS) return NotActive("the kernel does not support Landlock (Linux 5.13+)");
    if (errno == EOPNOTSUPP) {
      return NotActive("Landlock is disabled in this kernel (the lsm= boot parameter lacks it)");
    }
    return NotActive(std::string("the kernel refused to say its Landlock ABI: ") +
                     std::strerror(errno));
  }
  if (max_abi > 0 && abi > max_abi) abi = max_abi;
  if (const int threads = ThreadCount(); threads > 1) {
    return NotActive("the process already runs " + std::to_string(threads) +
                     " threads and Landlock would bind only the calling one; restrict before "
                     "starting any");
  }

  const uint64_t handled = HandledRights(static_cast<int>(abi));
  landlock_ruleset_attr ruleset{};
  ruleset.handled_access_fs = handled;
  const Fd ruleset_fd(
      static_cast<int>(syscall(SYS_landlock_create_ruleset, &ruleset, sizeof ruleset, 0)));
  if (ruleset_fd.get() < 0) {
    return NotActive(std::string("cannot create a Landlock ruleset: ") + std::strerror(errno));
  }

  int counts[3] = {0, 0, 0};
  std::vector<std::string> missing;
  for (const LandlockRule& rule : rules) {
    const Fd path_fd(open(rule.path.c_str(), O_PATH | O_CLOEXEC));
    struct stat info {};
    if (path_fd.get() < 0 || fstat(path_fd.get(), &info) != 0) {
      missing.push_back(rule.path.string());
      continue;
    }
    landlock_path_beneath_attr beneath{};
    beneath.allowed_access = AllowedRights(rule.access) & handled;
    if (!S_ISDIR(info.st_mode)) beneath.allowed_access &= kFileRights;
    beneath.parent_fd = path_fd.get();
    if (syscall(SYS_landlock_add_rule, ruleset_fd.get(), LANDLOCK_RULE_PATH_BENEATH, &beneath, 0) !=
        0) {
      return NotActive("cannot add the Landlock rule for " + rule.path.string() + ": " +
                       std::strerror(errno));
    }
    ++counts[static_cast<int>(rule.access)];
  }

  if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) {
    return NotActive(std::string("cannot set no_new_privs: ") + std::strerror(errno));
  }
  if (syscall(SYS_landlock_restrict_self, ruleset_fd.get(), 0) != 0) {
    return NotActive(std::string("cannot restrict the process: ") + std::strerror(errno));
  }
  return {.active = true,
          .abi = static_cast<int>(abi),
          .description = Describe(static_cast<int>(abi), counts, missing)};
}

std::vector<LandlockRule> ExecutorSystemPaths() {
  std::vector<LandlockRule> rules;
  for (const char* path : {"/lib", "/lib64", "/usr/lib", "/usr/lib64", "/usr/local/lib"}) {
    rules.push_back({path, LandlockAccess::kReadExecute});
  }
  for (const char* path :
       {// The dynamic loader's cache, for libraries loaded by name (the NSS modules).
        "/etc/ld.so.cache",
        // Name resolution (getaddrinfo and the NSS modules it loads).
        "/etc/resolv.conf", "/etc/hosts", "/etc/nsswitch.conf", "/etc/gai.conf", "/etc/host.conf",
        "/etc/services", "/etc/protocols",
        // TLS: certificate stores and OpenSSL's configuration, on Debian and elsewhere.
        "/etc/ssl", "/etc/pki", "/etc/ca-certificates", "/usr/share/ca-certificates",
        "/usr/local/share/ca-certificates",
        // Time zones.
        "/etc/localtime", "/usr/share/zoneinfo",
        // What the process reads about itself: memory and CPU limits, cores (DuckDB sizes
        // its memory and threads from these; glibc's get_nprocs reads the CPU list).
        "/proc/self", "/proc/meminfo", "/proc/cpuinfo", "/sys/fs/cgroup", "/sys/devices/system/cpu",
        "/proc/sys/vm/overcommit_memory",
        // Randomness (OpenSSL, UUIDs).
        "/dev/urandom", "/dev/random"}) {
    rules.push_back({path, LandlockAccess::kReadOnly});
  }
  rules.push_back({"/dev/null", LandlockAccess::kReadWrite});
  return rules;
}

}  // namespace orc
