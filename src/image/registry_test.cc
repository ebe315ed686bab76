// Registry client: reference parsing, and pulls from a fake registry on
// loopback (token flow, Basic auth, platform choice, blob cache, digest
// checks). tests/registry/run.sh drives a real registry (docker-registry).
#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <map>

#include <gtest/gtest.h>

#include "common/hash.h"
#include "common/test_http_server.h"
#include "image/digest.h"
#include "image/registry.h"

namespace kiln::image {
namespace {
namespace fs = std::filesystem;
using kiln::testing::SeenRequest;
using kiln::testing::TestHttpServer;

TEST(ImageReferenceTest, ParsesDockerHubShortNames) {
  auto r = ImageReference::Parse("debian:12");
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(r->registry, "registry-1.docker.io");
  EXPECT_EQ(r->repository, "library/debian");
  EXPECT_EQ(r->tag, "12");
  EXPECT_EQ(r->ToString(), "registry-1.docker.io/library/debian:12");
  r = ImageReference::Parse("docker://user/app");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->repository, "user/app");
  EXPECT_EQ(r->tag, "latest");
  r = ImageReference::Parse("docker.io/library/alpine:3.19");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->registry, "registry-1.docker.io");
  EXPECT_EQ(r->repository, "library/alpine");
}

TEST(ImageReferenceTest, ParsesRegistryHostsPortsAndDigests) {
  std::string d = "sha256:" + std::string(64, 'a');
  auto r = ImageReference::Parse("127.0.0.1:5000/team/app@" + d);
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(r->registry, "127.0.0.1:5000");
  EXPECT_EQ(r->repository, "team/app");
  EXPECT_EQ(r->tag, "");
  EXPECT_EQ(r->ManifestReference(), d);
  r = ImageReference::Parse("localhost/app:v1.2_x");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->registry, "localhost");
  EXPECT_EQ(r->ManifestReference(), "v1.2_x");
  r = ImageReference::Parse("123456789012.dkr.ecr.us-east-1.amazonaws.com/web:1");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->registry, "123456789012.dkr.ecr.us-east-1.amazonaws.com");
}

TEST(ImageReferenceTest, RejectsBadReferencesNamingThePart) {
  auto r = ImageReference::Parse("Example/App:1");
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("invalid repository name 'Example/App'"), std::string::npos);
  r = ImageReference::Parse("app:bad/tag!");
  EXPECT_FALSE(r.ok());
  r = ImageReference::Parse("host.io/app@md5:abc");
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("only sha256"), std::string::npos);
  EXPECT_FALSE(ImageReference::Parse("").ok());
  EXPECT_FALSE(ImageReference::Parse("host.io/").ok());
}

TEST(ImageReferenceTest, TellsRegistryReferencesFromOtherParentForms) {
  EXPECT_TRUE(LooksLikeRegistryReference("debian:12"));
  EXPECT_TRUE(LooksLikeRegistryReference("docker://busybox"));
  EXPECT_TRUE(LooksLikeRegistryReference("127.0.0.1:5000/busybox:1"));
  EXPECT_FALSE(LooksLikeRegistryReference("busybox"));
  EXPECT_FALSE(LooksLikeRegistryReference("/srv/rootfs"));
  EXPECT_FALSE(LooksLikeRegistryReference("./rootfs"));
}

// A registry with one repository "test/app" serving what the test puts in
// `manifests` and `blobs`, behind the Bearer token flow or Basic auth.
class FakeRegistry {
 public:
  enum class Auth { kBearer, kBasic };
  explicit FakeRegistry(Auth auth) : auth_(auth), server_([this](const SeenRequest& r) { return Handle(r); }) {}

  std::string host() const { return "127.0.0.1:" + std::to_string(server_.port()); }
  std::string AddBlob(const std::string& data) {
    std::string d = DigestOf(data);
    blobs[d] = data;
    return d;
  }
  std::string AddManifest(const std::string& tag, const Json& m) {
    std::string body = m.dump();
    manifests[tag] = body;
    manifests[DigestOf(body)] = body;
    return DigestOf(body);
  }

  std::map<std::string, std::string> manifests, blobs, tampered;
  int blob_gets = 0, token_gets = 0;

 private:
  std::string Handle(const SeenRequest& r) {
    if (r.target.rfind("/token?", 0) == 0) {
      token_gets++;
      if (r.target.find("scope=repository%3Atest%2Fapp%3Apull") == std::string::npos) {
        return TestHttpServer::Reply(400, "bad scope " + r.target);
      }
      return TestHttpServer::Reply(200, R"({"token":"t0k"})");
    }
    bool authorized = auth_ == Auth::kBearer ? r.head.find("Authorization: Bearer t0k") != std::string::npos
                                             : r.head.find("Authorization: Basic " + Base64Encode("u:p")) !=
                                                   std::string::npos;
    if (!authorized) {
      std::string challenge = auth_ == Auth::kBearer
                                  ? "Bearer realm=\"http://" + host() + "/token\",service=\"fake\""
                                  : "Basic realm=\"fake\"";
      return TestHttpServer::Reply(401, R"({"errors":[{"code":"UNAUTHORIZED","message":"authentication required"}]})",
                                   "WWW-Authenticate: " + challenge + "\r\n");
    }
    const std::string prefix = "/v2/test/app/";
    if (r.target.rfind(prefix + "manifests/", 0) == 0) {
      auto it = manifests.find(r.target.substr(prefix.size() + 10));
      if (it != manifests.end()) {
        Json j = Json::parse(it->second);
        return TestHttpServer::Reply(200, it->second, "Content-Type: " + j.value("mediaType", "") + "\r\n");
      }
    }
    if (r.target.rfind(prefix + "blobs/", 0) == 0) {
      std::string d = r.target.substr(prefix.size() + 6);
      blob_gets++;
      if (tampered.count(d)) return TestHttpServer::Reply(200, tampered[d]);
      if (blobs.count(d)) return TestHttpServer::Reply(200, blobs[d]);
    }
    return TestHttpServer::Reply(404, R"({"errors":[{"code":"MANIFEST_UNKNOWN","message":"manifest unknown"}]})");
  }

  Auth auth_;
  TestHttpServer server_;
};

class RegistryPullTest : public ::testing::Test {
 protected:
  void SetUp() override {
    unsetenv("KILN_INSECURE_REGISTRIES");
    unsetenv("KILN_REGISTRY_USERNAME");
    dir_ = fs::temp_directory_path() / ("kiln-registry-test-" + std::to_string(getpid()));
    fs::remove_all(dir_);
    auto s = ImageStore::Open(dir_.string());
    ASSERT_TRUE(s.ok()) << s.status().message();
    store_.emplace(std::move(*s));
  }
  void TearDown() override { fs::remove_all(dir_); }

  // One image (config + one layer) tagged "1" in `reg`; returns the layer digest.
  std::string Publish(FakeRegistry& reg, const std::string& layer_text = "layer bytes") {
    std::string layer = reg.AddBlob(layer_text);
    std::string config_text = Json{{"architecture", HostArchitecture()}, {"os", "linux"},
                                   {"rootfs", {{"type", "layers"}, {"diff_ids", {"sha256:" + std::string(64, '1')}}}}}
                                  .dump();
    std::string config = reg.AddBlob(config_text);
    reg.AddManifest("1", {{"schemaVersion", 2},
                          {"mediaType", "application/vnd.oci.image.manifest.v1+json"},
                          {"config", {{"mediaType", "application/vnd.oci.image.config.v1+json"},
                                      {"digest", config}, {"size", config_text.size()}}},
                          {"layers", {{{"mediaType", "application/vnd.oci.image.layer.v1.tar+gzip"},
                                       {"digest", layer}, {"size", layer_text.size()}}}}});
    return layer;
  }

  RegistryOptions Insecure(const FakeRegistry& reg) {
    RegistryOptions o;
    o.insecure_registries = {reg.host()};
    return o;
  }

  fs::path dir_;
  std::optional<ImageStore> store_;
};

TEST_F(RegistryPullTest, PullsThroughTheTokenFlowAndCachesBlobsByDigest) {
  FakeRegistry reg(FakeRegistry::Auth::kBearer);
  std::string layer = Publish(reg);
  auto r = PullImage(*store_, reg.host() + "/test/app:1", Insecure(reg));
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(r->blobs_downloaded, 2);
  EXPECT_EQ(r->image.name, reg.host() + "/test/app:1");
  EXPECT_EQ(r->image.manifest_digest, r->registry_digest);  // an OCI manifest is stored as is
  ASSERT_EQ(r->image.layers.size(), 1u);
  EXPECT_EQ(r->image.layers[0].digest, layer);
  EXPECT_GE(reg.token_gets, 1);
  int gets = reg.blob_gets;
  auto again = PullImage(*store_, reg.host() + "/test/app:1", Insecure(reg), "copy:1");
  ASSERT_TRUE(again.ok()) << again.status().message();
  EXPECT_EQ(again->blobs_downloaded, 0);
  EXPECT_EQ(again->blobs_cached, 2);
  EXPECT_EQ(reg.blob_gets, gets);  // no blob requested at all
}

TEST_F(RegistryPullTest, APulledLayerIsNotExtractedUnderADiffIdItDoesNotHave) {
  FakeRegistry reg(FakeRegistry::Auth::kBearer);
  Publish(reg);  // the config claims diff_id sha256:111...1 for "layer bytes"
  auto r = PullImage(*store_, reg.host() + "/test/app:1", Insecure(reg));
  ASSERT_TRUE(r.ok()) << r.status().message();
  auto dirs = store_->LayerDirs(r->image);
  ASSERT_FALSE(dirs.ok());
  EXPECT_NE(dirs.status().message().find("not the diff_id sha256:111"), std::string::npos) << dirs.status().message();
  EXPECT_FALSE(fs::exists(store_->data_dir() + "/layers/" + std::string(64, '1')));
}

TEST_F(RegistryPullTest, PicksTheHostPlatformFromAnIndexAndConvertsDockerManifests) {
  FakeRegistry reg(FakeRegistry::Auth::kBearer);
  Publish(reg);
  Json m = Json::parse(reg.manifests["1"]);
  m["mediaType"] = "application/vnd.docker.distribution.manifest.v2+json";
  m["config"]["mediaType"] = "application/vnd.docker.container.image.v1+json";
  m["layers"][0]["mediaType"] = "application/vnd.docker.image.rootfs.diff.tar.gzip";
  std::string docker = reg.AddManifest("docker", m);
  std::string body = reg.manifests[docker];
  reg.AddManifest("multi", {{"schemaVersion", 2},
                            {"mediaType", "application/vnd.docker.distribution.manifest.list.v2+json"},
                            {"manifests", {{{"digest", "sha256:" + std::string(64, '9')}, {"size", 10},
                                            {"platform", {{"os", "linux"}, {"architecture", "s390x"}}}},
                                           {{"digest", docker}, {"size", body.size()},
                                            {"platform", {{"os", "linux"}, {"architecture", HostArchitecture()}}}}}}});
  auto r = PullImage(*store_, "docker://" + reg.host() + "/test/app:multi", Insecure(reg), "multi:1");
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(r->registry_digest, docker);
  EXPECT_EQ(r->image.layers[0].media_type, "application/vnd.oci.image.layer.v1.tar+gzip");
  RegistryOptions other = Insecure(reg);
  other.architecture = "riscv64";
  auto none = PullImage(*store_, reg.host() + "/test/app:multi", other, "multi:2");
  ASSERT_FALSE(none.ok());
  EXPECT_NE(none.status().message().find("no linux/riscv64 image in the index (it has: linux/s390x, linux/"),
            std::string::npos)
      << none.status().message();
}

TEST_F(RegistryPullTest, RefusesABlobThatDoesNotMatchItsDigestAndStoresNothing) {
  FakeRegistry reg(FakeRegistry::Auth::kBearer);
  std::string layer = Publish(reg);
  reg.tampered[layer] = "LAYER BYTES";  // same size, other content
  auto r = PullImage(*store_, reg.host() + "/test/app:1", Insecure(reg));
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("blob " + layer + ": digest mismatch"), std::string::npos)
      << r.status().message();
  EXPECT_FALSE(fs::exists(store_->BlobPath(layer)));
  EXPECT_FALSE(store_->Get(reg.host() + "/test/app:1").ok());
  EXPECT_TRUE(fs::is_empty(store_->layout_dir() + "/tmp"));
}

TEST_F(RegistryPullTest, RefusesAManifestThatDoesNotMatchTheDigestAskedFor) {
  FakeRegistry reg(FakeRegistry::Auth::kBearer);
  Publish(reg);
  std::string wrong = "sha256:" + std::string(64, 'b');
  reg.manifests[wrong] = reg.manifests["1"];
  auto r = PullImage(*store_, reg.host() + "/test/app@" + wrong, Insecure(reg), "pinned:1");
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("manifest digest mismatch"), std::string::npos) << r.status().message();
}

TEST_F(RegistryPullTest, NamesTheReferenceOfAnUnknownTag) {
  FakeRegistry reg(FakeRegistry::Auth::kBearer);
  auto r = PullImage(*store_, reg.host() + "/test/app:9.9", Insecure(reg));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), Code::kNotFound);
  EXPECT_NE(r.status().message().find(reg.host() + "/test/app:9.9: no such image"), std::string::npos)
      << r.status().message();
}

TEST_F(RegistryPullTest, UsesBasicCredentialsFromADockerConfigFile) {
  FakeRegistry reg(FakeRegistry::Auth::kBasic);
  Publish(reg);
  RegistryOptions o = Insecure(reg);
  o.auth_file = (dir_ / "config.json").string();
  auto anonymous = PullImage(*store_, reg.host() + "/test/app:1", o);
  ASSERT_FALSE(anonymous.ok());
  EXPECT_EQ(anonymous.status().code(), Code::kUnauthenticated);
  std::ofstream(o.auth_file) << Json{{"auths", {{"http://" + reg.host(), {{"auth", Base64Encode("u:p")}}}}}}.dump();
  auto r = PullImage(*store_, reg.host() + "/test/app:1", o);
  EXPECT_TRUE(r.ok()) << r.status().message();
}

TEST_F(RegistryPullTest, RefusesPlainHttpUnlessTheRegistryIsMarkedInsecure) {
  FakeRegistry reg(FakeRegistry::Auth::kBearer);
  Publish(reg);
  RegistryOptions o;
  o.request_timeout_ms = 1000;  // the fake server waits for a request head that a TLS client never sends
  auto r = PullImage(*store_, reg.host() + "/test/app:1", o);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("KILN_INSECURE_REGISTRIES=" + reg.host()), std::string::npos)
      << r.status().message();
  setenv("KILN_INSECURE_REGISTRIES", ("other:1, " + reg.host()).c_str(), 1);
  r = PullImage(*store_, reg.host() + "/test/app:1", RegistryOptions{});
  unsetenv("KILN_INSECURE_REGISTRIES");
  EXPECT_TRUE(r.ok()) << r.status().message();
}

}  // namespace
}  // namespace kiln::image
