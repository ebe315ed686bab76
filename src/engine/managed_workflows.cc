#include "engine/managed_workflows.h"

namespace kiln::engine {

Result<std::vector<ManagedWorkflow>> ManagedWorkflows() {
  std::vector<ManagedWorkflow> out;
  for (const EmbeddedFile& f : EmbeddedWorkflowFiles()) {
    std::string path = f.path;  // "<type>/<name>.yaml"
    size_t slash = path.find('/');
    size_t dot = path.rfind(".yaml");
    if (slash == std::string::npos || dot == std::string::npos)
      return Status::Internal("managed workflow file '" + path + "' is not <type>/<name>.yaml");
    std::string type_dir = path.substr(0, slash);
    std::optional<WorkflowType> type;
    if (type_dir == "build") type = WorkflowType::kBuild;
    if (type_dir == "test") type = WorkflowType::kTest;
    if (type_dir == "distribution") type = WorkflowType::kDistribution;
    if (!type) return Status::Internal("managed workflow file '" + path + "': unknown type");
    auto doc = ParseWorkflowDocument(f.text, *type);
    if (!doc.ok())
      return Status::Internal("managed workflow " + path + ": " + doc.status().message());
    ManagedWorkflow w;
    w.type = *type;
    w.name = path.substr(slash + 1, dot - slash - 1);
    w.description = doc->description;
    w.version = kManagedWorkflowVersion;
    w.yaml = f.text;
    out.push_back(std::move(w));
  }
  return out;
}

std::string DefaultWorkflowName(WorkflowType type, bool container) {
  if (type == WorkflowType::kBuild) return container ? "build-container" : "build-image";
  if (type == WorkflowType::kTest) return container ? "test-container" : "test-image";
  return "";
}

}  // namespace kiln::engine
