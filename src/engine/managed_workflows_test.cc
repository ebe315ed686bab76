#include "engine/managed_workflows.h"

#include <gtest/gtest.h>

namespace kiln::engine {
namespace {

TEST(ManagedWorkflows, AllEmbeddedDocumentsAreValid) {
  auto all = ManagedWorkflows();
  ASSERT_TRUE(all.ok()) << all.status().ToString();
  std::vector<std::string> names;
  for (const auto& w : *all) names.push_back(std::string(WorkflowTypeName(w.type)) + "/" + w.name);
  EXPECT_EQ(names, (std::vector<std::string>{"BUILD/build-container", "BUILD/build-image",
                                             "TEST/test-container", "TEST/test-image"}));
}

TEST(ManagedWorkflows, DefaultBuildSkipsSanitizeOnWindows) {
  auto all = ManagedWorkflows();
  ASSERT_TRUE(all.ok());
  for (const auto& w : *all) {
    if (w.name != "build-image") continue;
    auto doc = ParseWorkflowDocument(w.yaml, w.type);
    ASSERT_TRUE(doc.ok());
    VariableScope scope;
    scope.imagebuilder = {{"imageType", "AMI"}, {"platform", "Windows"},
                          {"collectImageMetadata", true}};
    const WorkflowStep* sanitize = doc->FindStep("RunSanitizeScript");
    const WorkflowStep* sysprep = doc->FindStep("RunSysPrepScript");
    ASSERT_TRUE(sanitize && sysprep);
    EXPECT_FALSE(*EvaluateCondition(*sanitize->condition, scope));
    EXPECT_TRUE(*EvaluateCondition(*sysprep->condition, scope));
  }
}

}  // namespace
}  // namespace kiln::engine
