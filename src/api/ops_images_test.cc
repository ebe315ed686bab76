// RetryImage and CancelImageCreation against build jobs laid out as
// build_records.h says (a FAILED build cannot happen before the engine, so
// the test writes it).
#include <filesystem>

#include <gtest/gtest.h>

#include "api/build_records.h"
#include "api/resource_ops.h"
#include "common/hash.h"
#include "common/time.h"

namespace kiln::api {
void RegisterImageOperations();
namespace {

constexpr const char* kOwner = "111122223333";
constexpr const char* kImage = "arn:aws:imagebuilder:us-east-1:111122223333:image/app/1.0.0/1";

class ImageOpsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    RegisterImageOperations();
    dir_ = std::filesystem::temp_directory_path() / ("kiln-images-" + RandomHex(6));
    auto s = store::OpenSqliteStore(dir_.string());
    ASSERT_TRUE(s.ok()) << s.status().ToString();
    store_ = std::move(*s);
  }
  void TearDown() override {
    store_.reset();
    std::filesystem::remove_all(dir_);
  }
  void AddBuild(const std::string& image_status, const std::string& job_status) {
    store::Resource img;
    img.arn = kImage;
    img.kind = "image";
    img.account = kOwner;
    img.region = "us-east-1";
    img.name = "app";
    img.version = "1.0.0";
    img.build = 1;
    img.created_ms = img.updated_ms = NowMillis();
    img.doc = {{"arn", kImage}, {"name", "app"}};
    SetImageStatus(img, image_status);
    ASSERT_TRUE(store_->Insert(img).ok());
    store::Resource job;
    job.arn = "build-job/first";
    job.kind = "build-job";
    job.account = kOwner;
    job.region = "us-east-1";
    job.name = "app";
    job.parent = kImage;
    job.status = job_status;
    job.created_ms = job.updated_ms = img.created_ms;
    job.doc = {{"imageBuildVersionArn", kImage}, {"workflows", Json::array()}};
    ASSERT_TRUE(store_->Insert(job).ok());
  }
  std::vector<store::Resource> Jobs() {
    store::ListQuery q;
    q.kind = "build-job";
    q.parent = kImage;
    q.limit = 100;
    return store_->List(q)->items;
  }
  Result<Json> Call(const std::string& op, const Json& input) {
    OperationContext ctx;
    ctx.caller = {kOwner, "us-east-1", "AKID"};
    ctx.request_id = "req";
    ctx.store = store_.get();
    return (*FindOperation(op))(ctx, input);
  }

  std::filesystem::path dir_;
  std::unique_ptr<store::Store> store_;
};

TEST_F(ImageOpsTest, RetryQueuesANewBuildOfAFailedImage) {
  AddBuild("FAILED", "failed");
  auto r = Call("RetryImage", {{"imageBuildVersionArn", kImage}, {"clientToken", "r1"}});
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(store_->Get(kImage)->status, "PENDING");
  auto jobs = Jobs();
  ASSERT_EQ(jobs.size(), 2u);
  int queued = 0;
  for (const auto& j : jobs) queued += j.status == "queued" && j.doc.value("retried", false);
  EXPECT_EQ(queued, 1);
  // Now PENDING: a second retry is refused.
  auto again = Call("RetryImage", {{"imageBuildVersionArn", kImage}, {"clientToken", "r2"}});
  EXPECT_EQ(again.status().type(), "ResourceInUseException");
}

TEST_F(ImageOpsTest, CancelStopsTheRunningJob) {
  AddBuild("BUILDING", "running");
  auto r = Call("CancelImageCreation", {{"imageBuildVersionArn", kImage}, {"clientToken", "c1"}});
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(store_->Get(kImage)->status, "CANCELLED");
  EXPECT_EQ(store_->Get(kImage)->doc["state"]["reason"], "Cancelled by CancelImageCreation");
  EXPECT_EQ(Jobs().at(0).status, "cancelled");
  // Deleting the cancelled image removes its build records too.
  ASSERT_TRUE(Call("DeleteImage", {{"imageBuildVersionArn", kImage}}).ok());
  EXPECT_TRUE(Jobs().empty());
}

}  // namespace
}  // namespace kiln::api
