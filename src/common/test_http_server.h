// A canned-response HTTP server on 127.0.0.1 for client unit tests.
// It answers each connection with the response the handler returns for the
// request line's path, then closes the connection. Not for production use.
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <functional>
#include <string>
#include <thread>

namespace kiln::testing {

struct SeenRequest {
  std::string method, target, head, body;
};

class TestHttpServer {
 public:
  // handler(request) returns the full raw response bytes.
  explicit TestHttpServer(std::function<std::string(const SeenRequest&)> handler)
      : handler_(std::move(handler)) {
    fd_ = socket(AF_INET, SOCK_STREAM, 0);
    int one = 1;
    setsockopt(fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = 0;
    bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
    listen(fd_, 16);
    socklen_t len = sizeof addr;
    getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &len);
    port_ = ntohs(addr.sin_port);
    thread_ = std::thread([this] { Loop(); });
  }
  ~TestHttpServer() {
    stop_ = true;
    shutdown(fd_, SHUT_RDWR);
    close(fd_);
    thread_.join();
  }
  int port() const { return port_; }
  std::string url(const std::string& path) const {
    return "http://127.0.0.1:" + std::to_string(port_) + path;
  }
  SeenRequest last() const { return last_; }

  static std::string Reply(int status, const std::string& body, const std::string& extra = "") {
    return "HTTP/1.1 " + std::to_string(status) + " X\r\nContent-Length: " + std::to_string(body.size()) +
           "\r\n" + extra + "Connection: close\r\n\r\n" + body;
  }

 private:
  void Loop() {
    while (!stop_) {
      int c = accept(fd_, nullptr, nullptr);
      if (c < 0) return;
      std::string data;
      char buf[65536];
      size_t head_end = std::string::npos;
      size_t want = 0;
      while (true) {
        ssize_t n = read(c, buf, sizeof buf);
        if (n <= 0) break;
        data.append(buf, static_cast<size_t>(n));
        if (head_end == std::string::npos && (head_end = data.find("\r\n\r\n")) != std::string::npos) {
          std::string lower = data.substr(0, head_end);
          for (char& ch : lower) ch = static_cast<char>(tolower(ch));
          auto cl = lower.find("content-length:");
          want = cl == std::string::npos ? 0 : std::stoul(lower.substr(cl + 15));
        }
        if (head_end != std::string::npos && data.size() >= head_end + 4 + want) break;
      }
      SeenRequest r;
      r.head = data.substr(0, head_end);
      r.body = head_end == std::string::npos ? "" : data.substr(head_end + 4);
      r.method = r.head.substr(0, r.head.find(' '));
      size_t t = r.head.find(' ') + 1;
      r.target = r.head.substr(t, r.head.find(' ', t) - t);
      last_ = r;
      std::string out = handler_(r);
      size_t off = 0;
      while (off < out.size()) {
        ssize_t n = write(c, out.data() + off, out.size() - off);
        if (n <= 0) break;
        off += static_cast<size_t>(n);
      }
      close(c);
    }
  }

  std::function<std::string(const SeenRequest&)> handler_;
  int fd_ = -1;
  int port_ = 0;
  std::atomic<bool> stop_{false};
  SeenRequest last_;
  std::thread thread_;
};

}  // namespace kiln::testing
