// RuncProvider: build instances as runc containers on this host.
//
// Layout under the data directory:
//   instances/<id>/owner       "<pid> <start-time>" of the process that owns it
//   instances/<id>/upper, work overlayfs writable layer (the instance's "disk")
//   instances/<id>/rootfs      the overlay mount: the instance's root
//   instances/<id>/bundle/     config.json (see runtime_config.h), runc logs
//   runc/                      runc's state directory (--root)
// pid 1 is kiln-init (a static binary, bind-mounted read-only at
// /opt/kiln/bin/kiln-init); kiln-toe, when configured, is bind-mounted at
// /opt/kiln/bin/kiln-toe and /opt/kiln/bin/awstoe. Commands run through
// `runc exec`.
#pragma once

#include <memory>
#include <string>

#include "instance/instance.h"

namespace kiln::instance {

struct RuncOptions {
  std::string data_dir;       // absolute
  std::string runc = "runc";
  std::string init_binary;    // path of kiln-init; default FindHelperBinary("kiln-init")
  std::string toe_binary;     // path of kiln-toe; empty: not mounted
  // A static bash bind-mounted at /opt/kiln/bin/bash (last on PATH), so
  // AWSTOE's ExecuteBash works in images without bash, such as busybox.
  // Default: /bin/bash-static (Debian bash-static) when installed.
  std::string bash_binary;
};

// An instance directory and who holds it: "kept" (a failed build instance
// kept for troubleshooting), "in use by pid N", or "orphaned".
struct InstanceInfo {
  std::string id;
  std::string state;
  std::vector<std::pair<std::string, std::string>> tags;  // LaunchSpec::tags
};

class RuncProvider : public InstanceProvider {
 public:
  // Checks the options (binaries exist, data dir creatable).
  static Result<std::unique_ptr<RuncProvider>> Create(RuncOptions options);
  Result<std::unique_ptr<Instance>> Launch(const LaunchSpec& spec) override;

  // Removes the instances under data_dir whose owning process has exited
  // (left behind by a crash or kill -9): runc containers, overlay mounts,
  // files. Returns the ids removed.
  static Result<std::vector<std::string>> CleanupOrphans(const std::string& data_dir,
                                                         const std::string& runc = "runc");
  // The instances under data_dir (kept ones survive CleanupOrphans).
  static Result<std::vector<InstanceInfo>> ListInstances(const std::string& data_dir);
  // Terminates instance `id` under data_dir, whoever launched it.
  static Status Terminate(const std::string& data_dir, const std::string& id,
                          const std::string& runc = "runc");
  // argv that opens an interactive shell (or runs `command`) in instance
  // `id` with a terminal: `runc exec -t`.
  static std::vector<std::string> ShellArgv(const std::string& data_dir, const std::string& id,
                                            const std::vector<std::string>& command,
                                            const std::string& runc = "runc");

 private:
  explicit RuncProvider(RuncOptions options) : options_(std::move(options)) {}
  RuncOptions options_;
};

// Where Kiln's helper binaries live: beside the running executable, in
// ../bin relative to it (test binaries), or on PATH. Empty if not found.
std::string FindHelperBinary(const std::string& name);

// Where a path inside an instance shows up: the directory Kiln reserves
// for its own tools, never captured into images.
inline constexpr const char* kKilnDir = "/opt/kiln";
// The owner file's content for instances kept on purpose.
inline constexpr const char* kKeptOwner = "kept";

}  // namespace kiln::instance
