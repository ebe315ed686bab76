// ExecutePowerShell (awstoe.md §5.5, Windows only): exactly one of
// `commands` (list of strings) or `file` (a .ps1 path).
#include "toe/modules/modules.h"
#include "toe/modules/windows_only.h"

namespace kiln::toe {
namespace {

class ExecutePowerShellModule : public NamedModule {
 public:
  ExecutePowerShellModule() : NamedModule("ExecutePowerShell", kWindowsOnly) {}

  Status Validate(const Json& inputs) const override {
    KILN_RETURN_IF_ERROR(CheckObject(inputs));
    KILN_RETURN_IF_ERROR(CheckKnownKeys(inputs, {"commands", "file"}));
    bool has_commands = inputs.contains("commands") && !inputs["commands"].is_null();
    bool has_file = inputs.contains("file") && !inputs["file"].is_null();
    if (has_commands == has_file) {
      return Status::Invalid("ExecutePowerShell needs exactly one of the inputs 'commands' or 'file'");
    }
    if (has_commands) return CheckStringList(inputs, "commands", true);
    KILN_RETURN_IF_ERROR(CheckString(inputs, "file", true));
    std::string file = GetStringOr(inputs, "file", "");
    std::string lower = file;
    for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (file.find("{{") == std::string::npos && !lower.ends_with(".ps1")) {
      return Status::Invalid("input 'file' must be a PowerShell script ending in .ps1, got '" + file + "'");
    }
    return Status::Ok();
  }

  ModuleResult Execute(const Json&, StepContext&) const override { return WindowsOnlyResult(name()); }
};

}  // namespace

std::unique_ptr<Module> NewExecutePowerShellModule() { return std::make_unique<ExecutePowerShellModule>(); }

}  // namespace kiln::toe
