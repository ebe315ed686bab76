#include "toe/linux_inputs.h"

#include <gtest/gtest.h>

#include "toe/document.h"
#include "toe/validator.h"

namespace kiln::toe {
namespace {

TEST(LinuxInputs, WindowsPathsAreRefusedByName) {
  Status s = CheckInputsForLinux("AppendFile", Json::array({{{"path", "C:\\MyFolder\\MyFile.txt"}}}));
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.message(),
            "inputs[0]: input 'path' 'C:\\MyFolder\\MyFile.txt' is a Windows path; kiln-toe runs on Linux and "
            "needs a Linux path");
  EXPECT_FALSE(CheckInputsForLinux("CopyFile", Json::array({{{"source", "/a"}, {"destination", "d:/x"}}})).ok());
  EXPECT_FALSE(
      CheckInputsForLinux("S3Download", Json::array({{{"source", "s3://b/k"}, {"destination", "c:\\temp\\{{ loop.value }}"}}}))
          .ok());
  s = CheckInputsForLinux("ExecuteBinary", {{"path", "\\\\server\\share\\setup.exe"}});
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.message().find("inputs["), std::string::npos) << "mapping inputs have no item index";
  // Linux paths, relative ones, URLs and references stay valid.
  EXPECT_TRUE(CheckInputsForLinux("CopyFile", Json::array({{{"source", "Sample*"}, {"destination", "./C:x/"}}})).ok());
  EXPECT_TRUE(CheckInputsForLinux("DeleteFile", Json::array({{{"path", "{{ build.Download.inputs[0].destination }}"}}})).ok());
  EXPECT_TRUE(CheckInputsForLinux("WebDownload", Json::array({{{"source", "https://x/y"}, {"destination", "/tmp/"}}})).ok());
  // Modules with no file inputs are not looked at.
  EXPECT_TRUE(CheckInputsForLinux("ExecuteBash", {{"commands", Json::array({"C:\\x"})}}).ok());
}

TEST(LinuxInputs, UpdateOSRefusesKbArticles) {
  Status kb = CheckInputsForLinux("UpdateOS", {{"include", Json::array({"KB1234567", "*Security*"})}});
  ASSERT_FALSE(kb.ok());
  EXPECT_NE(kb.message().find("'KB1234567' is a Windows Update KB article ID"), std::string::npos) << kb.message();
  EXPECT_TRUE(CheckInputsForLinux("UpdateOS", {{"include", Json::array({"kbd", "kb", "libkb1"})}}).ok());
  EXPECT_TRUE(CheckInputsForLinux("UpdateOS", Json()).ok());
}

// The API server validates Windows components with the same validator:
// their C:\ paths are fine there, and refused only for Linux.
TEST(LinuxInputs, OnlyDocumentsForLinuxAreChecked) {
  const std::string yaml =
      "schemaVersion: 1.0\nphases:\n  - name: build\n    steps:\n      - name: Copy\n        action: CopyFile\n"
      "        inputs:\n          - source: C:\\a.txt\n            destination: C:\\b.txt\n";
  for (auto [platform, want_ok] : {std::pair{Platform::kWindows, true}, std::pair{Platform::kLinux, false}}) {
    Problems p;
    auto doc = ParseDocument(yaml, "doc.yml", &p);
    ASSERT_TRUE(doc.ok());
    ValidateOptions options;
    options.platform = static_cast<unsigned>(platform);
    ValidateDocument(*doc, &p, options);
    EXPECT_EQ(p.errors().empty(), want_ok) << static_cast<unsigned>(platform);
  }
}

}  // namespace
}  // namespace kiln::toe
