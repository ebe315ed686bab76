// DeleteFile (awstoe.md §5.15): deletes a file, or with a wildcard in the
// file name every matching file in that folder (not folders, not
// recursive). A missing named file is an error; a wildcard that matches
// nothing is not (D-toe-modules-3, the digest's proposal).
#include "toe/modules/module_base.h"
#include "toe/modules/modules.h"
#include "toe/modules/fs_util.h"

namespace kiln::toe {
namespace {

class DeleteFileModule : public ListModule {
 public:
  DeleteFileModule() : ListModule("DeleteFile", kAllPlatforms) {}

 protected:
  Status ValidateItem(const Json& item) const override {
    KILN_RETURN_IF_ERROR(CheckKnownKeys(item, {"path"}));
    KILN_RETURN_IF_ERROR(CheckString(item, "path", true));
    return fsu::CheckWildcardPlacement(GetStringOr(item, "path", ""), "path");
  }

  Status RunItem(const Json& item, StepContext&, std::string&) const override {
    namespace fs = fsu::fs;
    KILN_ASSIGN_OR_RETURN(std::string path, GetString(item, "path"));
    std::vector<fs::path> victims;
    std::error_code ec;
    if (fsu::HasWildcard(path)) {
      KILN_ASSIGN_OR_RETURN(victims, fsu::ExpandSource(path, fsu::Kind::kFile, "path"));
    } else {
      auto st = fs::symlink_status(path, ec);
      if (!fs::exists(st) && !fs::is_symlink(st)) return Status::NotFound("the file '" + path + "' does not exist");
      if (fs::is_directory(st)) return Status::Invalid("'" + path + "' is a folder; use DeleteFolder");
      victims.push_back(path);
    }
    for (const fs::path& v : victims) {
      fs::remove(v, ec);
      if (ec) return fsu::IoError("deleting", v, ec);
    }
    return Status::Ok();
  }
};

}  // namespace

std::unique_ptr<Module> NewDeleteFileModule() { return std::make_unique<DeleteFileModule>(); }

}  // namespace kiln::toe
