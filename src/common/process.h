// Running a child process: argv, environment, stdin data, captured stdout and
// stderr (also streamed to a callback), a timeout and cancellation. The one
// process runner of Kiln: kiln-toe's command modules (ExecuteBash,
// ExecuteBinary, UpdateOS) and the host side (runc, mkfs.ext4, qemu-img, …)
// both use it. Never throws; never leaves the child running: on timeout or
// cancel its whole process group is killed (or the caller's `on_timeout`
// hook runs first, for children such as `runc exec` whose real work lives
// outside their process group). The child gets default signal handling and
// its own process group.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace kiln::host {

enum class Stream { kStdout, kStderr };

struct ProcessSpec {
  std::vector<std::string> argv;     // argv[0] is looked up in PATH
  std::vector<std::string> env;      // "K=V"; empty means inherit ours
  std::string cwd;                   // empty means ours
  std::string stdin_data;            // written to the child's stdin, then closed
  int64_t timeout_ms = -1;           // -1: no deadline
  // Called with each chunk of output as it arrives (from this thread).
  std::function<void(Stream, std::string_view)> on_output;
  // Polled a few times a second; returning true stops the child exactly as a
  // timeout does (result.cancelled instead of timed_out).
  std::function<bool()> cancelled;
  // Runs once when the deadline passes, before the process group is killed.
  std::function<void(int pid)> on_timeout;
  // When set, stdout and stderr go to this file (appended) instead of being
  // captured: for children that hand their stdio to long-lived daemons
  // (`runc run -d`), whose open pipes would otherwise never reach EOF.
  std::string output_file;
  // Captured output keeps at most this many bytes per stream (the tail).
  size_t capture_limit = 8 << 20;
};

struct ProcessResult {
  int exit_code = -1;        // exit status, or 128+signal when killed by one
  bool timed_out = false;
  bool cancelled = false;
  int term_signal = 0;       // the signal that ended it, 0 if it exited
  std::string stdout_data;   // tail of stdout (see capture_limit)
  std::string stderr_data;   // tail of stderr
};

// Runs the process to completion. A non-zero exit is NOT an error here (see
// exit_code); errors are failures to start it (no such program, not
// executable: the message names it) or to talk to it.
Result<ProcessResult> RunProcess(const ProcessSpec& spec);

// Runs argv with no input and a deadline; OK only when it exits 0, else an
// IOError naming the command and quoting its stderr.
Result<ProcessResult> RunChecked(const std::vector<std::string>& argv, int64_t timeout_ms = 120000);

// The last `lines` lines of `text`.
std::string LastLines(std::string_view text, int lines);

// Removes trailing '\n' and '\r' characters (how step stdout is reported).
std::string TrimTrailingNewlines(std::string s);

}  // namespace kiln::host
