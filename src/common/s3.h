// A minimal Amazon S3 client over sigv4.h and http_client.h: what kiln-toe
// needs for S3Download, S3Upload, s3:// documents and --log-s3-bucket-name.
//
// Configuration follows the AWS CLI's environment conventions:
//   credentials  AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN,
//                else the shared credentials file (AWS_SHARED_CREDENTIALS_FILE
//                or ~/.aws/credentials, profile AWS_PROFILE or "default").
//                Instance-profile (IMDS) credentials are not supported.
//   region       AWS_REGION, else AWS_DEFAULT_REGION, else us-east-1
//   endpoint     AWS_ENDPOINT_URL_S3, else AWS_ENDPOINT_URL. A custom endpoint
//                uses path-style addressing (http://host:port/bucket/key);
//                otherwise https://<bucket>.s3.<region>.amazonaws.com/<key>.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "common/http_client.h"
#include "common/sigv4.h"
#include "common/status.h"

namespace kiln::s3 {

// "s3://bucket/key" (key may be empty: "s3://bucket" or "s3://bucket/").
struct S3Uri {
  std::string bucket;
  std::string key;
  static Result<S3Uri> Parse(std::string_view uri);
  std::string ToString() const { return "s3://" + bucket + "/" + key; }
};

// True for text starting with "s3://" (case-sensitive, as the AWS CLI).
bool IsS3Uri(std::string_view text);

struct Config {
  sigv4::Credentials credentials;
  std::string region = "us-east-1";
  std::string endpoint;  // "http://127.0.0.1:9000" or empty for AWS
  // Reads the environment (see the file comment). Fails when no credentials
  // can be found, naming the variables to set. With `env` ("NAME=value"
  // entries, e.g. a step's child environment) non-empty, variables are read
  // from it instead of this process's environment.
  static Result<Config> FromEnvironment(const std::vector<std::string>& env = {});
};

struct RequestOptions {
  std::string expected_bucket_owner;  // sent as x-amz-expected-bucket-owner
  int64_t deadline_ms = -1;           // MonotonicMillis() deadline
  std::function<bool()> cancelled;
};

struct ObjectInfo {
  std::string key;
  uint64_t size = 0;
  std::string etag;
};

class Client {
 public:
  explicit Client(Config config) : config_(std::move(config)) {}

  Result<std::string> GetObject(const std::string& bucket, const std::string& key,
                                const RequestOptions& opt = {}) const;
  // Downloads to a temporary file beside `path`, then renames it into place,
  // so a failed download never leaves a partial file at `path`.
  Status GetObjectToFile(const std::string& bucket, const std::string& key, const std::string& path,
                         const RequestOptions& opt = {}) const;
  Status PutObject(const std::string& bucket, const std::string& key, std::string_view data,
                   const RequestOptions& opt = {}) const;
  Status PutObjectFromFile(const std::string& bucket, const std::string& key, const std::string& path,
                           const RequestOptions& opt = {}) const;
  // ListObjectsV2 under `prefix`, following continuation tokens. Fails if
  // more than `max_objects` exist (0 = no limit).
  Result<std::vector<ObjectInfo>> ListObjects(const std::string& bucket, const std::string& prefix,
                                              size_t max_objects = 0, const RequestOptions& opt = {}) const;
  Status CreateBucket(const std::string& bucket, const RequestOptions& opt = {}) const;

  const Config& config() const { return config_; }

 private:
  // One signed request. `query` is already canonical-safe ("a=b&c=d" with
  // encoded values). Exactly one of body/body_file is used; a 2xx body goes
  // to output_file when set. Non-2xx answers become errors naming S3's code.
  struct Call {
    std::string method = "GET";
    std::string bucket, key, query;
    std::string_view body;
    std::string body_file;
    std::string output_file;
  };
  Result<http::Response> Send(const Call& call, const RequestOptions& opt) const;
  Config config_;
};

// Uploads every regular file under `dir` (recursively) to
// s3://bucket/<prefix><relative path>, with '/' separators.
Status UploadDirectory(const Client& client, const std::string& dir, const std::string& bucket,
                       const std::string& prefix, const RequestOptions& opt = {});

}  // namespace kiln::s3
