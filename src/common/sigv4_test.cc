#include "common/sigv4.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <map>
#include <random>

#include "common/digest.h"
#include "common/hash.h"

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
  EXPECT_EQ(HttpStatusForError(r.status().type()), 400);
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


// ---- canonical request: the optimised builder against a plain transcription
// of the SigV4 rules (the implementation before it was optimised), on edge
// cases and on random requests.

namespace reference {

std::string Encode(std::string_view s, bool keep_slash) {
  static const char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : s) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~' || (keep_slash && c == '/')) {
      out.push_back(static_cast<char>(c));
    } else {
      out += {'%', kHex[c >> 4], kHex[c & 15]};
    }
  }
  return out;
}

std::string_view Trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::vector<std::string_view> Split(std::string_view s, char sep) {
  std::vector<std::string_view> parts;
  size_t start = 0;
  for (size_t pos; (pos = s.find(sep, start)) != std::string_view::npos; start = pos + 1) {
    parts.push_back(s.substr(start, pos - start));
  }
  parts.push_back(s.substr(start));
  return parts;
}

std::string Uri(std::string_view path, UriMode mode) {
  if (path.empty()) return "/";
  if (mode == UriMode::kS3) return std::string(path);
  std::vector<std::string_view> segs;
  for (std::string_view seg : Split(path, '/')) {
    if (seg.empty() || seg == ".") continue;
    if (seg == "..") {
      if (!segs.empty()) segs.pop_back();
      continue;
    }
    segs.push_back(seg);
  }
  std::string norm = "/";
  for (size_t i = 0; i < segs.size(); ++i) norm += (i ? "/" : "") + std::string(segs[i]);
  if (!segs.empty() && path.size() > 1 && path.back() == '/') norm += "/";
  return Encode(norm, true);
}

std::string Query(std::string_view raw, std::string_view skip) {
  std::vector<std::pair<std::string, std::string>> enc;
  if (!raw.empty()) {
    for (std::string_view part : Split(raw, '&')) {
      if (part.empty()) continue;
      size_t eq = part.find('=');
      std::string k = UriDecode(part.substr(0, eq));
      std::string v = eq == std::string_view::npos ? "" : UriDecode(part.substr(eq + 1));
      if (!skip.empty() && k == skip) continue;
      enc.emplace_back(Encode(k, false), Encode(v, false));
    }
  }
  std::sort(enc.begin(), enc.end());
  std::string out;
  for (size_t i = 0; i < enc.size(); ++i) out += (i ? "&" : "") + enc[i].first + "=" + enc[i].second;
  return out;
}

std::string Headers(const std::vector<std::pair<std::string_view, std::string_view>>& headers,
                    const std::vector<std::string>& names) {
  std::map<std::string, std::string> merged;
  for (const auto& [name, value] : headers) {
    std::string key = Lower(Trim(name));
    if (std::find(names.begin(), names.end(), key) == names.end()) continue;
    std::string v;
    bool space = false;
    for (char c : Trim(value)) {
      if (std::isspace(static_cast<unsigned char>(c))) {
        if (!space) v.push_back(' ');
        space = true;
      } else {
        v.push_back(c);
        space = false;
      }
    }
    auto [it, inserted] = merged.emplace(key, v);
    if (!inserted) it->second += "," + v;
  }
  std::string out;
  for (const auto& [k, v] : merged) out += k + ":" + v + "\n";
  return out;
}

std::string Request(std::string_view method, std::string_view target,
                    const std::vector<std::pair<std::string_view, std::string_view>>& headers,
                    const std::vector<std::string>& names, std::string_view payload, UriMode mode,
                    std::string_view skip) {
  size_t q = target.find('?');
  std::string_view path = target.substr(0, q);
  std::string_view query = q == std::string_view::npos ? "" : target.substr(q + 1);
  std::string joined;
  for (size_t i = 0; i < names.size(); ++i) joined += (i ? ";" : "") + names[i];
  return std::string(method) + "\n" + Uri(path, mode) + "\n" + Query(query, skip) + "\n" +
         Headers(headers, names) + "\n" + joined + "\n" + std::string(payload);
}

}  // namespace reference

using HeaderList = std::vector<std::pair<std::string_view, std::string_view>>;

TEST(SigV4Canonical, EdgeCasesMatchTheRules) {
  // Repeated headers join in wire order; inner whitespace runs collapse.
  HeaderList h = {{"Host", "h"}, {"X-Multi", " b "}, {" x-multi\t", "a \t  c"}, {"X-Other", "o"}};
  EXPECT_EQ(CanonicalHeaders(h, {"host", "x-multi"}), "host:h\nx-multi:b,a c\n");
  // Sorted by name whatever the order given; duplicates listed once.
  EXPECT_EQ(CanonicalHeaders(h, {"x-other", "host", "x-other"}), "host:h\nx-other:o\n");
  // A signed name that is not lowercase matches nothing (callers lowercase).
  EXPECT_EQ(CanonicalHeaders(h, {"Host"}), "");
  // Empty values, flags, ordering by key then value, case-sensitive order.
  EXPECT_EQ(CanonicalQuery("b=&a&B=1&a=2&a=10&&"), "B=1&a=&a=10&a=2&b=");
  // Non-canonical encodings are decoded and encoded again.
  EXPECT_EQ(CanonicalQuery("k=a%3ab&%2D=x+y&s=a b&p=100%&q=%zz"),
            "-=x%2By&k=a%3Ab&p=100%25&q=%25zz&s=a%20b");
  // Skipping compares decoded keys.
  EXPECT_EQ(CanonicalQuery("X%2DAmz-Signature=1&X-Amz-Signature=2&k=v", "X-Amz-Signature"), "k=v");
  // Paths are normalised and encoded again; S3 paths are used verbatim.
  EXPECT_EQ(CanonicalUri("/tags/arn%3Aaws%3Aimagebuilder", UriMode::kDoubleEncode),
            "/tags/arn%253Aaws%253Aimagebuilder");
  EXPECT_EQ(CanonicalUri("/a/./b/../c//d/", UriMode::kDoubleEncode), "/a/c/d/");
  EXPECT_EQ(CanonicalUri("//", UriMode::kDoubleEncode), "/");
  EXPECT_EQ(CanonicalUri("/..", UriMode::kDoubleEncode), "/");
  EXPECT_EQ(CanonicalUri("relative/x y", UriMode::kDoubleEncode), "/relative/x%20y");
  EXPECT_EQ(CanonicalUri("/GetComponent", UriMode::kDoubleEncode), "/GetComponent");
  EXPECT_EQ(CanonicalUri("/a b/../c", UriMode::kS3), "/a b/../c");
  // The signed-headers line keeps the given order and duplicates.
  EXPECT_EQ(CanonicalRequest("GET", "/", {{"Host", "h"}}, {"host", "host"}, "UNSIGNED-PAYLOAD",
                             UriMode::kDoubleEncode),
            "GET\n/\n\nhost:h\n\nhost;host\nUNSIGNED-PAYLOAD");
}

TEST(SigV4Canonical, RandomRequestsMatchTheReference) {
  std::mt19937 rng(20261127);
  auto pick = [&](std::string_view alphabet, size_t max_len) {
    std::string s(std::uniform_int_distribution<size_t>(0, max_len)(rng), ' ');
    for (char& c : s) c = alphabet[std::uniform_int_distribution<size_t>(0, alphabet.size() - 1)(rng)];
    return s;
  };
  const std::string_view kQuery = "aAbZ09-_.~%%3a3AfF2Dzz=&&+ /\xE1\x88\xB4";
  const std::string_view kPath = "ab/./..//%3A%2f-~ \xC3\xA9";
  const std::string_view kValue = "ab \t\r\n\v\f,:;\"";
  const std::vector<std::string> kNames = {"host", "x-amz-date", "x-multi", "content-type", "x-empty", ""};
  for (int i = 0; i < 20000; ++i) {
    std::vector<std::pair<std::string, std::string>> owned;
    int n = std::uniform_int_distribution<int>(0, 6)(rng);
    for (int j = 0; j < n; ++j) {
      std::string name = kNames[rng() % kNames.size()];
      for (char& c : name) {
        if (rng() % 2) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
      }
      if (rng() % 4 == 0) name = " " + name + "\t";
      owned.emplace_back(name, pick(kValue, 12));
    }
    HeaderList headers(owned.begin(), owned.end());
    std::vector<std::string> signed_names;
    int m = std::uniform_int_distribution<int>(0, 5)(rng);
    for (int j = 0; j < m; ++j) signed_names.push_back(kNames[rng() % kNames.size()]);
    std::string path = pick(kPath, 14);
    if (rng() % 2) path = "/" + path;
    std::string target = path + (rng() % 3 ? "?" + pick(kQuery, 24) : "");
    UriMode mode = rng() % 4 ? UriMode::kDoubleEncode : UriMode::kS3;
    std::string skip = rng() % 2 ? "X-Amz-Signature" : (rng() % 2 ? "" : "a:");
    if (rng() % 4 == 0) target += "&X-Amz-Signature=1&X%2DAmz-Signature=2&a%3a=3";
    ASSERT_EQ(CanonicalRequest("GET", target, headers, signed_names, "p", mode, skip),
              reference::Request("GET", target, headers, signed_names, "p", mode, skip))
        << "target " << target;
  }
}

TEST(SigV4Canonical, ManyHeadersAndNamesMatchTheReference) {
  // More headers and signed names than the builder keeps on the stack.
  std::vector<std::pair<std::string, std::string>> owned;
  std::vector<std::string> names;
  for (int i = 0; i < 40; ++i) {
    owned.emplace_back("X-H" + std::to_string(i % 35), " v  " + std::to_string(i));
    names.push_back("x-h" + std::to_string((i * 7) % 45));
  }
  HeaderList headers(owned.begin(), owned.end());
  EXPECT_EQ(CanonicalRequest("GET", "/", headers, names, "p", UriMode::kDoubleEncode),
            reference::Request("GET", "/", headers, names, "p", UriMode::kDoubleEncode, ""));
}

// ---- verification edge cases: the errors and what still verifies.

class SigV4VerifyEdges : public ::testing::Test {
 protected:
  static constexpr const char* kSecret = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";

  static SigningParams Params() {
    SigningParams p = SuiteParams();
    p.service = "imagebuilder";
    return p;
  }
  static OutgoingRequest SignedRequest(std::string method, std::string target, std::vector<Header> extra,
                                       std::string_view body = "") {
    OutgoingRequest r;
    r.method = std::move(method);
    r.target = std::move(target);
    r.headers = {{"Host", "127.0.0.1:8080"}};
    for (auto& h : extra) r.headers.push_back(std::move(h));
    r.body = body;
    EXPECT_TRUE(Sign(r, Params()).ok());
    return r;
  }
  static HttpRequestView ViewOf(const OutgoingRequest& r) {
    HttpRequestView v{r.method, r.target, {}, r.body};
    for (const auto& [k, val] : r.headers) v.headers.emplace_back(k, val);
    return v;
  }
  static std::string& Auth(OutgoingRequest& r) {
    for (auto& [k, v] : r.headers) {
      if (k == "Authorization") return v;
    }
    static std::string none;
    return none;
  }
  // A signature computed by hand from the public building blocks, with the
  // signed-headers list exactly as given (order, duplicates).
  static std::string HandSignature(const OutgoingRequest& r, const std::vector<std::string>& names) {
    HttpRequestView v = ViewOf(r);
    std::string canonical = CanonicalRequest(r.method, r.target, v.headers, names, Sha256Hex(r.body),
                                             UriMode::kDoubleEncode);
    std::string sts = StringToSign("20150830T123600Z", "20150830/us-east-1/imagebuilder/aws4_request", canonical);
    return HexEncode(HmacSha256(SigningKey(kSecret, "20150830", "us-east-1", "imagebuilder"), sts));
  }
  static void SetAuth(OutgoingRequest& r, std::string_view signed_headers, std::string_view signature) {
    Auth(r) = "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/imagebuilder/aws4_request, "
              "SignedHeaders=" + std::string(signed_headers) + ", Signature=" + std::string(signature);
  }
  static Result<std::string> Lookup(std::string_view key, std::string_view) {
    if (key == "AKIDEXAMPLE") return std::string(kSecret);
    return Status::NotFound("unknown");
  }
  Result<VerifiedRequest> Check(const HttpRequestView& v) { return Verify(v, Lookup, opt_); }
  void ExpectError(const HttpRequestView& v, std::string_view type, std::string_view message) {
    auto r = Check(v);
    ASSERT_FALSE(r.ok()) << message;
    EXPECT_EQ(r.status().type(), type);
    EXPECT_EQ(r.status().message(), message);
  }
  void SetUp() override { opt_.now_millis = kSuiteTime; }
  VerifyOptions opt_;
};

TEST_F(SigV4VerifyEdges, RepeatedHeadersAndWhitespaceRuns) {
  OutgoingRequest r = SignedRequest("GET", "/", {{"X-Multi", "first"}, {"x-multi", "  a   b\t\tc  "}});
  EXPECT_TRUE(Check(ViewOf(r)).ok());
  HttpRequestView v = ViewOf(r);
  v.headers[2].second = "a b c";  // the same value once canonical
  EXPECT_TRUE(Check(v).ok());
  std::swap(v.headers[1], v.headers[2]);  // order of repeated values is signed
  ExpectError(v, "InvalidSignatureException",
              "The request signature we calculated does not match the signature you provided. "
              "Check your AWS Secret Access Key and signing method. Consult the service "
              "documentation for details.");
}

TEST_F(SigV4VerifyEdges, QueryOrderEmptyValuesAndEncodings) {
  OutgoingRequest r = SignedRequest("GET", "/GetThing?b=2&a=&flag&k=a%3Ab%2Fc&u=x%20y", {});
  EXPECT_TRUE(Check(ViewOf(r)).ok());
  for (std::string other : {"/GetThing?flag=&a&k=a%3ab%2fc&u=x%20y&b=2",  // same canonical query
                            "/GetThing?u=x%20y&k=a%3Ab%2Fc&&b=2&flag&a="}) {
    OutgoingRequest o = r;
    o.target = other;
    EXPECT_TRUE(Check(ViewOf(o)).ok()) << other;
  }
  for (std::string other : {"/GetThing?b=2&a=&flag&k=a%3Ab%2Fc&u=x+y",  // '+' is not a space
                            "/GetThing?b=2&a=0&flag&k=a%3Ab%2Fc&u=x%20y"}) {
    OutgoingRequest o = r;
    o.target = other;
    auto bad = Check(ViewOf(o));
    ASSERT_FALSE(bad.ok()) << other;
    EXPECT_EQ(bad.status().type(), "InvalidSignatureException");
  }
}

TEST_F(SigV4VerifyEdges, EncodedPathIsEncodedTwice) {
  std::string arn = UriEncode("arn:aws:imagebuilder:us-east-1:123456789012:component/x/1.0.0/1");
  OutgoingRequest r = SignedRequest("GET", "/tags/" + arn, {});
  EXPECT_TRUE(Check(ViewOf(r)).ok());
  // The canonical URI is the wire path encoded once more.
  std::vector<std::string> names = {"host", "x-amz-date"};
  HttpRequestView v = ViewOf(r);
  EXPECT_NE(CanonicalRequest("GET", r.target, v.headers, names, Sha256Hex(""), UriMode::kDoubleEncode)
                .find("/tags/arn%253Aaws%253A"),
            std::string::npos);
  OutgoingRequest dotted = r;
  dotted.target = "/tags/./x/../" + arn;  // normalises to the same path
  EXPECT_TRUE(Check(ViewOf(dotted)).ok());
}

TEST_F(SigV4VerifyEdges, SignedHeadersListIsTrimmedLoweredAndKeptInOrder) {
  OutgoingRequest r = SignedRequest("GET", "/", {{"X-Custom", "v"}});
  std::string sig = HandSignature(r, {"host", "x-amz-date", "x-custom"});
  SetAuth(r, " Host ;X-AMZ-DATE;; x-custom", sig);
  EXPECT_TRUE(Check(ViewOf(r)).ok());
  SetAuth(r, "x-custom;host;x-amz-date", sig);  // the order is part of the signature
  EXPECT_EQ(Check(ViewOf(r)).status().type(), "InvalidSignatureException");
  SetAuth(r, "x-custom;host;x-amz-date", HandSignature(r, {"x-custom", "host", "x-amz-date"}));
  EXPECT_TRUE(Check(ViewOf(r)).ok());
  SetAuth(r, "host;host;x-amz-date", HandSignature(r, {"host", "host", "x-amz-date"}));
  EXPECT_TRUE(Check(ViewOf(r)).ok());
  // Uppercase hex in the signature is accepted, as AWS does.
  std::string upper = HandSignature(r, {"host", "x-amz-date"});
  std::transform(upper.begin(), upper.end(), upper.begin(), [](char c) { return std::toupper(c); });
  SetAuth(r, "host;x-amz-date", upper);
  EXPECT_TRUE(Check(ViewOf(r)).ok());
}

TEST_F(SigV4VerifyEdges, WrongOrMissingSignedHeadersKeepTheirErrors) {
  OutgoingRequest r = SignedRequest("GET", "/", {{"X-Custom", "v"}});
  HttpRequestView v = ViewOf(r);
  v.headers.erase(v.headers.begin() + 1);  // X-Custom
  ExpectError(v, "InvalidSignatureException", "signed header 'x-custom' is not in the request");
  SetAuth(r, "x-amz-date;x-custom", "00");
  ExpectError(ViewOf(r), "IncompleteSignature", "the Host header must be signed (SignedHeaders lacks 'host')");
  SetAuth(r, "host; ;x-amz-date", "00");  // an all-space item is an empty name
  ExpectError(ViewOf(r), "InvalidSignatureException", "signed header '' is not in the request");
  SetAuth(r, "host;x-amz-date", "00");
  ExpectError(ViewOf(r), "InvalidSignatureException",
              "The request signature we calculated does not match the signature you provided. "
              "Check your AWS Secret Access Key and signing method. Consult the service "
              "documentation for details.");
  Auth(r) = "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/2015/us-east-1/imagebuilder/aws4_request, "
            "SignedHeaders=host, Signature=00";
  ExpectError(ViewOf(r), "IncompleteSignature",
              "Credential 'AKIDEXAMPLE/2015/us-east-1/imagebuilder/aws4_request' is not of the form "
              "<access key>/<YYYYMMDD>/<region>/<service>/aws4_request");
  Auth(r) = "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150831/us-east-1/imagebuilder/aws4_request, "
            "SignedHeaders=host, Signature=00";
  ExpectError(ViewOf(r), "InvalidSignatureException",
              "Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from "
              "HTTP: '20150831' != '20150830'");
  Auth(r) = "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/imagebuilder/aws4_request, "
            "SignedHeaders=host";
  ExpectError(ViewOf(r), "IncompleteSignature",
              "Authorization header requires 'Signature' parameter. Authorization=" + Auth(r));
  Auth(r) = "AWS4-HMAC-SHA1 Credential=x";
  ExpectError(ViewOf(r), "IncompleteSignature", "Authorization header does not use AWS4-HMAC-SHA256");
  Auth(r) = "   ";  // blank: as if absent
  ExpectError(ViewOf(r), "MissingAuthenticationToken", "Missing Authentication Token");
  OutgoingRequest d = SignedRequest("GET", "/", {});
  for (auto& [k, val] : d.headers) {
    if (k == "X-Amz-Date") val = "20150830T1236Z";
  }
  ExpectError(ViewOf(d), "IncompleteSignature",
              "X-Amz-Date '20150830T1236Z' is not in the form YYYYMMDDTHHMMSSZ");
}

TEST_F(SigV4VerifyEdges, PayloadHashForms) {
  OutgoingRequest r;
  r.method = "POST";
  r.target = "/ListComponents";
  r.headers = {{"Host", "127.0.0.1:8080"}, {"Content-Type", "application/json"}};
  r.body = R"({"owner":"Self"})";
  SigningParams p = Params();
  p.add_content_sha256_header = true;
  ASSERT_TRUE(Sign(r, p).ok());
  HttpRequestView v = ViewOf(r);
  EXPECT_TRUE(Check(v).ok());
  v.body = R"({"owner":"Amazon"})";
  ExpectError(v, "InvalidSignatureException",
              "The provided 'x-amz-content-sha256' header does not match what was computed.");
  v.body_available = false;  // a streamed body is trusted to match the header
  EXPECT_TRUE(Check(v).ok());

  p.payload_hash = std::string(kUnsignedPayload);
  OutgoingRequest u = r;
  ASSERT_TRUE(Sign(u, p).ok());
  HttpRequestView uv = ViewOf(u);
  uv.body_available = false;
  EXPECT_TRUE(Check(uv).ok());

  p.payload_hash = "STREAMING-AWS4-HMAC-SHA256-PAYLOAD";
  OutgoingRequest s = r;
  ASSERT_TRUE(Sign(s, p).ok());
  auto streaming = Check(ViewOf(s));
  ASSERT_FALSE(streaming.ok());
  EXPECT_EQ(streaming.status().code(), Code::kUnimplemented);
  EXPECT_EQ(streaming.status().type(), "IncompleteSignature");

  OutgoingRequest plain = SignedRequest("POST", "/ListComponents", {}, "{}");
  HttpRequestView pv = ViewOf(plain);
  pv.body_available = false;  // no header and no body: nothing to hash
  EXPECT_EQ(Check(pv).status().code(), Code::kInternal);
}

TEST_F(SigV4VerifyEdges, PresignedForm) {
  std::string arn = "arn:aws:imagebuilder:us-east-1:123456789012:component/x/1.0.0/1";
  SigningParams p = Params();
  p.credentials.session_token = "TOKEN/with+chars";
  auto url = Presign("GET", "/GetComponent?componentBuildVersionArn=" + UriEncode(arn), "127.0.0.1:8080", p, 300);
  ASSERT_TRUE(url.ok());
  HttpRequestView v{"GET", *url, {{"Host", "127.0.0.1:8080"}}, ""};
  auto ok = Check(v);
  ASSERT_TRUE(ok.ok()) << ok.status().ToString();
  EXPECT_TRUE(ok->presigned);
  EXPECT_EQ(ok->session_token, "TOKEN/with+chars");
  EXPECT_EQ(ok->access_key_id, "AKIDEXAMPLE");

  auto with = [&](std::string_view from, std::string_view to) {
    std::string t = *url;
    size_t at = t.find(from);
    EXPECT_NE(at, std::string::npos) << from;
    if (at != std::string::npos) t.replace(at, from.size(), to);
    return t;
  };
  std::string tampered = with("%2F1.0.0%2F1", "%2F1.0.0%2F2");
  ExpectError({"GET", tampered, {{"Host", "127.0.0.1:8080"}}, ""}, "InvalidSignatureException",
              "The request signature we calculated does not match the signature you provided. "
              "Check your AWS Secret Access Key and signing method. Consult the service "
              "documentation for details.");
  std::string no_date = with("&X-Amz-Date=20150830T123600Z", "");
  ExpectError({"GET", no_date, {{"Host", "127.0.0.1:8080"}}, ""}, "IncompleteSignature",
              "the presigned request is missing the query parameter(s) X-Amz-Date");
  std::string bad_expiry = with("X-Amz-Expires=300", "X-Amz-Expires=5m");
  ExpectError({"GET", bad_expiry, {{"Host", "127.0.0.1:8080"}}, ""}, "IncompleteSignature",
              "X-Amz-Expires must be a number of seconds, got '5m'");
  std::string long_expiry = with("X-Amz-Expires=300", "X-Amz-Expires=604801");
  ExpectError({"GET", long_expiry, {{"Host", "127.0.0.1:8080"}}, ""}, "IncompleteSignature",
              "X-Amz-Expires must be less than a week (in seconds) that is 604800");
  std::string algorithm = with("X-Amz-Algorithm=AWS4-HMAC-SHA256", "X-Amz-Algorithm=AWS4-HMAC-SHA1");
  ExpectError({"GET", algorithm, {{"Host", "127.0.0.1:8080"}}, ""}, "IncompleteSignature",
              "X-Amz-Algorithm only supports \"AWS4-HMAC-SHA256\"");
  // The first of a repeated parameter counts; X-Amz-Signature is left out
  // of the canonical query wherever it appears.
  std::string repeated = *url + "&X-Amz-Signature=00";
  EXPECT_TRUE(Check({"GET", repeated, {{"Host", "127.0.0.1:8080"}}, ""}).ok());
  opt_.now_millis = kSuiteTime + 301 * 1000;
  ExpectError(v, "InvalidSignatureException",
              "Signature expired: 20150830T123600Z + 300s is now earlier than 20150830T124101Z");
}
}  // namespace
}  // namespace kiln::sigv4
