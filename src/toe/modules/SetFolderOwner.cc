// SetFolderOwner (awstoe.md §5.23, not on Windows): changes a folder's owner
// and group, by default recursively. Symlinks inside the tree are changed
// themselves (lchown), never followed out of it.
#include "toe/modules/module_base.h"
#include "toe/modules/modules.h"
#include "toe/modules/owner_input.h"

namespace kiln::toe {
namespace {

class SetFolderOwnerModule : public ListModule {
 public:
  SetFolderOwnerModule() : ListModule("SetFolderOwner", kUnixPlatforms) {}

 protected:
  Status ValidateItem(const Json& item) const override {
    KILN_RETURN_IF_ERROR(CheckKnownKeys(item, {"path", "owner", "group", "recursive"}));
    KILN_RETURN_IF_ERROR(CheckString(item, "path", true));
    KILN_RETURN_IF_ERROR(CheckString(item, "owner", true));
    KILN_RETURN_IF_ERROR(CheckString(item, "group", false));
    return CheckBool(item, "recursive");
  }

  Status RunItem(const Json& item, StepContext& ctx, std::string&) const override {
    namespace fs = fsu::fs;
    KILN_ASSIGN_OR_RETURN(std::string path, GetString(item, "path"));
    KILN_ASSIGN_OR_RETURN(std::string owner, GetString(item, "owner"));
    KILN_ASSIGN_OR_RETURN(bool recursive, GetBool(item, "recursive", true));
    KILN_ASSIGN_OR_RETURN(OwnerChange c, ResolveOwner(owner, GetStringOr(item, "group", ""), true));
    std::error_code ec;
    if (!fs::is_directory(path, ec)) return Status::NotFound("the folder '" + path + "' does not exist");
    KILN_RETURN_IF_ERROR(ApplyOwner(path, c));
    if (!recursive) return Status::Ok();
    for (fs::recursive_directory_iterator it(path, ec), end; !ec && it != end; it.increment(ec)) {
      KILN_RETURN_IF_ERROR(CheckStillRunning(ctx));
      KILN_RETURN_IF_ERROR(ApplyOwner(it->path().string(), c, /*follow=*/false));
    }
    if (ec) return fsu::IoError("walking the folder", path, ec);
    return Status::Ok();
  }
};

}  // namespace

std::unique_ptr<Module> NewSetFolderOwnerModule() { return std::make_unique<SetFolderOwnerModule>(); }

}  // namespace kiln::toe
