// Where component documents come from (awstoe.md §1.7): a local path, an
// s3://bucket/key URI, or an Image Builder component build-version ARN.
#pragma once

#include <functional>
#include <string>

#include "common/status.h"

namespace kiln::toe {

struct FetchedDocument {
  std::string text;
  // Canonical identity for ExecuteDocument cycle detection: the real path
  // of a local file, else the URI/ARN as given.
  std::string identity;
  std::string local_dir;  // directory of a local document, else ""
};

// Fetches s3://bucket/key. Unset until the S3 client (common/s3.h) is wired
// in; kiln-toe then reports s3:// documents as unsupported by this build.
using S3ObjectGetter = std::function<Result<std::string>(
    const std::string& bucket, const std::string& key, const std::string& expected_owner)>;
void SetS3ObjectGetter(S3ObjectGetter getter);
const S3ObjectGetter& GetS3ObjectGetter();

// Stores an object (S3 log upload). Unset until the S3 client is wired in.
using S3ObjectPutter = std::function<Status(const std::string& bucket, const std::string& key,
                                            const std::string& body, const std::string& expected_owner)>;
void SetS3ObjectPutter(S3ObjectPutter putter);
const S3ObjectPutter& GetS3ObjectPutter();

// Fetches an Image Builder component's document (GetComponent `data`) by
// build-version ARN from the Kiln server at `endpoint` (KILN_ENDPOINT).
using ComponentFetcher = std::function<Result<std::string>(const std::string& arn, const std::string& endpoint)>;
void SetComponentFetcher(ComponentFetcher fetcher);

// Installs the S3 getter/putter and the component fetcher when this build
// has Kiln's S3 and HTTP clients (src/common/s3.h); otherwise does nothing
// and those sources report that they are not supported. Call once at start.
void InstallAwsClients();

// Splits "s3://bucket/key"; false when `uri` is not of that form.
bool SplitS3Uri(const std::string& uri, std::string* bucket, std::string* key);

// Reads a document. A relative local path is tried against the current
// directory first, then against `base_dir` (the parent document's folder for
// ExecuteDocument), when given.
Result<FetchedDocument> FetchDocument(const std::string& location, const std::string& expected_owner,
                                      const std::string& base_dir = "");

}  // namespace kiln::toe
