#include "engine/sanitize_script.h"

namespace kiln::engine {
namespace {

// `shred -zuf` where the image has shred, else rm: the files must go
// either way, and the step fails if one survives.
constexpr const char* kScript = R"SH(W='@WORKDIR@'
remove() {
  for f in "$@"; do
    if [ -f "$f" ]; then
      echo "Deleting $f"
      if command -v shred >/dev/null 2>&1; then shred -zuf "$f"; else rm -f "$f"; fi
    fi
    if [ -f "$f" ]; then echo "Failed to delete '$f'. Failing."; exit 1; fi
  done
}
skip() { for n in "$@"; do [ -f "$W/skip_cleanup_$n" ] && return 0; done; return 1; }

if skip cloud_init_files cloudfinit_files cloudinit_files; then echo "Skipping cleanup of cloud init files"; else
  echo "Cleaning up cloud init files"
  remove /etc/sudoers.d/90-cloud-init-users /etc/locale.conf /var/log/cloud-init.log /var/log/cloud-init-output.log
  if [ -d /var/lib/cloud ]; then find /var/lib/cloud -type f -exec rm -f {} +; rm -rf /var/lib/cloud/* || true; fi
fi
if skip instance_files; then echo "Skipping cleanup of instance files"; else
  echo "Cleaning up instance files"
  remove /etc/.updated /etc/aliases.db /etc/hostname /var/lib/misc/postfix.aliasesdb-stamp \
    /var/lib/postfix/master.lock /var/spool/postfix/pid/master.pid /var/.updated \
    /var/cache/yum/x86_64/2/.gpgkeyschecked.yum
fi
if skip ssh_files; then echo "Skipping cleanup of ssh files"; else
  echo "Cleaning up ssh files"
  remove /etc/ssh/ssh_host_rsa_key /etc/ssh/ssh_host_rsa_key.pub /etc/ssh/ssh_host_ecdsa_key \
    /etc/ssh/ssh_host_ecdsa_key.pub /etc/ssh/ssh_host_ed25519_key /etc/ssh/ssh_host_ed25519_key.pub \
    /root/.ssh/authorized_keys
  if [ -d /home ]; then for u in $(ls /home); do remove "/home/$u/.ssh/authorized_keys"; done; fi
fi
if skip instance_log_files; then echo "Skipping cleanup of instance log files"; else
  echo "Cleaning up instance log files"
  remove /var/log/audit/audit.log /var/log/boot.log /var/log/dmesg /var/log/cron
fi
if skip toe_files; then echo "Skipping cleanup of TOE files"; else
  echo "Cleaning TOE files"
  for d in "$W"/TOE_*; do [ -e "$d" ] && { echo "Deleting $d"; rm -rf "$d"; }; done
  for d in "$W"/TOE_*; do [ -e "$d" ] && { echo "Failed to delete $W/TOE_*"; exit 1; }; done
fi
if skip ssm_log_files; then echo "Skipping cleanup of ssm log files"; else
  echo "Cleaning up ssm log files"
  if [ -d /var/log/amazon/ssm ]; then echo "Deleting /var/log/amazon/ssm/"; rm -rf /var/log/amazon/ssm; fi
  if [ -d /var/log/amazon/ssm ]; then echo "Failed to delete /var/log/amazon/ssm"; exit 1; fi
fi
# An empty machine-id: each instance launched from the image makes its own.
if [ -f /etc/machine-id ]; then : > /etc/machine-id; fi
exit 0
)SH";

}  // namespace

std::string SanitizeScript(const std::string& working_directory) {
  std::string s = kScript;
  // Single-quoted in the script: escape embedded quotes.
  std::string w;
  for (char c : working_directory) w += c == '\'' ? std::string("'\\''") : std::string(1, c);
  s.replace(s.find("@WORKDIR@"), 9, w);
  return s;
}

}  // namespace kiln::engine
