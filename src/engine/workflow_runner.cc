#include "engine/workflow_runner.h"

#include <vector>

namespace kiln::engine {
namespace {

struct RanStep {
  int index;
  StepCall call;
  Json outputs;
};

// rollbackEnabled: a boolean or a "$." path resolving to one; anything else
// (or a path that does not resolve) means no rollback, with the reason.
bool RollbackEnabled(const WorkflowStep& step, const VariableScope& scope, std::string* why) {
  if (step.rollback_enabled.is_boolean()) return step.rollback_enabled.get<bool>();
  if (IsDynamicVariable(step.rollback_enabled)) {
    auto v = ResolveVariable(step.rollback_enabled.get<std::string>(), scope);
    if (v.ok() && v->is_boolean()) return v->get<bool>();
    *why = "rollbackEnabled " + step.rollback_enabled.get<std::string>() + " did not resolve to a boolean";
  }
  return false;
}

void Rollback(const WorkflowDocument& doc, const std::vector<RanStep>& ran, const VariableScope& scope,
              StepActionRunner& actions, WorkflowObserver& observer) {
  observer.RollbackStarted();
  for (auto it = ran.rbegin(); it != ran.rend(); ++it) {
    const WorkflowStep& step = doc.steps[it->index];
    const StepActionSpec* spec = FindStepAction(step.action);
    std::string why;
    if (!spec || !spec->has_rollback || !RollbackEnabled(step, scope, &why)) {
      observer.StepRollback(it->index, step, "SKIPPED", why);
      continue;
    }
    observer.StepRollback(it->index, step, "RUNNING", "");
    Status s = actions.Rollback(it->call, it->outputs);
    observer.StepRollback(it->index, step, s.ok() ? "COMPLETED" : "FAILED", s.ok() ? "" : s.message());
  }
}

}  // namespace

WorkflowResult RunWorkflow(const WorkflowDocument& doc, WorkflowType type, VariableScope scope,
                           StepActionRunner& actions, WorkflowObserver& observer,
                           const std::function<bool()>& cancelled) {
  WorkflowResult result;
  observer.WorkflowStarted(doc);
  std::vector<RanStep> ran;  // steps whose action ran, for rollback
  for (size_t i = 0; i < doc.steps.size(); i++) {
    const WorkflowStep& step = doc.steps[i];
    const int index = static_cast<int>(i);
    if (cancelled && cancelled()) {
      result.status = "CANCELLED";
      result.failure = Status::Cancelled("cancelled before step " + step.name);
      result.failed_step = step.name;
      return result;
    }
    if (step.condition) {
      auto run = EvaluateCondition(*step.condition, scope);
      if (run.ok() && !*run) {
        result.skipped++;
        observer.StepSkipped(index, step);
        continue;
      }
      if (!run.ok()) {
        // A condition that cannot be evaluated fails the step (§3.2).
        observer.StepStarted(index, step, Json::object());
        Status s = run.status().Prefixed("step " + step.name + ": if");
        observer.StepFinished(index, step, s, Json::object());
        result.failed++;
        if (step.on_failure == StepOnFailure::kContinue) continue;
        result.failure = s;
        result.failed_step = step.name;
        break;
      }
    }
    StepCall call;
    call.workflow_type = type;
    call.step_name = step.name;
    call.action = step.action;
    call.timeout_ms = step.EffectiveTimeoutSeconds() * 1000;
    auto inputs = ResolveStepInputs(step.inputs, scope);
    if (inputs.ok()) call.inputs = *inputs;
    call.step_execution_id = observer.StepStarted(index, step, call.inputs);
    Result<Json> out = inputs.ok() ? actions.Run(call) : Result<Json>(inputs.status().Prefixed("inputs"));
    if (out.ok()) {
      result.succeeded++;
      scope.step_outputs[step.name] = *out;
      observer.StepFinished(index, step, Status::Ok(), *out);
      ran.push_back({index, call, *out});
      continue;
    }
    Status s = out.status().Prefixed("step " + step.name + " (" + step.action + ")");
    observer.StepFinished(index, step, s, Json::object());
    ran.push_back({index, call, Json::object()});
    if (s.code() == Code::kCancelled) {
      result.status = "CANCELLED";
      result.failure = s;
      result.failed_step = step.name;
      Rollback(doc, ran, scope, actions, observer);
      return result;
    }
    result.failed++;
    if (step.on_failure == StepOnFailure::kContinue) continue;
    result.failure = s;
    result.failed_step = step.name;
    break;
  }
  if (!result.failure.ok()) {
    Rollback(doc, ran, scope, actions, observer);
    result.status = "FAILED";
    return result;
  }
  result.status = "COMPLETED";
  for (const auto& o : doc.outputs) {
    auto v = ResolveVariable(o.value, scope);
    if (v.ok()) result.outputs[o.name] = *v;  // an output of a skipped step stays unset
  }
  return result;
}

}  // namespace kiln::engine
