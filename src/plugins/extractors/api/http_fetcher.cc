#include "plugins/extractors/api/http_fetcher.h"

#include <arpa/inet.h>
#include <curl/curl.h>
#include <netinet/in.h>

#include <algorithm>
#include <memory>
#include <mutex>

#include "common/time_format.h"

namespace orc {
namespace {

using Headers = std::vector<std::pair<std::string, std::string>>;

std::string Lower(std::string_view text) {
  std::string lower(text);
  std::transform(lower.begin(), lower.end(), lower.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return lower;
}

// What one transfer's callbacks share with FetchOnce.
struct Transfer {
  const NetworkPolicy* policy = nullptr;
  std::string host;  // the URL's, as allowed_hosts name hosts
  int port = 0;
  std::optional<std::string> refused;  // the first address the policy refused, and why
  bool connected = false;

  HttpResponse* response = nullptr;
  size_t max_body_bytes = 0;
  bool body_too_large = false;
  size_t header_bytes = 0;  // across the interim (1xx) responses too
  bool headers_too_large = false;
};

std::string AddressText(const sockaddr& address) {
  char text[INET6_ADDRSTRLEN] = "";
  if (address.sa_family == AF_INET) {
    inet_ntop(AF_INET, &reinterpret_cast<const sockaddr_in&>(address).sin_addr, text, sizeof text);
  } else if (address.sa_family == AF_INET6) {
    inet_ntop(AF_INET6, &reinterpret_cast<const sockaddr_in6&>(address).sin6_addr, text,
              sizeof text);
  }
  return text;
}

// Whether the policy lets this transfer use `address`; remembers the first refusal, for the error.
bool Allowed(Transfer& transfer, const std::string& address, AddressKind kind) {
  if (AddressAllowed(*transfer.policy, transfer.host, transfer.port, kind)) return true;
  if (!transfer.refused) {
    std::string host = transfer.host;
    if (host.starts_with('[')) host = host.substr(1, host.size() - 2);
    transfer.refused =
        (host == address ? "address " + address : host + " resolves to " + address + ", which") +
        " is " + std::string(AddressKindName(kind)) +
        "; orc refuses it unless the operator allows the host with --allow-host";
  }
  return false;
}

// libcurl calls this instead of socket(2) for every address it tries, including each one of a name
// that resolves to several: the one place that sees the address it is about to connect to, after
// any DNS answer.
curl_socket_t OpenSocket(void* data, curlsocktype, curl_sockaddr* address) {
  auto* transfer = static_cast<Transfer*>(data);
  if (!Allowed(*transfer, AddressText(address->addr), ClassifyAddress(address->addr))) {
    return CURL_SOCKET_BAD;  // libcurl tries the next address, if any
  }
  return socket(address->family, address->socktype | SOCK_CLOEXEC, address->protocol);
}

// libcurl calls this once connected, before sending the request, on new and reused connections
// alike: a kept-alive connection opened under another policy is checked again here.
int BeforeRequest(void* data, char* primary_ip, char*, int, int) {
  auto* transfer = static_cast<Transfer*>(data);
  transfer->connected = true;
  const std::string address = primary_ip;
  const AddressKind kind = ClassifyIpLiteral(address).value_or(AddressKind::kReserved);
  return Allowed(*transfer, address, kind) ? CURL_PREREQFUNC_OK : CURL_PREREQFUNC_ABORT;
}

size_t AppendBody(char* data, size_t size, size_t count, void* user) {
  auto* transfer = static_cast<Transfer*>(user);
  const size_t length = size * count;
  std::string& body = transfer->response->body;
  if (length > transfer->max_body_bytes - body.size()) {
    transfer->body_too_large = true;
    return 0;  // aborts the transfer
  }
  body.append(data, length);
  return length;
}

size_t AppendHeader(char* data, size_t size, size_t count, void* user) {
  auto* transfer = static_cast<Transfer*>(user);
  const size_t length = size * count;
  transfer->header_bytes += length;
  if (transfer->header_bytes > HttpFetcher::kMaxHeaderBytes) {
    transfer->headers_too_large = true;
    return 0;  // aborts the transfer
  }
  Headers& headers = transfer->response->headers;
  std::string_view line(data, length);
  const size_t colon = line.find(':');
  if (colon != std::string_view::npos) {
    std::string_view value = line.substr(colon + 1);
    while (!value.empty() && (value.front() == ' ' || value.front() == '\t'))
      value.remove_prefix(1);
    while (!value.empty() &&
           (value.back() == '\r' || value.back() == '\n' || value.back() == ' ')) {
      value.remove_suffix(1);
    }
    headers.emplace_back(Lower(line.substr(0, colon)), std::string(value));
  } else if (line.starts_with("HTTP/")) {
    headers.clear();  // a new response (after a 100 Continue): forget the interim one's headers
  }
  return length;
}

// Frees a curl_slist when it goes out of scope.
struct HeaderList {
  curl_slist* list = nullptr;
  ~HeaderList() { curl_slist_free_all(list); }
};

struct UrlDeleter {
  void operator()(CURLU* url) const { curl_url_cleanup(url); }
};
using UrlHandle = std::unique_ptr<CURLU, UrlDeleter>;

UrlHandle ParseUrl(const std::string& url) {
  UrlHandle handle(curl_url());
  if (handle == nullptr || curl_url_set(handle.get(), CURLUPART_URL, url.c_str(), 0) != CURLUE_OK) {
    return nullptr;
  }
  return handle;
}

std::optional<std::string> UrlPart(CURLU* url, CURLUPart part, unsigned flags = 0) {
  char* value = nullptr;
  if (curl_url_get(url, part, &value, flags) != CURLUE_OK) return std::nullopt;
  std::string text = value;
  curl_free(value);
  return text;
}

// `url` without user, password, query and fragment, for messages about redirect targets, which
// the caller could not mask.
std::string WithoutSecrets(const std::string& url) {
  UrlHandle handle = ParseUrl(url);
  if (handle == nullptr) return "(an unparseable URL)";
  for (const CURLUPart part :
       {CURLUPART_USER, CURLUPART_PASSWORD, CURLUPART_QUERY, CURLUPART_FRAGMENT}) {
    curl_url_set(handle.get(), part, nullptr, 0);
  }
  return UrlPart(handle.get(), CURLUPART_URL).value_or("(an unparseable URL)");
}

std::string SizeText(size_t bytes) {
  constexpr size_t kKiB = size_t{1} << 10;
  constexpr size_t kMiB = size_t{1} << 20;
  if (bytes % kMiB == 0) return std::to_string(bytes / kMiB) + " MiB";
  if (bytes % kKiB == 0) return std::to_string(bytes / kKiB) + " KiB";
  return std::to_string(bytes) + " bytes";
}

bool IsRedirect(long status) {
  return status == 301 || status == 302 || status == 303 || status == 307 || status == 308;
}

std::string HeaderName(const std::string& header) {
  std::string_view name(header);
  name = name.substr(0, name.find(':'));
  while (!name.empty() && name.back() == ' ') name.remove_suffix(1);
  return Lower(name);
}

}  // namespace

std::optional<TimePoint> ParseHttpDate(const std::string& text) {
  const time_t seconds = curl_getdate(text.c_str(), nullptr);
  if (seconds < 0) return std::nullopt;
  return std::chrono::system_clock::from_time_t(seconds);
}

std::optional<std::string> HttpResponse::Header(std::string_view name) const {
  for (const auto& [key, value] : headers) {
    if (key == name) return value;
  }
  return std::nullopt;
}

std::optional<Origin> OriginOf(const std::string& url) {
  UrlHandle handle = ParseUrl(url);
  if (handle == nullptr) return std::nullopt;
  std::optional<std::string> scheme = UrlPart(handle.get(), CURLUPART_SCHEME);
  std::optional<std::string> host = UrlPart(handle.get(), CURLUPART_HOST);
  std::optional<std::string> port = UrlPart(handle.get(), CURLUPART_PORT, CURLU_DEFAULT_PORT);
  if (!scheme || !host || !port) return std::nullopt;
  return Origin{Lower(*scheme), Lower(*host), std::atoi(port->c_str())};
}

void DropCredentials(HttpRequest& request) {
  std::vector<std::string> credentials = {"authorization", "proxy-authorization", "cookie"};
  for (const std::string& name : request.credential_headers) credentials.push_back(Lower(name));
  std::erase_if(request.headers, [&credentials](const std::string& header) {
    return std::find(credentials.begin(), credentials.end(), HeaderName(header)) !=
           credentials.end();
  });
  request.username.clear();
  request.password.clear();
}

HttpFetcher::HttpFetcher() {
  static std::once_flag global_init;
  std::call_once(global_init, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
  curl_ = curl_easy_init();
  multi_ = curl_multi_init();
}

HttpFetcher::~HttpFetcher() {
  curl_easy_cleanup(static_cast<CURL*>(curl_));
  curl_multi_cleanup(static_cast<CURLM*>(multi_));
}

std::string HttpFetcher::Escape(std::string_view text) {
  char* escaped =
      curl_easy_escape(static_cast<CURL*>(curl_), text.data(), static_cast<int>(text.size()));
  std::string result = escaped != nullptr ? escaped : "";
  curl_free(escaped);
  return result;
}

Result<HttpResponse> HttpFetcher::Fetch(const HttpRequest& request, const std::string& display_url,
                                        const NetworkPolicy& policy, Interrupter& interrupter) {
  HttpRequest hop = request;
  std::optional<Origin> origin = OriginOf(request.url);
  std::string what = request.method + " " + display_url;
  for (int redirects = 0;; ++redirects) {
    std::string target;
    ORC_ASSIGN_OR_RETURN(HttpResponse response, FetchOnce(hop, what, policy, interrupter, target));
    if (!IsRedirect(response.status) || target.empty() || !request.follow_redirects) {
      response.url = hop.url;
      return response;
    }
    const std::optional<Origin> next = OriginOf(target);
    if (!next || (next->scheme != "http" && next->scheme != "https")) {
      return InvalidArgumentError(what + ": redirected to " + WithoutSecrets(target) +
                                  ", which is not an http:// or https:// URL");
    }
    if (redirects == kMaxRedirects) {
      return InvalidArgumentError(what + ": more than " + std::to_string(kMaxRedirects) +
                                  " redirects (the last to " + WithoutSecrets(target) + ")");
    }
    if (next != origin) DropCredentials(hop);
    const bool to_get =
        (response.status == 303 && hop.method != "HEAD") ||
        ((response.status == 301 || response.status == 302) && hop.method == "POST");
    if (to_get) {
      hop.method = "GET";
      hop.body.clear();
      std::erase_if(hop.headers,
                    [](const std::string& header) { return HeaderName(header) == "content-type"; });
    }
    hop.url = target;
    origin = next;
    what = request.method + " " + display_url + " (redirected to " + WithoutSecrets(target) + ")";
  }
}

Result<HttpResponse> HttpFetcher::FetchOnce(const HttpRequest& request, const std::string& what,
                                            const NetworkPolicy& policy, Interrupter& interrupter,
                                            std::string& redirect_url) {
  CURL* curl = static_cast<CURL*>(curl_);
  CURLM* multi = static_cast<CURLM*>(multi_);
  if (curl == nullptr || multi == nullptr) return InternalError("libcurl could not be initialized");
  const std::optional<Origin> origin = OriginOf(request.url);
  if (!origin) return InvalidArgumentError(what + ": not a URL libcurl can parse");
  HttpResponse response;
  Transfer transfer{.policy = &policy,
                    .host = origin->host,
                    .port = origin->port,
                    .response = &response,
                    .max_body_bytes = request.max_body_bytes};
  curl_easy_reset(curl);
  HeaderList headers;
  for (const std::string& header : request.headers) {
    headers.list = curl_slist_append(headers.list, header.c_str());
  }
  curl_easy_setopt(curl, CURLOPT_URL, request.url.c_str());
  curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(curl, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(curl, CURLOPT_PROXY, "");  // no proxy, whatever the environment says
  curl_easy_setopt(curl, CURLOPT_OPENSOCKETFUNCTION, OpenSocket);
  curl_easy_setopt(curl, CURLOPT_OPENSOCKETDATA, &transfer);
  curl_easy_setopt(curl, CURLOPT_PREREQFUNCTION, BeforeRequest);
  curl_easy_setopt(curl, CURLOPT_PREREQDATA, &transfer);
  curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, request.method.c_str());
  if (!request.body.empty()) {
    curl_easy_setopt(curl, CURLOPT_POSTFIELDS, request.body.c_str());
    curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE,
                     static_cast<curl_off_t>(request.body.size()));
  }
  curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers.list);
  if (!request.username.empty()) {
    curl_easy_setopt(curl, CURLOPT_HTTPAUTH, CURLAUTH_BASIC);
    curl_easy_setopt(curl, CURLOPT_USERNAME, request.username.c_str());
    curl_easy_setopt(curl, CURLOPT_PASSWORD, request.password.c_str());
  }
  const auto milliseconds = [](Duration duration) {
    return static_cast<long>(
        std::chrono::duration_cast<std::chrono::milliseconds>(duration).count());
  };
  curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, milliseconds(request.timeout));
  curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS,
                   milliseconds(std::min(request.timeout, request.connect_timeout)));
  if (request.accept_compressed) {
    curl_easy_setopt(curl, CURLOPT_ACCEPT_ENCODING, "");
  } else {
    // Refuses at once a body whose announced length is over the limit; the write callback still
    // counts what arrives, announced or not.
    curl_easy_setopt(curl, CURLOPT_MAXFILESIZE_LARGE,
                     static_cast<curl_off_t>(request.max_body_bytes));
  }
  curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, AppendBody);
  curl_easy_setopt(curl, CURLOPT_WRITEDATA, &transfer);
  curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, AppendHeader);
  curl_easy_setopt(curl, CURLOPT_HEADERDATA, &transfer);

  // The multi interface rather than curl_easy_perform, whose wait for a silent server only checks
  // for an interrupt about once a second: an interrupt wakes this loop at once.
  std::optional<CURLcode> result;
  if (curl_multi_add_handle(multi, curl) != CURLM_OK) {
    return InternalError(what + ": libcurl could not start the transfer");
  }
  {
    const Interrupter::Registration wake =
        interrupter.OnInterrupt([multi] { curl_multi_wakeup(multi); });
    int running = 1;
    while (!interrupter.interrupted()) {
      if (curl_multi_perform(multi, &running) != CURLM_OK || running == 0) break;
      curl_multi_poll(multi, nullptr, 0, 1000, nullptr);
    }
    int queued = 0;
    while (CURLMsg* message = curl_multi_info_read(multi, &queued)) {
      if (message->msg == CURLMSG_DONE) result = message->data.result;
    }
  }
  curl_multi_remove_handle(multi, curl);
  if (interrupter.interrupted()) return interrupter.reason();
  if (!result) return InternalError(what + ": libcurl ended the transfer without a result");

  const CURLcode code = *result;
  switch (code) {
    case CURLE_OK:
      break;
    case CURLE_URL_MALFORMAT:
    case CURLE_UNSUPPORTED_PROTOCOL:
      return InvalidArgumentError(what + ": " + curl_easy_strerror(code));
    case CURLE_COULDNT_CONNECT:
    case CURLE_ABORTED_BY_CALLBACK:
      if (transfer.refused) return PermissionDeniedError(what + ": " + *transfer.refused);
      return UnavailableError(what + ": " + curl_easy_strerror(code));
    case CURLE_FILESIZE_EXCEEDED:
      return InvalidArgumentError(what + ": response larger than " +
                                  SizeText(request.max_body_bytes) + " (max_response_mb)");
    case CURLE_WRITE_ERROR:
      if (transfer.body_too_large) {
        return InvalidArgumentError(what + ": response larger than " +
                                    SizeText(request.max_body_bytes) + " (max_response_mb)");
      }
      if (transfer.headers_too_large) {
        return InvalidArgumentError(what + ": response headers larger than " +
                                    SizeText(kMaxHeaderBytes));
      }
      return UnavailableError(what + ": " + curl_easy_strerror(code));
    case CURLE_OPERATION_TIMEDOUT:
      if (!transfer.connected) {
        return UnavailableError(what + ": could not connect within " +
                                FormatSeconds(std::min(request.timeout, request.connect_timeout)));
      }
      return UnavailableError(
          what + ": no complete response within " +
          std::to_string(
              std::chrono::duration_cast<std::chrono::seconds>(request.timeout).count()) +
          " s (timeout_s)");
    default:
      return UnavailableError(what + ": " + curl_easy_strerror(code));
  }
  curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &response.status);
  char* location = nullptr;
  if (IsRedirect(response.status) &&
      curl_easy_getinfo(curl, CURLINFO_REDIRECT_URL, &location) == CURLE_OK &&
      location != nullptr) {
    redirect_url = location;
  }
  return response;
}

}  // namespace orc
