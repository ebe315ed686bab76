#include "api/workflow_store.h"

#include <set>

#include "api/resource_ops.h"
#include "common/time.h"
#include "engine/managed_workflows.h"

namespace kiln::api {
namespace {

// Seeding writes one marker per region so later calls cost one read.
constexpr const char* kSeedSpace = "managed-workflows";

Json ParameterDetails(const engine::WorkflowDocument& doc) {
  Json out = Json::array();
  for (const auto& p : doc.parameters) {
    Json d = {{"name", p.name}, {"type", p.type}};
    if (!p.description.empty()) d["description"] = p.description;
    if (p.default_value) {
      // WorkflowParameterDetail.defaultValue is a list of strings.
      Json values = Json::array();
      const Json& v = *p.default_value;
      if (v.is_array()) values = v;
      else values.push_back(v.is_string() ? v.get<std::string>() : v.dump());
      d["defaultValue"] = values;
    }
    out.push_back(std::move(d));
  }
  return out;
}

Result<engine::WorkflowDocument> LoadDocument(const store::Resource& r) {
  auto type = engine::ParseWorkflowType(r.doc.value("type", ""));
  if (!type) return Status::Internal("stored workflow " + r.arn + " has no type");
  auto doc = engine::ParseWorkflowDocument(r.doc.value("data", ""), *type);
  if (!doc.ok()) return Status::Internal("stored workflow " + r.arn + ": " + doc.status().message());
  return doc;
}

}  // namespace

store::Resource MakeWorkflowResource(const std::string& account, const std::string& region,
                                     const std::string& arn, const Json& input,
                                     const engine::WorkflowDocument& doc, const std::string& text) {
  store::Resource r;
  r.arn = arn;
  r.kind = "workflow";
  r.account = account;
  r.region = region;
  r.name = ArnSlug(input.value("name", ""));
  r.version = input.value("semanticVersion", "");
  r.build = 1;
  r.created_ms = r.updated_ms = NowMillis();
  r.status = "ACTIVE";
  Json d = {{"arn", arn},
            {"name", input.value("name", "")},
            {"version", r.version},
            {"type", input.value("type", "")},
            {"state", {{"status", "ACTIVE"}}},
            {"owner", OwnerDisplay(account)},
            {"data", text},
            {"dateCreated", FormatIso8601(r.created_ms)},
            {"tags", input.contains("tags") && input["tags"].is_object() ? input["tags"] : Json::object()},
            {"parameters", ParameterDetails(doc)}};
  CopyFields(input, {"description", "changeDescription", "kmsKeyId"}, d);
  r.doc = std::move(d);
  return r;
}

Status EnsureManagedWorkflows(OperationContext& ctx) {
  KILN_ASSIGN_OR_RETURN(auto all, engine::ManagedWorkflows());
  std::string marker = std::string(engine::kManagedWorkflowVersion) + ":" + std::to_string(all.size());
  KILN_ASSIGN_OR_RETURN(auto seen, ctx.store->GetValue(kSeedSpace, ctx.caller.region));
  if (seen && *seen == marker) return Status::Ok();
  return ctx.store->Transaction([&](store::Store& tx) -> Status {
    for (const auto& w : all) {
      Arn a;
      a.region = ctx.caller.region;
      a.account = "aws";
      a.type = "workflow";
      std::string type = engine::WorkflowTypeName(w.type);
      for (auto& ch : type) ch = static_cast<char>(std::tolower(ch));
      a.workflow_type = type;
      a.name = w.name;
      a.version = w.version;
      a.build = 1;
      auto existing = tx.Get(a.ToString());
      if (existing.ok()) continue;
      if (existing.status().code() != Code::kNotFound) return existing.status();
      auto doc = engine::ParseWorkflowDocument(w.yaml, w.type);
      if (!doc.ok()) return Status::Internal("managed workflow " + w.name + ": " + doc.status().message());
      Json input = {{"name", w.name},
                    {"semanticVersion", w.version},
                    {"type", engine::WorkflowTypeName(w.type)},
                    {"description", w.description}};
      KILN_RETURN_IF_ERROR(tx.Insert(MakeWorkflowResource("aws", ctx.caller.region, a.ToString(),
                                                          input, *doc, w.yaml)));
    }
    return tx.PutValue(kSeedSpace, ctx.caller.region, marker);
  });
}

Result<std::vector<ResolvedWorkflow>> ResolveBuildWorkflows(OperationContext& ctx, const Json& input,
                                                            bool container) {
  KILN_RETURN_IF_ERROR(EnsureManagedWorkflows(ctx));
  std::vector<ResolvedWorkflow> out;
  const bool given = input.contains("workflows") && input["workflows"].is_array() &&
                     !input["workflows"].empty();
  if (!given) {
    // The managed defaults: build, then test (the engine skips the test
    // workflow when imageTestsEnabled is false).
    for (auto type : {engine::WorkflowType::kBuild, engine::WorkflowType::kTest}) {
      ResolvedWorkflow w;
      w.type = type;
      Arn a;
      a.region = ctx.caller.region;
      a.account = "aws";
      a.type = "workflow";
      a.workflow_type = type == engine::WorkflowType::kBuild ? "build" : "test";
      a.name = engine::DefaultWorkflowName(type, container);
      a.version = engine::kManagedWorkflowVersion;
      a.build = 1;
      w.workflow_arn = a.ToString();
      out.push_back(std::move(w));
    }
    return out;
  }
  if (input.value("executionRole", "").empty())
    return InvalidParameterCombination(
        "executionRole is required when workflows are given (the role the workflows run under)");
  int builds = 0, tests = 0;
  std::set<std::string> output_names;
  const Json& list = input["workflows"];
  for (size_t i = 0; i < list.size(); ++i) {
    const Json& cfg = list[i];
    std::string where = "workflows[" + std::to_string(i) + "]";
    std::string text = cfg.value("workflowArn", "");
    KILN_ASSIGN_OR_RETURN(Arn ref, ParseResourceArn(text, where + ".workflowArn", "workflow",
                                                    ArnLevel::kPattern));
    ResolveOptions opts;
    opts.read_action = "imagebuilder:GetWorkflow";
    auto row = ResolveVersioned(ctx, ref, opts);
    if (!row.ok()) return row.status().Prefixed(where + ".workflowArn");
    KILN_ASSIGN_OR_RETURN(engine::WorkflowDocument doc, LoadDocument(*row));
    ResolvedWorkflow w;
    w.workflow_arn = row->arn;
    w.type = *engine::ParseWorkflowType(row->doc.value("type", ""));
    w.parallel_group = cfg.value("parallelGroup", "");
    w.on_failure = cfg.value("onFailure", "ABORT");
    if (w.type == engine::WorkflowType::kBuild) {
      if (++builds > 1)
        return InvalidParameterValue(where + ": a build runs at most one BUILD workflow");
      if (!w.parallel_group.empty())
        return InvalidParameterValue(where + ".parallelGroup: only TEST workflows run in parallel groups");
    } else if (w.type == engine::WorkflowType::kTest) {
      if (++tests > 10) return InvalidParameterValue(where + ": a build runs at most 10 TEST workflows");
    } else if (!container) {
      return InvalidParameterValue(where + ": DISTRIBUTION workflows apply to container images only");
    }
    std::vector<engine::ParameterValue> values;
    if (cfg.contains("parameters") && cfg["parameters"].is_array()) {
      for (const Json& p : cfg["parameters"])
        values.push_back({p.value("name", ""), p.value("value", std::vector<std::string>{})});
    }
    auto bound = engine::BindWorkflowParameters(doc, values);
    if (!bound.ok())
      return InvalidParameterValue(where + " (" + row->arn + "): " + bound.status().message());
    w.parameters = *bound;
    for (const auto& o : doc.outputs)
      if (!output_names.insert(o.name).second)
        return InvalidParameterValue(where + " (" + row->arn + "): workflow output '" + o.name +
                                     "' is also declared by another workflow of this build; "
                                     "output names must be unique across the workflows");
    out.push_back(std::move(w));
  }
  return out;
}

Json ResolvedWorkflowsJson(const std::vector<ResolvedWorkflow>& workflows) {
  Json out = Json::array();
  for (const auto& w : workflows) {
    Json j = {{"workflowBuildVersionArn", w.workflow_arn},
              {"type", engine::WorkflowTypeName(w.type)},
              {"parameters", w.parameters},
              {"onFailure", w.on_failure}};
    if (!w.parallel_group.empty()) j["parallelGroup"] = w.parallel_group;
    out.push_back(std::move(j));
  }
  return out;
}

}  // namespace kiln::api
