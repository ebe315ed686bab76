// Workflow execution operations (workflows-pipelines-lifecycle.md §2.12, §6.4):
// GetWorkflowExecution, ListWorkflowExecutions, GetWorkflowStepExecution,
// ListWorkflowStepExecutions, ListWaitingWorkflowSteps, SendWorkflowStepAction.
//
// Executions are written by the engine as builds run (build_records.h);
// these operations read them as they are, so before a build starts the
// lists are empty.
#include "api/build_records.h"
#include "api/resource_ops.h"
#include "store/paging.h"

namespace kiln::api {
namespace {

// Executions belong to the image's owner; anyone else gets "not found".
Result<store::Resource> LoadOwned(OperationContext& ctx, const std::string& id,
                                  const std::string& what) {
  auto r = ctx.store->Get(id);
  if (!r.ok() || r->kind != what || r->account != ctx.caller.account_id ||
      r->region != ctx.caller.region) {
    if (!r.ok() && r.status().code() != Code::kNotFound) return r.status();
    return ResourceNotFound(id);
  }
  return std::move(*r);
}

Result<Json> GetWorkflowExecution(OperationContext& ctx, const Json& input) {
  KILN_ASSIGN_OR_RETURN(auto r, LoadOwned(ctx, input.value("workflowExecutionId", ""),
                                          "workflow-execution"));
  return r.doc;
}

Result<Json> ListWorkflowExecutions(OperationContext& ctx, const Json& input) {
  const std::string image = input.value("imageBuildVersionArn", "");
  KILN_RETURN_IF_ERROR(
      ParseResourceArn(image, "imageBuildVersionArn", "image", ArnLevel::kBuild).status());
  KILN_ASSIGN_OR_RETURN(auto img, LoadForRead(ctx, image, "imagebuilder:GetImage"));
  if (img.account != ctx.caller.account_id)
    return Forbidden("You must own the image to list its workflow executions: " + image);
  KILN_ASSIGN_OR_RETURN(auto page, ListChildren(ctx, "workflow-execution", image, img.account,
                                                input, "ListWorkflowExecutions"));
  Json rows = Json::array();
  for (const auto& r : page.items) {
    Json row = r.doc;
    row.erase("imageBuildVersionArn");
    row.erase("requestId");
    rows.push_back(std::move(row));
  }
  Json out = {{"workflowExecutions", rows}, {"imageBuildVersionArn", image}};
  if (rows.empty()) out["message"] = "No workflow has started for this image yet (state " +
                                     ImageStatus(img) + ")";
  if (!page.next_token.empty()) out["nextToken"] = page.next_token;
  return out;
}

Json StepOutput(const store::Resource& r) {
  Json d = r.doc;
  d.erase("waiting");
  d.erase("requestedAction");
  return d;
}

Result<Json> GetWorkflowStepExecution(OperationContext& ctx, const Json& input) {
  KILN_ASSIGN_OR_RETURN(auto r, LoadOwned(ctx, input.value("stepExecutionId", ""),
                                          "workflow-step-execution"));
  return StepOutput(r);
}

Result<Json> ListWorkflowStepExecutions(OperationContext& ctx, const Json& input) {
  const std::string id = input.value("workflowExecutionId", "");
  KILN_ASSIGN_OR_RETURN(auto wf, LoadOwned(ctx, id, "workflow-execution"));
  KILN_ASSIGN_OR_RETURN(auto page, ListChildren(ctx, "workflow-step-execution", id, wf.account,
                                                input, "ListWorkflowStepExecutions"));
  Json rows = Json::array();
  for (const auto& r : page.items)
    rows.push_back(Project(r.doc, {"stepExecutionId", "name", "description", "action", "status",
                                   "rollbackStatus", "message", "inputs", "outputs", "startTime",
                                   "endTime"}));
  Json out = {{"steps", rows},
              {"workflowExecutionId", id},
              {"workflowBuildVersionArn", wf.doc.value("workflowBuildVersionArn", "")},
              {"imageBuildVersionArn", wf.doc.value("imageBuildVersionArn", "")}};
  if (!page.next_token.empty()) out["nextToken"] = page.next_token;
  return out;
}

bool IsWaiting(const store::Resource& step) {
  return step.status == "RUNNING" && step.doc.value("waiting", false) &&
         !step.doc.contains("requestedAction");
}

Result<Json> ListWaitingWorkflowSteps(OperationContext& ctx, const Json& input) {
  int limit = 25;
  if (input.contains("maxResults") && input["maxResults"].is_number_integer())
    limit = input["maxResults"].get<int>();
  if (limit < 1 || limit > 25) return InvalidParameterValue("maxResults must be between 1 and 25");
  store::ListQuery q;
  q.kind = "workflow-step-execution";
  q.accounts = {ctx.caller.account_id};
  q.region = ctx.caller.region;
  q.status = "RUNNING";
  q.limit = 100;
  Json fingerprint = {{"op", "ListWaitingWorkflowSteps"}, {"account", ctx.caller.account_id},
                      {"region", ctx.caller.region}};
  KILN_ASSIGN_OR_RETURN(auto secret, store::PageSecret(*ctx.store));
  if (input.contains("nextToken") && input["nextToken"].is_string()) {
    KILN_ASSIGN_OR_RETURN(q.after, store::DecodePageToken(input["nextToken"].get<std::string>(),
                                                         fingerprint, secret));
  }
  Json rows = Json::array();
  std::optional<store::Resource> last;
  bool more = false;
  while (!more) {
    KILN_ASSIGN_OR_RETURN(auto page, ctx.store->List(q));
    for (const auto& r : page.items) {
      if (!IsWaiting(r)) continue;
      if (static_cast<int>(rows.size()) == limit) {
        more = true;
        break;
      }
      rows.push_back(Project(r.doc, {"stepExecutionId", "imageBuildVersionArn",
                                     "workflowExecutionId", "workflowBuildVersionArn", "name",
                                     "action", "startTime"}));
      last = r;
    }
    if (more || !page.more) break;
    q.after = page.items.back();
  }
  Json out = {{"steps", rows}};
  if (more && last) out["nextToken"] = store::EncodePageToken(*last, fingerprint, secret);
  return out;
}

Result<Json> SendWorkflowStepAction(OperationContext& ctx, const Json& input) {
  const std::string id = input.value("stepExecutionId", "");
  const std::string image = input.value("imageBuildVersionArn", "");
  KILN_RETURN_IF_ERROR(
      ParseResourceArn(image, "imageBuildVersionArn", "image", ArnLevel::kBuild).status());
  const std::string action = input.value("action", "");
  if (action != "RESUME" && action != "STOP")
    return InvalidParameterValue("action must be RESUME or STOP");
  return RunIdempotent(ctx, "SendWorkflowStepAction", input, [&](store::Store& tx) -> Result<Json> {
    KILN_ASSIGN_OR_RETURN(auto step, LoadOwned(ctx, id, "workflow-step-execution"));
    if (step.doc.value("imageBuildVersionArn", "") != image)
      return InvalidParameterValue("step " + id + " belongs to " +
                                   step.doc.value("imageBuildVersionArn", "another image") +
                                   ", not " + image);
    if (!IsWaiting(step))
      return InvalidRequest("step " + id + " (" + step.doc.value("action", "") + ", status " +
                            step.status + ") is not waiting for an action");
    Json requested = {{"action", action}};
    if (input.contains("reason")) requested["reason"] = input["reason"];
    step.doc["requestedAction"] = requested;
    // The engine's waiter sees requestedAction and finishes the step.
    KILN_RETURN_IF_ERROR(tx.CompareAndUpdate(step, "RUNNING"));
    return Json{{"stepExecutionId", id}, {"imageBuildVersionArn", image}};
  });
}

}  // namespace

void RegisterWorkflowExecutionHandlers() {
  RegisterOperation("GetWorkflowExecution", GetWorkflowExecution);
  RegisterOperation("ListWorkflowExecutions", ListWorkflowExecutions);
  RegisterOperation("GetWorkflowStepExecution", GetWorkflowStepExecution);
  RegisterOperation("ListWorkflowStepExecutions", ListWorkflowStepExecutions);
  RegisterOperation("ListWaitingWorkflowSteps", ListWaitingWorkflowSteps);
  RegisterOperation("SendWorkflowStepAction", SendWorkflowStepAction);
}

}  // namespace kiln::api
