// DeleteFolder (awstoe.md §5.16): deletes a folder; a non-empty one only
// with force (then recursively). A missing folder is an error.
#include "toe/modules/fs_util.h"
#include "toe/modules/module_base.h"
#include "toe/modules/modules.h"

namespace kiln::toe {
namespace {

class DeleteFolderModule : public ListModule {
 public:
  DeleteFolderModule() : ListModule("DeleteFolder", kAllPlatforms) {}

 protected:
  Status ValidateItem(const Json& item) const override {
    KILN_RETURN_IF_ERROR(CheckKnownKeys(item, {"path", "force"}));
    KILN_RETURN_IF_ERROR(CheckString(item, "path", true));
    return CheckBool(item, "force");
  }

  Status RunItem(const Json& item, StepContext&, std::string&) const override {
    namespace fs = fsu::fs;
    KILN_ASSIGN_OR_RETURN(std::string path, GetString(item, "path"));
    KILN_ASSIGN_OR_RETURN(bool force, GetBool(item, "force", false));
    std::error_code ec;
    auto st = fs::symlink_status(path, ec);
    if (!fs::exists(st)) return Status::NotFound("the folder '" + path + "' does not exist");
    if (!fs::is_directory(st)) return Status::Invalid("'" + path + "' is not a folder; use DeleteFile");
    bool empty = fs::is_empty(path, ec);
    if (ec) return fsu::IoError("reading the folder", path, ec);
    if (!empty && !force) {
      return Status::FailedPrecondition("the folder '" + path + "' is not empty; set 'force: true' to delete it with its contents");
    }
    fs::remove_all(path, ec);
    if (ec) return fsu::IoError("deleting the folder", path, ec);
    return Status::Ok();
  }
};

}  // namespace

std::unique_ptr<Module> NewDeleteFolderModule() { return std::make_unique<DeleteFolderModule>(); }

}  // namespace kiln::toe
