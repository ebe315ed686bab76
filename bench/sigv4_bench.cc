// SigV4 verification micro-benchmark: what `kiln serve` spends checking the
// signature of one incoming API call (common/sigv4 Verify, and the whole of
// api::Authenticator::Authenticate around it).
//
// The requests are shaped like the AWS SDK for JavaScript v3's (the client
// the API benchmark and most users drive Kiln with):
//   get        GET /GetComponent?componentBuildVersionArn=arn%3Aaws%3A...
//              8 headers, 6 of them signed (amz-sdk-*, host, x-amz-*)
//   post       POST /ListComponents with a small JSON body (the List* form),
//              also signing content-length and content-type
//   presigned  the same GET as a presigned URL (X-Amz-* query parameters)
// plus Sign of the GET (outgoing requests share the canonical-request code).
// The peer for the figures is the same benchmark before the change; see
// bench/sigv4_bench.md. Nothing here asserts timings.
//
// Usage: build/bench/sigv4_bench [--benchmark_repetitions=5 ...]
#include <benchmark/benchmark.h>

#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "api/auth.h"
#include "common/digest.h"
#include "common/sigv4.h"

namespace {

using namespace kiln;
namespace sigv4 = kiln::sigv4;

constexpr int64_t kSignedAt = 1795000000000;  // 2026-11-18T10:13:20Z
constexpr const char* kAccessKey = "AKIAKILNBENCH0000001";
constexpr const char* kSecret = "kiln/bench/secret+0123456789abcdefABCDEF";
constexpr const char* kHost = "127.0.0.1:8080";

sigv4::SigningParams Params() {
  sigv4::SigningParams p;
  p.credentials = {kAccessKey, kSecret, ""};
  p.region = "us-east-1";
  p.service = "imagebuilder";
  p.now_millis = kSignedAt;
  p.add_content_sha256_header = true;  // the JS SDK sends and signs it
  return p;
}

std::string GetTarget() {
  return "/GetComponent?componentBuildVersionArn=" +
         sigv4::UriEncode("arn:aws:imagebuilder:us-east-1:123456789012:component/bench-component-42/1.0.3/1");
}

// Headers the SDK signs, in the order it sends them; Sign adds X-Amz-Date,
// x-amz-content-sha256 and Authorization. The SDK does not sign user-agent,
// and Node adds connection after signing.
sigv4::OutgoingRequest SdkRequest(std::string method, std::string target, std::string body) {
  sigv4::OutgoingRequest r;
  r.method = std::move(method);
  r.target = std::move(target);
  r.headers = {{"amz-sdk-invocation-id", "6c0e8f5e-3b1a-4c7d-9e2f-0a1b2c3d4e5f"},
               {"amz-sdk-request", "attempt=1; max=3"},
               {"x-amz-user-agent", "aws-sdk-js/3.1046.0"}};
  if (!body.empty()) {
    r.headers.emplace_back("content-type", "application/json");
    r.headers.emplace_back("content-length", std::to_string(body.size()));
  }
  r.headers.emplace_back("host", kHost);
  r.body = {};
  return r;
}

struct Fixture {
  std::string method, target, body;
  std::vector<sigv4::Header> headers;

  sigv4::HttpRequestView View() const {
    sigv4::HttpRequestView v{method, target, {}, body};
    for (const auto& [k, val] : headers) v.headers.emplace_back(k, val);
    return v;
  }
  api::HttpRequest Api() const {
    api::HttpRequest r;
    r.method = method;
    r.target = target;
    r.headers = headers;
    r.body = body;
    return r;
  }
};

void AddUnsigned(std::vector<sigv4::Header>& h) {
  h.emplace_back("user-agent", "aws-sdk-js/3.1046.0 ua/2.1 os/linux#6.1.0 lang/js md/nodejs#20.19.2 "
                               "api/imagebuilder#3.1046.0 m/N,E,e");
  h.emplace_back("connection", "keep-alive");
}

Fixture Signed(const std::string& method, const std::string& target, const std::string& body) {
  Fixture f{method, target, body, {}};
  sigv4::OutgoingRequest r = SdkRequest(method, target, body);
  r.body = f.body;
  if (!sigv4::Sign(r, Params()).ok()) std::abort();
  f.headers = r.headers;
  AddUnsigned(f.headers);
  return f;
}

Fixture Presigned() {
  Fixture f{"GET", "", "", {}};
  auto url = sigv4::Presign("GET", GetTarget(), kHost, Params(), 900);
  if (!url.ok()) std::abort();
  f.target = *url;
  f.headers = {{"host", kHost}};
  AddUnsigned(f.headers);
  return f;
}

const Fixture& GetFixture() {
  static const Fixture f = Signed("GET", GetTarget(), "");
  return f;
}
const Fixture& PostFixture() {
  static const Fixture f = Signed("POST", "/ListComponents",
                                  R"({"owner":"Self","maxResults":25,"filters":[{"name":"platform","values":["Linux"]}]})");
  return f;
}
const Fixture& PresignedFixture() {
  static const Fixture f = Presigned();
  return f;
}

Result<std::string> Lookup(std::string_view key, std::string_view) {
  if (key == kAccessKey) return std::string(kSecret);
  return Status::NotFound("unknown access key");
}

void VerifyBench(benchmark::State& state, const Fixture& f) {
  sigv4::HttpRequestView view = f.View();
  sigv4::VerifyOptions opt;
  opt.now_millis = kSignedAt + 1000;
  opt.expected_service = "imagebuilder";
  sigv4::SecretLookup lookup = Lookup;
  auto first = sigv4::Verify(view, lookup, opt);
  if (!first.ok()) {
    state.SkipWithError(first.status().ToString().c_str());
    return;
  }
  for (auto _ : state) {
    auto v = sigv4::Verify(view, lookup, opt);
    benchmark::DoNotOptimize(v);
  }
}

void BM_VerifyGet(benchmark::State& s) { VerifyBench(s, GetFixture()); }
void BM_VerifyPost(benchmark::State& s) { VerifyBench(s, PostFixture()); }
void BM_VerifyPresigned(benchmark::State& s) { VerifyBench(s, PresignedFixture()); }

// A wrong signature costs the same work plus the error Status.
void BM_VerifyGetBadSignature(benchmark::State& state) {
  Fixture f = GetFixture();
  for (auto& [k, v] : f.headers) {
    if (k == "Authorization") v.back() = v.back() == '0' ? '1' : '0';
  }
  sigv4::HttpRequestView view = f.View();
  sigv4::VerifyOptions opt;
  opt.now_millis = kSignedAt + 1000;
  sigv4::SecretLookup lookup = Lookup;
  for (auto _ : state) {
    auto v = sigv4::Verify(view, lookup, opt);
    benchmark::DoNotOptimize(v);
  }
}

// What ApiService::Handle calls: Verify plus the key table and region check.
void BM_AuthenticateGet(benchmark::State& state) {
  api::KeyTable keys;
  if (!keys.Add(kAccessKey, kSecret, "123456789012").ok()) std::abort();
  api::Authenticator auth(std::move(keys));
  api::HttpRequest req = GetFixture().Api();
  auto first = auth.Authenticate(req, kSignedAt + 1000);
  if (!first.ok()) {
    state.SkipWithError(first.status().ToString().c_str());
    return;
  }
  for (auto _ : state) {
    auto c = auth.Authenticate(req, kSignedAt + 1000);
    benchmark::DoNotOptimize(c);
  }
}

// The client side (kiln-toe's Image Builder client, the S3 client).
void BM_SignGet(benchmark::State& state) {
  const std::string target = GetTarget();
  for (auto _ : state) {
    sigv4::OutgoingRequest r = SdkRequest("GET", target, "");
    auto s = sigv4::Sign(r, Params());
    benchmark::DoNotOptimize(s);
    benchmark::DoNotOptimize(r);
  }
}

BENCHMARK(BM_VerifyGet);
BENCHMARK(BM_VerifyPost);
BENCHMARK(BM_VerifyPresigned);
BENCHMARK(BM_VerifyGetBadSignature);
BENCHMARK(BM_AuthenticateGet);
BENCHMARK(BM_SignGet);

}  // namespace

BENCHMARK_MAIN();
