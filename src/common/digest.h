// Message digests and HMAC over OpenSSL's EVP API, hex encoded the way AWS
// and checksum files write them (lowercase). Used by SigV4, the S3 client,
// WebDownload's checksum check and the file-hash comparison operators.
#pragma once

#include <string>
#include <string_view>

#include "common/hash.h"  // HexEncode, HmacSha256
#include "common/status.h"

namespace kiln {

enum class DigestAlgorithm { kMd5, kSha1, kSha256, kSha512 };

// "MD5", "SHA1", "SHA256", "SHA512" (case-insensitive; "SHA-256" too).
Result<DigestAlgorithm> ParseDigestAlgorithm(std::string_view name);
const char* DigestAlgorithmName(DigestAlgorithm a);

// Raw (binary) digest of `data`.
std::string Digest(DigestAlgorithm a, std::string_view data);
// Lowercase hex digest of `data`.
std::string DigestHex(DigestAlgorithm a, std::string_view data);
// Lowercase hex digest of a file's bytes, read in chunks.
Result<std::string> FileDigestHex(DigestAlgorithm a, const std::string& path);

inline std::string Sha256Hex(std::string_view data) {
  return DigestHex(DigestAlgorithm::kSha256, data);
}

// Incremental digest for data that arrives in pieces (downloads, uploads).
class Digester {
 public:
  explicit Digester(DigestAlgorithm a);
  ~Digester();
  Digester(const Digester&) = delete;
  Digester& operator=(const Digester&) = delete;
  void Update(std::string_view data);
  std::string FinishHex();  // may be called once

 private:
  void* ctx_;  // EVP_MD_CTX*, kept opaque so callers need no OpenSSL headers
};

}  // namespace kiln
