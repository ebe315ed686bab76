// OCI layers: writing a directory as a compressed layer tarball, and
// unpacking a layer into a directory usable as an overlayfs lower layer.
//
// Whiteouts have two forms. In OCI layer tarballs (image-spec layer.md) a
// deleted path is an empty file ".wh.<name>" and an opaque directory (one
// whose lower contents are hidden) holds ".wh..wh..opq". In overlayfs
// directories (instance writable layers and Kiln's extracted-layer cache) a
// deleted path is a 0/0 character device and an opaque directory carries the
// xattr trusted.overlay.opaque="y". WriteLayer converts overlay -> OCI,
// UnpackLayer converts OCI -> overlay, so extracted layers stack directly as
// overlay lowerdirs.
#pragma once

#include <cstdint>
#include <functional>
#include <set>
#include <string>

#include "common/status.h"

namespace kiln::image {

enum class Compression { kNone, kGzip, kZstd };

// "application/vnd.oci.image.layer.v1.tar+zstd" and friends.
std::string LayerMediaType(Compression c);
Result<Compression> ParseCompression(const std::string& name);  // "zstd", "gzip", "none"

struct LayerInfo {
  std::string digest;      // of the compressed blob
  std::string diff_id;     // of the uncompressed tar
  int64_t size = 0;        // compressed bytes
  std::string media_type;
  int64_t entries = 0;     // tar entries written
};

struct WriteLayerOptions {
  Compression compression = Compression::kZstd;
  int level = 3;            // zstd 1..19, gzip 1..9
  // Treat 0/0 character devices and trusted.overlay.opaque as whiteouts
  // (true for an overlay upper directory; false for a plain root filesystem).
  bool overlay_whiteouts = true;
  // Paths relative to the directory ("opt/kiln") left out with their subtrees.
  std::set<std::string> exclude;
};

// Writes the tree under `dir` as a layer blob at `out_path`, computing the
// blob digest and diff_id while streaming. Entries are sorted by name.
Result<LayerInfo> WriteLayer(const std::string& dir, const std::string& out_path,
                             const WriteLayerOptions& options);

// Rewrites a layer blob with another compression (the tar, hence the
// diff_id, is unchanged).
Result<LayerInfo> RecompressLayer(const std::string& blob_path, const std::string& out_path,
                                  Compression compression, int level);

// Unpacks the layer blob (any compression libarchive reads) into the empty
// directory `dest`, turning OCI whiteouts into overlayfs whiteouts. Rejects
// entries escaping `dest` (.., absolute links followed) and strips any
// trusted.overlay.* xattrs a tarball carries.
Status UnpackLayer(const std::string& blob_path, const std::string& dest);

// The diff_id of a layer blob: the digest of its decompressed tar.
Result<std::string> LayerDiffId(const std::string& blob_path);

// Streams the decompressed tar of a layer blob (any compression libarchive
// reads) to `chunk`, in order; stops at the first error `chunk` returns.
Status ReadDecompressedLayer(const std::string& blob_path,
                             const std::function<Status(const char* data, size_t size)>& chunk);

}  // namespace kiln::image
