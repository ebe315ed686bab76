// The records builds leave in the store, shared by the image, pipeline and
// workflow operations and by the engine that runs the builds.
//
//   image                    arn = image build ARN; status = image state
//                            (PENDING ... AVAILABLE, mirrored in
//                            doc.state.status); parent = the source pipeline
//                            ARN ("" for CreateImage); doc = the `Image` shape.
//   build-job                arn = "build-job/<uuid>"; parent = image ARN;
//                            status = queued | running | cancelled | done |
//                            failed; doc = {imageBuildVersionArn, buildType,
//                            workflows: [resolved, see workflow_store.h]}.
//                            CreateImage / StartImagePipelineExecution enqueue
//                            it; the engine claims it (Store::Claim).
//   workflow-execution       arn = "wf-<uuid>" (the workflowExecutionId);
//                            parent = image ARN; name = start-order key;
//                            status = PENDING | RUNNING | COMPLETED | ...;
//                            doc = the GetWorkflowExecution shape.
//   workflow-step-execution  arn = "step-<uuid>"; parent = "wf-<uuid>";
//                            name = step order key ("0001"); status = step
//                            status; doc = the GetWorkflowStepExecution shape
//                            plus "waiting": true while a WaitForAction step
//                            waits and "requestedAction": {action, reason}
//                            once SendWorkflowStepAction answered it.
//   lifecycle-execution      arn = "lce-<uuid>"; parent = policy ARN (or the
//                            image ARN for StartResourceStateUpdate);
//                            doc = the LifecycleExecution shape plus
//                            "resources": [LifecycleExecutionResource].
#pragma once

#include <string>

#include "api/operation.h"
#include "common/status.h"
#include "store/store.h"

namespace kiln::api {

// "8-4-4-4-12" lower-case hex, random.
std::string NewUuid();

// States in which an image is still being made (cancellable, not deletable).
bool ImageBuilding(const std::string& status);

// The image's status (row status, or doc.state.status).
std::string ImageStatus(const store::Resource& image);

// Sets an image's status in the row and in doc.state (reason optional).
void SetImageStatus(store::Resource& image, const std::string& status,
                    const std::string& reason = "");

// A recipe's `parentImage` given as an Image Builder image ARN (any level,
// wildcards allowed): the newest AVAILABLE image the caller may use. Errors
// are prefixed "parentImage".
Result<store::Resource> ResolveParentImageArn(OperationContext& ctx, const std::string& arn);

// A page of rows of `kind` whose parent is `parent` in the caller's region,
// ordered by name; `operation` binds the page token. Accounts: `account`.
struct ChildPage {
  std::vector<store::Resource> items;
  std::string next_token;
};
Result<ChildPage> ListChildren(OperationContext& ctx, const std::string& kind,
                               const std::string& parent, const std::string& account,
                               const Json& input, const std::string& operation);

}  // namespace kiln::api
