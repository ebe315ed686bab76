#include "common/semver.h"

#include <gtest/gtest.h>

namespace kiln {
namespace {

TEST(SemVerTest, ParsesConcreteVersions) {
  auto v = ParseSemVer("2019.12.02");
  ASSERT_TRUE(v.ok());
  EXPECT_EQ(v->ToString(), "2019.12.2");
  EXPECT_LT(*ParseSemVer("1.9.0"), *ParseSemVer("1.10.0"));
  EXPECT_FALSE(ParseSemVer("1.2").ok());
  EXPECT_FALSE(ParseSemVer("1.2.x").ok());
  EXPECT_FALSE(ParseSemVer("1.2.3/4").ok());
  EXPECT_FALSE(ParseSemVer("-1.2.3").ok());
  EXPECT_TRUE(ParseSemVer("1073741823.0.0").ok());
  auto big = ParseSemVer("1073741824.0.0");
  ASSERT_FALSE(big.ok());
  EXPECT_NE(big.status().message().find("major node"), std::string::npos);
}

TEST(SemVerTest, WildcardsFollowTheGuide) {
  // Guide L567-575: versions 2.2.4, 1.7.8, 1.6.8.
  SemVer a{2, 2, 4}, b{1, 7, 8}, c{1, 6, 8};
  auto all = ParseVersionPattern("x.x.x");
  ASSERT_TRUE(all.ok());
  EXPECT_TRUE(all->Matches(a) && all->Matches(b) && all->Matches(c));
  auto one = ParseVersionPattern("1.x.x");
  ASSERT_TRUE(one.ok());
  EXPECT_FALSE(one->Matches(a));
  EXPECT_TRUE(one->Matches(b));
  auto onesix = ParseVersionPattern("1.6.x");
  ASSERT_TRUE(onesix.ok());
  EXPECT_TRUE(onesix->Matches(c));
  EXPECT_FALSE(onesix->Matches(b));
  EXPECT_FALSE(ParseVersionPattern("x.2.x").ok());
  EXPECT_FALSE(ParseVersionPattern("1.x.8").ok());
  EXPECT_TRUE(ParseVersionPattern("1.2.3")->IsConcrete());
}

TEST(SemVerTest, NotificationNumber) {
  // resources-api.md §1.6: 1.0.0/3 -> 1237940039285380274899124227.
  EXPECT_EQ(SemverNumber({1, 0, 0}, 3), "1237940039285380274899124227");
  EXPECT_EQ(SemverNumber({0, 0, 0}, 0), "0");
}

}  // namespace
}  // namespace kiln
