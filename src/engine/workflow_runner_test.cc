#include "engine/workflow_runner.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <set>
#include <vector>

namespace kiln::engine {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

// Records calls; fails the steps named in `fail` and returns canned outputs.
class FakeActions : public StepActionRunner {
 public:
  Result<Json> Run(const StepCall& call) override {
    ran.push_back(call.step_name);
    inputs.push_back(call.inputs);
    timeouts.push_back(call.timeout_ms);
    if (fail.count(call.step_name)) return Status::IOError("boom in " + call.step_name);
    if (call.action == "LaunchInstance") return Json{{"instanceId", "i-0123456789abcdef0"}};
    if (call.action == "CreateImage") return Json{{"imageId", "ami-0123456789abcdef0"}};
    return Json::object();
  }
  Status Rollback(const StepCall& call, const Json& outputs) override {
    rolled_back.push_back(call.step_name + ":" + outputs.value("instanceId", ""));
    return Status::Ok();
  }
  std::set<std::string> fail;
  std::vector<std::string> ran, rolled_back;
  std::vector<Json> inputs;
  std::vector<int64_t> timeouts;
};

class RecordingObserver : public WorkflowObserver {
 public:
  std::string StepStarted(int index, const WorkflowStep& step, const Json&) override {
    events.push_back("start " + step.name);
    return "step-" + std::to_string(index);
  }
  void StepSkipped(int, const WorkflowStep& step) override { events.push_back("skip " + step.name); }
  void StepFinished(int, const WorkflowStep& step, const Status& s, const Json&) override {
    events.push_back((s.ok() ? "ok " : "fail ") + step.name);
  }
  void StepRollback(int, const WorkflowStep& step, const std::string& status, const std::string&) override {
    events.push_back("rollback " + step.name + " " + status);
  }
  std::vector<std::string> events;
};

const char* kBuild = R"(name: b
schemaVersion: 1.0
parameters:
  - name: runExtra
    type: boolean
    default: false
steps:
  - name: Launch
    action: LaunchInstance
    inputs:
      waitFor: ssmAgent
  - name: Extra
    action: RunCommand
    if:
      booleanEquals: true
      value: "$.parameters.runExtra"
    inputs:
      instanceId.$: "$.stepOutputs.Launch.instanceId"
      documentName: AWS-RunShellScript
      parameters:
        commands: ["true"]
  - name: Apply
    action: ExecuteComponents
    timeoutSeconds: 30
    inputs:
      instanceId.$: "$.stepOutputs.Launch.instanceId"
  - name: Snapshot
    action: CreateImage
    inputs:
      instanceId.$: "$.stepOutputs.Launch.instanceId"
  - name: Terminate
    action: TerminateInstance
    onFailure: Continue
    inputs:
      instanceId.$: "$.stepOutputs.Launch.instanceId"
outputs:
  - name: ImageId
    value: "$.stepOutputs.Snapshot.imageId"
)";

WorkflowDocument Parse(const char* text) {
  auto doc = ParseWorkflowDocument(text, WorkflowType::kBuild);
  EXPECT_TRUE(doc.ok()) << doc.status().message();
  return *doc;
}

VariableScope Scope(bool run_extra) {
  VariableScope s;
  s.parameters = {{"runExtra", run_extra}};
  return s;
}

TEST(WorkflowRunner, RunsStepsInOrderSkipsFalseConditionsAndResolvesInputs) {
  FakeActions actions;
  RecordingObserver obs;
  WorkflowResult r = RunWorkflow(Parse(kBuild), WorkflowType::kBuild, Scope(false), actions, obs, nullptr);
  EXPECT_EQ(r.status, "COMPLETED");
  EXPECT_THAT(actions.ran, ElementsAre("Launch", "Apply", "Snapshot", "Terminate"));
  EXPECT_EQ(actions.inputs[1].value("instanceId", ""), "i-0123456789abcdef0");
  EXPECT_EQ(actions.timeouts[1], 30000);            // timeoutSeconds
  EXPECT_EQ(actions.timeouts[0], 60LL * 60 * 1000);  // LaunchInstance default, 60 min
  EXPECT_EQ(r.succeeded, 4);
  EXPECT_EQ(r.skipped, 1);
  EXPECT_EQ(r.failed, 0);
  EXPECT_EQ(r.outputs.value("ImageId", ""), "ami-0123456789abcdef0");
  EXPECT_EQ(obs.events[2], "skip Extra");
}

TEST(WorkflowRunner, TrueConditionRunsTheStep) {
  FakeActions actions;
  RecordingObserver obs;
  WorkflowResult r = RunWorkflow(Parse(kBuild), WorkflowType::kBuild, Scope(true), actions, obs, nullptr);
  EXPECT_EQ(r.status, "COMPLETED");
  EXPECT_THAT(actions.ran, ElementsAre("Launch", "Extra", "Apply", "Snapshot", "Terminate"));
}

TEST(WorkflowRunner, AbortFailureStopsAndRollsBackInReverseOrder) {
  FakeActions actions;
  actions.fail = {"Snapshot"};
  RecordingObserver obs;
  WorkflowResult r = RunWorkflow(Parse(kBuild), WorkflowType::kBuild, Scope(false), actions, obs, nullptr);
  EXPECT_EQ(r.status, "FAILED");
  EXPECT_EQ(r.failed_step, "Snapshot");
  EXPECT_THAT(r.failure.message(), HasSubstr("boom in Snapshot"));
  EXPECT_THAT(actions.ran, ElementsAre("Launch", "Apply", "Snapshot"));  // Terminate never ran
  // Only LaunchInstance has rollback behaviour; the others are SKIPPED.
  EXPECT_THAT(actions.rolled_back, ElementsAre("Launch:i-0123456789abcdef0"));
  std::vector<std::string> rollbacks;
  for (const auto& e : obs.events)
    if (e.rfind("rollback", 0) == 0) rollbacks.push_back(e);
  EXPECT_THAT(rollbacks, ElementsAre("rollback Snapshot SKIPPED", "rollback Apply SKIPPED",
                                     "rollback Launch RUNNING", "rollback Launch COMPLETED"));
  EXPECT_TRUE(r.outputs.empty());
}

TEST(WorkflowRunner, ContinueFailureKeepsGoingAndCompletes) {
  FakeActions actions;
  actions.fail = {"Terminate"};
  RecordingObserver obs;
  WorkflowResult r = RunWorkflow(Parse(kBuild), WorkflowType::kBuild, Scope(false), actions, obs, nullptr);
  EXPECT_EQ(r.status, "COMPLETED");
  EXPECT_EQ(r.failed, 1);
  EXPECT_EQ(r.succeeded + r.failed + r.skipped, 5);
  EXPECT_TRUE(actions.rolled_back.empty());
}

TEST(WorkflowRunner, RollbackDisabledByParameter) {
  const std::string doc = R"(name: r
schemaVersion: 1.0
parameters:
  - name: keep
    type: boolean
    default: true
steps:
  - name: Launch
    action: LaunchInstance
    rollbackEnabled: "$.parameters.keep"
    inputs:
      waitFor: ssmAgent
  - name: Apply
    action: ExecuteComponents
    inputs:
      instanceId.$: "$.stepOutputs.Launch.instanceId"
)";
  FakeActions actions;
  actions.fail = {"Apply"};
  RecordingObserver obs;
  VariableScope scope;
  scope.parameters = {{"keep", false}};
  WorkflowResult r = RunWorkflow(Parse(doc.c_str()), WorkflowType::kBuild, scope, actions, obs, nullptr);
  EXPECT_EQ(r.status, "FAILED");
  EXPECT_TRUE(actions.rolled_back.empty());
}

TEST(WorkflowRunner, CancelledBeforeAStepStopsWithCancelled) {
  FakeActions actions;
  RecordingObserver obs;
  int polls = 0;
  WorkflowResult r = RunWorkflow(Parse(kBuild), WorkflowType::kBuild, Scope(false), actions, obs,
                                 [&] { return ++polls > 2; });
  EXPECT_EQ(r.status, "CANCELLED");
  EXPECT_EQ(r.failure.code(), Code::kCancelled);
  // Polled before each step: Launch (1), Extra (2, then skipped), Apply (3: cancelled).
  EXPECT_THAT(actions.ran, ElementsAre("Launch"));
}

TEST(WorkflowRunner, OutputOfASkippedStepFailsTheStepThatUsesIt) {
  const std::string doc = R"(name: u
schemaVersion: 1.0
steps:
  - name: Launch
    action: LaunchInstance
    if:
      booleanEquals: true
      value: false
    inputs:
      waitFor: ssmAgent
  - name: Terminate
    action: TerminateInstance
    inputs:
      instanceId.$: "$.stepOutputs.Launch.instanceId"
)";
  FakeActions actions;
  RecordingObserver obs;
  WorkflowResult r = RunWorkflow(Parse(doc.c_str()), WorkflowType::kBuild, VariableScope{}, actions, obs, nullptr);
  EXPECT_EQ(r.status, "FAILED");
  EXPECT_TRUE(actions.ran.empty());
  EXPECT_EQ(r.skipped, 1);
  EXPECT_EQ(r.failed, 1);
  EXPECT_THAT(r.failure.message(), HasSubstr("Terminate"));
}

}  // namespace
}  // namespace kiln::engine
