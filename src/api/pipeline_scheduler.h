// PipelineScheduler: runs what is due by the clock. Lifecycle policies that
// are ENABLED are evaluated once a day (lifecycle_runs.h). And it starts
// image pipelines when their cron schedule says
// (workflows-pipelines-lifecycle.md §4.2), by queuing a SCHEDULED build the
// way StartImagePipelineExecution queues a USER_INITIATED one.
//
// pipelineExecutionStartCondition:
//   EXPRESSION_MATCH_ONLY                               every time the cron fires;
//   EXPRESSION_MATCH_AND_DEPENDENCY_UPDATES_AVAILABLE   only when the recipe, a
//       component or the parent image resolves (wildcards included) to
//       something the pipeline's last scheduled build did not use.
// A run missed while kiln was down starts once at the next tick, not once per
// missed slot. Scheduler state (last slot, dependencies) is kept in the
// store's values ("pipeline-schedule"/<arn>), outside the API's documents.
// After each pipeline build, the build worker updates lastRunStatus and
// consecutiveFailures, and applies schedule.autoDisablePolicy
// (UpdatePipelineAfterBuild).
#pragma once

#include <atomic>
#include <string>
#include <thread>
#include <vector>

#include "common/status.h"
#include "store/store.h"

namespace kiln::api {

class PipelineScheduler {
 public:
  explicit PipelineScheduler(store::Store* store, int64_t tick_ms = 5000);
  ~PipelineScheduler();

  Status Start();
  void Stop();

  // One pass at `now_ms`: queues the builds of the pipelines that are due.
  // Returns the image ARNs it created.
  Result<std::vector<std::string>> RunDue(int64_t now_ms);

 private:
  Status RunLifecyclePolicies(int64_t now_ms);
  store::Store* store_;
  int64_t tick_ms_;
  std::atomic<bool> stopping_{false};
  std::thread thread_;
};

// Records a finished pipeline build on its pipeline: lastRunStatus, and
// consecutiveFailures with the schedule's autoDisablePolicy (failureCount
// consecutive failures disable the pipeline).
Status UpdatePipelineAfterBuild(store::Store& store, const std::string& pipeline_arn,
                                const std::string& image_status);

}  // namespace kiln::api
