// UninstallMSI (awstoe.md §5.26/§5.27, Windows only): msiexec with path, reboot,
// logOptions, logFile, properties and the signature switches.
#include "toe/modules/modules.h"
#include "toe/modules/msi_inputs.h"
#include "toe/modules/windows_only.h"

namespace kiln::toe {
namespace {

class UninstallMSIModule : public NamedModule {
 public:
  UninstallMSIModule() : NamedModule("UninstallMSI", kWindowsOnly) {}
  Status Validate(const Json& inputs) const override { return CheckMsiInputs(inputs); }
  ModuleResult Execute(const Json&, StepContext&) const override { return WindowsOnlyResult(name()); }
};

}  // namespace

std::unique_ptr<Module> NewUninstallMSIModule() { return std::make_unique<UninstallMSIModule>(); }

}  // namespace kiln::toe
