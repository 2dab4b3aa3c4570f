#include "plugins/extractors/mysql/mysql_connection.h"

#include <mysql.h>
#include <sys/socket.h>

#include <mutex>

namespace orc {
namespace {

// mysql_library_init is not thread-safe and must run before any thread uses the library.
void InitLibraryOnce() {
  static std::once_flag once;
  std::call_once(once, [] { mysql_library_init(0, nullptr, nullptr); });
}

// `text` with every occurrence of `secret` replaced by "***".
std::string WithoutSecret(std::string text, const std::string& secret) {
  if (secret.empty()) return text;
  for (size_t at = text.find(secret); at != std::string::npos; at = text.find(secret, at + 3)) {
    text.replace(at, secret.size(), "***");
  }
  return text;
}

// Client errors for a server that cannot be reached or went away (errmsg.h: CR_*).
bool IsConnectionError(unsigned int code) {
  return code == 2002 || code == 2003 || code == 2005 || code == 2006 || code == 2013 ||
         code == 2026 || code == 2055;
}

}  // namespace

void MySqlInterrupts::InterruptAll() {
  std::lock_guard lock(mutex_);
  interrupted_ = true;
  for (int socket : sockets_) ::shutdown(socket, SHUT_RDWR);
}

bool MySqlInterrupts::interrupted() const {
  std::lock_guard lock(mutex_);
  return interrupted_;
}

bool MySqlInterrupts::Add(int socket) {
  std::lock_guard lock(mutex_);
  if (interrupted_) return false;
  sockets_.insert(socket);
  return true;
}

void MySqlInterrupts::Remove(int socket) {
  std::lock_guard lock(mutex_);
  sockets_.erase(socket);
}

Result<std::unique_ptr<MySqlConnection>> MySqlConnection::Connect(const MySqlLogin& login,
                                                                  MySqlInterrupts* interrupts) {
  InitLibraryOnce();
  MYSQL* mysql = mysql_init(nullptr);
  if (mysql == nullptr) return ResourceExhaustedError("out of memory for a MariaDB connection");
  const unsigned int timeout = static_cast<unsigned int>(login.connect_timeout_s);
  mysql_options(mysql, MYSQL_OPT_CONNECT_TIMEOUT, &timeout);
  mysql_options(mysql, MYSQL_SET_CHARSET_NAME, "utf8mb4");
  // The time zone of TIMESTAMP values as the server sends them: UTC, read as TIMESTAMPTZ. And
  // more time than the default minute for DuckDB to take the next rows of a streamed result
  // (while it writes what it read), before the server gives up on the connection.
  mysql_options(mysql, MYSQL_INIT_COMMAND, "SET time_zone = '+00:00', net_write_timeout = 600");
  // Never read a file the server asks for (LOAD DATA LOCAL), nor the machine's option files.
  const my_bool no = 0;
  mysql_options(mysql, MYSQL_OPT_LOCAL_INFILE, &no);
  std::unique_ptr<MySqlConnection> connection(new MySqlConnection(mysql, login, interrupts));
  const bool connected =
      mysql_real_connect(mysql, login.address.c_str(), login.user.c_str(), login.password.c_str(),
                         login.database.empty() ? nullptr : login.database.c_str(),
                         static_cast<unsigned int>(login.port), nullptr, 0) != nullptr;
  if (!connected) return connection->Error("connecting to " + login.display);
  if (interrupts != nullptr) {
    connection->socket_ = static_cast<int>(mysql_get_socket(mysql));
    if (!interrupts->Add(connection->socket_)) {
      connection->socket_ = -1;
      return CancelledError("the task was interrupted");
    }
  }
  return connection;
}

MySqlConnection::MySqlConnection(MYSQL* mysql, const MySqlLogin& login, MySqlInterrupts* interrupts)
    : mysql_(mysql), login_(login), interrupts_(interrupts) {}

MySqlConnection::~MySqlConnection() {
  if (interrupts_ != nullptr && socket_ >= 0) interrupts_->Remove(socket_);
  mysql_close(mysql_);
}

Status MySqlConnection::Error(const std::string& what) {
  const unsigned int code = mysql_errno(mysql_);
  const std::string message = what + ": " + WithoutSecret(mysql_error(mysql_), login_.password) +
                              " (" + std::to_string(code) + ")";
  if (interrupts_ != nullptr && interrupts_->interrupted()) {
    return CancelledError(what + ": the task was interrupted");
  }
  if (code == 1045 || code == 1044 || code == 1698) return UnauthenticatedError(message);
  if (IsConnectionError(code)) return UnavailableError(message);
  if (code == 1146 || code == 1049) return NotFoundError(message);
  if (code == 1054 || code == 1064) return InvalidArgumentError(message);
  if (code == 1142 || code == 1143) return PermissionDeniedError(message);
  return UnavailableError(message);
}

Status MySqlConnection::Execute(const std::string& sql) {
  if (mysql_real_query(mysql_, sql.data(), sql.size()) != 0) return Error("running a statement");
  if (MYSQL_RES* result = mysql_store_result(mysql_)) mysql_free_result(result);
  return Status::Ok();
}

Result<std::vector<std::vector<std::optional<std::string>>>> MySqlConnection::Query(
    const std::string& sql) {
  if (mysql_real_query(mysql_, sql.data(), sql.size()) != 0) return Error("running a query");
  MYSQL_RES* result = mysql_store_result(mysql_);
  if (result == nullptr) {
    if (mysql_errno(mysql_) != 0) return Error("reading a query's result");
    return std::vector<std::vector<std::optional<std::string>>>{};
  }
  std::vector<std::vector<std::optional<std::string>>> rows;
  const unsigned int fields = mysql_num_fields(result);
  while (MYSQL_ROW row = mysql_fetch_row(result)) {
    const unsigned long* lengths = mysql_fetch_lengths(result);
    std::vector<std::optional<std::string>>& out = rows.emplace_back();
    for (unsigned int i = 0; i < fields; ++i) {
      if (row[i] == nullptr) {
        out.emplace_back();
      } else {
        out.emplace_back(std::string(row[i], lengths[i]));
      }
    }
  }
  mysql_free_result(result);
  return rows;
}

Result<MYSQL_RES*> MySqlConnection::Stream(const std::string& sql) {
  if (mysql_real_query(mysql_, sql.data(), sql.size()) != 0) return Error("running the query");
  MYSQL_RES* result = mysql_use_result(mysql_);
  if (result == nullptr) return Error("reading the query's result");
  return result;
}

std::string MySqlConnection::Literal(const std::string& value) {
  std::string escaped(value.size() * 2 + 1, '\0');
  const unsigned long length =
      mysql_real_escape_string(mysql_, escaped.data(), value.data(), value.size());
  escaped.resize(length);
  return "'" + escaped + "'";
}

std::string QuoteMySqlName(const std::string& name) {
  std::string quoted = "`";
  for (char c : name) {
    quoted += c;
    if (c == '`') quoted += '`';
  }
  return quoted + "`";
}

}  // namespace orc
