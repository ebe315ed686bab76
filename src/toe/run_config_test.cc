#include "toe/run_config.h"

#include <gtest/gtest.h>

namespace kiln::toe {
namespace {

TEST(RunConfigTest, ParameterListSplitsOnTheFirstEquals) {
  auto p = ParseParameterList("ntp-server=ntp-server.amazon.com,http-url=https://internal-us-east1.amazon.com,x=a=b");
  ASSERT_TRUE(p.ok());
  ASSERT_EQ(p->size(), 3u);
  EXPECT_EQ((*p)[1].name, "http-url");
  EXPECT_EQ((*p)[1].value, "https://internal-us-east1.amazon.com");
  EXPECT_EQ((*p)[2].value, "a=b");
  EXPECT_FALSE(ParseParameterList("ntp-server=").ok());
  EXPECT_FALSE(ParseParameterList("=value").ok());
  EXPECT_FALSE(ParseParameterList("novalue").ok());
  EXPECT_FALSE(ParseParameterList("a=1,,b=2").ok());
}

const char* kGuideConfig = R"({
  "documents": [
    {"path": "sampledoc.yaml", "parameters": [{"name": "dayofweek", "value": "Monday"}]},
    {"path": "conversation-intro.yaml", "parameters": [{"name": "greeting", "value": "Hello, HAL."}]}
  ],
  "phases": "build,test",
  "parameters": [{"name": "project", "value": "examples"}],
  "cwLogGroup": "group", "cwLogStream": "stream",
  "documentS3BucketOwner": "123456789012", "executionId": "id-1",
  "logDirectory": "/tmp/logs", "logS3BucketName": "bucket",
  "logS3KeyPrefix": "prefix", "logS3BucketOwner": "123456789012"
})";

TEST(RunConfigTest, ParsesTheGuideExample) {
  auto s = ParseConfigFile(kGuideConfig, "run.json");
  ASSERT_TRUE(s.ok()) << s.status().ToString();
  ASSERT_EQ(s->config_documents.size(), 2u);
  EXPECT_EQ(s->config_documents[1].parameters[0].value, "Hello, HAL.");
  EXPECT_EQ(*s->phases, "build,test");
  EXPECT_EQ(*s->execution_id, "id-1");
  EXPECT_EQ(*s->cw_log_group, "group");
  auto o = ToRunOptions(*s);
  ASSERT_TRUE(o.ok());
  EXPECT_EQ(o->phases, (std::vector<std::string>{"build", "test"}));
  EXPECT_EQ(o->parameters[0].name, "project");
  EXPECT_EQ(o->log_directory, "/tmp/logs");
}

TEST(RunConfigTest, CommandLineWinsAndForbiddenCombinations) {
  auto config = ParseConfigFile(kGuideConfig, "run.json");
  ASSERT_TRUE(config.ok());
  RunSettings cli;
  cli.phases = "test";
  cli.execution_id = "cli-id";
  auto merged = MergeSettings(cli, *config);
  ASSERT_TRUE(merged.ok());
  EXPECT_EQ(*merged->phases, "test");
  EXPECT_EQ(*merged->execution_id, "cli-id");
  EXPECT_EQ(*merged->log_directory, "/tmp/logs");
  cli.documents = "x.yml";
  EXPECT_FALSE(MergeSettings(cli, *config).ok());
  cli.documents.reset();
  cli.parameters = "a=b";
  EXPECT_FALSE(MergeSettings(cli, *config).ok());
  EXPECT_FALSE(MergeSettings(RunSettings{}, std::nullopt).ok());  // no documents at all
}

TEST(RunConfigTest, BadConfigFiles) {
  EXPECT_FALSE(ParseConfigFile("{", "c.json").ok());
  EXPECT_FALSE(ParseConfigFile("{}", "c.json").ok());  // documents required
  EXPECT_FALSE(ParseConfigFile(R"({"documents": [{"path": "a"}], "phase": "build"})", "c.json").ok());
  EXPECT_FALSE(ParseConfigFile(R"({"documents": [{"file": "a"}]})", "c.json").ok());
  EXPECT_FALSE(ParseConfigFile(R"({"documents": [{"path": "a"}], "trace": "yes"})", "c.json").ok());
  EXPECT_FALSE(ParseConfigFile(R"({"documents": [{"path": "a", "parameters": [{"name": "x"}]}]})", "c.json").ok());
  auto misspelt = ParseConfigFile(R"({"documents": [{"path": "a"}], "executonId": "typo"})", "c.json");
  ASSERT_TRUE(misspelt.ok());
  EXPECT_EQ(*misspelt->execution_id, "typo");
}

}  // namespace
}  // namespace kiln::toe
