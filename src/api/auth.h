// Authentication of API calls: SigV4 (Authorization header or presigned
// query) checked against the accounts Kiln knows, giving the Caller.
// The SigV4 arithmetic itself is common/sigv4.h; this file owns the key
// table and what the API answers when a signature is missing or wrong.
//
// Keys come from a config file (--config, JSON or YAML):
//   accounts:
//     - id: "123456789012"
//       accessKeys:
//         - accessKeyId: AKIA...
//           secretAccessKey: ...
// and/or from the environment (KILN_ACCESS_KEY_ID, KILN_SECRET_ACCESS_KEY,
// KILN_ACCOUNT_ID defaulting to 123456789012).
#pragma once

#include <cstdint>
#include <map>
#include <string>

#include "api/http_types.h"
#include "api/operation.h"
#include "common/status.h"

namespace kiln::api {

struct AccessKey {
  std::string secret;
  std::string account_id;
};

class KeyTable {
 public:
  // Adds a key; InvalidArgument for an account id that is not 12 digits or
  // an empty key/secret, AlreadyExists for a duplicate access key id.
  Status Add(const std::string& access_key_id, const std::string& secret,
             const std::string& account_id);
  // Reads a config file (JSON or YAML, see above).
  Status LoadFile(const std::string& path);
  // Adds the KILN_* environment key, if KILN_ACCESS_KEY_ID is set.
  Status LoadEnvironment();
  const AccessKey* Find(const std::string& access_key_id) const;
  size_t size() const { return keys_.size(); }

 private:
  std::map<std::string, AccessKey> keys_;
};

class Authenticator {
 public:
  explicit Authenticator(KeyTable keys) : keys_(std::move(keys)) {}
  // The verified caller, or a Status typed with the AWS error name
  // (MissingAuthenticationTokenException, IncompleteSignatureException,
  // UnrecognizedClientException, InvalidSignatureException), all HTTP 403.
  Result<Caller> Authenticate(const HttpRequest& req, int64_t now_millis) const;

 private:
  KeyTable keys_;
};

}  // namespace kiln::api
