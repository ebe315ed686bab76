// The OCI runtime configuration (config.json) for one container instance.
// Kept apart from the provider so it can be tested and read on its own.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "instance/instance.h"
#include "instance/instance_types.h"

namespace kiln::instance {

struct RuntimeConfigInput {
  std::string id;
  std::string rootfs;               // absolute host path of the mounted root
  InstanceType type;
  bool network = false;
  std::string hostname;
  std::vector<BindMount> mounts;    // Kiln's own and the caller's
  std::vector<std::string> env;     // full process environment
  std::vector<std::string> init_args;  // pid 1
  std::vector<std::pair<std::string, std::string>> tags;  // -> annotations kiln.tag.<key>
};

// Namespaces: mount, PID, UTS, IPC, and network unless `network` (then the
// host's network and /etc/resolv.conf are shared). cgroup limits: the type's
// CPU quota and memory. rlimits: NOFILE at our own current value (root here
// may lack CAP_SYS_RESOURCE, so nothing can be raised above it).
nlohmann::json RuntimeConfig(const RuntimeConfigInput& in);

}  // namespace kiln::instance
