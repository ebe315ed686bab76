// Designated initializers leave the other fields at their defaults on purpose.
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"
#include "common/http_client.h"

#include <chrono>
#include <fstream>
#include <sstream>

#include <gtest/gtest.h>

#include "common/test_http_server.h"
#include "common/time.h"

namespace kiln::http {
namespace {

using kiln::testing::SeenRequest;
using kiln::testing::TestHttpServer;

std::string Routes(const SeenRequest& r) {
  if (r.target == "/hello") return TestHttpServer::Reply(200, "hello");
  if (r.target == "/redirect") return TestHttpServer::Reply(302, "", "Location: /hello\r\n");
  if (r.target == "/relative/r") return TestHttpServer::Reply(301, "", "Location: ../hello\r\n");
  if (r.target == "/loop") return TestHttpServer::Reply(302, "", "Location: /loop\r\n");
  if (r.target == "/see-other") return TestHttpServer::Reply(303, "", "Location: /echo\r\n");
  if (r.target == "/echo") return TestHttpServer::Reply(200, r.method + ":" + r.body);
  if (r.target == "/big") return TestHttpServer::Reply(200, std::string(300000, 'b'));
  if (r.target == "/chunked") {
    return "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n"
           "5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n";
  }
  if (r.target == "/until-close") return "HTTP/1.1 200 OK\r\nConnection: close\r\n\r\nstream-body";
  if (r.target == "/slow") {
    std::this_thread::sleep_for(std::chrono::milliseconds(1500));
    return TestHttpServer::Reply(200, "late");
  }
  return TestHttpServer::Reply(404, "not found: " + r.target);
}

TEST(Url, Parses) {
  auto u = Url::Parse("https://Example.com:8443/a/b?x=1#frag");
  ASSERT_TRUE(u.ok());
  EXPECT_EQ(u->scheme, "https");
  EXPECT_EQ(u->host, "Example.com");
  EXPECT_EQ(u->port, 8443);
  EXPECT_EQ(u->target, "/a/b?x=1");
  EXPECT_EQ(u->HostHeader(), "Example.com:8443");
  EXPECT_EQ(Url::Parse("http://h")->target, "/");
  EXPECT_EQ(Url::Parse("http://h?q")->target, "/?q");
  EXPECT_EQ(Url::Parse("http://[::1]:81/")->host, "::1");
  EXPECT_EQ(Url::Parse("http://[::1]:81/")->HostHeader(), "[::1]:81");
  EXPECT_EQ(Url::Parse("https://awscli.amazonaws.com/AWSCLIV2.msi")->port, 443);
  EXPECT_FALSE(Url::Parse("ftp://h/x").ok());
  EXPECT_FALSE(Url::Parse("/relative").ok());
  EXPECT_FALSE(Url::Parse("http://h:99999/").ok());
  EXPECT_FALSE(Url::Parse("http:///x").ok());
}

TEST(HttpClient, GetsFollowsRedirectsAndReportsStatus) {
  TestHttpServer server(Routes);
  auto r = Send({.url = server.url("/hello")});
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->body, "hello");

  r = Send({.url = server.url("/redirect")});
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->body, "hello");
  EXPECT_EQ(r->final_url, server.url("/hello"));

  r = Send({.url = server.url("/relative/r")});
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->body, "hello");

  Options no_follow;
  no_follow.max_redirects = 0;
  r = Send({.url = server.url("/redirect")}, no_follow);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->status, 302);
  EXPECT_EQ(r->Get("LOCATION"), "/hello");

  auto loop = Send({.url = server.url("/loop")});
  ASSERT_FALSE(loop.ok());
  EXPECT_NE(loop.status().message().find("redirects"), std::string::npos);

  r = Send({.url = server.url("/missing")});
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->status, 404);
  EXPECT_EQ(r->body, "not found: /missing");
}

TEST(HttpClient, LocalhostResolvesWithoutTheSystemResolver) {
  TestHttpServer server(Routes);
  auto r = Send({.url = "http://localhost:" + std::to_string(server.port()) + "/hello"});
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->body, "hello");
  EXPECT_NE(server.last().head.find("Host: localhost:" + std::to_string(server.port())), std::string::npos);
}

TEST(HttpClient, SendsBodiesFromMemoryAndFile) {
  TestHttpServer server(Routes);
  Request req{.method = "PUT", .url = server.url("/echo"), .headers = {{"X-Test", "1"}}, .body = "payload"};
  auto r = Send(req);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->body, "PUT:payload");
  EXPECT_NE(server.last().head.find("X-Test: 1"), std::string::npos);

  std::string path = ::testing::TempDir() + "/http_upload.bin";
  std::string big(200000, 'u');
  std::ofstream(path, std::ios::binary) << big;
  req.body.clear();
  req.body_file = path;
  r = Send(req);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->body, "PUT:" + big);

  // 303 turns a POST into a GET without body.
  r = Send({.method = "POST", .url = server.url("/see-other"), .body = "x"});
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->body, "GET:");
}

TEST(HttpClient, StreamsToFileOnlyOnSuccess) {
  TestHttpServer server(Routes);
  std::string path = ::testing::TempDir() + "/http_download.bin";
  Options o;
  o.output_file = path;
  auto r = Send({.url = server.url("/big")}, o);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->body_bytes, 300000u);
  EXPECT_TRUE(r->body.empty());
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  EXPECT_EQ(ss.str(), std::string(300000, 'b'));

  std::remove(path.c_str());
  r = Send({.url = server.url("/nope")}, o);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->status, 404);
  EXPECT_FALSE(std::ifstream(path).good());

  o.max_body_bytes = 1000;
  EXPECT_FALSE(Send({.url = server.url("/big")}, o).ok());
}

TEST(HttpClient, ChunkedAndCloseDelimitedBodies) {
  TestHttpServer server(Routes);
  auto r = Send({.url = server.url("/chunked")});
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->body, "hello world");
  r = Send({.url = server.url("/until-close")});
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->body, "stream-body");
}

TEST(HttpClient, DeadlineAndConnectionErrors) {
  TestHttpServer server(Routes);
  Options o;
  o.deadline_ms = MonotonicMillis() + 300;
  auto r = Send({.url = server.url("/slow")}, o);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), Code::kTimeout);

  // A port nothing listens on (the server's port after it stopped).
  int dead_port;
  {
    TestHttpServer tmp(Routes);
    dead_port = tmp.port();
  }
  auto refused = Send({.url = "http://127.0.0.1:" + std::to_string(dead_port) + "/"});
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.status().code(), Code::kIOError);
  EXPECT_NE(refused.status().message().find("connecting"), std::string::npos);

  auto unresolvable = Send({.url = "http://no-such-host.invalid/"});
  EXPECT_FALSE(unresolvable.ok());
}

TEST(HttpClient, TlsHandshakeFailureIsAnError) {
  // Speaking TLS to a plain HTTP server must fail cleanly, not hang.
  TestHttpServer server(Routes);
  Options o;
  o.deadline_ms = MonotonicMillis() + 1000;
  auto r = Send({.url = "https://127.0.0.1:" + std::to_string(server.port()) + "/hello"}, o);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("TLS"), std::string::npos) << r.status().message();
}

}  // namespace
}  // namespace kiln::http
