// CopyFile (awstoe.md §5.10): copies files like cp; wildcard sources go into a destination folder.
#include "toe/modules/modules.h"
#include "toe/modules/module_base.h"
#include "toe/modules/transfer.h"

namespace kiln::toe {
namespace {

class CopyFileModule : public ListModule {
 public:
  CopyFileModule() : ListModule("CopyFile", kAllPlatforms) {}

 protected:
  Status ValidateItem(const Json& item) const override {
    KILN_RETURN_IF_ERROR(CheckKnownKeys(item, {"source", "destination", "overwrite"}));
    KILN_RETURN_IF_ERROR(CheckString(item, "source", true));
    KILN_RETURN_IF_ERROR(CheckString(item, "destination", true));
    KILN_RETURN_IF_ERROR(CheckBool(item, "overwrite"));
    return fsu::CheckWildcardPlacement(GetStringOr(item, "source", ""), "source");
  }

  Status RunItem(const Json& item, StepContext&, std::string&) const override {
    fsu::TransferSpec spec;
    KILN_ASSIGN_OR_RETURN(spec.source, GetString(item, "source"));
    KILN_ASSIGN_OR_RETURN(spec.destination, GetString(item, "destination"));
    KILN_ASSIGN_OR_RETURN(spec.overwrite, GetBool(item, "overwrite", true));
    spec.kind = fsu::Kind::kFile;
    spec.mode = fsu::TransferMode::kCopy;
    return fsu::Transfer(spec);
  }
};

}  // namespace

std::unique_ptr<Module> NewCopyFileModule() { return std::make_unique<CopyFileModule>(); }

}  // namespace kiln::toe
