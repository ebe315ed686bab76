// MoveFolder (awstoe.md §5.19): moves folders; merges into an existing target when overwrite is true.
#include "toe/modules/modules.h"
#include "toe/modules/module_base.h"
#include "toe/modules/transfer.h"

namespace kiln::toe {
namespace {

class MoveFolderModule : public ListModule {
 public:
  MoveFolderModule() : ListModule("MoveFolder", kAllPlatforms) {}

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
    spec.kind = fsu::Kind::kFolder;
    spec.mode = fsu::TransferMode::kMove;
    return fsu::Transfer(spec);
  }
};

}  // namespace

std::unique_ptr<Module> NewMoveFolderModule() { return std::make_unique<MoveFolderModule>(); }

}  // namespace kiln::toe
