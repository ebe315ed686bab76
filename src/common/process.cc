#include "common/process.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/time.h"

extern char** environ;

namespace kiln::host {
namespace {

void Append(std::string* out, std::string_view data, size_t limit) {
  out->append(data);
  if (out->size() > limit) out->erase(0, out->size() - limit);
}

void CloseFd(int* fd) {
  if (*fd >= 0) close(*fd);
  *fd = -1;
}

std::string Quote(const std::vector<std::string>& argv) {
  std::string s;
  for (auto& a : argv) s += (s.empty() ? "" : " ") + a;
  return s;
}

}  // namespace

std::string LastLines(std::string_view text, int lines) {
  while (!text.empty() && text.back() == '\n') text.remove_suffix(1);
  size_t pos = text.size();
  for (int i = 0; i < lines; i++) {
    size_t nl = text.rfind('\n', pos == 0 ? 0 : pos - 1);
    if (nl == std::string_view::npos || pos == 0) return std::string(text);
    pos = nl;
  }
  return std::string(text.substr(pos + 1));
}

std::string TrimTrailingNewlines(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == '\r')) s.pop_back();
  return s;
}

Result<ProcessResult> RunProcess(const ProcessSpec& spec) {
  if (spec.argv.empty()) return Status::Invalid("RunProcess: empty argv");
  // `failed` carries exec's errno from the child; O_CLOEXEC closes it on a
  // successful exec, so an empty read means the program started.
  int in[2] = {-1, -1}, out[2] = {-1, -1}, err[2] = {-1, -1}, failed[2] = {-1, -1};
  if (pipe2(in, O_CLOEXEC) != 0 || pipe2(out, O_CLOEXEC) != 0 || pipe2(err, O_CLOEXEC) != 0 ||
      pipe2(failed, O_CLOEXEC) != 0) {
    for (int* p : {in, out, err, failed}) { CloseFd(&p[0]); CloseFd(&p[1]); }
    return Status::IOError(std::string("pipe: ") + strerror(errno));
  }
  // Everything the child needs is built before fork: after it, only
  // async-signal-safe calls.
  std::vector<char*> argv, envp;
  for (auto& a : spec.argv) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  for (auto& e : spec.env) envp.push_back(const_cast<char*>(e.c_str()));
  envp.push_back(nullptr);
  char** child_env = spec.env.empty() ? environ : envp.data();
  const char* cwd = spec.cwd.empty() ? nullptr : spec.cwd.c_str();

  int file_fd = -1;
  if (!spec.output_file.empty()) {
    file_fd = open(spec.output_file.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    if (file_fd < 0) {
      for (int* p : {in, out, err, failed}) { CloseFd(&p[0]); CloseFd(&p[1]); }
      return Status::IOError("open " + spec.output_file + ": " + strerror(errno));
    }
  }
  pid_t pid = fork();
  if (pid < 0) {
    CloseFd(&file_fd);
    for (int* p : {in, out, err, failed}) { CloseFd(&p[0]); CloseFd(&p[1]); }
    return Status::IOError(std::string("fork: ") + strerror(errno));
  }
  if (pid == 0) {
    setpgid(0, 0);
    sigset_t all;
    sigemptyset(&all);
    sigprocmask(SIG_SETMASK, &all, nullptr);
    for (int s : {SIGPIPE, SIGINT, SIGTERM, SIGQUIT, SIGHUP}) signal(s, SIG_DFL);
    dup2(in[0], 0);
    dup2(file_fd >= 0 ? file_fd : out[1], 1);
    dup2(file_fd >= 0 ? file_fd : err[1], 2);
    if (cwd && chdir(cwd) != 0) {
      int e = errno;
      (void)!write(failed[1], &e, sizeof e);
      _exit(126);
    }
    execvpe(argv[0], argv.data(), child_env);
    int e = errno;
    (void)!write(failed[1], &e, sizeof e);
    _exit(127);
  }
  setpgid(pid, pid);  // also from the parent: no race with a kill below
  CloseFd(&failed[1]);
  int exec_errno = 0;
  ssize_t got_errno;
  do got_errno = read(failed[0], &exec_errno, sizeof exec_errno);
  while (got_errno < 0 && errno == EINTR);
  CloseFd(&failed[0]);
  if (got_errno == sizeof exec_errno) {
    int status = 0;
    waitpid(pid, &status, 0);
    CloseFd(&file_fd);
    for (int* p : {in, out, err}) { CloseFd(&p[0]); CloseFd(&p[1]); }
    if (cwd && access(cwd, X_OK) != 0) return Status::NotFound("cannot start '" + spec.argv[0] + "': directory " + spec.cwd + ": " + strerror(exec_errno));
    return Status(exec_errno == ENOENT ? Code::kNotFound : Code::kIOError,
                  "cannot start '" + spec.argv[0] + "': " + strerror(exec_errno));
  }
  CloseFd(&in[0]);
  CloseFd(&out[1]);
  CloseFd(&err[1]);
  if (file_fd >= 0) {
    CloseFd(&file_fd);
    CloseFd(&out[0]);
    CloseFd(&err[0]);
  }
  if (spec.stdin_data.empty()) CloseFd(&in[1]);
  else fcntl(in[1], F_SETFL, O_NONBLOCK);

  ProcessResult result;
  size_t written = 0;
  const int64_t start = MonotonicMillis();
  int64_t group_kill_at = -1;  // after a timeout: when the process group gets SIGKILL
  bool group_killed = false;
  int64_t kill_deadline = -1;  // after a timeout kill: stop waiting for EOF here
  // On cancel or timeout: the on_timeout hook, then SIGKILL to the process
  // group. With a hook, the child gets a grace period to exit by itself once
  // the hook killed its real work (runc exec must reap what it started).
  auto enforce_deadline = [&](int64_t now) {
    bool cancel = !result.timed_out && !result.cancelled && spec.cancelled && spec.cancelled();
    bool expired = !result.timed_out && !result.cancelled && spec.timeout_ms >= 0 &&
                   now - start > spec.timeout_ms;
    if (cancel || expired) {
      (cancel ? result.cancelled : result.timed_out) = true;
      if (spec.on_timeout) spec.on_timeout(pid);
      group_kill_at = spec.on_timeout ? now + 2000 : now;
      kill_deadline = group_kill_at + 3000;
    }
    if (group_kill_at >= 0 && now >= group_kill_at && !group_killed) {
      kill(-pid, SIGKILL);
      group_killed = true;
    }
  };
  char buf[65536];
  while (out[0] >= 0 || err[0] >= 0) {
    pollfd fds[3];
    int n = 0, idx_out = -1, idx_err = -1, idx_in = -1;
    if (out[0] >= 0) { idx_out = n; fds[n++] = {out[0], POLLIN, 0}; }
    if (err[0] >= 0) { idx_err = n; fds[n++] = {err[0], POLLIN, 0}; }
    if (in[1] >= 0) { idx_in = n; fds[n++] = {in[1], POLLOUT, 0}; }
    int wait_ms = 200;
    int rc = poll(fds, n, wait_ms);
    if (rc < 0 && errno != EINTR) break;
    const int64_t now = MonotonicMillis();
    enforce_deadline(now);
    if (kill_deadline >= 0 && now > kill_deadline) break;  // grandchildren hold the pipes
    if (rc <= 0) continue;
    auto drain = [&](int idx, int* fd, Stream s, std::string* sink) {
      if (idx < 0 || !(fds[idx].revents & (POLLIN | POLLHUP | POLLERR))) return;
      ssize_t got = read(*fd, buf, sizeof buf);
      if (got <= 0) { if (got == 0 || errno != EINTR) CloseFd(fd); return; }
      std::string_view chunk(buf, static_cast<size_t>(got));
      Append(sink, chunk, spec.capture_limit);
      if (spec.on_output) spec.on_output(s, chunk);
    };
    drain(idx_out, &out[0], Stream::kStdout, &result.stdout_data);
    drain(idx_err, &err[0], Stream::kStderr, &result.stderr_data);
    if (idx_in >= 0 && (fds[idx_in].revents & (POLLOUT | POLLERR | POLLHUP))) {
      ssize_t w = write(in[1], spec.stdin_data.data() + written, spec.stdin_data.size() - written);
      if (w > 0) written += static_cast<size_t>(w);
      if (w < 0 && errno != EAGAIN && errno != EINTR) CloseFd(&in[1]);
      if (written == spec.stdin_data.size()) CloseFd(&in[1]);
    }
  }
  CloseFd(&in[1]);
  CloseFd(&out[0]);
  CloseFd(&err[0]);
  int status = 0;
  for (;;) {  // the deadline still holds while waiting for the exit itself
    pid_t w = waitpid(pid, &status, WNOHANG);
    if (w == pid || (w < 0 && errno != EINTR)) break;
    enforce_deadline(MonotonicMillis());
    usleep(2000);
  }
  if (WIFEXITED(status)) {
    result.exit_code = WEXITSTATUS(status);
  } else if (WIFSIGNALED(status)) {
    result.term_signal = WTERMSIG(status);
    result.exit_code = 128 + result.term_signal;
  }
  return result;
}

Result<ProcessResult> RunChecked(const std::vector<std::string>& argv, int64_t timeout_ms) {
  ProcessSpec spec;
  spec.argv = argv;
  spec.timeout_ms = timeout_ms;
  KILN_ASSIGN_OR_RETURN(ProcessResult r, RunProcess(spec));
  if (r.timed_out) return Status::Timeout("'" + Quote(argv) + "' timed out");
  if (r.exit_code != 0) {
    return Status::IOError("'" + Quote(argv) + "' exited " + std::to_string(r.exit_code) + ": " +
                           LastLines(r.stderr_data.empty() ? r.stdout_data : r.stderr_data, 5));
  }
  return r;
}

}  // namespace kiln::host
