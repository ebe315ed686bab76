// Internals shared by sigv4.cc (the building blocks and signing) and
// sigv4_verify.cc (verification); defined in sigv4_canonical.cc. Not part
// of the interface: use common/sigv4.h.
#pragma once

#include <algorithm>
#include <array>
#include <cstdint>
#include <initializer_list>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/sigv4.h"

namespace kiln::sigv4::internal {

using HeaderViews = std::vector<std::pair<std::string_view, std::string_view>>;
using Sha256 = std::array<unsigned char, 32>;
using Sha256Hexits = std::array<char, 64>;

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

// ------------------------------------------------------------ functions

std::string Lower(std::string_view s);

bool IEquals(std::string_view a, std::string_view b);

// True when lowercasing `mixed` gives exactly `lower` (which is not itself
// lowercased: an uppercase letter in it never matches, as before).
bool LowerEquals(std::string_view mixed, std::string_view lower);

std::string_view Trim(std::string_view s);

// Appends `v` trimmed, with every run of whitespace turned into one space.
// Copies the stretches between such runs whole: most values have none.
void AppendCollapsed(std::string& out, std::string_view v);

std::vector<std::string_view> Split(std::string_view s, char sep);

void AppendUriEncoded(std::string& out, std::string_view s, bool keep_slash);

int UpperHexDigit(char c);

// True when UriEncode(UriDecode(s)) == s: only unreserved characters and
// %XY escapes (uppercase hex) of bytes that must be escaped. The AWS SDKs
// send query strings in this form, so the canonical query can use the wire
// text without decoding and re-encoding it.
bool IsCanonicallyEncoded(std::string_view s);

// True when NormalizePath(path) == path and UriEncode(path, keep_slash) ==
// path: an absolute path of unreserved characters without empty, "." or
// ".." segments ("/GetComponent", "/tags/arn%3A..." is not).
bool IsCanonicalPlainPath(std::string_view path);

// Removes "." and ".." and empty segments, keeping a leading and trailing '/'.
std::string NormalizePath(std::string_view path);

void AppendCanonicalUri(std::string& out, std::string_view path, UriMode mode);

std::pair<std::string_view, std::string_view> SplitTarget(std::string_view target);

// Appends "name:value\n" for each distinct name in `signed_names` that the
// request has, in byte order of the names. Header names match when trimmed
// and lowercased they equal the signed name; values are trimmed with inner
// whitespace runs collapsed, and repeated headers are joined by ',' in wire
// order. A request has a handful of signed headers, so sorting views in a
// small array and matching each header once beats a std::map of copies.
void AppendCanonicalHeaders(std::string& out, const HeaderViews& headers,
                            std::span<const std::string_view> signed_names);

Sha256Hexits ToHex(const Sha256& bytes);
std::string_view View(const Sha256Hexits& h);
std::string_view View(const Sha256& b);

// HMAC-SHA256 of the concatenated `pieces` on a per-thread EVP_MAC context.
// OpenSSL 3's one-shot HMAC() looks the algorithm and digest up by name on
// every call, which was a visible share of a signed API request; here they
// are fetched once per thread. Taking pieces lets the string to sign be
// hashed without being assembled. Falls back to HmacSha256 if the provider
// is unavailable.
Sha256 HmacPieces(std::string_view key, std::initializer_list<std::string_view> pieces);
std::string FastHmacSha256(std::string_view key, std::string_view data);

// Lowercase hex SHA-256 on a per-thread digest context: EVP_sha256() is
// looked up by name inside EVP_Digest on every call in OpenSSL 3, and
// EVP_Digest allocates a context each time.
Sha256Hexits Sha256HexOf(std::string_view data);
std::string FastSha256Hex(std::string_view data);

// "20150830T123600Z" -> Unix millis.
Result<int64_t> ParseAmzDate(std::string_view s);

// "date/region/service/aws4_request"
std::string Scope(std::string_view date, std::string_view region, std::string_view service);

// The signing key only changes with the secret, the day, the region and the
// service, so each thread keeps the few it derived last instead of running
// the four-HMAC chain for every request (as the AWS SDKs do). The reference
// is valid until this thread's next call.
const std::string& CachedSigningKey(std::string_view secret, std::string_view date,
                                    std::string_view region, std::string_view service);

// hex(HMAC(signing key, string to sign)); the string to sign is
//   AWS4-HMAC-SHA256 \n amz-date \n date/region/service/aws4_request \n
//   hex(sha256(canonical request))
// and goes to HMAC in pieces rather than being built.
Sha256Hexits SignatureHex(std::string_view secret, std::string_view amz_date, std::string_view region,
                          std::string_view service, std::string_view canonical_request);
std::string Signature(std::string_view secret, std::string_view amz_date, std::string_view region,
                      std::string_view service, std::string_view canonical_request);
std::string EmptyHash();

// Views of `names` for the span-based builders.
std::vector<std::string_view> Views(const std::vector<std::string>& names);

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

// The canonical request, appended to `out`.
void AppendCanonicalRequest(std::string& out, std::string_view method, std::string_view path,
                            QueryParams& query, std::string_view skip_query_key, const HeaderViews& headers,
                            std::span<const std::string_view> signed_names, std::string_view payload_hash,
                            UriMode mode);

}  // namespace kiln::sigv4::internal
