// Wires the AWS-backed document sources (S3 documents, S3 log upload,
// component ARNs from a Kiln server) into document_source.cc, using Kiln's
// S3 and HTTP clients when this build has them (they live in src/common and
// arrive with the toe-modules work). Without them InstallAwsClients() does
// nothing and kiln-toe says those sources are not supported.
#include "toe/document_source.h"

#if __has_include("common/s3.h") && __has_include("common/http_client.h") && __has_include("common/sigv4.h")
#include <nlohmann/json.hpp>

#include "common/http_client.h"
#include "common/s3.h"
#include "common/sigv4.h"
#include "common/time.h"

namespace kiln::toe {
namespace {

constexpr int64_t kComponentFetchTimeoutMs = 60000;

// GetComponent (GET /GetComponent?componentBuildVersionArn=...), SigV4-signed
// for service "imagebuilder" with the region named in the ARN.
Result<std::string> FetchComponentFromKiln(const std::string& arn, const std::string& endpoint) {
  KILN_ASSIGN_OR_RETURN(s3::Config cfg, s3::Config::FromEnvironment());
  std::string base = endpoint;
  while (!base.empty() && base.back() == '/') base.pop_back();
  const std::string url = base + "/GetComponent?componentBuildVersionArn=" + sigv4::UriEncode(arn);
  KILN_ASSIGN_OR_RETURN(http::Url parsed, http::Url::Parse(url));
  // arn:aws:imagebuilder:<region>:<account>:component/...
  std::string region = cfg.region;
  size_t p1 = arn.find(':', 4), p2 = p1 == std::string::npos ? p1 : arn.find(':', p1 + 1);
  size_t p3 = p2 == std::string::npos ? p2 : arn.find(':', p2 + 1);
  if (p3 != std::string::npos && p3 > p2 + 1) region = arn.substr(p2 + 1, p3 - p2 - 1);
  sigv4::OutgoingRequest out;
  out.method = "GET";
  out.target = parsed.target;
  out.headers = {{"Host", parsed.HostHeader()}};
  sigv4::SigningParams sp;
  sp.credentials = cfg.credentials;
  sp.region = region;
  sp.service = "imagebuilder";
  sp.now_millis = NowMillis();
  KILN_RETURN_IF_ERROR(sigv4::Sign(out, sp));
  http::Request req;
  req.method = "GET";
  req.url = url;
  for (const auto& h : out.headers) req.headers.emplace_back(h.first, h.second);
  http::Options opt;
  opt.deadline_ms = MonotonicMillis() + kComponentFetchTimeoutMs;
  auto resp = http::Send(req, opt);
  if (!resp.ok()) return resp.status().Prefixed("GetComponent from " + base);
  if (resp->status != 200)
    return Status::NotFound("GetComponent from " + base + " answered HTTP " + std::to_string(resp->status) + ": " +
                            resp->body.substr(0, 500));
  nlohmann::json j = nlohmann::json::parse(resp->body, nullptr, false);
  if (!j.is_object() || !j.contains("component") || !j["component"].is_object() ||
      !j["component"].contains("data") || !j["component"]["data"].is_string())
    return Status::Invalid("GetComponent from " + base + " returned no component data");
  return j["component"]["data"].get<std::string>();
}

}  // namespace

void InstallAwsClients() {
  SetS3ObjectGetter([](const std::string& bucket, const std::string& key,
                       const std::string& owner) -> Result<std::string> {
    KILN_ASSIGN_OR_RETURN(s3::Config cfg, s3::Config::FromEnvironment());
    s3::RequestOptions opt;
    opt.expected_bucket_owner = owner;
    return s3::Client(cfg).GetObject(bucket, key, opt);
  });
  SetS3ObjectPutter([](const std::string& bucket, const std::string& key, const std::string& body,
                       const std::string& owner) -> Status {
    KILN_ASSIGN_OR_RETURN(s3::Config cfg, s3::Config::FromEnvironment());
    s3::RequestOptions opt;
    opt.expected_bucket_owner = owner;
    return s3::Client(cfg).PutObject(bucket, key, body, opt);
  });
  SetComponentFetcher(FetchComponentFromKiln);
}

}  // namespace kiln::toe

#else

namespace kiln::toe {
void InstallAwsClients() {}
}  // namespace kiln::toe

#endif
