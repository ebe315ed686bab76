// Image builds: the BUILD and TEST stages of Image Builder's default
// workflows (spec workflows-pipelines-lifecycle.md §1.4), run on Kiln's own
// instances and image store.
//
//   build stage:  LaunchBuildInstance -> ApplyBuildComponents (each build
//                 component's build and validate phases, by kiln-toe inside
//                 the instance) -> CreateOutputImage (snapshot) ->
//                 TerminateBuildInstance
//   test stage:   LaunchTestInstance (a fresh instance from the new image) ->
//                 ApplyTestComponents (every component's test phase, then the
//                 test components) -> TerminateTestInstance
//   distribute:   WriteOutputs (exports, see image/export.h)
//
// RunBuild is synchronous and reports progress through a callback, so the
// one-command local build (local_build.h) and the API's workflow engine can
// both drive it. For the API: an image recipe's components (resolved to
// build versions and written to document files) fill `components`, the
// infrastructure configuration's first instance type fills `instance_type`,
// imageTestsConfiguration fills `tests_enabled`/`test_timeout_ms`; each
// kStepStarted/kStepFinished pair is one workflow step execution (step names
// are the default workflows' names), and a failed RunBuild's Status message
// is the image's state.reason. On failure nothing is left behind: instances are
// terminated and the new image (if any) is removed from the store.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "common/status.h"
#include "image/export.h"
#include "image/store.h"
#include "instance/instance.h"

namespace kiln::engine {

// One component of a recipe: an AWSTOE document on the host and the
// parameter values the recipe gives it (else the document's defaults).
struct ComponentRef {
  std::string name;       // for messages: the document's file name
  std::string path;       // host path of the YAML document
  std::vector<std::pair<std::string, std::string>> parameters;
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
  bool network = false;            // give instances the host network
  bool tests_enabled = true;       // imageTestsConfiguration.imageTestsEnabled
  int64_t build_timeout_ms = 720LL * 60 * 1000;   // ExecuteComponents default (720 min)
  int64_t test_timeout_ms = 720LL * 60 * 1000;
  image::Compression compression = image::Compression::kZstd;
  std::vector<OutputSpec> outputs;
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
};

struct BuildResult {
  image::Image image;
  std::vector<std::string> outputs;  // paths written
  std::string log_dir;               // kept toe logs, if keep_logs
  int64_t elapsed_ms = 0;
};

Result<BuildResult> RunBuild(const BuildPlan& plan, const BuildEnvironment& env, const ProgressFn& progress);

// Resolves a parent image reference into the store:
//   "busybox"          the busybox base image (image/busybox_root.h)
//   "oci:DIR[:TAG]"    an OCI image layout on disk (imported)
//   "image:NAME"       an image already in the store
//   "/abs/dir"         a root filesystem directory (imported as one layer)
//   "[docker://]HOST/REPO[:TAG|@DIGEST]", "debian:12"  pulled from a registry (image/registry.h)
Result<image::Image> ResolveParent(image::ImageStore& store, const std::string& ref);

}  // namespace kiln::engine
