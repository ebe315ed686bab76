// SetFileOwner (awstoe.md §5.22, not on Windows): changes a file's owner and
// group (default: the owner's primary group). A symlink's target changes.
#include "toe/modules/module_base.h"
#include "toe/modules/modules.h"
#include "toe/modules/owner_input.h"

namespace kiln::toe {
namespace {

class SetFileOwnerModule : public ListModule {
 public:
  SetFileOwnerModule() : ListModule("SetFileOwner", kUnixPlatforms) {}

 protected:
  Status ValidateItem(const Json& item) const override {
    KILN_RETURN_IF_ERROR(CheckKnownKeys(item, {"path", "owner", "group"}));
    KILN_RETURN_IF_ERROR(CheckString(item, "path", true));
    KILN_RETURN_IF_ERROR(CheckString(item, "owner", true));
    return CheckString(item, "group", false);
  }

  Status RunItem(const Json& item, StepContext&, std::string&) const override {
    KILN_ASSIGN_OR_RETURN(std::string path, GetString(item, "path"));
    KILN_ASSIGN_OR_RETURN(std::string owner, GetString(item, "owner"));
    KILN_ASSIGN_OR_RETURN(OwnerChange c, ResolveOwner(owner, GetStringOr(item, "group", ""), true));
    std::error_code ec;
    auto st = fsu::fs::status(path, ec);
    if (!fsu::fs::exists(st)) return Status::NotFound("the file '" + path + "' does not exist");
    if (fsu::fs::is_directory(st)) return Status::Invalid("'" + path + "' is a folder; use SetFolderOwner");
    return ApplyOwner(path, c);
  }
};

}  // namespace

std::unique_ptr<Module> NewSetFileOwnerModule() { return std::make_unique<SetFileOwnerModule>(); }

}  // namespace kiln::toe
