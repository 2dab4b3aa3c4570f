// NetnsCluster: PostgreSQL and several orc nodes on a network of their own, for fault tests
// that cut a node or the database off and heal it, or restart the database.
//
// Topology (all made with iproute2, all removed by the destructor):
//
//   root namespace (the test):  bridge orc<pid>br, 10.R.S.1/24
//   orc<pid>db:                 veth0 10.R.S.2/24, PostgreSQL listening there
//   orc<pid>n<i>, i = 1..N:     veth0 10.R.S.(10+i)/24, the processes of node i
//
// Each namespace has `lo` up and one veth whose peer (orc<pid>d, orc<pid>h<i> in the root
// namespace) is a port of the bridge, so the test reaches every address over the bridge and the
// namespaces reach each other; no namespace has a default route, so nothing leaves the machine.
// R.S is chosen from the pid, skipping subnets the machine already routes. PostgreSQL is
// tests/support/postgres-test-server, run inside orc<pid>db.
//
// Cut(i) sets node i's veth down inside its namespace: its packets go nowhere and nobody reaches
// it, as when a machine's cable is pulled (its sockets stay open; nothing is reset). Heal(i) sets
// it up again.
//
// Needs root. Create() returns null with the reason when the machine cannot do this (not root,
// the kernel refuses a namespace, a veth or a bridge), for the test to GTEST_SKIP; every other
// failure throws std::runtime_error, as do the fault methods, so the test fails with the
// command's output. One cluster per process at a time (names are made from the pid); Create also
// removes what clusters of dead processes left behind. Not thread-safe: one test thread drives it.
#pragma once

#include <chrono>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "support/subprocess.h"

namespace orc::testing {

class NetnsCluster {
 public:
  static constexpr int kMaxNodes = 200;

  // A cluster of `nodes` (1..kMaxNodes) namespaces with PostgreSQL running, or null with
  // *skip_reason set when this machine cannot make one.
  static std::unique_ptr<NetnsCluster> Create(int nodes, std::string* skip_reason);

  // Stops PostgreSQL, kills every process left in the namespaces, removes the namespaces, the
  // veths and the bridge. Best effort: reports what it could not remove on stderr.
  ~NetnsCluster();
  NetnsCluster(const NetnsCluster&) = delete;
  NetnsCluster& operator=(const NetnsCluster&) = delete;

  int nodes() const { return nodes_; }
  // postgres://orc:orc-test-password@10.R.S.2:PORT/orc
  const std::string& database_url() const { return database_url_; }
  std::string database_address() const;
  int database_port() const { return database_port_; }
  // Node i's address (i in 1..nodes()), 10.R.S.(10+i).
  std::string address(int node) const;
  // The bridge's address in the root namespace, 10.R.S.1.
  std::string gateway_address() const;
  std::string namespace_name(int node) const;

  // `options` run inside node i's namespace: argv becomes `ip netns exec NS argv...` (ip execs
  // the program, so the Subprocess's pid is the program's).
  SubprocessOptions InNode(int node, SubprocessOptions options) const;

  // Node i's link down (Cut) and up again (Heal, which returns once the link, its address and
  // its route are back).
  void Cut(int node);
  void Heal(int node);
  // The same for PostgreSQL's namespace; HealDatabase returns once the server accepts TCP
  // connections from the root namespace again.
  void CutDatabase();
  void HealDatabase();

  // pg_ctl -m fast inside the namespace, as the server's user (every session ends); the data
  // stays. Each returns once pg_ctl has waited for the server (up to 30 s).
  void RestartPostgres();
  void StopPostgres();
  void StartPostgres();
  // pg_ctl stop -m immediate: the server dies as in a crash, without a checkpoint; StartPostgres
  // then recovers it from its WAL.
  void CrashPostgres();

  // What PostgreSQL has written to its log so far (server.log in its directory): errors, and the
  // statements a test asks it to log (ALTER SYSTEM SET log_min_duration_statement ...).
  std::string PostgresLog() const;

 private:
  NetnsCluster(int nodes, int subnet);

  // The pieces, in Create's order.
  void BuildNetwork(std::string* skip_reason);
  void AddNamespace(const std::string& name, const std::string& host_side,
                    const std::string& address, std::string* skip_reason);
  void StartDatabase();

  void SetLink(const std::string& name, const std::string& address, bool up);
  void PostgresCtl(const std::string& command);
  std::string AddressOf(int host) const;
  std::string HostSide(int node) const;  // node 0: the database

  int nodes_;
  int subnet_;          // R * 256 + S
  std::string prefix_;  // orc<pid>
  std::string state_file_;
  std::string database_url_;
  std::string database_directory_;
  int database_port_ = 0;
  // What exists so far, for the destructor.
  bool bridge_made_ = false;
  std::vector<std::string> namespaces_;
  std::vector<std::string> host_sides_;
  bool postgres_started_ = false;
};

// Whether a TCP connection to address:port opens within `timeout`.
bool TcpConnects(const std::string& address, int port, std::chrono::milliseconds timeout);

// A command run to completion: its exit code (-1 when it ran past its time and was killed) and
// what it wrote on stdout and stderr.
struct CommandResult {
  int exit_code = -1;
  std::string output;
};
CommandResult RunCommand(std::vector<std::string> argv, std::map<std::string, std::string> env = {},
                         std::chrono::milliseconds timeout = std::chrono::seconds(60));
// RunCommand of iproute2's `ip arguments...`.
CommandResult RunIp(std::vector<std::string> arguments,
                    std::chrono::milliseconds timeout = std::chrono::seconds(10));

}  // namespace orc::testing
