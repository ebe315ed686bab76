// Exporting images out of the store: `kiln image export`.
//   oci-layout   an OCI image layout directory (created, or added to)
//   oci-archive  the same layout as one tar file
//   raw          a disk image: one ext4 filesystem (no partition table)
//                holding the flattened root, made by mkfs.ext4 -d
//   qcow2        the raw disk converted by qemu-img
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>

#include "common/status.h"
#include "image/store.h"

namespace kiln::image {

enum class ExportFormat { kOciLayout, kOciArchive, kRaw, kQcow2 };
Result<ExportFormat> ParseExportFormat(const std::string& name);

struct ExportOptions {
  ExportFormat format = ExportFormat::kOciLayout;
  std::string output;     // directory (oci-layout) or file
  std::string tag;        // ref name inside a layout; default: the part of the name after ':'
  int64_t disk_size = 0;  // raw/qcow2 bytes; 0: content + 30% + 64 MiB
  // oci-layout/oci-archive: recompress layers stored otherwise (e.g. gzip
  // for tools that cannot read zstd, like umoci 0.4). Unset: as stored.
  std::optional<Compression> compression;
};

Status ExportImage(ImageStore& store, const Image& image, const ExportOptions& options);

// Mounts the image's layers read-only at a fresh directory and calls `fn`
// with its path; always unmounts and deletes the directory afterwards.
Status WithFlattenedRoot(ImageStore& store, const Image& image,
                         const std::function<Status(const std::string& root)>& fn);

}  // namespace kiln::image
