// DatabaseFileLocks across real processes: children forked by the test hold files while the test
// waits for them, as two orc processes sharing DuckDB files do.
#include "executor/database_file_locks.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fstream>
#include <thread>

#include "support/printers.h"
#include "support/temp_dir.h"

namespace orc {
namespace {

using namespace std::chrono_literals;

// Creates the "database" as a plain file: the locks do not look inside.
Status Touch(const std::filesystem::path& file) {
  std::ofstream(file) << "db";
  return Status::Ok();
}

class DatabaseFileLocksTest : public ::testing::Test {
 protected:
  // Forks a child that holds `file` for `hold`, then exits; returns once the child holds it.
  pid_t HoldInChild(const std::filesystem::path& file, Duration hold) {
    int ready[2];
    EXPECT_EQ(pipe(ready), 0);
    const pid_t child = fork();
    if (child == 0) {
      Interrupter interrupter;
      Result<DatabaseFileLocks::Held> held = DatabaseFileLocks::Acquire({file}, interrupter, Touch);
      const char byte = held.ok() ? 'y' : 'n';
      (void)!write(ready[1], &byte, 1);
      std::this_thread::sleep_for(hold);
      _exit(0);
    }
    close(ready[1]);
    char byte = 0;
    EXPECT_EQ(read(ready[0], &byte, 1), 1);
    EXPECT_EQ(byte, 'y');
    close(ready[0]);
    children_.push_back(child);
    return child;
  }

  void TearDown() override {
    for (const pid_t child : children_) {
      kill(child, SIGKILL);
      waitpid(child, nullptr, 0);
    }
  }

  testing::TempDir dir_;
  std::vector<pid_t> children_;
};

TEST_F(DatabaseFileLocksTest, AFileAnotherProcessHoldsIsWaitedFor) {
  const std::filesystem::path file = dir_.File("out.duckdb");
  HoldInChild(file, 300ms);
  Interrupter interrupter;
  bool waited = false;
  const auto start = std::chrono::steady_clock::now();
  Result<DatabaseFileLocks::Held> held =
      DatabaseFileLocks::Acquire({file}, interrupter, Touch, [&] { waited = true; });
  ASSERT_TRUE(held.ok()) << held.status();
  EXPECT_TRUE(waited);
  EXPECT_GE(std::chrono::steady_clock::now() - start, 200ms);
}

TEST_F(DatabaseFileLocksTest, AnInterruptEndsTheWaitWithItsReason) {
  const std::filesystem::path file = dir_.File("out.duckdb");
  HoldInChild(file, 1h);
  Interrupter interrupter;
  std::thread timeout([&] {
    std::this_thread::sleep_for(100ms);
    interrupter.Interrupt(DeadlineExceededError("task load timed out after 1 s"));
  });
  Result<DatabaseFileLocks::Held> held = DatabaseFileLocks::Acquire({file}, interrupter, Touch);
  timeout.join();
  ASSERT_FALSE(held.ok());
  EXPECT_EQ(held.status().code(), StatusCode::kDeadlineExceeded) << held.status();
}

TEST_F(DatabaseFileLocksTest, ALockDiesWithItsProcess) {
  const std::filesystem::path file = dir_.File("out.duckdb");
  const pid_t child = HoldInChild(file, 1h);
  kill(child, SIGKILL);
  Interrupter interrupter;
  Result<DatabaseFileLocks::Held> held = DatabaseFileLocks::Acquire({file}, interrupter, Touch);
  EXPECT_TRUE(held.ok()) << held.status();
}

// Processes racing to write a file that does not exist yet: one creates it, and no two hold it at
// once (each marks its turn with a file only one can create).
TEST_F(DatabaseFileLocksTest, ProcessesRacingForAMissingFileCreateItOnceAndTakeTurns) {
  const std::filesystem::path file = dir_.File("new.duckdb");
  const std::filesystem::path turn = dir_.File("turn");
  const std::filesystem::path creations = dir_.File("creations");
  constexpr int kProcesses = 4;
  for (int i = 0; i < kProcesses; ++i) {
    const pid_t child = fork();
    if (child == 0) {
      Interrupter interrupter;
      auto create = [&](const std::filesystem::path& path) {
        std::ofstream(creations, std::ios::app) << "x";
        return Touch(path);
      };
      for (int round = 0; round < 20; ++round) {
        Result<DatabaseFileLocks::Held> held =
            DatabaseFileLocks::Acquire({file}, interrupter, create);
        if (!held.ok()) _exit(2);
        const int marker = open(turn.c_str(), O_CREAT | O_EXCL | O_WRONLY, 0600);
        if (marker < 0) _exit(3);  // another process holds the file too
        close(marker);
        std::this_thread::sleep_for(1ms);
        unlink(turn.c_str());
      }
      _exit(0);
    }
    children_.push_back(child);
  }
  for (const pid_t child : children_) {
    int status = 0;
    ASSERT_EQ(waitpid(child, &status, 0), child);
    EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << status;
  }
  children_.clear();
  EXPECT_EQ(std::filesystem::file_size(creations), 1u) << "created once";
}

TEST_F(DatabaseFileLocksTest, AMissingDirectoryIsNotFound) {
  Interrupter interrupter;
  Result<DatabaseFileLocks::Held> held =
      DatabaseFileLocks::Acquire({dir_.File("no/such/dir/out.duckdb")}, interrupter, Touch);
  ASSERT_FALSE(held.ok());
  EXPECT_EQ(held.status().code(), StatusCode::kNotFound) << held.status();
}

}  // namespace
}  // namespace orc
