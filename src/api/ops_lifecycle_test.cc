// StartResourceStateUpdate and the lifecycle execution reads on images that
// finished building. No build can finish before the engine exists, so the
// AVAILABLE image is written into a real SQLite store the way the engine
// will leave it.
#include <filesystem>

#include <gtest/gtest.h>

#include "api/build_records.h"
#include "api/lifecycle_runs.h"
#include "api/resource_ops.h"
#include "common/hash.h"
#include "common/time.h"

namespace kiln::api {
void RegisterLifecyclePolicyOperations();
namespace {

constexpr const char* kOwner = "111122223333";

class LifecycleOpsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    RegisterLifecyclePolicyOperations();
    dir_ = std::filesystem::temp_directory_path() / ("kiln-lifecycle-" + RandomHex(6));
    auto s = store::OpenSqliteStore(dir_.string());
    ASSERT_TRUE(s.ok()) << s.status().ToString();
    store_ = std::move(*s);
  }
  void TearDown() override {
    store_.reset();
    std::filesystem::remove_all(dir_);
  }
  OperationContext Ctx(const std::string& account = kOwner) {
    OperationContext c;
    c.caller = {account, "us-east-1", "AKID"};
    c.request_id = "req";
    c.store = store_.get();
    return c;
  }
  std::string AddImage(const std::string& status, int64_t build = 1, int64_t age_days = 0) {
    OperationContext ctx = Ctx();
    store::Resource r;
    r.arn = BuildArn(ctx, "image", "app", "1.0.0", build);
    r.kind = "image";
    r.account = kOwner;
    r.region = "us-east-1";
    r.name = "app";
    r.version = "1.0.0";
    r.build = build;
    r.created_ms = NowMillis() - age_days * 86400000;
    r.doc = {{"arn", r.arn}, {"name", "app"}, {"version", "1.0.0"}, {"owner", kOwner}};
    SetImageStatus(r, status);
    EXPECT_TRUE(store_->Insert(r).ok());
    return r.arn;
  }
  Result<Json> Call(const std::string& op, const Json& input, const std::string& account = kOwner) {
    OperationContext ctx = Ctx(account);
    const OperationHandler* h = FindOperation(op);
    if (!h) return Status::Internal("no handler for " + op);
    return (*h)(ctx, input);
  }

  std::filesystem::path dir_;
  std::unique_ptr<store::Store> store_;
};

TEST_F(LifecycleOpsTest, DeprecateThenDisableAnAvailableImage) {
  const std::string arn = AddImage("AVAILABLE");
  auto r = Call("StartResourceStateUpdate",
                {{"resourceArn", arn}, {"state", {{"status", "DEPRECATED"}}}, {"clientToken", "t1"}});
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  const std::string exec_id = (*r)["lifecycleExecutionId"];
  EXPECT_EQ(exec_id.rfind("lce-", 0), 0u);
  auto img = store_->Get(arn);
  ASSERT_TRUE(img.ok());
  EXPECT_EQ(img->status, "DEPRECATED");
  EXPECT_EQ(img->doc["state"]["status"], "DEPRECATED");
  EXPECT_EQ(img->doc["lifecycleExecutionId"], exec_id);
  EXPECT_TRUE(img->doc.contains("deprecationTime"));

  auto exec = Call("GetLifecycleExecution", {{"lifecycleExecutionId", exec_id}});
  ASSERT_TRUE(exec.ok()) << exec.status().ToString();
  EXPECT_EQ((*exec)["lifecycleExecution"]["state"]["status"], "SUCCESS");
  auto resources = Call("ListLifecycleExecutionResources", {{"lifecycleExecutionId", exec_id}});
  ASSERT_TRUE(resources.ok());
  ASSERT_EQ((*resources)["resources"].size(), 1u);
  EXPECT_EQ((*resources)["resources"][0]["action"]["name"], "DEPRECATE");
  EXPECT_EQ((*resources)["resources"][0]["resourceId"], arn);
  auto list = Call("ListLifecycleExecutions", {{"resourceArn", arn}});
  ASSERT_TRUE(list.ok()) << list.status().ToString();
  EXPECT_EQ((*list)["lifecycleExecutions"].size(), 1u);

  // Another account sees none of it.
  auto hidden = Call("GetLifecycleExecution", {{"lifecycleExecutionId", exec_id}}, "444455556666");
  EXPECT_EQ(hidden.status().type(), "ResourceNotFoundException");

  // The same token replays; a finished execution cannot be cancelled.
  auto again = Call("StartResourceStateUpdate",
                    {{"resourceArn", arn}, {"state", {{"status", "DEPRECATED"}}}, {"clientToken", "t1"}});
  ASSERT_TRUE(again.ok());
  EXPECT_EQ((*again)["lifecycleExecutionId"], exec_id);
  auto cancel = Call("CancelLifecycleExecution", {{"lifecycleExecutionId", exec_id}, {"clientToken", "c1"}});
  EXPECT_EQ(cancel.status().type(), "ResourceInUseException");

  r = Call("StartResourceStateUpdate",
           {{"resourceArn", arn}, {"state", {{"status", "DISABLED"}}}, {"clientToken", "t2"}});
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(store_->Get(arn)->status, "DISABLED");
  r = Call("StartResourceStateUpdate",
           {{"resourceArn", arn}, {"state", {{"status", "AVAILABLE"}}}, {"clientToken", "t3"}});
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(store_->Get(arn)->status, "AVAILABLE");
  EXPECT_FALSE(store_->Get(arn)->doc.contains("deprecationTime"));
}

TEST_F(LifecycleOpsTest, DeletedImagesStayDeletedAndBuildsAreRefused) {
  const std::string arn = AddImage("AVAILABLE");
  ASSERT_TRUE(Call("StartResourceStateUpdate",
                   {{"resourceArn", arn}, {"state", {{"status", "DELETED"}}}, {"clientToken", "d"}})
                  .ok());
  auto r = Call("StartResourceStateUpdate",
                {{"resourceArn", arn}, {"state", {{"status", "AVAILABLE"}}}, {"clientToken", "e"}});
  EXPECT_EQ(r.status().type(), "ResourceInUseException");
  auto other = Call("StartResourceStateUpdate",
                    {{"resourceArn", arn}, {"state", {{"status", "DELETED"}}}, {"clientToken", "f"}},
                    "444455556666");
  EXPECT_EQ(other.status().type(), "ResourceNotFoundException");
}

TEST_F(LifecycleOpsTest, RunningAPolicyAppliesItsRulesAndRecordsTheRun) {
  // Builds 1-3 of app 1.0.0: 100, 40 and 5 days old; build 4 is still building.
  const std::string b1 = AddImage("AVAILABLE", 1, 100);
  const std::string b2 = AddImage("AVAILABLE", 2, 40);
  const std::string b3 = AddImage("AVAILABLE", 3, 5);
  const std::string b4 = AddImage("BUILDING", 4, 200);
  Json policy = {
      {"name", "app-policy"},
      {"executionRole", "lifecycle"},
      {"resourceType", "AMI_IMAGE"},
      {"policyDetails",
       {{{"action", {{"type", "DEPRECATE"}}}, {"filter", {{"type", "AGE"}, {"value", 30}, {"unit", "DAYS"}}}},
        {{"action", {{"type", "DELETE"}}}, {"filter", {{"type", "AGE"}, {"value", 90}, {"unit", "DAYS"}}}}}},
      {"resourceSelection", {{"recipes", {{{"name", "app"}, {"semanticVersion", "1.x.x"}}}}}},
      {"clientToken", "p"}};
  auto created = Call("CreateLifecyclePolicy", policy);
  ASSERT_TRUE(created.ok()) << created.status().ToString();
  const std::string arn = (*created)["lifecyclePolicyArn"];
  auto id = RunLifecyclePolicy(*store_, arn, NowMillis());
  ASSERT_TRUE(id.ok()) << id.status().ToString();
  EXPECT_EQ(store_->Get(b1)->status, "DELETED");
  EXPECT_EQ(store_->Get(b2)->status, "DEPRECATED");
  EXPECT_EQ(store_->Get(b3)->status, "AVAILABLE");
  EXPECT_EQ(store_->Get(b4)->status, "BUILDING");
  auto resources = Call("ListLifecycleExecutionResources", {{"lifecycleExecutionId", *id}});
  ASSERT_TRUE(resources.ok());
  EXPECT_EQ((*resources)["resources"].size(), 3u);  // b1 deprecated then deleted, b2 deprecated
  auto runs = Call("ListLifecycleExecutions", {{"resourceArn", arn}});
  ASSERT_TRUE(runs.ok()) << runs.status().ToString();
  ASSERT_EQ((*runs)["lifecycleExecutions"].size(), 1u);
  EXPECT_EQ((*runs)["lifecycleExecutions"][0]["lifecyclePolicyArn"], arn);
  auto got = Call("GetLifecyclePolicy", {{"lifecyclePolicyArn", arn}});
  EXPECT_TRUE((*got)["lifecyclePolicy"].contains("dateLastRun"));
}

}  // namespace
}  // namespace kiln::api
