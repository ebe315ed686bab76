// Container registries: pulling images into the store and pushing them out
// over the OCI distribution API (Docker Hub, ECR, GHCR, a local registry).
//
// Pull: GET /v2/<repo>/manifests/<tag|digest> (OCI image index or manifest,
// Docker schema 2 manifest list or manifest; from an index the OPTIONS'
// platform, default linux/<host architecture>), then the config and layer
// blobs, each checked against its digest before it enters the store. Blobs
// the store already has are not downloaded again: layers are cached by
// digest and shared by every image that uses them. A Docker schema 2 image
// is stored as the equivalent OCI manifest (same config and layer blobs,
// OCI media types), so its manifest digest in the store differs from the
// registry's; an OCI image keeps its manifest digest.
//
// Push: for the config and each layer, HEAD the blob and upload it (POST,
// then one monolithic PUT ?digest=) when the registry lacks it; then PUT the
// manifest under the tag.
//
// Transport: https with certificate checks. Plain http only for registries
// the user lists as insecure (KILN_INSECURE_REGISTRIES=host:port,... or
// RegistryOptions::insecure_registries); loopback addresses get no exemption.
// Authentication: the Bearer token flow (WWW-Authenticate realm, service,
// scope; anonymous, or with credentials) and Basic (e.g. ECR). Credentials
// come from RegistryOptions::credentials, else KILN_REGISTRY_USERNAME and
// KILN_REGISTRY_PASSWORD, else the "auth" entry for the registry in a Docker
// config file ($REGISTRY_AUTH_FILE, $DOCKER_CONFIG/config.json,
// ~/.docker/config.json). Credential helpers (credsStore) are not run.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "image/layer.h"
#include "image/store.h"

namespace kiln::image {

// "[docker://]host[:port]/repo[:tag][@sha256:hex]", or a Docker Hub name.
struct ImageReference {
  std::string registry;    // "registry-1.docker.io", "127.0.0.1:5000"
  std::string repository;  // "library/debian"
  std::string tag;         // "12"; "latest" when neither tag nor digest is given
  std::string digest;      // "sha256:<hex>" when pinned

  // The first path component is a registry when it contains '.' or ':' or
  // is "localhost"; otherwise the name is on Docker Hub ("debian:12" ->
  // registry-1.docker.io/library/debian:12, "user/app" -> .../user/app).
  static Result<ImageReference> Parse(std::string_view text);
  // "host/repo:tag", "host/repo@sha256:...", or "host/repo:tag@sha256:...".
  std::string ToString() const;
  // The digest when pinned, else the tag: what follows /manifests/.
  std::string ManifestReference() const;
};

// True for "docker://..." and for strings of registry-reference shape that
// contain a '/' or ':' (so "oci:DIR", "image:NAME" and "/dir" must be
// checked first, as ResolveParent does).
bool LooksLikeRegistryReference(std::string_view text);

struct RegistryCredentials {
  std::string username;
  std::string password;  // a password or token (ECR: aws ecr get-login-password)
};

struct RegistryOptions {
  // Registries ("host:port" as written in references) reachable over plain
  // http, in addition to KILN_INSECURE_REGISTRIES.
  std::vector<std::string> insecure_registries;
  std::optional<RegistryCredentials> credentials;  // else env, else auth file
  std::string auth_file;                           // "" = the default search
  // Platform to pick from an image index; "" = the host's architecture.
  std::string os = "linux";
  std::string architecture;
  // Push: recompress layers stored otherwise (gzip for clients that cannot
  // read zstd layers, e.g. Docker before 23 or umoci 0.4). Unset: as stored.
  std::optional<Compression> compression;
  int64_t request_timeout_ms = 60 * 1000;    // manifests, tokens, HEADs
  int64_t blob_timeout_ms = 60 * 60 * 1000;  // each blob transfer
  std::function<bool()> cancelled;
  // Called with one line per blob transferred or skipped, for progress.
  std::function<void(const std::string&)> progress;
};

struct PullResult {
  Image image;                   // as stored
  std::string reference;         // canonical, e.g. "registry-1.docker.io/library/debian:12"
  std::string registry_digest;   // the platform manifest's digest in the registry
  int blobs_downloaded = 0;
  int blobs_cached = 0;          // already in the store: not downloaded
  int64_t bytes_downloaded = 0;
};

// Pulls `ref` and stores it as `name` ("" = the canonical reference).
Result<PullResult> PullImage(ImageStore& store, const std::string& ref, const RegistryOptions& options,
                             const std::string& name = "");

struct PushResult {
  std::string reference;        // canonical
  std::string manifest_digest;  // of the manifest pushed
  int blobs_uploaded = 0;
  int blobs_existing = 0;       // the registry had them already
  int64_t bytes_uploaded = 0;
};

// Pushes `image` from the store to `ref` (a tag, or the image's own digest).
Result<PushResult> PushImage(ImageStore& store, const Image& image, const std::string& ref,
                             const RegistryOptions& options);

}  // namespace kiln::image
