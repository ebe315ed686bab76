// Running a lifecycle policy against the store: the §5.6 evaluation
// (engine/lifecycle.h) over the policy owner's images, applied as image state
// changes and recorded as a lifecycle execution (build_records.h). The
// engine's scheduler calls this when an ENABLED policy comes due.
#pragma once

#include <cstdint>
#include <string>

#include "common/status.h"
#include "store/store.h"

namespace kiln::api {

// Runs `policy_arn` at `now_ms` in one transaction; returns the new
// lifecycle execution ID ("lce-..."). Image resources change state; Kiln
// images have no AMIs, snapshots or registry images to act on yet, so
// includeResources has nothing further to do.
Result<std::string> RunLifecyclePolicy(store::Store& store, const std::string& policy_arn,
                                       int64_t now_ms);

}  // namespace kiln::api
