// The workflow execution reads and SendWorkflowStepAction over records laid
// out as build_records.h says the engine writes them (no engine yet, so the
// test writes them into a real SQLite store).
#include <filesystem>

#include <gtest/gtest.h>

#include "api/build_records.h"
#include "api/resource_ops.h"
#include "common/hash.h"
#include "common/time.h"

namespace kiln::api {
void RegisterWorkflowOperations();
namespace {

constexpr const char* kOwner = "111122223333";
constexpr const char* kImage = "arn:aws:imagebuilder:us-east-1:111122223333:image/app/1.0.0/1";
constexpr const char* kWorkflow =
    "arn:aws:imagebuilder:us-east-1:111122223333:workflow/test/wait/1.0.0/1";
constexpr const char* kWf = "wf-a1b2c3d4-5678-90ab-cdef-111111111111";
constexpr const char* kStep1 = "step-a1b2c3d4-5678-90ab-cdef-222222222221";
constexpr const char* kStep2 = "step-a1b2c3d4-5678-90ab-cdef-222222222222";

class WorkflowExecutionOpsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    RegisterWorkflowOperations();
    dir_ = std::filesystem::temp_directory_path() / ("kiln-wfexec-" + RandomHex(6));
    auto s = store::OpenSqliteStore(dir_.string());
    ASSERT_TRUE(s.ok()) << s.status().ToString();
    store_ = std::move(*s);
    Insert(kImage, "image", "", "BUILDING", {{"arn", kImage}, {"state", {{"status", "BUILDING"}}}}, "app");
    Insert(kWf, "workflow-execution", kImage, "RUNNING",
           {{"workflowExecutionId", kWf}, {"workflowBuildVersionArn", kWorkflow},
            {"imageBuildVersionArn", kImage}, {"type", "TEST"}, {"status", "RUNNING"},
            {"totalStepCount", 2}, {"totalStepsSucceeded", 1}, {"totalStepsFailed", 0},
            {"totalStepsSkipped", 0}, {"startTime", "2026-11-27T08:00:00.000Z"}},
           "0001");
    Insert(kStep1, "workflow-step-execution", kWf, "COMPLETED", Step(kStep1, "Launch", "LaunchInstance", "COMPLETED"), "0001");
    Json waiting = Step(kStep2, "WaitForActionAtEnd", "WaitForAction", "RUNNING");
    waiting["waiting"] = true;
    Insert(kStep2, "workflow-step-execution", kWf, "RUNNING", waiting, "0002");
  }
  void TearDown() override {
    store_.reset();
    std::filesystem::remove_all(dir_);
  }
  static Json Step(const std::string& id, const std::string& name, const std::string& action,
                   const std::string& status) {
    return {{"stepExecutionId", id}, {"workflowExecutionId", kWf}, {"workflowBuildVersionArn", kWorkflow},
            {"imageBuildVersionArn", kImage}, {"name", name}, {"action", action}, {"status", status},
            {"startTime", "2026-11-27T08:00:00.000Z"}};
  }
  void Insert(const std::string& arn, const std::string& kind, const std::string& parent,
              const std::string& status, const Json& doc, const std::string& name) {
    store::Resource r;
    r.arn = arn;
    r.kind = kind;
    r.account = kOwner;
    r.region = "us-east-1";
    r.name = name;
    r.version = kind == "image" ? "1.0.0" : "";
    r.build = kind == "image" ? 1 : 0;
    r.parent = parent;
    r.status = status;
    r.created_ms = r.updated_ms = NowMillis();
    r.doc = doc;
    ASSERT_TRUE(store_->Insert(r).ok());
  }
  Result<Json> Call(const std::string& op, const Json& input, const std::string& account = kOwner) {
    OperationContext ctx;
    ctx.caller = {account, "us-east-1", "AKID"};
    ctx.request_id = "req";
    ctx.store = store_.get();
    const OperationHandler* h = FindOperation(op);
    if (!h) return Status::Internal("no handler for " + op);
    return (*h)(ctx, input);
  }

  std::filesystem::path dir_;
  std::unique_ptr<store::Store> store_;
};

TEST_F(WorkflowExecutionOpsTest, ReadsExecutionsAndSteps) {
  auto wf = Call("GetWorkflowExecution", {{"workflowExecutionId", kWf}});
  ASSERT_TRUE(wf.ok()) << wf.status().ToString();
  EXPECT_EQ((*wf)["status"], "RUNNING");
  auto list = Call("ListWorkflowExecutions", {{"imageBuildVersionArn", kImage}});
  ASSERT_TRUE(list.ok()) << list.status().ToString();
  ASSERT_EQ((*list)["workflowExecutions"].size(), 1u);
  EXPECT_EQ((*list)["workflowExecutions"][0]["workflowExecutionId"], kWf);
  auto steps = Call("ListWorkflowStepExecutions", {{"workflowExecutionId", kWf}, {"maxResults", 1}});
  ASSERT_TRUE(steps.ok()) << steps.status().ToString();
  ASSERT_EQ((*steps)["steps"].size(), 1u);
  EXPECT_EQ((*steps)["steps"][0]["name"], "Launch");
  ASSERT_TRUE(steps->contains("nextToken"));
  auto next = Call("ListWorkflowStepExecutions",
                   {{"workflowExecutionId", kWf}, {"maxResults", 1}, {"nextToken", (*steps)["nextToken"]}});
  ASSERT_TRUE(next.ok()) << next.status().ToString();
  EXPECT_EQ((*next)["steps"][0]["name"], "WaitForActionAtEnd");
  auto step = Call("GetWorkflowStepExecution", {{"stepExecutionId", kStep2}});
  ASSERT_TRUE(step.ok());
  EXPECT_FALSE(step->contains("waiting"));
  // Another account sees nothing.
  EXPECT_EQ(Call("GetWorkflowExecution", {{"workflowExecutionId", kWf}}, "444455556666").status().type(),
            "ResourceNotFoundException");
}

TEST_F(WorkflowExecutionOpsTest, WaitingStepTakesOneAction) {
  auto waiting = Call("ListWaitingWorkflowSteps", Json::object());
  ASSERT_TRUE(waiting.ok()) << waiting.status().ToString();
  ASSERT_EQ((*waiting)["steps"].size(), 1u);
  EXPECT_EQ((*waiting)["steps"][0]["stepExecutionId"], kStep2);
  EXPECT_EQ((*waiting)["steps"][0]["action"], "WaitForAction");
  EXPECT_EQ((*waiting)["steps"][0]["name"], "WaitForActionAtEnd");
  EXPECT_TRUE((*Call("ListWaitingWorkflowSteps", Json::object(), "444455556666"))["steps"].empty());

  auto wrong_image = Call("SendWorkflowStepAction",
                          {{"stepExecutionId", kStep2},
                           {"imageBuildVersionArn", "arn:aws:imagebuilder:us-east-1:111122223333:image/app/1.0.0/2"},
                           {"action", "RESUME"}, {"clientToken", "a"}});
  EXPECT_EQ(wrong_image.status().type(), "InvalidParameterValueException");
  auto sent = Call("SendWorkflowStepAction", {{"stepExecutionId", kStep2}, {"imageBuildVersionArn", kImage},
                                              {"action", "RESUME"}, {"reason", "ok"}, {"clientToken", "b"}});
  ASSERT_TRUE(sent.ok()) << sent.status().ToString();
  EXPECT_EQ((*sent)["stepExecutionId"], kStep2);
  EXPECT_EQ(store_->Get(kStep2)->doc["requestedAction"], (Json{{"action", "RESUME"}, {"reason", "ok"}}));
  EXPECT_TRUE((*Call("ListWaitingWorkflowSteps", Json::object()))["steps"].empty());
  auto twice = Call("SendWorkflowStepAction", {{"stepExecutionId", kStep2}, {"imageBuildVersionArn", kImage},
                                               {"action", "STOP"}, {"clientToken", "c"}});
  EXPECT_EQ(twice.status().type(), "InvalidRequestException");
  auto done = Call("SendWorkflowStepAction", {{"stepExecutionId", kStep1}, {"imageBuildVersionArn", kImage},
                                              {"action", "RESUME"}, {"clientToken", "d"}});
  EXPECT_EQ(done.status().type(), "InvalidRequestException");
}

}  // namespace
}  // namespace kiln::api
