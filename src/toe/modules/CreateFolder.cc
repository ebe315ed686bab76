// CreateFolder (awstoe.md §5.13): creates a folder and its parents. An
// existing folder is kept as it is (its contents are never truncated) and
// owner/permissions are (re)applied (D-toe-modules-2); with overwrite false
// an existing folder is an error.
#include <sys/stat.h>

#include "toe/modules/module_base.h"
#include "toe/modules/modules.h"
#include "toe/modules/owner_input.h"

namespace kiln::toe {
namespace {

class CreateFolderModule : public ListModule {
 public:
  CreateFolderModule() : ListModule("CreateFolder", kAllPlatforms) {}

 protected:
  Status ValidateItem(const Json& item) const override {
    KILN_RETURN_IF_ERROR(CheckKnownKeys(item, {"path", "owner", "group", "permissions", "overwrite"}));
    KILN_RETURN_IF_ERROR(CheckString(item, "path", true));
    KILN_RETURN_IF_ERROR(CheckOwnerInputs(item));
    return CheckBool(item, "overwrite");
  }

  Status RunItem(const Json& item, StepContext&, std::string&) const override {
    KILN_ASSIGN_OR_RETURN(std::string path, GetString(item, "path"));
    KILN_ASSIGN_OR_RETURN(bool overwrite, GetBool(item, "overwrite", true));
    std::string perms = GetStringOr(item, "permissions", "");
    mode_t mode = 0777;
    if (!perms.empty()) {
      KILN_ASSIGN_OR_RETURN(mode, fsu::ParsePermissions(perms));
    }
    KILN_ASSIGN_OR_RETURN(OwnerChange owner,
                          ResolveOwner(GetStringOr(item, "owner", ""), GetStringOr(item, "group", ""), false));
    std::error_code ec;
    auto st = fsu::fs::status(path, ec);
    if (fsu::fs::exists(st) && !fsu::fs::is_directory(st)) {
      return Status::AlreadyExists("'" + path + "' exists and is not a folder");
    }
    if (fsu::fs::exists(st) && !overwrite) {
      return Status::AlreadyExists("the folder '" + path + "' already exists and 'overwrite' is false");
    }
    if (!fsu::fs::exists(st)) {
      fsu::fs::create_directories(path, ec);
      if (ec) return fsu::IoError("creating the folder", path, ec);
      // New folders get 0777 minus the umask (mkdir), as the guide describes.
    }
    if (!perms.empty()) KILN_RETURN_IF_ERROR(ApplyMode(path, mode));
    return ApplyOwner(path, owner);
  }
};

}  // namespace

std::unique_ptr<Module> NewCreateFolderModule() { return std::make_unique<CreateFolderModule>(); }

}  // namespace kiln::toe
