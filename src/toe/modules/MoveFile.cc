// MoveFile (awstoe.md §5.18): moves files like mv; rename, or copy+delete across file systems.
#include "toe/modules/modules.h"
#include "toe/modules/module_base.h"
#include "toe/modules/transfer.h"

namespace kiln::toe {
namespace {

class MoveFileModule : public ListModule {
 public:
  MoveFileModule() : ListModule("MoveFile", kAllPlatforms) {}

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
    spec.mode = fsu::TransferMode::kMove;
    return fsu::Transfer(spec);
  }
};

}  // namespace

std::unique_ptr<Module> NewMoveFileModule() { return std::make_unique<MoveFileModule>(); }

}  // namespace kiln::toe
