// YAML to JSON with raw scalars: every YAML scalar becomes a JSON string
// holding the scalar's text exactly as written (after YAML unquoting and
// folding), so `0777` stays "0777" and `1.0` stays "1.0". A null scalar
// (`~`, `null`, or an empty value) becomes JSON null. This matches what
// AWSTOE documents expect: every value is a string until a module reads it.
#pragma once

#include <string>

#include <nlohmann/json.hpp>
#include <yaml-cpp/yaml.h>

#include "common/status.h"

namespace kiln {

nlohmann::json YamlToJson(const YAML::Node& node);

// Parses YAML (or JSON) text into a node; the error names the line and column.
Result<YAML::Node> ParseYaml(const std::string& text, const std::string& what);

}  // namespace kiln
