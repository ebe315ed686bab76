#include "store/update.h"

#include "common/time.h"

namespace kiln::store {

Status UpdateWithRetry(Store& store, const std::string& arn, const std::function<Status(Resource&)>& mutate,
                       int attempts) {
  for (int i = 0; i < attempts; i++) {
    KILN_ASSIGN_OR_RETURN(Resource r, store.Get(arn));
    const std::string was = r.status;
    KILN_RETURN_IF_ERROR(mutate(r));
    r.updated_ms = NowMillis();
    Status s = store.CompareAndUpdate(r, was);
    if (s.code() != Code::kFailedPrecondition) return s;
  }
  return Status::Unavailable(arn + " kept changing while it was being updated");
}

}  // namespace kiln::store
