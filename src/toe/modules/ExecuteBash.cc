// ExecuteBash (awstoe.md §5.2): writes `commands` into a script file and runs
// it with bash. Exit 194 asks for a reboot and a rerun of the step.
#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "toe/module_inputs.h"
#include "toe/modules/command_result.h"
#include "toe/modules/modules.h"

namespace kiln::toe {
namespace {

class ExecuteBash : public Module {
 public:
  std::string_view name() const override { return "ExecuteBash"; }
  unsigned platforms() const override {
    return static_cast<unsigned>(Platform::kLinux) | static_cast<unsigned>(Platform::kMacOS);
  }
  Status Validate(const Json& inputs) const override {
    KILN_RETURN_IF_ERROR(CheckObject(inputs));
    KILN_RETURN_IF_ERROR(CheckKnownKeys(inputs, {"commands"}));
    return CheckStringList(inputs, "commands", true);
  }
  ModuleResult Execute(const Json& inputs, StepContext& ctx) const override {
    ModuleResult res;
    auto commands = GetStringList(inputs, "commands", true);
    if (!commands.ok()) {
      res.status = commands.status();
      return res;
    }
    std::string script;
    for (const std::string& c : *commands) script += c + "\n";
    std::string path = (ctx.work_dir.empty() ? "/tmp" : ctx.work_dir) + "/input-XXXXXX.sh";
    int fd = mkstemps(path.data(), 3);
    if (fd < 0) {
      res.status = Status::IOError("cannot create the script file '" + path + "': " + strerror(errno));
      return res;
    }
    bool written = write(fd, script.data(), script.size()) == static_cast<ssize_t>(script.size());
    close(fd);
    if (!written) {
      res.status = Status::IOError("cannot write the script file '" + path + "'");
      return res;
    }
    return RunCommandStep({"bash", path}, ctx, 194);
  }
};

}  // namespace

std::unique_ptr<Module> NewExecuteBashModule() { return std::make_unique<ExecuteBash>(); }

}  // namespace kiln::toe
