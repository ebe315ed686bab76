#include "api/dockerfile_template.h"

#include <map>
#include <regex>

#include "api/resource_ops.h"
#include "engine/dockerfile.h"

namespace kiln::api {

Status ValidateDockerfileTemplate(const std::string& text, bool has_components,
                                  const std::string& field) {
  // Any {{ ... imagebuilder:... }} with other than three braces is a typo
  // (the guide itself prints `}}}}` twice).
  static const std::regex kPlaceholder(R"((\{+)\s*imagebuilder:([A-Za-z]+)\s*(\}+))");
  std::map<std::string, size_t> first;  // placeholder -> offset of first use
  for (auto it = std::sregex_iterator(text.begin(), text.end(), kPlaceholder);
       it != std::sregex_iterator(); ++it) {
    const auto& m = *it;
    const std::string name = m[2].str();
    const size_t line = 1 + std::count(text.begin(), text.begin() + m.position(0), '\n');
    const std::string where = field + " line " + std::to_string(line) + ": ";
    if (m[1].length() != 3 || m[3].length() != 3) {
      return InvalidParameterValue(where + "placeholder '" + m[0].str() +
                                   "' must use exactly three braces: {{{ imagebuilder:" + name +
                                   " }}}");
    }
    if (name != "parentImage" && name != "environments" && name != "components") {
      return InvalidParameterValue(where + "unknown placeholder 'imagebuilder:" + name +
                                   "' (known: parentImage, environments, components)");
    }
    first.emplace(name, static_cast<size_t>(m.position(0)));
  }
  if (!first.count("parentImage")) {
    return InvalidParameterValue(field + " must contain {{{ imagebuilder:parentImage }}}");
  }
  if (has_components && !first.count("environments")) {
    return InvalidParameterValue(field + " must contain {{{ imagebuilder:environments }}} when "
                                 "the recipe has components");
  }
  if (first.count("components") &&
      (!first.count("environments") || first["components"] < first["environments"])) {
    return InvalidParameterValue(field + ": {{{ imagebuilder:components }}} must come after "
                                 "{{{ imagebuilder:environments }}}");
  }
  // The instructions must be ones Kiln's builds carry out (engine/dockerfile.h).
  auto parsed = engine::ParseDockerfileTemplate(text);
  if (!parsed.ok()) return InvalidParameterValue(field + ": " + parsed.status().message());
  return Status::Ok();
}

}  // namespace kiln::api
