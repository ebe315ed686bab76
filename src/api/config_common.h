// What infrastructure and distribution configurations share: unversioned,
// mutable (Update* replaces every field but the name and tags), not
// shareable, and protected from deletion while a pipeline or an in-progress
// image build uses them (resources-api.md §2.4, §2.5, §3.3, §3.6).
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "api/resource_ops.h"

namespace kiln::api {

struct ConfigKind {
  std::string kind;          // "infrastructure-configuration"
  std::string noun;          // "InfrastructureConfiguration"
  std::string arn_member;    // "infrastructureConfigurationArn"
  std::string output_key;    // "infrastructureConfiguration"
  std::string list_key;      // "infrastructureConfigurationSummaryList"
  std::vector<std::string> fields;          // members copied from Create/Update input
  std::vector<std::string> summary_fields;  // members of a List row
  // Validates the input and fills defaults into `doc` (after the copy).
  std::function<Status(OperationContext&, const Json& input, Json& doc)> complete;
  // Extra List row members computed from the doc.
  std::function<void(const Json& doc, Json& row)> summarize;
};

void RegisterConfigOperations(const ConfigKind& k);

}  // namespace kiln::api
