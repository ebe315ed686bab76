#include "api/component_document.h"

#include "api/resource_ops.h"
#include "toe/validator.h"

namespace kiln::api {

Result<ComponentDocumentInfo> InspectComponentDocument(const std::string& data,
                                                       const std::string& field,
                                                       const std::string& platform) {
  toe::Problems problems;
  toe::ValidateOptions options;
  options.platform = static_cast<unsigned>(platform == "Windows" ? toe::Platform::kWindows
                                           : platform == "macOS" ? toe::Platform::kMacOS
                                                                 : toe::Platform::kLinux);
  options.require_implementation = false;
  auto doc = toe::LoadAndValidate(data, field, &problems, options);
  if (!doc.ok()) {
    return InvalidParameterValue("The component document in '" + field + "' is not valid: " +
                                 doc.status().message());
  }
  ComponentDocumentInfo info;
  info.name = doc->name;
  info.description = doc->description;
  const bool only_test = doc->phases.size() == 1 && doc->phases[0].name == "test";
  info.type = only_test ? "TEST" : "BUILD";
  for (const auto& p : doc->parameters) {
    Json detail = {{"name", p.name}, {"type", p.type}};
    if (p.value) detail["defaultValue"] = Json::array({*p.value});
    if (!p.description.empty()) detail["description"] = p.description;
    info.parameters.push_back(detail);
  }
  return info;
}

}  // namespace kiln::api

#include "common/arn.h"
#include "common/time.h"

namespace kiln::api {

Result<store::Resource> MakeComponentResource(const std::string& account, const std::string& region,
                                              const Json& input, const std::string& data,
                                              const std::string& field) {
  KILN_ASSIGN_OR_RETURN(auto info,
                        InspectComponentDocument(data, field, input.value("platform", "Linux")));
  const std::string name = input.value("name", "");
  const std::string version = input.value("semanticVersion", "");
  Arn arn;
  arn.region = region;
  arn.account = account;
  arn.type = "component";
  arn.name = ArnSlug(name);
  arn.version = version;
  arn.build = 1;  // a component version has exactly one build (spec §1.1)

  store::Resource r;
  r.arn = arn.ToString();
  r.kind = "component";
  r.account = account;
  r.region = region;
  r.name = arn.name;
  r.version = version;
  r.build = 1;
  r.status = "ACTIVE";
  r.created_ms = r.updated_ms = NowMillis();
  Json doc = {{"arn", r.arn},
              {"name", name},
              {"version", version},
              {"type", input.value("type", info.type)},
              {"platform", input.value("platform", "Linux")},
              {"state", {{"status", "ACTIVE"}}},
              {"parameters", info.parameters},
              {"owner", OwnerDisplay(account)},
              {"data", data},
              // Kiln stores documents in its local database without
              // encrypting them; kmsKeyId is kept but not used (D-res-3).
              {"encrypted", false},
              {"dateCreated", FormatIso8601(r.created_ms)},
              {"tags", input.value("tags", Json::object())},
              {"obfuscate", false}};
  if (doc["tags"].is_null()) doc["tags"] = Json::object();
  CopyFields(input, {"description", "changeDescription", "supportedOsVersions", "kmsKeyId"}, doc);
  r.doc = std::move(doc);
  return r;
}

}  // namespace kiln::api
