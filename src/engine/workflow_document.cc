#include "engine/workflow_document.h"

#include <algorithm>
#include <regex>
#include <set>

#include <yaml-cpp/yaml.h>

namespace kiln::engine {
namespace {

constexpr int64_t kMinute = 60;
constexpr unsigned kBuild = WorkflowTypeBit(WorkflowType::kBuild);
constexpr unsigned kTest = WorkflowTypeBit(WorkflowType::kTest);
constexpr unsigned kDistribution = WorkflowTypeBit(WorkflowType::kDistribution);
constexpr unsigned kAny = kBuild | kTest | kDistribution;

int LineOf(const YAML::Node& n) { return n.Mark().line + 1; }

std::string At(int line) { return "(line " + std::to_string(line) + ")"; }

// YAML scalar typing as YAML 1.2's core schema does it: quoted scalars are
// strings; plain ones may be booleans, null, integers or floats. This keeps
// `numberEquals: '1'` (a string) apart from `numberEquals: 1` (an integer).
Json ScalarToJson(const YAML::Node& n) {
  const std::string& s = n.Scalar();
  if (n.Tag() != "?") return s;  // quoted, or explicitly tagged
  static const std::regex kInt("^[-+]?[0-9]+$");
  static const std::regex kFloat("^[-+]?([0-9]+\\.[0-9]*|\\.[0-9]+)([eE][-+]?[0-9]+)?$");
  if (s == "true" || s == "True" || s == "TRUE") return true;
  if (s == "false" || s == "False" || s == "FALSE") return false;
  if (s.empty() || s == "~" || s == "null" || s == "Null" || s == "NULL") return nullptr;
  if (std::regex_match(s, kInt)) {
    try {
      return std::stoll(s);
    } catch (...) {
      return s;  // out of range: keep the text
    }
  }
  if (std::regex_match(s, kFloat)) return std::stod(s);
  return s;
}

Json ToJson(const YAML::Node& n) {
  switch (n.Type()) {
    case YAML::NodeType::Scalar:
      return ScalarToJson(n);
    case YAML::NodeType::Sequence: {
      Json a = Json::array();
      for (const auto& e : n) a.push_back(ToJson(e));
      return a;
    }
    case YAML::NodeType::Map: {
      Json o = Json::object();
      for (const auto& kv : n) o[kv.first.Scalar()] = ToJson(kv.second);
      return o;
    }
    default:
      return nullptr;
  }
}

// A string field: must be a scalar; returns its text.
Result<std::string> StringField(const YAML::Node& n, const std::string& where,
                                const std::string& field) {
  if (!n.IsScalar())
    return Status::Invalid(where + " " + At(LineOf(n)) + ": field '" + field +
                           "' must be a string");
  return n.Scalar();
}

Status CheckKeys(const YAML::Node& map, const std::set<std::string>& allowed,
                 const std::string& where) {
  for (const auto& kv : map) {
    const std::string& key = kv.first.Scalar();
    if (!allowed.count(key)) {
      std::string list;
      for (const auto& a : allowed) list += (list.empty() ? "" : ", ") + a;
      return Status::Invalid(where + " " + At(LineOf(kv.first)) + ": unknown field '" + key +
                             "' (allowed: " + list + ")");
    }
  }
  return Status::Ok();
}

// Converts a parameter default (or a bound value) to the declared type.
Result<Json> TypedValue(const std::string& type, const Json& v) {
  if (type == "string") {
    if (v.is_string()) return v;
    if (v.is_number() || v.is_boolean()) return Json(v.dump());  // `default: 5` for a string
  } else if (type == "integer") {
    if (v.is_number_integer()) return v;
  } else if (type == "boolean") {
    if (v.is_boolean()) return v;
  } else if (type == "stringList") {
    if (v.is_array() &&
        std::all_of(v.begin(), v.end(), [](const Json& e) { return e.is_string(); }))
      return v;
  }
  return Status::Invalid("value " + v.dump() + " is not a " + type);
}

Result<WorkflowParameter> ParseParameter(const YAML::Node& n, size_t index) {
  std::string where = "parameters[" + std::to_string(index) + "]";
  if (!n.IsMap()) return Status::Invalid(where + " " + At(LineOf(n)) + ": must be a map");
  KILN_RETURN_IF_ERROR(CheckKeys(n, {"name", "type", "description", "default"}, where));
  WorkflowParameter p;
  p.line = LineOf(n);
  if (!n["name"]) return Status::Invalid(where + " " + At(p.line) + ": missing field 'name'");
  KILN_ASSIGN_OR_RETURN(p.name, StringField(n["name"], where, "name"));
  where = "parameter '" + p.name + "'";
  static const std::regex kName("^[A-Za-z0-9_]{1,128}$");
  if (!std::regex_match(p.name, kName))
    return Status::Invalid(where + " " + At(p.line) +
                           ": field 'name': use 1-128 letters, digits or '_'");
  // [DECISION §1.6] A missing type means string.
  if (n["type"]) {
    KILN_ASSIGN_OR_RETURN(p.type, StringField(n["type"], where, "type"));
    if (p.type != "string" && p.type != "integer" && p.type != "boolean" &&
        p.type != "stringList")
      return Status::Invalid(where + " " + At(LineOf(n["type"])) + ": field 'type': '" + p.type +
                             "' is not one of string, integer, boolean, stringList");
  }
  if (n["description"]) {
    KILN_ASSIGN_OR_RETURN(p.description, StringField(n["description"], where, "description"));
  }
  if (n["default"]) {
    auto typed = TypedValue(p.type, ToJson(n["default"]));
    if (!typed.ok())
      return Status::Invalid(where + " " + At(LineOf(n["default"])) + ": field 'default': " +
                             typed.status().message());
    p.default_value = *typed;
  }
  return p;
}

// Checks a dynamic variable written in a step against what the document
// can know: declared parameters, earlier steps and their action's outputs,
// system variables.
Status CheckReference(const std::string& path, const WorkflowDocument& doc, size_t step_index,
                      const std::string& where) {
  auto parsed = ParseVariablePath(path);
  if (!parsed.ok()) return parsed.status().Prefixed(where);
  const VariablePath& p = *parsed;
  if (p.root == "parameters" && !doc.FindParameter(p.segments[0]))
    return Status::Invalid(where + ": '" + path + "' names parameter '" + p.segments[0] +
                           "', which the document does not declare");
  if (p.root == "stepOutputs") {
    const std::string& step = p.segments[0];
    auto it = std::find_if(doc.steps.begin(), doc.steps.end(),
                           [&](const WorkflowStep& s) { return s.name == step; });
    if (it == doc.steps.end())
      return Status::Invalid(where + ": '" + path + "' names step '" + step +
                             "', which is not an earlier step of the document");
    if (static_cast<size_t>(it - doc.steps.begin()) >= step_index)
      return Status::Invalid(where + ": '" + path + "' names step '" + step +
                             "', which does not run before this point");
    const StepActionSpec* spec = FindStepAction(it->action);
    const std::string& output = p.segments[1];
    if (spec && std::none_of(spec->outputs.begin(), spec->outputs.end(),
                             [&](const char* o) { return output == o; })) {
      std::string list;
      for (const char* o : spec->outputs) list += (list.empty() ? "" : ", ") + std::string(o);
      return Status::Invalid(where + ": '" + path + "': action " + it->action +
                             " of step '" + step + "' has no output '" + output + "' (outputs: " +
                             (list.empty() ? "none" : list) + ")");
    }
  }
  if (p.root == "imagebuilder") {
    const auto& names = SystemVariableNames();
    auto lower = [](std::string s) {
      std::transform(s.begin(), s.end(), s.begin(), ::tolower);
      return s;
    };
    if (std::none_of(names.begin(), names.end(),
                     [&](const std::string& n) { return lower(n) == lower(p.segments[0]); }))
      return Status::Invalid(where + ": '" + path + "' names unknown system variable '" +
                             p.segments[0] + "'");
  }
  return Status::Ok();
}

// All "$." strings inside a condition.
void CollectConditionPaths(const Condition& c, std::vector<std::string>& out) {
  if (IsDynamicVariable(c.value)) out.push_back(c.value.get<std::string>());
  if (IsDynamicVariable(c.operand)) out.push_back(c.operand.get<std::string>());
  for (const Condition& sub : c.children) CollectConditionPaths(sub, out);
}

Status CheckInputs(WorkflowStep& step, const StepActionSpec& spec, const YAML::Node& node,
                   const std::string& where, std::vector<std::string>& warnings) {
  std::set<std::string> seen;
  for (auto it = step.inputs.begin(); it != step.inputs.end(); ++it) {
    std::string key = it.key();
    bool chained = key.size() > 2 && key.compare(key.size() - 2, 2, ".$") == 0;
    if (chained) key.resize(key.size() - 2);
    std::string field_where = where + ": field 'inputs." + it.key() + "'";
    auto known = [&](const std::vector<const char*>& v) {
      return std::any_of(v.begin(), v.end(), [&](const char* k) { return key == k; });
    };
    if (!known(spec.required_inputs) && !known(spec.optional_inputs))
      return Status::Invalid(field_where + ": action " + step.action + " has no input '" + key +
                             "'");
    if (!seen.insert(key).second)
      return Status::Invalid(field_where + ": input '" + key + "' is given twice");
    const Json& v = it.value();
    if (IsDynamicVariable(v)) {
      if (!chained)
        warnings.push_back(field_where + ": '" + v.get<std::string>() +
                           "' is resolved as a dynamic variable; write the key as '" + key +
                           ".$' to say so");
      continue;
    }
    // Static values: check the type the action needs.
    if (key == "parameters") {
      bool ok = v.is_object();
      if (ok)
        for (auto p = v.begin(); p != v.end(); ++p)
          ok = ok && p.value().is_array() &&
               std::all_of(p.value().begin(), p.value().end(),
                           [](const Json& e) { return e.is_string(); });
      if (!ok)
        return Status::Invalid(field_where + ": must map parameter names to lists of strings");
    } else if (!v.is_string()) {
      return Status::Invalid(field_where + ": must be a string, got " + v.dump());
    }
    if (key == "waitFor" && v != "ssmAgent")
      return Status::Invalid(field_where + ": '" + v.get<std::string>() +
                             "' is not supported; the only value is 'ssmAgent'");
  }
  for (const char* req : spec.required_inputs)
    if (!seen.count(req))
      return Status::Invalid(where + ": action " + step.action + " needs input '" + req + "'");
  (void)node;
  return Status::Ok();
}

Status CollectInputPaths(const Json& v, std::vector<std::string>& out) {
  if (IsDynamicVariable(v)) out.push_back(v.get<std::string>());
  if (v.is_object() || v.is_array())
    for (const Json& e : v) KILN_RETURN_IF_ERROR(CollectInputPaths(e, out));
  return Status::Ok();
}

Result<WorkflowStep> ParseStep(const YAML::Node& n, size_t index, WorkflowType type,
                               WorkflowDocument& doc) {
  std::string where = "steps[" + std::to_string(index) + "] " + At(LineOf(n));
  if (!n.IsMap()) return Status::Invalid(where + ": a step must be a map");
  WorkflowStep s;
  s.line = LineOf(n);
  if (!n["name"]) return Status::Invalid(where + ": missing field 'name'");
  KILN_ASSIGN_OR_RETURN(s.name, StringField(n["name"], where, "name"));
  where = "step '" + s.name + "' " + At(s.line);
  // No `waitSeconds` or other keys: reject what the guide does not define.
  KILN_RETURN_IF_ERROR(CheckKeys(n,
                                 {"name", "action", "description", "if", "inputs", "onFailure",
                                  "rollbackEnabled", "timeoutSeconds"},
                                 where));
  static const std::regex kStepName("^[A-Za-z0-9_]{3,128}$");
  if (!std::regex_match(s.name, kStepName))
    return Status::Invalid(where + ": field 'name': '" + s.name +
                           "' must be 3-128 letters, digits or '_' (no spaces or '-')");
  if (doc.FindStep(s.name))
    return Status::Invalid(where + ": field 'name': another step is already named '" + s.name +
                           "'");
  if (!n["action"]) return Status::Invalid(where + ": missing field 'action'");
  KILN_ASSIGN_OR_RETURN(s.action, StringField(n["action"], where, "action"));
  const StepActionSpec* spec = FindStepAction(s.action);
  if (!spec) {
    std::string list;
    for (const auto& a : StepActions()) list += (list.empty() ? "" : ", ") + std::string(a.name);
    return Status::Invalid(where + ": field 'action': unknown action '" + s.action +
                           "' (supported: " + list + ")");
  }
  if (!(spec->allowed_types & WorkflowTypeBit(type)))
    return Status::Invalid(where + ": field 'action': " + s.action + " cannot be used in a " +
                           WorkflowTypeName(type) + " workflow");
  if (n["description"]) {
    KILN_ASSIGN_OR_RETURN(s.description, StringField(n["description"], where, "description"));
    if (s.description.empty() || s.description.size() > 1024)
      return Status::Invalid(where + ": field 'description': must be 1-1024 characters");
  }
  if (n["onFailure"]) {
    KILN_ASSIGN_OR_RETURN(std::string f, StringField(n["onFailure"], where, "onFailure"));
    std::string lower = f;
    std::transform(lower.begin(), lower.end(), lower.begin(), ::tolower);
    if (lower == "abort") s.on_failure = StepOnFailure::kAbort;
    else if (lower == "continue") s.on_failure = StepOnFailure::kContinue;
    else
      return Status::Invalid(where + ": field 'onFailure': '" + f +
                             "' is not Abort or Continue");
  }
  if (n["rollbackEnabled"]) {
    Json v = ToJson(n["rollbackEnabled"]);
    if (!v.is_boolean() && !IsDynamicVariable(v))
      return Status::Invalid(where + ": field 'rollbackEnabled': must be true, false or a '$.' "
                             "variable, got " + v.dump());
    s.rollback_enabled = v;
  }
  if (n["timeoutSeconds"]) {
    Json v = ToJson(n["timeoutSeconds"]);
    if (!v.is_number_integer() || v.get<int64_t>() < 1 || v.get<int64_t>() > kMaxStepTimeoutSeconds)
      return Status::Invalid(where + ": field 'timeoutSeconds': " + v.dump() +
                             " is not an integer in 1-86400");
    s.timeout_seconds = v.get<int64_t>();
  }
  if (n["inputs"]) {
    s.inputs = ToJson(n["inputs"]);
    if (s.inputs.is_null()) s.inputs = Json::object();
    if (!s.inputs.is_object()) return Status::Invalid(where + ": field 'inputs': must be a map");
  }
  std::string inputs_where = where;
  if (n["inputs"]) inputs_where = "step '" + s.name + "' " + At(LineOf(n["inputs"]));
  KILN_RETURN_IF_ERROR(CheckInputs(s, *spec, n["inputs"], inputs_where, doc.warnings));
  std::vector<std::string> paths;
  KILN_RETURN_IF_ERROR(CollectInputPaths(s.inputs, paths));
  if (IsDynamicVariable(s.rollback_enabled)) paths.push_back(s.rollback_enabled.get<std::string>());
  if (n["if"]) {
    auto cond = ParseCondition(ToJson(n["if"]));
    if (!cond.ok())
      return Status::Invalid("step '" + s.name + "' " + At(LineOf(n["if"])) + ": field " +
                             cond.status().message());
    s.condition = std::move(*cond);
    CollectConditionPaths(*s.condition, paths);
  }
  for (const std::string& p : paths)
    KILN_RETURN_IF_ERROR(CheckReference(p, doc, index, where));
  return s;
}

Result<WorkflowDocument> Parse(const YAML::Node& root, WorkflowType type) {
  if (!root.IsMap()) return Status::Invalid("workflow document: the top level must be a map");
  KILN_RETURN_IF_ERROR(CheckKeys(
      root, {"name", "description", "schemaVersion", "parameters", "steps", "outputs"},
      "workflow document"));
  WorkflowDocument doc;
  if (root["name"]) {
    KILN_ASSIGN_OR_RETURN(doc.name, StringField(root["name"], "workflow document", "name"));
  }
  if (root["description"]) {
    KILN_ASSIGN_OR_RETURN(doc.description,
                          StringField(root["description"], "workflow document", "description"));
  }
  if (!root["schemaVersion"])
    return Status::Invalid("workflow document: missing field 'schemaVersion' (use 1.0)");
  // `schemaVersion: 1.0` is a float in YAML; accept it and the string "1.0".
  const YAML::Node sv = root["schemaVersion"];
  if (!sv.IsScalar() || (sv.Scalar() != "1.0" && sv.Scalar() != "1"))
    return Status::Invalid("workflow document " + At(LineOf(sv)) +
                           ": field 'schemaVersion': '" + (sv.IsScalar() ? sv.Scalar() : "") +
                           "' is not supported (use 1.0)");
  doc.schema_version = "1.0";

  if (const YAML::Node params = root["parameters"]) {
    if (!params.IsSequence())
      return Status::Invalid("workflow document " + At(LineOf(params)) +
                             ": field 'parameters' must be a list");
    for (size_t i = 0; i < params.size(); ++i) {
      KILN_ASSIGN_OR_RETURN(WorkflowParameter p, ParseParameter(params[i], i));
      if (doc.FindParameter(p.name))
        return Status::Invalid("parameter '" + p.name + "' " + At(p.line) +
                               ": declared twice");
      doc.parameters.push_back(std::move(p));
    }
  }

  const YAML::Node steps = root["steps"];
  if (!steps || !steps.IsSequence() || steps.size() == 0)
    return Status::Invalid("workflow document" +
                           (steps ? " " + At(LineOf(steps)) : std::string()) +
                           ": field 'steps' must be a non-empty list");
  if (steps.size() > kMaxWorkflowSteps)
    return Status::Invalid("workflow document " + At(LineOf(steps)) + ": " +
                           std::to_string(steps.size()) + " steps; a workflow has at most " +
                           std::to_string(kMaxWorkflowSteps));
  // Step names first, so references can name later steps precisely.
  for (size_t i = 0; i < steps.size(); ++i) {
    KILN_ASSIGN_OR_RETURN(WorkflowStep s, ParseStep(steps[i], i, type, doc));
    doc.steps.push_back(std::move(s));
  }

  if (const YAML::Node outputs = root["outputs"]) {
    if (!outputs.IsSequence())
      return Status::Invalid("workflow document " + At(LineOf(outputs)) +
                             ": field 'outputs' must be a list");
    for (size_t i = 0; i < outputs.size(); ++i) {
      const YAML::Node o = outputs[i];
      std::string where = "outputs[" + std::to_string(i) + "] " + At(LineOf(o));
      if (!o.IsMap()) return Status::Invalid(where + ": must be a map with name and value");
      KILN_RETURN_IF_ERROR(CheckKeys(o, {"name", "value"}, where));
      if (!o["name"] || !o["value"])
        return Status::Invalid(where + ": needs both 'name' and 'value'");
      WorkflowOutput out;
      out.line = LineOf(o);
      KILN_ASSIGN_OR_RETURN(out.name, StringField(o["name"], where, "name"));
      KILN_ASSIGN_OR_RETURN(out.value, StringField(o["value"], where, "value"));
      if (out.name.empty()) return Status::Invalid(where + ": field 'name' is empty");
      for (const auto& prev : doc.outputs)
        if (prev.name == out.name)
          return Status::Invalid(where + ": output '" + out.name + "' is declared twice");
      if (IsDynamicVariable(Json(out.value)))
        KILN_RETURN_IF_ERROR(CheckReference(out.value, doc, doc.steps.size(),
                                            "output '" + out.name + "' " + At(out.line)));
      doc.outputs.push_back(std::move(out));
    }
  }
  return doc;
}

}  // namespace

const char* WorkflowTypeName(WorkflowType t) {
  switch (t) {
    case WorkflowType::kBuild: return "BUILD";
    case WorkflowType::kTest: return "TEST";
    case WorkflowType::kDistribution: return "DISTRIBUTION";
  }
  return "?";
}

std::optional<WorkflowType> ParseWorkflowType(const std::string& s) {
  if (s == "BUILD") return WorkflowType::kBuild;
  if (s == "TEST") return WorkflowType::kTest;
  if (s == "DISTRIBUTION") return WorkflowType::kDistribution;
  return std::nullopt;
}

const std::vector<StepActionSpec>& StepActions() {
  // §2.1. Timeouts in seconds; outputs as the guide lists them.
  static const std::vector<StepActionSpec> kActions = {
      {"BootstrapInstanceForContainer", 60 * kMinute, {"instanceId"}, {},
       {"runCommandId", "status", "output"}, kAny, false},
      {"CollectImageMetadata", 30 * kMinute, {"instanceId"}, {}, {"osVersion", "associationId"},
       kBuild, true},
      {"CollectImageScanFindings", 120 * kMinute, {"instanceId"}, {},
       {"runCommandId", "status", "output"}, kTest | kDistribution, false},
      {"CreateImage", 720 * kMinute, {"instanceId"}, {}, {"imageId"}, kBuild, false},
      {"ExecuteComponents", 720 * kMinute, {"instanceId"}, {},
       {"runCommandId", "status", "output"}, kBuild | kTest, false},
      {"LaunchInstance", 60 * kMinute, {"waitFor"}, {}, {"instanceId"}, kBuild | kTest, true},
      {"RunCommand", 12 * 60 * kMinute, {"instanceId", "documentName"},
       {"parameters", "documentVersion"}, {"runCommandId", "status", "output"}, kAny, false},
      {"RunSysPrep", 60 * kMinute, {"instanceId"}, {}, {"runCommandId", "status", "output"},
       kBuild, false},
      {"SanitizeInstance", 60 * kMinute, {"instanceId"}, {},
       {"runCommandId", "status", "output"}, kBuild, false},
      {"TerminateInstance", 30 * kMinute, {"instanceId"}, {}, {}, kAny, false},
      {"WaitForAction", 3 * 24 * 60 * kMinute, {}, {"snsTopicArn"}, {"action", "reason"}, kAny,
       false},
  };
  return kActions;
}

const StepActionSpec* FindStepAction(const std::string& name) {
  for (const auto& a : StepActions())
    if (name == a.name) return &a;
  return nullptr;
}

int64_t WorkflowStep::EffectiveTimeoutSeconds() const {
  if (timeout_seconds) return *timeout_seconds;
  const StepActionSpec* spec = FindStepAction(action);
  return spec ? spec->default_timeout_seconds : kMaxStepTimeoutSeconds;
}

const WorkflowParameter* WorkflowDocument::FindParameter(const std::string& n) const {
  for (const auto& p : parameters)
    if (p.name == n) return &p;
  return nullptr;
}

const WorkflowStep* WorkflowDocument::FindStep(const std::string& n) const {
  for (const auto& s : steps)
    if (s.name == n) return &s;
  return nullptr;
}

Result<WorkflowDocument> ParseWorkflowDocument(const std::string& yaml_text, WorkflowType type) {
  YAML::Node root;
  try {
    root = YAML::Load(yaml_text);
  } catch (const YAML::Exception& e) {
    return Status::Invalid("workflow document (line " + std::to_string(e.mark.line + 1) +
                           "): not valid YAML: " + e.msg);
  }
  try {
    return Parse(root, type);
  } catch (const YAML::Exception& e) {
    return Status::Invalid("workflow document (line " + std::to_string(e.mark.line + 1) +
                           "): " + e.msg);
  } catch (const Json::exception& e) {
    return Status::Invalid(std::string("workflow document: ") + e.what());
  }
}

Result<Json> BindWorkflowParameters(const WorkflowDocument& doc,
                                    const std::vector<ParameterValue>& given) {
  Json bound = Json::object();
  for (const ParameterValue& g : given) {
    const WorkflowParameter* p = doc.FindParameter(g.name);
    if (!p)
      return Status::Invalid("workflow parameter '" + g.name +
                             "' is not declared by the workflow document");
    if (bound.contains(g.name))
      return Status::Invalid("workflow parameter '" + g.name + "' is given twice");
    Json v;
    if (p->type == "stringList") {
      v = g.values;
    } else {
      if (g.values.size() != 1)
        return Status::Invalid("workflow parameter '" + g.name + "' of type " + p->type +
                               " takes exactly one value, got " +
                               std::to_string(g.values.size()));
      const std::string& s = g.values[0];
      if (p->type == "string") v = s;
      if (p->type == "boolean") {
        if (s != "true" && s != "false")
          return Status::Invalid("workflow parameter '" + g.name + "': '" + s +
                                 "' is not a boolean (true or false)");
        v = s == "true";
      }
      if (p->type == "integer") {
        static const std::regex kInt("^-?[0-9]{1,18}$");
        if (!std::regex_match(s, kInt))
          return Status::Invalid("workflow parameter '" + g.name + "': '" + s +
                                 "' is not an integer");
        v = std::stoll(s);
      }
    }
    bound[g.name] = std::move(v);
  }
  for (const WorkflowParameter& p : doc.parameters) {
    if (bound.contains(p.name)) continue;
    if (!p.default_value)
      return Status::Invalid("workflow parameter '" + p.name +
                             "' has no default and no value was given");
    bound[p.name] = *p.default_value;
  }
  return bound;
}

}  // namespace kiln::engine
