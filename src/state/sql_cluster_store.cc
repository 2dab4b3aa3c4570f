// SqlStateStore: the node registry and leadership terms (migration 17); the role is described in
// state/cluster_store.h.
#include <string>

#include <nlohmann/json.hpp>

#include "state/sql_state_store.h"

namespace orc {

Status SqlStateStore::RegisterNode(const NodeInfo& node) {
  const TimePoint now = clock_.Now();
  return WithConnection(Access::kTransaction, [&](SqlConnection& connection) -> Status {
    ORC_RETURN_IF_ERROR(connection
                            .Execute("DELETE FROM nodes WHERE heartbeat_at < $1",
                                     {ToStoredTime(now - kForgetSilentNodesAfter)})
                            .status());
    return connection
        .Execute(
            "INSERT INTO nodes (node_id, host, roles, version, started_at, heartbeat_at, "
            "workers, workers_busy) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) "
            "ON CONFLICT (node_id) DO UPDATE SET host = excluded.host, roles = excluded.roles, "
            "version = excluded.version, started_at = excluded.started_at, "
            "heartbeat_at = excluded.heartbeat_at, workers = excluded.workers, "
            "workers_busy = excluded.workers_busy",
            {node.node_id, node.host, nlohmann::json(node.roles).dump(), node.version,
             ToStoredTime(node.started_at), ToStoredTime(now), int64_t{node.workers},
             int64_t{node.workers_busy}})
        .status();
  });
}

Status SqlStateStore::HeartbeatNode(const std::string& node_id, int workers_busy) {
  const TimePoint now = clock_.Now();
  return WithConnection(
      Access::kWrite,
      [&](SqlConnection& connection) -> Status {
        ORC_ASSIGN_OR_RETURN(
            SqlRows rows,
            connection.Execute("UPDATE nodes SET heartbeat_at = $2, workers_busy = $3 "
                               "WHERE node_id = $1 RETURNING node_id",
                               {node_id, ToStoredTime(now), int64_t{workers_busy}}));
        if (rows.empty()) return NotFoundError("node '" + node_id + "' is not registered");
        return Status::Ok();
      },
      Commit::kBookkeeping);
}

Status SqlStateStore::DeregisterNode(const std::string& node_id) {
  return WithConnection(Access::kWrite, [&](SqlConnection& connection) {
    return connection.Execute("DELETE FROM nodes WHERE node_id = $1", {node_id}).status();
  });
}

Result<std::vector<NodeInfo>> SqlStateStore::ListNodes() {
  std::vector<NodeInfo> nodes;
  ORC_RETURN_IF_ERROR(WithConnection(Access::kRead, [&](SqlConnection& connection) -> Status {
    ORC_ASSIGN_OR_RETURN(
        SqlRows rows,
        connection.Execute("SELECT node_id, host, roles, version, started_at, heartbeat_at, "
                           "workers, workers_busy FROM nodes ORDER BY started_at, node_id",
                           {}));
    nodes.clear();
    for (size_t r = 0; r < rows.size(); ++r) {
      nodes.push_back(NodeInfo{.node_id = rows.Text(r, 0),
                               .host = rows.Text(r, 1),
                               .roles = DecodeStringArray(rows.Text(r, 2)),
                               .version = rows.Text(r, 3),
                               .started_at = rows.Time(r, 4),
                               .heartbeat_at = rows.Time(r, 5),
                               .workers = static_cast<int>(rows.Int(r, 6)),
                               .workers_busy = static_cast<int>(rows.Int(r, 7))});
    }
    return Status::Ok();
  }));
  return nodes;
}

Result<Leadership> SqlStateStore::CurrentTerm(const std::string& name) {
  Leadership term;
  ORC_RETURN_IF_ERROR(WithConnection(Access::kRead, [&](SqlConnection& connection) -> Status {
    ORC_ASSIGN_OR_RETURN(
        SqlRows rows,
        connection.Execute("SELECT holder, expires_at FROM leaders WHERE name = $1", {name}));
    term = {};
    if (!rows.empty()) {
      term.holder = rows.Text(0, 0);
      term.expires_at = rows.Time(0, 1);
    }
    return Status::Ok();
  }));
  return term;
}

Result<Leadership> SqlStateStore::TryLead(const std::string& name, const std::string& holder,
                                          Duration term) {
  const TimePoint now = clock_.Now();
  Leadership leadership;
  // Read first: a standby, which finds the term held, writes nothing.
  ORC_RETURN_IF_ERROR(WithConnection(Access::kRead, [&](SqlConnection& connection) -> Status {
    ORC_ASSIGN_OR_RETURN(
        SqlRows rows,
        connection.Execute("SELECT holder, renewed_at, expires_at FROM leaders WHERE name = $1",
                           {name}));
    leadership = {};
    if (!rows.empty()) {
      leadership.holder = rows.Text(0, 0);
      leadership.previous_renewed_at = rows.Time(0, 1);
      leadership.expires_at = rows.Time(0, 2);
    }
    return Status::Ok();
  }));
  const bool free = leadership.holder.empty();
  const bool mine = leadership.holder == holder;
  if (!free && !mine && leadership.expires_at >= now) {
    leadership.previous_renewed_at.reset();
    return leadership;  // held by another: stand by
  }
  // Take or renew it, provided nobody else did since the read.
  const std::string seen_holder = leadership.holder;
  const int64_t seen_expires = ToStoredTime(leadership.expires_at);
  bool taken = false;
  ORC_RETURN_IF_ERROR(WithConnection(Access::kWrite, [&](SqlConnection& connection) -> Status {
    const std::vector<SqlValue> values = {name, holder, ToStoredTime(now),
                                          ToStoredTime(now + term)};
    SqlRows rows;
    if (free) {
      ORC_ASSIGN_OR_RETURN(
          rows, connection.Execute("INSERT INTO leaders (name, holder, renewed_at, expires_at) "
                                   "VALUES ($1, $2, $3, $4) ON CONFLICT (name) DO NOTHING "
                                   "RETURNING name",
                                   values));
    } else {
      std::vector<SqlValue> guarded = values;
      guarded.emplace_back(seen_holder);
      guarded.emplace_back(seen_expires);
      ORC_ASSIGN_OR_RETURN(rows,
                           connection.Execute("UPDATE leaders SET holder = $2, renewed_at = $3, "
                                              "expires_at = $4 WHERE name = $1 AND holder = $5 AND "
                                              "expires_at = $6 RETURNING name",
                                              guarded));
    }
    taken = !rows.empty();
    return Status::Ok();
  }));
  if (!taken) {
    // Another node took it between the read and the write.
    return Leadership{.leading = false, .holder = "", .expires_at = now};
  }
  Leadership result{.leading = true, .holder = holder, .expires_at = now + term};
  // Taken over, from another node or after this one's own term lapsed: say since when.
  if (!free && (!mine || leadership.expires_at < now)) {
    result.previous_renewed_at = leadership.previous_renewed_at;
  }
  return result;
}

Status SqlStateStore::StepDown(const std::string& name, const std::string& holder) {
  const TimePoint now = clock_.Now();
  return WithConnection(Access::kWrite, [&](SqlConnection& connection) {
    // The term ends now; renewed_at stays, so the next leader replays from there.
    return connection
        .Execute("UPDATE leaders SET expires_at = $3 WHERE name = $1 AND holder = $2",
                 {name, holder, ToStoredTime(now) - 1})
        .status();
  });
}

}  // namespace orc
