/* kiln-init: pid 1 of a Kiln container instance.
 *
 * Keeps the instance alive between commands (each arrives by `runc exec`),
 * reaps the orphaned processes those commands leave behind, and exits on
 * SIGTERM or SIGINT. Linked statically and bind-mounted read-only at
 * /opt/kiln/bin/kiln-init, so it works in any root filesystem, even one
 * without a shell or `sleep`. */
#include <signal.h>
#include <sys/wait.h>

int main(void) {
  sigset_t set;
  sigfillset(&set);
  sigprocmask(SIG_BLOCK, &set, 0);
  for (;;) {
    int sig = 0;
    if (sigwait(&set, &sig) != 0) continue;
    if (sig == SIGTERM || sig == SIGINT) return 0;
    if (sig == SIGCHLD) {
      while (waitpid(-1, 0, WNOHANG) > 0) {
      }
    }
  }
}
