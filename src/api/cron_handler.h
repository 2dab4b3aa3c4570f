// GET /cron/preview: the next fire times of a cron expression, to check one before saving it.
#pragma once

namespace orc {

class Router;

void InstallCronRoutes(Router& router);

}  // namespace orc
