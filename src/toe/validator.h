// Document validation (awstoe.md §2.4): everything that can be checked
// before a document runs. `validate` and `run` both call it; when anything is
// wrong nothing runs.
#pragma once

#include <string>
#include <vector>

#include "toe/document.h"
#include "toe/problems.h"

namespace kiln::toe {

// Where a document is meant to run. kiln-toe validates for the machine it
// runs on (the defaults); `kiln serve` validates a component for its declared
// platform and accepts documented modules this build does not implement
// (they fail clearly when run).
struct ValidateOptions {
  unsigned platform = 0;              // Platform bit; 0 = CurrentPlatform()
  bool require_implementation = true;
};

// Adds every problem of `doc` to `problems` (warnings for doubtful but
// accepted constructs).
void ValidateDocument(const Document& doc, Problems* problems,
                      const ValidateOptions& options = {});

// Parses and validates; the Status lists every problem found.
Result<Document> LoadAndValidate(const std::string& text, const std::string& source,
                                 Problems* problems, const ValidateOptions& options = {});

// Rule for parameter and constant names: 3-128 of [A-Za-z0-9_-].
bool ValidVariableName(const std::string& name);

}  // namespace kiln::toe
