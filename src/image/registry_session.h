// RegistrySession: HTTP requests to one repository of one registry, with
// the scheme choice (https, or http for registries listed as insecure) and
// authentication (Bearer tokens from the WWW-Authenticate realm, or Basic)
// done once and reused. Internal to registry.cc.
#pragma once

#include <cstdint>
#include <string>

#include "common/http_client.h"
#include "common/status.h"
#include "image/registry.h"

namespace kiln::image {

class RegistrySession {
 public:
  // `push` asks tokens for "pull,push" instead of "pull".
  RegistrySession(const ImageReference& ref, const RegistryOptions& options, bool push);

  // "https://host/v2/<repo>" (http for insecure registries).
  const std::string& base() const { return base_; }
  const ImageReference& ref() const { return ref_; }

  // Sends `request`, adding the registry's Authorization when the URL is on
  // the registry, authenticating and retrying once on 401. A non-2xx/3xx
  // answer is still a successful exchange; network/TLS failures are errors
  // (with a hint about insecure registries when TLS fails).
  Result<http::Response> Send(http::Request request, int64_t timeout_ms, const std::string& output_file = "",
                              uint64_t max_body_bytes = 0);

 private:
  Status Authenticate(const std::string& challenge);
  http::Options HttpOptions(int64_t timeout_ms) const;

  ImageReference ref_;
  const RegistryOptions& options_;
  bool push_;
  std::string scheme_, origin_, base_;
  std::string authorization_;  // Authorization header value, "" = none yet
};

// The insecure registry list: options plus KILN_INSECURE_REGISTRIES.
bool IsInsecureRegistry(const std::string& registry, const RegistryOptions& options);

// Credentials for `registry` (options, env, auth file), if any.
Result<std::optional<RegistryCredentials>> FindCredentials(const std::string& registry,
                                                           const RegistryOptions& options);

// "CODE: message" from a registry's {"errors":[...]} body, else the status.
std::string RegistryError(const http::Response& response);

}  // namespace kiln::image
