#include "api/build_records.h"

#include <set>

#include "api/resource_ops.h"
#include "common/hash.h"
#include "common/time.h"
#include "store/paging.h"

namespace kiln::api {

std::string NewUuid() { return RandomUuid(); }

Result<store::Resource> ResolveParentImageArn(OperationContext& ctx, const std::string& arn) {
  KILN_ASSIGN_OR_RETURN(Arn ref, ParseResourceArn(arn, "parentImage", "image", ArnLevel::kPattern));
  ResolveOptions opts;
  opts.read_action = "imagebuilder:GetImage";
  opts.candidate = [](const store::Resource& r) { return ImageStatus(r) == "AVAILABLE"; };
  auto row = ResolveVersioned(ctx, ref, opts);
  if (!row.ok()) return row.status().Prefixed("parentImage");
  return row;
}

bool ImageBuilding(const std::string& status) {
  static const std::set<std::string> kMoving = {"PENDING", "CREATING", "BUILDING", "TESTING",
                                                "DISTRIBUTING", "INTEGRATING"};
  return kMoving.count(status) > 0;
}

std::string ImageStatus(const store::Resource& image) {
  if (!image.status.empty()) return image.status;
  return image.doc.value("state", Json::object()).value("status", "");
}

void SetImageStatus(store::Resource& image, const std::string& status, const std::string& reason) {
  image.status = status;
  image.doc["state"] = {{"status", status}};
  if (!reason.empty()) image.doc["state"]["reason"] = reason;
  image.updated_ms = NowMillis();
}

Result<ChildPage> ListChildren(OperationContext& ctx, const std::string& kind,
                               const std::string& parent, const std::string& account,
                               const Json& input, const std::string& operation) {
  int limit = 25;
  if (input.contains("maxResults") && input["maxResults"].is_number_integer()) {
    limit = input["maxResults"].get<int>();
    if (limit < 1 || limit > 25) return InvalidParameterValue("maxResults must be between 1 and 25");
  }
  store::ListQuery q;
  q.kind = kind;
  q.accounts = {account};
  q.region = ctx.caller.region;
  q.parent = parent;
  q.limit = limit;
  Json fingerprint = {{"op", operation}, {"account", ctx.caller.account_id},
                      {"region", ctx.caller.region}, {"parent", parent}};
  KILN_ASSIGN_OR_RETURN(auto secret, store::PageSecret(*ctx.store));
  if (input.contains("nextToken") && input["nextToken"].is_string()) {
    KILN_ASSIGN_OR_RETURN(auto after, store::DecodePageToken(input["nextToken"].get<std::string>(),
                                                            fingerprint, secret));
    q.after = after;
  }
  KILN_ASSIGN_OR_RETURN(auto page, ctx.store->List(q));
  ChildPage out;
  out.items = std::move(page.items);
  if (page.more && !out.items.empty())
    out.next_token = store::EncodePageToken(out.items.back(), fingerprint, secret);
  return out;
}

}  // namespace kiln::api
