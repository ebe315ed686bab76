// Starting image builds: the configuration CreateImage and image pipelines
// share (recipe, infrastructure, distribution, tests, scanning, workflows),
// resolved and validated, and the creation of the image record plus its
// queued build job (build_records.h).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "api/operation.h"
#include "api/workflow_store.h"
#include "common/status.h"
#include "store/store.h"

namespace kiln::api {

struct BuildConfig {
  store::Resource recipe;  // image-recipe or container-recipe row
  bool container = false;
  store::Resource infrastructure;
  std::optional<store::Resource> distribution;
  Json image_tests;         // {imageTestsEnabled, timeoutMinutes} with defaults
  Json image_scanning;      // as given, or null
  bool enhanced_metadata = true;
  std::string execution_role;
  Json workflows_config;    // the request's WorkflowConfiguration list, or null
  Json logging;             // loggingConfiguration, or null
  std::vector<ResolvedWorkflow> workflows;
};

// Validates and resolves the build members of `input` (CreateImage,
// Create/UpdateImagePipeline): exactly one recipe ARN (wildcards resolve to
// the latest visible version), an infrastructure configuration and an
// optional distribution configuration the caller owns (or Kiln manages),
// workflows (workflow_store.h). Errors name the member.
Result<BuildConfig> ResolveBuildConfig(OperationContext& ctx, const Json& input);

// The source pipeline of a pipeline build.
struct PipelineSource {
  std::string arn;
  std::string name;
};

// Inserts a new image build version (state PENDING, next build number of
// the recipe version) and its queued build job, in `tx`. Returns the image
// build version ARN. `build_type`: USER_INITIATED or SCHEDULED.
Result<std::string> CreateImageBuild(OperationContext& ctx, store::Store& tx,
                                     const BuildConfig& config, const Json& tags,
                                     const std::string& build_type,
                                     const std::optional<PipelineSource>& pipeline);

}  // namespace kiln::api
