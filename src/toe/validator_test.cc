#include "toe/validator.h"

#include <gtest/gtest.h>

#include "toe/test_util.h"

namespace kiln::toe {
namespace {

using testing::Problems;

std::string Doc(const std::string& steps, const std::string& head = "") {
  return "schemaVersion: 1.0\n" + head + "phases:\n  - name: build\n    steps:\n" + steps;
}

TEST(ValidatorTest, ValidDocumentHasNoProblems) {
  EXPECT_EQ(Problems(Doc("      - name: S\n        action: ExecuteBash\n        inputs:\n          commands: [echo]\n")), "");
}

TEST(ValidatorTest, UnknownModule) {
  std::string p = Problems(Doc("      - name: S\n        action: ExecuteBashh\n        inputs: {}\n"));
  EXPECT_NE(p.find("doc.yml:6: phase 'build', step 'S', field 'action': unknown action module 'ExecuteBashh'"),
            std::string::npos) << p;
}

TEST(ValidatorTest, WindowsOnlyModuleNamesModuleAndPlatform) {
  std::string p = Problems(Doc("      - name: S\n        action: ExecutePowerShell\n        inputs:\n          commands: [dir]\n"));
  EXPECT_NE(p.find("'ExecutePowerShell' is supported on Windows only, not on Linux"), std::string::npos) << p;
}

TEST(ValidatorTest, ModuleInputsAreChecked) {
  std::string p = Problems(Doc("      - name: S\n        action: ExecuteBash\n        inputs:\n          command: [echo]\n"));
  EXPECT_NE(p.find("field 'inputs': ExecuteBash: unknown input 'command'"), std::string::npos) << p;
  p = Problems(Doc("      - name: S\n        action: ExecuteBash\n"));
  EXPECT_NE(p.find("input 'commands' is required"), std::string::npos) << p;
  p = Problems(Doc("      - name: S\n        action: ExecuteBinary\n        inputs:\n          arguments: [x]\n"));
  EXPECT_NE(p.find("input 'path' is required"), std::string::npos) << p;
}

TEST(ValidatorTest, DuplicatePhaseAndStepNames) {
  std::string p = Problems(R"(schemaVersion: 1.0
phases:
  - name: build
    steps:
      - name: S
        action: ExecuteBash
        inputs: {commands: [a]}
      - name: S
        action: ExecuteBash
        inputs: {commands: [a]}
  - name: build
    steps:
      - name: T
        action: ExecuteBash
        inputs: {commands: [a]}
)");
  EXPECT_NE(p.find("doc.yml:8: phase 'build', step 'S', field 'name': duplicate step name"), std::string::npos) << p;
  EXPECT_NE(p.find("doc.yml:11: phase 'build', field 'name': duplicate phase name"), std::string::npos) << p;
}

TEST(ValidatorTest, TimeoutsAttemptsAndExecuteDocumentRules) {
  std::string p = Problems(Doc(R"(      - name: A
        action: ExecuteBash
        timeoutSeconds: 0
        maxAttempts: 0
        inputs: {commands: [a]}
      - name: B
        action: ExecuteBash
        timeoutSeconds: -2
        inputs: {commands: [a]}
      - name: C
        action: ExecuteDocument
        timeoutSeconds: 60
        maxAttempts: 2
        inputs: {document: x.yml}
      - name: D
        action: ExecuteBash
        timeoutSeconds: -1
        inputs: {commands: [a]}
)"));
  EXPECT_NE(p.find("step 'A', field 'timeoutSeconds': must be a positive number of seconds or -1"), std::string::npos) << p;
  EXPECT_NE(p.find("step 'A', field 'maxAttempts': must be at least 1"), std::string::npos) << p;
  EXPECT_NE(p.find("step 'B', field 'timeoutSeconds'"), std::string::npos) << p;
  EXPECT_NE(p.find("step 'C', field 'timeoutSeconds': ExecuteDocument steps run without a timeout"), std::string::npos) << p;
  EXPECT_NE(p.find("step 'C', field 'maxAttempts': ExecuteDocument steps run once"), std::string::npos) << p;
  EXPECT_EQ(p.find("step 'D'"), std::string::npos) << p;
}

TEST(ValidatorTest, ChainingMustReferToAnEarlierStep) {
  std::string p = Problems(R"(schemaVersion: 1.0
phases:
  - name: build
    steps:
      - name: First
        action: ExecuteBash
        inputs: {commands: ["echo {{ build.Second.outputs.stdout }}"]}
      - name: Second
        action: ExecuteBash
        inputs: {commands: ["echo {{ build.First.outputs.stdout }} {{ build.Nope.outputs.stdout }}"]}
      - name: Third
        action: ExecuteBash
        inputs: {commands: ["echo {{ test.Later.outputs.stdout }} {{ build.Second.inputs[0].commands }}"]}
  - name: test
    steps:
      - name: Later
        action: ExecuteBash
        inputs: {commands: ["echo {{ build.Third.outputs.stdout }}"]}
)");
  EXPECT_NE(p.find("step 'First', field 'inputs': '{{ build.Second.outputs.stdout }}' refers to step 'build.Second', which does not run before this step"), std::string::npos) << p;
  EXPECT_NE(p.find("'{{ build.Nope.outputs.stdout }}' refers to step 'Nope' in phase 'build', which does not exist"), std::string::npos) << p;
  EXPECT_NE(p.find("'{{ test.Later.outputs.stdout }}' refers to step 'test.Later', which does not run before"), std::string::npos) << p;
  EXPECT_EQ(p.find("build.First.outputs"), std::string::npos) << p;
  EXPECT_EQ(p.find("build.Third.outputs"), std::string::npos) << p;
  EXPECT_EQ(p.find("build.Second.inputs[0]"), std::string::npos) << p;
}

TEST(ValidatorTest, UndeclaredParameterAndBadNames) {
  std::string p = Problems(Doc("      - name: S\n        action: ExecuteBash\n        inputs:\n          commands: [\"echo {{ Missing }} {{ ok }}\"]\n",
                               "parameters:\n  - ok:\n      type: string\n  - ab:\n      type: number\n"));
  EXPECT_NE(p.find("'{{ Missing }}' names no parameter or constant"), std::string::npos) << p;
  EXPECT_NE(p.find("field 'parameters.ab': name must be 3 to 128 characters"), std::string::npos) << p;
  EXPECT_NE(p.find("field 'parameters.ab': type must be 'string'"), std::string::npos) << p;
  EXPECT_NE(p.find("field 'parameters.ok': name must be 3"), std::string::npos) << p;
}

TEST(ValidatorTest, ParameterAndConstantNamesMustBeUnique) {
  std::string p = Problems(Doc("      - name: S\n        action: ExecuteBash\n        inputs: {commands: [a]}\n",
                               "parameters:\n  - Name1:\n      type: string\nconstants:\n  - Name1:\n      type: string\n      value: x\n  - NoValue:\n      type: string\n"));
  EXPECT_NE(p.find("field 'constants.Name1': name is already used"), std::string::npos) << p;
  EXPECT_NE(p.find("field 'constants.NoValue': a constant needs a 'value'"), std::string::npos) << p;
}

TEST(ValidatorTest, BadLoops) {
  std::string p = Problems(Doc(R"(      - name: Zero
        action: ExecuteBash
        loop: {for: {start: 1, end: 5, updateBy: 0}}
        inputs: {commands: [a]}
      - name: Never
        action: ExecuteBash
        loop: {for: {start: 5, end: 1, updateBy: 1}}
        inputs: {commands: [a]}
      - name: Both
        action: ExecuteBash
        loop: {for: {start: 1, end: 2, updateBy: 1}, forEach: [a]}
        inputs: {commands: [a]}
      - name: Delim
        action: ExecuteBash
        loop: {forEach: {list: "a|b", delimiter: "|"}}
        inputs: {commands: [a]}
      - name: Expr
        action: ExecuteBash
        loop: {for: {start: "{{ x }}", end: 2, updateBy: 1}}
        inputs: {commands: [a]}
      - name: Dup1
        action: ExecuteBash
        loop: {name: same, forEach: [a]}
        inputs: {commands: [a]}
      - name: Dup2
        action: ExecuteBash
        loop: {name: same, forEach: [a]}
        inputs: {commands: [a]}
)"));
  EXPECT_NE(p.find("step 'Zero', field 'loop': loop.for.updateBy must not be 0"), std::string::npos) << p;
  EXPECT_NE(p.find("step 'Never', field 'loop': loop.for counts up"), std::string::npos) << p;
  EXPECT_NE(p.find("step 'Both', field 'loop': a loop takes exactly one"), std::string::npos) << p;
  EXPECT_NE(p.find("step 'Delim', field 'loop': loop.forEach.delimiter must be one character"), std::string::npos) << p;
  EXPECT_NE(p.find("step 'Expr', field 'loop.for.start': must be an integer, got '{{ x }}' (expressions are not allowed here)"), std::string::npos) << p;
  EXPECT_NE(p.find("step 'Dup2', field 'loop.name': duplicate loop name 'same'"), std::string::npos) << p;
}

TEST(ValidatorTest, BadConditions) {
  std::string p = Problems(Doc(R"(      - name: Two
        action: ExecuteBash
        if: {stringEquals: a, numberEquals: 1, value: a}
        inputs: {commands: [a]}
      - name: Unknown
        action: ExecuteBash
        if: {stringSimilar: a, value: b}
        inputs: {commands: [a]}
      - name: Then
        action: ExecuteBash
        if: {fileExists: /x, then: Run}
        inputs: {commands: [a]}
      - name: NoValue
        action: Assert
        inputs: {numberEquals: 1}
)"));
  EXPECT_NE(p.find("step 'Two', field 'if': a condition takes exactly one operator"), std::string::npos) << p;
  EXPECT_NE(p.find("step 'Unknown', field 'if': unknown operator 'stringSimilar'"), std::string::npos) << p;
  EXPECT_NE(p.find("step 'Then', field 'if': 'then' must be Execute, Skip or Abort"), std::string::npos) << p;
  EXPECT_NE(p.find("step 'NoValue', field 'inputs': Assert: 'numberEquals' needs a 'value'"), std::string::npos) << p;
}

TEST(ValidatorTest, ReferencesThatCannotResolveAreErrorsAndLoopRefsOutsideLoopsAreKept) {
  kiln::toe::Problems all;
  std::string p = Problems(Doc("      - name: S\n        action: ExecuteBash\n        inputs:\n          commands: [\"echo {{ loop.value }} {{ some.thing }}\"]\n"), &all);
  EXPECT_NE(p.find("'{{ some.thing }}' is not a parameter, constant, loop variable or chaining expression"), std::string::npos) << p;
  EXPECT_EQ(p.find("loop.value"), std::string::npos) << p;
}

}  // namespace
}  // namespace kiln::toe
