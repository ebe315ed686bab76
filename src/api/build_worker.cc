#include "api/build_worker.h"

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>

#include "api/build_records.h"
#include "api/pipeline_scheduler.h"
#include "api/resource_ops.h"
#include "common/log.h"
#include "common/s3.h"
#include "common/time.h"
#include "engine/build.h"
#include "image/registry.h"
#include "image/store.h"
#include "instance/mounts.h"
#include "instance/runc_provider.h"
#include "store/paging.h"
#include "store/update.h"

namespace kiln::api {
namespace fs = std::filesystem;

namespace {

constexpr const char* kInterrupted = "interrupted: kiln stopped while this image was being built";
constexpr int kMaxReasonChars = 4000;

// Image rows change under the worker (CancelImageCreation): every write is a
// compare-and-update on the status, retried, and stops when the image was
// cancelled or deleted meanwhile.
Status MutateImage(store::Store& store, const std::string& arn,
                   const std::function<void(store::Resource&)>& fn) {
  return store::UpdateWithRetry(store, arn, [&](store::Resource& img) {
    const std::string was = ImageStatus(img);
    if (was == "CANCELLED" || was == "DELETED") return Status::Cancelled("image " + arn + " was " + was);
    fn(img);
    return Status::Ok();
  });
}

std::string StoreName(const store::Resource& img) {
  return "kiln/" + img.account + "/" + img.region + "/" + img.name + ":" + img.version + "-" +
         std::to_string(img.build);
}

std::string Truncate(const std::string& s) {
  return s.size() <= kMaxReasonChars ? s : s.substr(0, kMaxReasonChars) + "...";
}

// Records one workflow's execution and its steps in the store, as
// GetWorkflowExecution / ListWorkflowStepExecutions show them.
class ExecutionRecorder : public engine::WorkflowObserver {
 public:
  ExecutionRecorder(store::Store& store, const store::Resource& image, const engine::PlannedWorkflow& wf,
                    int order)
      : store_(store), image_(image), wf_(wf) {
    row_.kind = "workflow-execution";
    row_.arn = "wf-" + NewUuid();
    row_.account = image.account;
    row_.region = image.region;
    char key[16];
    std::snprintf(key, sizeof key, "%04d", order);
    row_.name = key;
    row_.parent = image.arn;
    row_.status = "PENDING";
    row_.created_ms = row_.updated_ms = NowMillis();
    row_.doc = {{"workflowBuildVersionArn", wf.arn},
                {"workflowExecutionId", row_.arn},
                {"imageBuildVersionArn", image.arn},
                {"type", engine::WorkflowTypeName(wf.type)},
                {"status", "PENDING"},
                {"message", ""},
                {"totalStepCount", static_cast<int>(wf.doc.steps.size())},
                {"totalStepsSucceeded", 0},
                {"totalStepsFailed", 0},
                {"totalStepsSkipped", 0},
                {"startTime", FormatIso8601(row_.created_ms)}};
    Write(store_.Insert(row_));
  }

  std::string ExecutionId() const override { return row_.arn; }

  void WorkflowStarted(const engine::WorkflowDocument&) override { SetStatus("RUNNING", ""); }

  std::string StepStarted(int index, const engine::WorkflowStep& step, const Json& inputs) override {
    store::Resource r = NewStep(index, step, "RUNNING");
    r.doc["inputs"] = inputs.dump();
    if (step.action == "WaitForAction") r.doc["waiting"] = true;
    Write(store_.Insert(r));
    return r.arn;
  }

  void StepSkipped(int index, const engine::WorkflowStep& step) override {
    store::Resource r = NewStep(index, step, "SKIPPED");
    r.doc["endTime"] = r.doc["startTime"];
    r.doc["message"] = "skipped: the step's if condition is false";
    Write(store_.Insert(r));
    Count("totalStepsSkipped");
  }

  void StepFinished(int index, const engine::WorkflowStep& step, const Status& status, const Json& outputs) override {
    UpdateStep(index, [&](store::Resource& r) {
      r.status = status.ok() ? "COMPLETED" : status.code() == Code::kCancelled ? "CANCELLED" : "FAILED";
      r.doc["status"] = r.status;
      r.doc["outputs"] = outputs.dump();
      r.doc["message"] = status.ok() ? "" : Truncate(status.message());
      r.doc["endTime"] = NowIso();
      r.doc.erase("waiting");
    });
    Count(status.ok() ? "totalStepsSucceeded" : "totalStepsFailed");
  }

  void RollbackStarted() override {
    rolled_back_ = false;
    SetStatus("ROLLBACK_IN_PROGRESS", "");
  }

  void StepRollback(int index, const engine::WorkflowStep& step, const std::string& rollback_status,
                    const std::string& message) override {
    if (rollback_status == "COMPLETED" || rollback_status == "FAILED") rolled_back_ = true;
    UpdateStep(index, [&](store::Resource& r) {
      r.doc["rollbackStatus"] = rollback_status;
      if (!message.empty()) r.doc["message"] = r.doc.value("message", "") + " (rollback: " + message + ")";
    });
  }

  void Finish(const engine::WorkflowResult& result) {
    std::string status = result.status;
    if (status == "FAILED" && rolled_back_) status = "ROLLBACK_COMPLETED";
    SetStatus(status, result.failure.ok() ? "" : Truncate(result.failure.message()), true);
  }

  void Skip(const std::string& why) { SetStatus("SKIPPED", why, true); }

 private:
  // The row of a step execution, not yet stored.
  store::Resource NewStep(int index, const engine::WorkflowStep& step, const std::string& status) {
    store::Resource r;
    r.kind = "workflow-step-execution";
    r.arn = "step-" + NewUuid();
    r.account = image_.account;
    r.region = image_.region;
    char key[16];
    std::snprintf(key, sizeof key, "%04d", index + 1);
    r.name = key;
    r.parent = row_.arn;
    r.status = status;
    r.created_ms = r.updated_ms = NowMillis();
    r.doc = {{"stepExecutionId", r.arn},
             {"workflowBuildVersionArn", wf_.arn},
             {"workflowExecutionId", row_.arn},
             {"imageBuildVersionArn", image_.arn},
             {"name", step.name},
             {"description", step.description},
             {"action", step.action},
             {"status", status},
             {"rollbackStatus", "SKIPPED"},
             {"onFailure", step.on_failure == engine::StepOnFailure::kAbort ? "Abort" : "Continue"},
             {"timeoutSeconds", step.EffectiveTimeoutSeconds()},
             {"startTime", FormatIso8601(r.created_ms)}};
    steps_[index] = r.arn;
    return r;
  }

  void UpdateStep(int index, const std::function<void(store::Resource&)>& fn) {
    auto it = steps_.find(index);
    if (it == steps_.end()) return;
    // SendWorkflowStepAction may write the step meanwhile.
    Write(store::UpdateWithRetry(store_, it->second, [&](store::Resource& r) {
      fn(r);
      return Status::Ok();
    }));
  }

  void Count(const char* field) {
    row_.doc[field] = row_.doc.value(field, 0) + 1;
    Write(store_.Update(row_));
  }

  void SetStatus(const std::string& status, const std::string& message, bool final = false) {
    row_.status = status;
    row_.doc["status"] = status;
    if (!message.empty()) row_.doc["message"] = message;
    if (final) row_.doc["endTime"] = NowIso();
    row_.updated_ms = NowMillis();
    Write(store_.Update(row_));
  }

  void Write(const Status& s) {
    if (!s.ok()) log::Error("recording workflow execution " + row_.arn + ": " + s.ToString());
  }

  store::Store& store_;
  const store::Resource& image_;
  const engine::PlannedWorkflow& wf_;
  store::Resource row_;
  std::map<int, std::string> steps_;
  bool rolled_back_ = false;
};

// The engine's view of the API: image status and execution records.
class ImageRecorder : public engine::BuildObserver {
 public:
  ImageRecorder(store::Store& store, const store::Resource& image) : store_(store), image_(image) {}

  void StatusChanged(const std::string& status) override {
    Status s = MutateImage(store_, image_.arn, [&](store::Resource& r) { SetImageStatus(r, status); });
    if (!s.ok() && s.code() != Code::kCancelled) log::Error("image " + image_.arn + ": " + s.ToString());
  }
  std::unique_ptr<engine::WorkflowObserver> WorkflowStarting(const engine::PlannedWorkflow& wf) override {
    auto rec = std::make_unique<ExecutionRecorder>(store_, image_, wf, ++order_);
    current_ = rec.get();
    return rec;
  }
  void WorkflowFinished(const engine::PlannedWorkflow&, const engine::WorkflowResult& result) override {
    if (current_) current_->Finish(result);
    current_ = nullptr;
  }
  void WorkflowSkipped(const engine::PlannedWorkflow& wf, const std::string& why) override {
    ExecutionRecorder(store_, image_, wf, ++order_).Skip(why);
  }

 private:
  store::Store& store_;
  const store::Resource& image_;
  ExecutionRecorder* current_ = nullptr;  // owned by the engine while the workflow runs
  int order_ = 0;
};

}  // namespace

// One claimed build job, from plan to final image status.
class BuildWorker::Job {
 public:
  Job(store::Store& store, const BuildWorkerOptions& options, const std::atomic<bool>& stopping,
      store::Resource job)
      : store_(store), options_(options), stopping_(stopping), job_(std::move(job)) {}

  void Run() {
    auto img = store_.Get(job_.parent);
    if (!img.ok()) return Finish("failed", "image row: " + img.status().ToString());
    image_ = *img;
    ctx_.caller = {image_.account, image_.region, ""};
    ctx_.request_id = "build-" + job_.arn.substr(job_.arn.find('/') + 1);
    ctx_.store = &store_;
    if (MutateImage(store_, image_.arn, [](store::Resource& r) { SetImageStatus(r, "CREATING"); }).code() ==
        Code::kCancelled)
      return Finish("cancelled", "");
    work_dir_ = options_.data_dir + "/builds/" + job_.arn.substr(job_.arn.find('/') + 1);
    Status s = Build();
    Status removed = RemoveTree(work_dir_);
    if (!removed.ok()) log::Warn("build files: " + removed.ToString());
    if (s.ok()) return Finish("done", "");
    if (s.code() == Code::kCancelled && !stopping_) return Finish("cancelled", "");
    std::string reason = stopping_ && s.code() == Code::kCancelled ? std::string(kInterrupted) : s.message();
    if (!kept_instance_.empty())
      reason += "\n(the build instance " + kept_instance_ +
                " was kept because terminateInstanceOnFailure is false: enter it with `kiln instance shell " +
                kept_instance_ + "`, remove it with `kiln instance terminate " + kept_instance_ + "`)";
    Status m = MutateImage(store_, image_.arn, [&](store::Resource& r) {
      SetImageStatus(r, "FAILED", Truncate(reason));
    });
    if (!m.ok() && m.code() != Code::kCancelled) log::Error("image " + image_.arn + ": " + m.ToString());
    Finish("failed", reason);
  }

 private:
  Status Build() {
    auto image_store = image::ImageStore::Open(options_.data_dir);
    if (!image_store.ok()) return image_store.status();
    instance::RuncOptions ro;
    ro.data_dir = options_.data_dir;
    ro.toe_binary = options_.toe_binary.empty() ? instance::FindHelperBinary("kiln-toe") : options_.toe_binary;
    if (ro.toe_binary.empty()) return Status::NotFound("kiln-toe not found beside kiln or on PATH: builds need it");
    auto provider = instance::RuncProvider::Create(ro);
    if (!provider.ok()) return provider.status().Prefixed("instances");

    engine::BuildPlan plan;
    KILN_RETURN_IF_ERROR(Plan(*image_store, plan));
    engine::BuildEnvironment env;
    env.store = &*image_store;
    env.provider = provider->get();
    env.work_dir = work_dir_;
    env.keep_logs = true;  // moved to <data>/logs below
    env.cancelled = [this] { return Cancelled(); };
    env.wait_for_action = [this](const engine::StepCall& call) { return WaitForAction(call); };
    std::vector<std::string> pushed;
    if (plan.container && !options_.container_registry.empty())
      env.distribute = [&](const image::Image& img) { return PushContainer(*image_store, img, pushed); };
    ImageRecorder recorder(store_, image_);
    engine::BuildFailure failure;
    log::Info("building " + image_.arn + " (job " + job_.arn + ")");
    auto result = engine::RunBuild(plan, env, nullptr, &recorder, &failure);
    kept_instance_ = failure.kept_instance;
    Status logs = KeepLogs();
    if (!logs.ok()) log::Warn("build logs of " + image_.arn + ": " + logs.ToString());
    if (!result.ok()) return result.status();
    Status done = MutateImage(store_, image_.arn, [&](store::Resource& r) {
      SetImageStatus(r, "AVAILABLE");
      Json& d = r.doc;
      d["kiln"] = {{"storeName", result->image.name}, {"manifestDigest", result->image.manifest_digest}};
      if (plan.container) {
        Json uris = pushed;
        uris.push_back("oci:" + image_store->layout_dir() + ":" + result->image.name);
        d["outputResources"] = {{"containers", {{{"region", r.region}, {"imageUris", uris}}}}};
      } else {
        d["outputResources"] = {{"amis", {{{"region", r.region},
                                           {"image", engine::MachineImageId(result->image)},
                                           {"name", d.value("name", "") + " " + r.version + "/" + std::to_string(r.build)},
                                           {"description", "Kiln image " + result->image.name},
                                           {"state", {{"status", "AVAILABLE"}}},
                                           {"accountId", r.account}}}}};
      }
      if (!result->os_version.empty()) d["osVersion"] = result->os_version;
      d["packages"] = result->packages;
    });
    if (!done.ok()) {
      (void)image_store->Remove(result->image.name);  // cancelled at the last moment: keep nothing
      return done;
    }
    log::Info("image " + image_.arn + " AVAILABLE in " + std::to_string(result->elapsed_ms) + " ms");
    return Status::Ok();
  }

  // The engine's plan from the image's recipe, infrastructure configuration
  // and the job's resolved workflows.
  Status Plan(image::ImageStore& images, engine::BuildPlan& plan) {
    const Json& d = image_.doc;
    plan.container = d.value("type", "AMI") == "DOCKER";
    const Json recipe = d.value(plan.container ? "containerRecipe" : "imageRecipe", Json::object());
    const Json infra = d.value("infrastructureConfiguration", Json::object());
    plan.name = image_.name;
    plan.version = image_.version;
    plan.build_number = image_.build;
    plan.image_arn = image_.arn;
    plan.store_name = StoreName(image_);
    plan.platform = d.value("platform", "Linux");
    if (plan.container) plan.dockerfile_template = recipe.value("dockerfileTemplateData", "");
    plan.working_directory = recipe.value("workingDirectory", "/tmp");
    plan.collect_metadata = d.value("enhancedImageMetadataEnabled", true);
    plan.terminate_on_failure = infra.value("terminateInstanceOnFailure", true);
    plan.network = options_.instance_network;
    const Json tags = infra.value("resourceTags", Json::object());  // items() needs a live object
    for (auto& [k, v] : tags.items())
      if (v.is_string()) plan.instance_tags.emplace_back(k, v.get<std::string>());
    Json types = infra.value("instanceTypes", Json::array());
    if (types.is_array() && !types.empty() && types[0].is_string()) plan.instance_type = types[0];
    Json tests = d.value("imageTestsConfiguration", Json::object());
    plan.tests_enabled = tests.value("imageTestsEnabled", true);
    plan.test_timeout_ms = tests.value("timeoutMinutes", 720) * 60LL * 1000;
    Json logging = infra.value("logging", Json::object());
    if (logging.contains("s3Logs")) plan.system_variables["s3Logs"] = logging["s3Logs"];

    KILN_ASSIGN_OR_RETURN(plan.parent, ResolveParentImage(images, recipe.value("parentImage", "")));
    std::error_code ec;
    fs::create_directories(work_dir_ + "/components", ec);
    const Json components = recipe.value("components", Json::array());
    for (size_t i = 0; i < components.size(); i++) {
      const std::string where = "recipe component " + std::to_string(i + 1);
      KILN_ASSIGN_OR_RETURN(Arn ref, ParseResourceArn(components[i].value("componentArn", ""), "componentArn",
                                                      "component", ArnLevel::kPattern));
      ResolveOptions opts;
      opts.read_action = "imagebuilder:GetComponent";
      auto row = ResolveVersioned(ctx_, ref, opts);
      if (!row.ok()) return row.status().Prefixed(where);
      engine::ComponentRef c;
      c.name = row->doc.value("name", row->name) + "/" + row->version;
      char file[32];
      std::snprintf(file, sizeof file, "/components/%02zu-", i + 1);
      c.path = work_dir_ + file + row->name + ".yml";
      std::ofstream(c.path) << row->doc.value("data", "");
      for (const auto& p : components[i].value("parameters", Json::array())) {
        std::string value;
        for (const auto& v : p.value("value", Json::array())) value += (value.empty() ? "" : ",") + v.get<std::string>();
        c.parameters.emplace_back(p.value("name", ""), value);
      }
      plan.components.push_back(std::move(c));
    }
    for (const auto& w : job_.doc.value("workflows", Json::array())) {
      engine::PlannedWorkflow wf;
      wf.arn = w.value("workflowBuildVersionArn", "");
      auto type = engine::ParseWorkflowType(w.value("type", ""));
      if (!type) return Status::Internal("build job " + job_.arn + ": bad workflow type");
      wf.type = *type;
      auto row = store_.Get(wf.arn);
      if (!row.ok()) return row.status().Prefixed("workflow " + wf.arn);
      wf.name = row->doc.value("name", row->name);
      KILN_ASSIGN_OR_RETURN(wf.doc, engine::ParseWorkflowDocument(row->doc.value("data", ""), wf.type));
      wf.parameters = w.value("parameters", Json::object());
      wf.abort_on_failure = w.value("onFailure", "ABORT") != "CONTINUE";
      plan.workflows.push_back(std::move(wf));
    }
    return Status::Ok();
  }

  // Container distribution: push to the configured registry under the
  // recipe's target repository (or the distribution configuration's, for
  // this region) with tag <version>-<build> and the distribution's tags.
  Status PushContainer(image::ImageStore& images, const image::Image& img, std::vector<std::string>& pushed) {
    const Json& d = image_.doc;
    std::string repo = d.value("containerRecipe", Json::object()).value("targetRepository", Json::object())
                           .value("repositoryName", "");
    std::vector<std::string> tags = {image_.version + "-" + std::to_string(image_.build)};
    const Json dists = d.value("distributionConfiguration", Json::object()).value("distributions", Json::array());
    for (const auto& dist : dists) {
      if (dist.value("region", image_.region) != image_.region) continue;
      const Json c = dist.value("containerDistributionConfiguration", Json::object());
      const std::string r = c.value("targetRepository", Json::object()).value("repositoryName", "");
      if (!r.empty()) repo = r;
      for (const auto& t : c.value("containerTags", Json::array()))
        if (t.is_string()) tags.push_back(t.get<std::string>());
    }
    if (repo.empty()) return Status::Invalid("container distribution: no targetRepository.repositoryName");
    image::RegistryOptions opts;
    opts.cancelled = [this] { return Cancelled(); };
    for (const auto& tag : tags) {
      const std::string ref = options_.container_registry + "/" + repo + ":" + tag;
      auto r = image::PushImage(images, img, ref, opts);
      if (!r.ok()) return r.status().Prefixed("push " + ref);
      pushed.push_back(r->reference);
      log::Info("pushed " + ref + " (" + std::to_string(r->blobs_uploaded) + " blobs uploaded)");
    }
    return Status::Ok();
  }

  // A recipe's parentImage: a Kiln image (ARN, wildcards allowed, or its
  // ami-... id) or any reference engine::ResolveParent knows.
  Result<image::Image> ResolveParentImage(image::ImageStore& images, const std::string& parent) {
    if (parent.rfind("arn:", 0) == 0) {
      KILN_ASSIGN_OR_RETURN(auto row, ResolveParentImageArn(ctx_, parent));
      return StoredImage(images, row);
    }
    if (parent.rfind("ami-", 0) == 0) {
      store::ListQuery q;
      q.kind = "image";
      q.accounts = {image_.account};
      q.region = image_.region;
      q.status = "AVAILABLE";
      q.limit = 500;
      while (true) {
        KILN_ASSIGN_OR_RETURN(auto page, store_.List(q));
        for (const auto& r : page.items) {
          for (const auto& ami : r.doc.value("outputResources", Json::object()).value("amis", Json::array()))
            if (ami.value("image", "") == parent) return StoredImage(images, r);
        }
        if (!page.more) break;
        q.after = page.items.back();
      }
      return Status::NotFound("parentImage " + parent + ": no AVAILABLE Kiln image in " + image_.region +
                              " has this id (Kiln cannot launch Amazon EC2 AMIs)");
    }
    auto r = engine::ResolveParent(images, parent);
    if (!r.ok()) return r.status().Prefixed("parentImage");
    return r;
  }

  Result<image::Image> StoredImage(image::ImageStore& images, const store::Resource& row) {
    const std::string name = row.doc.value("kiln", Json::object()).value("storeName", "");
    if (name.empty()) return Status::NotFound("parentImage " + row.arn + " has no Kiln image behind it");
    auto img = images.Get(name);
    if (!img.ok()) return img.status().Prefixed("parentImage " + row.arn);
    return img;
  }

  // Cancelled by CancelImageCreation or by the server stopping. The store
  // is read at most twice a second: the engine polls this often.
  bool Cancelled() {
    if (stopping_ || cancelled_) return true;
    const int64_t now = MonotonicMillis();
    if (now - last_check_ < 500) return false;
    last_check_ = now;
    // CancelImageCreation marks the image and the job in one transaction:
    // the image row alone tells.
    auto i = store_.Get(image_.arn);
    cancelled_ = (i.ok() && ImageStatus(*i) == "CANCELLED") || (!i.ok() && i.status().code() == Code::kNotFound);
    return cancelled_;
  }

  // WaitForAction: the step row gets requestedAction from
  // SendWorkflowStepAction.
  Result<Json> WaitForAction(const engine::StepCall& call) {
    const int64_t deadline = MonotonicMillis() + call.timeout_ms;
    while (MonotonicMillis() < deadline) {
      if (Cancelled()) return Status::Cancelled("cancelled while waiting for SendWorkflowStepAction");
      auto step = store_.Get(call.step_execution_id);
      if (step.ok() && step->doc.contains("requestedAction")) return step->doc["requestedAction"];
      std::this_thread::sleep_for(std::chrono::milliseconds(options_.poll_ms));
    }
    return Status::Timeout("no SendWorkflowStepAction arrived within " + std::to_string(call.timeout_ms / 1000) + " s");
  }

  // Build logs stay under <data>/logs/<account>/<region>/<image>/<version>/<build>
  // and go to S3 when the infrastructure configuration says so.
  Status KeepLogs() {
    std::error_code ec;
    std::string logs;
    for (const auto& e : fs::directory_iterator(work_dir_, ec))
      if (e.path().filename().string().rfind("build-", 0) == 0) logs = e.path().string() + "/logs";
    if (logs.empty() || !fs::exists(logs)) return Status::Ok();
    const std::string dest = options_.data_dir + "/logs/" + image_.account + "/" + image_.region + "/" +
                             image_.name + "/" + image_.version + "/" + std::to_string(image_.build);
    fs::remove_all(dest, ec);
    fs::create_directories(fs::path(dest).parent_path(), ec);
    fs::rename(logs, dest, ec);
    if (ec) return Status::IOError("keep logs in " + dest + ": " + ec.message());
    const Json s3 = image_.doc.value("infrastructureConfiguration", Json::object())
                        .value("logging", Json::object())
                        .value("s3Logs", Json::object());
    const std::string bucket = s3.value("s3BucketName", "");
    if (bucket.empty()) return Status::Ok();
    KILN_ASSIGN_OR_RETURN(s3::Config config, s3::Config::FromEnvironment());
    std::string prefix = s3.value("s3KeyPrefix", "");
    if (!prefix.empty() && prefix.back() != '/') prefix += '/';
    prefix += image_.name + "/" + image_.version + "/" + std::to_string(image_.build) + "/";
    return s3::UploadDirectory(s3::Client(config), dest, bucket, prefix).Prefixed("s3://" + bucket + "/" + prefix);
  }

  void Finish(const std::string& status, const std::string& reason) {
    if (!image_.parent.empty()) {
      auto img = store_.Get(image_.arn);
      Status s = UpdatePipelineAfterBuild(store_, image_.parent, img.ok() ? ImageStatus(*img) : "FAILED");
      if (!s.ok()) log::Error("pipeline " + image_.parent + ": " + s.ToString());
    }
    Status s = store::UpdateWithRetry(store_, job_.arn, [&](store::Resource& j) {
      if (j.status != "cancelled") j.status = status;  // a cancel stays a cancel
      if (!reason.empty()) j.doc["reason"] = Truncate(reason);
      return Status::Ok();
    });
    if (!s.ok() && s.code() != Code::kNotFound) log::Error("build job " + job_.arn + ": " + s.ToString());
  }

  store::Store& store_;
  const BuildWorkerOptions& options_;
  const std::atomic<bool>& stopping_;
  store::Resource job_, image_;
  OperationContext ctx_;
  std::string work_dir_, kept_instance_;
  bool cancelled_ = false;
  int64_t last_check_ = 0;
};

BuildWorker::BuildWorker(store::Store* store, BuildWorkerOptions options)
    : store_(store), options_(std::move(options)) {}

BuildWorker::~BuildWorker() { Stop(); }

Status BuildWorker::Start() {
  if (!store_) return Status::FailedPrecondition("the build worker needs a store");
  std::error_code ec;
  options_.data_dir = fs::absolute(options_.data_dir, ec).string();
  KILN_RETURN_IF_ERROR(RecoverInterrupted());
  for (int i = 0; i < std::max(1, options_.max_builds); i++) threads_.emplace_back([this] { Loop(); });
  log::Info("build worker: up to " + std::to_string(std::max(1, options_.max_builds)) + " builds at once");
  return Status::Ok();
}

void BuildWorker::Stop() {
  stopping_ = true;
  for (auto& t : threads_)
    if (t.joinable()) t.join();
  threads_.clear();
}

void BuildWorker::Loop() {
  int64_t last_collect = 0;
  while (!stopping_) {
    auto job = store_->Claim("build-job", "queued", "running");
    if (!job.ok()) {
      log::Error("build queue: " + job.status().ToString());
    } else if (*job) {
      Job(*store_, options_, stopping_, std::move(**job)).Run();
      continue;
    }
    if (MonotonicMillis() - last_collect > 10000) {
      last_collect = MonotonicMillis();
      std::lock_guard<std::mutex> lock(collect_mu_);  // one worker at a time
      Status s = CollectDeletedImages();
      if (!s.ok()) log::Warn("image store clean-up: " + s.ToString());
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(options_.poll_ms));
  }
}

// Images the API deleted (DeleteImage, lifecycle policies) leave their OCI
// image in the store: remove those whose image row is gone or DELETED.
// Store names are "kiln/ACCOUNT/REGION/NAME:VERSION-BUILD" (StoreName).
Status BuildWorker::CollectDeletedImages() {
  KILN_ASSIGN_OR_RETURN(auto images, image::ImageStore::Open(options_.data_dir));
  KILN_ASSIGN_OR_RETURN(auto all, images.List());
  for (const auto& img : all) {
    if (img.name.rfind("kiln/", 0) != 0) continue;
    const std::string rest = img.name.substr(5);
    const size_t a = rest.find('/'), b = rest.find('/', a + 1), colon = rest.rfind(':'), dash = rest.rfind('-');
    if (a == std::string::npos || b == std::string::npos || colon == std::string::npos || dash < colon) continue;
    const std::string arn = "arn:aws:imagebuilder:" + rest.substr(a + 1, b - a - 1) + ":" + rest.substr(0, a) +
                            ":image/" + rest.substr(b + 1, colon - b - 1) + "/" +
                            rest.substr(colon + 1, dash - colon - 1) + "/" + rest.substr(dash + 1);
    auto row = store_->Get(arn);
    if (row.ok() && ImageStatus(*row) != "DELETED") continue;
    if (!row.ok() && row.status().code() != Code::kNotFound) continue;
    if (row.ok() && ImageBuilding(ImageStatus(*row))) continue;
    KILN_RETURN_IF_ERROR(images.Remove(img.name));
    log::Info("removed " + img.name + " from the image store: image " + arn + " was deleted");
  }
  return Status::Ok();
}

// Builds that were running when the previous process died: FAILED
// ("interrupted"), with their executions, instances, files and partial
// images removed. Queued builds are left for the workers.
Status BuildWorker::RecoverInterrupted() {
  store::ListQuery q;
  q.kind = "build-job";
  q.status = "running";
  q.limit = 100;
  std::vector<store::Resource> jobs;
  KILN_RETURN_IF_ERROR(store::ForEachResource(*store_, q, [&](const store::Resource& job) {
    jobs.push_back(job);  // collected first: the loop below rewrites them
    return Status::Ok();
  }));
  auto images = image::ImageStore::Open(options_.data_dir);
  for (auto& job : jobs) {
    job.status = "failed";
    job.doc["reason"] = kInterrupted;
    job.updated_ms = NowMillis();
    KILN_RETURN_IF_ERROR(store_->CompareAndUpdate(job, "running"));
    auto img = store_->Get(job.parent);
    if (!img.ok()) continue;
    if (images.ok()) (void)images->Remove(StoreName(*img));
    Status s = MutateImage(*store_, img->arn, [](store::Resource& r) { SetImageStatus(r, "FAILED", kInterrupted); });
    if (!s.ok() && s.code() != Code::kCancelled) return s;
    // Executions and steps still marked as running end as FAILED.
    store::ListQuery eq;
    eq.kind = "workflow-execution";
    eq.parent = img->arn;
    eq.limit = 100;
    KILN_ASSIGN_OR_RETURN(auto executions, store_->List(eq));
    for (auto& wf : executions.items) {
      store::ListQuery sq;
      sq.kind = "workflow-step-execution";
      sq.parent = wf.arn;
      sq.limit = 100;
      KILN_ASSIGN_OR_RETURN(auto steps, store_->List(sq));
      steps.items.push_back(wf);
      for (auto& r : steps.items) {
        if (r.status != "RUNNING" && r.status != "PENDING" && r.status != "ROLLBACK_IN_PROGRESS") continue;
        std::string was = r.status;
        r.status = "FAILED";
        r.doc["status"] = "FAILED";
        r.doc["message"] = kInterrupted;
        r.doc["endTime"] = NowIso();
        r.doc.erase("waiting");
        (void)store_->CompareAndUpdate(r, was);
      }
    }
    (void)RemoveTree(options_.data_dir + "/builds/" + job.arn.substr(job.arn.find('/') + 1));
    log::Warn("build of " + img->arn + " was interrupted by a stop: marked FAILED");
  }
  auto orphans = instance::RuncProvider::CleanupOrphans(options_.data_dir);
  if (orphans.ok() && !orphans->empty())
    log::Info("removed " + std::to_string(orphans->size()) + " instance(s) left by an earlier run");
  return Status::Ok();
}

}  // namespace kiln::api
