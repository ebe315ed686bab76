// WebDownload against a local HTTP server, UpdateOS planning, and the S3
// modules' validation (their S3 round trips run in tests/toe-modules/run.sh
// against s3rver, and here when KILN_TEST_S3_ENDPOINT is set).
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <gtest/gtest.h>

#include "common/digest.h"
#include "common/s3.h"
#include "common/test_http_server.h"
#include "toe/module.h"
#include "toe/modules/update_os.h"

namespace kiln::toe {
namespace {

namespace fs = std::filesystem;
using kiln::testing::SeenRequest;
using kiln::testing::TestHttpServer;

std::string Routes(const SeenRequest& r) {
  if (r.target == "/files/package.zip") return TestHttpServer::Reply(200, "zipdata");
  if (r.target == "/moved") return TestHttpServer::Reply(301, "", "Location: /files/package.zip\r\n");
  if (r.target == "/error") return TestHttpServer::Reply(500, "boom");
  return TestHttpServer::Reply(404, "nope");
}

class WebDownloadTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::path(::testing::TempDir()) / ("webdl-" + std::to_string(getpid()) + "-" +
                                            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    ctx_.console = &console_;
  }
  void TearDown() override { fs::remove_all(dir_); }
  ModuleResult Run(const Json& inputs) {
    const Module* m = FindModule("WebDownload");
    Status v = m->Validate(inputs);
    if (!v.ok()) return {v};
    return m->Execute(inputs, ctx_);
  }
  std::string Read(const fs::path& p) {
    std::ifstream in(p, std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
  }
  fs::path dir_;
  std::ostringstream console_;
  StepContext ctx_;
  TestHttpServer server_{Routes};
};

TEST_F(WebDownloadTest, DownloadsToFolderAndFileWithChecksum) {
  std::string sha = Sha256Hex("zipdata");
  auto r = Run(Json::array({{{"source", server_.url("/files/package.zip")}, {"destination", (dir_ / "dl").string() + "/"}},
                            {{"source", server_.url("/moved")}, {"destination", (dir_ / "renamed.zip").string()},
                             {"checksum", sha}, {"algorithm", "SHA256"}}}));
  ASSERT_TRUE(r.status.ok()) << r.status.ToString();
  EXPECT_EQ(Read(dir_ / "dl/package.zip"), "zipdata");
  EXPECT_EQ(Read(dir_ / "renamed.zip"), "zipdata");
  EXPECT_EQ(r.outputs["destination"], (dir_ / "dl/package.zip").string() + "\n" + (dir_ / "renamed.zip").string());
}

TEST_F(WebDownloadTest, ChecksumMismatchLeavesNothing) {
  auto r = Run(Json::array({{{"source", server_.url("/files/package.zip")}, {"destination", (dir_ / "f.zip").string()},
                             {"checksum", std::string(32, '0')}, {"algorithm", "MD5"}}}));
  ASSERT_FALSE(r.status.ok());
  EXPECT_NE(r.status.message().find("checksum"), std::string::npos);
  EXPECT_FALSE(fs::exists(dir_ / "f.zip"));
  EXPECT_TRUE(fs::is_empty(dir_));
}

TEST_F(WebDownloadTest, OverwriteRulesAndSkipWhenHashMatches) {
  fs::create_directories(dir_);
  std::ofstream(dir_ / "f.zip") << "old";
  auto r = Run(Json::array({{{"source", server_.url("/files/package.zip")}, {"destination", (dir_ / "f.zip").string()},
                             {"overwrite", "false"}}}));
  ASSERT_FALSE(r.status.ok());
  EXPECT_EQ(Read(dir_ / "f.zip"), "old");

  std::string md5_old = DigestHex(DigestAlgorithm::kMd5, "old");
  r = Run(Json::array({{{"source", server_.url("/error")}, {"destination", (dir_ / "f.zip").string()},
                        {"checksum", md5_old}, {"algorithm", "md5"}}}));
  ASSERT_TRUE(r.status.ok()) << r.status.ToString();  // skipped: already has the hash
  EXPECT_NE(console_.str().find("skipping"), std::string::npos);

  r = Run(Json::array({{{"source", server_.url("/files/package.zip")}, {"destination", (dir_ / "f.zip").string()}}}));
  ASSERT_TRUE(r.status.ok());
  EXPECT_EQ(Read(dir_ / "f.zip"), "zipdata");
}

TEST_F(WebDownloadTest, Non200IsAnError) {
  auto r = Run(Json::array({{{"source", server_.url("/missing")}, {"destination", (dir_ / "m").string()}}}));
  ASSERT_FALSE(r.status.ok());
  EXPECT_NE(r.status.message().find("404"), std::string::npos);
  EXPECT_FALSE(fs::exists(dir_ / "m"));
}

TEST_F(WebDownloadTest, Validation) {
  const Module* m = FindModule("WebDownload");
  EXPECT_FALSE(m->Validate(Json::array({{{"source", "ftp://x/y"}, {"destination", "/tmp/"}}})).ok());
  EXPECT_FALSE(m->Validate(Json::array({{{"source", "http://x/y"}, {"destination", "/tmp/"}, {"checksum", "ab"}}})).ok());
  EXPECT_FALSE(m->Validate(Json::array({{{"source", "http://x/y"}, {"destination", "/tmp/"}, {"checksum", "ab"},
                                         {"algorithm", "CRC"}}})).ok());
  EXPECT_TRUE(m->Validate(Json::array({{{"source", "{{ Source }}"}, {"destination", "/tmp/"}}})).ok());
}

TEST(S3Modules, Validation) {
  const Module* dl = FindModule("S3Download");
  EXPECT_TRUE(dl->Validate(Json::array({{{"source", "s3://b/k.zip"}, {"destination", "/x/k.zip"},
                                         {"expectedBucketOwner", "123456789022"}, {"overwrite", "false"}}})).ok());
  EXPECT_TRUE(dl->Validate(Json::array({{{"source", "s3://b/prefix/*"}, {"destination", "/x/"}}})).ok());
  Status s = dl->Validate(Json::array({{{"source", "https://b/k"}, {"destination", "/x"}}}));
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.message().find("'source'"), std::string::npos);
  EXPECT_FALSE(dl->Validate(Json::array({{{"source", "s3://b/*/k"}, {"destination", "/x"}}})).ok());
  const Module* up = FindModule("S3Upload");
  EXPECT_TRUE(up->Validate(Json::array({{{"source", "/x/*"}, {"destination", "s3://b/p/"}, {"recurse", "true"}}})).ok());
  EXPECT_FALSE(up->Validate(Json::array({{{"source", "/x"}, {"destination", "/not/s3"}}})).ok());
}

TEST(S3Modules, RoundTripAgainstS3rver) {
  const char* endpoint = std::getenv("KILN_TEST_S3_ENDPOINT");
  if (!endpoint) GTEST_SKIP() << "KILN_TEST_S3_ENDPOINT not set (tests/run.sh starts s3rver)";
  std::string bucket = "kiln-mod-" + std::to_string(getpid());
  StepContext ctx;
  std::ostringstream console;
  ctx.console = &console;
  ctx.env = {"AWS_ACCESS_KEY_ID=S3RVER", "AWS_SECRET_ACCESS_KEY=S3RVER", "AWS_REGION=us-east-1",
             std::string("AWS_ENDPOINT_URL_S3=") + endpoint, "PATH=/usr/bin:/bin"};
  auto cfg = s3::Config::FromEnvironment(ctx.env);
  ASSERT_TRUE(cfg.ok());
  ASSERT_TRUE(s3::Client(*cfg).CreateBucket(bucket).ok());

  fs::path dir = fs::path(::testing::TempDir()) / ("s3mod-" + std::to_string(getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir / "up/sub");
  std::ofstream(dir / "up/a.txt") << "A";
  std::ofstream(dir / "up/sub/b.txt") << "B";
  auto r = FindModule("S3Upload")->Execute(
      Json::array({{{"source", (dir / "up").string()}, {"destination", "s3://" + bucket + "/tree/"}, {"recurse", true}},
                   {{"source", (dir / "up/a.txt").string()}, {"destination", "s3://" + bucket + "/single.txt"}}}),
      ctx);
  ASSERT_TRUE(r.status.ok()) << r.status.ToString();
  r = FindModule("S3Download")->Execute(
      Json::array({{{"source", "s3://" + bucket + "/tree/*"}, {"destination", (dir / "down").string()}},
                   {{"source", "s3://" + bucket + "/single.txt"}, {"destination", (dir / "one/x.txt").string()}}}),
      ctx);
  ASSERT_TRUE(r.status.ok()) << r.status.ToString();
  std::ifstream b(dir / "down/sub/b.txt");
  std::string content((std::istreambuf_iterator<char>(b)), {});
  EXPECT_EQ(content, "B");
  EXPECT_TRUE(fs::exists(dir / "one/x.txt"));
  r = FindModule("S3Download")->Execute(
      Json::array({{{"source", "s3://" + bucket + "/single.txt"}, {"destination", (dir / "one/x.txt").string()},
                    {"overwrite", false}}}),
      ctx);
  ASSERT_FALSE(r.status.ok());
  EXPECT_NE(r.status.message().find("File already exists and \"overwrite\" property"), std::string::npos);
  fs::remove_all(dir);
}

TEST(UpdateOS, ChoosesPackageManagerFromOsRelease) {
  using namespace update_os;
  auto all = [](const std::string&) { return true; };
  auto only = [](const char* name) { return [name](const std::string& n) { return n == name; }; };
  OsRelease deb = ParseOsRelease("PRETTY_NAME=\"Debian GNU/Linux 12\"\nID=debian\nVERSION_ID=\"12\"\n");
  EXPECT_EQ(deb.id, "debian");
  EXPECT_EQ(*Choose(deb, all), PackageManager::kApt);
  OsRelease ubuntu = ParseOsRelease("ID=ubuntu\nID_LIKE=debian\n");
  EXPECT_EQ(*Choose(ubuntu, all), PackageManager::kApt);
  OsRelease al2 = ParseOsRelease("ID=\"amzn\"\nVERSION_ID=\"2\"\nID_LIKE=\"centos rhel fedora\"\n");
  EXPECT_EQ(*Choose(al2, only("yum")), PackageManager::kYum);
  EXPECT_EQ(*Choose(al2, all), PackageManager::kDnf);
  OsRelease al2023 = ParseOsRelease("ID=\"amzn\"\nVERSION_ID=\"2023\"\n");
  EXPECT_FALSE(Choose(al2023, all).ok());
  OsRelease sles = ParseOsRelease("ID=\"sles\"\nID_LIKE=\"suse\"\n");
  EXPECT_EQ(*Choose(sles, all), PackageManager::kZypper);
  EXPECT_FALSE(Choose(deb, only("yum")).ok());
}

TEST(UpdateOS, PlansIncludeMinusExclude) {
  using namespace update_os;
  auto p = Plan(PackageManager::kApt, {}, {}, {});
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(p->back().back(), "upgrade");
  p = Plan(PackageManager::kApt, {}, {"kernel"}, ParseAptSimulation("Inst kernel [1] (2 x)\nInst curl [7] (8 y)\nConf curl\n"));
  ASSERT_EQ(p->size(), 1u);
  EXPECT_EQ(p->back().back(), "curl");
  p = Plan(PackageManager::kYum, {"a", "b"}, {"b"}, {});
  EXPECT_EQ(p->back(), (Command{"yum", "-y", "update", "a", "--exclude=b"}));
  p = Plan(PackageManager::kDnf, {}, {"kernel*"}, {});
  EXPECT_EQ(p->back(), (Command{"dnf", "-y", "upgrade", "--exclude=kernel*"}));
  p = Plan(PackageManager::kApt, {"x"}, {"x"}, {});
  EXPECT_TRUE(p->empty());
  EXPECT_FALSE(Plan(PackageManager::kZypper, {}, {"x"}, {}).ok());
  const Module* m = FindModule("UpdateOS");
  EXPECT_TRUE(m->Validate(Json()).ok());
  EXPECT_TRUE(m->Validate({{"exclude", Json::array({"kernel"})}}).ok());
  EXPECT_FALSE(m->Validate({{"exclude", "kernel"}}).ok());
}

}  // namespace
}  // namespace kiln::toe
