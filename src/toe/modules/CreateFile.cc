// CreateFile (awstoe.md §5.12): creates (or, with overwrite, replaces) a
// text file, creating parent folders. The new content is written to a
// temporary file and renamed into place. Explicit permissions are applied
// exactly; without them the file gets 0666 minus the umask (D-toe-modules-1).
#include <sys/stat.h>

#include "toe/modules/encoding_input.h"
#include "toe/modules/module_base.h"
#include "toe/modules/modules.h"
#include "toe/modules/owner_input.h"

namespace kiln::toe {
namespace {

class CreateFileModule : public ListModule {
 public:
  CreateFileModule() : ListModule("CreateFile", kAllPlatforms) {}

 protected:
  Status ValidateItem(const Json& item) const override {
    KILN_RETURN_IF_ERROR(
        CheckKnownKeys(item, {"path", "content", "encoding", "owner", "group", "permissions", "overwrite"}));
    KILN_RETURN_IF_ERROR(CheckString(item, "path", true));
    KILN_RETURN_IF_ERROR(CheckString(item, "content", false));
    KILN_RETURN_IF_ERROR(CheckEncodingInput(item));
    KILN_RETURN_IF_ERROR(CheckOwnerInputs(item));
    return CheckBool(item, "overwrite");
  }

  Status RunItem(const Json& item, StepContext&, std::string&) const override {
    KILN_ASSIGN_OR_RETURN(std::string path, GetString(item, "path"));
    KILN_ASSIGN_OR_RETURN(bool overwrite, GetBool(item, "overwrite", true));
    KILN_ASSIGN_OR_RETURN(fsu::Encoding enc, GetEncodingInput(item));
    KILN_ASSIGN_OR_RETURN(std::string bytes, fsu::EncodeText(GetStringOr(item, "content", ""), enc));
    std::string perms = GetStringOr(item, "permissions", "");
    mode_t mode = 0666;
    if (!perms.empty()) {
      KILN_ASSIGN_OR_RETURN(mode, fsu::ParsePermissions(perms));
    }
    KILN_ASSIGN_OR_RETURN(OwnerChange owner,
                          ResolveOwner(GetStringOr(item, "owner", ""), GetStringOr(item, "group", ""), false));

    std::error_code ec;
    auto st = fsu::fs::status(path, ec);
    if (fsu::fs::is_directory(st)) return Status::AlreadyExists("'" + path + "' is a folder, not a file");
    if (fsu::fs::exists(st) && !overwrite) {
      return Status::AlreadyExists("the file '" + path + "' already exists and 'overwrite' is false");
    }
    KILN_RETURN_IF_ERROR(fsu::EnsureParent(path));
    KILN_RETURN_IF_ERROR(fsu::WriteFileAtomically(path, bytes, mode));
    if (!perms.empty()) KILN_RETURN_IF_ERROR(ApplyMode(path, mode));
    return ApplyOwner(path, owner);
  }
};

}  // namespace

std::unique_ptr<Module> NewCreateFileModule() { return std::make_unique<CreateFileModule>(); }

}  // namespace kiln::toe
