// Variable references: "{{ expr }}" inside strings (awstoe.md §3).
//
// A reference is "{{", optional spaces, an expression, optional spaces, "}}".
// Several references may appear in one string. Expression forms:
//   Name                                  parameter or constant
//   phase.step.inputs[.key|[i].key...]    chaining to an earlier step
//   phase.step.outputs[.key|[i].key...]
//   loop.index / loop.value               the current step's loop
//   <loopName>.index / <loopName>.value
//   aws:ssm:...                           SSM Parameter Store (not supported)
// Substitution is lazy (at step run time). Loop references outside a loop
// stay verbatim, as the guide specifies; chaining references to steps that
// did not run also stay verbatim (with a warning in application.log).
#pragma once

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "toe/module.h"

namespace kiln::toe {

struct Reference {
  size_t begin = 0, end = 0;  // [begin, end) of "{{ ... }}" in the string
  std::string expr;           // trimmed inner text
};
std::vector<Reference> FindReferences(std::string_view s);

enum class RefKind { kVariable, kChaining, kLoop, kSsm, kOther };
struct ParsedRef {
  RefKind kind = RefKind::kOther;
  std::string head;   // variable name, phase, or loop name ("loop")
  std::string step;   // chaining: step name
  std::string which;  // chaining: "inputs"/"outputs"; loop: "index"/"value"
  std::string path;   // chaining: the rest, e.g. "[1].source" or ".stdout"
};
ParsedRef ParseRef(const std::string& expr);

struct LoopVars {
  std::string name;  // "" when unnamed
  int64_t index = 0;
  std::string value;
};

// Chaining values: "phase.step" -> {"inputs": [...], "outputs": [...]}.
using StepValues = std::map<std::string, Json>;

struct Scope {
  const std::map<std::string, std::string>* variables = nullptr;  // params + constants
  const StepValues* steps = nullptr;
  const LoopVars* loop = nullptr;  // null outside a loop
  // Receives a note for each reference left verbatim (may be empty).
  std::function<void(const std::string&)> warn;
  // Called for each chaining reference resolved (for chaining.json).
  std::function<void(const std::string& expr, const std::string& value)> chained;
};

// Substitutes every resolvable reference. Fails only for references that can
// never work here (SSM); everything else unresolved is kept verbatim.
Result<std::string> Substitute(const std::string& s, const Scope& scope);
// Applies Substitute to every string in a JSON value (keys untouched).
Result<Json> SubstituteJson(const Json& v, const Scope& scope);

// Looks up `path` ("[1].source", ".stdout", "") in a list of objects, where
// ".key" means "[0].key". Returns the value as text.
std::optional<std::string> LookupChained(const Json& list, const std::string& path);

}  // namespace kiln::toe
