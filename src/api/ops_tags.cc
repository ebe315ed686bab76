// TagResource, UntagResource, ListTagsForResource for every taggable Image
// Builder resource (tags live in the stored doc, so resources other
// branches store work the same way), and GetMarketplaceResource.
#include "api/ops_resources.h"
#include "api/resource_ops.h"

namespace kiln::api {
namespace {

// The stored resource an ARN names. Versioned resources may be named by a
// version ARN (their latest build) as well as by their exact ARN.
Result<store::Resource> TagTarget(OperationContext& ctx, const std::string& text, bool write) {
  auto parsed = ParseArn(text);
  if (!parsed.ok()) {
    return InvalidParameter("resourceArn: " + parsed.status().message());
  }
  auto exact = ctx.store->Get(text);
  std::string arn = text;
  if (!exact.ok() && exact.status().code() == Code::kNotFound && !parsed->version.empty() &&
      !parsed->build) {
    auto resolved = ResolveVersioned(ctx, *parsed);
    if (resolved.ok()) arn = resolved->arn;
  }
  if (write) return LoadForWrite(ctx, arn, "");
  return LoadForRead(ctx, arn, "");
}

Result<Json> TagResource(OperationContext& ctx, const Json& input) {
  const Json& tags = input.value("tags", Json::object());
  KILN_RETURN_IF_ERROR(ValidateTags(tags, "tags", "InvalidParameterException"));
  KILN_RETURN_IF_ERROR(ctx.store->Transaction([&](store::Store& tx) -> Status {
    KILN_ASSIGN_OR_RETURN(auto r, TagTarget(ctx, input.value("resourceArn", ""), true));
    Json merged = r.doc.value("tags", Json::object());
    if (!merged.is_object()) merged = Json::object();
    for (const auto& [k, v] : tags.items()) merged[k] = v;
    if (merged.size() > 50) {
      return InvalidParameter("tags: a resource may have at most 50 tags (this request would "
                              "leave " + std::to_string(merged.size()) + ")");
    }
    r.doc["tags"] = merged;
    return tx.Update(r);
  }));
  return Json::object();
}

Result<Json> UntagResource(OperationContext& ctx, const Json& input) {
  KILN_RETURN_IF_ERROR(ctx.store->Transaction([&](store::Store& tx) -> Status {
    KILN_ASSIGN_OR_RETURN(auto r, TagTarget(ctx, input.value("resourceArn", ""), true));
    Json tags = r.doc.value("tags", Json::object());
    if (!tags.is_object()) tags = Json::object();
    for (const auto& key : input.value("tagKeys", Json::array())) {
      if (key.is_string()) tags.erase(key.get<std::string>());
    }
    r.doc["tags"] = tags;
    return tx.Update(r);
  }));
  return Json::object();
}

Result<Json> ListTagsForResource(OperationContext& ctx, const Json& input) {
  KILN_ASSIGN_OR_RETURN(auto r, TagTarget(ctx, input.value("resourceArn", ""), false));
  Json tags = r.doc.value("tags", Json::object());
  return Json{{"tags", tags.is_object() ? tags : Json::object()}};
}

// Kiln has no AWS Marketplace: no Marketplace resource ever exists.
Result<Json> GetMarketplaceResource(OperationContext& ctx, const Json& input) {
  return Status::NotFound("Kiln has no AWS Marketplace, so there is no Marketplace resource " +
                          input.value("resourceArn", std::string("(none given)")) +
                          " (resourceType " + input.value("resourceType", "") + ")")
      .WithType("ResourceNotFoundException");
}

}  // namespace

void RegisterTagHandlers() {
  RegisterOperation("TagResource", TagResource);
  RegisterOperation("UntagResource", UntagResource);
  RegisterOperation("ListTagsForResource", ListTagsForResource);
  RegisterOperation("GetMarketplaceResource", GetMarketplaceResource);
}

}  // namespace kiln::api
