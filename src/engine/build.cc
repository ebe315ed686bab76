#include "engine/build.h"

#include <stdlib.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <memory>
#include <set>
#include <sstream>

#include <nlohmann/json.hpp>
#include <yaml-cpp/yaml.h>

#include "common/time.h"
#include "engine/build_session.h"
#include "engine/managed_workflows.h"
#include "image/digest.h"
#include "image/registry.h"

namespace kiln::engine {
namespace fs = std::filesystem;
using Json = nlohmann::json;

namespace {

// Forwards a workflow's progress to the terminal callback (as stage/step
// events) and to the caller's observer (the API's records).
class ProgressObserver : public WorkflowObserver {
 public:
  ProgressObserver(std::string stage, const ProgressFn& progress, std::unique_ptr<WorkflowObserver> next)
      : stage_(std::move(stage)), progress_(progress), next_(std::move(next)) {}
  void WorkflowStarted(const WorkflowDocument& doc) override {
    if (next_) next_->WorkflowStarted(doc);
  }
  std::string StepStarted(int index, const WorkflowStep& step, const Json& inputs) override {
    start_ = MonotonicMillis();
    Emit({ProgressEvent::Kind::kStepStarted, stage_, step.name, "", "", {}, 0});
    return next_ ? next_->StepStarted(index, step, inputs) : "";
  }
  void StepSkipped(int index, const WorkflowStep& step) override {
    Emit({ProgressEvent::Kind::kOutput, stage_, step.name, "", "step " + step.name + " skipped (if: false)", {}, 0});
    if (next_) next_->StepSkipped(index, step);
  }
  void StepFinished(int index, const WorkflowStep& step, const Status& status, const Json& outputs) override {
    // What the step produced, in a word (its components are listed above it).
    std::string detail = outputs.contains("instanceId")   ? outputs["instanceId"].get<std::string>()
                         : outputs.contains("imageId")     ? outputs["imageId"].get<std::string>()
                         : outputs.contains("osVersion")   ? outputs["osVersion"].get<std::string>()
                         : step.action == "ExecuteComponents" ? std::string("all components")
                         : step.action == "TerminateInstance" ? std::string("terminated")
                         : step.action == "SanitizeInstance"  ? std::string("sanitized")
                                                              : step.action;
    Emit({ProgressEvent::Kind::kStepFinished, stage_, step.name, "", detail, status, MonotonicMillis() - start_});
    if (next_) next_->StepFinished(index, step, status, outputs);
  }
  void StepRollback(int index, const WorkflowStep& step, const std::string& rollback_status,
                    const std::string& message) override {
    if (rollback_status != "RUNNING" && rollback_status != "SKIPPED")
      Emit({ProgressEvent::Kind::kOutput, stage_, step.name, "", "rollback of " + step.name + ": " + rollback_status, {}, 0});
    if (next_) next_->StepRollback(index, step, rollback_status, message);
  }
  void RollbackStarted() override {
    if (next_) next_->RollbackStarted();
  }
  std::string ExecutionId() const override { return next_ ? next_->ExecutionId() : ""; }

 private:
  void Emit(const ProgressEvent& e) {
    if (progress_) progress_(e);
  }
  std::string stage_;
  const ProgressFn& progress_;
  std::unique_ptr<WorkflowObserver> next_;
  int64_t start_ = 0;
};

class BuildRun {
 public:
  BuildRun(const BuildPlan& plan, const BuildEnvironment& env, const ProgressFn& progress, BuildObserver* observer)
      : plan_(plan), env_(env), progress_(progress), observer_(observer), session_(plan, env, progress) {}

  Result<BuildResult> Run(BuildFailure* failure) {
    const int64_t start = MonotonicMillis();
    auto r = RunStages();
    if (!r.ok()) {
      if (!plan_.terminate_on_failure && failure) failure->kept_instance = session_.KeepForTroubleshooting();
      session_.DiscardOutput();
      return r.status();
    }
    r->elapsed_ms = MonotonicMillis() - start;
    return r;
  }

 private:
  Result<BuildResult> RunStages() {
    KILN_RETURN_IF_ERROR(session_.Prepare());
    std::vector<PlannedWorkflow> workflows = plan_.workflows;
    if (workflows.empty()) {
      KILN_ASSIGN_OR_RETURN(workflows, DefaultWorkflows(plan_.container));
    }
    scope_.imagebuilder = SystemVariables();

    // Build stage: at most one build workflow (a test-only build has none).
    bool built = false;
    for (const auto& wf : workflows) {
      if (wf.type != WorkflowType::kBuild) continue;
      Changed("BUILDING");
      KILN_RETURN_IF_ERROR(Stage("build", [&] { return RunOne(wf, "build"); }));
      built = true;
    }
    if (built && !session_.output_image()) {
      if (!plan_.container)
        return Status::FailedPrecondition("stage build: the build workflow created no image (no CreateImage step ran)");
      std::string id = scope_.workflow_outputs.value("BuildInstanceId", "");
      KILN_RETURN_IF_ERROR(session_.SnapshotForContainer(id).status().Prefixed("stage build: container image"));
    }
    if (!built) KILN_RETURN_IF_ERROR(session_.AdoptParentAsOutput().status());

    // Test stage: each test workflow in turn.
    bool testing = false;
    for (const auto& wf : workflows) {
      if (wf.type != WorkflowType::kTest) continue;
      if (!plan_.tests_enabled) {
        if (observer_) observer_->WorkflowSkipped(wf, "image tests are disabled (imageTestsEnabled=false)");
        continue;
      }
      if (!testing) Changed("TESTING");
      testing = true;
      Status s = Stage("test", [&] { return RunOne(wf, "test"); });
      if (!s.ok() && (wf.abort_on_failure || s.code() == Code::kCancelled)) return s;
    }

    // Distribution: outputs, the environment's hook, distribution workflows.
    Changed("DISTRIBUTING");
    BuildResult result;
    result.image = *session_.output_image();
    KILN_RETURN_IF_ERROR(Stage("distribute", [&]() -> Status {
      for (const auto& out : plan_.outputs) {
        KILN_RETURN_IF_ERROR(image::ExportImage(*env_.store, result.image, out.options));
        result.outputs.push_back(out.options.output);
        Emit({ProgressEvent::Kind::kOutput, "distribute", "WriteOutputs", "", "wrote " + out.options.output, {}, 0});
      }
      if (env_.distribute) KILN_RETURN_IF_ERROR(env_.distribute(result.image));
      for (const auto& wf : workflows) {
        if (wf.type == WorkflowType::kDistribution) KILN_RETURN_IF_ERROR(RunOne(wf, "distribute"));
      }
      return Status::Ok();
    }));
    Changed("INTEGRATING");
    if (env_.keep_logs) result.log_dir = session_.log_dir();
    result.os_version = session_.os_version();
    result.packages = session_.packages();
    return result;
  }

  Status RunOne(const PlannedWorkflow& wf, const std::string& stage) {
    session_.set_stage(stage);
    std::unique_ptr<WorkflowObserver> next = observer_ ? observer_->WorkflowStarting(wf) : nullptr;
    ProgressObserver progress(stage, progress_, std::move(next));
    VariableScope scope = scope_;
    scope.parameters = wf.parameters;
    scope.imagebuilder["workflowPhase"] = stage == "build" ? "Build" : stage == "test" ? "Test" : "Distribution";
    WorkflowResult r = RunWorkflow(wf.doc, wf.type, scope, session_, progress, env_.cancelled);
    if (observer_) observer_->WorkflowFinished(wf, r);
    for (auto& [k, v] : r.outputs.items()) scope_.workflow_outputs[k] = v;
    if (r.status == "COMPLETED") return Status::Ok();
    std::string id = progress.ExecutionId();
    std::string what = id.empty() ? "workflow " + wf.name : "Workflow Execution ID: " + id;
    return Status(r.failure.code(), what + " failed with reason: " + r.failure.message());
  }

  Json SystemVariables() const {
    Json v = {{"collectImageMetadata", plan_.collect_metadata},
              {"collectImageScanFindings", false},
              {"imageBuildNumber", plan_.build_number},
              {"imageId", MachineImageId(plan_.parent)},
              {"imageName", plan_.name},
              {"imageType", plan_.container ? "Docker" : "AMI"},
              {"imageVersionNumber", plan_.version},
              {"instanceProfileName", ""},
              {"platform", plan_.platform},
              {"securityGroups", Json::array()},
              {"sourceImageARN", plan_.image_arn},
              {"subnetId", ""},
              {"terminateInstanceOnFailure", plan_.terminate_on_failure},
              {"workingDirectory", plan_.working_directory},
              {"cloudWatchLogGroup", "/aws/imagebuilder/" + plan_.name},
              {"cloudWatchLogStream", plan_.version + "/" + std::to_string(plan_.build_number)},
              {"s3Logs", Json::object()}};
    for (auto& [k, val] : plan_.system_variables.items()) v[k] = val;
    return v;
  }

  template <typename Fn>
  Status Stage(const std::string& name, Fn&& fn) {
    Emit({ProgressEvent::Kind::kStageStarted, name, "", "", "", {}, 0});
    const int64_t start = MonotonicMillis();
    Status s = fn();
    Emit({ProgressEvent::Kind::kStageFinished, name, "", "", "", s, MonotonicMillis() - start});
    return s.ok() ? s : s.Prefixed("stage " + name);
  }

  void Changed(const std::string& status) {
    if (observer_) observer_->StatusChanged(status);
  }
  void Emit(const ProgressEvent& e) {
    if (progress_) progress_(e);
  }

  const BuildPlan& plan_;
  const BuildEnvironment& env_;
  const ProgressFn& progress_;
  BuildObserver* observer_;
  BuildSession session_;
  VariableScope scope_;
};

}  // namespace

Result<std::vector<PlannedWorkflow>> DefaultWorkflows(bool container) {
  KILN_ASSIGN_OR_RETURN(auto managed, ManagedWorkflows());
  std::vector<PlannedWorkflow> out;
  for (WorkflowType type : {WorkflowType::kBuild, WorkflowType::kTest}) {
    const std::string name = DefaultWorkflowName(type, container);
    for (const auto& m : managed) {
      if (m.type != type || m.name != name) continue;
      PlannedWorkflow wf;
      wf.name = name;
      wf.type = type;
      KILN_ASSIGN_OR_RETURN(wf.doc, ParseWorkflowDocument(m.yaml, type));
      KILN_ASSIGN_OR_RETURN(wf.parameters, BindWorkflowParameters(wf.doc, {}));
      out.push_back(std::move(wf));
    }
  }
  if (out.size() != 2) return Status::Internal("managed default workflows missing");
  return out;
}

std::string MachineImageId(const image::Image& image) {
  const std::string& d = image.manifest_digest;
  return d.size() > 24 ? "ami-" + d.substr(7, 17) : "";
}

Result<BuildResult> RunBuild(const BuildPlan& plan, const BuildEnvironment& env, const ProgressFn& progress,
                             BuildObserver* observer, BuildFailure* failure) {
  if (plan.name.empty() || plan.version.empty()) return Status::Invalid("build: the image needs a name and a version");
  KILN_RETURN_IF_ERROR(image::ValidateImageName(plan.name + ":" + plan.version));
  BuildRun run(plan, env, progress, observer);
  return run.Run(failure);
}

Result<image::Image> ResolveParent(image::ImageStore& store, const std::string& ref) {
  if (ref == "busybox") return store.Busybox();
  if (ref.rfind("image:", 0) == 0) return store.Get(ref.substr(6));
  std::string imported = "parent-" + image::DigestOf(ref).substr(7, 16) + ":latest";
  if (ref.rfind("oci:", 0) == 0) {
    std::string rest = ref.substr(4);
    size_t colon = rest.find(':');
    std::string dir = rest.substr(0, colon);
    std::string tag = colon == std::string::npos ? "" : rest.substr(colon + 1);
    if (!fs::exists(dir + "/index.json")) return Status::NotFound("parent " + ref + ": " + dir + " is not an OCI image layout");
    return store.ImportOciLayout(dir, tag, imported);
  }
  if (!ref.empty() && ref[0] == '/') {
    if (!fs::is_directory(ref)) return Status::NotFound("parent " + ref + ": no such directory");
    return store.ImportRootfs(ref, imported);
  }
  if (image::LooksLikeRegistryReference(ref)) {  // pulled; layers the store has are not downloaded again
    std::string canonical = image::ImageReference::Parse(ref)->ToString();
    auto pulled = image::PullImage(store, ref, {}, image::ValidateImageName(canonical).ok() ? canonical : imported);
    if (!pulled.ok()) return pulled.status().Prefixed("parent " + ref);
    return pulled->image;
  }
  return Status::Invalid("parent image '" + ref + "' is not one of: busybox, oci:DIR[:TAG], image:NAME, "
                         "/absolute/rootfs/dir, [docker://]HOST/REPO[:TAG|@DIGEST]");
}

}  // namespace kiln::engine
