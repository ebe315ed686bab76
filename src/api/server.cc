// The only file that includes Boost.Beast (it is heavy to compile).
#include "api/server.h"

#include <atomic>
#include <csignal>
#include <ctime>
#include <mutex>
#include <optional>
#include <set>
#include <thread>
#include <vector>

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include "common/log.h"
#include "common/time.h"

namespace kiln::api {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

namespace {

// The Date header; formatted once per second per thread.
const std::string& HttpDate() {
  thread_local std::time_t last = 0;
  thread_local std::string text;
  std::time_t t = std::time(nullptr);
  if (t != last) {
    std::tm tm{};
    gmtime_r(&t, &tm);
    char buf[64];
    std::strftime(buf, sizeof buf, "%a, %d %b %Y %H:%M:%S GMT", &tm);
    text = buf;
    last = t;
  }
  return text;
}

// Deadlines need no precision: a coarse clock is read without a syscall.
int64_t CoarseMillis() {
  timespec ts;
  clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
  return int64_t(ts.tv_sec) * 1000 + ts.tv_nsec / 1000000;
}

}  // namespace

class Session;

class Server::Impl {
 public:
  Impl(ServerOptions o, ApiService& s)
      : options(std::move(o)), service(s), acceptor(ioc), signals(ioc, SIGTERM, SIGINT),
        drain_timer(ioc), sweep_timer(ioc) {}

  ServerOptions options;
  ApiService& service;
  // One io_context per thread, each run by exactly one thread: a
  // connection lives on one of them for its whole life, so its handlers
  // never need a strand and threads never contend for a shared queue.
  // `ioc` (the first) also runs the acceptor, signals and the drain.
  asio::io_context ioc{1};
  std::vector<std::unique_ptr<asio::io_context>> workers;  // the others
  std::vector<asio::executor_work_guard<asio::io_context::executor_type>> worker_guards;
  size_t next_context = 0;  // round-robin over ioc + workers (acceptor only)
  tcp::acceptor acceptor;
  asio::signal_set signals;
  asio::steady_timer drain_timer;
  asio::steady_timer sweep_timer;  // closes connections past their deadline
  std::atomic<bool> stopping{false};
  std::atomic<bool> serving{false};
  int64_t drain_deadline = 0;

  std::mutex sessions_mu;
  std::set<Session*> sessions;

  void Accept();
  asio::io_context& NextContext();
  void ReleaseWorkers();
  void BeginStop();
  void Drain();
  void Sweep();
  HttpResponse Respond(HttpRequest& req);
};

// One client connection; all its handlers run on its own strand.
class Session : public std::enable_shared_from_this<Session> {
 public:
  Session(tcp::socket socket, Server::Impl& server) : stream_(std::move(socket)), server_(server) {
    // Room for a whole signed request: Beast reads at most the free
    // capacity (512 bytes when empty), and an SDK request's headers are
    // ~900 bytes, so an empty buffer costs two recvmsg calls per request.
    buffer_.reserve(8192);
    std::lock_guard<std::mutex> lock(server_.sessions_mu);
    server_.sessions.insert(this);
  }
  ~Session() {
    std::lock_guard<std::mutex> lock(server_.sessions_mu);
    server_.sessions.erase(this);
  }

  void Start() {
    asio::dispatch(stream_.get_executor(),
                   beast::bind_front_handler(&Session::Read, shared_from_this()));
  }

  // Closes the connection if its deadline passed (checked again on the
  // connection's own thread, where its handlers run).
  void CloseIfExpired() {
    if (!Expired()) return;
    asio::post(stream_.get_executor(), [self = shared_from_this()] {
      if (!self->Expired()) return;
      beast::error_code ec;
      self->stream_.socket().shutdown(tcp::socket::shutdown_both, ec);
      self->stream_.socket().close(ec);  // the pending read or write ends
    });
  }

  // Closes the connection unless a request is being handled (that one
  // finishes and then closes, because the server is stopping).
  void CloseIfIdle() {
    asio::post(stream_.get_executor(), [self = shared_from_this()] {
      if (!self->busy_) {
        beast::error_code ec;
        self->stream_.socket().shutdown(tcp::socket::shutdown_both, ec);
        self->stream_.socket().close(ec);
      }
    });
  }

 private:
  void Read() {
    busy_ = false;
    if (server_.stopping) return Close();
    parser_.emplace();
    parser_->header_limit(static_cast<uint32_t>(server_.options.header_limit));
    parser_->body_limit(server_.options.body_limit);
    // The idle timeout covers waiting for the next request; a slow request
    // gets the read timeout once it started (see OnHeader).
    ExpireAfter(first_ ? server_.options.read_timeout_seconds
                       : server_.options.idle_timeout_seconds);
    first_ = false;
    http::async_read_header(stream_, buffer_, *parser_,
                            beast::bind_front_handler(&Session::OnHeader, shared_from_this()));
  }

  void OnHeader(beast::error_code ec, std::size_t) {
    if (ec) return OnReadError(ec);
    busy_ = true;
    ExpireAfter(server_.options.read_timeout_seconds);
    auto& req = parser_->get();
    // Clients that ask before sending a body (Expect: 100-continue) get the
    // go-ahead instead of waiting for their own timeout.
    auto expect = req.find(http::field::expect);
    if (expect != req.end() && beast::iequals(expect->value(), "100-continue")) {
      auto cont = std::make_shared<http::response<http::empty_body>>(http::status::continue_,
                                                                     req.version());
      http::async_write(stream_, *cont,
                        [self = shared_from_this(), cont](beast::error_code ec, std::size_t) {
                          if (ec) return self->Close();
                          self->ReadBody();
                        });
      return;
    }
    ReadBody();
  }

  void ReadBody() {
    http::async_read(stream_, buffer_, *parser_,
                     beast::bind_front_handler(&Session::OnRead, shared_from_this()));
  }

  void OnReadError(beast::error_code ec) {
    if (ec == http::error::body_limit) {
      return WriteSimple(http::status::payload_too_large,
                         "request body exceeds " + std::to_string(server_.options.body_limit) +
                             " bytes\n");
    }
    if (ec == http::error::header_limit) {
      return WriteSimple(http::status::request_header_fields_too_large,
                         "request header exceeds " +
                             std::to_string(server_.options.header_limit) + " bytes\n");
    }
    if (ec.category() == http::make_error_code(http::error::end_of_stream).category() &&
        ec != http::error::end_of_stream && ec != http::error::partial_message) {
      return WriteSimple(http::status::bad_request, "malformed HTTP request: " + ec.message() + "\n");
    }
    Close();  // peer closed, timeout, or server stopping
  }

  void OnRead(beast::error_code ec, std::size_t) {
    if (ec) return OnReadError(ec);
    busy_ = true;
    auto msg = parser_->release();
    HttpRequest req;
    req.method = std::string(msg.method_string());
    req.target = std::string(msg.target());
    for (auto& f : msg) req.headers.emplace_back(std::string(f.name_string()), std::string(f.value()));
    req.body = std::move(msg.body());
    HttpResponse r = server_.Respond(req);

    auto res = std::make_shared<http::response<http::string_body>>();
    res->version(msg.version());
    res->result(static_cast<unsigned>(r.status));
    res->set(http::field::server, "kiln");
    res->set(http::field::date, HttpDate());
    res->set(http::field::content_type, r.content_type);
    for (auto& [k, v] : r.headers) res->set(k, v);
    res->body() = std::move(r.body);
    res->keep_alive(msg.keep_alive() && !server_.stopping);
    res->prepare_payload();
    Write(res);
  }

  void WriteSimple(http::status status, std::string text) {
    auto res = std::make_shared<http::response<http::string_body>>(status, 11);
    res->set(http::field::server, "kiln");
    res->set(http::field::date, HttpDate());
    res->set(http::field::content_type, "text/plain");
    res->body() = std::move(text);
    res->keep_alive(false);
    res->prepare_payload();
    Write(res);
  }

  void Write(std::shared_ptr<http::response<http::string_body>> res) {
    busy_ = true;
    ExpireAfter(server_.options.read_timeout_seconds);
    http::async_write(stream_, *res,
                      [self = shared_from_this(), res](beast::error_code ec, std::size_t) {
                        if (ec || !res->keep_alive()) return self->Close();
                        self->Read();
                      });
  }

  // Timeouts are deadlines that Server::Impl::Sweep enforces once a
  // second, instead of a timer per operation: re-arming an Asio timer
  // after every read and write cost a timerfd_settime syscall per request.
  void ExpireAfter(int seconds) {
    deadline_ms_.store(CoarseMillis() + int64_t(seconds) * 1000, std::memory_order_relaxed);
  }
  bool Expired() const { return CoarseMillis() >= deadline_ms_.load(std::memory_order_relaxed); }

  void Close() {
    busy_ = false;
    beast::error_code ec;
    stream_.socket().shutdown(tcp::socket::shutdown_send, ec);
    stream_.socket().close(ec);
  }

  beast::tcp_stream stream_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  Server::Impl& server_;
  bool busy_ = false;
  bool first_ = true;
  std::atomic<int64_t> deadline_ms_{INT64_MAX};
};

HttpResponse Server::Impl::Respond(HttpRequest& req) {
  std::string_view path = req.Path();
  if (req.method == "GET" && (path == "/healthz" || path == "/metrics")) {
    HttpResponse r;
    r.content_type = "text/plain; charset=utf-8";
    if (path == "/healthz") {
      bool ok = serving && !stopping;
      r.status = ok ? 200 : 503;
      r.body = ok ? "ok\n" : "stopping\n";
    } else {
      r.content_type = "text/plain; version=0.0.4; charset=utf-8";
      r.body = service.metrics().RenderPrometheus();
    }
    return r;
  }
  int64_t start = MonotonicMillis();
  HttpResponse r = service.Handle(req, NowMillis());
  if (log::GetLevel() <= log::Level::kDebug) {
    log::Debug(req.method + " " + std::string(path.substr(0, 120)) + " -> " +
               std::to_string(r.status) + " in " + std::to_string(MonotonicMillis() - start) +
               " ms");
  }
  return r;
}

void Server::Impl::Sweep() {
  std::vector<std::shared_ptr<Session>> live;
  {
    std::lock_guard<std::mutex> lock(sessions_mu);
    for (Session* s : sessions)
      if (auto p = s->weak_from_this().lock()) live.push_back(std::move(p));
  }
  for (auto& s : live) s->CloseIfExpired();
  live.clear();
  if (stopping) return;
  sweep_timer.expires_after(std::chrono::seconds(1));
  sweep_timer.async_wait([this](beast::error_code ec) {
    if (!ec) Sweep();
  });
}

asio::io_context& Server::Impl::NextContext() {
  size_t i = next_context++ % (workers.size() + 1);
  return i == 0 ? ioc : *workers[i - 1];
}

// Lets the worker contexts' run() return once their connections are gone.
void Server::Impl::ReleaseWorkers() {
  for (auto& g : worker_guards) g.reset();
}

void Server::Impl::Accept() {
  acceptor.async_accept(NextContext(), [this](beast::error_code ec, tcp::socket socket) {
    if (ec) {
      if (stopping || ec == asio::error::operation_aborted) return;
      log::Warn("accept failed: " + ec.message());
    } else {
      beast::error_code ignored;
      socket.set_option(tcp::no_delay(true), ignored);
      std::make_shared<Session>(std::move(socket), *this)->Start();
    }
    if (!stopping) Accept();
  });
}

void Server::Impl::BeginStop() {
  if (stopping.exchange(true)) return;
  log::Info("stopping: no new connections; finishing requests in flight");
  beast::error_code ec;
  acceptor.close(ec);
  signals.cancel(ec);
  sweep_timer.cancel();
  drain_deadline = MonotonicMillis() + int64_t(options.shutdown_grace_seconds) * 1000;
  Drain();
}

// Closes idle connections until none is left (then the io_context runs out
// of work and Run() returns), or cuts everything at the grace deadline.
void Server::Impl::Drain() {
  std::vector<std::shared_ptr<Session>> live;
  {
    std::lock_guard<std::mutex> lock(sessions_mu);
    for (Session* s : sessions)
      if (auto p = s->weak_from_this().lock()) live.push_back(std::move(p));
  }
  if (live.empty()) return ReleaseWorkers();
  if (MonotonicMillis() >= drain_deadline) {
    log::Warn("stopping: " + std::to_string(live.size()) +
              " connection(s) still busy after the grace period; closing them");
    ioc.stop();
    for (auto& w : workers) w->stop();
    return;
  }
  for (auto& s : live) s->CloseIfIdle();
  drain_timer.expires_after(std::chrono::milliseconds(50));
  drain_timer.async_wait([this](beast::error_code ec) {
    if (!ec) Drain();
  });
}

Server::Server(ServerOptions options, ApiService& service)
    : impl_(std::make_unique<Impl>(std::move(options), service)) {}

Server::~Server() = default;

Status Server::Listen() {
  auto& o = impl_->options;
  std::string where = o.address + ":" + std::to_string(o.port);
  beast::error_code ec;
  auto addr = asio::ip::make_address(o.address, ec);
  if (ec) return Status::Invalid("listen address '" + o.address + "' is not an IP address");
  tcp::endpoint ep(addr, o.port);
  auto& a = impl_->acceptor;
  a.open(ep.protocol(), ec);
  if (!ec) a.set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec) a.bind(ep, ec);
  if (!ec) a.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) return Status::IOError("cannot listen on " + where + ": " + ec.message());
  return Status::Ok();
}

uint16_t Server::port() const {
  beast::error_code ec;
  auto ep = impl_->acceptor.local_endpoint(ec);
  return ec ? 0 : ep.port();
}

void Server::Run() {
  Impl& s = *impl_;
  s.signals.async_wait([&s](beast::error_code ec, int sig) {
    if (ec) return;
    log::Info(std::string("received ") + (sig == SIGTERM ? "SIGTERM" : "SIGINT"));
    s.BeginStop();
  });
  int n = s.options.threads > 0 ? s.options.threads
                                : std::max(1u, std::thread::hardware_concurrency());
  for (int i = 1; i < n; ++i) {
    s.workers.push_back(std::make_unique<asio::io_context>(1));
    s.worker_guards.push_back(asio::make_work_guard(*s.workers.back()));
  }
  s.Accept();
  s.Sweep();
  s.serving = true;
  std::vector<std::thread> threads;
  for (auto& w : s.workers) threads.emplace_back([w = w.get()] { w->run(); });
  s.ioc.run();
  // ioc ran out of work (drained) or was stopped: the workers follow.
  s.ReleaseWorkers();
  for (auto& t : threads) t.join();
  s.serving = false;
  log::Info("stopped");
}

void Server::Stop() {
  asio::post(impl_->ioc, [this] { impl_->BeginStop(); });
}

}  // namespace kiln::api
