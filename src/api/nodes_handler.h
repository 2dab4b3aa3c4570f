// GET /nodes: the orc processes sharing this state database (state/cluster_store.h), for the
// dashboard's Nodes page and for operators: each with its roles, version, heartbeat, workers, and
// whether it is alive, lost (silent past the node timeout: its runs are taken back) or leads the
// schedulers.
#pragma once

#include <string>

#include "common/clock.h"

namespace orc {

class ClusterStore;
class Router;

struct NodesView {
  ClusterStore& store;
  Clock& clock;
  Duration node_timeout;
  std::string self;  // the node serving the request
};

void InstallNodeRoutes(Router& router, NodesView view);

}  // namespace orc
