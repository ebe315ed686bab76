#include "image/store.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <filesystem>
#include <mutex>
#include <fstream>
#include <set>

#include "common/hash.h"
#include "common/time.h"
#include "image/busybox_root.h"
#include "image/digest.h"
#include "image/media_types.h"
#include "instance/mounts.h"

namespace kiln::image {
namespace fs = std::filesystem;

namespace {

constexpr const char* kRefName = "org.opencontainers.image.ref.name";

Result<std::string> ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::NotFound("cannot read " + path);
  return std::string((std::istreambuf_iterator<char>(in)), {});
}

Result<Json> ReadJson(const std::string& path) {
  KILN_ASSIGN_OR_RETURN(std::string text, ReadFile(path));
  try {
    return Json::parse(text);
  } catch (const std::exception& e) {
    return Status::Invalid(path + ": invalid JSON: " + e.what());
  }
}

// Writes via a temporary file and rename, so readers never see half a file.
Status WriteFileAtomic(const std::string& path, const std::string& data) {
  std::string tmp = path + ".tmp." + std::to_string(getpid());
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    out << data;
    if (!out) return Status::IOError("write " + tmp);
  }
  if (rename(tmp.c_str(), path.c_str()) != 0) return Status::IOError("rename to " + path + ": " + strerror(errno));
  return Status::Ok();
}

// Holds an exclusive flock on a file while alive.
class FileLock {
 public:
  explicit FileLock(const std::string& path) : fd_(open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644)) {
    if (fd_ >= 0) flock(fd_, LOCK_EX);
  }
  ~FileLock() {
    if (fd_ >= 0) close(fd_);
  }

 private:
  int fd_;
};

Json DefaultConfig() {
  return Json{{"architecture", HostArchitecture()},
              {"os", "linux"},
              {"config",
               {{"Env", {"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"}},
                {"Cmd", {"/bin/sh"}}}},
              {"rootfs", {{"type", "layers"}, {"diff_ids", Json::array()}}},
              {"history", Json::array()}};
}

}  // namespace

Status ValidateImageName(const std::string& name) {
  if (name.empty() || name.size() > 128) return Status::Invalid("image name must be 1-128 characters");
  for (char c : name) {
    if (!isalnum(static_cast<unsigned char>(c)) && !strchr("._:/@+-", c)) {
      return Status::Invalid("image name '" + name + "' has invalid character '" + std::string(1, c) + "'");
    }
  }
  if (!isalnum(static_cast<unsigned char>(name[0]))) {
    return Status::Invalid("image name '" + name + "' must start with a letter or digit");
  }
  return Status::Ok();
}

std::string HostArchitecture() {
  utsname u{};
  uname(&u);
  std::string m = u.machine;
  if (m == "x86_64") return "amd64";
  if (m == "aarch64") return "arm64";
  return m;
}

Result<ImageStore> ImageStore::Open(const std::string& data_dir) {
  if (data_dir.empty() || data_dir[0] != '/') {
    return Status::Invalid("image store directory must be absolute: '" + data_dir + "'");
  }
  ImageStore s(data_dir);
  std::error_code ec;
  fs::create_directories(s.layout_ + "/blobs/sha256", ec);
  fs::create_directories(s.layout_ + "/tmp", ec);
  fs::create_directories(s.data_ + "/layers", ec);
  if (ec) return Status::IOError("create image store in " + data_dir + ": " + ec.message());
  if (!fs::exists(s.layout_ + "/oci-layout")) {
    KILN_RETURN_IF_ERROR(WriteFileAtomic(s.layout_ + "/oci-layout", R"({"imageLayoutVersion":"1.0.0"})"));
  }
  if (!fs::exists(s.layout_ + "/index.json")) {
    Json index = {{"schemaVersion", 2}, {"mediaType", kOciIndex}, {"manifests", Json::array()}};
    KILN_RETURN_IF_ERROR(WriteFileAtomic(s.layout_ + "/index.json", index.dump()));
  }
  return s;
}

std::string ImageStore::BlobPath(const std::string& digest) const {
  return layout_ + "/blobs/sha256/" + DigestHex(digest);
}

Result<std::string> ImageStore::TempDir() const {
  std::string tmpl = layout_ + "/tmp/work-XXXXXX";
  if (!mkdtemp(tmpl.data())) return Status::IOError("mkdtemp in " + layout_ + "/tmp: " + strerror(errno));
  return tmpl;
}

Result<std::string> ImageStore::PutBlob(const std::string& data) {
  std::string digest = DigestOf(data);
  std::string path = BlobPath(digest);
  if (!fs::exists(path)) KILN_RETURN_IF_ERROR(WriteFileAtomic(path, data));
  return digest;
}

Status ImageStore::Tag(const std::string& name, const std::string& digest, int64_t size) {
  KILN_RETURN_IF_ERROR(ValidateImageName(name));
  FileLock lock(layout_ + "/index.lock");
  KILN_ASSIGN_OR_RETURN(Json index, ReadJson(layout_ + "/index.json"));
  Json kept = Json::array();
  for (auto& m : index["manifests"]) {
    if (m.value("annotations", Json::object()).value(kRefName, "") != name) kept.push_back(m);
  }
  kept.push_back({{"mediaType", kOciManifest}, {"digest", digest}, {"size", size},
                  {"annotations", {{kRefName, name}}}});
  index["manifests"] = kept;
  return WriteFileAtomic(layout_ + "/index.json", index.dump(2));
}

Result<Image> ImageStore::Load(const std::string& name, const std::string& digest) const {
  Image img;
  img.name = name;
  img.manifest_digest = digest;
  KILN_ASSIGN_OR_RETURN(std::string text, ReadFile(BlobPath(digest)));
  img.manifest_size = static_cast<int64_t>(text.size());
  try {
    Json manifest = Json::parse(text);
    img.config_digest = manifest.at("config").at("digest").get<std::string>();
    KILN_ASSIGN_OR_RETURN(img.config, ReadJson(BlobPath(img.config_digest)));
    const Json& diff_ids = img.config.at("rootfs").at("diff_ids");
    const Json& layers = manifest.at("layers");
    if (diff_ids.size() != layers.size()) {
      return Status::Invalid("image " + name + ": " + std::to_string(layers.size()) + " layers but " +
                             std::to_string(diff_ids.size()) + " diff_ids");
    }
    for (size_t i = 0; i < layers.size(); i++) {
      img.layers.push_back({layers[i].at("digest").get<std::string>(), diff_ids[i].get<std::string>(),
                            layers[i].at("mediaType").get<std::string>(), layers[i].at("size").get<int64_t>()});
    }
  } catch (const std::exception& e) {
    return Status::Invalid("image " + name + ": malformed manifest or config: " + e.what());
  }
  return img;
}

Result<Image> ImageStore::Get(const std::string& name) const {
  KILN_ASSIGN_OR_RETURN(Json index, ReadJson(layout_ + "/index.json"));
  for (auto& m : index["manifests"]) {
    if (m.value("annotations", Json::object()).value(kRefName, "") == name) {
      return Load(name, m.value("digest", ""));
    }
  }
  return Status::NotFound("no image named '" + name + "' in " + layout_);
}

Result<std::vector<Image>> ImageStore::List() const {
  KILN_ASSIGN_OR_RETURN(Json index, ReadJson(layout_ + "/index.json"));
  std::vector<Image> out;
  for (auto& m : index["manifests"]) {
    std::string name = m.value("annotations", Json::object()).value(kRefName, "");
    KILN_ASSIGN_OR_RETURN(Image img, Load(name, m.value("digest", "")));
    out.push_back(std::move(img));
  }
  return out;
}

Status ImageStore::Remove(const std::string& name) {
  {
    FileLock lock(layout_ + "/index.lock");
    KILN_ASSIGN_OR_RETURN(Json index, ReadJson(layout_ + "/index.json"));
    Json kept = Json::array();
    bool found = false;
    for (auto& m : index["manifests"]) {
      bool match = m.value("annotations", Json::object()).value(kRefName, "") == name;
      found |= match;
      if (!match) kept.push_back(m);
    }
    if (!found) return Status::NotFound("no image named '" + name + "'");
    index["manifests"] = kept;
    KILN_RETURN_IF_ERROR(WriteFileAtomic(layout_ + "/index.json", index.dump(2)));
  }
  return CollectGarbage();
}

Status ImageStore::CollectGarbage() {
  FileLock lock(layout_ + "/index.lock");
  KILN_ASSIGN_OR_RETURN(std::vector<Image> images, List());
  std::set<std::string> blobs, layers;
  for (const auto& img : images) {
    blobs.insert(DigestHex(img.manifest_digest));
    blobs.insert(DigestHex(img.config_digest));
    for (const auto& l : img.layers) {
      blobs.insert(DigestHex(l.digest));
      layers.insert(DigestHex(l.diff_id));
    }
  }
  std::error_code ec;
  // A blob written in the last minutes may belong to an image another
  // process is committing right now (blob stored, name not yet tagged).
  auto recent = fs::file_time_type::clock::now() - std::chrono::minutes(10);
  for (const auto& e : fs::directory_iterator(layout_ + "/blobs/sha256", ec)) {
    if (blobs.count(e.path().filename().string())) continue;
    if (fs::last_write_time(e.path(), ec) < recent) fs::remove(e.path(), ec);
  }
  for (const auto& e : fs::directory_iterator(data_ + "/layers", ec)) {
    std::string n = e.path().filename().string();
    if (n[0] != '.' && !layers.count(n)) KILN_RETURN_IF_ERROR(RemoveTree(e.path().string()));
  }
  return Status::Ok();
}

Result<Image> ImageStore::WriteImage(const std::string& name, Json config, std::vector<LayerRef> layers) {
  KILN_RETURN_IF_ERROR(ValidateImageName(name));
  Json diff_ids = Json::array(), descs = Json::array();
  for (const auto& l : layers) {
    diff_ids.push_back(l.diff_id);
    descs.push_back({{"mediaType", l.media_type}, {"digest", l.digest}, {"size", l.size}});
  }
  config["rootfs"] = {{"type", "layers"}, {"diff_ids", diff_ids}};
  std::string config_text = config.dump();
  KILN_ASSIGN_OR_RETURN(std::string config_digest, PutBlob(config_text));
  Json manifest = {{"schemaVersion", 2},
                   {"mediaType", kOciManifest},
                   {"config", {{"mediaType", kOciConfig}, {"digest", config_digest},
                               {"size", config_text.size()}}},
                   {"layers", descs}};
  std::string manifest_text = manifest.dump();
  KILN_ASSIGN_OR_RETURN(std::string manifest_digest, PutBlob(manifest_text));
  KILN_RETURN_IF_ERROR(Tag(name, manifest_digest, static_cast<int64_t>(manifest_text.size())));
  return Get(name);
}

Result<Image> ImageStore::ImportRootfs(const std::string& dir, const std::string& name,
                                       Compression compression) {
  KILN_RETURN_IF_ERROR(ValidateImageName(name));
  if (!fs::is_directory(dir)) return Status::NotFound("root filesystem directory " + dir + " not found");
  KILN_ASSIGN_OR_RETURN(std::string tmp, TempDir());
  WriteLayerOptions opts;
  opts.compression = compression;
  opts.overlay_whiteouts = false;
  auto layer = WriteLayer(dir, tmp + "/layer", opts);
  if (layer.ok() && rename((tmp + "/layer").c_str(), BlobPath(layer->digest).c_str()) != 0) {
    layer = Status::IOError("store layer blob: " + std::string(strerror(errno)));
  }
  fs::remove_all(tmp);
  if (!layer.ok()) return layer.status();
  Json config = DefaultConfig();
  config["created"] = FormatIso8601(NowMillis());
  config["history"].push_back({{"created", config["created"]}, {"created_by", "kiln import rootfs " + dir}});
  return WriteImage(name, config, {{layer->digest, layer->diff_id, layer->media_type, layer->size}});
}

Result<Image> ImageStore::Busybox() {
  // Concurrent builds (worker threads) make it once, not once each.
  static std::mutex creating;
  std::lock_guard<std::mutex> lock(creating);
  auto existing = Get("busybox:latest");
  if (existing.ok()) return existing;
  KILN_ASSIGN_OR_RETURN(std::string tmp, TempDir());
  Status s = MakeBusyboxRoot(tmp + "/root");
  Result<Image> img = s.ok() ? ImportRootfs(tmp + "/root", "busybox:latest") : Result<Image>(s);
  fs::remove_all(tmp);
  return img;
}

Result<Image> ImageStore::ImportOciLayout(const std::string& layout_dir, const std::string& ref,
                                          const std::string& name) {
  std::string where = "oci:" + layout_dir + (ref.empty() ? "" : ":" + ref);
  KILN_ASSIGN_OR_RETURN(Json index, ReadJson(layout_dir + "/index.json"));
  // Unchecked digests never become paths (no "sha256:../../x").
  auto blob = [&](const std::string& digest) {
    return IsDigest(digest) ? layout_dir + "/blobs/sha256/" + DigestHex(digest) : layout_dir + "/invalid-digest";
  };
  try {
    Json chosen;
    for (auto& m : index.at("manifests")) {
      std::string r = m.value("annotations", Json::object()).value(kRefName, "");
      if (ref.empty() ? index["manifests"].size() == 1 : r == ref) chosen = m;
    }
    if (chosen.is_null()) {
      return Status::NotFound(where + ": no such image (give the tag, e.g. oci:DIR:latest)");
    }
    // A multi-platform index: pick this host's platform.
    while (chosen.value("mediaType", "") == kOciIndex ||
           chosen.value("mediaType", "") == kDockerList) {
      KILN_ASSIGN_OR_RETURN(Json sub, ReadJson(blob(chosen.at("digest"))));
      Json pick;
      for (auto& m : sub.at("manifests")) {
        if (m.value("platform", Json::object()).value("architecture", "") == HostArchitecture()) pick = m;
      }
      if (pick.is_null()) return Status::NotFound(where + ": no " + HostArchitecture() + " image in the index");
      chosen = pick;
    }
    KILN_ASSIGN_OR_RETURN(Json manifest, ReadJson(blob(chosen.at("digest"))));
    // Copy every blob, verifying it against its digest.
    std::vector<std::string> digests = {manifest.at("config").at("digest")};
    for (auto& l : manifest.at("layers")) digests.push_back(l.at("digest"));
    for (const auto& d : digests) {
      if (!IsDigest(d)) return Status::Invalid(where + ": unsupported digest '" + d + "'");
      if (fs::exists(BlobPath(d))) continue;
      KILN_ASSIGN_OR_RETURN(std::string tmp, TempDir());
      std::error_code ec;
      fs::copy_file(blob(d), tmp + "/blob", ec);
      Result<std::string> actual = ec ? Result<std::string>(Status::IOError("copy blob " + d + ": " + ec.message()))
                                      : DigestOfFile(tmp + "/blob");
      Status s = actual.ok() ? Status::Ok() : actual.status();
      if (s.ok() && *actual != d) s = Status::Invalid(where + ": blob " + d + " is corrupt (content is " + *actual + ")");
      if (s.ok() && rename((tmp + "/blob").c_str(), BlobPath(d).c_str()) != 0) s = Status::IOError("store blob " + d);
      fs::remove_all(tmp);
      KILN_RETURN_IF_ERROR(s);
    }
    KILN_ASSIGN_OR_RETURN(Json config, ReadJson(BlobPath(manifest.at("config").at("digest"))));
    std::vector<LayerRef> layers;
    const Json& diff_ids = config.at("rootfs").at("diff_ids");
    if (diff_ids.size() != manifest.at("layers").size()) {
      return Status::Invalid(where + ": layer count does not match the config's diff_ids");
    }
    for (size_t i = 0; i < diff_ids.size(); i++) {
      const Json& l = manifest["layers"][i];
      layers.push_back({l.at("digest"), diff_ids[i], l.value("mediaType", LayerMediaType(Compression::kGzip)),
                        l.at("size").get<int64_t>()});
    }
    return WriteImage(name, config, layers);
  } catch (const std::exception& e) {
    return Status::Invalid(where + ": malformed image layout: " + e.what());
  }
}

Result<std::vector<std::string>> ImageStore::LayerDirs(const Image& image) {
  std::vector<std::string> dirs;
  for (const auto& l : image.layers) {
    std::string dir = data_ + "/layers/" + DigestHex(l.diff_id);
    if (!fs::is_directory(dir)) {
      // Unpack beside it and rename: a half-unpacked layer is never used.
      // Unique per call: builds in other threads may unpack the same layer.
      std::string tmp = data_ + "/layers/.unpack-" + DigestHex(l.diff_id).substr(0, 12) + "-" +
                        std::to_string(getpid()) + "-" + RandomHex(4);
      std::error_code ec;
      fs::remove_all(tmp, ec);
      fs::create_directories(tmp, ec);
      // Extracted layers are shared by diff_id, so a blob must really be the
      // diff_id its image's config claims (a pulled or imported config could
      // otherwise plant other content under a well-known layer's name).
      Status s;
      auto diff_id = LayerDiffId(BlobPath(l.digest));
      if (!diff_id.ok()) s = diff_id.status();
      else if (*diff_id != l.diff_id) s = Status::Invalid("its content is " + *diff_id + ", not the diff_id " + l.diff_id + " its config names");
      if (s.ok()) s = UnpackLayer(BlobPath(l.digest), tmp);
      if (s.ok() && rename(tmp.c_str(), dir.c_str()) != 0 && !fs::is_directory(dir)) {
        s = Status::IOError("store extracted layer " + dir + ": " + strerror(errno));
      }
      fs::remove_all(tmp, ec);
      if (!s.ok()) return s.Prefixed("image " + image.name + ": layer " + l.digest);
    }
    dirs.push_back(dir);
  }
  return dirs;
}

}  // namespace kiln::image
