// The HTTP/1.1 server in front of ApiService (Boost.Beast over Asio):
// keep-alive connections, a fixed pool of threads, limits on header and body
// size, read and idle timeouts, and a graceful stop (stop accepting, let
// in-flight requests finish, close idle connections) on SIGTERM/SIGINT.
// Besides the API it answers, unsigned:
//   GET /healthz   200 "ok" once the server is serving (503 while stopping)
//   GET /metrics   Prometheus text (see metrics.h)
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "api/api_service.h"
#include "common/status.h"

namespace kiln::api {

struct ServerOptions {
  std::string address = "127.0.0.1";
  uint16_t port = 8080;          // 0 = any free port (see Server::port())
  int threads = 0;               // 0 = one per core
  size_t header_limit = 16 * 1024;
  size_t body_limit = 4 * 1024 * 1024;
  int read_timeout_seconds = 30;   // to receive a whole request once it started
  int idle_timeout_seconds = 60;   // keep-alive connection with no request
  int shutdown_grace_seconds = 30; // then remaining connections are cut
};

class Server {
 public:
  Server(ServerOptions options, ApiService& service);
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // Binds and listens; IOError naming the address when that fails.
  Status Listen();
  uint16_t port() const;
  // Serves until Stop() or SIGTERM/SIGINT, then drains and returns.
  void Run();
  // Begins the graceful stop; safe from any thread.
  void Stop();

  class Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace kiln::api
