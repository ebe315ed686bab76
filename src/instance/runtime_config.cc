#include "instance/runtime_config.h"

#include <sys/resource.h>

namespace kiln::instance {
namespace {

using Json = nlohmann::json;

// Docker's default capability set: enough for package managers and builds,
// without the ones that reach the host (SYS_ADMIN, SYS_MODULE, ...).
const std::vector<std::string> kCapabilities = {
    "CAP_CHOWN",  "CAP_DAC_OVERRIDE", "CAP_FSETID",           "CAP_FOWNER",
    "CAP_MKNOD",  "CAP_NET_RAW",      "CAP_SETGID",           "CAP_SETUID",
    "CAP_SETFCAP", "CAP_SETPCAP",     "CAP_NET_BIND_SERVICE", "CAP_SYS_CHROOT",
    "CAP_KILL",   "CAP_AUDIT_WRITE"};

Json Mount(const std::string& dest, const std::string& type, const std::string& source,
           std::vector<std::string> options) {
  return Json{{"destination", dest}, {"type", type}, {"source", source}, {"options", options}};
}

}  // namespace

Json RuntimeConfig(const RuntimeConfigInput& in) {
  rlimit nofile{};
  getrlimit(RLIMIT_NOFILE, &nofile);
  Json process = {
      {"terminal", false},
      {"user", {{"uid", 0}, {"gid", 0}}},
      {"args", in.init_args},
      {"env", in.env},
      {"cwd", "/"},
      {"capabilities",
       {{"bounding", kCapabilities}, {"effective", kCapabilities}, {"permitted", kCapabilities}}},
      {"rlimits", Json::array({{{"type", "RLIMIT_NOFILE"},
                                {"hard", static_cast<uint64_t>(nofile.rlim_max)},
                                {"soft", static_cast<uint64_t>(nofile.rlim_cur)}}})},
      {"noNewPrivileges", false},
  };
  Json mounts = Json::array({
      Mount("/proc", "proc", "proc", {}),
      Mount("/dev", "tmpfs", "tmpfs", {"nosuid", "strictatime", "mode=755", "size=65536k"}),
      Mount("/dev/pts", "devpts", "devpts",
            {"nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620", "gid=5"}),
      Mount("/dev/shm", "tmpfs", "shm", {"nosuid", "noexec", "nodev", "mode=1777", "size=65536k"}),
      Mount("/dev/mqueue", "mqueue", "mqueue", {"nosuid", "noexec", "nodev"}),
      Mount("/sys", "sysfs", "sysfs", {"nosuid", "noexec", "nodev", "ro"}),
      Mount("/run", "tmpfs", "tmpfs", {"nosuid", "nodev", "mode=755"}),
  });
  for (const auto& m : in.mounts) {
    mounts.push_back(Mount(m.path, "bind", m.host_path,
                           {"rbind", "rprivate", m.read_only ? "ro" : "rw"}));
  }
  Json namespaces = Json::array({{{"type", "pid"}}, {{"type", "ipc"}}, {{"type", "uts"}},
                                 {{"type", "mount"}}});
  if (!in.network) namespaces.push_back({{"type", "network"}});

  const int64_t period = 100000;
  Json resources = {
      {"devices", Json::array({{{"allow", false}, {"access", "rwm"}}})},
      {"memory", {{"limit", in.type.memory_mib * 1024 * 1024}}},
      {"cpu", {{"period", period}, {"quota", static_cast<int64_t>(in.type.vcpus * period)}}},
  };
  Json annotations = Json::object();
  for (const auto& [k, v] : in.tags) annotations["kiln.tag." + k] = v;
  return Json{
      {"ociVersion", "1.0.2"},
      {"annotations", annotations},
      {"process", process},
      {"root", {{"path", in.rootfs}, {"readonly", false}}},
      {"hostname", in.hostname},
      {"mounts", mounts},
      {"linux",
       {{"cgroupsPath", "kiln/" + in.id},  // relative: nested under runc's own cgroup
        {"resources", resources},
        {"namespaces", namespaces},
        {"maskedPaths", {"/proc/acpi", "/proc/kcore", "/proc/keys", "/proc/latency_stats",
                         "/proc/timer_list", "/proc/timer_stats", "/proc/sched_debug",
                         "/sys/firmware", "/proc/scsi"}},
        {"readonlyPaths", {"/proc/asound", "/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys",
                           "/proc/sysrq-trigger"}}}},
  };
}

}  // namespace kiln::instance
