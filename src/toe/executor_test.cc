#include "toe/executor.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>

namespace kiln::toe {
namespace {

namespace fs = std::filesystem;

class ExecutorTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::path(::testing::TempDir()) /
           ("kiln_exec_" + std::to_string(getpid()) + "_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  std::string Write(const std::string& name, const std::string& text) {
    std::string p = (dir_ / name).string();
    std::ofstream(p) << text;
    return p;
  }
  RunOptions Options(const std::vector<std::string>& docs) {
    RunOptions o;
    for (const auto& d : docs) o.documents.push_back({d, {}});
    o.log_directory = (dir_ / "logs").string();
    o.execution_id = "test-run";
    return o;
  }
  Json Detailed(const RunOutcome& out) {
    std::ifstream in(out.log_folder + "/detailedoutput.json");
    return Json::parse(in);
  }
  static std::string ReadAll(const std::string& p) {
    std::ifstream in(p);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
  }
  fs::path dir_;
};

const char* kOnFailure = R"(schemaVersion: 1.0
phases:
  - name: build
    steps:
      - name: Ignored
        action: ExecuteBash
        onFailure: Ignore
        inputs: {commands: ["exit 3"]}
      - name: Continued
        action: ExecuteBash
        onFailure: Continue
        inputs: {commands: ["echo '{\"failureMessage\": \"custom reason\"}'", "exit 1"]}
      - name: Aborted
        action: ExecuteBash
        inputs: {commands: ["exit 2"]}
      - name: NeverRuns
        action: ExecuteBash
        inputs: {commands: ["touch never"]}
  - name: test
    steps:
      - name: AlsoNever
        action: ExecuteBash
        inputs: {commands: ["echo no"]}
)";

TEST_F(ExecutorTest, OnFailureAndStatusRollUp) {
  auto out = ExecuteRun(Options({Write("d.yml", kOnFailure)}));
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  EXPECT_EQ(out->exit_code, 1);
  EXPECT_EQ(out->summary["status"], "failed");
  EXPECT_EQ(out->summary["executedStepCount"], 3);
  EXPECT_EQ(out->summary["failedStepCount"], 2);
  EXPECT_EQ(out->summary["ignoredFailedStepCount"], 1);
  Json d = Detailed(*out);
  const Json& steps = d["documents"][0]["phases"][0]["steps"];
  ASSERT_EQ(steps.size(), 3u);
  EXPECT_EQ(steps[0]["status"], "ignoredFailure");
  EXPECT_EQ(steps[1]["status"], "failed");
  EXPECT_NE(steps[1]["failureMessage"].get<std::string>().find("custom reason"), std::string::npos);
  EXPECT_EQ(steps[2]["status"], "failed");
  EXPECT_EQ(d["documents"][0]["phases"].size(), 1u);  // Abort stops later phases
  EXPECT_EQ(d["documents"][0]["status"], "failed");
}

TEST_F(ExecutorTest, IgnoredFailureGivesSuccessWithIgnoredFailure) {
  auto out = ExecuteRun(Options({Write("d.yml", R"(schemaVersion: 1.0
phases:
  - name: build
    steps:
      - name: Bad
        action: ExecuteBash
        onFailure: Ignore
        inputs: {commands: ["false"]}
      - name: Good
        action: ExecuteBash
        inputs: {commands: ["true"]}
)")}));
  ASSERT_TRUE(out.ok());
  EXPECT_EQ(out->exit_code, 0);
  EXPECT_EQ(out->summary["status"], "successWithIgnoredFailure");
}

TEST_F(ExecutorTest, RetriesUntilSuccess) {
  std::string counter = (dir_ / "count").string();
  auto out = ExecuteRun(Options({Write("d.yml", R"(schemaVersion: 1.0
phases:
  - name: build
    steps:
      - name: Flaky
        action: ExecuteBash
        maxAttempts: 3
        inputs:
          commands:
            - echo x >> )" + counter + R"(
            - test $(wc -l < )" + counter + R"() -ge 3
)")}));
  ASSERT_TRUE(out.ok());
  EXPECT_EQ(out->summary["status"], "success");
  EXPECT_EQ(ReadAll(counter), "x\nx\nx\n");
}

TEST_F(ExecutorTest, TimeoutKillsTheStepAndRetries) {
  auto start = std::chrono::steady_clock::now();
  auto out = ExecuteRun(Options({Write("d.yml", R"(schemaVersion: 1.0
phases:
  - name: build
    steps:
      - name: Slow
        action: ExecuteBash
        timeoutSeconds: 1
        maxAttempts: 2
        inputs: {commands: ["sleep 30"]}
)")}));
  ASSERT_TRUE(out.ok());
  auto secs = std::chrono::duration_cast<std::chrono::seconds>(std::chrono::steady_clock::now() - start).count();
  EXPECT_LT(secs, 10);
  EXPECT_EQ(out->summary["status"], "failed");
  EXPECT_NE(out->summary["failureMessage"].get<std::string>().find("timed out"), std::string::npos)
      << out->summary.dump();
}

TEST_F(ExecutorTest, LoopsConsolidateOutputsAndChainingSeesThem) {
  auto out = ExecuteRun(Options({Write("d.yml", R"(schemaVersion: 1.0
phases:
  - name: build
    steps:
      - name: Words
        action: ExecuteBash
        loop:
          forEach: [Hello, World]
        inputs: {commands: ["echo {{ loop.value }}"]}
      - name: Each
        action: ExecuteBash
        loop:
          name: lines
          forEach:
            list: "{{ build.Words.outputs.stdout }}"
            delimiter: "\n"
        inputs: {commands: ["echo {{ lines.index }}={{ lines.value }}"]}
      - name: Count
        action: ExecuteBash
        loop:
          for: {start: 3, end: 1, updateBy: -1}
        inputs: {commands: ["echo {{ loop.value }}"]}
  - name: test
    steps:
      - name: Check
        action: Assert
        inputs:
          and:
            - stringEquals: "0=Hello\n1=World"
              value: "{{ build.Each.outputs.stdout }}"
            - stringEquals: "3\n2\n1"
              value: "{{ build.Count.outputs.stdout }}"
)")}));
  ASSERT_TRUE(out.ok());
  EXPECT_EQ(out->summary["status"], "success") << out->summary.dump();
  Json d = Detailed(*out);
  EXPECT_EQ(d["documents"][0]["phases"][0]["steps"][0]["outputs"], "[{\"stdout\":\"Hello\\nWorld\"}]");
  EXPECT_EQ(d["documents"][0]["phases"][0]["steps"][0]["loop"]["iterations"], 2);
  Json chaining = Json::parse(ReadAll(out->log_folder + "/chaining.json"));
  EXPECT_EQ(chaining["build.Words.outputs.stdout"], "Hello\nWorld");
}

TEST_F(ExecutorTest, FailingLoopIterationStopsTheLoop) {
  std::string marker = (dir_ / "ran").string();
  auto out = ExecuteRun(Options({Write("d.yml", R"(schemaVersion: 1.0
phases:
  - name: build
    steps:
      - name: L
        action: ExecuteBash
        loop: {forEach: ["0", "1", "2"]}
        inputs: {commands: ["echo {{ loop.value }} >> )" + marker + R"(", "test {{ loop.value }} != 1"]}
)")}));
  ASSERT_TRUE(out.ok());
  EXPECT_EQ(ReadAll(marker), "0\n1\n");
  EXPECT_NE(out->summary["failureMessage"].get<std::string>().find("loop iteration 1 failed"), std::string::npos);
}

TEST_F(ExecutorTest, IfSkipsStepsAndSkippedCountsAsSuccess) {
  std::string file = (dir_ / "my_config").string();
  const std::string doc = R"(schemaVersion: 1.0
phases:
  - name: build
    steps:
      - name: CreateMyConfigFile-1
        action: ExecuteBash
        if:
          not:
            fileExists: ')" + file + R"('
        inputs: {commands: ["echo one > )" + file + R"("]}
      - name: CreateMyConfigFile-2
        action: ExecuteBash
        if:
          fileExists: ')" + file + R"('
          then: Skip
          else: Execute
        inputs: {commands: ["echo two > )" + file + R"("]}
      - name: AbortIf
        action: ExecuteBash
        onFailure: Continue
        if: {stringEquals: x, value: x, then: Abort}
        inputs: {commands: ["true"]}
)";
  auto out = ExecuteRun(Options({Write("d.yml", doc)}));
  ASSERT_TRUE(out.ok());
  EXPECT_EQ(ReadAll(file), "one\n");
  Json steps = Detailed(*out)["documents"][0]["phases"][0]["steps"];
  EXPECT_EQ(steps[0]["status"], "success");
  EXPECT_EQ(steps[1]["status"], "skipped");
  EXPECT_EQ(steps[2]["status"], "failed");
  EXPECT_EQ(out->summary["executedStepCount"], 2);
}

TEST_F(ExecutorTest, ParametersAndPhaseOrder) {
  std::string d1 = Write("d1.yml", R"(schemaVersion: 1.0
parameters:
  - Greeting:
      type: string
      default: Hi
  - Project:
      type: string
constants:
  - Fixed:
      type: string
      value: constant
phases:
  - name: build
    steps:
      - name: B
        action: ExecuteBash
        inputs: {commands: ["echo build {{ Greeting }} {{ Project }} {{ Fixed }}"]}
  - name: test
    steps:
      - name: T
        action: ExecuteBash
        inputs: {commands: ["echo test"]}
)");
  RunOptions o = Options({d1, d1});
  o.parameters = {{"Project", "examples"}, {"Fixed", "overridden"}, {"Unknown", "ignored"}};
  o.documents[1].parameters = {{"Greeting", "Hello, HAL."}};
  o.phases = {"test", "build"};
  auto out = ExecuteRun(o);
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  EXPECT_EQ(ReadAll(out->log_folder + "/console.log"),
            "build Hi examples constant\ntest\nbuild Hello, HAL. examples constant\ntest\n");
  EXPECT_TRUE(fs::exists(out->log_folder + "/document.yaml"));
  EXPECT_TRUE(fs::exists(out->log_folder + "/2_d1.yml"));
}

TEST_F(ExecutorTest, MissingParameterValueAndInvalidDocumentsRunNothing) {
  std::string marker = (dir_ / "ran").string();
  std::string good = Write("good.yml", "schemaVersion: 1.0\nphases:\n  - name: build\n    steps:\n      - name: S\n        action: ExecuteBash\n        inputs: {commands: [\"touch " + marker + "\"]}\n");
  std::string bad = Write("bad.yml", "schemaVersion: 1.0\nphases:\n  - name: build\n    steps:\n      - name: S\n        action: Nope\n");
  auto out = ExecuteRun(Options({good, bad}));
  ASSERT_FALSE(out.ok());
  EXPECT_NE(out.status().message().find("unknown action module 'Nope'"), std::string::npos);
  EXPECT_FALSE(fs::exists(marker));
  EXPECT_FALSE(fs::exists(dir_ / "logs"));
  std::string needs = Write("needs.yml", "schemaVersion: 1.0\nparameters:\n  - Required:\n      type: string\nphases:\n  - name: build\n    steps:\n      - name: S\n        action: ExecuteBash\n        inputs: {commands: [\"echo {{ Required }}\"]}\n");
  out = ExecuteRun(Options({needs}));
  ASSERT_FALSE(out.ok());
  EXPECT_NE(out.status().message().find("--parameters Required=<value>"), std::string::npos);
  RunOptions unknown_phase = Options({good});
  unknown_phase.phases = {"bulid"};
  out = ExecuteRun(unknown_phase);
  ASSERT_FALSE(out.ok());
  EXPECT_NE(out.status().message().find("no document has a phase named 'bulid'"), std::string::npos);
}

TEST_F(ExecutorTest, ExitCode194SavesStateAndResumesAtTheSameStep) {
  std::string indicator = (dir_ / "reboot-indicator").string();
  // The guide's ExitCode194Example, plus steps around it to check that
  // earlier outputs survive the reboot.
  std::string doc = Write("reboot.yml", R"(schemaVersion: 1.0
phases:
  - name: build
    steps:
      - name: Before
        action: ExecuteBash
        inputs: {commands: ["echo before-reboot"]}
      - name: RestartTrigger
        action: ExecuteBash
        inputs:
          commands:
            - |
              REBOOT_INDICATOR=)" + indicator + R"(
              if [ -f "${REBOOT_INDICATOR}" ]; then
                echo 'The reboot file exists. Deleting it and exiting with success.'
                rm "${REBOOT_INDICATOR}"
                exit 0
              fi
              echo 'The reboot file does not exist. Creating it and triggering a restart.'
              touch "${REBOOT_INDICATOR}"
              exit 194
      - name: After
        action: ExecuteBash
        inputs: {commands: ["echo '{{ build.Before.outputs.stdout }}' '{{ build.RestartTrigger.outputs.stdout }}'"]}
)");
  RunOptions o = Options({doc});
  o.state_directory = (dir_ / "state").string();
  auto first = ExecuteRun(o);
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  EXPECT_EQ(first->exit_code, 194);
  EXPECT_TRUE(fs::exists(StateFilePath(o)));
  EXPECT_TRUE(fs::exists(indicator));
  // After the "reboot": the same command again.
  auto second = ExecuteRun(o);
  ASSERT_TRUE(second.ok()) << second.status().ToString();
  EXPECT_TRUE(second->resumed);
  EXPECT_EQ(second->exit_code, 0) << second->summary.dump();
  EXPECT_EQ(second->log_folder, first->log_folder);
  EXPECT_FALSE(fs::exists(StateFilePath(o)));
  EXPECT_FALSE(fs::exists(indicator));
  EXPECT_EQ(second->summary["executedStepCount"], 3);
  Json steps = Detailed(*second)["documents"][0]["phases"][0]["steps"];
  ASSERT_EQ(steps.size(), 3u);
  EXPECT_EQ(steps[2]["outputs"],
            "[{\"stdout\":\"before-reboot The reboot file exists. Deleting it and exiting with success.\"}]");
}

TEST_F(ExecutorTest, RebootModuleContinuesWithTheNextStep) {
  std::string marker = (dir_ / "count").string();
  std::string doc = Write("r.yml", R"(schemaVersion: 1.0
phases:
  - name: build
    steps:
      - name: One
        action: ExecuteBash
        inputs: {commands: ["echo one >> )" + marker + R"("]}
      - name: RebootStep
        action: Reboot
        onFailure: Abort
        maxAttempts: 2
        inputs:
          delaySeconds: 0
      - name: Two
        action: ExecuteBash
        inputs: {commands: ["echo two >> )" + marker + R"("]}
)");
  RunOptions o = Options({doc});
  auto first = ExecuteRun(o);
  ASSERT_TRUE(first.ok());
  EXPECT_EQ(first->exit_code, 194);
  EXPECT_EQ(ReadAll(marker), "one\n");
  auto second = ExecuteRun(o);
  ASSERT_TRUE(second.ok());
  EXPECT_EQ(second->exit_code, 0);
  EXPECT_EQ(ReadAll(marker), "one\ntwo\n");
  Json steps = Detailed(*second)["documents"][0]["phases"][0]["steps"];
  ASSERT_EQ(steps.size(), 3u);
  EXPECT_EQ(steps[1]["status"], "success");
}

TEST_F(ExecutorTest, RebootLoopIsCapped) {
  std::string doc = Write("r.yml", "schemaVersion: 1.0\nphases:\n  - name: build\n    steps:\n      - name: Always\n        action: ExecuteBash\n        inputs: {commands: [\"exit 194\"]}\n");
  RunOptions o = Options({doc});
  o.max_reboots = 2;
  EXPECT_EQ(ExecuteRun(o)->exit_code, 194);
  EXPECT_EQ(ExecuteRun(o)->exit_code, 194);
  auto last = ExecuteRun(o);
  ASSERT_TRUE(last.ok());
  EXPECT_EQ(last->exit_code, 1);
  EXPECT_NE(last->summary["failureMessage"].get<std::string>().find("after 2 reboots"), std::string::npos);
  EXPECT_FALSE(fs::exists(StateFilePath(o)));
}

TEST_F(ExecutorTest, ExecuteDocumentRunsNestedDocumentsAndDetectsCycles) {
  Write("Sample-1.yaml", R"(schemaVersion: 1.0
parameters:
  - Who:
      type: string
      default: nobody
phases:
  - name: build
    steps:
      - name: ExecuteBashStep
        action: ExecuteBash
        inputs: {commands: ["echo \"Hello {{ Who }}!\""]}
)");
  Write("Self.yaml", R"(schemaVersion: 1.0
phases:
  - name: build
    steps:
      - name: Again
        action: ExecuteDocument
        inputs: {document: Self.yaml}
)");
  std::string main_doc = Write("main.yaml", R"(schemaVersion: 1.0
phases:
  - name: build
    steps:
      - name: ExecuteNestedDocument
        action: ExecuteDocument
        inputs:
          document: Sample-1.yaml
          phases: build
          parameters:
            - name: Who
              value: World
      - name: Cycle
        action: ExecuteDocument
        onFailure: Continue
        inputs: {document: Self.yaml}
)");
  auto out = ExecuteRun(Options({main_doc}));
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  Json steps = Detailed(*out)["documents"][0]["phases"][0]["steps"];
  EXPECT_EQ(steps[0]["status"], "success");
  EXPECT_EQ(steps[0]["timeoutSeconds"], -1);
  const Json& nested = steps[0]["detailedOutput"][0];
  EXPECT_EQ(nested["documents"][0]["phases"][0]["steps"][0]["outputs"], "[{\"stdout\":\"Hello World!\"}]");
  Json outputs = Json::parse(steps[0]["outputs"].get<std::string>())[0];
  EXPECT_EQ(outputs["status"], "success");
  EXPECT_EQ(outputs["executedStepCount"], 1);
  EXPECT_EQ(steps[1]["status"], "failed");
  EXPECT_NE(steps[1]["failureMessage"].get<std::string>().find("cyclic execution detected"), std::string::npos)
      << steps[1].dump();
}

}  // namespace
}  // namespace kiln::toe
