// Landlock confines a process for good, so each test confines a child (a gtest death test forks
// one) and checks from inside it what the child can still reach.
#include "common/landlock.h"

#include <dirent.h>
#include <fcntl.h>
#include <netdb.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <cerrno>
#include <condition_variable>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <thread>

#include "support/child_checks.h"
#include "support/temp_dir.h"

namespace orc {
namespace {

namespace fs = std::filesystem;
using testing::ChildChecks;

// 0 when `path` opens with `flags`, else errno.
int OpenError(const std::string& path, int flags = O_RDONLY) {
  const int fd = open(path.c_str(), flags | O_CLOEXEC, 0644);
  if (fd < 0) return errno;
  close(fd);
  return 0;
}

// 0 when `call` returned 0, else errno.
int Error(int result) { return result == 0 ? 0 : errno; }

std::string ErrorText(int error) { return error == 0 ? "success" : std::strerror(error); }

class LandlockTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (LandlockAbiVersion() == 0) {
      GTEST_SKIP() << "the kernel does not offer Landlock (Linux 5.13+, landlock in lsm=)";
    }
    fs::create_directories(allowed_ + "/sub");
    fs::create_directories(outside_);
    std::ofstream(allowed_ + "/a.txt") << "inside";
    std::ofstream(outside_ + "/secret.txt") << "outside";
    fs::create_symlink(outside_, allowed_ + "/link");
  }

  std::vector<LandlockRule> Rules() const {
    std::vector<LandlockRule> rules = ExecutorSystemPaths();
    rules.push_back({allowed_, LandlockAccess::kReadWrite});
    return rules;
  }

  // What holds under every ABI: the allowed directory works, nothing else is reachable.
  void CheckConfinement(ChildChecks& checks) const {
    checks.Expect(OpenError(allowed_ + "/a.txt") == 0, "cannot read a file in allowed/");
    const std::string created = allowed_ + "/sub/new.txt";
    checks.Expect(OpenError(created, O_WRONLY | O_CREAT) == 0, "cannot create in allowed/sub/");
    checks.Expect(Error(rename(created.c_str(), (allowed_ + "/sub/renamed.txt").c_str())) == 0,
                  "cannot rename within allowed/sub/");
    checks.Expect(Error(unlink((allowed_ + "/sub/renamed.txt").c_str())) == 0,
                  "cannot remove in allowed/sub/");
    checks.Expect(Error(mkdir((allowed_ + "/made").c_str(), 0755)) == 0,
                  "cannot make a directory in allowed/");
    checks.Expect(Error(rmdir((allowed_ + "/made").c_str())) == 0,
                  "cannot remove a directory in allowed/");

    for (const std::string& path :
         {std::string("/etc/passwd"), std::string("/etc/hostname"), outside_ + "/secret.txt",
          allowed_ + "/link/secret.txt", allowed_ + "/../outside/secret.txt"}) {
      const int error = OpenError(path);
      checks.Expect(error == EACCES, "reading " + path + ": " + ErrorText(error));
    }
    // A hard link would make the file outside a file of allowed/.
    const int linked =
        Error(link((outside_ + "/secret.txt").c_str(), (allowed_ + "/hard.txt").c_str()));
    checks.Expect(linked == EXDEV || linked == EACCES, "linking outside in: " + ErrorText(linked));
    const int written = OpenError(outside_ + "/new.txt", O_WRONLY | O_CREAT);
    checks.Expect(written == EACCES, "creating outside/new.txt: " + ErrorText(written));
    checks.Expect(!fs::exists(outside_ + "/new.txt"), "outside/new.txt was created");
    DIR* root = opendir("/");
    checks.Expect(root == nullptr, "listing / works");
    if (root != nullptr) closedir(root);
  }

  testing::TempDir dir_;
  const std::string allowed_ = dir_.File("allowed");
  const std::string outside_ = dir_.File("outside");
};

TEST_F(LandlockTest, ConfinesTheProcessToItsRulesWithTheBestAbi) {
  const int abi = LandlockAbiVersion();
  EXPECT_EXIT(
      {
        ChildChecks checks;
        const LandlockOutcome outcome = RestrictFileAccess(Rules());
        checks.Expect(outcome.active, outcome.description);
        checks.Expect(outcome.abi == abi, "ABI " + std::to_string(outcome.abi));
        checks.Expect(outcome.description.starts_with("Landlock ABI " + std::to_string(abi) +
                                                      " active: 2 paths read-write, "),
                      outcome.description);
        CheckConfinement(checks);
        // Moving a file into another allowed directory needs ABI 2's "refer" right.
        std::ofstream(allowed_ + "/moving.txt") << "x";
        const int moved =
            Error(rename((allowed_ + "/moving.txt").c_str(), (allowed_ + "/sub/m.txt").c_str()));
        checks.Expect(moved == 0, "moving into allowed/sub/: " + ErrorText(moved));
        const int truncated = Error(truncate((outside_ + "/secret.txt").c_str(), 0));
        checks.Expect(truncated == EACCES, "truncating outside: " + ErrorText(truncated));

        // What an executor still needs.
        addrinfo* found = nullptr;
        const int resolved = getaddrinfo("localhost", "80", nullptr, &found);
        checks.Expect(resolved == 0, std::string("resolving localhost: ") +
                                         (resolved == 0 ? "" : gai_strerror(resolved)));
        if (found != nullptr) freeaddrinfo(found);
        checks.Expect(OpenError("/dev/null", O_WRONLY) == 0, "cannot write /dev/null");
        checks.Expect(OpenError("/dev/urandom") == 0, "cannot read /dev/urandom");
        checks.Expect(OpenError("/proc/self/status") == 0, "cannot read /proc/self/status");
        checks.Expect(OpenError("/etc/localtime") == 0, "cannot read /etc/localtime");
        checks.Expect(OpenError("/etc/ssl/certs") == 0, "cannot read /etc/ssl/certs");
        checks.Expect(OpenError("/etc/shadow") == EACCES, "/etc/shadow is readable");
        checks.Exit();
      },
      ::testing::ExitedWithCode(0), "");
  // The parent is not confined.
  EXPECT_EQ(OpenError("/etc/passwd"), 0);
}

// Each ABI the kernel offers, down to 1, as on an older kernel: the rights it does not know stay
// unrestricted, and the rest still confines.
TEST_F(LandlockTest, EveryAbiFromOneUpConfines) {
  for (int abi = 1; abi <= LandlockAbiVersion(); ++abi) {
    EXPECT_EXIT(
        {
          ChildChecks checks;
          const LandlockOutcome outcome = RestrictFileAccess(Rules(), abi);
          checks.Expect(outcome.active && outcome.abi == abi, outcome.description);
          CheckConfinement(checks);
          std::ofstream(allowed_ + "/moving.txt") << "x";
          const int moved =
              Error(rename((allowed_ + "/moving.txt").c_str(), (allowed_ + "/sub/m.txt").c_str()));
          // ABI 1 has no "refer" right: a file never moves to another directory.
          checks.Expect(moved == (abi == 1 ? EXDEV : 0), "moving: " + ErrorText(moved));
          const int truncated = Error(truncate((outside_ + "/secret.txt").c_str(), 0));
          // Truncation is restricted from ABI 3 on.
          checks.Expect(truncated == (abi < 3 ? 0 : EACCES), "truncating: " + ErrorText(truncated));
          checks.Exit();
        },
        ::testing::ExitedWithCode(0), "")
        << "ABI " << abi;
  }
}

TEST_F(LandlockTest, RefusesOnceAThreadRuns) {
  EXPECT_EXIT(
      {
        ChildChecks checks;
        std::mutex mutex;
        std::condition_variable done;
        bool finish = false;
        std::thread other([&] {
          std::unique_lock lock(mutex);
          done.wait(lock, [&] { return finish; });
        });
        const LandlockOutcome outcome = RestrictFileAccess(Rules());
        {
          std::lock_guard lock(mutex);
          finish = true;
        }
        done.notify_all();
        other.join();
        checks.Expect(!outcome.active, "restricted with two threads running");
        checks.Expect(outcome.description.find("already runs 2 threads") != std::string::npos,
                      outcome.description);
        checks.Expect(OpenError("/etc/passwd") == 0, "restricted anyway");
        checks.Exit();
      },
      ::testing::ExitedWithCode(0), "");
}

TEST_F(LandlockTest, MissingPathsAreSkippedAndNamed) {
  EXPECT_EXIT(
      {
        ChildChecks checks;
        const LandlockOutcome outcome =
            RestrictFileAccess({{allowed_, LandlockAccess::kReadWrite},
                                {"/nonexistent/orc", LandlockAccess::kReadOnly}});
        checks.Expect(outcome.active, outcome.description);
        checks.Expect(outcome.description.ends_with(
                          "1 path read-write, 0 read-only, 0 read-execute (1 missing: "
                          "/nonexistent/orc)"),
                      outcome.description);
        checks.Expect(OpenError(allowed_ + "/a.txt") == 0, "cannot read allowed/a.txt");
        checks.Exit();
      },
      ::testing::ExitedWithCode(0), "");
}

TEST(LandlockSystemPathsTest, KeepWhatMattersInEtcUnreadableAndWriteOnlyDevNull) {
  for (const LandlockRule& rule : ExecutorSystemPaths()) {
    EXPECT_NE(rule.path, "/") << rule.path;
    EXPECT_NE(rule.path, "/etc") << rule.path;
    EXPECT_NE(rule.path, "/proc") << rule.path;
    EXPECT_NE(rule.path, "/home") << rule.path;
    if (rule.access == LandlockAccess::kReadWrite) {
      EXPECT_EQ(rule.path, "/dev/null");
    }
  }
}

}  // namespace
}  // namespace orc
