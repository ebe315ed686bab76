// Child-process runner used by command modules (ExecuteBash, ExecuteBinary,
// UpdateOS, ...).
//
// The child runs in its own process group (so a timeout or cancellation can
// kill everything it started), with stdin from /dev/null. Its stdout and
// stderr are streamed, in arrival order, to `console` while it runs; stdout
// is also captured for the step's `stdout` output.
#pragma once

#include <cstdint>
#include <functional>
#include <ostream>
#include <string>
#include <vector>

#include "common/status.h"

namespace kiln {

struct ProcessSpec {
  std::vector<std::string> argv;  // argv[0] is looked up on PATH when it has no '/'
  // Complete environment ("NAME=value"); empty means inherit this process's.
  std::vector<std::string> env;
  std::string cwd;                // empty = current directory
  int64_t deadline_ms = -1;       // MonotonicMillis() deadline, -1 = none
  std::function<bool()> cancelled;  // polled a few times a second; may be empty
  std::ostream* console = nullptr;  // stdout+stderr stream here (may be null)
  bool capture_stdout = true;
  // Bytes of stdout kept in ProcessResult::stdout_text; the rest still
  // reaches `console`. Protects memory against runaway output.
  size_t max_capture = 64 << 20;
};

struct ProcessResult {
  int exit_code = -1;      // exit status, or 128+signal when killed by a signal
  int term_signal = 0;     // the signal that ended it, 0 if it exited
  bool timed_out = false;  // killed because the deadline passed
  bool cancelled = false;  // killed because `cancelled()` became true
  std::string stdout_text;
};

// Runs the process to completion. A Status error means it could not be
// started (e.g. no such program); a non-zero exit is reported in the result.
Result<ProcessResult> RunProcess(const ProcessSpec& spec);

// Removes trailing '\n' and '\r' characters (how step stdout is reported).
std::string TrimTrailingNewlines(std::string s);

}  // namespace kiln
