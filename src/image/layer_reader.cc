// UnpackLayer: layer blob -> directory in overlayfs form.
#include <errno.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <filesystem>
#include <vector>

#include <archive.h>
#include <archive_entry.h>

#include "image/digest.h"
#include "image/layer.h"

namespace kiln::image {
namespace {
namespace fs = std::filesystem;

// "./a//b/" -> "a/b"; empty if the path is the root; error on "..".
Result<std::string> CleanPath(const std::string& raw) {
  std::string out;
  size_t i = 0;
  while (i <= raw.size()) {
    size_t j = raw.find('/', i);
    if (j == std::string::npos) j = raw.size();
    std::string part = raw.substr(i, j - i);
    if (part == "..") return Status::Invalid("layer entry '" + raw + "' escapes the root (..)");
    if (!part.empty() && part != ".") out += (out.empty() ? "" : "/") + part;
    i = j + 1;
  }
  return out;
}

Status MakeWhiteout(const std::string& path) {
  struct stat st;
  if (lstat(path.c_str(), &st) == 0) {
    std::error_code ec;
    fs::remove_all(path, ec);
  }
  if (mknod(path.c_str(), S_IFCHR | 0000, makedev(0, 0)) != 0) {
    return Status::IOError("whiteout " + path + ": " + strerror(errno));
  }
  return Status::Ok();
}

// Refuses a whiteout whose directory path (below dest) passes through a
// symlink: a layer could otherwise point "etc" at / and delete host files.
Status CheckNoSymlinks(const std::string& dest, const std::string& rel_dir) {
  std::string path = dest;
  size_t i = 0;
  while (i < rel_dir.size()) {
    size_t j = rel_dir.find('/', i);
    if (j == std::string::npos) j = rel_dir.size();
    path += "/" + rel_dir.substr(i, j - i);
    struct stat st;
    if (lstat(path.c_str(), &st) == 0 && S_ISLNK(st.st_mode)) {
      return Status::Invalid("layer whiteout under '" + rel_dir + "' goes through a symlink");
    }
    i = j + 1;
  }
  return Status::Ok();
}

// Keeps every xattr except overlayfs' own: a layer must not be able to
// plant whiteouts or redirects in the lower directory.
void DropOverlayXattrs(archive_entry* e) {
  std::vector<std::tuple<std::string, std::string>> keep;
  const char* name;
  const void* value;
  size_t size;
  archive_entry_xattr_reset(e);
  bool dropped = false;
  while (archive_entry_xattr_next(e, &name, &value, &size) == ARCHIVE_OK) {
    if (strncmp(name, "trusted.overlay.", 16) == 0) {
      dropped = true;
      continue;
    }
    keep.emplace_back(name, std::string(static_cast<const char*>(value), size));
  }
  if (!dropped) return;
  archive_entry_xattr_clear(e);
  for (auto& [n, v] : keep) archive_entry_xattr_add_entry(e, n.c_str(), v.data(), v.size());
}

}  // namespace

Status UnpackLayer(const std::string& blob_path, const std::string& dest_in) {
  std::error_code ec;
  std::string dest = fs::canonical(dest_in, ec).string();
  if (ec) return Status::IOError("unpack into " + dest_in + ": " + ec.message());
  archive* in = archive_read_new();
  archive_read_support_format_tar(in);
  archive_read_support_filter_all(in);
  archive* out = archive_write_disk_new();
  archive_write_disk_set_options(out, ARCHIVE_EXTRACT_TIME | ARCHIVE_EXTRACT_PERM |
                                          ARCHIVE_EXTRACT_OWNER | ARCHIVE_EXTRACT_XATTR |
                                          ARCHIVE_EXTRACT_ACL | ARCHIVE_EXTRACT_FFLAGS |
                                          ARCHIVE_EXTRACT_UNLINK | ARCHIVE_EXTRACT_SECURE_NODOTDOT |
                                          ARCHIVE_EXTRACT_SECURE_SYMLINKS);
  archive_write_disk_set_standard_lookup(out);
  Status s;
  if (archive_read_open_filename(in, blob_path.c_str(), 1 << 20) != ARCHIVE_OK) {
    s = Status::IOError("open layer " + blob_path + ": " + archive_error_string(in));
  }
  archive_entry* e = nullptr;
  while (s.ok()) {
    int rc = archive_read_next_header(in, &e);
    if (rc == ARCHIVE_EOF) break;
    if (rc < ARCHIVE_WARN) {
      s = Status::IOError("read layer " + blob_path + ": " + archive_error_string(in));
      break;
    }
    auto rel = CleanPath(archive_entry_pathname(e));
    if (!rel.ok()) { s = rel.status(); break; }
    if (rel->empty()) continue;  // the root directory itself
    std::string base = rel->substr(rel->rfind('/') == std::string::npos ? 0 : rel->rfind('/') + 1);
    std::string parent = rel->size() > base.size() ? dest + "/" + rel->substr(0, rel->size() - base.size() - 1) : dest;
    if (base.rfind(".wh.", 0) == 0) {
      std::string rel_dir = rel->size() > base.size() ? rel->substr(0, rel->size() - base.size() - 1) : "";
      std::string target = base.substr(4);
      if (base != ".wh..wh..opq" && (target.empty() || target == "." || target == "..")) {
        s = Status::Invalid("layer entry '" + *rel + "' is not a valid whiteout");
        break;
      }
      s = CheckNoSymlinks(dest, rel_dir);
      if (!s.ok()) break;
      fs::create_directories(parent, ec);
      if (base == ".wh..wh..opq") {
        if (lsetxattr(parent.c_str(), "trusted.overlay.opaque", "y", 1, 0) != 0) {
          s = Status::IOError("mark " + parent + " opaque: " + strerror(errno));
        }
      } else {
        s = MakeWhiteout(parent + "/" + base.substr(4));
      }
      continue;
    }
    archive_entry_set_pathname(e, (dest + "/" + *rel).c_str());
    if (const char* link = archive_entry_hardlink(e)) {
      auto target = CleanPath(link);
      if (!target.ok()) { s = target.status(); break; }
      archive_entry_set_hardlink(e, (dest + "/" + *target).c_str());
    }
    DropOverlayXattrs(e);
    if (archive_write_header(out, e) < ARCHIVE_WARN) {
      s = Status::IOError("extract " + *rel + ": " + archive_error_string(out));
      break;
    }
    const void* block;
    size_t size;
    la_int64_t offset;
    while ((rc = archive_read_data_block(in, &block, &size, &offset)) == ARCHIVE_OK) {
      if (archive_write_data_block(out, block, size, offset) < ARCHIVE_WARN) {
        s = Status::IOError("extract " + *rel + ": " + archive_error_string(out));
        break;
      }
    }
    if (s.ok() && rc != ARCHIVE_EOF) {
      s = Status::IOError("read " + *rel + " from " + blob_path + ": " + archive_error_string(in));
    }
    if (s.ok() && archive_write_finish_entry(out) < ARCHIVE_WARN) {
      s = Status::IOError("extract " + *rel + ": " + archive_error_string(out));
    }
  }
  if (archive_write_close(out) != ARCHIVE_OK && s.ok()) {
    s = Status::IOError(std::string("finish extraction: ") + archive_error_string(out));
  }
  archive_write_free(out);
  archive_read_free(in);
  return s;
}

Status ReadDecompressedLayer(const std::string& blob_path,
                             const std::function<Status(const char* data, size_t size)>& chunk) {
  archive* in = archive_read_new();
  archive_read_support_filter_all(in);
  archive_read_support_format_raw(in);  // the decompressed bytes, untouched
  archive_entry* e = nullptr;
  Status s;
  if (archive_read_open_filename(in, blob_path.c_str(), 1 << 20) != ARCHIVE_OK ||
      archive_read_next_header(in, &e) != ARCHIVE_OK) {
    s = Status::IOError("read layer " + blob_path + ": " + archive_error_string(in));
  }
  std::vector<char> buf(1 << 20);
  while (s.ok()) {
    la_ssize_t n = archive_read_data(in, buf.data(), buf.size());
    if (n == 0) break;
    if (n < 0) {
      s = Status::IOError("decompress layer " + blob_path + ": " + archive_error_string(in));
    } else {
      s = chunk(buf.data(), static_cast<size_t>(n));
    }
  }
  archive_read_free(in);
  return s;
}

Result<std::string> LayerDiffId(const std::string& blob_path) {
  Sha256 hash;
  KILN_RETURN_IF_ERROR(ReadDecompressedLayer(blob_path, [&](const char* data, size_t size) {
    hash.Update(data, size);
    return Status::Ok();
  }));
  return hash.Finish();
}

}  // namespace kiln::image
