#include "common/sigv4.h"

#include <gtest/gtest.h>

#include "common/digest.h"

namespace kiln::sigv4 {
namespace {

// 2015-08-30T12:36:00Z, the AWS SigV4 test suite's signing time.
constexpr int64_t kSuiteTime = 1440938160000;
// 2013-05-24T00:00:00Z, the S3 documentation examples' time.
constexpr int64_t kS3Time = 1369353600000;

SigningParams SuiteParams() {
  SigningParams p;
  p.credentials = {"AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", ""};
  p.region = "us-east-1";
  p.service = "service";
  p.now_millis = kSuiteTime;
  return p;
}

SigningParams S3Params() {
  SigningParams p;
  p.credentials = {"AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", ""};
  p.region = "us-east-1";
  p.service = "s3";
  p.now_millis = kS3Time;
  p.uri_mode = UriMode::kS3;
  return p;
}

std::string AuthHeader(const OutgoingRequest& r) {
  for (const auto& [k, v] : r.headers) {
    if (k == "Authorization") return v;
  }
  return "";
}

struct SuiteCase {
  const char* name;
  const char* method;
  std::string target;
  std::vector<Header> extra_headers;
  const char* body;
  const char* signed_headers;
  const char* signature;
};

std::string Q(const std::string& k, const std::string& v) { return UriEncode(k) + "=" + UriEncode(v); }

// Vectors from the AWS Signature Version 4 test suite (aws-sig-v4-test-suite).
std::vector<SuiteCase> SuiteCases() {
  const char* kPlain = "host;x-amz-date";
  const char* kH1 = "host;my-header1;x-amz-date";
  std::string unreserved = "-._~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
  return {
      {"get-vanilla", "GET", "/", {}, "", kPlain,
       "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31"},
      {"get-header-key-duplicate", "GET", "/", {{"My-Header1", "value2"}, {"My-Header1", "value2"}, {"My-Header1", "value1"}}, "", kH1,
       "c9d5ea9f3f72853aea855b47ea873832890dbdd183b4468f858259531a5138ea"},
      {"get-header-value-order", "GET", "/", {{"My-Header1", "value4,value1,value3,value2"}}, "", kH1,
       "08c7e5a9acfcfeb3ab6b2185e75ce8b1deb5e634ec47601a50643f830c755c01"},
      {"get-header-value-trim", "GET", "/", {{"My-Header1", " value1"}, {"My-Header2", " \"a   b   c\""}}, "",
       "host;my-header1;my-header2;x-amz-date",
       "acc3ed3afb60bb290fc8d2dd0098b9911fcaa05412b367055dee359757a9c736"},
      {"get-unreserved", "GET", "/" + unreserved, {}, "", kPlain,
       "07ef7494c76fa4850883e2b006601f940f8a34d404d0cfa977f52a65bbf5f24f"},
      {"get-utf8", "GET", "/\xE1\x88\xB4", {}, "", kPlain,
       "8318018e0b0f223aa2bbf98705b62bb787dc9c0e678f255a891fd03141be5d85"},
      {"get-vanilla-query-order-key-case", "GET", "/?Param2=value2&Param1=value1", {}, "", kPlain,
       "b97d918cfa904a5beff61c982a1b6f458b799221646efd99d3219ec94cdf2500"},
      {"get-vanilla-query-unreserved", "GET", "/?" + Q(unreserved, unreserved), {}, "", kPlain,
       "9c3e54bfcdf0b19771a7f523ee5669cdf59bc7cc0884027167c21bb143a40197"},
      {"get-vanilla-utf8-query", "GET", "/?" + Q("\xE1\x88\xB4", "bar"), {}, "", kPlain,
       "2cdec8eed098649ff3a119c94853b13c643bcf08f8b0a1d91e12c9027818dd04"},
      {"post-vanilla", "POST", "/", {}, "", kPlain,
       "5da7c1a2acd57cee7505fc6676e4e544621c30862966e37dddb68e92efbe5d6b"},
      {"post-header-value-case", "POST", "/", {{"My-Header1", "VALUE1"}}, "", kH1,
       "cdbc9802e29d2942e5e10b5bccfdd67c5f22c7c4e8ae67b53629efa58b974b7d"},
      {"post-vanilla-query", "POST", "/?Param1=value1", {}, "", kPlain,
       "28038455d6de14eafc1f9222cf5aa6f1a96197d7deb8263271d420d138af7f11"},
      {"post-vanilla-query-nonunreserved", "POST",
       "/?" + Q("@#$%^", "") + "&" + Q("+", "/,?><`\";:\\|][{}"), {}, "", kPlain,
       "66c82657c86e26fb25238d0e69f011edc4c6df5ae71119d7cb98ed9b87393c1e"},
      {"post-vanilla-query-space", "POST", "/?p=", {}, "", kPlain,
       "e71688addb58a26418614085fb730ba3faa623b461c17f48f2fbdb9361b94a9b"},
      {"post-x-www-form-urlencoded", "POST", "/", {{"Content-Type", "application/x-www-form-urlencoded"}},
       "Param1=value1", "content-type;host;x-amz-date",
       "ff11897932ad3f4e8b18135d722051e5ac45fc38421b1da7b9d196a0fe09473a"},
      {"post-x-www-form-urlencoded-parameters", "POST", "/",
       {{"Content-Type", "application/x-www-form-urlencoded; charset=utf8"}}, "Param1=value1",
       "content-type;host;x-amz-date",
       "1a72ec8f64bd914b0e42e42607c7fbce7fb2c7465f63e3092b3b0d39fa77a6fe"},
  };
}

TEST(SigV4Suite, SignsEveryVector) {
  for (const SuiteCase& c : SuiteCases()) {
    OutgoingRequest r;
    r.method = c.method;
    r.target = c.target;
    r.headers = {{"Host", "example.amazonaws.com"}};
    for (const auto& h : c.extra_headers) r.headers.push_back(h);
    r.body = c.body;
    ASSERT_TRUE(Sign(r, SuiteParams()).ok()) << c.name;
    std::string expected = "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, "
                           "SignedHeaders=" + std::string(c.signed_headers) +
                           ", Signature=" + c.signature;
    EXPECT_EQ(AuthHeader(r), expected) << c.name;
  }
}

TEST(SigV4Suite, VerifiesEveryVectorAndRejectsTampering) {
  auto lookup = [](std::string_view key, std::string_view) -> Result<std::string> {
    if (key == "AKIDEXAMPLE") return std::string("wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY");
    return Status::NotFound("no such key");
  };
  VerifyOptions opt;
  opt.now_millis = kSuiteTime + 60000;
  for (const SuiteCase& c : SuiteCases()) {
    OutgoingRequest r;
    r.method = c.method;
    r.target = c.target;
    r.headers = {{"Host", "example.amazonaws.com"}};
    for (const auto& h : c.extra_headers) r.headers.push_back(h);
    r.body = c.body;
    ASSERT_TRUE(Sign(r, SuiteParams()).ok());
    HttpRequestView view{r.method, r.target, {}, r.body};
    for (const auto& [k, v] : r.headers) view.headers.emplace_back(k, v);
    auto v = Verify(view, lookup, opt);
    ASSERT_TRUE(v.ok()) << c.name << ": " << v.status().ToString();
    EXPECT_EQ(v->access_key_id, "AKIDEXAMPLE");
    EXPECT_EQ(v->region, "us-east-1");
    EXPECT_EQ(v->service, "service");
    EXPECT_FALSE(v->presigned);

    HttpRequestView tampered = view;
    tampered.method = c.method == std::string("GET") ? "DELETE" : "PUT";
    auto bad = Verify(tampered, lookup, opt);
    ASSERT_FALSE(bad.ok()) << c.name;
    EXPECT_EQ(bad.status().type(), "InvalidSignatureException") << c.name;
  }
}

TEST(SigV4, CanonicalPieces) {
  EXPECT_EQ(UriEncode("a b/c~"), "a%20b%2Fc~");
  EXPECT_EQ(UriEncode("a b/c", true), "a%20b/c");
  EXPECT_EQ(UriDecode("a%20b%2fc%zz+"), "a b/c%zz+");
  EXPECT_EQ(CanonicalUri("/example/../x/./y//z/", UriMode::kDoubleEncode), "/x/y/z/");
  EXPECT_EQ(CanonicalUri("/a%2Fb", UriMode::kDoubleEncode), "/a%252Fb");
  EXPECT_EQ(CanonicalUri("/a%2Fb/../c", UriMode::kS3), "/a%2Fb/../c");
  EXPECT_EQ(CanonicalUri("", UriMode::kS3), "/");
  EXPECT_EQ(CanonicalQuery("b=2&a=3&a=1&flag"), "a=1&a=3&b=2&flag=");
  EXPECT_EQ(CanonicalQuery("X-Amz-Signature=abc&k=v%20w", "X-Amz-Signature"), "k=v%20w");
  EXPECT_EQ(SigningKey("wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", "20150830", "us-east-1", "iam").size(), 32u);
  // The documented derived key for this example.
  EXPECT_EQ(HexEncode(SigningKey("wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", "20150830", "us-east-1", "iam")),
            "c4afb1cc5771d871763a393e44b703571b55cc28424d1a5e86da6ed3c154a4b9");
}

// Examples from the Amazon S3 API reference, "Signature calculations for the
// Authorization header" and "Authenticating requests: using query parameters".
TEST(SigV4S3, GetObjectWithRange) {
  OutgoingRequest r;
  r.method = "GET";
  r.target = "/test.txt";
  r.headers = {{"Host", "examplebucket.s3.amazonaws.com"}, {"Range", "bytes=0-9"}};
  SigningParams p = S3Params();
  p.add_content_sha256_header = true;
  ASSERT_TRUE(Sign(r, p).ok());
  EXPECT_EQ(AuthHeader(r),
            "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request, "
            "SignedHeaders=host;range;x-amz-content-sha256;x-amz-date, "
            "Signature=f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41");
}

TEST(SigV4S3, PutObject) {
  OutgoingRequest r;
  r.method = "PUT";
  r.target = "/" + UriEncode("test$file.text", true);
  r.headers = {{"Host", "examplebucket.s3.amazonaws.com"},
               {"Date", "Fri, 24 May 2013 00:00:00 GMT"},
               {"x-amz-storage-class", "REDUCED_REDUNDANCY"}};
  r.body = "Welcome to Amazon S3.";
  SigningParams p = S3Params();
  p.add_content_sha256_header = true;
  ASSERT_TRUE(Sign(r, p).ok());
  EXPECT_EQ(AuthHeader(r),
            "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request, "
            "SignedHeaders=date;host;x-amz-content-sha256;x-amz-date;x-amz-storage-class, "
            "Signature=98ad721746da40c64f1a55b78f14c238d841ea1380cd77a1b5971af0ece108bd");
}

TEST(SigV4S3, ListObjects) {
  OutgoingRequest r;
  r.method = "GET";
  r.target = "/?max-keys=2&prefix=J";
  r.headers = {{"Host", "examplebucket.s3.amazonaws.com"}};
  SigningParams p = S3Params();
  p.add_content_sha256_header = true;
  ASSERT_TRUE(Sign(r, p).ok());
  EXPECT_NE(AuthHeader(r).find("Signature=34b48302e7b5fa45bde8084f4b7868a86f0a534bc59db6670ed5711ef69dc6f7"),
            std::string::npos)
      << AuthHeader(r);
}

TEST(SigV4S3, PresignedGetAndItsVerification) {
  auto url = Presign("GET", "/test.txt", "examplebucket.s3.amazonaws.com", S3Params(), 86400);
  ASSERT_TRUE(url.ok());
  EXPECT_EQ(*url,
            "/test.txt?X-Amz-Algorithm=AWS4-HMAC-SHA256"
            "&X-Amz-Credential=AKIAIOSFODNN7EXAMPLE%2F20130524%2Fus-east-1%2Fs3%2Faws4_request"
            "&X-Amz-Date=20130524T000000Z&X-Amz-Expires=86400&X-Amz-SignedHeaders=host"
            "&X-Amz-Signature=aeeed9bbccd4d02ee5c0109b86d86835f995330da4c265957d157751f604d404");

  auto lookup = [](std::string_view, std::string_view) -> Result<std::string> {
    return std::string("wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY");
  };
  HttpRequestView view{"GET", *url, {{"Host", "examplebucket.s3.amazonaws.com"}}, ""};
  VerifyOptions opt;
  opt.uri_mode = UriMode::kS3;
  opt.s3_error_names = true;
  opt.now_millis = kS3Time + 3600 * 1000;
  auto v = Verify(view, lookup, opt);
  ASSERT_TRUE(v.ok()) << v.status().ToString();
  EXPECT_TRUE(v->presigned);
  EXPECT_EQ(v->service, "s3");

  opt.now_millis = kS3Time + 86401 * 1000LL;
  auto expired = Verify(view, lookup, opt);
  ASSERT_FALSE(expired.ok());
  EXPECT_EQ(expired.status().type(), "AccessDenied");
  EXPECT_EQ(expired.status().message(), "Request has expired");
}

class SigV4Verify : public ::testing::Test {
 protected:
  void SetUp() override {
    req_.method = "POST";
    req_.target = "/CreateComponent";
    req_.headers = {{"Host", "127.0.0.1:8080"}, {"Content-Type", "application/json"}};
    req_.body = body_;
    SigningParams p = SuiteParams();
    p.service = "imagebuilder";
    p.credentials.session_token = "TOKEN";
    ASSERT_TRUE(Sign(req_, p).ok());
    opt_.now_millis = kSuiteTime;
  }
  HttpRequestView View() const {
    HttpRequestView v{req_.method, req_.target, {}, body_};
    for (const auto& [k, val] : req_.headers) v.headers.emplace_back(k, val);
    return v;
  }
  static Result<std::string> Lookup(std::string_view key, std::string_view token) {
    if (key == "AKIDEXAMPLE") return std::string("wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY");
    return Status::NotFound("unknown");
  }
  std::string body_ = R"({"name":"x"})";
  OutgoingRequest req_;
  VerifyOptions opt_;
};

TEST_F(SigV4Verify, AcceptsAndReportsScope) {
  auto v = Verify(View(), Lookup, opt_);
  ASSERT_TRUE(v.ok()) << v.status().ToString();
  EXPECT_EQ(v->service, "imagebuilder");
  EXPECT_EQ(v->session_token, "TOKEN");
  EXPECT_EQ(v->request_millis, kSuiteTime);
}

TEST_F(SigV4Verify, MissingAuthentication) {
  HttpRequestView v{"GET", "/", {{"Host", "x"}}, ""};
  auto r = Verify(v, Lookup, opt_);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().type(), "MissingAuthenticationToken");
  EXPECT_EQ(r.status().code(), Code::kUnauthenticated);
  EXPECT_EQ(HttpStatusForError(r.status().type()), 403);
}

TEST_F(SigV4Verify, IncompleteSignature) {
  HttpRequestView v{"GET", "/", {{"Host", "x"}, {"Authorization", "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/svc/aws4_request"}}, ""};
  auto r = Verify(v, Lookup, opt_);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().type(), "IncompleteSignature");
  EXPECT_NE(r.status().message().find("'SignedHeaders'"), std::string::npos);
  EXPECT_NE(r.status().message().find("X-Amz-Date"), std::string::npos);
}

TEST_F(SigV4Verify, UnknownAccessKey) {
  auto r = Verify(View(), [](std::string_view, std::string_view) -> Result<std::string> {
    return Status::NotFound("no");
  }, opt_);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().type(), "UnrecognizedClientException");
}

TEST_F(SigV4Verify, WrongSecretAndTamperedBody) {
  auto r = Verify(View(), [](std::string_view, std::string_view) -> Result<std::string> {
    return std::string("wrong");
  }, opt_);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().type(), "InvalidSignatureException");

  HttpRequestView v = View();
  v.body = R"({"name":"y"})";
  auto t = Verify(v, Lookup, opt_);
  ASSERT_FALSE(t.ok());
  EXPECT_EQ(t.status().type(), "InvalidSignatureException");
}

TEST_F(SigV4Verify, ClockSkewBothWays) {
  opt_.now_millis = kSuiteTime + 14 * 60 * 1000;
  EXPECT_TRUE(Verify(View(), Lookup, opt_).ok());
  opt_.now_millis = kSuiteTime + 16 * 60 * 1000;
  auto late = Verify(View(), Lookup, opt_);
  ASSERT_FALSE(late.ok());
  EXPECT_EQ(late.status().type(), "InvalidSignatureException");
  EXPECT_NE(late.status().message().find("Signature expired: 20150830T123600Z"), std::string::npos);
  opt_.now_millis = kSuiteTime - 16 * 60 * 1000;
  auto early = Verify(View(), Lookup, opt_);
  ASSERT_FALSE(early.ok());
  EXPECT_NE(early.status().message().find("Signature not yet current"), std::string::npos);
  opt_.now_millis = kSuiteTime + 16 * 60 * 1000;
  opt_.s3_error_names = true;
  EXPECT_EQ(Verify(View(), Lookup, opt_).status().type(), "RequestTimeTooSkewed");
}

TEST_F(SigV4Verify, ExpectedServiceAndRegion) {
  opt_.expected_service = "imagebuilder";
  opt_.expected_region = "us-east-1";
  EXPECT_TRUE(Verify(View(), Lookup, opt_).ok());
  opt_.expected_region = "eu-west-1";
  auto r = Verify(View(), Lookup, opt_);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("valid region"), std::string::npos);
}

TEST_F(SigV4Verify, ContentSha256MustMatchBody) {
  OutgoingRequest r = req_;
  SigningParams p = SuiteParams();
  p.add_content_sha256_header = true;
  p.payload_hash = std::string(kUnsignedPayload);
  ASSERT_TRUE(Sign(r, p).ok());
  HttpRequestView v{r.method, r.target, {}, "anything"};
  for (const auto& [k, val] : r.headers) v.headers.emplace_back(k, val);
  EXPECT_TRUE(Verify(v, Lookup, opt_).ok());  // UNSIGNED-PAYLOAD: body not covered

  p.payload_hash = Sha256Hex("other body");
  OutgoingRequest r2 = req_;
  ASSERT_TRUE(Sign(r2, p).ok());
  HttpRequestView v2{r2.method, r2.target, {}, body_};
  for (const auto& [k, val] : r2.headers) v2.headers.emplace_back(k, val);
  EXPECT_FALSE(Verify(v2, Lookup, opt_).ok());
}

TEST_F(SigV4Verify, HostMustBeSigned) {
  HttpRequestView v{"GET", "/", {{"Host", "x"}, {"X-Amz-Date", "20150830T123600Z"},
                                 {"Authorization", "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/svc/aws4_request, SignedHeaders=x-amz-date, Signature=00"}}, ""};
  auto r = Verify(v, Lookup, opt_);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().type(), "IncompleteSignature");
}

}  // namespace
}  // namespace kiln::sigv4
