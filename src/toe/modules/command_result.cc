#include "toe/modules/command_result.h"

#include <algorithm>

#include "common/time.h"

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

host::ProcessSpec StepProcess(const std::vector<std::string>& argv, const StepContext& ctx, bool stream) {
  host::ProcessSpec spec;
  spec.argv = argv;
  spec.env = ctx.env;
  if (ctx.deadline_ms >= 0) spec.timeout_ms = std::max<int64_t>(0, ctx.deadline_ms - MonotonicMillis());
  spec.cancelled = ctx.cancelled;
  spec.capture_limit = 64 << 20;  // step stdout becomes an output; keep plenty
  if (stream && ctx.console) {
    std::ostream* console = ctx.console;
    spec.on_output = [console](host::Stream, std::string_view data) {
      console->write(data.data(), static_cast<std::streamsize>(data.size()));
      console->flush();
    };
  }
  return spec;
}

ModuleResult RunCommandStep(const std::vector<std::string>& argv, StepContext& ctx, int reboot_code) {
  ModuleResult res;
  auto r = host::RunProcess(StepProcess(argv, ctx));
  if (!r.ok()) {
    res.status = r.status();
    return res;
  }
  res.exit_code = r->exit_code;
  res.outputs = {{"stdout", host::TrimTrailingNewlines(r->stdout_data)}};
  if (r->timed_out) {
    res.status = Status::Timeout("the step timed out; the command was stopped");
  } else if (r->cancelled) {
    res.status = Status::Cancelled("the run was cancelled; the command was stopped");
  } else if (r->exit_code == reboot_code) {
    res.reboot_requested = true;
  } else if (r->term_signal != 0) {
    res.status = Status::IOError("the command was killed by signal " + std::to_string(r->term_signal));
  } else if (r->exit_code != 0) {
    std::string msg = JsonFailureMessage(r->stdout_data);
    res.status = Status::IOError(msg.empty() ? "the command exited with status " + std::to_string(r->exit_code)
                                             : msg + " (exit status " + std::to_string(r->exit_code) + ")");
  }
  return res;
}

}  // namespace kiln::toe
