// ExecuteBinary (awstoe.md §5.3): runs `path` with `arguments` as separate
// argv entries, without a shell. Exit 194 asks for a reboot and a rerun.
#include "toe/module_inputs.h"
#include "toe/modules/command_result.h"
#include "toe/modules/modules.h"

namespace kiln::toe {
namespace {

class ExecuteBinary : public Module {
 public:
  std::string_view name() const override { return "ExecuteBinary"; }
  unsigned platforms() const override { return 7; }
  Status Validate(const Json& inputs) const override {
    KILN_RETURN_IF_ERROR(CheckObject(inputs));
    KILN_RETURN_IF_ERROR(CheckKnownKeys(inputs, {"path", "arguments"}));
    KILN_RETURN_IF_ERROR(CheckString(inputs, "path", true));
    return CheckStringList(inputs, "arguments", false);
  }
  ModuleResult Execute(const Json& inputs, StepContext& ctx) const override {
    ModuleResult res;
    auto path = GetString(inputs, "path");
    auto args = GetStringList(inputs, "arguments", false);
    if (!path.ok() || !args.ok()) {
      res.status = !path.ok() ? path.status() : args.status();
      return res;
    }
    std::vector<std::string> argv = {*path};
    argv.insert(argv.end(), args->begin(), args->end());
    return RunCommandStep(argv, ctx, 194);
  }
};

}  // namespace

std::unique_ptr<Module> NewExecuteBinaryModule() { return std::make_unique<ExecuteBinary>(); }

}  // namespace kiln::toe
