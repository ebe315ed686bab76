// The action-module interface: what one step of a component document does.
//
// The executor (executor.h) resolves variables, loops and conditions, then
// calls Module::Execute once per step attempt (and once per loop iteration)
// with fully substituted inputs. Each module lives in modules/<Name>.cc and
// registers itself in the registry (registry.cc).
//
// Inputs are JSON. Scalars that came from YAML arrive as JSON strings holding
// the raw scalar text (so `permissions: 0777` arrives as "0777", never 511);
// documents written in JSON keep their native numbers and booleans. Modules
// read typed values through the helpers in module_inputs.h, which accept both.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/status.h"

namespace kiln::toe {

using Json = nlohmann::json;

class RunContext;  // executor-side state; see executor.h

// Everything a module may use while it runs one step.
struct StepContext {
  std::string document_name;
  std::string phase;
  std::string step;
  // Absolute deadline on the monotonic clock (MonotonicMillis), or -1 for none.
  // Modules that run processes or transfer data must stop at the deadline and
  // return Status::Timeout.
  int64_t deadline_ms = -1;
  // Where step output (stdout/stderr of commands, progress) goes: console.log
  // and, with --trace, the terminal. Never null while a step runs.
  std::ostream* console = nullptr;
  // True once the run is being cancelled (SIGTERM/SIGINT); modules poll it.
  std::function<bool()> cancelled = [] { return false; };
  // Runs nested documents for ExecuteDocument (set by the executor).
  std::function<Result<Json>(const Json& inputs, const StepContext& parent)> execute_document;
  // Environment for child processes (AWS_* credentials, endpoints, PATH...).
  // Empty means "inherit kiln-toe's environment".
  std::vector<std::string> env;
  // A directory for this run's temporary files (script files and the like),
  // inside the run's log folder. Always set while a step runs.
  std::string work_dir;
  // The location of the document this step belongs to (for relative paths).
  std::string document_location;
};

// What one execution of a module produced.
struct ModuleResult {
  Status status;          // OK = step succeeded
  Json outputs = Json::object();  // the module's documented outputs
  bool reboot_requested = false;  // exit 194 from ExecuteBash, or Reboot
  int exit_code = 0;      // for command modules, the child's exit status
  // ExecuteDocument only: the child runs' detailed output (goes into the
  // step's `detailedOutput` in detailedoutput.json); null otherwise.
  Json detailed_output;
};

// Which platforms a module exists on, per the guide's module table.
enum class Platform : unsigned { kLinux = 1, kWindows = 2, kMacOS = 4 };

class Module {
 public:
  virtual ~Module() = default;
  // The action name as written in documents, e.g. "ExecuteBash".
  virtual std::string_view name() const = 0;
  // Bitmask of Platform values the guide lists for this module.
  virtual unsigned platforms() const = 0;
  // Static check of a step's inputs before anything runs. Values may still
  // contain "{{ ... }}" references; a reference is accepted wherever a typed
  // value is expected and checked again when the step runs. The message names
  // the input field that is wrong.
  virtual Status Validate(const Json& inputs) const = 0;
  // Runs the step once. `inputs` are fully substituted.
  virtual ModuleResult Execute(const Json& inputs, StepContext& ctx) const = 0;
};

// The registry of every module the guide documents, including the
// Windows-only ones (which exist so that Linux can reject them by name).
const Module* FindModule(std::string_view name);
std::vector<const Module*> AllModules();
bool SupportedHere(const Module& m);  // supported on the OS kiln-toe runs on

}  // namespace kiln::toe
