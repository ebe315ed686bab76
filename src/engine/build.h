// Image builds: the BUILD, TEST and DISTRIBUTION stages of Image Builder,
// driven by workflow documents (workflows-pipelines-lifecycle.md §1) on
// Kiln's own instances and image store.
//
//   build stage:  the build workflow (default: build-image or
//                 build-container, managed_workflows.h). Its CreateImage
//                 step snapshots the instance; container builds have no
//                 CreateImage step, so the engine snapshots the instance
//                 the build kept (workflow output BuildInstanceId).
//   test stage:   each test workflow in turn (default: test-image, a fresh
//                 instance from the new image runs every component's test
//                 phase and the test components; test-container reuses the
//                 build instance).
//   distribute:   WriteOutputs (exports, see image/export.h) and the
//                 environment's `distribute` hook (the API's distribution).
//
// RunBuild is synchronous and reports progress through a callback and an
// optional BuildObserver, so the one-command local build (local_build.h)
// and the API's build worker (api/build_worker.h) both drive it. A failed
// RunBuild's Status message is the image's state.reason. On failure nothing
// is left behind: instances are terminated (unless the plan keeps a failed
// build instance for troubleshooting) and the new image is removed.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "common/status.h"
#include "image/export.h"
#include "image/store.h"
#include "engine/workflow_document.h"
#include "engine/workflow_runner.h"
#include "instance/instance.h"

namespace kiln::engine {

// One component of a recipe: an AWSTOE document on the host and the
// parameter values the recipe gives it (else the document's defaults).
struct ComponentRef {
  std::string name;       // for messages: the document's file name
  std::string path;       // host path of the YAML document
  // Where the document comes from when it is not a local file (an ARN, an
  // s3:// URI or a Kiln-managed component name); `path` is filled once it
  // is fetched (local_build.h).
  std::string source;
  std::vector<std::pair<std::string, std::string>> parameters;
};

// A workflow the build runs, parsed, with its parameters bound
// (BindWorkflowParameters).
struct PlannedWorkflow {
  std::string arn;            // workflow build version ARN ("" for local builds)
  std::string name;
  WorkflowType type = WorkflowType::kBuild;
  WorkflowDocument doc;
  Json parameters = Json::object();
  bool abort_on_failure = true;  // WorkflowConfiguration.onFailure: ABORT | CONTINUE
};

struct OutputSpec {
  image::ExportOptions options;  // format, output path, tag, compression
};

struct BuildPlan {
  std::string name;        // image name, e.g. "hello"
  std::string version;     // semantic version, e.g. "1.0.0"; the image is "<name>:<version>"
  image::Image parent;     // resolved parent image (see ResolveParent)
  std::vector<ComponentRef> components;       // build components, in recipe order
  std::vector<ComponentRef> test_components;  // run only in the test stage
  std::string instance_type = "t3.medium";
  std::vector<std::pair<std::string, std::string>> instance_tags;  // resourceTags
  bool network = false;            // give instances the host network
  bool tests_enabled = true;       // imageTestsConfiguration.imageTestsEnabled
  int64_t build_timeout_ms = 720LL * 60 * 1000;   // ExecuteComponents default (720 min)
  int64_t test_timeout_ms = 720LL * 60 * 1000;
  image::Compression compression = image::Compression::kZstd;
  std::vector<OutputSpec> outputs;

  // Workflow settings (Image Builder's CreateImage members).
  bool container = false;          // image type Docker (else AMI)
  std::string dockerfile_template; // container recipes (engine/dockerfile.h)
  std::string platform = "Linux";
  std::string working_directory = "/tmp";  // the recipe's workingDirectory
  bool terminate_on_failure = true;        // infrastructure configuration
  bool collect_metadata = true;            // enhancedImageMetadataEnabled
  int64_t build_number = 1;
  std::string image_arn;                   // sourceImageARN ("" for local builds)
  std::string store_name;                  // name in the image store; default "<name>:<version>"
  Json system_variables = Json::object();  // extra $.imagebuilder values (s3Logs, ...)
  // The workflows to run; empty: the managed defaults for the image type.
  std::vector<PlannedWorkflow> workflows;
};

// What progress callbacks receive. Stages are "build", "test",
// "distribute"; steps are named as in the default workflows.
struct ProgressEvent {
  enum class Kind { kStageStarted, kStageFinished, kStepStarted, kStepFinished, kOutput };
  Kind kind;
  std::string stage;
  std::string step;
  std::string component;   // set while a component runs
  std::string detail;      // step result (instance id, image digest), or output text
  Status status;           // for *Finished
  int64_t elapsed_ms = 0;  // for *Finished
};
using ProgressFn = std::function<void(const ProgressEvent&)>;

struct BuildEnvironment {
  image::ImageStore* store = nullptr;
  instance::InstanceProvider* provider = nullptr;
  // Host directory for per-build files (run configs, documents, toe logs);
  // a subdirectory is created per build and deleted afterwards unless
  // keep_logs.
  std::string work_dir;
  bool keep_logs = false;
  std::function<bool()> cancelled = [] { return false; };
  // WaitForAction: blocks until SendWorkflowStepAction answers the step (or
  // the timeout/cancel); returns {"action": RESUME|STOP, "reason": ...}.
  // Unset: WaitForAction fails, naming why (no API to answer it).
  std::function<Result<Json>(const StepCall&)> wait_for_action;
  // The distribution stage's extra work (e.g. pushing a container image).
  std::function<Status(const image::Image&)> distribute;
};

// Receives the build's stage changes and workflow runs (the API records
// them as image status and workflow/step executions).
class BuildObserver {
 public:
  virtual ~BuildObserver() = default;
  // "BUILDING", "TESTING", "DISTRIBUTING", "INTEGRATING".
  virtual void StatusChanged(const std::string& image_status) {}
  // Called before each workflow runs; the returned observer (may be null)
  // receives its steps. `skipped`: the workflow will not run (tests off).
  virtual std::unique_ptr<WorkflowObserver> WorkflowStarting(const PlannedWorkflow& wf) { return nullptr; }
  virtual void WorkflowFinished(const PlannedWorkflow& wf, const WorkflowResult& result) {}
  virtual void WorkflowSkipped(const PlannedWorkflow& wf, const std::string& why) {}
};

struct BuildResult {
  image::Image image;
  std::vector<std::string> outputs;  // paths written
  std::string log_dir;               // kept toe logs, if keep_logs
  int64_t elapsed_ms = 0;
  std::string os_version;            // CollectImageMetadata, if it ran
  Json packages = Json::array();     // [{packageName, packageVersion}]
};

// What a failed build leaves for the user: the instance kept because the
// plan says terminate_on_failure=false (its id), else "".
struct BuildFailure {
  std::string kept_instance;
};

Result<BuildResult> RunBuild(const BuildPlan& plan, const BuildEnvironment& env, const ProgressFn& progress,
                             BuildObserver* observer = nullptr, BuildFailure* failure = nullptr);

// The default workflows for the plan's image type, parsed.
Result<std::vector<PlannedWorkflow>> DefaultWorkflows(bool container);

// The "ami-..." id Kiln gives an image (17 hex digits of its manifest digest).
std::string MachineImageId(const image::Image& image);

// Resolves a parent image reference into the store:
//   "busybox"          the busybox base image (image/busybox_root.h)
//   "oci:DIR[:TAG]"    an OCI image layout on disk (imported)
//   "image:NAME"       an image already in the store
//   "/abs/dir"         a root filesystem directory (imported as one layer)
//   "[docker://]HOST/REPO[:TAG|@DIGEST]", "debian:12"  pulled from a registry (image/registry.h)
Result<image::Image> ResolveParent(image::ImageStore& store, const std::string& ref);

}  // namespace kiln::engine
