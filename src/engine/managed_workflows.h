// Kiln-managed workflows (owner "aws", listed with owner=Amazon): the
// default build and test workflows of workflows-pipelines-lifecycle.md §1.4,
// kept as YAML under src/engine/workflows/<type>/<name>.yaml and compiled
// into the binary.
#pragma once

#include <string>
#include <vector>

#include "common/status.h"
#include "engine/workflow_document.h"

namespace kiln::engine {

struct EmbeddedFile {
  const char* path;  // "build/build-image.yaml"
  const char* text;
};
// Generated at build time (workflows/embed_workflows.cmake).
const std::vector<EmbeddedFile>& EmbeddedWorkflowFiles();

inline constexpr const char* kManagedWorkflowVersion = "1.0.0";

struct ManagedWorkflow {
  WorkflowType type;
  std::string name;         // "build-image"
  std::string description;  // from the document
  std::string version;      // kManagedWorkflowVersion
  std::string yaml;
};

// The managed workflows, each parsed and validated (an invalid embedded
// document is an Internal error: a bug in Kiln).
Result<std::vector<ManagedWorkflow>> ManagedWorkflows();

// The default workflows used when a build names none (§1.2):
// "build-image"/"test-image" for AMIs, "build-container"/"test-container"
// for container images.
std::string DefaultWorkflowName(WorkflowType type, bool container);

}  // namespace kiln::engine
