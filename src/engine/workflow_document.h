// Image workflow documents (workflows-pipelines-lifecycle.md §1.5-1.9, §2):
// the YAML model, its parser and its validator.
//
// A workflow document names parameters, an ordered list of steps (each runs
// one of the 11 step actions of §2) and outputs. Parsing checks everything
// that can be checked without running the workflow: the schema, step names
// and count, each action and its required inputs, the `if` conditions
// (workflow_conditions.h), parameter types and defaults, timeouts, and the
// step/output references of dynamic variables. Every error names the step
// (or section), the field and the line of the document.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/status.h"
#include "engine/workflow_conditions.h"

namespace kiln::engine {

using Json = nlohmann::json;

enum class WorkflowType { kBuild, kTest, kDistribution };
const char* WorkflowTypeName(WorkflowType t);             // "BUILD", "TEST", "DISTRIBUTION"
std::optional<WorkflowType> ParseWorkflowType(const std::string& s);  // exact API spelling

inline constexpr int kMaxWorkflowSteps = 15;           // §1.7 [DOC L13470]
inline constexpr int64_t kMaxStepTimeoutSeconds = 86400;

// What the engine needs to know about each step action (§2.1).
struct StepActionSpec {
  const char* name;
  int64_t default_timeout_seconds;   // may exceed kMaxStepTimeoutSeconds (WaitForAction)
  std::vector<const char*> required_inputs;
  std::vector<const char*> optional_inputs;
  std::vector<const char*> outputs;
  unsigned allowed_types;     // bits of WorkflowTypeBit()
  bool has_rollback = false;  // LaunchInstance, CollectImageMetadata
};
inline constexpr unsigned WorkflowTypeBit(WorkflowType t) { return 1u << static_cast<int>(t); }
// nullptr when `name` is not one of the 11 documented actions.
const StepActionSpec* FindStepAction(const std::string& name);
const std::vector<StepActionSpec>& StepActions();

struct WorkflowParameter {
  std::string name;
  std::string type = "string";  // string | integer | boolean | stringList
  std::string description;
  std::optional<Json> default_value;  // typed: string, integer, boolean, array of strings
  int line = 0;
};

enum class StepOnFailure { kAbort, kContinue };

struct WorkflowStep {
  std::string name;
  std::string action;
  std::string description;
  std::optional<Condition> condition;  // the `if` attribute
  // Inputs as written: keys may end in ".$" (resolve the value as a dynamic
  // variable); see ResolveStepInputs in workflow_conditions.h.
  Json inputs = Json::object();
  StepOnFailure on_failure = StepOnFailure::kAbort;
  Json rollback_enabled = true;  // a boolean, or a "$.…" path resolving to one
  std::optional<int64_t> timeout_seconds;  // nullopt: the action's default
  int line = 0;

  int64_t EffectiveTimeoutSeconds() const;
};

struct WorkflowOutput {
  std::string name;
  std::string value;  // usually a "$.stepOutputs.<step>.<output>" path
  int line = 0;
};

struct WorkflowDocument {
  std::string name;
  std::string description;
  std::string schema_version;  // "1.0"
  std::vector<WorkflowParameter> parameters;
  std::vector<WorkflowStep> steps;
  std::vector<WorkflowOutput> outputs;
  // Non-fatal findings (e.g. a "$." value under a key without ".$"), each
  // naming step, field and line.
  std::vector<std::string> warnings;

  const WorkflowParameter* FindParameter(const std::string& name) const;
  const WorkflowStep* FindStep(const std::string& name) const;
};

// Parses and validates a workflow document of the given type. The error is
// InvalidArgument, naming section/step, field and line, e.g.
//   "step 'LaunchBuild' (line 12): field 'timeoutSeconds': 0 is out of range 1-86400".
Result<WorkflowDocument> ParseWorkflowDocument(const std::string& yaml_text, WorkflowType type);

// A workflow parameter value from the API (`{name, value: [string]}`),
// converted to the parameter's declared type. Unknown names and values that
// do not convert are InvalidArgument. Returns the complete binding:
// every declared parameter, given or defaulted; a parameter with neither a
// value nor a default is an error (§1.9 step 2).
struct ParameterValue {
  std::string name;
  std::vector<std::string> values;
};
Result<Json> BindWorkflowParameters(const WorkflowDocument& doc,
                                    const std::vector<ParameterValue>& given);

}  // namespace kiln::engine
