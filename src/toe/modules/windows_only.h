// Modules the guide documents for Windows only. They are registered with
// platforms() = Windows so that a Linux `validate`/`run` rejects them by
// name; their Validate still checks the inputs (so a document can be
// validated for Windows), and Execute refuses plainly.
#pragma once

#include <string>

#include "toe/modules/module_base.h"

namespace kiln::toe {

inline ModuleResult WindowsOnlyResult(std::string_view name) {
  ModuleResult r;
  r.status = Status::Unimplemented(std::string(name) +
                                   " runs only on Windows; kiln-toe is running on Linux and cannot execute it");
  return r;
}

}  // namespace kiln::toe
