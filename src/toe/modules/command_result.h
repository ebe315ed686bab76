// Shared by the modules that run a program (ExecuteBash, ExecuteBinary):
// turns a finished process into a ModuleResult.
#pragma once

#include <string>

#include "common/process.h"
#include "toe/module.h"

namespace kiln::toe {

// Runs `argv` for a step (deadline, cancellation, console from `ctx`) and
// maps the outcome: exit 0 succeeds, `reboot_code` requests a reboot,
// anything else fails. `stdout` is the trimmed standard output. When a
// failed program's last stdout line is a JSON object with "failureMessage"
// (the guide's error_exit idiom), that message is used.
ModuleResult RunCommandStep(const std::vector<std::string>& argv, StepContext& ctx, int reboot_code);

// A process spec for a step: its environment, the time left before its
// deadline, cancellation, and stdout+stderr streamed to the step's console
// (when `stream` and the step has one).
host::ProcessSpec StepProcess(const std::vector<std::string>& argv, const StepContext& ctx, bool stream = true);

}  // namespace kiln::toe
