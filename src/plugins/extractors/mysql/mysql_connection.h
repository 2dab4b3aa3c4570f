// MySqlConnection: one connection to a MySQL or MariaDB server through MariaDB Connector/C, and
// MySqlInterrupts, which breaks off the reads of a set of connections when a task is interrupted.
//
// Errors say what failed and the server's message; they never hold the password (a server's
// message does not quote it, and any text equal to it is replaced all the same).
//
// A connection is used by one thread at a time. MySqlInterrupts is safe from any thread.
#pragma once

#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "common/status.h"

struct st_mysql;
struct st_mysql_res;

namespace orc {

struct MySqlLogin {
  std::string address;  // numeric, already checked by the database-host policy
  int port = 3306;
  std::string user;
  std::string password;
  std::string database;  // may be empty
  int connect_timeout_s = 10;
  std::string display;  // how messages name the server: the redacted URL
};

// Sockets of connections that an interrupt shuts down, so that a read blocked in the client
// library returns at once with an error (the server then ends the query of the closed connection).
// Shutting a socket down does not block, as an Interrupter callback must not.
class MySqlInterrupts {
 public:
  // Marks the set interrupted and shuts down every socket registered.
  void InterruptAll();
  bool interrupted() const;

  // Adds a connection's socket; false (nothing added) when already interrupted.
  bool Add(int socket);
  // Removes it; call before the connection closes, so a later interrupt cannot touch a reused fd.
  void Remove(int socket);

 private:
  mutable std::mutex mutex_;  // guards sockets_ and interrupted_
  std::set<int> sockets_;
  bool interrupted_ = false;
};

class MySqlConnection {
 public:
  // Connects with charset utf8mb4 and session time_zone '+00:00'. Unavailable when the server
  // cannot be reached, Unauthenticated when it refuses the login; the socket is added to
  // `interrupts` (nullptr: none), and Cancelled when it was interrupted already.
  static Result<std::unique_ptr<MySqlConnection>> Connect(const MySqlLogin& login,
                                                          MySqlInterrupts* interrupts);
  ~MySqlConnection();
  MySqlConnection(const MySqlConnection&) = delete;
  MySqlConnection& operator=(const MySqlConnection&) = delete;

  // Runs a statement whose result is not read (SET, START TRANSACTION).
  Status Execute(const std::string& sql);
  // Runs `sql` and reads all its rows, as text (nullopt for NULL); for small results only.
  Result<std::vector<std::vector<std::optional<std::string>>>> Query(const std::string& sql);
  // Runs `sql` and leaves its rows on the wire, to be fetched one by one (mysql_use_result); the
  // result is freed by the caller with mysql_free_result before another statement runs.
  Result<st_mysql_res*> Stream(const std::string& sql);

  // `value` as a quoted SQL string literal, escaped for the connection's charset.
  std::string Literal(const std::string& value);
  // The last error of this connection as a Status of `code`, prefixed with `what`.
  Status Error(const std::string& what);

  st_mysql* handle() { return mysql_; }

 private:
  MySqlConnection(st_mysql* mysql, const MySqlLogin& login, MySqlInterrupts* interrupts);

  st_mysql* mysql_;
  MySqlLogin login_;
  MySqlInterrupts* interrupts_;
  int socket_ = -1;
};

// `name` quoted as a MariaDB identifier: backticks, a backtick inside doubled.
std::string QuoteMySqlName(const std::string& name);

}  // namespace orc
