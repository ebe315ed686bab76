// Dynamic variables and conditional statements of workflow documents
// (workflows-pipelines-lifecycle.md §3).
//
// Dynamic variables are JSONPath-like strings:
//   $.parameters.<name>              bound workflow parameters
//   $.stepOutputs.<step>.<output>    outputs of an earlier step
//   $.workflowOutputs.<name>         outputs of workflows that already ran
//   $.imagebuilder.<systemVariable>  system variables (case-insensitive)
// followed optionally by `.field` / `[n]` navigation into objects and lists.
//
// Conditions (the step `if`): one parent statement — `and`, `or` (1-10
// children), `not` (exactly one) or a comparison `{<operator>: x, value: y}`
// — nested at most 4 levels. A parent or `not` written as a one-element
// list is accepted (the guide shows both forms).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/status.h"

namespace kiln::engine {

using Json = nlohmann::json;

inline constexpr int kMaxConditionDepth = 4;
inline constexpr int kMaxConditionChildren = 10;

struct Condition {
  enum class Kind { kAnd, kOr, kNot, kCompare };
  Kind kind = Kind::kCompare;
  std::string op;  // comparison operator, e.g. "stringEquals"
  Json operand;    // the operator's operand (literal or "$." path)
  Json value;      // the `value:` operand (literal or "$." path)
  std::vector<Condition> children;
};

// The comparison operators of §3.2.
bool IsComparisonOperator(const std::string& op);

// Parses an `if` attribute (already converted from YAML to JSON, keeping
// scalar types). Errors are InvalidArgument naming the position inside the
// condition, e.g. "if.and[2].not: takes exactly one condition, found 2".
// Literal operands are type-checked here (numberEquals: 'abc' is an error).
Result<Condition> ParseCondition(const Json& node);

// The values dynamic variables resolve against.
struct VariableScope {
  Json parameters = Json::object();
  Json step_outputs = Json::object();      // step name -> {output: value}
  Json workflow_outputs = Json::object();  // output name -> value
  Json imagebuilder = Json::object();      // system variable -> value
};

// The system variables of §3.1 (canonical spelling).
const std::vector<std::string>& SystemVariableNames();

// True when `s` is written as a dynamic variable ("$." prefix).
bool IsDynamicVariable(const Json& s);

// A parsed variable path: root node ("parameters", "stepOutputs",
// "workflowOutputs", "imagebuilder") and the following segments (names or
// list indexes as strings "[n]").
struct VariablePath {
  std::string root;
  std::vector<std::string> segments;
};
Result<VariablePath> ParseVariablePath(const std::string& path);

// Resolves a dynamic variable, keeping the value's type. NotFound-style
// errors (InvalidArgument) name the path and the missing part, e.g. a step
// that has not run or was skipped.
Result<Json> ResolveVariable(const std::string& path, const VariableScope& scope);

// Evaluates a condition with the short-circuit rules of §3.2 (value <op>
// operand for ordered comparisons). An operand that cannot be compared
// (a non-numeric value for numberEquals) is an error, which fails the step.
Result<bool> EvaluateCondition(const Condition& c, const VariableScope& scope);

// Resolves a step's inputs: a key ending in ".$" is resolved when its value
// is a "$." path (else taken literally) and stored without the suffix; a
// plain key whose string value is a "$." path is resolved too (the guide's
// own examples do this). Nested maps are resolved the same way.
Result<Json> ResolveStepInputs(const Json& inputs, const VariableScope& scope);

}  // namespace kiln::engine
