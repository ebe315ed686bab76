#include "image/export.h"

#include <errno.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include <archive.h>
#include <archive_entry.h>

#include "image/digest.h"
#include "image/media_types.h"
#include "instance/mounts.h"
#include "common/process.h"

namespace kiln::image {
using namespace kiln::host;  // RunProcess & co. (instance/process.h)
namespace fs = std::filesystem;
namespace {

std::string DefaultTag(const Image& image) {
  size_t colon = image.name.rfind(':');
  return colon == std::string::npos ? "latest" : image.name.substr(colon + 1);
}

Status CopyBlob(ImageStore& store, const std::string& digest, const std::string& layout) {
  std::string dst = layout + "/blobs/sha256/" + DigestHex(digest);
  if (fs::exists(dst)) return Status::Ok();
  std::error_code ec;
  fs::create_hard_link(store.BlobPath(digest), dst, ec);  // same filesystem: free
  if (ec) fs::copy_file(store.BlobPath(digest), dst, ec);
  if (ec) return Status::IOError("copy blob " + digest + " to " + layout + ": " + ec.message());
  return Status::Ok();
}

// Writes the image's layers into the layout recompressed, and a manifest
// naming them; returns that manifest's digest and size.
Result<std::pair<std::string, int64_t>> WriteRecompressed(ImageStore& store, const Image& image,
                                                          const std::string& dir, Compression c) {
  Json layers = Json::array();
  for (const auto& l : image.layers) {
    std::string tmp = dir + "/blobs/sha256/.recompress";
    KILN_ASSIGN_OR_RETURN(LayerInfo info, RecompressLayer(store.BlobPath(l.digest), tmp, c, c == Compression::kGzip ? 6 : 3));
    if (info.diff_id != l.diff_id) {
      unlink(tmp.c_str());
      return Status::Invalid("layer " + l.digest + " does not match its diff_id " + l.diff_id);
    }
    if (rename(tmp.c_str(), (dir + "/blobs/sha256/" + DigestHex(info.digest)).c_str()) != 0) {
      return Status::IOError("store recompressed layer in " + dir);
    }
    layers.push_back({{"mediaType", info.media_type}, {"digest", info.digest}, {"size", info.size}});
  }
  KILN_ASSIGN_OR_RETURN(std::string text, [&]() -> Result<std::string> {
    std::ifstream in(store.BlobPath(image.manifest_digest));
    try {
      Json manifest = Json::parse(in);
      manifest["layers"] = layers;
      return manifest.dump();
    } catch (const std::exception& e) {
      return Status::Invalid(std::string("manifest: ") + e.what());
    }
  }());
  std::string digest = DigestOf(text);
  std::ofstream(dir + "/blobs/sha256/" + DigestHex(digest)) << text;
  return std::make_pair(digest, static_cast<int64_t>(text.size()));
}

Status WriteLayout(ImageStore& store, const Image& image, const std::string& dir, const std::string& tag,
                   std::optional<Compression> compression) {
  std::error_code ec;
  fs::create_directories(dir + "/blobs/sha256", ec);
  if (ec) return Status::IOError("create " + dir + ": " + ec.message());
  std::string manifest_digest = image.manifest_digest;
  int64_t manifest_size = image.manifest_size;
  bool convert = false;
  for (const auto& l : image.layers) convert |= compression && l.media_type != LayerMediaType(*compression);
  if (convert) {
    KILN_ASSIGN_OR_RETURN(auto m, WriteRecompressed(store, image, dir, *compression));
    manifest_digest = m.first;
    manifest_size = m.second;
  } else {
    for (const auto& l : image.layers) KILN_RETURN_IF_ERROR(CopyBlob(store, l.digest, dir));
    KILN_RETURN_IF_ERROR(CopyBlob(store, image.manifest_digest, dir));
  }
  KILN_RETURN_IF_ERROR(CopyBlob(store, image.config_digest, dir));
  std::ofstream(dir + "/oci-layout") << R"({"imageLayoutVersion":"1.0.0"})";
  Json index = {{"schemaVersion", 2}, {"manifests", Json::array()}};
  if (fs::exists(dir + "/index.json")) {  // add to an existing layout, replacing the tag
    std::ifstream in(dir + "/index.json");
    try {
      index = Json::parse(in);
    } catch (const std::exception& e) {
      return Status::Invalid(dir + "/index.json: not an OCI index: " + e.what());
    }
    Json kept = Json::array();
    for (auto& m : index.value("manifests", Json::array())) {
      if (m.value("annotations", Json::object()).value("org.opencontainers.image.ref.name", "") != tag) {
        kept.push_back(m);
      }
    }
    index["manifests"] = kept;
  }
  index["mediaType"] = kOciIndex;
  index["manifests"].push_back({{"mediaType", kOciManifest},
                                {"digest", manifest_digest},
                                {"size", manifest_size},
                                {"annotations", {{"org.opencontainers.image.ref.name", tag}}}});
  std::ofstream out(dir + "/index.json", std::ios::trunc);
  out << index.dump(2);
  if (!out) return Status::IOError("write " + dir + "/index.json");
  return Status::Ok();
}

// Tars the directory `dir` (an OCI layout) into `out_file`.
Status TarDirectory(const std::string& dir, const std::string& out_file) {
  archive* a = archive_write_new();
  archive_write_set_format_pax_restricted(a);
  Status s;
  if (archive_write_open_filename(a, out_file.c_str()) != ARCHIVE_OK) {
    s = Status::IOError("create " + out_file + ": " + archive_error_string(a));
  }
  std::error_code ec;
  std::vector<std::string> paths;
  for (auto it = fs::recursive_directory_iterator(dir, ec); s.ok() && it != fs::recursive_directory_iterator(); ++it) {
    paths.push_back(fs::relative(it->path(), dir).string());
  }
  std::sort(paths.begin(), paths.end());
  std::string buf(1 << 20, '\0');
  for (const auto& rel : paths) {
    if (!s.ok()) break;
    std::string path = dir + "/" + rel;
    struct stat st;
    if (stat(path.c_str(), &st) != 0) { s = Status::IOError("stat " + path); break; }
    archive_entry* e = archive_entry_new();
    archive_entry_copy_stat(e, &st);
    archive_entry_set_pathname(e, S_ISDIR(st.st_mode) ? (rel + "/").c_str() : rel.c_str());
    if (!S_ISREG(st.st_mode)) archive_entry_set_size(e, 0);
    if (archive_write_header(a, e) != ARCHIVE_OK) s = Status::IOError(archive_error_string(a));
    archive_entry_free(e);
    if (s.ok() && S_ISREG(st.st_mode)) {
      std::ifstream in(path, std::ios::binary);
      while (in && s.ok()) {
        in.read(buf.data(), static_cast<std::streamsize>(buf.size()));
        if (in.gcount() > 0 && archive_write_data(a, buf.data(), static_cast<size_t>(in.gcount())) < 0) {
          s = Status::IOError(archive_error_string(a));
        }
      }
    }
  }
  if (archive_write_close(a) != ARCHIVE_OK && s.ok()) s = Status::IOError(archive_error_string(a));
  archive_write_free(a);
  return s;
}

int64_t TreeBytes(const std::string& root) {
  int64_t total = 0;
  std::error_code ec;
  for (auto it = fs::recursive_directory_iterator(root, fs::directory_options::skip_permission_denied, ec);
       it != fs::recursive_directory_iterator(); it.increment(ec)) {
    total += 4096;  // inode and directory entry overhead
    if (it->is_regular_file(ec) && !it->is_symlink(ec)) total += static_cast<int64_t>(it->file_size(ec));
  }
  return total;
}

Status MakeExt4(const std::string& root, const std::string& out_file, int64_t size) {
  if (size <= 0) size = TreeBytes(root) * 13 / 10 + (64 << 20);
  size = (size + 4095) / 4096 * 4096;
  {
    std::ofstream create(out_file, std::ios::trunc);
    if (!create) return Status::IOError("create " + out_file);
  }
  std::error_code ec;
  fs::resize_file(out_file, static_cast<uintmax_t>(size), ec);
  if (ec) return Status::IOError("size " + out_file + ": " + ec.message());
  auto r = RunChecked({"mkfs.ext4", "-F", "-q", "-L", "kiln-root", "-d", root, out_file}, 600000);
  if (!r.ok()) return r.status().Prefixed("raw disk (is e2fsprogs installed?)");
  return Status::Ok();
}

}  // namespace

Result<ExportFormat> ParseExportFormat(const std::string& name) {
  if (name == "oci-layout") return ExportFormat::kOciLayout;
  if (name == "oci-archive") return ExportFormat::kOciArchive;
  if (name == "raw") return ExportFormat::kRaw;
  if (name == "qcow2") return ExportFormat::kQcow2;
  return Status::Invalid("unknown export format '" + name + "' (oci-layout, oci-archive, raw, qcow2)");
}

Status WithFlattenedRoot(ImageStore& store, const Image& image,
                         const std::function<Status(const std::string& root)>& fn) {
  KILN_ASSIGN_OR_RETURN(std::vector<std::string> layers, store.LayerDirs(image));
  KILN_ASSIGN_OR_RETURN(std::string tmp, store.TempDir());
  std::error_code ec;
  fs::create_directories(tmp + "/root", ec);
  fs::create_directories(tmp + "/empty", ec);
  // A read-only overlay needs two lower layers; an empty one is neutral.
  if (layers.size() == 1) layers.insert(layers.begin(), tmp + "/empty");
  Status s = MountOverlay(layers, "", "", tmp + "/root");
  if (s.ok()) {
    s = fn(tmp + "/root");
    Status u = Unmount(tmp + "/root");
    if (s.ok()) s = u;
  }
  Status r = RemoveTree(tmp);
  return s.ok() ? r : s;
}

Status ExportImage(ImageStore& store, const Image& image, const ExportOptions& options) {
  if (options.output.empty()) return Status::Invalid("export: --output is required");
  std::error_code ec;
  fs::path parent = fs::absolute(options.output, ec).parent_path();
  fs::create_directories(parent, ec);
  if (ec) return Status::IOError("export: cannot create " + parent.string() + ": " + ec.message());
  std::string tag = options.tag.empty() ? DefaultTag(image) : options.tag;
  switch (options.format) {
    case ExportFormat::kOciLayout:
      return WriteLayout(store, image, options.output, tag, options.compression);
    case ExportFormat::kOciArchive: {
      KILN_ASSIGN_OR_RETURN(std::string tmp, store.TempDir());
      Status s = WriteLayout(store, image, tmp + "/layout", tag, options.compression);
      if (s.ok()) s = TarDirectory(tmp + "/layout", options.output);
      fs::remove_all(tmp);
      return s;
    }
    case ExportFormat::kRaw:
      return WithFlattenedRoot(store, image, [&](const std::string& root) {
        return MakeExt4(root, options.output, options.disk_size);
      });
    case ExportFormat::kQcow2:
      return WithFlattenedRoot(store, image, [&](const std::string& root) {
        std::string raw = options.output + ".raw.tmp";
        Status s = MakeExt4(root, raw, options.disk_size);
        if (s.ok()) {
          auto r = RunChecked({"qemu-img", "convert", "-f", "raw", "-O", "qcow2", raw, options.output}, 600000);
          if (!r.ok()) s = r.status().Prefixed("qcow2 (is qemu-utils installed?)");
        }
        std::error_code ec;
        fs::remove(raw, ec);
        return s;
      });
  }
  return Status::Internal("unhandled export format");
}

}  // namespace kiln::image
