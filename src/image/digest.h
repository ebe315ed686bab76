// SHA-256 content digests in OCI form ("sha256:<64 hex>"), streaming.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "common/status.h"

namespace kiln::image {

class Sha256 {
 public:
  Sha256();
  ~Sha256();
  Sha256(const Sha256&) = delete;
  Sha256& operator=(const Sha256&) = delete;
  void Update(const void* data, size_t size);
  void Update(std::string_view data) { Update(data.data(), data.size()); }
  // "sha256:<hex>"; the hasher must not be used afterwards.
  std::string Finish();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

std::string DigestOf(std::string_view data);
Result<std::string> DigestOfFile(const std::string& path);
// True for "sha256:" followed by 64 lowercase hex digits.
bool IsDigest(std::string_view digest);
// The hex part of "sha256:<hex>".
inline std::string DigestHex(const std::string& digest) { return digest.substr(7); }

}  // namespace kiln::image
