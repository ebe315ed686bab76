#include "engine/workflow_conditions.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <yaml-cpp/yaml.h>

namespace kiln::engine {
namespace {

using ::testing::HasSubstr;

// Conditions are written as JSON here with the scalar types YAML gives them
// (quoted '1' is a string, plain 1 an integer).
Result<bool> Eval(const std::string& json, const VariableScope& scope = {}) {
  auto c = ParseCondition(Json::parse(json));
  if (!c.ok()) return c.status();
  return EvaluateCondition(*c, scope);
}

TEST(Conditions, GuideMaximumDepthExampleIsTrue) {
  // L14186-14197 (W21).
  auto r = Eval(R"({"and": [
      {"stringEquals": "my_string", "value": "my_string"},
      {"and": [
        {"numberEquals": "1", "value": 1},
        {"not": {"stringEquals": "second_string", "value": "diff_string"}}
      ]}]})");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_TRUE(*r);
}

TEST(Conditions, FifthLevelIsRejected) {
  auto r = Eval(R"({"and": [{"and": [{"and": [{"not":
      {"stringEquals": "a", "value": "a"}}]}]}]})");
  ASSERT_FALSE(r.ok());
  EXPECT_THAT(r.status().message(), HasSubstr("at most 4 levels"));
}

TEST(Conditions, GuideBranchingExamples) {
  // W22-W24.
  EXPECT_TRUE(*Eval(R"({"and": [{"stringEquals": "test_string", "value": "test_string"},
                               {"numberEquals": 1, "value": 1}]})"));
  EXPECT_TRUE(*Eval(R"({"or": [{"stringEquals": "test_string", "value": "test_string_not_equal"},
                              {"numberEquals": 1, "value": 1}]})"));
  EXPECT_TRUE(*Eval(R"({"not": [{"stringEquals": "test_string", "value": "test_string_not_equal"}]})"));
  // Parent written as a one-element list (W25).
  VariableScope scope;
  scope.imagebuilder = {{"collectImageScanFindings", false}};
  auto r = Eval(R"([{"booleanEquals": true, "value": "$.imagebuilder.collectImageScanFindings"}])",
                scope);
  ASSERT_TRUE(r.ok());
  EXPECT_FALSE(*r);
}

TEST(Conditions, SystemVariablesAreCaseInsensitive) {
  // W26: the guide writes $.imagebuilder.Platform.
  VariableScope scope;
  scope.imagebuilder = {{"platform", "Linux"}};
  EXPECT_TRUE(*Eval(R"({"stringEquals": "Linux", "value": "$.imagebuilder.Platform"})", scope));
  EXPECT_TRUE(*Eval(R"({"stringEquals": "Linux", "value": "$.imageBuilder.platform"})", scope));
}

TEST(Conditions, NumberEqualsVariants) {
  // W27, split into separate documents.
  EXPECT_TRUE(*Eval(R"({"numberEquals": 1, "value": "1"})"));
  EXPECT_TRUE(*Eval(R"({"numberEquals": "1", "value": 1})"));
  EXPECT_TRUE(*Eval(R"({"numberEquals": 5.0, "value": 5.0})"));
  EXPECT_TRUE(*Eval(R"({"numberEquals": -1, "value": -1})"));
  // value <op> operand.
  EXPECT_TRUE(*Eval(R"({"numberGreaterThan": 5, "value": 7})"));
  EXPECT_FALSE(*Eval(R"({"numberGreaterThan": 7, "value": 5})"));
  EXPECT_TRUE(*Eval(R"({"numberLessThanEquals": 2, "value": "2"})"));
  EXPECT_TRUE(*Eval(R"({"numberGreaterThanEquals": 1, "value": 1.1})"));
}

TEST(Conditions, StringEqualsConvertsNonStrings) {
  EXPECT_TRUE(*Eval(R"({"stringEquals": "true", "value": true})"));
  EXPECT_TRUE(*Eval(R"({"stringEquals": "12", "value": 12})"));
  EXPECT_FALSE(*Eval(R"({"stringEquals": "linux", "value": "Linux"})"));
}

TEST(Conditions, StructuralErrors) {
  struct Case {
    const char* json;
    const char* expected;
  };
  std::vector<Case> cases = {
      {R"({"and": []})", "takes a list of 1 to 10"},
      {R"({"not": [{"stringEquals": "a", "value": "a"}, {"stringEquals": "a", "value": "a"}]})",
       "if.not: takes exactly one condition, found 2"},
      {R"({"stringEquals": "a", "value": "a", "and": []})", "only one statement"},
      {R"({"stringLike": "a", "value": "a"})", "unknown comparison operator 'stringLike'"},
      {R"({"stringEquals": "a"})", "needs a 'value' operand"},
      {R"({"numberEquals": "abc", "value": 1})", "needs a number"},
      {R"({"booleanEquals": "maybe", "value": true})", "needs true or false"},
      {R"({"stringEquals": "a", "value": "$.nowhere.x"})", "unknown node 'nowhere'"},
      {R"("just a string")", "expected a condition"},
  };
  for (const auto& c : cases) {
    auto r = ParseCondition(Json::parse(c.json));
    ASSERT_FALSE(r.ok()) << c.json;
    EXPECT_THAT(r.status().message(), HasSubstr(c.expected)) << c.json;
  }
}

TEST(Conditions, RuntimeNonNumericValueIsAnError) {
  VariableScope scope;
  scope.parameters = {{"n", "many"}};
  auto r = Eval(R"({"numberEquals": 1, "value": "$.parameters.n"})", scope);
  ASSERT_FALSE(r.ok());
  EXPECT_THAT(r.status().message(), HasSubstr("as numbers"));
}

TEST(Variables, ResolveKeepsTypesAndNavigates) {
  VariableScope scope;
  scope.imagebuilder = {{"s3Logs", {{"s3BucketName", "sample-bucket"}}},
                        {"securityGroups", {"sg-1", "sg-2"}},
                        {"imageBuildNumber", 1}};
  scope.step_outputs = {{"Launch", {{"instanceId", "i-1"}}}};
  EXPECT_EQ(*ResolveVariable("$.imagebuilder.s3Logs.s3BucketName", scope), Json("sample-bucket"));
  EXPECT_EQ(*ResolveVariable("$.imagebuilder.securityGroups[1]", scope), Json("sg-2"));
  EXPECT_EQ(*ResolveVariable("$.imagebuilder.imageBuildNumber", scope), Json(1));
  EXPECT_EQ(*ResolveVariable("$.stepOutputs.Launch.instanceId", scope), Json("i-1"));
  auto missing = ResolveVariable("$.stepOutputs.Skipped.instanceId", scope);
  ASSERT_FALSE(missing.ok());
  EXPECT_THAT(missing.status().message(), HasSubstr("step 'Skipped' has no outputs"));
  EXPECT_FALSE(ResolveVariable("$.imagebuilder.securityGroups[5]", scope).ok());
  EXPECT_FALSE(ParseVariablePath("$.stepOutputs.OnlyStep").ok());
}

TEST(Variables, StepInputsResolveChainedAndPlainKeys) {
  VariableScope scope;
  scope.step_outputs = {{"Launch", {{"instanceId", "i-1"}}}};
  Json inputs = {{"instanceId.$", "$.stepOutputs.Launch.instanceId"},
                 {"documentName", "Doc"},
                 {"literal.$", "i-literal"},
                 {"plain", "$.stepOutputs.Launch.instanceId"}};
  auto r = ResolveStepInputs(inputs, scope);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ((*r)["instanceId"], "i-1");
  EXPECT_EQ((*r)["documentName"], "Doc");
  EXPECT_EQ((*r)["literal"], "i-literal");
  EXPECT_EQ((*r)["plain"], "i-1");
}

}  // namespace
}  // namespace kiln::engine
