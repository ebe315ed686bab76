#include "common/digest.h"

#include <fstream>

#include <gtest/gtest.h>

namespace kiln {
namespace {

TEST(Digest, KnownVectors) {
  EXPECT_EQ(DigestHex(DigestAlgorithm::kMd5, "abc"), "900150983cd24fb0d6963f7d28e17f72");
  EXPECT_EQ(DigestHex(DigestAlgorithm::kSha1, "abc"), "a9993e364706816aba3e25717850c26c9cd0d89d");
  EXPECT_EQ(Sha256Hex(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(DigestHex(DigestAlgorithm::kSha512, "abc").substr(0, 16), "ddaf35a193617aba");
  // RFC 4231 test case 2.
  EXPECT_EQ(HexEncode(HmacSha256("Jefe", "what do ya want for nothing?")),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
}

TEST(Digest, ParsesAlgorithmNames) {
  EXPECT_EQ(*ParseDigestAlgorithm("sha256"), DigestAlgorithm::kSha256);
  EXPECT_EQ(*ParseDigestAlgorithm("MD5"), DigestAlgorithm::kMd5);
  EXPECT_EQ(*ParseDigestAlgorithm("Sha1"), DigestAlgorithm::kSha1);
  EXPECT_EQ(*ParseDigestAlgorithm("SHA512"), DigestAlgorithm::kSha512);
  EXPECT_FALSE(ParseDigestAlgorithm("crc32").ok());
}

TEST(Digest, FileAndIncrementalAgree) {
  std::string path = ::testing::TempDir() + "/digest_test.bin";
  std::string data(200000, 'x');
  std::ofstream(path, std::ios::binary) << data;
  auto file = FileDigestHex(DigestAlgorithm::kSha256, path);
  ASSERT_TRUE(file.ok());
  EXPECT_EQ(*file, Sha256Hex(data));
  Digester d(DigestAlgorithm::kSha256);
  d.Update(data.substr(0, 7));
  d.Update(data.substr(7));
  EXPECT_EQ(d.FinishHex(), *file);
  EXPECT_FALSE(FileDigestHex(DigestAlgorithm::kSha256, path + ".missing").ok());
}

}  // namespace
}  // namespace kiln
