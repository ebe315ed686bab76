#include "common/status.h"

#include <gtest/gtest.h>

namespace kiln {
namespace {

Result<int> Half(int x) {
  if (x % 2) return Status::Invalid("odd: " + std::to_string(x));
  return x / 2;
}

Result<int> Quarter(int x) {
  KILN_ASSIGN_OR_RETURN(int h, Half(x));
  return Half(h);
}

Status CheckEven(int x) {
  KILN_RETURN_IF_ERROR(Half(x).status());
  return Status::Ok();
}

TEST(StatusTest, OkAndErrors) {
  EXPECT_TRUE(Status().ok());
  Status s = Status::NotFound("component 'x'");
  EXPECT_FALSE(s.ok());
  EXPECT_EQ(s.ToString(), "NotFound: component 'x'");
  EXPECT_EQ(s.Prefixed("phase 'build'").message(), "phase 'build': component 'x'");
  EXPECT_EQ(s.WithType("ResourceNotFoundException").type(), "ResourceNotFoundException");
}

TEST(StatusTest, ResultPropagates) {
  EXPECT_EQ(*Quarter(8), 2);
  EXPECT_EQ(Quarter(6).status().message(), "odd: 3");
  EXPECT_TRUE(CheckEven(4).ok());
  EXPECT_EQ(CheckEven(5).code(), Code::kInvalidArgument);
}

}  // namespace
}  // namespace kiln
