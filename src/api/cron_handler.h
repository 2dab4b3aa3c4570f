// GET /cron/preview: the next fire times of a cron expression, to check one before saving it.
// The fire times start from `clock`'s now, the same clock the scheduler reads.
#pragma once

namespace orc {

class Clock;
class Router;

// `clock` is borrowed and must outlive the router's use of the route.
void InstallCronRoutes(Router& router, const Clock& clock);

}  // namespace orc
