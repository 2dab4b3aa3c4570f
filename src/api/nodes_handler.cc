#include "api/nodes_handler.h"

#include "api/api_request.h"
#include "api/error_response.h"
#include "api/request_helpers.h"
#include "api/router.h"
#include "common/time_format.h"
#include "state/cluster_store.h"

namespace orc {

void InstallNodeRoutes(Router& router, NodesView view) {
  router.Get(
      "/nodes", "The orc processes sharing this state database",
      [view](const ApiRequest&, ApiResponse& response) {
        Result<std::vector<NodeInfo>> nodes = view.store.ListNodes();
        if (!nodes.ok()) return WriteError(response, nodes.status());
        Result<Leadership> term = view.store.CurrentTerm("scheduler");
        if (!term.ok()) return WriteError(response, term.status());
        const TimePoint now = view.clock.Now();
        const bool term_current = term->expires_at >= now;
        nlohmann::json items = nlohmann::json::array();
        for (const NodeInfo& node : *nodes) {
          const bool lost = node.heartbeat_at < now - view.node_timeout;
          items.push_back({{"node_id", node.node_id},
                           {"host", node.host},
                           {"roles", node.roles},
                           {"version", node.version},
                           {"started_at", FormatRfc3339(node.started_at)},
                           {"heartbeat_at", FormatRfc3339(node.heartbeat_at)},
                           {"status", lost ? "lost" : "alive"},
                           {"workers", node.workers},
                           {"workers_busy", node.workers_busy},
                           {"scheduler_leader", term_current && term->holder == node.node_id},
                           {"self", node.node_id == view.self}});
        }
        WriteJson(response, 200,
                  {{"items", std::move(items)},
                   {"node_timeout_s", std::chrono::duration<double>(view.node_timeout).count()}});
      });
}

}  // namespace orc
