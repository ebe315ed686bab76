// Conditionals: comparison and logical operators (awstoe.md §4.2-4.4), used
// by a step's `if` and by the Assert module.
//
// An expression is a mapping with exactly one operator key, plus `value`
// for binary comparisons and `path` for the file hash operators. Binary
// comparisons evaluate `value OP operand` (the direction of the guide's
// examples). String comparisons ignore case; patternMatches is a
// case-insensitive, unanchored regex search. Number comparisons are exact
// decimal comparisons; a value that is not a number makes them false.
#pragma once

#include <string>

#include "toe/module.h"

namespace kiln::toe {

// Static check of an expression (operators known, one top-level operator,
// operands present). With `allow_then_else` (a step's `if`), `then`/`else`
// may appear beside the operator and must be Execute, Skip or Abort. An
// `if` written as a one-item list is accepted.
Status CheckCondition(const Json& expr, bool allow_then_else);

// Evaluates an already-substituted expression.
Result<bool> EvaluateCondition(const Json& expr);

enum class IfAction { kExecute, kSkip, kAbort };
const char* IfActionName(IfAction a);
// Evaluates a step's `if`: the `then` action when true (default Execute),
// the `else` action when false (default Skip).
Result<IfAction> EvaluateIf(const Json& if_node);

// Exact comparison of decimal numbers in text ("1", "-2.50", "+3"); nullopt
// when either is not a number by the guide's rule ^[-+]?([0-9]+[.])?[0-9]+$.
std::optional<int> CompareDecimal(const std::string& a, const std::string& b);

}  // namespace kiln::toe
