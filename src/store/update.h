// Read-modify-write of one resource that other writers may change at the
// same time (the build worker against CancelImageCreation and
// SendWorkflowStepAction): read the row, let `mutate` change it, write it
// back with CompareAndUpdate on the status it was read with, and start over
// when someone else wrote first.
#pragma once

#include <functional>
#include <string>

#include "common/status.h"
#include "store/store.h"

namespace kiln::store {

// `mutate` returns a non-OK Status to stop without writing (that Status is
// returned). NotFound when the row is gone; Unavailable after `attempts`
// lost races.
Status UpdateWithRetry(Store& store, const std::string& arn,
                       const std::function<Status(Resource&)>& mutate, int attempts = 20);

}  // namespace kiln::store
