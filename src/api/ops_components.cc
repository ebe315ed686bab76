// Component operations: CreateComponent, ImportComponent, GetComponent,
// ListComponents, ListComponentBuildVersions, DeleteComponent,
// GetComponentPolicy, PutComponentPolicy (resources-api.md §2.1, §3.1).
#include "api/catalog.h"
#include "api/component_document.h"
#include "api/ops_resources.h"
#include "api/resource_ops.h"


namespace kiln::api {
namespace {

constexpr const char* kGet = "imagebuilder:GetComponent";
constexpr const char* kList = "imagebuilder:ListComponents";
// Documents of 64 KiB or more must come from S3 (guide L3083).
constexpr size_t kMaxInlineDocument = 64 * 1024;

// The document text from `data` or `uri` (exactly one).
Result<std::string> DocumentSource(const Json& input) {
  const bool has_data = input.contains("data") && input["data"].is_string();
  const bool has_uri = input.contains("uri") && input["uri"].is_string();
  if (has_data == has_uri) {
    return InvalidParameterCombination("Specify exactly one of 'data' (the document inline) or "
                                       "'uri' (an s3:// location of the document)");
  }
  if (has_uri) return FetchFromS3(input["uri"].get<std::string>(), "uri");
  const std::string data = input["data"].get<std::string>();
  if (data.size() >= kMaxInlineDocument) {
    return InvalidParameterValue("data: documents of 64 KB or more must be stored in Amazon S3 "
                                 "and passed with 'uri' (this one is " +
                                 std::to_string(data.size()) + " bytes)");
  }
  return data;
}

// ResourceAlreadyExists when the version exists, or when another component
// name maps to the same ARN slug.
Status CheckComponentIsNew(store::Store& s, const store::Resource& r) {
  store::ListQuery q;
  q.kind = "component";
  q.accounts = {r.account};
  q.region = r.region;
  q.name = r.name;
  q.limit = 1;
  KILN_ASSIGN_OR_RETURN(auto any, s.List(q));
  if (!any.items.empty() && any.items[0].doc.value("name", "") != r.doc.value("name", "")) {
    return ResourceAlreadyExists(any.items[0].arn + " (the name '" +
                                 r.doc.value("name", "") + "' has the same ARN name as '" +
                                 any.items[0].doc.value("name", "") + "')");
  }
  q.version = r.version;
  KILN_ASSIGN_OR_RETURN(auto same, s.List(q));
  if (!same.items.empty()) return ResourceAlreadyExists(Arn(*ParseArn(r.arn)).WithoutBuild().ToString());
  return Status::Ok();
}

// Shared tail of CreateComponent and ImportComponent.
Result<Json> StoreNewComponent(OperationContext& ctx, const std::string& op, const Json& input,
                               const std::string& data, const std::string& field) {
  KILN_RETURN_IF_ERROR(CheckCreateVersion(input.value("semanticVersion", "")));
  KILN_RETURN_IF_ERROR(ValidateTags(input.value("tags", Json()), "tags"));
  KILN_ASSIGN_OR_RETURN(auto r, MakeComponentResource(ctx.caller.account_id, ctx.caller.region,
                                                      input, data, field));
  if (input.value("dryRun", false)) {
    KILN_RETURN_IF_ERROR(CheckComponentIsNew(*ctx.store, r));
    return DryRunSucceeded(op);
  }
  return RunIdempotent(ctx, op, input, [&](store::Store& tx) -> Result<Json> {
    KILN_RETURN_IF_ERROR(CheckComponentIsNew(tx, r));
    KILN_RETURN_IF_ERROR(tx.Insert(r));
    KILN_ASSIGN_OR_RETURN(Json refs, LatestVersionReferences(ctx, r));
    Json out = {{"componentBuildVersionArn", r.arn}};
    if (!refs.empty()) out["latestVersionReferences"] = refs;
    return out;
  });
}

Result<Json> CreateComponent(OperationContext& ctx, const Json& input) {
  KILN_ASSIGN_OR_RETURN(std::string data, DocumentSource(input));
  Json in = input;
  in.erase("type");  // derived from the document, never taken from the request
  return StoreNewComponent(ctx, "CreateComponent", in, data, "data");
}

// ImportComponent wraps a shell script into an AWSTOE document: one step
// running it with ExecuteBash (Linux, macOS) or ExecutePowerShell (Windows)
// in the phase the requested type runs (build for BUILD, test for TEST).
Result<Json> ImportComponent(OperationContext& ctx, const Json& input) {
  if (input.value("format", "SHELL") != "SHELL") {
    return InvalidParameterValue("format: only SHELL is supported (got '" +
                                 input.value("format", "") + "')");
  }
  KILN_ASSIGN_OR_RETURN(std::string script, DocumentSource(input));
  const std::string type = input.value("type", "BUILD");
  const std::string platform = input.value("platform", "Linux");
  const std::string action = platform == "Windows" ? "ExecutePowerShell" : "ExecuteBash";
  Json doc = {{"name", input.value("name", "")},
              {"schemaVersion", "1.0"},
              {"phases",
               {{{"name", type == "TEST" ? "test" : "build"},
                 {"steps",
                  {{{"name", "ImportedScript"},
                    {"action", action},
                    {"inputs", {{"commands", Json::array({script})}}}}}}}}}};
  if (input.contains("description")) doc["description"] = input["description"];
  // JSON is YAML: kiln-toe reads the document either way.
  return StoreNewComponent(ctx, "ImportComponent", input, doc.dump(2), "data");
}

Json ComponentOutput(const store::Resource& r) {
  Json c = r.doc;
  if (!c.contains("tags")) c["tags"] = Json::object();
  return c;
}

Result<Json> GetComponent(OperationContext& ctx, const Json& input) {
  KILN_RETURN_IF_ERROR(EnsureManagedCatalog(ctx));
  const std::string text = input.value("componentBuildVersionArn", "");
  KILN_ASSIGN_OR_RETURN(Arn arn, ParseResourceArn(text, "componentBuildVersionArn", "component",
                                                  ArnLevel::kPattern));
  ResolveOptions opts;
  opts.read_action = kGet;
  opts.candidate = [](const store::Resource&) { return true; };  // Get may read DISABLED ones
  KILN_ASSIGN_OR_RETURN(auto r, ResolveVersioned(ctx, arn, opts));
  KILN_ASSIGN_OR_RETURN(Json refs, LatestVersionReferences(ctx, r));
  Json out = {{"component", ComponentOutput(r)}};
  if (!refs.empty()) out["latestVersionReferences"] = refs;
  return out;
}

std::map<std::string, FilterFn> ComponentFilters() {
  return {{"description", DocFieldFilter("description")},
          {"name", DocFieldFilter("name")},
          {"platform", DocFieldFilter("platform")},
          {"supportedOsVersion", DocFieldFilter("supportedOsVersions")},
          {"type", DocFieldFilter("type")},
          {"version", DocFieldFilter("version")}};
}

Result<Json> ListComponents(OperationContext& ctx, const Json& input) {
  KILN_RETURN_IF_ERROR(EnsureManagedCatalog(ctx));
  ListSpec spec;
  spec.kind = "component";
  spec.operation = "ListComponents";
  spec.filters = ComponentFilters();
  spec.one_per_version = true;
  spec.shared_action = kList;
  KILN_ASSIGN_OR_RETURN(auto page, ListResources(ctx, input, spec));
  static const std::vector<std::string> kFields = {
      "name", "version", "description", "platform", "supportedOsVersions",
      "type", "owner", "dateCreated", "productCodes"};
  Json rows = Json::array();
  for (auto& r : page.items) {
    // Project(r.doc, kFields), but moving the values: the page is ours.
    Json row = Json::object();
    for (const auto& f : kFields) {
      if (!r.doc.is_object()) break;
      auto it = r.doc.find(f);
      if (it != r.doc.end() && !it->is_null()) row[f] = std::move(*it);
    }
    // A version row: the stored build ARN ".../1.0.0/1" without "/1".
    row["arn"] = r.build > 0 ? r.arn.substr(0, r.arn.rfind('/'))
                             : ParseArn(r.arn)->WithoutBuild().ToString();
    row["status"] = r.doc.value("state", Json::object()).value("status", "ACTIVE");
    rows.push_back(std::move(row));
  }
  Json out = {{"componentVersionList", std::move(rows)}};
  if (!page.next_token.empty()) out["nextToken"] = page.next_token;
  return out;
}

Result<Json> ListComponentBuildVersions(OperationContext& ctx, const Json& input) {
  KILN_RETURN_IF_ERROR(EnsureManagedCatalog(ctx));
  ListSpec spec;
  spec.kind = "component";
  spec.operation = "ListComponentBuildVersions";
  spec.shared_action = kList;
  if (input.contains("componentVersionArn")) {
    KILN_ASSIGN_OR_RETURN(Arn arn, ParseResourceArn(input.value("componentVersionArn", ""),
                                                    "componentVersionArn", "component",
                                                    ArnLevel::kVersion));
    if (arn.region != ctx.caller.region) return ResourceNotFound(arn.ToString());
    spec.account = arn.account;
    spec.name = arn.name;
    spec.version = arn.version;
    // Builds of someone else's component: only those shared with the caller.
    spec.include = [&ctx](const store::Resource& r) {
      auto ok = CanRead(ctx, r, kList);
      return ok.ok() && *ok;
    };
  }
  KILN_ASSIGN_OR_RETURN(auto page, ListResources(ctx, input, spec));
  Json rows = Json::array();
  for (const auto& r : page.items) {
    Json row = Project(r.doc, {"arn", "name", "version", "platform", "supportedOsVersions", "state",
                               "type", "owner", "description", "changeDescription",
                               "dateCreated", "tags", "publisher", "obfuscate"});
    rows.push_back(row);
  }
  Json out = {{"componentSummaryList", rows}};
  if (!page.next_token.empty()) out["nextToken"] = page.next_token;
  return out;
}

Result<Json> DeleteComponent(OperationContext& ctx, const Json& input) {
  const std::string text = input.value("componentBuildVersionArn", "");
  KILN_RETURN_IF_ERROR(
      ParseResourceArn(text, "componentBuildVersionArn", "component", ArnLevel::kBuild).status());
  KILN_RETURN_IF_ERROR(ctx.store->Transaction([&](store::Store& tx) -> Status {
    KILN_ASSIGN_OR_RETURN(auto r, LoadForWrite(ctx, text, kGet));
    // Recipes may still reference it: the guide allows the delete and warns
    // that later builds fail (L13139). Sharing blocks it (L12934).
    KILN_RETURN_IF_ERROR(ReleaseForDelete(tx, r));
    return tx.Delete(r.arn);
  }));
  return Json{{"componentBuildVersionArn", text}};
}

// Component policies attach to a build version; a version ARN means its
// latest build (guide L1600-1603 uses one).
Result<store::Resource> PolicyTarget(OperationContext& ctx, const std::string& text) {
  KILN_ASSIGN_OR_RETURN(Arn arn, ParseResourceArn(text, "componentArn", "component",
                                                  ArnLevel::kVersionOrBuild));
  ResolveOptions opts;
  opts.read_action = kGet;
  KILN_ASSIGN_OR_RETURN(auto r, ResolveVersioned(ctx, arn, opts));
  return LoadForWrite(ctx, r.arn, kGet);
}

Result<Json> GetComponentPolicy(OperationContext& ctx, const Json& input) {
  KILN_ASSIGN_OR_RETURN(auto r, PolicyTarget(ctx, input.value("componentArn", "")));
  KILN_ASSIGN_OR_RETURN(auto policy, GetResourcePolicy(*ctx.store, r));
  return Json{{"policy", policy}};
}

Result<Json> PutComponentPolicy(OperationContext& ctx, const Json& input) {
  KILN_RETURN_IF_ERROR(ctx.store->Transaction([&](store::Store& tx) -> Status {
    KILN_ASSIGN_OR_RETURN(auto r, PolicyTarget(ctx, input.value("componentArn", "")));
    return PutResourcePolicy(tx, r, input.value("policy", ""));
  }));
  return Json{{"componentArn", input.value("componentArn", "")}};
}

}  // namespace

void RegisterComponentHandlers() {
  RegisterOperation("CreateComponent", CreateComponent);
  RegisterOperation("ImportComponent", ImportComponent);
  RegisterOperation("GetComponent", GetComponent);
  RegisterOperation("ListComponents", ListComponents);
  RegisterOperation("ListComponentBuildVersions", ListComponentBuildVersions);
  RegisterOperation("DeleteComponent", DeleteComponent);
  RegisterOperation("GetComponentPolicy", GetComponentPolicy);
  RegisterOperation("PutComponentPolicy", PutComponentPolicy);
}

}  // namespace kiln::api
