// The CopyFile, CopyFolder, MoveFile and MoveFolder modules: the same inputs
// and checks, differing only in what they move and whether the source stays.
#include "toe/modules/module_base.h"
#include "toe/modules/transfer.h"

namespace kiln::toe {
namespace {

class TransferModule : public ListModule {
 public:
  TransferModule(std::string_view name, fsu::Kind kind, fsu::TransferMode mode)
      : ListModule(name, kAllPlatforms), kind_(kind), mode_(mode) {}

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
    spec.kind = kind_;
    spec.mode = mode_;
    return fsu::Transfer(spec);
  }

 private:
  fsu::Kind kind_;
  fsu::TransferMode mode_;
};


}  // namespace

std::unique_ptr<Module> NewTransferModule(std::string_view name, fsu::Kind kind,
                                          fsu::TransferMode mode) {
  return std::make_unique<TransferModule>(name, kind, mode);
}

}  // namespace kiln::toe
