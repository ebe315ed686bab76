// ImageStore::Commit: an instance's writable layer becomes a new image (the
// CreateImage step). Kept apart from store.cc because it is the one piece
// that depends on how instances keep their changes (overlayfs upper dirs).
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include <filesystem>

#include "common/time.h"
#include "image/digest.h"
#include "image/store.h"
#include "instance/mounts.h"

namespace kiln::image {
namespace fs = std::filesystem;

Result<Image> ImageStore::Commit(const Image& parent, const std::string& writable_layer,
                                 const CommitOptions& options) {
  KILN_RETURN_IF_ERROR(ValidateImageName(options.name));
  if (!fs::is_directory(writable_layer)) {
    return Status::NotFound("snapshot: writable layer " + writable_layer + " not found");
  }
  KILN_ASSIGN_OR_RETURN(std::string tmp, TempDir());
  auto layer = WriteLayer(writable_layer, tmp + "/layer", options.layer);
  if (layer.ok() && rename((tmp + "/layer").c_str(), BlobPath(layer->digest).c_str()) != 0) {
    layer = Status::IOError("store layer blob: " + std::string(strerror(errno)));
  }
  fs::remove_all(tmp);
  if (!layer.ok()) return layer.status().Prefixed("snapshot");

  if (options.adopt_writable_layer) {
    // The upper directory already is the layer in overlay form; keep it as
    // the extracted copy, minus what the layer left out.
    std::string dir = data_ + "/layers/" + DigestHex(layer->diff_id);
    bool adopted = false;
    if (!fs::exists(dir) && MountsUnder(writable_layer).empty()) {
      std::error_code ec;
      for (const auto& ex : options.layer.exclude) fs::remove_all(writable_layer + "/" + ex, ec);
      adopted = rename(writable_layer.c_str(), dir.c_str()) == 0;
    }
    (void)adopted;  // if not, LayerDirs() unpacks the blob when needed
  }

  Json config = parent.config;
  std::string now = FormatIso8601(NowMillis());
  config["created"] = now;
  if (!config.contains("history") || !config["history"].is_array()) config["history"] = Json::array();
  Json entry = {{"created", now}, {"created_by", options.created_by}};
  if (!options.comment.empty()) entry["comment"] = options.comment;
  config["history"].push_back(entry);
  if (!options.config_changes.empty()) {
    if (!config.contains("config") || !config["config"].is_object()) config["config"] = Json::object();
    for (auto& [k, v] : options.config_changes.items()) config["config"][k] = v;
  }
  std::vector<LayerRef> layers = parent.layers;
  layers.push_back({layer->digest, layer->diff_id, layer->media_type, layer->size});
  return WriteImage(options.name, config, layers);
}

}  // namespace kiln::image
