#include "support/netns_cluster.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <cerrno>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <regex>
#include <sstream>
#include <stdexcept>
#include <thread>

namespace orc::testing {
namespace {

using namespace std::chrono_literals;

constexpr const char* kInnerLink = "veth0";  // the veth's name inside each namespace
constexpr int kDatabaseHost = 2;
constexpr int kFirstNodeHost = 10;   // node i is 10.R.S.(10+i)
constexpr int kSubnets = 128 * 256;  // 10.100.0.0/24 .. 10.227.255.0/24
constexpr auto kLinkTimeout = 10s;

// At most one cluster per process, as its names are made from the pid.
std::atomic<bool> cluster_alive{false};

std::string IpPath() {
  for (const char* path : {"/usr/sbin/ip", "/sbin/ip", "/usr/bin/ip", "/bin/ip"}) {
    if (::access(path, X_OK) == 0) return path;
  }
  return "";
}

CommandResult Ip(std::vector<std::string> arguments) { return RunIp(std::move(arguments)); }

std::string Describe(const std::vector<std::string>& arguments, const CommandResult& result) {
  std::string text = "`ip";
  for (const std::string& argument : arguments) text += " " + argument;
  return text + "` exited " + std::to_string(result.exit_code) + ": " + result.output;
}

// `ip arguments...`, throwing with its output when it fails.
std::string IpOrThrow(const std::vector<std::string>& arguments) {
  CommandResult result = Ip(arguments);
  if (result.exit_code != 0) {
    throw std::runtime_error("NetnsCluster: " + Describe(arguments, result));
  }
  return result.output;
}

// `ip arguments...`, reporting a failure on stderr (for cleanup, which goes on regardless).
void IpBestEffort(const std::vector<std::string>& arguments) {
  CommandResult result = Ip(arguments);
  if (result.exit_code != 0) std::cerr << "NetnsCluster cleanup: " << Describe(arguments, result);
}

std::string PostgresStateFile(const std::string& prefix) {
  return "/tmp/" + prefix + "-postgres.state";
}

CommandResult PostgresServer(const std::string& action, const std::string& state_file,
                             std::map<std::string, std::string> env = {},
                             const std::string& command = "") {
  std::vector<std::string> argv = {ORC_POSTGRES_TEST_SERVER_PATH, action, state_file};
  if (!command.empty()) argv.push_back(command);
  return RunCommand(std::move(argv), std::move(env), 120s);
}

// SIGKILLs every process in the namespace: what a test started there, what PostgreSQL left.
void KillEverythingIn(const std::string& name) {
  std::istringstream pids(Ip({"netns", "pids", name}).output);
  for (std::string pid; pids >> pid;) {
    const bool number =
        std::all_of(pid.begin(), pid.end(), [](unsigned char c) { return std::isdigit(c); });
    if (number) ::kill(std::stoi(pid), SIGKILL);
  }
}

bool ProcessIsDead(pid_t pid) { return ::kill(pid, 0) != 0 && errno == ESRCH; }

// Removes what clusters of processes that no longer run left behind (a test binary killed
// mid-way never ran its destructors), and what this process left if a destructor failed.
void RemoveStaleClusters() {
  const std::regex ours(R"(^orc(\d{1,7})(br|db|d|n\d+|h\d+)(@\S*)?:?$)");
  auto stale = [&](const std::string& name) {
    std::smatch match;
    if (!std::regex_match(name, match, ours)) return false;
    const pid_t pid = std::stoi(match[1]);
    return pid == ::getpid() || ProcessIsDead(pid);
  };
  const std::regex state_file(R"(^orc(\d{1,7})-postgres\.state$)");
  std::error_code error;
  for (const auto& entry : std::filesystem::directory_iterator("/tmp", error)) {
    const std::string file = entry.path().filename();
    std::smatch match;
    if (!std::regex_match(file, match, state_file)) continue;
    const pid_t pid = std::stoi(match[1]);
    if (pid == ::getpid() || ProcessIsDead(pid)) PostgresServer("stop", entry.path());
  }
  std::istringstream namespaces(Ip({"netns", "list"}).output);
  for (std::string line; std::getline(namespaces, line);) {
    const std::string name = line.substr(0, line.find(' '));
    if (!stale(name)) continue;
    KillEverythingIn(name);
    IpBestEffort({"netns", "delete", name});
  }
  // Host sides of veths and bridges: `N: NAME[@PEER]: <FLAGS> ...`.
  std::istringstream links(Ip({"-o", "link", "show"}).output);
  for (std::string line; std::getline(links, line);) {
    std::istringstream fields(line);
    std::string number, name;
    fields >> number >> name;
    if (!stale(name)) continue;
    name = name.substr(0, name.find_first_of("@:"));
    // Deleting a namespace above may already have taken the veth with it.
    Ip({"link", "delete", name});
  }
}

// A subnet index (10.(100 + index / 256).(index % 256).0/24) that nothing on the machine routes:
// derived from the pid, so two test binaries running at once start apart.
int FreeSubnet() {
  const int first = ::getpid() % kSubnets;
  for (int step = 0; step < 256; ++step) {
    const int index = (first + step) % kSubnets;
    const std::string prefix =
        "10." + std::to_string(100 + index / 256) + "." + std::to_string(index % 256) + ".0/24";
    CommandResult routes = Ip({"-4", "route", "show", "table", "all", "root", prefix});
    if (routes.exit_code == 0 && routes.output.find_first_not_of(" \n") == std::string::npos) {
      return index;
    }
  }
  throw std::runtime_error("NetnsCluster: no free 10.x.y.0/24 subnet near the pid's");
}

}  // namespace

CommandResult RunCommand(std::vector<std::string> argv, std::map<std::string, std::string> env,
                         std::chrono::milliseconds timeout) {
  SubprocessOptions options;
  options.argv = std::move(argv);
  options.set_env = std::move(env);
  std::unique_ptr<Subprocess> process = RunToCompletion(std::move(options), timeout);
  CommandResult result;
  result.exit_code = process->Wait(0ms).value_or(-1);
  result.output = process->Stdout() + process->Stderr();
  return result;
}

CommandResult RunIp(std::vector<std::string> arguments, std::chrono::milliseconds timeout) {
  arguments.insert(arguments.begin(), IpPath());
  return RunCommand(std::move(arguments), {}, timeout);
}

bool TcpConnects(const std::string& address, int port, std::chrono::milliseconds timeout) {
  sockaddr_in target{};
  target.sin_family = AF_INET;
  target.sin_port = htons(static_cast<uint16_t>(port));
  if (::inet_pton(AF_INET, address.c_str(), &target.sin_addr) != 1) return false;
  const int socket = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (socket < 0) return false;
  bool connected = ::connect(socket, reinterpret_cast<sockaddr*>(&target), sizeof target) == 0;
  if (!connected && errno == EINPROGRESS) {
    pollfd waiting{.fd = socket, .events = POLLOUT, .revents = 0};
    int error = 0;
    socklen_t length = sizeof error;
    connected = ::poll(&waiting, 1, static_cast<int>(timeout.count())) == 1 &&
                ::getsockopt(socket, SOL_SOCKET, SO_ERROR, &error, &length) == 0 && error == 0;
  }
  ::close(socket);
  return connected;
}

NetnsCluster::NetnsCluster(int nodes, int subnet)
    : nodes_(nodes),
      subnet_(subnet),
      prefix_("orc" + std::to_string(::getpid())),
      state_file_(PostgresStateFile(prefix_)) {}

std::unique_ptr<NetnsCluster> NetnsCluster::Create(int nodes, std::string* skip_reason) {
  if (nodes < 1 || nodes > kMaxNodes) {
    throw std::invalid_argument("NetnsCluster: nodes must be 1.." + std::to_string(kMaxNodes));
  }
  skip_reason->clear();
  if (::geteuid() != 0) {
    *skip_reason = "NetnsCluster needs root (network namespaces, veths, a bridge)";
    return nullptr;
  }
  if (IpPath().empty()) {
    *skip_reason = "NetnsCluster needs iproute2's `ip` (apt-get install iproute2)";
    return nullptr;
  }
  if (cluster_alive.exchange(true)) {
    throw std::logic_error("NetnsCluster: one cluster per process at a time");
  }
  std::unique_ptr<NetnsCluster> cluster;
  try {
    RemoveStaleClusters();
    // From here on the destructor removes whatever was made, even when a step throws.
    cluster.reset(new NetnsCluster(nodes, FreeSubnet()));
  } catch (...) {
    cluster_alive = false;
    throw;
  }
  cluster->BuildNetwork(skip_reason);
  if (!skip_reason->empty()) return nullptr;
  cluster->StartDatabase();
  return cluster;
}

NetnsCluster::~NetnsCluster() {
  if (postgres_started_) {
    CommandResult stopped = PostgresServer("stop", state_file_);
    if (stopped.exit_code != 0) std::cerr << "NetnsCluster cleanup: " << stopped.output;
  }
  for (const std::string& name : namespaces_) KillEverythingIn(name);
  // Deleting one end of a veth deletes both, whether or not its namespace is gone yet.
  for (const std::string& host_side : host_sides_) IpBestEffort({"link", "delete", host_side});
  for (const std::string& name : namespaces_) IpBestEffort({"netns", "delete", name});
  if (bridge_made_) IpBestEffort({"link", "delete", prefix_ + "br"});
  cluster_alive = false;
}

void NetnsCluster::BuildNetwork(std::string* skip_reason) {
  const std::string bridge = prefix_ + "br";
  const std::vector<std::string> add_bridge = {"link", "add", bridge, "type", "bridge"};
  CommandResult made = Ip(add_bridge);
  if (made.exit_code != 0) {
    *skip_reason = "the kernel refused a bridge: " + Describe(add_bridge, made);
    return;
  }
  bridge_made_ = true;
  IpOrThrow({"addr", "add", gateway_address() + "/24", "dev", bridge});
  IpOrThrow({"link", "set", bridge, "up"});
  AddNamespace(prefix_ + "db", HostSide(0), AddressOf(kDatabaseHost), skip_reason);
  for (int node = 1; node <= nodes_ && skip_reason->empty(); ++node) {
    AddNamespace(namespace_name(node), HostSide(node), address(node), skip_reason);
  }
}

void NetnsCluster::AddNamespace(const std::string& name, const std::string& host_side,
                                const std::string& address, std::string* skip_reason) {
  const std::vector<std::string> add_namespace = {"netns", "add", name};
  CommandResult made = Ip(add_namespace);
  if (made.exit_code != 0) {
    *skip_reason = "the kernel refused a network namespace: " + Describe(add_namespace, made);
    return;
  }
  namespaces_.push_back(name);
  const std::vector<std::string> add_veth = {"link", "add",  host_side,  "type",  "veth",
                                             "peer", "name", kInnerLink, "netns", name};
  made = Ip(add_veth);
  if (made.exit_code != 0) {
    *skip_reason = "the kernel refused a veth pair: " + Describe(add_veth, made);
    return;
  }
  host_sides_.push_back(host_side);
  IpOrThrow({"link", "set", host_side, "master", prefix_ + "br"});
  IpOrThrow({"link", "set", host_side, "up"});
  IpOrThrow({"-n", name, "link", "set", "lo", "up"});
  IpOrThrow({"-n", name, "addr", "add", address + "/24", "dev", kInnerLink});
  SetLink(name, address, true);
}

void NetnsCluster::StartDatabase() {
  postgres_started_ = true;  // the stop action is harmless when start failed half-way
  CommandResult started = PostgresServer(
      "start", state_file_,
      {{"ORC_POSTGRES_LISTEN", database_address()}, {"ORC_POSTGRES_NETNS", prefix_ + "db"}});
  if (started.exit_code != 0) {
    throw std::runtime_error("NetnsCluster: postgres-test-server start failed: " + started.output);
  }
  std::ifstream state(state_file_);
  state >> database_directory_ >> database_url_;
  std::smatch port;
  if (!std::regex_search(database_url_, port, std::regex(R"(:(\d+)/orc$)"))) {
    throw std::runtime_error("NetnsCluster: no port in the server's URL '" + database_url_ + "'");
  }
  database_port_ = std::stoi(port[1]);
}

std::string NetnsCluster::AddressOf(int host) const {
  return "10." + std::to_string(100 + subnet_ / 256) + "." + std::to_string(subnet_ % 256) + "." +
         std::to_string(host);
}

std::string NetnsCluster::database_address() const { return AddressOf(kDatabaseHost); }
std::string NetnsCluster::gateway_address() const { return AddressOf(1); }

std::string NetnsCluster::address(int node) const {
  if (node < 1 || node > nodes_)
    throw std::out_of_range("NetnsCluster: no node " + std::to_string(node));
  return AddressOf(kFirstNodeHost + node);
}

std::string NetnsCluster::namespace_name(int node) const {
  if (node < 1 || node > nodes_)
    throw std::out_of_range("NetnsCluster: no node " + std::to_string(node));
  return prefix_ + "n" + std::to_string(node);
}

// Interface names have at most 15 characters: orc + a pid of up to 7 digits + h + 3 digits.
std::string NetnsCluster::HostSide(int node) const {
  return node == 0 ? prefix_ + "d" : prefix_ + "h" + std::to_string(node);
}

SubprocessOptions NetnsCluster::InNode(int node, SubprocessOptions options) const {
  options.argv.insert(options.argv.begin(), {IpPath(), "netns", "exec", namespace_name(node)});
  return options;
}

void NetnsCluster::SetLink(const std::string& name, const std::string& address, bool up) {
  IpOrThrow({"-n", name, "link", "set", kInnerLink, up ? "up" : "down"});
  if (!up) return;
  // IPv4 keeps the address on a link that goes down and drops its prefix route, which the kernel
  // adds back once the link is up: wait for carrier, then put back whatever is still missing.
  const auto deadline = std::chrono::steady_clock::now() + kLinkTimeout;
  while (IpOrThrow({"-n", name, "-o", "link", "show", kInnerLink}).find("LOWER_UP") ==
         std::string::npos) {
    if (std::chrono::steady_clock::now() > deadline) {
      throw std::runtime_error("NetnsCluster: " + name + "'s link has no carrier after up");
    }
    std::this_thread::sleep_for(10ms);
  }
  if (IpOrThrow({"-n", name, "-4", "-o", "addr", "show", "dev", kInnerLink}).find(address + "/") ==
      std::string::npos) {
    IpOrThrow({"-n", name, "addr", "add", address + "/24", "dev", kInnerLink});
  }
  const std::string subnet = address.substr(0, address.rfind('.')) + ".0/24";
  if (IpOrThrow({"-n", name, "-4", "route", "show", subnet, "dev", kInnerLink}).empty()) {
    IpOrThrow({"-n", name, "route", "add", subnet, "dev", kInnerLink, "src", address});
  }
}

void NetnsCluster::Cut(int node) { SetLink(namespace_name(node), address(node), false); }
void NetnsCluster::Heal(int node) { SetLink(namespace_name(node), address(node), true); }
void NetnsCluster::CutDatabase() { SetLink(prefix_ + "db", database_address(), false); }

void NetnsCluster::HealDatabase() {
  SetLink(prefix_ + "db", database_address(), true);
  const auto deadline = std::chrono::steady_clock::now() + kLinkTimeout;
  while (!TcpConnects(database_address(), database_port_, 500ms)) {
    if (std::chrono::steady_clock::now() > deadline) {
      throw std::runtime_error("NetnsCluster: PostgreSQL unreachable after HealDatabase");
    }
    std::this_thread::sleep_for(10ms);
  }
}

void NetnsCluster::PostgresCtl(const std::string& command) {
  CommandResult result =
      PostgresServer("ctl", state_file_, {{"ORC_POSTGRES_NETNS", prefix_ + "db"}}, command);
  if (result.exit_code != 0) {
    throw std::runtime_error("NetnsCluster: pg_ctl " + command + " failed: " + result.output);
  }
}

std::string NetnsCluster::PostgresLog() const {
  std::ifstream log(database_directory_ + "/server.log");
  std::stringstream text;
  text << log.rdbuf();
  return text.str();
}

void NetnsCluster::RestartPostgres() { PostgresCtl("restart"); }
void NetnsCluster::StopPostgres() { PostgresCtl("stop"); }
void NetnsCluster::StartPostgres() { PostgresCtl("start"); }
void NetnsCluster::CrashPostgres() { PostgresCtl("crash"); }

}  // namespace orc::testing
