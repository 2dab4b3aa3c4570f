// GET /health: whether this orc process is up, and which version it runs.
#pragma once

namespace httplib {
class Server;
}

namespace orc {

void InstallHealthRoutes(httplib::Server& server);

}  // namespace orc
