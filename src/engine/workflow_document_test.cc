#include "engine/workflow_document.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace kiln::engine {
namespace {

using ::testing::HasSubstr;

Result<WorkflowDocument> ParseTest(const std::string& y) {
  return ParseWorkflowDocument(y, WorkflowType::kTest);
}
Result<WorkflowDocument> ParseBuild(const std::string& y) {
  return ParseWorkflowDocument(y, WorkflowType::kBuild);
}

// Guide L13429-13466 + L13515-13547 (W5, W6, W7), indentation repaired.
const char* kGuideExample = R"(---
name: sample-test-image
description: Workflow for a sample image, with extra configuration options exposed
  through workflow parameters.
schemaVersion: 1.0
parameters:
  - name: waitForActionAtEnd
    type: boolean
    default: true
    description: "Wait for an external action at the end of the workflow"
steps:
  - name: LaunchTestInstance
    action: LaunchInstance
    onFailure: Abort
    inputs:
      waitFor: "ssmAgent"
  - name: ApplyTestComponents
    action: ExecuteComponents
    onFailure: Abort
    inputs:
      instanceId.$: "$.stepOutputs.LaunchTestInstance.instanceId"
  - name: TerminateTestInstance
    action: TerminateInstance
    onFailure: Continue
    inputs:
      instanceId.$: "$.stepOutputs.LaunchTestInstance.instanceId"
  - name: WaitForActionAtEnd
    action: WaitForAction
    if:
      booleanEquals: true
      value: "$.parameters.waitForActionAtEnd"
outputs:
  - name: 'launchedInstance'
    value: '$.stepOutputs.LaunchTestInstance.instanceId'
)";

TEST(WorkflowDocument, ParsesTheGuideExample) {
  auto doc = ParseTest(kGuideExample);
  ASSERT_TRUE(doc.ok()) << doc.status().ToString();
  EXPECT_EQ(doc->name, "sample-test-image");
  EXPECT_EQ(doc->description,
            "Workflow for a sample image, with extra configuration options exposed through "
            "workflow parameters.");
  EXPECT_EQ(doc->schema_version, "1.0");
  ASSERT_EQ(doc->parameters.size(), 1u);
  EXPECT_EQ(doc->parameters[0].type, "boolean");
  EXPECT_EQ(*doc->parameters[0].default_value, Json(true));
  ASSERT_EQ(doc->steps.size(), 4u);
  EXPECT_EQ(doc->steps[2].on_failure, StepOnFailure::kContinue);
  EXPECT_EQ(doc->steps[0].EffectiveTimeoutSeconds(), 3600);
  EXPECT_EQ(doc->steps[3].EffectiveTimeoutSeconds(), 259200);  // WaitForAction: 3 days
  EXPECT_TRUE(doc->steps[3].inputs.empty());
  ASSERT_TRUE(doc->steps[3].condition.has_value());
  EXPECT_EQ(doc->steps[2].line, 22);
  ASSERT_EQ(doc->outputs.size(), 1u);
  EXPECT_TRUE(doc->warnings.empty());
}

TEST(WorkflowDocument, ParameterBindingUsesDefaultsAndOverrides) {
  auto doc = ParseTest(kGuideExample);
  ASSERT_TRUE(doc.ok());
  auto bound = BindWorkflowParameters(*doc, {});
  ASSERT_TRUE(bound.ok());
  EXPECT_EQ((*bound)["waitForActionAtEnd"], Json(true));
  bound = BindWorkflowParameters(*doc, {{"waitForActionAtEnd", {"false"}}});
  ASSERT_TRUE(bound.ok());
  EXPECT_EQ((*bound)["waitForActionAtEnd"], Json(false));
  // The step is skipped with the override (W7).
  VariableScope scope;
  scope.parameters = *bound;
  auto run = EvaluateCondition(*doc->steps[3].condition, scope);
  ASSERT_TRUE(run.ok());
  EXPECT_FALSE(*run);

  auto bad = BindWorkflowParameters(*doc, {{"waitForActionAtEnd", {"yes"}}});
  EXPECT_FALSE(bad.ok());
  EXPECT_THAT(bad.status().message(), HasSubstr("not a boolean"));
  bad = BindWorkflowParameters(*doc, {{"other", {"x"}}});
  EXPECT_THAT(bad.status().message(), HasSubstr("not declared"));
}

TEST(WorkflowDocument, ParameterWithoutDefaultMustBeGiven) {
  auto doc = ParseTest(R"(schemaVersion: "1.0"
parameters:
  - name: count
    type: integer
  - name: names
    type: stringList
    default: ["a", "b"]
  - name: plain
steps:
  - name: Wait
    action: WaitForAction
)");
  ASSERT_TRUE(doc.ok()) << doc.status().ToString();
  EXPECT_EQ(doc->parameters[2].type, "string");  // missing type means string
  auto bound = BindWorkflowParameters(*doc, {{"plain", {"v"}}});
  EXPECT_THAT(bound.status().message(), HasSubstr("'count' has no default"));
  bound = BindWorkflowParameters(*doc, {{"plain", {"v"}}, {"count", {"12"}}});
  ASSERT_TRUE(bound.ok());
  EXPECT_EQ((*bound)["count"], Json(12));
  EXPECT_EQ((*bound)["names"], Json({"a", "b"}));
}

TEST(WorkflowDocument, GuideStepExamplesAreValid) {
  // W9-W18, each as a one-step (or two-step) document.
  const char* build = R"(schemaVersion: 1.0
steps:
  - name: LaunchStep
    action: LaunchInstance
    inputs:
      waitFor: ssmAgent
  - name: ContainerBootstrapStep
    action: BootstrapInstanceForContainer
    onFailure: Abort
    inputs:
      instanceId.$: $.stepOutputs.LaunchStep.instanceId
  - name: CollectMetadataStep
    action: CollectImageMetadata
    onFailure: Abort
    inputs:
      instanceId: $.stepOutputs.LaunchStep.instanceId
  - name: CreateImageFromInstance
    action: CreateImage
    onFailure: Abort
    inputs:
      instanceId.$: "i-1234567890abcdef0"
  - name: RunCommandDoc
    action: RunCommand
    onFailure: Abort
    inputs:
      documentName: SampleDocument
      parameters:
        osPlatform:
          - "Linux"
      instanceId.$: $.stepOutputs.LaunchStep.instanceId
  - name: RunSysprep
    action: RunSysPrep
    inputs:
      instanceId.$: $.stepOutputs.LaunchStep.instanceId
  - name: SanitizeStep
    action: SanitizeInstance
    inputs:
      instanceId: $.stepOutputs.LaunchStep.instanceId
  - name: TerminateStep
    action: TerminateInstance
    onFailure: Continue
    inputs:
      instanceId.$: i-1234567890abcdef0
)";
  auto doc = ParseBuild(build);
  ASSERT_TRUE(doc.ok()) << doc.status().ToString();
  // Two plain keys carry "$." values: accepted, with warnings naming them.
  ASSERT_EQ(doc->warnings.size(), 2u);
  EXPECT_THAT(doc->warnings[0], HasSubstr("CollectMetadataStep"));
}

TEST(WorkflowDocument, ActionsAreRestrictedByWorkflowType) {
  const char* scan = R"(schemaVersion: 1.0
steps:
  - name: ScanFindings
    action: CollectImageScanFindings
    inputs:
      instanceId.$: i-1234567890abcdef0
)";
  EXPECT_TRUE(ParseTest(scan).ok());
  auto b = ParseBuild(scan);
  ASSERT_FALSE(b.ok());
  EXPECT_THAT(b.status().message(), HasSubstr("cannot be used in a BUILD workflow"));
  const char* metadata = R"(schemaVersion: 1.0
steps:
  - name: Metadata
    action: CollectImageMetadata
    inputs:
      instanceId: i-1
)";
  EXPECT_TRUE(ParseBuild(metadata).ok());
  EXPECT_FALSE(ParseTest(metadata).ok());
}

struct BadCase {
  const char* name;
  std::string yaml;
  const char* expected;
};

std::string OneStep(const std::string& step_body) {
  return "schemaVersion: 1.0\nsteps:\n  - name: LaunchStep\n    action: LaunchInstance\n"
         "    inputs:\n      waitFor: ssmAgent\n" +
         step_body;
}

TEST(WorkflowDocument, RejectsBadDocumentsWithPreciseErrors) {
  std::string sixteen = "schemaVersion: 1.0\nsteps:\n";
  for (int i = 0; i < 16; ++i)
    sixteen += "  - name: Step" + std::to_string(i) + "\n    action: WaitForAction\n";
  std::vector<BadCase> cases = {
      {"16 steps", sixteen, "16 steps; a workflow has at most 15"},
      {"missing schemaVersion", "steps:\n  - name: Wait\n    action: WaitForAction\n",
       "missing field 'schemaVersion'"},
      {"schemaVersion 2", "schemaVersion: 2.0\nsteps:\n  - name: Wait\n    action: WaitForAction\n",
       "(line 1): field 'schemaVersion'"},
      {"short name", OneStep("  - name: Ab\n    action: WaitForAction\n"),
       "must be 3-128 letters"},
      {"space in name", OneStep("  - name: Wait For It\n    action: WaitForAction\n"),
       "must be 3-128 letters"},
      {"duplicate name", OneStep("  - name: LaunchStep\n    action: WaitForAction\n"),
       "another step is already named 'LaunchStep'"},
      {"empty description",
       OneStep("  - name: WaitStep\n    action: WaitForAction\n    description: \"\"\n"),
       "field 'description'"},
      {"timeout 0", OneStep("  - name: WaitStep\n    action: WaitForAction\n    timeoutSeconds: 0\n"),
       "step 'WaitStep' (line 7): field 'timeoutSeconds': 0 is not an integer in 1-86400"},
      {"timeout 86401",
       OneStep("  - name: WaitStep\n    action: WaitForAction\n    timeoutSeconds: 86401\n"),
       "86401 is not an integer"},
      {"onFailure Retry",
       OneStep("  - name: WaitStep\n    action: WaitForAction\n    onFailure: Retry\n"),
       "'Retry' is not Abort or Continue"},
      {"unknown action", OneStep("  - name: Distribute\n    action: DistributeImage\n"),
       "unknown action 'DistributeImage'"},
      {"unknown key", OneStep("  - name: WaitStep\n    action: WaitForAction\n    waitSeconds: 5\n"),
       "unknown field 'waitSeconds'"},
      {"missing input", OneStep("  - name: Terminate\n    action: TerminateInstance\n"),
       "needs input 'instanceId'"},
      {"unknown input",
       OneStep("  - name: Terminate\n    action: TerminateInstance\n    inputs:\n      "
               "instanceId: i-1\n      force: true\n"),
       "has no input 'force'"},
      {"waitFor other",
       "schemaVersion: 1.0\nsteps:\n  - name: Launch\n    action: LaunchInstance\n    inputs:\n"
       "      waitFor: other\n",
       "'other' is not supported; the only value is 'ssmAgent'"},
      {"later step reference",
       "schemaVersion: 1.0\nsteps:\n  - name: Terminate\n    action: TerminateInstance\n"
       "    inputs:\n      instanceId.$: $.stepOutputs.Launch.instanceId\n  - name: Launch\n"
       "    action: LaunchInstance\n    inputs:\n      waitFor: ssmAgent\n",
       "names step 'Launch', which is not an earlier step"},
      {"unknown output",
       OneStep("  - name: Terminate\n    action: TerminateInstance\n    inputs:\n      "
               "instanceId.$: $.stepOutputs.LaunchStep.imageId\n"),
       "has no output 'imageId'"},
      {"undeclared parameter",
       OneStep("  - name: WaitStep\n    action: WaitForAction\n    if:\n      booleanEquals: "
               "true\n      value: $.parameters.nope\n"),
       "names parameter 'nope'"},
      {"bad parameter type",
       "schemaVersion: 1.0\nparameters:\n  - name: f\n    type: float\nsteps:\n  - name: Wait\n"
       "    action: WaitForAction\n",
       "'float' is not one of"},
      {"default of the wrong type",
       "schemaVersion: 1.0\nparameters:\n  - name: n\n    type: integer\n    default: abc\n"
       "steps:\n  - name: Wait\n    action: WaitForAction\n",
       "parameter 'n' (line 5): field 'default': value \"abc\" is not a integer"},
      {"not yaml", "steps: [unclosed", "not valid YAML"},
      {"no steps", "schemaVersion: 1.0\n", "field 'steps' must be a non-empty list"},
  };
  for (const auto& c : cases) {
    auto doc = ParseBuild(c.yaml);
    ASSERT_FALSE(doc.ok()) << c.name;
    EXPECT_THAT(doc.status().message(), HasSubstr(c.expected)) << c.name;
    EXPECT_EQ(doc.status().code(), Code::kInvalidArgument) << c.name;
  }
}

TEST(WorkflowDocument, ConditionErrorsNameTheStepAndLine) {
  std::string eleven = "      and:\n";
  for (int i = 0; i < 11; ++i) eleven += "        - stringEquals: a\n          value: a\n";
  auto doc = ParseBuild(OneStep("  - name: WaitStep\n    action: WaitForAction\n    if:\n" + eleven));
  ASSERT_FALSE(doc.ok());
  EXPECT_THAT(doc.status().message(),
              HasSubstr("step 'WaitStep' (line 10): field if.and: takes a list of 1 to 10"));
}

TEST(WorkflowDocument, DefaultWorkflowReconstructionsAreValid) {
  // Covered in managed_workflows_test.cc as well; here: a BUILD-only action
  // in a DISTRIBUTION workflow is refused.
  auto doc = ParseWorkflowDocument(
      "schemaVersion: 1.0\nsteps:\n  - name: Sanitize\n    action: SanitizeInstance\n"
      "    inputs:\n      instanceId: i-1\n",
      WorkflowType::kDistribution);
  EXPECT_FALSE(doc.ok());
}

}  // namespace
}  // namespace kiln::engine
