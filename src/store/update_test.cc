#include "store/update.h"

#include <gtest/gtest.h>

#include <filesystem>

namespace kiln::store {
namespace {

class UpdateTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() / ("kiln-update-test-" + std::to_string(getpid()));
    std::filesystem::remove_all(dir_);
    auto s = OpenSqliteStore(dir_.string());
    ASSERT_TRUE(s.ok()) << s.status().ToString();
    store_ = std::move(*s);
    Resource r;
    r.arn = "job/1";
    r.kind = "build-job";
    r.status = "queued";
    ASSERT_TRUE(store_->Insert(r).ok());
  }
  void TearDown() override {
    store_.reset();
    std::filesystem::remove_all(dir_);
  }
  std::filesystem::path dir_;
  std::unique_ptr<Store> store_;
};

TEST_F(UpdateTest, RetriesWhenAnotherWriterWinsTheRace) {
  int calls = 0;
  Status s = UpdateWithRetry(*store_, "job/1", [&](Resource& r) {
    if (++calls == 1) {
      // Another writer changes the row between our read and our write.
      Resource other = r;
      other.status = "cancelled";
      EXPECT_TRUE(store_->Update(other).ok());
    }
    r.doc["seen"] = r.status;
    return Status::Ok();
  });
  ASSERT_TRUE(s.ok()) << s.ToString();
  EXPECT_EQ(calls, 2);
  auto r = store_->Get("job/1");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->doc.value("seen", ""), "cancelled");  // the second attempt saw the other write
}

TEST_F(UpdateTest, MutateErrorStopsWithoutWritingAndMissingRowIsNotFound) {
  Status s = UpdateWithRetry(*store_, "job/1", [](Resource& r) {
    r.status = "running";
    return Status::Cancelled("stop");
  });
  EXPECT_EQ(s.code(), Code::kCancelled);
  EXPECT_EQ(store_->Get("job/1")->status, "queued");
  EXPECT_EQ(UpdateWithRetry(*store_, "job/2", [](Resource&) { return Status::Ok(); }).code(), Code::kNotFound);
}

}  // namespace
}  // namespace kiln::store
