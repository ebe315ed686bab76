#include "engine/lifecycle.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace kiln::engine {
namespace {

using ::testing::HasSubstr;

constexpr int64_t kDay = 86400000;
const int64_t kNow = 1800000000000;  // 2027-01-15

LifecyclePolicySpec Policy(const Json& details, const Json& selection,
                           const std::string& type = "AMI_IMAGE") {
  auto p = ParseLifecyclePolicy(
      {{"resourceType", type}, {"policyDetails", details}, {"resourceSelection", selection}});
  EXPECT_TRUE(p.ok()) << p.status().ToString();
  return p.ok() ? *p : LifecyclePolicySpec{};
}

const Json kRecipe = {{"recipes", {{{"name", "app"}, {"semanticVersion", "1.0.x"}}}}};

LifecycleImage Image(int build, int64_t age_days, const std::string& status = "AVAILABLE") {
  LifecycleImage i;
  i.name = "app";
  i.version = "1.0.0";
  i.build = build;
  i.arn = "arn:aws:imagebuilder:us-east-1:111122223333:image/app/1.0.0/" + std::to_string(build);
  i.status = status;
  i.created_ms = kNow - age_days * kDay;
  return i;
}

std::vector<std::string> Summary(const std::vector<LifecycleDecision>& ds) {
  std::vector<std::string> out;
  for (const auto& d : ds)
    out.push_back(d.image_arn.substr(d.image_arn.rfind('/') + 1) + ":" +
                  LifecycleActionName(d.action));
  return out;
}

TEST(Lifecycle, OldImagePassesThroughAllThreeRulesInOrder) {
  // Listed out of order on purpose: evaluation sorts deprecate < disable < delete.
  auto p = Policy({{{"action", {{"type", "DELETE"}}}, {"filter", {{"type", "AGE"}, {"value", 90}, {"unit", "DAYS"}}}},
                   {{"action", {{"type", "DEPRECATE"}}}, {"filter", {{"type", "AGE"}, {"value", 30}, {"unit", "DAYS"}}}},
                   {{"action", {{"type", "DISABLE"}}}, {"filter", {{"type", "AGE"}, {"value", 60}, {"unit", "DAYS"}}}}},
                  kRecipe);
  std::vector<LifecycleImage> images = {Image(1, 100), Image(2, 70), Image(3, 40), Image(4, 10)};
  EXPECT_EQ(Summary(EvaluateLifecyclePolicy(p, images, kNow)),
            (std::vector<std::string>{"1:DEPRECATE", "2:DEPRECATE", "3:DEPRECATE", "1:DISABLE",
                                      "2:DISABLE", "1:DELETE"}));
}

TEST(Lifecycle, DeleteByCountKeepsTheNewestPerRecipeVersion) {
  auto p = Policy({{{"action", {{"type", "DELETE"}}}, {"filter", {{"type", "COUNT"}, {"value", 2}}}}},
                  kRecipe);
  std::vector<LifecycleImage> images;
  for (int b = 1; b <= 5; ++b) images.push_back(Image(b, 10 - b));
  LifecycleImage other = Image(1, 50);  // another recipe version: its own group
  other.version = "1.0.1";
  other.arn += "-other";
  images.push_back(other);
  EXPECT_EQ(Summary(EvaluateLifecyclePolicy(p, images, kNow)),
            (std::vector<std::string>{"1:DELETE", "2:DELETE", "3:DELETE"}));
}

TEST(Lifecycle, RetainAtLeastKeepsTheNewestEvenIfOld) {
  auto p = Policy({{{"action", {{"type", "DELETE"}}},
                    {"filter", {{"type", "AGE"}, {"value", 1}, {"unit", "WEEKS"}, {"retainAtLeast", 1}}}}},
                  kRecipe);
  std::vector<LifecycleImage> images = {Image(1, 30), Image(2, 20)};
  EXPECT_EQ(Summary(EvaluateLifecyclePolicy(p, images, kNow)), (std::vector<std::string>{"1:DELETE"}));
}

TEST(Lifecycle, ExclusionsProtectImages) {
  Json details = {{{"action", {{"type", "DELETE"}, {"includeResources", {{"amis", true}}}}},
                   {"filter", {{"type", "AGE"}, {"value", 1}, {"unit", "DAYS"}}},
                   {"exclusionRules", {{"tagMap", {{"keep", "yes"}}}, {"amis", {{"isPublic", true}}}}}}};
  auto p = Policy(details, kRecipe);
  auto tagged = Image(1, 10);
  tagged.tags["keep"] = "yes";
  auto public_ami = Image(2, 10);
  public_ami.amis.push_back({"ami-1", "us-east-1", "111122223333", true, {}, {}, 0});
  auto plain = Image(3, 10);
  plain.amis.push_back({"ami-2", "us-east-1", "111122223333", false, {}, {}, 0});
  EXPECT_EQ(Summary(EvaluateLifecyclePolicy(p, {tagged, public_ami, plain}, kNow)),
            (std::vector<std::string>{"3:DELETE"}));
}

TEST(Lifecycle, LastLaunchedExclusion) {
  Json details = {{{"action", {{"type", "DEPRECATE"}}},
                   {"filter", {{"type", "AGE"}, {"value", 1}, {"unit", "DAYS"}}},
                   {"exclusionRules", {{"amis", {{"lastLaunched", {{"value", 7}, {"unit", "DAYS"}}}}}}}}};
  auto p = Policy(details, kRecipe);
  auto recent = Image(1, 30);
  recent.amis.push_back({"ami-1", "us-east-1", "1", false, {}, {}, kNow - 2 * kDay});
  auto stale = Image(2, 30);
  stale.amis.push_back({"ami-2", "us-east-1", "1", false, {}, {}, kNow - 20 * kDay});
  EXPECT_EQ(Summary(EvaluateLifecyclePolicy(p, {recent, stale}, kNow)),
            (std::vector<std::string>{"2:DEPRECATE"}));
}

TEST(Lifecycle, OnlyTerminalImagesOfTheRightTypeAreCandidates) {
  auto p = Policy({{{"action", {{"type", "DELETE"}}}, {"filter", {{"type", "AGE"}, {"value", 1}, {"unit", "DAYS"}}}}},
                  kRecipe);
  auto container = Image(4, 10);
  container.container = true;
  std::vector<LifecycleImage> images = {Image(1, 10, "BUILDING"), Image(2, 10, "FAILED"),
                                        Image(3, 10, "DISABLED"), container};
  EXPECT_EQ(Summary(EvaluateLifecyclePolicy(p, images, kNow)), (std::vector<std::string>{"3:DELETE"}));
}

TEST(Lifecycle, TagSelectionMatchesAnyPair) {
  auto p = Policy({{{"action", {{"type", "DELETE"}}}, {"filter", {{"type", "AGE"}, {"value", 1}, {"unit", "DAYS"}}}}},
                  {{"tagMap", {{"env", "dev"}, {"team", "x"}}}});
  auto a = Image(1, 10);
  a.tags["team"] = "x";
  auto b = Image(2, 10);
  b.tags["env"] = "prod";
  EXPECT_EQ(Summary(EvaluateLifecyclePolicy(p, {a, b}, kNow)), (std::vector<std::string>{"1:DELETE"}));
}

TEST(Lifecycle, MonthsUseCalendarArithmetic) {
  LifecyclePeriod month{1, "MONTHS"};
  // 2027-01-31 + 1 month = 2027-02-28.
  const int64_t jan31 = 1801353600000;
  EXPECT_EQ(month.AddTo(jan31), jan31 + 28 * kDay);
  // 2027-02-06 + 1 month = 2027-03-06.
  EXPECT_EQ(month.AddTo(jan31 + 6 * kDay), jan31 + 34 * kDay);
  LifecyclePeriod year{1, "YEARS"};
  EXPECT_EQ(year.AddTo(0), 365 * kDay);
}

TEST(Lifecycle, RejectsInvalidPolicies) {
  struct Case {
    Json input;
    const char* error;
  };
  Json age = {{"type", "AGE"}, {"value", 1}, {"unit", "DAYS"}};
  std::vector<Case> cases = {
      {{{"resourceType", "CONTAINER_IMAGE"},
        {"policyDetails", {{{"action", {{"type", "DEPRECATE"}}}, {"filter", age}}}},
        {"resourceSelection", kRecipe}},
       "container image policies can only DELETE"},
      {{{"resourceType", "AMI_IMAGE"},
        {"policyDetails", {{{"action", {{"type", "DELETE"}}}, {"filter", age}},
                           {{"action", {{"type", "DELETE"}}}, {"filter", age}}}},
        {"resourceSelection", kRecipe}},
       "policyDetails[1].action.type: a policy has at most one DELETE rule"},
      {{{"resourceType", "AMI_IMAGE"},
        {"policyDetails", {{{"action", {{"type", "DISABLE"}}}, {"filter", {{"type", "COUNT"}, {"value", 3}}}}}},
        {"resourceSelection", kRecipe}},
       "COUNT can only be used by a DELETE rule"},
      {{{"resourceType", "AMI_IMAGE"},
        {"policyDetails", {{{"action", {{"type", "DELETE"}}}, {"filter", {{"type", "AGE"}, {"value", 3}}}}}},
        {"resourceSelection", kRecipe}},
       "policyDetails[0].filter.unit: is required"},
      {{{"resourceType", "AMI_IMAGE"},
        {"policyDetails", {{{"action", {{"type", "DELETE"}}}, {"filter", age}}}},
        {"resourceSelection", {{"recipes", kRecipe["recipes"]}, {"tagMap", {{"a", "b"}}}}}},
       "exactly one of recipes or tagMap"},
      {{{"resourceType", "AMI_IMAGE"},
        {"policyDetails", {{{"action", {{"type", "DELETE"}}}, {"filter", age}}}},
        {"resourceSelection", Json::object()}},
       "exactly one of recipes or tagMap"},
      {{{"resourceType", "AMI_IMAGE"},
        {"policyDetails", {{{"action", {{"type", "DELETE"}}}, {"filter", age}}}},
        {"resourceSelection", {{"recipes", {{{"name", "app"}, {"semanticVersion", "x.2.x"}}}}}}},
       "resourceSelection.recipes[0].semanticVersion"},
      {{{"resourceType", "CONTAINER_IMAGE"},
        {"policyDetails", {{{"action", {{"type", "DELETE"}, {"includeResources", {{"amis", true}}}}}, {"filter", age}}}},
        {"resourceSelection", kRecipe}},
       "amis and snapshots do not apply"},
  };
  for (const auto& c : cases) {
    auto r = ParseLifecyclePolicy(c.input);
    ASSERT_FALSE(r.ok()) << c.error;
    EXPECT_THAT(r.status().message(), HasSubstr(c.error));
  }
}

}  // namespace
}  // namespace kiln::engine
