#include "common/sigv4_internal.h"

#include <algorithm>
#include <array>
#include <cstdint>
#include <ctime>
#include <initializer_list>
#include <span>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/params.h>

#include "common/digest.h"
#include "common/time.h"

// Performance notes. `kiln serve` verifies a signature on every API call, so
// the verifier is written to do the least work that gives the same answer:
//  - the canonical request is appended into one reused buffer from
//    string_views into the request, instead of many temporary strings and a
//    std::map of headers;
//  - character classes and lower-casing are plain ASCII tests. The old code
//    used <cctype>, whose answers in the "C" locale (Kiln never calls
//    setlocale) are exactly these, minus a locale lookup per character;
//  - query components the client already encoded canonically (every SDK
//    does) are used as they are on the wire instead of being decoded and
//    encoded again; the query is parsed once per request;
//  - the few signed header names are sorted in a small vector, and the
//    signed name is written out instead of lower-casing each header name;
//  - the string to sign is fed to HMAC in pieces, and the digests and the
//    derived signing key come from per-thread state.
// Every function keeps the exact output of the straightforward version (see
// the reference implementation and its comparison in sigv4_test.cc).

namespace kiln::sigv4::internal {


using HeaderViews = std::vector<std::pair<std::string_view, std::string_view>>;

// ------------------------------------------------------------ ASCII helpers


std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = ToLower(c);
  return out;
}

bool IEquals(std::string_view a, std::string_view b) {
  return a.size() == b.size() &&
         std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) { return ToLower(x) == ToLower(y); });
}

// True when lowercasing `mixed` gives exactly `lower` (which is not itself
// lowercased: an uppercase letter in it never matches, as before).
bool LowerEquals(std::string_view mixed, std::string_view lower) {
  return mixed.size() == lower.size() &&
         std::equal(mixed.begin(), mixed.end(), lower.begin(), [](char m, char l) { return ToLower(m) == l; });
}

std::string_view Trim(std::string_view s) {
  while (!s.empty() && IsSpace(s.front())) s.remove_prefix(1);
  while (!s.empty() && IsSpace(s.back())) s.remove_suffix(1);
  return s;
}

// Appends `v` trimmed, with every run of whitespace turned into one space.
// Copies the stretches between such runs whole: most values have none.
void AppendCollapsed(std::string& out, std::string_view v) {
  v = Trim(v);
  size_t copied = 0;  // v[0, copied) is already in `out`
  for (size_t i = 0; i < v.size(); ++i) {
    if (!IsSpace(v[i])) continue;
    size_t run_end = i + 1;
    while (run_end < v.size() && IsSpace(v[run_end])) ++run_end;
    if (v[i] != ' ' || run_end > i + 1) {  // not already a single ' '
      out.append(v.data() + copied, i - copied);
      out.push_back(' ');
      copied = run_end;
    }
    i = run_end - 1;
  }
  out.append(v.data() + copied, v.size() - copied);
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


void AppendUriEncoded(std::string& out, std::string_view s, bool keep_slash) {
  static const char kHex[] = "0123456789ABCDEF";
  for (unsigned char c : s) {
    if (IsUnreserved(c) || (keep_slash && c == '/')) {
      out.push_back(static_cast<char>(c));
    } else {
      out.push_back('%');
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 15]);
    }
  }
}

int UpperHexDigit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// True when UriEncode(UriDecode(s)) == s: only unreserved characters and
// %XY escapes (uppercase hex) of bytes that must be escaped. The AWS SDKs
// send query strings in this form, so the canonical query can use the wire
// text without decoding and re-encoding it.
bool IsCanonicallyEncoded(std::string_view s) {
  for (size_t i = 0; i < s.size(); ++i) {
    unsigned char c = s[i];
    if (IsUnreserved(c)) continue;
    // UriDecode keeps a '%' without two characters after it literally, and
    // UriEncode would then escape that '%'.
    if (c != '%' || i + 2 >= s.size()) return false;
    int hi = UpperHexDigit(s[i + 1]), lo = UpperHexDigit(s[i + 2]);
    if (hi < 0 || lo < 0 || IsUnreserved(static_cast<unsigned char>(hi * 16 + lo))) return false;
    i += 2;
  }
  return true;
}

// True when NormalizePath(path) == path and UriEncode(path, keep_slash) ==
// path: an absolute path of unreserved characters without empty, "." or
// ".." segments ("/GetComponent", "/tags/arn%3A..." is not).
bool IsCanonicalPlainPath(std::string_view path) {
  if (path.empty() || path[0] != '/') return false;
  size_t seg_start = 1;
  for (size_t i = 1; i <= path.size(); ++i) {
    if (i < path.size() && path[i] != '/') {
      if (!IsUnreserved(path[i])) return false;
      continue;
    }
    std::string_view seg = path.substr(seg_start, i - seg_start);
    bool last = i == path.size();
    // An empty last segment is the trailing '/' (or the root), which
    // NormalizePath keeps; an empty inner one ("//") it removes.
    if ((seg.empty() && !last) || seg == "." || seg == "..") return false;
    seg_start = i + 1;
  }
  return true;
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

void AppendCanonicalUri(std::string& out, std::string_view path, UriMode mode) {
  if (path.empty()) {
    out.push_back('/');
  } else if (mode == UriMode::kS3 || IsCanonicalPlainPath(path)) {
    out += path;
  } else {
    AppendUriEncoded(out, NormalizePath(path), /*keep_slash=*/true);
  }
}

std::pair<std::string_view, std::string_view> SplitTarget(std::string_view target) {
  size_t q = target.find('?');
  if (q == std::string_view::npos) return {target, {}};
  return {target.substr(0, q), target.substr(q + 1)};
}

// ------------------------------------------------------------ query string


// ------------------------------------------------------------ headers

// Appends "name:value\n" for each distinct name in `signed_names` that the
// request has, in byte order of the names. Header names match when trimmed
// and lowercased they equal the signed name; values are trimmed with inner
// whitespace runs collapsed, and repeated headers are joined by ',' in wire
// order. A request has a handful of signed headers, so sorting views in a
// small array and matching each header once beats a std::map of copies.
void AppendCanonicalHeaders(std::string& out, const HeaderViews& headers,
                            std::span<const std::string_view> signed_names) {
  // Small requests (all real ones) use arrays on the stack.
  constexpr size_t kInline = 32;
  std::array<std::string_view, kInline> inline_names;
  std::vector<std::string_view> heap_names;
  std::span<std::string_view> names;
  if (signed_names.size() <= kInline) {
    std::copy(signed_names.begin(), signed_names.end(), inline_names.begin());
    names = std::span(inline_names).first(signed_names.size());
  } else {
    heap_names.assign(signed_names.begin(), signed_names.end());
    names = heap_names;
  }
  std::sort(names.begin(), names.end());
  names = names.first(std::unique(names.begin(), names.end()) - names.begin());

  // The index of the sorted name each header carries (kNone: not signed),
  // found in one pass over the headers.
  constexpr size_t kNone = SIZE_MAX;
  std::array<size_t, kInline> inline_match;
  std::vector<size_t> heap_match;
  std::span<size_t> match;
  if (headers.size() <= kInline) {
    match = std::span(inline_match).first(headers.size());
  } else {
    heap_match.resize(headers.size());
    match = heap_match;
  }
  for (size_t h = 0; h < headers.size(); ++h) {
    std::string_view name = Trim(headers[h].first);
    match[h] = kNone;
    for (size_t i = 0; i < names.size(); ++i) {
      if (LowerEquals(name, names[i])) {
        match[h] = i;
        break;
      }
    }
  }

  for (size_t i = 0; i < names.size(); ++i) {
    bool found = false;
    for (size_t h = 0; h < headers.size(); ++h) {
      if (match[h] != i) continue;
      if (found) {
        out.push_back(',');
      } else {
        out += names[i];
        out.push_back(':');
        found = true;
      }
      AppendCollapsed(out, headers[h].second);
    }
    if (found) out.push_back('\n');
  }
}

// The canonical request, appended to `out`.
void AppendCanonicalRequest(std::string& out, std::string_view method, std::string_view path,
                            QueryParams& query, std::string_view skip_query_key, const HeaderViews& headers,
                            std::span<const std::string_view> signed_names, std::string_view payload_hash,
                            UriMode mode) {
  out += method;
  out.push_back('\n');
  AppendCanonicalUri(out, path, mode);
  out.push_back('\n');
  query.AppendCanonical(out, skip_query_key);
  out.push_back('\n');
  AppendCanonicalHeaders(out, headers, signed_names);
  out.push_back('\n');
  // The signed-headers line keeps the given order (conforming clients sort it).
  AppendJoined(out, signed_names, ';');
  out.push_back('\n');
  out += payload_hash;
}

// ------------------------------------------------------------ crypto


Sha256Hexits ToHex(const Sha256& bytes) {
  static const char kHex[] = "0123456789abcdef";
  Sha256Hexits out;
  for (size_t i = 0; i < bytes.size(); ++i) {
    out[2 * i] = kHex[bytes[i] >> 4];
    out[2 * i + 1] = kHex[bytes[i] & 15];
  }
  return out;
}

std::string_view View(const Sha256Hexits& h) { return {h.data(), h.size()}; }
std::string_view View(const Sha256& b) { return {reinterpret_cast<const char*>(b.data()), b.size()}; }

// HMAC-SHA256 of the concatenated `pieces` on a per-thread EVP_MAC context.
// OpenSSL 3's one-shot HMAC() looks the algorithm and digest up by name on
// every call, which was a visible share of a signed API request; here they
// are fetched once per thread. Taking pieces lets the string to sign be
// hashed without being assembled. Falls back to HmacSha256 if the provider
// is unavailable.
Sha256 HmacPieces(std::string_view key, std::initializer_list<std::string_view> pieces) {
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
  Sha256 out;
  size_t len = 0;
  bool ok = c.ready && EVP_MAC_init(c.ctx, reinterpret_cast<const unsigned char*>(key.data()),
                                    key.size(), nullptr) == 1;
  for (std::string_view p : pieces) {
    ok = ok && EVP_MAC_update(c.ctx, reinterpret_cast<const unsigned char*>(p.data()), p.size()) == 1;
  }
  if (ok && EVP_MAC_final(c.ctx, out.data(), &len, out.size()) == 1 && len == out.size()) return out;
  std::string data;
  for (std::string_view p : pieces) data += p;
  std::string mac = HmacSha256(key, data);
  std::copy(mac.begin(), mac.end(), out.begin());
  return out;
}

std::string FastHmacSha256(std::string_view key, std::string_view data) {
  Sha256 mac = HmacPieces(key, {data});
  return std::string(View(mac));
}

// Lowercase hex SHA-256 on a per-thread digest context: EVP_sha256() is
// looked up by name inside EVP_Digest on every call in OpenSSL 3, and
// EVP_Digest allocates a context each time.
Sha256Hexits Sha256HexOf(std::string_view data) {
  // GET requests have no body: its hash is a constant.
  static constexpr std::string_view kEmptyHash =
      "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
  Sha256Hexits h;
  if (data.empty()) {
    std::copy(kEmptyHash.begin(), kEmptyHash.end(), h.begin());
    return h;
  }
  struct Ctx {
    EVP_MD* md = EVP_MD_fetch(nullptr, "SHA256", nullptr);
    EVP_MD_CTX* ctx = EVP_MD_CTX_new();
    ~Ctx() {
      EVP_MD_CTX_free(ctx);
      EVP_MD_free(md);
    }
  };
  thread_local Ctx c;
  Sha256 out;
  unsigned int len = 0;
  if (c.md && c.ctx && EVP_DigestInit_ex(c.ctx, c.md, nullptr) == 1 &&
      EVP_DigestUpdate(c.ctx, data.data(), data.size()) == 1 &&
      EVP_DigestFinal_ex(c.ctx, out.data(), &len) == 1 && len == out.size()) {
    return ToHex(out);
  }
  std::string hex = Sha256Hex(data);
  std::copy(hex.begin(), hex.end(), h.begin());
  return h;
}

std::string FastSha256Hex(std::string_view data) { return std::string(View(Sha256HexOf(data))); }

// "20150830T123600Z" -> Unix millis.
Result<int64_t> ParseAmzDate(std::string_view s) {
  if (s.size() != 16 || s[8] != 'T' || s[15] != 'Z') {
    return Status::Invalid("X-Amz-Date '" + std::string(s) + "' is not in the form YYYYMMDDTHHMMSSZ");
  }
  for (size_t i = 0; i < 15; ++i) {
    if (i != 8 && !IsDigit(s[i])) {
      return Status::Invalid("X-Amz-Date '" + std::string(s) + "' is not in the form YYYYMMDDTHHMMSSZ");
    }
  }
  auto num = [&](size_t pos, size_t len) {
    int v = 0;
    for (size_t i = pos; i < pos + len; ++i) v = v * 10 + (s[i] - '0');
    return v;
  };
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

// The signing key only changes with the secret, the day, the region and the
// service, so each thread keeps the few it derived last instead of running
// the four-HMAC chain for every request (as the AWS SDKs do). The reference
// is valid until this thread's next call.
const std::string& CachedSigningKey(std::string_view secret, std::string_view date,
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
  if (cache.size() < kEntries) {
    cache.push_back(std::move(e));
    return cache.back().key;
  }
  size_t slot = next;
  cache[slot] = std::move(e);  // replace the oldest
  next = (next + 1) % kEntries;
  return cache[slot].key;
}

// hex(HMAC(signing key, string to sign)); the string to sign is
//   AWS4-HMAC-SHA256 \n amz-date \n date/region/service/aws4_request \n
//   hex(sha256(canonical request))
// and goes to HMAC in pieces rather than being built.
Sha256Hexits SignatureHex(std::string_view secret, std::string_view amz_date, std::string_view region,
                          std::string_view service, std::string_view canonical_request) {
  std::string_view date = amz_date.substr(0, 8);
  Sha256Hexits hashed = Sha256HexOf(canonical_request);
  Sha256 mac = HmacPieces(CachedSigningKey(secret, date, region, service),
                          {kAlgorithm, "\n", amz_date, "\n", date, "/", region, "/", service,
                           "/aws4_request\n", View(hashed)});
  return ToHex(mac);
}

std::string Signature(std::string_view secret, std::string_view amz_date, std::string_view region,
                      std::string_view service, std::string_view canonical_request) {
  return std::string(View(SignatureHex(secret, amz_date, region, service, canonical_request)));
}

std::string EmptyHash() { return Sha256Hex(""); }

// Views of `names` for the span-based builders.
std::vector<std::string_view> Views(const std::vector<std::string>& names) {
  return std::vector<std::string_view>(names.begin(), names.end());
}

}  // namespace kiln::sigv4::internal
