// The HTTP server over real sockets: read and idle timeouts close
// connections (enforced by the once-a-second sweep, not per-operation
// timers), and /healthz answers.
#include "api/server.h"

#include <chrono>
#include <thread>

#include <boost/asio.hpp>
#include <gtest/gtest.h>

namespace kiln::api {
namespace {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;

class ServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ServerOptions o;
    o.port = 0;
    o.threads = 2;
    o.read_timeout_seconds = 1;
    o.idle_timeout_seconds = 1;
    server_ = std::make_unique<Server>(o, service_);
    ASSERT_TRUE(server_->Listen().ok());
    thread_ = std::thread([this] { server_->Run(); });
  }
  void TearDown() override {
    server_->Stop();
    thread_.join();
  }
  // Seconds until the server closes `s` (reading and dropping anything).
  static double SecondsUntilClosed(tcp::socket& s) {
    auto start = std::chrono::steady_clock::now();
    char buf[4096];
    boost::system::error_code ec;
    while (!ec) s.read_some(asio::buffer(buf), ec);
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  }
  tcp::socket Connect() {
    tcp::socket s(io_);
    s.connect({asio::ip::make_address("127.0.0.1"), server_->port()});
    return s;
  }

  ApiService service_{ServiceModel::Embedded(), Authenticator(KeyTable()), nullptr};
  std::unique_ptr<Server> server_;
  std::thread thread_;
  asio::io_context io_;
};

TEST_F(ServerTest, AnIncompleteRequestIsCutAtTheReadTimeout) {
  tcp::socket s = Connect();
  asio::write(s, asio::buffer(std::string("GET /healthz HTTP/1.1\r\nHost: x\r\n")));
  double secs = SecondsUntilClosed(s);
  EXPECT_GE(secs, 0.5);
  EXPECT_LT(secs, 5.0);
}

TEST_F(ServerTest, AnIdleKeepAliveConnectionIsClosedAndABusyOneIsNot) {
  tcp::socket s = Connect();
  // Requests spread over more than the idle timeout keep the connection.
  for (int i = 0; i < 3; ++i) {
    asio::write(s, asio::buffer(std::string("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")));
    std::string got;
    char buf[1024];
    while (got.find("\r\n\r\n") == std::string::npos || got.find("ok\n") == std::string::npos)
      got.append(buf, s.read_some(asio::buffer(buf)));
    EXPECT_NE(got.find("HTTP/1.1 200"), std::string::npos) << got;
    std::this_thread::sleep_for(std::chrono::milliseconds(600));
  }
  double secs = SecondsUntilClosed(s);  // then silence: closed
  EXPECT_LT(secs, 5.0);
}

}  // namespace
}  // namespace kiln::api
