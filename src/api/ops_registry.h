// Registers every operation handler linked into the binary. Each ops_*.cc
// provides a `void Register<Area>Operations()` in namespace kiln::api; add
// one line for it in ops_registry.cc (KILN_OPS(Name)). The declarations there
// are weak, so a binary without that file still links and the operations it
// would provide answer NotImplementedException.
#pragma once

#include <string>
#include <vector>

namespace kiln::api {

// Calls each linked Register*Operations(); returns the names of those found.
std::vector<std::string> RegisterAllOperations();

}  // namespace kiln::api
