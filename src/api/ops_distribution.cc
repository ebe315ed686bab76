// Distribution configuration operations: Create, Update, Get, List, Delete
// (resources-api.md §2.5, §3.3).
#include <set>

#include "api/config_common.h"
#include "api/ops_resources.h"

namespace kiln::api {
namespace {

Status CheckDistribution(OperationContext& ctx, const Json& d, const std::string& where) {
  const std::string region = d.value("region", "");
  if (region.empty()) return InvalidParameterValue(where + ".region is required");
  const Json& templates = d.value("launchTemplateConfigurations", Json::array());
  if (templates.is_array() && templates.size() > 5) {
    return InvalidParameterValue(where + ".launchTemplateConfigurations: at most 5 launch "
                                 "templates per Region (got " + std::to_string(templates.size()) + ")");
  }
  const Json& fast = d.value("fastLaunchConfigurations", Json::array());
  for (size_t i = 0; fast.is_array() && i < fast.size(); ++i) {
    const Json& f = fast[i];
    const std::string at = where + ".fastLaunchConfigurations[" + std::to_string(i) + "]";
    const Json& lt = f.value("launchTemplate", Json::object());
    if (lt.is_object() && lt.contains("launchTemplateId") && lt.contains("launchTemplateName")) {
      return InvalidParameterCombination(at + ".launchTemplate: specify launchTemplateId or "
                                         "launchTemplateName, not both");
    }
    if (f.contains("accountId") && f.value("accountId", "") != ctx.caller.account_id) {
      return InvalidParameterValue(at + ": Cross-account distribution is not supported for AMIs "
                                   "with EC2 Fast Launch pre-enabled (accountId " +
                                   f.value("accountId", "") + ")");
    }
  }
  if (d.contains("amiDistributionConfiguration")) {
    const Json& ami = d["amiDistributionConfiguration"];
    if (ami.contains("amiTags")) KILN_RETURN_IF_ERROR(ValidateTags(ami["amiTags"], where + ".amiDistributionConfiguration.amiTags"));
  }
  const Json& container = d.value("containerDistributionConfiguration", Json::object());
  if (container.is_object() && container.contains("targetRepository") &&
      container["targetRepository"].value("repositoryName", "").empty()) {
    return InvalidParameterValue(where + ".containerDistributionConfiguration.targetRepository."
                                 "repositoryName is required");
  }
  return Status::Ok();
}

Status Complete(OperationContext& ctx, const Json& input, Json& doc) {
  const Json& list = input.value("distributions", Json());
  if (!list.is_array() || list.empty()) {
    return InvalidParameterValue("distributions: at least one distribution is required");
  }
  std::set<std::string> regions;
  for (size_t i = 0; i < list.size(); ++i) {
    const std::string where = "distributions[" + std::to_string(i) + "]";
    KILN_RETURN_IF_ERROR(CheckDistribution(ctx, list[i], where));
    if (!regions.insert(list[i].value("region", "")).second) {
      return InvalidParameterValue(where + ": region " + list[i].value("region", "") +
                                   " appears more than once");
    }
  }
  if (!doc.contains("timeoutMinutes")) doc["timeoutMinutes"] = 720;
  return Status::Ok();
}

ConfigKind Kind() {
  ConfigKind k;
  k.kind = "distribution-configuration";
  k.noun = "DistributionConfiguration";
  k.arn_member = "distributionConfigurationArn";
  k.output_key = "distributionConfiguration";
  k.list_key = "distributionConfigurationSummaryList";
  k.fields = {"description", "distributions"};
  k.summary_fields = {"arn", "name", "description", "dateCreated", "dateUpdated", "tags"};
  k.complete = Complete;
  k.summarize = [](const Json& doc, Json& row) {
    Json regions = Json::array();
    for (const auto& d : doc.value("distributions", Json::array())) regions.push_back(d.value("region", ""));
    row["regions"] = regions;
  };
  return k;
}

}  // namespace

void RegisterDistributionConfigurationHandlers() { RegisterConfigOperations(Kind()); }

}  // namespace kiln::api
