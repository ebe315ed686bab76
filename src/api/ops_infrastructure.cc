// Infrastructure configuration operations: Create, Update, Get, List, Delete
// (resources-api.md §2.4, §3.3). Kiln builds in local runc containers, so
// the EC2 fields (instance types, profile, subnet, security groups, key
// pair, placement, ...) are kept and returned as given but do not change
// how a build runs; terminateInstanceOnFailure, logging.s3Logs and
// snsTopicArn are read by the build engine.
#include "api/config_common.h"
#include "api/ops_resources.h"

namespace kiln::api {
namespace {

Status Complete(OperationContext&, const Json& input, Json& doc) {
  if (input.value("instanceProfileName", "").empty()) {
    return InvalidParameterValue("instanceProfileName is required");
  }
  if (input.contains("resourceTags")) {
    const Json& tags = input["resourceTags"];
    if (tags.is_object() && tags.size() > 30) {
      return InvalidParameterValue("resourceTags: at most 30 tags are allowed");
    }
    KILN_RETURN_IF_ERROR(ValidateTags(tags, "resourceTags"));
  }
  const Json& placement = input.value("placement", Json::object());
  if (placement.is_object() && placement.contains("hostId") &&
      placement.value("tenancy", "host") != "host") {
    return InvalidParameterCombination("placement.hostId requires placement.tenancy 'host'");
  }
  if (!doc.contains("terminateInstanceOnFailure")) doc["terminateInstanceOnFailure"] = true;  // L11369
  if (!doc.contains("instanceMetadataOptions")) {
    doc["instanceMetadataOptions"] = {{"httpTokens", "optional"}, {"httpPutResponseHopLimit", 1}};
  }
  return Status::Ok();
}

ConfigKind Kind() {
  ConfigKind k;
  k.kind = "infrastructure-configuration";
  k.noun = "InfrastructureConfiguration";
  k.arn_member = "infrastructureConfigurationArn";
  k.output_key = "infrastructureConfiguration";
  k.list_key = "infrastructureConfigurationSummaryList";
  k.fields = {"description",      "instanceTypes", "instanceProfileName",
              "securityGroupIds", "subnetId",      "logging",
              "keyPair",          "terminateInstanceOnFailure", "snsTopicArn",
              "resourceTags",     "instanceMetadataOptions",    "placement"};
  k.summary_fields = {"arn",          "name",          "description",        "dateCreated",
                      "dateUpdated",  "resourceTags",  "tags",               "instanceTypes",
                      "instanceProfileName", "placement"};
  k.complete = Complete;
  return k;
}

}  // namespace

void RegisterInfrastructureConfigurationHandlers() { RegisterConfigOperations(Kind()); }

}  // namespace kiln::api
