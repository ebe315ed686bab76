#include "toe/modules/command_result.h"

namespace kiln::toe {
namespace {

std::string JsonFailureMessage(const std::string& out) {
  size_t end = out.size();
  while (end > 0) {
    size_t start = out.rfind('\n', end - 1);
    start = start == std::string::npos ? 0 : start + 1;
    std::string line = out.substr(start, end - start);
    if (line.find_first_not_of(" \t\r") != std::string::npos) {
      Json j = Json::parse(line, nullptr, false);
      if (j.is_object() && j.contains("failureMessage") && j["failureMessage"].is_string())
        return j["failureMessage"];
      return "";
    }
    if (start == 0) break;
    end = start - 1;
  }
  return "";
}

}  // namespace

ModuleResult RunCommandStep(const std::vector<std::string>& argv, StepContext& ctx, int reboot_code) {
  ModuleResult res;
  ProcessSpec spec;
  spec.argv = argv;
  spec.env = ctx.env;
  spec.deadline_ms = ctx.deadline_ms;
  spec.cancelled = ctx.cancelled;
  spec.console = ctx.console;
  auto r = RunProcess(spec);
  if (!r.ok()) {
    res.status = r.status();
    return res;
  }
  res.exit_code = r->exit_code;
  res.outputs = {{"stdout", TrimTrailingNewlines(r->stdout_text)}};
  if (r->timed_out) {
    res.status = Status::Timeout("the step timed out; the command was stopped");
  } else if (r->cancelled) {
    res.status = Status::Cancelled("the run was cancelled; the command was stopped");
  } else if (r->exit_code == reboot_code) {
    res.reboot_requested = true;
  } else if (r->term_signal != 0) {
    res.status = Status::IOError("the command was killed by signal " + std::to_string(r->term_signal));
  } else if (r->exit_code != 0) {
    std::string msg = JsonFailureMessage(r->stdout_text);
    res.status = Status::IOError(msg.empty() ? "the command exited with status " + std::to_string(r->exit_code)
                                             : msg + " (exit status " + std::to_string(r->exit_code) + ")");
  }
  return res;
}

}  // namespace kiln::toe
