// Running one workflow document (workflows-pipelines-lifecycle.md §1.9):
// steps in order, each with its `if` condition, resolved inputs, timeout
// and onFailure; on an Abort failure, rollback from the failed step back to
// the first. What the steps *do* is behind StepActionRunner (build_session.h
// implements them on Kiln instances); what is recorded about them is behind
// WorkflowObserver (the API writes workflow and step executions to the
// store, `kiln build` prints them).
#pragma once

#include <cstdint>
#include <functional>
#include <string>

#include <nlohmann/json.hpp>

#include "common/status.h"
#include "engine/workflow_conditions.h"
#include "engine/workflow_document.h"

namespace kiln::engine {

// One step as the action sees it.
struct StepCall {
  WorkflowType workflow_type = WorkflowType::kBuild;
  std::string step_name;
  std::string action;
  std::string step_execution_id;  // from WorkflowObserver::StepStarted ("" if none)
  Json inputs = Json::object();   // resolved
  int64_t timeout_ms = 0;         // the step's timeoutSeconds, or the action's default
};

class StepActionRunner {
 public:
  virtual ~StepActionRunner() = default;
  // Runs the action; its outputs on success. Must return within about
  // call.timeout_ms (a Timeout status) and soon after `cancelled` turns true.
  virtual Result<Json> Run(const StepCall& call) = 0;
  // Undoes what a step did (only actions with rollback behaviour are asked).
  virtual Status Rollback(const StepCall& call, const Json& outputs) = 0;
};

// Receives progress. Step indexes count from 0 in document order.
class WorkflowObserver {
 public:
  virtual ~WorkflowObserver() = default;
  virtual void WorkflowStarted(const WorkflowDocument& doc) {}
  // Returns the step execution id ("step-<uuid>"), or "" when not recorded.
  virtual std::string StepStarted(int index, const WorkflowStep& step, const Json& inputs) { return ""; }
  virtual void StepSkipped(int index, const WorkflowStep& step) {}
  virtual void StepFinished(int index, const WorkflowStep& step, const Status& status,
                            const Json& outputs) {}
  // rollback_status: RUNNING, COMPLETED, SKIPPED or FAILED.
  virtual void StepRollback(int index, const WorkflowStep& step, const std::string& rollback_status,
                            const std::string& message) {}
  virtual void RollbackStarted() {}
  // The workflow execution id ("wf-<uuid>") when recorded, for messages.
  virtual std::string ExecutionId() const { return ""; }
};

struct WorkflowResult {
  // COMPLETED (no Abort failure; Continue failures allowed), FAILED (an
  // Abort failure, after rollback), CANCELLED.
  std::string status;
  Status failure;               // the failure that ended the workflow
  std::string failed_step;      // its step name
  Json outputs = Json::object();  // the document's outputs that resolved
  int succeeded = 0, failed = 0, skipped = 0;
};

// Runs `doc` with `scope` (parameters bound, system variables and earlier
// workflows' outputs filled in). Never returns an error Status: failures are
// the result's status.
WorkflowResult RunWorkflow(const WorkflowDocument& doc, WorkflowType type, VariableScope scope,
                           StepActionRunner& actions, WorkflowObserver& observer,
                           const std::function<bool()>& cancelled);

}  // namespace kiln::engine
