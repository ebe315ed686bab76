// SetFolderPermissions (awstoe.md §5.25, not on Windows): chmod of a folder
// and, by default, of every file and subfolder in it (symlinks are skipped:
// chmod would change their targets, possibly outside the tree).
#include "toe/modules/module_base.h"
#include "toe/modules/modules.h"
#include "toe/modules/owner_input.h"

namespace kiln::toe {
namespace {

class SetFolderPermissionsModule : public ListModule {
 public:
  SetFolderPermissionsModule() : ListModule("SetFolderPermissions", kUnixPlatforms) {}

 protected:
  Status ValidateItem(const Json& item) const override {
    KILN_RETURN_IF_ERROR(CheckKnownKeys(item, {"path", "permissions", "recursive"}));
    KILN_RETURN_IF_ERROR(CheckString(item, "path", true));
    KILN_RETURN_IF_ERROR(CheckString(item, "permissions", true));
    KILN_RETURN_IF_ERROR(fsu::CheckPermissionsText(GetStringOr(item, "permissions", ""), "permissions"));
    return CheckBool(item, "recursive");
  }

  Status RunItem(const Json& item, StepContext& ctx, std::string&) const override {
    namespace fs = fsu::fs;
    KILN_ASSIGN_OR_RETURN(std::string path, GetString(item, "path"));
    KILN_ASSIGN_OR_RETURN(std::string perms, GetString(item, "permissions"));
    KILN_ASSIGN_OR_RETURN(mode_t mode, fsu::ParsePermissions(perms));
    KILN_ASSIGN_OR_RETURN(bool recursive, GetBool(item, "recursive", true));
    std::error_code ec;
    if (!fs::is_directory(path, ec)) return Status::NotFound("the folder '" + path + "' does not exist");
    if (recursive) {
      // Children first would not matter for root; for a non-root owner,
      // setting the top folder last keeps the tree traversable while we walk.
      std::vector<fs::path> entries;
      for (fs::recursive_directory_iterator it(path, ec), end; !ec && it != end; it.increment(ec)) {
        if (!it->is_symlink()) entries.push_back(it->path());
      }
      if (ec) return fsu::IoError("walking the folder", path, ec);
      for (auto e = entries.rbegin(); e != entries.rend(); ++e) {
        KILN_RETURN_IF_ERROR(CheckStillRunning(ctx));
        KILN_RETURN_IF_ERROR(ApplyMode(e->string(), mode));
      }
    }
    return ApplyMode(path, mode);
  }
};

}  // namespace

std::unique_ptr<Module> NewSetFolderPermissionsModule() { return std::make_unique<SetFolderPermissionsModule>(); }

}  // namespace kiln::toe
