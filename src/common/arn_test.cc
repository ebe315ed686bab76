#include "common/arn.h"

#include <gtest/gtest.h>

namespace kiln {
namespace {

TEST(ArnTest, RoundTripsEveryLevel) {
  for (const char* text : {
           "arn:aws:imagebuilder:us-west-2:123456789012:component/examplecomponent/1.0.1/1",
           "arn:aws:imagebuilder:us-east-1:aws:image/amazon-linux-2-arm64/x.x.x",
           "arn:aws:imagebuilder:us-west-2:123456789012:image/example-linux-image",
           "arn:aws:imagebuilder:us-west-2:123456789012:workflow/build/example-build-workflow/1.0.0/1",
           "arn:aws:imagebuilder:us-west-2:123456789012:infrastructure-configuration/my-infra"}) {
    auto arn = ParseArn(text);
    ASSERT_TRUE(arn.ok()) << text << ": " << arn.status().ToString();
    EXPECT_EQ(arn->ToString(), text);
  }
  auto c = ParseArn("arn:aws:imagebuilder:us-west-2:123456789012:component/x/1.0.1/7");
  EXPECT_EQ(c->type, "component");
  EXPECT_EQ(c->version, "1.0.1");
  EXPECT_EQ(*c->build, 7);
  EXPECT_EQ(c->WithoutBuild().ToString(),
            "arn:aws:imagebuilder:us-west-2:123456789012:component/x/1.0.1");
}

TEST(ArnTest, RejectsMalformed) {
  EXPECT_FALSE(ParseArn("arn:aws:s3:::bucket").ok());
  EXPECT_FALSE(ParseArn("arn:aws:imagebuilder:us-west-2:123456789012:component/").ok());
  EXPECT_FALSE(ParseArn("arn:aws:imagebuilder:us-west-2:1:component/x/1.0.0/b").ok());
  EXPECT_FALSE(ParseArn("arn:aws:imagebuilder:us-west-2:1:workflow/other/x/1.0.0/1").ok());
  EXPECT_FALSE(ParseArn("arn:aws:imagebuilder:us-west-2:1:component/x/1.0.0/1/2").ok());
}

TEST(ArnTest, Slug) { EXPECT_EQ(ArnSlug("My Example Image"), "my-example-image"); }

}  // namespace
}  // namespace kiln
