// S3Upload (awstoe.md §5.7): uploads a file to an object, the files of a
// folder written "folder/*" (subfolders too with recurse) or a whole folder
// with recurse, under a key prefix ending in '/'. Nothing is rolled back
// when a later upload fails.
#include "toe/modules/fs_util.h"
#include "toe/modules/module_base.h"
#include "toe/modules/modules.h"
#include "toe/modules/s3_inputs.h"

namespace kiln::toe {
namespace {

class S3UploadModule : public ListModule {
 public:
  S3UploadModule() : ListModule("S3Upload", kAllPlatforms) {}

 protected:
  Status ValidateItem(const Json& item) const override {
    KILN_RETURN_IF_ERROR(CheckKnownKeys(item, {"source", "destination", "recurse", "expectedBucketOwner"}));
    KILN_RETURN_IF_ERROR(CheckString(item, "source", true));
    KILN_RETURN_IF_ERROR(CheckS3UriInput(item, "destination"));
    KILN_RETURN_IF_ERROR(CheckBool(item, "recurse"));
    KILN_RETURN_IF_ERROR(CheckString(item, "expectedBucketOwner", false));
    return fsu::CheckWildcardPlacement(GetStringOr(item, "source", ""), "source");
  }

  Status RunItem(const Json& item, StepContext& ctx, std::string&) const override {
    namespace fs = fsu::fs;
    KILN_ASSIGN_OR_RETURN(std::string source, GetString(item, "source"));
    KILN_ASSIGN_OR_RETURN(std::string destination, GetString(item, "destination"));
    KILN_ASSIGN_OR_RETURN(bool recurse, GetBool(item, "recurse", false));
    KILN_ASSIGN_OR_RETURN(s3::S3Uri uri, s3::S3Uri::Parse(destination));
    bool to_prefix = uri.key.empty() || uri.key.ends_with("/");

    // (local file, key) pairs to upload.
    std::vector<std::pair<fs::path, std::string>> uploads;
    std::error_code ec;
    auto add_tree = [&](const fs::path& dir, bool deep) -> Status {
      auto visit = [&](const fs::directory_entry& e) {
        if (e.is_regular_file()) {
          uploads.emplace_back(e.path(), uri.key + fs::relative(e.path(), dir).generic_string());
        }
      };
      if (deep) {
        for (fs::recursive_directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) visit(*it);
      } else {
        for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) visit(*it);
      }
      if (ec) return fsu::IoError("reading the folder", dir, ec);
      return Status::Ok();
    };

    if (fsu::HasWildcard(source)) {
      if (!to_prefix) {
        return Status::Invalid("input 'destination' must be a key prefix ending in '/' when 'source' has a wildcard, got '" + destination + "'");
      }
      KILN_ASSIGN_OR_RETURN(auto files, fsu::ExpandSource(source, fsu::Kind::kFile, "source"));
      for (const auto& f : files) uploads.emplace_back(f, uri.key + f.filename().string());
      if (recurse) {
        KILN_ASSIGN_OR_RETURN(auto dirs, fsu::ExpandSource(source, fsu::Kind::kFolder, "source"));
        for (const auto& d : dirs) {
          std::string saved = uri.key;
          uri.key += d.filename().string() + "/";
          KILN_RETURN_IF_ERROR(add_tree(d, true));
          uri.key = saved;
        }
      }
      if (uploads.empty()) return Status::NotFound("no files match the source '" + source + "'");
    } else if (fs::is_directory(source, ec)) {
      if (!recurse) {
        return Status::Invalid("the source '" + source + "' is a folder: set 'recurse: true' to upload it, or use '" +
                               source + "/*' for the files directly in it");
      }
      if (!to_prefix) {
        return Status::Invalid("input 'destination' must be a key prefix ending in '/' to upload a folder, got '" + destination + "'");
      }
      KILN_RETURN_IF_ERROR(add_tree(source, true));
    } else if (fs::is_regular_file(source, ec)) {
      uploads.emplace_back(source, to_prefix ? uri.key + fs::path(source).filename().string() : uri.key);
    } else {
      return Status::NotFound("the source '" + source + "' does not exist");
    }

    KILN_ASSIGN_OR_RETURN(s3::Client client, S3ClientFor(ctx));
    s3::RequestOptions opt = S3OptionsFor(item, ctx);
    for (const auto& [file, key] : uploads) {
      KILN_RETURN_IF_ERROR(CheckStillRunning(ctx));
      if (ctx.console) *ctx.console << "S3Upload: " << file.string() << " -> s3://" << uri.bucket << "/" << key << "\n";
      KILN_RETURN_IF_ERROR(client.PutObjectFromFile(uri.bucket, key, file.string(), opt));
    }
    return Status::Ok();
  }
};

}  // namespace

std::unique_ptr<Module> NewS3UploadModule() { return std::make_unique<S3UploadModule>(); }

}  // namespace kiln::toe
