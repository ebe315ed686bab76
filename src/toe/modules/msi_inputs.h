// Input validation shared by InstallMSI and UninstallMSI (awstoe.md §5.26).
#pragma once

#include <algorithm>
#include <cctype>

#include "toe/module_inputs.h"

namespace kiln::toe {

inline Status CheckMsiInputs(const Json& inputs) {
  KILN_RETURN_IF_ERROR(CheckObject(inputs));
  KILN_RETURN_IF_ERROR(CheckKnownKeys(inputs, {"path", "reboot", "logOptions", "logFile", "properties",
                                               "ignoreAuthenticodeSignatureErrors", "allowUnsignedInstaller"}));
  KILN_RETURN_IF_ERROR(CheckString(inputs, "path", true));
  KILN_RETURN_IF_ERROR(CheckString(inputs, "reboot", false));
  KILN_RETURN_IF_ERROR(CheckString(inputs, "logOptions", false));
  KILN_RETURN_IF_ERROR(CheckString(inputs, "logFile", false));
  KILN_RETURN_IF_ERROR(CheckBool(inputs, "ignoreAuthenticodeSignatureErrors"));
  KILN_RETURN_IF_ERROR(CheckBool(inputs, "allowUnsignedInstaller"));
  std::string reboot = GetStringOr(inputs, "reboot", "Allow");
  if (reboot.find("{{") == std::string::npos && reboot != "Allow" && reboot != "Force" && reboot != "Skip") {
    return Status::Invalid("input 'reboot' must be Allow, Force or Skip, got '" + reboot + "'");
  }
  std::string flags = GetStringOr(inputs, "logOptions", "*VX");
  if (flags.find("{{") == std::string::npos) {
    for (char c : flags) {
      if (std::string("iwearucmopvx+!*").find(static_cast<char>(std::tolower(static_cast<unsigned char>(c)))) ==
          std::string::npos) {
        return Status::Invalid(std::string("input 'logOptions' has the unknown flag '") + c +
                               "' (allowed: i w e a r u c m o p v x + ! *)");
      }
    }
  }
  if (inputs.contains("properties") && !inputs["properties"].is_null()) {
    const Json& props = inputs["properties"];
    if (!props.is_object()) return Status::Invalid("input 'properties' must be a mapping of names to strings");
    for (auto it = props.begin(); it != props.end(); ++it) {
      if (!(it->is_string() || it->is_number() || it->is_boolean())) {
        return Status::Invalid("input 'properties." + it.key() + "' must be a string");
      }
      std::string key = it.key(), value = it->is_string() ? it->get<std::string>() : it->dump();
      std::transform(key.begin(), key.end(), key.begin(), ::toupper);
      std::string upper_value = value;
      std::transform(upper_value.begin(), upper_value.end(), upper_value.begin(), ::toupper);
      if ((key == "REBOOT" && upper_value == "REALLYSUPPRESS") || (key == "REINSTALLMODE" && upper_value == "ECMUS") ||
          (key == "REINSTALL" && upper_value == "ALL")) {
        return Status::Invalid("input 'properties." + it.key() + "=" + value + "' is not allowed by InstallMSI");
      }
    }
  }
  return Status::Ok();
}

}  // namespace kiln::toe
