// CreateSymlink (awstoe.md §5.14, not on Windows): creates `path` pointing at
// `target`. A relative `path` is made absolute; a relative `target` is kept
// as written (resolved, like any symlink, from the link's folder). An
// existing symlink is replaced only with force; an existing non-link is
// always an error; the target must exist.
#include <unistd.h>

#include "toe/modules/fs_util.h"
#include "toe/modules/module_base.h"
#include "toe/modules/modules.h"

namespace kiln::toe {
namespace {

class CreateSymlinkModule : public ListModule {
 public:
  CreateSymlinkModule() : ListModule("CreateSymlink", kUnixPlatforms) {}

 protected:
  Status ValidateItem(const Json& item) const override {
    KILN_RETURN_IF_ERROR(CheckKnownKeys(item, {"path", "target", "force"}));
    KILN_RETURN_IF_ERROR(CheckString(item, "path", true));
    KILN_RETURN_IF_ERROR(CheckString(item, "target", true));
    return CheckBool(item, "force");
  }

  Status RunItem(const Json& item, StepContext&, std::string&) const override {
    namespace fs = fsu::fs;
    KILN_ASSIGN_OR_RETURN(std::string path_text, GetString(item, "path"));
    KILN_ASSIGN_OR_RETURN(std::string target, GetString(item, "target"));
    KILN_ASSIGN_OR_RETURN(bool force, GetBool(item, "force", false));
    std::error_code ec;
    fs::path link = fs::absolute(path_text, ec);
    if (ec) return fsu::IoError("resolving", path_text, ec);
    fs::path resolved = fs::path(target).is_absolute() ? fs::path(target) : link.parent_path() / target;
    if (!fs::exists(resolved, ec)) {
      return Status::NotFound("the symlink target '" + target + "' does not exist");
    }
    auto st = fs::symlink_status(link, ec);
    if (fs::exists(st) || fs::is_symlink(st)) {
      if (!fs::is_symlink(st)) {
        return Status::AlreadyExists("'" + link.string() + "' exists and is not a symbolic link");
      }
      if (!force) {
        return Status::AlreadyExists("the symbolic link '" + link.string() + "' already exists and 'force' is false");
      }
    }
    KILN_RETURN_IF_ERROR(fsu::EnsureParent(link));
    // Create under a temporary name, then rename over any old link, so the
    // path is never missing.
    fs::path tmp = link;
    tmp += ".kiln-tmp-" + std::to_string(getpid());
    fs::remove(tmp, ec);
    fs::create_symlink(target, tmp, ec);
    if (ec) return fsu::IoError("creating the symbolic link", link, ec);
    fs::rename(tmp, link, ec);
    if (ec) {
      std::error_code ignored;
      fs::remove(tmp, ignored);
      return fsu::IoError("creating the symbolic link", link, ec);
    }
    return Status::Ok();
  }
};

}  // namespace

std::unique_ptr<Module> NewCreateSymlinkModule() { return std::make_unique<CreateSymlinkModule>(); }

}  // namespace kiln::toe
