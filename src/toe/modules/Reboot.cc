// Reboot (awstoe.md §5.28): waits `delaySeconds`, then asks for a reboot.
// kiln-toe never reboots the machine itself: the executor saves the state and
// kiln-toe exits with 194, the code the SSM agent (and Kiln's build runner)
// treat as "reboot, then run the same command again" (docs/TOE.md).
#include <unistd.h>

#include "common/time.h"
#include "toe/module_inputs.h"
#include "toe/modules/modules.h"

namespace kiln::toe {
namespace {

class Reboot : public Module {
 public:
  std::string_view name() const override { return "Reboot"; }
  unsigned platforms() const override {
    return static_cast<unsigned>(Platform::kLinux) | static_cast<unsigned>(Platform::kWindows);
  }
  Status Validate(const Json& inputs) const override {
    if (inputs.is_null()) return Status::Ok();
    KILN_RETURN_IF_ERROR(CheckObject(inputs));
    KILN_RETURN_IF_ERROR(CheckKnownKeys(inputs, {"delaySeconds"}));
    KILN_RETURN_IF_ERROR(CheckInt(inputs, "delaySeconds", false));
    auto d = GetInt(inputs, "delaySeconds", 0);
    if (d.ok() && *d < 0) return Status::Invalid("input 'delaySeconds' must not be negative");
    return Status::Ok();
  }
  ModuleResult Execute(const Json& inputs, StepContext& ctx) const override {
    ModuleResult res;
    auto delay = GetInt(inputs, "delaySeconds", 0);
    if (!delay.ok() || *delay < 0) {
      res.status = delay.ok() ? Status::Invalid("input 'delaySeconds' must not be negative") : delay.status();
      return res;
    }
    const int64_t until = MonotonicMillis() + *delay * 1000;
    if (*delay > 0 && ctx.console) *ctx.console << "Rebooting in " << *delay << " seconds\n";
    while (MonotonicMillis() < until) {
      if (ctx.cancelled && ctx.cancelled()) {
        res.status = Status::Cancelled("the run was cancelled before the reboot");
        return res;
      }
      usleep(50000);
    }
    res.reboot_requested = true;
    return res;
  }
};

}  // namespace

std::unique_ptr<Module> NewRebootModule() { return std::make_unique<Reboot>(); }

}  // namespace kiln::toe
