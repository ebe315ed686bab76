#include "common/sigv4.h"

#include <algorithm>
#include <cctype>
#include <ctime>
#include <map>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/params.h>

#include "common/digest.h"
#include "common/time.h"

namespace kiln::sigv4 {
namespace {

using HeaderViews = std::vector<std::pair<std::string_view, std::string_view>>;

bool IsUnreserved(unsigned char c) {
  return std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~';
}

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

bool IEquals(std::string_view a, std::string_view b) {
  return a.size() == b.size() &&
         std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) ==
                  std::tolower(static_cast<unsigned char>(y));
         });
}

std::string_view Trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

// Trims and turns every run of whitespace into one space.
std::string CollapseSpaces(std::string_view v) {
  v = Trim(v);
  std::string out;
  bool in_space = false;
  for (char c : v) {
    if (std::isspace(static_cast<unsigned char>(c))) {
      if (!in_space) out.push_back(' ');
      in_space = true;
    } else {
      out.push_back(c);
      in_space = false;
    }
  }
  return out;
}

std::vector<std::string_view> Split(std::string_view s, char sep) {
  std::vector<std::string_view> parts;
  size_t start = 0;
  while (true) {
    size_t pos = s.find(sep, start);
    if (pos == std::string_view::npos) {
      parts.push_back(s.substr(start));
      return parts;
    }
    parts.push_back(s.substr(start, pos - start));
    start = pos + 1;
  }
}

std::string Join(const std::vector<std::string>& v, char sep) {
  std::string out;
  for (size_t i = 0; i < v.size(); ++i) {
    if (i) out.push_back(sep);
    out += v[i];
  }
  return out;
}

// Removes "." and ".." and empty segments, keeping a leading and trailing '/'.
std::string NormalizePath(std::string_view path) {
  std::vector<std::string_view> out;
  for (std::string_view seg : Split(path, '/')) {
    if (seg.empty() || seg == ".") continue;
    if (seg == "..") {
      if (!out.empty()) out.pop_back();
      continue;
    }
    out.push_back(seg);
  }
  std::string result = "/";
  for (size_t i = 0; i < out.size(); ++i) {
    if (i) result.push_back('/');
    result += out[i];
  }
  if (!out.empty() && path.size() > 1 && path.back() == '/') result.push_back('/');
  return result;
}

std::pair<std::string_view, std::string_view> SplitTarget(std::string_view target) {
  size_t q = target.find('?');
  if (q == std::string_view::npos) return {target, {}};
  return {target.substr(0, q), target.substr(q + 1)};
}

// Decoded query parameters in wire order.
std::vector<std::pair<std::string, std::string>> ParseQuery(std::string_view raw) {
  std::vector<std::pair<std::string, std::string>> params;
  if (raw.empty()) return params;
  for (std::string_view part : Split(raw, '&')) {
    if (part.empty()) continue;
    size_t eq = part.find('=');
    if (eq == std::string_view::npos) {
      params.emplace_back(UriDecode(part), "");
    } else {
      params.emplace_back(UriDecode(part.substr(0, eq)), UriDecode(part.substr(eq + 1)));
    }
  }
  return params;
}

// "20150830T123600Z" -> Unix millis.
Result<int64_t> ParseAmzDate(std::string_view s) {
  if (s.size() != 16 || s[8] != 'T' || s[15] != 'Z') {
    return Status::Invalid("X-Amz-Date '" + std::string(s) + "' is not in the form YYYYMMDDTHHMMSSZ");
  }
  for (size_t i = 0; i < 15; ++i) {
    if (i != 8 && !std::isdigit(static_cast<unsigned char>(s[i]))) {
      return Status::Invalid("X-Amz-Date '" + std::string(s) + "' is not in the form YYYYMMDDTHHMMSSZ");
    }
  }
  auto num = [&](size_t pos, size_t len) { return std::stoi(std::string(s.substr(pos, len))); };
  std::tm tm{};
  tm.tm_year = num(0, 4) - 1900;
  tm.tm_mon = num(4, 2) - 1;
  tm.tm_mday = num(6, 2);
  tm.tm_hour = num(9, 2);
  tm.tm_min = num(11, 2);
  tm.tm_sec = num(13, 2);
  return static_cast<int64_t>(timegm(&tm)) * 1000;
}

std::string Scope(std::string_view date, std::string_view region, std::string_view service) {
  return std::string(date) + "/" + std::string(region) + "/" + std::string(service) + "/aws4_request";
}

// HMAC-SHA256 on a per-thread EVP_MAC context. OpenSSL 3's one-shot HMAC()
// looks the algorithm and digest up by name on every call, which was a
// visible share of a signed API request; here they are fetched once per
// thread. Falls back to HmacSha256 if the provider is unavailable.
std::string FastHmacSha256(std::string_view key, std::string_view data) {
  struct Ctx {
    EVP_MAC* mac = EVP_MAC_fetch(nullptr, "HMAC", nullptr);
    EVP_MAC_CTX* ctx = mac ? EVP_MAC_CTX_new(mac) : nullptr;
    bool ready = false;
    Ctx() {
      if (!ctx) return;
      char digest[] = "SHA256";
      OSSL_PARAM params[] = {OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, digest, 0),
                             OSSL_PARAM_construct_end()};
      ready = EVP_MAC_CTX_set_params(ctx, params) == 1;
    }
    ~Ctx() {
      EVP_MAC_CTX_free(ctx);
      EVP_MAC_free(mac);
    }
  };
  thread_local Ctx c;
  unsigned char out[EVP_MAX_MD_SIZE];
  size_t len = 0;
  if (!c.ready ||
      EVP_MAC_init(c.ctx, reinterpret_cast<const unsigned char*>(key.data()), key.size(),
                   nullptr) != 1 ||
      EVP_MAC_update(c.ctx, reinterpret_cast<const unsigned char*>(data.data()), data.size()) != 1 ||
      EVP_MAC_final(c.ctx, out, &len, sizeof out) != 1) {
    return HmacSha256(key, data);
  }
  return std::string(reinterpret_cast<char*>(out), len);
}

// SHA-256 hex with the digest fetched once (EVP_sha256() is looked up by
// name inside EVP_Digest on every call in OpenSSL 3).
std::string FastSha256Hex(std::string_view data) {
  static EVP_MD* md = EVP_MD_fetch(nullptr, "SHA256", nullptr);
  if (!md) return Sha256Hex(data);
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  if (EVP_Digest(data.data(), data.size(), out, &len, md, nullptr) != 1) return Sha256Hex(data);
  return HexEncode(std::string_view(reinterpret_cast<char*>(out), len));
}

// The signing key only changes with the secret, the day, the region and the
// service, so each thread keeps the few it derived last instead of running
// the four-HMAC chain for every request (as the AWS SDKs do).
std::string CachedSigningKey(std::string_view secret, std::string_view date,
                             std::string_view region, std::string_view service) {
  struct Entry {
    std::string secret, date, region, service, key;
  };
  constexpr size_t kEntries = 8;
  thread_local std::vector<Entry> cache;
  thread_local size_t next = 0;
  for (const Entry& e : cache) {
    if (e.date == date && e.region == region && e.service == service && e.secret == secret) {
      return e.key;
    }
  }
  Entry e{std::string(secret), std::string(date), std::string(region), std::string(service),
          SigningKey(secret, date, region, service)};
  std::string key = e.key;
  if (cache.size() < kEntries) {
    cache.push_back(std::move(e));
  } else {
    cache[next] = std::move(e);  // replace the oldest
    next = (next + 1) % kEntries;
  }
  return key;
}

std::string Signature(std::string_view secret, std::string_view amz_date, std::string_view region,
                      std::string_view service, std::string_view canonical_request) {
  std::string date(amz_date.substr(0, 8));
  std::string sts = StringToSign(amz_date, Scope(date, region, service), canonical_request);
  return HexEncode(FastHmacSha256(CachedSigningKey(secret, date, region, service), sts));
}

bool ConstantTimeEquals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

std::string EmptyHash() { return Sha256Hex(""); }

}  // namespace

std::string UriEncode(std::string_view s, bool keep_slash) {
  static const char kHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(s.size());
  for (unsigned char c : s) {
    if (IsUnreserved(c) || (keep_slash && c == '/')) {
      out.push_back(static_cast<char>(c));
    } else {
      out.push_back('%');
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 15]);
    }
  }
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
  if (path.empty()) return "/";
  if (mode == UriMode::kS3) return std::string(path);
  return UriEncode(NormalizePath(path), /*keep_slash=*/true);
}

std::string CanonicalQuery(std::string_view raw_query, std::string_view skip) {
  std::vector<std::pair<std::string, std::string>> enc;
  for (auto& [k, v] : ParseQuery(raw_query)) {
    if (!skip.empty() && k == skip) continue;
    enc.emplace_back(UriEncode(k), UriEncode(v));
  }
  std::sort(enc.begin(), enc.end());
  std::string out;
  for (size_t i = 0; i < enc.size(); ++i) {
    if (i) out.push_back('&');
    out += enc[i].first + "=" + enc[i].second;
  }
  return out;
}

std::string CanonicalHeaders(const HeaderViews& headers, const std::vector<std::string>& signed_names) {
  std::map<std::string, std::string> merged;
  for (const auto& [name, value] : headers) {
    std::string key = Lower(Trim(name));
    if (std::find(signed_names.begin(), signed_names.end(), key) == signed_names.end()) continue;
    auto [it, inserted] = merged.emplace(key, CollapseSpaces(value));
    if (!inserted) it->second += "," + CollapseSpaces(value);
  }
  std::string out;
  for (const auto& [k, v] : merged) out += k + ":" + v + "\n";
  return out;
}

std::string CanonicalRequest(std::string_view method, std::string_view target, const HeaderViews& headers,
                             const std::vector<std::string>& signed_names, std::string_view payload_hash,
                             UriMode mode, std::string_view skip_query_param) {
  auto [path, query] = SplitTarget(target);
  std::string out;
  out += std::string(method) + "\n";
  out += CanonicalUri(path, mode) + "\n";
  out += CanonicalQuery(query, skip_query_param) + "\n";
  out += CanonicalHeaders(headers, signed_names) + "\n";
  out += Join(signed_names, ';') + "\n";
  out += std::string(payload_hash);
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
  req.headers.emplace_back("Authorization", std::string(kAlgorithm) + " Credential=" +
                                                p.credentials.access_key_id + "/" + scope +
                                                ", SignedHeaders=" + Join(names, ';') +
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

// ----------------------------------------------------------- verification

namespace {

// The parts of a signature, from the Authorization header or the query.
struct SignatureParts {
  std::string access_key, date, region, service;  // from Credential
  std::vector<std::string> signed_headers;
  std::string signature;
  std::string amz_date;
  std::string session_token;
  int64_t expires_seconds = -1;  // presigned only
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

std::string_view FindHeader(const HeaderViews& headers, std::string_view name) {
  for (const auto& [k, v] : headers) {
    if (IEquals(Trim(k), name)) return Trim(v);
  }
  return {};
}

bool HasHeader(const HeaderViews& headers, std::string_view name) {
  return std::any_of(headers.begin(), headers.end(),
                     [&](const auto& h) { return IEquals(Trim(h.first), name); });
}

// "AKID/20150830/us-east-1/service/aws4_request"
Status ParseCredential(std::string_view cred, SignatureParts& out, const ErrorNames& names) {
  std::vector<std::string_view> parts = Split(cred, '/');
  if (parts.size() != 5 || parts[0].empty() || parts[1].size() != 8 || parts[2].empty() ||
      parts[3].empty() || parts[4] != "aws4_request") {
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

std::vector<std::string> SplitSignedHeaders(std::string_view s) {
  std::vector<std::string> names;
  for (std::string_view n : Split(s, ';')) {
    if (!n.empty()) names.push_back(Lower(Trim(n)));
  }
  return names;
}

Result<SignatureParts> FromAuthorizationHeader(std::string_view auth, const HeaderViews& headers,
                                               const ErrorNames& names) {
  SignatureParts parts;
  if (auth.substr(0, kAlgorithm.size()) != kAlgorithm) {
    return Fail(names.incomplete, "Authorization header does not use " + std::string(kAlgorithm));
  }
  std::string_view rest = auth.substr(kAlgorithm.size());
  std::string credential;
  bool have_cred = false, have_signed = false, have_sig = false;
  for (std::string_view item : Split(rest, ',')) {
    item = Trim(item);
    size_t eq = item.find('=');
    if (eq == std::string_view::npos) continue;
    std::string_view key = Trim(item.substr(0, eq)), value = Trim(item.substr(eq + 1));
    if (key == "Credential") {
      credential = value;
      have_cred = true;
    } else if (key == "SignedHeaders") {
      parts.signed_headers = SplitSignedHeaders(value);
      have_signed = true;
    } else if (key == "Signature") {
      parts.signature = value;
      have_sig = true;
    }
  }
  std::string missing;
  if (!have_cred) missing += "Authorization header requires 'Credential' parameter. ";
  if (!have_signed) missing += "Authorization header requires 'SignedHeaders' parameter. ";
  if (!have_sig) missing += "Authorization header requires 'Signature' parameter. ";
  parts.amz_date = FindHeader(headers, "x-amz-date");
  if (parts.amz_date.empty()) {
    missing += "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header. ";
  }
  if (!missing.empty()) {
    missing.pop_back();
    return Fail(names.incomplete, missing + " Authorization=" + std::string(auth));
  }
  KILN_RETURN_IF_ERROR(ParseCredential(credential, parts, names));
  parts.session_token = FindHeader(headers, "x-amz-security-token");
  return parts;
}

Result<SignatureParts> FromQuery(const std::vector<std::pair<std::string, std::string>>& query,
                                 const ErrorNames& names, bool s3) {
  std::map<std::string, std::string> q(query.begin(), query.end());
  const char* bad = s3 ? "AuthorizationQueryParametersError" : names.incomplete;
  SignatureParts parts;
  if (q["X-Amz-Algorithm"] != kAlgorithm) {
    return Fail(bad, "X-Amz-Algorithm only supports \"AWS4-HMAC-SHA256\"");
  }
  std::string missing;
  for (const char* key : {"X-Amz-Credential", "X-Amz-Date", "X-Amz-SignedHeaders", "X-Amz-Signature"}) {
    if (q[key].empty()) missing += std::string(missing.empty() ? "" : ", ") + key;
  }
  if (!missing.empty()) {
    return Fail(bad, "the presigned request is missing the query parameter(s) " + missing);
  }
  KILN_RETURN_IF_ERROR(ParseCredential(q["X-Amz-Credential"], parts, names).WithType(bad));
  parts.amz_date = q["X-Amz-Date"];
  parts.signed_headers = SplitSignedHeaders(q["X-Amz-SignedHeaders"]);
  parts.signature = q["X-Amz-Signature"];
  parts.session_token = q["X-Amz-Security-Token"];
  if (q.count("X-Amz-Expires")) {
    const std::string& e = q["X-Amz-Expires"];
    if (e.empty() || e.size() > 7 || !std::all_of(e.begin(), e.end(), ::isdigit)) {
      return Fail(bad, "X-Amz-Expires must be a number of seconds, got '" + e + "'");
    }
    parts.expires_seconds = std::stoll(e);
    if (parts.expires_seconds > 604800) {
      return Fail(bad, "X-Amz-Expires must be less than a week (in seconds) that is 604800");
    }
  }
  return parts;
}

}  // namespace

Result<VerifiedRequest> Verify(const HttpRequestView& req, const SecretLookup& lookup,
                               const VerifyOptions& opt) {
  const ErrorNames& names = opt.s3_error_names ? kS3Names : kJsonNames;
  auto [path, raw_query] = SplitTarget(req.target);
  auto query = ParseQuery(raw_query);
  std::string_view auth = FindHeader(req.headers, "authorization");
  bool presigned = auth.empty() && std::any_of(query.begin(), query.end(), [](const auto& kv) {
                     return kv.first == "X-Amz-Algorithm";
                   });
  if (auth.empty() && !presigned) {
    return Fail(names.missing, opt.s3_error_names ? "Access Denied" : "Missing Authentication Token");
  }
  KILN_ASSIGN_OR_RETURN(SignatureParts parts,
                        presigned ? FromQuery(query, names, opt.s3_error_names)
                                  : FromAuthorizationHeader(auth, req.headers, names));

  // Host must be signed, and every signed header must be present.
  if (std::find(parts.signed_headers.begin(), parts.signed_headers.end(), "host") ==
      parts.signed_headers.end()) {
    return Fail(names.incomplete, "the Host header must be signed (SignedHeaders lacks 'host')");
  }
  for (const std::string& h : parts.signed_headers) {
    if (!HasHeader(req.headers, h)) {
      return Fail(names.mismatch, "signed header '" + h + "' is not in the request");
    }
  }

  Result<int64_t> when = ParseAmzDate(parts.amz_date);
  if (!when.ok()) return Fail(names.incomplete, when.status().message());
  if (parts.amz_date.substr(0, 8) != parts.date) {
    return Fail(names.mismatch, "Date in Credential scope does not match YYYYMMDD from ISO-8601 "
                                "version of date from HTTP: '" + parts.date + "' != '" +
                                parts.amz_date.substr(0, 8) + "'");
  }
  if (!opt.expected_region.empty() && parts.region != opt.expected_region) {
    return Fail(names.mismatch, "Credential should be scoped to a valid region, not '" + parts.region +
                                    "'. Expected '" + opt.expected_region + "'");
  }
  if (!opt.expected_service.empty() && parts.service != opt.expected_service) {
    return Fail(names.mismatch, "Credential should be scoped to correct service: '" +
                                    opt.expected_service + "', not '" + parts.service + "'");
  }

  // Time checks: presigned URLs are valid from X-Amz-Date for X-Amz-Expires
  // seconds; header signatures within the clock skew either way.
  int64_t t = *when;
  if (presigned && parts.expires_seconds >= 0) {
    if (opt.now_millis > t + parts.expires_seconds * 1000) {
      return Fail(opt.s3_error_names ? "AccessDenied" : names.skewed,
                  opt.s3_error_names ? "Request has expired"
                                     : "Signature expired: " + parts.amz_date + " + " +
                                           std::to_string(parts.expires_seconds) + "s is now earlier than " +
                                           FormatBasic(opt.now_millis));
    }
    if (t > opt.now_millis + opt.max_skew_millis) {
      return Fail(names.skewed, "Signature not yet current: " + parts.amz_date +
                                    " is still later than " +
                                    FormatBasic(opt.now_millis + opt.max_skew_millis));
    }
  } else if (t < opt.now_millis - opt.max_skew_millis) {
    return Fail(names.skewed, opt.s3_error_names
                                  ? "The difference between the request time and the current time is too large."
                                  : "Signature expired: " + parts.amz_date + " is now earlier than " +
                                        FormatBasic(opt.now_millis - opt.max_skew_millis) + " (" +
                                        FormatBasic(opt.now_millis) + " - 15 min.)");
  } else if (t > opt.now_millis + opt.max_skew_millis) {
    return Fail(names.skewed, opt.s3_error_names
                                  ? "The difference between the request time and the current time is too large."
                                  : "Signature not yet current: " + parts.amz_date + " is still later than " +
                                        FormatBasic(opt.now_millis + opt.max_skew_millis) + " (" +
                                        FormatBasic(opt.now_millis) + " + 15 min.)");
  }

  // Payload hash: the declared x-amz-content-sha256 must match the body.
  std::string payload;
  std::string_view declared = FindHeader(req.headers, "x-amz-content-sha256");
  if (presigned) {
    payload = opt.uri_mode == UriMode::kS3 ? std::string(kUnsignedPayload) : Sha256Hex(req.body);
  } else if (!declared.empty()) {
    if (declared.substr(0, 10) == "STREAMING-") {
      return Status(Code::kUnimplemented,
                    "chunked (STREAMING-*) SigV4 payload signing is not supported by Kiln; send "
                    "the body with a plain payload hash or UNSIGNED-PAYLOAD",
                    opt.s3_error_names ? "NotImplemented" : "IncompleteSignature");
    }
    if (declared != kUnsignedPayload && req.body_available && FastSha256Hex(req.body) != declared) {
      return Status(Code::kUnauthenticated,
                    "The provided 'x-amz-content-sha256' header does not match what was computed.",
                    opt.s3_error_names ? "XAmzContentSHA256Mismatch" : names.mismatch);
    }
    payload = declared;
  } else {
    if (!req.body_available) {
      return Status::Internal("SigV4: body not buffered and no x-amz-content-sha256 header");
    }
    payload = FastSha256Hex(req.body);
  }

  Result<std::string> secret = lookup(parts.access_key, parts.session_token);
  if (!secret.ok()) {
    if (secret.status().code() != Code::kNotFound) return secret.status();
    return Fail(names.unknown_key, opt.s3_error_names
                                       ? "The AWS Access Key Id you provided does not exist in our records."
                                       : "The security token included in the request is invalid.");
  }

  // The signed-headers line keeps the client's order (conforming clients sort it).
  std::string canonical =
      CanonicalRequest(req.method, req.target, req.headers, parts.signed_headers, payload, opt.uri_mode,
                       presigned ? "X-Amz-Signature" : "");
  std::string expected = Signature(*secret, parts.amz_date, parts.region, parts.service, canonical);
  if (!ConstantTimeEquals(expected, Lower(parts.signature))) {
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
