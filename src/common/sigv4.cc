#include "common/sigv4.h"

#include "common/digest.h"
#include "common/sigv4_internal.h"
#include "common/time.h"

// The public building blocks and signing; verification is in sigv4_verify.cc,
// the shared canonical-request and crypto pieces in sigv4_canonical.cc.

namespace kiln::sigv4 {

using namespace internal;


std::string UriEncode(std::string_view s, bool keep_slash) {
  std::string out;
  out.reserve(s.size());
  AppendUriEncoded(out, s, keep_slash);
  return out;
}

std::string UriDecode(std::string_view s) {
  auto hex = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size()) {
      int hi = hex(s[i + 1]), lo = hex(s[i + 2]);
      if (hi >= 0 && lo >= 0) {
        out.push_back(static_cast<char>(hi * 16 + lo));
        i += 2;
        continue;
      }
    }
    out.push_back(s[i]);
  }
  return out;
}

std::string CanonicalUri(std::string_view path, UriMode mode) {
  std::string out;
  AppendCanonicalUri(out, path, mode);
  return out;
}

std::string CanonicalQuery(std::string_view raw_query, std::string_view skip) {
  QueryParams query(raw_query);
  std::string out;
  // The parameters are compared in canonical form, so `skip` is too.
  query.AppendCanonical(out, UriEncode(skip));
  return out;
}

std::string CanonicalHeaders(const HeaderViews& headers, const std::vector<std::string>& signed_names) {
  std::string out;
  AppendCanonicalHeaders(out, headers, Views(signed_names));
  return out;
}

std::string CanonicalRequest(std::string_view method, std::string_view target, const HeaderViews& headers,
                             const std::vector<std::string>& signed_names, std::string_view payload_hash,
                             UriMode mode, std::string_view skip_query_param) {
  auto [path, raw_query] = SplitTarget(target);
  QueryParams query(raw_query);
  std::string out;
  AppendCanonicalRequest(out, method, path, query, UriEncode(skip_query_param), headers,
                         Views(signed_names), payload_hash, mode);
  return out;
}

std::string StringToSign(std::string_view amz_date, std::string_view scope,
                         std::string_view canonical_request) {
  return std::string(kAlgorithm) + "\n" + std::string(amz_date) + "\n" + std::string(scope) + "\n" +
         FastSha256Hex(canonical_request);
}

std::string SigningKey(std::string_view secret, std::string_view date, std::string_view region,
                       std::string_view service) {
  std::string k = FastHmacSha256("AWS4" + std::string(secret), date);
  k = FastHmacSha256(k, region);
  k = FastHmacSha256(k, service);
  return FastHmacSha256(k, "aws4_request");
}

// ---------------------------------------------------------------- signing

Status Sign(OutgoingRequest& req, const SigningParams& p) {
  if (p.credentials.access_key_id.empty() || p.credentials.secret_access_key.empty()) {
    return Status::Unauthenticated("no AWS credentials to sign the request with");
  }
  bool has_host = std::any_of(req.headers.begin(), req.headers.end(),
                              [](const Header& h) { return IEquals(h.first, "host"); });
  if (!has_host) return Status::Internal("SigV4: request to sign has no Host header");
  std::string amz_date = FormatBasic(p.now_millis);
  std::string payload = p.payload_hash.empty() ? Sha256Hex(req.body) : p.payload_hash;
  // Replace any previous signature headers (a retried request is re-signed).
  std::erase_if(req.headers, [](const Header& h) {
    return IEquals(h.first, "authorization") || IEquals(h.first, "x-amz-date") ||
           IEquals(h.first, "x-amz-security-token") || IEquals(h.first, "x-amz-content-sha256");
  });
  req.headers.emplace_back("X-Amz-Date", amz_date);
  if (!p.credentials.session_token.empty()) {
    req.headers.emplace_back("X-Amz-Security-Token", p.credentials.session_token);
  }
  if (p.add_content_sha256_header) req.headers.emplace_back("x-amz-content-sha256", payload);

  HeaderViews views;
  std::vector<std::string> names;
  for (const auto& [k, v] : req.headers) {
    views.emplace_back(k, v);
    names.push_back(Lower(Trim(k)));
  }
  std::sort(names.begin(), names.end());
  names.erase(std::unique(names.begin(), names.end()), names.end());
  std::string canonical = CanonicalRequest(req.method, req.target, views, names, payload, p.uri_mode);
  std::string sig = Signature(p.credentials.secret_access_key, amz_date, p.region, p.service, canonical);
  std::string scope = Scope(amz_date.substr(0, 8), p.region, p.service);
  std::string signed_line;
  AppendJoined(signed_line, names, ';');
  req.headers.emplace_back("Authorization", std::string(kAlgorithm) + " Credential=" +
                                                p.credentials.access_key_id + "/" + scope +
                                                ", SignedHeaders=" + signed_line +
                                                ", Signature=" + sig);
  return Status::Ok();
}

Result<std::string> Presign(std::string_view method, std::string_view target, std::string_view host,
                            const SigningParams& p, int64_t expires_seconds) {
  if (p.credentials.access_key_id.empty() || p.credentials.secret_access_key.empty()) {
    return Status::Unauthenticated("no AWS credentials to presign the URL with");
  }
  if (expires_seconds < 1 || expires_seconds > 604800) {
    return Status::Invalid("presigned URL expiry must be 1..604800 seconds, got " +
                           std::to_string(expires_seconds));
  }
  std::string amz_date = FormatBasic(p.now_millis);
  std::string scope = Scope(amz_date.substr(0, 8), p.region, p.service);
  std::string t(target);
  t += (t.find('?') == std::string::npos) ? "?" : "&";
  t += "X-Amz-Algorithm=" + std::string(kAlgorithm);
  t += "&X-Amz-Credential=" + UriEncode(p.credentials.access_key_id + "/" + scope);
  t += "&X-Amz-Date=" + amz_date;
  t += "&X-Amz-Expires=" + std::to_string(expires_seconds);
  if (!p.credentials.session_token.empty()) {
    t += "&X-Amz-Security-Token=" + UriEncode(p.credentials.session_token);
  }
  t += "&X-Amz-SignedHeaders=host";
  std::string payload = p.payload_hash.empty()
                            ? (p.uri_mode == UriMode::kS3 ? std::string(kUnsignedPayload) : EmptyHash())
                            : p.payload_hash;
  HeaderViews views{{"host", host}};
  std::string canonical = CanonicalRequest(method, t, views, {"host"}, payload, p.uri_mode);
  t += "&X-Amz-Signature=" +
       Signature(p.credentials.secret_access_key, amz_date, p.region, p.service, canonical);
  return t;
}

}  // namespace kiln::sigv4
