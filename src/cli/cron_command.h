// `orc cron "EXPR" [--tz ZONE] [--count N]`: a schedule in words and its next fire times, in UTC
// and in the zone. Works without a server (the same parser the scheduler uses).
#pragma once

#include <string>

#include "cli/client_support.h"

namespace orc {

struct CronOptions {
  std::string expression;
  std::string timezone = "UTC";
  int count = 5;
};

// The fire times start from `clock`'s now.
int PreviewCronCommand(const ClientOptions& options, const CronOptions& cron, const Clock& clock);

}  // namespace orc
