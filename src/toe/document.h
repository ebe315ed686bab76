// The component document model and its parser (awstoe.md §2).
//
// Parsing turns YAML (or JSON, which yaml-cpp also reads) into this model,
// keeping every scalar's raw text (`0777` stays "0777", `1.0` stays "1.0")
// and the line of every phase, step and step field for error messages.
// Structural problems (wrong types, missing required fields, unknown keys)
// are added to `Problems`; cross-references (modules, chaining, parameter
// names, duplicates) are checked later by the validator (validator.h).
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "toe/module.h"
#include "toe/problems.h"

namespace kiln::toe {

enum class OnFailure { kAbort, kContinue, kIgnore };
const char* OnFailureName(OnFailure f);

struct Variable {  // a parameter or a constant
  std::string name;
  std::string type = "string";
  std::optional<std::string> value;  // parameter default, or constant value
  std::string description;
  int line = 0;
};

struct Loop {
  enum class Kind { kFor, kForEachList, kForEachString };
  Kind kind = Kind::kFor;
  std::string name;  // "" when unnamed
  int64_t start = 0, end = 0, update_by = 0;  // kFor
  std::vector<std::string> items;             // kForEachList (may hold references)
  std::string list;                           // kForEachString (may hold a reference)
  std::string delimiter = ",";                // kForEachString
  int line = 0;
};

struct Step {
  std::string name;
  std::string action;
  int64_t timeout_seconds = 7200;  // -1 = none
  bool timeout_given = false;
  OnFailure on_failure = OnFailure::kAbort;
  int64_t max_attempts = 1;
  bool max_attempts_given = false;
  std::optional<Json> condition;  // the `if` construct, as written
  std::optional<Loop> loop;
  Json inputs;                    // null when the step has no `inputs`
  int line = 0;
  std::map<std::string, int> field_lines;  // "inputs" -> line, ...
  int LineOf(const std::string& field) const;
};

struct Phase {
  std::string name;
  std::vector<Step> steps;
  int line = 0;
};

struct Document {
  std::string source;  // where it came from, as the user wrote it
  std::string text;    // the document as read (copied into the log folder)
  std::string name;
  std::string description;
  std::string schema_version;
  std::vector<Variable> parameters;
  std::vector<Variable> constants;
  std::vector<Phase> phases;

  const Phase* FindPhase(const std::string& name) const;
  const Variable* FindVariable(const std::string& name) const;  // parameter or constant
};

// Parses `text`. Returns an error only when the text is not YAML/JSON or not
// a mapping; every other problem goes to `problems` and parsing continues.
Result<Document> ParseDocument(const std::string& text, const std::string& source,
                               Problems* problems);

}  // namespace kiln::toe
