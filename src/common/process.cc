#include "common/process.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "common/time.h"

extern char** environ;

namespace kiln {
namespace {

// How long to keep reading after the child exited, for output still buffered
// in the pipes. Background processes the script left running may keep the
// pipes open forever; we stop reading rather than wait for them.
constexpr int kDrainGraceMs = 200;

struct Pipe {
  int fd[2] = {-1, -1};
  ~Pipe() {
    for (int f : fd)
      if (f >= 0) close(f);
  }
  void CloseRead() { if (fd[0] >= 0) { close(fd[0]); fd[0] = -1; } }
  void CloseWrite() { if (fd[1] >= 0) { close(fd[1]); fd[1] = -1; } }
};

std::vector<char*> CStrings(const std::vector<std::string>& v) {
  std::vector<char*> out;
  for (const std::string& s : v) out.push_back(const_cast<char*>(s.c_str()));
  out.push_back(nullptr);
  return out;
}

void KillGroup(pid_t pid) {
  // The child is its own group leader, so -pid names the whole group.
  if (kill(-pid, SIGKILL) != 0) kill(pid, SIGKILL);
}

}  // namespace

std::string TrimTrailingNewlines(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == '\r')) s.pop_back();
  return s;
}

Result<ProcessResult> RunProcess(const ProcessSpec& spec) {
  if (spec.argv.empty()) return Status::Invalid("no program to run");
  Pipe out, err;
  if (pipe2(out.fd, O_CLOEXEC) != 0 || pipe2(err.fd, O_CLOEXEC) != 0)
    return Status::IOError(std::string("pipe: ") + strerror(errno));

  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_adddup2(&fa, out.fd[1], 1);
  posix_spawn_file_actions_adddup2(&fa, err.fd[1], 2);
  if (!spec.cwd.empty()) posix_spawn_file_actions_addchdir_np(&fa, spec.cwd.c_str());
  posix_spawnattr_t attr;
  posix_spawnattr_init(&attr);
  sigset_t defaults;
  sigemptyset(&defaults);
  sigaddset(&defaults, SIGPIPE);
  sigaddset(&defaults, SIGINT);
  sigaddset(&defaults, SIGTERM);
  sigset_t empty;
  sigemptyset(&empty);
  posix_spawnattr_setsigdefault(&attr, &defaults);
  posix_spawnattr_setsigmask(&attr, &empty);
  posix_spawnattr_setpgroup(&attr, 0);
  posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGDEF |
                                      POSIX_SPAWN_SETSIGMASK);

  auto argv = CStrings(spec.argv);
  std::vector<char*> envp;
  if (!spec.env.empty()) envp = CStrings(spec.env);
  pid_t pid = -1;
  int rc = posix_spawnp(&pid, argv[0], &fa, &attr, argv.data(),
                        spec.env.empty() ? environ : envp.data());
  posix_spawn_file_actions_destroy(&fa);
  posix_spawnattr_destroy(&attr);
  if (rc != 0)
    return Status::IOError("cannot start '" + spec.argv[0] + "': " + strerror(rc));
  out.CloseWrite();
  err.CloseWrite();

  ProcessResult res;
  int status = 0;
  bool exited = false;
  int64_t drain_until = -1;
  char buf[16384];
  while (out.fd[0] >= 0 || err.fd[0] >= 0) {
    int64_t now = MonotonicMillis();
    if (!exited) {
      if (spec.deadline_ms >= 0 && now >= spec.deadline_ms) {
        res.timed_out = true;
        KillGroup(pid);
      } else if (spec.cancelled && spec.cancelled()) {
        res.cancelled = true;
        KillGroup(pid);
      }
      if (waitpid(pid, &status, WNOHANG) == pid) {
        exited = true;
        drain_until = now + kDrainGraceMs;
      }
    } else if (now >= drain_until || res.timed_out || res.cancelled) {
      break;
    }
    int wait_ms = 100;
    if (!exited && spec.deadline_ms >= 0)
      wait_ms = static_cast<int>(std::max<int64_t>(0, std::min<int64_t>(wait_ms, spec.deadline_ms - now)));
    if (exited) wait_ms = static_cast<int>(std::max<int64_t>(0, drain_until - now));
    pollfd fds[2];
    int n = 0;
    int which[2];
    if (out.fd[0] >= 0) { fds[n] = {out.fd[0], POLLIN, 0}; which[n++] = 1; }
    if (err.fd[0] >= 0) { fds[n] = {err.fd[0], POLLIN, 0}; which[n++] = 2; }
    int pr = poll(fds, n, wait_ms);
    if (pr < 0 && errno != EINTR) break;
    for (int i = 0; i < n && pr > 0; ++i) {
      if (!(fds[i].revents & (POLLIN | POLLHUP | POLLERR))) continue;
      Pipe& p = which[i] == 1 ? out : err;
      ssize_t got = read(p.fd[0], buf, sizeof buf);
      if (got <= 0) {
        if (got < 0 && errno == EINTR) continue;
        p.CloseRead();
        continue;
      }
      if (spec.console) spec.console->write(buf, got);
      if (which[i] == 1 && spec.capture_stdout && res.stdout_text.size() < spec.max_capture)
        res.stdout_text.append(buf, std::min<size_t>(got, spec.max_capture - res.stdout_text.size()));
    }
    // When both pipes reached EOF before we saw the exit, loop ends; reap below.
  }
  if (!exited) {
    // Pipes closed: the child has exited or is about to. Still honour the
    // deadline and cancellation while waiting for it; the first checks come
    // quickly because the exit usually follows EOF within microseconds.
    useconds_t nap = 20;
    while (true) {
      pid_t w = waitpid(pid, &status, WNOHANG);
      if (w == pid) break;
      if (w < 0 && errno != EINTR) break;
      int64_t now = MonotonicMillis();
      if (!res.timed_out && spec.deadline_ms >= 0 && now >= spec.deadline_ms) {
        res.timed_out = true;
        KillGroup(pid);
      } else if (!res.cancelled && spec.cancelled && spec.cancelled()) {
        res.cancelled = true;
        KillGroup(pid);
      }
      usleep(nap);
      nap = std::min<useconds_t>(nap * 2, 5000);
    }
  }
  if (spec.console) spec.console->flush();
  if (WIFEXITED(status)) {
    res.exit_code = WEXITSTATUS(status);
  } else if (WIFSIGNALED(status)) {
    res.term_signal = WTERMSIG(status);
    res.exit_code = 128 + res.term_signal;
  }
  return res;
}

}  // namespace kiln
