#include "toe/expression.h"

#include <gtest/gtest.h>

namespace kiln::toe {
namespace {

TEST(ExpressionTest, FindsReferencesWithOptionalSpaces) {
  auto refs = FindReferences("a {{X}} b {{ Y }} c {{Z }}{{ W}} {{ }} {{ open");
  ASSERT_EQ(refs.size(), 4u);
  EXPECT_EQ(refs[0].expr, "X");
  EXPECT_EQ(refs[1].expr, "Y");
  EXPECT_EQ(refs[2].expr, "Z");
  EXPECT_EQ(refs[3].expr, "W");
}

TEST(ExpressionTest, ClassifiesReferences) {
  EXPECT_EQ(ParseRef("Name").kind, RefKind::kVariable);
  ParsedRef c = ParseRef("build.Sample Step.inputs[1].source");
  EXPECT_EQ(c.kind, RefKind::kChaining);
  EXPECT_EQ(c.head, "build");
  EXPECT_EQ(c.step, "Sample Step");
  EXPECT_EQ(c.which, "inputs");
  EXPECT_EQ(c.path, "[1].source");
  EXPECT_EQ(ParseRef("loop.index").kind, RefKind::kLoop);
  EXPECT_EQ(ParseRef("myLoop.value").kind, RefKind::kLoop);
  EXPECT_EQ(ParseRef("aws:ssm:/my/param").kind, RefKind::kSsm);
  EXPECT_EQ(ParseRef("a.b").kind, RefKind::kOther);
}

TEST(ExpressionTest, SubstitutesVariablesChainingAndLoops) {
  std::map<std::string, std::string> vars = {{"Greeting", "Hello"}, {"Who", "World"}};
  StepValues steps;
  steps["build.Download"] = {{"inputs", Json::parse(R"([{"source":"s3://b/1"},{"source":"s3://b/2","destination":"/tmp/2"}])")},
                             {"outputs", Json::array()}};
  steps["build.Echo"] = {{"inputs", Json::array({Json::object()})}, {"outputs", Json::array({{{"stdout", "Hi"}}})}};
  LoopVars loop{"myLoop", 2, "v"};
  Scope scope;
  scope.variables = &vars;
  scope.steps = &steps;
  scope.loop = &loop;
  std::vector<std::pair<std::string, std::string>> chained;
  scope.chained = [&](const std::string& e, const std::string& v) { chained.emplace_back(e, v); };
  auto r = Substitute("{{Greeting}}, {{ Who }}! {{ build.Download.inputs[1].source }} "
                      "{{ build.Echo.outputs.stdout }} {{ loop.index }}/{{ myLoop.value }}", scope);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(*r, "Hello, World! s3://b/2 Hi 2/v");
  EXPECT_EQ(chained.size(), 2u);
}

TEST(ExpressionTest, UnresolvableReferencesStayVerbatim) {
  std::map<std::string, std::string> vars;
  Scope scope;
  scope.variables = &vars;
  int warnings = 0;
  scope.warn = [&](const std::string&) { ++warnings; };
  auto r = Substitute("echo {{ loop.value }} {{ build.Missing.outputs.stdout }} {{ Unknown }}", scope);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(*r, "echo {{ loop.value }} {{ build.Missing.outputs.stdout }} {{ Unknown }}");
  EXPECT_EQ(warnings, 2);  // loop refs outside loops are silent, as the guide says
}

TEST(ExpressionTest, SsmReferencesFailClearly) {
  Scope scope;
  auto r = Substitute("{{ aws:ssm:/my/param }}", scope);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), Code::kUnimplemented);
  EXPECT_NE(r.status().message().find("SSM Parameter Store"), std::string::npos);
}

TEST(ExpressionTest, SubstituteJsonWalksNestedValues) {
  std::map<std::string, std::string> vars = {{"Dir", "/opt"}};
  Scope scope;
  scope.variables = &vars;
  auto r = SubstituteJson(Json::parse(R"({"a": ["{{Dir}}/x", {"b": "{{ Dir }}"}], "n": 3})"), scope);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(*r, Json::parse(R"({"a": ["/opt/x", {"b": "/opt"}], "n": 3})"));
}

TEST(ExpressionTest, LookupChainedTreatsDotAsFirstItem) {
  Json list = Json::parse(R"([{"x": "0"}, {"x": "1", "n": {"deep": "d"}}])");
  EXPECT_EQ(*LookupChained(list, ".x"), "0");
  EXPECT_EQ(*LookupChained(list, "[1].x"), "1");
  EXPECT_EQ(*LookupChained(list, "[1].n.deep"), "d");
  EXPECT_FALSE(LookupChained(list, "[5].x"));
  EXPECT_FALSE(LookupChained(list, ".missing"));
}

}  // namespace
}  // namespace kiln::toe
