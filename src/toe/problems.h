// Collected validation problems, each naming where it is: document, line,
// phase, step and field. Parsing and validation keep going after a problem so
// that one `validate` run reports everything wrong with a document.
#pragma once

#include <string>
#include <vector>

#include "common/status.h"

namespace kiln::toe {

struct Where {
  std::string document;  // the location as the user gave it
  int line = 0;          // 1-based; 0 = unknown
  std::string phase;
  std::string step;
  std::string field;
};

class Problems {
 public:
  // "doc.yml:12: phase 'build', step 'Hello', field 'timeoutSeconds': <message>"
  void Add(const Where& where, const std::string& message);
  void AddWarning(const Where& where, const std::string& message);
  bool empty() const { return errors_.empty(); }
  const std::vector<std::string>& errors() const { return errors_; }
  const std::vector<std::string>& warnings() const { return warnings_; }
  // OK when there are no errors; otherwise InvalidArgument listing them all.
  Status ToStatus() const;
  static std::string Format(const Where& where, const std::string& message);

 private:
  std::vector<std::string> errors_;
  std::vector<std::string> warnings_;
};

}  // namespace kiln::toe
