#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include <openssl/crypto.h>

#include "common/sigv4.h"
#include "common/sigv4_internal.h"
#include "common/time.h"

namespace kiln::sigv4 {

using namespace internal;

// ----------------------------------------------------------- verification

namespace {

// The parts of a signature, from the Authorization header or the query. The
// views point into the request, or (presigned form) into the decoded query
// values kept here, so a SignatureParts stays where it was built.
struct SignatureParts {
  SignatureParts() = default;
  SignatureParts(const SignatureParts&) = delete;
  SignatureParts& operator=(const SignatureParts&) = delete;

  std::string_view access_key, date, region, service;  // from Credential
  // The SignedHeaders list lowercased; `signed_headers` are its trimmed,
  // non-empty items in the client's order (duplicates kept).
  std::string signed_lower;
  std::vector<std::string_view> signed_headers;
  std::string_view signature;
  std::string_view amz_date;
  std::string_view session_token;
  int64_t expires_seconds = -1;  // presigned only
  // Presigned only: the decoded X-Amz-* values the views above point into.
  std::string credential, amz_date_value, signature_value, session_token_value;
};

struct ErrorNames {
  const char* missing;
  const char* incomplete;
  const char* unknown_key;
  const char* mismatch;
  const char* skewed;
};

const ErrorNames kJsonNames{"MissingAuthenticationToken", "IncompleteSignature",
                            "UnrecognizedClientException", "InvalidSignatureException",
                            "InvalidSignatureException"};
const ErrorNames kS3Names{"AccessDenied", "AuthorizationHeaderMalformed", "InvalidAccessKeyId",
                          "SignatureDoesNotMatch", "RequestTimeTooSkewed"};

Status Fail(const char* type, std::string message) {
  return Status(Code::kUnauthenticated, std::move(message), type);
}

// The headers verification itself reads: the trimmed value of the first
// header of each name (empty if none), found in one pass over the headers.
struct SigningHeaders {
  std::string_view authorization, amz_date, security_token, content_sha256;

  explicit SigningHeaders(const HeaderViews& headers) {
    struct Wanted {
      std::string_view name;
      std::string_view* value;
      bool seen;
    } wanted[] = {{"authorization", &authorization, false},
                  {"x-amz-date", &amz_date, false},
                  {"x-amz-security-token", &security_token, false},
                  {"x-amz-content-sha256", &content_sha256, false}};
    for (const auto& [k, v] : headers) {
      std::string_view name = Trim(k);
      for (Wanted& w : wanted) {
        if (!w.seen && LowerEquals(name, w.name)) {
          *w.value = Trim(v);
          w.seen = true;
          break;
        }
      }
    }
  }
};

bool HasHeader(const HeaderViews& headers, std::string_view name) {
  return std::any_of(headers.begin(), headers.end(),
                     [&](const auto& h) { return LowerEquals(Trim(h.first), name); });
}

// "AKID/20150830/us-east-1/service/aws4_request"; the parts are views of `cred`.
Status ParseCredential(std::string_view cred, SignatureParts& out, const ErrorNames& names) {
  std::array<std::string_view, 5> parts;
  size_t n = 0;
  ForEachPiece(cred, '/', [&](std::string_view p) {
    if (n < parts.size()) parts[n] = p;
    ++n;
  });
  if (n != 5 || parts[0].empty() || parts[1].size() != 8 || parts[2].empty() || parts[3].empty() ||
      parts[4] != "aws4_request") {
    return Fail(names.incomplete, "Credential '" + std::string(cred) +
                                      "' is not of the form <access key>/<YYYYMMDD>/<region>/"
                                      "<service>/aws4_request");
  }
  out.access_key = parts[0];
  out.date = parts[1];
  out.region = parts[2];
  out.service = parts[3];
  return Status::Ok();
}

// SignedHeaders "a;b;c": items empty before trimming are dropped, the rest
// trimmed and lowercased (an all-space item stays, as an empty name).
void SplitSignedHeaders(std::string_view s, SignatureParts& out) {
  out.signed_lower.assign(s);
  for (char& c : out.signed_lower) c = ToLower(c);
  out.signed_headers.reserve(1 + std::count(s.begin(), s.end(), ';'));
  ForEachPiece(out.signed_lower, ';', [&](std::string_view n) {
    if (!n.empty()) out.signed_headers.push_back(Trim(n));
  });
}

Status FromAuthorizationHeader(std::string_view auth, const SigningHeaders& headers, const ErrorNames& names,
                               SignatureParts& parts) {
  if (auth.substr(0, kAlgorithm.size()) != kAlgorithm) {
    return Fail(names.incomplete, "Authorization header does not use " + std::string(kAlgorithm));
  }
  std::string_view credential, signed_headers;
  bool have_cred = false, have_signed = false, have_sig = false;
  // Later items of the same name win.
  ForEachPiece(auth.substr(kAlgorithm.size()), ',', [&](std::string_view item) {
    item = Trim(item);
    size_t eq = item.find('=');
    if (eq == std::string_view::npos) return;
    std::string_view key = Trim(item.substr(0, eq)), value = Trim(item.substr(eq + 1));
    if (key == "Credential") {
      credential = value;
      have_cred = true;
    } else if (key == "SignedHeaders") {
      signed_headers = value;
      have_signed = true;
    } else if (key == "Signature") {
      parts.signature = value;
      have_sig = true;
    }
  });
  std::string missing;
  if (!have_cred) missing += "Authorization header requires 'Credential' parameter. ";
  if (!have_signed) missing += "Authorization header requires 'SignedHeaders' parameter. ";
  if (!have_sig) missing += "Authorization header requires 'Signature' parameter. ";
  parts.amz_date = headers.amz_date;
  if (parts.amz_date.empty()) {
    missing += "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header. ";
  }
  if (!missing.empty()) {
    missing.pop_back();
    return Fail(names.incomplete, missing + " Authorization=" + std::string(auth));
  }
  SplitSignedHeaders(signed_headers, parts);
  KILN_RETURN_IF_ERROR(ParseCredential(credential, parts, names));
  parts.session_token = headers.security_token;
  return Status::Ok();
}

Status FromQuery(const QueryParams& query, const ErrorNames& names, bool s3, SignatureParts& parts) {
  // The first occurrence of a parameter counts; a missing one reads as "".
  auto value = [&](std::string_view key) {
    const QueryParams::Param* p = query.Find(key);
    return p ? UriDecode(p->value) : std::string();
  };
  const char* bad = s3 ? "AuthorizationQueryParametersError" : names.incomplete;
  if (value("X-Amz-Algorithm") != kAlgorithm) {
    return Fail(bad, "X-Amz-Algorithm only supports \"AWS4-HMAC-SHA256\"");
  }
  parts.credential = value("X-Amz-Credential");
  parts.amz_date_value = value("X-Amz-Date");
  std::string signed_headers = value("X-Amz-SignedHeaders");
  parts.signature_value = value("X-Amz-Signature");
  const std::pair<const char*, const std::string*> required[] = {
      {"X-Amz-Credential", &parts.credential},
      {"X-Amz-Date", &parts.amz_date_value},
      {"X-Amz-SignedHeaders", &signed_headers},
      {"X-Amz-Signature", &parts.signature_value}};
  std::string missing;
  for (const auto& [key, v] : required) {
    if (v->empty()) missing += std::string(missing.empty() ? "" : ", ") + key;
  }
  if (!missing.empty()) {
    return Fail(bad, "the presigned request is missing the query parameter(s) " + missing);
  }
  KILN_RETURN_IF_ERROR(ParseCredential(parts.credential, parts, names).WithType(bad));
  parts.amz_date = parts.amz_date_value;
  SplitSignedHeaders(signed_headers, parts);
  parts.signature = parts.signature_value;
  parts.session_token_value = value("X-Amz-Security-Token");
  parts.session_token = parts.session_token_value;
  if (query.Find("X-Amz-Expires")) {
    const std::string e = value("X-Amz-Expires");
    if (e.empty() || e.size() > 7 || !std::all_of(e.begin(), e.end(), [](char c) { return IsDigit(c); })) {
      return Fail(bad, "X-Amz-Expires must be a number of seconds, got '" + e + "'");
    }
    parts.expires_seconds = std::stoll(e);
    if (parts.expires_seconds > 604800) {
      return Fail(bad, "X-Amz-Expires must be less than a week (in seconds) that is 604800");
    }
  }
  return Status::Ok();
}

// The signature the client sent equals `expected` (lowercase hex), compared
// in constant time after lowercasing it as AWS does.
bool SignatureMatches(std::string_view provided, const Sha256Hexits& expected) {
  if (provided.size() != expected.size()) return false;
  Sha256Hexits lowered;
  std::transform(provided.begin(), provided.end(), lowered.begin(), ToLower);
  return CRYPTO_memcmp(lowered.data(), expected.data(), expected.size()) == 0;
}

}  // namespace

Result<VerifiedRequest> Verify(const HttpRequestView& req, const SecretLookup& lookup,
                               const VerifyOptions& opt) {
  const ErrorNames& names = opt.s3_error_names ? kS3Names : kJsonNames;
  auto [path, raw_query] = SplitTarget(req.target);
  QueryParams query(raw_query);
  SigningHeaders signing_headers(req.headers);
  std::string_view auth = signing_headers.authorization;
  bool presigned = auth.empty() && query.Find("X-Amz-Algorithm") != nullptr;
  if (auth.empty() && !presigned) {
    return Fail(names.missing, opt.s3_error_names ? "Access Denied" : "Missing Authentication Token");
  }
  SignatureParts parts;
  KILN_RETURN_IF_ERROR(presigned ? FromQuery(query, names, opt.s3_error_names, parts)
                                 : FromAuthorizationHeader(auth, signing_headers, names, parts));

  // Host must be signed, and every signed header must be present.
  if (std::find(parts.signed_headers.begin(), parts.signed_headers.end(), "host") ==
      parts.signed_headers.end()) {
    return Fail(names.incomplete, "the Host header must be signed (SignedHeaders lacks 'host')");
  }
  for (std::string_view h : parts.signed_headers) {
    if (!HasHeader(req.headers, h)) {
      return Fail(names.mismatch, "signed header '" + std::string(h) + "' is not in the request");
    }
  }

  Result<int64_t> when = ParseAmzDate(parts.amz_date);
  if (!when.ok()) return Fail(names.incomplete, when.status().message());
  const std::string_view amz_date = parts.amz_date;
  if (amz_date.substr(0, 8) != parts.date) {
    return Fail(names.mismatch, "Date in Credential scope does not match YYYYMMDD from ISO-8601 "
                                "version of date from HTTP: '" + std::string(parts.date) + "' != '" +
                                std::string(amz_date.substr(0, 8)) + "'");
  }
  if (!opt.expected_region.empty() && parts.region != opt.expected_region) {
    return Fail(names.mismatch, "Credential should be scoped to a valid region, not '" +
                                    std::string(parts.region) + "'. Expected '" + opt.expected_region + "'");
  }
  if (!opt.expected_service.empty() && parts.service != opt.expected_service) {
    return Fail(names.mismatch, "Credential should be scoped to correct service: '" +
                                    opt.expected_service + "', not '" + std::string(parts.service) + "'");
  }

  // Time checks: presigned URLs are valid from X-Amz-Date for X-Amz-Expires
  // seconds; header signatures within the clock skew either way.
  int64_t t = *when;
  if (presigned && parts.expires_seconds >= 0) {
    if (opt.now_millis > t + parts.expires_seconds * 1000) {
      return Fail(opt.s3_error_names ? "AccessDenied" : names.skewed,
                  opt.s3_error_names ? "Request has expired"
                                     : "Signature expired: " + std::string(amz_date) + " + " +
                                           std::to_string(parts.expires_seconds) + "s is now earlier than " +
                                           FormatBasic(opt.now_millis));
    }
    if (t > opt.now_millis + opt.max_skew_millis) {
      return Fail(names.skewed, "Signature not yet current: " + std::string(amz_date) +
                                    " is still later than " +
                                    FormatBasic(opt.now_millis + opt.max_skew_millis));
    }
  } else if (t < opt.now_millis - opt.max_skew_millis) {
    return Fail(names.skewed, opt.s3_error_names
                                  ? "The difference between the request time and the current time is too large."
                                  : "Signature expired: " + std::string(amz_date) + " is now earlier than " +
                                        FormatBasic(opt.now_millis - opt.max_skew_millis) + " (" +
                                        FormatBasic(opt.now_millis) + " - 15 min.)");
  } else if (t > opt.now_millis + opt.max_skew_millis) {
    return Fail(names.skewed, opt.s3_error_names
                                  ? "The difference between the request time and the current time is too large."
                                  : "Signature not yet current: " + std::string(amz_date) + " is still later than " +
                                        FormatBasic(opt.now_millis + opt.max_skew_millis) + " (" +
                                        FormatBasic(opt.now_millis) + " + 15 min.)");
  }

  // Payload hash: the declared x-amz-content-sha256 must match the body.
  std::string_view payload;
  Sha256Hexits body_hash;
  std::string_view declared = signing_headers.content_sha256;
  if (presigned) {
    if (opt.uri_mode == UriMode::kS3) {
      payload = kUnsignedPayload;
    } else {
      body_hash = Sha256HexOf(req.body);
      payload = View(body_hash);
    }
  } else if (!declared.empty()) {
    if (declared.substr(0, 10) == "STREAMING-") {
      return Status(Code::kUnimplemented,
                    "chunked (STREAMING-*) SigV4 payload signing is not supported by Kiln; send "
                    "the body with a plain payload hash or UNSIGNED-PAYLOAD",
                    opt.s3_error_names ? "NotImplemented" : "IncompleteSignature");
    }
    if (declared != kUnsignedPayload && req.body_available && View(Sha256HexOf(req.body)) != declared) {
      return Status(Code::kUnauthenticated,
                    "The provided 'x-amz-content-sha256' header does not match what was computed.",
                    opt.s3_error_names ? "XAmzContentSHA256Mismatch" : names.mismatch);
    }
    payload = declared;
  } else {
    if (!req.body_available) {
      return Status::Internal("SigV4: body not buffered and no x-amz-content-sha256 header");
    }
    body_hash = Sha256HexOf(req.body);
    payload = View(body_hash);
  }

  Result<std::string> secret = lookup(parts.access_key, parts.session_token);
  if (!secret.ok()) {
    if (secret.status().code() != Code::kNotFound) return secret.status();
    return Fail(names.unknown_key, opt.s3_error_names
                                       ? "The AWS Access Key Id you provided does not exist in our records."
                                       : "The security token included in the request is invalid.");
  }

  // The canonical request goes into a per-thread buffer that keeps its
  // capacity, so a request costs no allocation here. Nothing between
  // clear() and the hash can re-enter Verify on this thread.
  thread_local std::string canonical;
  canonical.clear();
  AppendCanonicalRequest(canonical, req.method, path, query, presigned ? "X-Amz-Signature" : "",
                         req.headers, parts.signed_headers, payload, opt.uri_mode);
  Sha256Hexits expected = SignatureHex(*secret, amz_date, parts.region, parts.service, canonical);
  if (!SignatureMatches(parts.signature, expected)) {
    return Fail(names.mismatch,
                "The request signature we calculated does not match the signature you provided. "
                "Check your AWS Secret Access Key and signing method. Consult the service "
                "documentation for details.");
  }

  VerifiedRequest v;
  v.access_key_id = parts.access_key;
  v.session_token = parts.session_token;
  v.region = parts.region;
  v.service = parts.service;
  v.date = parts.date;
  v.request_millis = t;
  v.presigned = presigned;
  return v;
}

int HttpStatusForError(std::string_view type) {
  if (type == "AuthorizationQueryParametersError" || type == "AuthorizationHeaderMalformed" ||
      type == "XAmzContentSHA256Mismatch") {
    return 400;
  }
  if (type == "NotImplemented") return 501;
  // AWS "Common errors": IncompleteSignature is a 400, the rest are 403s.
  if (type == "IncompleteSignature") return 400;
  return 403;
}

}  // namespace kiln::sigv4
