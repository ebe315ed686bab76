// SetFilePermissions (awstoe.md §5.24, not on Windows): chmod of one file to
// an octal mode string such as "766".
#include "toe/modules/module_base.h"
#include "toe/modules/modules.h"
#include "toe/modules/owner_input.h"

namespace kiln::toe {
namespace {

class SetFilePermissionsModule : public ListModule {
 public:
  SetFilePermissionsModule() : ListModule("SetFilePermissions", kUnixPlatforms) {}

 protected:
  Status ValidateItem(const Json& item) const override {
    KILN_RETURN_IF_ERROR(CheckKnownKeys(item, {"path", "permissions"}));
    KILN_RETURN_IF_ERROR(CheckString(item, "path", true));
    KILN_RETURN_IF_ERROR(CheckString(item, "permissions", true));
    return fsu::CheckPermissionsText(GetStringOr(item, "permissions", ""), "permissions");
  }

  Status RunItem(const Json& item, StepContext&, std::string&) const override {
    KILN_ASSIGN_OR_RETURN(std::string path, GetString(item, "path"));
    KILN_ASSIGN_OR_RETURN(std::string perms, GetString(item, "permissions"));
    KILN_ASSIGN_OR_RETURN(mode_t mode, fsu::ParsePermissions(perms));
    std::error_code ec;
    auto st = fsu::fs::status(path, ec);
    if (!fsu::fs::exists(st)) return Status::NotFound("the file '" + path + "' does not exist");
    if (fsu::fs::is_directory(st)) return Status::Invalid("'" + path + "' is a folder; use SetFolderPermissions");
    return ApplyMode(path, mode);
  }
};

}  // namespace

std::unique_ptr<Module> NewSetFilePermissionsModule() { return std::make_unique<SetFilePermissionsModule>(); }

}  // namespace kiln::toe
