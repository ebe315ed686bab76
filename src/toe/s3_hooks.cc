#include "toe/s3_hooks.h"

#include "common/s3.h"
#include "common/time.h"
#include "toe/document_source.h"

namespace kiln::toe {
namespace {

// Documents and logs are small; a minute bounds a hung endpoint.
constexpr int64_t kDeadlineMillis = 60 * 1000;

s3::RequestOptions Options(const std::string& owner) {
  s3::RequestOptions o;
  o.expected_bucket_owner = owner;
  o.deadline_ms = MonotonicMillis() + kDeadlineMillis;
  return o;
}

}  // namespace

void InstallS3DocumentClient() {
  SetS3ObjectGetter([](const std::string& bucket, const std::string& key,
                       const std::string& owner) -> Result<std::string> {
    std::string uri = "s3://" + bucket + "/" + key;
    auto cfg = s3::Config::FromEnvironment();
    if (!cfg.ok()) return cfg.status().Prefixed("reading " + uri);
    return s3::Client(*cfg).GetObject(bucket, key, Options(owner));
  });
  SetS3ObjectPutter([](const std::string& bucket, const std::string& key, const std::string& body,
                       const std::string& owner) -> Status {
    auto cfg = s3::Config::FromEnvironment();
    if (!cfg.ok()) return cfg.status().Prefixed("writing s3://" + bucket + "/" + key);
    return s3::Client(*cfg).PutObject(bucket, key, body, Options(owner));
  });
}

}  // namespace kiln::toe
