// InstallMSI (awstoe.md §5.26/§5.27, Windows only): msiexec with path, reboot,
// logOptions, logFile, properties and the signature switches.
#include "toe/modules/modules.h"
#include "toe/modules/msi_inputs.h"
#include "toe/modules/windows_only.h"

namespace kiln::toe {
namespace {

class InstallMSIModule : public NamedModule {
 public:
  InstallMSIModule() : NamedModule("InstallMSI", kWindowsOnly) {}
  Status Validate(const Json& inputs) const override { return CheckMsiInputs(inputs); }
  ModuleResult Execute(const Json&, StepContext&) const override { return WindowsOnlyResult(name()); }
};

}  // namespace

std::unique_ptr<Module> NewInstallMSIModule() { return std::make_unique<InstallMSIModule>(); }

}  // namespace kiln::toe
