#include "toe/document.h"

#include <gtest/gtest.h>

namespace kiln::toe {
namespace {

Document MustParse(const std::string& yaml) {
  Problems p;
  auto d = ParseDocument(yaml, "doc.yml", &p);
  EXPECT_TRUE(d.ok()) << d.status().ToString();
  EXPECT_TRUE(p.empty()) << p.ToStatus().ToString();
  return d.ok() ? *d : Document{};
}

TEST(DocumentTest, ParsesStepsWithDefaultsAndRawScalars) {
  Document d = MustParse(R"(
name: Demo
schemaVersion: 1.0
phases:
  - name: build
    steps:
      - name: Perms
        action: SetFilePermissions
        timeoutSeconds: 60
        onFailure: Continue
        maxAttempts: 3
        inputs:
          - path: /tmp/x
            permissions: 0777
      - name: Defaults
        action: ExecuteBash
        inputs:
          commands: [echo hi]
)");
  ASSERT_EQ(d.phases.size(), 1u);
  const Step& s = d.phases[0].steps[0];
  EXPECT_EQ(s.timeout_seconds, 60);
  EXPECT_EQ(s.on_failure, OnFailure::kContinue);
  EXPECT_EQ(s.max_attempts, 3);
  EXPECT_EQ(s.inputs[0]["permissions"], "0777");  // raw text, not 511
  EXPECT_EQ(s.line, 7);  // the raw string starts with a newline
  EXPECT_EQ(s.LineOf("inputs"), 12);
  const Step& t = d.phases[0].steps[1];
  EXPECT_EQ(t.timeout_seconds, 7200);
  EXPECT_EQ(t.on_failure, OnFailure::kAbort);
  EXPECT_EQ(t.max_attempts, 1);
  EXPECT_EQ(d.schema_version, "1.0");
}

TEST(DocumentTest, AcceptsNestedAndFlattenedParameterForms) {
  Document d = MustParse(R"(
schemaVersion: 1
parameters:
  - Nested:
      type: string
      default: one
  - Flat:
    type: string
    default: two
    description: flattened form of the guide
constants:
  - Source:
      type: string
      value: https://example.com/x.msi
phases:
  - name: build
    steps:
      - name: S
        action: ExecuteBash
        inputs:
          commands: ["echo {{ Nested }} {{ Flat }} {{ Source }}"]
)");
  ASSERT_EQ(d.parameters.size(), 2u);
  EXPECT_EQ(d.parameters[0].name, "Nested");
  EXPECT_EQ(*d.parameters[0].value, "one");
  EXPECT_EQ(d.parameters[1].name, "Flat");
  EXPECT_EQ(*d.parameters[1].value, "two");
  EXPECT_EQ(d.parameters[1].description, "flattened form of the guide");
  ASSERT_EQ(d.constants.size(), 1u);
  EXPECT_EQ(*d.constants[0].value, "https://example.com/x.msi");
}

TEST(DocumentTest, ParsesLoops) {
  Document d = MustParse(R"(
schemaVersion: 1.0
phases:
  - name: build
    steps:
      - name: A
        action: ExecuteBash
        loop:
          name: myLoop
          for: {start: 1, end: 10, updateBy: 2}
        inputs: {commands: [echo]}
      - name: B
        action: ExecuteBash
        loop:
          forEach: [a, b]
        inputs: {commands: [echo]}
      - name: C
        action: ExecuteBash
        loop:
          forEach:
            list: "x;y"
            delimiter: ";"
        inputs: {commands: [echo]}
)");
  const auto& s = d.phases[0].steps;
  EXPECT_EQ(s[0].loop->kind, Loop::Kind::kFor);
  EXPECT_EQ(s[0].loop->name, "myLoop");
  EXPECT_EQ(s[0].loop->update_by, 2);
  EXPECT_EQ(s[1].loop->kind, Loop::Kind::kForEachList);
  EXPECT_EQ(s[1].loop->items, (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(s[2].loop->kind, Loop::Kind::kForEachString);
  EXPECT_EQ(s[2].loop->delimiter, ";");
}

TEST(DocumentTest, BadYamlNamesTheLine) {
  Problems p;
  auto d = ParseDocument("schemaVersion: 1.0\nphases:\n  - name: [unclosed\n", "bad.yml", &p);
  ASSERT_FALSE(d.ok());
  EXPECT_NE(d.status().message().find("bad.yml:"), std::string::npos) << d.status().message();
  EXPECT_NE(d.status().message().find("not valid YAML"), std::string::npos);
}

TEST(DocumentTest, StructuralProblemsNameWhereTheyAre) {
  Problems p;
  auto d = ParseDocument(R"(schemaVersion: 2.0
phases:
  - name: build
    steps:
      - name: S
        action: ExecuteBash
        timeoutSeconds: soon
        onFailure: Retry
        colour: blue
        inputs:
          commands:
            - {{ NotQuoted }}
)", "doc.yml", &p);
  ASSERT_TRUE(d.ok());
  std::string all = p.ToStatus().message();
  EXPECT_NE(all.find("doc.yml:1: field 'schemaVersion': must be 1.0"), std::string::npos) << all;
  EXPECT_NE(all.find("doc.yml:7: phase 'build', step 'S', field 'timeoutSeconds': must be an integer"),
            std::string::npos) << all;
  EXPECT_NE(all.find("doc.yml:8: phase 'build', step 'S', field 'onFailure': must be Abort, Continue or Ignore"),
            std::string::npos) << all;
  EXPECT_NE(all.find("field 'colour': unknown step field"), std::string::npos) << all;
  EXPECT_NE(all.find("must be enclosed in quotes"), std::string::npos) << all;
}

TEST(DocumentTest, MissingPhasesAndSchemaVersion) {
  Problems p;
  auto d = ParseDocument("name: x\n", "doc.yml", &p);
  ASSERT_TRUE(d.ok());
  std::string all = p.ToStatus().message();
  EXPECT_NE(all.find("'schemaVersion': is required"), std::string::npos) << all;
  EXPECT_NE(all.find("'phases': is required"), std::string::npos) << all;
}

TEST(DocumentTest, JsonDocumentsParseToo) {
  Document d = MustParse(R"({"schemaVersion": "1.0", "phases": [{"name": "build", "steps": [
      {"name": "S", "action": "ExecuteBash", "inputs": {"commands": ["echo hi"]}}]}]})");
  ASSERT_EQ(d.phases.size(), 1u);
  EXPECT_EQ(d.phases[0].steps[0].inputs["commands"][0], "echo hi");
}

}  // namespace
}  // namespace kiln::toe
