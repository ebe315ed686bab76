// Input checks that depend on the platform a document runs on, not on the
// module: a module's Validate() is platform-neutral (the API server uses it
// for Windows components too), while kiln-toe runs documents on Linux.
//
// On Linux, Windows paths (a drive letter, `C:\...` or `C:/...`, or a UNC
// `\\server\share` path) in the inputs that name local files or folders
// would silently become odd relative file names, and Windows Update KB IDs
// in UpdateOS lists would fail inside the package manager. Both are refused
// by name (docs/DECISIONS.md D-toe-13): at validate time for Linux, and
// again after references are resolved, just before a step runs.
#pragma once

#include <string_view>

#include "common/status.h"
#include "toe/module.h"

namespace kiln::toe {

// Checks `inputs` of a step whose action module is `action` for Linux.
// Messages read like the module's own: "inputs[0]: input 'path' 'C:\x' is
// a Windows path; ...". References ({{ }}) are checked as written; the
// resolved values are checked again at run time.
Status CheckInputsForLinux(std::string_view action, const Json& inputs);

}  // namespace kiln::toe
