// Workflow resources in the store (kind "workflow"), shared by the workflow
// operations and by CreateImage / pipelines, which reference workflows.
//
// A workflow row: arn = build ARN ".../workflow/<type>/<slug>/<ver>/<build>",
// version/build as usual, doc = the `Workflow` output shape (including the
// document text in doc["data"] and its declared parameters).
// Kiln-managed workflows (engine/managed_workflows.h) are stored under
// account "aws" in each region the first time the region is used.
#pragma once

#include <string>
#include <vector>

#include "api/operation.h"
#include "common/status.h"
#include "engine/workflow_document.h"
#include "store/store.h"

namespace kiln::api {

// Builds the store row of a workflow from a validated document.
store::Resource MakeWorkflowResource(const std::string& account, const std::string& region,
                                     const std::string& arn, const Json& input,
                                     const engine::WorkflowDocument& doc, const std::string& text);

// Seeds the managed workflows into the caller's region (once per region).
Status EnsureManagedWorkflows(OperationContext& ctx);

// One workflow a build runs, resolved and checked: the concrete build ARN,
// its type, and the parameters bound against its document.
struct ResolvedWorkflow {
  std::string workflow_arn;  // build version ARN
  engine::WorkflowType type = engine::WorkflowType::kBuild;
  Json parameters = Json::object();  // bound values, typed
  std::string parallel_group;
  std::string on_failure = "ABORT";  // ABORT | CONTINUE
};

// Validates the `workflows` member of CreateImage / Create/UpdateImagePipeline
// (WorkflowConfiguration list) with `executionRole`: each workflow resolves
// (wildcards allowed) and is readable by the caller, at most one BUILD and
// 10 TEST workflows, DISTRIBUTION only for container builds, parameters
// known to the document and of the declared type, output names unique
// across the workflows. With no `workflows`, the managed defaults (§1.2).
Result<std::vector<ResolvedWorkflow>> ResolveBuildWorkflows(OperationContext& ctx, const Json& input,
                                                            bool container);

// Serialises resolved workflows into the build job document.
Json ResolvedWorkflowsJson(const std::vector<ResolvedWorkflow>& workflows);

}  // namespace kiln::api
