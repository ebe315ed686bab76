// A small synchronous HTTP/1.1 client (Boost.Beast underneath, one request
// per connection) for kiln-toe's downloads and AWS calls.
//
// - http:// and https:// (OpenSSL; server certificates are checked against
//   the system CA store and the host name unless verify_tls is false).
// - Redirects (301/302/303/307/308) are followed up to max_redirects.
// - A deadline on the monotonic clock bounds the whole exchange, and the
//   `cancelled` callback is polled between reads.
// - Bodies can stream from a file (uploads) and to a file (downloads), so
//   large objects never sit in memory.
//
// Name resolution: numeric addresses and "localhost" are handled without the
// system resolver, because kiln-toe is linked statically and glibc's
// getaddrinfo needs NSS modules at run time; other names go to getaddrinfo
// and, if that fails, to /etc/hosts.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/status.h"

namespace kiln::http {

using Header = std::pair<std::string, std::string>;

struct Url {
  std::string scheme;  // "http" or "https"
  std::string host;    // without brackets for IPv6
  uint16_t port = 0;
  std::string target;  // "/path?query" (at least "/")

  // Parses an absolute http(s) URL. The path and query are kept as given.
  static Result<Url> Parse(std::string_view url);
  // "host" or "host:port" when the port is not the scheme's default.
  std::string HostHeader() const;
  std::string ToString() const;
};

struct Request {
  std::string method = "GET";
  std::string url;
  std::vector<Header> headers;  // a Host header here replaces the default
  std::string body;             // sent when body_file is empty
  std::string body_file;        // stream this file as the body
};

struct Response {
  int status = 0;
  std::string reason;
  std::vector<Header> headers;
  // The body, unless it went to Options::output_file.
  std::string body;
  uint64_t body_bytes = 0;
  std::string final_url;  // after redirects

  // First header with this name (case-insensitive), or "".
  std::string Get(std::string_view name) const;
};

struct Options {
  int64_t deadline_ms = -1;  // MonotonicMillis() deadline, -1 = none
  int max_redirects = 10;    // 0 = return 3xx responses as they are
  bool verify_tls = true;
  // When set, a 2xx response's body is written to this path (created or
  // truncated); other responses keep their body in memory for error text.
  std::string output_file;
  uint64_t max_body_bytes = 0;  // 0 = no limit
  std::function<bool()> cancelled;
};

// Sends the request and reads the whole response. Network failures, TLS
// failures, timeouts and oversized bodies are errors; any HTTP status is a
// successful exchange (the caller decides what a 404 means).
Result<Response> Send(const Request& request, const Options& options = {});

}  // namespace kiln::http
