// PullImage and PushImage over the OCI distribution API (registry.h).
#include "image/registry.h"

#include <errno.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <utime.h>

#include <filesystem>
#include <fstream>

#include "image/digest.h"
#include "image/export.h"
#include "image/media_types.h"
#include "image/registry_session.h"

namespace kiln::image {
namespace fs = std::filesystem;
namespace {

constexpr uint64_t kMaxManifest = 4 << 20;

http::Request Req(std::string method, std::string url) {
  http::Request r;
  r.method = std::move(method);
  r.url = std::move(url);
  return r;
}

std::string Short(const std::string& digest) { return digest.substr(0, 19); }

std::string Megabytes(int64_t bytes) {
  char buf[32];
  snprintf(buf, sizeof buf, "%.1f MB", static_cast<double>(bytes) / 1e6);
  return buf;
}

Result<std::string> ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::IOError("cannot read " + path);
  return std::string((std::istreambuf_iterator<char>(in)), {});
}

// The OCI media type a layer is stored under, or "" if Kiln cannot use it.
std::string OciLayerType(const std::string& type) {
  if (type == kDockerLayerGzip) return LayerMediaType(Compression::kGzip);
  for (Compression c : {Compression::kNone, Compression::kGzip, Compression::kZstd}) {
    if (type == LayerMediaType(c)) return type;
  }
  return "";
}

struct Manifest {
  std::string body;
  std::string media_type;
  std::string digest;
  Json json;
};

// GETs a manifest or index by tag or digest and checks its digest: against
// `reference` when that is a digest, else against Docker-Content-Digest.
Result<Manifest> GetManifest(RegistrySession& session, const std::string& reference, const RegistryOptions& o) {
  std::string where = session.ref().registry + "/" + session.ref().repository + (IsDigest(reference) ? "@" : ":") + reference;
  http::Request req = Req("GET", session.base() + "/manifests/" + reference);
  req.headers.emplace_back("Accept", std::string(kOciIndex) + ", " + kOciManifest + ", " + kDockerList + ", " +
                                         kDockerManifest);
  KILN_ASSIGN_OR_RETURN(http::Response resp, session.Send(req, o.request_timeout_ms, "", kMaxManifest));
  if (resp.status == 404) {
    return Status::NotFound(where + ": no such image in the registry: " + RegistryError(resp));
  }
  if (resp.status == 401 || resp.status == 403) {
    return Status::Unauthenticated(where + ": access denied: " + RegistryError(resp));
  }
  if (resp.status != 200) return Status::IOError(where + ": fetching the manifest: " + RegistryError(resp));
  Manifest m;
  m.body = std::move(resp.body);
  m.digest = DigestOf(m.body);
  std::string expected = IsDigest(reference) ? reference : resp.Get("docker-content-digest");
  if (expected.rfind("sha256:", 0) == 0 && expected != m.digest) {
    return Status::Invalid(where + ": manifest digest mismatch: expected " + expected + ", content is " + m.digest);
  }
  try {
    m.json = Json::parse(m.body);
  } catch (const std::exception& e) {
    return Status::Invalid(where + ": manifest is not JSON: " + e.what());
  }
  std::string content_type = resp.Get("content-type");
  m.media_type = m.json.is_object() ? m.json.value("mediaType", "") : "";
  if (m.media_type.empty()) m.media_type = content_type.substr(0, content_type.find(';'));
  if (m.media_type.empty() && m.json.is_object() && m.json.contains("manifests")) m.media_type = kOciIndex;
  if (m.media_type.empty() && m.json.is_object() && m.json.contains("layers")) m.media_type = kOciManifest;
  return m;
}

// From an index, the digest of the image for the wanted platform.
Result<std::string> PickPlatform(const Manifest& index, const std::string& where, const RegistryOptions& o) {
  std::string arch = o.architecture.empty() ? HostArchitecture() : o.architecture;
  std::string seen;
  try {
    for (const auto& m : index.json.at("manifests")) {
      Json p = m.value("platform", Json::object());
      std::string os = p.value("os", ""), a = p.value("architecture", "");
      if (os == o.os && a == arch) return m.at("digest").get<std::string>();
      if (os != "unknown") seen += (seen.empty() ? "" : ", ") + os + "/" + a;
    }
  } catch (const std::exception& e) {
    return Status::Invalid(where + ": malformed image index: " + e.what());
  }
  return Status::NotFound(where + ": no " + o.os + "/" + arch + " image in the index (it has: " +
                          (seen.empty() ? "none" : seen) + ")");
}

// Downloads one blob into the store unless it is there already.
Status FetchBlob(ImageStore& store, RegistrySession& session, const std::string& digest, int64_t size,
                 const RegistryOptions& o, PullResult* result) {
  std::string where = session.ref().ToString() + ": blob " + digest;
  std::string path = store.BlobPath(digest);
  if (fs::exists(path)) {
    utime(path.c_str(), nullptr);  // recent: a concurrent garbage collection keeps it until we tag
    result->blobs_cached++;
    if (o.progress) o.progress(Short(digest) + " already in the store");
    return Status::Ok();
  }
  KILN_ASSIGN_OR_RETURN(std::string tmp, store.TempDir());
  std::string file = tmp + "/blob";
  auto resp = session.Send(Req("GET", session.base() + "/blobs/" + digest), o.blob_timeout_ms, file,
                           size > 0 ? static_cast<uint64_t>(size) + 1 : 0);
  Status s = resp.ok() ? Status::Ok() : resp.status();
  if (s.ok() && resp->status == 404) s = Status::NotFound(where + ": not in the registry: " + RegistryError(*resp));
  if (s.ok() && resp->status != 200) s = Status::IOError(where + ": " + RegistryError(*resp));
  if (s.ok() && size > 0 && static_cast<int64_t>(resp->body_bytes) != size) {
    s = Status::Invalid(where + ": size mismatch: the manifest says " + std::to_string(size) + " bytes, got " +
                        std::to_string(resp->body_bytes));
  }
  if (s.ok()) {
    auto actual = DigestOfFile(file);
    if (!actual.ok()) s = actual.status();
    else if (*actual != digest) s = Status::Invalid(where + ": digest mismatch: content is " + *actual);
  }
  if (s.ok() && rename(file.c_str(), path.c_str()) != 0) {
    s = Status::IOError(where + ": storing it: " + strerror(errno));
  }
  if (s.ok()) {
    result->blobs_downloaded++;
    result->bytes_downloaded += static_cast<int64_t>(resp->body_bytes);
    if (o.progress) o.progress(Short(digest) + " downloaded (" + Megabytes(static_cast<int64_t>(resp->body_bytes)) + ")");
  }
  std::error_code ec;
  fs::remove_all(tmp, ec);
  return s;
}

// A Docker schema 2 manifest rewritten with OCI media types (same blobs).
Json ToOciManifest(Json manifest) {
  manifest["mediaType"] = kOciManifest;
  manifest["config"]["mediaType"] = kOciConfig;
  for (auto& l : manifest["layers"]) l["mediaType"] = OciLayerType(l.value("mediaType", ""));
  return manifest;
}

}  // namespace

Result<PullResult> PullImage(ImageStore& store, const std::string& text, const RegistryOptions& o,
                             const std::string& name) {
  KILN_ASSIGN_OR_RETURN(ImageReference ref, ImageReference::Parse(text));
  std::string where = ref.ToString();
  PullResult result;
  result.reference = where;
  std::string store_name = name.empty() ? where : name;
  KILN_RETURN_IF_ERROR(ValidateImageName(store_name).Prefixed("pull " + where + " (give a shorter name)"));
  RegistrySession session(ref, o, /*push=*/false);
  KILN_ASSIGN_OR_RETURN(Manifest m, GetManifest(session, ref.ManifestReference(), o));
  if (m.media_type == kOciIndex || m.media_type == kDockerList) {
    KILN_ASSIGN_OR_RETURN(std::string digest, PickPlatform(m, where, o));
    if (!IsDigest(digest)) return Status::Invalid(where + ": index names an unsupported digest '" + digest + "'");
    KILN_ASSIGN_OR_RETURN(m, GetManifest(session, digest, o));
  }
  if (m.media_type != kOciManifest && m.media_type != kDockerManifest) {
    return Status::Unimplemented(where + ": unsupported manifest type '" + m.media_type +
                                 "' (Kiln reads OCI and Docker schema 2 images)");
  }
  result.registry_digest = m.digest;
  std::vector<std::pair<std::string, int64_t>> blobs;
  try {
    const Json& config = m.json.at("config");
    blobs.emplace_back(config.at("digest").get<std::string>(), config.value("size", int64_t{0}));
    for (const auto& l : m.json.at("layers")) {
      std::string type = l.value("mediaType", "");
      if (OciLayerType(type).empty()) {
        return Status::Unimplemented(where + ": layer " + l.value("digest", "") + " has media type '" + type +
                                     "', which Kiln cannot unpack (tar, tar+gzip, tar+zstd)");
      }
      blobs.emplace_back(l.at("digest").get<std::string>(), l.value("size", int64_t{0}));
    }
  } catch (const std::exception& e) {
    return Status::Invalid(where + ": malformed manifest: " + e.what());
  }
  for (const auto& [digest, size] : blobs) {
    if (!IsDigest(digest)) return Status::Invalid(where + ": manifest names an unsupported digest '" + digest + "'");
  }
  for (const auto& [digest, size] : blobs) KILN_RETURN_IF_ERROR(FetchBlob(store, session, digest, size, o, &result));

  // Check the config before the name is given to anything.
  KILN_ASSIGN_OR_RETURN(std::string config_text, ReadFile(store.BlobPath(blobs[0].first)));
  try {
    size_t diff_ids = Json::parse(config_text).at("rootfs").at("diff_ids").size();
    if (diff_ids != blobs.size() - 1) {
      return Status::Invalid(where + ": the config lists " + std::to_string(diff_ids) + " diff_ids for " +
                             std::to_string(blobs.size() - 1) + " layers");
    }
  } catch (const std::exception& e) {
    return Status::Invalid(where + ": malformed image config: " + e.what());
  }
  std::string stored = m.media_type == kOciManifest ? m.body : ToOciManifest(m.json).dump();
  KILN_ASSIGN_OR_RETURN(std::string digest, store.PutBlob(stored));
  KILN_RETURN_IF_ERROR(store.Tag(store_name, digest, static_cast<int64_t>(stored.size())));
  KILN_ASSIGN_OR_RETURN(result.image, store.Get(store_name));
  return result;
}

namespace {

// Uploads one blob unless the registry has it.
Status UploadBlob(RegistrySession& session, const std::string& file, const std::string& digest,
                  const RegistryOptions& o, PushResult* result) {
  std::string where = session.ref().ToString() + ": blob " + digest;
  KILN_ASSIGN_OR_RETURN(http::Response head,
                        session.Send(Req("HEAD", session.base() + "/blobs/" + digest), o.request_timeout_ms));
  if (head.status == 200) {
    result->blobs_existing++;
    if (o.progress) o.progress(Short(digest) + " already in the registry");
    return Status::Ok();
  }
  if (head.status != 404) return Status::IOError(where + ": checking for it: " + RegistryError(head));
  KILN_ASSIGN_OR_RETURN(http::Response start,
                        session.Send(Req("POST", session.base() + "/blobs/uploads/"), o.request_timeout_ms));
  if (start.status != 202) return Status::IOError(where + ": starting the upload: " + RegistryError(start));
  std::string location = start.Get("location");
  if (location.empty()) return Status::IOError(where + ": the registry gave no upload location");
  if (location[0] == '/') location = session.base().substr(0, session.base().find("/v2/")) + location;
  location += (location.find('?') == std::string::npos ? "?" : "&") + std::string("digest=") + digest;
  http::Request put = Req("PUT", location);
  put.body_file = file;
  put.headers.emplace_back("Content-Type", "application/octet-stream");
  KILN_ASSIGN_OR_RETURN(http::Response done, session.Send(put, o.blob_timeout_ms));
  if (done.status != 201) return Status::IOError(where + ": upload refused: " + RegistryError(done));
  struct stat st{};
  stat(file.c_str(), &st);
  result->blobs_uploaded++;
  result->bytes_uploaded += st.st_size;
  if (o.progress) o.progress(Short(digest) + " uploaded (" + Megabytes(st.st_size) + ")");
  return Status::Ok();
}

Status PushFromLayout(const std::string& blobs_dir, const std::string& manifest_digest, RegistrySession& session,
                      const RegistryOptions& o, PushResult* result) {
  std::string where = session.ref().ToString();
  KILN_ASSIGN_OR_RETURN(std::string body, ReadFile(blobs_dir + "/" + DigestHex(manifest_digest)));
  std::vector<std::string> blobs;
  std::string media_type;
  try {
    Json manifest = Json::parse(body);
    media_type = manifest.value("mediaType", kOciManifest);
    for (const auto& l : manifest.at("layers")) blobs.push_back(l.at("digest"));
    blobs.push_back(manifest.at("config").at("digest"));
  } catch (const std::exception& e) {
    return Status::Invalid("push " + where + ": malformed manifest " + manifest_digest + ": " + e.what());
  }
  for (const auto& d : blobs) {
    if (!IsDigest(d)) return Status::Invalid("push " + where + ": unsupported digest '" + d + "'");
    KILN_RETURN_IF_ERROR(UploadBlob(session, blobs_dir + "/" + DigestHex(d), d, o, result));
  }
  http::Request put = Req("PUT", session.base() + "/manifests/" + session.ref().ManifestReference());
  put.body = body;
  put.headers.emplace_back("Content-Type", media_type);
  KILN_ASSIGN_OR_RETURN(http::Response resp, session.Send(put, o.request_timeout_ms));
  if (resp.status != 201) return Status::IOError("push " + where + ": manifest refused: " + RegistryError(resp));
  std::string said = resp.Get("docker-content-digest");
  if (!said.empty() && said != manifest_digest) {
    return Status::IOError("push " + where + ": the registry stored the manifest as " + said + ", not " +
                           manifest_digest);
  }
  result->manifest_digest = manifest_digest;
  return Status::Ok();
}

}  // namespace

Result<PushResult> PushImage(ImageStore& store, const Image& image, const std::string& text,
                             const RegistryOptions& o) {
  KILN_ASSIGN_OR_RETURN(ImageReference ref, ImageReference::Parse(text));
  PushResult result;
  result.reference = ref.ToString();
  bool recompress = false;
  for (const auto& l : image.layers) recompress |= o.compression && l.media_type != LayerMediaType(*o.compression);
  std::string tmp, blobs_dir = store.layout_dir() + "/blobs/sha256", manifest = image.manifest_digest;
  if (recompress) {  // a layout beside the store with the layers recompressed
    KILN_ASSIGN_OR_RETURN(tmp, store.TempDir());
    ExportOptions e;
    e.output = tmp + "/layout";
    e.tag = "push";
    e.compression = o.compression;
    Status s = ExportImage(store, image, e);
    Result<std::string> index = s.ok() ? ReadFile(tmp + "/layout/index.json") : Result<std::string>(s);
    if (index.ok()) {
      try {
        manifest = Json::parse(*index).at("manifests").at(0).at("digest").get<std::string>();
      } catch (const std::exception& ex) {
        index = Status::Internal(std::string("recompressed layout index: ") + ex.what());
      }
    }
    if (!index.ok()) {
      std::error_code ec;
      fs::remove_all(tmp, ec);
      return index.status().Prefixed("push " + result.reference + ": recompressing layers");
    }
    blobs_dir = tmp + "/layout/blobs/sha256";
  }
  Status s;
  if (!ref.digest.empty() && ref.digest != manifest) {
    s = Status::Invalid("push " + result.reference + ": the image's manifest is " + manifest +
                        "; push to a tag, or to that digest");
  }
  if (s.ok()) {
    RegistrySession session(ref, o, /*push=*/true);
    s = PushFromLayout(blobs_dir, manifest, session, o, &result);
  }
  if (!tmp.empty()) {
    std::error_code ec;
    fs::remove_all(tmp, ec);
  }
  if (!s.ok()) return s;
  return result;
}

}  // namespace kiln::image
