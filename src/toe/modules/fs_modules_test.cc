// Tests of the file-system modules on a temporary folder, through the
// registry, the way the executor calls them.
// ModuleResult{status} leaves the other fields at their defaults on purpose.
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include <gtest/gtest.h>

#include "toe/module.h"
#include "toe/modules/fs_util.h"
#include "toe/registry.h"

namespace kiln::toe {
namespace {

namespace fs = std::filesystem;

class FsModules : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = fs::path(::testing::TempDir()) / ("fsmod-" + std::to_string(getpid()) + "-" +
                                             ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(root_);
    fs::create_directories(root_);
    ctx_.console = &console_;
  }
  void TearDown() override { fs::remove_all(root_); }

  std::string P(const std::string& rel) const { return (root_ / rel).string(); }
  void Write(const std::string& rel, const std::string& content) {
    fs::create_directories((root_ / rel).parent_path());
    std::ofstream(root_ / rel, std::ios::binary) << content;
  }
  std::string Read(const std::string& rel) {
    std::ifstream in(root_ / rel, std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
  }
  ModuleResult Run(const std::string& module, const Json& inputs) {
    const Module* m = FindModule(module);
    EXPECT_NE(m, nullptr) << module;
    if (!m) return {};
    Status v = m->Validate(inputs);
    if (!v.ok()) return {v};
    return m->Execute(inputs, ctx_);
  }
  Status Validate(const std::string& module, const Json& inputs) { return FindModule(module)->Validate(inputs); }
  mode_t Mode(const std::string& rel) {
    struct stat st {};
    ::stat(P(rel).c_str(), &st);
    return st.st_mode & 07777;
  }
  bool LeftoverTemps() {
    for (auto& e : fs::recursive_directory_iterator(root_)) {
      if (e.path().filename().string().find(".kiln-") != std::string::npos) return true;
    }
    return false;
  }

  fs::path root_;
  std::ostringstream console_;
  StepContext ctx_;
};

TEST_F(FsModules, AllRegisteredWithPlatforms) {
  for (const char* name : {"S3Download", "S3Upload", "WebDownload", "AppendFile", "CopyFile", "CopyFolder",
                           "CreateFile", "CreateFolder", "CreateSymlink", "DeleteFile", "DeleteFolder", "ListFiles",
                           "MoveFile", "MoveFolder", "ReadFile", "SetFileEncoding", "SetFileOwner", "SetFolderOwner",
                           "SetFilePermissions", "SetFolderPermissions", "UpdateOS"}) {
    const Module* m = FindModule(name);
    ASSERT_NE(m, nullptr) << name;
    EXPECT_EQ(m->name(), name);
    EXPECT_TRUE(SupportedHere(*m)) << name;
  }
  for (const char* name : {"ExecutePowerShell", "InstallMSI", "UninstallMSI", "SetRegistry"}) {
    const Module* m = FindModule(name);
    ASSERT_NE(m, nullptr) << name;
    EXPECT_FALSE(SupportedHere(*m)) << name;
    EXPECT_EQ(m->platforms(), static_cast<unsigned>(Platform::kWindows));
  }
}

TEST_F(FsModules, CreateFileWithPropertiesAndOverwrite) {
  auto r = Run("CreateFile", Json::array({{{"path", P("a/b/new.txt")}, {"content", "hello"}, {"permissions", "0640"}}}));
  ASSERT_TRUE(r.status.ok()) << r.status.ToString();
  EXPECT_EQ(Read("a/b/new.txt"), "hello");
  EXPECT_EQ(Mode("a/b/new.txt"), 0640u);

  r = Run("CreateFile", Json::array({{{"path", P("a/b/new.txt")}, {"content", "x"}, {"overwrite", "false"}}}));
  ASSERT_FALSE(r.status.ok());
  EXPECT_NE(r.status.message().find("overwrite"), std::string::npos);
  EXPECT_EQ(Read("a/b/new.txt"), "hello");

  r = Run("CreateFile", Json::array({{{"path", P("a/b/new.txt")}, {"content", "replaced"}}}));
  ASSERT_TRUE(r.status.ok());
  EXPECT_EQ(Read("a/b/new.txt"), "replaced");
  EXPECT_EQ(Mode("a/b/new.txt"), 0640u);  // existing mode kept

  // Empty marker file, UTF-16 content, owner by id.
  r = Run("CreateFile", Json::array({{{"path", P("skip_cleanup_marker")}},
                                     {{"path", P("u16.txt")}, {"content", "Hi"}, {"encoding", "UTF-16"},
                                      {"owner", std::to_string(getuid())}, {"group", std::to_string(getgid())}}}));
  ASSERT_TRUE(r.status.ok()) << r.status.ToString();
  EXPECT_EQ(Read("skip_cleanup_marker"), "");
  EXPECT_EQ(Read("u16.txt"), std::string("H\0i\0", 4));
  EXPECT_FALSE(LeftoverTemps());
}

TEST_F(FsModules, ValidationNamesTheFieldAndAcceptsReferences) {
  Status s = Validate("CreateFile", Json::array({{{"path", "/x"}, {"permissions", "0999"}}}));
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.message().find("permissions"), std::string::npos);
  EXPECT_NE(s.message().find("inputs[0]"), std::string::npos);
  EXPECT_TRUE(Validate("CreateFile", Json::array({{{"path", "/x"}, {"permissions", "{{ build.p.outputs.stdout }}"},
                                                   {"overwrite", "{{ x }}"}}})).ok());
  s = Validate("CreateFile", Json::array({{{"content", "x"}}}));
  EXPECT_NE(s.message().find("'path' is required"), std::string::npos);
  s = Validate("CopyFile", Json::array({{{"source", "/a/*/b"}, {"destination", "/x/"}}}));
  EXPECT_NE(s.message().find("last path segment"), std::string::npos);
  s = Validate("ReadFile", Json::array({{{"path", "/a"}, {"encoding", "latin1"}}}));
  EXPECT_NE(s.message().find("encoding"), std::string::npos);
  s = Validate("DeleteFolder", Json::array({{{"path", "/a"}, {"force", "maybe"}}}));
  EXPECT_NE(s.message().find("force"), std::string::npos);
  s = Validate("AppendFile", Json::array({{{"path", "/a"}, {"contnet", "typo"}}}));
  EXPECT_NE(s.message().find("contnet"), std::string::npos);
  EXPECT_FALSE(Validate("ListFiles", Json::array()).ok());
}

TEST_F(FsModules, AppendFileNeedsExistingFileAndEncodes) {
  auto r = Run("AppendFile", Json::array({{{"path", P("missing.txt")}, {"content", "x"}}}));
  ASSERT_FALSE(r.status.ok());
  EXPECT_FALSE(fs::exists(P("missing.txt")));
  Write("f.txt", "a");
  r = Run("AppendFile", Json::array({{{"path", P("f.txt")}, {"content", "b"}},
                                     {{"path", P("f.txt")}},
                                     {{"path", P("f.txt")}, {"content", "c"}, {"encoding", "utf-32-BE"}}}));
  ASSERT_TRUE(r.status.ok()) << r.status.ToString();
  EXPECT_EQ(Read("f.txt"), std::string("ab\0\0\0c", 6));
}

TEST_F(FsModules, CopyFileRenamesKeepsNameAndWildcards) {
  Write("src/one.log", "1");
  Write("src/two.log", "2");
  Write("src/three.txt", "3");
  auto r = Run("CopyFile", Json::array({{{"source", P("src/one.log")}, {"destination", P("dst/renamed.log")}},
                                        {{"source", P("src/one.log")}, {"destination", P("keep/")}},
                                        {{"source", P("src/*.log")}, {"destination", P("wild/")}}}));
  ASSERT_TRUE(r.status.ok()) << r.status.ToString();
  EXPECT_EQ(Read("dst/renamed.log"), "1");
  EXPECT_EQ(Read("keep/one.log"), "1");
  EXPECT_EQ(Read("wild/two.log"), "2");
  EXPECT_FALSE(fs::exists(P("wild/three.txt")));

  r = Run("CopyFile", Json::array({{{"source", P("src/two.log")}, {"destination", P("dst/renamed.log")}, {"overwrite", false}}}));
  ASSERT_FALSE(r.status.ok());
  EXPECT_EQ(Read("dst/renamed.log"), "1");
  r = Run("CopyFile", Json::array({{{"source", P("src/*.log")}, {"destination", P("nodir")}}}));
  EXPECT_FALSE(r.status.ok());
  r = Run("CopyFile", Json::array({{{"source", P("src/none.bin")}, {"destination", P("x")}}}));
  EXPECT_EQ(r.status.code(), Code::kNotFound);
  EXPECT_FALSE(LeftoverTemps());
}

TEST_F(FsModules, MoveFileAndFolder) {
  Write("m/a.txt", "A");
  auto r = Run("MoveFile", Json::array({{{"source", P("m/a.txt")}, {"destination", P("moved/")}}}));
  ASSERT_TRUE(r.status.ok()) << r.status.ToString();
  EXPECT_FALSE(fs::exists(P("m/a.txt")));
  EXPECT_EQ(Read("moved/a.txt"), "A");

  Write("tree/sub/x.txt", "X");
  r = Run("MoveFolder", Json::array({{{"source", P("tree")}, {"destination", P("newtree")}}}));
  ASSERT_TRUE(r.status.ok()) << r.status.ToString();
  EXPECT_EQ(Read("newtree/sub/x.txt"), "X");
  EXPECT_FALSE(fs::exists(P("tree")));

  Write("tree2/y.txt", "Y");
  r = Run("MoveFolder", Json::array({{{"source", P("tree2")}, {"destination", P("newtree")}, {"overwrite", false}}}));
  ASSERT_FALSE(r.status.ok());
  EXPECT_TRUE(fs::exists(P("tree2/y.txt")));
  r = Run("MoveFolder", Json::array({{{"source", P("tree2")}, {"destination", P("newtree")}}}));
  ASSERT_TRUE(r.status.ok()) << r.status.ToString();
  EXPECT_EQ(Read("newtree/y.txt"), "Y");
  EXPECT_EQ(Read("newtree/sub/x.txt"), "X");  // merged
}

TEST_F(FsModules, CopyFolderIntoAndWildcard) {
  Write("lib/a/1.txt", "1");
  Write("lib/b/2.txt", "2");
  Write("lib/file.txt", "f");
  auto r = Run("CopyFolder", Json::array({{{"source", P("lib/a")}, {"destination", P("out/")}},
                                          {{"source", P("lib/*")}, {"destination", P("all/")}},
                                          {{"source", P("lib")}, {"destination", P("copy")}}}));
  ASSERT_TRUE(r.status.ok()) << r.status.ToString();
  EXPECT_EQ(Read("out/a/1.txt"), "1");
  EXPECT_EQ(Read("all/b/2.txt"), "2");
  EXPECT_FALSE(fs::exists(P("all/file.txt")));
  EXPECT_EQ(Read("copy/file.txt"), "f");
  r = Run("CopyFolder", Json::array({{{"source", P("lib")}, {"destination", P("lib/inside/")}}}));
  EXPECT_FALSE(r.status.ok());
}

TEST_F(FsModules, CreateFolderAndDeleteFolder) {
  auto r = Run("CreateFolder", Json::array({{{"path", P("d/e/f")}, {"permissions", "0750"}}}));
  ASSERT_TRUE(r.status.ok()) << r.status.ToString();
  EXPECT_EQ(Mode("d/e/f"), 0750u);
  Write("d/e/f/keep.txt", "k");
  r = Run("CreateFolder", Json::array({{{"path", P("d/e/f")}}}));
  ASSERT_TRUE(r.status.ok());
  EXPECT_EQ(Read("d/e/f/keep.txt"), "k");  // never truncated
  r = Run("CreateFolder", Json::array({{{"path", P("d/e/f")}, {"overwrite", false}}}));
  EXPECT_FALSE(r.status.ok());

  r = Run("DeleteFolder", Json::array({{{"path", P("d")}}}));
  ASSERT_FALSE(r.status.ok());
  EXPECT_NE(r.status.message().find("force"), std::string::npos);
  EXPECT_TRUE(fs::exists(P("d/e/f/keep.txt")));
  r = Run("DeleteFolder", Json::array({{{"path", P("d")}, {"force", true}}}));
  ASSERT_TRUE(r.status.ok());
  EXPECT_FALSE(fs::exists(P("d")));
  fs::create_directories(P("empty"));
  EXPECT_TRUE(Run("DeleteFolder", Json::array({{{"path", P("empty")}}})).status.ok());
  EXPECT_FALSE(Run("DeleteFolder", Json::array({{{"path", P("nope")}}})).status.ok());
}

TEST_F(FsModules, DeleteFileSingleAndWildcard) {
  Write("logs/a.log", "");
  Write("logs/b.log", "");
  Write("logs/keep.txt", "");
  fs::create_directories(P("logs/dir.log"));
  auto r = Run("DeleteFile", Json::array({{{"path", P("logs/*log")}}}));
  ASSERT_TRUE(r.status.ok()) << r.status.ToString();
  EXPECT_FALSE(fs::exists(P("logs/a.log")));
  EXPECT_TRUE(fs::exists(P("logs/keep.txt")));
  EXPECT_TRUE(fs::exists(P("logs/dir.log")));
  EXPECT_TRUE(Run("DeleteFile", Json::array({{{"path", P("logs/*.none")}}})).status.ok());
  EXPECT_FALSE(Run("DeleteFile", Json::array({{{"path", P("logs/missing")}}})).status.ok());
  EXPECT_TRUE(Run("DeleteFile", Json::array({{{"path", P("logs/keep.txt")}}})).status.ok());
  EXPECT_FALSE(fs::exists(P("logs/keep.txt")));
}

TEST_F(FsModules, ListFilesOutput) {
  Write("l/sample1.txt", "");
  Write("l/sample2.log", "");
  Write("l/sub/sample3.txt", "");
  auto r = Run("ListFiles", Json::array({{{"path", P("l")}}}));
  ASSERT_TRUE(r.status.ok());
  EXPECT_EQ(r.outputs["files"], P("l/sample1.txt") + "," + P("l/sample2.log"));
  r = Run("ListFiles", Json::array({{{"path", P("l")}, {"fileNamePattern", "*.txt"}, {"recursive", "true"}}}));
  ASSERT_TRUE(r.status.ok());
  EXPECT_EQ(r.outputs["files"], P("l/sample1.txt") + "," + P("l/sub/sample3.txt"));
  EXPECT_FALSE(Run("ListFiles", Json::array({{{"path", P("none")}}})).status.ok());
}

TEST_F(FsModules, ReadFileAndEncodings) {
  Write("r.txt", "The file content");
  auto r = Run("ReadFile", Json::array({{{"path", P("r.txt")}, {"printFileContent", true}}}));
  ASSERT_TRUE(r.status.ok());
  EXPECT_EQ(r.outputs["content"], "The file content");
  EXPECT_NE(console_.str().find("The file content"), std::string::npos);

  // SetFileEncoding to UTF-16 then ReadFile with that encoding round-trips.
  Write("e.txt", "h\xC3\xA9llo \xF0\x9F\x98\x80");
  ASSERT_TRUE(Run("SetFileEncoding", Json::array({{{"path", P("e.txt")}, {"encoding", "utf-16-BE"}}})).status.ok());
  EXPECT_EQ(Read("e.txt").size(), 2u * 6 + 4);
  r = Run("ReadFile", Json::array({{{"path", P("e.txt")}, {"encoding", "UTF16-be"}}}));
  ASSERT_TRUE(r.status.ok()) << r.status.ToString();
  EXPECT_EQ(r.outputs["content"], "h\xC3\xA9llo \xF0\x9F\x98\x80");
  EXPECT_FALSE(Run("ReadFile", Json::array({{{"path", P("absent")}}})).status.ok());
  // Two items: outputs joined with a newline.
  r = Run("ReadFile", Json::array({{{"path", P("r.txt")}}, {{"path", P("r.txt")}}}));
  EXPECT_EQ(r.outputs["content"], "The file content\nThe file content");
}

TEST_F(FsModules, EncodingHelpers) {
  using fsu::Encoding;
  EXPECT_EQ(*fsu::ParseEncoding("UTF-32"), Encoding::kUtf32Le);
  EXPECT_EQ(*fsu::ParseEncoding("utf16"), Encoding::kUtf16Le);
  EXPECT_FALSE(fsu::ParseEncoding("ascii").ok());
  EXPECT_EQ(*fsu::EncodeText("A", Encoding::kUtf32Be), std::string("\0\0\0A", 4));
  EXPECT_EQ(*fsu::DecodeText(std::string("\xFF\xFE" "A\0", 4), Encoding::kUtf8), "A");  // BOM wins
  EXPECT_FALSE(fsu::EncodeText("\xC3", Encoding::kUtf16Le).ok());
  EXPECT_EQ(*fsu::ParsePermissions("755"), 0755u);
  EXPECT_EQ(*fsu::ParsePermissions("0777"), 0777u);
  EXPECT_FALSE(fsu::ParsePermissions("rwx").ok());
  EXPECT_FALSE(fsu::ParsePermissions("08").ok());
  EXPECT_EQ(*fsu::LookupUser("root"), 0u);
  EXPECT_EQ(*fsu::LookupGroup("0"), 0u);
  EXPECT_FALSE(fsu::LookupUser("no-such-user-kiln").ok());
}

TEST_F(FsModules, SymlinkRules) {
  Write("target.txt", "t");
  auto r = Run("CreateSymlink", Json::array({{{"path", P("links/l1")}, {"target", P("target.txt")}}}));
  ASSERT_TRUE(r.status.ok()) << r.status.ToString();
  EXPECT_EQ(fs::read_symlink(P("links/l1")), P("target.txt"));
  r = Run("CreateSymlink", Json::array({{{"path", P("links/l1")}, {"target", P("target.txt")}}}));
  EXPECT_FALSE(r.status.ok());
  Write("other.txt", "o");
  r = Run("CreateSymlink", Json::array({{{"path", P("links/l1")}, {"target", P("other.txt")}, {"force", true}}}));
  ASSERT_TRUE(r.status.ok());
  EXPECT_EQ(Read("links/l1"), "o");
  r = Run("CreateSymlink", Json::array({{{"path", P("other.txt")}, {"target", P("target.txt")}, {"force", true}}}));
  EXPECT_FALSE(r.status.ok());  // a regular file is never replaced
  r = Run("CreateSymlink", Json::array({{{"path", P("links/l2")}, {"target", P("missing")}}}));
  EXPECT_FALSE(r.status.ok());
}

TEST_F(FsModules, PermissionsAndOwners) {
  Write("p/f.txt", "");
  Write("p/sub/g.txt", "");
  ASSERT_TRUE(Run("SetFilePermissions", Json::array({{{"path", P("p/f.txt")}, {"permissions", "766"}}})).status.ok());
  EXPECT_EQ(Mode("p/f.txt"), 0766u);
  ASSERT_TRUE(Run("SetFolderPermissions", Json::array({{{"path", P("p")}, {"permissions", "0777"}}})).status.ok());
  EXPECT_EQ(Mode("p/sub/g.txt"), 0777u);
  EXPECT_EQ(Mode("p/sub"), 0777u);
  ASSERT_TRUE(Run("SetFolderPermissions", Json::array({{{"path", P("p")}, {"permissions", "750"}, {"recursive", false}}})).status.ok());
  EXPECT_EQ(Mode("p"), 0750u);
  EXPECT_EQ(Mode("p/sub"), 0777u);

  std::string me = std::to_string(getuid());
  EXPECT_TRUE(Run("SetFileOwner", Json::array({{{"path", P("p/f.txt")}, {"owner", me}}})).status.ok());
  EXPECT_TRUE(Run("SetFolderOwner", Json::array({{{"path", P("p")}, {"owner", me}, {"group", std::to_string(getgid())}}})).status.ok());
  auto r = Run("SetFileOwner", Json::array({{{"path", P("p/f.txt")}, {"owner", "no-such-user-kiln"}}}));
  ASSERT_FALSE(r.status.ok());
  EXPECT_NE(r.status.message().find("no-such-user-kiln"), std::string::npos);
  EXPECT_FALSE(Run("SetFileOwner", Json::array({{{"path", P("nope")}, {"owner", me}}})).status.ok());
  EXPECT_FALSE(Validate("SetFileOwner", Json::array({{{"path", P("x")}}})).ok());
}

TEST_F(FsModules, WindowsOnlyModulesValidateButRefuseToRun) {
  const Module* ps = FindModule("ExecutePowerShell");
  EXPECT_TRUE(ps->Validate({{"commands", Json::array({"Write-Host hi"})}}).ok());
  EXPECT_FALSE(ps->Validate({{"commands", Json::array({"x"})}, {"file", "a.ps1"}}).ok());
  EXPECT_FALSE(ps->Validate(Json::object()).ok());
  EXPECT_FALSE(ps->Validate({{"file", "a.bat"}}).ok());
  auto r = ps->Execute({{"commands", Json::array({"x"})}}, ctx_);
  EXPECT_EQ(r.status.code(), Code::kUnimplemented);
  EXPECT_NE(r.status.message().find("Windows"), std::string::npos);

  const Module* msi = FindModule("InstallMSI");
  EXPECT_TRUE(msi->Validate({{"path", "C:\\a.msi"}, {"reboot", "Skip"}, {"logOptions", "*VX"},
                             {"properties", {{"COMPANYNAME", "Acme"}}}}).ok());
  EXPECT_FALSE(msi->Validate({{"path", "a.msi"}, {"reboot", "Sometimes"}}).ok());
  EXPECT_FALSE(msi->Validate({{"path", "a.msi"}, {"properties", {{"REBOOT", "ReallySuppress"}}}}).ok());
  EXPECT_FALSE(msi->Validate({{"path", "a.msi"}, {"logOptions", "z"}}).ok());

  const Module* reg = FindModule("SetRegistry");
  EXPECT_TRUE(reg->Validate(Json::array({{{"path", "HKLM:\\SOFTWARE\\X"}, {"name", "v"}, {"value", "1"}, {"type", "DWORD"}}})).ok());
  EXPECT_FALSE(reg->Validate(Json::array({{{"path", "SOFTWARE\\X"}, {"name", "v"}, {"value", "1"}, {"type", "DWORD"}}})).ok());
  EXPECT_FALSE(reg->Validate(Json::array({{{"path", "HKCU:\\X"}, {"name", "v"}, {"value", "1"}, {"type", "INT"}}})).ok());
}

}  // namespace
}  // namespace kiln::toe
