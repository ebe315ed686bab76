#include "api/recipe_common.h"

#include <set>

#include "api/catalog.h"
#include "common/time.h"

namespace kiln::api {

bool ImageInProgress(const store::Resource& image) {
  static const std::set<std::string> kMoving = {"PENDING", "CREATING", "BUILDING", "TESTING",
                                                "DISTRIBUTING", "INTEGRATING"};
  std::string status = image.status;
  if (status.empty()) status = image.doc.value("state", Json::object()).value("status", "");
  return kMoving.count(status) > 0;
}

Result<std::string> CheckRecipeComponents(OperationContext& ctx, const Json& components,
                                          const std::string& platform) {
  if (!components.is_array() || components.empty()) {
    return InvalidParameterValue("components: at least one build component must be specified");
  }
  if (components.size() > 20) {
    return ServiceQuotaExceeded("components: a recipe may have at most 20 components (got " +
                                std::to_string(components.size()) + ")");
  }
  KILN_RETURN_IF_ERROR(EnsureManagedCatalog(ctx));
  std::string shared_platform = platform;
  bool any_build = false;
  for (size_t i = 0; i < components.size(); ++i) {
    const Json& c = components[i];
    const std::string where = "components[" + std::to_string(i) + "]";
    KILN_ASSIGN_OR_RETURN(Arn arn, ParseResourceArn(c.value("componentArn", ""),
                                                    where + ".componentArn", "component",
                                                    ArnLevel::kPattern));
    ResolveOptions opts;
    opts.read_action = "imagebuilder:GetComponent";
    auto resolved = ResolveVersioned(ctx, arn, opts);
    if (!resolved.ok()) return resolved.status().Prefixed(where + ".componentArn");
    const Json& doc = resolved->doc;
    if (doc.value("type", "BUILD") == "BUILD") any_build = true;
    const std::string p = doc.value("platform", "");
    if (shared_platform.empty()) shared_platform = p;
    if (!p.empty() && p != shared_platform) {
      return InvalidParameterValue(where + ": component " + resolved->arn + " is for " + p +
                                   " but the recipe is for " + shared_platform);
    }
    // Parameters: names must exist; those without a default must be given.
    std::map<std::string, Json> known;
    for (const auto& d : doc.value("parameters", Json::array())) known[d.value("name", "")] = d;
    std::set<std::string> given;
    for (const auto& param : c.value("parameters", Json::array())) {
      const std::string name = param.value("name", "");
      if (!known.count(name)) {
        return InvalidParameterValue(where + ".parameters: component " + resolved->arn +
                                     " has no parameter '" + name + "'");
      }
      if (!given.insert(name).second) {
        return InvalidParameterValue(where + ".parameters: parameter '" + name +
                                     "' is given twice");
      }
    }
    for (const auto& [name, detail] : known) {
      if (!detail.contains("defaultValue") && !given.count(name)) {
        return InvalidParameterValue(where + ": missing required parameter '" + name +
                                     "' for component " + resolved->arn);
      }
    }
  }
  if (!any_build) {
    return InvalidParameterValue("components: at least one build component must be specified "
                                 "(all components given are TEST components)");
  }
  return shared_platform;
}

namespace {

Result<store::Resource> ResolveRecipe(OperationContext& ctx, const RecipeKind& k,
                                      const std::string& text, ArnLevel level) {
  KILN_ASSIGN_OR_RETURN(Arn arn, ParseResourceArn(text, k.arn_member, k.kind, level));
  if (arn.build) return InvalidParameterValue(k.arn_member + ": a recipe ARN has no build number: " + text);
  ResolveOptions opts;
  opts.read_action = k.get_action;
  return ResolveVersioned(ctx, arn, opts);
}

}  // namespace

Result<Json> CreateRecipe(OperationContext& ctx, const RecipeKind& k, const Json& input, Json doc) {
  const std::string name = input.value("name", "");
  const std::string version = input.value("semanticVersion", "");
  KILN_RETURN_IF_ERROR(CheckCreateVersion(version));
  KILN_RETURN_IF_ERROR(ValidateTags(input.value("tags", Json()), "tags"));
  store::Resource r;
  r.kind = k.kind;
  r.arn = BuildArn(ctx, k.kind, name, version);
  r.account = ctx.caller.account_id;
  r.region = ctx.caller.region;
  r.name = ArnSlug(name);
  r.version = version;
  r.created_ms = r.updated_ms = NowMillis();
  doc["arn"] = r.arn;
  doc["name"] = name;
  doc["version"] = version;
  doc["owner"] = OwnerDisplay(r.account);
  doc["dateCreated"] = FormatIso8601(r.created_ms);
  doc["tags"] = input.value("tags", Json::object());
  if (doc["tags"].is_null()) doc["tags"] = Json::object();
  CopyFields(input, {"description"}, doc);
  r.doc = std::move(doc);
  return RunIdempotent(ctx, "Create" + k.noun, input, [&](store::Store& tx) -> Result<Json> {
    store::ListQuery q;
    q.kind = k.kind;
    q.accounts = {r.account};
    q.region = r.region;
    q.name = r.name;
    q.limit = 1;
    KILN_ASSIGN_OR_RETURN(auto any, tx.List(q));
    if (!any.items.empty() && any.items[0].doc.value("name", "") != name) {
      return ResourceAlreadyExists(any.items[0].arn + " (the name '" + name +
                                   "' has the same ARN name as '" +
                                   any.items[0].doc.value("name", "") + "')");
    }
    q.version = version;
    KILN_ASSIGN_OR_RETURN(auto same, tx.List(q));
    if (!same.items.empty()) return ResourceAlreadyExists(same.items[0].arn);
    KILN_RETURN_IF_ERROR(tx.Insert(r));
    KILN_ASSIGN_OR_RETURN(Json refs, LatestVersionReferences(ctx, r));
    Json out = {{k.arn_member, r.arn}};
    if (!refs.empty()) out["latestVersionReferences"] = refs;
    return out;
  });
}

Result<Json> GetRecipe(OperationContext& ctx, const RecipeKind& k, const Json& input) {
  KILN_ASSIGN_OR_RETURN(auto r, ResolveRecipe(ctx, k, input.value(k.arn_member, ""), ArnLevel::kPattern));
  KILN_ASSIGN_OR_RETURN(Json refs, LatestVersionReferences(ctx, r));
  Json out = {{k.output_key, r.doc}};
  if (!refs.empty()) out["latestVersionReferences"] = refs;
  return out;
}

Result<Json> ListRecipes(OperationContext& ctx, const RecipeKind& k, const Json& input) {
  ListSpec spec;
  spec.kind = k.kind;
  spec.operation = "List" + k.noun + "s";
  spec.filters = k.filters;
  spec.shared_action = k.list_action;
  KILN_ASSIGN_OR_RETURN(auto page, ListResources(ctx, input, spec));
  Json rows = Json::array();
  for (const auto& r : page.items) {
    Json row = Project(r.doc, k.summary_fields);
    if (k.kind == "container-recipe" && r.doc.contains("instanceConfiguration") &&
        r.doc["instanceConfiguration"].contains("image")) {
      row["instanceImage"] = r.doc["instanceConfiguration"]["image"];
    }
    rows.push_back(row);
  }
  Json out = {{k.list_key, rows}};
  if (!page.next_token.empty()) out["nextToken"] = page.next_token;
  return out;
}

Result<Json> DeleteRecipe(OperationContext& ctx, const RecipeKind& k, const Json& input) {
  const std::string text = input.value(k.arn_member, "");
  KILN_RETURN_IF_ERROR(ParseResourceArn(text, k.arn_member, k.kind, ArnLevel::kVersion).status());
  KILN_RETURN_IF_ERROR(ctx.store->Transaction([&](store::Store& tx) -> Status {
    KILN_ASSIGN_OR_RETURN(auto r, LoadForWrite(ctx, text, k.get_action));
    KILN_RETURN_IF_ERROR(CheckNotReferenced(tx, r, "image-pipeline", {k.arn_member}));
    KILN_RETURN_IF_ERROR(CheckNotReferenced(tx, r, "image", {k.output_key + ".arn", k.arn_member},
                                            ImageInProgress));
    KILN_RETURN_IF_ERROR(ReleaseForDelete(tx, r));
    return tx.Delete(r.arn);
  }));
  return Json{{k.arn_member, text}};
}

Result<Json> GetRecipePolicy(OperationContext& ctx, const RecipeKind& k, const Json& input) {
  const std::string text = input.value(k.arn_member, "");
  KILN_RETURN_IF_ERROR(ParseResourceArn(text, k.arn_member, k.kind, ArnLevel::kVersion).status());
  KILN_ASSIGN_OR_RETURN(auto r, LoadForWrite(ctx, text, k.get_action));
  KILN_ASSIGN_OR_RETURN(auto policy, GetResourcePolicy(*ctx.store, r));
  return Json{{"policy", policy}};
}

Result<Json> PutRecipePolicy(OperationContext& ctx, const RecipeKind& k, const Json& input) {
  const std::string text = input.value(k.arn_member, "");
  KILN_RETURN_IF_ERROR(ParseResourceArn(text, k.arn_member, k.kind, ArnLevel::kVersion).status());
  KILN_RETURN_IF_ERROR(ctx.store->Transaction([&](store::Store& tx) -> Status {
    KILN_ASSIGN_OR_RETURN(auto r, LoadForWrite(ctx, text, k.get_action));
    return PutResourcePolicy(tx, r, input.value("policy", ""));
  }));
  return Json{{k.arn_member, text}};
}

void RegisterRecipeOperations(const RecipeKind& k, OperationHandler create) {
  RegisterOperation("Create" + k.noun, std::move(create));
  RegisterOperation("Get" + k.noun, [k](OperationContext& c, const Json& in) { return GetRecipe(c, k, in); });
  RegisterOperation("List" + k.noun + "s", [k](OperationContext& c, const Json& in) { return ListRecipes(c, k, in); });
  RegisterOperation("Delete" + k.noun, [k](OperationContext& c, const Json& in) { return DeleteRecipe(c, k, in); });
  RegisterOperation("Get" + k.noun + "Policy", [k](OperationContext& c, const Json& in) { return GetRecipePolicy(c, k, in); });
  RegisterOperation("Put" + k.noun + "Policy", [k](OperationContext& c, const Json& in) { return PutRecipePolicy(c, k, in); });
}

}  // namespace kiln::api
