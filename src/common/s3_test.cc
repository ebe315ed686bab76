#include "common/s3.h"

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <gtest/gtest.h>

#include "common/sigv4.h"
#include "common/test_http_server.h"

namespace kiln::s3 {
namespace {

using kiln::testing::SeenRequest;
using kiln::testing::TestHttpServer;

TEST(S3Uri, Parses) {
  auto u = S3Uri::Parse("s3://sample-bucket/sample2.ps1");
  ASSERT_TRUE(u.ok());
  EXPECT_EQ(u->bucket, "sample-bucket");
  EXPECT_EQ(u->key, "sample2.ps1");
  EXPECT_EQ(S3Uri::Parse("s3://b/dir/sub/*")->key, "dir/sub/*");
  EXPECT_EQ(S3Uri::Parse("s3://b")->key, "");
  EXPECT_EQ(S3Uri::Parse("s3://b/")->key, "");
  EXPECT_FALSE(S3Uri::Parse("s3:///key").ok());
  EXPECT_FALSE(S3Uri::Parse("https://b/key").ok());
  EXPECT_FALSE(S3Uri::Parse("s3://bad bucket/key").ok());
  EXPECT_TRUE(IsS3Uri("s3://x"));
  EXPECT_FALSE(IsS3Uri("S3://x"));
}

class ScopedEnv {
 public:
  ScopedEnv(const char* name, const char* value) : name_(name) {
    if (const char* old = std::getenv(name)) old_ = old, had_ = true;
    if (value) setenv(name, value, 1); else unsetenv(name);
  }
  ~ScopedEnv() { if (had_) setenv(name_, old_.c_str(), 1); else unsetenv(name_); }
 private:
  const char* name_;
  std::string old_;
  bool had_ = false;
};

TEST(S3Config, ReadsEnvironment) {
  ScopedEnv a("AWS_ACCESS_KEY_ID", "AK"), b("AWS_SECRET_ACCESS_KEY", "SK"), c("AWS_SESSION_TOKEN", "TK"),
      d("AWS_REGION", nullptr), e("AWS_DEFAULT_REGION", "eu-west-2"), f("AWS_ENDPOINT_URL_S3", nullptr),
      g("AWS_ENDPOINT_URL", "http://127.0.0.1:9/");
  auto cfg = Config::FromEnvironment();
  ASSERT_TRUE(cfg.ok());
  EXPECT_EQ(cfg->credentials.access_key_id, "AK");
  EXPECT_EQ(cfg->credentials.session_token, "TK");
  EXPECT_EQ(cfg->region, "eu-west-2");
  EXPECT_EQ(cfg->endpoint, "http://127.0.0.1:9");
  ScopedEnv h("AWS_ENDPOINT_URL_S3", "http://s3.local:1"), i("AWS_REGION", "ap-south-1");
  cfg = Config::FromEnvironment();
  EXPECT_EQ(cfg->endpoint, "http://s3.local:1");
  EXPECT_EQ(cfg->region, "ap-south-1");
}

TEST(S3Config, FallsBackToCredentialsFileAndExplainsAbsence) {
  std::string path = ::testing::TempDir() + "/aws_credentials";
  std::ofstream(path) << "[default]\naws_access_key_id = FILEKEY\naws_secret_access_key=FILESECRET\n"
                         "[other]\naws_access_key_id = OTHER\naws_secret_access_key = O\n";
  ScopedEnv a("AWS_ACCESS_KEY_ID", nullptr), b("AWS_SECRET_ACCESS_KEY", nullptr),
      c("AWS_SHARED_CREDENTIALS_FILE", path.c_str()), d("AWS_PROFILE", "other");
  auto cfg = Config::FromEnvironment();
  ASSERT_TRUE(cfg.ok());
  EXPECT_EQ(cfg->credentials.access_key_id, "OTHER");
  ScopedEnv e("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent");
  auto none = Config::FromEnvironment();
  ASSERT_FALSE(none.ok());
  EXPECT_NE(none.status().message().find("AWS_ACCESS_KEY_ID"), std::string::npos);
}

Config LocalConfig(int port) {
  Config c;
  c.credentials = {"AK", "SK", ""};
  c.endpoint = "http://127.0.0.1:" + std::to_string(port);
  return c;
}

// A fake S3 that checks every request's signature with our verifier.
std::string FakeS3(const SeenRequest& r) {
  sigv4::HttpRequestView v{r.method, r.target, {}, r.body};
  std::istringstream lines(r.head);
  std::string line;
  std::getline(lines, line);
  std::vector<std::pair<std::string, std::string>> hs;
  while (std::getline(lines, line)) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    auto colon = line.find(':');
    if (colon != std::string::npos) hs.emplace_back(line.substr(0, colon), line.substr(colon + 1));
  }
  for (auto& [k, val] : hs) v.headers.emplace_back(k, val);
  sigv4::VerifyOptions opt;
  opt.now_millis = 0;
  opt.max_skew_millis = INT64_MAX / 2;
  opt.uri_mode = sigv4::UriMode::kS3;
  opt.s3_error_names = true;
  auto ok = sigv4::Verify(v, [](std::string_view, std::string_view) -> Result<std::string> {
    return std::string("SK");
  }, opt);
  if (!ok.ok()) {
    return TestHttpServer::Reply(403, "<Error><Code>" + ok.status().type() + "</Code><Message>" +
                                          ok.status().message() + "</Message></Error>");
  }
  if (r.target.starts_with("/bkt?") ) {
    if (r.target.find("continuation-token=") == std::string::npos) {
      return TestHttpServer::Reply(200,
          "<?xml version=\"1.0\"?><ListBucketResult xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\">"
          "<IsTruncated>true</IsTruncated><NextContinuationToken>t/2</NextContinuationToken>"
          "<Contents><Key>dir/a &amp; b.txt</Key><Size>3</Size></Contents></ListBucketResult>");
    }
    return TestHttpServer::Reply(200,
        "<ListBucketResult><IsTruncated>false</IsTruncated>"
        "<Contents><Key>dir/sub/c.txt</Key><Size>5</Size></Contents></ListBucketResult>");
  }
  if (r.target == "/bkt/has%20space/k.txt") return TestHttpServer::Reply(200, "content");
  if (r.method == "PUT") return TestHttpServer::Reply(200, "");
  return TestHttpServer::Reply(404, "<Error><Code>NoSuchKey</Code><Message>The specified key does not exist."
                                    "</Message></Error>");
}

TEST(S3Client, SignsGetsListsAndMapsErrors) {
  TestHttpServer server(FakeS3);
  Client client(LocalConfig(server.port()));
  auto body = client.GetObject("bkt", "has space/k.txt");
  ASSERT_TRUE(body.ok()) << body.status().ToString();
  EXPECT_EQ(*body, "content");

  auto missing = client.GetObject("bkt", "nope");
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.status().code(), Code::kNotFound);
  EXPECT_NE(missing.status().message().find("NoSuchKey"), std::string::npos);
  EXPECT_NE(missing.status().message().find("s3://bkt/nope"), std::string::npos);

  auto list = client.ListObjects("bkt", "dir/");
  ASSERT_TRUE(list.ok()) << list.status().ToString();
  ASSERT_EQ(list->size(), 2u);
  EXPECT_EQ((*list)[0].key, "dir/a & b.txt");
  EXPECT_EQ((*list)[1].size, 5u);
  EXPECT_FALSE(client.ListObjects("bkt", "dir/", 1).ok());

  RequestOptions owner;
  owner.expected_bucket_owner = "123456789012";
  ASSERT_TRUE(client.PutObject("bkt", "x/y.txt", "data", owner).ok());
  EXPECT_NE(server.last().head.find("x-amz-expected-bucket-owner: 123456789012"), std::string::npos);
  EXPECT_EQ(server.last().body, "data");

  Config wrong = LocalConfig(server.port());
  wrong.credentials.secret_access_key = "bad";
  auto denied = Client(wrong).GetObject("bkt", "has space/k.txt");
  ASSERT_FALSE(denied.ok());
  EXPECT_EQ(denied.status().code(), Code::kPermissionDenied);
  EXPECT_NE(denied.status().message().find("SignatureDoesNotMatch"), std::string::npos);
}

TEST(S3Client, FailedDownloadLeavesNoFile) {
  TestHttpServer server(FakeS3);
  Client client(LocalConfig(server.port()));
  std::string dir = ::testing::TempDir() + "/s3_dl";
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  EXPECT_FALSE(client.GetObjectToFile("bkt", "nope", dir + "/out").ok());
  EXPECT_TRUE(std::filesystem::is_empty(dir));
  ASSERT_TRUE(client.GetObjectToFile("bkt", "has space/k.txt", dir + "/out").ok());
  std::ifstream in(dir + "/out");
  std::string s((std::istreambuf_iterator<char>(in)), {});
  EXPECT_EQ(s, "content");
  EXPECT_EQ(std::distance(std::filesystem::directory_iterator(dir), {}), 1);
}

// Runs against the real s3rver when tests/run.sh provides one.
TEST(S3Client, RoundTripAgainstS3rver) {
  const char* endpoint = std::getenv("KILN_TEST_S3_ENDPOINT");
  if (!endpoint) GTEST_SKIP() << "KILN_TEST_S3_ENDPOINT not set (tests/run.sh starts s3rver)";
  Config c;
  c.credentials = {"S3RVER", "S3RVER", ""};
  c.endpoint = endpoint;
  Client client(c);
  std::string bucket = "kiln-unit-" + std::to_string(getpid());
  ASSERT_TRUE(client.CreateBucket(bucket).ok());
  ASSERT_TRUE(client.PutObject(bucket, "a/b c.txt", "hello").ok());
  auto got = client.GetObject(bucket, "a/b c.txt");
  ASSERT_TRUE(got.ok()) << got.status().ToString();
  EXPECT_EQ(*got, "hello");
  auto list = client.ListObjects(bucket, "a/");
  ASSERT_TRUE(list.ok()) << list.status().ToString();
  ASSERT_EQ(list->size(), 1u);
  EXPECT_EQ((*list)[0].key, "a/b c.txt");
}

}  // namespace
}  // namespace kiln::s3
