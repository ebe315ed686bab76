#include "api/lifecycle_runs.h"

#include "api/build_records.h"
#include "common/time.h"
#include "engine/lifecycle.h"

namespace kiln::api {
namespace {

std::map<std::string, std::string> Tags(const Json& j) {
  std::map<std::string, std::string> out;
  if (j.is_object())
    for (auto it = j.begin(); it != j.end(); ++it)
      if (it.value().is_string()) out[it.key()] = it.value().get<std::string>();
  return out;
}

engine::LifecycleImage ToLifecycleImage(const store::Resource& r) {
  engine::LifecycleImage i;
  i.arn = r.arn;
  i.name = r.doc.value("name", r.name);
  i.version = r.version;
  i.build = r.build;
  i.container = r.doc.value("type", "AMI") == "DOCKER";
  i.status = ImageStatus(r);
  i.created_ms = r.created_ms;
  i.tags = Tags(r.doc.value("tags", Json::object()));
  for (const auto& ami : r.doc.value("outputResources", Json::object()).value("amis", Json::array())) {
    engine::LifecycleAmi a;
    a.image_id = ami.value("image", "");
    a.region = ami.value("region", "");
    a.account = ami.value("accountId", "");
    i.amis.push_back(std::move(a));
  }
  return i;
}

}  // namespace

Result<std::string> RunLifecyclePolicy(store::Store& store, const std::string& policy_arn,
                                       int64_t now_ms) {
  std::string id = "lce-" + NewUuid();
  KILN_RETURN_IF_ERROR(store.Transaction([&](store::Store& tx) -> Status {
    KILN_ASSIGN_OR_RETURN(auto policy, tx.Get(policy_arn));
    if (policy.kind != "lifecycle-policy") return Status::NotFound("not a lifecycle policy: " + policy_arn);
    auto spec = engine::ParseLifecyclePolicy(policy.doc);
    if (!spec.ok()) return Status::Internal("stored policy " + policy_arn + ": " + spec.status().message());

    std::vector<store::Resource> rows;
    store::ListQuery q;
    q.kind = "image";
    q.accounts = {policy.account};
    q.region = policy.region;
    q.limit = 500;
    while (true) {
      KILN_ASSIGN_OR_RETURN(auto page, tx.List(q));
      for (auto& r : page.items) rows.push_back(std::move(r));
      if (!page.more) break;
      q.after = rows.back();
    }
    std::vector<engine::LifecycleImage> images;
    for (const auto& r : rows) images.push_back(ToLifecycleImage(r));
    auto decisions = engine::EvaluateLifecyclePolicy(*spec, images, now_ms);

    Json resources = Json::array();
    const std::string when = FormatIso8601(now_ms);
    for (const auto& d : decisions) {
      KILN_ASSIGN_OR_RETURN(auto img, tx.Get(d.image_arn));
      const std::string was = ImageStatus(img);
      SetImageStatus(img, d.new_status);
      img.doc["lifecycleExecutionId"] = id;
      if (d.new_status == "DEPRECATED") img.doc["deprecationTime"] = when;
      KILN_RETURN_IF_ERROR(tx.CompareAndUpdate(img, was));
      resources.push_back({{"accountId", img.account},
                           {"resourceId", img.arn},
                           {"region", img.region},
                           {"state", {{"status", "SUCCESS"}}},
                           {"action", {{"name", engine::LifecycleActionName(d.action)},
                                       {"reason", d.reason}}},
                           {"startTime", when},
                           {"endTime", when}});
    }
    store::Resource exec;
    exec.arn = id;
    exec.kind = "lifecycle-execution";
    exec.account = policy.account;
    exec.region = policy.region;
    exec.name = when;
    exec.parent = policy_arn;
    exec.status = "SUCCESS";
    exec.created_ms = exec.updated_ms = now_ms;
    exec.doc = {{"lifecycleExecutionId", id},
                {"resourcesImpactedSummary", {{"hasImpactedResources", !resources.empty()}}},
                {"state", {{"status", "SUCCESS"}}},
                {"startTime", when},
                {"endTime", when},
                {"resources", resources}};
    KILN_RETURN_IF_ERROR(tx.Insert(exec));
    policy.doc["dateLastRun"] = when;
    policy.updated_ms = now_ms;
    return tx.Update(policy);
  }));
  return id;
}

}  // namespace kiln::api
