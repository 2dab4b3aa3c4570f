// ChildChecks: the checks a test makes inside a child process (a gtest death test's statement),
// where gtest's own assertions do not reach the parent. Failures are written to stderr, which the
// parent's EXPECT_EXIT shows when the exit code is not 0.
//
// For tests of what cannot be undone in the test process itself, such as Landlock. Used by one
// child thread at a time.
#pragma once

#include <cstdio>
#include <cstdlib>
#include <string>

namespace orc::testing {

class ChildChecks {
 public:
  // Records `what` as a failure unless `ok`.
  void Expect(bool ok, const std::string& what) {
    if (!ok) failures_ += what + "\n";
  }
  bool ok() const { return failures_.empty(); }

  // Ends the child: exit code 0 when every check held, 1 otherwise, failures on stderr.
  [[noreturn]] void Exit() const {
    std::fputs(failures_.c_str(), stderr);
    std::fflush(stderr);
    std::_Exit(failures_.empty() ? 0 : 1);
  }

 private:
  std::string failures_;
};

}  // namespace orc::testing
