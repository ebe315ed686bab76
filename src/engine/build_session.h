// BuildSession: the instances, images and files of one image build, and the
// eleven workflow step actions (workflows-pipelines-lifecycle.md §2) that
// act on them. Instances are runc containers (instance.h); "SSM
// SendCommand" is an exec into the instance; an "AMI" is an image in
// Kiln's OCI image store.
//
// The session owns every instance it launched: whatever happens, the
// destructor terminates them, except a failed build instance the plan says
// to keep (terminate_on_failure=false, see KeepForTroubleshooting).
#pragma once

#include <map>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "engine/build.h"
#include "engine/dockerfile.h"
#include "engine/workflow_runner.h"

namespace kiln::engine {

class BuildSession : public StepActionRunner {
 public:
  BuildSession(const BuildPlan& plan, const BuildEnvironment& env, const ProgressFn& progress);
  ~BuildSession() override;
  BuildSession(const BuildSession&) = delete;
  BuildSession& operator=(const BuildSession&) = delete;

  // Creates the build's host directory and copies the component documents in.
  Status Prepare();

  Result<Json> Run(const StepCall& call) override;
  Status Rollback(const StepCall& call, const Json& outputs) override;

  // For container builds (no CreateImage step): snapshots the instance the
  // build workflow kept into the output image, leaving it running for tests.
  Result<image::Image> SnapshotForContainer(const std::string& instance_id);
  // Test-only builds: the output image is the parent image under the new name.
  Result<image::Image> AdoptParentAsOutput();

  const std::optional<image::Image>& output_image() const { return output_; }
  // Removes the output image from the store (the build failed).
  void DiscardOutput();

  // Keeps the build's instances alive after the session ends (for `kiln
  // instance shell`); returns the id of the one kept ("" if none).
  std::string KeepForTroubleshooting();

  const std::string& os_version() const { return os_version_; }
  const Json& packages() const { return packages_; }
  std::string log_dir() const { return host_dir_ + "/logs"; }
  // The stage for progress events ("build", "test", "distribute").
  void set_stage(const std::string& stage) { stage_ = stage; }

 private:
  struct Running {
    std::unique_ptr<instance::Instance> instance;
    bool build = true;  // launched by a build workflow (from the parent image)
  };

  Result<Json> LaunchInstance(const StepCall& call);
  Result<Json> ExecuteComponents(const StepCall& call);
  Result<Json> RunCommand(const StepCall& call);
  Result<Json> CreateImage(const StepCall& call);
  Result<Json> TerminateInstance(const StepCall& call);
  Result<Json> WaitForAction(const StepCall& call);
  Result<Json> CollectImageMetadata(const StepCall& call);
  Result<Json> SanitizeInstance(const StepCall& call);
  Result<Json> BootstrapInstanceForContainer(const StepCall& call);
  Result<Json> CollectImageScanFindings(const StepCall& call);

  Result<instance::Instance*> FindInstance(const StepCall& call);
  Status RunInstructions(instance::Instance& inst, const std::vector<DockerInstruction>& list, int64_t deadline);
  Result<image::Image> Snapshot(instance::Instance& inst);
  // Runs `req` in the instance with its output streamed as progress lines of
  // `component`; its output, or an error naming `what` on cancel, timeout
  // or a non-zero exit.
  Result<std::string> Execute(instance::Instance& inst, instance::ExecRequest req, const std::string& component,
                              const std::string& what);
  std::function<void(host::Stream, std::string_view)> OutputLines(const std::string& component);
  // Runs `script` with /bin/sh in the instance; fails on a non-zero exit.
  Result<std::string> Shell(instance::Instance& inst, const std::string& script, int64_t timeout_ms,
                            const std::string& what);
  Status RunComponent(instance::Instance& inst, const ComponentRef& c, const std::string& id,
                      const std::string& wanted, int64_t timeout_ms);
  Result<std::string> PresentPhases(const ComponentRef& c, const std::string& wanted);
  std::string DocName(const ComponentRef& c) const;
  std::string ConsoleLog(const std::string& id, const std::string& fallback);
  void Emit(ProgressEvent::Kind kind, const std::string& component, const std::string& detail);

  const BuildPlan& plan_;
  const BuildEnvironment& env_;
  const ProgressFn& progress_;
  std::string host_dir_, stage_ = "build", step_;
  std::map<std::string, Running> instances_;
  std::vector<std::string> kept_;
  std::optional<image::Image> output_;
  std::string os_version_;
  Json packages_ = Json::array();
  int runs_ = 0;  // kiln-toe runs so far (names their log folders)
  std::optional<DockerfileTemplate> dockerfile_;  // container builds with a template
  std::optional<DockerfileState> docker_state_;   // set once its instructions ran
};

}  // namespace kiln::engine
