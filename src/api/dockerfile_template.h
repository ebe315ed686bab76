// Validation of container recipe Dockerfile templates (resources-api.md
// §2.3.1, guide L979-1008): triple-brace placeholders
// {{{ imagebuilder:parentImage }}} (required), {{{ imagebuilder:environments }}}
// (required when the recipe has components) and
// {{{ imagebuilder:components }}} (optional, only after environments).
#pragma once

#include <string>

#include "common/status.h"

namespace kiln::api {

// `field` names the request member in errors ("dockerfileTemplateData").
Status ValidateDockerfileTemplate(const std::string& text, bool has_components,
                                  const std::string& field);

}  // namespace kiln::api
