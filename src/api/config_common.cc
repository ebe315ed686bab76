#include "api/config_common.h"

#include "api/recipe_common.h"
#include "common/time.h"

namespace kiln::api {
namespace {

Result<Json> Create(OperationContext& ctx, const ConfigKind& k, const Json& input) {
  const std::string name = input.value("name", "");
  KILN_RETURN_IF_ERROR(ValidateTags(input.value("tags", Json()), "tags"));
  Json doc = Json::object();
  CopyFields(input, k.fields, doc);
  if (k.complete) KILN_RETURN_IF_ERROR(k.complete(ctx, input, doc));
  store::Resource r;
  r.kind = k.kind;
  r.arn = BuildArn(ctx, k.kind, name);
  r.account = ctx.caller.account_id;
  r.region = ctx.caller.region;
  r.name = ArnSlug(name);
  r.created_ms = r.updated_ms = NowMillis();
  doc["arn"] = r.arn;
  doc["name"] = name;
  doc["dateCreated"] = FormatIso8601(r.created_ms);
  doc["tags"] = input.value("tags", Json::object());
  if (doc["tags"].is_null()) doc["tags"] = Json::object();
  r.doc = std::move(doc);
  return RunIdempotent(ctx, "Create" + k.noun, input, [&](store::Store& tx) -> Result<Json> {
    auto existing = tx.Get(r.arn);
    if (existing.ok()) return ResourceAlreadyExists(r.arn);
    if (existing.status().code() != Code::kNotFound) return existing.status();
    KILN_RETURN_IF_ERROR(tx.Insert(r));
    return Json{{k.arn_member, r.arn}};
  });
}

Result<Json> Update(OperationContext& ctx, const ConfigKind& k, const Json& input) {
  const std::string text = input.value(k.arn_member, "");
  KILN_RETURN_IF_ERROR(ParseResourceArn(text, k.arn_member, k.kind, ArnLevel::kUnversioned).status());
  return RunIdempotent(ctx, "Update" + k.noun, input, [&](store::Store& tx) -> Result<Json> {
    KILN_ASSIGN_OR_RETURN(auto r, LoadForWrite(ctx, text, ""));
    // Full replacement: members left out return to their defaults.
    Json doc = Json::object();
    CopyFields(input, k.fields, doc);
    doc.erase("name");
    if (k.complete) KILN_RETURN_IF_ERROR(k.complete(ctx, input, doc));
    for (const char* keep : {"arn", "name", "dateCreated", "tags"}) {
      if (r.doc.contains(keep)) doc[keep] = r.doc[keep];
    }
    r.updated_ms = NowMillis();
    doc["dateUpdated"] = FormatIso8601(r.updated_ms);
    r.doc = std::move(doc);
    KILN_RETURN_IF_ERROR(tx.Update(r));
    return Json{{k.arn_member, r.arn}};
  });
}

Result<Json> Get(OperationContext& ctx, const ConfigKind& k, const Json& input) {
  const std::string text = input.value(k.arn_member, "");
  KILN_RETURN_IF_ERROR(ParseResourceArn(text, k.arn_member, k.kind, ArnLevel::kUnversioned).status());
  KILN_ASSIGN_OR_RETURN(auto r, LoadForRead(ctx, text, ""));
  return Json{{k.output_key, r.doc}};
}

Result<Json> List(OperationContext& ctx, const ConfigKind& k, const Json& input) {
  ListSpec spec;
  spec.kind = k.kind;
  spec.operation = "List" + k.noun + "s";
  spec.filters = {{"name", DocFieldFilter("name")}};
  KILN_ASSIGN_OR_RETURN(auto page, ListResources(ctx, input, spec));
  Json rows = Json::array();
  for (const auto& r : page.items) {
    Json row = Project(r.doc, k.summary_fields);
    if (k.summarize) k.summarize(r.doc, row);
    rows.push_back(row);
  }
  Json out = {{k.list_key, rows}};
  if (!page.next_token.empty()) out["nextToken"] = page.next_token;
  return out;
}

Result<Json> Delete(OperationContext& ctx, const ConfigKind& k, const Json& input) {
  const std::string text = input.value(k.arn_member, "");
  KILN_RETURN_IF_ERROR(ParseResourceArn(text, k.arn_member, k.kind, ArnLevel::kUnversioned).status());
  KILN_RETURN_IF_ERROR(ctx.store->Transaction([&](store::Store& tx) -> Status {
    KILN_ASSIGN_OR_RETURN(auto r, LoadForWrite(ctx, text, ""));
    KILN_RETURN_IF_ERROR(CheckNotReferenced(tx, r, "image-pipeline", {k.arn_member}));
    KILN_RETURN_IF_ERROR(CheckNotReferenced(tx, r, "image", {k.output_key + ".arn", k.arn_member},
                                            ImageInProgress));
    return tx.Delete(r.arn);
  }));
  return Json{{k.arn_member, text}};
}

}  // namespace

void RegisterConfigOperations(const ConfigKind& k) {
  RegisterOperation("Create" + k.noun, [k](OperationContext& c, const Json& in) { return Create(c, k, in); });
  RegisterOperation("Get" + k.noun, [k](OperationContext& c, const Json& in) { return Get(c, k, in); });
  RegisterOperation("List" + k.noun + "s", [k](OperationContext& c, const Json& in) { return List(c, k, in); });
  RegisterOperation("Delete" + k.noun, [k](OperationContext& c, const Json& in) { return Delete(c, k, in); });
  if (k.kind == "infrastructure-configuration" || k.kind == "distribution-configuration") {
    RegisterOperation("Update" + k.noun, [k](OperationContext& c, const Json& in) { return Update(c, k, in); });
  }
}

}  // namespace kiln::api
