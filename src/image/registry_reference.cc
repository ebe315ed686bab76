// ImageReference parsing, following the grammar of
// distribution/reference (the names Docker, skopeo and podman accept).
#include <string.h>

#include "image/digest.h"
#include "image/registry.h"

namespace kiln::image {
namespace {

constexpr const char* kDockerHub = "registry-1.docker.io";

bool IsLowerAlnum(char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); }

// path-component: [a-z0-9]+ (separator [a-z0-9]+)*, separator: . _ __ -+
bool ValidComponent(std::string_view c) {
  if (c.empty() || !IsLowerAlnum(c.front()) || !IsLowerAlnum(c.back())) return false;
  for (size_t i = 0; i < c.size(); i++) {
    if (IsLowerAlnum(c[i])) continue;
    if (c[i] == '-') continue;
    if (c[i] == '.' && IsLowerAlnum(c[i + 1])) continue;
    if (c[i] == '_' && (IsLowerAlnum(c[i + 1]) || (c[i + 1] == '_' && IsLowerAlnum(c[i + 2])))) {
      if (c[i + 1] == '_') i++;
      continue;
    }
    return false;
  }
  return true;
}

bool ValidTag(std::string_view t) {
  if (t.empty() || t.size() > 128 || t[0] == '.' || t[0] == '-') return false;
  for (char c : t) {
    if (!isalnum(static_cast<unsigned char>(c)) && c != '_' && c != '.' && c != '-') return false;
  }
  return true;
}

bool ValidHost(std::string_view h) {
  if (h.empty()) return false;
  for (char c : h) {
    if (!isalnum(static_cast<unsigned char>(c)) && !strchr(".-:[]", c)) return false;
  }
  return true;
}

}  // namespace

Result<ImageReference> ImageReference::Parse(std::string_view text) {
  std::string original(text);
  auto bad = [&](const std::string& why) {
    return Status::Invalid("image reference '" + original + "': " + why);
  };
  if (text.rfind("docker://", 0) == 0) text.remove_prefix(9);
  if (text.empty()) return bad("empty");
  ImageReference ref;
  if (size_t at = text.find('@'); at != std::string_view::npos) {
    ref.digest = std::string(text.substr(at + 1));
    text = text.substr(0, at);
    if (ref.digest.rfind("sha256:", 0) != 0) return bad("only sha256 digests are supported");
    if (!IsDigest(ref.digest)) return bad("digest must be sha256: and 64 lowercase hex digits");
  }
  size_t slash = text.rfind('/');
  size_t colon = text.rfind(':');
  if (colon != std::string_view::npos && (slash == std::string_view::npos || colon > slash)) {
    ref.tag = std::string(text.substr(colon + 1));
    text = text.substr(0, colon);
    if (!ValidTag(ref.tag)) return bad("invalid tag '" + ref.tag + "' (letters, digits, _ . -; at most 128)");
  }
  std::string_view repo = text;
  size_t first = text.find('/');
  if (first != std::string_view::npos) {
    std::string_view host = text.substr(0, first);
    if (host.find_first_of(".:") != std::string_view::npos || host == "localhost") {
      if (!ValidHost(host)) return bad("invalid registry host '" + std::string(host) + "'");
      ref.registry = std::string(host);
      repo = text.substr(first + 1);
    }
  }
  if (ref.registry.empty() || ref.registry == "docker.io" || ref.registry == "index.docker.io") {
    ref.registry = kDockerHub;
  }
  if (repo.empty()) return bad("no repository name");
  for (size_t start = 0;;) {
    size_t end = repo.find('/', start);
    std::string_view comp = repo.substr(start, end == std::string_view::npos ? repo.npos : end - start);
    if (!ValidComponent(comp)) {
      return bad("invalid repository name '" + std::string(repo) +
                 "' (lowercase letters, digits and . _ - separators, components joined by /)");
    }
    if (end == std::string_view::npos) break;
    start = end + 1;
  }
  ref.repository = std::string(repo);
  if (ref.registry == kDockerHub && ref.repository.find('/') == std::string::npos) {
    ref.repository = "library/" + ref.repository;  // official images
  }
  if (ref.repository.size() > 255) return bad("repository name is longer than 255 characters");
  if (ref.tag.empty() && ref.digest.empty()) ref.tag = "latest";
  return ref;
}

std::string ImageReference::ToString() const {
  std::string s = registry + "/" + repository;
  if (!tag.empty()) s += ":" + tag;
  if (!digest.empty()) s += "@" + digest;
  return s;
}

std::string ImageReference::ManifestReference() const { return digest.empty() ? tag : digest; }

bool LooksLikeRegistryReference(std::string_view text) {
  if (text.rfind("docker://", 0) == 0) return true;
  if (text.find_first_of("/:") == std::string_view::npos || text[0] == '/' || text[0] == '.') return false;
  return ImageReference::Parse(text).ok();
}

}  // namespace kiln::image
