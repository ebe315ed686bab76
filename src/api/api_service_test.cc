// ApiService end to end without sockets: SigV4 (header and presigned),
// dispatch to handlers, error mapping and output serialisation.
#include <cstdio>
#include <filesystem>
#include <fstream>

#include <gtest/gtest.h>

#include "api/api_service.h"
#include "api/operation.h"
#include "common/hash.h"
#include "common/sigv4.h"
#include "store/store.h"

namespace kiln::api {
namespace {

using Json = nlohmann::json;
constexpr int64_t kNow = 1795000000000;  // 2026-11-18

Authenticator TestAuth() {
  KeyTable keys;
  EXPECT_TRUE(keys.Add("AKIDA", "secret-a", "111122223333").ok());
  EXPECT_TRUE(keys.Add("AKIDB", "secret-b", "444455556666").ok());
  return Authenticator(std::move(keys));
}

HttpRequest Signed(const std::string& method, const std::string& target, const std::string& body,
                   const std::string& key = "AKIDA", const std::string& secret = "secret-a",
                   int64_t at = kNow, const std::string& region = "eu-west-1") {
  sigv4::OutgoingRequest out;
  out.method = method;
  out.target = target;
  out.headers = {{"Host", "127.0.0.1:8080"}, {"Content-Type", "application/json"}};
  out.body = body;
  sigv4::SigningParams p;
  p.credentials = {key, secret, ""};
  p.region = region;
  p.service = "imagebuilder";
  p.now_millis = at;
  EXPECT_TRUE(sigv4::Sign(out, p).ok());
  HttpRequest r;
  r.method = method;
  r.target = target;
  r.body = body;
  for (auto& [k, v] : out.headers) r.headers.emplace_back(k, v);
  return r;
}

std::string ErrorType(const HttpResponse& r) {
  for (auto& [k, v] : r.headers) if (k == "X-Amzn-Errortype") return v;
  return "";
}

class ApiServiceTest : public ::testing::Test {
 protected:
  ApiService service{ServiceModel::Embedded(), TestAuth(), nullptr};
};

TEST_F(ApiServiceTest, SignedCallReachesHandlerWithCaller) {
  Caller seen;
  Json seen_input;
  RegisterOperation("GetWorkflow", [&](OperationContext& ctx, const Json& in) -> Result<Json> {
    seen = ctx.caller;
    seen_input = in;
    return Json{{"workflow", {{"name", "w"}}}};
  });
  const std::string arn = "arn:aws:imagebuilder:eu-west-1:111122223333:workflow/build/w/1.0.0/1";
  HttpResponse r = service.Handle(
      Signed("GET", "/GetWorkflow?workflowBuildVersionArn=" + sigv4::UriEncode(arn), ""), kNow);
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(seen.account_id, "111122223333");
  EXPECT_EQ(seen.region, "eu-west-1");
  EXPECT_EQ(seen_input["workflowBuildVersionArn"], arn);
  Json body = Json::parse(r.body);
  EXPECT_EQ(body["workflow"]["name"], "w");
  EXPECT_FALSE(body.contains("requestId"));  // GetWorkflowResponse has none

  // The second account is a different caller.
  r = service.Handle(Signed("GET", "/GetWorkflow?workflowBuildVersionArn=" + sigv4::UriEncode(arn),
                            "", "AKIDB", "secret-b"), kNow);
  ASSERT_EQ(r.status, 200);
  EXPECT_EQ(seen.account_id, "444455556666");
}

TEST_F(ApiServiceTest, PresignedQueryIsAccepted) {
  RegisterOperation("GetImagePipeline", [](OperationContext&, const Json& in) -> Result<Json> {
    return Json{{"imagePipeline", {{"arn", in["imagePipelineArn"]}}}};
  });
  sigv4::SigningParams p;
  p.credentials = {"AKIDA", "secret-a", ""};
  p.region = "us-east-1";
  p.service = "imagebuilder";
  p.now_millis = kNow;
  const std::string arn = "arn:aws:imagebuilder:us-east-1:111122223333:image-pipeline/p";
  auto target = sigv4::Presign("GET", "/GetImagePipeline?imagePipelineArn=" + sigv4::UriEncode(arn),
                               "127.0.0.1:8080", p, 300);
  ASSERT_TRUE(target.ok());
  HttpRequest r;
  r.method = "GET";
  r.target = *target;
  r.headers = {{"Host", "127.0.0.1:8080"}};
  HttpResponse resp = service.Handle(r, kNow + 1000);
  ASSERT_EQ(resp.status, 200) << resp.body;
  Json body = Json::parse(resp.body);
  EXPECT_EQ(body["imagePipeline"]["arn"], arn);
  EXPECT_EQ(body["requestId"].get<std::string>().size(), 36u);  // filled in for the handler
  // Expired presigned URL.
  resp = service.Handle(r, kNow + 301 * 1000);
  EXPECT_EQ(resp.status, 403) << resp.body;
}

TEST_F(ApiServiceTest, SignatureFailuresAre403WithAwsNames) {
  HttpRequest unsigned_req;
  unsigned_req.method = "POST";
  unsigned_req.target = "/ListImages";
  unsigned_req.body = "{}";
  HttpResponse r = service.Handle(unsigned_req, kNow);
  EXPECT_EQ(r.status, 403);
  EXPECT_EQ(ErrorType(r), "MissingAuthenticationTokenException");

  r = service.Handle(Signed("POST", "/ListImages", "{}", "AKIDA", "wrong"), kNow);
  EXPECT_EQ(r.status, 403);
  EXPECT_EQ(ErrorType(r), "InvalidSignatureException");

  r = service.Handle(Signed("POST", "/ListImages", "{}", "AKIDX", "x"), kNow);
  EXPECT_EQ(r.status, 403);
  EXPECT_EQ(ErrorType(r), "UnrecognizedClientException");

  r = service.Handle(Signed("POST", "/ListImages", "{}", "AKIDA", "secret-a", kNow - 16 * 60 * 1000), kNow);
  EXPECT_EQ(r.status, 403);
  EXPECT_EQ(ErrorType(r), "InvalidSignatureException");
  EXPECT_NE(r.body.find("Signature expired"), std::string::npos) << r.body;

  // Unknown routes are only revealed to signed callers.
  unsigned_req.target = "/Nope";
  EXPECT_EQ(service.Handle(unsigned_req, kNow).status, 403);
  r = service.Handle(Signed("POST", "/Nope", "{}"), kNow);
  EXPECT_EQ(r.status, 404);
  EXPECT_EQ(ErrorType(r), "UnknownOperationException");
}

TEST_F(ApiServiceTest, UnregisteredOperationIsNotImplemented) {
  HttpResponse r = service.Handle(Signed("POST", "/ListLifecycleExecutionResources",
                                         R"({"lifecycleExecutionId":"lce-00000000-0000-0000-0000-000000000000"})"),
                                  kNow);
  if (FindOperation("ListLifecycleExecutionResources")) GTEST_SKIP() << "implemented now";
  EXPECT_EQ(r.status, 501);
  EXPECT_EQ(ErrorType(r), "NotImplementedException");
  EXPECT_NE(r.body.find("ListLifecycleExecutionResources"), std::string::npos);
}

TEST_F(ApiServiceTest, HandlerErrorsMapToModelShapes) {
  RegisterOperation("GetImageRecipe", [](OperationContext&, const Json&) -> Result<Json> {
    return Status::NotFound("no such recipe");
  });
  RegisterOperation("GetContainerRecipe", [](OperationContext&, const Json&) -> Result<Json> {
    return Status(Code::kFailedPrecondition, "shared", "ResourceDependencyException");
  });
  RegisterOperation("GetDistributionConfiguration", [](OperationContext&, const Json&) -> Result<Json> {
    throw std::runtime_error("bug");
  });
  auto call = [&](const std::string& op, const std::string& q) {
    return service.Handle(Signed("GET", "/" + op + "?" + q, ""), kNow);
  };
  HttpResponse r = call("GetImageRecipe", "imageRecipeArn=arn%3Aaws%3Aimagebuilder%3Aeu-west-1%3A111122223333%3Aimage-recipe%2Fr%2F1.0.0");
  EXPECT_EQ(r.status, 404) << r.body;
  EXPECT_EQ(ErrorType(r), "ResourceNotFoundException");
  EXPECT_EQ(Json::parse(r.body)["message"], "no such recipe");
  r = call("GetContainerRecipe", "containerRecipeArn=arn%3Aaws%3Aimagebuilder%3Aeu-west-1%3A111122223333%3Acontainer-recipe%2Fr%2F1.0.0");
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(ErrorType(r), "ResourceDependencyException");
  r = call("GetDistributionConfiguration", "distributionConfigurationArn=arn%3Aaws%3Aimagebuilder%3Aeu-west-1%3A111122223333%3Adistribution-configuration%2Fd");
  EXPECT_EQ(r.status, 500);
  EXPECT_EQ(ErrorType(r), "ServiceException");
}

TEST(Serialize, TimestampsBecomeEpochSecondsAndNullsVanish) {
  const Operation& op = *ServiceModel::Embedded().FindOperation("GetLifecyclePolicy");
  Json out = {{"lifecyclePolicy", {{"name", "p"}, {"dateCreated", "2026-11-27T07:44:07.500Z"},
                                   {"description", nullptr}}}};
  Json wire = Json::parse(ApiService::SerializeOutput(op, out, "rid"));
  EXPECT_DOUBLE_EQ(wire["lifecyclePolicy"]["dateCreated"].get<double>(), 1795765447.5);
  EXPECT_FALSE(wire["lifecyclePolicy"].contains("description"));
  EXPECT_FALSE(wire.contains("requestId"));  // not a member of this output
}

TEST(KeyTable, LoadsYamlAndJsonConfigsAndRejectsBadOnes) {
  std::string dir = ::testing::TempDir();
  std::ofstream(dir + "/k.yaml") << "accounts:\n  - id: \"111122223333\"\n    accessKeys:\n"
                                    "      - accessKeyId: A1\n        secretAccessKey: s1\n";
  std::ofstream(dir + "/k.json")
      << R"({"accounts":[{"id":"444455556666","accessKeys":[{"accessKeyId":"A2","secretAccessKey":"s2"}]}]})";
  std::ofstream(dir + "/bad.yaml") << "accounts:\n  - id: \"12\"\n    accessKeys:\n"
                                      "      - accessKeyId: A3\n        secretAccessKey: s3\n";
  KeyTable t;
  ASSERT_TRUE(t.LoadFile(dir + "/k.yaml").ok());
  ASSERT_TRUE(t.LoadFile(dir + "/k.json").ok());
  EXPECT_EQ(t.Find("A2")->account_id, "444455556666");
  EXPECT_EQ(t.LoadFile(dir + "/k.yaml").code(), Code::kAlreadyExists);
  Status bad = KeyTable().LoadFile(dir + "/bad.yaml");
  EXPECT_FALSE(bad.ok());
  EXPECT_NE(bad.message().find("accounts[0].accessKeys[0]"), std::string::npos) << bad.message();
  EXPECT_NE(bad.message().find("not 12 digits"), std::string::npos);
  EXPECT_FALSE(KeyTable().LoadFile(dir + "/missing.yaml").ok());
}

TEST(RequestId, IsAVersion4Uuid) {
  std::string id = NewRequestId();
  ASSERT_EQ(id.size(), 36u);
  EXPECT_EQ(id[14], '4');
  EXPECT_NE(id, NewRequestId());
}


// The response cache answers a repeated read without the handler, with the
// request's own requestId, until the store changes.
class ApiServiceCacheTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() / ("kiln-api-cache-" + RandomHex(6));
    auto s = store::OpenSqliteStore(dir_.string());
    ASSERT_TRUE(s.ok()) << s.status().ToString();
    store_ = std::move(*s);
    service_ = std::make_unique<ApiService>(ServiceModel::Embedded(), TestAuth(), store_.get());
    service_->SetResponseCache(1 << 20);
  }
  void TearDown() override {
    service_.reset();
    store_.reset();
    std::filesystem::remove_all(dir_);
  }
  std::filesystem::path dir_;
  std::unique_ptr<store::Store> store_;
  std::unique_ptr<ApiService> service_;
};

TEST_F(ApiServiceCacheTest, RepeatedReadsSkipTheHandlerUntilAWrite) {
  const std::string arn = "arn:aws:imagebuilder:eu-west-1:111122223333:component/c/1.0.0/1";
  store::Resource row;
  row.arn = arn;
  row.kind = "component";
  row.account = "111122223333";
  row.region = "eu-west-1";
  row.name = "c";
  row.version = "1.0.0";
  row.build = 1;
  row.doc = {{"arn", arn}, {"description", "first"}};
  ASSERT_TRUE(store_->Insert(row).ok());
  int calls = 0;
  RegisterOperation("GetComponent", [&](OperationContext& ctx, const Json& in) -> Result<Json> {
    ++calls;
    KILN_ASSIGN_OR_RETURN(auto r, ctx.store->Get(in["componentBuildVersionArn"]));
    return Json{{"component", r.doc}};
  });
  auto get = [&](const std::string& key = "AKIDA", const std::string& secret = "secret-a") {
    return service_->Handle(
        Signed("GET", "/GetComponent?componentBuildVersionArn=" + sigv4::UriEncode(arn), "", key,
               secret),
        kNow);
  };
  auto id_of = [](const HttpResponse& r) {
    for (auto& [k, v] : r.headers) if (k == "x-amzn-RequestId") return v;
    return std::string();
  };
  HttpResponse a = get(), b = get();
  ASSERT_EQ(a.status, 200) << a.body;
  ASSERT_EQ(b.status, 200) << b.body;
  EXPECT_EQ(calls, 1);
  Json ja = Json::parse(a.body), jb = Json::parse(b.body);
  EXPECT_EQ(ja["requestId"], id_of(a));
  EXPECT_EQ(jb["requestId"], id_of(b));  // the cached answer carries the new id
  EXPECT_NE(ja["requestId"], jb["requestId"]);
  jb["requestId"] = ja["requestId"];
  EXPECT_EQ(ja, jb);

  // Another account is another key (here the handler does not check access).
  ASSERT_EQ(get("AKIDB", "secret-b").status, 200);
  EXPECT_EQ(calls, 2);

  // A write makes every answer stale.
  row.doc["description"] = "second";
  ASSERT_TRUE(store_->Update(row).ok());
  HttpResponse c = get();
  EXPECT_EQ(calls, 3);
  EXPECT_EQ(Json::parse(c.body)["component"]["description"], "second");
  EXPECT_NE(service_->metrics().RenderPrometheus().find("kiln_api_response_cache_hits_total 1\n"),
            std::string::npos);
}

}  // namespace
}  // namespace kiln::api
