// Shared pieces of S3Download and S3Upload: the client for a step (its
// environment decides credentials, region and endpoint) and request options.
#pragma once

#include "common/s3.h"
#include "toe/module.h"
#include "toe/module_inputs.h"

namespace kiln::toe {

inline Result<s3::Client> S3ClientFor(const StepContext& ctx) {
  KILN_ASSIGN_OR_RETURN(s3::Config cfg, s3::Config::FromEnvironment(ctx.env));
  return s3::Client(std::move(cfg));
}

inline s3::RequestOptions S3OptionsFor(const Json& item, const StepContext& ctx) {
  s3::RequestOptions o;
  o.expected_bucket_owner = GetStringOr(item, "expectedBucketOwner", "");
  o.deadline_ms = ctx.deadline_ms;
  o.cancelled = ctx.cancelled;
  return o;
}

// Validation of an s3:// input (references allowed).
inline Status CheckS3UriInput(const Json& item, std::string_view key) {
  KILN_RETURN_IF_ERROR(CheckString(item, key, true));
  std::string v = GetStringOr(item, key, "");
  if (v.find("{{") != std::string::npos) return Status::Ok();
  auto uri = s3::S3Uri::Parse(v);
  if (!uri.ok()) return uri.status().Prefixed("input '" + std::string(key) + "'");
  return Status::Ok();
}

}  // namespace kiln::toe
