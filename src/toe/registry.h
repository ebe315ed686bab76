// What the registry knows about a module name beyond Module itself: every
// module the guide documents has an entry (with its platforms) even when this
// build does not implement it, so validation can say "Windows-only" or "not
// implemented in this build" rather than "unknown".
#pragma once

#include <string_view>

#include "toe/module.h"

namespace kiln::toe {

struct ModuleInfo {
  std::string_view name;
  unsigned platforms;  // Platform bitmask from the guide's module table
  const Module* impl;  // null when this build has no implementation
};

// nullptr when the guide documents no module of that name (exact case).
const ModuleInfo* FindModuleInfo(std::string_view name);
// The platform kiln-toe runs on (Linux for every supported build).
Platform CurrentPlatform();
// "Linux, Windows" for a Platform bitmask.
std::string PlatformNames(unsigned platforms);

}  // namespace kiln::toe
