#include "common/sigv4.h"

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

namespace kiln::sigv4 {
namespace {

using HeaderViews = std::vector<std::pair<std::string_view, std::string_view>>;

// ------------------------------------------------------------ ASCII helpers

constexpr bool IsSpace(unsigned char c) { return c == ' ' || (c >= '\t' && c <= '\r'); }
constexpr bool IsDigit(unsigned char c) { return c >= '0' && c <= '9'; }
constexpr bool IsAlnum(unsigned char c) {
  return IsDigit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}
constexpr char ToLower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c + ('a' - 'A')) : c; }

// RFC 3986 unreserved characters, as a table: the query and path checks
// test every byte of every request.
constexpr std::array<bool, 256> kUnreserved = [] {
  std::array<bool, 256> t{};
  for (int c = 0; c < 256; ++c) {
    t[c] = IsAlnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.' || c == '~';
  }
  return t;
}();
constexpr bool IsUnreserved(unsigned char c) { return kUnreserved[c]; }

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

// Calls f(piece) for each piece of `s` between separators (like Split,
// without the vector).
template <typename F>
void ForEachPiece(std::string_view s, char sep, F&& f) {
  while (true) {
    size_t pos = s.find(sep);
    if (pos == std::string_view::npos) {
      f(s);
      return;
    }
    f(s.substr(0, pos));
    s.remove_prefix(pos + 1);
  }
}

template <typename Names>
void AppendJoined(std::string& out, const Names& names, char sep) {
  bool first = true;
  for (const auto& n : names) {
    if (!first) out.push_back(sep);
    out += n;
    first = false;
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

// The query parameters of a request, parsed once, in wire order, each key
// and value in canonical form: UriEncode(UriDecode(raw)). Components already
// in that form (IsCanonicallyEncoded) are views into the target; the others
// are re-encoded into `storage_`. Because UriEncode is one-to-one, comparing
// a canonical key with a name made of unreserved characters (X-Amz-*) is the
// same as comparing the decoded key, and UriDecode of a canonical value
// gives the decoded value back.
class QueryParams {
 public:
  struct Param {
    std::string_view key, value;
    bool operator<(const Param& o) const { return key != o.key ? key < o.key : value < o.value; }
  };

  explicit QueryParams(std::string_view raw) {
    if (raw.empty()) return;
    params_.reserve(1 + std::count(raw.begin(), raw.end(), '&'));
    ForEachPiece(raw, '&', [&](std::string_view part) {
      if (part.empty()) return;
      size_t eq = part.find('=');
      std::string_view key = part.substr(0, eq);
      std::string_view value = eq == std::string_view::npos ? std::string_view() : part.substr(eq + 1);
      params_.push_back({Canonical(key, raw.size()), Canonical(value, raw.size())});
    });
  }
  // Views point into this object: it stays where it was built.
  QueryParams(const QueryParams&) = delete;
  QueryParams& operator=(const QueryParams&) = delete;

  // The first parameter whose (canonical) key is `key`, or null.
  const Param* Find(std::string_view key) const {
    for (const Param& p : params_) {
      if (p.key == key) return &p;
    }
    return nullptr;
  }

  // Appends the canonical query string: parameters sorted by key, then
  // value, without those whose canonical key is `skip` (when not empty).
  // Sorts the parameters in place, so Find's "first" is lost afterwards.
  void AppendCanonical(std::string& out, std::string_view skip) {
    std::sort(params_.begin(), params_.end());
    bool first = true;
    for (const Param& p : params_) {
      if (!skip.empty() && p.key == skip) continue;
      if (!first) out.push_back('&');
      out += p.key;
      out.push_back('=');
      out += p.value;
      first = false;
    }
  }

 private:
  std::string_view Canonical(std::string_view raw, size_t query_size) {
    if (IsCanonicallyEncoded(raw)) return raw;
    if (storage_.empty()) {
      // Re-encoding at most triples a component, so with this reserved the
      // buffer never moves and earlier views stay valid. (At least 32 so the
      // bytes live on the heap, not in the small-string buffer.)
      storage_.reserve(std::max<size_t>(32, 3 * query_size));
    }
    size_t start = storage_.size();
    AppendUriEncoded(storage_, UriDecode(raw), /*keep_slash=*/false);
    return std::string_view(storage_).substr(start);
  }

  std::vector<Param> params_;
  std::string storage_;
};

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

using Sha256 = std::array<unsigned char, 32>;
using Sha256Hexits = std::array<char, 64>;

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

}  // namespace

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
