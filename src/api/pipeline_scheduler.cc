#include "api/pipeline_scheduler.h"

#include <chrono>

#include "api/build_records.h"
#include "api/image_builds.h"
#include "api/lifecycle_runs.h"
#include "api/resource_ops.h"
#include "common/log.h"
#include "common/time.h"
#include "engine/schedule.h"
#include "store/paging.h"
#include "store/update.h"

namespace kiln::api {
namespace {

constexpr const char* kStateSpace = "pipeline-schedule";

// What a build of `config` would use, resolved now: a change means
// "dependency updates available".
Result<std::string> Dependencies(OperationContext& ctx, const BuildConfig& config) {
  std::string deps = config.recipe.arn + "\n";
  for (const auto& c : config.recipe.doc.value("components", Json::array())) {
    KILN_ASSIGN_OR_RETURN(Arn ref, ParseResourceArn(c.value("componentArn", ""), "componentArn", "component",
                                                    ArnLevel::kPattern));
    ResolveOptions opts;
    opts.read_action = "imagebuilder:GetComponent";
    KILN_ASSIGN_OR_RETURN(auto row, ResolveVersioned(ctx, ref, opts));
    deps += row.arn + "\n";
  }
  const std::string parent = config.recipe.doc.value("parentImage", "");
  if (parent.rfind("arn:", 0) == 0) {
    KILN_ASSIGN_OR_RETURN(auto row, ResolveParentImageArn(ctx, parent));
    deps += row.arn;
  } else {
    deps += parent;
  }
  return deps;
}

// The pipeline's next slot strictly after `after_ms`, or nullopt.
std::optional<int64_t> NextSlot(const Json& schedule, int64_t after_ms) {
  auto cron = engine::ParseCron(schedule.value("scheduleExpression", ""));
  auto zone = engine::TimeZone::Load(schedule.value("timezone", "Etc/UTC"));
  if (!cron.ok() || !zone.ok()) return std::nullopt;
  return engine::NextCronRun(*cron, *zone, after_ms);
}

}  // namespace

PipelineScheduler::PipelineScheduler(store::Store* store, int64_t tick_ms) : store_(store), tick_ms_(tick_ms) {}

PipelineScheduler::~PipelineScheduler() { Stop(); }

Status PipelineScheduler::Start() {
  if (!store_) return Status::FailedPrecondition("the pipeline scheduler needs a store");
  thread_ = std::thread([this] {
    while (!stopping_) {
      auto started = RunDue(NowMillis());
      if (!started.ok()) log::Error("pipeline scheduler: " + started.status().ToString());
      for (int64_t waited = 0; waited < tick_ms_ && !stopping_; waited += 100)
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
  });
  return Status::Ok();
}

void PipelineScheduler::Stop() {
  stopping_ = true;
  if (thread_.joinable()) thread_.join();
}

Result<std::vector<std::string>> PipelineScheduler::RunDue(int64_t now_ms) {
  std::vector<std::string> started;
  store::ListQuery q;
  q.kind = "image-pipeline";
  q.limit = 100;
  KILN_RETURN_IF_ERROR(store::ForEachResource(*store_, q, [&](const store::Resource& p) -> Status {
    const Json schedule = p.doc.value("schedule", Json::object());
    if (p.doc.value("status", "ENABLED") != "ENABLED" || !schedule.contains("scheduleExpression")) return Status::Ok();
    KILN_ASSIGN_OR_RETURN(auto raw, store_->GetValue(kStateSpace, p.arn));
    Json state = raw ? Json::parse(*raw, nullptr, false) : Json::object();
    if (!state.is_object()) state = Json::object();
    auto next = NextSlot(schedule, state.value("after", p.created_ms));
    if (!next || *next > now_ms) return Status::Ok();
    state["after"] = now_ms;  // this slot (and any missed ones) is handled now

    OperationContext ctx;
    ctx.caller = {p.account, p.region, ""};
    ctx.request_id = "scheduler";
    ctx.store = store_;
    auto config = ResolveBuildConfig(ctx, p.doc);
    auto deps = config.ok() ? Dependencies(ctx, *config) : Result<std::string>(config.status());
    if (!deps.ok()) {
      log::Warn("pipeline " + p.arn + ": scheduled run skipped: " + deps.status().message());
      KILN_RETURN_IF_ERROR(store_->PutValue(kStateSpace, p.arn, state.dump()));
      return Status::Ok();
    }
    const bool need_updates = schedule.value("pipelineExecutionStartCondition",
                                             "EXPRESSION_MATCH_AND_DEPENDENCY_UPDATES_AVAILABLE") !=
                              "EXPRESSION_MATCH_ONLY";
    if (need_updates && state.value("dependencies", "") == *deps) {
      log::Info("pipeline " + p.arn + ": schedule matched, no dependency updates: not started");
      KILN_RETURN_IF_ERROR(store_->PutValue(kStateSpace, p.arn, state.dump()));
      return Status::Ok();
    }
    state["dependencies"] = *deps;
    std::string image;
    KILN_RETURN_IF_ERROR(store_->Transaction([&](store::Store& tx) -> Status {
      KILN_ASSIGN_OR_RETURN(image, CreateImageBuild(ctx, tx, *config, p.doc.value("imageTags", Json::object()),
                                                    "SCHEDULED", PipelineSource{p.arn, p.doc.value("name", "")}));
      KILN_ASSIGN_OR_RETURN(auto current, tx.Get(p.arn));
      current.doc["dateLastRun"] = FormatIso8601(now_ms);
      current.doc["lastRunStatus"] = "PENDING";
      KILN_RETURN_IF_ERROR(tx.Update(current));
      return tx.PutValue(kStateSpace, p.arn, state.dump());
    }));
    log::Info("pipeline " + p.arn + ": scheduled build " + image);
    started.push_back(image);
    return Status::Ok();
  }));
  KILN_RETURN_IF_ERROR(RunLifecyclePolicies(now_ms));
  return started;
}

// Lifecycle policies run once a day, as Image Builder runs them: an
// ENABLED policy whose last scheduled run is a day old (or that never ran)
// is evaluated now.
Status PipelineScheduler::RunLifecyclePolicies(int64_t now_ms) {
  constexpr int64_t kDay = 24LL * 3600 * 1000;
  store::ListQuery q;
  q.kind = "lifecycle-policy";
  q.limit = 100;
  return store::ForEachResource(*store_, q, [&](const store::Resource& p) -> Status {
    if (p.doc.value("status", "ENABLED") != "ENABLED") return Status::Ok();
    KILN_ASSIGN_OR_RETURN(auto last, store_->GetValue("lifecycle-schedule", p.arn));
    if (last && now_ms - std::stoll(*last) < kDay) return Status::Ok();
    KILN_RETURN_IF_ERROR(store_->PutValue("lifecycle-schedule", p.arn, std::to_string(now_ms)));
    auto run = RunLifecyclePolicy(*store_, p.arn, now_ms);
    if (run.ok()) log::Info("lifecycle policy " + p.arn + ": daily run " + *run);
    else log::Warn("lifecycle policy " + p.arn + ": daily run failed: " + run.status().message());
    return Status::Ok();
  });
}

Status UpdatePipelineAfterBuild(store::Store& store, const std::string& pipeline_arn, const std::string& image_status) {
  if (pipeline_arn.empty()) return Status::Ok();
  Status s = store::UpdateWithRetry(store, pipeline_arn, [&](store::Resource& p) {
    Json& d = p.doc;
    d["lastRunStatus"] = image_status;
    int failures = image_status == "FAILED" ? d.value("consecutiveFailures", 0) + 1 : 0;
    d["consecutiveFailures"] = failures;
    const int limit = d.value("schedule", Json::object()).value("autoDisablePolicy", Json::object()).value("failureCount", 0);
    if (limit > 0 && failures >= limit && d.value("status", "") == "ENABLED") {
      d["status"] = "DISABLED";
      p.status = "DISABLED";
      log::Warn("pipeline " + pipeline_arn + " disabled after " + std::to_string(failures) +
                " consecutive failed builds (autoDisablePolicy)");
    }
    return Status::Ok();
  });
  return s.code() == Code::kNotFound ? Status::Ok() : s;  // deleted meanwhile: nothing to record
}

}  // namespace kiln::api
