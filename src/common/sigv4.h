// AWS Signature Version 4: signing outgoing requests (Authorization header
// form and presigned-URL query form) and verifying incoming ones.
//
// Reference: "Signing AWS API requests" (SigV4). The steps are
//   1. canonical request = method \n canonical URI \n canonical query \n
//      canonical headers \n signed headers \n payload hash
//   2. string to sign = "AWS4-HMAC-SHA256" \n amz-date \n scope \n
//      hex(sha256(canonical request)),  scope = date/region/service/aws4_request
//   3. signing key = HMAC chain over "AWS4"+secret, date, region, service,
//      "aws4_request"; signature = hex(HMAC(signing key, string to sign)).
//
// Two URI rules exist. For every service but S3 the path is normalised
// (dot segments removed) and each byte outside the unreserved set is
// percent-encoded again, so an encoded path is encoded twice. For S3 the path
// is used exactly as it appears on the wire. `UriMode` selects the rule.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/status.h"

namespace kiln::sigv4 {

inline constexpr std::string_view kAlgorithm = "AWS4-HMAC-SHA256";
inline constexpr std::string_view kUnsignedPayload = "UNSIGNED-PAYLOAD";
// AWS rejects requests whose time differs from the server's by more.
inline constexpr int64_t kMaxClockSkewMillis = 15 * 60 * 1000;

struct Credentials {
  std::string access_key_id;
  std::string secret_access_key;
  std::string session_token;  // empty when not temporary credentials
};

enum class UriMode {
  kDoubleEncode,  // every service except S3
  kS3,            // S3: path used verbatim, no normalisation
};

using Header = std::pair<std::string, std::string>;

// An HTTP request as it is (or will be) on the wire. Headers keep their
// received case and order; repeated names are allowed.
struct HttpRequestView {
  std::string_view method;
  std::string_view target;  // origin form "path[?query]", percent-encoded
  std::vector<std::pair<std::string_view, std::string_view>> headers;
  std::string_view body;
  // False when the body was not buffered (streaming): then the payload hash
  // comes only from the x-amz-content-sha256 header.
  bool body_available = true;
};

// ---- building blocks (exposed for tests and for callers that sign by hand)

// RFC 3986 percent-encoding as SigV4 wants it: unreserved characters
// (A-Z a-z 0-9 - _ . ~) stay, everything else becomes %XY (uppercase hex).
// With keep_slash, '/' also stays (for paths).
std::string UriEncode(std::string_view s, bool keep_slash = false);
// Decodes %XY escapes; malformed escapes are kept literally. '+' stays '+'.
std::string UriDecode(std::string_view s);
// Canonical URI for a wire path (no query part).
std::string CanonicalUri(std::string_view path, UriMode mode);
// Canonical query string for a raw wire query (the part after '?'),
// excluding any parameter named `skip` (X-Amz-Signature when verifying a
// presigned URL).
std::string CanonicalQuery(std::string_view raw_query, std::string_view skip = {});
// Lowercased, trimmed and space-collapsed headers; repeated names joined by
// ','. Returns "name:value\n" lines sorted by name for the names in `signed`.
std::string CanonicalHeaders(const std::vector<std::pair<std::string_view, std::string_view>>& headers,
                             const std::vector<std::string>& signed_names);
std::string CanonicalRequest(std::string_view method, std::string_view target,
                             const std::vector<std::pair<std::string_view, std::string_view>>& headers,
                             const std::vector<std::string>& signed_names,
                             std::string_view payload_hash, UriMode mode,
                             std::string_view skip_query_param = {});
std::string StringToSign(std::string_view amz_date, std::string_view scope,
                         std::string_view canonical_request);
// The derived key (raw bytes); date is "YYYYMMDD".
std::string SigningKey(std::string_view secret, std::string_view date, std::string_view region,
                       std::string_view service);

// ---- signing (client side)

struct SigningParams {
  Credentials credentials;
  std::string region;
  std::string service;
  int64_t now_millis = 0;
  UriMode uri_mode = UriMode::kDoubleEncode;
  // Hex SHA-256 of the body, or kUnsignedPayload; empty = hash `body`.
  std::string payload_hash;
  // Adds x-amz-content-sha256 (S3 requires it).
  bool add_content_sha256_header = false;
};

// An outgoing request the signer adds headers to.
struct OutgoingRequest {
  std::string method;
  std::string target;            // "path[?query]", already percent-encoded
  std::vector<Header> headers;   // must contain Host
  std::string_view body;
};

// Adds X-Amz-Date, X-Amz-Security-Token (if any), x-amz-content-sha256 (if
// asked) and Authorization. Every header present is signed.
Status Sign(OutgoingRequest& req, const SigningParams& params);

// Returns `target` with the presigning query parameters (X-Amz-Algorithm,
// X-Amz-Credential, X-Amz-Date, X-Amz-Expires, X-Amz-SignedHeaders,
// X-Amz-Security-Token, X-Amz-Signature) appended. Only Host is signed;
// the payload is UNSIGNED-PAYLOAD for S3 and the empty-body hash otherwise.
Result<std::string> Presign(std::string_view method, std::string_view target,
                            std::string_view host, const SigningParams& params,
                            int64_t expires_seconds);

// ---- verification (server side)

struct VerifiedRequest {
  std::string access_key_id;
  std::string session_token;  // X-Amz-Security-Token, if sent
  std::string region;
  std::string service;
  std::string date;           // scope date "YYYYMMDD"
  int64_t request_millis = 0; // X-Amz-Date as Unix millis
  bool presigned = false;
};

// Looks up the secret for an access key (and optional session token).
// Return NotFound for an unknown key; other errors pass through.
using SecretLookup =
    std::function<Result<std::string>(std::string_view access_key_id, std::string_view session_token)>;

struct VerifyOptions {
  int64_t now_millis = 0;
  int64_t max_skew_millis = kMaxClockSkewMillis;
  UriMode uri_mode = UriMode::kDoubleEncode;
  // When non-empty, the credential scope must name exactly this.
  std::string expected_service;
  std::string expected_region;
  // S3 uses its own error names (AccessDenied, InvalidAccessKeyId,
  // SignatureDoesNotMatch, RequestTimeTooSkewed, AuthorizationQueryParametersError).
  bool s3_error_names = false;
};

// Verifies the Authorization header or presigned query. On failure the
// Status has code kUnauthenticated (or kInvalidArgument for a malformed
// signature) and type() set to the AWS error name:
//   MissingAuthenticationToken  no Authorization header and no X-Amz-Algorithm
//   IncompleteSignature         malformed header/query, missing X-Amz-Date,
//                               Host not signed, bad credential scope
//   UnrecognizedClientException unknown access key
//   InvalidSignatureException   signature mismatch; also "Signature expired"
//                               when X-Amz-Date is off by more than the skew,
//                               and wrong region/service in the scope
// (S3 names instead when VerifyOptions::s3_error_names is set.)
Result<VerifiedRequest> Verify(const HttpRequestView& req, const SecretLookup& lookup,
                               const VerifyOptions& options);

// HTTP status AWS answers with for a Verify error type.
int HttpStatusForError(std::string_view error_type);

}  // namespace kiln::sigv4
