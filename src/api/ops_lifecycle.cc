// Lifecycle operations (workflows-pipelines-lifecycle.md §5):
// CreateLifecyclePolicy, UpdateLifecyclePolicy, GetLifecyclePolicy,
// ListLifecyclePolicies, DeleteLifecyclePolicy, StartResourceStateUpdate,
// GetLifecycleExecution, ListLifecycleExecutions,
// ListLifecycleExecutionResources, CancelLifecycleExecution.
//
// Policies are validated (engine/lifecycle.h) and stored; running them on
// their schedule is the engine's job. StartResourceStateUpdate changes an
// image's state now and records a lifecycle execution for it.
#include "api/build_records.h"
#include "api/resource_ops.h"
#include "common/time.h"
#include "engine/lifecycle.h"

namespace kiln::api {
namespace {

const std::vector<std::string> kPolicyMembers = {"description", "executionRole", "resourceType",
                                                 "policyDetails", "resourceSelection"};

Status CheckPolicy(const Json& input) {
  auto spec = engine::ParseLifecyclePolicy(input);
  if (!spec.ok()) return InvalidParameterValue(spec.status().message());
  for (const auto& d : input.value("policyDetails", Json::array())) {
    const Json& ex = d.value("exclusionRules", Json::object());
    if (ex.contains("tagMap")) KILN_RETURN_IF_ERROR(ValidateTags(ex["tagMap"], "exclusionRules.tagMap"));
  }
  const Json& sel = input.value("resourceSelection", Json::object());
  if (sel.contains("tagMap")) KILN_RETURN_IF_ERROR(ValidateTags(sel["tagMap"], "resourceSelection.tagMap"));
  return Status::Ok();
}

Result<Json> CreateLifecyclePolicy(OperationContext& ctx, const Json& input) {
  const std::string name = input.value("name", "");
  const std::string arn = BuildArn(ctx, "lifecycle-policy", name);
  KILN_RETURN_IF_ERROR(CheckPolicy(input));
  if (input.contains("tags")) KILN_RETURN_IF_ERROR(ValidateTags(input["tags"], "tags"));
  return RunIdempotent(ctx, "CreateLifecyclePolicy", input, [&](store::Store& tx) -> Result<Json> {
    store::Resource r;
    r.arn = arn;
    r.kind = "lifecycle-policy";
    r.account = ctx.caller.account_id;
    r.region = ctx.caller.region;
    r.name = ArnSlug(name);
    r.created_ms = r.updated_ms = NowMillis();
    Json d = {{"arn", arn},
              {"name", name},
              {"status", input.value("status", "ENABLED")},
              {"dateCreated", FormatIso8601(r.created_ms)},
              {"tags", input.value("tags", Json::object())}};
    CopyFields(input, kPolicyMembers, d);
    r.status = d["status"];
    r.doc = std::move(d);
    Status s = tx.Insert(r);
    if (s.code() == Code::kAlreadyExists) return ResourceAlreadyExists(arn);
    KILN_RETURN_IF_ERROR(s);
    return Json{{"lifecyclePolicyArn", arn}};
  });
}

Result<Json> UpdateLifecyclePolicy(OperationContext& ctx, const Json& input) {
  const std::string arn = input.value("lifecyclePolicyArn", "");
  KILN_RETURN_IF_ERROR(ParseResourceArn(arn, "lifecyclePolicyArn", "lifecycle-policy", ArnLevel::kUnversioned).status());
  KILN_RETURN_IF_ERROR(CheckPolicy(input));
  return RunIdempotent(ctx, "UpdateLifecyclePolicy", input, [&](store::Store& tx) -> Result<Json> {
    KILN_ASSIGN_OR_RETURN(auto r, LoadForWrite(ctx, arn, ""));
    // The whole policy is replaced; identity, tags and run history stay.
    Json d = Json::object();
    for (const char* keep : {"arn", "name", "dateCreated", "tags", "dateLastRun"})
      if (r.doc.contains(keep)) d[keep] = r.doc[keep];
    CopyFields(input, kPolicyMembers, d);
    d["status"] = input.value("status", "ENABLED");
    r.updated_ms = NowMillis();
    d["dateUpdated"] = FormatIso8601(r.updated_ms);
    r.status = d["status"];
    r.doc = std::move(d);
    KILN_RETURN_IF_ERROR(tx.Update(r));
    return Json{{"lifecyclePolicyArn", arn}};
  });
}

Result<Json> GetLifecyclePolicy(OperationContext& ctx, const Json& input) {
  const std::string arn = input.value("lifecyclePolicyArn", "");
  KILN_RETURN_IF_ERROR(ParseResourceArn(arn, "lifecyclePolicyArn", "lifecycle-policy", ArnLevel::kUnversioned).status());
  KILN_ASSIGN_OR_RETURN(auto r, LoadForRead(ctx, arn, ""));
  return Json{{"lifecyclePolicy", r.doc}};
}

Result<Json> ListLifecyclePolicies(OperationContext& ctx, const Json& input) {
  ListSpec spec;
  spec.kind = "lifecycle-policy";
  spec.operation = "ListLifecyclePolicies";
  for (const char* f : {"name", "status", "resourceType"}) spec.filters[f] = DocFieldFilter(f);
  KILN_ASSIGN_OR_RETURN(auto page, ListResources(ctx, input, spec));
  Json rows = Json::array();
  for (const auto& r : page.items)
    rows.push_back(Project(r.doc, {"arn", "name", "description", "status", "executionRole",
                                   "resourceType", "dateCreated", "dateUpdated", "dateLastRun",
                                   "tags"}));
  Json out = {{"lifecyclePolicySummaryList", rows}};
  if (!page.next_token.empty()) out["nextToken"] = page.next_token;
  return out;
}

Result<Json> DeleteLifecyclePolicy(OperationContext& ctx, const Json& input) {
  const std::string arn = input.value("lifecyclePolicyArn", "");
  KILN_RETURN_IF_ERROR(ParseResourceArn(arn, "lifecyclePolicyArn", "lifecycle-policy", ArnLevel::kUnversioned).status());
  KILN_RETURN_IF_ERROR(ctx.store->Transaction([&](store::Store& tx) -> Status {
    KILN_ASSIGN_OR_RETURN(auto r, LoadForWrite(ctx, arn, ""));
    store::ListQuery q;
    q.kind = "lifecycle-execution";
    q.accounts = {r.account};
    q.region = r.region;
    q.parent = arn;
    q.status = "IN_PROGRESS";
    q.limit = 1;
    KILN_ASSIGN_OR_RETURN(auto running, tx.List(q));
    if (!running.items.empty()) return ResourceDependency(arn, running.items[0].arn);
    return tx.Delete(arn);
  }));
  return Json{{"lifecyclePolicyArn", arn}};
}

std::string ActionFor(const std::string& status) {
  if (status == "DEPRECATED") return "DEPRECATE";
  if (status == "DISABLED") return "DISABLE";
  if (status == "DELETED") return "DELETE";
  return "AVAILABLE";
}

Result<Json> StartResourceStateUpdate(OperationContext& ctx, const Json& input) {
  const std::string arn = input.value("resourceArn", "");
  KILN_RETURN_IF_ERROR(ParseResourceArn(arn, "resourceArn", "image", ArnLevel::kBuild).status());
  const std::string target = input.value("state", Json::object()).value("status", "");
  if (target != "AVAILABLE" && target != "DEPRECATED" && target != "DISABLED" && target != "DELETED")
    return InvalidParameterValue("state.status must be AVAILABLE, DEPRECATED, DISABLED or DELETED");
  if (input.contains("updateAt")) {
    const Json& at = input["updateAt"];
    double secs = at.is_number() ? at.get<double>() : 0;
    if (at.is_number() && secs * 1000 > NowMillis() + 60000)
      return Status::Unimplemented("updateAt in the future is not supported yet (the scheduler "
                                   "that would apply it later is not built); omit updateAt to "
                                   "update the image now");
  }
  return RunIdempotent(ctx, "StartResourceStateUpdate", input, [&](store::Store& tx) -> Result<Json> {
    KILN_ASSIGN_OR_RETURN(auto img, LoadForWrite(ctx, arn, "imagebuilder:GetImage"));
    const std::string was = ImageStatus(img);
    if (ImageBuilding(was) || was == "FAILED" || was == "CANCELLED")
      return ResourceInUse("Image " + arn + " is " + was +
                           "; only AVAILABLE, DEPRECATED, DISABLED or DELETED images change state");
    if (was == "DELETED" && target != "DELETED")
      return ResourceInUse("Image " + arn + " is DELETED and cannot be restored");
    const std::string id = "lce-" + NewUuid();
    const int64_t now = NowMillis();
    SetImageStatus(img, target);
    img.doc["lifecycleExecutionId"] = id;
    if (target == "DEPRECATED") img.doc["deprecationTime"] = FormatIso8601(now);
    if (target == "AVAILABLE") img.doc.erase("deprecationTime");
    KILN_RETURN_IF_ERROR(tx.CompareAndUpdate(img, was));

    // Kiln images have no AMIs, snapshots or registry images of their own
    // yet (outputResources comes from distribution), so the execution
    // records the image resource alone.
    store::Resource exec;
    exec.arn = id;
    exec.kind = "lifecycle-execution";
    exec.account = ctx.caller.account_id;
    exec.region = ctx.caller.region;
    exec.name = FormatIso8601(now);
    exec.parent = arn;
    exec.status = "SUCCESS";
    exec.created_ms = exec.updated_ms = now;
    Json resource = {{"accountId", img.account},
                     {"resourceId", arn},
                     {"region", img.region},
                     {"state", {{"status", "SUCCESS"}}},
                     {"action", {{"name", ActionFor(target)},
                                 {"reason", "StartResourceStateUpdate from " + was}}},
                     {"startTime", FormatIso8601(now)},
                     {"endTime", FormatIso8601(now)}};
    exec.doc = {{"lifecycleExecutionId", id},
                {"resourcesImpactedSummary", {{"hasImpactedResources", true}}},
                {"state", {{"status", "SUCCESS"}}},
                {"startTime", FormatIso8601(now)},
                {"endTime", FormatIso8601(now)},
                {"resources", Json::array({resource})}};
    KILN_RETURN_IF_ERROR(tx.Insert(exec));
    return Json{{"lifecycleExecutionId", id}, {"resourceArn", arn}};
  });
}

Result<store::Resource> LoadExecution(OperationContext& ctx, const std::string& id) {
  auto r = ctx.store->Get(id);
  if (!r.ok() || r->kind != "lifecycle-execution" || r->account != ctx.caller.account_id ||
      r->region != ctx.caller.region) {
    if (!r.ok() && r.status().code() != Code::kNotFound) return r.status();
    return ResourceNotFound(id);
  }
  return std::move(*r);
}

Json ExecutionOutput(const store::Resource& r) {
  Json d = r.doc;
  d.erase("resources");
  if (!r.parent.empty() && r.parent.find(":lifecycle-policy/") != std::string::npos)
    d["lifecyclePolicyArn"] = r.parent;
  return d;
}

Result<Json> GetLifecycleExecution(OperationContext& ctx, const Json& input) {
  KILN_ASSIGN_OR_RETURN(auto r, LoadExecution(ctx, input.value("lifecycleExecutionId", "")));
  return Json{{"lifecycleExecution", ExecutionOutput(r)}};
}

Result<Json> ListLifecycleExecutions(OperationContext& ctx, const Json& input) {
  const std::string arn = input.value("resourceArn", "");
  auto parsed = ParseArn(arn);
  if (!parsed.ok() || (parsed->type != "lifecycle-policy" && parsed->type != "image"))
    return InvalidParameterValue("resourceArn must be a lifecycle policy or image build version ARN: " + arn);
  KILN_RETURN_IF_ERROR(LoadForWrite(ctx, arn, "imagebuilder:GetImage").status());
  KILN_ASSIGN_OR_RETURN(auto page, ListChildren(ctx, "lifecycle-execution", arn, ctx.caller.account_id,
                                                input, "ListLifecycleExecutions"));
  Json rows = Json::array();
  for (const auto& r : page.items) rows.push_back(ExecutionOutput(r));
  Json out = {{"lifecycleExecutions", rows}};
  if (!page.next_token.empty()) out["nextToken"] = page.next_token;
  return out;
}

Result<Json> ListLifecycleExecutionResources(OperationContext& ctx, const Json& input) {
  KILN_ASSIGN_OR_RETURN(auto r, LoadExecution(ctx, input.value("lifecycleExecutionId", "")));
  Json all = r.doc.value("resources", Json::array());
  const std::string parent = input.value("parentResourceId", "");
  Json rows = Json::array();
  for (const auto& res : all)
    if (parent.empty() || res.value("resourceId", "") == parent) rows.push_back(res);
  if (!parent.empty() && rows.empty()) rows = Json::array();
  return Json{{"lifecycleExecutionId", r.arn},
              {"lifecycleExecutionState", r.doc.value("state", Json::object())},
              {"resources", rows}};
}

Result<Json> CancelLifecycleExecution(OperationContext& ctx, const Json& input) {
  const std::string id = input.value("lifecycleExecutionId", "");
  return RunIdempotent(ctx, "CancelLifecycleExecution", input, [&](store::Store& tx) -> Result<Json> {
    KILN_ASSIGN_OR_RETURN(auto r, LoadExecution(ctx, id));
    if (r.status != "IN_PROGRESS" && r.status != "PENDING")
      return ResourceInUse("Lifecycle execution " + id + " has finished (" + r.status +
                           "); only running executions can be cancelled");
    std::string was = r.status;
    r.status = "CANCELLING";
    r.doc["state"] = {{"status", "CANCELLING"}};
    KILN_RETURN_IF_ERROR(tx.CompareAndUpdate(r, was));
    return Json{{"lifecycleExecutionId", id}};
  });
}

}  // namespace

void RegisterLifecyclePolicyOperations() {
  RegisterOperation("CreateLifecyclePolicy", CreateLifecyclePolicy);
  RegisterOperation("UpdateLifecyclePolicy", UpdateLifecyclePolicy);
  RegisterOperation("GetLifecyclePolicy", GetLifecyclePolicy);
  RegisterOperation("ListLifecyclePolicies", ListLifecyclePolicies);
  RegisterOperation("DeleteLifecyclePolicy", DeleteLifecyclePolicy);
  RegisterOperation("StartResourceStateUpdate", StartResourceStateUpdate);
  RegisterOperation("GetLifecycleExecution", GetLifecycleExecution);
  RegisterOperation("ListLifecycleExecutions", ListLifecycleExecutions);
  RegisterOperation("ListLifecycleExecutionResources", ListLifecycleExecutionResources);
  RegisterOperation("CancelLifecycleExecution", CancelLifecycleExecution);
}

}  // namespace kiln::api
