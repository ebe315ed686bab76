// Document validation (awstoe.md §2.4): everything that can be checked
// before a document runs. `validate` and `run` both call it; when anything is
// wrong nothing runs.
#pragma once

#include <string>
#include <vector>

#include "toe/document.h"
#include "toe/problems.h"

namespace kiln::toe {

// Adds every problem of `doc` to `problems` (warnings for doubtful but
// accepted constructs).
void ValidateDocument(const Document& doc, Problems* problems);

// Parses and validates; the Status lists every problem found.
Result<Document> LoadAndValidate(const std::string& text, const std::string& source,
                                 Problems* problems);

// Rule for parameter and constant names: 3-128 of [A-Za-z0-9_-].
bool ValidVariableName(const std::string& name);

}  // namespace kiln::toe
