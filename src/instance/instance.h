// Build instances: the machines Kiln builds and tests images on.
//
// An Instance plays the part of an EC2 build/test instance in Image Builder.
// It is launched from an image's root filesystem (a stack of read-only layer
// directories), commands are sent to it the way SSM RunCommand reaches an EC2
// instance (Exec), its changes can be captured (WritableLayer, for the
// CreateImage step) and it is terminated (Remove). Providers create
// instances: RuncProvider (runc_provider.h) runs each as a runc container;
// a VM provider can implement the same interface later.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/status.h"
#include "common/process.h"

namespace kiln::instance {

// A host path made visible inside the instance.
struct BindMount {
  std::string host_path;
  std::string path;  // absolute path inside the instance
  bool read_only = true;
};

struct LaunchSpec {
  // The root filesystem, as layer directories in overlayfs form (whiteouts
  // are 0/0 character devices, opaque directories carry
  // trusted.overlay.opaque=y), ordered BOTTOM (base layer) first.
  std::vector<std::string> layers;
  std::string instance_type = "t3.medium";  // see instance_types.h
  bool network = false;        // false: own empty network namespace (loopback only)
  std::string hostname;        // default: the instance id
  std::vector<BindMount> mounts;
  // Extra environment for every Exec (besides PATH/HOME/TERM defaults).
  std::vector<std::string> env;
  // Tags (the infrastructure configuration's resourceTags): recorded as
  // OCI annotations "kiln.tag.<key>" and shown by `kiln instance list`.
  std::vector<std::pair<std::string, std::string>> tags;
};

struct ExecRequest {
  std::vector<std::string> argv;
  std::vector<std::string> env;   // "K=V", added to the instance's defaults
  std::string cwd = "/";
  std::string stdin_data;
  int64_t timeout_ms = -1;        // -1: none. On timeout every process the command started is killed.
  std::function<void(host::Stream, std::string_view)> on_output;
  // Polled while the command runs; true kills it as a timeout would.
  std::function<bool()> cancelled;
};

struct ExecResult {
  int exit_code = -1;
  bool timed_out = false;
  bool cancelled = false;
  std::string stdout_data;
  std::string stderr_data;
};

enum class InstanceState { kRunning, kStopped, kTerminated };

class Instance {
 public:
  virtual ~Instance() = default;
  // "i-0123456789abcdef0"
  virtual const std::string& id() const = 0;
  virtual InstanceState state() const = 0;
  // Runs a command inside the running instance and waits for it. A non-zero
  // exit is reported in ExecResult, not as an error.
  virtual Result<ExecResult> Exec(const ExecRequest& request) = 0;
  // Stops every process in the instance; its disk (writable layer) stays.
  virtual Status Stop() = 0;
  // Starts a stopped instance again on the same disk (a reboot is Stop+Start).
  virtual Status Start() = 0;
  // The directory holding everything the instance changed relative to its
  // layers, in overlayfs form. Meaningful for snapshots once Stop()ped.
  virtual std::string WritableLayer() const = 0;
  // Paths (inside the instance) that Kiln mounted for its own use and that
  // must never be captured into an image.
  virtual std::vector<std::string> KilnPaths() const = 0;
  // Terminates: stops processes, unmounts, deletes the instance's files.
  // Idempotent; also run by the destructor if not called.
  virtual Status Remove() = 0;
  // Keeps the instance running after this object and its process are gone
  // (a failed build instance the user asked to keep for troubleshooting):
  // orphan clean-up leaves it alone; the provider's Terminate ends it.
  // The object may be destroyed (or released) afterwards without removing it.
  virtual Status Keep() = 0;
};

class InstanceProvider {
 public:
  virtual ~InstanceProvider() = default;
  virtual Result<std::unique_ptr<Instance>> Launch(const LaunchSpec& spec) = 0;
};

// "i-" followed by 17 random lowercase hex digits, as EC2 instance ids.
std::string NewInstanceId();
bool IsInstanceId(std::string_view id);

}  // namespace kiln::instance
