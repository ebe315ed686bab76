// Image store, layers, snapshots and exports, checked with independent
// tools (tar, zstd, skopeo, umoci, debugfs, qemu-img) where installed.
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include <gtest/gtest.h>

#include "image/busybox_root.h"
#include "image/digest.h"
#include "image/export.h"
#include "image/layer.h"
#include "image/store.h"
#include "instance/mounts.h"
#include "common/process.h"

namespace kiln::image {
using namespace kiln::host;  // RunProcess & co. (instance/process.h)
namespace {
namespace fs = std::filesystem;

bool Have(const char* tool) {
  return RunProcess({.argv = {"sh", "-c", std::string("command -v ") + tool}})->exit_code == 0;
}

std::string Sh(const std::string& cmd) {
  auto r = RunProcess({.argv = {"sh", "-c", cmd}, .timeout_ms = 120000});
  EXPECT_TRUE(r.ok());
  EXPECT_EQ(r->exit_code, 0) << cmd << "\n" << r->stderr_data;
  return r->stdout_data;
}

void Write(const std::string& path, const std::string& text) {
  fs::create_directories(fs::path(path).parent_path());
  std::ofstream(path) << text;
}

class ImageTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (geteuid() != 0) GTEST_SKIP() << "needs root (whiteouts are device nodes, overlay mounts)";
    char tmpl[] = "/tmp/kiln-image-test-XXXXXX";
    dir_ = mkdtemp(tmpl);
  }
  void TearDown() override {
    if (dir_.empty()) return;
    EXPECT_TRUE(MountsUnder(dir_).empty());
    if (MountsUnder(dir_).empty()) fs::remove_all(dir_);
  }
  // An overlay-style upper dir: a new file, a deleted file, an opaque dir.
  std::string MakeUpper() {
    std::string up = dir_ + "/upper";
    Write(up + "/etc/motd", "built by kiln\n");
    Write(up + "/srv/data/new.txt", "fresh\n");
    fs::create_directories(up + "/bin");
    mknod((up + "/bin/vi").c_str(), S_IFCHR, makedev(0, 0));
    lsetxattr((up + "/srv/data").c_str(), "trusted.overlay.opaque", "y", 1, 0);
    return up;
  }
  std::string dir_;
};

TEST_F(ImageTest, LayerRoundTripConvertsWhiteouts) {
  std::string up = MakeUpper();
  fs::create_directories(dir_ + "/upper/opt/kiln/bin");
  Write(up + "/a/file", "x");
  fs::create_hard_link(up + "/a/file", up + "/a/link");
  fs::create_symlink("file", up + "/a/sym");
  setxattr((up + "/a/file").c_str(), "user.kiln", "v", 1, 0);
  WriteLayerOptions opts;
  opts.exclude = {"opt/kiln"};
  auto info = WriteLayer(up, dir_ + "/layer.tar.zst", opts);
  ASSERT_TRUE(info.ok()) << info.status().ToString();
  EXPECT_EQ(info->digest, *DigestOfFile(dir_ + "/layer.tar.zst"));
  // Independent check of the diff_id and the OCI whiteout names.
  EXPECT_EQ("sha256:" + Sh("zstd -dc " + dir_ + "/layer.tar.zst | sha256sum | cut -c1-64"),
            info->diff_id + "\n");
  std::string listing = Sh("tar --zstd -tf " + dir_ + "/layer.tar.zst");
  EXPECT_NE(listing.find("bin/.wh.vi\n"), std::string::npos) << listing;
  EXPECT_NE(listing.find("srv/data/.wh..wh..opq\n"), std::string::npos) << listing;
  EXPECT_EQ(listing.find("opt/kiln"), std::string::npos) << listing;

  std::string out = dir_ + "/unpacked";
  fs::create_directories(out);
  ASSERT_TRUE(UnpackLayer(dir_ + "/layer.tar.zst", out).ok());
  struct stat st;
  ASSERT_EQ(lstat((out + "/bin/vi").c_str(), &st), 0);
  EXPECT_TRUE(S_ISCHR(st.st_mode) && st.st_rdev == makedev(0, 0));
  char v[2] = {0};
  EXPECT_EQ(lgetxattr((out + "/srv/data").c_str(), "trusted.overlay.opaque", v, 1), 1);
  EXPECT_EQ(v[0], 'y');
  EXPECT_EQ(fs::hard_link_count(out + "/a/file"), 2u);
  EXPECT_EQ(fs::read_symlink(out + "/a/sym"), "file");
  EXPECT_EQ(lgetxattr((out + "/a/file").c_str(), "user.kiln", v, 1), 1);
}

TEST_F(ImageTest, UnpackRejectsEscapingEntries) {
  Sh("cd " + dir_ + " && python3 -c \"import tarfile,io; t=tarfile.open('evil.tar','w'); "
     "i=tarfile.TarInfo('../evil'); i.size=1; t.addfile(i, io.BytesIO(b'x')); t.close()\"");
  fs::create_directories(dir_ + "/out");
  Status s = UnpackLayer(dir_ + "/evil.tar", dir_ + "/out");
  EXPECT_FALSE(s.ok());
  EXPECT_NE(s.message().find("escapes"), std::string::npos) << s.ToString();
  EXPECT_FALSE(fs::exists(dir_ + "/evil"));
}

TEST_F(ImageTest, UnpackRejectsWhiteoutsThroughSymlinks) {
  Write(dir_ + "/victim/keep", "precious");
  Sh("cd " + dir_ + " && python3 -c \"import tarfile,io; t=tarfile.open('evil.tar','w'); "
     "l=tarfile.TarInfo('etc'); l.type=tarfile.SYMTYPE; l.linkname='" + dir_ + "/victim'; t.addfile(l); "
     "w=tarfile.TarInfo('etc/.wh.keep'); t.addfile(w, io.BytesIO(b'')); t.close()\"");
  fs::create_directories(dir_ + "/out");
  Status s = UnpackLayer(dir_ + "/evil.tar", dir_ + "/out");
  EXPECT_FALSE(s.ok());
  EXPECT_TRUE(fs::is_regular_file(dir_ + "/victim/keep"));
}

TEST_F(ImageTest, SnapshotExportAndIndependentTools) {
  auto store = ImageStore::Open(dir_ + "/data");
  ASSERT_TRUE(store.ok()) << store.status().ToString();
  auto base = store->Busybox();
  ASSERT_TRUE(base.ok()) << base.status().ToString();
  EXPECT_EQ(base->layers.size(), 1u);
  auto dirs = store->LayerDirs(*base);
  ASSERT_TRUE(dirs.ok()) << dirs.status().ToString();
  EXPECT_TRUE(fs::exists((*dirs)[0] + "/bin/busybox"));

  CommitOptions c;
  c.name = "hello:1.0.0";
  c.created_by = "test";
  auto img = store->Commit(*base, MakeUpper(), c);
  ASSERT_TRUE(img.ok()) << img.status().ToString();
  ASSERT_EQ(img->layers.size(), 2u);
  EXPECT_EQ(img->config["rootfs"]["diff_ids"].size(), 2u);
  EXPECT_EQ(img->config["history"].size(), 2u);
  ASSERT_TRUE(store->Get("hello:1.0.0").ok());

  // The store itself is an OCI layout skopeo reads.
  if (Have("skopeo")) {
    std::string js = Sh("skopeo inspect --raw oci:" + dir_ + "/data/images:hello:1.0.0");
    EXPECT_NE(js.find(img->layers[1].digest), std::string::npos);
  }

  ExportOptions e;
  e.output = dir_ + "/out-layout";
  ASSERT_TRUE(ExportImage(*store, *img, e).ok());
  // umoci 0.4 reads only gzip layers: a second tag, recompressed.
  ExportOptions gz = e;
  gz.tag = "gzip";
  gz.compression = Compression::kGzip;
  ASSERT_TRUE(ExportImage(*store, *img, gz).ok());
  if (Have("skopeo")) {
    auto info = Json::parse(Sh("skopeo inspect oci:" + e.output + ":1.0.0"));
    EXPECT_EQ(info["Layers"].size(), 2u);
    EXPECT_EQ(info["Digest"], img->manifest_digest);
    auto gzinfo = Json::parse(Sh("skopeo inspect --config oci:" + e.output + ":gzip"));
    EXPECT_EQ(gzinfo["rootfs"]["diff_ids"], img->config["rootfs"]["diff_ids"]);
  }
  if (Have("umoci")) {
    Sh("umoci unpack --image " + e.output + ":gzip " + dir_ + "/bundle >/dev/null");
    std::string rootfs = dir_ + "/bundle/rootfs";
    std::ifstream motd(rootfs + "/etc/motd");
    std::string line;
    std::getline(motd, line);
    EXPECT_EQ(line, "built by kiln");
    EXPECT_FALSE(fs::exists(fs::symlink_status(rootfs + "/bin/vi")));  // whiteout applied
    EXPECT_TRUE(fs::exists(rootfs + "/bin/busybox"));
    EXPECT_TRUE(fs::exists(rootfs + "/srv/data/new.txt"));
    // Same tree as Kiln's own flattened view.
    Status s = WithFlattenedRoot(*store, *img, [&](const std::string& root) {
      EXPECT_EQ(Sh("cd " + root + " && find . | sort"), Sh("cd " + rootfs + " && find . | sort"));
      return Status::Ok();
    });
    EXPECT_TRUE(s.ok()) << s.ToString();
  }

  // Archive and re-import into a second store: same manifest.
  e.format = ExportFormat::kOciArchive;
  e.output = dir_ + "/image.tar";
  ASSERT_TRUE(ExportImage(*store, *img, e).ok());
  if (Have("skopeo")) Sh("skopeo inspect oci-archive:" + e.output + ":1.0.0 >/dev/null");
  auto other = ImageStore::Open(dir_ + "/data2");
  ASSERT_TRUE(other.ok());
  auto imported = other->ImportOciLayout(dir_ + "/out-layout", "1.0.0", "copy:1");
  ASSERT_TRUE(imported.ok()) << imported.status().ToString();
  EXPECT_EQ(imported->manifest_digest, img->manifest_digest);
  EXPECT_FALSE(other->ImportOciLayout(dir_ + "/out-layout", "nope", "x:1").ok());

  // Disks.
  e.format = ExportFormat::kRaw;
  e.output = dir_ + "/disk.raw";
  Status raw = ExportImage(*store, *img, e);
  ASSERT_TRUE(raw.ok()) << raw.ToString();
  if (Have("debugfs")) {
    EXPECT_EQ(Sh("debugfs -R 'cat /etc/motd' " + e.output + " 2>/dev/null"), "built by kiln\n");
    EXPECT_NE(Sh("debugfs -R 'stat /bin/vi' " + e.output + " 2>&1").find("not found"), std::string::npos);
  }
  if (Have("qemu-img")) {
    e.format = ExportFormat::kQcow2;
    e.output = dir_ + "/disk.qcow2";
    ASSERT_TRUE(ExportImage(*store, *img, e).ok());
    EXPECT_NE(Sh("qemu-img info " + e.output).find("file format: qcow2"), std::string::npos);
  }

  // Removing names garbage-collects the extracted layers nobody uses.
  ASSERT_TRUE(store->Remove("hello:1.0.0").ok());
  EXPECT_FALSE(store->Get("hello:1.0.0").ok());
  EXPECT_TRUE(store->Get("busybox:latest").ok());
  EXPECT_TRUE(fs::exists((*dirs)[0]));
  EXPECT_FALSE(store->Remove("hello:1.0.0").ok());
}

TEST(ImageNameTest, Validation) {
  EXPECT_TRUE(ValidateImageName("hello:1.0.0").ok());
  EXPECT_FALSE(ValidateImageName("").ok());
  EXPECT_FALSE(ValidateImageName("bad name").ok());
  EXPECT_FALSE(ValidateImageName(":x").ok());
  EXPECT_FALSE(ParseExportFormat("vmdk").ok());
}

}  // namespace
}  // namespace kiln::image
