// S3Download (awstoe.md §5.6): downloads one object to a file, or every
// object under a key prefix written "s3://bucket/prefix/*" into a folder
// (at most 1000 objects). Each file is downloaded to a temporary name and
// renamed into place; files already downloaded stay when a later one fails,
// as the guide documents.
// Designated initializers leave the other fields at their defaults on purpose.
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"
#include "toe/modules/fs_util.h"
#include "toe/modules/module_base.h"
#include "toe/modules/modules.h"
#include "toe/modules/s3_inputs.h"

namespace kiln::toe {
namespace {

constexpr size_t kMaxPrefixObjects = 1000;

Status CheckOverwrite(const fsu::fs::path& dest, bool overwrite) {
  std::error_code ec;
  auto st = fsu::fs::status(dest, ec);
  if (fsu::fs::is_directory(st)) {
    return Status::AlreadyExists("S3Download: '" + dest.string() + "' is a folder; the destination of a single object must name the file");
  }
  if (fsu::fs::exists(st) && !overwrite) {
    return Status::AlreadyExists(
        "S3Download: File already exists and \"overwrite\" property for \"destination\" file is set to false. "
        "Cannot download. (" + dest.string() + ")");
  }
  return Status::Ok();
}

class S3DownloadModule : public ListModule {
 public:
  S3DownloadModule() : ListModule("S3Download", kAllPlatforms) {}

 protected:
  Status ValidateItem(const Json& item) const override {
    KILN_RETURN_IF_ERROR(CheckKnownKeys(item, {"source", "destination", "expectedBucketOwner", "overwrite"}));
    KILN_RETURN_IF_ERROR(CheckS3UriInput(item, "source"));
    KILN_RETURN_IF_ERROR(CheckString(item, "destination", true));
    KILN_RETURN_IF_ERROR(CheckString(item, "expectedBucketOwner", false));
    KILN_RETURN_IF_ERROR(CheckBool(item, "overwrite"));
    std::string src = GetStringOr(item, "source", "");
    if (src.find("{{") == std::string::npos) {
      size_t star = src.find('*');
      if (star != std::string::npos && star != src.size() - 1) {
        return Status::Invalid("input 'source': a wildcard is allowed only as the final '*' of a key prefix (s3://bucket/prefix/*), got '" + src + "'");
      }
    }
    return Status::Ok();
  }

  Status RunItem(const Json& item, StepContext& ctx, std::string&) const override {
    KILN_ASSIGN_OR_RETURN(std::string source, GetString(item, "source"));
    KILN_ASSIGN_OR_RETURN(std::string destination, GetString(item, "destination"));
    KILN_ASSIGN_OR_RETURN(bool overwrite, GetBool(item, "overwrite", true));
    KILN_ASSIGN_OR_RETURN(s3::S3Uri uri, s3::S3Uri::Parse(source));
    KILN_ASSIGN_OR_RETURN(s3::Client client, S3ClientFor(ctx));
    s3::RequestOptions opt = S3OptionsFor(item, ctx);

    if (!uri.key.ends_with("*")) {
      if (uri.key.empty() || uri.key.ends_with("/")) {
        return Status::Invalid("input 'source': '" + source + "' names no object; use s3://bucket/prefix/* to download a prefix");
      }
      fsu::fs::path dest = fsu::EndsWithSeparator(destination)
                               ? fsu::fs::path(destination) / fsu::fs::path(uri.key).filename()
                               : fsu::fs::path(destination);
      KILN_RETURN_IF_ERROR(CheckOverwrite(dest, overwrite));
      KILN_RETURN_IF_ERROR(fsu::EnsureParent(dest));
      if (ctx.console) *ctx.console << "S3Download: " << source << " -> " << dest.string() << "\n";
      return client.GetObjectToFile(uri.bucket, uri.key, dest.string(), opt);
    }

    // Prefix download: the key before '*' is the prefix; objects land in
    // the destination folder under their key relative to the prefix.
    std::string prefix = uri.key.substr(0, uri.key.size() - 1);
    KILN_ASSIGN_OR_RETURN(auto objects, client.ListObjects(uri.bucket, prefix, kMaxPrefixObjects, opt));
    if (objects.empty()) return Status::NotFound("S3Download: no objects under " + source);
    std::error_code ec;
    fsu::fs::create_directories(destination, ec);
    if (ec) return fsu::IoError("creating the folder", destination, ec);
    for (const s3::ObjectInfo& obj : objects) {
      KILN_RETURN_IF_ERROR(CheckStillRunning(ctx));
      std::string rel = obj.key.substr(prefix.size());
      if (rel.empty()) continue;
      if (rel.find("..") != std::string::npos &&
          (rel == ".." || rel.starts_with("../") || rel.find("/../") != std::string::npos || rel.ends_with("/.."))) {
        return Status::Invalid("S3Download: refusing the object key '" + obj.key + "', which escapes the destination folder");
      }
      fsu::fs::path dest = fsu::fs::path(destination) / rel;
      if (rel.ends_with("/")) {  // a "folder" marker object
        fsu::fs::create_directories(dest, ec);
        if (ec) return fsu::IoError("creating the folder", dest, ec);
        continue;
      }
      KILN_RETURN_IF_ERROR(CheckOverwrite(dest, overwrite));
      KILN_RETURN_IF_ERROR(fsu::EnsureParent(dest));
      if (ctx.console) *ctx.console << "S3Download: s3://" << uri.bucket << "/" << obj.key << " -> " << dest.string() << "\n";
      KILN_RETURN_IF_ERROR(client.GetObjectToFile(uri.bucket, obj.key, dest.string(), opt));
    }
    return Status::Ok();
  }
};

}  // namespace

std::unique_ptr<Module> NewS3DownloadModule() { return std::make_unique<S3DownloadModule>(); }

}  // namespace kiln::toe
