// BuildWorker: the consumer of the build queue that CreateImage and image
// pipelines fill (build_records.h). Each worker thread claims a queued
// `build-job` row, turns the image's recipe, infrastructure configuration
// and workflows into an engine::BuildPlan, runs it (engine/build.h) and
// records what happens as the API shows it:
//
//   image status   PENDING -> CREATING -> BUILDING -> TESTING ->
//                  DISTRIBUTING -> INTEGRATING -> AVAILABLE, or FAILED with
//                  state.reason, or CANCELLED (CancelImageCreation)
//   workflow and step executions (GetWorkflowExecution & co.), including
//   WaitForAction steps that wait for SendWorkflowStepAction
//   outputResources (an ami-... id, or the OCI reference of a container
//   image), osVersion and the package list (ListImagePackages)
//   build logs under <data-dir>/logs/ and, when the infrastructure
//   configuration names one, in an S3 bucket
//
// Durability: the queue is in the store, so queued builds survive a stop.
// Builds that were running when kiln stopped are marked FAILED with reason
// "interrupted" at the next Start, and their instances and files removed.
#pragma once

#include <atomic>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "common/status.h"
#include "store/store.h"

namespace kiln::api {

struct BuildWorkerOptions {
  std::string data_dir;          // image store, instances, build files, logs
  int max_builds = 2;            // builds that run at once
  bool instance_network = false; // give build/test instances the host network
  std::string toe_binary;        // default: kiln-toe beside kiln (FindHelperBinary)
  int64_t poll_ms = 250;         // how often idle workers look for queued jobs
  // Where container images are distributed ("host:port"): the registry that
  // stands in for ECR. Each container build is pushed there as
  // <registry>/<targetRepository.repositoryName>:<version>-<build> plus the
  // distribution configuration's containerTags. Empty: no push (the image
  // stays in the store, where its oci: URI points).
  std::string container_registry;
};

class BuildWorker {
 public:
  BuildWorker(store::Store* store, BuildWorkerOptions options);
  ~BuildWorker();

  // Recovers interrupted builds, then starts the worker threads.
  Status Start();
  // Stops the threads; running builds are cancelled and marked FAILED
  // ("interrupted"), queued ones stay queued for the next start.
  void Stop();

 private:
  class Job;
  Status RecoverInterrupted();
  Status CollectDeletedImages();
  void Loop();

  store::Store* store_;
  BuildWorkerOptions options_;
  std::atomic<bool> stopping_{false};
  std::vector<std::thread> threads_;
  std::mutex collect_mu_;
};

}  // namespace kiln::api
