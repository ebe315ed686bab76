// The only translation unit that includes Boost.Beast for the client side:
// Beast is heavy to compile, so everything HTTP lives here.
#include "common/http_client.h"

#include <algorithm>
#include <array>
#include <chrono>
#include <fstream>
#include <limits>
#include <optional>
#include <sstream>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <openssl/ssl.h>

#include "common/time.h"

namespace kiln::http {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using tcp = asio::ip::tcp;
using boost::system::error_code;

constexpr size_t kChunk = 64 * 1024;
// Error bodies (non-2xx while streaming to a file) are kept up to this size.
constexpr uint64_t kMaxErrorBody = 1 << 20;

bool IEquals(std::string_view a, std::string_view b) {
  return a.size() == b.size() &&
         std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y));
         });
}

std::string Lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

// CA bundles of the common distributions, for when OpenSSL's compiled-in
// default (Debian's /usr/lib/ssl) does not exist on the machine we run on.
constexpr std::array<const char*, 5> kCaBundles = {
    "/etc/ssl/certs/ca-certificates.crt",  // Debian, Ubuntu, Alpine
    "/etc/pki/tls/certs/ca-bundle.crt",    // Amazon Linux, RHEL, Fedora
    "/etc/ssl/ca-bundle.pem",              // SUSE
    "/etc/ssl/cert.pem",                   // Alpine, macOS
    "/etc/pki/ca-trust/extracted/pem/tls-ca-bundle.pem",
};

// Looks `host` up in /etc/hosts (the static binary's fallback resolver).
std::vector<asio::ip::address> HostsFileLookup(const std::string& host) {
  std::vector<asio::ip::address> out;
  std::ifstream in("/etc/hosts");
  std::string line;
  while (std::getline(in, line)) {
    if (auto hash = line.find('#'); hash != std::string::npos) line.resize(hash);
    std::istringstream fields(line);
    std::string addr, name;
    if (!(fields >> addr)) continue;
    while (fields >> name) {
      if (IEquals(name, host)) {
        error_code ec;
        auto a = asio::ip::make_address(addr, ec);
        if (!ec) out.push_back(a);
      }
    }
  }
  return out;
}

// One request/response over one connection, every step bounded by the
// deadline. Async operations are started one at a time and the io_context
// is run until that operation completes, which gives sequential code with
// real timeouts (Asio's synchronous calls cannot time out).
class Exchange {
 public:
  explicit Exchange(const Options& opt) : opt_(opt), socket_(ioc_) {}

  Result<Response> Run(const Request& req, const Url& url);

 private:
  template <class Start>
  error_code Await(Start&& start) {
    bool done = false;
    error_code result;
    start([&](error_code ec, auto&&...) {
      result = ec;
      done = true;
    });
    ioc_.restart();
    while (!done) {
      bool expired = opt_.deadline_ms >= 0 && MonotonicMillis() >= opt_.deadline_ms;
      bool cancelled = opt_.cancelled && opt_.cancelled();
      if (expired || cancelled) {
        error_code ignored;
        socket_.close(ignored);  // completes the pending operation with an error
        ioc_.restart();
        ioc_.run();
        return cancelled ? asio::error::operation_aborted : asio::error::timed_out;
      }
      int64_t slice = 100;
      if (opt_.deadline_ms >= 0) slice = std::max<int64_t>(1, std::min(slice, opt_.deadline_ms - MonotonicMillis()));
      ioc_.run_for(std::chrono::milliseconds(slice));
      if (ioc_.stopped() && !done) ioc_.restart();
    }
    return result;
  }

  Result<std::vector<tcp::endpoint>> Resolve(const Url& url);
  template <class Stream>
  Result<Response> Talk(Stream& stream, const Request& req, const Url& url);
  Status Fail(const Url& url, const std::string& what, const error_code& ec) const {
    if (ec == asio::error::timed_out) {
      return Status::Timeout(url.ToString() + ": timed out while " + what);
    }
    if (ec == asio::error::operation_aborted && opt_.cancelled && opt_.cancelled()) {
      return Status::Cancelled(url.ToString() + ": cancelled while " + what);
    }
    return Status::IOError(url.ToString() + ": " + what + " failed: " + ec.message());
  }

  const Options& opt_;
  asio::io_context ioc_;
  tcp::socket socket_;
};

Result<std::vector<tcp::endpoint>> Exchange::Resolve(const Url& url) {
  std::vector<tcp::endpoint> eps;
  error_code ec;
  auto addr = asio::ip::make_address(url.host, ec);
  if (!ec) return std::vector<tcp::endpoint>{tcp::endpoint(addr, url.port)};
  std::string host = Lower(url.host);
  if (host == "localhost" || (host.size() > 10 && host.ends_with(".localhost"))) {
    return std::vector<tcp::endpoint>{tcp::endpoint(asio::ip::make_address("127.0.0.1"), url.port),
                                      tcp::endpoint(asio::ip::make_address("::1"), url.port)};
  }
  tcp::resolver resolver(ioc_);
  auto results = resolver.resolve(url.host, std::to_string(url.port), ec);
  if (!ec) {
    for (const auto& r : results) eps.push_back(r.endpoint());
    if (!eps.empty()) return eps;
  }
  for (const auto& a : HostsFileLookup(url.host)) eps.emplace_back(a, url.port);
  if (eps.empty()) {
    return Status::IOError(url.ToString() + ": cannot resolve host '" + url.host + "'" +
                           (ec ? ": " + ec.message() : ""));
  }
  return eps;
}

template <class Stream>
Result<Response> Exchange::Talk(Stream& stream, const Request& req, const Url& url) {
  // ---- request head, then the body in chunks (from memory or a file)
  bhttp::request<bhttp::buffer_body> head;
  head.method_string(req.method);
  head.target(url.target);
  head.version(11);
  bool has_host = false;
  for (const auto& [k, v] : req.headers) {
    if (IEquals(k, "host")) has_host = true;
    head.insert(k, v);
  }
  if (!has_host) head.set(bhttp::field::host, url.HostHeader());
  if (head.find(bhttp::field::user_agent) == head.end()) head.set(bhttp::field::user_agent, "kiln/" KILN_VERSION);
  head.set(bhttp::field::connection, "close");

  std::ifstream body_in;
  uint64_t body_size = req.body.size();
  if (!req.body_file.empty()) {
    body_in.open(req.body_file, std::ios::binary | std::ios::ate);
    if (!body_in) return Status::IOError("cannot open '" + req.body_file + "' to upload it");
    body_size = static_cast<uint64_t>(body_in.tellg());
    body_in.seekg(0);
  }
  if (body_size > 0 || req.method == "POST" || req.method == "PUT") head.content_length(body_size);
  head.body().data = nullptr;
  head.body().more = body_size > 0;
  bhttp::request_serializer<bhttp::buffer_body> sr(head);
  error_code ec = Await([&](auto h) { bhttp::async_write_header(stream, sr, h); });
  if (ec) return Fail(url, "sending the request", ec);
  std::vector<char> buf(kChunk);
  uint64_t sent = 0;
  while (sent < body_size) {
    size_t n = static_cast<size_t>(std::min<uint64_t>(kChunk, body_size - sent));
    if (body_in.is_open()) {
      body_in.read(buf.data(), static_cast<std::streamsize>(n));
      if (static_cast<size_t>(body_in.gcount()) != n) {
        return Status::IOError("'" + req.body_file + "' changed size while it was being uploaded");
      }
    } else {
      std::copy_n(req.body.data() + sent, n, buf.data());
    }
    sent += n;
    head.body().data = buf.data();
    head.body().size = n;
    head.body().more = sent < body_size;
    ec = Await([&](auto h) { bhttp::async_write(stream, sr, h); });
    if (ec == bhttp::error::need_buffer) ec = {};
    if (ec) return Fail(url, "sending the request body", ec);
  }
  if (body_size > 0 && !sr.is_done()) {
    head.body().data = nullptr;
    head.body().size = 0;
    head.body().more = false;
    ec = Await([&](auto h) { bhttp::async_write(stream, sr, h); });
    if (ec) return Fail(url, "finishing the request body", ec);
  }

  // ---- response head
  beast::flat_buffer in;
  bhttp::response_parser<bhttp::buffer_body> parser;
  parser.body_limit(std::numeric_limits<std::uint64_t>::max());  // we enforce our own limit
  if (req.method == "HEAD") parser.skip(true);
  ec = Await([&](auto h) { bhttp::async_read_header(stream, in, parser, h); });
  if (ec) return Fail(url, "reading the response", ec);
  Response resp;
  resp.status = static_cast<int>(parser.get().result_int());
  resp.reason = std::string(parser.get().reason());
  for (const auto& f : parser.get()) resp.headers.emplace_back(std::string(f.name_string()), std::string(f.value()));

  // ---- response body, to the file (2xx with output_file) or to memory
  bool to_file = !opt_.output_file.empty() && resp.status >= 200 && resp.status < 300;
  std::ofstream out;
  if (to_file) {
    out.open(opt_.output_file, std::ios::binary | std::ios::trunc);
    if (!out) return Status::IOError("cannot create '" + opt_.output_file + "' for the download");
  }
  uint64_t limit = to_file || resp.status / 100 == 2 ? opt_.max_body_bytes : kMaxErrorBody;
  while (!parser.is_done()) {
    parser.get().body().data = buf.data();
    parser.get().body().size = buf.size();
    ec = Await([&](auto h) { bhttp::async_read(stream, in, parser, h); });
    if (ec == bhttp::error::need_buffer) ec = {};
    size_t n = buf.size() - parser.get().body().size;
    if (ec && ec != bhttp::error::end_of_stream) return Fail(url, "reading the response body", ec);
    resp.body_bytes += n;
    if (limit > 0 && resp.body_bytes > limit) {
      if (to_file || resp.status / 100 == 2) {
        return Status::IOError(url.ToString() + ": response body is larger than the limit of " +
                               std::to_string(limit) + " bytes");
      }
      break;  // an oversized error page: its start is enough for a message
    }
    if (to_file) {
      out.write(buf.data(), static_cast<std::streamsize>(n));
      if (!out) return Status::IOError("writing '" + opt_.output_file + "' failed (disk full?)");
    } else {
      resp.body.append(buf.data(), n);
    }
    if (ec == bhttp::error::end_of_stream) break;
  }
  if (to_file) {
    out.close();
    if (!out) return Status::IOError("writing '" + opt_.output_file + "' failed");
  }
  return resp;
}

Result<Response> Exchange::Run(const Request& req, const Url& url) {
  KILN_ASSIGN_OR_RETURN(auto endpoints, Resolve(url));
  error_code ec = Await([&](auto h) { asio::async_connect(socket_, endpoints, h); });
  if (ec) return Fail(url, "connecting to " + url.host + ":" + std::to_string(url.port), ec);
  if (url.scheme == "http") {
    auto r = Talk(socket_, req, url);
    error_code ignored;
    socket_.shutdown(tcp::socket::shutdown_both, ignored);
    return r;
  }
  asio::ssl::context ctx(asio::ssl::context::tls_client);
  if (opt_.verify_tls) {
    ctx.set_default_verify_paths(ec);  // honours SSL_CERT_FILE / SSL_CERT_DIR
    for (const char* bundle : kCaBundles) {
      error_code load_ec;
      ctx.load_verify_file(bundle, load_ec);
    }
    ctx.set_verify_mode(asio::ssl::verify_peer);
  } else {
    ctx.set_verify_mode(asio::ssl::verify_none);
  }
  asio::ssl::stream<tcp::socket&> tls(socket_, ctx);
  SSL_set_tlsext_host_name(tls.native_handle(), url.host.c_str());
  if (opt_.verify_tls) SSL_set1_host(tls.native_handle(), url.host.c_str());
  ec = Await([&](auto h) { tls.async_handshake(asio::ssl::stream_base::client, h); });
  if (ec) return Fail(url, "the TLS handshake", ec);
  return Talk(tls, req, url);
}

bool IsRedirect(int status) {
  return status == 301 || status == 302 || status == 303 || status == 307 || status == 308;
}

// Resolves a Location header against the URL it came from.
Result<Url> ResolveLocation(const Url& base, const std::string& location) {
  if (location.starts_with("http://") || location.starts_with("https://")) return Url::Parse(location);
  if (location.starts_with("//")) return Url::Parse(base.scheme + ":" + location);
  Url next = base;
  if (location.starts_with("/")) {
    next.target = location;
  } else {
    std::string dir = base.target.substr(0, base.target.find('?'));
    dir = dir.substr(0, dir.rfind('/') + 1);
    next.target = dir + location;
  }
  // Remove "." and ".." segments from the path (RFC 3986 section 5.2.4).
  std::string path = next.target.substr(0, next.target.find('?'));
  std::string query = next.target.substr(path.size());
  std::vector<std::string> segs;
  std::stringstream ss(path.substr(1));
  std::string seg;
  while (std::getline(ss, seg, '/')) {
    if (seg == ".") continue;
    if (seg == "..") {
      if (!segs.empty()) segs.pop_back();
      continue;
    }
    segs.push_back(seg);
  }
  std::string clean;
  for (const auto& s : segs) clean += "/" + s;
  if (path.size() > 1 && path.back() == '/') clean += "/";
  next.target = (clean.empty() ? "/" : clean) + query;
  return next;
}

}  // namespace

Result<Url> Url::Parse(std::string_view text) {
  Url u;
  size_t colon = text.find("://");
  if (colon == std::string_view::npos) return Status::Invalid("'" + std::string(text) + "' is not an absolute URL");
  u.scheme = Lower(std::string(text.substr(0, colon)));
  if (u.scheme != "http" && u.scheme != "https") {
    return Status::Invalid("URL '" + std::string(text) + "' must use http or https");
  }
  std::string_view rest = text.substr(colon + 3);
  if (auto hash = rest.find('#'); hash != std::string_view::npos) rest = rest.substr(0, hash);
  size_t path_start = rest.find_first_of("/?");
  std::string_view authority = rest.substr(0, path_start);
  u.target = path_start == std::string_view::npos ? "/" : std::string(rest.substr(path_start));
  if (u.target.front() == '?') u.target = "/" + u.target;
  if (auto at = authority.rfind('@'); at != std::string_view::npos) authority = authority.substr(at + 1);
  std::string_view port_text;
  if (!authority.empty() && authority.front() == '[') {
    size_t close = authority.find(']');
    if (close == std::string_view::npos) return Status::Invalid("URL '" + std::string(text) + "' has a bad IPv6 host");
    u.host = authority.substr(1, close - 1);
    if (close + 1 < authority.size() && authority[close + 1] == ':') port_text = authority.substr(close + 2);
  } else {
    size_t c = authority.rfind(':');
    u.host = authority.substr(0, c);
    if (c != std::string_view::npos) port_text = authority.substr(c + 1);
  }
  if (u.host.empty()) return Status::Invalid("URL '" + std::string(text) + "' has no host");
  u.port = u.scheme == "https" ? 443 : 80;
  if (!port_text.empty()) {
    if (port_text.size() > 5 || !std::all_of(port_text.begin(), port_text.end(), ::isdigit) ||
        std::stoi(std::string(port_text)) > 65535 || std::stoi(std::string(port_text)) == 0) {
      return Status::Invalid("URL '" + std::string(text) + "' has a bad port '" + std::string(port_text) + "'");
    }
    u.port = static_cast<uint16_t>(std::stoi(std::string(port_text)));
  }
  if (u.target.find_first_of(" \r\n\t") != std::string::npos) {
    return Status::Invalid("URL '" + std::string(text) + "' contains whitespace; percent-encode it");
  }
  return u;
}

std::string Url::HostHeader() const {
  std::string h = host.find(':') != std::string::npos ? "[" + host + "]" : host;
  bool default_port = (scheme == "http" && port == 80) || (scheme == "https" && port == 443);
  return default_port ? h : h + ":" + std::to_string(port);
}

std::string Url::ToString() const { return scheme + "://" + HostHeader() + target; }

std::string Response::Get(std::string_view name) const {
  for (const auto& [k, v] : headers) {
    if (IEquals(k, name)) return v;
  }
  return "";
}

Result<Response> Send(const Request& request, const Options& options) {
  KILN_ASSIGN_OR_RETURN(Url url, Url::Parse(request.url));
  Request req = request;
  for (int hop = 0;; ++hop) {
    Exchange exchange(options);
    KILN_ASSIGN_OR_RETURN(Response resp, exchange.Run(req, url));
    resp.final_url = url.ToString();
    if (!IsRedirect(resp.status) || options.max_redirects <= 0) return resp;
    std::string location = resp.Get("location");
    if (location.empty()) return resp;
    if (hop >= options.max_redirects) {
      return Status::IOError(request.url + ": more than " + std::to_string(options.max_redirects) + " redirects");
    }
    KILN_ASSIGN_OR_RETURN(Url next, ResolveLocation(url, location));
    if (resp.status == 303 || ((resp.status == 301 || resp.status == 302) && req.method == "POST")) {
      req.method = "GET";
      req.body.clear();
      req.body_file.clear();
    }
    if (next.host != url.host || next.port != url.port || next.scheme != url.scheme) {
      // Never forward credentials (or the old Host) to another origin.
      std::erase_if(req.headers, [](const Header& h) { return IEquals(h.first, "authorization") || IEquals(h.first, "host"); });
    }
    url = next;
  }
}

}  // namespace kiln::http
