#include "common/digest.h"

#include <fstream>
#include <vector>

#include <openssl/evp.h>

namespace kiln {
namespace {

const EVP_MD* Md(DigestAlgorithm a) {
  switch (a) {
    case DigestAlgorithm::kMd5: return EVP_md5();
    case DigestAlgorithm::kSha1: return EVP_sha1();
    case DigestAlgorithm::kSha256: return EVP_sha256();
    case DigestAlgorithm::kSha512: return EVP_sha512();
  }
  return EVP_sha256();
}

std::string Upper(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(toupper(static_cast<unsigned char>(c)));
  return out;
}

}  // namespace

Result<DigestAlgorithm> ParseDigestAlgorithm(std::string_view name) {
  std::string n = Upper(name);
  if (n == "MD5") return DigestAlgorithm::kMd5;
  if (n == "SHA1" || n == "SHA-1") return DigestAlgorithm::kSha1;
  if (n == "SHA256" || n == "SHA-256") return DigestAlgorithm::kSha256;
  if (n == "SHA512" || n == "SHA-512") return DigestAlgorithm::kSha512;
  return Status::Invalid("unknown hash algorithm '" + std::string(name) +
                         "' (expected MD5, SHA1, SHA256 or SHA512)");
}

const char* DigestAlgorithmName(DigestAlgorithm a) {
  switch (a) {
    case DigestAlgorithm::kMd5: return "MD5";
    case DigestAlgorithm::kSha1: return "SHA1";
    case DigestAlgorithm::kSha256: return "SHA256";
    case DigestAlgorithm::kSha512: return "SHA512";
  }
  return "?";
}

std::string Digest(DigestAlgorithm a, std::string_view data) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_Digest(data.data(), data.size(), md, &len, Md(a), nullptr);
  return std::string(reinterpret_cast<char*>(md), len);
}

std::string DigestHex(DigestAlgorithm a, std::string_view data) {
  return HexEncode(Digest(a, data));
}

Digester::Digester(DigestAlgorithm a) : ctx_(EVP_MD_CTX_new()) {
  EVP_DigestInit_ex(static_cast<EVP_MD_CTX*>(ctx_), Md(a), nullptr);
}

Digester::~Digester() { EVP_MD_CTX_free(static_cast<EVP_MD_CTX*>(ctx_)); }

void Digester::Update(std::string_view data) {
  EVP_DigestUpdate(static_cast<EVP_MD_CTX*>(ctx_), data.data(), data.size());
}

std::string Digester::FinishHex() {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_DigestFinal_ex(static_cast<EVP_MD_CTX*>(ctx_), md, &len);
  return HexEncode(std::string_view(reinterpret_cast<char*>(md), len));
}

Result<std::string> FileDigestHex(DigestAlgorithm a, const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::IOError("cannot open '" + path + "' to hash it");
  Digester d(a);
  std::vector<char> buf(1 << 16);
  while (in) {
    in.read(buf.data(), static_cast<std::streamsize>(buf.size()));
    if (in.gcount() > 0) d.Update(std::string_view(buf.data(), static_cast<size_t>(in.gcount())));
  }
  if (in.bad()) return Status::IOError("error reading '" + path + "' to hash it");
  return d.FinishHex();
}

}  // namespace kiln
