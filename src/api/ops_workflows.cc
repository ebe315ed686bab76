// Workflow operations (workflows-pipelines-lifecycle.md §1.3): CreateWorkflow,
// GetWorkflow, ListWorkflows, ListWorkflowBuildVersions, DeleteWorkflow; and
// the workflow execution operations (ops_workflow_executions.cc).
#include <cctype>

#include "api/build_records.h"
#include "api/resource_ops.h"
#include "api/workflow_store.h"
#include "engine/workflow_document.h"
#include "store/paging.h"

namespace kiln::api {

void RegisterWorkflowExecutionHandlers();  // ops_workflow_executions.cc

namespace {

constexpr const char* kGetAction = "imagebuilder:GetWorkflow";

std::string LowerType(std::string t) {
  for (auto& c : t) c = static_cast<char>(std::tolower(c));
  return t;
}

Result<Json> CreateWorkflow(OperationContext& ctx, const Json& input) {
  const std::string name = input.value("name", "");
  const std::string version = input.value("semanticVersion", "");
  KILN_RETURN_IF_ERROR(CheckCreateVersion(version));
  auto type = engine::ParseWorkflowType(input.value("type", ""));
  if (!type) return InvalidParameterValue("type must be BUILD, TEST or DISTRIBUTION");
  const bool has_data = input.contains("data") && input["data"].is_string();
  const bool has_uri = input.contains("uri") && input["uri"].is_string();
  if (has_data == has_uri)
    return InvalidParameterCombination("Give exactly one of 'data' (the YAML workflow document) "
                                       "or 'uri' (an s3:// location of the document)");
  if (input.contains("tags")) KILN_RETURN_IF_ERROR(ValidateTags(input["tags"], "tags"));
  std::string text;
  if (has_uri) {
    // Read with the S3 settings of kiln serve (resource_ops.h); a build
    // without the S3 client says plainly that uri is not supported.
    KILN_ASSIGN_OR_RETURN(text, FetchFromS3(input["uri"].get<std::string>(), "uri"));
  } else {
    text = input["data"].get<std::string>();
  }
  auto doc = engine::ParseWorkflowDocument(text, *type);
  if (!doc.ok())
    return InvalidParameterValue((has_uri ? "uri (" + input["uri"].get<std::string>() + ")" : "data") +
                                 ": " + doc.status().message());
  const std::string arn =
      BuildArn(ctx, "workflow/" + LowerType(engine::WorkflowTypeName(*type)), name, version, 1);
  if (input.value("dryRun", false)) {
    auto existing = ctx.store->Get(arn);
    if (existing.ok()) return ResourceAlreadyExists(arn);
    return DryRunSucceeded("CreateWorkflow");
  }
  return RunIdempotent(ctx, "CreateWorkflow", input, [&](store::Store& tx) -> Result<Json> {
    store::Resource r =
        MakeWorkflowResource(ctx.caller.account_id, ctx.caller.region, arn, input, *doc, text);
    Status s = tx.Insert(r);
    if (s.code() == Code::kAlreadyExists) return ResourceAlreadyExists(arn);
    KILN_RETURN_IF_ERROR(s);
    return Json{{"workflowBuildVersionArn", arn}};
  });
}

Result<Json> GetWorkflow(OperationContext& ctx, const Json& input) {
  KILN_RETURN_IF_ERROR(EnsureManagedWorkflows(ctx));
  const std::string text = input.value("workflowBuildVersionArn", "");
  KILN_ASSIGN_OR_RETURN(Arn ref, ParseResourceArn(text, "workflowBuildVersionArn", "workflow",
                                                  ArnLevel::kPattern));
  ResolveOptions opts;
  opts.read_action = kGetAction;
  KILN_ASSIGN_OR_RETURN(auto r, ResolveVersioned(ctx, ref, opts));
  return Json{{"workflow", r.doc}};
}

FilterFn TypeFilter() { return DocFieldFilter("type"); }

Result<Json> ListWorkflows(OperationContext& ctx, const Json& input) {
  KILN_RETURN_IF_ERROR(EnsureManagedWorkflows(ctx));
  ListSpec spec;
  spec.kind = "workflow";
  spec.operation = "ListWorkflows";
  spec.filters = {{"name", DocFieldFilter("name")}, {"type", TypeFilter()}};
  spec.one_per_version = true;
  spec.shared_action = "imagebuilder:ListWorkflows";
  KILN_ASSIGN_OR_RETURN(auto page, ListResources(ctx, input, spec));
  Json rows = Json::array();
  for (const auto& r : page.items) {
    Json row = Project(r.doc, {"name", "version", "description", "type", "owner", "dateCreated"});
    auto a = ParseArn(r.arn);
    row["arn"] = a.ok() ? a->WithoutBuild().ToString() : r.arn;  // the version ARN
    rows.push_back(std::move(row));
  }
  Json out = {{"workflowVersionList", rows}};
  if (!page.next_token.empty()) out["nextToken"] = page.next_token;
  return out;
}

Result<Json> ListWorkflowBuildVersions(OperationContext& ctx, const Json& input) {
  KILN_RETURN_IF_ERROR(EnsureManagedWorkflows(ctx));
  const std::string text = input.value("workflowVersionArn", "");
  KILN_ASSIGN_OR_RETURN(Arn ref, ParseResourceArn(text, "workflowVersionArn", "workflow",
                                                  ArnLevel::kPattern));
  if (ref.build) return InvalidParameterValue("workflowVersionArn must not name a build: " + text);
  if (ref.region != ctx.caller.region) return ResourceNotFound(text);
  if (ref.account != ctx.caller.account_id && ref.account != "aws")
    return Forbidden("You must own the workflow to list its build versions: " + text);
  auto pattern = ParseVersionPattern(ref.version);
  ListSpec spec;
  spec.kind = "workflow";
  spec.operation = "ListWorkflowBuildVersions";
  spec.account = ref.account;
  spec.name = ref.name;
  if (pattern->IsConcrete()) spec.version = ref.version;
  const std::string wtype = ref.workflow_type;
  VersionPattern pat = *pattern;
  spec.include = [wtype, pat](const store::Resource& r) {
    auto a = ParseArn(r.arn);
    auto v = ParseSemVer(r.version);
    return a.ok() && a->workflow_type == wtype && v.ok() && pat.Matches(*v);
  };
  Json in = input;
  in.erase("workflowVersionArn");
  KILN_ASSIGN_OR_RETURN(auto page, ListResources(ctx, in, spec));
  Json rows = Json::array();
  for (const auto& r : page.items)
    rows.push_back(Project(r.doc, {"arn", "name", "version", "description", "changeDescription",
                                   "type", "owner", "state", "dateCreated", "tags"}));
  Json out = {{"workflowSummaryList", rows}};
  if (!page.next_token.empty()) out["nextToken"] = page.next_token;
  return out;
}

// A workflow is in use while a pipeline names exactly it (its build or
// version ARN; wildcard references pin nothing) or a queued/running build
// resolved it.
Status CheckWorkflowUnused(store::Store& tx, const store::Resource& wf) {
  const std::string version_arn = ParseArn(wf.arn)->WithoutBuild().ToString();
  store::ListQuery q;
  q.kind = "image-pipeline";
  q.accounts = {wf.account};
  q.region = wf.region;
  q.limit = 500;
  KILN_RETURN_IF_ERROR(store::ForEachResource(tx, q, [&](const store::Resource& p) {
    for (const auto& w : p.doc.value("workflows", Json::array())) {
      std::string ref = w.value("workflowArn", "");
      if (ref == wf.arn || ref == version_arn) return ResourceDependency(wf.arn, p.arn);
    }
    return Status::Ok();
  }));
  for (const char* status : {"queued", "running"}) {
    store::ListQuery jq;
    jq.kind = "build-job";
    jq.accounts = {wf.account};
    jq.region = wf.region;
    jq.status = status;
    jq.limit = 500;
    KILN_ASSIGN_OR_RETURN(auto jobs, tx.List(jq));
    for (const auto& j : jobs.items)
      for (const auto& w : j.doc.value("workflows", Json::array()))
        if (w.value("workflowBuildVersionArn", "") == wf.arn)
          return ResourceDependency(wf.arn, j.doc.value("imageBuildVersionArn", j.arn));
  }
  return Status::Ok();
}

Result<Json> DeleteWorkflow(OperationContext& ctx, const Json& input) {
  const std::string text = input.value("workflowBuildVersionArn", "");
  KILN_RETURN_IF_ERROR(
      ParseResourceArn(text, "workflowBuildVersionArn", "workflow", ArnLevel::kBuild).status());
  KILN_RETURN_IF_ERROR(ctx.store->Transaction([&](store::Store& tx) -> Status {
    KILN_ASSIGN_OR_RETURN(auto r, LoadForWrite(ctx, text, kGetAction));
    KILN_RETURN_IF_ERROR(CheckWorkflowUnused(tx, r));
    return tx.Delete(r.arn);
  }));
  return Json{{"workflowBuildVersionArn", text}};
}

}  // namespace

void RegisterWorkflowOperations() {
  RegisterOperation("CreateWorkflow", CreateWorkflow);
  RegisterOperation("GetWorkflow", GetWorkflow);
  RegisterOperation("ListWorkflows", ListWorkflows);
  RegisterOperation("ListWorkflowBuildVersions", ListWorkflowBuildVersions);
  RegisterOperation("DeleteWorkflow", DeleteWorkflow);
  RegisterWorkflowExecutionHandlers();
}

}  // namespace kiln::api
