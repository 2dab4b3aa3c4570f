// `orc apply -f PATH`: makes the server's jobs match job files (YAML or JSON) kept in git.
//
// Jobs are matched by job_name. A job not on the server is created, one that differs is replaced
// (PUT: its tasks keep their ids when their names stay), one that is the same is left alone, so
// applying twice changes nothing. Every file is read and every job checked before anything is
// sent: an error names the file, the line and the field, and nothing changes.
//   --dry-run  prints what would change and changes nothing
//   --prune    also deletes the server's jobs that no file names; without --yes it refuses (and
//              changes nothing) when that would delete every job on the server or more than
//              kMaxPruneWithoutYes of them, and names them (an empty file, a wrong directory)
#pragma once

#include <string>
#include <vector>

#include "cli/client_support.h"

namespace orc {

// The most jobs --prune deletes without --yes (unless they are all the server's jobs).
inline constexpr size_t kMaxPruneWithoutYes = 3;

struct ApplyOptions {
  std::vector<std::string> paths;  // files, or directories of *.yaml / *.yml / *.json
  bool dry_run = false;
  bool prune = false;
  bool yes = false;  // --yes: prune however many jobs that deletes
};

int ApplyJobsCommand(const ClientOptions& client_options, const ApplyOptions& options);

}  // namespace orc
