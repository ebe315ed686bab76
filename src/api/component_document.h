// What the API needs to know about an AWSTOE component document, read with
// kiln-toe's own parser and validator (src/toe), so that `kiln serve`
// accepts exactly the documents `kiln-toe` runs.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

#include "common/status.h"

namespace kiln::api {

struct ComponentDocumentInfo {
  std::string type;             // "BUILD", or "TEST" when the only phase is `test` (guide L2867)
  std::string name;             // the document's own name
  std::string description;      // the document's description
  nlohmann::json parameters = nlohmann::json::array();  // ComponentParameterDetail list
};

// Parses and validates `data` (YAML or JSON). Problems come back as one
// InvalidParameterValueException listing each "<field>:<line>: phase ..,
// step ..: what is wrong" (field is the request member, e.g. "data").
// `platform` is the component's platform ("Linux", "Windows", "macOS"):
// modules are checked against it, and documented modules this build of
// kiln-toe does not implement are accepted (running them fails clearly).
Result<ComponentDocumentInfo> InspectComponentDocument(const std::string& data,
                                                       const std::string& field,
                                                       const std::string& platform = "Linux");

}  // namespace kiln::api

#include "store/store.h"

namespace kiln::api {

// A new component resource (build 1) owned by `account` in `region` from a
// CreateComponent-shaped `input` (name, semanticVersion, platform,
// description, changeDescription, supportedOsVersions, kmsKeyId, tags) and
// the document text `data` (validated here; `field` names it in errors).
Result<store::Resource> MakeComponentResource(const std::string& account, const std::string& region,
                                              const nlohmann::json& input, const std::string& data,
                                              const std::string& field);

}  // namespace kiln::api
