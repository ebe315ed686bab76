// Step loops (awstoe.md §4.1): for start/end/updateBy, forEach over a list,
// forEach over a delimited string.
#pragma once

#include <string>
#include <vector>

#include "toe/document.h"
#include "toe/expression.h"

namespace kiln::toe {

// Static checks: updateBy non-zero and heading towards `end`, a delimiter
// that is one of the nine allowed characters and not an expression.
Status CheckLoop(const Loop& loop);

// The iteration values, computed once when the step starts. forEach items and
// the forEach list string are substituted with `scope` first.
Result<std::vector<std::string>> LoopValues(const Loop& loop, const Scope& scope);

}  // namespace kiln::toe
