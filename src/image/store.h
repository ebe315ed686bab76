// ImageStore: Kiln's local OCI image store.
//
// Layout under the data directory:
//   images/               an OCI image layout (oci-layout, index.json,
//                         blobs/sha256/...): skopeo and umoci read it as is.
//                         Each named image is one manifest in index.json,
//                         named by the annotation org.opencontainers.image.ref.name
//                         ("busybox:latest", "hello:1.0.0").
//   images/tmp/           blobs being written (renamed into blobs/ when done)
//   layers/<diff_id hex>/ extracted layers in overlayfs form (see layer.h),
//                         shared by every image and instance that uses them
//
// One process at a time changes index.json (an flock on images/index.lock).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/status.h"
#include "image/layer.h"

namespace kiln::image {

using Json = nlohmann::json;

struct LayerRef {
  std::string digest;      // blob digest
  std::string diff_id;     // uncompressed tar digest (from the config)
  std::string media_type;
  int64_t size = 0;
};

struct Image {
  std::string name;              // "hello:1.0.0"
  std::string manifest_digest;
  int64_t manifest_size = 0;
  std::string config_digest;
  Json config;                   // the OCI image configuration
  std::vector<LayerRef> layers;  // bottom (base) first
};

// What a snapshot (the CreateImage step) records about itself.
struct CommitOptions {
  std::string name;            // name of the new image
  std::string created_by;      // history entry, e.g. "kiln build: hello 1.0.0 build stage"
  std::string comment;
  WriteLayerOptions layer;     // compression, excludes (the instance's Kiln paths)
  // Move the writable layer into the extracted-layer cache instead of
  // unpacking the new blob again when the image is next launched. The
  // directory is gone afterwards; use only when the instance is discarded.
  bool adopt_writable_layer = false;
  // Fields of the OCI config's "config" object to set (Env, WorkingDir,
  // User, Labels, ExposedPorts, Entrypoint, Cmd, Volumes, StopSignal): a
  // container recipe's Dockerfile instructions.
  Json config_changes = Json::object();
};

class ImageStore {
 public:
  // Opens (creating if needed) the store under `data_dir` (absolute).
  static Result<ImageStore> Open(const std::string& data_dir);

  Result<Image> Get(const std::string& name) const;
  Result<std::vector<Image>> List() const;
  // Forgets the name, then deletes blobs and extracted layers no named image uses.
  Status Remove(const std::string& name);

  // Imports a root filesystem directory as a one-layer base image.
  Result<Image> ImportRootfs(const std::string& dir, const std::string& name,
                             Compression compression = Compression::kZstd);
  // The busybox base image (busybox_root.h), created on first use.
  Result<Image> Busybox();
  // Imports image `ref` ("" = the only one) from an OCI image layout directory.
  Result<Image> ImportOciLayout(const std::string& layout_dir, const std::string& ref,
                                const std::string& name);

  // The image's layers extracted (cached by diff_id), bottom first: the
  // lower directories of an instance launched from it.
  Result<std::vector<std::string>> LayerDirs(const Image& image);

  // Snapshot: `writable_layer` (an overlay upper directory) becomes a new
  // layer on top of `parent`'s, with a new config and manifest named
  // options.name. This is what the CreateImage step does.
  Result<Image> Commit(const Image& parent, const std::string& writable_layer,
                       const CommitOptions& options);

  std::string BlobPath(const std::string& digest) const;
  const std::string& layout_dir() const { return layout_; }
  const std::string& data_dir() const { return data_; }

  // Writes `data` as a blob; returns its digest.
  Result<std::string> PutBlob(const std::string& data);
  // Records `manifest` (already stored) under `name` in index.json.
  Status Tag(const std::string& name, const std::string& manifest_digest, int64_t size);
  // A fresh private directory for staging work; the caller deletes it.
  Result<std::string> TempDir() const;

 private:
  ImageStore(std::string data) : data_(data), layout_(data + "/images") {}
  Result<Image> Load(const std::string& name, const std::string& digest) const;
  Result<Image> WriteImage(const std::string& name, Json config, std::vector<LayerRef> layers);
  Status CollectGarbage();
  std::string data_, layout_;
};

// "hello:1.0.0" style names: 1..128 chars of [A-Za-z0-9._:/@+-], not
// starting with a separator.
Status ValidateImageName(const std::string& name);

// The OCI architecture name of this host ("amd64", "arm64").
std::string HostArchitecture();

}  // namespace kiln::image
